/* Explanations of labels: for every label mailtap gives a line (a client
 * command, a server reply, a SASL line), a one-line meaning in the user's
 * language and the RFC section that defines it, for --explain.
 *
 * The meanings are English msgids translated through gettext (text domain
 * "mailtap"); the references ("RFC 9051 6.2.3") are never translated. */
#ifndef MAILTAP_EXPLAIN_H
#define MAILTAP_EXPLAIN_H

#include "mailtap/event.h"
#include "mailtap/session.h"

/* Binds the "mailtap" text domain and picks the language of the
 * explanations from LANGUAGE, LC_ALL, LC_MESSAGES and LANG, as gettext
 * does; only LC_MESSAGES is set (LC_CTYPE, LC_NUMERIC... are left as they
 * are). The catalogues are looked for in $MAILTAP_LOCALEDIR if set, else
 * the installed locale directory if it holds a mailtap catalogue, else
 * next to the running binary (build/locale beside ./mailtap, locale/
 * beside a binary in the build directory). A locale that is not installed
 * on the machine (LANG=pt_BR.UTF-8 without its locale data) still picks
 * its language. Call it once before the first mt_explain(); calling it
 * again (after a setlocale(LC_ALL, "") elsewhere, or in tests after the
 * environment changed) is safe. Without it, mt_explain() gives English. */
void mt_explain_init(void);

/* The directory the text domain was bound to by mt_explain_init(), or NULL
 * before it was called. */
const char *mt_explain_localedir(void);

/* What a label means for this protocol, direction and kind of message,
 * translated (static storage, UTF-8), or NULL when there is no explanation
 * (an unknown label, "" for a continuation line, MT_PROTO_UNKNOWN). Labels
 * are matched exactly, as the dissector produces them ("LOGIN", "+OK",
 * "250"); a row for the exact kind is preferred, else the label's row for
 * another kind of the same direction. An SMTP or LMTP reply code without a
 * row of its own is explained by its class ("4xx"). If ref is not NULL it
 * gets the untranslated reference ("RFC 9051 6.2.3"), or NULL. */
const char *mt_explain(enum mt_proto proto, enum mt_dir dir, enum mt_msg_kind kind,
                       const char *label, const char **ref);

#endif
