/* The server's certificate as the TLS reader reports it
 * (mt_tls_on_certificate, tls_decrypt.h). Real TLS 1.2 and 1.3 handshakes
 * by libssl in memory (as test_tls_decrypt.c) with self-signed, CA-signed
 * and expired certificates, Certificate messages cut across records and
 * chains past 64 KiB; then hostile Certificate messages, in the clear in a
 * TLS 1.2 flight rebuilt around them, and encrypted in a TLS 1.3 session
 * whose secrets the test chose: lengths past the end, empty entries,
 * garbage DER, random damage. */
#include <CUnit/CUnit.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailtap/keylog.h"
#include "mailtap/tls_crypto.h"
#include "mailtap/tls_decrypt.h"
#include "mailtap/transform.h"
#include "suites.h"

/* --- a TLS connection in memory ----------------------------------------------- */

#define WIRE_MAX (1 << 18)
#define T0 1700000000L /* 2023-11-14T22:13:20Z: the fixed certificates' notBefore */
#define YEAR (365L * 86400)

struct wire {
    uint8_t bytes[2][WIRE_MAX]; /* what the client [0] and the server [1] sent */
    size_t len[2];
    struct {
        int dir;
        size_t end;
    } turn[256];
    size_t nturns;
    char keylog[8192];
    size_t keylog_len;
};

static struct wire *current;

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    size_t n = strlen(line);
    if (current && current->keylog_len + n + 1 < sizeof current->keylog) {
        memcpy(current->keylog + current->keylog_len, line, n);
        current->keylog_len += n;
        current->keylog[current->keylog_len++] = '\n';
    }
}

static void pump(struct wire *w, BIO *from, BIO *to, int dir)
{
    uint8_t buf[16384];
    int k;
    while ((k = BIO_read(from, buf, sizeof buf)) > 0) {
        if (w->len[dir] + (size_t)k > WIRE_MAX)
            return;
        memcpy(w->bytes[dir] + w->len[dir], buf, (size_t)k);
        w->len[dir] += (size_t)k;
        if (w->nturns && w->turn[w->nturns - 1].dir == dir)
            w->turn[w->nturns - 1].end = w->len[dir];
        else if (w->nturns < 256)
            w->turn[w->nturns++].dir = dir, w->turn[w->nturns - 1].end = w->len[dir];
        BIO_write(to, buf, k);
    }
}

static EVP_PKEY *ca_key, *leaf_key;
static X509 *ca, *self, *signed_leaf, *expired;

struct cert_opts {
    const char *cn, *org;  /* the subject */
    X509 *issuer;          /* NULL: its own subject is its issuer */
    EVP_PKEY *signer;      /* NULL: leaf_key */
    int expired;           /* valid from two days ago to one day ago, else T0 to T0 + a year */
    const char *ext;       /* "basicConstraints=...": NID, value in ext_value */
    int ext_nid;
    int utf8;              /* cn is UTF-8 */
};

static X509 *make_cert(const struct cert_opts *o, EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0xffff) + 1);
    if (o->expired) {
        X509_gmtime_adj(X509_getm_notBefore(x), -2 * 86400);
        X509_gmtime_adj(X509_getm_notAfter(x), -86400);
    } else {
        ASN1_TIME_set(X509_getm_notBefore(x), T0);
        ASN1_TIME_set(X509_getm_notAfter(x), T0 + YEAR);
    }
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    if (o->org)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)o->org, -1,
                                   -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", o->utf8 ? MBSTRING_UTF8 : MBSTRING_ASC,
                               (const unsigned char *)o->cn, -1, -1, 0);
    X509_set_issuer_name(x, o->issuer ? X509_get_subject_name(o->issuer) : name);
    if (o->ext) {
        X509V3_CTX v3;
        X509V3_set_ctx(&v3, o->issuer ? o->issuer : x, x, NULL, NULL, 0);
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, o->ext_nid, o->ext);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, o->signer ? o->signer : leaf_key, EVP_sha256());
    return x;
}

