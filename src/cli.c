/* The command line as one table: each row names an option, what it takes,
 * what it sets in struct mt_cli, its default and its help. Parsing, the
 * usage line and --help are all made from the table, so they cannot
 * disagree (tests/e2e/run.sh also checks the man page against --help). */
#include "mailtap/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/keylog.h"
#include "mailtap/lines.h"

/* The terminal interface keeps this many sessions and credentials listed,
 * and this much transcript on disk. */
#define DEFAULT_TUI_MAX_SESSIONS 200000
#define DEFAULT_TUI_MAX_CREDS 100000
#define DEFAULT_TUI_SPOOL_MAX (4ull << 30)
#define DEFAULT_MAX_OPEN_FILES 64

enum kind {
    K_FLAG,    /* sets an int member to .min */
    K_STRING,  /* keeps the argument (a const char * member) */
    K_COUNT,   /* a whole number from .min to .max */
    K_BYTES,   /* a size with k/M/G (powers of 1024), from .min to .max */
    K_CALL,    /* .call decides */
    K_HELP,    /* prints the help (.min 'h') or the version, then nothing runs */
    K_ALIAS,   /* another name for the row .alias names (long name or letter) */
    K_OPERAND  /* not an option: what the operands are (help and usage only) */
};

/* How a row shows in the usage line: not at all, as a member of the one
 * required choice "(a | b)", of an optional choice "[a | b]", or alone. */
enum usage { U_NO, U_PICK_ONE, U_PICK_ANY, U_ALONE };

struct opt;
typedef int (*opt_call)(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                        size_t errlen);

struct opt {
    const char *name;    /* long name, or NULL */
    int letter;          /* short option, or 0 */
    int arg;             /* no_argument, required_argument, optional_argument */
    const char *argname; /* "FILE"; "=MODE" is shown attached */
    enum kind kind;
    size_t off, size;    /* the member of struct mt_cli it sets */
    uint64_t min, max;
    uint64_t dflt;       /* K_COUNT, K_BYTES: set first, and said in --help */
    opt_call call;
    const char *section; /* heading in --help; NULL for none */
    const char *help;    /* one line of --help, wrapped as needed */
    enum usage usage;
    const char *alias;   /* K_ALIAS */
};

#define AT(m) .off = offsetof(struct mt_cli, m), .size = sizeof(((struct mt_cli *)0)->m)

static int set_mode(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                    size_t errlen);
static int set_replay(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen);
static int set_color(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                     size_t errlen);
static int set_checksum(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                        size_t errlen);
static int set_ports(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                     size_t errlen);
static int add_keylog(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen);
static int set_report(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen);
static int set_fanout(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen);

static const char SRC[] = "Packet source", OUT[] = "Output",
                  LIM[] = "Limits (every one has a default; what they drop is counted in the "
                          "summary)",
                  PROTO[] = "Protocols", TLS[] = "TLS";

