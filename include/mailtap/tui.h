/* The interactive terminal interface (ncurses). It draws the model
 * (tui_model.h), which is just another sink of events, and runs the one
 * event loop over the packet source and the keyboard: packets are pumped in
 * small batches between keystrokes, so a large file shows its first
 * sessions at once, and a live capture is polled, never busy-waited. */
#ifndef MAILTAP_TUI_H
#define MAILTAP_TUI_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/tui_model.h"

/* Where packets come from, as the loop sees it. */
struct mt_tui_source {
    const char *name;   /* file or interface, and the filter: for the status line */
    int live;
    int replay;         /* a file played at its recorded pace */
    int fd;             /* to poll when live; -1 otherwise */
    /* Processes up to max frames; returns an enum mt_step_result (capture.h),
     * with *wait_us when a replayed frame is not due yet. */
    int (*pump)(void *ctx, unsigned max, int64_t *wait_us);
    /* Frames seen, frames the kernel dropped (live), sessions evicted
     * from a full flow table, and half-open flows evicted before them. */
    void (*counts)(void *ctx, uint64_t *packets, uint64_t *drops, uint64_t *evicted,
                   uint64_t *half_open_evicted);
    /* The user paused (1) or resumed (0) reading; may be NULL. */
    void (*pause)(void *ctx, int paused);
    void *ctx;
};

struct mt_tui_opts {
    int color; /* 0 or 1: already decided (NO_COLOR, --color) */
    int mask;  /* start with secrets masked */
    int explain; /* start with the line under the cursor explained */
};

/* Runs until the user quits (q, Ctrl-C). The terminal is left as it was
 * on every way out. Returns 0, or -1 with a message in err. The last
 * status of the source (end, truncated, error) goes to *src_status and its
 * message to msg. */
int mt_tui_run(struct mt_tui_model *m, const struct mt_tui_source *src,
               const struct mt_tui_opts *o, int *src_status, char *msg, size_t msglen, char *err,
               size_t errlen);

#endif
