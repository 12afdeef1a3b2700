/* SMTP and submission (RFC 5321) with AUTH (RFC 4954), STARTTLS (RFC 3207),
 * PIPELINING (RFC 2920) and CHUNKING/BDAT (RFC 3030); and LMTP (RFC 2033),
 * the same dialogue opened by LHLO, in which the end of the message is
 * answered once per accepted recipient. Message content (DATA up to the
 * lone dot, BDAT chunks by size) is never read as commands. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"


enum cmd {
    CMD_OTHER = 1,
    CMD_EHLO,
    CMD_AUTH,
    CMD_STARTTLS,
    CMD_DATA,
    CMD_DATA_END,
    CMD_BDAT,
    CMD_MAIL,
    CMD_RCPT,
    CMD_LHLO,
    CMD_BDAT_LAST /* BDAT ... LAST: its reply ends the message (one per recipient in LMTP) */
};

struct smtp {
    struct mt_dsession *s;
    int greeted;
    unsigned greet_lines;
    int starttls_offered;
    struct mt_reply_queue replies;
    int in_body; /* the client is sending DATA content */
    struct mt_sasl *sasl;
    int in_auth;
    int auth_starttls_offered;
    uint64_t secret_seq;
    int auth_offered;       /* the EHLO answer listed AUTH */
    int lmtp;               /* LMTP: port 24, or LHLO was answered 250 */
    unsigned rcpt_ok;       /* LMTP: recipients accepted in this transaction */
    unsigned replies_left;  /* LMTP: end-of-data replies still to come after this one */
};

static void *smtp_create(struct mt_dsession *s)
{
    struct smtp *m = calloc(1, sizeof *m);
    if (m)
        m->s = s;
    return m;
}

static void *lmtp_create(struct mt_dsession *s)
{
    struct smtp *m = smtp_create(s);
    if (m)
        m->lmtp = 1;
    return m;
}

static void pop(struct smtp *m);

/* A reply to the end of a message: LMTP gives one per recipient. */
static void message_reply(struct smtp *m)
{
    if (m->replies_left > 0)
        m->replies_left--;
    else
        pop(m);
}

/* LMTP: replies still to come after this one for a message just ended. */
static unsigned extra_replies(const struct smtp *m)
{
    return m->lmtp && m->rcpt_ok > 1 ? m->rcpt_ok - 1 : 0;
}

static void finish_auth(struct smtp *m, enum mt_result r);

static void push(struct smtp *m, enum cmd c)
{
    if (mt_reply_push(m->s, &m->replies, c))
        finish_auth(m, MT_RESULT_UNKNOWN);
}

static enum cmd head(const struct smtp *m) { return (enum cmd)mt_reply_head(&m->replies); }

static void pop(struct smtp *m) { mt_reply_pop(&m->replies); }

static void finish_auth(struct smtp *m, enum mt_result r)
{
    if (!m->in_auth)
        return;
    m->in_auth = 0;
    mt_auth_report(m->s, m->sasl, "AUTH", m->auth_starttls_offered, m->secret_seq, r);
}

/* --- server ----------------------------------------------------------------- */

static int reply_code(const struct mt_line *l, char label[4], int *last)
{
    if (l->n < 3)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (l->p[i] < '0' || l->p[i] > '9')
            return -1;
        label[i] = (char)l->p[i];
    }
    label[3] = '\0';
    if (l->n > 3 && l->p[3] != ' ' && l->p[3] != '-')
        return -1;
    *last = l->n == 3 || l->p[3] == ' ';
    return (l->p[0] - '0') * 100 + (l->p[1] - '0') * 10 + (l->p[2] - '0');
}

/* A line of the EHLO answer: STARTTLS, AUTH mechanisms. When it ends,
 * an EHLO in the clear that offered STARTTLS and no AUTH means logins
 * wait for TLS (smtpd_tls_auth_only). */
static void ehlo_line(struct smtp *m, const uint8_t *text, size_t tn, int last)
{
    size_t pos = 0, ks, kn = mt_next_token(text, tn, &pos, &ks);
    if (mt_token_is(text + ks, kn, "STARTTLS")) {
        m->starttls_offered = 1;
        mt_offer_starttls(m->s);
    } else if (mt_token_is(text + ks, kn, "AUTH") || (kn > 5 && mt_token_is(text + ks, 5, "AUTH="))) {
        m->auth_offered = 1;
        if (kn > 5) /* the old "AUTH=LOGIN PLAIN" form */
            mt_offer_mech(m->s, text + ks + 5, kn - 5);
        size_t ms, mn;
        while ((mn = mt_next_token(text, tn, &pos, &ms)) > 0)
            mt_offer_mech(m->s, text + ms, mn);
    }
    if (last && m->starttls_offered && !m->auth_offered)
        mt_offer_no_login(m->s);
}