static const struct opt table[] = {
    {.letter = 'r', .arg = required_argument, .argname = "FILE", .kind = K_STRING, AT(cap.file),
     .section = SRC, .usage = U_PICK_ONE,
     .help = "read a pcap or pcapng file (- for standard input)"},
    {.letter = 'i', .arg = required_argument, .argname = "IFACE", .kind = K_STRING,
     AT(cap.iface), .section = SRC, .usage = U_PICK_ONE, .help = "capture live from an interface"},
    {.letter = 'D', .kind = K_FLAG, AT(list_interfaces), .min = 1, .section = SRC,
     .usage = U_PICK_ONE, .help = "list interfaces and exit"},
    {.letter = 'p', .kind = K_FLAG, AT(cap.promisc), .min = 0, .section = SRC, .usage = U_ALONE,
     .help = "do not put the interface in promiscuous mode"},
    {.letter = 'Z', .arg = required_argument, .argname = "USER", .kind = K_STRING, AT(run_as),
     .section = SRC, .usage = U_ALONE,
     .help = "as root, run as USER once the capture is open (default nobody for -i; -Z root "
             "stays root); files are then created as USER"},
    {.name = "relinquish-privileges", .arg = required_argument, .kind = K_ALIAS,
     .alias = "Z"}, /* tcpdump's name */
    {.letter = 'B', .arg = required_argument, .argname = "KiB", .kind = K_COUNT, AT(cap.buffer_kib),
     .min = 1, .max = 4194304, .section = SRC, .usage = U_ALONE,
     .help = "the kernel's capture buffer in KiB, as tcpdump -B (default libpcap's, 2 MiB)"},
    {.name = "buffer-size", .arg = required_argument, .kind = K_ALIAS, .alias = "B"},
    {.name = "fanout", .arg = required_argument, .argname = "ID", .kind = K_CALL,
     .call = set_fanout, .section = SRC, .usage = U_ALONE,
     .help = "share the interface with the other mailtap processes given the same ID "
             "(0-65535): the kernel deals sessions among them by flow hash, each process "
             "sees whole sessions and writes its own output (Linux)"},
    {.letter = 's', .arg = required_argument, .argname = "SNAPLEN", .kind = K_COUNT,
     AT(cap.snaplen), .min = 1, .max = MT_DEFAULT_SNAPLEN, .dflt = MT_DEFAULT_SNAPLEN,
     .section = SRC, .usage = U_ALONE, .help = "bytes to capture per packet (0: the default, as tcpdump)"},
    {.letter = 'c', .arg = required_argument, .argname = "COUNT", .kind = K_COUNT, AT(count),
     .min = 1, .max = UINT64_MAX, .section = SRC, .usage = U_ALONE,
     .help = "stop after COUNT packets"},
    {.name = "replay", .arg = optional_argument, .argname = "SPEED", .kind = K_CALL,
     .call = set_replay, .section = SRC,
     .help = "play a file at its recorded pace (SPEED times faster)"},
    {.argname = "filter expression", .kind = K_OPERAND, .section = SRC,
     .help = "a BPF filter, as tcpdump takes it (e.g. tcp port 143)"},

    {.name = "tui", .kind = K_CALL, .call = set_mode, .min = MT_MODE_TUI, .section = OUT,
     .usage = U_PICK_ANY, .help = "the interactive terminal view (the default on a terminal)"},
    {.name = "follow", .kind = K_CALL, .call = set_mode, .min = MT_MODE_FOLLOW, .section = OUT,
     .usage = U_PICK_ANY, .help = "each session as a conversation (the default otherwise)"},
    {.name = "creds", .kind = K_CALL, .call = set_mode, .min = MT_MODE_CREDS, .section = OUT,
     .usage = U_PICK_ANY, .help = "a table of the credentials found, and nothing else"},
    {.name = "json", .kind = K_CALL, .call = set_mode, .min = MT_MODE_JSON, .section = OUT,
     .usage = U_PICK_ANY, .help = "JSON Lines: one object per event (docs/json.md)"},
    {.name = "report", .arg = optional_argument, .argname = "FORMAT", .kind = K_CALL,
     .call = set_report, .min = MT_MODE_REPORT, .section = OUT, .usage = U_PICK_ANY,
     .help = "once the capture is read, an audit report: what each server and account "
             "exposed, and the findings with their fixes: text (default), json or html "
             "(docs/report.md)"},
    {.name = "report-every", .arg = required_argument, .argname = "SECS", .kind = K_COUNT,
     AT(report_every), .min = 1, .max = 31536000, .section = OUT, .usage = U_ALONE,
     .help = "with --report-file, also write the report every SECS of capture time"},
    {.name = "report-file", .arg = required_argument, .argname = "FILE", .kind = K_STRING,
     AT(report_file), .section = OUT, .usage = U_ALONE,
     .help = "write the report to FILE (made 0600, replaced whole) instead of standard output"},
    {.name = "guess-failures", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(guess_failures), .min = 2, .max = 32, .dflt = 10, .section = OUT, .usage = U_ALONE,
     .help = "failed logins from one client, or against one account, that make the report's "
             "password-guessing finding"},
    {.name = "guess-window", .arg = required_argument, .argname = "SECS", .kind = K_COUNT,
     AT(guess_window), .min = 1, .max = 2592000, .dflt = 600, .section = OUT, .usage = U_ALONE,
     .help = "... within this many seconds"},
    {.name = "export", .arg = required_argument, .argname = "DIR", .kind = K_STRING,
     AT(export_dir), .section = OUT, .usage = U_ALONE,
     .help = "each direction's bytes into a file in DIR (tcpflow naming)"},
    {.name = "mask", .kind = K_FLAG, AT(mask), .min = 1, .section = OUT, .usage = U_ALONE,
     .help = "hide passwords, tokens and crackable lines (first and last character kept), "
             "for reports and screenshots"},
    {.name = "explain", .kind = K_FLAG, AT(explain), .min = 1, .section = OUT, .usage = U_ALONE,
     .help = "under each command and reply, what it means and where it is defined (the "
             "follow view; 'e' in the interface), in the language LANG picks"},
    {.name = "color", .arg = optional_argument, .argname = "WHEN", .kind = K_CALL,
     .call = set_color, .section = OUT, .usage = U_ALONE,
     .help = "color client red, server blue: auto (default), always, never; NO_COLOR in "
             "the environment turns auto off"},
    {.name = "colour", .arg = optional_argument, .kind = K_ALIAS, .alias = "color"},
    {.letter = 'q', .kind = K_FLAG, AT(quiet), .min = 1, .section = OUT, .usage = U_ALONE,
     .help = "no summary on standard error"},

    {.name = "max-flows", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(flow.max_flows), .min = 1, .max = 1u << 24, .dflt = MT_DEFAULT_MAX_FLOWS, .section = LIM,
     .help = "connections tracked at once"},
    {.name = "max-held", .arg = required_argument, .argname = "BYTES", .kind = K_BYTES,
     AT(flow.max_held), .min = 1, .max = SIZE_MAX, .dflt = MT_DEFAULT_MAX_HELD, .section = LIM,
     .help = "out-of-order bytes held in all"},
    {.name = "max-dir-held", .arg = required_argument, .argname = "BYTES", .kind = K_BYTES,
     AT(flow.max_dir_held), .min = 1, .max = SIZE_MAX, .dflt = MT_DEFAULT_MAX_DIR_HELD,
     .section = LIM, .help = "out-of-order bytes held per direction"},
    {.name = "idle-timeout", .arg = required_argument, .argname = "SECS", .kind = K_COUNT,
     AT(flow.idle_timeout_s), .min = 1, .max = 86400 * 7, .dflt = MT_DEFAULT_IDLE_TIMEOUT_S,
     .section = LIM, .help = "close sessions idle this long"},
    {.name = "max-open-files", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(max_open_files), .min = 1, .max = 65536, .dflt = DEFAULT_MAX_OPEN_FILES, .section = LIM,
     .help = "files --export keeps open at once"},
    {.name = "checksum", .arg = required_argument, .argname = "=MODE", .kind = K_CALL,
     .call = set_checksum, .section = LIM,
     .help = "TCP checksums: off (default), count, verify (drop bad)"},
    {.name = "max-line", .arg = required_argument, .argname = "BYTES", .kind = K_BYTES,
     AT(dissect.max_line), .min = 64, .max = 64u << 20, .dflt = MT_DEFAULT_MAX_LINE,
     .section = LIM, .help = "longest protocol line kept whole"},
    {.name = "tui-sessions", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(tui_sessions), .min = 1, .max = 1u << 26, .dflt = DEFAULT_TUI_MAX_SESSIONS,
     .section = LIM, .help = "sessions the interface lists"},
    {.name = "tui-creds", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(tui_creds), .min = 1, .max = 1u << 26, .dflt = DEFAULT_TUI_MAX_CREDS, .section = LIM,
     .help = "credentials the interface lists"},
    {.name = "spool-max", .arg = required_argument, .argname = "BYTES", .kind = K_BYTES,
     AT(spool_max), .min = 1, .max = UINT64_MAX, .dflt = DEFAULT_TUI_SPOOL_MAX, .section = LIM,
     .help = "transcript file of the interface, in $TMPDIR"},
    {.name = "max-parse-mem", .arg = required_argument, .argname = "BYTES", .kind = K_BYTES,
     AT(dissect.max_mem), .min = 1, .max = SIZE_MAX, .dflt = MT_DEFAULT_MAX_PARSE_MEM,
     .section = LIM,
     .help = "memory for partial lines, TLS hellos and SASL exchanges of all sessions together"},

    {.name = "ports", .arg = required_argument, .argname = "LIST", .kind = K_CALL,
     .call = set_ports, .section = PROTO,
     .help = "add or change port rules, e.g. imap:10143,pop3:1110,smtps:4465 (pop3 imap smtp "
             "managesieve lmtp, and pop3s imaps smtps for implicit TLS); on other ports the "
             "server's greeting tells the protocol, or the client's first command"},

    {.name = "keylog", .arg = required_argument, .argname = "FILE", .kind = K_CALL,
     .call = add_keylog, .section = TLS, .usage = U_ALONE,
     .help = "read TLS sessions with the secrets of this key log (SSLKEYLOGFILE format; "
             "may be given up to 16 times; read again as it grows); a pcapng file's own "
             "secrets are used too"},
    {.name = "max-keys", .arg = required_argument, .argname = "N", .kind = K_COUNT,
     AT(max_keys), .min = 1, .max = 1u << 24, .dflt = MT_KEYLOG_DEFAULT_MAX_KEYS, .section = TLS,
     .help = "TLS sessions whose secrets are kept"},

    {.name = "help", .letter = 'h', .kind = K_HELP, .min = 'h',
     .help = "this help"},
    {.name = "version", .letter = 'V', .kind = K_HELP, .min = 'V',
     .help = "version"},
};
#define NOPTS (sizeof table / sizeof table[0])

