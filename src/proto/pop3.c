/* POP3 (RFC 1939), with CAPA and STLS (RFC 2449, 2595) and SASL AUTH
 * (RFC 5034). Multi-line responses end at a lone dot and are dot-unstuffed;
 * their content is never read as a reply. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"

#define APOP_TS_MAX 256

enum pending_cmd {
    CMD_OTHER,
    CMD_MULTI, /* a multi-line response follows +OK */
    CMD_CAPA,
    CMD_PASS,
    CMD_APOP,
    CMD_AUTH,
    CMD_STLS
};

struct pop3 {
    struct mt_dsession *s;
    int greeted;
    char apop_ts[APOP_TS_MAX + 1];
    int stls_offered;
    struct mt_reply_queue replies;
    int body;          /* inside a multi-line response */
    int body_is_capa;
    int capa_stls, capa_login; /* this CAPA listed STLS; USER or a SASL mechanism */
    uint8_t user[MT_SASL_FIELD_MAX];
    size_t user_len;
    int has_user, user_cut;
    struct mt_pending *pending; /* PASS or APOP awaiting +OK/-ERR */
    struct mt_sasl *sasl;       /* AUTH exchange in progress */
    int in_auth;
    int auth_stls_offered;
    uint64_t secret_seq;
};

static void finish_auth(struct pop3 *p, enum mt_result r);

static void push(struct pop3 *p, enum pending_cmd c)
{
    if (mt_reply_push(p->s, &p->replies, c)) {
        p->body = 0;
        mt_pending_resolve(p->s, &p->pending, MT_RESULT_UNKNOWN);
        finish_auth(p, MT_RESULT_UNKNOWN);
    }
}

static void *pop3_create(struct mt_dsession *s)
{
    struct pop3 *p = calloc(1, sizeof *p);
    if (p)
        p->s = s;
    return p;
}

static void finish_auth(struct pop3 *p, enum mt_result r)
{
    if (!p->in_auth)
        return;
    p->in_auth = 0;
    mt_auth_report(p->s, p->sasl, "AUTH", p->auth_stls_offered, p->secret_seq, r);
}

/* The greeting's <timestamp>, which APOP digests are salted with. */
static void remember_apop_timestamp(struct pop3 *p, const uint8_t *t, size_t n)
{
    const uint8_t *lt = memchr(t, '<', n);
    if (!lt)
        return;
    const uint8_t *gt = memchr(lt, '>', n - (size_t)(lt - t));
    if (!gt || (size_t)(gt - lt + 1) > APOP_TS_MAX)
        return;
    size_t len = (size_t)(gt - lt + 1);
    for (size_t i = 0; i < len; i++)
        if (lt[i] < 0x21 || lt[i] > 0x7e)
            return; /* only printable ASCII goes into a hash line */
    memcpy(p->apop_ts, lt, len);
    p->apop_ts[len] = '\0';
}

static int is_status(const struct mt_line *l, const char *st)
{
    size_t k = strlen(st);
    return l->n >= k && memcmp(l->p, st, k) == 0 && (l->n == k || l->p[k] == ' ');
}

/* A line of the CAPA answer: STLS, USER, SASL mechanism... */
static void capa_line(struct pop3 *p, const struct mt_line *u)
{
    size_t pos = 0, ws, wn = mt_next_token(u->p, u->n, &pos, &ws);
    if (mt_token_is(u->p + ws, wn, "STLS")) {
        p->stls_offered = 1;
        p->capa_stls = 1;
        mt_offer_starttls(p->s);
    } else if (mt_token_is(u->p + ws, wn, "USER")) {
        p->capa_login = 1;
        mt_offer_login(p->s);
    } else if (mt_token_is(u->p + ws, wn, "SASL")) {
        size_t ms, mn;
        while ((mn = mt_next_token(u->p, u->n, &pos, &ms)) > 0) {
            p->capa_login = 1;
            mt_offer_mech(p->s, u->p + ms, mn);
        }
    }
}

