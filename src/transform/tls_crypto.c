/* TLS record protection over libcrypto (tls_crypto.h): the suites read,
 * key derivation (the TLS 1.2 PRF, TLS 1.3 HKDF-Expand-Label) and opening
 * a record. Every length comes from the wire: each is checked before a
 * byte is touched, and a record that does not authenticate is refused. */
#include "mailtap/tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

#define TAG_LEN 16
#define BLOCK 16

static const struct mt_tls_suite suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", MT_TLS_GCM, 16, MT_TLS_SHA256, MT_TLS_SHA256, 1},
    {0x1302, "TLS_AES_256_GCM_SHA384", MT_TLS_GCM, 32, MT_TLS_SHA384, MT_TLS_SHA384, 1},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", MT_TLS_CHACHA, 32, MT_TLS_SHA256, MT_TLS_SHA256, 1},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", MT_TLS_GCM, 16, 0, MT_TLS_SHA256, 0},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", MT_TLS_GCM, 16, 0, MT_TLS_SHA256, 0},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", MT_TLS_GCM, 16, 0, MT_TLS_SHA256, 0},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", MT_TLS_GCM, 16, 0, MT_TLS_SHA256, 0},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", MT_TLS_GCM, 32, 0, MT_TLS_SHA384, 0},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", MT_TLS_GCM, 32, 0, MT_TLS_SHA384, 0},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", MT_TLS_GCM, 32, 0, MT_TLS_SHA384, 0},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", MT_TLS_GCM, 32, 0, MT_TLS_SHA384, 0},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", MT_TLS_CHACHA, 32, 0, MT_TLS_SHA256, 0},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", MT_TLS_CHACHA, 32, 0, MT_TLS_SHA256, 0},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", MT_TLS_CHACHA, 32, 0, MT_TLS_SHA256, 0},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", MT_TLS_CBC, 16, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", MT_TLS_CBC, 32, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", MT_TLS_CBC, 16, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", MT_TLS_CBC, 32, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", MT_TLS_CBC, 16, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", MT_TLS_CBC, 32, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", MT_TLS_CBC, 16, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", MT_TLS_CBC, 32, MT_TLS_SHA1, MT_TLS_SHA256, 0},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", MT_TLS_CBC, 16, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", MT_TLS_CBC, 16, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", MT_TLS_CBC, 16, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", MT_TLS_CBC, 32, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", MT_TLS_CBC, 16, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", MT_TLS_CBC, 32, MT_TLS_SHA256, MT_TLS_SHA256, 0},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", MT_TLS_CBC, 32, MT_TLS_SHA384, MT_TLS_SHA384, 0},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", MT_TLS_CBC, 32, MT_TLS_SHA384, MT_TLS_SHA384, 0},
};

const struct mt_tls_suite *mt_tls_suite(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

static const char *md_name(enum mt_tls_hash h)
{
    switch (h) {
    case MT_TLS_SHA384: return "SHA384";
    case MT_TLS_SHA1: return "SHA1";
    case MT_TLS_MD5_SHA1: return "MD5-SHA1";
    case MT_TLS_SHA256: break;
    }
    return "SHA256";
}

size_t mt_tls_hash_len(enum mt_tls_hash h)
{
    switch (h) {
    case MT_TLS_SHA384: return 48;
    case MT_TLS_SHA1: return 20;
    case MT_TLS_MD5_SHA1: return 36;
    case MT_TLS_SHA256: break;
    }
    return 32;
}

/* One derivation with a KDF of libcrypto, by name. */
static int kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
    EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *ctx = k ? EVP_KDF_CTX_new(k) : NULL;
    int ok = ctx && EVP_KDF_derive(ctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(k);
    return ok ? 0 : -1;
}

int mt_tls12_prf(enum mt_tls_hash h, const uint8_t *secret, size_t slen, const char *label,
                 const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen)
{
    /* TLS1-PRF joins the seeds it is given: label, then seed. */
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name(h), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen),
        OSSL_PARAM_construct_end(),
    };
    return kdf("TLS1-PRF", p, out, outlen);
}

