/* The TLS reader (tls_decrypt.h): one session's two directions as byte
 * transforms. Records are put together across segments, the hellos (and,
 * if asked, the server's certificate) read, the secrets found by client
 * random, each record opened and its application data given on. Every
 * length comes from the wire; every buffer is bounded and charged to
 * --max-parse-mem; ciphertext is never given on as if it were plaintext. */
#include "mailtap/tls_decrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mailtap/tls_crypto.h"
#include "tls_impl.h"

#define REC_HDR 5
#define REC_MAX (REC_HDR + 16384 + 2048) /* the largest TLSCiphertext */
#define HOLD_MAX 65536 /* records held per direction while the key is looked for */
#define EARLY_MAX 64   /* client records passed over as 0-RTT data, at most */

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };

struct tls_dir {
    struct mt_tls_session *t;
    int dir;
    uint8_t *rec;         /* the record being put together: header, fragment */
    size_t have;
    int protected;        /* its records are encrypted from here */
    int ready;            /* keys are set */
    int traffic;          /* TLS 1.3: the application traffic keys are in use */
    int trial;            /* TLS 1.3 with no handshake key: records that do not
                           * open under the traffic key are the handshake's */
    struct mt_tls_keys keys;
    uint8_t secret[MT_TLS_SECRET_MAX]; /* TLS 1.3: the traffic secret, for KeyUpdate */
    size_t secret_len;
    struct hs_reader hs;
    uint8_t *held;        /* whole records waiting for the key */
    size_t held_len;
    uint64_t opened;
    uint64_t records;     /* whole records seen */
    unsigned early;       /* TLS 1.3 client: records under the early key passed over */
    int key_changed;      /* a handshake message just changed the keys */
    const char *fail;     /* set by a handshake message: this direction stops */
    int quiet;            /* reads nothing more, says nothing more */
    int passthrough;      /* not TLS: bytes go on as they came */
};

struct mt_tls_session {
    struct mt_keylog *keylog;
    struct mt_tls_observer obs;
    struct mt_budget *budget;
    struct tls_dir d[2];
    uint8_t *hello;       /* the client's first bytes, until its hello is read */
    size_t hello_len;
    int hello_done;
    struct mt_tls_info info;
    struct server_hello sh;
    int have_sh;
    const struct mt_tls_suite *suite;
    int reported;
    struct mt_tls_report report;
    mt_tls_cert_fn on_cert; /* NULL: the certificate is not read */
    struct cert_reader cert;
};

static const char *const outcome_names[] = {"decrypted", "no_keylog", "no_key", "key_mismatch",
                                            "unsupported", "handshake_not_captured", "no_memory"};
static const char *const outcome_texts[] = {
    "decrypted with the key log", "not decrypted: no key log given",
    "not decrypted: no key for this session in the key log",
    "not decrypted: the key does not fit", "not decrypted: version or cipher suite not supported",
    "not decrypted: handshake not captured", "not decrypted: no memory (--max-parse-mem)"};

const char *mt_tls_outcome_name(enum mt_tls_outcome o) { return outcome_names[o]; }
const char *mt_tls_outcome_text(enum mt_tls_outcome o) { return outcome_texts[o]; }

/* --- memory ------------------------------------------------------------------ */

static uint8_t *take_mem(struct mt_tls_session *t, size_t n)
{
    if (!mt_budget_take(t->budget, n))
        return NULL;
    uint8_t *p = malloc(n);
    if (!p)
        mt_budget_give(t->budget, n);
    return p;
}

static void give_mem(struct mt_tls_session *t, uint8_t **p, size_t n)
{
    if (*p) {
        free(*p);
        mt_budget_give(t->budget, n);
    }
    *p = NULL;
}

/* --- what the session says ------------------------------------------------------ */