static void server_line(struct pop3 *p, const struct mt_line *l)
{
    if (p->body) {
        if (l->n == 1 && l->p[0] == '.') {
            p->body = 0;
            mt_emit_line(p->s, MT_DIR_SERVER, MT_MSG_REPLY, ".", l, NULL, 0);
            /* STLS and no way to log in before it (no USER, no SASL
             * mechanism): logins wait for TLS. */
            if (p->body_is_capa && p->capa_stls && !p->capa_login)
                mt_offer_no_login(p->s);
            return;
        }
        struct mt_line u = *l;
        if (u.n > 0 && u.p[0] == '.') { /* dot-unstuffing */
            u.p++;
            u.n--;
        }
        if (p->body_is_capa)
            capa_line(p, &u);
        mt_emit_line(p->s, MT_DIR_SERVER, MT_MSG_BODY, "", &u, NULL, 0);
        return;
    }
    int ok = is_status(l, "+OK"), err = is_status(l, "-ERR");
    if (p->in_auth && !ok && !err && l->n >= 1 && l->p[0] == '+') {
        /* A SASL challenge: "+ base64" (or a bare "+"). */
        size_t skip = l->n >= 2 && l->p[1] == ' ' ? 2 : 1;
        mt_auth_server(p->s, p->sasl, l->p + skip, l->n - skip);
        mt_emit_sasl_line(p->s, MT_DIR_SERVER, MT_MSG_AUTH, "+", l, NULL, 0, p->sasl);
        return;
    }
    const char *label = ok ? "+OK" : err ? "-ERR" : "?";
    if (!p->greeted) {
        p->greeted = 1;
        if (ok)
            remember_apop_timestamp(p, l->p, l->n);
        mt_emit_line(p->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
        if (ok && l->n > 4) /* "+OK Dovecot (Debian) ready." */
            mt_software_from_greeting(p->s, MT_PROTO_POP3, l->p + 4, l->n - 4);
        return;
    }
    enum mt_result r = ok ? MT_RESULT_SUCCESS : err ? MT_RESULT_FAILURE : MT_RESULT_UNKNOWN;
    mt_emit_line(p->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
    switch ((enum pending_cmd)mt_reply_pop(&p->replies)) {
    case CMD_PASS:
    case CMD_APOP:
        mt_pending_resolve(p->s, &p->pending, r);
        break;
    case CMD_AUTH:
        finish_auth(p, r);
        break;
    case CMD_STLS:
        if (ok)
            mt_start_tls(p->s);
        break;
    case CMD_CAPA:
    case CMD_MULTI:
        if (ok) {
            p->body = 1;
            p->body_is_capa = 0;
        }
        break;
    case CMD_OTHER:
        break;
    }
}

static void client_auth_line(struct pop3 *p, const struct mt_line *l)
{
    unsigned ex = mt_auth_client(p->s, p->sasl, l->p, l->n, l->truncated);
    struct mt_span sp = {0, l->n, (ex & MT_SASL_EXPOSES_SECRET) != 0};
    uint64_t seq =
        mt_emit_sasl_line(p->s, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL", l, &sp, ex ? 1 : 0, p->sasl);
    if (ex & MT_SASL_EXPOSES_SECRET || !p->secret_seq)
        p->secret_seq = seq;
}

/* Inside an AUTH exchange: takes l as a SASL response if it is one, or
 * ends the exchange (verdict unknown) when l is a command instead.
 * Returns whether l was taken. */
static int client_in_auth(struct pop3 *p, const struct mt_line *l)
{
    /* SASL responses never hold a space, commands with arguments do:
     * one means the exchange's verdict was missed (unknown). */
    if (!memchr(l->p, ' ', l->n)) {
        client_auth_line(p, l);
        return 1;
    }
    finish_auth(p, MT_RESULT_UNKNOWN);
    if (mt_reply_head(&p->replies) == CMD_AUTH)
        mt_reply_pop(&p->replies); /* its reply was missed too */
    return 0;
}

/* A credential that PASS or APOP sent, awaiting the server's verdict; one
 * still awaiting its own is given up as unknown. */
static struct mt_pending *await_verdict(struct pop3 *p, const char *mech, uint64_t seq)
{
    mt_pending_resolve(p->s, &p->pending, MT_RESULT_UNKNOWN);
    p->pending = mt_pending_new(p->s, mech, mech, p->stls_offered, seq);
    return p->pending;
}

/* USER: the name is kept for the PASS that follows. */
static void client_user(struct pop3 *p, const struct mt_line *l, const char *label, size_t arg,
                        size_t argn)
{
    struct mt_span sp = {arg, argn, 0};
    mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, &sp, 1);
    size_t k = argn < sizeof p->user ? argn : sizeof p->user;
    memcpy(p->user, l->p + arg, k);
    p->user_len = k;
    p->has_user = 1;
    p->user_cut = k < argn || (l->truncated && arg + argn == l->n);
    push(p, CMD_OTHER);
}

/* PASS: with the USER name before it, a credential awaiting a verdict. */
static void client_pass(struct pop3 *p, const struct mt_line *l, const char *label, size_t arg,
                        size_t argn)
{
    struct mt_span sp = {arg, argn, 1};
    uint64_t seq = mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, &sp, 1);
    struct mt_pending *pd = await_verdict(p, "USER", seq);
    if (pd) {
        if (p->has_user) {
            mt_pending_set_user(pd, p->user, p->user_len);
            pd->user_cut = p->user_cut;
        }
        mt_pending_set_password(pd, l->p + arg, argn);
        pd->password_cut |= l->truncated && arg + argn == l->n;
    }
    push(p, CMD_PASS);
}

/* An APOP digest as RFC 1939 writes it: 32 lowercase hex digits. */
static int is_apop_digest(const uint8_t *d, size_t n)
{
    int hex = n == 32;
    for (size_t i = 0; hex && i < n; i++)
        hex = (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f');
    return hex;
}

/* APOP name digest: the digest can be cracked with the greeting's
 * timestamp as its salt. */
static void client_apop(struct pop3 *p, const struct mt_line *l, const char *label, size_t pos)
{
    size_t ns, nn = mt_next_token(l->p, l->n, &pos, &ns);
    size_t ds, dn = mt_next_token(l->p, l->n, &pos, &ds);
    struct mt_span sp[2] = {{ns, nn, 0}, {ds, dn, 1}};
    uint64_t seq = mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, sp, 2);
    struct mt_pending *pd = await_verdict(p, "APOP", seq);
    if (pd) {
        mt_pending_set_user(pd, l->p + ns, nn);
        if (is_apop_digest(l->p + ds, dn) && p->apop_ts[0]) {
            /* hashcat -m 20, md5($salt.$pass): "digest:salt". */
            char h[32 + 1 + APOP_TS_MAX + 1];
            memcpy(h, l->p + ds, 32);
            h[32] = ':';
            strcpy(h + 33, p->apop_ts);
            mt_pending_set_hash(pd, h, "hashcat -m 20");
        }
    }
    push(p, CMD_APOP);
}

/* AUTH [mechanism [initial-response]]: starts a SASL exchange, whose
 * responses client_in_auth takes until the server's verdict. */
static void client_auth(struct pop3 *p, const struct mt_line *l, const char *label, size_t pos)
{
    size_t ms, mn = mt_next_token(l->p, l->n, &pos, &ms);
    size_t is, in = mt_next_token(l->p, l->n, &pos, &is);
    if (mn == 0) {
        mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, NULL, 0);
        push(p, CMD_MULTI); /* lists the mechanisms */
        return;
    }
    if (!p->sasl && !(p->sasl = mt_sasl_acquire(p->s))) {
        mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, NULL, 0);
        push(p, CMD_OTHER);
        return;
    }
    mt_sasl_begin(p->sasl, l->p + ms, mn);
    int cut = l->truncated && is + in == l->n;
    unsigned ex = in ? mt_auth_client(p->s, p->sasl, l->p + is, in, cut) : 0;
    struct mt_span sp = {is, in, (ex & MT_SASL_EXPOSES_SECRET) != 0};
    uint64_t seq = mt_emit_sasl_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, &sp,
                                     ex ? 1 : 0, in ? p->sasl : NULL);
    p->in_auth = 1;
    p->auth_stls_offered = p->stls_offered;
    p->secret_seq = seq;
    push(p, CMD_AUTH);
}

