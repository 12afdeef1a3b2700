/* Private to the TLS reader (src/transform/tls*.c): the handshake message
 * reader, the ServerHello it needs and the server's Certificate
 * (tls_handshake.c). Every length is the wire's: each is checked against what
 * encloses it before anything under it is read. */
#ifndef MAILTAP_TLS_IMPL_H
#define MAILTAP_TLS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/budget.h"
#include "mailtap/tls_decrypt.h"

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_SESSION_TICKET 4
#define HS_CERTIFICATE 11
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24
/* What of a handshake message body is kept to be read: a ServerHello
 * (with a HelloRetryRequest's cookie it can be longer: only its start is
 * needed then), a KeyUpdate. */
#define HS_BODY_MAX 2048

/* Called for each piece of a message body as it comes: off is where the
 * piece falls in the body, len the whole body's length. */
typedef void (*hs_piece_fn)(void *ctx, uint8_t type, const uint8_t *p, size_t n, size_t off,
                            size_t len);

/* Handshake messages out of a stream of handshake bytes, which records
 * may cut anywhere. */
struct hs_reader {
    uint8_t hdr[4];
    uint8_t hdr_have;
    uint8_t type;
    uint32_t left;  /* body bytes still to come */
    uint32_t len;   /* the whole body's length */
    uint8_t body[HS_BODY_MAX];
    size_t body_have;
    hs_piece_fn piece; /* if set, also given every piece of every body */
};

/* Called for each whole message: body holds its first have bytes (all of
 * it when have == len). */
typedef void (*hs_fn)(void *ctx, uint8_t type, const uint8_t *body, size_t have, size_t len);

void hs_feed(struct hs_reader *r, const uint8_t *p, size_t n, hs_fn fn, void *ctx);

struct server_hello {
    uint16_t version;  /* supported_versions if present, else legacy_version */
    uint16_t suite;
    uint8_t random[32];
    int etm;           /* encrypt_then_mac extension (RFC 7366) */
    int hrr;           /* a HelloRetryRequest: another ServerHello follows */
};

/* Whether a ServerHello body (of which have bytes are kept) is a
 * HelloRetryRequest: its random says so. */
int is_hello_retry(const uint8_t *body, size_t have);

/* Reads a ServerHello body; 0, or -1 when it is not one. */
int parse_server_hello(const uint8_t *body, size_t len, struct server_hello *out);

/* The server's Certificate message (RFC 5246 7.4.2, RFC 8446 4.4.2): its
 * first CERT_MSG_MAX bytes are kept (charged to the budget), enough for
 * the leaf, which comes first; the rest of a longer chain is passed over. */
#define CERT_MSG_MAX 65536

struct cert_reader {
    uint8_t *buf;  /* the body's first bytes */
    size_t cap;    /* what buf holds at most (charged to the budget) */
    size_t have;
    int active;    /* a message is being put together in buf */
    int done;      /* the session's certificate was read, or given up */
};

/* A piece of a Certificate body (hs_piece_fn's off and len). Returns -1
 * when the budget refuses the buffer (done is then set). */
int cert_piece(struct cert_reader *c, struct mt_budget *b, const uint8_t *p, size_t n,
               size_t off, size_t len);

/* The whole message of len bytes has come: reads its leaf into out (tls13:
 * the TLS 1.3 layout) and sets done. 0, or -1 with why saying what was not
 * read. out->version and out->in_clear are the caller's. */
int cert_finish(struct cert_reader *c, struct mt_budget *b, size_t len, int tls13,
                struct mt_tls_cert *out, const char **why);

/* Gives back what c holds. */
void cert_release(struct cert_reader *c, struct mt_budget *b);

/* Reads the leaf of a Certificate body of len bytes of which the first
 * have are at body. 0, or -1 with why. */
int cert_parse(const uint8_t *body, size_t have, size_t len, int tls13, struct mt_tls_cert *out,
               const char **why);

#endif
