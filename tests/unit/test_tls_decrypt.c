/* The TLS reader (tls_decrypt.h) on real TLS: OpenSSL's libssl runs a
 * client and a server in memory, its key log callback writes the secrets,
 * and the bytes each side sent go through the reader's transforms, whole
 * and one byte at a time. TLS 1.3 and 1.2 suites, KeyUpdate, resumption,
 * HelloRetryRequest, 0-RTT early data, and sessions the reader must not
 * read. */
#include <CUnit/CUnit.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/keylog.h"
#include "mailtap/tls_decrypt.h"
#include "mailtap/transform.h"
#include "suites.h"

/* --- a TLS connection in memory ----------------------------------------------- */

#define WIRE_MAX (1 << 17)

struct wire {
    uint8_t bytes[2][WIRE_MAX]; /* what the client [0] and the server [1] sent */
    size_t len[2];
    /* The order the bytes were sent in: (direction, end offset) pairs. */
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

/* Moves what side dir wrote to its peer, writing it down. */
static int pump(struct wire *w, BIO *from, BIO *to, int dir)
{
    uint8_t buf[16384];
    int moved = 0, k;
    while ((k = BIO_read(from, buf, sizeof buf)) > 0) {
        if (w->len[dir] + (size_t)k > WIRE_MAX)
            return -1;
        memcpy(w->bytes[dir] + w->len[dir], buf, (size_t)k);
        w->len[dir] += (size_t)k;
        if (w->nturns && w->turn[w->nturns - 1].dir == dir)
            w->turn[w->nturns - 1].end = w->len[dir];
        else if (w->nturns < 256)
            w->turn[w->nturns++].dir = dir, w->turn[w->nturns - 1].end = w->len[dir];
        BIO_write(to, buf, k);
        moved = 1;
    }
    return moved;
}

static EVP_PKEY *key;
static X509 *cert;
/* One server for every connection, so that a session it gave out (its
 * cache, its ticket key) can be resumed. */
static SSL_CTX *server_ctx;

/* A self-signed EC certificate, made once. */
static int make_cert(void)
{
    if (cert)
        return 0;
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (!key || !cert)
        return -1;
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"mail.test", -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

struct conn_opts {
    int version;             /* TLS1_3_VERSION, TLS1_2_VERSION */
    const char *suites;      /* TLS 1.3 ciphersuites, or NULL */
    const char *ciphers;     /* TLS 1.2 cipher list, or NULL */
    int no_etm;
    int key_update;          /* the client sends a KeyUpdate before its second line */
    int hrr;                 /* the server asks for another key share */
    SSL_SESSION **resume;    /* in: a session to resume; out: the session to keep */
    int early_data;          /* resuming TLS 1.3: "e NOOP" as 0-RTT data, accepted */
};

static void handshake(struct wire *w, SSL *c, SSL *s, BIO *cw, BIO *cr, BIO *sw, BIO *sr)
{
    for (int i = 0; i < 100; i++) {
        int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);
        int moved = pump(w, cw, sr, 0) + pump(w, sw, cr, 1);
        if (rc == 1 && rs == 1 && !moved)
            break;
    }
}

/* Sends text from one side and has the other read it. */
static void say(struct wire *w, SSL *from, SSL *to, BIO *fw, BIO *tr, int dir, const char *text)
{
    char buf[4096];
    SSL_write(from, text, (int)strlen(text));
    pump(w, fw, tr, dir);
    while (SSL_read(to, buf, sizeof buf) > 0)
        ;
}

/* Runs one connection: handshake, the client's LOGIN, the server's OK,
 * (KeyUpdate,) a second client line, then close_notify both ways. */
static int run_conn(struct wire *w, const struct conn_opts *o)
{
    memset(w, 0, sizeof *w);
    current = w;
    if (make_cert() != 0)
        return -1;
    if (!server_ctx) {
        server_ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(server_ctx, cert);
        SSL_CTX_use_PrivateKey(server_ctx, key);
        SSL_CTX_set_session_cache_mode(server_ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_set_session_id_context(server_ctx, (const unsigned char *)"mt", 2);
        SSL_CTX_set_max_early_data(server_ctx, 16384); /* its tickets allow 0-RTT */
    }
    SSL_CTX *cc = SSL_CTX_new(TLS_client_method()), *sc = server_ctx;
    SSL_CTX_set_min_proto_version(cc, o->version);
    SSL_CTX_set_max_proto_version(cc, o->version);
    SSL_CTX_set_keylog_callback(cc, keylog_cb);
    if (o->suites)
        SSL_CTX_set_ciphersuites(cc, o->suites);
    if (o->ciphers)
        SSL_CTX_set_cipher_list(cc, o->ciphers);
    if (o->no_etm)
        SSL_CTX_set_options(cc, SSL_OP_NO_ENCRYPT_THEN_MAC);
    SSL *c = SSL_new(cc), *s = SSL_new(sc);
    if (o->hrr)
        SSL_set1_groups_list(s, "P-384"); /* the client's first share is X25519 */
    BIO *cr = BIO_new(BIO_s_mem()), *cw = BIO_new(BIO_s_mem());
    BIO *sr = BIO_new(BIO_s_mem()), *sw = BIO_new(BIO_s_mem());
    SSL_set_bio(c, cr, cw);
    SSL_set_bio(s, sr, sw);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (o->resume && *o->resume)
        SSL_set_session(c, *o->resume);
    if (o->early_data && o->resume && *o->resume) {
        size_t wrote = 0, got = 0;
        char buf[256];
        SSL_write_early_data(c, "e NOOP\r\n", 8, &wrote);
        pump(w, cw, sr, 0);
        while (SSL_read_early_data(s, buf, sizeof buf, &got) == SSL_READ_EARLY_DATA_SUCCESS)
            ;
        pump(w, sw, cr, 1);
    }
    handshake(w, c, s, cw, cr, sw, sr);
    int ok = SSL_is_init_finished(c) && SSL_is_init_finished(s);
    if (o->early_data && o->resume && *o->resume)
        ok = ok && SSL_get_early_data_status(c) == SSL_EARLY_DATA_ACCEPTED;
    say(w, c, s, cw, sr, 0, "a LOGIN bob s3cret\r\n");
    say(w, s, c, sw, cr, 1, "a OK logged in\r\n");
    if (o->key_update) {
        SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED);
        say(w, c, s, cw, sr, 0, "b NOOP\r\n");
        say(w, s, c, sw, cr, 1, "b OK after the update\r\n");
    }
    say(w, c, s, cw, sr, 0, "c LOGOUT\r\n");
    if (o->resume) {
        if (*o->resume)
            ok = ok && SSL_session_reused(c);
        else
            *o->resume = SSL_get1_session(c);
    }
    SSL_shutdown(c);
    pump(w, cw, sr, 0);
    SSL_shutdown(s);
    pump(w, sw, cr, 1);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cc);
    current = NULL;
    return ok ? 0 : -1;
}

