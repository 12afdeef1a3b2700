/* TCP reassembly of one direction: in-order bytes go out without a copy,
 * segments past a hole are held sorted (first copy wins), and a hole given
 * up on goes out as a counted gap, never as invented bytes. Held segments
 * are a list in stream order and a treap over the same nodes (ordered by
 * offset, balanced by random priorities an attacker cannot see), so that
 * a segment finds its place in O(log n) whatever order they arrive in, as
 * the kernel's red-black out-of-order queue does. */
#include "mailtap/reasm.h"

#include <stdlib.h>
#include <string.h>

#include "mailtap/siphash.h"

struct mt_reasm_seg {
    struct mt_reasm_seg *next;         /* the list, in stream order */
    struct mt_reasm_seg *left, *right; /* the treap */
    uint64_t off;
    size_t len;
    uint32_t prio;
    uint8_t data[];
};

/* --- the treap ------------------------------------------------------------ */

static uint32_t random_prio(void)
{
    static uint64_t x;
    if (!x) {
        uint8_t k[16];
        mt_siphash_random_key(k);
        memcpy(&x, k, sizeof x);
        x |= 1;
    }
    x ^= x << 13; /* xorshift64 */
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t)(x >> 32);
}

/* The held segment with the greatest offset at or before off, or NULL. */
static struct mt_reasm_seg *at_or_before(struct mt_reasm_seg *t, uint64_t off)
{
    struct mt_reasm_seg *best = NULL;
    while (t) {
        if (t->off <= off) {
            best = t;
            t = t->right;
        } else {
            t = t->left;
        }
    }
    return best;
}

/* Splits t into the segments before off (*l) and the rest (*r). */
static void split(struct mt_reasm_seg *t, uint64_t off, struct mt_reasm_seg **l,
                  struct mt_reasm_seg **r)
{
    if (!t) {
        *l = *r = NULL;
    } else if (t->off < off) {
        split(t->right, off, &t->right, r);
        *l = t;
    } else {
        split(t->left, off, l, &t->left);
        *r = t;
    }
}

/* Joins two treaps, every offset of a before every one of b. */
static struct mt_reasm_seg *merge(struct mt_reasm_seg *a, struct mt_reasm_seg *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->prio > b->prio) {
        a->right = merge(a->right, b);
        return a;
    }
    b->left = merge(a, b->left);
    return b;
}

static struct mt_reasm_seg *insert(struct mt_reasm_seg *t, struct mt_reasm_seg *s)
{
    struct mt_reasm_seg *l, *r;
    split(t, s->off, &l, &r);
    return merge(merge(l, s), r);
}

/* Without its first segment (the list's head). */
static struct mt_reasm_seg *without_first(struct mt_reasm_seg *t)
{
    if (!t->left)
        return t->right;
    t->left = without_first(t->left);
    return t;
}

/* --- reassembly --------------------------------------------------------------- */

void mt_reasm_init(struct mt_reasm *r) { memset(r, 0, sizeof *r); }

void mt_reasm_start(struct mt_reasm *r, uint32_t first_seq)
{
    r->started = 1;
    r->next_seq = first_seq;
    r->next_off = 0;
}

static void advance(struct mt_reasm *r, uint64_t n)
{
    r->next_off += n;
    r->next_seq += (uint32_t)n;
}

static void forget_recent(struct mt_reasm *r, struct mt_reasm_budget *b)
{
    if (r->recent) {
        free(r->recent);
        b->recent_bytes -= MT_REASM_RECENT;
        r->recent = NULL;
    }
}

/* Keeps what is passed on over a direction's first bytes, to compare a
 * later copy with. */
static void keep_recent(struct mt_reasm *r, struct mt_reasm_budget *b, const uint8_t *p, size_t n)
{
    if (!r->recent) {
        if (r->no_recent || b->recent_bytes + MT_REASM_RECENT > b->max_recent ||
            !(r->recent = malloc(MT_REASM_RECENT))) {
            r->no_recent = 1;
            return;
        }
        b->recent_bytes += MT_REASM_RECENT;
    }
    uint64_t off = r->next_off;
    if (n > MT_REASM_RECENT) { /* only the last ones stay */
        off += n - MT_REASM_RECENT;
        p += n - MT_REASM_RECENT;
        n = MT_REASM_RECENT;
    }
    size_t at = (size_t)(off % MT_REASM_RECENT), first = MT_REASM_RECENT - at;
    if (first > n)
        first = n;
    memcpy(r->recent + at, p, first);
    memcpy(r->recent, p + first, n - first);
}

