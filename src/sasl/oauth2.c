/* XOAUTH2 (Google) and OAUTHBEARER (RFC 7628): the user and the bearer
 * token, in the clear. */
#include <string.h>

#include "sasl_impl.h"

/* Finds key=value among ^A-separated pairs. */
static int pair_find(struct sasl_span all, const char *key, struct sasl_span *v)
{
    size_t i = 0, kl = strlen(key);
    while (i < all.n) {
        size_t e = i;
        while (e < all.n && all.p[e] != 0x01)
            e++;
        if (e - i > kl && all.p[i + kl] == '=' && sasl_word_is(all.p + i, kl, key)) {
            *v = (struct sasl_span){all.p + i + kl + 1, e - i - kl - 1};
            return 1;
        }
        i = e + 1;
    }
    return 0;
}

/* "Bearer <token>" gives the token; any other scheme is kept whole. */
static struct sasl_span bearer_token(struct sasl_span auth)
{
    if (auth.n > 7 && sasl_word_is(auth.p, 6, "Bearer") && auth.p[6] == ' ') {
        size_t i = 6;
        while (i < auth.n && auth.p[i] == ' ')
            i++;
        return (struct sasl_span){auth.p + i, auth.n - i};
    }
    return auth;
}

/* Stores the token of an auth= pair; an error-challenge reply (empty or a
 * lone ^A) has none and leaves what was found. */
static unsigned take_token(struct mt_sasl *s, struct sasl_span pairs)
{
    struct sasl_span auth;
    if (!pair_find(pairs, "auth", &auth))
        return 0;
    struct sasl_span token = bearer_token(auth);
    if (token.n == 0)
        return 0;
    sasl_set_span(s, &s->cred.password, token);
    return MT_SASL_EXPOSES_SECRET;
}

/* user=<u> ^A auth=Bearer <token> ^A ^A */
unsigned sasl_xoauth2_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    struct sasl_span all = {s->msg, s->msg_len}, user;
    unsigned flags = 0;
    if (pair_find(all, "user", &user) && user.n > 0) {
        sasl_set_span(s, &s->cred.user, user);
        flags |= MT_SASL_EXPOSES_USER;
    }
    return flags | take_token(s, all);
}

/* RFC 7628: gs2-header ^A key=value ^A ... auth=Bearer <token> ^A ^A. */
unsigned sasl_oauthbearer_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    struct sasl_span m = {s->msg, s->msg_len}, authz;
    size_t off = sasl_gs2_header(m, &authz);
    if (off == 0)
        return 0;
    unsigned flags = 0;
    if (authz.n > 0) {
        sasl_set_saslname(s, &s->cred.user, authz);
        flags |= MT_SASL_EXPOSES_USER;
    }
    return flags | take_token(s, (struct sasl_span){m.p + off, m.n - off});
}