/* --- the reader over those bytes ---------------------------------------------- */

struct got {
    char text[2][4096];
    size_t len[2];
    int reports;
    struct mt_tls_report report;
    char sni[300];
    int not_tls;
    int unreadable;
    char why[256];  /* the last reason a direction became unreadable */
    char warned[256];
};

struct top_ctx {
    struct got *g;
    int dir;
};

static size_t got_data(void *ctx, const uint8_t *p, size_t n)
{
    struct top_ctx *t = ctx;
    size_t room = sizeof t->g->text[0] - 1 - t->g->len[t->dir];
    size_t k = n < room ? n : room;
    memcpy(t->g->text[t->dir] + t->g->len[t->dir], p, k);
    t->g->len[t->dir] += k;
    return n;
}

static void got_gap(void *ctx, uint64_t n) { (void)ctx, (void)n; }

static void got_unreadable(void *ctx, const char *layer, const char *why)
{
    struct top_ctx *t = ctx;
    (void)layer;
    t->g->unreadable++;
    snprintf(t->g->why, sizeof t->g->why, "%s", why);
}

static const struct mt_xform_top got_top = {got_data, got_gap, got_unreadable};

static void on_report(void *ctx, const struct mt_tls_report *r)
{
    struct got *g = ctx;
    g->reports++;
    g->report = *r;
    snprintf(g->sni, sizeof g->sni, "%s", r->hello ? r->hello->sni : "");
}

