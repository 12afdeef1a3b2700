/* TLS handshake messages for the reader (tls_impl.h): cutting a stream of
 * handshake bytes into messages, reading a ServerHello (RFC 8446 section
 * 4.1.3, RFC 5246 section 7.4.1.3), and the server's Certificate (RFC 5246
 * 7.4.2, RFC 8446 4.4.2): its body put together across records (up to
 * CERT_MSG_MAX bytes, charged to the budget), its first entry (the leaf)
 * decoded by libcrypto: subject, issuer, validity, whether it signed
 * itself, its SHA-256. Bounded: only HS_BODY_MAX bytes of a body are kept
 * otherwise; every length is checked before what it covers is read. */
#include "tls_impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define EXT_ENCRYPT_THEN_MAC 0x0016
#define EXT_SUPPORTED_VERSIONS 0x002b

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

void hs_feed(struct hs_reader *r, const uint8_t *p, size_t n, hs_fn fn, void *ctx)
{
    while (n > 0) {
        if (r->hdr_have < 4) {
            r->hdr[r->hdr_have++] = *p++;
            n--;
            if (r->hdr_have < 4)
                continue;
            r->type = r->hdr[0];
            r->len = r->left = (uint32_t)r->hdr[1] << 16 | (uint32_t)r->hdr[2] << 8 | r->hdr[3];
            r->body_have = 0;
        }
        size_t take = n < r->left ? n : r->left;
        if (r->piece && take)
            r->piece(ctx, r->type, p, take, r->len - r->left, r->len);
        size_t keep = take;
        if (keep > HS_BODY_MAX - r->body_have)
            keep = HS_BODY_MAX - r->body_have;
        memcpy(r->body + r->body_have, p, keep);
        r->body_have += keep;
        r->left -= (uint32_t)take;
        p += take;
        n -= take;
        if (r->left == 0) {
            r->hdr_have = 0;
            fn(ctx, r->type, r->body, r->body_have, r->len);
        }
    }
}

/* A cursor over a body: reads that would pass its end fail. */
struct rd {
    const uint8_t *p;
    size_t n, pos;
};

static int rd_u8(struct rd *r, uint8_t *v)
{
    if (r->pos + 1 > r->n)
        return -1;
    *v = r->p[r->pos++];
    return 0;
}

static int rd_u16(struct rd *r, uint16_t *v)
{
    if (r->pos + 2 > r->n)
        return -1;
    *v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return 0;
}

static int rd_skip(struct rd *r, size_t k)
{
    if (k > r->n - r->pos)
        return -1;
    r->pos += k;
    return 0;
}

/* The extensions the reader needs: the version chosen, encrypt-then-MAC. */
static int server_extensions(struct rd *r, struct server_hello *out)
{
    uint16_t total;
    if (r->pos == r->n)
        return 0; /* TLS 1.2 and older may end without extensions */
    if (rd_u16(r, &total) != 0 || total != r->n - r->pos)
        return -1;
    while (r->pos < r->n) {
        uint16_t type, len;
        if (rd_u16(r, &type) != 0 || rd_u16(r, &len) != 0 || len > r->n - r->pos)
            return -1;
        struct rd e = {r->p + r->pos, len, 0};
        if (type == EXT_SUPPORTED_VERSIONS && rd_u16(&e, &out->version) != 0)
            return -1;
        if (type == EXT_ENCRYPT_THEN_MAC)
            out->etm = 1;
        r->pos += len;
    }
    return 0;
}

int is_hello_retry(const uint8_t *body, size_t have)
{
    return have >= 34 && memcmp(body + 2, hrr_random, 32) == 0;
}

int parse_server_hello(const uint8_t *body, size_t len, struct server_hello *out)
{
    struct rd r = {body, len, 0};
    uint8_t sid_len, compression;
    memset(out, 0, sizeof *out);
    if (rd_u16(&r, &out->version) != 0 || (out->version >> 8) != 3 || r.n - r.pos < 32)
        return -1;
    memcpy(out->random, body + r.pos, 32);
    r.pos += 32;
    out->hrr = is_hello_retry(body, len);
    if (rd_u8(&r, &sid_len) != 0 || sid_len > 32 || rd_skip(&r, sid_len) != 0 ||
        rd_u16(&r, &out->suite) != 0 || rd_u8(&r, &compression) != 0 || compression != 0)
        return -1;
    return server_extensions(&r, out);
}

/* --- the server's Certificate --------------------------------------------------- */

static size_t u24(const uint8_t *p) { return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]; }