static int setup(void)
{
    ca_key = EVP_EC_gen("P-256");
    leaf_key = EVP_EC_gen("P-256");
    struct cert_opts o_ca = {.cn = "Mailtap Test CA", .org = "Mailtap", .signer = ca_key,
                             .ext = "critical,CA:TRUE", .ext_nid = NID_basic_constraints};
    ca = make_cert(&o_ca, ca_key);
    struct cert_opts o_self = {.cn = "mail.test", .org = "Mailtap Test"};
    self = make_cert(&o_self, leaf_key);
    struct cert_opts o_leaf = {.cn = "imap.test", .org = "Mailtap Test", .issuer = ca,
                               .signer = ca_key};
    signed_leaf = make_cert(&o_leaf, leaf_key);
    struct cert_opts o_old = {.cn = "old.test", .expired = 1};
    expired = make_cert(&o_old, leaf_key);
    return ca_key && leaf_key && ca && self && signed_leaf && expired ? 0 : -1;
}

static int teardown(void)
{
    X509_free(ca), X509_free(self), X509_free(signed_leaf), X509_free(expired);
    EVP_PKEY_free(ca_key), EVP_PKEY_free(leaf_key);
    return 0;
}

struct conn {
    int version;      /* TLS1_2_VERSION, TLS1_3_VERSION */
    X509 *leaf;       /* signed with leaf_key */
    X509 *chain;      /* sent after it, copies times (0: not sent) */
    int copies;
    unsigned frag;    /* the server's largest record (0: 16 KiB) */
};

/* A connection: the handshake, a line each way, close_notify. */
static int run_conn(struct wire *w, const struct conn *o)
{
    memset(w, 0, sizeof *w);
    current = w;
    SSL_CTX *cc = SSL_CTX_new(TLS_client_method()), *sc = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(cc, o->version);
    SSL_CTX_set_max_proto_version(cc, o->version);
    SSL_CTX_set_keylog_callback(cc, keylog_cb);
    SSL_CTX_set_max_cert_list(cc, 1 << 20);
    SSL_CTX_use_certificate(sc, o->leaf);
    SSL_CTX_use_PrivateKey(sc, leaf_key);
    for (int i = 0; i < o->copies; i++)
        SSL_CTX_add1_chain_cert(sc, o->chain);
    if (o->frag)
        SSL_CTX_set_max_send_fragment(sc, o->frag);
    SSL *c = SSL_new(cc), *s = SSL_new(sc);
    BIO *cr = BIO_new(BIO_s_mem()), *cw = BIO_new(BIO_s_mem());
    BIO *sr = BIO_new(BIO_s_mem()), *sw = BIO_new(BIO_s_mem());
    SSL_set_bio(c, cr, cw);
    SSL_set_bio(s, sr, sw);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    for (int i = 0; i < 100 && !(SSL_is_init_finished(c) && SSL_is_init_finished(s)); i++) {
        SSL_do_handshake(c);
        SSL_do_handshake(s);
        pump(w, cw, sr, 0);
        pump(w, sw, cr, 1);
    }
    int ok = SSL_is_init_finished(c) && SSL_is_init_finished(s);
    char buf[4096];
    SSL_write(c, "a LOGIN bob s3cret\r\n", 20);
    pump(w, cw, sr, 0);
    while (SSL_read(s, buf, sizeof buf) > 0)
        ;
    pump(w, sw, cr, 1); /* TLS 1.3: the tickets */
    SSL_write(s, "a OK\r\n", 6);
    pump(w, sw, cr, 1);
    while (SSL_read(c, buf, sizeof buf) > 0)
        ;
    SSL_shutdown(c);
    pump(w, cw, sr, 0);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cc);
    SSL_CTX_free(sc);
    ERR_clear_error();
    current = NULL;
    return ok ? 0 : -1;
}

/* --- the reader over those bytes ---------------------------------------------- */

struct got {
    int certs;
    struct mt_tls_cert cert;
    int cert_warns;   /* warnings about the certificate */
    char warned[256]; /* the last */
    int reports;
    enum mt_tls_outcome outcome;
    char text[2][256];
    size_t len[2];
};

struct top_ctx {
    struct got *g;
    int dir;
};

static size_t got_data(void *ctx, const uint8_t *p, size_t n)
{
    struct top_ctx *t = ctx;
    size_t room = sizeof t->g->text[0] - 1 - t->g->len[t->dir], k = n < room ? n : room;
    memcpy(t->g->text[t->dir] + t->g->len[t->dir], p, k);
    t->g->len[t->dir] += k;
    return n;
}
static void got_gap(void *ctx, uint64_t n) { (void)ctx, (void)n; }
static void got_unreadable(void *c, const char *l, const char *w) { (void)c, (void)l, (void)w; }
static const struct mt_xform_top got_top = {got_data, got_gap, got_unreadable};

