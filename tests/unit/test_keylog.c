/* TLS key logs (keylog.h): every label, the syntax tolerated, each kind of
 * malformed line warned once and capped, replacements, a full table, and
 * files read again as they grow, are cut short or replaced. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/keylog.h"
#include "suites.h"

/* --- helpers ----------------------------------------------------------------------- */

struct warns {
    int n;
    char text[64][320];
};

static void collect(void *ctx, const char *text)
{
    struct warns *w = ctx;
    if (w->n < 64)
        snprintf(w->text[w->n], sizeof w->text[0], "%s", text);
    w->n++;
}

/* A client random or secret: len bytes counting up from seed. */
static void bytes(uint8_t *out, uint8_t seed, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(seed + i * 7);
}

static void hex(char *out, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* "LABEL hex(random of seed r) hex(secret of seed s, len bytes)" without a
 * line end. */
static char *line(char *buf, const char *label, uint8_t r, uint8_t s, size_t len)
{
    uint8_t rb[MT_KEYLOG_RANDOM], sb[256];
    bytes(rb, r, sizeof rb);
    bytes(sb, s, len);
    int k = sprintf(buf, "%s ", label);
    hex(buf + k, rb, sizeof rb);
    buf[k + 64] = ' ';
    hex(buf + k + 65, sb, len);
    return buf;
}

static void add(struct mt_keylog *k, const char *text, const char *source)
{
    mt_keylog_add_text(k, (const uint8_t *)text, strlen(text), source);
}

/* Whether random r holds, for label, the secret of seed s and len bytes. */
static int holds(const struct mt_keylog *k, uint8_t r, enum mt_keylog_label label, uint8_t s,
                 size_t len)
{
    uint8_t rb[MT_KEYLOG_RANDOM], sb[256];
    bytes(rb, r, sizeof rb);
    bytes(sb, s, len);
    size_t got;
    const uint8_t *p = mt_keylog_find(k, rb, label, &got);
    return p && got == len && memcmp(p, sb, len) == 0;
}

static int knows(const struct mt_keylog *k, uint8_t r)
{
    uint8_t rb[MT_KEYLOG_RANDOM];
    bytes(rb, r, sizeof rb);
    return mt_keylog_knows(k, rb);
}

static struct mt_keylog_stats stats(const struct mt_keylog *k)
{
    struct mt_keylog_stats st;
    mt_keylog_get_stats(k, &st);
    return st;
}

/* --- lines ------------------------------------------------------------------------------ */

static void test_every_label(void)
{
    static const char *names[] = {"CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                  "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                  "SERVER_TRAFFIC_SECRET_0"};
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    char text[4096] = "", buf[512];
    /* Random 1: a TLS 1.2 master secret; random 2: TLS 1.3 with SHA-384
     * secrets; random 3: TLS 1.3 with SHA-256 ones. */
    strcat(strcat(text, line(buf, names[0], 1, 100, 48)), "\n");
    for (int l = 1; l < MT_KEY_LABELS; l++) {
        strcat(strcat(text, line(buf, names[l], 2, (uint8_t)(10 * l), 48)), "\n");
        strcat(strcat(text, line(buf, names[l], 3, (uint8_t)(20 * l), 32)), "\n");
    }
    add(k, text, "t");
    CU_ASSERT_EQUAL(w.n, 0);
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 100, 48));
    for (int l = 1; l < MT_KEY_LABELS; l++) {
        CU_ASSERT(holds(k, 2, (enum mt_keylog_label)l, (uint8_t)(10 * l), 48));
        CU_ASSERT(holds(k, 3, (enum mt_keylog_label)l, (uint8_t)(20 * l), 32));
    }
    /* Nothing under a label not logged, nor for a random not logged. */
    uint8_t rb[MT_KEYLOG_RANDOM];
    size_t len = 99;
    bytes(rb, 2, sizeof rb);
    CU_ASSERT_PTR_NULL(mt_keylog_find(k, rb, MT_KEY_MASTER, &len));
    CU_ASSERT_EQUAL(len, 0);
    bytes(rb, 1, sizeof rb);
    CU_ASSERT_PTR_NULL(mt_keylog_find(k, rb, MT_KEY_CLIENT_TRAFFIC_0, &len));
    CU_ASSERT(knows(k, 1) && knows(k, 2) && knows(k, 3) && !knows(k, 4));
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.lines, 9);
    CU_ASSERT_EQUAL(st.secrets, 9);
    CU_ASSERT_EQUAL(st.skipped + st.malformed + st.dropped, 0);
    CU_ASSERT_EQUAL(st.randoms, 3);
    mt_keylog_free(k);
}

