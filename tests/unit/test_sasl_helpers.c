/* The helpers declared in test_sasl.h, and the check of their MD4, MD5 and
 * HMAC-MD5 against RFC 1320, 1321 and 2104. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/base64.h"
#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- feeding the observer ------------------------------------------------- */

struct mt_sasl *start(const char *mech)
{
    struct mt_sasl *s = mt_sasl_new();
    CU_ASSERT_FATAL(s != NULL);
    mt_sasl_begin(s, (const uint8_t *)mech, strlen(mech));
    return s;
}

char *b64(const void *p, size_t n, size_t *len)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        abort();
    *len = mt_base64_encode(p, n, out);
    return out;
}

unsigned cli(struct mt_sasl *s, const void *p, size_t n)
{
    size_t len;
    char *t = b64(p, n, &len);
    unsigned r = mt_sasl_client(s, (const uint8_t *)t, len);
    free(t);
    return r;
}

void srv(struct mt_sasl *s, const void *p, size_t n)
{
    size_t len;
    char *t = b64(p, n, &len);
    mt_sasl_server(s, (const uint8_t *)t, len);
    free(t);
}

unsigned cli64(struct mt_sasl *s, const char *t)
{
    return mt_sasl_client(s, (const uint8_t *)t, strlen(t));
}

void srv64(struct mt_sasl *s, const char *t) { mt_sasl_server(s, (const uint8_t *)t, strlen(t)); }

int is(const struct mt_sasl_str *f, const void *p, size_t n)
{
    return f->present && !f->truncated && f->len == n && (n == 0 || memcmp(f->p, p, n) == 0);
}

int hash_is(const struct mt_sasl_cred *c, const char *line, const char *format)
{
    return c->hash.present && !c->hash.truncated && c->hash.len == strlen(line) &&
           strcmp((const char *)c->hash.p, line) == 0 && c->hash_format &&
           strcmp(c->hash_format, format) == 0;
}

void hex_msg(struct mt_sasl *s, const char *hex, int server, unsigned *flags)
{
    uint8_t m[512];
    long n = from_hex(hex, strlen(hex), m);
    CU_ASSERT_FATAL(n > 0);
    if (server)
        srv(s, m, (size_t)n);
    else
        *flags = cli(s, m, (size_t)n);
}

/* --- bytes, hex, MD4, MD5, HMAC-MD5 (RFC 1320, 1321, 2104) ---------------- */

static uint32_t rol(uint32_t x, int c) { return x << c | x >> (32 - c); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

void put16(uint8_t *p, uint32_t v)
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

void md5(const void *p, size_t n, uint8_t out[16])
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

void md4(const void *p, size_t n, uint8_t out[16])
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

void hmac_md5(const void *key, size_t kn, const void *msg, size_t mn, uint8_t out[16])
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

void to_hex(const uint8_t *p, size_t n, char *out)
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

long from_hex(const char *h, size_t n, uint8_t *out)
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

int split(char *s, char sep, char **f, int max)
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

int sasl_add_tests(CU_pSuite s, const CU_TestInfo *tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!CU_add_test(s, tests[i].pName, tests[i].pTestFunc))
            return -1;
    return 0;
}

int sasl_add_helper_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {{"MD4/MD5/HMAC-MD5 used by the checks", test_digests}};
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
