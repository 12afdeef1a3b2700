/* The contract between the dissector core (dissect.c) and the protocol
 * modules (src/proto/pop3.c, imap.c, smtp.c).
 *
 * The core recognises the protocol, frames each direction into lines and
 * counted data (lines.h), watches for TLS, and offers the services below.
 * A protocol module labels lines, follows its state machine and reports
 * credentials; it never prints. */
#ifndef MAILTAP_PROTO_H
#define MAILTAP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/event.h"
#include "mailtap/lines.h"
#include "mailtap/sasl.h"
#include "mailtap/transform.h"

struct mt_dsession; /* a session as the core sees it */

struct mt_proto_ops {
    enum mt_proto proto;
    void *(*create)(struct mt_dsession *s);
    void (*line)(void *st, enum mt_dir dir, const struct mt_line *line);
    /* A line of counted data (see lines.h). */
    void (*raw)(void *st, enum mt_dir dir, const struct mt_line *line, int last);
    void (*gap)(void *st, enum mt_dir dir, uint64_t n);
    void (*end)(void *st); /* no more data: report what is still pending */
    void (*destroy)(void *st);
};

extern const struct mt_proto_ops mt_pop3_ops;
extern const struct mt_proto_ops mt_imap_ops;
extern const struct mt_proto_ops mt_smtp_ops;
extern const struct mt_proto_ops mt_lmtp_ops;  /* smtp.c, told apart by LHLO */
extern const struct mt_proto_ops mt_sieve_ops;

/* --- recognising a protocol on a port of no rule (recognize.c) ------------ */

/* What a server's first bytes (its greeting) say the protocol is. */
enum mt_proto mt_proto_from_greeting(const uint8_t *p, size_t n);

/* What a client's first line says, when the client spoke first: the
 * capture began after the greeting. Only commands one protocol has
 * ("a1 LOGIN", "USER", "MAIL FROM:", "LHLO", "PUTSCRIPT"...). */
enum mt_proto mt_proto_from_client(const uint8_t *p, size_t n);

/* --- services of the core ------------------------------------------------ */

/* Emits a message; returns its sequence number in the session. */
uint64_t mt_emit_message(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                         const char *label, const uint8_t *p, size_t n, int partial,
                         const struct mt_span *spans, size_t nspans);

/* Emits a line as a message (carrying its truncation flag, and partial if
 * it ended without a line end). */
uint64_t mt_emit_line(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                      const char *label, const struct mt_line *line, const struct mt_span *spans,
                      size_t nspans);

/* Emits a line that carries a SASL message, with what the observer's last
 * message decoded to (see mt_sasl_decoded); sasl may be NULL. */
uint64_t mt_emit_sasl_line(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                           const char *label, const struct mt_line *line,
                           const struct mt_span *spans, size_t nspans, const struct mt_sasl *sasl);

void mt_emit_credential(struct mt_dsession *s, const struct mt_credential *c);

/* What software one side runs, as it says itself (a greeting, an EHLO
 * name, an IMAP ID, a ManageSieve IMPLEMENTATION): kept in the session's
 * state (cut at MT_SOFTWARE_MAX) and said as an event when it changes.
 * source names where it came from ("greeting", "ehlo", "id"...). */
void mt_set_software(struct mt_dsession *s, enum mt_dir dir, const uint8_t *p, size_t n,
                     const char *source);

/* The server software a greeting names, as far as it can be told: the
 * text after the status (and IMAP's response code, SMTP's host name and
 * "ESMTP") up to "ready" ("+OK Dovecot (Debian) ready." -> "Dovecot
 * (Debian)"). Nothing when that leaves nothing. */
void mt_software_from_greeting(struct mt_dsession *s, enum mt_proto proto, const uint8_t *p,
                               size_t n);

/* What the server offers, noted while the session is in the clear (inside
 * TLS nothing is exposed by an offer): STARTTLS/STLS; each SASL mechanism
 * (p, n: one name); a login of the protocol's own (POP3 USER, IMAP LOGIN);
 * that logging in needs TLS first (IMAP LOGINDISABLED). */
