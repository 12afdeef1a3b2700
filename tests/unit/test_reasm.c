#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "mailtap/reasm.h"
#include "suites.h"

/* Collects what reassembly delivers; a gap shows as "[N]". */
struct sink {
    char buf[65536];
    size_t n;
    unsigned calls;
    char conflicts[256]; /* "off+n " for each copy that differed */
    size_t cn;
};

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct sink *s = ctx;
    CU_ASSERT_FATAL(s->n + n < sizeof s->buf);
    memcpy(s->buf + s->n, p, n);
    s->n += n;
    s->buf[s->n] = '\0';
    s->calls++;
}

static void on_gap(void *ctx, uint64_t n)
{
    struct sink *s = ctx;
    s->n += (size_t)snprintf(s->buf + s->n, sizeof s->buf - s->n, "[%llu]", (unsigned long long)n);
}

static void on_conflict(void *ctx, uint64_t off, uint64_t n)
{
    struct sink *s = ctx;
    int k = snprintf(s->conflicts + s->cn, sizeof s->conflicts - s->cn, "%llu+%llu ",
                     (unsigned long long)off, (unsigned long long)n);
    if (k > 0 && (size_t)k < sizeof s->conflicts - s->cn)
        s->cn += (size_t)k;
}

struct fixture {
    struct mt_reasm r;
    struct mt_reasm_budget b;
    struct sink s;
    struct mt_reasm_out out;
};

static void setup(struct fixture *f, uint32_t isn)
{
    memset(f, 0, sizeof *f);
    f->b.max_dir = 1 << 20;
    f->out = (struct mt_reasm_out){on_data, on_gap, on_conflict, &f->s};
    mt_reasm_init(&f->r);
    mt_reasm_start(&f->r, isn);
}

static void seg(struct fixture *f, uint32_t seq, const char *data)
{
    mt_reasm_segment(&f->r, &f->b, seq, (const uint8_t *)data, strlen(data), &f->out);
}

static void teardown(struct fixture *f)
{
    mt_reasm_release(&f->r, &f->b);
    CU_ASSERT_EQUAL(f->b.held, 0);
}

static void test_in_order_no_copy(void)
{
    struct fixture f;
    setup(&f, 100);
    const char *msg = "a1 LOGIN bob secret\r\n";
    mt_reasm_segment(&f.r, &f.b, 100, (const uint8_t *)msg, strlen(msg), &f.out);
    CU_ASSERT_STRING_EQUAL(f.s.buf, msg);
    CU_ASSERT_EQUAL(f.b.held_peak, 0); /* nothing was buffered */
    teardown(&f);
}

static void test_reorder(void)
{
    struct fixture f;
    setup(&f, 1000);
    seg(&f, 1006, "world");
    seg(&f, 1011, "!");
    CU_ASSERT_EQUAL(f.s.n, 0);
    CU_ASSERT(f.b.held > 0);
    seg(&f, 1000, "hello ");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "hello world!");
    CU_ASSERT_EQUAL(f.b.held, 0);
    teardown(&f);
}

static void test_duplicates(void)
{
    struct fixture f;
    setup(&f, 1);
    seg(&f, 1, "abc");
    seg(&f, 1, "abc");
    seg(&f, 4, "def");
    seg(&f, 2, "bc");
    seg(&f, 7, "g");
    seg(&f, 7, "g");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "abcdefg");
    CU_ASSERT_EQUAL(f.b.dup_bytes, 3 + 2 + 1);
    teardown(&f);
}

/* Overlapping copies with different bytes: the first to arrive wins,
 * whether the later copy overlaps from the left or from the right. */