static void on_report(void *ctx, const struct mt_tls_report *r)
{
    struct got *g = ctx;
    g->reports++;
    g->outcome = r->outcome;
}

static void on_warn(void *ctx, const char *text)
{
    struct got *g = ctx;
    if (strstr(text, "certificate"))
        g->cert_warns++;
    snprintf(g->warned, sizeof g->warned, "%s", text);
}

/* Whether a field is NUL-terminated printable ASCII. */
static int printable(const char *s, size_t size)
{
    const char *end = memchr(s, '\0', size);
    if (!end)
        return 0;
    for (; s < end; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static void on_cert(void *ctx, const struct mt_tls_cert *c)
{
    struct got *g = ctx;
    g->certs++;
    g->cert = *c;
    CU_ASSERT(printable(c->subject, sizeof c->subject));
    CU_ASSERT(printable(c->issuer, sizeof c->issuer));
    CU_ASSERT(printable(c->sha256, sizeof c->sha256));
}

/* A reader over two directions, fed by the caller. */
struct rig {
    struct mt_budget budget;
    struct mt_keylog *kl;
    struct mt_tls_session *t;
    struct mt_xform_chain chain[2];
    struct top_ctx tc[2];
};

static void rig_open(struct rig *r, const char *keylog, size_t budget, struct got *g)
{
    memset(g, 0, sizeof *g);
    memset(r, 0, sizeof *r);
    r->budget.max = budget;
    if (keylog) {
        r->kl = mt_keylog_new(0, NULL, NULL);
        mt_keylog_add_text(r->kl, (const uint8_t *)keylog, strlen(keylog), "test");
    }
    struct mt_tls_observer obs = {on_report, NULL, on_warn, g};
    r->t = mt_tls_new(r->kl, &obs, &r->budget);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->t);
    mt_tls_on_certificate(r->t, on_cert);
    for (int d = 0; d < 2; d++) {
        r->tc[d].g = g, r->tc[d].dir = d;
        mt_xform_init(&r->chain[d], &got_top, &r->tc[d]);
        mt_xform_push(&r->chain[d], &mt_xform_tls, mt_tls_direction(r->t, d));
    }
}

static void rig_close(struct rig *r)
{
    for (int d = 0; d < 2; d++) {
        mt_xform_end(&r->chain[d]);
        mt_xform_free(&r->chain[d]);
    }
    mt_tls_free(r->t);
    mt_keylog_free(r->kl);
    CU_ASSERT_EQUAL(r->budget.used, 0); /* everything it took, it gave back */
}

/* The wire's bytes in the order sent, step bytes at a time (0: whole turns). */
static void read_wire(const struct wire *w, const char *kl, size_t step, size_t budget,
                      struct got *g)
{
    static struct rig r;
    rig_open(&r, kl, budget, g);
    size_t pos[2] = {0, 0};
    for (size_t i = 0; i < w->nturns; i++) {
        int d = w->turn[i].dir;
        while (pos[d] < w->turn[i].end) {
            size_t n = w->turn[i].end - pos[d];
            if (step && n > step)
                n = step;
            mt_xform_feed(&r.chain[d], w->bytes[d] + pos[d], n);
            pos[d] += n;
        }
    }
    rig_close(&r);
}

static void fingerprint(X509 *x, char out[65])
{
    unsigned char *der = NULL, md[32];
    int n = i2d_X509(x, &der);
    EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL);
    OPENSSL_free(der);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* What the reader said of x, a certificate of fixed times. */
static void check_cert(const struct got *g, X509 *x, const char *subject, const char *issuer,
                       int self_signed, uint16_t version, int in_clear)
{
    char fp[65];
    fingerprint(x, fp);
    CU_ASSERT_EQUAL(g->certs, 1);
    CU_ASSERT_STRING_EQUAL(g->cert.subject, subject);
    CU_ASSERT_STRING_EQUAL(g->cert.issuer, issuer);
    CU_ASSERT_EQUAL(g->cert.self_signed, self_signed);
    CU_ASSERT_STRING_EQUAL(g->cert.sha256, fp);
    CU_ASSERT_EQUAL(g->cert.version, version);
    CU_ASSERT_EQUAL(g->cert.in_clear, in_clear);
    CU_ASSERT_EQUAL(g->cert_warns, 0);
    if (x != expired) {
        CU_ASSERT_EQUAL(g->cert.not_before, T0);
        CU_ASSERT_EQUAL(g->cert.not_after, T0 + YEAR);
    }
}

static struct wire w1;

/* One connection read whole and a byte at a time, with its key log: the
 * certificate once, and the session still read. */
static void check_conn(const struct conn *o, X509 *x, const char *subject, const char *issuer,
                       int self_signed)
{
    static struct got g;
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, o), 0);
    int tls13 = o->version == TLS1_3_VERSION;
    for (size_t step = 0; step < 3; step += 1 + (step == 0)) {
        read_wire(&w1, w1.keylog, step, 1 << 20, &g);
        check_cert(&g, x, subject, issuer, self_signed, tls13 ? 0x0304 : 0x0303, !tls13);
        CU_ASSERT_EQUAL(g.outcome, MT_TLS_DECRYPTED);
        CU_ASSERT_STRING_EQUAL(g.text[0], "a LOGIN bob s3cret\r\n");
        CU_ASSERT_STRING_EQUAL(g.text[1], "a OK\r\n");
    }
    /* Without the key log: TLS 1.2's is in the clear, TLS 1.3's is not seen. */
    read_wire(&w1, NULL, 0, 1 << 20, &g);
    if (tls13) {
        CU_ASSERT_EQUAL(g.certs, 0);
        CU_ASSERT_EQUAL(g.cert_warns, 0);
    } else {
        check_cert(&g, x, subject, issuer, self_signed, 0x0303, 1);
    }
}

