/* TCP reassembly of one direction of a connection.
 *
 * Bytes are delivered exactly once and in order. In-order data goes straight
 * from the caller's buffer to the output (no copy); only segments ahead of a
 * hole are copied and held, sorted by stream offset. Where copies overlap,
 * the first to arrive wins. A hole that is given up on is delivered as an
 * explicit gap of N bytes, never filled with invented bytes. */
#ifndef MAILTAP_REASM_H
#define MAILTAP_REASM_H

#include <stddef.h>
#include <stdint.h>

struct mt_reasm_seg;

/* Shared by every direction of a flow table: limits and counters. */
struct mt_reasm_budget {
    size_t max_dir;      /* most bytes one direction may hold out of order */
    size_t max_total;    /* most all directions may hold together; 0: no limit */
    /* Asked for room when a segment would pass max_total: others give up
     * what they hold (may be NULL). */
    void (*make_room)(void *ctx, size_t need);
    void *room_ctx;
    size_t held;         /* bytes held now, all directions (with overhead) */
    size_t held_peak;
    uint64_t dup_bytes;  /* retransmitted or overlapping bytes dropped */
    uint64_t conflict_bytes; /* of those, bytes a copy said otherwise */
    size_t recent_bytes, max_recent; /* for the bytes passed on kept to compare with */
    uint64_t unchecked_bytes; /* copies of bytes passed on that were not kept */
    uint64_t gaps;       /* holes delivered as gaps */
    uint64_t gap_bytes;
    uint64_t limit_gaps; /* of those, forced by the per-direction limit */
    uint64_t out_of_window; /* segments too far from the stream to be real */
};

struct mt_reasm_out {
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, uint64_t n);
    /* A copy of bytes already held carried other bytes (an evasion since
     * Ptacek and Newsham, 1998): n of them differed, the first at stream
     * offset off. The first copy is kept. May be NULL. */
    void (*conflict)(void *ctx, uint64_t off, uint64_t n);
    void *ctx;
};

struct mt_reasm {
    int started;
    int fin_seen;
    uint32_t next_seq;  /* sequence number of the next byte to deliver */
    uint64_t next_off;  /* stream offset of that byte (wrap-free) */
    uint64_t fin_off;   /* stream offset of the FIN, if seen */
    struct mt_reasm_seg *held, *held_tail; /* in stream order */
    struct mt_reasm_seg *root;             /* the same, as a search tree */
    /* The last MT_REASM_RECENT bytes passed on, by stream offset modulo its
     * size, while a direction is in its first MT_REASM_RECENT_SPAN bytes
     * (where logins are): a later copy of them is compared. */
    uint8_t *recent;
    int no_recent; /* no room for it was left (max_recent) */
    size_t held_bytes;  /* charged bytes held by this direction */
};

/* Bytes charged per held segment on top of its payload, so that many tiny
 * segments cannot hide behind a byte limit (its header and malloc's). */
#define MT_REASM_SEG_OVERHEAD 64

#define MT_REASM_RECENT 4096u
#define MT_REASM_RECENT_SPAN (64u << 10)

/* Segments starting further than this ahead of the next expected byte are
 * dropped as bogus (the largest TCP window is 2^30). */
#define MT_REASM_MAX_AHEAD (1u << 30)

void mt_reasm_init(struct mt_reasm *r);

/* Sets the sequence number of the first byte of the stream. */
void mt_reasm_start(struct mt_reasm *r, uint32_t first_seq);

/* Takes one segment's payload. Delivers what is in order, holds what is
 * ahead, drops what was already delivered. */
void mt_reasm_segment(struct mt_reasm *r, struct mt_reasm_budget *b, uint32_t seq,
                      const uint8_t *p, size_t n, const struct mt_reasm_out *out);

/* Records a FIN whose sequence number is fin_seq. */
void mt_reasm_fin(struct mt_reasm *r, uint32_t fin_seq);

/* Every byte up to the FIN has been delivered (or given up as a gap). */
int mt_reasm_finished(const struct mt_reasm *r);

/* Gives up on the first hole: delivers it as a gap, then whatever held data
 * follows it in order. Returns 0 if there was no hole. */
int mt_reasm_skip_hole(struct mt_reasm *r, struct mt_reasm_budget *b,
                       const struct mt_reasm_out *out);

/* Gives up on every hole, delivering all held data (end of a session). */
void mt_reasm_flush(struct mt_reasm *r, struct mt_reasm_budget *b, const struct mt_reasm_out *out);

/* Frees held data without delivering it. */
void mt_reasm_release(struct mt_reasm *r, struct mt_reasm_budget *b);

/* Slack on either side of the stream for a RST to be believed: the largest
 * window a TCP header can offer without window scaling. */
#define MT_REASM_RST_WINDOW 65535u

/* Whether a RST sent with sequence number seq by this direction's sender is
 * in its receiver's window as far as a passive observer can tell (RFC 793,
 * RFC 5961 section 3): from MT_REASM_RST_WINDOW before the next expected
 * byte to MT_REASM_RST_WINDOW past the furthest sequence number seen from
 * that sender (held data, its FIN). With no sequence number known for the
 * direction yet (no SYN, data or ACK seen from that side), the RST cannot be
 * judged and is believed. */
int mt_reasm_rst_acceptable(const struct mt_reasm *r, uint32_t seq);

#endif
