/* mailtap: command line, and the wiring of the pipeline
 *   capture -> decode -> flow table/reassembly -> dissector -> event sinks */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailtap/capture.h"
#include "mailtap/decode.h"
#include "mailtap/dissect.h"
#include "mailtap/event.h"
#include "mailtap/flow.h"
#include "mailtap/output.h"
#include "mailtap/privs.h"
#include "mailtap/tui.h"

#define MAILTAP_VERSION "0.1.0"
#define DEFAULT_MAX_OPEN_FILES 64
/* The terminal interface keeps this many sessions and credentials listed,
 * and this much transcript on disk. */
#define DEFAULT_TUI_MAX_SESSIONS 200000
#define DEFAULT_TUI_MAX_CREDS 100000
#define DEFAULT_TUI_SPOOL_MAX (4ull << 30)

static const char usage_line[] =
    "usage: mailtap (-r FILE | -i IFACE | -D) [-p] [-s SNAPLEN] [-c COUNT] [-q]\n"
    "               [--tui | --follow | --creds | --json] [--export DIR] [--mask]\n"
    "               [--color=auto|always|never] [options]\n"
    "               [filter expression]\n";

static const char help_text[] =
    "Reassembles POP3, IMAP and SMTP sessions from a capture file or a live interface,\n"
    "labels every command and reply, and finds the credentials sent in the clear.\n"
    "\n"
    "Packet source:\n"
    "  -r FILE              read a pcap or pcapng file (- for standard input)\n"
    "  -i IFACE             capture live from an interface\n"
    "  -D                   list interfaces and exit\n"
    "  -p                   do not put the interface in promiscuous mode\n"
    "  -Z USER              as root, run as USER once the capture is open (default\n"
    "                       nobody for -i; -Z root stays root); files are then\n"
    "                       created as USER\n"
    "  -s SNAPLEN           bytes to capture per packet (default 262144)\n"
    "  -c COUNT             stop after COUNT packets\n"
    "  --replay[=SPEED]     play a file at its recorded pace (SPEED times faster)\n"
    "  filter expression    a BPF filter, as tcpdump takes it (e.g. tcp port 143)\n"
    "\n"
    "Output:\n"
    "  --tui                the interactive terminal view (the default on a terminal)\n"
    "  --follow             each session as a conversation (the default otherwise)\n"
    "  --creds              a table of the credentials found, and nothing else\n"
    "  --json               JSON Lines: one object per event (docs/json.md)\n"
    "  --export DIR         each direction's bytes into a file in DIR (tcpflow naming)\n"
    "  --mask               hide passwords, tokens and crackable lines (first and last\n"
    "                       character kept), for reports and screenshots\n"
    "  --color[=WHEN]       color client red, server blue: auto (default), always, never;\n"
    "                       NO_COLOR in the environment turns auto off\n"
    "  -q                   no summary on standard error\n"
    "\n"
    "Limits (every one has a default; what they drop is counted in the summary):\n"
    "  --max-flows N        connections tracked at once (default 65536)\n"
    "  --max-held BYTES     out-of-order bytes held in all (default 32M)\n"
    "  --max-dir-held BYTES out-of-order bytes held per direction (default 1M)\n"
    "  --idle-timeout SECS  close sessions idle this long (default 600)\n"
    "  --max-open-files N   files --export keeps open at once (default 64)\n"
    "  --checksum=MODE      TCP checksums: off (default), count, verify (drop bad)\n"
    "  --max-line BYTES     longest protocol line kept whole (default 64k)\n"
    "  --tui-sessions N     sessions the interface lists (default 200000)\n"
    "  --tui-creds N        credentials the interface lists (default 100000)\n"
    "  --spool-max BYTES    transcript file of the interface, in $TMPDIR (default 4G)\n"
    "  --max-parse-mem BYTES memory for partial lines, TLS hellos and SASL exchanges\n"
    "                       of all sessions together (default 64M)\n"
    "\n"
    "Protocols:\n"
    "  --ports LIST         add or change port rules, e.g. imap:10143,pop3:1110,smtps:4465\n"
    "                       (pop3 imap smtp, and pop3s imaps smtps for implicit TLS);\n"
    "                       on other ports the server's greeting tells the protocol\n"
    "\n"
    "  -h, --help           this help\n"
    "  -V, --version        version\n"
    "\n"
    "Exit status: 0 success, 1 runtime error, 2 usage error.\n";

