/* JA4 client fingerprints (src/transform/ja4.c) and what the ClientHello
 * reader (tls_hello.c) collects for them.  Expected values come from
 * outside mailtap: the examples of FoxIO's specification (JA4.md), the
 * values FoxIO publishes for its own test captures (ja4_foxio.h), and the
 * independent Python reference tests/tools/ja4.py for our captures
 * (ja4_vectors.h, regenerated with `tests/tools/ja4.py --c-vectors`). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/tls.h"
#include "suites.h"

#include "ja4_foxio.h"
#include "ja4_vectors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- helpers */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Parses p[0..n) from a heap copy of exactly n bytes, so that ASan sees any
 * read past the end; *ja4 gets the fingerprint ("" unless a hello). */
static enum mt_tls_result parse(const uint8_t *p, size_t n, char ja4[MT_JA4_SIZE])
{
    uint8_t *copy = malloc(n ? n : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, p, n);
    struct mt_tls_info info;
    memset(&info, 0, sizeof info);
    enum mt_tls_result r = mt_tls_client_hello(copy, n, &info);
    free(copy);
    memcpy(ja4, r == MT_TLS_HELLO ? info.ja4 : "", r == MT_TLS_HELLO ? MT_JA4_SIZE : 1);
    return r;
}

static enum mt_tls_result parse_hex(const char *hex, char ja4[MT_JA4_SIZE])
{
    static uint8_t buf[MT_TLS_MAX_HELLO];
    return parse(buf, unhex(hex, buf, sizeof buf), ja4);
}

/* A ClientHello being built: record and handshake headers, then the body. */
struct hb {
    uint8_t b[MT_TLS_MAX_HELLO];
    size_t n, ext_at;
};

static void put8(struct hb *h, unsigned v)
{
    CU_ASSERT_FATAL(h->n < sizeof h->b);
    h->b[h->n++] = (uint8_t)v;
}

static void put16(struct hb *h, unsigned v)
{
    put8(h, v >> 8 & 0xff);
    put8(h, v & 0xff);
}

static void set16(struct hb *h, size_t at, size_t v)
{
    h->b[at] = (uint8_t)(v >> 8);
    h->b[at + 1] = (uint8_t)v;
}

static void begin(struct hb *h, unsigned legacy, const uint16_t *ciphers, size_t nc)
{
    h->n = 0;
    put8(h, 0x16), put16(h, 0x0301), put16(h, 0);  /* record, length later */
    put8(h, 1), put8(h, 0), put16(h, 0);           /* ClientHello, length later */
    put16(h, legacy);
    for (int i = 0; i < 32; i++)
        put8(h, (unsigned)i); /* random */
    put8(h, 0);               /* no session id */
    put16(h, (unsigned)(2 * nc));
    for (size_t i = 0; i < nc; i++)
        put16(h, ciphers[i]);
    put8(h, 1), put8(h, 0); /* compression: null */
    h->ext_at = h->n;
    put16(h, 0); /* extensions' length, later */
}

static void ext(struct hb *h, unsigned type, const uint8_t *body, size_t len)
{
    put16(h, type), put16(h, (unsigned)len);
    for (size_t i = 0; i < len; i++)
        put8(h, body[i]);
}

/* An extension holding a list of 16-bit values after a 1- or 2-byte
 * length (supported_versions, signature_algorithms, supported_groups). */
static void ext_list(struct hb *h, unsigned type, int lenbytes, const uint16_t *v, size_t n)
{
    put16(h, type), put16(h, (unsigned)(lenbytes + 2 * n));
    if (lenbytes == 1)
        put8(h, (unsigned)(2 * n));
    else
        put16(h, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++)
        put16(h, v[i]);
}

static void ext_sni(struct hb *h, const char *name)
{
    size_t k = strlen(name);
    put16(h, 0), put16(h, (unsigned)(k + 5)), put16(h, (unsigned)(k + 3));
    put8(h, 0), put16(h, (unsigned)k);
    for (size_t i = 0; i < k; i++)
        put8(h, (uint8_t)name[i]);
}

