/* Line and counted-data framing shared by the text protocols (lines.h):
 * whole lines out of the caller's bytes without a copy, partial ones held
 * up to --max-line, counted data never read as lines. */
#include "mailtap/lines.h"

#include <stdlib.h>
#include <string.h>

void mt_lines_init(struct mt_lines *l, size_t max_line, struct mt_budget *budget)
{
    memset(l, 0, sizeof *l);
    l->max = max_line ? max_line : MT_DEFAULT_MAX_LINE;
    l->budget = budget;
}

void mt_lines_free(struct mt_lines *l)
{
    mt_budget_give(l->budget, l->cap);
    free(l->buf);
    l->buf = NULL;
    l->len = l->cap = 0;
}

void mt_lines_expect_raw(struct mt_lines *l, uint64_t n)
{
    l->raw_left += n;
    l->skip = 0;
}

void mt_lines_skip(struct mt_lines *l, uint64_t n)
{
    l->raw_left += n;
    l->skip = 1;
}

/* Remembers the last MT_LINE_TAIL bytes of what an over-long line drops. */
static void remember_tail(struct mt_lines *l, const uint8_t *rest, size_t rn)
{
    if (rn >= MT_LINE_TAIL) {
        memcpy(l->tail, rest + rn - MT_LINE_TAIL, MT_LINE_TAIL);
        l->tail_len = MT_LINE_TAIL;
        return;
    }
    size_t keep_old = MT_LINE_TAIL - rn;
    if (keep_old > l->tail_len)
        keep_old = l->tail_len;
    memmove(l->tail, l->tail + l->tail_len - keep_old, keep_old);
    memcpy(l->tail + keep_old, rest, rn);
    l->tail_len = keep_old + rn;
}

/* A buffer grown for a long line is not kept for the next one (the budget
 * is shared by all sessions); small ones are, to spare the allocator. */
static void give_back(struct mt_lines *l)
{
    if (l->cap > 256 && l->len == 0) {
        free(l->buf);
        mt_budget_give(l->budget, l->cap);
        l->buf = NULL;
        l->cap = 0;
    }
}

/* Appends to the partial line, up to the limit; beyond it the line is
 * marked discarding and only its last bytes are remembered. */
static void keep(struct mt_lines *l, const uint8_t *p, size_t n)
{
    if (l->discarding) {
        /* Already cut (too long, or no memory): nothing more is kept, even
         * if memory is free again, or the line would resume mid-way. */
        l->dropped += n;
        remember_tail(l, p, n);
        return;
    }
    size_t room = l->max - l->len;
    size_t take = n < room ? n : room;
    if (take > 0) {
        if (l->len + take > l->cap) {
            size_t cap = l->cap ? l->cap : 256;
            while (cap < l->len + take)
                cap *= 2;
            if (cap > l->max)
                cap = l->max;
            uint8_t *nb = NULL;
            if (mt_budget_take(l->budget, cap - l->cap)) {
                nb = realloc(l->buf, cap);
                if (!nb)
                    mt_budget_give(l->budget, cap - l->cap);
            }
            if (!nb) { /* no memory for it: the line is cut here */
                l->dropped += n;
                l->discarding = 1;
                remember_tail(l, p, n);
                return;
            }
            l->buf = nb;
            l->cap = cap;
        }
        memcpy(l->buf + l->len, p, take);
        l->len += take;
    }
    if (take < n) {
        l->discarding = 1;
        l->dropped += n - take;
        remember_tail(l, p + take, n - take);
    }
}

/* Hands one line to the protocol. A CR before the LF belongs to the line
 * ending. */
