/* libFuzzer target: the TLS reader past authentication. A fixed
 * TLS 1.3 ClientHello and ServerHello (TLS_AES_128_GCM_SHA256), then records
 * the harness encrypts itself from the input, so that hostile *decrypted*
 * content (handshake messages cut anywhere, Finished, KeyUpdate, alerts,
 * padding, the server's Certificate) reaches hs_feed, the key changes
 * and the certificate reader. Input: records of
 * [flags][type][len:1][bytes]; flags bit0 direction, bits1-2 the key
 * (handshake, traffic 0, traffic 1 (after one KeyUpdate), none: raw bytes),
 * bit3 feed the record one byte at a time. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "mailtap/keylog.h"
#include "mailtap/tls_crypto.h"
#include "mailtap/tls_decrypt.h"
#include "mailtap/transform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char keys[] = FUZZ_TLS13_KEYS;

static uint8_t kk[2][3][16], kiv[2][3][12];

static void hexs(const char *h, uint8_t *out)
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void setup(void)
{
    const char *lines[4] = {strstr(keys, "CLIENT_HANDSHAKE"), strstr(keys, "SERVER_HANDSHAKE"),
                            strstr(keys, "CLIENT_TRAFFIC"), strstr(keys, "SERVER_TRAFFIC")};
    for (int i = 0; i < 4; i++) {
        uint8_t s[32];
        hexs(strchr(strchr(lines[i], ' ') + 1, ' ') + 1, s);
        int dir = i & 1, k = i >> 1;
        mt_tls13_expand_label(MT_TLS_SHA256, s, 32, "key", NULL, 0, kk[dir][k], 16);
        mt_tls13_expand_label(MT_TLS_SHA256, s, 32, "iv", NULL, 0, kiv[dir][k], 12);
        if (k == 1) {
            mt_tls13_next_secret(MT_TLS_SHA256, s, 32);
            mt_tls13_expand_label(MT_TLS_SHA256, s, 32, "key", NULL, 0, kk[dir][2], 16);
            mt_tls13_expand_label(MT_TLS_SHA256, s, 32, "iv", NULL, 0, kiv[dir][2], 12);
        }
    }
}

/* The plaintext goes nowhere; FUZZ_SHOW=1 prints it, to look at a run. */
static size_t top_data(void *c, const uint8_t *p, size_t n)
{
    (void)c;
    if (getenv("FUZZ_SHOW"))
        fprintf(stderr, "[%.*s]", (int)n, (const char *)p);
    return n;
}
static void top_gap(void *c, uint64_t n) { (void)c, (void)n; }
static void top_unr(void *c, const char *l, const char *w) { (void)c, (void)l, (void)w; }
static void rep(void *c, const struct mt_tls_report *r) { (void)c, (void)r; }
static void cert(void *c, const struct mt_tls_cert *x)
{
    (void)c;
    if (!memchr(x->subject, 0, sizeof x->subject) || !memchr(x->issuer, 0, sizeof x->issuer))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mt_keylog *kl;
    static EVP_CIPHER_CTX *cx;
    if (!kl) {
        setup();
        kl = mt_keylog_new(0, NULL, NULL);
        mt_keylog_add_text(kl, (const uint8_t *)keys, sizeof keys - 1, "fuzz");
        cx = EVP_CIPHER_CTX_new();
    }
    struct mt_budget budget = {.max = 1 << 20};
    struct mt_tls_observer obs = {.report = rep};
    struct mt_tls_session *t = mt_tls_new(kl, &obs, &budget);
    mt_tls_on_certificate(t, cert);
    static const struct mt_xform_top top = {top_data, top_gap, top_unr};
    struct mt_xform_chain ch[2];
    for (int d = 0; d < 2; d++) {
        mt_xform_init(&ch[d], &top, NULL);
        mt_xform_push(&ch[d], &mt_xform_tls, mt_tls_direction(t, d));
    }
    uint8_t ch_hello[5 + 4 + 41] = {0x16, 3, 1, 0, 45, 1, 0, 0, 41, 3, 3};
    ch_hello[9 + 2 + 32] = 0;                                  /* session id */
    memcpy(ch_hello + 9 + 35, "\x00\x02\x13\x01\x01\x00", 6); /* suites, compression */
    mt_xform_feed(&ch[0], ch_hello, sizeof ch_hello);
    uint8_t sh[5 + 4 + 46] = {0x16, 3, 3, 0, 50, 2, 0, 0, 46, 3, 3};
    memset(sh + 11, 0x55, 32);
    memcpy(sh + 43, "\x00\x13\x01\x00\x00\x06\x00\x2b\x00\x02\x03\x04", 12);
    mt_xform_feed(&ch[1], sh, sizeof sh);
    uint64_t seq[2][3] = {{0}};
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t fl = data[i], type = data[i + 1];
        size_t len = data[i + 2];
        i += 3;
        if (len > size - i)
            len = size - i; /* at most 255: the record below has room */
        int dir = fl & 1, k = (fl >> 1) & 3;
        uint8_t rec[5 + 256 + 1 + 16];
        size_t n;
        if (k == 3) { /* raw bytes as they are */
            memcpy(rec, data + i, len);
            n = len;
        } else {
            uint8_t nonce[12];
            memcpy(nonce, kiv[dir][k], 12);
            for (int b = 0; b < 8; b++)
                nonce[4 + b] ^= (uint8_t)(seq[dir][k] >> (56 - 8 * b));
            seq[dir][k]++;
            uint8_t pt[257];
            memcpy(pt, data + i, len);
            pt[len] = type;
            size_t ct = len + 1 + 16;
            rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(ct >> 8), rec[4] = (uint8_t)ct;
            int l;
            EVP_EncryptInit_ex(cx, EVP_aes_128_gcm(), NULL, kk[dir][k], nonce);
            EVP_EncryptUpdate(cx, NULL, &l, rec, 5);
            EVP_EncryptUpdate(cx, rec + 5, &l, pt, (int)len + 1);
            EVP_EncryptFinal_ex(cx, rec + 5 + l, &l);
            EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + len + 1);
            n = 5 + ct;
        }
        i += len;
        if (fl & 8)
            for (size_t b = 0; b < n; b++)
                mt_xform_feed(&ch[dir], rec + b, 1);
        else
            mt_xform_feed(&ch[dir], rec, n);
    }
    for (int d = 0; d < 2; d++)
        mt_xform_end(&ch[d]), mt_xform_free(&ch[d]);
    mt_tls_free(t);
    if (budget.used != 0)
        __builtin_trap(); /* everything taken must be given back */
    return 0;
}
