/* Recognising TLS from its first bytes, and reading the ClientHello:
 * the versions offered and the server name (SNI). Nothing after it is read. */
#ifndef MAILTAP_TLS_H
#define MAILTAP_TLS_H

#include <stddef.h>
#include <stdint.h>

#define MT_TLS_SNI_MAX 255

struct mt_tls_info {
    uint16_t record_version;  /* of the first record, e.g. 0x0301 */
    uint16_t hello_version;   /* legacy_version of the ClientHello */
    uint16_t max_version;     /* highest offered, counting supported_versions */
    char sni[MT_TLS_SNI_MAX + 1]; /* host_name, NUL-terminated; "" if none */
    int sni_truncated;
    char alpn[64];            /* first ALPN protocol, "" if none */
    uint8_t random[32];       /* the client random */
    int early_data;           /* offers 0-RTT data (the early_data extension) */
};

enum mt_tls_result {
    MT_TLS_NOT_TLS = -1,  /* these bytes do not start a TLS ClientHello */
    MT_TLS_NEED_MORE = 0, /* could be; give more bytes (same start) */
    MT_TLS_HELLO = 1      /* a ClientHello; info filled in */
};

/* Looks at the first n bytes a client sent. The ClientHello may span
 * several records; the caller buffers up to MT_TLS_MAX_HELLO bytes and calls
 * again with more. Bounds-checked: never reads past p + n. */
#define MT_TLS_MAX_HELLO 16384
enum mt_tls_result mt_tls_client_hello(const uint8_t *p, size_t n, struct mt_tls_info *info);

/* Quick test used before buffering: could p[0..n) (n >= 1) be the start of
 * a TLS handshake record? */
int mt_tls_maybe(const uint8_t *p, size_t n);

/* "TLS 1.3", "TLS 1.2", "SSL 3.0", or "TLS 0x7f17" for an unknown value. */
const char *mt_tls_version_name(uint16_t v, char *buf, size_t cap);

#endif
