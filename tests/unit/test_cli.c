/* The command line (src/cli.c): defaults, what each kind of option sets,
 * the errors it gives, and the help and usage made from its table. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/cli.h"
#include "mailtap/lines.h"
#include "suites.h"

static char err[512];
static char outbuf[8192];

/* Parses a NULL-terminated list of words after "mailtap"; help and
 * version output lands in outbuf. */
static enum mt_cli_result parse(struct mt_cli *o, const char *const *words)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"mailtap";
    while (words[argc - 1] && argc < 63) {
        argv[argc] = (char *)words[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    memset(outbuf, 0, sizeof outbuf);
    FILE *out = fmemopen(outbuf, sizeof outbuf - 1, "w");
    err[0] = '\0';
    enum mt_cli_result r = mt_cli_parse(o, argc, argv, out, err, sizeof err);
    fclose(out);
    return r;
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_defaults(void)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "x.pcap")), MT_CLI_RUN);
    CU_ASSERT_STRING_EQUAL(o.cap.file, "x.pcap");
    CU_ASSERT_PTR_NULL(o.cap.iface);
    CU_ASSERT_EQUAL(o.cap.promisc, 1);
    CU_ASSERT_EQUAL(o.cap.snaplen, MT_DEFAULT_SNAPLEN);
    CU_ASSERT_EQUAL(o.flow.max_flows, MT_DEFAULT_MAX_FLOWS);
    CU_ASSERT_EQUAL(o.flow.max_held, MT_DEFAULT_MAX_HELD);
    CU_ASSERT_EQUAL(o.flow.max_dir_held, MT_DEFAULT_MAX_DIR_HELD);
    CU_ASSERT_EQUAL(o.flow.idle_timeout_s, MT_DEFAULT_IDLE_TIMEOUT_S);
    CU_ASSERT_EQUAL(o.dissect.max_line, MT_DEFAULT_MAX_LINE);
    CU_ASSERT_EQUAL(o.dissect.max_mem, MT_DEFAULT_MAX_PARSE_MEM);
    CU_ASSERT_EQUAL(o.max_open_files, 64);
    CU_ASSERT_EQUAL(o.tui_sessions, 200000);
    CU_ASSERT_EQUAL(o.tui_creds, 100000);
    CU_ASSERT_EQUAL(o.spool_max, 4ull << 30);
    CU_ASSERT_EQUAL(o.color, -1);
    CU_ASSERT_EQUAL(o.checksum, MT_CSUM_OFF);
    CU_ASSERT_EQUAL(o.count, 0);
    CU_ASSERT_EQUAL(o.replay, 0.0);
    /* Not a terminal here: the follow text; the mail ports tell clients. */
    CU_ASSERT_EQUAL(o.mode, MT_MODE_FOLLOW);
    CU_ASSERT_EQUAL(o.dissect.data_only, 0);
    CU_ASSERT_EQUAL(o.flow.n_server_ports, o.dissect.nports);
    CU_ASSERT(o.dissect.nports >= 8);
    CU_ASSERT_PTR_EQUAL(o.flow.server_ports, o.server_ports);
    CU_ASSERT_EQUAL(o.server_ports[0], o.dissect.ports[0].port);
    mt_cli_free(&o);
}