static void report(struct mt_tls_session *t, enum mt_tls_outcome o)
{
    if (t->reported)
        return;
    t->reported = 1;
    t->report.hello = t->hello_done ? &t->info : NULL;
    t->report.version = t->have_sh ? t->sh.version : 0;
    t->report.suite = t->have_sh ? t->sh.suite : 0;
    t->report.suite_name = t->suite ? t->suite->name : NULL;
    t->report.outcome = o;
    if (t->obs.report)
        t->obs.report(t->obs.ctx, &t->report);
}

/* What a session that was not read says, by how far its handshake got. */
static enum mt_tls_outcome unread_outcome(const struct mt_tls_session *t)
{
    if (!t->hello_done || !t->have_sh)
        return MT_TLS_NO_HANDSHAKE;
    return t->keylog ? MT_TLS_NO_KEY : MT_TLS_NO_KEYLOG;
}

/* Nothing more of either direction is read: said once, with why. */
static void go_quiet(struct mt_tls_session *t, enum mt_tls_outcome o)
{
    report(t, o);
    cert_release(&t->cert, t->budget); /* a Certificate part way through */
    for (int i = 0; i < 2; i++) {
        t->d[i].quiet = 1;
        give_mem(t, &t->d[i].held, HOLD_MAX);
        t->d[i].held_len = 0;
    }
}

/* --- keys ------------------------------------------------------------------------- */

static const uint8_t *find(struct mt_tls_session *t, enum mt_keylog_label l, size_t *len)
{
    const uint8_t *s = mt_keylog_find(t->keylog, t->info.random, l, len);
    if (!s && mt_keylog_refresh(t->keylog) > 0)
        s = mt_keylog_find(t->keylog, t->info.random, l, len);
    return s;
}

/* TLS 1.3: this direction's keys of a secret the key log holds. */
static int keys13(struct tls_dir *d, enum mt_keylog_label l)
{
    size_t len;
    const uint8_t *s = find(d->t, l, &len);
    if (!s || len != mt_tls_hash_len(d->t->suite->prf))
        return 0;
    memcpy(d->secret, s, len);
    d->secret_len = len;
    return mt_tls13_keys(&d->keys, d->t->suite, s, len) == 0 ? 1 : -1;
}

enum { KEYS_SET, KEYS_WAIT, KEYS_NEVER };

/* Sets the keys of d if the handshake and the key log allow; says why
 * not when they never will. */
static int need_keys(struct tls_dir *d)
{
    struct mt_tls_session *t = d->t;
    if (!t->hello_done || !t->have_sh) {
        go_quiet(t, MT_TLS_NO_HANDSHAKE);
        return KEYS_NEVER;
    }
    if (!t->suite || (t->sh.version == 0x0304) != t->suite->tls13 || t->sh.version < 0x0301 ||
        t->sh.version > 0x0304) {
        go_quiet(t, MT_TLS_UNSUPPORTED);
        return KEYS_NEVER;
    }
    if (!t->keylog) {
        go_quiet(t, MT_TLS_NO_KEYLOG);
        return KEYS_NEVER;
    }
    if (t->suite->tls13) {
        enum mt_keylog_label hs = d->dir ? MT_KEY_SERVER_HANDSHAKE : MT_KEY_CLIENT_HANDSHAKE;
        enum mt_keylog_label ap = d->dir ? MT_KEY_SERVER_TRAFFIC_0 : MT_KEY_CLIENT_TRAFFIC_0;
        int rc;
        if (d->traffic) { /* past its Finished: only the traffic key will do */
            rc = keys13(d, ap);
        } else if ((rc = keys13(d, hs)) == 0 && (rc = keys13(d, ap)) > 0) {
            d->trial = d->traffic = 1; /* no handshake key: find the traffic by trying */
        }
        if (rc == 0)
            return KEYS_WAIT;
        d->ready = rc > 0;
        return rc > 0 ? KEYS_SET : KEYS_NEVER;
    }
    size_t len;
    const uint8_t *master = find(t, MT_KEY_MASTER, &len);
    if (!master)
        return KEYS_WAIT;
    if (len != MT_TLS_MASTER || mt_tls12_keys(t->suite, t->sh.version, t->sh.etm, master,
                                              t->info.random, t->sh.random, &t->d[0].keys,
                                              &t->d[1].keys) != 0) {
        go_quiet(t, MT_TLS_KEY_MISMATCH);
        return KEYS_NEVER;
    }
    t->d[0].ready = t->d[1].ready = 1;
    return KEYS_SET;
}