static void test_overlap_first_wins(void)
{
    struct fixture f;
    setup(&f, 0);
    seg(&f, 4, "EFGH");   /* held: offsets 4..7 */
    seg(&f, 2, "xxefXX"); /* left overlap: 2..3 new, 4..7 already held */
    seg(&f, 6, "yyIJ");   /* right overlap: 6..7 held, 8..9 new */
    seg(&f, 0, "AB");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "ABxxEFGHIJ");
    /* Each copy that said otherwise than the held bytes is told: where it
     * first differed and how many bytes did; a copy that agrees is not. */
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "4+4 6+2 ");
    CU_ASSERT_EQUAL(f.b.conflict_bytes, 6);
    /* After delivery: a retransmission overlapping delivered data. */
    seg(&f, 8, "zzKL");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "ABxxEFGHIJKL");
    teardown(&f);
}

static void test_segment_spanning_holes(void)
{
    struct fixture f;
    setup(&f, 0);
    seg(&f, 2, "c");
    seg(&f, 5, "f");
    seg(&f, 8, "i");
    seg(&f, 1, "BCDEFGHIJ"); /* fills every hole between held pieces */
    seg(&f, 0, "a");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "aBcDEfGHiJ");
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "2+1 5+1 8+1 "); /* C/c, F/f, I/i */
    /* In order over held bytes: compared too. */
    struct fixture g;
    setup(&g, 0);
    seg(&g, 3, "def");
    seg(&g, 0, "abcDeF");
    CU_ASSERT_STRING_EQUAL(g.s.buf, "abcdef");
    CU_ASSERT_STRING_EQUAL(g.s.conflicts, "3+2 ");
    teardown(&g);
    teardown(&f);
}

static void test_sequence_wrap(void)
{
    struct fixture f;
    setup(&f, 0xfffffffa);
    seg(&f, 0xfffffffa, "abc");
    seg(&f, 0x00000000, "ghi"); /* after the wrap, ahead of a hole */
    seg(&f, 0xfffffffd, "def"); /* fills the hole across 2^32 */
    seg(&f, 0x00000003, "jkl");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "abcdefghijkl");
    CU_ASSERT_EQUAL(f.r.next_off, 12);
    CU_ASSERT_EQUAL(f.r.next_seq, 6);
    teardown(&f);
}

static void test_unfilled_gap(void)
{
    struct fixture f;
    setup(&f, 0);
    seg(&f, 0, "USER bob\r\n");
    seg(&f, 15, "PASS x\r\n"); /* 5 bytes never arrive */
    mt_reasm_flush(&f.r, &f.b, &f.out);
    CU_ASSERT_STRING_EQUAL(f.s.buf, "USER bob\r\n[5]PASS x\r\n");
    CU_ASSERT_EQUAL(f.b.gaps, 1);
    CU_ASSERT_EQUAL(f.b.gap_bytes, 5);
    /* The lost bytes arriving late are old news now. */
    seg(&f, 10, "lost!");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "USER bob\r\n[5]PASS x\r\n");
    teardown(&f);
}

static void test_gap_before_fin(void)
{
    struct fixture f;
    setup(&f, 0);
    seg(&f, 0, "abc");
    mt_reasm_fin(&f.r, 10);
    CU_ASSERT(!mt_reasm_finished(&f.r));
    mt_reasm_flush(&f.r, &f.b, &f.out);
    CU_ASSERT_STRING_EQUAL(f.s.buf, "abc[7]");
    CU_ASSERT(mt_reasm_finished(&f.r));
    teardown(&f);
}

static void test_fin_before_data(void)
{
    struct fixture f;
    setup(&f, 0);
    mt_reasm_fin(&f.r, 6);
    seg(&f, 3, "defXYZ"); /* bytes past the FIN are bogus */
    seg(&f, 0, "abc");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "abcdef");
    CU_ASSERT(mt_reasm_finished(&f.r));
    teardown(&f);
}

static void test_per_direction_limit(void)
{
    struct fixture f;
    setup(&f, 0);
    f.b.max_dir = 200;
    char chunk[101];
    memset(chunk, 'x', 100);
    chunk[100] = '\0';
    seg(&f, 10, chunk); /* 100 + overhead held: under the limit */
    CU_ASSERT_EQUAL(f.s.n, 0);
    seg(&f, 120, chunk); /* over the limit: give up on the first hole */
    CU_ASSERT_EQUAL(f.b.limit_gaps, 1);
    CU_ASSERT(f.r.held_bytes <= 200);
    CU_ASSERT(strncmp(f.s.buf, "[10]xxxx", 8) == 0);
    mt_reasm_flush(&f.r, &f.b, &f.out);
    CU_ASSERT_EQUAL(f.b.held, 0);
    teardown(&f);
}