static void emit(const uint8_t *p, size_t n, int truncated, const uint8_t *tail, size_t tail_len,
                 int no_eol, int raw, int last, const struct mt_lines_ops *ops, void *ctx)
{
    static const uint8_t none[1];
    if (!p)
        p = none; /* no buffer was kept (memory refused): protocols never see NULL */
    size_t eol = no_eol ? 0 : 1;
    if (!no_eol && !truncated && n > 0 && p[n - 1] == '\r')
        n--, eol = 2;
    if (!no_eol && truncated && tail_len > 0 && tail[tail_len - 1] == '\r')
        tail_len--, eol = 2;
    struct mt_line line = {p,  n, truncated, truncated ? tail : p, truncated ? tail_len : n,
                           no_eol, eol};
    if (raw)
        ops->raw(ctx, &line, last);
    else
        ops->line(ctx, &line);
}

/* A line is complete: the upto bytes at p end it (the line ending itself
 * excluded). Whole in the caller's bytes, it goes out without a copy. */
static void complete(struct mt_lines *l, const uint8_t *p, size_t upto, int no_eol, int raw,
                     int last, const struct mt_lines_ops *ops, void *ctx)
{
    if (l->len == 0 && !l->discarding) {
        if (upto > l->max) {
            size_t tl = upto - l->max < MT_LINE_TAIL ? upto - l->max : MT_LINE_TAIL;
            l->dropped += upto - l->max;
            emit(p, l->max, 1, p + upto - tl, tl, no_eol, raw, last, ops, ctx);
        } else {
            emit(p, upto, 0, NULL, 0, no_eol, raw, last, ops, ctx);
        }
        return;
    }
    keep(l, p, upto);
    /* Reset before the callback: it may call expect_raw, or feed more. */
    size_t len = l->len;
    int truncated = l->discarding;
    uint8_t tail[MT_LINE_TAIL];
    size_t tail_len = l->tail_len;
    memcpy(tail, l->tail, tail_len);
    l->len = 0;
    l->discarding = 0;
    l->tail_len = 0;
    emit(l->buf, len, truncated, tail, tail_len, no_eol, raw, last, ops, ctx);
    give_back(l);
}

size_t mt_lines_feed(struct mt_lines *l, const uint8_t *p, size_t n,
                     const struct mt_lines_ops *ops, void *ctx)
{
    const uint8_t *start = p;
    l->stop = 0;
    while (n > 0) {
        if (l->skip && l->raw_left > 0) {
            size_t take = l->raw_left < n ? (size_t)l->raw_left : n;
            l->raw_left -= take;
            p += take;
            n -= take;
            continue;
        }
        int raw = l->raw_left > 0;
        size_t avail = raw && l->raw_left < n ? (size_t)l->raw_left : n;
        const uint8_t *nl = memchr(p, '\n', avail);
        size_t upto = nl ? (size_t)(nl - p) : avail;
        size_t used = nl ? upto + 1 : avail;
        if (raw)
            l->raw_left -= used;
        int ends_raw = raw && l->raw_left == 0;
        if (!nl && !ends_raw) {
            keep(l, p, avail); /* avail == n here: the line goes on later */
            return (size_t)(p - start) + avail;
        }
        complete(l, p, upto, !nl, raw, ends_raw, ops, ctx);
        p += used;
        n -= used;
        if (l->stop)
            break;
    }
    return (size_t)(p - start);
}

size_t mt_lines_gap(struct mt_lines *l, uint64_t n)
{
    size_t lost = l->len;
    l->len = 0;
    l->discarding = 0;
    l->tail_len = 0;
    l->raw_left = l->raw_left > n ? l->raw_left - n : 0;
    return lost;
}

void mt_lines_flush(struct mt_lines *l, const struct mt_lines_ops *ops, void *ctx)
{
    int raw = l->raw_left > 0;
    l->raw_left = 0;
    if (l->len == 0 && !l->discarding)
        return;
    size_t len = l->len;
    int truncated = l->discarding;
    l->len = 0;
    l->discarding = 0;
    emit(l->buf, len, truncated, l->tail, l->tail_len, 1, raw, raw, ops, ctx);
    l->tail_len = 0;
}