static void test_every_kind(void)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-i", "eth0", "-p", "-s", "1500", "-c", "7", "-q", "-Z",
                                    "mail", "--json", "--mask", "--color=never",
                                    "--max-flows", "100", "--max-held=2M", "--max-dir-held",
                                    "512k", "--idle-timeout", "30", "--checksum=verify",
                                    "--max-line", "1k", "--max-parse-mem", "1G",
                                    "--tui-sessions", "5", "--tui-creds", "6", "--spool-max",
                                    "8G", "--max-open-files", "9", "--ports", "imap:10143",
                                    "--export", "out", "tcp", "port", "10143")),
                    MT_CLI_RUN);
    CU_ASSERT_STRING_EQUAL(o.cap.iface, "eth0");
    CU_ASSERT_EQUAL(o.cap.promisc, 0);
    CU_ASSERT_EQUAL(o.cap.snaplen, 1500);
    CU_ASSERT_EQUAL(o.count, 7);
    CU_ASSERT_EQUAL(o.quiet, 1);
    CU_ASSERT_STRING_EQUAL(o.run_as, "mail");
    CU_ASSERT_EQUAL(o.mode, MT_MODE_JSON);
    CU_ASSERT_EQUAL(o.mask, 1);
    CU_ASSERT_EQUAL(o.color, 0);
    CU_ASSERT_EQUAL(o.flow.max_flows, 100);
    CU_ASSERT_EQUAL(o.flow.max_held, 2u << 20);
    CU_ASSERT_EQUAL(o.flow.max_dir_held, 512u << 10);
    CU_ASSERT_EQUAL(o.flow.idle_timeout_s, 30);
    CU_ASSERT_EQUAL(o.checksum, MT_CSUM_VERIFY);
    CU_ASSERT_EQUAL(o.dissect.max_line, 1024);
    CU_ASSERT_EQUAL(o.dissect.max_mem, 1u << 30);
    CU_ASSERT_EQUAL(o.tui_sessions, 5);
    CU_ASSERT_EQUAL(o.tui_creds, 6);
    CU_ASSERT_EQUAL(o.spool_max, 8ull << 30);
    CU_ASSERT_EQUAL(o.max_open_files, 9);
    CU_ASSERT_STRING_EQUAL(o.export_dir, "out");
    CU_ASSERT_STRING_EQUAL(o.filter, "tcp port 10143");
    CU_ASSERT_PTR_EQUAL(o.cap.filter, o.filter);
    int found = 0;
    for (size_t i = 0; i < o.dissect.nports; i++)
        found |= o.dissect.ports[i].port == 10143 && o.dissect.ports[i].proto == MT_PROTO_IMAP;
    CU_ASSERT(found);
    CU_ASSERT_EQUAL(o.server_ports[o.dissect.nports - 1], 10143);
    mt_cli_free(&o);
    CU_ASSERT_PTR_NULL(o.filter);
}

static void test_aliases_and_optional_values(void)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "f", "--colour", "--relinquish-privileges", "root",
                                    "--replay")),
                    MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.color, 1); /* --color without a value is always */
    CU_ASSERT_STRING_EQUAL(o.run_as, "root");
    CU_ASSERT_EQUAL(o.replay, 1.0);
    mt_cli_free(&o);
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "f", "--color=always", "--colour=auto", "--replay=2.5",
                                    "--checksum=count", "--export", "d")),
                    MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.color, -1);
    CU_ASSERT_EQUAL(o.replay, 2.5);
    CU_ASSERT_EQUAL(o.checksum, MT_CSUM_COUNT);
    /* --export alone: no text output, so nothing is parsed. */
    CU_ASSERT_EQUAL(o.mode, MT_MODE_NONE);
    CU_ASSERT_EQUAL(o.dissect.data_only, 1);
    mt_cli_free(&o);
    /* A prefix of a name and of its alias is that one option. */
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "f", "--col", "--relin", "nobody")), MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.color, 1);
    CU_ASSERT_STRING_EQUAL(o.run_as, "nobody");
    mt_cli_free(&o);
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "f", "--colo=never", "--fol")), MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.color, 0);
    CU_ASSERT_EQUAL(o.mode, MT_MODE_FOLLOW);
    mt_cli_free(&o);
    /* "-D" needs no source. */
    CU_ASSERT_EQUAL(parse(&o, WORDS("-D")), MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.list_interfaces, 1);
    mt_cli_free(&o);
}

/* Each bad command line gives MT_CLI_USAGE and exactly this message. */
static void expect_usage(const char *const *words, const char *message)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, words), MT_CLI_USAGE);
    if (strcmp(err, message) != 0)
        fprintf(stderr, "\ncli: got \"%s\", wanted \"%s\"\n", err, message);
    CU_ASSERT_STRING_EQUAL(err, message);
    mt_cli_free(&o);
}

