/* IMAP (RFC 9051, 3501) with LITERAL+ (RFC 7888), SASL-IR (RFC 4959) and
 * STARTTLS. Literals are skipped by byte count in both directions, so the
 * text of a message (FETCH, APPEND) is never read as a command or reply. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"

#define TAG_MAX 64

struct tag {
    char s[TAG_MAX + 1];
    size_t n;
};

struct imap {
    struct mt_dsession *s;
    int greeted;
    int starttls_offered;
    /* The client command being read: it may go on after a literal. */
    int cmd_active;
    struct tag cmd_tag;
    char cmd_name[16];
    int login_arg;      /* LOGIN: index of the next argument (0 user, 1 password) */
    int literal_arg;    /* the literal being read is that LOGIN argument, or -1 */
    /* Commands awaiting their tagged reply. */
    struct mt_pending *login;
    struct tag login_tag;
    struct mt_sasl *sasl;
    int in_auth;
    struct tag auth_tag;
    int auth_starttls_offered;
    uint64_t secret_seq;
    struct tag starttls_tag;
    int starttls_waiting;
    struct tag compress_tag;
    int compress_waiting;
    /* A synchronising literal {n} the client may only send after the
     * server's "+": if the command's tagged reply comes first, the server
     * refused it and those bytes will never come. */
    int sync_pending;
    int server_cont;    /* the next server line continues one cut by a literal */
    /* A command the client sent while a server literal was still said to
     * be coming: its tagged reply, found inside that literal, shows that
     * the literal said more than came. */
    int later_pending;
    struct tag later_tag;
};

static void *imap_create(struct mt_dsession *s)
{
    struct imap *m = calloc(1, sizeof *m);
    if (m) {
        m->s = s;
        m->literal_arg = -1;
    }
    return m;
}

static void set_tag(struct tag *t, const uint8_t *p, size_t n)
{
    t->n = n < TAG_MAX ? n : TAG_MAX;
    memcpy(t->s, p, t->n);
    t->s[t->n] = '\0';
}

static int tag_eq(const struct tag *t, const uint8_t *p, size_t n)
{
    return t->n > 0 && t->n == n && memcmp(t->s, p, n) == 0;
}

/* The literal a line announces at its end (looked for in its last bytes
 * when it was cut), and where its arguments end: at the marker of a
 * literal, or of one too large for 64 bits (warned of: nothing is counted
 * as literal data, the server will refuse it), else the line's end. */
static int line_literal(struct imap *m, const struct mt_line *l, uint64_t *lit, size_t *lit_at,
                        int *plus)
{
    *lit_at = l->n;
    int r = l->truncated ? mt_literal_at_end(l->tail, l->tail_len, lit, lit_at, plus)
                         : mt_literal_at_end(l->p, l->n, lit, lit_at, plus);
    if (l->truncated)
        *lit_at = l->n;
    if (r < 0)
        mt_emit_warning(m->s, "a literal size too large for 64 bits: not read as a literal");
    return r > 0;
}

/* Scans capability words: STARTTLS, AUTH=mechanism, LOGINDISABLED (else
 * LOGIN is allowed). */
static void scan_capabilities(struct imap *m, const uint8_t *p, size_t n)
{
    size_t pos = 0, st;
    int disabled = 0;
    while (pos < n) {
        size_t len = mt_next_token(p, n, &pos, &st);
        if (len == 0)
            break;
        size_t l = len;
        if (p[st + l - 1] == ']')
            l--;
        if (mt_token_is(p + st, l, "STARTTLS")) {
            m->starttls_offered = 1;
            mt_offer_starttls(m->s);
        } else if (l > 5 && mt_token_is(p + st, 5, "AUTH=")) {
            mt_offer_mech(m->s, p + st + 5, l - 5);
        } else if (mt_token_is(p + st, l, "LOGINDISABLED")) {
            disabled = 1;
            mt_offer_no_login(m->s);
        }
    }
    if (!disabled)
        mt_offer_login(m->s);
}

/* Capabilities in a response code: "[CAPABILITY ...]". */
static void scan_response_code(struct imap *m, const uint8_t *p, size_t n)
{
    static const char key[] = "[CAPABILITY ";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i + k <= n; i++) {
        if (p[i] == '[' && mt_token_is(p + i + 1, k - 2, "CAPABILITY") && p[i + k - 1] == ' ') {
            const uint8_t *end = memchr(p + i, ']', n - i);
            size_t e = end ? (size_t)(end - p) : n;
            scan_capabilities(m, p + i + k, e - (i + k));
            return;
        }
    }
}