/* Any other command: shown whole; what matters is how its reply is read
 * (STLS switches to TLS, CAPA's body is scanned, some are multi-line). */
static void client_other(struct pop3 *p, const struct mt_line *l, const char *label, size_t argn)
{
    mt_emit_line(p->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, NULL, 0);
    int has_arg = argn > 0;
    if (strcmp(label, "STLS") == 0)
        push(p, CMD_STLS);
    else if (strcmp(label, "CAPA") == 0)
        push(p, CMD_CAPA);
    else if (strcmp(label, "RETR") == 0 || strcmp(label, "TOP") == 0 ||
             ((strcmp(label, "LIST") == 0 || strcmp(label, "UIDL") == 0) && !has_arg))
        push(p, CMD_MULTI);
    else
        push(p, CMD_OTHER);
}

/* Kept out of pop3_line: nearly every line is the server's (message
 * bodies), and inlined, the command path would give each of them a larger
 * stack frame to set up (0.3% more instructions on a large capture). */
__attribute__((noinline)) static void client_line(struct pop3 *p, const struct mt_line *l)
{
    if (p->in_auth && client_in_auth(p, l))
        return;
    char label[16];
    mt_label_word(l->p, l->n, label, sizeof label);
    size_t pos = 0, cs, cn = mt_next_token(l->p, l->n, &pos, &cs);
    (void)cn;
    /* The argument: the rest of the line after one space (RFC 1939 lets a
     * password contain spaces). */
    size_t arg = pos < l->n ? pos + 1 : l->n;
    size_t argn = l->n - arg;
    if (strcmp(label, "USER") == 0)
        client_user(p, l, label, arg, argn);
    else if (strcmp(label, "PASS") == 0)
        client_pass(p, l, label, arg, argn);
    else if (strcmp(label, "APOP") == 0)
        client_apop(p, l, label, pos);
    else if (strcmp(label, "AUTH") == 0)
        client_auth(p, l, label, pos);
    else
        client_other(p, l, label, argn);
}