enum checksum_mode { CSUM_OFF, CSUM_COUNT, CSUM_VERIFY };

struct options {
    struct mt_capture_opts cap;
    int list_interfaces;
    uint64_t count;
    int quiet;
    const char *run_as; /* -Z USER */
    enum { MODE_NONE, MODE_FOLLOW, MODE_CREDS, MODE_JSON, MODE_TUI } mode;
    double replay; /* --replay speed; 0 off */
    size_t tui_sessions, tui_creds;
    uint64_t spool_max;
    int mask;
    const char *export_dir;
    struct mt_dissect_config dissect;
    uint16_t server_ports[MT_MAX_PORT_RULES];
    int color; /* -1 auto */
    enum checksum_mode checksum;
    size_t max_open_files;
    struct mt_flow_config flow;
    char *filter;
};

struct pipeline {
    int dlt;
    enum checksum_mode checksum;
    struct mt_flow_table *flows;
    struct mt_bus *bus;
    struct mt_dissector *dis;
    uint64_t packets, bytes, decoded, bad_checksums;
    uint64_t skipped[MT_SKIP_COUNT];
};


static struct mt_capture *running_capture;

static void on_signal(int sig)
{
    (void)sig;
    if (running_capture)
        mt_capture_stop(running_capture);
}

__attribute__((format(printf, 1, 2))) static _Noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("mailtap: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(usage_line, stderr);
    exit(2);
}

static uint64_t parse_count(const char *s, const char *what, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        usage_error("%s must be a positive number", what);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        usage_error("%s: value out of range or not a number", what);
    return v;
}

/* A byte count with an optional k, M or G suffix (powers of 1024). */
static size_t parse_bytes(const char *s, const char *what)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        usage_error("%s must be a positive size", what);
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10, end++;
    else if (*end == 'm' || *end == 'M')
        shift = 20, end++;
    else if (*end == 'g' || *end == 'G')
        shift = 30, end++;
    if (errno || *end || v == 0 || v > (SIZE_MAX >> shift))
        usage_error("%s: not a size (examples: 65536, 512k, 32M)", what);
    return (size_t)v << shift;
}

static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

enum {
    OPT_FOLLOW = 256,
    OPT_EXPORT,
    OPT_COLOR,
    OPT_MAX_FLOWS,
    OPT_MAX_HELD,
    OPT_MAX_DIR_HELD,
    OPT_IDLE_TIMEOUT,
    OPT_MAX_OPEN_FILES,
    OPT_CHECKSUM,
    OPT_CREDS,
    OPT_JSON,
    OPT_MASK,
    OPT_PORTS,
    OPT_MAX_LINE,
    OPT_MAX_PARSE_MEM,
    OPT_TUI,
    OPT_REPLAY,
    OPT_TUI_SESSIONS,
    OPT_TUI_CREDS,
    OPT_SPOOL_MAX
};