static const int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION};

static void test_self_signed(void)
{
    for (int v = 0; v < 2; v++) {
        struct conn o = {.version = versions[v], .leaf = self};
        check_conn(&o, self, "CN=mail.test,O=Mailtap Test", "CN=mail.test,O=Mailtap Test", 1);
    }
}

static void test_ca_signed(void)
{
    for (int v = 0; v < 2; v++) {
        struct conn o = {.version = versions[v], .leaf = signed_leaf, .chain = ca, .copies = 1};
        check_conn(&o, signed_leaf, "CN=imap.test,O=Mailtap Test", "CN=Mailtap Test CA,O=Mailtap",
                   0);
    }
}

static void test_expired(void)
{
    static struct got g;
    for (int v = 0; v < 2; v++) {
        struct conn o = {.version = versions[v], .leaf = expired};
        check_conn(&o, expired, "CN=old.test", "CN=old.test", 1);
        read_wire(&w1, w1.keylog, 0, 1 << 20, &g);
        int64_t now = (int64_t)time(NULL);
        CU_ASSERT(g.cert.not_after < now);
        CU_ASSERT(g.cert.not_after > now - 86400 - 600 && g.cert.not_after <= now - 86400);
        CU_ASSERT_EQUAL(g.cert.not_after - g.cert.not_before, 86400);
    }
}

/* Records of at most 512 bytes: the Certificate (leaf and CA, about 900
 * bytes) spans several, in the clear and encrypted. */
static void test_split(void)
{
    for (int v = 0; v < 2; v++) {
        struct conn o = {.version = versions[v], .leaf = signed_leaf, .chain = ca, .copies = 1,
                         .frag = 512};
        check_conn(&o, signed_leaf, "CN=imap.test,O=Mailtap Test", "CN=Mailtap Test CA,O=Mailtap",
                   0);
        size_t records = 0;
        for (size_t p = 0; p + 5 <= w1.turn[1].end; p += 5 + (w1.bytes[1][p + 3] << 8 | w1.bytes[1][p + 4]))
            records++;
        CU_ASSERT(records >= 4); /* the server's first flight */
    }
}