static void test_tiny_segments_charged(void)
{
    struct fixture f;
    setup(&f, 0);
    f.b.max_dir = 4096;
    /* 1-byte segments, each after a hole: overhead keeps the count bounded. */
    for (uint32_t i = 0; i < 10000; i++)
        seg(&f, 2 + 2 * i, "z");
    CU_ASSERT(f.r.held_bytes <= 4096);
    CU_ASSERT(f.b.held_peak <= 4096); /* a limit is never passed, even for a moment */
    teardown(&f);
}

static uint32_t lcg(uint32_t *x) { return *x = *x * 1664525u + 1013904223u; }

/* What reassembly must give for segments fed in any order: at each offset
 * the first byte that came for it, runs of offsets no byte came for as
 * gaps ("[N]"), up to the furthest byte. */
static void model(const int *first, size_t upto, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < upto && o + 24 < cap) {
        if (first[i] >= 0) {
            out[o++] = (char)first[i++];
            continue;
        }
        size_t run = 0;
        while (i < upto && first[i] < 0)
            i++, run++;
        o += (size_t)snprintf(out + o, cap - o, "[%zu]", run);
    }
    out[o] = '\0';
}

/* Holes in any arrival order: 8000 one-byte segments, each after a hole,
 * forward, reversed and shuffled, then segments of random offsets, lengths
 * and contents over them (retransmissions that differ, overlaps of many
 * held pieces): the same bytes as the model, first copy winning. */
