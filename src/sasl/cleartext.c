/* PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login): the user and
 * the password in the clear. */
#include <string.h>

#include "sasl_impl.h"

enum { LOGIN_ASKS_USER = 1, LOGIN_ASKS_PASSWORD = 2 };

/* RFC 4616: [authzid] NUL authcid NUL passwd. One NUL is read as
 * authcid NUL passwd, which some broken clients send. An empty message
 * holds no NUL, hence nothing. */
unsigned sasl_plain_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    const uint8_t *m = s->msg, *end = s->msg + s->msg_len;
    const uint8_t *nul1 = memchr(m, 0, s->msg_len);
    if (!nul1)
        return 0;
    const uint8_t *nul2 = memchr(nul1 + 1, 0, (size_t)(end - nul1 - 1));
    struct sasl_span authz = {m, 0}, user, pass;
    if (nul2) {
        authz.n = (size_t)(nul1 - m);
        user = (struct sasl_span){nul1 + 1, (size_t)(nul2 - nul1 - 1)};
        pass = (struct sasl_span){nul2 + 1, (size_t)(end - nul2 - 1)};
    } else {
        user = (struct sasl_span){m, (size_t)(nul1 - m)};
        pass = (struct sasl_span){nul1 + 1, (size_t)(end - nul1 - 1)};
    }
    unsigned flags = MT_SASL_EXPOSES_SECRET;
    if (authz.n > 0)
        sasl_set_span(s, &s->cred.authzid, authz);
    if (user.n > 0) {
        sasl_set_span(s, &s->cred.user, user);
        flags |= MT_SASL_EXPOSES_USER;
    }
    sasl_set_span(s, &s->cred.password, pass);
    return flags;
}

/* The server's prompt says what the answer is ("Username:", "Password:");
 * without one, the first non-empty message is the user (an initial
 * response), the next one the password, even if empty. */
unsigned sasl_login_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    struct sasl_span v = {s->msg, s->msg_len};
    int want = s->login_asks                 ? s->login_asks
               : s->stage == 0 && v.n > 0    ? LOGIN_ASKS_USER
               : s->stage == 1               ? LOGIN_ASKS_PASSWORD
                                             : 0;
    s->login_asks = 0;
    if (want == LOGIN_ASKS_PASSWORD) {
        s->stage = 2;
        sasl_set_span(s, &s->cred.password, v);
        return MT_SASL_EXPOSES_SECRET;
    }
    if (want == LOGIN_ASKS_USER && v.n > 0) {
        if (s->stage < 1)
            s->stage = 1;
        sasl_set_span(s, &s->cred.user, v);
        return MT_SASL_EXPOSES_USER;
    }
    return 0;
}

/* What a LOGIN prompt asks for, by its words (any case). */
static int contains_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && sasl_upper(p[i + j]) == (uint8_t)w[j])
            j++;
        if (j == k)
            return 1;
    }
    return 0;
}

void sasl_login_server(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    if (contains_word(s->msg, s->msg_len, "PASS"))
        s->login_asks = LOGIN_ASKS_PASSWORD;
    else if (contains_word(s->msg, s->msg_len, "USER") ||
             contains_word(s->msg, s->msg_len, "NAME"))
        s->login_asks = LOGIN_ASKS_USER;
    else
        s->login_asks = 0;
}
