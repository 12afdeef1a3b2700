/* The transform stage (transform.h): bytes and gaps through stacked
 * layers, a layer switched on mid-stream by the line framing above it, a
 * layer that gives up, the depth limit, and what is held until the end. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <zlib.h>

#include "mailtap/inflate.h"
#include "mailtap/lines.h"
#include "mailtap/transform.h"
#include "suites.h"

/* --- a consumer that writes down what reaches it ------------------------------ */

struct top_log {
    char text[4096];
    size_t n;
    int unreadable;
    char why[256];
};

/* Appends bytes as they are (NULs too), if they fit. */
static void log_add(struct top_log *t, const void *p, size_t n)
{
    if (n < sizeof t->text - t->n) {
        memcpy(t->text + t->n, p, n);
        t->n += n;
        t->text[t->n] = '\0';
    }
}

static size_t top_data(void *ctx, const uint8_t *p, size_t n)
{
    log_add(ctx, "[", 1);
    log_add(ctx, p, n);
    log_add(ctx, "]", 1);
    return n;
}

static void top_gap(void *ctx, uint64_t n)
{
    char buf[64];
    int k = snprintf(buf, sizeof buf, "<gap %llu>", (unsigned long long)n);
    log_add(ctx, buf, (size_t)k);
}

static void top_unreadable(void *ctx, const char *layer, const char *why)
{
    struct top_log *t = ctx;
    t->unreadable++;
    snprintf(t->why, sizeof t->why, "%s: %s", layer, why);
}

static const struct mt_xform_top recording = {top_data, top_gap, top_unreadable};

/* --- transforms for the tests ---------------------------------------------------- */

/* Adds its state (a byte) to every byte: stacked, the order shows. */
static int add_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                    char *why)
{
    (void)why;
    uint8_t buf[256];
    uint8_t k = *(const uint8_t *)st;
    while (n > 0) {
        size_t m = n < sizeof buf ? n : sizeof buf;
        for (size_t i = 0; i < m; i++)
            buf[i] = (uint8_t)(p[i] + k);
        out->data(out->ctx, buf, m);
        p += m;
        n -= m;
    }
    return 0;
}

/* Upper-cases letters, lower-cases nothing. */
static int upper_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                      char *why)
{
    (void)st, (void)why;
    uint8_t buf[256];
    while (n > 0) {
        size_t m = n < sizeof buf ? n : sizeof buf;
        for (size_t i = 0; i < m; i++)
            buf[i] = p[i] >= 'a' && p[i] <= 'z' ? (uint8_t)(p[i] - 32) : p[i];
        out->data(out->ctx, buf, m);
        p += m;
        n -= m;
    }
    return 0;
}

/* Passes bytes on in pieces of 7: a layer whose output a push can land in
 * the middle of. */
static int chunk_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                      char *why)
{
    (void)st, (void)why;
    for (size_t i = 0; i < n; i += 7)
        out->data(out->ctx, p + i, n - i < 7 ? n - i : 7);
    return 0;
}

static int pass_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)why;
    out->gap(out->ctx, n);
    return 0;
}

static int no_end(void *st, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)out, (void)why;
    return 0;
}

static const struct mt_xform_ops add_ops = {"add", add_data, pass_gap, no_end, NULL};
static const struct mt_xform_ops upper_ops = {"upper", upper_data, pass_gap, no_end, NULL};
static const struct mt_xform_ops chunk_ops = {"chunk", chunk_data, pass_gap, no_end, NULL};

/* Like a compressed stream: gives up on a 0xff byte and on any gap. */
static int strict_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                       char *why)
{
    (void)st;
    const uint8_t *bad = memchr(p, 0xff, n);
    if (bad && bad > p)
        out->data(out->ctx, p, (size_t)(bad - p));
    if (bad) {
        snprintf(why, MT_XFORM_WHY_MAX, "byte 0xff at %zu", (size_t)(bad - p));
        return -1;
    }
    out->data(out->ctx, p, n);
    return 0;
}

static int strict_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)out;
    snprintf(why, MT_XFORM_WHY_MAX, "%llu bytes missing from the stream",
             (unsigned long long)n);
    return -1;
}

static const struct mt_xform_ops strict_ops = {"strict", strict_data, strict_gap, no_end, NULL};