int mt_tls13_expand_label(enum mt_tls_hash h, const uint8_t *secret, size_t slen,
                          const char *label, const uint8_t *context, size_t clen, uint8_t *out,
                          size_t outlen)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + label;
     *          opaque context<0..255>; } HkdfLabel; */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label);
    if (ll > 255 - 6 || clen > 255 || outlen > 0xffff)
        return -1;
    size_t i = 0;
    info[i++] = (uint8_t)(outlen >> 8);
    info[i++] = (uint8_t)outlen;
    info[i++] = (uint8_t)(6 + ll);
    memcpy(info + i, "tls13 ", 6);
    memcpy(info + i + 6, label, ll);
    i += 6 + ll;
    info[i++] = (uint8_t)clen;
    if (clen)
        memcpy(info + i, context, clen);
    i += clen;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name(h), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, i),
        OSSL_PARAM_construct_end(),
    };
    return kdf("HKDF", p, out, outlen);
}

int mt_tls13_next_secret(enum mt_tls_hash h, uint8_t *secret, size_t slen)
{
    uint8_t next[MT_TLS_SECRET_MAX];
    if (slen > sizeof next || mt_tls13_expand_label(h, secret, slen, "traffic upd", NULL, 0,
                                                    next, slen) != 0)
        return -1;
    memcpy(secret, next, slen);
    return 0;
}

static const EVP_CIPHER *cipher_of(const struct mt_tls_suite *s)
{
    if (s->mode == MT_TLS_CHACHA)
        return EVP_chacha20_poly1305();
    if (s->mode == MT_TLS_GCM)
        return s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    return s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

/* The cipher context, keyed once; each record then sets only its IV. */
static int make_contexts(struct mt_tls_keys *k)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || EVP_DecryptInit_ex(c, cipher_of(k->suite), NULL, k->key, NULL) != 1) {
        EVP_CIPHER_CTX_free(c);
        return -1;
    }
    if (k->suite->mode == MT_TLS_CBC) {
        EVP_CIPHER_CTX_set_padding(c, 0);
        EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
        k->mac = m ? EVP_MAC_CTX_new(m) : NULL;
        EVP_MAC_free(m);
        if (!k->mac) {
            EVP_CIPHER_CTX_free(c);
            return -1;
        }
    }
    k->cipher = c;
    return 0;
}

int mt_tls13_keys(struct mt_tls_keys *k, const struct mt_tls_suite *s, const uint8_t *secret,
                  size_t slen)
{
    mt_tls_keys_free(k);
    memset(k, 0, sizeof *k);
    k->suite = s;
    k->version = 0x0304;
    if (mt_tls13_expand_label(s->prf, secret, slen, "key", NULL, 0, k->key, s->key_len) != 0 ||
        mt_tls13_expand_label(s->prf, secret, slen, "iv", NULL, 0, k->iv, 12) != 0)
        return -1;
    return make_contexts(k);
}

int mt_tls12_keys(const struct mt_tls_suite *s, uint16_t version, int etm,
                  const uint8_t master[MT_TLS_MASTER], const uint8_t client_random[MT_TLS_RANDOM],
                  const uint8_t server_random[MT_TLS_RANDOM], struct mt_tls_keys *client,
                  struct mt_tls_keys *server)
{
    if (s->tls13 || version < 0x0301 || version > 0x0303)
        return -1;
    size_t mac = s->mode == MT_TLS_CBC ? mt_tls_hash_len(s->mac) : 0;
    size_t iv = s->mode == MT_TLS_GCM ? 4 : s->mode == MT_TLS_CHACHA ? 12
                : version == 0x0301 ? BLOCK : 0;
    uint8_t block[2 * (48 + 32 + 16)], seed[2 * MT_TLS_RANDOM];
    size_t need = 2 * (mac + s->key_len + iv);
    memcpy(seed, server_random, MT_TLS_RANDOM);
    memcpy(seed + MT_TLS_RANDOM, client_random, MT_TLS_RANDOM);
    enum mt_tls_hash prf = version == 0x0303 ? s->prf : MT_TLS_MD5_SHA1;
    if (mt_tls12_prf(prf, master, MT_TLS_MASTER, "key expansion", seed, sizeof seed, block,
                     need) != 0)
        return -1;
    struct mt_tls_keys *dir[2] = {client, server};
    for (int d = 0; d < 2; d++) {
        mt_tls_keys_free(dir[d]);
        memset(dir[d], 0, sizeof *dir[d]);
        dir[d]->suite = s;
        dir[d]->version = version;
        dir[d]->etm = etm && s->mode == MT_TLS_CBC;
        memcpy(dir[d]->mac_key, block + d * mac, mac);
        memcpy(dir[d]->key, block + 2 * mac + d * s->key_len, s->key_len);
        memcpy(dir[d]->iv, block + 2 * (mac + s->key_len) + d * iv, iv);
    }
    if (make_contexts(client) != 0 || make_contexts(server) != 0)
        return -1;
    return 0;
}