/* The value of key in an ID list, ("name" "Thunderbird" "version" "115"):
 * 1 and where its text is, or 0. Quoted strings only (NIL is no value). */
static int id_value(const uint8_t *p, size_t n, const char *key, size_t *vs, size_t *vn)
{
    size_t i = 0;
    int is_key = 1, match = 0;
    while (i < n) {
        if (p[i] != '"') {
            if ((i == 0 || p[i - 1] == ' ' || p[i - 1] == '(') && i + 3 <= n &&
                mt_token_is(p + i, 3, "NIL") &&
                (i + 3 == n || p[i + 3] == ' ' || p[i + 3] == ')')) {
                if (!is_key && match)
                    return 0;
                is_key = !is_key;
                i += 3;
                continue;
            }
            i++;
            continue;
        }
        size_t st = ++i;
        while (i < n && p[i] != '"')
            i += p[i] == '\\' && i + 1 < n ? 2 : 1;
        size_t len = (i < n ? i : n) - st;
        i++;
        if (!is_key && match) {
            *vs = st;
            *vn = len;
            return 1;
        }
        match = is_key && mt_token_is(p + st, len, key);
        is_key = !is_key;
    }
    return 0;
}

/* Appends a quoted string's text to buf (MT_SOFTWARE_MAX bytes) from k,
 * without its escapes (\" and \\); returns the new length. */
static size_t unquote(uint8_t *buf, size_t k, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && k < MT_SOFTWARE_MAX; i++) {
        if (p[i] == '\\' && i + 1 < n)
            i++;
        buf[k++] = p[i];
    }
    return k;
}

/* RFC 2971 ID, from the client's command or the server's answer: its
 * name and version as the side's software. */
static void id_software(struct imap *m, enum mt_dir dir, const uint8_t *p, size_t n)
{
    size_t ns, nn, vs, vn;
    if (!id_value(p, n, "NAME", &ns, &nn) || nn == 0)
        return;
    uint8_t buf[MT_SOFTWARE_MAX + 1];
    size_t k = unquote(buf, 0, p + ns, nn);
    if (id_value(p, n, "VERSION", &vs, &vn) && vn > 0 && k < MT_SOFTWARE_MAX) {
        buf[k++] = ' ';
        k = unquote(buf, k, p + vs, vn);
    }
    mt_set_software(m->s, dir, buf, k, "id");
}

/* Reports the pending LOGIN, unless it carried nothing (a LOGIN without
 * arguments, answered BAD). */
static void resolve_login(struct imap *m, enum mt_result r)
{
    if (m->login && !m->login->has_user && !m->login->has_password) {
        mt_pending_free(m->s, &m->login);
        return;
    }
    mt_pending_resolve(m->s, &m->login, r);
}

static void finish_auth(struct imap *m, enum mt_result r);

/* --- client ------------------------------------------------------------------- */

/* Appends to a LOGIN argument of the pending credential. */
static void login_append(struct imap *m, int arg, const uint8_t *p, size_t n)
{
    struct mt_pending *c = m->login;
    if (!c)
        return;
    if (arg == 0) {
        size_t room = sizeof c->user - c->user_len;
        size_t k = n < room ? n : room;
        memcpy(c->user + c->user_len, p, k);
        c->user_len += k;
        c->has_user = 1;
        c->user_cut |= k < n;
    } else {
        size_t room = sizeof c->password - c->password_len;
        size_t k = n < room ? n : room;
        memcpy(c->password + c->password_len, p, k);
        c->password_cut |= k < n;
        c->password_len += k;
        c->has_password = 1;
    }
}

/* Marks the LOGIN argument arg cut: the line it ends with was. */
static void login_cut(struct imap *m, int arg)
{
    if (m->login && arg == 0)
        m->login->user_cut = 1;
    else if (m->login)
        m->login->password_cut = 1;
}

/* Reads LOGIN arguments (atoms and quoted strings) from p[pos..n), up to a
 * literal announced at the end; cut: the line was longer than is kept.
 * Records spans for highlighting. */
