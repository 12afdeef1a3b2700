/* Reading a TLS session with its key log: a byte transform (transform.h)
 * for each direction of one session, sharing what the handshake said.
 * It reads the records (across segments, several per segment), finds the
 * ClientHello and ServerHello (and, if asked, the server's certificate),
 * looks the session's secrets up by client random (keylog.h), opens each
 * record (tls_crypto.h) and gives the application data on; KeyUpdate and
 * the TLS 1.3 key change after Finished are followed. Without a key it
 * gives nothing and says why, once. Bytes that are not TLS after all pass
 * through as they are. It never prints and never emits events: its owner
 * hears through an observer. */
#ifndef MAILTAP_TLS_DECRYPT_H
#define MAILTAP_TLS_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/budget.h"
#include "mailtap/keylog.h"
#include "mailtap/tls.h"
#include "mailtap/transform.h"

/* Why a session was or was not read. */
enum mt_tls_outcome {
    MT_TLS_DECRYPTED,
    MT_TLS_NO_KEYLOG,      /* no key log was given */
    MT_TLS_NO_KEY,         /* the key log has no key for this session */
    MT_TLS_KEY_MISMATCH,   /* a key was found, and the records do not open with it */
    MT_TLS_UNSUPPORTED,    /* a version or cipher suite this reader does not know */
    MT_TLS_NO_HANDSHAKE,   /* the hellos were not (both) captured */
    MT_TLS_NO_MEMORY       /* --max-parse-mem refused the record buffers */
};

/* "decrypted", "no_keylog", "no_key", "key_mismatch", "unsupported",
 * "handshake_not_captured", "no_memory": for JSON. */
const char *mt_tls_outcome_name(enum mt_tls_outcome o);
/* The same in words, for people: "decrypted with the key log"... */
const char *mt_tls_outcome_text(enum mt_tls_outcome o);

struct mt_tls_report {
    const struct mt_tls_info *hello; /* the ClientHello, or NULL if not seen */
    uint16_t version;                /* negotiated; 0 if no ServerHello was seen */
    uint16_t suite;                  /* negotiated cipher suite; 0 if none */
    const char *suite_name;          /* its IANA name, or NULL when not known here */
    enum mt_tls_outcome outcome;
};

/* The server's certificate: the first (leaf) one of its Certificate
 * message, in the clear (TLS 1.2 and older) or decrypted (TLS 1.3). Every
 * string is NUL-terminated printable ASCII: bytes outside it are '?'. */
struct mt_tls_cert {
    char subject[256];   /* one line, RFC 2253 style ("CN=mail.example,O=..."), cut to fit */
    char issuer[256];
    int64_t not_before;  /* Unix seconds (UTC); 0 if the time cannot be read */
    int64_t not_after;
    int self_signed;     /* issuer == subject and its own key verifies the signature */
    char sha256[65];     /* lowercase hex of the SHA-256 of the DER */
    uint16_t version;    /* the session's TLS version (0x0303: TLS 1.2) */
    int in_clear;        /* seen without decryption (TLS 1.2 and older) */
};

/* Once a session, for the server's leaf certificate; c is valid only
 * during the call. */
typedef void (*mt_tls_cert_fn)(void *ctx, const struct mt_tls_cert *c);

struct mt_tls_observer {
    /* Once a session, when the outcome is known (or at its end). */
    void (*report)(void *ctx, const struct mt_tls_report *r);
    /* The client's first bytes were not TLS: they go on as they came. */
    void (*not_tls)(void *ctx);
    /* Something of the session not read, said once (may be NULL). */
    void (*warn)(void *ctx, const char *text);
    void *ctx;
};

struct mt_tls_session;

/* A session's reader; keylog may be NULL (nothing can be opened, and the
 * report says so). Its buffers are charged to budget. Returns NULL when
 * memory (or the budget) is out. */
struct mt_tls_session *mt_tls_new(struct mt_keylog *keylog, const struct mt_tls_observer *obs,
                                  struct mt_budget *budget);
void mt_tls_free(struct mt_tls_session *t);

/* The state to push with mt_xform_tls on direction dir (0 client, 1
 * server); both live as long as the session, which mt_tls_free ends. */
void *mt_tls_direction(struct mt_tls_session *t, int dir);

/* Asks for the server's certificate: certificate(obs.ctx, c) once, when
 * its Certificate message is whole (NULL: not asked, the default). Kept
 * out of struct mt_tls_observer so that its initializers stay whole. */
void mt_tls_on_certificate(struct mt_tls_session *t,
                           void (*certificate)(void *ctx, const struct mt_tls_cert *c));

extern const struct mt_xform_ops mt_xform_tls;

/* What the session said, if it said anything yet (NULL otherwise). */
const struct mt_tls_report *mt_tls_reported(const struct mt_tls_session *t);

#endif