static void on_not_tls(void *ctx) { ((struct got *)ctx)->not_tls++; }

static void on_warn(void *ctx, const char *text)
{
    struct got *g = ctx;
    snprintf(g->warned, sizeof g->warned, "%s", text);
}

/* Feeds the wire's bytes in the order sent, step bytes at a time (0:
 * each turn whole), through a reader with keylog text kl (NULL: none). */
static void read_wire(const struct wire *w, const char *kl, size_t step, struct got *g)
{
    memset(g, 0, sizeof *g);
    struct mt_budget budget = {.max = 1 << 20};
    struct mt_keylog *k = kl ? mt_keylog_new(0, NULL, NULL) : NULL;
    if (k)
        mt_keylog_add_text(k, (const uint8_t *)kl, strlen(kl), "test");
    struct mt_tls_observer obs = {on_report, on_not_tls, on_warn, g};
    struct mt_tls_session *t = mt_tls_new(k, &obs, &budget);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    struct mt_xform_chain chain[2];
    struct top_ctx tc[2] = {{g, 0}, {g, 1}};
    for (int d = 0; d < 2; d++) {
        mt_xform_init(&chain[d], &got_top, &tc[d]);
        mt_xform_push(&chain[d], &mt_xform_tls, mt_tls_direction(t, d));
    }
    size_t pos[2] = {0, 0};
    for (size_t i = 0; i < w->nturns; i++) {
        int d = w->turn[i].dir;
        while (pos[d] < w->turn[i].end) {
            size_t n = w->turn[i].end - pos[d];
            if (step && n > step)
                n = step;
            mt_xform_feed(&chain[d], w->bytes[d] + pos[d], n);
            pos[d] += n;
        }
    }
    for (int d = 0; d < 2; d++) {
        mt_xform_end(&chain[d]);
        mt_xform_free(&chain[d]);
    }
    mt_tls_free(t);
    mt_keylog_free(k);
    CU_ASSERT_EQUAL(budget.used, 0); /* everything it took, it gave back */
}

static struct wire w1, w2;

/* A connection read whole and byte by byte: the plaintext of both sides. */
static void check_decrypted(const struct conn_opts *o, const char *suite)
{
    static struct got g;
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, o), 0);
    for (size_t step = 0; step < 3; step += 1 + (step == 0)) {
        read_wire(&w1, w1.keylog, step, &g);
        const char *want_c = o->key_update ? "a LOGIN bob s3cret\r\nb NOOP\r\nc LOGOUT\r\n"
                                           : "a LOGIN bob s3cret\r\nc LOGOUT\r\n";
        const char *want_s = o->key_update ? "a OK logged in\r\nb OK after the update\r\n"
                                           : "a OK logged in\r\n";
        CU_ASSERT_STRING_EQUAL(g.text[0], want_c);
        CU_ASSERT_STRING_EQUAL(g.text[1], want_s);
        CU_ASSERT_EQUAL(g.reports, 1);
        CU_ASSERT_EQUAL(g.report.outcome, MT_TLS_DECRYPTED);
        CU_ASSERT(g.report.suite_name && strcmp(g.report.suite_name, suite) == 0);
        CU_ASSERT_EQUAL(g.unreadable, 0);
        if (strcmp(g.text[0], want_c) != 0 || g.report.outcome != MT_TLS_DECRYPTED)
            fprintf(stderr, "\ntls: %s step %zu: outcome %s, client \"%s\"\n", suite, step,
                    mt_tls_outcome_name(g.report.outcome), g.text[0]);
    }
}