static void test_any_order(void)
{
    enum { N = 8000, SPAN = 2 * N + 2 };
    static int first[SPAN];
    static char want[65536];
    for (int order = 0; order < 3; order++) {
        struct fixture f;
        setup(&f, 0);
        f.b.max_dir = 64 << 20;
        for (size_t i = 0; i < SPAN; i++)
            first[i] = -1;
        static uint32_t idx[N];
        for (uint32_t i = 0; i < N; i++)
            idx[i] = order == 1 ? N - 1 - i : i;
        uint32_t x = 12345;
        for (uint32_t i = N - 1; order == 2 && i > 0; i--) {
            uint32_t j = lcg(&x) % (i + 1), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        for (uint32_t i = 0; i < N; i++) {
            uint32_t at = 2 * idx[i] + 1;
            char b[2] = {(char)('a' + idx[i] % 26), 0};
            seg(&f, at, b);
            if (first[at] < 0)
                first[at] = b[0];
        }
        for (int k = 0; k < 3000; k++) {
            uint32_t at = lcg(&x) % (SPAN - 1), len = 1 + lcg(&x) % 40;
            if (at + len > SPAN - 1)
                len = SPAN - 1 - at;
            char b[41];
            for (uint32_t i = 0; i < len; i++)
                b[i] = (char)('A' + lcg(&x) % 26);
            b[len] = 0;
            /* bytes before next_off were delivered: the model knows them as taken */
            seg(&f, at, b);
            for (uint32_t i = 0; i < len; i++)
                if (first[at + i] < 0)
                    first[at + i] = b[i];
        }
        mt_reasm_flush(&f.r, &f.b, &f.out);
        size_t upto = SPAN - 1;
        while (upto > 0 && first[upto - 1] < 0)
            upto--;
        model(first, upto, want, sizeof want);
        CU_ASSERT_STRING_EQUAL(f.s.buf, want);
        teardown(&f);
    }
}

/* A copy of bytes already passed on is compared with the last ones kept,
 * over a direction's first bytes; what was not kept is counted as not
 * compared, and none of it is delivered again. */
static void test_copies_of_delivered(void)
{
    struct fixture f;
    setup(&f, 0);
    f.b.max_recent = 1 << 20;
    seg(&f, 0, "a1 LOGIN alice secret\r\n");
    seg(&f, 9, "alice"); /* the same */
    seg(&f, 15, "sXcrXt"); /* two bytes say otherwise */
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "16+2 ");
    CU_ASSERT_STRING_EQUAL(f.s.buf, "a1 LOGIN alice secret\r\n");
    /* Further on than what is kept (4 KiB back), or past the first 64 KiB: not compared. */
    static char big[5000];
    memset(big, 'b', sizeof big - 1);
    seg(&f, 23, big);
    uint64_t before = f.b.unchecked_bytes;
    seg(&f, 0, "zz");
    CU_ASSERT_EQUAL(f.b.unchecked_bytes, before + 2);
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "16+2 ");
    seg(&f, 23 + 4000, "bbbbXbbbb"); /* within the last 4 KiB: compared */
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "16+2 4027+1 ");
    CU_ASSERT_EQUAL(f.b.recent_bytes, MT_REASM_RECENT);
    /* Past the first 64 KiB nothing is kept: an exact copy of what came
     * there is not taken for a different one, and the room is given back. */
    static char more[61000]; /* 5022 + 60999: past the first 64 KiB */
    memset(more, 'm', sizeof more - 1);
    uint32_t at = 23 + (uint32_t)sizeof big - 1;
    f.s.n = 0; /* room in the sink for what comes */
    seg(&f, at, more);
    seg(&f, at + (uint32_t)sizeof more - 1, "tail of it");
    CU_ASSERT_EQUAL(f.b.recent_bytes, 0);
    seg(&f, at + (uint32_t)sizeof more - 1, "tail of it");
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "16+2 4027+1 ");
    teardown(&f);
    CU_ASSERT_EQUAL(f.b.recent_bytes, 0); /* given back with the direction */
    /* No room for what is kept (max_recent): not compared, and counted. */
    setup(&f, 0);
    seg(&f, 0, "abcdef");
    seg(&f, 2, "XX");
    CU_ASSERT_STRING_EQUAL(f.s.conflicts, "");
    CU_ASSERT_EQUAL(f.b.unchecked_bytes, 2);
    teardown(&f);
}

/* Random segments under small limits, per direction and in all: after
 * every segment neither is passed, and no byte is invented. */
static void test_limits_never_passed(void)
{
    struct fixture f;
    setup(&f, 0);
    f.b.max_dir = 3000;
    f.b.max_total = 2500;
    uint32_t x = 99, top = 0;
    for (int k = 0; k < 20000; k++) {
        uint32_t at = top + lcg(&x) % 600, len = 1 + lcg(&x) % 300;
        char b[301];
        memset(b, 'q', len);
        b[len] = 0;
        seg(&f, at, b);
        if (at + len > top && lcg(&x) % 4 == 0)
            top = at;
        CU_ASSERT_FATAL(f.r.held_bytes <= 3000 && f.b.held <= 2500);
        if (f.s.n > 60000) { /* keep the sink from filling up */
            f.s.n = 0;
            f.s.buf[0] = 0;
        }
    }
    CU_ASSERT(f.b.held_peak <= 2500);
    CU_ASSERT(f.b.limit_gaps > 0);
    mt_reasm_flush(&f.r, &f.b, &f.out);
    CU_ASSERT(strspn(f.s.buf, "q[]0123456789") == strlen(f.s.buf));
    teardown(&f);
}

static void test_far_ahead_dropped(void)
{
    struct fixture f;
    setup(&f, 0);
    seg(&f, 0x70000000, "bogus");
    CU_ASSERT_EQUAL(f.b.out_of_window, 1);
    CU_ASSERT_EQUAL(f.b.held, 0);
    teardown(&f);
}

/* Where a RST is believed: within MT_REASM_RST_WINDOW of the stream, from
 * before the next expected byte to past the furthest byte seen. */
