/* Recognising TLS from its first bytes, and reading the ClientHello:
 * the versions offered, the server name (SNI) and the client's JA4
 * fingerprint. Nothing after it is read. */
#ifndef MAILTAP_TLS_H
#define MAILTAP_TLS_H

#include <stddef.h>
#include <stdint.h>

#define MT_TLS_SNI_MAX 255

/* A JA4 fingerprint: "t13d1516h2_8daaf6152771_e5627efa2ab1", 36 characters
 * and the NUL. */
#define MT_JA4_SIZE 37

struct mt_tls_info {
    uint16_t record_version;  /* of the first record, e.g. 0x0301 */
    uint16_t hello_version;   /* legacy_version of the ClientHello */
    uint16_t max_version;     /* highest offered, counting supported_versions */
    char sni[MT_TLS_SNI_MAX + 1]; /* host_name, NUL-terminated; "" if none */
    int sni_truncated;
    char alpn[64];            /* first ALPN protocol, "" if none */
    uint8_t random[32];       /* the client random */
    int early_data;           /* offers 0-RTT data (the early_data extension) */
    char ja4[MT_JA4_SIZE];    /* JA4 of the hello, NUL-terminated; "" if it could
                               * not be fingerprinted (see struct mt_ja4_hello) */
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

/* What JA4 (FoxIO's TLS client fingerprint, technical_details/JA4.md at
 * https://github.com/FoxIO-LLC/ja4) reads of a ClientHello, as it came:
 * GREASE values included, nothing sorted; mt_tls_client_hello() collects it.
 * Lists are kept up to the limits below (far above what clients send); a
 * hello with a longer one, or with a signature_algorithms extension that does
 * not parse, is marked unusable and gets no fingerprint. */
#define MT_JA4_MAX_CIPHERS 1024
#define MT_JA4_MAX_EXTS 256
#define MT_JA4_MAX_SIGALGS 256
#define MT_JA4_MAX_VERSIONS 127 /* supported_versions holds at most 254 bytes */

struct mt_ja4_hello {
    uint16_t legacy_version;     /* of the ClientHello */
    size_t n_ciphers, n_exts, n_sigalgs, n_versions;
    uint16_t ciphers[MT_JA4_MAX_CIPHERS];  /* cipher_suites, in order */
    uint16_t exts[MT_JA4_MAX_EXTS];        /* extension types, in order */
    uint16_t sigalgs[MT_JA4_MAX_SIGALGS];  /* first signature_algorithms, in order */
    uint16_t versions[MT_JA4_MAX_VERSIONS]; /* supported_versions */
    int has_versions;            /* the supported_versions extension is there */
    size_t alpn_len;             /* length of the first ALPN protocol; 0: none */
    uint8_t alpn_first, alpn_last; /* its first and last bytes */
    int unusable;                /* a list over its limit, or a bad signature_algorithms */
};

/* Writes h's JA4 fingerprint into out ("" if h is unusable or hashing
 * fails); returns 0, or -1 for "". */
int mt_ja4(const struct mt_ja4_hello *h, char out[MT_JA4_SIZE]);

/* Quick test used before buffering: could p[0..n) (n >= 1) be the start of
 * a TLS handshake record? */
int mt_tls_maybe(const uint8_t *p, size_t n);

/* "TLS 1.3", "TLS 1.2", "SSL 3.0", or "TLS 0x7f17" for an unknown value. */
const char *mt_tls_version_name(uint16_t v, char *buf, size_t cap);

#endif
