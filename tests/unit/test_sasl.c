/* The SASL observer, mechanism by mechanism, with published vectors where
 * they exist (RFC 4616, 2195, 2831, 4505, 7628, 7677, MS-NLMP 4.2.2 and
 * 4.2.4, Google's XOAUTH2 page, hashcat's example hashes). Crackable lines
 * are checked twice: byte for byte, and by recomputing the response from
 * the line with the known password (MD4/MD5/HMAC-MD5 below). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/base64.h"
#include "mailtap/sasl.h"
#include "suites.h"

/* --- feeding the observer ------------------------------------------------- */

static struct mt_sasl *start(const char *mech)
{
    struct mt_sasl *s = mt_sasl_new();
    CU_ASSERT_FATAL(s != NULL);
    mt_sasl_begin(s, (const uint8_t *)mech, strlen(mech));
    return s;
}

static char *b64(const void *p, size_t n, size_t *len)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        abort();
    *len = mt_base64_encode(p, n, out);
    return out;
}

/* A client or server message given as raw bytes, sent as base64. */
static unsigned cli(struct mt_sasl *s, const void *p, size_t n)
{
    size_t len;
    char *t = b64(p, n, &len);
    unsigned r = mt_sasl_client(s, (const uint8_t *)t, len);
    free(t);
    return r;
}

static void srv(struct mt_sasl *s, const void *p, size_t n)
{
    size_t len;
    char *t = b64(p, n, &len);
    mt_sasl_server(s, (const uint8_t *)t, len);
    free(t);
}

#define CLI(s, lit) cli(s, lit, sizeof(lit) - 1)
#define SRV(s, lit) srv(s, lit, sizeof(lit) - 1)

/* Messages given as base64 text, as the dissectors see them. */
static unsigned cli64(struct mt_sasl *s, const char *t)
{
    return mt_sasl_client(s, (const uint8_t *)t, strlen(t));
}

static void srv64(struct mt_sasl *s, const char *t) { mt_sasl_server(s, (const uint8_t *)t, strlen(t)); }

/* A complete, untruncated field holding exactly p[0..n). */
static int is(const struct mt_sasl_str *f, const void *p, size_t n)
{
    return f->present && !f->truncated && f->len == n && (n == 0 || memcmp(f->p, p, n) == 0);
}

#define IS(f, lit) is(&(f), lit, sizeof(lit) - 1)
#define ABSENT(f) (!(f).present && (f).len == 0)

static int hash_is(const struct mt_sasl_cred *c, const char *line, const char *format)
{
    return c->hash.present && !c->hash.truncated && c->hash.len == strlen(line) &&
           strcmp((const char *)c->hash.p, line) == 0 && c->hash_format &&
           strcmp(c->hash_format, format) == 0;
}

/* --- MD4, MD5, HMAC-MD5 (RFC 1320, 1321, 2104) ----------------------------- */

static uint32_t rol(uint32_t x, int c) { return x << c | x >> (32 - c); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The message padded to whole 64-byte blocks, length in bits at the end. */
static uint8_t *md_pad(const void *p, size_t n, size_t *total)
{
    *total = (n + 8) / 64 * 64 + 64;
    uint8_t *m = calloc(*total, 1);
    if (!m)
        abort();
    if (n)
        memcpy(m, p, n);
    m[n] = 0x80;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        m[*total - 8 + i] = (uint8_t)(bits >> 8 * i);
    return m;
}

static void md5(const void *p, size_t n, uint8_t out[16])
{
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
    static const int R[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
    size_t total;
    uint8_t *m = md_pad(p, n, &total);
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];
        for (int j = 0; j < 16; j++)
            w[j] = get32(m + off + 4 * j);
        for (int i = 0; i < 64; i++) {
            uint32_t f;
            int g;
            if (i < 16)
                f = (b & c) | (~b & d), g = i;
            else if (i < 32)
                f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
            else if (i < 48)
                f = b ^ c ^ d, g = (3 * i + 5) % 16;
            else
                f = c ^ (b | ~d), g = (7 * i) % 16;
            uint32_t t = d;
            d = c;
            c = b;
            b = b + rol(a + f + K[i] + w[g], R[i / 16][i % 4]);
            a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    }
    free(m);
    for (int i = 0; i < 4; i++)
        put32(out + 4 * i, h[i]);
}

static void md4(const void *p, size_t n, uint8_t out[16])
{
    static const int order[3][16] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                     {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15},
                                     {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}};
    static const int S[3][4] = {{3, 7, 11, 19}, {3, 5, 9, 13}, {3, 9, 11, 15}};
    static const uint32_t add[3] = {0, 0x5a827999, 0x6ed9eba1};
    size_t total;
    uint8_t *m = md_pad(p, n, &total);
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];
        for (int j = 0; j < 16; j++)
            w[j] = get32(m + off + 4 * j);
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < 16; i++) {
                uint32_t f = r == 0   ? (b & c) | (~b & d)
                             : r == 1 ? (b & c) | (b & d) | (c & d)
                                      : b ^ c ^ d;
                uint32_t t = rol(a + f + w[order[r][i]] + add[r], S[r][i % 4]);
                a = d, d = c, c = b, b = t;
            }
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    }
    free(m);
    for (int i = 0; i < 4; i++)
        put32(out + 4 * i, h[i]);
}