static void test_tls13(void)
{
    struct conn_opts o = {.version = TLS1_3_VERSION, .suites = "TLS_AES_128_GCM_SHA256"};
    check_decrypted(&o, "TLS_AES_128_GCM_SHA256");
    o.suites = "TLS_AES_256_GCM_SHA384";
    check_decrypted(&o, "TLS_AES_256_GCM_SHA384");
    o.suites = "TLS_CHACHA20_POLY1305_SHA256";
    check_decrypted(&o, "TLS_CHACHA20_POLY1305_SHA256");
    o.key_update = 1;
    check_decrypted(&o, "TLS_CHACHA20_POLY1305_SHA256");
    o.suites = "TLS_AES_128_GCM_SHA256";
    o.key_update = 0;
    o.hrr = 1;
    check_decrypted(&o, "TLS_AES_128_GCM_SHA256");
}

static void test_tls12(void)
{
    struct conn_opts o = {.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"};
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    o.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    o.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    o.ciphers = "ECDHE-ECDSA-AES128-SHA";
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"); /* encrypt-then-MAC */
    o.no_etm = 1;
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
    o.ciphers = "ECDHE-ECDSA-AES256-SHA384";
    check_decrypted(&o, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384");
}

static void test_resumed(void)
{
    for (int v = 0; v < 2; v++) {
        SSL_SESSION *sess = NULL;
        struct conn_opts o = {.version = v ? TLS1_2_VERSION : TLS1_3_VERSION, .resume = &sess};
        CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0); /* a full handshake, kept */
        CU_ASSERT_PTR_NOT_NULL_FATAL(sess);
        check_decrypted(&o, v ? "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
                              : "TLS_AES_256_GCM_SHA384"); /* resumed */
        SSL_SESSION_free(sess);
    }
}

/* TLS 1.3 resumed with 0-RTT data the server accepts: the early data and
 * the EndOfEarlyData are under the early key, which the reader does not
 * use; it passes over them (said once) and reads the rest of both sides. */
static void test_early_data(void)
{
    static struct got g;
    SSL_SESSION *sess = NULL;
    struct conn_opts o = {.version = TLS1_3_VERSION, .resume = &sess, .early_data = 1};
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sess);
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0); /* 0-RTT accepted */
    for (size_t step = 0; step < 3; step += 1 + (step == 0)) {
        read_wire(&w1, w1.keylog, step, &g);
        CU_ASSERT_STRING_EQUAL(g.text[0], "a LOGIN bob s3cret\r\nc LOGOUT\r\n");
        CU_ASSERT_STRING_EQUAL(g.text[1], "a OK logged in\r\n");
        CU_ASSERT_EQUAL(g.report.outcome, MT_TLS_DECRYPTED);
        CU_ASSERT_EQUAL(g.unreadable, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(g.warned, "0-RTT"));
    }
    SSL_SESSION_free(sess);
}

static void test_not_read(void)
{
    static struct got g;
    struct conn_opts o = {.version = TLS1_3_VERSION};
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    CU_ASSERT_EQUAL_FATAL(run_conn(&w2, &o), 0);
    /* No key log at all. */
    read_wire(&w1, NULL, 0, &g);
    CU_ASSERT_EQUAL(g.report.outcome, MT_TLS_NO_KEYLOG);
    CU_ASSERT_EQUAL(g.len[0] + g.len[1], 0);
    CU_ASSERT_STRING_EQUAL(g.sni, "");
    /* Another connection's key log: nothing for this one. */
    read_wire(&w1, w2.keylog, 0, &g);
    CU_ASSERT_EQUAL(g.reports, 1);
    CU_ASSERT_EQUAL(g.report.outcome, MT_TLS_NO_KEY);
    CU_ASSERT_EQUAL(g.len[0] + g.len[1], 0);
    /* Its own client random with another's secrets: the key does not fit. */
    char forged[8192];
    snprintf(forged, sizeof forged, "%s", w2.keylog);
    const char *own = strchr(w1.keylog, ' ');
    for (char *line = forged; *line;) {
        char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
        if (!sp || !nl || sp > nl)
            break;
        memcpy(sp + 1, own + 1, 64);
        line = nl + 1;
    }
    read_wire(&w1, forged, 0, &g);
    CU_ASSERT_EQUAL(g.report.outcome, MT_TLS_KEY_MISMATCH);
    CU_ASSERT_EQUAL(g.len[0] + g.len[1], 0);
    CU_ASSERT_EQUAL(g.unreadable, 0);
}