void mt_tls_keys_free(struct mt_tls_keys *k)
{
    EVP_CIPHER_CTX_free(k->cipher); /* libcrypto wipes what it kept */
    EVP_MAC_CTX_free(k->mac);
    k->cipher = NULL;
    k->mac = NULL;
    OPENSSL_cleanse(k->key, sizeof k->key);
    OPENSSL_cleanse(k->iv, sizeof k->iv);
    OPENSSL_cleanse(k->mac_key, sizeof k->mac_key);
}

static void put_seq(uint8_t out[8], uint64_t seq)
{
    for (int i = 7; i >= 0; i--, seq >>= 8)
        out[i] = (uint8_t)seq;
}

/* Decrypts ct in place under nonce and aad; the tag follows ct. */
static int aead_open(struct mt_tls_keys *k, const uint8_t *nonce, const uint8_t *aad,
                     size_t aadlen, uint8_t *ct, size_t ctlen)
{
    EVP_CIPHER_CTX *c = k->cipher;
    int l;
    return EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) == 1 &&
                   EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, ct + ctlen) == 1 &&
                   EVP_DecryptUpdate(c, NULL, &l, aad, (int)aadlen) == 1 &&
                   EVP_DecryptUpdate(c, ct, &l, ct, (int)ctlen) == 1 &&
                   EVP_DecryptFinal_ex(c, ct + l, &l) == 1
               ? 0
               : -1;
}

/* The TLS 1.2 additional data and MAC prefix: seq, type, version, length. */
static void pseudo_header(uint8_t out[13], uint64_t seq, uint8_t type, uint16_t version,
                          size_t len)
{
    put_seq(out, seq);
    out[8] = type;
    out[9] = (uint8_t)(version >> 8);
    out[10] = (uint8_t)version;
    out[11] = (uint8_t)(len >> 8);
    out[12] = (uint8_t)len;
}

static int open_tls13(struct mt_tls_keys *k, uint8_t rec_type, uint16_t rec_version, uint8_t *p,
                      size_t n, size_t *len, uint8_t *type)
{
    if (rec_type != 23 || n < TAG_LEN + 1)
        return -1;
    uint8_t nonce[12], aad[5] = {rec_type, (uint8_t)(rec_version >> 8), (uint8_t)rec_version,
                                 (uint8_t)(n >> 8), (uint8_t)n};
    uint8_t seq[8];
    put_seq(seq, k->seq);
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= seq[i];
    if (aead_open(k, nonce, aad, sizeof aad, p, n - TAG_LEN) != 0)
        return -1;
    /* TLSInnerPlaintext: content, then its type, then zero padding. */
    size_t m = n - TAG_LEN;
    while (m > 0 && p[m - 1] == 0)
        m--;
    if (m == 0)
        return -1;
    *type = p[m - 1];
    *len = m - 1;
    return 0;
}

static int open_aead12(struct mt_tls_keys *k, uint8_t rec_type, uint16_t rec_version,
                       uint8_t *p, size_t n, size_t *off, size_t *len)
{
    uint8_t nonce[12], aad[13];
    size_t explicit_len = k->suite->mode == MT_TLS_GCM ? 8 : 0;
    if (n < explicit_len + TAG_LEN)
        return -1;
    size_t ctlen = n - explicit_len - TAG_LEN;
    if (explicit_len) { /* RFC 5288: 4 fixed bytes, then 8 from the record */
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, p, 8);
    } else { /* RFC 7905: the fixed IV XOR the sequence number */
        uint8_t seq[8];
        put_seq(seq, k->seq);
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= seq[i];
    }
    pseudo_header(aad, k->seq, rec_type, rec_version, ctlen);
    if (aead_open(k, nonce, aad, sizeof aad, p + explicit_len, ctlen) != 0)
        return -1;
    *off = explicit_len;
    *len = ctlen;
    return 0;
}