/* What is and is not self-signed; names outside ASCII. */
static void test_names(void)
{
    /* Its own name as issuer, signed by another key: not self-signed. */
    struct cert_opts o1 = {.cn = "fake.test", .signer = ca_key};
    X509 *lookalike = make_cert(&o1, leaf_key);
    struct conn o = {.version = TLS1_2_VERSION, .leaf = lookalike};
    check_conn(&o, lookalike, "CN=fake.test", "CN=fake.test", 0);
    /* Self-signed with a key usage that does not allow signing
     * certificates: self-signed all the same. */
    struct cert_opts o2 = {.cn = "ku.test", .ext = "critical,digitalSignature",
                           .ext_nid = NID_key_usage};
    X509 *ku = make_cert(&o2, leaf_key);
    o.leaf = ku;
    check_conn(&o, ku, "CN=ku.test", "CN=ku.test", 1);
    /* UTF-8 and a comma: escaped, printable. */
    struct cert_opts o3 = {.cn = "m\xc3\xa9il, \x01test", .utf8 = 1};
    X509 *utf = make_cert(&o3, leaf_key);
    o.leaf = utf;
    o.version = TLS1_3_VERSION;
    static struct got g;
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    read_wire(&w1, w1.keylog, 0, 1 << 20, &g);
    CU_ASSERT_EQUAL(g.certs, 1);
    CU_ASSERT_STRING_EQUAL(g.cert.subject, "CN=m\\C3\\A9il\\, \\01test");
    /* A name longer than the field: cut, still terminated. */
    X509 *longname = make_cert(&o3, leaf_key);
    X509_NAME *ln = X509_get_subject_name(longname);
    for (int i = 0; i < 6; i++)
        X509_NAME_add_entry_by_txt(ln, "OU", MBSTRING_ASC,
                                   (const unsigned char *)"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                                          "xxxxxxxxxxxxxxxxxxxx",
                                   -1, -1, 0);
    X509_sign(longname, leaf_key, EVP_sha256()); /* not self-signed: another issuer name now */
    o.leaf = longname;
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    read_wire(&w1, w1.keylog, 0, 1 << 20, &g);
    CU_ASSERT_EQUAL(g.certs, 1);
    CU_ASSERT_EQUAL(strlen(g.cert.subject), sizeof g.cert.subject - 1);
    CU_ASSERT_EQUAL(strncmp(g.cert.subject, "OU=xxx", 6), 0);
    CU_ASSERT_EQUAL(g.cert.self_signed, 0);
    X509_free(lookalike), X509_free(ku), X509_free(utf), X509_free(longname);
}

/* 70 KiB of certificates: the leaf, first, is read from the first 64 KiB
 * kept; with no budget for those 64 KiB, nothing is read, said once. */
static void test_big_chain(void)
{
    static struct got g;
    for (int v = 0; v < 2; v++) {
        struct conn o = {.version = versions[v], .leaf = self, .chain = ca, .copies = 220};
        CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
        CU_ASSERT(w1.turn[1].end > 70 * 1024);
        check_conn(&o, self, "CN=mail.test,O=Mailtap Test", "CN=mail.test,O=Mailtap Test", 1);
    }
    struct conn o = {.version = TLS1_2_VERSION, .leaf = self, .chain = ca, .copies = 220};
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    read_wire(&w1, NULL, 0, 1 << 20, &g);
    CU_ASSERT_EQUAL(g.certs, 1);
    /* The record buffers and the hello fit; 64 KiB more do not. */
    read_wire(&w1, NULL, 0, 64 * 1024, &g);
    CU_ASSERT_EQUAL(g.certs, 0);
    CU_ASSERT_EQUAL(g.cert_warns, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(g.warned, "no memory"));
    CU_ASSERT_EQUAL(g.reports, 1);
}

/* --- hostile Certificate messages ------------------------------------------------ */

static uint8_t hs[WIRE_MAX], flight[WIRE_MAX + 16384], body[WIRE_MAX];
static size_t flight_len;
static struct wire w12;
static uint8_t *self_der;
static size_t self_der_len;

/* Appends handshake bytes as records of at most frag bytes: in the clear,
 * or (tls13) encrypted under the server's handshake key, sequence *seq on. */
