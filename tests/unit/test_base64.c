#include <CUnit/CUnit.h>
#include <string.h>

#include "mailtap/base64.h"
#include "suites.h"

/* Decodes a C string; -2 if the decoder wrote past cap (the bytes of out
 * beyond cap are a guard pattern). */
static long dec(const char *in, uint8_t *out, size_t cap)
{
    uint8_t buf[256];
    memset(buf, 0xa5, sizeof buf);
    long r = mt_base64_decode((const uint8_t *)in, strlen(in), buf, cap);
    for (size_t i = cap; i < sizeof buf; i++)
        if (buf[i] != 0xa5)
            return -2;
    if (out && r > 0)
        memcpy(out, buf, (size_t)r);
    return r;
}

static const struct {
    const char *plain, *b64;
} rfc4648[] = {
    /* RFC 4648 section 10. */
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648_decode(void)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        uint8_t out[16];
        size_t n = strlen(rfc4648[i].plain);
        CU_ASSERT_EQUAL(dec(rfc4648[i].b64, out, sizeof out), (long)n);
        CU_ASSERT(memcmp(out, rfc4648[i].plain, n) == 0);
    }
}

static void test_rfc4648_encode(void)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        char out[32];
        memset(out, 'X', sizeof out);
        const char *p = rfc4648[i].plain;
        size_t n = mt_base64_encode((const uint8_t *)p, strlen(p), out);
        CU_ASSERT_EQUAL(n, strlen(rfc4648[i].b64));
        CU_ASSERT_STRING_EQUAL(out, rfc4648[i].b64);
        /* Exactly 4 * ((n + 2) / 3) + 1 bytes written, no more. */
        CU_ASSERT_EQUAL(out[n + 1], 'X');
    }
}