static void test_not_tls(void)
{
    static struct got g;
    static struct wire w;
    memset(&w, 0, sizeof w);
    static const char text[] = "a LOGIN bob s3cret\r\n";
    memcpy(w.bytes[0], text, sizeof text - 1);
    w.len[0] = sizeof text - 1;
    w.turn[0].dir = 0;
    w.turn[0].end = w.len[0];
    w.nturns = 1;
    for (size_t step = 0; step < 2; step++) {
        read_wire(&w, NULL, step, &g);
        CU_ASSERT_EQUAL(g.not_tls, 1);
        CU_ASSERT_STRING_EQUAL(g.text[0], text);
        CU_ASSERT_EQUAL(g.reports, 0);
    }
}

static void test_cut_records(void)
{
    /* The server's bytes lost from the middle: the reader stops there, says
     * so once, and never gives ciphertext on. */
    static struct got g;
    struct conn_opts o = {.version = TLS1_3_VERSION};
    CU_ASSERT_EQUAL_FATAL(run_conn(&w1, &o), 0);
    struct mt_budget budget = {.max = 1 << 20};
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    mt_keylog_add_text(k, (const uint8_t *)w1.keylog, w1.keylog_len, "test");
    memset(&g, 0, sizeof g);
    struct mt_tls_observer obs = {on_report, on_not_tls, on_warn, &g};
    struct mt_tls_session *t = mt_tls_new(k, &obs, &budget);
    struct mt_xform_chain chain[2];
    struct top_ctx tc[2] = {{&g, 0}, {&g, 1}};
    for (int d = 0; d < 2; d++) {
        mt_xform_init(&chain[d], &got_top, &tc[d]);
        mt_xform_push(&chain[d], &mt_xform_tls, mt_tls_direction(t, d));
    }
    size_t pos[2] = {0, 0};
    for (size_t i = 0; i < w1.nturns; i++) {
        int d = w1.turn[i].dir;
        size_t n = w1.turn[i].end - pos[d];
        if (d == 1 && i + 1 == w1.nturns / 2 + 1 && n > 10) {
            mt_xform_feed(&chain[d], w1.bytes[d] + pos[d], 5);
            mt_xform_gap(&chain[d], n - 5);
        } else {
            mt_xform_feed(&chain[d], w1.bytes[d] + pos[d], n);
        }
        pos[d] += n;
    }
    CU_ASSERT(g.unreadable <= 1);
    CU_ASSERT(strstr(g.text[1], "\x17\x03\x03") == NULL);
    for (int d = 0; d < 2; d++) {
        mt_xform_end(&chain[d]);
        mt_xform_free(&chain[d]);
    }
    mt_tls_free(t);
    mt_keylog_free(k);
    CU_ASSERT_EQUAL(budget.used, 0);
}

static int clean(void)
{
    SSL_CTX_free(server_ctx);
    server_ctx = NULL;
    X509_free(cert);
    EVP_PKEY_free(key);
    cert = NULL;
    key = NULL;
    return 0;
}

int register_tls_decrypt_suite(void)
{
    CU_pSuite s = CU_add_suite("tls_decrypt", NULL, clean);
    if (!s)
        return -1;
    if (!CU_add_test(s, "TLS 1.3 suites, KeyUpdate, HelloRetryRequest", test_tls13) ||
        !CU_add_test(s, "TLS 1.2 suites, with and without encrypt-then-MAC", test_tls12) ||
        !CU_add_test(s, "resumed sessions", test_resumed) ||
        !CU_add_test(s, "0-RTT early data", test_early_data) ||
        !CU_add_test(s, "sessions not read", test_not_read) ||
        !CU_add_test(s, "not TLS after all", test_not_tls) ||
        !CU_add_test(s, "records cut by a gap", test_cut_records))
        return -1;
    return 0;
}