static void put_records(const uint8_t *p, size_t n, size_t frag, int tls13, uint64_t *seq)
{
    uint8_t secret[32], key[16], iv[12];
    memset(secret, 0x42, sizeof secret); /* the key log's, in send13 */
    mt_tls13_expand_label(MT_TLS_SHA256, secret, 32, "key", NULL, 0, key, 16);
    mt_tls13_expand_label(MT_TLS_SHA256, secret, 32, "iv", NULL, 0, iv, 12);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    while (n > 0) {
        size_t k = n < frag ? n : frag;
        uint8_t *rec = flight + flight_len;
        if (!tls13) {
            rec[0] = 22, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(k >> 8), rec[4] = (uint8_t)k;
            memcpy(rec + 5, p, k);
            flight_len += 5 + k;
        } else {
            uint8_t nonce[12], pt[16385];
            memcpy(nonce, iv, 12);
            for (int b = 0; b < 8; b++)
                nonce[4 + b] ^= (uint8_t)(*seq >> (56 - 8 * b));
            (*seq)++;
            memcpy(pt, p, k);
            pt[k] = 22;
            size_t ct = k + 1 + 16;
            rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(ct >> 8), rec[4] = (uint8_t)ct;
            int l;
            EVP_EncryptInit_ex(cx, EVP_aes_128_gcm(), NULL, key, nonce);
            EVP_EncryptUpdate(cx, NULL, &l, rec, 5);
            EVP_EncryptUpdate(cx, rec + 5, &l, pt, (int)k + 1);
            EVP_EncryptFinal_ex(cx, rec + 5 + l, &l);
            EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + k + 1);
            flight_len += 5 + ct;
        }
        p += k;
        n -= k;
    }
    EVP_CIPHER_CTX_free(cx);
}

/* A handshake message: its header says claim bytes, n follow. */
static size_t message(uint8_t *out, uint8_t type, const uint8_t *b, size_t n, size_t claim)
{
    out[0] = type, out[1] = (uint8_t)(claim >> 16), out[2] = (uint8_t)(claim >> 8);
    out[3] = (uint8_t)claim;
    memcpy(out + 4, b, n);
    return 4 + n;
}

/* A Certificate body in out: copies entries of der (TLS 1.3: with an empty
 * context and no extensions), their lengths as written changed by
 * entry_delta and list_delta. */
static size_t cert_entries(uint8_t *out, int tls13, const uint8_t *der, size_t n, int copies,
                           long list_delta, long entry_delta)
{
    size_t k = 0;
    if (tls13)
        out[k++] = 0;
    size_t list_at = k;
    k += 3;
    for (int i = 0; i < copies; i++) {
        size_t e = (size_t)((long)n + entry_delta) & 0xffffff;
        out[k] = (uint8_t)(e >> 16), out[k + 1] = (uint8_t)(e >> 8), out[k + 2] = (uint8_t)e;
        memcpy(out + k + 3, der, n);
        k += 3 + n;
        if (tls13)
            out[k++] = 0, out[k++] = 0;
    }
    size_t l = (size_t)((long)(k - list_at - 3) + list_delta) & 0xffffff;
    out[list_at] = (uint8_t)(l >> 16), out[list_at + 1] = (uint8_t)(l >> 8);
    out[list_at + 2] = (uint8_t)l;
    return k;
}

#define cert_body(...) cert_entries(body, __VA_ARGS__)

/* The server's first flight of a real TLS 1.2 session with its Certificate
 * replaced (cert bytes, its header saying claim), in records of frag bytes,
 * after that session's ClientHello; twice: a second Certificate (the real
 * one) follows; first: the replacement comes before the ServerHello. */
static void send12(const uint8_t *cert, size_t n, size_t claim, size_t frag, int twice, int first,
                   struct got *g)
{
    static struct rig r;
    size_t hlen = 0, out = 0, real_len = 0;
    const uint8_t *real = NULL;
    for (size_t p = 0; p + 5 <= w12.turn[1].end;) {
        size_t k = (size_t)w12.bytes[1][p + 3] << 8 | w12.bytes[1][p + 4];
        memcpy(hs + hlen, w12.bytes[1] + p + 5, k);
        hlen += k;
        p += 5 + k;
    }
    static uint8_t msgs[WIRE_MAX + 1024];
    if (first)
        out += message(msgs + out, 11, cert, n, claim);
    for (size_t p = 0; p + 4 <= hlen;) {
        size_t k = (size_t)hs[p + 1] << 16 | (size_t)hs[p + 2] << 8 | hs[p + 3];
        if (hs[p] == 11 && !first) {
            out += message(msgs + out, 11, cert, n, claim);
            real = hs + p + 4, real_len = k;
            if (twice)
                out += message(msgs + out, 11, real, real_len, real_len);
        } else {
            memcpy(msgs + out, hs + p, 4 + k);
            out += 4 + k;
        }
        p += 4 + k;
    }
    flight_len = 0;
    put_records(msgs, out, frag, 0, NULL);
    rig_open(&r, NULL, 1 << 20, g);
    mt_xform_feed(&r.chain[0], w12.bytes[0], w12.turn[0].end);
    mt_xform_feed(&r.chain[1], flight, flight_len);
    rig_close(&r);
}

