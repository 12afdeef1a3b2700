/* TLS record protection for a passive reader, over OpenSSL's libcrypto:
 * the cipher suites read, the TLS 1.2 PRF and key block, the TLS 1.3
 * HKDF-Expand-Label and traffic keys, and opening one record (AES-GCM,
 * ChaCha20-Poly1305, AES-CBC with HMAC, MAC-then-encrypt or RFC 7366
 * encrypt-then-MAC). No cryptography is written here: libcrypto does it.
 * A record that fails authentication is refused, never guessed at. */
#ifndef MAILTAP_TLS_CRYPTO_H
#define MAILTAP_TLS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum mt_tls_hash { MT_TLS_SHA256, MT_TLS_SHA384, MT_TLS_SHA1, MT_TLS_MD5_SHA1 };
enum mt_tls_mode { MT_TLS_GCM, MT_TLS_CHACHA, MT_TLS_CBC };

#define MT_TLS_RANDOM 32
#define MT_TLS_MASTER 48
#define MT_TLS_SECRET_MAX 48 /* TLS 1.3 traffic secrets: SHA-384 at most */

struct mt_tls_suite {
    uint16_t id;
    const char *name;     /* IANA name, e.g. "TLS_AES_128_GCM_SHA256" */
    enum mt_tls_mode mode;
    uint8_t key_len;
    enum mt_tls_hash mac; /* CBC: the record MAC */
    enum mt_tls_hash prf; /* TLS 1.2 PRF, TLS 1.3 HKDF hash */
    int tls13;
};

/* The suite of that number, or NULL when it is not one read here. */
const struct mt_tls_suite *mt_tls_suite(uint16_t id);

/* Bytes of a hash's output (MD5-SHA1: 36). */
size_t mt_tls_hash_len(enum mt_tls_hash h);

/* PRF(secret, label, seed) of TLS 1.2 (RFC 5246 section 5) with h, or of
 * TLS 1.0/1.1 with MT_TLS_MD5_SHA1. Returns 0, or -1 if libcrypto fails. */
int mt_tls12_prf(enum mt_tls_hash h, const uint8_t *secret, size_t slen, const char *label,
                 const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen);

/* HKDF-Expand-Label(secret, label, context, outlen) of TLS 1.3 (RFC 8446
 * section 7.1); label without its "tls13 " prefix. */
int mt_tls13_expand_label(enum mt_tls_hash h, const uint8_t *secret, size_t slen,
                          const char *label, const uint8_t *context, size_t clen, uint8_t *out,
                          size_t outlen);

/* The next traffic secret after a KeyUpdate ("traffic upd"), in place. */
int mt_tls13_next_secret(enum mt_tls_hash h, uint8_t *secret, size_t slen);

/* The protection of one direction: what opens its records, and the
 * sequence number of the next one. */
struct mt_tls_keys {
    const struct mt_tls_suite *suite;
    uint16_t version;     /* 0x0301 ... 0x0304 */
    int etm;              /* encrypt-then-MAC (RFC 7366): CBC only */
    uint8_t key[32];
    uint8_t iv[16];       /* GCM: 4 fixed bytes; ChaCha and TLS 1.3: 12; CBC in TLS 1.0: 16 */
    uint8_t mac_key[48];
    uint64_t seq;
    void *cipher;         /* libcrypto's context, made once for the keys */
    void *mac;
};

/* Keys start zeroed; setting them again frees what they held. */

/* TLS 1.3: the keys of a traffic secret ("key" and "iv" labels). */
int mt_tls13_keys(struct mt_tls_keys *k, const struct mt_tls_suite *s, const uint8_t *secret,
                  size_t slen);

/* TLS 1.0 to 1.2: both directions' keys from the master secret and the two
 * randoms (the key block, RFC 5246 section 6.3). */
int mt_tls12_keys(const struct mt_tls_suite *s, uint16_t version, int etm,
                  const uint8_t master[MT_TLS_MASTER], const uint8_t client_random[MT_TLS_RANDOM],
                  const uint8_t server_random[MT_TLS_RANDOM], struct mt_tls_keys *client,
                  struct mt_tls_keys *server);

void mt_tls_keys_free(struct mt_tls_keys *k);

/* Opens one record whose header said type and rec_version, its fragment at
 * p[0..n), in place. On success the plaintext is p[*off .. *off + *len),
 * *type is its content type (TLS 1.3: the inner one), the sequence number
 * moves on, and 0 is returned; -1 when it does not authenticate or cannot
 * be a record of these keys. */
int mt_tls_open(struct mt_tls_keys *k, uint8_t rec_type, uint16_t rec_version, uint8_t *p,
                size_t n, size_t *off, size_t *len, uint8_t *type);

#endif