static void login_args(struct imap *m, const uint8_t *p, size_t n, size_t pos, size_t lit_at,
                       int cut, struct mt_span *spans, size_t *nspans)
{
    while (m->login_arg < 2) {
        while (pos < lit_at && p[pos] == ' ')
            pos++;
        if (pos >= lit_at)
            return;
        int arg = m->login_arg++;
        if (p[pos] == '"') {
            size_t start = ++pos;
            uint8_t buf[256];
            size_t bl = 0;
            while (pos < n && p[pos] != '"') {
                if (p[pos] == '\\' && pos + 1 < n)
                    pos++;
                buf[bl++] = p[pos++];
                if (bl == sizeof buf) {
                    login_append(m, arg, buf, bl);
                    bl = 0;
                }
            }
            login_append(m, arg, buf, bl);
            if (*nspans < MT_MAX_SPANS)
                spans[(*nspans)++] = (struct mt_span){start, pos - start, arg == 1};
            if (pos < n)
                pos++; /* closing quote */
            else if (cut)
                login_cut(m, arg);
        } else {
            size_t start = pos;
            while (pos < lit_at && p[pos] != ' ')
                pos++;
            login_append(m, arg, p + start, pos - start);
            if (cut && pos == n)
                login_cut(m, arg);
            if (*nspans < MT_MAX_SPANS)
                spans[(*nspans)++] = (struct mt_span){start, pos - start, arg == 1};
        }
    }
}

static void client_auth_line(struct imap *m, const struct mt_line *l)
{
    unsigned ex = mt_auth_client(m->s, m->sasl, l->p, l->n, l->truncated);
    struct mt_span sp = {0, l->n, (ex & MT_SASL_EXPOSES_SECRET) != 0};
    uint64_t seq =
        mt_emit_sasl_line(m->s, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL", l, &sp, ex ? 1 : 0, m->sasl);
    if (ex & MT_SASL_EXPOSES_SECRET)
        m->secret_seq = seq;
}

static void client_line(struct imap *m, const struct mt_line *l)
{
    if (m->in_auth && !m->cmd_active) {
        /* A SASL response is base64 or "*", never with a space; a tagged
         * command always has one. Seeing a command means the exchange's
         * tagged reply was missed: its outcome is unknown. */
        if (!memchr(l->p, ' ', l->n)) {
            client_auth_line(m, l);
            return;
        }
        finish_auth(m, MT_RESULT_UNKNOWN);
    }
    const uint8_t *p = l->p;
    size_t n = l->n;
    uint64_t lit = 0;
    size_t lit_at = n;
    int plus = 0;
    int has_lit = line_literal(m, l, &lit, &lit_at, &plus);
    size_t pos = 0;
    struct mt_span spans[MT_MAX_SPANS];
    size_t nspans = 0;
    int login_before = m->login_arg;
    if (!m->cmd_active) {
        size_t ts, tn = mt_next_token(p, n, &pos, &ts);
        size_t cs, cn = mt_next_token(p, n, &pos, &cs);
        set_tag(&m->cmd_tag, p + ts, tn);
        if (tn && mt_raw_left(m->s, MT_DIR_SERVER) > 0) {
            /* The server is said to be in the middle of a literal: its
             * lines are looked at for this command's reply. */
            m->later_pending = 1;
            m->later_tag = m->cmd_tag;
            mt_frame_content(m->s, MT_DIR_SERVER);
        }
        mt_label_word(p + cs, cn, m->cmd_name, sizeof m->cmd_name);
        m->login_arg = 0;
        login_before = 0;
        if (strcmp(m->cmd_name, "LOGIN") == 0) {
            resolve_login(m, MT_RESULT_UNKNOWN);
            m->login = mt_pending_new(m->s, "LOGIN", "LOGIN", m->starttls_offered, 0);
            m->login_tag = m->cmd_tag;
        }
    }
    int is_login = strcmp(m->cmd_name, "LOGIN") == 0;
    if (is_login)
        login_args(m, p, n, pos, lit_at, l->truncated, spans, &nspans);
    /* AUTHENTICATE: the exchange starts before the line goes out, so that
     * an initial response (SASL-IR) is highlighted in it. */
    int auth = !has_lit && !m->cmd_active && strcmp(m->cmd_name, "AUTHENTICATE") == 0;
    if (auth) {
        size_t ms, mn = mt_next_token(p, n, &pos, &ms);
        size_t is, in = mt_next_token(p, n, &pos, &is);
        auth = mn > 0 && (m->sasl || (m->sasl = mt_sasl_acquire(m->s)));
        if (auth) {
            mt_sasl_begin(m->sasl, p + ms, mn);
            int cut = l->truncated && is + in == n;
            unsigned ex = in ? mt_auth_client(m->s, m->sasl, p + is, in, cut) : 0;
            if (ex)
                spans[nspans++] = (struct mt_span){is, in, (ex & MT_SASL_EXPOSES_SECRET) != 0};
        }
    }
    uint64_t seq = mt_emit_sasl_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, m->cmd_name, l, spans,
                                     nspans, auth ? m->sasl : NULL);
    if (is_login && m->login && login_before < 2 && m->login_arg == 2 && nspans > 0)
        m->login->msg_seq = seq;
    if (has_lit) {
        mt_expect_raw(m->s, MT_DIR_CLIENT, lit);
        m->sync_pending = !plus && lit > 0;
        m->cmd_active = 1;
        m->literal_arg = is_login && m->login_arg < 2 ? m->login_arg++ : -1;
        return;
    }
    m->cmd_active = 0;
    m->literal_arg = -1;
    if (auth) {
        m->in_auth = 1;
        m->auth_tag = m->cmd_tag;
        m->auth_starttls_offered = m->starttls_offered;
        m->secret_seq = seq;
    } else if (strcmp(m->cmd_name, "STARTTLS") == 0) {
        m->starttls_tag = m->cmd_tag;
        m->starttls_waiting = 1;
    } else if (strcmp(m->cmd_name, "ID") == 0) {
        id_software(m, MT_DIR_CLIENT, p + pos, n - pos);
    } else if (strcmp(m->cmd_name, "COMPRESS") == 0) {
        size_t as, an = mt_next_token(p, n, &pos, &as);
        if (mt_token_is(p + as, an, "DEFLATE")) {
            m->compress_tag = m->cmd_tag;
            m->compress_waiting = 1;
        }
    }
}