void mt_offer_starttls(struct mt_dsession *s);
void mt_offer_mech(struct mt_dsession *s, const uint8_t *p, size_t n);
void mt_offer_login(struct mt_dsession *s);
void mt_offer_no_login(struct mt_dsession *s);

/* The session turns out to speak another protocol than was thought (SMTP
 * that says LHLO is LMTP). */
void mt_set_proto(struct mt_dsession *s, enum mt_proto p);
void mt_emit_warning(struct mt_dsession *s, const char *text);

/* The warning every protocol gives for bytes lost in one direction. */
void mt_warn_gap(struct mt_dsession *s, enum mt_dir dir);

/* The server accepted STARTTLS/STLS: the client's next bytes should be a
 * TLS ClientHello. */
void mt_start_tls(struct mt_dsession *s);

/* IMAP COMPRESS DEFLATE was accepted: both directions are inflated from
 * the bytes after the line being handled (RFC 4978). */
void mt_start_compress(struct mt_dsession *s);

/* Switches a transform on for dir from here: the bytes after the line
 * being handled, and all later ones, go through it (IMAP COMPRESS after
 * its OK, TLS after STARTTLS). st is the transform's own, freed with the
 * session. Returns -1 (warned of) when dir has no room for another: st
 * stays the caller's. */
int mt_push_transform(struct mt_dsession *s, enum mt_dir dir, const struct mt_xform_ops *ops,
                      void *st);

/* The next n bytes of dir are counted data (literal, BDAT chunk). */
void mt_expect_raw(struct mt_dsession *s, enum mt_dir dir, uint64_t n);

/* The next n bytes of dir are counted content (an IMAP literal body):
 * raw lines like mt_expect_raw when an output reads content, else
 * skipped with no callback. */
void mt_expect_content(struct mt_dsession *s, enum mt_dir dir, uint64_t n);

/* Content still to come (mt_expect_content) is framed as raw lines after
 * all: the protocol must look at it. */
void mt_frame_content(struct mt_dsession *s, enum mt_dir dir);

/* Counted data or content of dir still expected; and forgetting it
 * (announced data that will not come, such as a literal the server
 * refused). */
uint64_t mt_raw_left(const struct mt_dsession *s, enum mt_dir dir);
void mt_cancel_raw(struct mt_dsession *s, enum mt_dir dir);

/* Time of the data being processed. */
mt_time_us mt_now(const struct mt_dsession *s);

/* --- commands awaiting their replies ------------------------------------------- */

/* POP3 and SMTP clients may pipeline commands; replies come in order. A
 * bounded ring of the kinds a module gives its commands, 0 meaning "none"
 * (what head and pop give when it is empty). */
#define MT_REPLY_QUEUE_MAX 64

struct mt_reply_queue {
    uint8_t kind[MT_REPLY_QUEUE_MAX];
    size_t head, len;
};

/* Queues a command's kind. When the queue is full, replies can no longer be
 * matched to commands: the overflow is reported, the queue emptied, and 1
 * returned so the module settles what waits as unknown (rather than judge a
 * login by the wrong reply); the kind is then queued afresh. */
int mt_reply_push(struct mt_dsession *s, struct mt_reply_queue *q, int kind);

static inline int mt_reply_head(const struct mt_reply_queue *q)
{
    return q->len ? q->kind[q->head] : 0;
}

static inline int mt_reply_pop(struct mt_reply_queue *q)
{
    int k = mt_reply_head(q);
    if (q->len) {
        q->head = (q->head + 1) % MT_REPLY_QUEUE_MAX;
        q->len--;
    }
    return k;
}

/* --- a credential waiting for the server's verdict ------------------------- */