/* Holds everything until the end (like a block that only ends there). */
struct holder {
    uint8_t buf[64];
    size_t n;
    int destroyed;
};

static int hold_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                     char *why)
{
    (void)out;
    struct holder *h = st;
    if (n > sizeof h->buf - h->n) {
        snprintf(why, MT_XFORM_WHY_MAX, "more than %zu bytes held", sizeof h->buf);
        return -1;
    }
    memcpy(h->buf + h->n, p, n);
    h->n += n;
    return 0;
}

static int hold_end(void *st, const struct mt_xform_out *out, char *why)
{
    (void)why;
    struct holder *h = st;
    if (h->n)
        out->data(out->ctx, h->buf, h->n);
    h->n = 0;
    return 0;
}

static void hold_destroy(void *st) { ((struct holder *)st)->destroyed = 1; }

static const struct mt_xform_ops hold_ops = {"hold", hold_data, pass_gap, hold_end, hold_destroy};

static void feed_str(struct mt_xform_chain *c, const char *s)
{
    mt_xform_feed(c, (const uint8_t *)s, strlen(s));
}

/* --- the tests ------------------------------------------------------------------- */

static void test_empty_chain(void)
{
    struct top_log t = {0};
    struct mt_xform_chain c;
    mt_xform_init(&c, &recording, &t);
    feed_str(&c, "abc");
    mt_xform_gap(&c, 7);
    feed_str(&c, "d");
    mt_xform_end(&c);
    CU_ASSERT_STRING_EQUAL(t.text, "[abc]<gap 7>[d]");
    CU_ASSERT_FALSE(mt_xform_unreadable(&c));
    mt_xform_free(&c);
}

static void test_identity_stacked(void)
{
    for (int depth = 1; depth <= MT_XFORM_MAX; depth++) {
        struct top_log t = {0};
        struct mt_xform_chain c;
        mt_xform_init(&c, &recording, &t);
        for (int i = 0; i < depth; i++)
            CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_identity, NULL), 0);
        feed_str(&c, "a LOGIN bob secret\r\n");
        mt_xform_gap(&c, 3);
        mt_xform_feed(&c, (const uint8_t *)"\0\xff", 2);
        mt_xform_end(&c);
        CU_ASSERT_EQUAL(t.n, strlen("[a LOGIN bob secret\r\n]<gap 3>[") + 3);
        CU_ASSERT_EQUAL(memcmp(t.text, "[a LOGIN bob secret\r\n]<gap 3>[\0\xff]", t.n), 0);
        CU_ASSERT_EQUAL(c.unread, 0);
        mt_xform_free(&c);
    }
}

static void test_order_of_layers(void)
{
    /* Lowest first: add 1, then upper-case: "`" (0x60) + 1 = "a" -> "A". */
    struct top_log t = {0};
    struct mt_xform_chain c;
    uint8_t one = 1;
    mt_xform_init(&c, &recording, &t);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &add_ops, &one), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &upper_ops, NULL), 0);
    feed_str(&c, "`y");
    CU_ASSERT_STRING_EQUAL(t.text, "[AZ]");
    mt_xform_free(&c);
    /* The other way round: "`" stays, + 1 = "a"; "y" -> "Y" -> "Z". */
    struct top_log u = {0};
    mt_xform_init(&c, &recording, &u);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &upper_ops, NULL), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &add_ops, &one), 0);
    feed_str(&c, "`y");
    CU_ASSERT_STRING_EQUAL(u.text, "[aZ]");
    mt_xform_free(&c);
}

static void test_depth_limit(void)
{
    struct top_log t = {0};
    struct mt_xform_chain c;
    mt_xform_init(&c, &recording, &t);
    for (int i = 0; i < MT_XFORM_MAX; i++)
        CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_identity, NULL), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &upper_ops, NULL), -1);
    CU_ASSERT_EQUAL(c.depth, MT_XFORM_MAX);
    feed_str(&c, "still here");
    CU_ASSERT_STRING_EQUAL(t.text, "[still here]");
    mt_xform_free(&c);
}

