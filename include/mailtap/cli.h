/* The command line: one table of options (src/cli.c) from which parsing,
 * the usage line and --help are made. It fills in the configuration of
 * each stage; it never opens, reads or prints anything but help. */
#ifndef MAILTAP_CLI_H
#define MAILTAP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mailtap/output.h"
#include "mailtap/capture.h"
#include "mailtap/decode.h"
#include "mailtap/dissect.h"
#include "mailtap/flow.h"

#define MAILTAP_VERSION "0.1.0"
#define MT_CLI_MAX_KEYLOGS 16

enum mt_cli_mode { MT_MODE_NONE, MT_MODE_FOLLOW, MT_MODE_CREDS, MT_MODE_JSON, MT_MODE_TUI, MT_MODE_REPORT };

struct mt_cli {
    struct mt_capture_opts cap;
    int list_interfaces;
    uint64_t count;          /* -c, 0 for no limit */
    int quiet;
    const char *run_as;      /* -Z USER */
    enum mt_cli_mode mode;
    double replay;           /* --replay speed; 0 off */
    size_t tui_sessions, tui_creds;
    uint64_t spool_max;
    int mask;
    int explain;             /* --explain */
    int report_format;       /* --report=FORMAT: enum mt_report_format */
    uint64_t report_every;   /* --report-every SECS, 0: at the end only */
    const char *report_file; /* --report-file FILE */
    uint64_t guess_failures, guess_window; /* --guess-failures, --guess-window */
    const char *export_dir;
    struct mt_dissect_config dissect;
    uint16_t server_ports[MT_MAX_PORT_RULES];
    int color;               /* -1 auto, 0 never, 1 always */
    enum mt_checksum_mode checksum;
    size_t max_open_files;
    struct mt_flow_config flow;
    char *filter;            /* the operands joined, or NULL */
    const char *keylogs[MT_CLI_MAX_KEYLOGS]; /* --keylog FILE, in order */
    size_t nkeylogs;
    size_t max_keys;         /* client randoms the key table holds */
};

enum mt_cli_result {
    MT_CLI_RUN,   /* o is filled in: run */
    MT_CLI_DONE,  /* --help or --version was printed: exit 0 */
    MT_CLI_USAGE  /* err says what is wrong: exit 2 after the usage line */
};

/* Parses argv into o (defaults first). Help and version go to out.
 * Without an output mode, standard output being a terminal chooses the
 * interface, anything else the follow text. */
enum mt_cli_result mt_cli_parse(struct mt_cli *o, int argc, char **argv, FILE *out, char *err,
                                size_t errlen);
void mt_cli_free(struct mt_cli *o);

/* The usage line(s) and the full help, made from the option table. */
void mt_cli_usage(FILE *f);
void mt_cli_help(FILE *f);

/* The name of the source for messages: the file, "standard input" or the
 * interface. */
const char *mt_cli_source_name(const struct mt_cli *o);

/* What --report and its options ask of the report sink. */
struct mt_report_opts mt_cli_report_opts(const struct mt_cli *o);

#endif