/* --- records ----------------------------------------------------------------------- */

static int open_record(struct tls_dir *d, const uint8_t *hdr, uint8_t *frag, size_t len,
                       const struct mt_xform_out *out, char *why);

/* --- the server's certificate (tls_handshake.c) -------------------------------- */

/* Whether the handshake messages of d may carry the certificate asked
 * for: the server's, in the clear before TLS 1.3, decrypted in TLS 1.3. */
static int cert_wanted(const struct tls_dir *d)
{
    const struct mt_tls_session *t = d->t;
    return d->dir == 1 && t->on_cert && !t->cert.done && t->have_sh && !d->quiet &&
           (t->sh.version == 0x0304) == (d->protected != 0);
}

static void cert_warn(struct mt_tls_session *t, const char *why)
{
    char text[160];
    snprintf(text, sizeof text, "tls: the server's certificate is not read: %s", why);
    if (t->obs.warn)
        t->obs.warn(t->obs.ctx, text);
}

/* hs_piece_fn of the server's direction: a Certificate put together. */
static void cert_bytes(void *ctx, uint8_t type, const uint8_t *p, size_t n, size_t off,
                       size_t len)
{
    struct tls_dir *d = ctx;
    if (type == HS_CERTIFICATE && cert_wanted(d) &&
        cert_piece(&d->t->cert, d->t->budget, p, n, off, len) != 0)
        cert_warn(d->t, "no memory for it (--max-parse-mem)");
}

/* A whole Certificate message of len bytes: its leaf said once. */
static void server_certificate(struct tls_dir *d, size_t len)
{
    struct mt_tls_session *t = d->t;
    if (!cert_wanted(d) || (!t->cert.active && len > 0))
        return;
    struct mt_tls_cert c;
    const char *why = NULL;
    if (cert_finish(&t->cert, t->budget, len, t->sh.version == 0x0304, &c, &why) != 0) {
        if (why)
            cert_warn(t, why);
        return;
    }
    c.version = t->sh.version;
    c.in_clear = !d->protected;
    t->on_cert(t->obs.ctx, &c);
}

/* Decrypted handshake messages: the TLS 1.3 key changes. */
static void protected_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t have,
                                size_t len)
{
    struct tls_dir *d = ctx;
    struct mt_tls_session *t = d->t;
    (void)body; /* a KeyUpdate's request_update is the peer's business */
    if (type == HS_CERTIFICATE)
        server_certificate(d, len);
    if (!t->suite || !t->suite->tls13 || d->quiet)
        return;
    if (type == HS_FINISHED && !d->traffic) {
        /* The last message under the handshake keys (RFC 8446 4.4.4). */
        d->traffic = 1;
        d->key_changed = 1;
        int rc = keys13(d, d->dir ? MT_KEY_SERVER_TRAFFIC_0 : MT_KEY_CLIENT_TRAFFIC_0);
        if (rc == 0)
            d->ready = 0; /* not in the key log yet: what follows is held */
        else if (rc < 0)
            d->fail = "the traffic secret in the key log does not make keys";
    } else if (type == HS_KEY_UPDATE && d->traffic && have == 1 && len == 1) {
        d->key_changed = 1;
        if (mt_tls13_next_secret(t->suite->prf, d->secret, d->secret_len) != 0 ||
            mt_tls13_keys(&d->keys, t->suite, d->secret, d->secret_len) != 0)
            d->fail = "no keys after a KeyUpdate";
    }
}

