/* Transcripts on disk: the terminal interface keeps every line of every
 * session in an unlinked temporary file and only a sparse index in memory
 * (one offset every MT_SPOOL_STRIDE records per session), so a capture of
 * any size can be browsed with bounded memory. Sessions interleave in the
 * file, so each record links to the next record of its session; reading
 * record i follows at most STRIDE - 1 links. Reads of what is not yet
 * written out come from the write buffer. */
#ifndef MAILTAP_SPOOL_H
#define MAILTAP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/session.h"

#define MT_SPOOL_STRIDE 32
#define MT_SPOOL_SPANS 4
#define MT_SPOOL_LABEL 16

enum mt_rec_type {
    MT_REC_MESSAGE, /* a labelled line */
    MT_REC_GAP,     /* text: "[N bytes missing]" */
    MT_REC_NOTE     /* mailtap's own line: credential, TLS, warning, end */
};

struct mt_rec {
    uint32_t len;     /* bytes of text that follow */
    uint8_t type;     /* enum mt_rec_type */
    uint8_t dir;      /* enum mt_dir */
    uint8_t kind;     /* enum mt_msg_kind for messages */
    uint8_t flags;    /* MT_REC_* below */
    uint8_t nspans;
    uint8_t secret_spans; /* bit i: span i is a secret (masked with 'm') */
    char label[MT_SPOOL_LABEL]; /* NUL-terminated */
    uint32_t span_off[MT_SPOOL_SPANS], span_len[MT_SPOOL_SPANS];
    uint64_t seq;     /* the message's sequence number in its session */
    mt_time_us ts;
    uint64_t next;    /* offset + 1 of the session's next record; 0 none (yet) */
};

enum {
    MT_REC_PARTIAL = 1,
    MT_REC_TRUNCATED = 2,
    MT_REC_DECODED = 4,    /* the SASL message of the record before, decoded */
    MT_REC_DECODED_CUT = 8 /* ... of which only the start is kept */
};

/* The records of one session. */
struct mt_spool_index {
    uint64_t *offsets; /* of records 0, STRIDE, 2*STRIDE... */
    size_t noffsets, cap;
    uint64_t count;    /* records */
    uint64_t last;     /* offset + 1 of the last record, to link the next */
};

struct mt_spool;

/* Creates the temporary file in dir (NULL: $TMPDIR or /tmp), unlinked at
 * once. max bounds its size: records past it are not kept (counted). */
struct mt_spool *mt_spool_create(const char *dir, uint64_t max, char *err, size_t errlen);
void mt_spool_destroy(struct mt_spool *sp);

/* Appends a record and its text to a session's transcript. Returns 0, or
 * -1 if it was not kept (spool full, write error, out of memory). */
int mt_spool_append(struct mt_spool *sp, struct mt_spool_index *ix, const struct mt_rec *r,
                    const uint8_t *text);

/* Reads record i of a session: its header and up to cap bytes of text
 * (r->len says how much there was). Returns the text bytes read, or -1. */
long mt_spool_read(struct mt_spool *sp, const struct mt_spool_index *ix, uint64_t i,
                   struct mt_rec *r, uint8_t *text, size_t cap);

void mt_spool_index_free(struct mt_spool_index *ix);

struct mt_spool_stats {
    uint64_t bytes;   /* written */
    uint64_t dropped; /* records not kept */
};
void mt_spool_get_stats(const struct mt_spool *sp, struct mt_spool_stats *st);

#endif
