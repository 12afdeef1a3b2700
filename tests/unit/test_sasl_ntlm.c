/* NTLM (MS-NLMP 4.2.2 and 4.2.4, hand-built and hostile messages): src/sasl/ntlm.c.
 * The NetNTLMv2 line is also recomputed with the known password. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- NTLM (MS-NLMP; its example messages are in test_sasl.h) ----------------- */

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

int sasl_add_ntlm_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {
        {"NTLM: MS-NLMP 4.2.2 NTLMv1", test_ntlm_v1_ms_nlmp},
        {"NTLM: MS-NLMP 4.2.4 NTLMv2", test_ntlm_v2_ms_nlmp},
        {"NTLM: OEM strings, response lengths", test_ntlm_oem_and_lengths},
        {"NTLM: short AUTHENTICATE header", test_ntlm_short_header},
        {"NTLM: UTF-16 conversion and bounds", test_ntlm_utf16},
        {"NTLM: hostile security buffers", test_ntlm_hostile_buffers},
        {"NTLM: a second message starts over", test_ntlm_second_message_starts_over},
    };
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