static void hmac_md5(const void *key, size_t kn, const void *msg, size_t mn, uint8_t out[16])
{
    uint8_t k[64] = {0}, inner[16];
    if (kn > 64)
        md5(key, kn, k);
    else if (kn)
        memcpy(k, key, kn);
    uint8_t *buf = malloc(64 + mn + 16);
    if (!buf)
        abort();
    for (int i = 0; i < 64; i++)
        buf[i] = k[i] ^ 0x36;
    if (mn)
        memcpy(buf + 64, msg, mn);
    md5(buf, 64 + mn, inner);
    for (int i = 0; i < 64; i++)
        buf[i] = k[i] ^ 0x5c;
    memcpy(buf + 64, inner, 16);
    md5(buf, 80, out);
    free(buf);
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex of n characters into out; returns the bytes, or -1. */
static long from_hex(const char *h, size_t n, uint8_t *out)
{
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int a = hexval(h[i]), b = hexval(h[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (uint8_t)(a << 4 | b);
    }
    return (long)(n / 2);
}

static int md_hex_is(void (*fn)(const void *, size_t, uint8_t *), const char *msg, const char *want)
{
    uint8_t d[16];
    char h[33];
    fn(msg, strlen(msg), d);
    to_hex(d, 16, h);
    return strcmp(h, want) == 0;
}

static void test_digests(void)
{
    /* The verifiers below rest on these: RFC 1321 and RFC 1320 A.5. */
    CU_ASSERT(md_hex_is(md5, "", "d41d8cd98f00b204e9800998ecf8427e"));
    CU_ASSERT(md_hex_is(md5, "abc", "900150983cd24fb0d6963f7d28e17f72"));
    CU_ASSERT(md_hex_is(md5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0"));
    CU_ASSERT(md_hex_is(md5,
                        "1234567890123456789012345678901234567890"
                        "1234567890123456789012345678901234567890",
                        "57edf4a22be3c955ac49da2e2107b67a"));
    CU_ASSERT(md_hex_is(md4, "", "31d6cfe0d16ae931b73c59d7e0c089c0"));
    CU_ASSERT(md_hex_is(md4, "abc", "a448017aaf21d8525fc10ae87aa6729d"));
    CU_ASSERT(md_hex_is(md4,
                        "1234567890123456789012345678901234567890"
                        "1234567890123456789012345678901234567890",
                        "e33b4ddc9c38f2199c3e7b164fcc0536"));
    /* RFC 2104 test case 1. */
    uint8_t key[16], d[16];
    char h[33];
    memset(key, 0x0b, sizeof key);
    hmac_md5(key, sizeof key, "Hi There", 8, d);
    to_hex(d, 16, h);
    CU_ASSERT_STRING_EQUAL(h, "9294727a3638bb1c13f48ef8158bfc9d");
}

/* --- crackers for one line and one password ------------------------------- */

/* hashcat -m 10200: $cram_md5$<b64 challenge>$<b64 "user digest">. */
static int cram_cracks(const char *line, const char *password)
{
    if (strncmp(line, "$cram_md5$", 10) != 0)
        return 0;
    const char *c = line + 10, *d = strchr(c, '$');
    if (!d)
        return 0;
    uint8_t chal[2048], resp[2048];
    long cn = mt_base64_decode((const uint8_t *)c, (size_t)(d - c), chal, sizeof chal);
    long rn = mt_base64_decode((const uint8_t *)d + 1, strlen(d + 1), resp, sizeof resp - 1);
    if (cn < 0 || rn < 33)
        return 0;
    resp[rn] = '\0';
    if (resp[rn - 33] != ' ')
        return 0;
    uint8_t mac[16];
    char h[33];
    hmac_md5(password, strlen(password), chal, (size_t)cn, mac);
    to_hex(mac, 16, h);
    return strcmp(h, (const char *)resp + rn - 32) == 0;
}

/* Splits s in place on sep; returns the number of fields. */
static int split(char *s, char sep, char **f, int max)
{
    int k = 0;
    f[k++] = s;
    for (char *p = s; *p && k < max; p++)
        if (*p == sep) {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

static void md5_hex(const char *str, char out[33])
{
    uint8_t d[16];
    md5(str, strlen(str), d);
    to_hex(d, 16, out);
}

/* John's dmd5: $DIGEST-MD5$user$realm$nonce$uri$cnonce$nc$qop$response[$authzid],
 * computed as RFC 2831 2.1.2.1 (qop=auth). */
static int dmd5_cracks(const char *line, const char *password)
{
    char copy[2048], *f[12], buf[2048];
    if (strlen(line) >= sizeof copy)
        return 0;
    strcpy(copy, line);
    int k = split(copy, '$', f, 12);
    if ((k != 10 && k != 11) || f[0][0] || strcmp(f[1], "DIGEST-MD5") != 0 || strcmp(f[8], "auth"))
        return 0;
    const char *user = f[2], *realm = f[3], *nonce = f[4], *uri = f[5], *cnonce = f[6], *nc = f[7];
    uint8_t a1[1024];
    char ha1[33], ha2[33], resp[33];
    snprintf(buf, sizeof buf, "%s:%s:%s", user, realm, password);
    md5(buf, strlen(buf), a1);
    int n = snprintf((char *)a1 + 16, sizeof a1 - 16, ":%s:%s%s%s", nonce, cnonce, k == 11 ? ":" : "",
                     k == 11 ? f[10] : "");
    uint8_t d[16];
    md5(a1, 16 + (size_t)n, d);
    to_hex(d, 16, ha1);
    snprintf(buf, sizeof buf, "AUTHENTICATE:%s", uri);
    md5_hex(buf, ha2);
    snprintf(buf, sizeof buf, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    md5_hex(buf, resp);
    return strcmp(resp, f[9]) == 0;
}

static size_t utf16le(const char *ascii, uint8_t *out, int upper)
{
    size_t n = 0;
    for (const char *p = ascii; *p; p++) {
        char c = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        out[n++] = (uint8_t)c;
        out[n++] = 0;
    }
    return n;
}

/* hashcat -m 5600: user::domain:challenge:ntproofstr:blob (MS-NLMP 3.3.2). */
static int netntlmv2_cracks(const char *line, const char *password)
{
    char copy[2048], *f[8];
    if (strlen(line) >= sizeof copy)
        return 0;
    strcpy(copy, line);
    if (split(copy, ':', f, 8) != 6 || f[1][0] || strlen(f[0]) + strlen(f[2]) > 290)
        return 0;
    uint8_t nt[16], owf[16], proof[16], want[16], ident[600], pw[200], msg[1100];
    md4(pw, utf16le(password, pw, 0), nt);
    size_t n = utf16le(f[0], ident, 1);
    n += utf16le(f[2], ident + n, 0);
    hmac_md5(nt, 16, ident, n, owf);
    long c = from_hex(f[3], strlen(f[3]), msg);
    long b = strlen(f[5]) < 2 * (sizeof msg - 8) ? from_hex(f[5], strlen(f[5]), msg + 8) : -1;
    if (c != 8 || b < 0 || from_hex(f[4], strlen(f[4]), want) != 16)
        return 0;
    hmac_md5(owf, 16, msg, 8 + (size_t)b, proof);
    return memcmp(proof, want, 16) == 0;
}

/* --- PLAIN (RFC 4616) ------------------------------------------------------ */

static void test_plain_rfc4616(void)
{
    struct mt_sasl *s = start("PLAIN");
    /* Section 4: "\0tim\0tanstaaftanstaaf", no authzid. */
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0tanstaaftanstaaf"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN");
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(ABSENT(c->authzid));
    CU_ASSERT(!c->hash.present && c->hash_format == NULL);
    CU_ASSERT(mt_sasl_has_credential(s));

    /* Section 4: authzid Ursel, authcid Kurt, password xipj3plmq. */
    mt_sasl_begin(s, (const uint8_t *)"plain", 5);
    CU_ASSERT_EQUAL(CLI(s, "Ursel\0Kurt\0xipj3plmq"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN");
    CU_ASSERT(IS(c->authzid, "Ursel"));
    CU_ASSERT(IS(c->user, "Kurt"));
    CU_ASSERT(IS(c->password, "xipj3plmq"));
    mt_sasl_free(s);
}

static void test_plain_variants(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* A single NUL: authcid NUL passwd. */
    CU_ASSERT_EQUAL(CLI(s, "bob\0hunter2"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(IS(c->password, "hunter2"));
    CU_ASSERT(ABSENT(c->authzid));

    /* An empty password is still a password. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT_EQUAL(CLI(s, "\0bob\0"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.len == 0 && !c->password.truncated);

    /* A NUL inside the password stays in it (the third field runs to the end). */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CLI(s, "a\0b\0c\0d");
    CU_ASSERT(IS(c->authzid, "a"));
    CU_ASSERT(IS(c->user, "b"));
    CU_ASSERT(IS(c->password, "c\0d"));

    /* No NUL at all: nothing to take. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT_EQUAL(CLI(s, "justtext"), 0);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_plain_empty_and_cancel(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* "=" is an empty initial response; the credentials follow after "+ ". */
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    CU_ASSERT(!c->invalid_base64);
    srv64(s, "");
    CU_ASSERT_EQUAL(cli64(s, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(!c->cancelled);

    /* "*" cancels and exposes nothing. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT(!c->cancelled);
    CU_ASSERT_EQUAL(cli64(s, "*"), 0);
    CU_ASSERT(c->cancelled);
    CU_ASSERT(!c->invalid_base64);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

/* --- LOGIN ------------------------------------------------------------------ */

static void test_login(void)
{
    struct mt_sasl *s = start("LOGIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "VXNlcm5hbWU6"); /* "Username:" */
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(ABSENT(c->password));
    srv64(s, "UGFzc3dvcmQ6"); /* "Password:" */
    CU_ASSERT_EQUAL(cli64(s, "dGFuc3RhYWZ0YW5zdGFhZg=="), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(mt_sasl_has_credential(s));
    /* Anything after the password changes nothing. */
    CU_ASSERT_EQUAL(CLI(s, "other"), 0);
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(IS(c->user, "tim"));
    mt_sasl_free(s);
}

static void test_login_initial_response(void)
{
    struct mt_sasl *s = start("login");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "LOGIN");
    /* AUTH LOGIN dGlt, then only "Password:". */
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    srv64(s, "UGFzc3dvcmQ6");
    CU_ASSERT_EQUAL(CLI(s, "s3cret"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "s3cret"));

    /* An empty initial response is not the user; an empty password is a password. */
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT_EQUAL(CLI(s, "bob"), MT_SASL_EXPOSES_USER);
    CU_ASSERT_EQUAL(cli64(s, ""), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.len == 0);
    mt_sasl_free(s);
}

/* --- CRAM-MD5 (RFC 2195) -------------------------------------------------- */

static void test_cram_rfc2195(void)
{
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    CU_ASSERT(!c->hash.present);
    /* "tim b913a602c7eda7a495b4e6e7334d3890" */
    CU_ASSERT_EQUAL(cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(ABSENT(c->password));
    const char *line = "$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
                       "$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, line);
    CU_ASSERT(hash_is(c, line, "hashcat -m 10200"));
    /* The line cracks with RFC 2195's password, and only with it. */
    CU_ASSERT(cram_cracks((const char *)c->hash.p, "tanstaaftanstaaf"));
    CU_ASSERT(!cram_cracks((const char *)c->hash.p, "tanstaaftanstaaF"));
    CU_ASSERT(mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_cram_hashcat_example(void)
{
    /* hashcat's example hash for -m 10200 (password "hashcat"), rebuilt
     * from its two messages. */
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "PG5vLXJlcGx5QGhhc2hjYXQubmV0Pg==");
    cli64(s, "dXNlciA0NGVhZmQyMmZlNzY2NzBmNmIyODc5MDgxYTdmNWY3MQ==");
    CU_ASSERT(hash_is(c,
                      "$cram_md5$PG5vLXJlcGx5QGhhc2hjYXQubmV0Pg==$"
                      "dXNlciA0NGVhZmQyMmZlNzY2NzBmNmIyODc5MDgxYTdmNWY3MQ==",
                      "hashcat -m 10200"));
    CU_ASSERT(cram_cracks((const char *)c->hash.p, "hashcat"));
    CU_ASSERT(IS(c->user, "user"));
    mt_sasl_free(s);
}

static void test_cram_without_challenge(void)
{
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* No challenge seen: the user, no line. */
    CU_ASSERT_EQUAL(cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(!c->hash.present && c->hash_format == NULL);

    /* A good challenge replaced by an invalid one is forgotten. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    srv64(s, "not base64!");
    CU_ASSERT(c->invalid_base64);
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(IS(c->user, "tim"));

    /* An empty challenge gives no line either, in either spelling. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "");
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "=");
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(!c->invalid_base64);

    /* A challenge longer than MT_SASL_CHALLENGE_MAX characters is not kept. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    char big[1600];
    memset(big, 'c', sizeof big);
    srv(s, big, sizeof big); /* 2136 base64 characters */
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(IS(c->user, "tim"));

    /* A response without a digest: what there is looks like the user. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    CU_ASSERT_EQUAL(CLI(s, "tim"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
}

/* --- DIGEST-MD5 (RFC 2831) ------------------------------------------------ */

#define RFC2831_CHALLENGE                                                                          \
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,"     \
    "charset=utf-8"
#define RFC2831_LINE                                                                               \
    "$DIGEST-MD5$chris$elwood.innosoft.com$OA6MG9tEQGm2hh$imap/elwood.innosoft.com$"              \
    "OA6MHXh6VqTrRk$00000001$auth$d388dad90d4bbd760a152321f2143af7"

static void test_digest_rfc2831(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Section 4, example 4 (IMAP), as it is on the wire. */
    srv64(s, "cmVhbG09ImVsd29vZC5pbm5vc29mdC5jb20iLG5vbmNlPSJPQTZNRzl0RVFHbTJoaCIscW9wPSJhdXRoIixh"
             "bGdvcml0aG09bWQ1LXNlc3MsY2hhcnNldD11dGYtOA==");
    CU_ASSERT_EQUAL(
        cli64(s, "Y2hhcnNldD11dGYtOCx1c2VybmFtZT0iY2hyaXMiLHJlYWxtPSJlbHdvb2QuaW5ub3NvZnQuY29tIixub25j"
                 "ZT0iT0E2TUc5dEVRR20yaGgiLG5jPTAwMDAwMDAxLGNub25jZT0iT0E2TUhYaDZWcVRyUmsiLGRpZ2VzdC11"
                 "cmk9ImltYXAvZWx3b29kLmlubm9zb2Z0LmNvbSIscmVzcG9uc2U9ZDM4OGRhZDkwZDRiYmQ3NjBhMTUyMzIx"
                 "ZjIxNDNhZjcscW9wPWF1dGg="),
        MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->domain, "elwood.innosoft.com"));
    CU_ASSERT(ABSENT(c->authzid));
    CU_ASSERT(ABSENT(c->password));
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, RFC2831_LINE);
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    /* The line cracks with the RFC's password "secret". */
    CU_ASSERT(dmd5_cracks((const char *)c->hash.p, "secret"));
    CU_ASSERT(!dmd5_cracks((const char *)c->hash.p, "Secret"));
    /* rspauth, then the empty client message: nothing disturbed. */
    srv64(s, "cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==");
    CU_ASSERT_EQUAL(cli64(s, ""), 0);
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    CU_ASSERT(IS(c->user, "chris"));
    /* A second digest-response in the same exchange is not taken. */
    CU_ASSERT_EQUAL(CLI(s, "username=\"other\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\","
                           "digest-uri=\"imap/h\",response=0123456789abcdef0123456789abcdef"),
                    0);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->domain, "elwood.innosoft.com"));
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    mt_sasl_free(s);
}

static void test_digest_defaults_and_authzid(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* The response omits nonce, realm and qop: the server's nonce, an empty
     * realm and "auth" go into the line. */
    SRV(s, RFC2831_CHALLENGE);
    CLI(s, "username=\"chris\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
           "digest-uri=\"imap/elwood.innosoft.com\",response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(hash_is(c,
                      "$DIGEST-MD5$chris$$OA6MG9tEQGm2hh$imap/elwood.innosoft.com$OA6MHXh6VqTrRk$"
                      "00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));
    CU_ASSERT(ABSENT(c->domain));

    /* authzid is appended; backslash escapes are removed; names in any case. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    SRV(s, RFC2831_CHALLENGE);
    CLI(s, "USERNAME=\"ch\\ris\", realm = \"elwood.innosoft.com\" ,nonce=\"OA6MG9tEQGm2hh\","
           "nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\","
           "response=d388dad90d4bbd760a152321f2143af7,qop=auth,authzid=\"admin\"");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->authzid, "admin"));
    CU_ASSERT(hash_is(c, RFC2831_LINE "$admin", "john --format=dmd5"));

    /* No nonce anywhere: no line, but the user. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CU_ASSERT_EQUAL(CLI(s, "username=\"chris\",nc=00000001,cnonce=\"x\",digest-uri=\"imap/h\","
                           "response=0123456789abcdef0123456789abcdef"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
}

static void test_digest_malformed(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
#define GOOD                                                                                       \
    "username=\"chris\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\",digest-uri=\"imap/h\","   \
    "response=0123456789abcdef0123456789abcdef"
    /* The good message makes a line: each variant below is one change. */
    CLI(s, GOOD);
    CU_ASSERT(hash_is(c, "$DIGEST-MD5$chris$r$n$imap/h$c$00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));

    /* An unclosed quote: the user is kept, no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",qop=\"auth");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* A directive without '=': no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",qop");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* A quote left open from the first value on: the user is the rest. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"chris,nc=00000001,response=0123");
    CU_ASSERT(IS(c->user, "chris,nc=00000001,response=0123"));
    CU_ASSERT(!c->hash.present);

    /* A trailing backslash inside an unclosed quote. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"abc\\");
    CU_ASSERT(IS(c->user, "abc\\"));
    CU_ASSERT(!c->hash.present);

    /* Duplicated directives: the first counts. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"first\"," GOOD ",realm=\"other\"");
    CU_ASSERT(IS(c->user, "first"));
    CU_ASSERT(IS(c->domain, "r"));
    CU_ASSERT(hash_is(c, "$DIGEST-MD5$first$r$n$imap/h$c$00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));

    /* A '$' or ':' in a field would shift John's fields: no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"ch$ris\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\","
           "digest-uri=\"imap/h\",response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(IS(c->user, "ch$ris"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",authzid=\"a:b\"");
    CU_ASSERT(!c->hash.present);

    /* A required directive missing (cnonce): no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"chris\",realm=\"r\",nonce=\"n\",nc=00000001,digest-uri=\"imap/h\","
           "response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* Noise: nothing. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CU_ASSERT_EQUAL(CLI(s, ",,, ,\t,"), 0);
    CU_ASSERT_EQUAL(CLI(s, "==,=\"\",\""), 0);
    CU_ASSERT(ABSENT(c->user) && !c->hash.present);
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
#undef GOOD
}

/* --- XOAUTH2, OAUTHBEARER ---------------------------------------------------- */

#define GOOGLE_TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"

static void test_xoauth2(void)
{
    struct mt_sasl *s = start("XOAUTH2");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* developers.google.com/gmail/imap/xoauth2-protocol, encoded as there. */
    CU_ASSERT_EQUAL(cli64(s, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRx"
                             "bVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "someuser@example.com"));
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(!c->hash.present);
    /* The error challenge, then the empty reply: the token stays. */
    srv64(s, "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5j"
             "b20vIn0K");
    CU_ASSERT_EQUAL(cli64(s, ""), 0);
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(IS(c->user, "someuser@example.com"));
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT_EQUAL(CLI(s, "\x01"), 0);
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(!c->invalid_base64);
    mt_sasl_free(s);
}

static void test_xoauth2_variants(void)
{
    struct mt_sasl *s = start("XOAUTH2");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Another scheme is kept whole; keys in any case. */
    CLI(s, "USER=a@b.c\x01" "Auth=MAC kid=1\x01\x01");
    CU_ASSERT(IS(c->user, "a@b.c"));
    CU_ASSERT(IS(c->password, "MAC kid=1"));

    /* "Bearer" with nothing after it is no token. */
    mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
    CU_ASSERT_EQUAL(CLI(s, "user=a@b.c\x01" "auth=Bearer   \x01\x01"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(ABSENT(c->password));

    /* A key that only starts like "auth" is not auth. */
    mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
    CU_ASSERT_EQUAL(CLI(s, "authx=Bearer t\x01" "user=\x01\x01"), 0);
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->user));
    mt_sasl_free(s);
}

static void test_oauthbearer_rfc7628(void)
{
    struct mt_sasl *s = start("OAUTHBEARER");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Section 4.1, the IMAP initial response. */
    CU_ASSERT_EQUAL(cli64(s, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9"
                             "MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZ"
                             "Mjl0Q2c9PQEB"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "user@example.com"));
    CU_ASSERT(IS(c->password, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
    /* Section 3.2.3: after an error challenge the client sends a lone ^A. */
    SRV(s, "{\"status\":\"invalid_token\"}");
    CU_ASSERT_EQUAL(CLI(s, "\x01"), 0);
    CU_ASSERT(IS(c->password, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
    CU_ASSERT(IS(c->user, "user@example.com"));
    mt_sasl_free(s);
}

static void test_oauthbearer_variants(void)
{
    struct mt_sasl *s = start("OAUTHBEARER");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Without a=: the token only. */
    CU_ASSERT_EQUAL(CLI(s, "n,,\x01" "auth=Bearer tok123\x01\x01"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT(IS(c->password, "tok123"));
    CU_ASSERT(mt_sasl_has_credential(s));

    /* saslname escapes (RFC 5801): =2C is ',' and =3D is '='. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "n,a=us=2Cer=3Dx=2c@example.com,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "us,er=x,@example.com"));
    /* A lone '=' that is no escape is kept. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "y,a=a=b=2,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "a=b=2"));

    /* A saslname longer than MT_SASL_FIELD_MAX: cut and marked; escapes
     * count as one character each. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    char name[2000];
    memcpy(name, "n,a=", 4);
    for (int i = 0; i < 600; i++)
        memcpy(name + 4 + 3 * i, "=2C", 3);
    memcpy(name + 4 + 1800, ",\x01" "auth=Bearer t\x01\x01", 17);
    cli(s, name, 4 + 1800 + 17);
    CU_ASSERT(c->user.present && c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(c->user.p[0] == ',' && c->user.p[MT_SASL_FIELD_MAX - 1] == ',');
    CU_ASSERT(IS(c->password, "t"));
    /* Exactly MT_SASL_FIELD_MAX characters fit. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    memcpy(name + 4 + 3 * MT_SASL_FIELD_MAX, ",\x01" "auth=Bearer t\x01\x01", 17);
    cli(s, name, 4 + 3 * MT_SASL_FIELD_MAX + 17);
    CU_ASSERT(c->user.present && !c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    /* SCRAM's n= and a= are saslnames too. */
    mt_sasl_begin(s, (const uint8_t *)"SCRAM-SHA-1", 11);
    for (int i = 0; i < 600; i++)
        memcpy(name + 4 + 3 * i, "=3D", 3);
    memcpy(name + 4 + 1800, ",n=u,r=x", 8);
    cli(s, name, 4 + 1800 + 8);
    CU_ASSERT(c->authzid.truncated && c->authzid.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(c->authzid.p[0] == '=' && c->authzid.p[MT_SASL_FIELD_MAX - 1] == '=');
    CU_ASSERT(IS(c->user, "u"));

    /* Channel binding flag p=...: accepted. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "p=tls-unique,a=u@h,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "u@h"));
    CU_ASSERT(IS(c->password, "t"));

    /* Not a GS2 header: nothing at all. */
    static const char *bad[] = {"x,,\x01" "auth=Bearer t\x01\x01", "n\x01" "auth=Bearer t\x01\x01",
                                "n,b=u,\x01" "auth=Bearer t\x01\x01", "nn,,\x01" "auth=Bearer t\x01\x01",
                                "p=,,\x01" "auth=Bearer t\x01\x01", "n,a=u"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
        CU_ASSERT_EQUAL(cli(s, bad[i], strlen(bad[i])), 0);
        CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    }
    mt_sasl_free(s);
}

/* --- NTLM (MS-NLMP) ---------------------------------------------------------- */

/* MS-NLMP 4.2.2.3: NTLMv1 CHALLENGE and AUTHENTICATE messages. */
static const char v1_challenge[] = "4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef"
                                   "00000000000000000000000000000000060070170000000f530065007200760065007200";
static const char v1_authenticate[] =
    "4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000"
    "100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e0055007300"
    "6500720043004f004d0050005500540045005200"
    "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"
    "67c43011f30298a2ad35ece64f16331c44bdbed927841f94"
    "518822b1b3f350c8958682ecbb3e3cb7";

/* MS-NLMP 4.2.4.3: NTLMv2 CHALLENGE and AUTHENTICATE messages. */
static const char v2_challenge[] =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef0000000000000000"
    "2400240044000000060070170000000f53006500720076006500720002000c0044006f006d0061006900"
    "6e0001000c0053006500720076006500720000000000";
static const char v2_authenticate[] =
    "4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000"
    "100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e0055007300"
    "6500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"
    "68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000"
    "02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000"
    "c5dad2544fc9799094ce1ce90bc9d03e";

static void hex_msg(struct mt_sasl *s, const char *hex, int server, unsigned *flags)
{
    uint8_t m[512];
    long n = from_hex(hex, strlen(hex), m);
    CU_ASSERT_FATAL(n > 0);
    if (server)
        srv(s, m, (size_t)n);
    else
        *flags = cli(s, m, (size_t)n);
}

static void test_ntlm_v1_ms_nlmp(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    unsigned flags = 99;
    /* The NEGOTIATE message exposes nothing. */
    CU_ASSERT_EQUAL(cli64(s, "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw=="), 0);
    hex_msg(s, v1_challenge, 1, NULL);
    hex_msg(s, v1_authenticate, 0, &flags);
    CU_ASSERT_EQUAL(flags, MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "User"));
    CU_ASSERT(IS(c->domain, "Domain"));
    CU_ASSERT(IS(c->host, "COMPUTER"));
    CU_ASSERT(ABSENT(c->password));
    const char *line = "User::Domain:98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13:"
                       "67c43011f30298a2ad35ece64f16331c44bdbed927841f94:0123456789abcdef";
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, line);
    CU_ASSERT(hash_is(c, line, "hashcat -m 5500"));
    mt_sasl_free(s);
}

static void test_ntlm_v2_ms_nlmp(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    unsigned flags = 99;
    hex_msg(s, v2_challenge, 1, NULL);
    hex_msg(s, v2_authenticate, 0, &flags);
    CU_ASSERT_EQUAL(flags, MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "User"));
    CU_ASSERT(IS(c->domain, "Domain"));
    CU_ASSERT(IS(c->host, "COMPUTER"));
    const char *line = "User::Domain:0123456789abcdef:68cd0ab851e51c96aabc927bebef6a1c:"
                       "01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00"
                       "610069006e0001000c005300650072007600650072000000000000000000";
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, line);
    CU_ASSERT(hash_is(c, line, "hashcat -m 5600"));
    /* It cracks with MS-NLMP's password "Password". */
    CU_ASSERT(netntlmv2_cracks((const char *)c->hash.p, "Password"));
    CU_ASSERT(!netntlmv2_cracks((const char *)c->hash.p, "password"));
    mt_sasl_free(s);
}

/* What each message decodes to, for showing it: the bytes, or an NTLM
 * message in words; nothing for "*", "=", or text that is not base64. */
static int decoded_is(const struct mt_sasl *s, const char *want)
{
    size_t n = 0;
    int cut = 1;
    const uint8_t *d = mt_sasl_decoded(s, &n, &cut);
    if (!want)
        return d == NULL;
    return d && !cut && n == strlen(want) && memcmp(d, want, n) == 0;
}

static void test_decoded_messages(void)
{
    struct mt_sasl *s = start("PLAIN");
    CU_ASSERT(decoded_is(s, NULL)); /* nothing fed yet */
    CLI(s, "\0bob\0pw");
    size_t n = 0;
    int cut = 1;
    const uint8_t *d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 7 && !cut && memcmp(d, "\0bob\0pw", 7) == 0);
    mt_sasl_client(s, (const uint8_t *)"*", 1);
    CU_ASSERT(decoded_is(s, NULL));
    mt_sasl_client(s, (const uint8_t *)"=", 1);
    CU_ASSERT(decoded_is(s, NULL));
    mt_sasl_server(s, (const uint8_t *)"not*base64", 10);
    CU_ASSERT(decoded_is(s, NULL));
    SRV(s, "Username:");
    CU_ASSERT(decoded_is(s, "Username:"));
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    CU_ASSERT(decoded_is(s, NULL)); /* a new exchange forgets the last one */
    mt_sasl_free(s);

    /* LOGIN answers by the prompt: "Password:" first makes it the password. */
    s = start("LOGIN");
    SRV(s, "Password:");
    CU_ASSERT_EQUAL(CLI(s, "pw-first"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(mt_sasl_decoded_secret(s));
    SRV(s, "Username:");
    CU_ASSERT_EQUAL(CLI(s, "bob"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(!mt_sasl_decoded_secret(s)); /* a name alone stays readable */
    CU_ASSERT(IS(mt_sasl_cred(s)->user, "bob"));
    CU_ASSERT(IS(mt_sasl_cred(s)->password, "pw-first"));
    SRV(s, "Username:");
    CU_ASSERT(!mt_sasl_decoded_secret(s)); /* the server's */
    mt_sasl_free(s);

    /* What could not be read is hidden: an unknown mechanism, a PLAIN
     * message without its NULs. */
    s = start("X-FOO");
    CU_ASSERT_EQUAL(CLI(s, "user secret"), 0);
    CU_ASSERT(mt_sasl_decoded_secret(s));
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CLI(s, "no-nuls-here");
    CU_ASSERT(mt_sasl_decoded_secret(s));
    mt_sasl_free(s);

    /* DIGEST-MD5 is shown as it came, though its parser unquotes in place. */
    s = start("DIGEST-MD5");
    SRV(s, "realm=\"a\\\"b\",nonce=\"N1\"");
    CU_ASSERT(decoded_is(s, "realm=\"a\\\"b\",nonce=\"N1\""));
    mt_sasl_free(s);

    s = start("NTLM");
    unsigned flags;
    CLI(s, "NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2\0\0\0\0\0\0\0\0");
    CU_ASSERT(decoded_is(s, "NTLM NEGOTIATE message (24 bytes)"));
    hex_msg(s, v2_challenge, 1, NULL);
    CU_ASSERT(decoded_is(s, "NTLM CHALLENGE message (104 bytes): server challenge 0123456789abcdef"));
    hex_msg(s, v2_authenticate, 0, &flags);
    CU_ASSERT(decoded_is(s, "NTLM AUTHENTICATE message (232 bytes): NTLMv2 response (84 bytes), "
                            "domain Domain, user User, workstation COMPUTER"));
    /* A type 3 from the server is not described with the client's names. */
    hex_msg(s, v2_authenticate, 1, NULL);
    d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 232 && memcmp(d, "NTLMSSP", 8) == 0);
    CLI(s, "NTLMSSP\0\x09\0\0\0"); /* no such type: its bytes */
    CU_ASSERT(decoded_is(s, NULL) == 0);
    d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 12 && memcmp(d, "NTLMSSP", 8) == 0);
    mt_sasl_free(s);
}

/* Hand-built messages: a 48-byte CHALLENGE and a 64-byte-header
 * AUTHENTICATE with its payload in order LM, NT, domain, user, host. */
struct buf {
    const void *p;
    size_t n;
};

#define B(lit) ((struct buf){lit, sizeof(lit) - 1})
#define NONE ((struct buf){NULL, 0})

static size_t ntlm2(uint8_t *m, uint32_t flags, const char *chal)
{
    memset(m, 0, 48);
    memcpy(m, "NTLMSSP", 8);
    put32(m + 8, 2);
    put32(m + 16, 48);
    put32(m + 20, flags);
    memcpy(m + 24, chal, 8);
    put32(m + 44, 48);
    return 48;
}

static size_t ntlm3(uint8_t *m, size_t hdr, uint32_t flags, struct buf lm, struct buf nt, struct buf dom,
                    struct buf user, struct buf host)
{
    const struct buf f[5] = {lm, nt, dom, user, host};
    memset(m, 0, hdr);
    memcpy(m, "NTLMSSP", 8);
    put32(m + 8, 3);
    size_t off = hdr;
    for (int i = 0; i < 5; i++) {
        put16(m + 12 + 8 * i, (uint32_t)f[i].n);
        put16(m + 14 + 8 * i, (uint32_t)f[i].n);
        put32(m + 16 + 8 * i, (uint32_t)off);
        if (f[i].n)
            memcpy(m + off, f[i].p, f[i].n);
        off += f[i].n;
    }
    if (hdr >= 64) { /* session key fields (empty), flags */
        put32(m + 52, 0), put32(m + 56, (uint32_t)off);
        put32(m + 60, flags);
    }
    return off;
}

static const char lm24[] = "LLLLLLLLLLLLLLLLLLLLLLLL", nt24[] = "NNNNNNNNNNNNNNNNNNNNNNNN";

static void test_ntlm_oem_and_lengths(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t m[4096];
    /* OEM strings (no NEGOTIATE_UNICODE), NTLMv1 lengths. */
    srv(s, m, ntlm2(m, 0x00000202, "\x11\x22\x33\x44\x55\x66\x77\x88"));
    size_t n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("CORP"), B("bob"), B("WS1"));
    CU_ASSERT_EQUAL(cli(s, m, n), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(IS(c->domain, "CORP"));
    CU_ASSERT(IS(c->host, "WS1"));
    CU_ASSERT(hash_is(c,
                      "bob::CORP:4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c:"
                      "4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e:1122334455667788",
                      "hashcat -m 5500"));

    /* NTLMv2 by length: 25 bytes and more; the proof is the first 16, the
     * blob the rest. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000201, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    n = ntlm3(m, 64, 0x00000201, B(lm24), B("PPPPPPPPPPPPPPPPxyzxyzxyz"), B("D\0"), B("u\0"), NONE);
    cli(s, m, n);
    CU_ASSERT(hash_is(c, "u::D:0102030405060708:50505050505050505050505050505050:78797a78797a78797a",
                      "hashcat -m 5600"));

    /* NT responses of 0, 16, 17 or 23 bytes are neither v1 (24) nor v2 (25 and more): no line. */
    static const size_t no_line[] = {0, 16, 17, 23};
    for (size_t i = 0; i < sizeof no_line / sizeof no_line[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
        srv(s, m, ntlm2(m, 0x00000201, "\x01\x02\x03\x04\x05\x06\x07\x08"));
        n = ntlm3(m, 64, 0x00000201, B(lm24), (struct buf){nt24, no_line[i]}, B("D\0"), B("u\0"), NONE);
        CU_ASSERT_EQUAL(cli(s, m, n), MT_SASL_EXPOSES_USER | (no_line[i] ? MT_SASL_EXPOSES_SECRET : 0));
        CU_ASSERT(IS(c->user, "u"));
        CU_ASSERT(!c->hash.present);
    }

    /* NTLMv1 needs a 24-byte LM response too. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000201, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    n = ntlm3(m, 64, 0x00000201, (struct buf){lm24, 16}, B(nt24), B("D\0"), B("u\0"), NONE);
    cli(s, m, n);
    CU_ASSERT(!c->hash.present);

    /* No CHALLENGE seen: names, no line. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    n = ntlm3(m, 64, 0x00000201, B(lm24), B(nt24), B("D\0"), B("u\0"), NONE);
    CU_ASSERT_EQUAL(cli(s, m, n), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "u"));
    CU_ASSERT(!c->hash.present);

    /* A CHALLENGE too short to hold the challenge is ignored. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    ntlm2(m, 0x00000201, "\x01\x02\x03\x04\x05\x06\x07\x08");
    srv(s, m, 31);
    n = ntlm3(m, 64, 0x00000201, B(lm24), B(nt24), B("D\0"), B("u\0"), NONE);
    cli(s, m, n);
    CU_ASSERT(!c->hash.present);

    /* A user with ':' cannot go into the line. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000202, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("D"), B("a:b"), NONE);
    cli(s, m, n);
    CU_ASSERT(IS(c->user, "a:b"));
    CU_ASSERT(!c->hash.present);

    /* A machine account ending in '$' can. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000202, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    n = ntlm3(m, 64, 0x00000202, B(lm24), B("PPPPPPPPPPPPPPPPzzzzzzzzz"), B("D"), B("PC1$"), NONE);
    cli(s, m, n);
    CU_ASSERT(hash_is(c, "PC1$::D:0102030405060708:50505050505050505050505050505050:7a7a7a7a7a7a7a7a7a",
                      "hashcat -m 5600"));
    mt_sasl_free(s);
}

static void test_ntlm_short_header(void)
{
    /* An AUTHENTICATE message of 52..63 bytes has no flags: the server's
     * decide the encoding. */
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t m[256];
    srv(s, m, ntlm2(m, 0x00000002, "\x01\x02\x03\x04\x05\x06\x07\x08")); /* OEM */
    size_t n = ntlm3(m, 52, 0, NONE, NONE, NONE, B("ab"), NONE);
    CU_ASSERT_EQUAL(n, 54);
    CU_ASSERT_EQUAL(cli(s, m, n), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "ab"));

    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000001, "\x01\x02\x03\x04\x05\x06\x07\x08")); /* UNICODE */
    n = ntlm3(m, 52, 0, NONE, NONE, NONE, B("a\0b\0"), NONE);
    cli(s, m, n);
    CU_ASSERT(IS(c->user, "ab"));

    /* Shorter than 52 bytes, or not type 3, or a bad signature: nothing. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    n = ntlm3(m, 64, 0x00000002, NONE, NONE, NONE, B("ab"), NONE);
    CU_ASSERT_EQUAL(cli(s, m, 51), 0);
    m[8] = 2;
    CU_ASSERT_EQUAL(cli(s, m, n), 0);
    m[8] = 3;
    m[7] = 'X';
    CU_ASSERT_EQUAL(cli(s, m, n), 0);
    CU_ASSERT_EQUAL(CLI(s, "NTLMSSP"), 0);
    CU_ASSERT(ABSENT(c->user));
    mt_sasl_free(s);
}

static void test_ntlm_utf16(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t m[4096];
    /* Latin-1, a surrogate pair (U+1F600), unpaired surrogates. */
    size_t n = ntlm3(m, 64, 1, NONE, NONE, B("J\0\xf6\0r\0g\0"), B("=\xd8\x00\xde"),
                     B("\x3d\xd8" "A\0" "\x00\xde" "\x3d\xd8"));
    CU_ASSERT_EQUAL(cli(s, m, n), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->domain, "J\xc3\xb6rg"));
    CU_ASSERT(IS(c->user, "\xf0\x9f\x98\x80"));
    CU_ASSERT(IS(c->host, "\xef\xbf\xbd" "A" "\xef\xbf\xbd\xef\xbf\xbd"));

    /* An odd length drops the last byte. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    n = ntlm3(m, 64, 1, NONE, NONE, NONE, B("U\0s\0e\0r\0X"), B("X"));
    cli(s, m, n);
    CU_ASSERT(IS(c->user, "User"));
    CU_ASSERT(ABSENT(c->host)); /* one byte of UTF-16 is nothing */

    /* Too long: cut at MT_SASL_FIELD_MAX, never inside a character. 200
     * euro signs are 600 bytes of UTF-8; 170 fit. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    uint8_t euros[400];
    for (size_t i = 0; i < sizeof euros; i += 2)
        euros[i] = 0xac, euros[i + 1] = 0x20;
    n = ntlm3(m, 64, 1, NONE, NONE, NONE, (struct buf){euros, sizeof euros}, NONE);
    cli(s, m, n);
    CU_ASSERT(c->user.present && c->user.truncated);
    CU_ASSERT_EQUAL(c->user.len, 510);
    CU_ASSERT(c->user.len >= 3 && memcmp(c->user.p + c->user.len - 3, "\xe2\x82\xac", 3) == 0);

    /* A truncated user or domain gives no line; 512 characters still do. */
    uint8_t longname[1100];
    memset(longname, 0, sizeof longname);
    for (size_t i = 0; i < sizeof longname; i += 2)
        longname[i] = 'a';
    static const size_t lens[] = {2 * MT_SASL_FIELD_MAX, 2 * MT_SASL_FIELD_MAX + 2, sizeof longname};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (int which = 0; which < 2; which++) {
            mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
            srv(s, m, ntlm2(m, 1, "\x01\x02\x03\x04\x05\x06\x07\x08"));
            struct buf name = {longname, lens[i]};
            n = ntlm3(m, 64, 1, B(lm24), B("PPPPPPPPPPPPPPPPxyzxyzxyz"), which ? name : B("D\0"),
                      which ? B("u\0") : name, NONE);
            cli(s, m, n);
            const struct mt_sasl_str *f = which ? &c->domain : &c->user;
            CU_ASSERT(f->present && f->len == MT_SASL_FIELD_MAX);
            CU_ASSERT_EQUAL(f->truncated, i > 0);
            CU_ASSERT_EQUAL(c->hash.present, i == 0);
        }
    }
    mt_sasl_free(s);
}

/* A second AUTHENTICATE message whose user buffer is bad: nothing of the
 * first message may be kept, or its user would go on the new hash line. */
static void test_ntlm_second_message_starts_over(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t m[512];
    srv(s, m, ntlm2(m, 0x00000202, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    size_t n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("D"), B("first"), B("h"));
    cli(s, m, n);
    CU_ASSERT(IS(c->user, "first"));
    CU_ASSERT(c->hash.present);
    n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("E"), B("second"), NONE);
    put32(m + 36 + 4, 0xffffff00); /* the user buffer points outside */
    cli(s, m, n);
    CU_ASSERT(!c->user.present);
    CU_ASSERT(!c->host.present);
    CU_ASSERT(IS(c->domain, "E"));
    CU_ASSERT(!c->hash.present || strstr((const char *)c->hash.p, "first") == NULL);
    CU_ASSERT_PTR_NULL(c->hash.present ? NULL : c->hash_format);
    mt_sasl_free(s);
}

static void test_ntlm_hostile_buffers(void)
{
    struct mt_sasl *s = start("NTLM");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t m[512];
    /* Each case: one security buffer of a good message rewritten. */
    static const struct {
        size_t hdr;      /* which buffer: 12 LM, 20 NT, 28 domain, 36 user, 44 host */
        uint32_t len, off; /* off 0xfffffffe: the message length minus 1 */
    } cases[] = {
        {36, 4, 0xfffffffe},          {36, 0xffff, 0xffffffff}, {36, 0x20, 0xfffffff0},
        {36, 0xffff, 64},             {36, 2, 0xffffffff},      {20, 0xffff, 0},
        {20, 24, 0xfffffffe},         {12, 24, 0xffffffe8},     {28, 0x8000, 0x80000000},
        {44, 1, 0x7fffffff},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
        srv(s, m, ntlm2(m, 0x00000202, "\x01\x02\x03\x04\x05\x06\x07\x08"));
        size_t n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("D"), B("u"), B("h"));
        uint32_t off = cases[i].off == 0xfffffffe ? (uint32_t)n - 1 : cases[i].off;
        put16(m + cases[i].hdr, cases[i].len);
        put32(m + cases[i].hdr + 4, off);
        unsigned r = cli(s, m, n);
        CU_ASSERT_EQUAL(c->user.present, cases[i].hdr != 36);
        CU_ASSERT_EQUAL(c->domain.present, cases[i].hdr != 28);
        CU_ASSERT_EQUAL(c->host.present, cases[i].hdr != 44);
        /* Without a usable LM or NT response there is no line. */
        CU_ASSERT_EQUAL(c->hash.present, cases[i].hdr != 12 && cases[i].hdr != 20);
        CU_ASSERT_EQUAL((r & MT_SASL_EXPOSES_SECRET) != 0, cases[i].hdr != 20);
    }

    /* A buffer inside the header is inside the message: allowed, but the
     * NUL in "NTLMSSP\0" keeps the user out of the line. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    srv(s, m, ntlm2(m, 0x00000202, "\x01\x02\x03\x04\x05\x06\x07\x08"));
    size_t n = ntlm3(m, 64, 0x00000202, B(lm24), B(nt24), B("D"), B("u"), NONE);
    put16(m + 36, 8);
    put32(m + 40, 0);
    cli(s, m, n);
    CU_ASSERT(IS(c->user, "NTLMSSP\0"));
    CU_ASSERT(!c->hash.present);

    /* A buffer ending exactly at the end of the message is fine. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    n = ntlm3(m, 64, 0x00000202, NONE, NONE, NONE, NONE, B("host"));
    cli(s, m, n);
    CU_ASSERT(IS(c->host, "host"));
    /* One byte past it is not. */
    mt_sasl_begin(s, (const uint8_t *)"NTLM", 4);
    put16(m + 44, 5);
    cli(s, m, n);
    CU_ASSERT(ABSENT(c->host));
    mt_sasl_free(s);
}

/* --- EXTERNAL, ANONYMOUS, SCRAM, others -------------------------------------- */

static void test_external(void)
{
    struct mt_sasl *s = start("EXTERNAL");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* Empty: the identity comes from the certificate. */
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(mt_sasl_has_credential(s));
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->authzid));

    mt_sasl_begin(s, (const uint8_t *)"EXTERNAL", 8);
    CU_ASSERT_EQUAL(CLI(s, "admin"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->authzid, "admin"));
    CU_ASSERT(IS(c->user, "admin"));
    CU_ASSERT(ABSENT(c->password));
    /* Only the first message counts. */
    CU_ASSERT_EQUAL(CLI(s, "other"), 0);
    CU_ASSERT(IS(c->user, "admin"));
    mt_sasl_free(s);
}

static void test_anonymous(void)
{
    struct mt_sasl *s = start("ANONYMOUS");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* RFC 4505 section 4: the trace "sirhc". */
    srv64(s, "");
    CU_ASSERT_EQUAL(cli64(s, "c2lyaGM="), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "sirhc"));
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(mt_sasl_has_credential(s));

    mt_sasl_begin(s, (const uint8_t *)"ANONYMOUS", 9);
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT(mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_scram_rfc7677(void)
{
    struct mt_sasl *s = start("SCRAM-SHA-256");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "SCRAM-SHA-256");
    /* RFC 7677 section 3. */
    CU_ASSERT_EQUAL(CLI(s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "user"));
    SRV(s, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    CU_ASSERT_EQUAL(CLI(s, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                           "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
                    0);
    SRV(s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    CU_ASSERT(IS(c->user, "user"));
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(mt_sasl_has_credential(s));

    /* authzid, an extension, escapes, channel binding, another hash. */
    mt_sasl_begin(s, (const uint8_t *)"scram-sha-1-plus", 16);
    CU_ASSERT_STRING_EQUAL(c->mech, "SCRAM-SHA-1-PLUS");
    CLI(s, "p=tls-unique,a=ad=3Dmin,m=ext,n=us=2Cer,r=abc");
    CU_ASSERT(IS(c->authzid, "ad=min"));
    CU_ASSERT(IS(c->user, "us,er"));

    /* No n= or an empty one: no user. */
    mt_sasl_begin(s, (const uint8_t *)"SCRAM-SHA-1", 11);
    CU_ASSERT_EQUAL(CLI(s, "n,,n=,r=abc"), 0);
    CU_ASSERT_EQUAL(CLI(s, "n,,r=abc,n=late"), 0); /* the second message is not client-first */
    CU_ASSERT(ABSENT(c->user));
    mt_sasl_free(s);
}

static void test_unknown_mechanism(void)
{
    struct mt_sasl *s = start("gssapi");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "GSSAPI");
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), 0);
    SRV(s, "anything");
    CU_ASSERT_EQUAL(CLI(s, "user=a\x01" "auth=Bearer t\x01\x01"), 0);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(ABSENT(c->domain) && ABSENT(c->host) && !c->hash.present);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* Invalid base64 is still reported. */
    CU_ASSERT(!c->invalid_base64);
    cli64(s, "%%%%");
    CU_ASSERT(c->invalid_base64);

    /* A name longer than MT_SASL_MECH_MAX is cut and never matched. */
    char name[48];
    memcpy(name, "PLAIN", 5);
    memset(name + 5, 'X', sizeof name - 5);
    mt_sasl_begin(s, (const uint8_t *)name, sizeof name);
    CU_ASSERT_EQUAL(strlen(c->mech), MT_SASL_MECH_MAX);
    CU_ASSERT(strncmp(c->mech, "PLAINXXX", 8) == 0);
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), 0);
    CU_ASSERT(ABSENT(c->user));
    memcpy(name, "SCRAM-", 6);
    mt_sasl_begin(s, (const uint8_t *)name, sizeof name);
    CU_ASSERT(strncmp(c->mech, "SCRAM-XXX", 9) == 0);
    CU_ASSERT_EQUAL(CLI(s, "n,,n=user,r=x"), 0);
    CU_ASSERT(ABSENT(c->user));
    /* Exactly MT_SASL_MECH_MAX characters is kept whole. */
    memset(name, 'Y', MT_SASL_MECH_MAX);
    mt_sasl_begin(s, (const uint8_t *)name, MT_SASL_MECH_MAX);
    CU_ASSERT_EQUAL(strlen(c->mech), MT_SASL_MECH_MAX);
    /* Controls and spaces become '?'; "PLAIN\0" is not PLAIN. */
    mt_sasl_begin(s, (const uint8_t *)"PL\x1b[2J N", 8);
    CU_ASSERT_STRING_EQUAL(c->mech, "PL?[2J?N");
    mt_sasl_begin(s, (const uint8_t *)"PLAIN\0", 6);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN?");
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), 0);
    /* An empty name. */
    mt_sasl_begin(s, (const uint8_t *)"", 0);
    CU_ASSERT_STRING_EQUAL(c->mech, "");
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), 0);
    mt_sasl_free(s);
}

static void test_begin_resets(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CLI(s, "a\0b\0c");
    cli64(s, "!!!!");
    cli64(s, "*");
    CU_ASSERT(c->user.present && c->invalid_base64 && c->cancelled);
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->authzid) && ABSENT(c->password));
    CU_ASSERT(!c->invalid_base64 && !c->cancelled && !c->hash.present && c->hash_format == NULL);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* The CRAM-MD5 challenge of one exchange does not serve the next. */
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
    mt_sasl_free(NULL);
}

/* --- hostile input ------------------------------------------------------------ */

static void test_invalid_base64_not_fatal(void)
{
    static const char *mechs[] = {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "XOAUTH2", "OAUTHBEARER",
                                  "NTLM", "EXTERNAL", "ANONYMOUS", "SCRAM-SHA-256"};
    static const char *junk[] = {"dGlt!", "dGl", "dG==dGlt", "d G l t", "dGlt\r\n", "==", "**"};
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
        for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            struct mt_sasl *s = start(mechs[i]);
            const struct mt_sasl_cred *c = mt_sasl_cred(s);
            CU_ASSERT_EQUAL(cli64(s, junk[j]), 0);
            CU_ASSERT(c->invalid_base64);
            CU_ASSERT(!c->cancelled);
            CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
            CU_ASSERT(!mt_sasl_has_credential(s));
            mt_sasl_free(s);
        }
    }
    /* The exchange goes on after a bad message. */
    struct mt_sasl *s = start("LOGIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "VXNlcm5hbWU6!");
    CU_ASSERT(c->invalid_base64);
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    CU_ASSERT_EQUAL(cli64(s, "cHc="), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "pw"));
    CU_ASSERT(c->invalid_base64); /* sticky */
    mt_sasl_free(s);
}

static void test_oversized_messages(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t *big = malloc(40000);
    CU_ASSERT_FATAL(big != NULL);

    /* Passwords of MT_SASL_SECRET_MAX bytes and one more. */
    memcpy(big, "\0bob\0", 5);
    memset(big + 5, 'p', 40000 - 5);
    cli(s, big, 5 + MT_SASL_SECRET_MAX);
    CU_ASSERT(c->password.present && !c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    cli(s, big, 5 + MT_SASL_SECRET_MAX + 1);
    CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);

    /* A message larger than any internal buffer (decoded cut): the user is
     * whole, the password cut and marked. */
    static const size_t sizes[] = {8190, 8191, 8192, 8193, 8194, 8195, 10000, 39999};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        CU_ASSERT_EQUAL(cli(s, big, sizes[i]), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
        CU_ASSERT(IS(c->user, "bob"));
        CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);
        CU_ASSERT(!c->invalid_base64);
        CU_ASSERT(c->password.p[MT_SASL_SECRET_MAX - 1] == 'p');
    }
    /* A huge message that turns invalid at its very end. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    size_t len;
    char *t = b64(big, 30000, &len);
    t[len - 1] = '!';
    CU_ASSERT_EQUAL(mt_sasl_client(s, (const uint8_t *)t, len), 0);
    CU_ASSERT(c->invalid_base64 && ABSENT(c->password));
    /* Or with padding in the middle of the huge message. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    t[len - 1] = 'A';
    t[len / 2 / 4 * 4 + 3] = '=';
    CU_ASSERT_EQUAL(mt_sasl_client(s, (const uint8_t *)t, len), 0);
    CU_ASSERT(c->invalid_base64);
    free(t);

    /* A user longer than MT_SASL_FIELD_MAX. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    memset(big, 'u', 1000);
    big[1000] = 0;
    memcpy(big + 1001, "pw", 2);
    cli(s, big, 1003);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(IS(c->password, "pw"));

    /* LOGIN: a user longer than everything. */
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    cli(s, big, 20000);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);

    /* XOAUTH2: a token just too long for MT_SASL_SECRET_MAX, and one
     * longer than the message buffer. */
    static const size_t tokens[] = {MT_SASL_SECRET_MAX, MT_SASL_SECRET_MAX + 1, 30000};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
        size_t n = 0;
        memcpy(big, "user=u@h\x01" "auth=Bearer ", 21);
        n = 21;
        memset(big + n, 'T', tokens[i]);
        n += tokens[i];
        memcpy(big + n, "\x01\x01", 2);
        cli(s, big, n + 2);
        CU_ASSERT(IS(c->user, "u@h"));
        CU_ASSERT_EQUAL(c->password.len, MT_SASL_SECRET_MAX);
        CU_ASSERT_EQUAL(c->password.truncated, tokens[i] > MT_SASL_SECRET_MAX);
    }
    /* OAUTHBEARER, the same. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    memcpy(big, "n,a=u@h,\x01" "auth=Bearer ", 21);
    memset(big + 21, 'T', 20000);
    cli(s, big, 21 + 20000);
    CU_ASSERT(IS(c->user, "u@h"));
    CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);

    /* CRAM-MD5: a line too long to be of use is abandoned, and says so. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    memset(big, 'u', 3000);
    memcpy(big + 3000, " b913a602c7eda7a495b4e6e7334d3890", 33);
    cli(s, big, 3033);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(!c->hash.present && c->hash.truncated && c->hash_format == NULL);

    /* DIGEST-MD5: a realm too long for its field still makes a whole line;
     * one too long for the line makes none. */
    static const size_t realms[] = {1000, 3000};
    for (size_t i = 0; i < 2; i++) {
        mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
        size_t n = 0;
        memcpy(big, "username=\"u\",realm=\"", 20);
        n = 20;
        memset(big + n, 'r', realms[i]);
        n += realms[i];
        static const char rest[] = "\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd";
        memcpy(big + n, rest, sizeof rest - 1);
        n += sizeof rest - 1;
        cli(s, big, n);
        CU_ASSERT(c->domain.truncated && c->domain.len == MT_SASL_FIELD_MAX);
        CU_ASSERT_EQUAL(c->hash.present, realms[i] == 1000);
        /* "$DIGEST-MD5" "$u" "$" realm "$n" "$i/h" "$c" "$1" "$auth" "$abcd" */
        CU_ASSERT_EQUAL(c->hash.len, realms[i] == 1000 ? 34 + 1000 : 0);
    }

    /* A DIGEST-MD5 response cut by the message buffer gives no line (the
     * same response, short, gives one). */
    static const char head[] = "username=\"u\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd,x=";
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'x', 20000);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    cli(s, big, sizeof head - 1 + 10);
    CU_ASSERT(c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    cli(s, big, sizeof head - 1 + 20000);
    CU_ASSERT(IS(c->user, "u"));
    CU_ASSERT(!c->hash.present);
    /* A field that fits but runs into the cut is marked too: an authzid
     * of 8000 bytes pushes a 1000-byte password past the message buffer. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    memset(big, 'z', 8000);
    memcpy(big + 8000, "\0bob\0", 5);
    memset(big + 8005, 'p', 1000);
    cli(s, big, 9005);
    CU_ASSERT(c->authzid.truncated && c->authzid.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.truncated);
    CU_ASSERT(c->password.len > 0 && c->password.len < 1000);
    /* The same, uncut: whole. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    cli(s, big + 7000, 2005);
    CU_ASSERT(c->password.present && !c->password.truncated && c->password.len == 1000);

    /* The crackable line: MT_SASL_HASH_MAX - 1 characters fit (with the
     * NUL), one more does not. The DIGEST-MD5 line is 34 + realm long. */
    static const size_t lines[] = {MT_SASL_HASH_MAX - 1, MT_SASL_HASH_MAX};
    for (size_t i = 0; i < 2; i++) {
        mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
        size_t n = 0, r = lines[i] - 34;
        memcpy(big, "username=\"u\",realm=\"", 20);
        n = 20;
        memset(big + n, 'r', r);
        n += r;
        static const char rest[] = "\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd";
        memcpy(big + n, rest, sizeof rest - 1);
        n += sizeof rest - 1;
        cli(s, big, n);
        CU_ASSERT_EQUAL(c->hash.present, i == 0);
        CU_ASSERT_EQUAL(c->hash.truncated, i == 1);
        CU_ASSERT_EQUAL(c->hash.len, i == 0 ? MT_SASL_HASH_MAX - 1 : 0);
        if (i == 0)
            CU_ASSERT_EQUAL(strlen((const char *)c->hash.p), MT_SASL_HASH_MAX - 1);
    }

    /* Padding is only valid at the very end, however long the text: here
     * ending a kilobyte of a message too big to decode at once, inside and
     * past the part that is decoded. */
    static const size_t pads[] = {1020, 5116, 11260};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        memset(big, 'A', 12000);
        memcpy(big + pads[i], "AA==", 4);
        CU_ASSERT_EQUAL(mt_sasl_client(s, big, 12000), 0);
        CU_ASSERT(c->invalid_base64);
        memcpy(big + pads[i], "AAAA", 4); /* control: valid */
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        mt_sasl_client(s, big, 12000);
        CU_ASSERT(!c->invalid_base64);
    }
    free(big);
    mt_sasl_free(s);
}

/* --- fuzz ------------------------------------------------------------------------ */

static uint32_t rng = 0x9e3779b9u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Every field within its bound, absent fields empty, the hash line a
 * NUL-terminated printable string with a format, the mechanism a short C
 * string, and the flags limited to the two defined. */
static int sane(const struct mt_sasl *s, unsigned flags)
{
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    if (!memchr(c->mech, 0, sizeof c->mech))
        return 0;
    const struct {
        const struct mt_sasl_str *f;
        size_t cap;
    } f[] = {{&c->user, MT_SASL_FIELD_MAX},    {&c->authzid, MT_SASL_FIELD_MAX},
             {&c->password, MT_SASL_SECRET_MAX}, {&c->domain, MT_SASL_FIELD_MAX},
             {&c->host, MT_SASL_FIELD_MAX},    {&c->hash, MT_SASL_HASH_MAX - 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].f->len > f[i].cap || (!f[i].f->present && f[i].f->len != 0) || !f[i].f->p)
            return 0;
    if (c->hash.present) {
        if (!c->hash_format || strlen((const char *)c->hash.p) != c->hash.len)
            return 0;
        for (size_t i = 0; i < c->hash.len; i++)
            if (c->hash.p[i] < 0x20 || c->hash.p[i] > 0x7e)
                return 0;
    } else if (c->hash_format) {
        return 0;
    }
    if (flags & ~(unsigned)(MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET))
        return 0;
    if ((flags & MT_SASL_EXPOSES_USER) && !c->user.present)
        return 0;
    return 1;
}

/* Puts a few bytes that mean something to some parser at random places. */
static size_t poke(uint8_t *m, size_t n)
{
    static const uint8_t special[] = {0, 1, ',', '=', '"', '\\', ' ', '$', ':', 0xd8, 0xdc, 0xff};
    for (int k = 1 + next() % 4; k > 0 && n > 0; k--)
        m[next() % n] = special[next() % sizeof special];
    return n;
}

static size_t mutate(uint8_t *m, size_t cap, const uint8_t *seed, size_t n)
{
    static const uint32_t extremes[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff};
    if (n > cap)
        n = cap;
    memcpy(m, seed, n);
    switch (next() % 8) {
    case 0: /* random bytes */
        n = next() % 300;
        for (size_t i = 0; i < n; i++)
            m[i] = (uint8_t)next();
        return n;
    case 1: /* truncate */
        return n ? next() % n : 0;
    case 2: /* 16- or 32-bit extremes, or values near the length */
        for (int k = 1 + next() % 3; k > 0 && n >= 4; k--) {
            size_t at = next() % (n - 3);
            uint32_t v = next() % 2 ? extremes[next() % 10] : (uint32_t)(n + next() % 5 - 2);
            if (next() % 2)
                put32(m + at, v);
            else
                put16(m + at, v);
        }
        return n;
    case 3: /* grow past the fields' and the internal buffers */
        if (next() % 8 == 0) {
            size_t want = 8000 + next() % 4000;
            for (size_t i = n; i < want && i < cap; i++)
                m[i] = (uint8_t)(seed[i % n] ^ (next() % 16 == 0 ? next() : 0));
            return want < cap ? want : cap;
        }
        if (next() % 4 == 0) { /* a run of one byte inside a field */
            size_t at = next() % (n + 1), run = 400 + next() % 9000;
            if (run > cap - n)
                run = cap - n;
            memmove(m + at + run, m + at, n - at);
            memset(m + at, at < n ? m[at + run] : 'x', run);
            return n + run;
        }
        return poke(m, n);
    case 4:
        return poke(m, n);
    default: /* flip a few bits */
        for (int k = 1 + next() % 4; k > 0 && n > 0; k--)
            m[next() % n] ^= (uint8_t)(1u << next() % 8);
        return n;
    }
}

struct seed {
    const char *mech;
    const uint8_t *server; /* NULL: no server message */
    size_t server_len;
    const uint8_t *client;
    size_t client_len;
};

static void fuzz_one(struct mt_sasl *s, const struct seed *sd, uint8_t *m, size_t cap, char *text,
                     int *bad, int iterations)
{
    for (int it = 0; it < iterations; it++) {
        if (it % 6 == 0) {
            mt_sasl_begin(s, (const uint8_t *)sd->mech, strlen(sd->mech));
            if (sd->server_len && next() % 4)
                srv(s, sd->server, sd->server_len);
        }
        int server = next() % 4 == 0;
        const uint8_t *seed = server && sd->server_len ? sd->server : sd->client;
        size_t seed_len = server && sd->server_len ? sd->server_len : sd->client_len;
        size_t n = mutate(m, cap, seed, seed_len);
        unsigned flags = 0;
        uint32_t how = next() % 16;
        if (how == 0) { /* as text, not base64 */
            for (size_t i = 0; i < n; i++)
                text[i] = (char)m[i];
            if (server)
                mt_sasl_server(s, (const uint8_t *)text, n);
            else
                flags = mt_sasl_client(s, (const uint8_t *)text, n);
        } else if (how == 1) { /* base64 damaged in one place */
            size_t e = mt_base64_encode(m, n, text);
            if (e)
                text[next() % e] = "=*!A\n"[next() % 5];
            if (server)
                mt_sasl_server(s, (const uint8_t *)text, e);
            else
                flags = mt_sasl_client(s, (const uint8_t *)text, e);
        } else if (server) {
            srv(s, m, n);
        } else {
            flags = cli(s, m, n);
        }
        if (!sane(s, flags))
            (*bad)++;
        (void)mt_sasl_has_credential(s);
    }
}

static void test_fuzz(void)
{
    enum { CAP = 12000 };
    uint8_t *m = malloc(CAP), v1c[256], v1a[256], v2c[256], v2a[256];
    char *text = malloc(4 * ((CAP + 2) / 3) + 1);
    CU_ASSERT_FATAL(m && text);
    from_hex(v1_challenge, strlen(v1_challenge), v1c);
    from_hex(v1_authenticate, strlen(v1_authenticate), v1a);
    from_hex(v2_challenge, strlen(v2_challenge), v2c);
    from_hex(v2_authenticate, strlen(v2_authenticate), v2a);
#define S(x) (const uint8_t *)(x), sizeof(x) - 1
    static const char digest_c[] = "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
                                   "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
                                   "digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a"
                                   "152321f2143af7,qop=auth,authzid=\"a\\\"b\"";
    const struct seed seeds[] = {
        {"PLAIN", NULL, 0, S("Ursel\0Kurt\0xipj3plmq")},
        {"LOGIN", S("Username:"), S("tim")},
        {"CRAM-MD5", S("<1896.697170952@postoffice.reston.mci.net>"),
         S("tim b913a602c7eda7a495b4e6e7334d3890")},
        {"DIGEST-MD5", S(RFC2831_CHALLENGE), S(digest_c)},
        {"XOAUTH2", S("{\"status\":\"401\"}"),
         S("user=someuser@example.com\x01" "auth=Bearer " GOOGLE_TOKEN "\x01\x01")},
        {"OAUTHBEARER", S("{\"status\":\"invalid_token\"}"),
         S("n,a=us=2Cer@example.com,\x01host=server.example.com\x01port=143\x01"
           "auth=Bearer vF9dft4q\x01\x01")},
        {"NTLM", v1c, sizeof v1_challenge / 2, v1a, sizeof v1_authenticate / 2},
        {"NTLM", v2c, sizeof v2_challenge / 2, v2a, sizeof v2_authenticate / 2},
        {"EXTERNAL", NULL, 0, S("admin")},
        {"ANONYMOUS", NULL, 0, S("sirhc")},
        {"SCRAM-SHA-256",
         S("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
         S("n,a=x=3D,n=user,r=rOprNGfwEbeRWgbNEkqO")},
        {"GSSAPI", S("challenge"), S("response")},
    };
#undef S
    int bad = 0;
    struct mt_sasl *s = mt_sasl_new();
    CU_ASSERT_FATAL(s != NULL);
    rng = 0x9e3779b9u;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        fuzz_one(s, &seeds[i], m, CAP, text, &bad, 20000);
    CU_ASSERT_EQUAL(bad, 0);
    mt_sasl_free(s);
    free(m);
    free(text);
}

int register_sasl_suite(void)
{
    CU_pSuite s = CU_add_suite("sasl", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "MD4/MD5/HMAC-MD5 used by the checks", test_digests) ||
           !CU_add_test(s, "PLAIN: RFC 4616 examples", test_plain_rfc4616) ||
           !CU_add_test(s, "PLAIN: one NUL, empty password, NUL in password", test_plain_variants) ||
           !CU_add_test(s, "PLAIN: \"=\" and \"*\"", test_plain_empty_and_cancel) ||
           !CU_add_test(s, "LOGIN: user and password after challenges", test_login) ||
           !CU_add_test(s, "LOGIN: user as initial response", test_login_initial_response) ||
           !CU_add_test(s, "CRAM-MD5: RFC 2195 example, hashcat line", test_cram_rfc2195) ||
           !CU_add_test(s, "CRAM-MD5: hashcat's example hash", test_cram_hashcat_example) ||
           !CU_add_test(s, "CRAM-MD5: no usable challenge", test_cram_without_challenge) ||
           !CU_add_test(s, "DIGEST-MD5: RFC 2831 example, John line", test_digest_rfc2831) ||
           !CU_add_test(s, "DIGEST-MD5: defaults and authzid", test_digest_defaults_and_authzid) ||
           !CU_add_test(s, "DIGEST-MD5: malformed responses", test_digest_malformed) ||
           !CU_add_test(s, "XOAUTH2: Google example, error round", test_xoauth2) ||
           !CU_add_test(s, "XOAUTH2: variants", test_xoauth2_variants) ||
           !CU_add_test(s, "OAUTHBEARER: RFC 7628 example", test_oauthbearer_rfc7628) ||
           !CU_add_test(s, "OAUTHBEARER: authzid, escapes, bad headers", test_oauthbearer_variants) ||
           !CU_add_test(s, "NTLM: MS-NLMP 4.2.2 NTLMv1", test_ntlm_v1_ms_nlmp) ||
           !CU_add_test(s, "NTLM: MS-NLMP 4.2.4 NTLMv2", test_ntlm_v2_ms_nlmp) ||
           !CU_add_test(s, "NTLM: OEM strings, response lengths", test_ntlm_oem_and_lengths) ||
           !CU_add_test(s, "NTLM: short AUTHENTICATE header", test_ntlm_short_header) ||
           !CU_add_test(s, "NTLM: UTF-16 conversion and bounds", test_ntlm_utf16) ||
           !CU_add_test(s, "NTLM: hostile security buffers", test_ntlm_hostile_buffers) ||
           !CU_add_test(s, "NTLM: a second message starts over", test_ntlm_second_message_starts_over) ||
           !CU_add_test(s, "EXTERNAL", test_external) || !CU_add_test(s, "ANONYMOUS", test_anonymous) ||
           !CU_add_test(s, "SCRAM: RFC 7677 example", test_scram_rfc7677) ||
           !CU_add_test(s, "unknown and odd mechanism names", test_unknown_mechanism) ||
           !CU_add_test(s, "begin resets everything", test_begin_resets) ||
           !CU_add_test(s, "invalid base64 reported, not fatal", test_invalid_base64_not_fatal) ||
           !CU_add_test(s, "oversized messages and fields", test_oversized_messages) ||
           !CU_add_test(s, "messages as decoded, NTLM in words", test_decoded_messages) ||
           !CU_add_test(s, "fuzz: 20000 messages per mechanism", test_fuzz)
               ? -1
               : 0;
}