static void test_whole_alphabet(void)
{
    /* These 48 bytes are the 64 sextets 0..63 in order. */
    static const uint8_t bytes[48] = {
        0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f, 0x41, 0x14, 0x93, 0x51,
        0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f, 0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a,
        0xab, 0xb2, 0xdb, 0xaf, 0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char enc[80];
    CU_ASSERT_EQUAL(mt_base64_encode(bytes, sizeof bytes, enc), 64);
    CU_ASSERT_STRING_EQUAL(enc, alphabet);
    uint8_t out[64];
    CU_ASSERT_EQUAL(dec(alphabet, out, sizeof out), 48);
    CU_ASSERT(memcmp(out, bytes, sizeof bytes) == 0);
}

static void test_round_trip(void)
{
    /* Every length from 0 to 256; the longest holds each byte value once. */
    uint8_t in[256], out[256];
    char enc[4 * ((256 + 2) / 3) + 1];
    uint32_t x = 2463534242u;
    int bad = 0;
    for (size_t n = 0; n <= sizeof in; n++) {
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            in[i] = (uint8_t)(n == sizeof in ? i : x);
        }
        size_t e = mt_base64_encode(in, n, enc);
        if (e != 4 * ((n + 2) / 3) || strlen(enc) != e)
            bad++;
        long d = mt_base64_decode((const uint8_t *)enc, e, out, n);
        if (d != (long)n || (n > 0 && memcmp(in, out, n) != 0))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_every_byte_in_last_position(void)
{
    /* "AAA" + c: valid exactly for the 64 alphabet characters and '='. */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int wrong = 0;
    for (int c = 0; c < 256; c++) {
        uint8_t in[4] = {'A', 'A', 'A', (uint8_t)c}, out[3];
        long r = mt_base64_decode(in, 4, out, sizeof out);
        long want = c == '=' ? 2 : (c != 0 && strchr(alphabet, c)) ? 3 : -1;
        if (r != want)
            wrong++;
    }
    CU_ASSERT_EQUAL(wrong, 0);
}

static void test_bad_characters(void)
{
    CU_ASSERT_EQUAL(dec("Zm9v!A==", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm 9", NULL, 16), -1);     /* whitespace is not skipped */
    CU_ASSERT_EQUAL(dec("Zm9\n", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYmFy\r\n..", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("-_AA", NULL, 16), -1);     /* base64url alphabet */
    CU_ASSERT_EQUAL(dec("Zm9\x80", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9\xff", NULL, 16), -1);
    uint8_t nul[4] = {'Z', 0, '9', 'v'}, out[4];
    CU_ASSERT_EQUAL(mt_base64_decode(nul, 4, out, sizeof out), -1);
}

static void test_bad_padding(void)
{
    CU_ASSERT_EQUAL(dec("====", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Z===", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zg=A", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Z=g=", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("=Zg=", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9v====", NULL, 16), -1);
    /* Padding in the middle. */
    CU_ASSERT_EQUAL(dec("Zg==Zm9v", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm8=Zm9v", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vZg==Zg==", NULL, 16), -1);
    /* Padding required: unpadded input is not accepted. */
    CU_ASSERT_EQUAL(dec("Zg", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm8", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zg=", NULL, 16), -1);
    /* Bits under the padding are ignored, as servers do (documented). */
    uint8_t out[4];
    CU_ASSERT_EQUAL(dec("Zh==", out, sizeof out), 1);
    CU_ASSERT_EQUAL(out[0], 'f');
    CU_ASSERT_EQUAL(dec("Zm9=", out, sizeof out), 2);
    CU_ASSERT(memcmp(out, "fo", 2) == 0);
}

static void test_length_not_multiple_of_4(void)
{
    CU_ASSERT_EQUAL(dec("Z", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vY", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYm", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYmF", NULL, 16), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYmFy=", NULL, 16), -1);
    /* The length is n, not where a NUL happens to be: a valid text read
     * short is refused. */
    uint8_t out[16];
    for (size_t n = 1; n < 8; n++)
        CU_ASSERT_EQUAL(mt_base64_decode((const uint8_t *)"Zm9vYmFy", n, out, sizeof out),
                        n == 4 ? 3 : -1);
}

static void test_capacity(void)
{
    uint8_t out[16];
    /* Exactly fitting. */
    CU_ASSERT_EQUAL(dec("Zm9vYmFy", out, 6), 6);
    CU_ASSERT(memcmp(out, "foobar", 6) == 0);
    CU_ASSERT_EQUAL(dec("Zm9vYg==", out, 4), 4);
    CU_ASSERT_EQUAL(dec("Zm9vYmE=", out, 5), 5);
    /* One byte short: refused, and nothing written past cap (-2 if so). */
    CU_ASSERT_EQUAL(dec("Zm9vYmFy", NULL, 5), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYg==", NULL, 3), -1);
    CU_ASSERT_EQUAL(dec("Zm9vYmE=", NULL, 4), -1);
    CU_ASSERT_EQUAL(dec("Zg==", NULL, 0), -1);
    /* Zero capacity and nothing to decode. */
    CU_ASSERT_EQUAL(dec("", NULL, 0), 0);
}

static void test_empty_input(void)
{
    uint8_t out[4] = {1, 2, 3, 4};
    CU_ASSERT_EQUAL(mt_base64_decode((const uint8_t *)"", 0, out, sizeof out), 0);
    CU_ASSERT_EQUAL(out[0], 1);
    CU_ASSERT_EQUAL(mt_base64_decode(NULL, 0, NULL, 0), 0);
    char enc[4] = "zzz";
    CU_ASSERT_EQUAL(mt_base64_encode((const uint8_t *)"", 0, enc), 0);
    CU_ASSERT_EQUAL(enc[0], '\0');
    CU_ASSERT_EQUAL(enc[1], 'z');
}

int register_base64_suite(void)
{
    CU_pSuite s = CU_add_suite("base64", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "RFC 4648 vectors decode", test_rfc4648_decode) ||
           !CU_add_test(s, "RFC 4648 vectors encode", test_rfc4648_encode) ||
           !CU_add_test(s, "whole alphabet", test_whole_alphabet) ||
           !CU_add_test(s, "round trip, every length", test_round_trip) ||
           !CU_add_test(s, "every byte as last character", test_every_byte_in_last_position) ||
           !CU_add_test(s, "bad characters", test_bad_characters) ||
           !CU_add_test(s, "bad padding", test_bad_padding) ||
           !CU_add_test(s, "length not a multiple of 4", test_length_not_multiple_of_4) ||
           !CU_add_test(s, "output capacity", test_capacity) ||
           !CU_add_test(s, "empty input", test_empty_input)
               ? -1
               : 0;
}