static const char about[] =
    "Reassembles POP3, IMAP and SMTP sessions from a capture file or a live\n"
    "interface, labels every command and reply, and finds the credentials sent in\n"
    "the clear.\n";
static const char exit_status[] = "Exit status: 0 success, 1 runtime error, 2 usage error.\n";

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "--max-flows", "-s": the name an error message gives a row. */
static const char *opt_name(const struct opt *r, char *buf, size_t cap)
{
    if (r->name)
        snprintf(buf, cap, "--%s", r->name);
    else
        snprintf(buf, cap, "-%c", r->letter);
    return buf;
}

/* 65536 as "64k", 33554432 as "32M": sizes as the options take them. */
static const char *size_text(uint64_t v, char *buf, size_t cap)
{
    static const char suffix[] = "kMG";
    int i = -1;
    while (i < 2 && v >= 1024 && v % 1024 == 0)
        v /= 1024, i++;
    if (i < 0)
        snprintf(buf, cap, "%llu bytes", (unsigned long long)v);
    else
        snprintf(buf, cap, "%llu%c", (unsigned long long)v, suffix[i]);
    return buf;
}

static void store_uint(struct mt_cli *o, const struct opt *r, uint64_t v)
{
    char *at = (char *)o + r->off;
    if (r->size == sizeof(uint64_t)) {
        memcpy(at, &v, sizeof v);
    } else {
        uint32_t w = (uint32_t)v; /* rows are bounded below 2^31 for 4-byte members */
        memcpy(at, &w, sizeof w);
    }
}

