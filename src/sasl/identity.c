/* The mechanisms whose client messages only say who the client is:
 * SCRAM-* (RFC 5802), EXTERNAL (RFC 4422 appendix A), ANONYMOUS (RFC 4505). */
#include "sasl_impl.h"

/* RFC 5802 client-first: gs2-header [m=ext,] n=user,r=nonce. Nothing in
 * SCRAM is secret on the wire without the server's salt and iterations. */
unsigned sasl_scram_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    struct sasl_span m = {s->msg, s->msg_len}, authz;
    if (s->stage > 0)
        return 0;
    size_t i = sasl_gs2_header(m, &authz);
    if (i == 0)
        return 0;
    s->stage = 1;
    if (authz.n > 0)
        sasl_set_saslname(s, &s->cred.authzid, authz);
    while (i < m.n) {
        size_t e = i;
        while (e < m.n && m.p[e] != ',')
            e++;
        if (e - i > 2 && m.p[i] == 'n' && m.p[i + 1] == '=') {
            sasl_set_saslname(s, &s->cred.user, (struct sasl_span){m.p + i + 2, e - i - 2});
            return MT_SASL_EXPOSES_USER;
        }
        i = e + 1;
    }
    return 0;
}

/* EXTERNAL (RFC 4422 appendix A): the message is the authorization
 * identity. ANONYMOUS (RFC 4505): it is a trace (an email address or a
 * token). Either is the only message, and names the client. */
static unsigned identity(struct mt_sasl *s, int is_authzid)
{
    struct sasl_span v = {s->msg, s->msg_len};
    if (s->stage++ > 0)
        return 0;
    s->identified = 1;
    if (v.n == 0)
        return 0;
    if (is_authzid)
        sasl_set_span(s, &s->cred.authzid, v);
    sasl_set_span(s, &s->cred.user, v);
    return MT_SASL_EXPOSES_USER;
}

unsigned sasl_external_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    return identity(s, 1);
}

unsigned sasl_anonymous_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    return identity(s, 0);
}