static void test_giving_up(void)
{
    struct top_log t = {0};
    struct mt_xform_chain c;
    mt_xform_init(&c, &recording, &t);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_identity, NULL), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &strict_ops, NULL), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_identity, NULL), 0);
    feed_str(&c, "ok\xffnever");
    CU_ASSERT_STRING_EQUAL(t.text, "[ok]");
    CU_ASSERT_EQUAL(t.unreadable, 1);
    CU_ASSERT_STRING_EQUAL(t.why, "strict: byte 0xff at 2");
    CU_ASSERT(mt_xform_unreadable(&c));
    /* Nothing more reaches the consumer, and what reaches the layer after it
     * gave up is counted ("never" was its input when it did). */
    feed_str(&c, "more\xff");
    mt_xform_gap(&c, 9);
    mt_xform_end(&c);
    CU_ASSERT_STRING_EQUAL(t.text, "[ok]");
    CU_ASSERT_EQUAL(t.unreadable, 1);
    CU_ASSERT_EQUAL(c.unread, 5);
    /* A chain that gave up takes no new layer. */
    CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_identity, NULL), -1);
    mt_xform_free(&c);

    /* A gap in a stream that cannot lose bytes. */
    struct top_log u = {0};
    mt_xform_init(&c, &recording, &u);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &strict_ops, NULL), 0);
    feed_str(&c, "abc");
    mt_xform_gap(&c, 1400);
    feed_str(&c, "def");
    CU_ASSERT_STRING_EQUAL(u.text, "[abc]");
    CU_ASSERT_STRING_EQUAL(u.why, "strict: 1400 bytes missing from the stream");
    CU_ASSERT_EQUAL(c.unread, 3);
    mt_xform_free(&c);
}

static void test_held_until_end(void)
{
    struct top_log t = {0};
    struct mt_xform_chain c;
    struct holder a = {0}, b = {0};
    uint8_t one = 1;
    mt_xform_init(&c, &recording, &t);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &hold_ops, &a), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &add_ops, &one), 0);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &hold_ops, &b), 0);
    feed_str(&c, "ab");
    feed_str(&c, "c");
    CU_ASSERT_STRING_EQUAL(t.text, "");
    /* The lowest layer writes out first, through the ones above it. */
    mt_xform_end(&c);
    CU_ASSERT_STRING_EQUAL(t.text, "[bcd]");
    mt_xform_free(&c);
    CU_ASSERT(a.destroyed && b.destroyed);
}

static void test_opaque(void)
{
    struct top_log t = {0};
    struct mt_xform_chain c;
    mt_xform_init(&c, &recording, &t);
    feed_str(&c, "plain\r\n");
    CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_opaque, NULL), 0);
    feed_str(&c, "\x17\x03\x03 encrypted");
    mt_xform_gap(&c, 100);
    mt_xform_end(&c);
    CU_ASSERT_STRING_EQUAL(t.text, "[plain\r\n]");
    CU_ASSERT_EQUAL(t.unreadable, 0); /* said by whoever pushed it (the TLS event) */
    mt_xform_free(&c);
}

/* --- switched on mid-stream by the framing above -------------------------------- */

/* A consumer like the dissector's: lines framed by mt_lines; the line
 * "SWITCH" turns the upper-casing layer on for what follows it. */
struct framed {
    struct mt_lines lines;
    struct mt_xform_chain chain;
    char seen[1024];
    size_t n;
};

static void framed_line(void *ctx, const struct mt_line *line)
{
    struct framed *f = ctx;
    int k = snprintf(f->seen + f->n, sizeof f->seen - f->n, "%.*s|", (int)line->n,
                     (const char *)line->p);
    if (k > 0 && (size_t)k < sizeof f->seen - f->n)
        f->n += (size_t)k;
    if (line->n == 6 && memcmp(line->p, "SWITCH", 6) == 0 &&
        mt_xform_push(&f->chain, &upper_ops, NULL) == 0)
        mt_lines_stop(&f->lines);
}

static void framed_raw(void *ctx, const struct mt_line *line, int last)
{
    (void)last;
    framed_line(ctx, line);
}

static const struct mt_lines_ops framed_ops = {framed_line, framed_raw};

static size_t framed_data(void *ctx, const uint8_t *p, size_t n)
{
    struct framed *f = ctx;
    return mt_lines_feed(&f->lines, p, n, &framed_ops, f);
}