/* Plaintext handshake messages: the ServerHello says what follows. */
static void plain_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t have,
                            size_t len)
{
    struct tls_dir *d = ctx;
    struct mt_tls_session *t = d->t;
    if (type == HS_CERTIFICATE)
        server_certificate(d, len);
    if (d->dir != 1 || type != HS_SERVER_HELLO || t->have_sh)
        return;
    struct server_hello sh;
    if (is_hello_retry(body, have))
        return; /* the real ServerHello follows the client's second hello */
    if (have < len || parse_server_hello(body, have, &sh) != 0) {
        go_quiet(t, MT_TLS_UNSUPPORTED);
        return;
    }
    t->sh = sh;
    t->have_sh = 1;
    t->suite = mt_tls_suite(sh.suite);
    if (sh.version == 0x0304) { /* everything after the ServerHello is protected */
        t->d[0].protected = t->d[1].protected = 1;
        d->key_changed = 1;
    }
}

/* Whether either direction has opened a record: the session is being read. */
static int being_read(const struct mt_tls_session *t) { return t->d[0].opened || t->d[1].opened; }

/* Records held whose key will not come (why written): a session not yet
 * read is given up as o says; in one being read this direction stops. */
static int drop_held(struct tls_dir *d, enum mt_tls_outcome o)
{
    give_mem(d->t, &d->held, HOLD_MAX);
    d->held_len = 0;
    if (being_read(d->t))
        return -1;
    go_quiet(d->t, o);
    return 0;
}

/* Keeps a whole record until its key is found. */
static int hold(struct tls_dir *d, const uint8_t *rec, size_t n, char *why)
{
    if (!d->held && !(d->held = take_mem(d->t, HOLD_MAX))) {
        snprintf(why, MT_XFORM_WHY_MAX, "no memory to hold records while their key is looked for");
        return drop_held(d, MT_TLS_NO_MEMORY);
    }
    if (n > HOLD_MAX - d->held_len) {
        snprintf(why, MT_XFORM_WHY_MAX, "no key in the key logs for more than %d bytes of records",
                 HOLD_MAX);
        return drop_held(d, MT_TLS_NO_KEY);
    }
    memcpy(d->held + d->held_len, rec, n);
    d->held_len += n;
    return 0;
}

/* The records held, in order, while there are keys for them; those after
 * a key change whose key is not known yet stay held. */
static int release_held(struct tls_dir *d, const struct mt_xform_out *out, char *why)
{
    size_t pos = 0;
    int rc = 0;
    while (rc == 0 && !d->quiet && d->ready && pos + REC_HDR <= d->held_len) {
        uint8_t *h = d->held + pos;
        size_t len = (size_t)h[3] << 8 | h[4];
        pos += REC_HDR + len;
        rc = open_record(d, h, h + REC_HDR, len, out, why);
    }
    if (rc != 0 || d->quiet || pos >= d->held_len) {
        give_mem(d->t, &d->held, HOLD_MAX); /* go_quiet may have done it */
        d->held_len = 0;
    } else {
        memmove(d->held, d->held + pos, d->held_len - pos);
        d->held_len -= pos;
    }
    return rc;
}

/* After handshake messages: a key change they made must fall between two
 * messages (RFC 8446 5.1), and one that failed stops the direction. */
static int after_handshake(struct tls_dir *d, char *why)
{
    if (d->key_changed) {
        d->key_changed = 0;
        if (d->hs.hdr_have > 0) /* a message part way through */
            d->fail = "a handshake message goes on across a key change";
    }
    if (!d->fail)
        return 0;
    snprintf(why, MT_XFORM_WHY_MAX, "%s", d->fail);
    return -1;
}

