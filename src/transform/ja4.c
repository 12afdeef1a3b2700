/* JA4, the TLS client fingerprint of FoxIO (technical_details/JA4.md at
 * https://github.com/FoxIO-LLC/ja4), from what the ClientHello reader
 * collected (struct mt_ja4_hello, tls.h).
 *
 *   t 13 d 15 16 h2 _ 8daaf6152771 _ e5627efa2ab1
 *   a: protocol ('t': TLS over TCP, all mailtap sees), version, SNI ('d')
 *      or not ('i'), number of cipher suites and of extensions (at most 99),
 *      first and last characters of the first ALPN protocol ("00": none);
 *   b: SHA-256 of the cipher suites, sorted, as comma-separated 4-digit
 *      lower-case hex, cut to 12 hex digits;
 *   c: the same of the extension types, sorted, without server_name and
 *      ALPN, then '_' and the signature algorithms in their order (no '_'
 *      when there are none).
 * GREASE values (RFC 8701) are left out everywhere; an empty list hashes
 * to "000000000000".  The input was read from hostile bytes, but it is
 * only counts and arrays within their limits, checked again here.
 */
#include "mailtap/tls.h"

#include <assert.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define EXT_SERVER_NAME 0x0000
#define EXT_ALPN 0x0010

/* "xxxx," for each value of the longest list, and room for the NUL. */
#define LIST_CAP ((MT_JA4_MAX_CIPHERS > MT_JA4_MAX_EXTS + MT_JA4_MAX_SIGALGS \
                       ? MT_JA4_MAX_CIPHERS                                 \
                       : MT_JA4_MAX_EXTS + MT_JA4_MAX_SIGALGS) * 5 + 1)

static const char hexdig[] = "0123456789abcdef";

/* 0x0a0a, 0x1a1a, ..., 0xfafa (RFC 8701). */
static int is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Copies the non-GREASE values of in[0..n) into out (room for n);
 * returns how many. */
static size_t without_grease(const uint16_t *in, size_t n, uint16_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_grease(in[i]))
            out[k++] = in[i];
    return k;
}

/* Appends v[0..n) as "xxxx,xxxx" to buf at *len (the caller sized buf). */
static void append_list(char *buf, size_t *len, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf[(*len)++] = ',';
        for (int shift = 12; shift >= 0; shift -= 4)
            buf[(*len)++] = hexdig[(v[i] >> shift) & 0xf];
    }
}

/* The first 12 hex digits of SHA-256(s[0..n)), or twelve zeros when n is 0;
 * out gets 12 characters, no NUL.  -1 if libcrypto fails. */
static int hash12(const char *s, size_t n, char *out)
{
    if (n == 0) {
        memset(out, '0', 12);
        return 0;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hexdig[md[i] >> 4];
        out[2 * i + 1] = hexdig[md[i] & 0xf];
    }
    return 0;
}

/* The two version characters: from supported_versions if it is there (its
 * highest value, GREASE left out), else from the legacy version. */
static const char *version_code(const struct mt_ja4_hello *h)
{
    uint16_t v = h->legacy_version;
    if (h->has_versions) {
        int any = 0;
        v = 0;
        for (size_t i = 0; i < h->n_versions; i++) {
            if (!is_grease(h->versions[i]) && (!any || h->versions[i] > v)) {
                v = h->versions[i];
                any = 1;
            }
        }
        if (!any)
            return "00"; /* the extension names no version */
    }
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0002:
        return "s2";
    case 0xfeff:
        return "d1";
    case 0xfefd:
        return "d2";
    case 0xfefc:
        return "d3";
    default:
        return "00";
    }
}

static int alnum(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

/* The first and last characters of the first ALPN protocol; when either is
 * not an ASCII letter or digit, the first and last digits of its hex form
 * (the high nibble of the first byte, the low nibble of the last). */
static void alpn_code(const struct mt_ja4_hello *h, char out[2])
{
    if (h->alpn_len == 0) {
        out[0] = out[1] = '0';
    } else if (alnum(h->alpn_first) && alnum(h->alpn_last)) {
        out[0] = (char)h->alpn_first;
        out[1] = (char)h->alpn_last;
    } else {
        out[0] = hexdig[h->alpn_first >> 4];
        out[1] = hexdig[h->alpn_last & 0xf];
    }
}

/* Two decimal digits, at most 99. */
static void count2(size_t n, char *out)
{
    if (n > 99)
        n = 99;
    out[0] = (char)('0' + n / 10);
    out[1] = (char)('0' + n % 10);
}

int mt_ja4(const struct mt_ja4_hello *h, char out[MT_JA4_SIZE])
{
    out[0] = '\0';
    if (!h || h->unusable || h->n_ciphers > MT_JA4_MAX_CIPHERS || h->n_exts > MT_JA4_MAX_EXTS ||
        h->n_sigalgs > MT_JA4_MAX_SIGALGS || h->n_versions > MT_JA4_MAX_VERSIONS ||
        h->alpn_len > 255)
        return -1;

    uint16_t ciphers[MT_JA4_MAX_CIPHERS], exts[MT_JA4_MAX_EXTS], sigs[MT_JA4_MAX_SIGALGS];
    size_t nc = without_grease(h->ciphers, h->n_ciphers, ciphers);
    size_t ne = without_grease(h->exts, h->n_exts, exts);
    size_t ns = without_grease(h->sigalgs, h->n_sigalgs, sigs);

    /* a: counted before server_name and ALPN leave the extension list. */
    int sni = 0;
    size_t kept = 0;
    for (size_t i = 0; i < ne; i++) {
        if (exts[i] == EXT_SERVER_NAME)
            sni = 1;
        if (exts[i] != EXT_SERVER_NAME && exts[i] != EXT_ALPN)
            exts[kept++] = exts[i];
    }
    char fp[MT_JA4_SIZE];
    const char *ver = version_code(h);
    fp[0] = 't';
    fp[1] = ver[0];
    fp[2] = ver[1];
    fp[3] = sni ? 'd' : 'i';
    count2(nc, fp + 4);
    count2(ne, fp + 6);
    alpn_code(h, fp + 8);
    fp[10] = '_';
    fp[23] = '_';
    fp[36] = '\0';

    /* b */
    static_assert(LIST_CAP >= MT_JA4_MAX_CIPHERS * 5, "list buffer");
    char buf[LIST_CAP];
    size_t len = 0;
    qsort(ciphers, nc, sizeof ciphers[0], cmp_u16);
    append_list(buf, &len, ciphers, nc);
    if (hash12(buf, len, fp + 11) != 0)
        return -1;

    /* c: no extensions left hashes to zeros whatever the algorithms. */
    len = 0;
    qsort(exts, kept, sizeof exts[0], cmp_u16);
    append_list(buf, &len, exts, kept);
    if (kept > 0 && ns > 0) {
        buf[len++] = '_';
        append_list(buf, &len, sigs, ns);
    }
    if (hash12(buf, len, fp + 24) != 0)
        return -1;

    memcpy(out, fp, sizeof fp);
    return 0;
}
