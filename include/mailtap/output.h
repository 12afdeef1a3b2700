/* Outputs: sinks of events (see event.h). */
#ifndef MAILTAP_OUTPUT_H
#define MAILTAP_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "mailtap/event.h"

struct mt_output_opts {
    int color; /* ANSI colors and attributes */
    int mask;  /* hide passwords, tokens and crackable lines (first and last character kept) */
    int explain; /* follow: what each labelled line means (explain.h) */
};

/* Each session as a conversation, like Wireshark's Follow TCP Stream, with
 * client bytes in red and server bytes in blue when color is on. Output is
 * streamed: a session interleaved with others gets a "continued" header. */
int mt_follow_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink);

/* --report: what the capture exposes, per server and per account, and the
 * findings with their fixes (docs/report.md), written when the capture
 * ends; with every_s, also every that many seconds of capture time, to
 * file (rewritten whole each time). */
enum mt_report_format { MT_REPORT_TEXT, MT_REPORT_JSON, MT_REPORT_HTML };
#define MT_DEFAULT_GUESS_FAILURES 10
#define MT_DEFAULT_GUESS_WINDOW 600
struct mt_report_opts {
    enum mt_report_format format;
    int mask;
    unsigned guess_failures; /* failed logins that make password-guessing */
    unsigned guess_window;   /* ... within this many seconds */
    unsigned every_s;        /* 0: only at the end */
    const char *file;        /* NULL: standard output */
    const char *source;      /* the file or interface read, for the overview */
    /* What the source read and dropped, and sessions evicted (may be NULL). */
    void (*counts)(void *ctx, uint64_t *packets, uint64_t *drops, uint64_t *evicted,
                   uint64_t *half_open_evicted);
    void *counts_ctx;
};
int mt_report_sink(FILE *out, const struct mt_report_opts *o, struct mt_sink *sink);

/* --creds: a table of every credential found, and nothing else. */
int mt_creds_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink);

/* --json: JSON Lines, one object per event (docs/json.md). */
int mt_json_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink);

/* Each direction's reassembled bytes in a file of its own in dir, named
 * like tcpflow's (source-destination, zero-padded). Gaps are skipped, never
 * filled. max_open bounds the files kept open at once. */
int mt_export_sink(const char *dir, size_t max_open, struct mt_sink *sink, char *err,
                   size_t errlen);

/* The file name export uses for one direction of a session. */
size_t mt_export_name(const struct mt_session_info *s, enum mt_dir dir, char *buf, size_t cap);

#endif