/* A K_COUNT or K_BYTES argument, checked against the row's range. */
static int set_number(struct mt_cli *o, const struct opt *r, const char *s, char *err,
                      size_t errlen)
{
    char name[64], lo[32], hi[32];
    opt_name(r, name, sizeof name);
    int bytes = r->kind == K_BYTES;
    if (*s == '-' || *s == '\0')
        return fail(err, errlen, "%s must be a positive %s", name, bytes ? "size" : "number");
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (bytes && *end && strchr("kKmMgG", *end)) {
        shift = *end == 'k' || *end == 'K' ? 10 : *end == 'm' || *end == 'M' ? 20 : 30;
        end++;
    }
    if (bytes && (errno || *end || v == 0 || v > (UINT64_MAX >> shift)))
        return fail(err, errlen, "%s: not a size (examples: 65536, 512k, 32M)", name);
    if (!bytes && r->letter == 's' && !errno && !*end && v == 0)
        v = r->dflt; /* -s 0: the default, as tcpdump means it */
    if (!bytes && (errno || *end || v < r->min || v > r->max))
        return fail(err, errlen, "%s takes a whole number from %llu to %llu, not '%s'", name,
                    (unsigned long long)r->min, (unsigned long long)r->max, s);
    v <<= shift;
    if (v < r->min || v > r->max) {
        return fail(err, errlen, "%s: from %s to %s", name, size_text(r->min, lo, sizeof lo),
                    size_text(r->max, hi, sizeof hi));
    }
    store_uint(o, r, v);
    return 0;
}

