/* Line and literal framing shared by the text protocols (POP3, IMAP, SMTP).
 *
 * Bytes of one direction go in; complete lines (without CR LF) come out,
 * pointing into the caller's buffer when the line is whole there (no copy).
 * Only a line cut by a segment boundary is buffered, up to a limit. A
 * protocol that announces counted data (an IMAP literal, an SMTP BDAT chunk)
 * calls mt_lines_expect_raw() from its line callback, and that many bytes
 * come out as raw chunks, never read as lines; or mt_lines_skip(), and
 * they are passed over. */
#ifndef MAILTAP_LINES_H
#define MAILTAP_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/budget.h"

#define MT_DEFAULT_MAX_LINE 65536
#define MT_LINE_TAIL 32

struct mt_line {
    const uint8_t *p; /* line content without the line ending */
    size_t n;
    int truncated;    /* longer than the limit: p holds the start only */
    /* For a truncated line, its last bytes (so that a literal announced at
     * its end is still seen). For a whole line, the same as p's end. */
    const uint8_t *tail;
    size_t tail_len;
    int no_eol;       /* ended without a line end: at the end of counted data,
                       * or of the stream */
    size_t eol;       /* line-ending bytes that followed: 0, 1 (LF) or 2 (CR LF) */
};

struct mt_lines_ops {
    void (*line)(void *ctx, const struct mt_line *line);
    /* A line of counted data; last is set on the one that ends it. */
    void (*raw)(void *ctx, const struct mt_line *line, int last);
};

struct mt_lines {
    uint8_t *buf; /* partial line, allocated when first needed */
    size_t len, cap, max;
    uint64_t raw_left;
    int skip;           /* the counted data is content no one reads: passed over */
    int discarding; /* over-long line: bytes dropped up to its end */
    uint8_t tail[MT_LINE_TAIL];
    size_t tail_len;
    uint64_t dropped; /* bytes of over-long lines not kept */
    int stop;         /* end this feed after the current line (mt_lines_stop) */
    struct mt_budget *budget; /* charged for buf; may be NULL */
};

/* budget (may be NULL) is charged for the partial-line buffer: a line that
 * cannot get the memory is cut as if it were over-long. */
void mt_lines_init(struct mt_lines *l, size_t max_line, struct mt_budget *budget);
void mt_lines_free(struct mt_lines *l);

/* Frames n bytes; returns how many it took: all of them, unless a callback
 * called mt_lines_stop, and then those up to the end of that line. */
size_t mt_lines_feed(struct mt_lines *l, const uint8_t *p, size_t n,
                     const struct mt_lines_ops *ops, void *ctx);

/* From a callback: the bytes after the current line are not to be framed
 * by this call (a transform was switched on there; they go through it). */
static inline void mt_lines_stop(struct mt_lines *l) { l->stop = 1; }

/* The next n bytes are counted data (call from the line callback). */
void mt_lines_expect_raw(struct mt_lines *l, uint64_t n);

/* The next n bytes are counted content no one reads: taken with no
 * callback (call from the line callback). */
void mt_lines_skip(struct mt_lines *l, uint64_t n);

/* Counted content still to be passed over is to be framed as raw lines
 * after all (somebody needs to look at it). */
static inline void mt_lines_skip_to_raw(struct mt_lines *l) { l->skip = 0; }

/* n bytes were lost: a partial line is dropped (returns its length), and
 * counted data still expected is reduced by n. */
size_t mt_lines_gap(struct mt_lines *l, uint64_t n);

/* End of stream: a partial line comes out with no_eol set (through the raw
 * callback, with last set, if it was counted data). */
void mt_lines_flush(struct mt_lines *l, const struct mt_lines_ops *ops, void *ctx);

#endif