/* CRLF, capitals, tabs, several blanks, leading and trailing blanks are
 * taken; comments, blank lines and labels not used are skipped, unwarned. */
static void test_tolerated_and_skipped(void)
{
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    char text[8192] = "", buf[512];
    strcat(strcat(text, line(buf, "CLIENT_RANDOM", 1, 1, 48)), "\r\n");
    line(buf, "CLIENT_TRAFFIC_SECRET_0", 2, 2, 32);
    for (char *c = buf; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    strcat(strcat(text, buf), "\n");
    line(buf, "SERVER_TRAFFIC_SECRET_0", 3, 3, 32);
    buf[23] = '\t';
    strcat(strcat(strcat(text, "  "), buf), " \t \r\n");
    line(buf, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 4, 4, 32);
    buf[31] = '\0';
    strcat(strcat(strcat(strcat(text, buf), "   "), buf + 32), "\n");
    strcat(text, "# SSL/TLS secrets log file, generated by NSS\n\n   \n\r\n\t\r\n");
    strcat(strcat(text, line(buf, "CLIENT_EARLY_TRAFFIC_SECRET", 5, 5, 32)), "\n");
    strcat(strcat(text, line(buf, "EARLY_EXPORTER_SECRET", 5, 5, 32)), "\n");
    strcat(strcat(text, line(buf, "EXPORTER_SECRET", 5, 5, 48)), "\n");
    strcat(strcat(text, line(buf, "CLIENT_TRAFFIC_SECRET_1", 5, 5, 32)), "\n");
    strcat(text, "RSA 0123456789abcdef 0303aabb\n");
    strcat(text, "SOME_LATER_LABEL whatever it carries\n");
    add(k, text, "t");
    CU_ASSERT_EQUAL(w.n, 0);
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 1, 48));
    CU_ASSERT(holds(k, 2, MT_KEY_CLIENT_TRAFFIC_0, 2, 32));
    CU_ASSERT(holds(k, 3, MT_KEY_SERVER_TRAFFIC_0, 3, 32));
    CU_ASSERT(holds(k, 4, MT_KEY_SERVER_HANDSHAKE, 4, 32));
    CU_ASSERT(!knows(k, 5));
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.secrets, 4);
    CU_ASSERT_EQUAL(st.skipped, 5 + 6);
    CU_ASSERT_EQUAL(st.malformed, 0);
    CU_ASSERT_EQUAL(st.lines, 15);
    mt_keylog_free(k);
}

/* The shortest and longest secrets, and a line of exactly 1024 bytes. */
static void test_limits_taken(void)
{
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    char buf[2048];
    add(k, line(buf, "CLIENT_TRAFFIC_SECRET_0", 1, 1, 1), "t");
    add(k, line(buf, "SERVER_TRAFFIC_SECRET_0", 1, 2, MT_KEYLOG_SECRET_MAX), "t");
    line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 2, 3, 32);
    size_t n = strlen(buf);
    memset(buf + n, ' ', 1024 - n);
    strcpy(buf + 1024, "\r\n");
    add(k, buf, "t");
    CU_ASSERT_EQUAL(w.n, 0);
    CU_ASSERT(holds(k, 1, MT_KEY_CLIENT_TRAFFIC_0, 1, 1));
    CU_ASSERT(holds(k, 1, MT_KEY_SERVER_TRAFFIC_0, 2, MT_KEYLOG_SECRET_MAX));
    CU_ASSERT(holds(k, 2, MT_KEY_CLIENT_HANDSHAKE, 3, 32));
    mt_keylog_free(k);
}

struct bad_case {
    const char *why;
    char text[1200];
};