static int open_record(struct tls_dir *d, const uint8_t *hdr, uint8_t *frag, size_t len,
                       const struct mt_xform_out *out, char *why)
{
    struct mt_tls_session *t = d->t;
    size_t off, plen;
    uint8_t type;
    uint16_t version = (uint16_t)(hdr[1] << 8 | hdr[2]);
    if (mt_tls_open(&d->keys, hdr[0], version, frag, len, &off, &plen, &type) != 0) {
        if (d->trial)
            return 0; /* a handshake record, under a key this reader lacks */
        if (d->dir == 0 && !d->opened && t->info.early_data && t->suite && t->suite->tls13 &&
            d->early < EARLY_MAX) {
            /* 0-RTT data and its EndOfEarlyData, under the early key (not read) */
            if (d->early++ == 0 && t->obs.warn)
                t->obs.warn(t->obs.ctx, "tls: the client's 0-RTT early data is not read");
            return 0;
        }
        if (!d->opened && !t->d[!d->dir].opened) {
            go_quiet(t, MT_TLS_KEY_MISMATCH);
            return 0;
        }
        snprintf(why, MT_XFORM_WHY_MAX, "record %llu did not authenticate",
                 (unsigned long long)(d->keys.seq + 1));
        return -1;
    }
    d->trial = 0;
    d->opened++;
    report(t, MT_TLS_DECRYPTED);
    if (type == REC_APPDATA && plen)
        out->data(out->ctx, frag + off, plen);
    else if (type == REC_HANDSHAKE)
        hs_feed(&d->hs, frag + off, plen, protected_handshake, d);
    return after_handshake(d, why);
}

/* One whole record: its header at hdr, fragment at frag. */
static int record(struct tls_dir *d, uint8_t *hdr, uint8_t *frag, size_t len,
                  const struct mt_xform_out *out, char *why)
{
    struct mt_tls_session *t = d->t;
    uint8_t type = hdr[0];
    if (type == REC_CCS) {
        /* TLS 1.2: what follows is protected; TLS 1.3: for middleboxes only. */
        if (t->have_sh && t->sh.version != 0x0304)
            d->protected = 1;
        return 0;
    }
    if (!d->protected) {
        if (type == REC_HANDSHAKE) {
            hs_feed(&d->hs, frag, len, plain_handshake, d);
            return after_handshake(d, why);
        }
        return 0; /* plaintext alerts; 0-RTT data before the ServerHello is not read */
    }
    if (!d->ready) {
        int k = need_keys(d);
        if (k == KEYS_NEVER)
            return 0;
        if (k == KEYS_WAIT)
            return hold(d, hdr, REC_HDR + len, why);
    }
    /* Records held for a key come first (the other direction of TLS 1.2
     * may have found it); if a key change stopped them, this one waits too. */
    if (d->held_len) {
        int rc = release_held(d, out, why);
        if (rc != 0 || d->quiet)
            return rc;
        if (d->held_len || !d->ready)
            return hold(d, hdr, REC_HDR + len, why);
    }
    return open_record(d, hdr, frag, len, out, why);
}