/* HMAC of the pseudo-header and data; 0 when it equals want. */
static int mac_check(struct mt_tls_keys *k, uint8_t type, uint16_t version, const uint8_t *data,
                     size_t len, const uint8_t *want)
{
    uint8_t head[13], got[EVP_MAX_MD_SIZE];
    size_t mlen = mt_tls_hash_len(k->suite->mac), glen = 0;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_name(k->suite->mac), 0),
        OSSL_PARAM_construct_end(),
    };
    pseudo_header(head, k->seq, type, version, len);
    if (EVP_MAC_init(k->mac, k->mac_key, mlen, p) != 1 ||
        EVP_MAC_update(k->mac, head, sizeof head) != 1 ||
        EVP_MAC_update(k->mac, data, len) != 1 ||
        EVP_MAC_final(k->mac, got, &glen, sizeof got) != 1 || glen != mlen)
        return -1;
    return memcmp(got, want, mlen) == 0 ? 0 : -1;
}

/* Decrypts whole blocks in place; TLS 1.0 chains the IV across records. */
static int cbc_decrypt(struct mt_tls_keys *k, const uint8_t *iv, uint8_t *ct, size_t ctlen)
{
    uint8_t next_iv[BLOCK];
    memcpy(next_iv, ct + ctlen - BLOCK, BLOCK);
    int l;
    if (EVP_DecryptInit_ex(k->cipher, NULL, NULL, NULL, iv) != 1 ||
        EVP_DecryptUpdate(k->cipher, ct, &l, ct, (int)ctlen) != 1 || (size_t)l != ctlen)
        return -1;
    if (k->version == 0x0301)
        memcpy(k->iv, next_iv, BLOCK);
    return 0;
}

/* Length of the content before the CBC padding, or -1 if it is not one. */
static long unpad(const uint8_t *pt, size_t len)
{
    size_t pad = pt[len - 1];
    if (pad + 1 > len)
        return -1;
    for (size_t i = len - 1 - pad; i < len; i++)
        if (pt[i] != pad)
            return -1;
    return (long)(len - 1 - pad);
}

static int open_cbc(struct mt_tls_keys *k, uint8_t rec_type, uint16_t rec_version, uint8_t *p,
                    size_t n, size_t *off, size_t *len)
{
    size_t mlen = mt_tls_hash_len(k->suite->mac);
    size_t ivlen = k->version == 0x0301 ? 0 : BLOCK;
    size_t body = k->etm ? (n < mlen ? 0 : n - mlen) : n; /* IV and ciphertext */
    if (body < ivlen + BLOCK || (body - ivlen) % BLOCK != 0)
        return -1;
    uint8_t *ct = p + ivlen;
    size_t ctlen = body - ivlen;
    const uint8_t *iv = ivlen ? p : k->iv;
    uint8_t saved_iv[BLOCK];
    memcpy(saved_iv, iv, BLOCK);
    if (k->etm) { /* RFC 7366: the MAC covers IV and ciphertext */
        if (mac_check(k, rec_type, rec_version, p, body, p + body) != 0)
            return -1;
        long m;
        if (cbc_decrypt(k, saved_iv, ct, ctlen) != 0 || (m = unpad(ct, ctlen)) < 0)
            return -1;
        *off = ivlen;
        *len = (size_t)m;
        return 0;
    }
    long m;
    if (cbc_decrypt(k, saved_iv, ct, ctlen) != 0 || (m = unpad(ct, ctlen)) < 0 ||
        (size_t)m < mlen)
        return -1;
    size_t content = (size_t)m - mlen;
    if (mac_check(k, rec_type, rec_version, ct, content, ct + content) != 0)
        return -1;
    *off = ivlen;
    *len = content;
    return 0;
}

int mt_tls_open(struct mt_tls_keys *k, uint8_t rec_type, uint16_t rec_version, uint8_t *p,
                size_t n, size_t *off, size_t *len, uint8_t *type)
{
    if (!k->cipher || n > (1u << 14) + 2048)
        return -1;
    int rc;
    *off = 0;
    *type = rec_type;
    if (k->suite->tls13)
        rc = open_tls13(k, rec_type, rec_version, p, n, len, type);
    else if (k->suite->mode == MT_TLS_CBC)
        rc = open_cbc(k, rec_type, rec_version, p, n, off, len);
    else
        rc = open_aead12(k, rec_type, rec_version, p, n, off, len);
    if (rc == 0)
        k->seq++;
    return rc;
}