/* Builds one malformed line of each kind; returns how many. */
static size_t bad_lines(struct bad_case *c)
{
    char good[512];
    size_t n = 0;
    line(good, "CLIENT_TRAFFIC_SECRET_0", 9, 9, 32); /* random at 24..88, secret at 89 */
    const size_t r = 24, s = 89;
#define BAD(reason) (c[n].why = (reason), c[n++].text)
    strcpy(BAD("client random is not 64 hex digits"), good);
    c[n - 1].text[r + 5] = 'g';
    snprintf(BAD("client random is not 64 hex digits"), 1200, "%.*s%s", (int)(r + 62), good,
             good + r + 64);
    snprintf(BAD("client random is not 64 hex digits"), 1200, "%.*s00%s", (int)(r + 64), good,
             good + r + 64);
    snprintf(BAD("client random is not 64 hex digits"), 1200, "%.*s", (int)(r - 1), good);
    snprintf(BAD("secret has an odd number of hex digits"), 1200, "%s0", good);
    strcpy(BAD("secret is not hex digits"), good);
    c[n - 1].text[s + 10] = 'x';
    snprintf(BAD("no secret"), 1200, "%.*s  ", (int)(s - 1), good);
    line(BAD("secret longer than 64 bytes"), "SERVER_TRAFFIC_SECRET_0", 9, 9, 65);
    line(BAD("CLIENT_RANDOM secret is not 48 bytes"), "CLIENT_RANDOM", 9, 9, 32);
    snprintf(BAD("text after the secret"), 1200, "%s extra", good);
    snprintf(BAD("text after the secret"), 1200, "%s 00", good);
    snprintf(BAD("line longer than 1024 bytes"), 1200, "%s%*s", good, (int)(1025 - strlen(good)), "");
    strcpy(BAD("no label"), "client_random 00 11");
    strcpy(BAD("no label"), "\x1b[31mred\x01\xff");
    strcpy(BAD("no label"), "CLIENT-RANDOM 00");
#undef BAD
    return n;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

/* Each kind: counted, warned once with the source, the line and the
 * reason, nothing stored, nothing unsafe printed. */
static void test_malformed_each(void)
{
    static struct bad_case c[32];
    size_t n = bad_lines(c);
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        struct warns w = {0};
        struct mt_keylog *one = mt_keylog_new(0, collect, &w);
        char text[1300];
        snprintf(text, sizeof text, "# first\n%s\n", c[i].text);
        add(one, text, "caught.pcapng, secrets block 1");
        char want[200];
        snprintf(want, sizeof want,
                 "caught.pcapng, secrets block 1, line 2: not a key log line (%s)", c[i].why);
        CU_ASSERT_EQUAL(w.n, 1);
        CU_ASSERT_STRING_EQUAL(w.text[0], want);
        CU_ASSERT(printable(w.text[0]));
        struct mt_keylog_stats st = stats(one);
        CU_ASSERT_EQUAL(st.malformed, 1);
        CU_ASSERT_EQUAL(st.lines, 2);
        CU_ASSERT_EQUAL(st.secrets, 0);
        CU_ASSERT_EQUAL(st.randoms, 0);
        mt_keylog_free(one);
        add(k, c[i].text, "all"); /* a warning function is optional */
    }
    CU_ASSERT_EQUAL(stats(k).malformed, n);
    CU_ASSERT(!knows(k, 9));
    mt_keylog_free(k);
}

/* A source shows its first ten malformed lines, then says how many more;
 * all sources together show at most fifty lines. Counts stay exact. */
static void test_warning_caps(void)
{
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    char text[4096] = "", buf[512];
    for (int i = 0; i < 25; i++)
        strcat(text, i == 12 ? strcat(line(buf, "CLIENT_RANDOM", 1, 1, 48), "\n") : "bad\n");
    add(k, text, "a\x1b[2Jb");
    CU_ASSERT_EQUAL(w.n, 11);
    CU_ASSERT_STRING_EQUAL(w.text[0], "a\\x1b[2Jb, line 1: not a key log line (no label)");
    CU_ASSERT_STRING_EQUAL(w.text[9], "a\\x1b[2Jb, line 10: not a key log line (no label)");
    CU_ASSERT_STRING_EQUAL(w.text[10], "a\\x1b[2Jb: 14 more malformed lines not shown");
    CU_ASSERT_EQUAL(stats(k).malformed, 24);
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 1, 48));
    for (int i = 0; i < 60; i++)
        add(k, "bad\nbad\n", "b");
    CU_ASSERT_EQUAL(w.n, 51);
    CU_ASSERT_STRING_EQUAL(w.text[50], "key log: more problems are counted but not shown");
    CU_ASSERT_EQUAL(stats(k).malformed, 24 + 120);
    mt_keylog_free(k);
}

/* --- the table ------------------------------------------------------------------------ */

/* A later line for the same random and label replaces the earlier one,
 * whatever its length; other labels and randoms are untouched. */