static void pop3_line(void *st, enum mt_dir dir, const struct mt_line *l)
{
    struct pop3 *p = st;
    if (dir == MT_DIR_CLIENT) {
        /* The client speaks first only when the capture started after the
         * greeting: the server's next line answers this command. */
        p->greeted = 1;
        client_line(p, l);
        return;
    }
    /* CAPA's body is scanned for STLS. */
    int was_capa = mt_reply_head(&p->replies) == CMD_CAPA;
    int was_body = p->body;
    server_line(p, l);
    if (!was_body && p->body && was_capa) {
        p->body_is_capa = 1;
        p->capa_stls = p->capa_login = 0;
    }
}

static void pop3_raw(void *st, enum mt_dir dir, const struct mt_line *l, int last)
{
    struct pop3 *p = st;
    (void)last; /* POP3 announces no counted data; kept for the interface */
    mt_emit_line(p->s, dir, MT_MSG_BODY, "", l, NULL, 0);
}

static void pop3_gap(void *st, enum mt_dir dir, uint64_t n)
{
    struct pop3 *p = st;
    (void)n;
    if (dir == MT_DIR_SERVER) {
        /* Replies were lost: what they answered can no longer be matched. */
        p->body = 0;
        p->replies.len = 0;
        mt_pending_resolve(p->s, &p->pending, MT_RESULT_UNKNOWN);
        finish_auth(p, MT_RESULT_UNKNOWN);
    }
    mt_warn_gap(p->s, dir);
}

static void pop3_end(void *st)
{
    struct pop3 *p = st;
    mt_pending_resolve(p->s, &p->pending, MT_RESULT_UNKNOWN);
    finish_auth(p, MT_RESULT_UNKNOWN);
}

static void pop3_destroy(void *st)
{
    struct pop3 *p = st;
    mt_pending_free(p->s, &p->pending);
    mt_sasl_release(p->s, p->sasl);
    free(p);
}

const struct mt_proto_ops mt_pop3_ops = {MT_PROTO_POP3, pop3_create, pop3_line, pop3_raw,
                                         pop3_gap,      pop3_end,    pop3_destroy};