/* Bytes of a direction whose hello is behind it. */
static int records(struct tls_dir *d, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                   char *why)
{
    while (n > 0 && !d->quiet) {
        if (!d->rec && !(d->rec = take_mem(d->t, REC_MAX))) {
            go_quiet(d->t, MT_TLS_NO_MEMORY);
            return 0;
        }
        size_t want = d->have < REC_HDR ? REC_HDR
                                         : REC_HDR + ((size_t)d->rec[3] << 8 | d->rec[4]);
        size_t take = want - d->have < n ? want - d->have : n;
        memcpy(d->rec + d->have, p, take);
        d->have += take;
        p += take;
        n -= take;
        if (d->have == REC_HDR) {
            size_t len = (size_t)d->rec[3] << 8 | d->rec[4];
            if (d->rec[0] < REC_CCS || d->rec[0] > 24 || d->rec[1] != 3 ||
                len > REC_MAX - REC_HDR) {
                if (!d->records && !d->t->hello_done) {
                    /* The server spoke first, and not TLS: as it came. */
                    d->passthrough = 1;
                    out->data(out->ctx, d->rec, d->have);
                    d->have = 0;
                    if (n)
                        out->data(out->ctx, p, n);
                    return 0;
                }
                snprintf(why, MT_XFORM_WHY_MAX,
                         "not a TLS record (type %u, version %u.%u, length %zu)", d->rec[0],
                         d->rec[1], d->rec[2], len);
                report(d->t, unread_outcome(d->t));
                return -1;
            }
        }
        if (d->have < REC_HDR || d->have < REC_HDR + ((size_t)d->rec[3] << 8 | d->rec[4]))
            continue;
        d->have = 0;
        d->records++;
        int rc = record(d, d->rec, d->rec + REC_HDR, (size_t)d->rec[3] << 8 | d->rec[4], out, why);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Not TLS after all: both directions give their bytes on as they came. */
static void not_tls(struct mt_tls_session *t, const struct mt_xform_out *out)
{
    t->d[0].passthrough = t->d[1].passthrough = 1;
    if (t->obs.not_tls)
        t->obs.not_tls(t->obs.ctx);
    if (t->hello_len)
        out->data(out->ctx, t->hello, t->hello_len);
    give_mem(t, &t->hello, MT_TLS_MAX_HELLO);
    t->hello_len = 0;
}

/* The client's first bytes: held until they are a whole ClientHello (then
 * read as records from the start) or are not one (then given on). */
static int client_hello(struct tls_dir *d, const uint8_t *p, size_t n,
                        const struct mt_xform_out *out, char *why)
{
    struct mt_tls_session *t = d->t;
    if (!t->hello && !(t->hello = take_mem(t, MT_TLS_MAX_HELLO))) {
        t->hello_done = 1; /* TLS, of which nothing can be read */
        go_quiet(t, MT_TLS_NO_MEMORY);
        return 0;
    }
    size_t take = n < MT_TLS_MAX_HELLO - t->hello_len ? n : MT_TLS_MAX_HELLO - t->hello_len;
    memcpy(t->hello + t->hello_len, p, take);
    t->hello_len += take;
    enum mt_tls_result r = mt_tls_client_hello(t->hello, t->hello_len, &t->info);
    if (r == MT_TLS_NEED_MORE && t->hello_len < MT_TLS_MAX_HELLO)
        return 0;
    if (r != MT_TLS_HELLO && t->hello_len >= 6 && mt_tls_maybe(t->hello, 6)) {
        /* A handshake record that starts a ClientHello, but one this reader
         * cannot read (longer than it keeps, or malformed): TLS all the
         * same, never text. */
        give_mem(t, &t->hello, MT_TLS_MAX_HELLO);
        t->hello_len = 0;
        go_quiet(t, MT_TLS_UNSUPPORTED);
        return 0;
    }
    if (r != MT_TLS_HELLO) {
        not_tls(t, out);
        if (take < n)
            out->data(out->ctx, p + take, n - take);
        return 0;
    }
    t->hello_done = 1;
    if (t->d[1].passthrough) {
        /* The server's first bytes were not TLS, but the client's are: what
         * the server sends from here is read as TLS records. */
        t->d[1].passthrough = 0;
        t->d[1].have = 0;
        if (t->obs.warn)
            t->obs.warn(t->obs.ctx, "tls: the server sent bytes that are not TLS before the "
                                    "client's ClientHello; reading TLS from here");
    }
    int rc = records(d, t->hello, t->hello_len, out, why);
    give_mem(t, &t->hello, MT_TLS_MAX_HELLO);
    t->hello_len = 0;
    if (rc == 0 && take < n)
        rc = records(d, p + take, n - take, out, why);
    return rc;
}

/* --- the transform ------------------------------------------------------------------- */

static int tls_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                    char *why)
{
    struct tls_dir *d = st;
    if (d->passthrough) {
        out->data(out->ctx, p, n);
        return 0;
    }
    if (d->quiet)
        return 0;
    if (d->dir == 0 && !d->t->hello_done)
        return client_hello(d, p, n, out, why);
    return records(d, p, n, out, why);
}

static int tls_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    struct tls_dir *d = st;
    if (d->passthrough) {
        out->gap(out->ctx, n);
        return 0;
    }
    if (d->quiet)
        return 0;
    if (!d->t->hello_done && d->dir == 0) {
        /* Part of the ClientHello is lost: TLS, never readable. */
        d->t->hello_done = 1;
        go_quiet(d->t, MT_TLS_NO_HANDSHAKE);
        return 0;
    }
    if (!d->ready && !d->t->reported) {
        go_quiet(d->t, MT_TLS_NO_HANDSHAKE);
        return 0;
    }
    snprintf(why, MT_XFORM_WHY_MAX, "%llu bytes missing from the TLS records",
             (unsigned long long)n);
    report(d->t, unread_outcome(d->t));
    return -1;
}

