/* Events: the contract between analysis and presentation.
 *
 * The dissector emits events; every output (follow text, export, and later
 * credentials, JSON and the terminal interface) is a sink that consumes the
 * same events, so no two outputs can disagree. */
#ifndef MAILTAP_EVENT_H
#define MAILTAP_EVENT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "mailtap/session.h"

enum mt_event_type {
    MT_EV_SESSION_START,
    MT_EV_DATA,        /* reassembled bytes of one direction, as they came */
    MT_EV_DECRYPTED,   /* the plaintext of a TLS direction read with its key log */
    MT_EV_GAP,         /* bytes of one direction lost for good */
    MT_EV_MESSAGE,     /* a labelled line (or piece of counted data) */
    MT_EV_CREDENTIAL,  /* a login the client exposed, with its outcome */
    MT_EV_TLS,         /* the session turned to TLS: read with its key or not, and why */
    MT_EV_SESSION_END,
    MT_EV_WARNING,     /* something was dropped or could not be understood */
    MT_EV_SOFTWARE,    /* one side said what software it runs (state->software[dir]) */
    MT_EV_CERT         /* the server's certificate, as its TLS handshake showed it */
};

enum mt_proto {
    MT_PROTO_UNKNOWN = 0,
    MT_PROTO_POP3,
    MT_PROTO_IMAP,
    MT_PROTO_SMTP,
    MT_PROTO_SIEVE, /* ManageSieve (RFC 5804) */
    MT_PROTO_LMTP   /* LMTP (RFC 2033): SMTP's dialogue for local delivery */
};
/* "pop3", "imap", "smtp", "managesieve", "lmtp", "unknown" */
const char *mt_proto_name(enum mt_proto p);

enum mt_msg_kind {
    MT_MSG_COMMAND, /* a client command line */
    MT_MSG_REPLY,   /* a server response or greeting line */
    MT_MSG_AUTH,    /* a SASL exchange line (challenge or response) */
    MT_MSG_BODY,    /* content: message bodies, multi-line data, literals */
    MT_MSG_RAW      /* a session whose protocol is not known: bytes as they came */
};

/* Bytes of a message's text that expose something (user name, password,
 * token, crackable response), for highlighting. secret marks what --mask
 * hides: passwords, tokens, crackable responses, and SASL messages that
 * carry one; user names stay readable. */
struct mt_span {
    size_t off, len;
    int secret;
};
#define MT_MAX_SPANS 4

struct mt_message {
    enum mt_msg_kind kind;
    const char *label;  /* "LOGIN", "OK", "+OK", "235"...; "" for none */
    const uint8_t *text; /* without the line ending */
    size_t len;
    int partial;        /* a piece: the line goes on in the next message */
    int truncated;      /* the line was longer than the line limit */
    uint64_t seq;       /* 1-based position among the session's messages */
    struct mt_span spans[MT_MAX_SPANS]; /* only the first nspans are set */
    size_t nspans;
    /* A SASL message (an AUTH line, a challenge, an initial response) as
     * it decodes from base64, up to MT_DECODED_MAX bytes; NULL if none. */
    const uint8_t *decoded;
    size_t decoded_len;
    int decoded_cut;    /* there was more than decoded_len */
    int decoded_secret; /* hidden by --mask: a client message not known to
                         * carry only a user name (see sasl.h) */
};
#define MT_DECODED_MAX 1024

enum mt_result { MT_RESULT_UNKNOWN = 0, MT_RESULT_SUCCESS, MT_RESULT_FAILURE };
const char *mt_result_name(enum mt_result r); /* "unknown", "success", "failure" */

/* A byte string from the wire (any bytes); present says whether it exists. */
struct mt_bytes {
    const uint8_t *p;
    size_t len;
    int present;
    int truncated; /* the wire had more than these bytes (a line cut at --max-line,
                    * a field longer than is kept) */
};

struct mt_credential {
    enum mt_proto proto;
    mt_time_us ts;        /* when the client sent it */
    const char *mech;     /* "USER", "APOP", "LOGIN", or the SASL mechanism */
    const char *via;      /* "USER", "APOP", "LOGIN", "AUTH", "AUTHENTICATE" */
    struct mt_bytes user;
    struct mt_bytes password; /* password or bearer token; absent if not exposed */
    struct mt_bytes service;  /* GSSAPI: the service principal its ticket is for */
    const char *hash;         /* crackable line, or NULL */
    const char *hash_format;  /* e.g. "hashcat -m 10200", or NULL */
    enum mt_result result;
    int starttls_offered;     /* the server had offered STARTTLS/STLS first */
    int tls;                  /* sent inside TLS (read with the key log) */
    uint64_t msg_seq;         /* the message in which the secret was sent */
};

struct mt_tls_event {
    const char *version;  /* negotiated, else the highest offered: "TLS 1.3"; "unknown" */
    const char *sni;      /* "" if none; already safe to print */
    int implicit;         /* TLS from the start (993, 995, 465), not STARTTLS */
    const char *cipher;   /* the negotiated suite's IANA name ("0x1304" for one not
                           * read here), NULL when no ServerHello was seen */
    int decrypted;        /* read with the key log: what follows is its plaintext */
    const char *outcome;  /* "decrypted", "no_key"... (tls_decrypt.h) */
    const char *outcome_text; /* the same in words */
    const char *client_random; /* 64 hex digits, as key logs name the session; "" if unknown */
    const char *ja4;      /* the ClientHello's JA4 fingerprint; "" if none was read */
    uint16_t version_code; /* the version as a number (0x0303); 0 when unknown */
};

