/* CRAM-MD5 (RFC 2195): the user in the clear, and a crackable line from the
 * server's challenge and the client's HMAC-MD5 digest. */
#include <string.h>

#include "sasl_impl.h"

/* Keeps the challenge as it came (base64), as the hash line wants it; an
 * empty or unreadable one leaves none. */
void sasl_cram_server(struct mt_sasl *s, struct sasl_span b64)
{
    s->chal_len = 0;
    if (s->msg_len == 0 || b64.n > sizeof s->chal)
        return;
    memcpy(s->chal, b64.p, b64.n);
    s->chal_len = b64.n;
}

/* "user SP digest"; the user may itself hold spaces, the digest not. The
 * hash line carries both messages as base64, as hashcat wants them. */
unsigned sasl_cram_client(struct mt_sasl *s, struct sasl_span b64)
{
    const uint8_t *m = s->msg;
    size_t sp = s->msg_len;
    while (sp > 0 && m[sp - 1] != ' ')
        sp--;
    if (s->msg_len == 0)
        return 0;
    if (sp == 0) { /* no digest: keep what looks like the user */
        sasl_set_span(s, &s->cred.user, (struct sasl_span){m, s->msg_len});
        return MT_SASL_EXPOSES_USER;
    }
    unsigned flags = 0;
    if (sp > 1) {
        sasl_set_field(s, &s->cred.user, m, sp - 1, 0);
        flags |= MT_SASL_EXPOSES_USER;
    }
    if (sp == s->msg_len)
        return flags;
    flags |= MT_SASL_EXPOSES_SECRET;
    if (s->chal_len == 0 || s->msg_cut)
        return flags;
    struct sasl_line l = sasl_line_start(s);
    sasl_line_str(&l, "$cram_md5$");
    sasl_line_add(&l, s->chal, s->chal_len);
    sasl_line_str(&l, "$");
    sasl_line_span(&l, b64);
    sasl_line_finish(&l, "hashcat -m 10200");
    return flags;
}
