/* GSSAPI (RFC 4752) with Kerberos V5 (RFC 4121): nothing the client sends
 * can be cracked from the wire, and its own name is inside the encrypted
 * authenticator; but the ticket in its first message names, in the clear,
 * the service it was issued for and the realm ("imap/mail.example@REALM").
 * That is read here with a small bounded DER reader, so the login is
 * reported with whom it was for, never with a secret. */
#include <stdio.h>
#include <string.h>

#include "sasl_impl.h"

/* One DER element at *pos: its tag (one byte: the Kerberos types need no
 * more) and content; *pos moves past it. 0 if it does not fit in n. */
static int der(const uint8_t *p, size_t n, size_t *pos, uint8_t *tag, struct sasl_span *content)
{
    size_t i = *pos;
    if (i + 2 > n)
        return 0;
    *tag = p[i++];
    size_t len = p[i++];
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || i + k > n)
            return 0;
        len = 0;
        while (k--)
            len = len << 8 | p[i++];
    }
    if (len > n - i)
        return 0;
    *content = (struct sasl_span){p + i, len};
    *pos = i + len;
    return 1;
}

/* The content of the element with tag want inside c, among its first
 * elements (context tags [0] [1]... of a SEQUENCE). */
static int field(struct sasl_span c, uint8_t want, struct sasl_span *out)
{
    size_t pos = 0;
    uint8_t tag;
    while (pos < c.n) {
        if (!der(c.p, c.n, &pos, &tag, out))
            return 0;
        if (tag == want)
            return 1;
    }
    return 0;
}

/* Enters a constructed element of the given tag that c starts with. */
static int enter(struct sasl_span c, uint8_t want, struct sasl_span *out)
{
    size_t pos = 0;
    uint8_t tag;
    return der(c.p, c.n, &pos, &tag, out) && tag == want;
}

static const uint8_t krb5_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};

/* "sname[0]/sname[1]@realm" from a Ticket's content (a SEQUENCE). */
static void ticket_service(struct mt_sasl *s, struct sasl_span t)
{
    struct sasl_span seq, realm, sname, names, str;
    if (!enter(t, 0x30, &seq) || !field(seq, 0xa1, &realm) || !field(seq, 0xa2, &sname))
        return;
    if (!enter(realm, 0x1b, &realm) || !enter(sname, 0x30, &sname) ||
        !field(sname, 0xa1, &names) || !enter(names, 0x30, &names))
        return;
    uint8_t buf[MT_SASL_FIELD_MAX];
    size_t k = 0, pos = 0;
    int cut = 0;
    uint8_t tag;
    while (pos < names.n && der(names.p, names.n, &pos, &tag, &str)) {
        if (tag != 0x1b)
            return;
        if (k > 0 && k < sizeof buf)
            buf[k++] = '/';
        for (size_t i = 0; i < str.n; i++)
            if (k < sizeof buf)
                buf[k++] = str.p[i];
            else
                cut = 1;
    }
    if (k < sizeof buf)
        buf[k++] = '@';
    for (size_t i = 0; i < realm.n; i++)
        if (k < sizeof buf)
            buf[k++] = realm.p[i];
        else
            cut = 1;
    sasl_set_field(s, &s->cred.service, buf, k, cut);
}

unsigned sasl_gssapi_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    if (s->stage++ > 0)
        return 0;
    s->identified = 1; /* a login, whether or not its ticket can be read */
    /* InitialContextToken: [APPLICATION 0] { OID, TOK_ID 01 00, AP-REQ }. */
    struct sasl_span m = {s->msg, s->msg_len}, tok, oid, apreq, seq, ticket;
    size_t pos = 0;
    uint8_t tag;
    if (!enter(m, 0x60, &tok) || !der(tok.p, tok.n, &pos, &tag, &oid) || tag != 0x06 ||
        oid.n != sizeof krb5_oid || memcmp(oid.p, krb5_oid, sizeof krb5_oid) != 0)
        return 0;
    if (pos + 2 > tok.n || tok.p[pos] != 0x01 || tok.p[pos + 1] != 0x00)
        return 0;
    struct sasl_span rest = {tok.p + pos + 2, tok.n - pos - 2};
    /* AP-REQ: [APPLICATION 14] SEQUENCE { ..., [3] Ticket, ... }. */
    if (!enter(rest, 0x6e, &apreq) || !enter(apreq, 0x30, &seq) || !field(seq, 0xa3, &ticket) ||
        !enter(ticket, 0x61, &ticket))
        return 0;
    ticket_service(s, ticket);
    /* Shown instead of the token's bytes, as NTLM's messages are; the
     * service's bytes copied as they are (the sinks escape them). */
    const struct mt_sasl_str *sv = &s->cred.service;
    static const char tail[] = "; the client's name and the session key are encrypted";
    int k = snprintf((char *)s->desc, sizeof s->desc, "Kerberos AP-REQ (%zu bytes): a ticket for ",
                     s->msg_len);
    size_t len = k > 0 && (size_t)k < sizeof s->desc ? (size_t)k : 0;
    const uint8_t *name = sv->present ? sv->p : (const uint8_t *)"a service";
    size_t nl = sv->present ? sv->len : 9;
    if (len && len + nl + sizeof tail <= sizeof s->desc) {
        memcpy(s->desc + len, name, nl);
        memcpy(s->desc + len + nl, tail, sizeof tail - 1);
        len += nl + sizeof tail - 1;
    }
    s->desc_len = len;
    return 0;
}