static void test_replaced(void)
{
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    char buf[512];
    add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1, 1, 32), "t");
    add(k, line(buf, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 1, 2, 32), "t");
    add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 2, 3, 32), "t");
    add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1, 4, 32), "t");
    CU_ASSERT(holds(k, 1, MT_KEY_CLIENT_HANDSHAKE, 4, 32));
    add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1, 5, 48), "t");
    CU_ASSERT(holds(k, 1, MT_KEY_CLIENT_HANDSHAKE, 5, 48));
    add(k, line(buf, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 1, 6, 20), "t");
    CU_ASSERT(holds(k, 1, MT_KEY_SERVER_HANDSHAKE, 6, 20));
    CU_ASSERT(holds(k, 1, MT_KEY_CLIENT_HANDSHAKE, 5, 48));
    CU_ASSERT(holds(k, 2, MT_KEY_CLIENT_HANDSHAKE, 3, 32));
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.randoms, 2);
    CU_ASSERT_EQUAL(st.secrets, 6);
    mt_keylog_free(k);
}

/* Replacements by the hundred thousand (each leaving its old bytes behind)
 * while thousands of randoms are held: what is found is always the last. */
static void test_replaced_many(void)
{
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    char buf[512];
    for (int r = 0; r < 2000; r++)
        for (int l = 0; l < 2; l++)
            add(k, line(buf, l ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0",
                        (uint8_t)r, (uint8_t)(r + l), 32), "t");
    /* 2000 randoms of seeds 0..255 repeat: 256 distinct ones. */
    CU_ASSERT_EQUAL(stats(k).randoms, 256);
    for (int i = 0; i < 60000; i++)
        add(k, line(buf, "CLIENT_TRAFFIC_SECRET_0", (uint8_t)(i % 7), (uint8_t)i,
                    i % 2 ? 48 : 32), "t");
    for (int r = 0; r < 256; r++) {
        int lastr = 1792 + r < 2000 ? 1792 + r : 1536 + r; /* last r' with r' % 256 == r */
        CU_ASSERT(holds(k, (uint8_t)r, MT_KEY_SERVER_TRAFFIC_0, (uint8_t)lastr, 32));
        if (r >= 7) {
            CU_ASSERT(holds(k, (uint8_t)r, MT_KEY_CLIENT_TRAFFIC_0, (uint8_t)(lastr + 1), 32));
            continue;
        }
        int last = 59999 - (59999 % 7 - r + 7) % 7; /* the last i with i % 7 == r */
        CU_ASSERT(holds(k, (uint8_t)r, MT_KEY_CLIENT_TRAFFIC_0, (uint8_t)last, last % 2 ? 48 : 32));
    }
    mt_keylog_free(k);
}

/* Random client randoms, many: the table grows and every one is found. */
static void test_many_randoms(void)
{
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    enum { N = 20000 };
    static char text[N * 180];
    uint8_t rb[MT_KEYLOG_RANDOM], sb[48];
    size_t at = 0;
    for (unsigned i = 0; i < N; i++) {
        memset(rb, 0, sizeof rb);
        memcpy(rb, &i, sizeof i);
        bytes(sb, (uint8_t)i, sizeof sb);
        at += (size_t)sprintf(text + at, "CLIENT_RANDOM ");
        hex(text + at, rb, sizeof rb);
        text[at + 64] = ' ';
        hex(text + at + 65, sb, sizeof sb);
        at += 65 + 96;
        text[at++] = '\n';
    }
    mt_keylog_add_text(k, (const uint8_t *)text, at, "t");
    CU_ASSERT_EQUAL(stats(k).randoms, N);
    int all = 1;
    for (unsigned i = 0; i < N; i++) {
        memset(rb, 0, sizeof rb);
        memcpy(rb, &i, sizeof i);
        bytes(sb, (uint8_t)i, sizeof sb);
        size_t len;
        const uint8_t *p = mt_keylog_find(k, rb, MT_KEY_MASTER, &len);
        all &= p && len == 48 && memcmp(p, sb, 48) == 0;
    }
    CU_ASSERT(all);
    mt_keylog_free(k);
}

/* A full table drops secrets of new randoms, counted; randoms it holds
 * still take new labels and replacements. */