static void test_errors(void)
{
    expect_usage(WORDS("-q"), "say where packets come from: -r FILE or -i IFACE");
    expect_usage(WORDS("-r", "a", "-i", "b"), "-r and -i cannot be used together");
    expect_usage(WORDS("-r"), "option -r needs a value");
    expect_usage(WORDS("-r", "a", "--ports"), "option --ports needs a value");
    expect_usage(WORDS("-r", "a", "--follow=1"), "option --follow takes no value");
    expect_usage(WORDS("-r", "a", "-x"), "unknown option -x");
    expect_usage(WORDS("--bogus", "-r", "x"), "unknown option --bogus");
    expect_usage(WORDS("-r", "a", "--tui-"),
                 "option --tui- is ambiguous (--tui-sessions, --tui-creds)");
    expect_usage(WORDS("-r", "a", "--c=1"),
                 "option --c=1 is ambiguous (--creds, --color, --checksum)");
    expect_usage(WORDS("-r", "a", "--follow", "--json"),
                 "--follow and --json cannot be used together");
    expect_usage(WORDS("-r", "a", "--tui", "--creds"), "--tui and --creds cannot be used together");
    expect_usage(WORDS("-r", "a", "--max-flows=-3"), "--max-flows must be a positive number");
    expect_usage(WORDS("-r", "a", "--max-flows=0"),
                 "--max-flows takes a whole number from 1 to 16777216, not '0'");
    expect_usage(WORDS("-r", "a", "--max-flows=16777217"),
                 "--max-flows takes a whole number from 1 to 16777216, not '16777217'");
    expect_usage(WORDS("-r", "a", "-s", "262145"),
                 "-s takes a whole number from 1 to 262144, not '262145'");
    expect_usage(WORDS("-r", "a", "-c", "12x"),
                 "-c takes a whole number from 1 to 18446744073709551615, not '12x'");
    expect_usage(WORDS("-r", ""), "-r needs a value, not an empty one");
    {
        struct mt_cli o; /* -s 0: the default snap length, as tcpdump reads it */
        CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "a", "-s", "0")), MT_CLI_RUN);
        CU_ASSERT_EQUAL(o.cap.snaplen, MT_DEFAULT_SNAPLEN);
        mt_cli_free(&o);
    }
    expect_usage(WORDS("-r", "a", "-Z", ""), "-Z needs a value, not an empty one");
    expect_usage(WORDS("-r", "a.pcap", "-r", "b.pcap"),
                 "-r given twice ('a.pcap', 'b.pcap'): one capture at a time (mergecap -w all.pcap "
                 "makes one of several)");
    expect_usage(WORDS("-r", "a", "--max-held", "3T"),
                 "--max-held: not a size (examples: 65536, 512k, 32M)");
    expect_usage(WORDS("-r", "a", "--max-held", ""), "--max-held must be a positive size");
    expect_usage(WORDS("-r", "a", "--spool-max", "99999999999999999999"),
                 "--spool-max: not a size (examples: 65536, 512k, 32M)");
    expect_usage(WORDS("-r", "a", "--max-line", "3"), "--max-line: from 64 bytes to 64M");
    expect_usage(WORDS("-r", "a", "--max-line", "65M"), "--max-line: from 64 bytes to 64M");
    expect_usage(WORDS("-r", "a", "--color=purple"),
                 "--color takes auto, always or never, not 'purple'");
    expect_usage(WORDS("-r", "a", "--checksum=on"),
                 "--checksum takes off, count or verify, not 'on'");
    expect_usage(WORDS("-r", "a", "--replay=0"), "--replay takes a speed from 0.01 to 1000000, not '0'");
    expect_usage(WORDS("-i", "eth0", "--replay"), "--replay plays a file (-r)");
    expect_usage(WORDS("-r", "a", "--ports", "ftp:21"),
                 "--ports: unknown protocol 'ftp' (pop3, imap, smtp, pop3s, imaps, smtps, "
                 "managesieve, lmtp)");
    expect_usage(WORDS("-r", "x", "--report=pdf"), "--report takes text, json or html, not 'pdf'");
    expect_usage(WORDS("-i", "lo", "--fanout", "65536"),
                 "--fanout takes a group id from 0 to 65535, not '65536'");
    expect_usage(WORDS("-i", "lo", "--fanout", "-1"),
                 "--fanout takes a group id from 0 to 65535, not '-1'");
    expect_usage(WORDS("-r", "x", "--fanout", "3"), "-B and --fanout are for live capture (-i)");
    expect_usage(WORDS("-r", "x", "-B", "4096"), "-B and --fanout are for live capture (-i)");
    expect_usage(WORDS("-r", "x", "--report-file", "r.txt"),
                 "--report-every and --report-file go with --report");
    expect_usage(WORDS("-r", "x", "--report", "--report-every", "60"),
                 "--report-every needs --report-file");
    expect_usage(WORDS("-r", "x", "--report", "--json"), "--report and --json cannot be used together");
    expect_usage(WORDS("-r", "x", "--report", "--guess-failures", "40"),
                 "--guess-failures takes a whole number from 2 to 32, not '40'");
    /* After an error, a fresh parse starts from the defaults again. */
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "b")), MT_CLI_RUN);
    CU_ASSERT_EQUAL(o.mode, MT_MODE_FOLLOW);
    CU_ASSERT_EQUAL(o.color, -1);
    mt_cli_free(&o);
}