static int set_mode(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                    size_t errlen)
{
    (void)arg;
    static const char *const names[] = {"", "--follow", "--creds", "--json", "--tui", "--report"};
    if (o->mode != MT_MODE_NONE && o->mode != (enum mt_cli_mode)r->min)
        return fail(err, errlen, "%s and --%s cannot be used together", names[o->mode], r->name);
    o->mode = (enum mt_cli_mode)r->min;
    return 0;
}

static int set_fanout(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen)
{
    (void)r;
    char *end = NULL;
    unsigned long v = strtoul(arg, &end, 10);
    if (!*arg || *end || v > 65535 || arg[0] == '-')
        return fail(err, errlen, "--fanout takes a group id from 0 to 65535, not '%s'", arg);
    o->cap.fanout = (unsigned)v + 1;
    return 0;
}

static int set_replay(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen)
{
    (void)r;
    char *end = NULL;
    o->replay = arg ? strtod(arg, &end) : 1.0;
    if ((arg && (*end || end == arg)) || !(o->replay >= 0.01 && o->replay <= 1e6))
        return fail(err, errlen, "--replay takes a speed from 0.01 to 1000000, not '%s'", arg);
    return 0;
}

/* Picks the value of a word among names; -1 when it is none of them. */
static int pick(const char *arg, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0)
            return (int)i;
    return -1;
}

static int set_report(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen)
{
    static const char *const names[] = {"text", "json", "html"};
    int v = arg ? pick(arg, names, 3) : 0;
    if (v < 0)
        return fail(err, errlen, "--report takes text, json or html, not '%s'", arg);
    o->report_format = v;
    return set_mode(o, r, NULL, err, errlen);
}

static int set_color(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                     size_t errlen)
{
    (void)r;
    static const char *const names[] = {"never", "always", "auto"};
    int v = arg ? pick(arg, names, 3) : 1;
    if (v < 0)
        return fail(err, errlen, "--color takes auto, always or never, not '%s'", arg);
    o->color = v == 2 ? -1 : v;
    return 0;
}

static int set_checksum(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                        size_t errlen)
{
    (void)r;
    static const char *const names[] = {"off", "count", "verify"};
    int v = pick(arg, names, 3);
    if (v < 0)
        return fail(err, errlen, "--checksum takes off, count or verify, not '%s'", arg);
    o->checksum = (enum mt_checksum_mode)v;
    return 0;
}

static int add_keylog(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                      size_t errlen)
{
    (void)r;
    if (o->nkeylogs == MT_CLI_MAX_KEYLOGS)
        return fail(err, errlen, "--keylog: at most %d files", MT_CLI_MAX_KEYLOGS);
    o->keylogs[o->nkeylogs++] = arg;
    return 0;
}

static int set_ports(struct mt_cli *o, const struct opt *r, const char *arg, char *err,
                     size_t errlen)
{
    (void)r;
    return mt_dissect_parse_ports(&o->dissect, arg, err, errlen);
}

/* Applies one row to its argument: 0, -1 on a usage error, 1 when the help
 * or the version was printed to out. */
static int apply(struct mt_cli *o, const struct opt *r, const char *arg, FILE *out, char *err,
                 size_t errlen)
{
    switch (r->kind) {
    case K_HELP:
        if (r->min == 'h') {
            mt_cli_usage(out);
            mt_cli_help(out);
        } else {
            fprintf(out, "mailtap %s\n", MAILTAP_VERSION);
        }
        return 1;
    case K_FLAG: store_uint(o, r, r->min); return 0;
    case K_STRING: {
        char name[64];
        opt_name(r, name, sizeof name);
        if (!*arg) /* "-r ''", "-Z ''": a mistake, never a choice */
            return fail(err, errlen, "%s needs a value, not an empty one", name);
        if (r->letter == 'r' && o->cap.file) /* never drop a file without a word */
            return fail(err, errlen,
                        "-r given twice ('%s', '%s'): one capture at a time (mergecap -w all.pcap "
                        "makes one of several)",
                        o->cap.file, arg);
        memcpy((char *)o + r->off, &arg, sizeof arg);
        return 0;
    }
    case K_COUNT:
    case K_BYTES: return set_number(o, r, arg, err, errlen);
    case K_CALL: return r->call(o, r, arg, err, errlen);
    case K_ALIAS:
    case K_OPERAND: break;
    }
    return 0;
}

