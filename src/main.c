/* mailtap: the wiring. Parses the command line (cli.h), opens the packet
 * source, gives up root, puts the chosen sinks on the event bus, builds
 * the pipeline (pipeline.h) and runs it; nothing here reads a packet. */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/explain.h"
#include "mailtap/capture.h"
#include "mailtap/cli.h"
#include "mailtap/decode.h"
#include "mailtap/event.h"
#include "mailtap/keylog.h"
#include "mailtap/output.h"
#include "mailtap/pipeline.h"
#include "mailtap/privs.h"
#include "mailtap/tui.h"

/* What main builds, so that every way out tears down the same things. */
struct app {
    struct mt_cli o;
    struct mt_capture *cap;
    struct mt_tui_model model;
    int have_model;
    struct mt_bus bus;
    int have_bus;
    struct mt_pipeline pl;
    int have_pipeline;
    struct mt_keylog *keylog;
    int quiet_keys;  /* the interface owns the terminal: key log warnings are counted only */
    char became[64]; /* the user root became, "" if none */
    char err[1024];
};

static struct mt_capture *running_capture;

static void on_signal(int sig)
{
    (void)sig;
    if (running_capture)
        mt_capture_stop(running_capture);
}

static void catch_signals(struct mt_capture *cap)
{
    running_capture = cap;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int use_color(int setting)
{
    if (setting >= 0)
        return setting;
    const char *no = getenv("NO_COLOR");
    if (no && *no)
        return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(STDOUT_FILENO);
}

static int teardown(struct app *a, int status)
{
    running_capture = NULL;
    if (a->have_pipeline)
        mt_pipeline_destroy(&a->pl);
    if (a->have_bus)
        mt_bus_destroy(&a->bus);
    if (a->have_model)
        mt_tui_model_free(&a->model);
    if (a->cap)
        mt_capture_close(a->cap);
    mt_keylog_free(a->keylog);
    mt_cli_free(&a->o);
    return status;
}

/* One line on standard error, then the way out with status. */
static int fatal(struct app *a, const char *what, int status)
{
    fprintf(stderr, "mailtap: %s\n", what);
    return teardown(a, status);
}

static void keylog_warning(void *ctx, const char *text)
{
    const struct app *a = ctx;
    if (!a->quiet_keys)
        fprintf(stderr, "mailtap: warning: %s\n", text);
}

static void capture_secrets(void *ctx, const uint8_t *p, size_t n, unsigned index)
{
    struct app *a = ctx;
    char source[512];
    snprintf(source, sizeof source, "%s, secrets block %u", a->o.cap.file, index + 1);
    mt_keylog_add_capture_text(a->keylog, p, n, source);
}

/* The TLS secrets: the --keylog files, then what a pcapng file carries. No
 * key log at all leaves the table out (TLS sessions then say so). */
static int open_keys(struct app *a)
{
    a->keylog = mt_keylog_new(a->o.max_keys, keylog_warning, a);
    if (!a->keylog)
        return snprintf(a->err, sizeof a->err, "out of memory"), -1;
    for (size_t i = 0; i < a->o.nkeylogs; i++)
        if (mt_keylog_add_file(a->keylog, a->o.keylogs[i], a->err, sizeof a->err) != 0)
            return -1;
    int blocks = 0;
    if (a->o.cap.file && strcmp(a->o.cap.file, "-") != 0 &&
        (blocks = mt_capture_file_secrets(a->o.cap.file, capture_secrets, a, a->err,
                                          sizeof a->err)) < 0)
        return -1;
    if (!a->o.nkeylogs && blocks == 0) {
        mt_keylog_free(a->keylog);
        a->keylog = NULL;
    }
    a->o.dissect.keylog = a->keylog;
    if (a->keylog) /* STARTTLS is found by the protocols: --export alone parses too */
        a->o.dissect.data_only = 0;
    return 0;
}

/* Opens the source, then gives up what opening it needed. The interface's
 * transcript file is made (and unlinked) before root is given up, so that
 * a private $TMPDIR works; its descriptor stays open. */
static int open_source(struct app *a)
{
    enum mt_capture_error kind;
    a->cap = mt_capture_open(&a->o.cap, &kind, a->err, sizeof a->err);
    if (!a->cap) {
        fprintf(stderr, "mailtap: %s\n", a->err);
        if (kind == MT_CAP_ERR_USAGE)
            mt_cli_usage(stderr);
        return kind == MT_CAP_ERR_USAGE ? 2 : 1;
    }
    /* Key logs are opened while root may still read them; they stay open,
     * to be read again as they grow. */
    if (open_keys(a) != 0)
        return -1;
    if (a->o.mode == MT_MODE_TUI) {
        if (mt_tui_model_init(&a->model, a->o.tui_sessions, a->o.tui_creds, a->o.spool_max,
                              a->err, sizeof a->err) != 0)
            return -1;
        a->have_model = 1;
    }
    /* Nothing after opening the capture needs root: give it up before the
     * first byte from the network is parsed or any output file is made. */
    if (mt_privs_after_open(a->o.run_as, mt_capture_is_live(a->cap), a->became,
                            sizeof a->became, a->err, sizeof a->err) != 0)
        return -1;
    int dlt = mt_capture_datalink(a->cap);
    if (!mt_decode_link_supported(dlt)) {
        snprintf(a->err, sizeof a->err, "%s: unsupported link type %s (%d)",
                 mt_cli_source_name(&a->o), mt_capture_datalink_name(a->cap), dlt);
        return -1;
    }
    return 0;
}

/* What the packet source has read and dropped (the interface, the report). */
static void source_counts(void *ctx, uint64_t *packets, uint64_t *drops, uint64_t *evicted,
                       uint64_t *half_open_evicted)
{
    struct mt_pipeline_counts c;
    mt_pipeline_counts(ctx, &c);
    *packets = c.packets;
    *drops = c.drops;
    *evicted = c.evicted;
    *half_open_evicted = c.half_open_evicted;
}

/* The sinks the options ask for, on the bus. */
static int add_sinks(struct app *a)
{
    mt_bus_init(&a->bus);
    a->have_bus = 1;
    struct mt_output_opts oo = {.color = use_color(a->o.color), .mask = a->o.mask,
                                .explain = a->o.explain};
    struct mt_report_opts ro = mt_cli_report_opts(&a->o);
    ro.counts = source_counts, ro.counts_ctx = &a->pl;
    struct mt_sink sink;
    int rc = 0;
    switch (a->o.mode) {
    case MT_MODE_TUI: sink = mt_tui_model_sink(&a->model); break;
    case MT_MODE_FOLLOW: rc = mt_follow_sink(stdout, &oo, &sink); break;
    case MT_MODE_CREDS: rc = mt_creds_sink(stdout, &oo, &sink); break;
    case MT_MODE_JSON: rc = mt_json_sink(stdout, &oo, &sink); break;
    case MT_MODE_REPORT: rc = mt_report_sink(stdout, &ro, &sink); break;
    case MT_MODE_NONE: break;
    }
    if (rc != 0)
        return snprintf(a->err, sizeof a->err, "out of memory"), -1;
    if (a->o.mode != MT_MODE_NONE)
        mt_bus_add(&a->bus, sink);
    if (a->o.export_dir) {
        char why[sizeof a->err - 256];
        if (mt_export_sink(a->o.export_dir, a->o.max_open_files, &sink, why, sizeof why) != 0) {
            if (a->became[0]) /* say why root could not write there */
                snprintf(a->err, sizeof a->err,
                         "%s (files are created as %s, the user mailtap runs as once the "
                         "capture is open: use a directory %s can write to, or -Z root)",
                         why, a->became, a->became);
            else
                snprintf(a->err, sizeof a->err, "%s", why);
            return -1;
        }
        mt_bus_add(&a->bus, sink);
    }
    return 0;
}

/* The interactive view runs the one event loop and pumps the pipeline. */
static int run_tui(struct app *a)
{
    char name[512];
    const char *filter = a->o.filter;
    snprintf(name, sizeof name, "%s%s%s%s", mt_cli_source_name(&a->o), filter ? " '" : "",
             filter ? filter : "", filter ? "'" : "");
    struct mt_tui_source src = {.name = name, .live = mt_capture_is_live(a->cap),
                                .replay = a->o.replay > 0, .fd = mt_capture_fd(a->cap),
                                .pump = mt_pipeline_step, .counts = source_counts,
                                .pause = mt_pipeline_pause, .ctx = &a->pl};
    struct mt_tui_opts to = {.color = use_color(a->o.color), .mask = a->o.mask,
                             .explain = a->o.explain};
    int src_status = MT_STEP_END, status = 0;
    if (src.live && mt_capture_set_nonblock(a->cap, a->err, sizeof a->err) != 0)
        status = -1;
    else if (mt_tui_run(&a->model, &src, &to, &src_status, a->pl.msg, sizeof a->pl.msg, a->err,
                        sizeof a->err) != 0)
        status = -1;
    if (status)
        fprintf(stderr, "mailtap: %s\n", a->err);
    mt_pipeline_finish(&a->pl); /* quit before the end: close what is open */
    return status;
}

int main(int argc, char **argv)
{
    struct app a;
    memset(&a, 0, sizeof a);
    enum mt_cli_result cr = mt_cli_parse(&a.o, argc, argv, stdout, a.err, sizeof a.err);
    if (cr != MT_CLI_RUN) {
        if (cr == MT_CLI_USAGE) {
            fprintf(stderr, "mailtap: %s\n", a.err);
            mt_cli_usage(stderr);
        }
        return teardown(&a, cr == MT_CLI_USAGE ? 2 : 0);
    }
    if (a.o.list_interfaces)
        return mt_capture_list(stdout, a.err, sizeof a.err) ? fatal(&a, a.err, 1) : teardown(&a, 0);
    if (a.o.explain)
        mt_explain_init();
    int rc = open_source(&a);
    if (rc)
        return rc > 0 ? teardown(&a, rc) : fatal(&a, a.err, 1);
    if (add_sinks(&a) != 0)
        return fatal(&a, a.err, 1);
    a.o.dissect.skip_content = !mt_bus_reads(&a.bus, MT_READS_CONTENT);
    a.o.dissect.skip_certs = !mt_bus_reads(&a.bus, MT_READS_CERTS);
    a.quiet_keys = a.o.mode == MT_MODE_TUI;
    if (mt_capture_is_live(a.cap))
        setvbuf(stdout, NULL, _IOLBF, 0);
    if (mt_pipeline_init(&a.pl, a.cap, &a.bus, &a.o.flow, &a.o.dissect, a.o.checksum,
                         a.o.count) != 0)
        return fatal(&a, "out of memory", 1);
    a.have_pipeline = 1;
    catch_signals(a.cap);
    if (a.o.replay > 0)
        mt_capture_set_replay(a.cap, a.o.replay);
    int status = 0;
    enum mt_run_result rr;
    if (a.o.mode == MT_MODE_TUI) {
        status = run_tui(&a) ? 1 : 0;
        rr = mt_pipeline_result(&a.pl);
    } else {
        rr = a.o.replay > 0 ? mt_pipeline_replay(&a.pl) : mt_pipeline_run(&a.pl);
    }
    if (mt_bus_finish(&a.bus) != 0) {
        fprintf(stderr, "mailtap: %s\n", a.bus.error);
        status = 1;
    }
    if (rr == MT_RUN_TRUNCATED || rr == MT_RUN_ERROR)
        fprintf(stderr, "mailtap: %s%s\n", rr == MT_RUN_ERROR ? "" : "warning: ", a.pl.msg);
    if (rr == MT_RUN_ERROR)
        status = 1;
    if (!a.o.quiet)
        mt_pipeline_summary(&a.pl, stderr);
    return teardown(&a, status);
}