struct mt_pending {
    char mech[MT_SASL_MECH_MAX + 1];
    const char *via;
    uint8_t user[MT_SASL_FIELD_MAX];
    size_t user_len;
    int has_user, user_cut;
    uint8_t password[MT_SASL_SECRET_MAX];
    size_t password_len;
    int has_password, password_cut; /* the wire had more than is kept */
    uint8_t service[MT_SASL_FIELD_MAX]; /* GSSAPI: whom the ticket is for */
    size_t service_len;
    int has_service, service_cut;
    char hash[MT_SASL_HASH_MAX];
    int has_hash;
    const char *hash_format;
    int starttls_offered;
    mt_time_us ts;
    uint64_t msg_seq;
};

/* A fresh pending credential, charged to --max-parse-mem (NULL when it does
 * not fit or memory is out: the login is then not reported, and the refusal
 * is counted). */
struct mt_pending *mt_pending_new(struct mt_dsession *s, const char *mech, const char *via,
                                  int starttls_offered, uint64_t msg_seq);
void mt_pending_set_user(struct mt_pending *p, const uint8_t *u, size_t n);
void mt_pending_set_password(struct mt_pending *p, const uint8_t *pw, size_t n);
void mt_pending_set_hash(struct mt_pending *p, const char *hash, const char *format);
/* Copies what a SASL exchange found. Returns 0 if there was nothing. */
int mt_pending_from_sasl(struct mt_pending *p, const struct mt_sasl *sasl);

/* Reports the credential with its outcome and frees it; *pp becomes NULL. */
void mt_pending_resolve(struct mt_dsession *s, struct mt_pending **pp, enum mt_result r);

/* Frees it without reporting it; *pp becomes NULL. */
void mt_pending_free(struct mt_dsession *s, struct mt_pending **pp);

/* --- SASL exchanges --------------------------------------------------------- */

/* Memory held for a session beyond its fixed state is charged to
 * --max-parse-mem: take returns 0 (and counts a refusal) when it does not
 * fit. */
int mt_mem_take(struct mt_dsession *s, size_t n);
void mt_mem_give(struct mt_dsession *s, size_t n);

/* A SASL observer for the session, charged to --max-parse-mem; NULL when it
 * does not fit (the exchange is then not decoded). */
struct mt_sasl *mt_sasl_acquire(struct mt_dsession *s);
void mt_sasl_release(struct mt_dsession *s, struct mt_sasl *sasl);

/* Feed the SASL observer one client response or server challenge (base64
 * without the protocol's framing). The first message of an exchange that is
 * not valid base64 is reported as a warning. */
unsigned mt_auth_client(struct mt_dsession *s, struct mt_sasl *sasl, const uint8_t *p, size_t n,
                        int cut);

/* The end of an exchange: reports what it exposed (if anything) with the
 * server's verdict r, a cancelled one as a failure. via is "AUTH" or
 * "AUTHENTICATE"; secret_seq the message that carried the secret. */
void mt_auth_report(struct mt_dsession *s, const struct mt_sasl *sasl, const char *via,
                    int starttls_offered, uint64_t secret_seq, enum mt_result r);
void mt_auth_server(struct mt_dsession *s, struct mt_sasl *sasl, const uint8_t *p, size_t n);

/* --- small parsing helpers shared by the protocols ------------------------ */

/* Case-insensitive comparison of a token with an upper-case word. */
int mt_token_is(const uint8_t *p, size_t n, const char *word);

/* Copies the first word of p (up to a space) into label, upper-cased, as
 * long as it is made of letters (up to cap - 1); otherwise label = "?". */
void mt_label_word(const uint8_t *p, size_t n, char *label, size_t cap);

/* Finds the next space-separated token starting at *pos; returns its
 * length and sets *start (0 when none). */
size_t mt_next_token(const uint8_t *p, size_t n, size_t *pos, size_t *start);

/* A literal announced at the end of a line (IMAP, ManageSieve): "{123}",
 * "{123+}", "~{123}". Returns 1 with its size, where the marker starts and
 * whether it is non-synchronising; -1 for a size that does not fit in 64
 * bits (and where it starts); 0 for none. */
int mt_literal_at_end(const uint8_t *p, size_t n, uint64_t *size, size_t *at, int *plus);

#endif