static void test_table_full(void)
{
    struct mt_keylog *k = mt_keylog_new(3, NULL, NULL);
    char buf[512];
    for (int r = 1; r <= 5; r++)
        add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", (uint8_t)r, (uint8_t)r, 32), "t");
    add(k, line(buf, "SERVER_TRAFFIC_SECRET_0", 5, 5, 32), "t");
    add(k, line(buf, "SERVER_TRAFFIC_SECRET_0", 2, 7, 32), "t");
    add(k, line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 3, 8, 32), "t");
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.randoms, 3);
    CU_ASSERT_EQUAL(st.dropped, 3);
    CU_ASSERT_EQUAL(st.secrets, 5);
    CU_ASSERT_EQUAL(st.lines, 8);
    CU_ASSERT(knows(k, 1) && knows(k, 2) && knows(k, 3));
    CU_ASSERT(!knows(k, 4) && !knows(k, 5));
    CU_ASSERT(holds(k, 2, MT_KEY_SERVER_TRAFFIC_0, 7, 32));
    CU_ASSERT(holds(k, 3, MT_KEY_CLIENT_HANDSHAKE, 8, 32));
    mt_keylog_free(k);
}

/* Text from a secrets block: its last line needs no line end, NULs after
 * it are padding; empty text is nothing. */
static void test_text(void)
{
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    char buf[600];
    line(buf, "CLIENT_RANDOM", 1, 1, 48);
    size_t n = strlen(buf);
    memset(buf + n, 0, 3);
    mt_keylog_add_text(k, (const uint8_t *)buf, n + 3, "t");
    mt_keylog_add_text(k, (const uint8_t *)"", 0, "t");
    mt_keylog_add_text(k, (const uint8_t *)"\0\0\0\0", 4, NULL);
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 1, 48));
    CU_ASSERT_EQUAL(stats(k).lines, 1);
    CU_ASSERT_EQUAL(w.n, 0);
    /* A NUL inside the text is not padding. */
    mt_keylog_add_text(k, (const uint8_t *)"\0x\n", 3, NULL);
    CU_ASSERT_EQUAL(stats(k).malformed, 1);
    CU_ASSERT_EQUAL(w.n, 1);
    mt_keylog_free(k);
}

/* A capture's own secrets never replace the user's, add what is missing,
 * and take at most half of the table. */
static void test_capture_text(void)
{
    struct mt_keylog *k = mt_keylog_new(6, NULL, NULL);
    char buf[600];
    add(k, line(buf, "CLIENT_RANDOM", 1, 1, 48), "file");
    line(buf, "CLIENT_RANDOM", 1, 9, 48); /* another secret for random 1 */
    mt_keylog_add_capture_text(k, (const uint8_t *)buf, strlen(buf), "block");
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 1, 48));
    line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1, 2, 32); /* a label it lacked */
    mt_keylog_add_capture_text(k, (const uint8_t *)buf, strlen(buf), "block");
    CU_ASSERT(holds(k, 1, MT_KEY_CLIENT_HANDSHAKE, 2, 32));
    for (int r = 10; r < 15; r++) {
        line(buf, "CLIENT_RANDOM", (uint8_t)r, (uint8_t)r, 48);
        mt_keylog_add_capture_text(k, (const uint8_t *)buf, strlen(buf), "block");
    }
    CU_ASSERT(knows(k, 10) && knows(k, 11) && knows(k, 12) && !knows(k, 13));
    for (int r = 20; r < 22; r++) /* the user's key log still has room */
        add(k, line(buf, "CLIENT_RANDOM", (uint8_t)r, (uint8_t)r, 48), "file");
    CU_ASSERT(knows(k, 20) && knows(k, 21));
    /* The user's lines still replace their own. */
    add(k, line(buf, "CLIENT_RANDOM", 1, 5, 48), "file");
    CU_ASSERT(holds(k, 1, MT_KEY_MASTER, 5, 48));
    mt_keylog_free(k);
}

int register_keylog_suite(void)
{
    CU_pSuite s = CU_add_suite("keylog", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "every label", test_every_label) ||
        !CU_add_test(s, "tolerated and skipped", test_tolerated_and_skipped) ||
        !CU_add_test(s, "limits taken", test_limits_taken) ||
        !CU_add_test(s, "each malformed line", test_malformed_each) ||
        !CU_add_test(s, "warning caps", test_warning_caps) ||
        !CU_add_test(s, "replaced", test_replaced) ||
        !CU_add_test(s, "replaced many times", test_replaced_many) ||
        !CU_add_test(s, "many randoms", test_many_randoms) ||
        !CU_add_test(s, "table full", test_table_full) ||
        !CU_add_test(s, "text of a secrets block", test_text) ||
        !CU_add_test(s, "a capture's own secrets", test_capture_text))
        return -1;
    return 0;
}
