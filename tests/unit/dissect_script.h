/* The scripted sessions of the dissector tests (test_dissect.c): a sink
 * that writes every event down as a line of text, and a runner that feeds
 * a script through the stream interface whole, cut at every byte of every
 * turn, and one byte at a time, checking that the record stays the same. */
#ifndef MAILTAP_TEST_DISSECT_SCRIPT_H
#define MAILTAP_TEST_DISSECT_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/dissect.h"

#define LOG_MAX 65536

struct recorder {
    char log[LOG_MAX];
    size_t n;
    int overflow;
    int software; /* also log what software each side names ("SOFT ...") */
};

/* Set: runs log SOFTWARE events too (tests of what software is named). */
extern int log_software;

/* The sink's event function: one line per event. */
int rec_event(void *ctx, const struct mt_event *ev, void **slot);

/* Only the credentials, TLS and warnings of a log, for tests that look at
 * those. */
void creds_only(const char *log, char *out, size_t cap);

struct turn {
    enum mt_dir dir;
    const char *text; /* NUL-free unless len is given */
    size_t len;
};

/* A TLS 1.2 ClientHello (one record) whose SNI is a 9-character name. */
#define HELLO(sni9)                                                                            \
    "\x16\x03\x01\x00\x41\x01\x00\x00\x3d\x03\x03"                                                 \
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"                                 \
    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"                                 \
    "\x00\x00\x02\x00\x2f\x01\x00\x00\x12\x00\x00\x00\x0e\x00\x0c\x00\x00\x09" sni9

#define C(s) {MT_DIR_CLIENT, s, sizeof s - 1}
#define S(s) {MT_DIR_SERVER, s, sizeof s - 1}

struct script {
    uint16_t port;
    const struct turn *turns;
    size_t n;
    size_t max_line; /* 0: default */
    int skip_content; /* as when no output reads message content (--creds) */
};

/* Split mode: turn split_turn is cut at split_at (0: not cut); bytewise
 * delivers every turn one byte at a time. */
void run(const struct script *sc, size_t split_turn, size_t split_at, int bytewise,
         struct recorder *r);

/* Runs the script whole, then cut at every byte of every turn and one byte
 * at a time; every run must log the same. Returns the whole run's log. */
const char *run_all_splits(const struct script *sc);

/* The last whole run and the last cut one; a buffer for creds_only. */
extern struct recorder whole, cut;
extern char creds_buf[LOG_MAX];

/* Whether the full log of the last whole run contains a line. */
int logged(const char *line);

#define CHECK_CREDS(turns_, port_, expected)                                                   \
    do {                                                                                       \
        struct script sc_ = {port_, turns_, sizeof turns_ / sizeof turns_[0], 0, 0};           \
        creds_only(run_all_splits(&sc_), creds_buf, sizeof creds_buf);                         \
        CU_ASSERT_STRING_EQUAL(creds_buf, expected);                                           \
        if (strcmp(creds_buf, expected) != 0)                                                  \
            fprintf(stderr, "\n--- expected\n%s--- got\n%s", (const char *)(expected), creds_buf); \
    } while (0)

#define CHECK_LOGGED(line)                                                                     \
    do {                                                                                       \
        int ok_ = logged(line);                                                                \
        CU_ASSERT(ok_);                                                                        \
        if (!ok_)                                                                              \
            fprintf(stderr, "\nnot logged: %s\n--- log\n%s", line, whole.log);                 \
    } while (0)

#endif
