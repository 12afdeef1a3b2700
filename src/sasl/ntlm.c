/* NTLM (MS-NLMP): the user, domain and workstation of the AUTHENTICATE
 * message, a NetNTLMv1/v2 crackable line, and each message told in words.
 * Every offset and length inside a message is checked against it. */
#include <stdio.h>
#include <string.h>

#include "sasl_impl.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define NTLM_UNICODE 0x00000001u

/* A message of type t: "NTLMSSP\0" then the type. */
static int ntlm_is(const struct mt_sasl *s, uint32_t t, size_t min_len)
{
    return s->msg_len >= min_len && s->msg_len >= 12 && memcmp(s->msg, "NTLMSSP", 8) == 0 &&
           le32(s->msg + 8) == t;
}

/* The server challenge of a CHALLENGE_MESSAGE (type 2). */
static void ntlm_challenge(struct mt_sasl *s)
{
    if (!ntlm_is(s, 2, 32))
        return;
    memcpy(s->ntlm_chal, s->msg + 24, 8);
    s->ntlm_flags = le32(s->msg + 20);
    s->ntlm_chal_ok = 1;
}

/* A security buffer (len, maxlen, offset) at hdr, checked against the
 * message. maxlen is not trusted nor needed. */
static int ntlm_buffer(const struct mt_sasl *s, size_t hdr, struct sasl_span *v)
{
    if (s->msg_len < hdr + 8)
        return 0;
    size_t len = le16(s->msg + hdr);
    size_t off = le32(s->msg + hdr + 4);
    if (off > s->msg_len || len > s->msg_len - off)
        return 0;
    *v = (struct sasl_span){s->msg + off, len};
    return 1;
}

/* Appends one code point as UTF-8 if it fits. */
static int put_utf8(uint8_t *out, size_t cap, size_t *w, uint32_t cp)
{
    uint8_t b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp, k = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), k = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f)), k = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f)), k = 4;
    }
    if (k > cap - *w)
        return 0;
    memcpy(out + *w, b, k);
    *w += k;
    return 1;
}

/* UTF-16LE to UTF-8, bounded; an unpaired surrogate becomes U+FFFD and an
 * odd last byte is dropped. Never splits a character at the bound. */
static void set_utf16(struct mt_sasl *s, struct mt_sasl_str *f, struct sasl_span v)
{
    size_t cap = sasl_field_cap(s, f), w = 0, i = 0;
    int cut = sasl_ends_cut(s, v.p, v.n);
    while (i + 1 < v.n) {
        uint32_t cp = le16(v.p + i);
        i += 2;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < v.n && le16(v.p + i) >= 0xdc00 &&
            le16(v.p + i) <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (le16(v.p + i) - 0xdc00u);
            i += 2;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        if (!put_utf8(f->p, cap, &w, cp)) {
            cut = 1;
            break;
        }
    }
    f->len = w;
    f->present = 1;
    f->truncated = cut;
}

/* A string of the AUTHENTICATE message, kept only if non-empty. */
static void ntlm_string(struct mt_sasl *s, struct mt_sasl_str *f, size_t hdr, int unicode)
{
    struct sasl_span v;
    if (!ntlm_buffer(s, hdr, &v) || v.n == 0)
        return;
    if (unicode)
        set_utf16(s, f, v);
    else
        sasl_set_span(s, f, v);
    if (f->len == 0 && !f->truncated)
        f->present = 0;
}

/* NetNTLMv1 (24-byte NT response):  user::domain:lm:nt:challenge
 * NetNTLMv2 (longer):               user::domain:challenge:ntproof:blob
 * '$' is harmless in these lines (machine accounts end with it). */