static void framed_gap(void *ctx, uint64_t n)
{
    struct framed *f = ctx;
    mt_lines_gap(&f->lines, n);
}

static const struct mt_xform_top framed_top = {framed_data, framed_gap, NULL};

/* Feeds text in pieces of step bytes (0: whole) and returns the lines seen. */
static const char *framed_run(struct framed *f, const char *text, size_t step, int base_layer)
{
    memset(f, 0, sizeof *f);
    mt_lines_init(&f->lines, 0, NULL);
    mt_xform_init(&f->chain, &framed_top, f);
    if (base_layer)
        mt_xform_push(&f->chain, base_layer == 1 ? &mt_xform_identity : &chunk_ops, NULL);
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i += step ? step : len)
        mt_xform_feed(&f->chain, (const uint8_t *)text + i,
                      step && len - i > step ? step : len - i);
    mt_xform_end(&f->chain);
    mt_lines_flush(&f->lines, &framed_ops, f);
    mt_xform_free(&f->chain);
    mt_lines_free(&f->lines);
    return f->seen;
}

static void test_switch_mid_segment(void)
{
    static struct framed f;
    static const char text[] = "a ok\r\nSWITCH\r\nb after\r\nc more\r\n";
    static const char want[] = "a ok|SWITCH|B AFTER|C MORE|";
    /* The switch and what follows it in one segment, in every cut, under
     * no layer, one that was there before, and one that writes in pieces
     * (the push lands in the middle of its output). */
    for (int base = 0; base < 3; base++) {
        CU_ASSERT_STRING_EQUAL(framed_run(&f, text, 0, base), want);
        for (size_t step = 1; step < sizeof text; step++) {
            const char *got = framed_run(&f, text, step, base);
            CU_ASSERT_STRING_EQUAL(got, want);
            if (strcmp(got, want) != 0)
                fprintf(stderr, "\nstep %zu base %d: %s\n", step, base, got);
        }
    }
    /* Longer than a layer's buffer: nothing after the switch is lost. */
    char big[900] = "SWITCH\n";
    for (size_t i = 7; i < sizeof big - 2; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    const char *got = framed_run(&f, big, 0, 2);
    CU_ASSERT_EQUAL(strlen(got), strlen("SWITCH|") + sizeof big - 9 + 1);
    CU_ASSERT(strncmp(got, "SWITCH|", 7) == 0 && got[7] == 'H' && got[8] == 'I');
    /* Two switches stack two layers: each line after them is seen once. */
    CU_ASSERT_STRING_EQUAL(framed_run(&f, "SWITCH\nSWITCH\nx\n", 0, 0), "SWITCH|SWITCH|X|");
    /* A stop from a line never leaks into the next feed. */
    struct mt_lines l;
    mt_lines_init(&l, 0, NULL);
    l.stop = 1;
    static struct framed g;
    memset(&g, 0, sizeof g);
    CU_ASSERT_EQUAL(mt_lines_feed(&l, (const uint8_t *)"p\nq\n", 4, &framed_ops, &g), 4);
    CU_ASSERT_STRING_EQUAL(g.seen, "p|q|");
    mt_lines_free(&l);
}

/* Skipped content (mt_lines_skip) is taken by its count with no callback,
 * line ends in it included, however the bytes are cut; a gap inside it
 * counts against it, and the line after it is framed as usual. */
static void test_lines_skip(void)
{
    static const char text[] = "a\nxx\nyy\nz\n";
    for (size_t step = 1; step <= sizeof text - 1; step++) {
        static struct framed f;
        memset(&f, 0, sizeof f);
        mt_lines_init(&f.lines, 0, NULL);
        size_t len = sizeof text - 1, fed = 0;
        while (fed < len) {
            size_t k = len - fed < step ? len - fed : step;
            /* the skip is announced right after "a\n", as a line callback would */
            if (fed < 2 && fed + k > 2)
                k = 2 - fed;
            CU_ASSERT_EQUAL(mt_lines_feed(&f.lines, (const uint8_t *)text + fed, k, &framed_ops, &f), k);
            fed += k;
            if (fed == 2)
                mt_lines_skip(&f.lines, 6); /* "xx\nyy\n" */
        }
        CU_ASSERT_STRING_EQUAL(f.seen, "a|z|");
        mt_lines_free(&f.lines);
    }
    static struct framed g;
    memset(&g, 0, sizeof g);
    mt_lines_init(&g.lines, 0, NULL);
    mt_lines_skip(&g.lines, 10);
    mt_lines_gap(&g.lines, 4);
    CU_ASSERT_EQUAL(g.lines.raw_left, 6);
    mt_lines_feed(&g.lines, (const uint8_t *)"12\n456rest\n", 12, &framed_ops, &g);
    CU_ASSERT_STRING_EQUAL(g.seen, "rest|");
    /* a gap longer than what is left to skip ends the skip, and the rest of
     * it counts against counted data, as before */
    mt_lines_skip(&g.lines, 3);
    mt_lines_gap(&g.lines, 100);
    CU_ASSERT_EQUAL(g.lines.raw_left, 0);
    mt_lines_feed(&g.lines, (const uint8_t *)"next\n", 5, &framed_ops, &g);
    CU_ASSERT_STRING_EQUAL(g.seen, "rest|next|");
    mt_lines_free(&g.lines);
}

/* --- DEFLATE ------------------------------------------------------------------- */

struct inflated {
    uint8_t *buf;
    size_t n, cap;
    int unreadable;
    char why[MT_XFORM_WHY_MAX];
};

static size_t inflated_data(void *ctx, const uint8_t *p, size_t n)
{
    struct inflated *g = ctx;
    if (g->n + n <= g->cap)
        memcpy(g->buf + g->n, p, n);
    g->n += n;
    return n;
}

static void inflated_gap(void *ctx, uint64_t n) { (void)ctx, (void)n; }

static void inflated_unreadable(void *ctx, const char *layer, const char *why)
{
    struct inflated *g = ctx;
    g->unreadable++;
    snprintf(g->why, sizeof g->why, "%s: %s", layer, why);
}

static const struct mt_xform_top inflated_top = {inflated_data, inflated_gap, inflated_unreadable};

/* Raw DEFLATE of text, flushed as IMAP COMPRESS peers do (Z_SYNC_FLUSH). */
static size_t deflate_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CU_ASSERT_FATAL(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    CU_ASSERT_FATAL(deflate(&z, Z_SYNC_FLUSH) == Z_OK);
    size_t got = cap - z.avail_out;
    deflateEnd(&z);
    return got;
}

/* Feeds p in pieces of step bytes through an inflate layer. */
static void inflate_run(const uint8_t *p, size_t n, size_t step, struct inflated *g,
                        struct mt_budget *b)
{
    struct mt_xform_chain c;
    mt_xform_init(&c, &inflated_top, g);
    struct mt_inflate *f = mt_inflate_new(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(mt_xform_push(&c, &mt_xform_inflate, f), 0);
    for (size_t i = 0; i < n; i += step)
        mt_xform_feed(&c, p + i, n - i < step ? n - i : step);
    mt_xform_end(&c);
    mt_xform_free(&c);
}

/* Inflated whole and one byte at a time alike; a gap and bytes that are
 * not DEFLATE end the direction; a bomb is cut at the ratio; every byte of
 * the budget comes back. */
static void test_inflate(void)
{
    static uint8_t text[20000], z[40000], out[40000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)("a2 FETCH 1 (BODY[] {12}\r\nhello world\r\n)\r\n"[i % 42]);
    size_t zn = deflate_raw(text, sizeof text, z, sizeof z);
    struct mt_budget b = {.max = 1 << 20};
    for (size_t step = 1; step <= zn; step = step * 7 + 1) {
        struct inflated g = {out, 0, sizeof out, 0, ""};
        inflate_run(z, zn, step, &g, &b);
        CU_ASSERT_EQUAL(g.n, sizeof text);
        CU_ASSERT(memcmp(out, text, sizeof text) == 0);
        CU_ASSERT_EQUAL(g.unreadable, 0);
        CU_ASSERT_EQUAL(b.used, 0);
    }
    struct inflated g = {out, 0, sizeof out, 0, ""};
    inflate_run((const uint8_t *)"this is no deflate at all\r\n", 27, 27, &g, &b);
    CU_ASSERT_EQUAL(g.unreadable, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(g.why, "deflate: not DEFLATE"));
    /* A bomb: 64 MiB of zeros in some 64 KiB, cut at the ratio. */
    size_t big = 64u << 20;
    uint8_t *zeros = calloc(1, big), *bz = malloc(big / 500);
    CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
    size_t bn = deflate_raw(zeros, big, bz, big / 500);
    struct inflated h = {NULL, 0, 0, 0, ""};
    inflate_run(bz, bn, bn, &h, &b);
    CU_ASSERT_EQUAL(h.unreadable, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(h.why, "decompression bomb"));
    CU_ASSERT(h.n <= (uint64_t)bn * MT_INFLATE_MAX_RATIO + MT_INFLATE_FLOOR + 16384);
    CU_ASSERT_EQUAL(b.used, 0);
    free(zeros);
    free(bz);
    /* No room in the budget: none. */
    struct mt_budget tiny = {.max = 1000};
    CU_ASSERT_PTR_NULL(mt_inflate_new(&tiny));
}

/* A consumer that keeps everything until a "GO" line, then hands what it
 * kept back through the chain (as the dissector does with bytes it held to
 * see whether they were a TLS ClientHello). */
struct holding {
    struct framed f;
    uint8_t kept[256];
    size_t n;
    int go;
};

static size_t holding_data(void *ctx, const uint8_t *p, size_t n)
{
    struct holding *h = ctx;
    if (h->go)
        return framed_data(&h->f, p, n);
    size_t m = n < sizeof h->kept - h->n ? n : sizeof h->kept - h->n;
    memcpy(h->kept + h->n, p, m);
    h->n += m;
    size_t upto = 0;
    for (size_t i = 0; i + 3 <= h->n && !upto; i++)
        if (memcmp(h->kept + i, "GO\n", 3) == 0)
            upto = i + 3;
    if (upto) {
        /* What came up to GO, then what came after it in the same bytes. */
        h->go = 1;
        mt_xform_reinject(&h->f.chain, h->kept, upto);
        mt_xform_reinject(&h->f.chain, h->kept + upto, h->n - upto);
    }
    return n;
}

static const struct mt_xform_top holding_top = {holding_data, framed_gap, NULL};

static void test_reinject(void)
{
    static struct holding h;
    static const char text[] = "first\nSWITCH\nkept too\nGO\nafter\n";
    for (size_t step = 1; step <= sizeof text; step++) {
        memset(&h, 0, sizeof h);
        mt_lines_init(&h.f.lines, 0, NULL);
        mt_xform_init(&h.f.chain, &holding_top, &h);
        size_t len = sizeof text - 1;
        for (size_t i = 0; i < len; i += step)
            mt_xform_feed(&h.f.chain, (const uint8_t *)text + i, len - i < step ? len - i : step);
        mt_xform_end(&h.f.chain);
        mt_lines_flush(&h.f.lines, &framed_ops, &h.f);
        /* The kept bytes after the switch, and all later ones, went through
         * the layer the switch pushed. */
        CU_ASSERT_STRING_EQUAL(h.f.seen, "first|SWITCH|KEPT TOO|GO|AFTER|");
        CU_ASSERT_EQUAL(h.f.chain.depth, 1);
        mt_xform_free(&h.f.chain);
        mt_lines_free(&h.f.lines);
    }
}

int register_transform_suite(void)
{
    CU_pSuite s = CU_add_suite("transform", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "empty chain", test_empty_chain) ||
        !CU_add_test(s, "identity stacked", test_identity_stacked) ||
        !CU_add_test(s, "order of layers", test_order_of_layers) ||
        !CU_add_test(s, "depth limit", test_depth_limit) ||
        !CU_add_test(s, "giving up", test_giving_up) ||
        !CU_add_test(s, "held until the end", test_held_until_end) ||
        !CU_add_test(s, "opaque", test_opaque) ||
        !CU_add_test(s, "switched on mid-segment", test_switch_mid_segment) ||
        !CU_add_test(s, "counted content skipped", test_lines_skip) ||
        !CU_add_test(s, "DEFLATE", test_inflate) ||
        !CU_add_test(s, "bytes kept and handed back", test_reinject))
        return -1;
    return 0;
}