/* Counts the bytes of a copy p that differ from q (the first copy), the
 * first of them at *first (relative to base). */
static void count_differ(const uint8_t *q, const uint8_t *p, size_t n, uint64_t base,
                         uint64_t *first, uint64_t *differ)
{
    if (memcmp(q, p, n) == 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (q[i] != p[i] && (*differ)++ == 0)
            *first = base + i;
}

/* Tells of the bytes a copy had otherwise than the first one. */
static void tell_differ(struct mt_reasm_budget *b, const struct mt_reasm_out *out, uint64_t first,
                        uint64_t differ)
{
    if (!differ)
        return;
    b->conflict_bytes += differ;
    if (out->conflict)
        out->conflict(out->ctx, first, differ);
}

/* A copy of bytes already passed on, [off, off + n): compared with those
 * kept (at most two pieces of the ring); what was not kept is counted as
 * not compared. */
static void compare_recent(struct mt_reasm *r, struct mt_reasm_budget *b, uint64_t off,
                           const uint8_t *p, size_t n, const struct mt_reasm_out *out)
{
    uint64_t from = r->next_off > MT_REASM_RECENT ? r->next_off - MT_REASM_RECENT : 0;
    if (!r->recent || off + n <= from) {
        b->unchecked_bytes += n;
        return;
    }
    if (off < from) {
        b->unchecked_bytes += from - off;
        p += from - off;
        n -= (size_t)(from - off);
        off = from;
    }
    uint64_t first = 0, differ = 0;
    size_t at = (size_t)(off % MT_REASM_RECENT), k = MT_REASM_RECENT - at;
    if (k > n)
        k = n;
    count_differ(r->recent + at, p, k, off, &first, &differ);
    count_differ(r->recent, p + k, n - k, off + k, &first, &differ);
    tell_differ(b, out, first, differ);
}

static void deliver(struct mt_reasm *r, struct mt_reasm_budget *b, const uint8_t *p, size_t n,
                    const struct mt_reasm_out *out)
{
    if (n == 0)
        return;
    if (r->next_off < MT_REASM_RECENT_SPAN) {
        if (!r->no_recent)
            keep_recent(r, b, p, n);
    } else if (r->recent) {
        /* Past the login: what is kept would no longer be the last bytes,
         * and its room goes to others. */
        forget_recent(r, b);
    }
    out->data(out->ctx, p, n);
    advance(r, n);
}

static void emit_gap(struct mt_reasm *r, struct mt_reasm_budget *b, uint64_t n,
                     const struct mt_reasm_out *out)
{
    if (n == 0)
        return;
    b->gaps++;
    b->gap_bytes += n;
    out->gap(out->ctx, n);
    advance(r, n);
}

static void give_back(struct mt_reasm *r, struct mt_reasm_budget *b, struct mt_reasm_seg *s)
{
    size_t charge = s->len + MT_REASM_SEG_OVERHEAD;
    r->held_bytes -= charge;
    b->held -= charge;
    free(s);
}

static void unlink_head(struct mt_reasm *r, struct mt_reasm_budget *b)
{
    struct mt_reasm_seg *s = r->held;
    r->held = s->next;
    r->root = without_first(r->root);
    if (!r->held)
        r->held_tail = NULL;
    give_back(r, b, s);
}

/* Delivers held segments that have become contiguous with the stream. */
static void drain(struct mt_reasm *r, struct mt_reasm_budget *b, const struct mt_reasm_out *out)
{
    while (r->held && r->held->off <= r->next_off) {
        struct mt_reasm_seg *s = r->held;
        uint64_t end = s->off + s->len;
        if (end > r->next_off) {
            size_t skip = (size_t)(r->next_off - s->off);
            deliver(r, b, s->data + skip, s->len - skip, out);
        }
        unlink_head(r, b);
    }
}

/* Bytes at off that a held segment s also has: those that differ are told
 * (the first copy, s, is kept). */
static void compare(struct mt_reasm_budget *b, const struct mt_reasm_seg *s, uint64_t off,
                    const uint8_t *p, size_t n, const struct mt_reasm_out *out)
{
    uint64_t first = 0, differ = 0;
    count_differ(s->data + (off - s->off), p, n, off, &first, &differ);
    tell_differ(b, out, first, differ);
}

/* Whether need more bytes may be held by r, and by all. */
static int fits(const struct mt_reasm *r, const struct mt_reasm_budget *b, size_t need)
{
    return r->held_bytes + need <= b->max_dir && (!b->max_total || b->held + need <= b->max_total);
}

/* Copies the parts of [off, off+n) not already held (first copy wins). A
 * piece that would pass a limit is not held: it comes out as a gap. */
static void hold(struct mt_reasm *r, struct mt_reasm_budget *b, uint64_t off, const uint8_t *p,
                 size_t n, const struct mt_reasm_out *out)
{
    struct mt_reasm_seg *prev = NULL, *cur = r->held;
    if (r->held_tail && off >= r->held_tail->off + r->held_tail->len) {
        /* Common case: the segment extends the held data at its end. */
        prev = r->held_tail;
        cur = NULL;
    } else {
        struct mt_reasm_seg *before = at_or_before(r->root, off);
        if (before && before->off + before->len > off) {
            cur = before; /* it overlaps: the loop steps over it */
        } else if (before) {
            prev = before;
            cur = before->next;
        }
    }
    while (n > 0) {
        while (cur && cur->off + cur->len <= off) {
            prev = cur;
            cur = cur->next;
        }
        if (cur && cur->off <= off) {
            uint64_t covered = cur->off + cur->len - off;
            compare(b, cur, off, p, covered < n ? (size_t)covered : n, out);
            if (covered >= n) {
                b->dup_bytes += n;
                return;
            }
            b->dup_bytes += covered;
            off += covered;
            p += covered;
            n -= (size_t)covered;
            prev = cur;
            cur = cur->next;
            continue;
        }
        size_t piece = n;
        if (cur && cur->off < off + n)
            piece = (size_t)(cur->off - off);
        size_t charge = piece + MT_REASM_SEG_OVERHEAD;
        if (!fits(r, b, charge))
            return;
        struct mt_reasm_seg *s = malloc(sizeof *s + piece);
        if (!s)
            return; /* out of memory: the hole will surface as a gap */
        s->off = off;
        s->len = piece;
        s->left = s->right = NULL;
        s->prio = random_prio();
        memcpy(s->data, p, piece);
        s->next = cur;
        if (prev)
            prev->next = s;
        else
            r->held = s;
        if (!cur)
            r->held_tail = s;
        r->root = insert(r->root, s);
        r->held_bytes += charge;
        b->held += charge;
        if (b->held > b->held_peak)
            b->held_peak = b->held;
        prev = s;
        off += piece;
        p += piece;
        n -= piece;
    }
}

void mt_reasm_segment(struct mt_reasm *r, struct mt_reasm_budget *b, uint32_t seq,
                      const uint8_t *p, size_t n, const struct mt_reasm_out *out)
{
    if (n == 0)
        return;
    if (!r->started)
        mt_reasm_start(r, seq);
    int32_t delta = (int32_t)(seq - r->next_seq);
    if (delta > 0 && (uint32_t)delta > MT_REASM_MAX_AHEAD) {
        b->out_of_window++;
        return;
    }
    /* Offsets are computed relative to the next expected byte, so sequence
     * numbers that wrap past 2^32 need no special case. */
    int64_t start = (int64_t)r->next_off + delta;
    if (start < 0) { /* before the stream's first byte: nothing to compare with */
        size_t cut = (size_t)-start;
        if (cut >= n) {
            b->dup_bytes += n;
            return;
        }
        p += cut;
        n -= cut;
        start = 0;
    }
    uint64_t off = (uint64_t)start;
    int drained = 0;
    if (r->fin_seen && off + n > r->fin_off) {
        if (off >= r->fin_off)
            return; /* data after the FIN: bogus */
        n = (size_t)(r->fin_off - off);
    }
    while (n > 0) {
        if (off < r->next_off) {
            uint64_t old = r->next_off - off;
            /* After this segment's own in-order bytes, what is old was held,
             * and has just been compared with it. */
            if (!drained)
                compare_recent(r, b, off, p, old < n ? (size_t)old : n, out);
            if (old >= n) {
                b->dup_bytes += n;
                return;
            }
            b->dup_bytes += old;
            p += old;
            n -= (size_t)old;
            off = r->next_off;
        }
        if (off > r->next_off) {
            /* Room first, so that no limit is ever passed: others give up
             * what they hold (--max-held), then the oldest hole here is
             * given up (its held data goes on), or with nothing held the
             * hole before this segment, until it fits. */
            size_t need = n + MT_REASM_SEG_OVERHEAD;
            if (b->max_total && b->held + need > b->max_total && b->make_room)
                b->make_room(b->room_ctx, need);
            if (!fits(r, b, need)) {
                b->limit_gaps++;
                if (r->held)
                    mt_reasm_skip_hole(r, b, out);
                else
                    emit_gap(r, b, off - r->next_off, out);
                continue;
            }
            hold(r, b, off, p, n, out);
            return;
        }
        /* In order: straight from the packet, up to the first held byte
         * (held bytes arrived first, so they win where copies overlap). */
        size_t now = n;
        if (r->held && r->held->off < off + n) {
            now = (size_t)(r->held->off - off);
            /* What this segment has of the held ones after it: told if it
             * differs (they came first and are what is delivered). */
            uint64_t end = off + n;
            for (const struct mt_reasm_seg *s = r->held; s && s->off < end; s = s->next) {
                uint64_t e = s->off + s->len < end ? s->off + s->len : end;
                compare(b, s, s->off, p + (s->off - off), (size_t)(e - s->off), out);
            }
        }
        deliver(r, b, p, now, out);
        p += now;
        n -= now;
        off += now;
        drain(r, b, out);
        drained = 1;
    }
}

void mt_reasm_fin(struct mt_reasm *r, uint32_t fin_seq)
{
    if (!r->started)
        mt_reasm_start(r, fin_seq);
    if (r->fin_seen)
        return;
    int64_t off = (int64_t)r->next_off + (int32_t)(fin_seq - r->next_seq);
    if (off < (int64_t)r->next_off)
        return; /* before what was already delivered: bogus */
    r->fin_seen = 1;
    r->fin_off = (uint64_t)off;
}

int mt_reasm_finished(const struct mt_reasm *r)
{
    return r->fin_seen && r->next_off >= r->fin_off;
}

int mt_reasm_skip_hole(struct mt_reasm *r, struct mt_reasm_budget *b,
                       const struct mt_reasm_out *out)
{
    if (r->held) {
        emit_gap(r, b, r->held->off - r->next_off, out);
        drain(r, b, out);
        return 1;
    }
    if (r->fin_seen && r->fin_off > r->next_off) {
        emit_gap(r, b, r->fin_off - r->next_off, out);
        return 1;
    }
    return 0;
}

void mt_reasm_flush(struct mt_reasm *r, struct mt_reasm_budget *b, const struct mt_reasm_out *out)
{
    while (mt_reasm_skip_hole(r, b, out))
        ;
}

void mt_reasm_release(struct mt_reasm *r, struct mt_reasm_budget *b)
{
    forget_recent(r, b);
    r->root = NULL; /* the list frees every node */
    while (r->held) {
        struct mt_reasm_seg *s = r->held;
        r->held = s->next;
        give_back(r, b, s);
    }
    r->held_tail = NULL;
}

int mt_reasm_rst_acceptable(const struct mt_reasm *r, uint32_t seq)
{
    if (!r->started)
        return 1;
    /* The sender has sent at least up to the furthest byte seen from it,
     * so its RST (which carries SND.NXT, or the peer's last ACK) may be
     * that far ahead of what could be delivered in order. Held data lies
     * within MT_REASM_MAX_AHEAD; a FIN further than that is not counted. */
    uint64_t top = r->next_off;
    if (r->held_tail && r->held_tail->off + r->held_tail->len > top)
        top = r->held_tail->off + r->held_tail->len;
    if (r->fin_seen && r->fin_off + 1 > top && r->fin_off - r->next_off < MT_REASM_MAX_AHEAD)
        top = r->fin_off + 1;
    int64_t off = (int64_t)r->next_off + (int32_t)(seq - r->next_seq);
    return off + (int64_t)MT_REASM_RST_WINDOW >= (int64_t)r->next_off &&
           off <= (int64_t)(top + MT_REASM_RST_WINDOW);
}