/* A TLS 1.3 session of the test's own secrets (client random of zeros):
 * EncryptedExtensions, the Certificate given, the real one if twice,
 * Finished; encrypted in records of frag bytes. */
static void send13(const uint8_t *cert, size_t n, size_t claim, size_t frag, int twice, int first,
                   struct got *g)
{
    static struct rig r;
    static const char kl[] = "SERVER_HANDSHAKE_TRAFFIC_SECRET "
                             "0000000000000000000000000000000000000000000000000000000000000000 "
                             "4242424242424242424242424242424242424242424242424242424242424242\n";
    static uint8_t msgs[WIRE_MAX + 1024];
    (void)first;
    size_t out = message(msgs, 8, (const uint8_t *)"\0", 2, 2); /* EncryptedExtensions */
    out += message(msgs + out, 11, cert, n, claim);
    if (twice) {
        static uint8_t real[4096];
        size_t k = cert_entries(real, 1, self_der, self_der_len, 1, 0, 0);
        out += message(msgs + out, 11, real, k, k);
    }
    static const uint8_t zeros[32];
    out += message(msgs + out, 20, zeros, 32, 32);
    uint8_t ch[5 + 4 + 41] = {0x16, 3, 1, 0, 45, 1, 0, 0, 41, 3, 3};
    memcpy(ch + 9 + 35, "\x00\x02\x13\x01\x01\x00", 6);
    uint8_t sh[5 + 4 + 46] = {0x16, 3, 3, 0, 50, 2, 0, 0, 46, 3, 3};
    memset(sh + 11, 0x55, 32);
    memcpy(sh + 43, "\x00\x13\x01\x00\x00\x06\x00\x2b\x00\x02\x03\x04", 12);
    uint64_t seq = 0;
    memcpy(flight, sh, sizeof sh);
    flight_len = sizeof sh;
    put_records(msgs, out, frag, 1, &seq);
    rig_open(&r, kl, 1 << 20, g);
    mt_xform_feed(&r.chain[0], ch, sizeof ch);
    mt_xform_feed(&r.chain[1], flight, flight_len);
    rig_close(&r);
    CU_ASSERT_EQUAL(g->outcome, MT_TLS_DECRYPTED);
}

typedef void (*send_fn)(const uint8_t *cert, size_t n, size_t claim, size_t frag, int twice,
                        int first, struct got *g);

/* Nothing reported, and the certificate said to be unread once. */
static void check_refused(const struct got *g, const char *why)
{
    CU_ASSERT_EQUAL(g->certs, 0);
    CU_ASSERT_EQUAL(g->cert_warns, 1);
    if (why)
        CU_ASSERT_PTR_NOT_NULL(strstr(g->warned, why));
}