static void ext_alpn(struct hb *h, const uint8_t *proto, size_t k)
{
    put16(h, 16), put16(h, (unsigned)(k + 3)), put16(h, (unsigned)(k + 1)), put8(h, (unsigned)k);
    for (size_t i = 0; i < k; i++)
        put8(h, proto[i]);
}

/* Fills in the lengths, drops an empty extensions block if asked, parses. */
static enum mt_tls_result finish(struct hb *h, int no_ext_block, char ja4[MT_JA4_SIZE])
{
    if (no_ext_block)
        h->n = h->ext_at;
    else
        set16(h, h->ext_at, h->n - h->ext_at - 2);
    set16(h, 3, h->n - 5);
    h->b[6] = (uint8_t)((h->n - 9) >> 16);
    set16(h, 7, h->n - 9);
    return parse(h->b, h->n, ja4);
}

static const uint16_t base_ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0x00ff};
static const uint16_t base_sigs[] = {0x0403, 0x0804, 0x0401};
static const uint16_t base_groups[] = {0x001d, 0x0017};
static const uint16_t base_versions[] = {0x0304, 0x0303};

/* A TLS 1.3 hello: 6 suites; SNI, ALPN "imap", groups, signature
 * algorithms, supported_versions; each part optional. */
enum { NO_SNI = 1, NO_ALPN = 2, NO_SIGS = 4, GREASE = 8 };
static enum mt_tls_result base_hello(struct hb *h, int flags, char ja4[MT_JA4_SIZE])
{
    uint16_t ciphers[N(base_ciphers) + 1], sigs[N(base_sigs) + 1], vers[N(base_versions) + 1];
    size_t nc = 0, ns = 0, nv = 0;
    if (flags & GREASE)
        ciphers[nc++] = 0x3a3a, sigs[ns++] = 0xfafa, vers[nv++] = 0x5a5a;
    for (size_t i = 0; i < N(base_ciphers); i++)
        ciphers[nc++] = base_ciphers[i];
    for (size_t i = 0; i < N(base_sigs); i++)
        sigs[ns++] = base_sigs[i];
    for (size_t i = 0; i < N(base_versions); i++)
        vers[nv++] = base_versions[i];
    begin(h, 0x0303, ciphers, nc);
    if (flags & GREASE)
        ext(h, 0x0a0a, NULL, 0);
    if (!(flags & NO_SNI))
        ext_sni(h, "mail.example.com");
    ext_list(h, 0x000a, 2, base_groups, N(base_groups));
    if (!(flags & NO_ALPN))
        ext_alpn(h, (const uint8_t *)"imap", 4);
    if (!(flags & NO_SIGS))
        ext_list(h, 0x000d, 2, sigs, ns);
    ext_list(h, 0x002b, 1, vers, nv);
    if (flags & GREASE)
        ext(h, 0xdada, (const uint8_t *)"\0", 1);
    return finish(h, 0, ja4);
}

static struct hb hello; /* 16 KiB: not on the stack */

/* ------------------------------------------------------------------ tests */

/* JA4.md's example, as lists: its fingerprint, and the hash of its
 * extensions alone for a hello without signature algorithms. */
