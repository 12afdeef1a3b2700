/* The pipeline assembled: frames from an open capture are decoded, put in
 * flows and reassembled, then dissected into events on a bus. This module
 * owns the stages between the capture and the sinks and the ways of running
 * them (all at once, step by step for the interface, at a replay's pace);
 * it knows no option and no output. */
#ifndef MAILTAP_PIPELINE_H
#define MAILTAP_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "mailtap/capture.h"
#include "mailtap/decode.h"
#include "mailtap/dissect.h"
#include "mailtap/event.h"
#include "mailtap/flow.h"

struct mt_pipeline {
    struct mt_capture *cap;
    int dlt;
    enum mt_checksum_mode checksum;
    uint64_t count; /* stop after this many frames; 0 for no limit */
    struct mt_flow_table *flows;
    struct mt_dissector *dis;
    struct mt_bus *bus;
    int data_only;  /* the dissector only passes bytes on */
    struct mt_keylog *keylog; /* the TLS secrets, for the summary; may be NULL */
    uint64_t packets, bytes, decoded, bad_checksums;
    uint64_t skipped[MT_SKIP_COUNT];
    /* Reading step by step: whether the source has ended, and how. */
    int finished;
    enum mt_step_result status;
    char msg[1024];
};

/* Builds the dissector and the flow table over cap, emitting on bus.
 * Returns 0, or -1 when memory is out. */
int mt_pipeline_init(struct mt_pipeline *pl, struct mt_capture *cap, struct mt_bus *bus,
                     const struct mt_flow_config *flow, const struct mt_dissect_config *dissect,
                     enum mt_checksum_mode checksum, uint64_t count);
void mt_pipeline_destroy(struct mt_pipeline *pl);

/* Reads the whole source (until its end, -c, a failed sink or a stop) and
 * ends the sessions still open. The message of a cut or failed read is
 * left in pl->msg. */
enum mt_run_result mt_pipeline_run(struct mt_pipeline *pl);

/* The same at the recorded pace of the frames (--replay), sleeping until
 * each is due. */
enum mt_run_result mt_pipeline_replay(struct mt_pipeline *pl);

/* Step-wise reading for an event loop (struct mt_tui_source): processes up
 * to max frames, returns an enum mt_step_result; ctx is the pipeline. */
int mt_pipeline_step(void *ctx, unsigned max, int64_t *wait_us);
void mt_pipeline_pause(void *ctx, int paused);
/* What the interface's status line shows of the capture. */
struct mt_pipeline_counts {
    uint64_t packets, drops;          /* frames seen; dropped by the kernel (live) */
    uint64_t evicted;                 /* sessions evicted: the flow table was full */
    uint64_t half_open_evicted;       /* flows with no byte yet evicted first (a flood) */
};
void mt_pipeline_counts(void *ctx, struct mt_pipeline_counts *c);

/* Ends the sessions still open (a loop left before the source ended). */
void mt_pipeline_finish(struct mt_pipeline *pl);

/* How a step-wise run ended, as a whole run reports it. */
enum mt_run_result mt_pipeline_result(const struct mt_pipeline *pl);

/* The summary on standard error: frames, sessions, what was dropped and
 * why, and what each limit cost. */
void mt_pipeline_summary(const struct mt_pipeline *pl, FILE *f);

#endif