static void set_mode(struct options *o, int mode, const char *name)
{
    static const char *const names[] = {"", "--follow", "--creds", "--json", "--tui"};
    if (o->mode != MODE_NONE && o->mode != (unsigned)mode)
        usage_error("%s and %s cannot be used together", names[o->mode], name);
    o->mode = mode;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"follow", no_argument, NULL, OPT_FOLLOW},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"max-held", required_argument, NULL, OPT_MAX_HELD},
        {"max-dir-held", required_argument, NULL, OPT_MAX_DIR_HELD},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"max-open-files", required_argument, NULL, OPT_MAX_OPEN_FILES},
        {"checksum", required_argument, NULL, OPT_CHECKSUM},
        {"creds", no_argument, NULL, OPT_CREDS},
        {"json", no_argument, NULL, OPT_JSON},
        {"mask", no_argument, NULL, OPT_MASK},
        {"ports", required_argument, NULL, OPT_PORTS},
        {"max-line", required_argument, NULL, OPT_MAX_LINE},
        {"max-parse-mem", required_argument, NULL, OPT_MAX_PARSE_MEM},
        {"tui", no_argument, NULL, OPT_TUI},
        {"replay", optional_argument, NULL, OPT_REPLAY},
        {"tui-sessions", required_argument, NULL, OPT_TUI_SESSIONS},
        {"tui-creds", required_argument, NULL, OPT_TUI_CREDS},
        {"spool-max", required_argument, NULL, OPT_SPOOL_MAX},
        {"relinquish-privileges", required_argument, NULL, 'Z'}, /* tcpdump's name */
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->cap.promisc = 1;
    o->cap.snaplen = MT_DEFAULT_SNAPLEN;
    o->color = -1;
    o->max_open_files = DEFAULT_MAX_OPEN_FILES;
    o->flow.max_flows = MT_DEFAULT_MAX_FLOWS;
    o->flow.max_held = MT_DEFAULT_MAX_HELD;
    o->flow.max_dir_held = MT_DEFAULT_MAX_DIR_HELD;
    o->flow.idle_timeout_s = MT_DEFAULT_IDLE_TIMEOUT_S;
    mt_dissect_default_config(&o->dissect);
    o->tui_sessions = DEFAULT_TUI_MAX_SESSIONS;
    o->tui_creds = DEFAULT_TUI_MAX_CREDS;
    o->spool_max = DEFAULT_TUI_SPOOL_MAX;

    opterr = 0;
    int c;
    /* "+": options end at the first operand, which starts the filter. */
    while ((c = getopt_long(argc, argv, "+r:i:Dps:c:qhVZ:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->cap.file = optarg; break;
        case 'i': o->cap.iface = optarg; break;
        case 'D': o->list_interfaces = 1; break;
        case 'p': o->cap.promisc = 0; break;
        case 's': o->cap.snaplen = (int)parse_count(optarg, "-s", 1, MT_DEFAULT_SNAPLEN); break;
        case 'c': o->count = parse_count(optarg, "-c", 1, UINT64_MAX); break;
        case 'q': o->quiet = 1; break;
        case 'Z': o->run_as = optarg; break;
        case 'h':
            fputs(usage_line, stdout);
            fputs(help_text, stdout);
            exit(0);
        case 'V':
            printf("mailtap %s\n", MAILTAP_VERSION);
            exit(0);
        case OPT_FOLLOW: set_mode(o, MODE_FOLLOW, "--follow"); break;
        case OPT_CREDS: set_mode(o, MODE_CREDS, "--creds"); break;
        case OPT_JSON: set_mode(o, MODE_JSON, "--json"); break;
        case OPT_TUI: set_mode(o, MODE_TUI, "--tui"); break;
        case OPT_TUI_SESSIONS:
            o->tui_sessions = parse_count(optarg, "--tui-sessions", 1, 1u << 26);
            break;
        case OPT_TUI_CREDS: o->tui_creds = parse_count(optarg, "--tui-creds", 1, 1u << 26); break;
        case OPT_SPOOL_MAX: o->spool_max = parse_bytes(optarg, "--spool-max"); break;
        case OPT_REPLAY: {
            char *end = NULL;
            o->replay = optarg ? strtod(optarg, &end) : 1.0;
            if ((optarg && (*end || end == optarg)) || !(o->replay >= 0.01 && o->replay <= 1e6))
                usage_error("--replay takes a speed from 0.01 to 1000000, not '%s'", optarg);
            break;
        }
        case OPT_MASK: o->mask = 1; break;
        case OPT_PORTS: {
            char perr[256];
            if (mt_dissect_parse_ports(&o->dissect, optarg, perr, sizeof perr) != 0)
                usage_error("%s", perr);
            break;
        }
        case OPT_MAX_LINE:
            o->dissect.max_line = parse_bytes(optarg, "--max-line");
            if (o->dissect.max_line < 64 || o->dissect.max_line > (64u << 20))
                usage_error("%s", "--max-line: from 64 bytes to 64M");
            break;
        case OPT_MAX_PARSE_MEM:
            o->dissect.max_mem = parse_bytes(optarg, "--max-parse-mem");
            break;
        case OPT_EXPORT: o->export_dir = optarg; break;
        case OPT_COLOR:
            if (!optarg || strcmp(optarg, "always") == 0)
                o->color = 1;
            else if (strcmp(optarg, "never") == 0)
                o->color = 0;
            else if (strcmp(optarg, "auto") == 0)
                o->color = -1;
            else
                usage_error("--color takes auto, always or never, not '%s'", optarg);
            break;
        case OPT_MAX_FLOWS:
            o->flow.max_flows = parse_count(optarg, "--max-flows", 1, 1u << 24);
            break;
        case OPT_MAX_HELD: o->flow.max_held = parse_bytes(optarg, "--max-held"); break;
        case OPT_MAX_DIR_HELD: o->flow.max_dir_held = parse_bytes(optarg, "--max-dir-held"); break;
        case OPT_IDLE_TIMEOUT:
            o->flow.idle_timeout_s = (uint32_t)parse_count(optarg, "--idle-timeout", 1, 86400 * 7);
            break;
        case OPT_MAX_OPEN_FILES:
            o->max_open_files = parse_count(optarg, "--max-open-files", 1, 65536);
            break;
        case OPT_CHECKSUM:
            if (strcmp(optarg, "off") == 0)
                o->checksum = CSUM_OFF;
            else if (strcmp(optarg, "count") == 0)
                o->checksum = CSUM_COUNT;
            else if (strcmp(optarg, "verify") == 0)
                o->checksum = CSUM_VERIFY;
            else
                usage_error("--checksum takes off, count or verify, not '%s'", optarg);
            break;
        case ':':
            usage_error("option %s needs a value", argv[optind - 1]);
        default:
            usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (o->list_interfaces)
        return;
    if (!o->cap.file && !o->cap.iface)
        usage_error("%s", "say where packets come from: -r FILE or -i IFACE");
    if (o->cap.file && o->cap.iface)
        usage_error("%s", "-r and -i cannot be used together");
    if (optind < argc) {
        o->filter = join_args(argc - optind, argv + optind);
        o->cap.filter = o->filter;
    }
    if (o->replay > 0 && !o->cap.file)
        usage_error("%s", "--replay plays a file (-r)");
    /* On a terminal the interactive view, elsewhere the follow text. */
    if (o->mode == MODE_NONE && !o->export_dir)
        o->mode = isatty(STDOUT_FILENO) ? MODE_TUI : MODE_FOLLOW;
    o->dissect.data_only = o->mode == MODE_NONE;
    /* A session picked up mid-stream: its client is the side talking to
     * one of the mail ports, the defaults and those of --ports. */
    for (size_t i = 0; i < o->dissect.nports; i++)
        o->server_ports[i] = o->dissect.ports[i].port;
    o->flow.server_ports = o->server_ports;
    o->flow.n_server_ports = o->dissect.nports;
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

static int on_frame(void *ctx, mt_time_us ts, const uint8_t *frame, size_t caplen, size_t wirelen)
{
    struct pipeline *pl = ctx;
    pl->packets++;
    pl->bytes += wirelen;
    struct mt_packet pkt;
    enum mt_skip why = mt_decode(pl->dlt, frame, caplen, &pkt);
    if (why == MT_SKIP_NONE && pl->checksum != CSUM_OFF && !mt_tcp_checksum_ok(&pkt)) {
        pl->bad_checksums++;
        if (pl->checksum == CSUM_VERIFY)
            why = MT_SKIP_BAD_CHECKSUM;
    }
    if (why != MT_SKIP_NONE) {
        pl->skipped[why]++;
        return 0;
    }
    pl->decoded++;
    pkt.ts = ts;
    mt_flow_packet(pl->flows, &pkt);
    return pl->bus->failed;
}

static void on_idle(void *ctx, mt_time_us now)
{
    struct pipeline *pl = ctx;
    mt_flow_tick(pl->flows, now);
}

/* Step-wise reading, for the terminal interface and --replay. */
struct pump {
    struct mt_capture *cap;
    struct pipeline *pl;
    uint64_t count; /* -c, 0 none */
    int finished;
    int status;     /* enum mt_step_result once finished */
    char msg[1024];
};

static mt_time_us wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (mt_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int pump_step(void *ctx, unsigned max, int64_t *wait_us)
{
    struct pump *pu = ctx;
    *wait_us = 0;
    if (pu->finished)
        return pu->status;
    if (pu->count && max > pu->count - pu->pl->packets)
        max = (unsigned)(pu->count - pu->pl->packets);
    mt_time_us w = 0;
    int rc = max ? mt_capture_step(pu->cap, max, on_frame, pu->pl, &w, pu->msg, sizeof pu->msg)
                 : MT_STEP_END;
    if (rc == MT_STEP_MORE && pu->count && pu->pl->packets >= pu->count)
        rc = MT_STEP_END;
    *wait_us = w;
    if (rc == MT_STEP_IDLE)
        mt_flow_tick(pu->pl->flows, wall_clock());
    if (rc == MT_STEP_END || rc == MT_STEP_TRUNCATED || rc == MT_STEP_ERROR) {
        mt_flow_finish(pu->pl->flows); /* sessions still open end with the source */
        pu->finished = 1;
        pu->status = rc;
    }
    return rc;
}

static void pump_pause(void *ctx, int paused)
{
    struct pump *pu = ctx;
    mt_capture_pause_replay(pu->cap, paused);
}

static void pump_counts(void *ctx, uint64_t *packets, uint64_t *drops)
{
    struct pump *pu = ctx;
    *packets = pu->pl->packets;
    *drops = mt_capture_drops(pu->cap);
}

/* --replay without the interface: read, and sleep until frames are due. */
static int replay_loop(struct pump *pu)
{
    for (;;) {
        int64_t wait_us = 0;
        int rc = pump_step(pu, 1024, &wait_us);
        if (pu->pl->bus->failed)
            return MT_STEP_END; /* the output's error is said once, by its sink */
        if (rc == MT_STEP_WAIT) {
            struct timespec ts = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
            fflush(stdout);
            nanosleep(&ts, NULL); /* a signal cuts it short; the stop flag ends the loop */
        } else if (rc != MT_STEP_MORE) {
            return rc;
        }
    }
}

static void print_summary(const struct pipeline *pl, const struct options *o,
                          struct mt_capture *cap)
{
    struct mt_flow_stats st;
    mt_flow_get_stats(pl->flows, &st);
    fprintf(stderr, "mailtap: %" PRIu64 " packets (%" PRIu64 " bytes), %" PRIu64 " sessions\n",
            pl->packets, pl->bytes, st.sessions);
    uint64_t skipped = 0;
    for (int i = 1; i < MT_SKIP_COUNT; i++)
        skipped += pl->skipped[i];
    if (skipped) {
        fprintf(stderr, "mailtap: skipped %" PRIu64 " frames:", skipped);
        const char *sep = " ";
        for (int i = 1; i < MT_SKIP_COUNT; i++) {
            if (!pl->skipped[i])
                continue;
            fprintf(stderr, "%s%" PRIu64 " %s", sep, pl->skipped[i], mt_skip_name(i));
            sep = ", ";
        }
        fputc('\n', stderr);
    }
    if (o->checksum != CSUM_OFF)
        fprintf(stderr, "mailtap: %" PRIu64 " segments with a bad TCP checksum%s\n",
                pl->bad_checksums, o->checksum == CSUM_VERIFY ? " dropped" : " (kept)");
    fprintf(stderr,
            "mailtap: %" PRIu64 " gaps (%" PRIu64 " bytes missing), %" PRIu64
            " retransmitted or overlapping bytes dropped",
            st.gaps, st.gap_bytes, st.dup_bytes);
    if (st.rst_ignored)
        fprintf(stderr, ", %" PRIu64 " resets out of window ignored", st.rst_ignored);
    fputc('\n', stderr);
    if (st.evicted || st.timed_out || st.buffer_flushes || st.limit_gaps || st.out_of_window)
        fprintf(stderr,
                "mailtap: limits: %" PRIu64 " sessions evicted (--max-flows), %" PRIu64
                " timed out (--idle-timeout), %" PRIu64 " buffers given up (--max-held), %" PRIu64
                " holes given up (--max-dir-held), %" PRIu64 " segments out of window\n",
                st.evicted, st.timed_out, st.buffer_flushes, st.limit_gaps, st.out_of_window);
    fprintf(stderr, "mailtap: peak %zu flows, %zu bytes held out of order\n", st.peak_flows,
            st.peak_held);
    struct mt_dissect_stats ds;
    mt_dissector_get_stats(pl->dis, &ds);
    if (!o->dissect.data_only)
        fprintf(stderr, "mailtap: %" PRIu64 " credentials, %" PRIu64 " sessions encrypted with TLS\n",
            ds.credentials, ds.tls_sessions);
    if (ds.mem_refused)
        fprintf(stderr,
                "mailtap: %" PRIu64 " buffers refused by --max-parse-mem (lines cut; TLS hellos, "
                "SASL exchanges or logins awaiting their reply not decoded)\n",
                ds.mem_refused);
    if (ds.lines_truncated)
        fprintf(stderr,
                "mailtap: %" PRIu64 " lines longer than --max-line cut (%" PRIu64
                " bytes not kept)\n",
                ds.lines_truncated, ds.bytes_dropped);
    if (mt_capture_is_live(cap))
        fprintf(stderr, "mailtap: %" PRIu64 " packets dropped by the kernel or interface\n",
                mt_capture_drops(cap));
}

int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    char err[1024];
    if (o.list_interfaces) {
        if (mt_capture_list(stdout, err, sizeof err) != 0) {
            fprintf(stderr, "mailtap: %s\n", err);
            return 1;
        }
        return 0;
    }

    enum mt_capture_error kind;
    struct mt_capture *cap = mt_capture_open(&o.cap, &kind, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "mailtap: %s\n", err);
        if (kind == MT_CAP_ERR_USAGE)
            fputs(usage_line, stderr);
        free(o.filter);
        return kind == MT_CAP_ERR_USAGE ? 2 : 1;
    }
    /* The interface's transcript file is made (and unlinked) before root is
     * given up, so that a private $TMPDIR works; its descriptor stays open. */
    struct mt_tui_model model;
    int have_model = 0;
    if (o.mode == MODE_TUI) {
        if (mt_tui_model_init(&model, o.tui_sessions, o.tui_creds, o.spool_max, err,
                              sizeof err) != 0) {
            fprintf(stderr, "mailtap: %s\n", err);
            mt_capture_close(cap);
            free(o.filter);
            return 1;
        }
        have_model = 1;
    }
    /* Nothing after opening the capture needs root: give it up before the
     * first byte from the network is parsed or any output file is made. */
    char became[64];
    if (mt_privs_after_open(o.run_as, mt_capture_is_live(cap), became, sizeof became, err,
                            sizeof err) != 0) {
        fprintf(stderr, "mailtap: %s\n", err);
        if (have_model)
            mt_tui_model_free(&model);
        mt_capture_close(cap);
        free(o.filter);
        return 1;
    }
    int dlt = mt_capture_datalink(cap);
    if (!mt_decode_link_supported(dlt)) {
        fprintf(stderr, "mailtap: %s: unsupported link type %s (%d)\n",
                o.cap.file ? (strcmp(o.cap.file, "-") ? o.cap.file : "standard input") : o.cap.iface,
                mt_capture_datalink_name(cap), dlt);
        if (have_model)
            mt_tui_model_free(&model);
        mt_capture_close(cap);
        free(o.filter);
        return 1;
    }

    struct mt_bus bus;
    mt_bus_init(&bus);
    struct mt_sink sink;
    struct mt_output_opts oo = {.color = use_color(o.color), .mask = o.mask};
    int rc = 0;
    switch (o.mode) {
    case MODE_TUI:
        sink = mt_tui_model_sink(&model);
        break;
    case MODE_FOLLOW: rc = mt_follow_sink(stdout, &oo, &sink); break;
    case MODE_CREDS: rc = mt_creds_sink(stdout, &oo, &sink); break;
    case MODE_JSON: rc = mt_json_sink(stdout, &oo, &sink); break;
    case MODE_NONE: break;
    }
    if (rc != 0) {
        fprintf(stderr, "mailtap: out of memory\n");
        return 1;
    }
    if (o.mode != MODE_NONE)
        mt_bus_add(&bus, sink);
    if (o.export_dir) {
        if (mt_export_sink(o.export_dir, o.max_open_files, &sink, err, sizeof err) != 0) {
            if (became[0]) /* say why root could not write there */
                fprintf(stderr,
                        "mailtap: %s (files are created as %s, the user mailtap runs as once "
                        "the capture is open: use a directory %s can write to, or -Z root)\n",
                        err, became, became);
            else
                fprintf(stderr, "mailtap: %s\n", err);
            mt_bus_destroy(&bus);
            if (have_model)
                mt_tui_model_free(&model);
            mt_capture_close(cap);
            free(o.filter);
            return 1;
        }
        mt_bus_add(&bus, sink);
    }
    if (mt_capture_is_live(cap))
        setvbuf(stdout, NULL, _IOLBF, 0);

    struct mt_dissector *dis = mt_dissector_create(&bus, &o.dissect);
    struct mt_stream_ops ops = mt_dissector_stream_ops(dis);
    struct pipeline pl = {.dlt = dlt, .checksum = o.checksum, .bus = &bus, .dis = dis};
    pl.flows = mt_flow_create(&o.flow, &ops);
    if (!dis || !pl.flows) {
        fprintf(stderr, "mailtap: out of memory\n");
        return 1;
    }

    running_capture = cap;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char msg[1024] = "";
    enum mt_run_result rr = MT_RUN_END;
    struct pump pu = {.cap = cap, .pl = &pl, .count = o.count};
    int status = 0;
    if (o.replay > 0)
        mt_capture_set_replay(cap, o.replay);
    if (o.mode == MODE_TUI) {
        struct mt_tui_source src = {.name = o.filter ? o.filter : "", .live = mt_capture_is_live(cap),
                                    .replay = o.replay > 0, .fd = mt_capture_fd(cap),
                                    .pump = pump_step, .counts = pump_counts,
                                    .pause = pump_pause, .ctx = &pu};
        char name[512];
        snprintf(name, sizeof name, "%s%s%s%s",
                 o.cap.file ? (strcmp(o.cap.file, "-") ? o.cap.file : "standard input")
                            : o.cap.iface,
                 o.filter ? " '" : "", o.filter ? o.filter : "", o.filter ? "'" : "");
        src.name = name;
        struct mt_tui_opts to = {.color = oo.color, .mask = o.mask};
        int src_status = MT_STEP_END;
        if (mt_capture_is_live(cap) && mt_capture_set_nonblock(cap, err, sizeof err) != 0) {
            fprintf(stderr, "mailtap: %s\n", err);
            status = 1;
        } else if (mt_tui_run(&model, &src, &to, &src_status, pu.msg, sizeof pu.msg, err,
                              sizeof err) != 0) {
            fprintf(stderr, "mailtap: %s\n", err);
            status = 1;
        }
        if (!pu.finished)
            mt_flow_finish(pl.flows); /* quit before the end: close what is open */
        rr = src_status == MT_STEP_TRUNCATED ? MT_RUN_TRUNCATED
             : src_status == MT_STEP_ERROR   ? MT_RUN_ERROR
                                             : MT_RUN_END;
        snprintf(msg, sizeof msg, "%s", pu.msg);
    } else if (o.replay > 0) {
        int r = replay_loop(&pu);
        rr = r == MT_STEP_TRUNCATED ? MT_RUN_TRUNCATED : r == MT_STEP_ERROR ? MT_RUN_ERROR : MT_RUN_END;
        snprintf(msg, sizeof msg, "%s", pu.msg);
    } else {
        rr = mt_capture_run(cap, o.count, on_frame, on_idle, &pl, msg, sizeof msg);
        mt_flow_finish(pl.flows);
    }
    if (mt_bus_finish(&bus) != 0) {
        fprintf(stderr, "mailtap: %s\n", bus.error);
        status = 1;
    }
    if (rr == MT_RUN_TRUNCATED) {
        fprintf(stderr, "mailtap: warning: %s\n", msg);
    } else if (rr == MT_RUN_ERROR) {
        fprintf(stderr, "mailtap: %s\n", msg);
        status = 1;
    }
    if (!o.quiet)
        print_summary(&pl, &o, cap);

    running_capture = NULL;
    mt_flow_destroy(pl.flows);
    mt_dissector_destroy(dis);
    mt_bus_destroy(&bus);
    if (have_model)
        mt_tui_model_free(&model);
    mt_capture_close(cap);
    free(o.filter);
    return status;
}