/* The server's (leaf) certificate. Strings are printable ASCII. */
struct mt_cert_event {
    const char *subject, *issuer; /* RFC 2253 text */
    int64_t not_before, not_after; /* Unix seconds */
    int self_signed;               /* issued by itself and signed with its own key */
    const char *sha256;            /* of the DER, in hex */
    int in_clear;                  /* seen without decryption (TLS 1.2 and older) */
};

/* What one side says it runs: "Dovecot (Debian)", "Thunderbird 115.6.0",
 * an EHLO name. Bytes from the wire (escape them to show them). */
#define MT_SOFTWARE_MAX 128
struct mt_software {
    uint8_t name[MT_SOFTWARE_MAX];
    size_t len;         /* 0: not known */
    int truncated;      /* the wire said more */
    const char *source; /* "greeting", "id", "ehlo", "implementation" */
};

#define MT_OFFERED_MAX 128

/* What the dissector knows of a session, kept up to date as it learns. */
struct mt_session_state {
    enum mt_proto proto;
    int tls;              /* encrypted from some point on */
    int tls_decrypted;    /* and read with its key */
    int starttls;         /* upgraded with STARTTLS/STLS */
    int implicit_tls;
    uint64_t credentials;
    uint64_t bytes[2];    /* per direction */
    uint64_t messages;
    uint64_t conflict_bytes; /* bytes a copy carried otherwise than the first */
    struct mt_software software[2]; /* by direction: the client's, the server's */
    /* What the server offered while the session was in the clear. */
    int starttls_offered;  /* STARTTLS or STLS */
    int login_disabled;    /* no login before TLS: IMAP LOGINDISABLED; SMTP and
                            * ManageSieve offering STARTTLS and no AUTH */
    int logins_offered;    /* a way to log in was offered (AUTH mechanisms,
                            * POP3 USER, IMAP LOGIN without LOGINDISABLED) */
    char auth_offered[MT_OFFERED_MAX]; /* the SASL mechanisms offered, space-separated */
    int starttls_failed;   /* STARTTLS was accepted and no TLS followed */
};

/* An event: what happened, when, to which session, then what its type
 * carries (one member of the union, named by type). */
struct mt_event {
    enum mt_event_type type;
    enum mt_dir dir;                       /* DATA, GAP, MESSAGE, TLS */
    mt_time_us ts;
    const struct mt_session_info *session; /* NULL for capture-wide warnings */
    const struct mt_session_state *state;  /* NULL for capture-wide warnings */
    union {
        struct {
            const uint8_t *data;           /* DATA, DECRYPTED: valid only during the call */
            size_t len;
        };
        uint64_t gap;                      /* GAP: bytes missing */
        const struct mt_message *msg;      /* MESSAGE */
        const struct mt_credential *cred;  /* CREDENTIAL */
        const struct mt_tls_event *tls;    /* TLS */
        const struct mt_cert_event *cert;  /* CERT */
        enum mt_close_reason reason;       /* SESSION_END */
        const char *text;                  /* WARNING */
    };
};

/* An output. event() gets a slot of per-session storage of its own (NULL
 * for capture-wide events) and returns 0, or -1 after a fatal error whose
 * description error() returns. */
struct mt_sink {
    int (*event)(void *ctx, const struct mt_event *ev, void **slot);
    int (*finish)(void *ctx);
    const char *(*error)(void *ctx);
    void (*destroy)(void *ctx);
    void *ctx;
    /* What it reads that costs work when no sink does (MT_READS_*): the
     * content of messages (literal bodies as MESSAGE events; else counted
     * content is skipped unframed), server certificates (else not parsed). */
    unsigned reads;
};
enum { MT_READS_CONTENT = 1, MT_READS_CERTS = 2 };
#define MT_READS_ALL (MT_READS_CONTENT | MT_READS_CERTS)

#define MT_MAX_SINKS 4

struct mt_bus {
    struct mt_sink sinks[MT_MAX_SINKS];
    size_t n;
    int failed;
    char error[PATH_MAX + 512]; /* an output's error names its file */
};

void mt_bus_init(struct mt_bus *bus);
int mt_bus_add(struct mt_bus *bus, struct mt_sink sink);

/* Sends ev to every sink; slots has MT_MAX_SINKS entries for the session
 * (NULL for capture-wide events). After a sink fails, nothing more is sent. */
void mt_bus_emit(struct mt_bus *bus, const struct mt_event *ev, void **slots);

/* Whether any sink reads what (MT_READS_*). */
int mt_bus_reads(const struct mt_bus *bus, unsigned what);

/* Lets every sink finish its output; returns -1 if any failed. */
int mt_bus_finish(struct mt_bus *bus);
void mt_bus_destroy(struct mt_bus *bus);

#endif