static void test_help_and_version(void)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-V")), MT_CLI_DONE);
    CU_ASSERT_STRING_EQUAL(outbuf, "mailtap " MAILTAP_VERSION "\n");
    mt_cli_free(&o);
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "x", "--help", "--bogus")), MT_CLI_DONE);
    CU_ASSERT_EQUAL(strncmp(outbuf, "usage: mailtap (-r FILE | -i IFACE | -D) [-p]", 45), 0);
    /* Every option of the table is listed with its default. */
    static const char *const listed[] = {
        "\n  -r FILE ", "\n  -i IFACE ", "\n  -D ", "\n  -p ", "\n  -Z USER ",
        "\n  -s SNAPLEN ", "(default 262144)", "\n  -c COUNT ", "\n  --replay[=SPEED] ",
        "\n  filter expression ", "\n  --tui ", "\n  --follow ", "\n  --creds ", "\n  --json ",
        "\n  --export DIR ", "\n  --mask ", "\n  --color[=WHEN] ", "\n  -q ",
        "\n  --max-flows N ", "(default 65536)", "\n  --max-held BYTES ", "(default 32M)",
        "\n  --max-dir-held BYTES ", "(default 1M)", "\n  --idle-timeout SECS ",
        "(default 600)", "\n  --max-open-files N ", "(default 64)", "\n  --checksum=MODE ",
        "\n  --max-line BYTES ", "(default 64k)", "\n  --tui-sessions N ", "(default 200000)",
        "\n  --tui-creds N ", "(default 100000)", "\n  --spool-max BYTES ", "(default 4G)",
        "\n  --max-parse-mem BYTES ", "(default 64M)", "\n  --ports LIST ", "\n  -h, --help ",
        "\n  -V, --version ", "\nExit status: 0 success, 1 runtime error, 2 usage error.\n"};
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        if (!strstr(outbuf, listed[i]))
            fprintf(stderr, "\ncli: --help lacks \"%s\"\n", listed[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, listed[i]));
    }
    /* Aliases are accepted, not listed. */
    CU_ASSERT_PTR_NULL(strstr(outbuf, "colour"));
    CU_ASSERT_PTR_NULL(strstr(outbuf, "relinquish"));
    /* Every line fits 80 columns. */
    for (const char *p = outbuf; *p;) {
        size_t n = strcspn(p, "\n");
        CU_ASSERT(n <= 80);
        p += n + (p[n] == '\n');
    }
    mt_cli_free(&o);
}

static void test_usage_lines(void)
{
    char buf[2048] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    mt_cli_usage(f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "(-r FILE | -i IFACE | -D)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[--tui | --follow | --creds | --json | --report[=FORMAT]]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[--export DIR]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[--keylog FILE]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[options]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "[filter expression]\n"));
    /* Continuation lines line up under the first option. */
    const char *nl = strchr(buf, '\n');
    CU_ASSERT(nl && strncmp(nl + 1, "               [", 16) == 0);
    CU_ASSERT_EQUAL(strncmp(buf, "usage: mailtap (", 16), 0);
}

static void test_source_name(void)
{
    struct mt_cli o;
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "-")), MT_CLI_RUN);
    CU_ASSERT_STRING_EQUAL(mt_cli_source_name(&o), "standard input");
    mt_cli_free(&o);
    CU_ASSERT_EQUAL(parse(&o, WORDS("-r", "a.pcap")), MT_CLI_RUN);
    CU_ASSERT_STRING_EQUAL(mt_cli_source_name(&o), "a.pcap");
    mt_cli_free(&o);
    CU_ASSERT_EQUAL(parse(&o, WORDS("-i", "lo")), MT_CLI_RUN);
    CU_ASSERT_STRING_EQUAL(mt_cli_source_name(&o), "lo");
    mt_cli_free(&o);
}

int register_cli_suite(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "defaults", test_defaults) ||
        !CU_add_test(s, "every kind of option", test_every_kind) ||
        !CU_add_test(s, "aliases and optional values", test_aliases_and_optional_values) ||
        !CU_add_test(s, "errors", test_errors) ||
        !CU_add_test(s, "help and version", test_help_and_version) ||
        !CU_add_test(s, "usage lines", test_usage_lines) ||
        !CU_add_test(s, "source name", test_source_name))
        return -1;
    return 0;
}