/* The row an alias stands for (rows name their target by long name or
 * letter). */
static const struct opt *resolve(const struct opt *r)
{
    if (r->kind != K_ALIAS)
        return r;
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *t = &table[i];
        if (t->kind != K_ALIAS && ((t->name && strcmp(t->name, r->alias) == 0) ||
                                   (t->letter && r->alias[1] == '\0' && t->letter == r->alias[0])))
            return t;
    }
    return r;
}

static void set_defaults(struct mt_cli *o)
{
    memset(o, 0, sizeof *o);
    o->cap.promisc = 1;
    o->color = -1;
    mt_dissect_default_config(&o->dissect);
    for (size_t i = 0; i < NOPTS; i++)
        if ((table[i].kind == K_COUNT || table[i].kind == K_BYTES) && table[i].dflt)
            store_uint(o, &table[i], table[i].dflt);
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

/* getopt_long's tables, made once from ours. Long options return 256 plus
 * their row. */
static const char *getopt_tables(const struct option **longopts)
{
    static struct option lo[NOPTS + 1];
    static char shorts[2 + NOPTS * 3 + 1];
    if (!shorts[0]) {
        size_t n = 0, k = 0;
        shorts[k++] = '+'; /* options end at the first operand, which starts the filter */
        shorts[k++] = ':'; /* a missing value is ':', not '?' */
        for (size_t i = 0; i < NOPTS; i++) {
            const struct opt *r = &table[i];
            /* An alias returns its target's value: getopt then takes a
             * prefix both share (--col) as that one option, not as two. */
            if (r->name)
                lo[n++] = (struct option){r->name, r->arg, NULL, 256 + (int)(resolve(r) - table)};
            if (r->letter) {
                shorts[k++] = (char)r->letter;
                for (int c = 0; c < r->arg; c++) /* 1 colon required, 2 optional */
                    shorts[k++] = ':';
            }
        }
    }
    *longopts = lo;
    return shorts;
}

static const struct opt *row_of(int c)
{
    if (c >= 256 && (size_t)(c - 256) < NOPTS)
        return &table[c - 256];
    for (size_t i = 0; i < NOPTS; i++)
        if (table[i].letter == c)
            return &table[i];
    return NULL;
}

/* Whether "--pre" (up to any "=") starts the names of several options;
 * their names go to list. */
static int ambiguous(const char *word, char *list, size_t cap)
{
    if (strncmp(word, "--", 2) != 0)
        return 0;
    size_t n = strcspn(word + 2, "="), k = 0;
    int found = 0;
    list[0] = '\0';
    for (size_t i = 0; i < NOPTS && n > 0; i++) {
        const struct opt *r = &table[i];
        if (r->kind == K_ALIAS || !r->name || strncmp(r->name, word + 2, n) != 0)
            continue;
        int w = snprintf(list + k, cap - k, "%s--%s", found ? ", " : "", r->name);
        if (w > 0 && (size_t)w < cap - k)
            k += (size_t)w;
        found++;
    }
    return found > 1;
}

/* What getopt could not take: a missing value (':'), a value given to an
 * option that takes none, or an unknown option ('?'). optopt names the
 * option when getopt knows which one it was. */
static void bad_option(int c, const char *word, char *err, size_t errlen)
{
    const struct opt *r = optopt ? row_of(optopt) : NULL;
    char name[256];
    if (c == ':')
        fail(err, errlen, "option %s needs a value", r ? opt_name(r, name, sizeof name) : word);
    else if (r && optopt >= 256)
        fail(err, errlen, "option %s takes no value", opt_name(r, name, sizeof name));
    else if (optopt)
        fail(err, errlen, "unknown option -%c", optopt);
    else if (ambiguous(word, name, sizeof name))
        fail(err, errlen, "option %s is ambiguous (%s)", word, name);
    else
        fail(err, errlen, "unknown option %s", word);
}

/* What the options together mean, once all are read. */
static int finish(struct mt_cli *o, int argc, char **argv, char *err, size_t errlen)
{
    if (o->list_interfaces)
        return 0;
    if (!o->cap.file && !o->cap.iface)
        return fail(err, errlen, "say where packets come from: -r FILE or -i IFACE");
    if (o->cap.file && o->cap.iface)
        return fail(err, errlen, "-r and -i cannot be used together");
    if (optind < argc) {
        o->filter = join_args(argc - optind, argv + optind);
        if (!o->filter)
            return fail(err, errlen, "out of memory");
        o->cap.filter = o->filter;
    }
    if (o->replay > 0 && !o->cap.file)
        return fail(err, errlen, "--replay plays a file (-r)");
    if ((o->cap.fanout || o->cap.buffer_kib) && !o->cap.iface)
        return fail(err, errlen, "-B and --fanout are for live capture (-i)");
    if ((o->report_every || o->report_file) && o->mode != MT_MODE_REPORT)
        return fail(err, errlen, "--report-every and --report-file go with --report");
    if (o->report_every && !o->report_file)
        return fail(err, errlen, "--report-every needs --report-file");
    /* On a terminal the interactive view, elsewhere the follow text. */
    if (o->mode == MT_MODE_NONE && !o->export_dir)
        o->mode = isatty(STDOUT_FILENO) ? MT_MODE_TUI : MT_MODE_FOLLOW;
    o->dissect.data_only = o->mode == MT_MODE_NONE;
    /* A session picked up mid-stream: its client is the side talking to
     * one of the mail ports, the defaults and those of --ports. */
    for (size_t i = 0; i < o->dissect.nports; i++)
        o->server_ports[i] = o->dissect.ports[i].port;
    o->flow.server_ports = o->server_ports;
    o->flow.n_server_ports = o->dissect.nports;
    return 0;
}

enum mt_cli_result mt_cli_parse(struct mt_cli *o, int argc, char **argv, FILE *out, char *err,
                                size_t errlen)
{
    set_defaults(o);
    const struct option *longopts;
    const char *shorts = getopt_tables(&longopts);
    opterr = 0;
    optind = 0; /* from the start, also when called again */
    int c;
    while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        if (c == ':' || c == '?') {
            bad_option(c, argv[optind - 1], err, errlen);
            return MT_CLI_USAGE;
        }
        const struct opt *r = row_of(c);
        int rc = r ? apply(o, resolve(r), optarg, out, err, errlen) : -1;
        if (rc != 0)
            return rc > 0 ? MT_CLI_DONE : MT_CLI_USAGE;
    }
    return finish(o, argc, argv, err, errlen) == 0 ? MT_CLI_RUN : MT_CLI_USAGE;
}