static void test_spec_example(void)
{
    static const uint16_t c[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    static const uint16_t e[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
    static const uint16_t s[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
    static struct mt_ja4_hello h;
    memset(&h, 0, sizeof h);
    memcpy(h.ciphers, c, sizeof c), h.n_ciphers = N(c);
    memcpy(h.exts, e, sizeof e), h.n_exts = N(e);
    memcpy(h.sigalgs, s, sizeof s), h.n_sigalgs = N(s);
    h.legacy_version = 0x0303;
    h.has_versions = 1, h.versions[0] = 0x0304, h.versions[1] = 0x0303, h.n_versions = 2;
    h.alpn_len = 2, h.alpn_first = 'h', h.alpn_last = '2';
    char out[MT_JA4_SIZE];
    CU_ASSERT_EQUAL(mt_ja4(&h, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    h.n_sigalgs = 0;
    CU_ASSERT_EQUAL(mt_ja4(&h, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "t13d1516h2_8daaf6152771_6d807ffa2a79");
    h.unusable = 1;
    CU_ASSERT_EQUAL(mt_ja4(&h, out), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
    h.unusable = 0, h.n_exts = MT_JA4_MAX_EXTS + 1; /* inconsistent counts */
    CU_ASSERT_EQUAL(mt_ja4(&h, out), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* Hellos from FoxIO's test captures, with FoxIO's published values. */
static void test_foxio_captures(void)
{
    for (size_t i = 0; i < N(ja4_foxio); i++) {
        char out[MT_JA4_SIZE];
        CU_ASSERT_EQUAL(parse_hex(ja4_foxio[i].hex, out), MT_TLS_HELLO);
        CU_ASSERT_STRING_EQUAL(out, ja4_foxio[i].ja4);
        if (strcmp(out, ja4_foxio[i].ja4) != 0)
            fprintf(stderr, "\n%s: %s, FoxIO %s\n", ja4_foxio[i].capture, out, ja4_foxio[i].ja4);
    }
}

/* Every hello of our captures: C and the Python reference agree. */
static void test_captures_match_python(void)
{
    CU_ASSERT(N(ja4_vectors) >= 24);
    for (size_t i = 0; i < N(ja4_vectors); i++) {
        char out[MT_JA4_SIZE];
        CU_ASSERT_EQUAL(parse_hex(ja4_vectors[i].hex, out), MT_TLS_HELLO);
        CU_ASSERT_STRING_EQUAL(out, ja4_vectors[i].ja4);
        if (strcmp(out, ja4_vectors[i].ja4) != 0)
            fprintf(stderr, "\n%s: C %s, Python %s\n", ja4_vectors[i].capture, out,
                    ja4_vectors[i].ja4);
    }
}

/* The values for some of our captures, spelled out (tests/tools/ja4.py,
 * and the same from the read-tls-client-hello npm package's JA4). */
static void test_captures_named(void)
{
    static const struct {
        const char *capture, *ja4;
    } want[] = {
        {"imaps-993.pcap", "t13i311000_e8f1e7e78f70_b26ce05bbdd6"},
        {"pop3s-995.pcap", "t13i311000_e8f1e7e78f70_b26ce05bbdd6"},
        {"smtps-465.pcap", "t13i311000_e8f1e7e78f70_d41ae481755e"},
        {"imaps-tls12-cbc-sha384-noetm-cram-md5-keylog.pcap", "t12d020600_184f2be1a0c6_270a4df6833b"},
        {"pop3s-tls12-chacha20-retr-decoy-body-keylog.pcap", "t12i020600_14e71d778212_e7e480e5a997"},
        {"smtps-tls12-resumed-session-id-keylog.pcap", "t12d280600_d943125447b4_a44c6288192a"},
        {"smtps-tls13-resumed-psk-keylog.pcap", "t13d041100_16476d049b0b_6775ac8fe30b"},
        {"imaps-tls13-keyupdate-login-keylog.pcap", "t13d021000_bb76221c5b8c_78f1d400d464"},
    };
    for (size_t i = 0; i < N(want); i++) {
        size_t k = 0;
        while (k < N(ja4_vectors) && strcmp(ja4_vectors[k].capture, want[i].capture) != 0)
            k++;
        CU_ASSERT_FATAL(k < N(ja4_vectors));
        char out[MT_JA4_SIZE];
        CU_ASSERT_EQUAL(parse_hex(ja4_vectors[k].hex, out), MT_TLS_HELLO);
        CU_ASSERT_STRING_EQUAL(out, want[i].ja4);
    }
}

/* The built hello, and what tests/tools/ja4.py says of the same bytes. */
static void test_base_hello(void)
{
    char out[MT_JA4_SIZE];
    CU_ASSERT_EQUAL(base_hello(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t13d0605ip_bcfe0a960bb4_beb9f91c6f80");
}

/* GREASE suites, extensions (first and last), versions and signature
 * algorithms change nothing. */
static void test_grease_ignored(void)
{
    char plain[MT_JA4_SIZE], greased[MT_JA4_SIZE];
    CU_ASSERT_EQUAL(base_hello(&hello, 0, plain), MT_TLS_HELLO);
    CU_ASSERT_EQUAL(base_hello(&hello, GREASE, greased), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(greased, plain);
    CU_ASSERT_EQUAL(base_hello(&hello, GREASE | NO_SNI | NO_ALPN, greased), MT_TLS_HELLO);
    CU_ASSERT_EQUAL(base_hello(&hello, NO_SNI | NO_ALPN, plain), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(greased, plain);
}

/* No server_name: 'i', one extension fewer, the same hashes (SNI is never
 * in them); no ALPN: "00" likewise; no signature algorithms: no '_'. */
static void test_no_sni_no_alpn(void)
{
    char out[MT_JA4_SIZE];
    CU_ASSERT_EQUAL(base_hello(&hello, NO_SNI, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t13i0604ip_bcfe0a960bb4_beb9f91c6f80");
    CU_ASSERT_EQUAL(base_hello(&hello, NO_ALPN, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t13d060400_bcfe0a960bb4_beb9f91c6f80");
    CU_ASSERT_EQUAL(base_hello(&hello, NO_SNI | NO_ALPN, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t13i060300_bcfe0a960bb4_beb9f91c6f80");
    CU_ASSERT_EQUAL(base_hello(&hello, NO_SIGS, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t13d0604ip_bcfe0a960bb4_b0ac53b37fa7");
}

/* JA4.md's ALPN rules, through real hello bytes. */
static void test_alpn_chars(void)
{
    static const struct {
        const char *proto;
        size_t len;
        const char *code;
    } cases[] = {
        {"h2", 2, "h2"},       {"http/1.1", 8, "h1"}, {"x", 1, "xx"},
        {"\xab", 1, "ab"},     {"\x20", 1, "20"},     {"\xab\xcd", 2, "ad"},
        {"\x20\x61", 2, "21"}, {"\x30\xab", 2, "3b"}, {"\x61\x20", 2, "60"},
        {"\x30\x31\xab\xcd", 4, "3d"}, {"\x30\xab\xcd\x31", 4, "01"},
        {"\0", 1, "00"},       {"Z9", 2, "Z9"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[MT_JA4_SIZE];
        begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
        ext_alpn(&hello, (const uint8_t *)cases[i].proto, cases[i].len);
        CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
        CU_ASSERT_EQUAL(strlen(out), 36);
        CU_ASSERT_NSTRING_EQUAL(out + 8, cases[i].code, 2);
    }
}

/* Counts stop at 99; the hashes still cover every value. */
static void test_over_99(void)
{
    static uint16_t c[150];
    for (size_t i = 0; i < N(c); i++)
        c[i] = (uint16_t)(0x0100 + 150 - i); /* descending: sorting matters */
    char out[MT_JA4_SIZE];
    begin(&hello, 0x0303, c, N(c));
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12i990000_cb938b8aacbf_000000000000");
    begin(&hello, 0x0303, c, 99);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12i990000_de8ad7ed9546_000000000000");
    begin(&hello, 0x0303, c, 100);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12i990000_dc064b743b73_000000000000");
    begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
    for (unsigned t = 0; t < 120; t++)
        ext(&hello, 0x0100 + 119 - t, NULL, 0);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12i069900_bcfe0a960bb4_78cd3e4e4f62");
}

/* The version: supported_versions' highest non-GREASE value, else the
 * legacy version; unknown ones are "00". */
static void test_versions(void)
{
    static const struct {
        unsigned legacy;
        int n; /* supported_versions' entries; -1: no extension */
        uint16_t v[3];
        const char *code;
    } cases[] = {
        {0x0303, -1, {0}, "12"},
        {0x0301, -1, {0}, "10"},
        {0x0300, -1, {0}, "s3"},
        {0x0302, -1, {0}, "11"},
        {0x0303, 2, {0x0303, 0x0302}, "12"},
        {0x0303, 3, {0x8a8a, 0x0304, 0x0303}, "13"},
        {0x0303, 2, {0x0303, 0x0304}, "13"},
        {0x0303, 1, {0x2a2a}, "00"},         /* no version but GREASE */
        {0x0303, 2, {0x7f1c, 0x0303}, "00"}, /* a draft is the highest value */
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[MT_JA4_SIZE];
        begin(&hello, cases[i].legacy, base_ciphers, N(base_ciphers));
        if (cases[i].n >= 0)
            ext_list(&hello, 0x002b, 1, cases[i].v, (size_t)cases[i].n);
        CU_ASSERT_EQUAL(finish(&hello, cases[i].n < 0, out), MT_TLS_HELLO);
        CU_ASSERT_NSTRING_EQUAL(out + 1, cases[i].code, 2);
    }
}

/* Nothing to hash is twelve zeros: only GREASE suites; no extensions
 * block; extensions that are only server_name and ALPN. */
static void test_empty_lists(void)
{
    static const uint16_t grease_only[] = {0x0a0a, 0xfafa};
    char out[MT_JA4_SIZE];
    begin(&hello, 0x0303, grease_only, N(grease_only));
    CU_ASSERT_EQUAL(finish(&hello, 1, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12i000000_000000000000_000000000000");
    begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
    ext_sni(&hello, "a.example");
    ext_alpn(&hello, (const uint8_t *)"smtp", 4);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "t12d0602sp_bcfe0a960bb4_000000000000");
}

/* A hello read whole but not fingerprinted: "" (and the hello itself
 * still recognised, its SNI read). */
static void test_unusable(void)
{
    char out[MT_JA4_SIZE];
    static const uint8_t odd[] = {0x00, 0x03, 0x04, 0x03, 0x08}; /* odd list */
    static const uint8_t shortlist[] = {0x00, 0x04, 0x04, 0x03};  /* list longer than body */
    static const uint8_t tiny[] = {0x04};
    const struct {
        const uint8_t *body;
        size_t len;
    } bad[] = {{odd, sizeof odd}, {shortlist, sizeof shortlist}, {tiny, sizeof tiny}, {NULL, 0}};
    for (size_t i = 0; i < N(bad); i++) {
        begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
        ext_sni(&hello, "mail.example.com");
        ext(&hello, 0x000d, bad[i].body, bad[i].len);
        CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
        CU_ASSERT_STRING_EQUAL(out, "");
    }
    /* More suites or extensions than kept. */
    static uint16_t c[MT_JA4_MAX_CIPHERS + 1];
    for (size_t i = 0; i < N(c); i++)
        c[i] = (uint16_t)i;
    begin(&hello, 0x0303, c, N(c));
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "");
    begin(&hello, 0x0303, c, MT_JA4_MAX_CIPHERS);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_EQUAL(strlen(out), 36);
    begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
    for (unsigned t = 0; t <= MT_JA4_MAX_EXTS; t++)
        ext(&hello, 0x0100 + t, NULL, 0);
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, "");
    /* A second signature_algorithms is not read (JA4 takes the first). */
    static const uint16_t other[] = {0x0601};
    char same[MT_JA4_SIZE];
    begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
    ext_list(&hello, 0x000d, 2, base_sigs, N(base_sigs));
    ext_list(&hello, 0x000d, 2, base_sigs, N(base_sigs));
    CU_ASSERT_EQUAL(finish(&hello, 0, same), MT_TLS_HELLO);
    begin(&hello, 0x0303, base_ciphers, N(base_ciphers));
    ext_list(&hello, 0x000d, 2, base_sigs, N(base_sigs));
    ext_list(&hello, 0x000d, 2, other, N(other));
    CU_ASSERT_EQUAL(finish(&hello, 0, out), MT_TLS_HELLO);
    CU_ASSERT_STRING_EQUAL(out, same);
    CU_ASSERT_STRING_EQUAL(out, "t12i060200_bcfe0a960bb4_4f84341aa42b");
}

/* A well-formed fingerprint, or "". */
static int well_formed(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return 1;
    if (n != 36 || s[0] != 't' || s[10] != '_' || s[23] != '_' || (s[3] != 'd' && s[3] != 'i'))
        return 0;
    for (size_t i = 11; i < 36; i++)
        if (i != 23 && !strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

/* Every prefix of every known hello wants more, never gives a fingerprint;
 * then the same hellos with bytes changed at random: never a crash (ASan
 * sees reads past the copy), and a fingerprint is well-formed or "". */
static void test_truncated_and_hostile(void)
{
    static uint8_t buf[MT_TLS_MAX_HELLO];
    const char *hexes[N(ja4_vectors) + N(ja4_foxio)];
    size_t nh = 0;
    for (size_t i = 0; i < N(ja4_vectors); i++)
        hexes[nh++] = ja4_vectors[i].hex;
    for (size_t i = 0; i < N(ja4_foxio); i++)
        hexes[nh++] = ja4_foxio[i].hex;
    uint32_t seed = 12345;
    unsigned hellos = 0, mutated_hellos = 0;
    for (size_t i = 0; i < nh; i++) {
        size_t n = unhex(hexes[i], buf, sizeof buf);
        char out[MT_JA4_SIZE];
        for (size_t k = 1; k < n; k++)
            CU_ASSERT_EQUAL(parse(buf, k, out), MT_TLS_NEED_MORE);
        for (int round = 0; round < 300; round++) {
            static uint8_t m[MT_TLS_MAX_HELLO];
            memcpy(m, buf, n);
            int changes = 1 + round % 4;
            for (int c = 0; c < changes; c++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % n;
                seed = seed * 1103515245u + 12345u;
                m[at] = (uint8_t)(round % 3 == 0 ? m[at] ^ (1u << (seed >> 29)) : seed >> 16);
            }
            seed = seed * 1103515245u + 12345u;
            size_t len = round % 5 == 0 ? (seed >> 8) % (n + 1) : n;
            enum mt_tls_result r = parse(m, len, out);
            if (r == MT_TLS_HELLO) {
                mutated_hellos++;
                CU_ASSERT(well_formed(out));
            }
        }
        hellos++;
    }
    CU_ASSERT_EQUAL(hellos, nh);
    CU_ASSERT(mutated_hellos > 0);
}

int register_ja4_suite(void)
{
    CU_pSuite s = CU_add_suite("ja4", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "JA4.md's example", test_spec_example) ||
        !CU_add_test(s, "FoxIO's captures, FoxIO's values", test_foxio_captures) ||
        !CU_add_test(s, "our captures: C and Python agree", test_captures_match_python) ||
        !CU_add_test(s, "our captures: values", test_captures_named) ||
        !CU_add_test(s, "a built hello", test_base_hello) ||
        !CU_add_test(s, "GREASE ignored", test_grease_ignored) ||
        !CU_add_test(s, "no SNI, no ALPN, no signature algorithms", test_no_sni_no_alpn) ||
        !CU_add_test(s, "ALPN characters", test_alpn_chars) ||
        !CU_add_test(s, "more than 99", test_over_99) ||
        !CU_add_test(s, "versions", test_versions) ||
        !CU_add_test(s, "empty lists", test_empty_lists) ||
        !CU_add_test(s, "not fingerprinted", test_unusable) ||
        !CU_add_test(s, "truncated and hostile hellos", test_truncated_and_hostile))
        return -1;
    return 0;
}