/* --- server ------------------------------------------------------------------- */

static void finish_auth(struct imap *m, enum mt_result r)
{
    if (!m->in_auth)
        return;
    m->in_auth = 0;
    mt_auth_report(m->s, m->sasl, "AUTHENTICATE", m->auth_starttls_offered, m->secret_seq, r);
}

static void server_line(struct imap *m, const struct mt_line *l)
{
    const uint8_t *p = l->p;
    size_t n = l->n;
    uint64_t lit = 0;
    size_t lit_at;
    int plus = 0;
    int has_lit = line_literal(m, l, &lit, &lit_at, &plus);
    if (m->server_cont) {
        /* The rest of a response that carried a literal. */
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, "", l, NULL, 0);
    } else if (n >= 1 && p[0] == '+') {
        m->sync_pending = 0; /* "+ go ahead": the literal will come */
        if (m->in_auth) {
            size_t skip = n >= 2 && p[1] == ' ' ? 2 : 1;
            mt_auth_server(m->s, m->sasl, p + skip, n - skip);
            mt_emit_sasl_line(m->s, MT_DIR_SERVER, MT_MSG_AUTH, "+", l, NULL, 0, m->sasl);
        } else {
            mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, "+", l, NULL, 0);
        }
    } else if (n >= 2 && p[0] == '*' && p[1] == ' ') {
        size_t pos = 1, ks, kn = mt_next_token(p, n, &pos, &ks);
        if (kn > 0 && p[ks] >= '0' && p[ks] <= '9') /* "* 12 FETCH" */
            kn = mt_next_token(p, n, &pos, &ks);
        char label[16];
        mt_label_word(p + ks, kn, label, sizeof label);
        if (strcmp(label, "CAPABILITY") == 0)
            scan_capabilities(m, p + pos, n - pos);
        else
            scan_response_code(m, p, n);
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
        if (!m->greeted && (strcmp(label, "OK") == 0 || strcmp(label, "PREAUTH") == 0)) {
            size_t ts = pos;
            while (ts < n && p[ts] == ' ')
                ts++;
            mt_software_from_greeting(m->s, MT_PROTO_IMAP, p + ts, n - ts);
        } else if (strcmp(label, "ID") == 0) {
            id_software(m, MT_DIR_SERVER, p + pos, n - pos);
        }
        m->greeted = 1;
    } else {
        size_t pos = 0, ts, tn = mt_next_token(p, n, &pos, &ts);
        size_t ss, sn = mt_next_token(p, n, &pos, &ss);
        char label[16];
        mt_label_word(p + ss, sn, label, sizeof label);
        int ok = strcmp(label, "OK") == 0;
        int no = strcmp(label, "NO") == 0 || strcmp(label, "BAD") == 0;
        if (!ok && !no)
            strcpy(label, "?");
        scan_response_code(m, p, n);
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
        enum mt_result r = ok ? MT_RESULT_SUCCESS : no ? MT_RESULT_FAILURE : MT_RESULT_UNKNOWN;
        if (tn && tag_eq(&m->login_tag, p + ts, tn) && m->login) {
            resolve_login(m, r);
            m->login_tag.n = 0;
        }
        if (tn && m->in_auth && tag_eq(&m->auth_tag, p + ts, tn))
            finish_auth(m, r);
        if (tn && m->cmd_active && tag_eq(&m->cmd_tag, p + ts, tn) &&
            mt_raw_left(m->s, MT_DIR_CLIENT) > 0) {
            /* The command is done for the server while its literal is still
             * said to be coming: refused before a byte of it (a synchronising
             * literal answered instead of "+"), or a size that lied, or bytes
             * lost. What the client sends next is its next command. */
            if (!m->sync_pending)
                mt_emit_warning(m->s, "the server answered a command before the end of its "
                                      "literal; reading commands again");
            mt_cancel_raw(m->s, MT_DIR_CLIENT);
            m->cmd_active = 0;
            m->literal_arg = -1;
            m->sync_pending = 0;
        }
        if (tn && m->later_pending && tag_eq(&m->later_tag, p + ts, tn))
            m->later_pending = 0;
        if (tn && m->compress_waiting && tag_eq(&m->compress_tag, p + ts, tn)) {
            m->compress_waiting = 0;
            if (ok) /* from the byte after this line, both ways */
                mt_start_compress(m->s);
        }
        if (tn && m->starttls_waiting && tag_eq(&m->starttls_tag, p + ts, tn)) {
            m->starttls_waiting = 0;
            if (ok)
                mt_start_tls(m->s);
        }
    }
    if (has_lit) {
        mt_expect_content(m->s, MT_DIR_SERVER, lit);
        m->server_cont = 1;
    } else {
        m->server_cont = 0;
    }
}