static void server_line(struct smtp *m, const struct mt_line *l)
{
    char label[4];
    int last = 1;
    int code = reply_code(l, label, &last);
    if (code < 0) {
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, "?", l, NULL, 0);
        return;
    }
    const uint8_t *text = l->p + (l->n > 3 ? 4 : 3);
    size_t tn = l->n > 3 ? l->n - 4 : 0;
    if (m->in_auth && code == 334) {
        mt_auth_server(m->s, m->sasl, text, tn);
        mt_emit_sasl_line(m->s, MT_DIR_SERVER, MT_MSG_AUTH, label, l, NULL, 0, m->sasl);
        return;
    }
    mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
    if (!m->greeted) {
        if (code == 220 && m->greet_lines++ == 0) /* "220 host ESMTP Postfix (Debian/GNU)" */
            mt_software_from_greeting(m->s, MT_PROTO_SMTP, text, tn);
        if (last)
            m->greeted = 1;
        return;
    }
    if ((head(m) == CMD_EHLO || head(m) == CMD_LHLO) && code == 250)
        ehlo_line(m, text, tn, last);
    if (!last)
        return;
    int ok = code >= 200 && code < 400;
    switch (head(m)) {
    case CMD_AUTH:
        finish_auth(m, code >= 200 && code < 300 ? MT_RESULT_SUCCESS : MT_RESULT_FAILURE);
        pop(m);
        break;
    case CMD_STARTTLS:
        pop(m);
        if (code == 220)
            mt_start_tls(m->s);
        break;
    case CMD_DATA:
        if (code == 354) {
            m->replies.kind[m->replies.head] = CMD_DATA_END; /* the next reply ends the message */
            m->replies_left = extra_replies(m);
        } else {
            m->in_body = 0; /* DATA refused: no content follows */
            pop(m);
        }
        break;
    case CMD_BDAT_LAST: /* this reply is the first of the message's */
        m->replies.kind[m->replies.head] = CMD_DATA_END;
        m->replies_left = extra_replies(m);
        message_reply(m);
        break;
    case CMD_DATA_END: message_reply(m); break;
    case CMD_LHLO: /* the server speaks LMTP: say so from here */
        if (code == 250 && !m->lmtp) {
            m->lmtp = 1;
            mt_set_proto(m->s, MT_PROTO_LMTP);
        }
        pop(m);
        break;
    case CMD_MAIL:
        m->rcpt_ok = 0;
        pop(m);
        break;
    case CMD_RCPT:
        m->rcpt_ok += code >= 200 && code < 300;
        pop(m);
        break;
    default:
        (void)ok;
        pop(m);
        break;
    }
}

/* --- client ----------------------------------------------------------------- */