int cert_piece(struct cert_reader *c, struct mt_budget *b, const uint8_t *p, size_t n,
               size_t off, size_t len)
{
    if (c->done)
        return 0;
    if (off == 0) {
        cert_release(c, b); /* a message begun and never ended: a new one */
        size_t cap = len < CERT_MSG_MAX ? len : CERT_MSG_MAX;
        if (!mt_budget_take(b, cap)) {
            c->done = 1;
            return -1;
        }
        if (!(c->buf = malloc(cap))) {
            mt_budget_give(b, cap);
            c->done = 1;
            return -1;
        }
        c->cap = cap;
        c->active = 1;
    }
    if (!c->active || off != c->have)
        return 0; /* not the message begun (cannot be: hs_feed is in order) */
    size_t keep = n < c->cap - c->have ? n : c->cap - c->have;
    memcpy(c->buf + c->have, p, keep);
    c->have += keep;
    return 0;
}

void cert_release(struct cert_reader *c, struct mt_budget *b)
{
    if (c->buf) {
        free(c->buf);
        mt_budget_give(b, c->cap);
    }
    c->buf = NULL;
    c->cap = c->have = 0;
    c->active = 0;
}

int cert_finish(struct cert_reader *c, struct mt_budget *b, size_t len, int tls13,
                struct mt_tls_cert *out, const char **why)
{
    int rc;
    if (c->done) {
        *why = NULL;
        return -1;
    }
    if (len > 0 && (!c->active || c->have != (len < c->cap ? len : c->cap))) {
        *why = "its start was not seen";
        rc = -1;
    } else {
        rc = cert_parse(c->buf ? c->buf : (const uint8_t *)"", c->have, len, tls13, out, why);
    }
    c->done = 1;
    cert_release(c, b);
    return rc;
}

/* A name on one line, RFC 2253 style, cut to fit out; printable ASCII
 * only (the flags escape control and 8-bit bytes already; whatever else
 * is not printable, a NUL included, becomes '?'). */
static void name_text(const X509_NAME *name, char *out, size_t size)
{
    int k = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && name && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
        k = BIO_read(bio, out, (int)size - 1);
    BIO_free(bio);
    if (k < 0)
        k = 0;
    for (int i = 0; i < k; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
            out[i] = '?';
    out[k] = '\0';
}

/* Days from 1970-01-01 to a proleptic Gregorian date (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* An ASN1_TIME as Unix seconds; 0 if it cannot be read. */
static int64_t unix_time(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* What the certificate says, from its DER (n bytes, all of them). */
static int decode(const uint8_t *der, size_t n, struct mt_tls_cert *out, const char **why)
{
    const unsigned char *q = der;
    X509 *x = n <= CERT_MSG_MAX ? d2i_X509(NULL, &q, (long)n) : NULL;
    if (!x || q != der + n) {
        X509_free(x);
        ERR_clear_error();
        *why = "its leaf is not a certificate";
        return -1;
    }
    name_text(X509_get_subject_name(x), out->subject, sizeof out->subject);
    name_text(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    out->not_before = unix_time(X509_get0_notBefore(x));
    out->not_after = unix_time(X509_get0_notAfter(x));
    /* The names match (and the key identifiers, if given) and its own key
     * verifies its signature; unlike X509_check_issued(x, x), a leaf whose
     * key usage does not allow signing certificates still counts. */
    out->self_signed = X509_self_signed(x, 1) == 1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; ok && i < 32; i++) {
        out->sha256[2 * i] = hex[md[i] >> 4];
        out->sha256[2 * i + 1] = hex[md[i] & 15];
    }
    out->sha256[ok ? 64 : 0] = '\0';
    X509_free(x);
    ERR_clear_error();
    return 0;
}

int cert_parse(const uint8_t *body, size_t have, size_t len, int tls13, struct mt_tls_cert *out,
               const char **why)
{
    size_t pos = 0;
    memset(out, 0, sizeof *out);
    if (have > len)
        have = len;
    if (tls13) { /* certificate_request_context<0..255> */
        if (have < 1 || (size_t)body[0] + 1 > have) {
            *why = "it is cut short";
            return -1;
        }
        pos = 1 + (size_t)body[0];
    }
    /* certificate_list<0..2^24-1>: the rest of the message, exactly */
    if (have - pos < 3 || u24(body + pos) != len - pos - 3) {
        *why = "its lengths do not add up";
        return -1;
    }
    pos += 3;
    if (pos == len) {
        *why = "it holds no certificate";
        return -1;
    }
    /* The first entry: cert_data<1..2^24-1> (TLS 1.3: then extensions<0..2^16-1>) */
    if (have - pos < 3) {
        *why = "it is cut short";
        return -1;
    }
    size_t n = u24(body + pos);
    pos += 3;
    if (n == 0 || n > len - pos) {
        *why = "its first entry's length does not fit";
        return -1;
    }
    if (n > have - pos) {
        *why = "its first certificate is longer than 64 KiB";
        return -1;
    }
    if (tls13) {
        size_t e = pos + n;
        if (len - e < 2 || (have - e >= 2 && ((size_t)body[e] << 8 | body[e + 1]) > len - e - 2)) {
            *why = "its first entry's extensions do not fit";
            return -1;
        }
    }
    return decode(body + pos, n, out, why);
}