void mt_cli_free(struct mt_cli *o)
{
    free(o->filter);
    o->filter = NULL;
    o->cap.filter = NULL;
}

const char *mt_cli_source_name(const struct mt_cli *o)
{
    if (o->cap.file)
        return strcmp(o->cap.file, "-") ? o->cap.file : "standard input";
    return o->cap.iface ? o->cap.iface : "";
}

/* --- usage and help ------------------------------------------------------- */

/* "-h, --help", "--export DIR", "--color[=WHEN]", "--checksum=MODE". */
static const char *label(const struct opt *r, char *buf, size_t cap)
{
    if (r->kind == K_OPERAND) {
        snprintf(buf, cap, "%s", r->argname);
        return buf;
    }
    char name[64] = "";
    if (r->letter && r->name)
        snprintf(name, sizeof name, "-%c, --%s", r->letter, r->name);
    else
        opt_name(r, name, sizeof name);
    const char *a = r->argname ? r->argname : "";
    if (r->arg == optional_argument)
        snprintf(buf, cap, "%s[=%s]", name, a);
    else if (r->arg == required_argument)
        snprintf(buf, cap, "%s%s%s", name, a[0] == '=' ? "" : " ", a);
    else
        snprintf(buf, cap, "%s", name);
    return buf;
}