static void imap_line(void *st, enum mt_dir dir, const struct mt_line *l)
{
    if (dir == MT_DIR_CLIENT) {
        ((struct imap *)st)->greeted = 1; /* no greeting will be seen now */
        client_line(st, l);
    } else
        server_line(st, l);
}

/* Whether a line is the tagged reply (OK, NO, BAD) of the later command. */
static int later_reply(const struct imap *m, const struct mt_line *l)
{
    size_t pos = 0, ts, tn = mt_next_token(l->p, l->n, &pos, &ts);
    size_t ss, sn = mt_next_token(l->p, l->n, &pos, &ss);
    return tn && tag_eq(&m->later_tag, l->p + ts, tn) &&
           (mt_token_is(l->p + ss, sn, "OK") || mt_token_is(l->p + ss, sn, "NO") ||
            mt_token_is(l->p + ss, sn, "BAD"));
}

static void imap_raw(void *st, enum mt_dir dir, const struct mt_line *l, int last)
{
    struct imap *m = st;
    (void)last;
    if (dir == MT_DIR_CLIENT)
        m->sync_pending = 0; /* the literal is coming */
    if (dir == MT_DIR_CLIENT && m->literal_arg >= 0) {
        /* A LOGIN argument sent as a literal: its bytes exactly, line ends
         * included. */
        login_append(m, m->literal_arg, l->p, l->n);
        login_append(m, m->literal_arg, (const uint8_t *)"\r\n" + (2 - l->eol), l->eol);
        struct mt_span sp = {0, l->n, m->literal_arg == 1};
        uint64_t seq = mt_emit_line(m->s, dir, MT_MSG_COMMAND, m->cmd_name, l, &sp, 1);
        if (m->literal_arg == 1 && m->login)
            m->login->msg_seq = seq;
        return;
    }
    if (dir == MT_DIR_SERVER && m->later_pending && later_reply(m, l)) {
        m->later_pending = 0;
        mt_cancel_raw(m->s, MT_DIR_SERVER);
        m->server_cont = 0;
        mt_emit_warning(m->s, "the server answered a later command inside a literal that said "
                              "more than came; reading replies again");
        server_line(m, l);
        return;
    }
    mt_emit_line(m->s, dir, MT_MSG_BODY, "", l, NULL, 0);
}

static void imap_gap(void *st, enum mt_dir dir, uint64_t n)
{
    struct imap *m = st;
    (void)n;
    if (dir == MT_DIR_CLIENT) {
        m->cmd_active = 0;
        m->literal_arg = -1;
    } else {
        m->server_cont = 0;
    }
    mt_warn_gap(m->s, dir);
}

static void imap_end(void *st)
{
    struct imap *m = st;
    resolve_login(m, MT_RESULT_UNKNOWN);
    finish_auth(m, MT_RESULT_UNKNOWN);
}

static void imap_destroy(void *st)
{
    struct imap *m = st;
    mt_pending_free(m->s, &m->login);
    mt_sasl_release(m->s, m->sasl);
    free(m);
}

const struct mt_proto_ops mt_imap_ops = {MT_PROTO_IMAP, imap_create, imap_line, imap_raw,
                                         imap_gap,      imap_end,    imap_destroy};