static void test_rst_window(void)
{
    const uint32_t W = MT_REASM_RST_WINDOW;
    struct mt_reasm fresh;
    mt_reasm_init(&fresh);
    CU_ASSERT(mt_reasm_rst_acceptable(&fresh, 12345)); /* nothing known: believed */

    struct fixture f;
    setup(&f, 0xfffffff0u); /* the window spans the wrap past 2^32 */
    seg(&f, 0xfffffff0u, "0123456789");
    uint32_t next = 0xfffffffau;
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, next));
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, next + W));
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, next - W));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next + W + 1));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next - W - 1));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next + 100000));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next + 0x80000000u));

    /* Data held past a 200000-byte hole: the sender got that far. */
    seg(&f, next + 200000, "abc");
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, next + 200003));
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, next + 200003 + W));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next + 200003 + W + 1));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, next - W - 1));
    teardown(&f);

    /* A FIN counts one sequence number; a bogus one far ahead does not
     * widen the window. */
    setup(&f, 1000);
    seg(&f, 1000, "abc");
    mt_reasm_fin(&f.r, 1003);
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, 1004 + W));
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, 1004 + W + 1));
    teardown(&f);
    setup(&f, 1000);
    mt_reasm_fin(&f.r, 1000 + 0x70000000u);
    CU_ASSERT(!mt_reasm_rst_acceptable(&f.r, 1000 + 0x70000000u));
    CU_ASSERT(mt_reasm_rst_acceptable(&f.r, 1000 + W));
    teardown(&f);
}

/* Every split of a message into two segments, delivered in both orders,
 * gives back the message. */
static void test_every_split(void)
{
    const char *msg = "a001 AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ=\r\n";
    size_t n = strlen(msg);
    for (size_t cut = 1; cut < n; cut++) {
        for (int order = 0; order < 2; order++) {
            struct fixture f;
            setup(&f, 5000);
            const uint8_t *p = (const uint8_t *)msg;
            if (order == 0) {
                mt_reasm_segment(&f.r, &f.b, 5000, p, cut, &f.out);
                mt_reasm_segment(&f.r, &f.b, 5000 + (uint32_t)cut, p + cut, n - cut, &f.out);
            } else {
                mt_reasm_segment(&f.r, &f.b, 5000 + (uint32_t)cut, p + cut, n - cut, &f.out);
                mt_reasm_segment(&f.r, &f.b, 5000, p, cut, &f.out);
            }
            CU_ASSERT_STRING_EQUAL(f.s.buf, msg);
            teardown(&f);
        }
    }
}

int register_reasm_suite(void)
{
    CU_pSuite s = CU_add_suite("reasm", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "in order, nothing buffered", test_in_order_no_copy) ||
           !CU_add_test(s, "reordered segments", test_reorder) ||
           !CU_add_test(s, "duplicates dropped", test_duplicates) ||
           !CU_add_test(s, "overlap from either side: first copy wins", test_overlap_first_wins) ||
           !CU_add_test(s, "one segment fills several holes", test_segment_spanning_holes) ||
           !CU_add_test(s, "sequence numbers wrap past 2^32", test_sequence_wrap) ||
           !CU_add_test(s, "unfilled hole becomes a gap", test_unfilled_gap) ||
           !CU_add_test(s, "hole before FIN", test_gap_before_fin) ||
           !CU_add_test(s, "FIN before data, data past FIN", test_fin_before_data) ||
           !CU_add_test(s, "per-direction limit", test_per_direction_limit) ||
           !CU_add_test(s, "tiny segments are charged overhead", test_tiny_segments_charged) ||
           !CU_add_test(s, "holes in any arrival order", test_any_order) ||
           !CU_add_test(s, "limits never passed", test_limits_never_passed) ||
           !CU_add_test(s, "copies of bytes passed on", test_copies_of_delivered) ||
           !CU_add_test(s, "segments far ahead dropped", test_far_ahead_dropped) ||
           !CU_add_test(s, "every two-segment split, both orders", test_every_split) ||
           !CU_add_test(s, "RST window", test_rst_window);
}