/* Where output stands: its column, and whether nothing follows the
 * indent of a fresh line yet. */
struct cursor {
    int col;
    int fresh;
};

/* Writes n bytes that stay together, one space after what came before: on
 * this line if they fit before column width, else on the next, which
 * starts at column indent. */
static void put_unbroken(FILE *f, const char *p, size_t n, int indent, int width,
                         struct cursor *c)
{
    if (!c->fresh && c->col + 1 + (int)n > width) {
        fprintf(f, "\n%*s", indent, "");
        c->col = indent;
        c->fresh = 1;
    }
    if (!c->fresh) {
        fputc(' ', f);
        c->col++;
    }
    fwrite(p, 1, n, f);
    c->col += (int)n;
    c->fresh = 0;
}

/* Writes words, breaking lines between them. */
static void wrap(FILE *f, const char *text, int indent, int width, struct cursor *c)
{
    for (const char *p = text;;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        put_unbroken(f, p, n, indent, width, c);
        p += n;
    }
}

/* Writes one usage item whole. */
static void put_item(FILE *f, const char *item, int indent, int width, struct cursor *c)
{
    put_unbroken(f, item, strlen(item), indent, width, c);
}

void mt_cli_usage(FILE *f)
{
    static const char head[] = "usage: mailtap";
    struct cursor col = {(int)sizeof head - 1, 0};
    fputs(head, f);
    char item[512], lab[128];
    size_t i = 0;
    while (i < NOPTS) {
        const struct opt *r = &table[i];
        if (r->usage == U_NO || r->kind == K_OPERAND) {
            i++;
            continue;
        }
        /* A choice is the run of rows of the same kind. */
        size_t j = i, k = 0;
        int choice = r->usage != U_ALONE;
        item[k++] = r->usage == U_PICK_ONE ? '(' : '[';
        do {
            k += (size_t)snprintf(item + k, sizeof item - k, "%s%s", j > i ? " | " : "",
                                  label(&table[j], lab, sizeof lab));
            j++;
        } while (choice && j < NOPTS && table[j].usage == r->usage && k < sizeof item - 160);
        snprintf(item + k, sizeof item - k, "%c", r->usage == U_PICK_ONE ? ')' : ']');
        put_item(f, item, 15, 79, &col);
        i = j;
    }
    put_item(f, "[options]", 15, 79, &col);
    for (i = 0; i < NOPTS; i++) {
        if (table[i].kind == K_OPERAND) {
            snprintf(item, sizeof item, "[%s]", table[i].argname);
            put_item(f, item, 15, 79, &col);
        }
    }
    fputc('\n', f);
}

void mt_cli_help(FILE *f)
{
    fputs(about, f);
    const char *section = NULL;
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *r = &table[i];
        if (!r->help || r->kind == K_ALIAS)
            continue;
        if (i == 0 || r->section != section) {
            fputc('\n', f);
            if (r->section)
                fprintf(f, "%s:\n", r->section);
            section = r->section;
        }
        char lab[128], text[512], num[32];
        struct cursor col = {fprintf(f, "  %-20s", label(r, lab, sizeof lab)), 0};
        if ((r->kind == K_COUNT || r->kind == K_BYTES) && r->dflt) {
            if (r->kind == K_BYTES)
                size_text(r->dflt, num, sizeof num);
            else
                snprintf(num, sizeof num, "%llu", (unsigned long long)r->dflt);
            snprintf(text, sizeof text, "%s (default %s)", r->help, num);
        } else {
            snprintf(text, sizeof text, "%s", r->help);
        }
        wrap(f, text, 23, 80, &col);
        fputc('\n', f);
    }
    fputc('\n', f);
    fputs(exit_status, f);
}

struct mt_report_opts mt_cli_report_opts(const struct mt_cli *o)
{
    return (struct mt_report_opts){.format = (enum mt_report_format)o->report_format,
                                  .mask = o->mask,
                                  .guess_failures = (unsigned)o->guess_failures,
                                  .guess_window = (unsigned)o->guess_window,
                                  .every_s = (unsigned)o->report_every,
                                  .file = o->report_file,
                                  .source = mt_cli_source_name(o)};
}