static void hostile(int tls13, send_fn send)
{
    static struct got g;
    static uint8_t junk[80 * 1024];
    uint16_t version = tls13 ? 0x0304 : 0x0303;
    const char *name = "CN=mail.test,O=Mailtap Test";
    size_t n;
    /* The real thing, in records of 1, 7, 100 and 16384 bytes. */
    static const size_t frags[] = {1, 7, 100, 16384};
    for (size_t i = 0; i < 4; i++) {
        n = cert_body(tls13, self_der, self_der_len, 1, 0, 0);
        send(body, n, n, frags[i], 0, 0, &g);
        check_cert(&g, self, name, name, 1, version, !tls13);
    }
    /* Twice: the first only. */
    n = cert_body(tls13, self_der, self_der_len, 1, 0, 0);
    send(body, n, n, 16384, 1, 0, &g);
    check_cert(&g, self, name, name, 1, version, !tls13);
    /* Lengths past the end, short of it; an entry of 0 bytes; none. */
    n = cert_body(tls13, self_der, self_der_len, 1, 10, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "lengths");
    n = cert_body(tls13, self_der, self_der_len, 1, -1, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "lengths");
    n = cert_body(tls13, self_der, self_der_len, 1, 0, 0xffffff - (long)self_der_len);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "does not fit");
    n = cert_body(tls13, self_der, 0, 1, 0, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "does not fit");
    n = cert_body(tls13, self_der, 0, 0, 0, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "no certificate");
    send(body, 0, 0, 16384, 0, 0, &g);
    check_refused(&g, NULL);
    /* Garbage DER; a certificate with a byte after it in its entry. */
    memset(junk, 0x30, sizeof junk);
    n = cert_body(tls13, junk, 100, 1, 0, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "not a certificate");
    memcpy(junk, self_der, self_der_len);
    n = cert_body(tls13, junk, self_der_len + 1, 1, 0, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "not a certificate");
    /* 70 KiB of certificates: the leaf; a leaf of 70 KiB: not read. */
    n = cert_body(tls13, self_der, self_der_len, 70 * 1024 / (int)self_der_len + 1, 0, 0);
    CU_ASSERT(n > 70 * 1024);
    send(body, n, n, 16384, 0, 0, &g);
    check_cert(&g, self, name, name, 1, version, !tls13);
    n = cert_body(tls13, junk, 70 * 1024, 1, 0, 0);
    send(body, n, n, 16384, 0, 0, &g);
    check_refused(&g, "64 KiB");
    /* A header that says more than comes: never whole, never read. */
    n = cert_body(tls13, self_der, self_der_len, 1, 0, 0);
    send(body, n, n + 5000, 100, 0, 0, &g);
    CU_ASSERT_EQUAL(g.certs, 0);
    if (tls13) { /* a context, an entry's extensions past the end */
        body[0] = 200;
        send(body, n, n, 16384, 0, 0, &g);
        check_refused(&g, NULL);
        n = cert_body(1, self_der, self_der_len, 1, 0, 0);
        body[n - 1] = 9;
        send(body, n, n, 16384, 0, 0, &g);
        check_refused(&g, "extensions");
    } else { /* before the ServerHello: passed over; the real one read */
        n = cert_body(0, self_der, self_der_len, 1, 0, 0);
        send(body, n, n, 16384, 0, 1, &g);
        check_cert(&g, self, name, name, 1, version, 1);
    }
    /* Random damage: a certificate or a warning, never both, never more. */
    srand(7);
    size_t good = cert_body(tls13, self_der, self_der_len, 2, 0, 0);
    static uint8_t copy[8192];
    memcpy(copy, body, good);
    int read = 0;
    for (int i = 0; i < 400; i++) {
        memcpy(body, copy, good);
        for (int k = 1 + rand() % 4; k > 0; k--) {
            size_t at = rand() % 2 ? (size_t)rand() % 16 : (size_t)rand() % good;
            body[at] = (uint8_t)rand();
        }
        send(body, good, good, 1 + (size_t)rand() % 600, 0, 0, &g);
        CU_ASSERT_EQUAL(g.certs + g.cert_warns, 1);
        read += g.certs;
    }
    CU_ASSERT(read > 0 && read < 400);
}

static void test_hostile12(void)
{
    struct conn o = {.version = TLS1_2_VERSION, .leaf = self};
    CU_ASSERT_EQUAL_FATAL(run_conn(&w12, &o), 0);
    self_der_len = (size_t)i2d_X509(self, &self_der);
    hostile(0, send12);
    OPENSSL_free(self_der);
    self_der = NULL;
}

static void test_hostile13(void)
{
    self_der_len = (size_t)i2d_X509(self, &self_der);
    hostile(1, send13);
    OPENSSL_free(self_der);
    self_der = NULL;
}

int register_tls_cert_suite(void)
{
    CU_pSuite s = CU_add_suite("tls_cert", setup, teardown);
    if (!s)
        return -1;
    if (!CU_add_test(s, "self-signed, TLS 1.2 and 1.3", test_self_signed) ||
        !CU_add_test(s, "signed by a CA", test_ca_signed) ||
        !CU_add_test(s, "expired", test_expired) ||
        !CU_add_test(s, "Certificate across records", test_split) ||
        !CU_add_test(s, "self-signature and names", test_names) ||
        !CU_add_test(s, "70 KiB of certificates", test_big_chain) ||
        !CU_add_test(s, "hostile Certificate in the clear (TLS 1.2)", test_hostile12) ||
        !CU_add_test(s, "hostile Certificate encrypted (TLS 1.3)", test_hostile13))
        return -1;
    return 0;
}