static void client_line(struct smtp *m, const struct mt_line *l)
{
    if (m->in_body) {
        if (l->n == 1 && l->p[0] == '.') {
            m->in_body = 0;
            mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, ".", l, NULL, 0);
            return;
        }
        struct mt_line u = *l;
        if (u.n > 0 && u.p[0] == '.') { /* dot-unstuffing */
            u.p++;
            u.n--;
        }
        mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_BODY, "", &u, NULL, 0);
        return;
    }
    if (m->in_auth && memchr(l->p, ' ', l->n)) {
        /* A command: the verdict was missed (a client waits for it before
         * its next command), and so was the reply AUTH waits for. */
        finish_auth(m, MT_RESULT_UNKNOWN);
        if (head(m) == CMD_AUTH)
            pop(m);
    }
    if (m->in_auth) {
        unsigned ex = mt_auth_client(m->s, m->sasl, l->p, l->n, l->truncated);
        struct mt_span sp = {0, l->n, (ex & MT_SASL_EXPOSES_SECRET) != 0};
        uint64_t seq = mt_emit_sasl_line(m->s, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL", l, &sp,
                                         ex ? 1 : 0, m->sasl);
        if (ex & MT_SASL_EXPOSES_SECRET)
            m->secret_seq = seq;
        return;
    }
    char label[16];
    mt_label_word(l->p, l->n, label, sizeof label);
    size_t pos = 0, vs;
    mt_next_token(l->p, l->n, &pos, &vs);
    if (strcmp(label, "AUTH") == 0) {
        size_t ms, mn = mt_next_token(l->p, l->n, &pos, &ms);
        size_t is, in = mt_next_token(l->p, l->n, &pos, &is);
        unsigned ex = 0;
        if (mn > 0 && (m->sasl || (m->sasl = mt_sasl_acquire(m->s)))) {
            mt_sasl_begin(m->sasl, l->p + ms, mn);
            if (in)
                ex = mt_auth_client(m->s, m->sasl, l->p + is, in,
                                    l->truncated && is + in == l->n);
            m->in_auth = 1;
            m->auth_starttls_offered = m->starttls_offered;
        }
        struct mt_span sp = {is, in, (ex & MT_SASL_EXPOSES_SECRET) != 0};
        uint64_t seq = mt_emit_sasl_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, &sp,
                                         ex ? 1 : 0, in && m->in_auth ? m->sasl : NULL);
        m->secret_seq = seq;
        push(m, CMD_AUTH);
        return;
    }
    mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, label, l, NULL, 0);
    if (strcmp(label, "EHLO") == 0 || strcmp(label, "HELO") == 0 || strcmp(label, "LHLO") == 0) {
        size_t hs, hn = mt_next_token(l->p, l->n, &pos, &hs); /* the client's name for itself */
        if (hn)
            mt_set_software(m->s, MT_DIR_CLIENT, l->p + hs, hn, "ehlo");
        push(m, label[0] == 'L' ? CMD_LHLO : CMD_EHLO);
    } else if (strcmp(label, "MAIL") == 0) {
        push(m, CMD_MAIL);
    } else if (strcmp(label, "RCPT") == 0) {
        push(m, CMD_RCPT);
    } else if (strcmp(label, "STARTTLS") == 0) {
        push(m, CMD_STARTTLS);
    } else if (strcmp(label, "DATA") == 0) {
        /* Content follows once the server says 354; a refusal ends it. */
        m->in_body = 1;
        push(m, CMD_DATA);
    } else if (strcmp(label, "BDAT") == 0) {
        size_t ss, sn = mt_next_token(l->p, l->n, &pos, &ss);
        uint64_t size = 0;
        int valid = sn > 0 && sn <= 19;
        for (size_t i = 0; valid && i < sn; i++) {
            if (l->p[ss + i] < '0' || l->p[ss + i] > '9')
                valid = 0;
            else
                size = size * 10 + (uint64_t)(l->p[ss + i] - '0');
        }
        if (valid && size > 0)
            mt_expect_raw(m->s, MT_DIR_CLIENT, size);
        size_t ls, ln = mt_next_token(l->p, l->n, &pos, &ls);
        push(m, mt_token_is(l->p + ls, ln, "LAST") ? CMD_BDAT_LAST : CMD_BDAT);
    } else {
        push(m, CMD_OTHER);
    }
}

static void smtp_line(void *st, enum mt_dir dir, const struct mt_line *l)
{
    if (dir == MT_DIR_CLIENT) {
        /* Before any greeting: the capture started after it. */
        ((struct smtp *)st)->greeted = 1;
        client_line(st, l);
    } else
        server_line(st, l);
}

static void smtp_raw(void *st, enum mt_dir dir, const struct mt_line *l, int last)
{
    struct smtp *m = st;
    (void)last;
    mt_emit_line(m->s, dir, MT_MSG_BODY, "", l, NULL, 0);
}

static void smtp_gap(void *st, enum mt_dir dir, uint64_t n)
{
    struct smtp *m = st;
    (void)n;
    if (dir == MT_DIR_SERVER) {
        m->replies.len = 0;
        finish_auth(m, MT_RESULT_UNKNOWN);
    }
    mt_warn_gap(m->s, dir);
}

static void smtp_end(void *st) { finish_auth(st, MT_RESULT_UNKNOWN); }

static void smtp_destroy(void *st)
{
    struct smtp *m = st;
    mt_sasl_release(m->s, m->sasl);
    free(m);
}

const struct mt_proto_ops mt_smtp_ops = {MT_PROTO_SMTP, smtp_create, smtp_line, smtp_raw,
                                         smtp_gap,      smtp_end,    smtp_destroy};

/* Port 24: LMTP from the start (the same code; LHLO says it too). */
const struct mt_proto_ops mt_lmtp_ops = {MT_PROTO_LMTP, lmtp_create, smtp_line, smtp_raw,
                                         smtp_gap,      smtp_end,    smtp_destroy};