static void ntlm_hash(struct mt_sasl *s)
{
    const struct mt_sasl_str *u = &s->cred.user, *d = &s->cred.domain;
    struct sasl_span lm = {NULL, 0}, nt;
    if (!s->ntlm_chal_ok || !ntlm_buffer(s, 20, &nt) || u->truncated || d->truncated ||
        !sasl_line_safe(u->p, u->len, ":") || !sasl_line_safe(d->p, d->len, ":"))
        return;
    int v1 = nt.n == 24;
    if (v1 && (!ntlm_buffer(s, 12, &lm) || lm.n != 24))
        return;
    if (!v1 && nt.n <= 24)
        return;
    struct sasl_line l = sasl_line_start(s);
    sasl_line_add(&l, u->p, u->len);
    sasl_line_str(&l, "::");
    sasl_line_add(&l, d->p, d->len);
    sasl_line_str(&l, ":");
    if (v1) {
        sasl_line_hex(&l, lm.p, lm.n);
        sasl_line_str(&l, ":");
        sasl_line_hex(&l, nt.p, nt.n);
        sasl_line_str(&l, ":");
        sasl_line_hex(&l, s->ntlm_chal, 8);
    } else {
        sasl_line_hex(&l, s->ntlm_chal, 8);
        sasl_line_str(&l, ":");
        sasl_line_hex(&l, nt.p, 16);
        sasl_line_str(&l, ":");
        sasl_line_hex(&l, nt.p + 16, nt.n - 16);
    }
    sasl_line_finish(&l, v1 ? "hashcat -m 5500" : "hashcat -m 5600");
}

/* AUTHENTICATE_MESSAGE (type 3). The flags at 60 say how strings are
 * encoded; a short message without them falls back to the server's. */
static unsigned ntlm_authenticate(struct mt_sasl *s)
{
    if (!ntlm_is(s, 3, 52))
        return 0;
    uint32_t flags = s->msg_len >= 64 ? le32(s->msg + 60) : s->ntlm_flags;
    int unicode = (flags & NTLM_UNICODE) != 0;
    /* A second AUTHENTICATE message (never sent by a real client) starts
     * over: nothing of the first may end up on the new hash line. */
    s->cred.user.present = s->cred.domain.present = s->cred.host.present = 0;
    s->cred.user.len = s->cred.domain.len = s->cred.host.len = 0;
    s->cred.hash.present = 0;
    s->cred.hash.len = 0;
    s->cred.hash_format = NULL;
    ntlm_string(s, &s->cred.domain, 28, unicode);
    ntlm_string(s, &s->cred.user, 36, unicode);
    ntlm_string(s, &s->cred.host, 44, unicode);
    ntlm_hash(s);
    unsigned out = 0;
    struct sasl_span nt;
    if (s->cred.user.present)
        out |= MT_SASL_EXPOSES_USER;
    if (ntlm_buffer(s, 20, &nt) && nt.n > 0)
        out |= MT_SASL_EXPOSES_SECRET;
    return out;
}

/* An NTLM message in words: its type and what it carries in the clear,
 * rather than a screenful of escaped binary. */
static void ntlm_describe(struct mt_sasl *s, int from_client)
{
    char t[96];
    struct sasl_span nt;
    if (from_client && ntlm_is(s, 1, 16)) {
        snprintf(t, sizeof t, "NTLM NEGOTIATE message (%zu bytes)", s->msg_len);
        sasl_desc_str(s, t);
    } else if (!from_client && ntlm_is(s, 2, 32)) {
        snprintf(t, sizeof t, "NTLM CHALLENGE message (%zu bytes): server challenge ",
                 s->msg_len);
        sasl_desc_str(s, t);
        for (int i = 0; i < 8; i++) {
            snprintf(t, sizeof t, "%02x", s->msg[24 + i]);
            sasl_desc_str(s, t);
        }
    } else if (from_client && ntlm_is(s, 3, 52) && ntlm_buffer(s, 20, &nt)) {
        snprintf(t, sizeof t, "NTLM AUTHENTICATE message (%zu bytes): %s response (%zu bytes)",
                 s->msg_len, nt.n == 24 ? "NTLMv1" : nt.n > 24 ? "NTLMv2" : "NT", nt.n);
        sasl_desc_str(s, t);
        sasl_desc_field(s, ", domain ", &s->cred.domain);
        sasl_desc_field(s, ", user ", &s->cred.user);
        sasl_desc_field(s, ", workstation ", &s->cred.host);
    }
}

void sasl_ntlm_server(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    ntlm_challenge(s);
    ntlm_describe(s, 0);
}

unsigned sasl_ntlm_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    unsigned exposes = ntlm_authenticate(s);
    ntlm_describe(s, 1);
    return exposes;
}