/* The end: a last look for the key of records still held; the outcome is
 * said if it was not yet. */
static int tls_end(void *st, const struct mt_xform_out *out, char *why)
{
    struct tls_dir *d = st;
    struct mt_tls_session *t = d->t;
    int rc = 0;
    if (!d->passthrough && !d->quiet && d->held_len) {
        if (d->ready || need_keys(d) == KEYS_SET)
            rc = release_held(d, out, why);
        if (rc == 0 && !d->quiet && d->held_len) { /* their key never came */
            snprintf(why, MT_XFORM_WHY_MAX, "no key in the key logs for its last %zu bytes",
                     d->held_len);
            rc = drop_held(d, MT_TLS_NO_KEY);
        }
    }
    /* A session that never carried a byte of TLS says nothing. */
    int seen = t->hello_done || t->hello_len || t->d[1].records;
    if (d->dir == 1 && !d->passthrough && !t->reported && seen)
        report(t, unread_outcome(t));
    return rc;
}

const struct mt_xform_ops mt_xform_tls = {"tls", tls_data, tls_gap, tls_end, NULL};

struct mt_tls_session *mt_tls_new(struct mt_keylog *keylog, const struct mt_tls_observer *obs,
                                  struct mt_budget *budget)
{
    if (!mt_budget_take(budget, sizeof(struct mt_tls_session)))
        return NULL;
    struct mt_tls_session *t = calloc(1, sizeof *t);
    if (!t) {
        mt_budget_give(budget, sizeof *t);
        return NULL;
    }
    t->keylog = keylog;
    t->obs = *obs;
    t->budget = budget;
    for (int i = 0; i < 2; i++) {
        t->d[i].t = t;
        t->d[i].dir = i;
    }
    t->d[1].hs.piece = cert_bytes;
    return t;
}

void mt_tls_free(struct mt_tls_session *t)
{
    if (!t)
        return;
    for (int i = 0; i < 2; i++) {
        give_mem(t, &t->d[i].rec, REC_MAX);
        give_mem(t, &t->d[i].held, HOLD_MAX);
        mt_tls_keys_free(&t->d[i].keys);
        OPENSSL_cleanse(t->d[i].secret, sizeof t->d[i].secret);
    }
    give_mem(t, &t->hello, MT_TLS_MAX_HELLO);
    cert_release(&t->cert, t->budget);
    mt_budget_give(t->budget, sizeof *t);
    free(t);
}

void *mt_tls_direction(struct mt_tls_session *t, int dir) { return &t->d[dir ? 1 : 0]; }

void mt_tls_on_certificate(struct mt_tls_session *t,
                           void (*certificate)(void *ctx, const struct mt_tls_cert *c))
{
    t->on_cert = certificate;
}

const struct mt_tls_report *mt_tls_reported(const struct mt_tls_session *t)
{
    return t->reported ? &t->report : NULL;
}
