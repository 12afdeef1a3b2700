/* TLS record protection (tls_crypto.h): the RFC 8448 TLS 1.3 trace (key
 * schedule and records), the TLS 1.2 PRF vectors, and TLS 1.0-1.2 records
 * of every mode sealed here with libcrypto and opened by the code, with
 * tampered ones refused. */
#include <CUnit/CUnit.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "mailtap/tls_crypto.h"
#include "suites.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; h[0] && h[1] && n < cap; h += 2) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

static int same_hex(const uint8_t *p, size_t n, const char *h)
{
    uint8_t want[512];
    size_t m = unhex(h, want, sizeof want);
    return m == n && memcmp(p, want, n) == 0;
}

/* --- RFC 8448 section 3 ------------------------------------------------- */

static const char server_hs_secret[] =
    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
static const char client_hs_secret[] =
    "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
static const char client_ap_secret[] =
    "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
static const char server_ap_secret[] =
    "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";

static void test_rfc8448_keys(void)
{
    const struct mt_tls_suite *s = mt_tls_suite(0x1301);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    uint8_t secret[48], out[32];
    size_t n = unhex(server_hs_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL(mt_tls13_expand_label(s->prf, secret, n, "key", NULL, 0, out, 16), 0);
    CU_ASSERT(same_hex(out, 16, "3fce516009c21727d0f2e4e86ee403bc"));
    CU_ASSERT_EQUAL(mt_tls13_expand_label(s->prf, secret, n, "iv", NULL, 0, out, 12), 0);
    CU_ASSERT(same_hex(out, 12, "5d313eb2671276ee13000b30"));
    CU_ASSERT_EQUAL(mt_tls13_expand_label(s->prf, secret, n, "finished", NULL, 0, out, 32), 0);
    CU_ASSERT(same_hex(out, 32, "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"));
    struct mt_tls_keys k;
    memset(&k, 0, sizeof k);
    n = unhex(client_ap_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL(mt_tls13_keys(&k, s, secret, n), 0);
    CU_ASSERT(same_hex(k.key, 16, "17422dda596ed5d9acd890e3c63f5051"));
    CU_ASSERT(same_hex(k.iv, 12, "5b78923dee08579033e523d9"));
    mt_tls_keys_free(&k);
    n = unhex(client_hs_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL(mt_tls13_keys(&k, s, secret, n), 0);
    CU_ASSERT(same_hex(k.key, 16, "dbfaa693d1762c5b666af5d950258d01"));
    CU_ASSERT(same_hex(k.iv, 12, "5bd3c71b836e0b76bb73265f"));
    mt_tls_keys_free(&k);
}

/* Opens the record given in hex (header included) with keys of secret. */
static int open_hex(struct mt_tls_keys *k, const char *record, uint8_t *buf, size_t *off,
                    size_t *len, uint8_t *type)
{
    size_t n = unhex(record, buf, 1024);
    if (n < 5)
        return -2;
    return mt_tls_open(k, buf[0], (uint16_t)(buf[1] << 8 | buf[2]), buf + 5, n - 5, off, len,
                       type);
}

static void test_rfc8448_records(void)
{
    const struct mt_tls_suite *s = mt_tls_suite(0x1301);
    uint8_t secret[48], buf[1024], payload[50];
    size_t off, len, n;
    uint8_t type;
    for (int i = 0; i < 50; i++)
        payload[i] = (uint8_t)i;
    struct mt_tls_keys k;
    memset(&k, 0, sizeof k);

    /* {client} Finished under the client handshake keys. */
    n = unhex(client_hs_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL_FATAL(mt_tls13_keys(&k, s, secret, n), 0);
    CU_ASSERT_EQUAL(open_hex(&k,
                             "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc"
                             "44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546",
                             buf, &off, &len, &type),
                    0);
    CU_ASSERT_EQUAL(type, 22);
    CU_ASSERT(same_hex(buf + 5 + off, len,
                       "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"));

    /* {client} application data 00..31 (sequence 0), then close_notify (1). */
    n = unhex(client_ap_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL_FATAL(mt_tls13_keys(&k, s, secret, n), 0);
    CU_ASSERT_EQUAL(open_hex(&k,
                             "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f"
                             "2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae6"
                             "3aeebb21694915e4",
                             buf, &off, &len, &type),
                    0);
    CU_ASSERT_EQUAL(type, 23);
    CU_ASSERT_EQUAL(len, 50);
    CU_ASSERT(len == 50 && memcmp(buf + 5 + off, payload, 50) == 0);
    CU_ASSERT_EQUAL(k.seq, 1);
    CU_ASSERT_EQUAL(open_hex(&k, "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3", buf, &off,
                             &len, &type),
                    0);
    CU_ASSERT_EQUAL(type, 21);
    CU_ASSERT(same_hex(buf + 5 + off, len, "0100"));
    /* The same record again (the wrong sequence number) does not open. */
    CU_ASSERT_EQUAL(open_hex(&k, "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3", buf, &off,
                             &len, &type),
                    -1);
    CU_ASSERT_EQUAL(k.seq, 2);

    /* {server} application data: after the NewSessionTicket (sequence 0). */
    n = unhex(server_ap_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL_FATAL(mt_tls13_keys(&k, s, secret, n), 0);
    k.seq = 1;
    CU_ASSERT_EQUAL(open_hex(&k,
                             "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36"
                             "e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf33254"
                             "0dd032e167c2955d",
                             buf, &off, &len, &type),
                    0);
    CU_ASSERT(type == 23 && len == 50 && memcmp(buf + 5 + off, payload, 50) == 0);
    mt_tls_keys_free(&k);
}

static void test_key_update(void)
{
    /* A KeyUpdate's next secret is HKDF-Expand-Label(secret, "traffic upd"). */
    uint8_t a[32], b[32], want[32];
    unhex(client_ap_secret, a, sizeof a);
    memcpy(b, a, sizeof a);
    CU_ASSERT_EQUAL(mt_tls13_expand_label(MT_TLS_SHA256, a, 32, "traffic upd", NULL, 0, want, 32),
                    0);
    CU_ASSERT_EQUAL(mt_tls13_next_secret(MT_TLS_SHA256, b, 32), 0);
    CU_ASSERT_EQUAL(memcmp(b, want, 32), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 32), 0);
}

static void test_tls12_prf(void)
{
    uint8_t secret[16], seed[16], out[148];
    unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
    unhex("a0ba9f936cda311827a6f796ffd5198c", seed, 16);
    CU_ASSERT_EQUAL(mt_tls12_prf(MT_TLS_SHA256, secret, 16, "test label", seed, 16, out, 100), 0);
    CU_ASSERT(same_hex(out, 100,
                       "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                       "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                       "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                       "87347b66"));
    unhex("b80b733d6ceefcdc71566ea48e5567df", secret, 16);
    unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, 16);
    CU_ASSERT_EQUAL(mt_tls12_prf(MT_TLS_SHA384, secret, 16, "test label", seed, 16, out, 148), 0);
    CU_ASSERT(same_hex(out, 16, "7b0c18e9ced410ed1804f2cfa34a336a"));
}

/* --- TLS 1.0-1.2 records sealed here -------------------------------------- */

/* Seals content as the sender of keys k would (the inverse of opening):
 * returns the fragment length written to out. */
static size_t seal12(struct mt_tls_keys *k, uint64_t seq, uint8_t type,
                     const uint8_t *content, size_t n, uint8_t *out)
{
    const struct mt_tls_suite *s = k->suite;
    uint8_t head[13];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *ciph = s->mode == MT_TLS_CHACHA ? EVP_chacha20_poly1305()
                             : s->mode == MT_TLS_GCM
                                 ? (s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm())
                                 : (s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc());
    size_t w = 0;
    int l;
    for (int i = 7; i >= 0; i--)
        head[7 - i] = (uint8_t)(seq >> (8 * i));
    head[8] = type;
    head[9] = (uint8_t)(k->version >> 8);
    head[10] = (uint8_t)k->version;
    if (s->mode != MT_TLS_CBC) {
        uint8_t nonce[12];
        size_t ex = s->mode == MT_TLS_GCM ? 8 : 0;
        if (ex) {
            memcpy(nonce, k->iv, 4);
            memcpy(nonce + 4, head, 8); /* the explicit part: here the sequence number */
            memcpy(out, head, 8);
        } else {
            memcpy(nonce, k->iv, 12);
            for (int i = 0; i < 8; i++)
                nonce[4 + i] ^= head[i];
        }
        head[11] = (uint8_t)(n >> 8);
        head[12] = (uint8_t)n;
        EVP_EncryptInit_ex(c, ciph, NULL, k->key, nonce);
        EVP_EncryptUpdate(c, NULL, &l, head, 13);
        EVP_EncryptUpdate(c, out + ex, &l, content, (int)n);
        EVP_EncryptFinal_ex(c, out + ex + l, &l);
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + ex + n);
        EVP_CIPHER_CTX_free(c);
        return ex + n + 16;
    }
    /* CBC: IV (TLS 1.1+), content, MAC (MtE), padding; or EtM's MAC last. */
    size_t mlen = mt_tls_hash_len(s->mac);
    const char *md = s->mac == MT_TLS_SHA1 ? "SHA1" : s->mac == MT_TLS_SHA256 ? "SHA256" : "SHA384";
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
                      OSSL_PARAM_construct_end()};
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *m = EVP_MAC_CTX_new(mac);
    uint8_t plain[2048], iv[16];
    size_t ivlen = k->version == 0x0301 ? 0 : 16, pn = n, ml;
    memset(iv, 0x5a, sizeof iv);
    if (!ivlen)
        memcpy(iv, k->iv, 16);
    memcpy(plain, content, n);
    if (!k->etm) {
        head[11] = (uint8_t)(n >> 8);
        head[12] = (uint8_t)n;
        EVP_MAC_init(m, k->mac_key, mlen, p);
        EVP_MAC_update(m, head, 13);
        EVP_MAC_update(m, content, n);
        EVP_MAC_final(m, plain + pn, &ml, 64);
        pn += mlen;
    }
    size_t pad = 15 - pn % 16 + 16; /* a longer padding than needed is allowed */
    memset(plain + pn, (int)pad, pad + 1);
    pn += pad + 1;
    memcpy(out, iv, ivlen);
    EVP_EncryptInit_ex(c, ciph, NULL, k->key, iv);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, out + ivlen, &l, plain, (int)pn);
    w = ivlen + pn;
    if (!ivlen) /* TLS 1.0: the next record's IV is this one's last block */
        memcpy(k->iv, out + w - 16, 16);
    if (k->etm) {
        head[11] = (uint8_t)(w >> 8);
        head[12] = (uint8_t)w;
        EVP_MAC_init(m, k->mac_key, mlen, p);
        EVP_MAC_update(m, head, 13);
        EVP_MAC_update(m, out, w);
        EVP_MAC_final(m, out + w, &ml, 64);
        w += mlen;
    }
    EVP_MAC_CTX_free(m);
    EVP_MAC_free(mac);
    EVP_CIPHER_CTX_free(c);
    return w;
}

static void check_suite(uint16_t id, uint16_t version, int etm)
{
    const struct mt_tls_suite *s = mt_tls_suite(id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    uint8_t master[48], cr[32], sr[32];
    for (int i = 0; i < 48; i++)
        master[i] = (uint8_t)(i * 7 + id);
    memset(cr, 0xc1, sizeof cr);
    memset(sr, 0x5e, sizeof sr);
    struct mt_tls_keys client, server, sender;
    memset(&client, 0, sizeof client);
    memset(&server, 0, sizeof server);
    memset(&sender, 0, sizeof sender);
    CU_ASSERT_EQUAL_FATAL(mt_tls12_keys(s, version, etm, master, cr, sr, &client, &server), 0);
    CU_ASSERT_EQUAL(memcmp(client.key, server.key, s->key_len) != 0, 1);
    sender = client; /* the same keys as the client sent them with */
    static const char *const lines[] = {"a LOGIN bob s3cret\r\n", "", "x",
                                        "a message longer than one block of the cipher\r\n"};
    for (size_t i = 0; i < 4; i++) {
        uint8_t rec[2048];
        size_t n = seal12(&sender, i, 23, (const uint8_t *)lines[i], strlen(lines[i]), rec);
        size_t off, len;
        uint8_t type;
        int rc = mt_tls_open(&client, 23, version, rec, n, &off, &len, &type);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "\ntls: suite %04x version %04x etm %d record %zu refused\n", id,
                    version, etm, i);
            continue;
        }
        CU_ASSERT(len == strlen(lines[i]) && memcmp(rec + off, lines[i], len) == 0);
    }
    CU_ASSERT_EQUAL(client.seq, 4);
    /* One flipped bit anywhere in a record: refused. */
    uint8_t rec[2048];
    size_t n = seal12(&sender, 4, 23, (const uint8_t *)"PASS x\r\n", 8, rec);
    rec[n / 2] ^= 0x04;
    size_t off, len;
    uint8_t type;
    CU_ASSERT_EQUAL(mt_tls_open(&client, 23, version, rec, n, &off, &len, &type), -1);
    /* A record of the other direction's keys: refused. */
    n = seal12(&sender, 0, 23, (const uint8_t *)"PASS x\r\n", 8, rec);
    server.seq = 0;
    if (version != 0x0301)
        CU_ASSERT_EQUAL(mt_tls_open(&server, 23, version, rec, n, &off, &len, &type), -1);
    mt_tls_keys_free(&client);
    mt_tls_keys_free(&server);
}

static void test_tls12_records(void)
{
    check_suite(0xC02B, 0x0303, 0); /* AES-128-GCM */
    check_suite(0xC030, 0x0303, 0); /* AES-256-GCM */
    check_suite(0xCCA9, 0x0303, 0); /* ChaCha20-Poly1305 */
    check_suite(0xC009, 0x0303, 1); /* AES-128-CBC-SHA, encrypt-then-MAC */
    check_suite(0xC009, 0x0303, 0); /* and MAC-then-encrypt */
    check_suite(0xC027, 0x0303, 1); /* AES-128-CBC-SHA256 */
    check_suite(0xC028, 0x0303, 0); /* AES-256-CBC-SHA384 */
    check_suite(0xC014, 0x0302, 0); /* TLS 1.1: explicit IV, MD5/SHA-1 PRF */
    check_suite(0xC013, 0x0301, 0); /* TLS 1.0: chained IV */
    CU_ASSERT_PTR_NULL(mt_tls_suite(0x0005)); /* RC4: not read */
    CU_ASSERT_PTR_NULL(mt_tls_suite(0x1304)); /* AES-CCM: not read */
}

static void test_malformed_records(void)
{
    const struct mt_tls_suite *s = mt_tls_suite(0x1301);
    uint8_t secret[32], buf[64] = {0};
    size_t off, len;
    uint8_t type;
    struct mt_tls_keys k;
    memset(&k, 0, sizeof k);
    unhex(client_ap_secret, secret, sizeof secret);
    CU_ASSERT_EQUAL_FATAL(mt_tls13_keys(&k, s, secret, 32), 0);
    for (size_t n = 0; n <= 17; n++)
        CU_ASSERT_EQUAL(mt_tls_open(&k, 23, 0x0303, buf, n, &off, &len, &type), -1);
    CU_ASSERT_EQUAL(mt_tls_open(&k, 22, 0x0303, buf, 40, &off, &len, &type), -1);
    CU_ASSERT_EQUAL(k.seq, 0);
    mt_tls_keys_free(&k);
    /* No keys at all. */
    struct mt_tls_keys none;
    memset(&none, 0, sizeof none);
    none.suite = s;
    CU_ASSERT_EQUAL(mt_tls_open(&none, 23, 0x0303, buf, 40, &off, &len, &type), -1);
}

int register_tls_crypto_suite(void)
{
    CU_pSuite s = CU_add_suite("tls_crypto", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "RFC 8448 keys", test_rfc8448_keys) ||
        !CU_add_test(s, "RFC 8448 records", test_rfc8448_records) ||
        !CU_add_test(s, "KeyUpdate", test_key_update) ||
        !CU_add_test(s, "TLS 1.2 PRF", test_tls12_prf) ||
        !CU_add_test(s, "TLS 1.0-1.2 records of every mode", test_tls12_records) ||
        !CU_add_test(s, "malformed records", test_malformed_records))
        return -1;
    return 0;
}
