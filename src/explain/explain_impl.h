/* Private to src/explain/: the shape of the tables of meanings, one table
 * per protocol (pop3.c, imap.c, smtp.c, sieve.c), and the macros their rows
 * are written with.
 *
 * A row says: who sends the line, what kind of message it is, the label
 * mailtap gives it, what it means (an English sentence without a final
 * period, marked N_() so that `make pot` finds it for the translators), and
 * the RFC section that defines it (never translated). To explain a new
 * label, add a row to its protocol's table, run `make update-po`, and
 * translate the new entries in po/<lang>.po. */
#ifndef MAILTAP_EXPLAIN_IMPL_H
#define MAILTAP_EXPLAIN_IMPL_H

#include <stddef.h>

#include "mailtap/event.h"
#include "mailtap/session.h"

/* Marks a string for xgettext without translating it here: the table holds
 * the English text, mt_explain() translates it when asked. */
#define N_(text) text

#define MT_EXPLAIN_ANY (-1) /* a row for any direction, or any kind */

struct mt_explain_row {
    int dir;           /* enum mt_dir, or MT_EXPLAIN_ANY */
    int kind;          /* enum mt_msg_kind, or MT_EXPLAIN_ANY */
    const char *label; /* exactly as the dissector labels the line */
    const char *meaning;
    const char *ref;
};

/* Rows by who sends them and what they are. */
#define CLIENT_COMMAND(label, meaning, ref) {MT_DIR_CLIENT, MT_MSG_COMMAND, label, meaning, ref}
#define CLIENT_SASL(label, meaning, ref) {MT_DIR_CLIENT, MT_MSG_AUTH, label, meaning, ref}
#define SERVER_REPLY(label, meaning, ref) {MT_DIR_SERVER, MT_MSG_REPLY, label, meaning, ref}
#define SERVER_SASL(label, meaning, ref) {MT_DIR_SERVER, MT_MSG_AUTH, label, meaning, ref}
#define EITHER(label, meaning, ref) {MT_EXPLAIN_ANY, MT_EXPLAIN_ANY, label, meaning, ref}

struct mt_explain_table {
    const struct mt_explain_row *rows;
    size_t n;
};

extern const struct mt_explain_table mt_explain_pop3;
extern const struct mt_explain_table mt_explain_imap;
extern const struct mt_explain_table mt_explain_smtp;
extern const struct mt_explain_table mt_explain_lmtp; /* LMTP's own rows; SMTP's after */
extern const struct mt_explain_table mt_explain_sieve;

#define MT_EXPLAIN_TABLE(rows) {rows, sizeof rows / sizeof rows[0]}

#endif
