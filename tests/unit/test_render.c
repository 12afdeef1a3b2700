/* Safe rendering (util/render.c): what passes, what is escaped, and that
 * every rendering maps back to exactly the bytes it came from. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/render.h"
#include "suites.h"

static const char *render(const char *in, size_t n, unsigned flags)
{
    static char buf[512];
    mt_render_buf(buf, sizeof buf, (const uint8_t *)in, n, flags);
    return buf;
}

static void test_ascii_passes(void)
{
    CU_ASSERT_STRING_EQUAL(render("a1 LOGIN bob \"pw\"", 17, 0), "a1 LOGIN bob \"pw\"");
}

static void test_controls_escaped(void)
{
    /* An escape sequence that would clear the screen must not survive. */
    CU_ASSERT_STRING_EQUAL(render("\033[2J\a\x7f", 6, 0), "\\x1b[2J\\x07\\x7f");
    CU_ASSERT_STRING_EQUAL(render("a\r\nb\tc", 6, 0), "a\\r\\nb\\tc");
    CU_ASSERT_STRING_EQUAL(render("a\0b", 3, 0), "a\\0b");
}

static void test_lines_and_tabs(void)
{
    CU_ASSERT_STRING_EQUAL(render("a\r\nb\nc\rd\te", 10, MT_RENDER_LINES | MT_RENDER_TABS),
                           "a\nb\nc\\rd\te");
}

static void test_utf8(void)
{
    /* Well-formed UTF-8 passes; C1 controls, bidi overrides, overlongs,
     * surrogates and truncated sequences do not. */
    CU_ASSERT_STRING_EQUAL(render("caf\xc3\xa9 \xe2\x82\xac", 9, 0), "caf\xc3\xa9 \xe2\x82\xac");
    CU_ASSERT_STRING_EQUAL(render("\xc2\x9b" "31m", 5, 0), "\\u{009B}31m");
    CU_ASSERT_STRING_EQUAL(render("\xe2\x80\xae", 3, 0), "\\u{202E}");
    CU_ASSERT_STRING_EQUAL(render("\xc0\xaf", 2, 0), "\\xc0\\xaf");
    CU_ASSERT_STRING_EQUAL(render("\xed\xa0\x80", 3, 0), "\\xed\\xa0\\x80");
    CU_ASSERT_STRING_EQUAL(render("\xe2\x82", 2, 0), "\\xe2\\x82");
    CU_ASSERT_STRING_EQUAL(render("\xff", 1, 0), "\\xff");
}

static void test_every_byte_is_safe(void)
{
    /* No rendering of any single byte, or of any byte pair, contains a
     * control character. */
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b += 17) {
            uint8_t in[2] = {(uint8_t)a, (uint8_t)b};
            char out[64];
            size_t n = mt_render_buf(out, sizeof out, in, 2, 0);
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)out[i];
                CU_ASSERT_FATAL(ch >= 0x20 && ch != 0x7f);
            }
        }
    }
}

/* The inverse of the rendering: escapes back to bytes; -1 if the text is
 * not one a rendering could give. */
static long unrender(const char *s, uint8_t *out)
{
    size_t o = 0;
    while (*s) {
        if (*s != '\\') {
            out[o++] = (uint8_t)*s++;
            continue;
        }
        s++;
        unsigned v;
        int k = 0;
        if (!*s || !strchr("\\xurnt0", *s)) { /* a backslash shown alone */
            out[o++] = '\\';
            continue;
        }
        switch (*s) {
        case '\\': out[o++] = '\\'; s++; break;
        case 'r': out[o++] = '\r'; s++; break;
        case 'n': out[o++] = '\n'; s++; break;
        case 't': out[o++] = '\t'; s++; break;
        case '0': out[o++] = 0; s++; break;
        case 'x':
            if (sscanf(s, "x%2x%n", &v, &k) != 1 || k != 3)
                return -1;
            out[o++] = (uint8_t)v;
            s += k;
            break;
        case 'u':
            if (sscanf(s, "u{%x}%n", &v, &k) != 1 || k < 4)
                return -1;
            /* back to its UTF-8 (the escaped code points are all below 0x10000) */
            if (v < 0x800) {
                out[o++] = (uint8_t)(0xc0 | v >> 6);
            } else {
                out[o++] = (uint8_t)(0xe0 | v >> 12);
                out[o++] = (uint8_t)(0x80 | (v >> 6 & 0x3f));
            }
            out[o++] = (uint8_t)(0x80 | (v & 0x3f));
            s += k;
            break;
        default:
            return -1;
        }
    }
    return (long)o;
}

/* A backslash is doubled where it could start an escape: the four bytes
 * "\x1b" and an ESC byte look different, IMAP's \Seen stays as it is, and
 * any bytes come back from their rendering unchanged. */
static void test_unambiguous(void)
{
    CU_ASSERT_STRING_EQUAL(render("\\x1b", 4, 0), "\\\\x1b");
    CU_ASSERT_STRING_EQUAL(render("\033", 1, 0), "\\x1b");
    CU_ASSERT_STRING_EQUAL(render("\\Seen \\*", 8, 0), "\\Seen \\*");
    CU_ASSERT_STRING_EQUAL(render("a\\", 2, 0), "a\\\\");
    CU_ASSERT_STRING_EQUAL(render("\\\033", 2, 0), "\\\\\\x1b");
    CU_ASSERT_STRING_EQUAL(render("\\\\", 2, 0), "\\\\\\\\");
    srand(7);
    static const char pool[] = "\\x1bu{}0rnt a\xc3\xa9\xe2\x80\xae\r\n\t\033\xff\xc2\x9b";
    for (int round = 0; round < 20000; round++) {
        uint8_t in[24], back[24 * 4];
        size_t n = (size_t)(rand() % 24);
        for (size_t i = 0; i < n; i++)
            in[i] = round % 2 ? (uint8_t)pool[rand() % (int)(sizeof pool - 1)] : (uint8_t)rand();
        char out[24 * 16];
        mt_render_buf(out, sizeof out, in, n, 0);
        long m = unrender(out, back);
        CU_ASSERT_FATAL(m == (long)n && memcmp(back, in, n) == 0);
        /* The file writer, with its fast path for plain text, gives the same. */
        char fbuf[24 * 16 + 1] = "";
        FILE *f = fmemopen(fbuf, sizeof fbuf, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        mt_render_file(f, in, n, 0, NULL, NULL);
        fclose(f);
        CU_ASSERT_STRING_EQUAL_FATAL(fbuf, out);
    }
}

static void test_buffer_bound(void)
{
    char out[6];
    size_t n = mt_render_buf(out, sizeof out, (const uint8_t *)"ab\x01" "cd", 5, 0);
    /* "ab" fits, "\x01" (4 chars) does not: stop before it, never split. */
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(out, "ab");
}

int register_render_suite(void)
{
    CU_pSuite s = CU_add_suite("render", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "printable ASCII passes", test_ascii_passes) ||
           !CU_add_test(s, "control characters escaped", test_controls_escaped) ||
           !CU_add_test(s, "line and tab modes", test_lines_and_tabs) ||
           !CU_add_test(s, "UTF-8 validation", test_utf8) ||
           !CU_add_test(s, "every byte renders safely", test_every_byte_is_safe) ||
           !CU_add_test(s, "buffer bound respected", test_buffer_bound) ||
           !CU_add_test(s, "unambiguous, and back to the same bytes", test_unambiguous);
}
