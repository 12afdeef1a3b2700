/* Private to the TLS reader (src/transform/tls*.c): the handshake message
 * reader and the ServerHello it needs. Every length is the wire's: each
 * is checked against what encloses it before anything under it is read. */
#ifndef MAILTAP_TLS_IMPL_H
#define MAILTAP_TLS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_SESSION_TICKET 4
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24
/* What of a handshake message body is kept to be read: a ServerHello
 * (with a HelloRetryRequest's cookie it can be longer: only its start is
 * needed then), a KeyUpdate. */
#define HS_BODY_MAX 2048

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

#endif
