/* ManageSieve (RFC 5804): the protocol that uploads Sieve filter scripts,
 * port 4190. Untagged commands answered in order by OK, NO or BYE; strings
 * quoted or as literals ({n+} from the client, {n} from the server); SASL
 * with challenges and responses as strings; STARTTLS. Script uploads
 * (PUTSCRIPT, CHECKSCRIPT) and downloads (GETSCRIPT) are content, never
 * commands. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"

enum cmd { CMD_OTHER = 1, CMD_AUTH, CMD_STARTTLS, CMD_LISTSCRIPTS };

/* Longest SASL message read from a literal (an NTLM or Kerberos token fits). */
#define SASL_LIT_MAX 16384

/* What the literal being read is. */
enum lit_role { LIT_NONE, LIT_SASL, LIT_CONTENT };

struct sieve {
    struct mt_dsession *s;
    int greeting;         /* capability lines, then an OK that answers nothing */
    int server_spoke;
    int starttls_offered;
    int sasl_offered;     /* a "SASL" capability listed mechanisms */
    struct mt_reply_queue replies;
    /* The client command being read: it may go on after a literal. */
    int cmd_active;
    char cmd_name[16];
    enum lit_role client_lit, server_lit;
    /* The next line ends a SASL response, or a server response, that
     * carried a literal (the line end after the literal's bytes). */
    int resp_cont, server_cont;
    uint8_t *lit;         /* a SASL message sent as a literal, collected (SASL_LIT_MAX) */
    size_t lit_len;
    int lit_cut;
    struct mt_sasl *sasl;
    int in_auth;          /* the exchange is under way (command sent) */
    int auth_starting;    /* AUTHENTICATE line read, its initial response still coming */
    int auth_starttls_offered;
    uint64_t secret_seq;
};

static void *sieve_create(struct mt_dsession *s)
{
    struct sieve *m = calloc(1, sizeof *m);
    if (m) {
        m->s = s;
        m->greeting = 1;
    }
    return m;
}

/* --- strings ----------------------------------------------------------------- */

/* A quoted string starting at p[*pos] == '"': where its text is, and *pos
 * moved past it. Escapes (\" and \\) are left in the text: SASL's base64 and
 * the names read here have none. Returns 0 if p[*pos] is not a quote. */
static int quoted(const uint8_t *p, size_t n, size_t *pos, size_t *start, size_t *len)
{
    size_t i = *pos;
    if (i >= n || p[i] != '"')
        return 0;
    *start = ++i;
    while (i < n && p[i] != '"')
        i += p[i] == '\\' && i + 1 < n ? 2 : 1;
    *len = (i < n ? i : n) - *start;
    *pos = i < n ? i + 1 : n;
    return 1;
}

static void skip_spaces(const uint8_t *p, size_t n, size_t *pos)
{
    while (*pos < n && p[*pos] == ' ')
        (*pos)++;
}

/* The literal a line ends with (in its kept tail when it was cut). */
static int line_literal(const struct mt_line *l, uint64_t *size, size_t *at)
{
    int plus = 0;
    *at = l->n;
    int r = l->truncated ? mt_literal_at_end(l->tail, l->tail_len, size, at, &plus)
                         : mt_literal_at_end(l->p, l->n, size, at, &plus);
    if (l->truncated)
        *at = l->n;
    return r > 0;
}

/* --- SASL -------------------------------------------------------------------- */

static void finish_auth(struct sieve *m, enum mt_result r)
{
    if (!m->in_auth)
        return;
    m->in_auth = 0;
    m->auth_starting = 0;
    mt_auth_report(m->s, m->sasl, "AUTHENTICATE", m->auth_starttls_offered, m->secret_seq, r);
}

static void push(struct sieve *m, enum cmd c)
{
    if (mt_reply_push(m->s, &m->replies, c))
        finish_auth(m, MT_RESULT_UNKNOWN);
}

/* A client SASL message (the text of a string or literal) in line l,
 * at off..off+len: fed to the observer and emitted. */
static void client_sasl(struct sieve *m, const struct mt_line *l, const char *label,
                        enum mt_msg_kind kind, size_t off, size_t len, int cut)
{
    unsigned ex = mt_auth_client(m->s, m->sasl, l->p + off, len, cut);
    struct mt_span sp = {off, len, (ex & MT_SASL_EXPOSES_SECRET) != 0};
    uint64_t seq = mt_emit_sasl_line(m->s, MT_DIR_CLIENT, kind, label, l, &sp, ex ? 1 : 0, m->sasl);
    if (ex & MT_SASL_EXPOSES_SECRET)
        m->secret_seq = seq;
}

/* --- client ------------------------------------------------------------------ */

/* AUTHENTICATE "MECH" ["initial response" | {n+}]: the exchange starts. */
static void authenticate(struct sieve *m, const struct mt_line *l, size_t pos, int has_lit,
                         size_t lit_at)
{
    const uint8_t *p = l->p;
    size_t n = has_lit ? lit_at : l->n;
    size_t ms = 0, mn = 0;
    skip_spaces(p, n, &pos);
    if (!quoted(p, n, &pos, &ms, &mn)) { /* an atom, though the RFC wants a string */
        ms = pos;
        while (pos < n && p[pos] != ' ')
            pos++;
        mn = pos - ms;
    }
    if (mn == 0 || !(m->sasl || (m->sasl = mt_sasl_acquire(m->s)))) {
        mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, "AUTHENTICATE", l, NULL, 0);
        return;
    }
    mt_sasl_begin(m->sasl, p + ms, mn);
    m->in_auth = 1;
    m->auth_starttls_offered = m->starttls_offered;
    skip_spaces(p, n, &pos);
    size_t is, in;
    if (!has_lit && quoted(p, n, &pos, &is, &in)) {
        client_sasl(m, l, "AUTHENTICATE", MT_MSG_COMMAND, is, in, l->truncated && is + in == n);
    } else {
        m->secret_seq =
            mt_emit_sasl_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, "AUTHENTICATE", l, NULL, 0, NULL);
    }
    m->auth_starting = has_lit;
}

static void client_line(struct sieve *m, const struct mt_line *l)
{
    uint64_t lit = 0;
    size_t lit_at;
    int has_lit = line_literal(l, &lit, &lit_at);
    if (m->resp_cont) {
        m->resp_cont = 0;
        mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_AUTH, "", l, NULL, 0);
        return;
    }
    if (m->cmd_active) {
        /* The rest of a command after its literal. */
        mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, "", l, NULL, 0);
    } else if (m->in_auth && !m->auth_starting && l->n > 0 && (l->p[0] == '"' || l->p[0] == '{')) {
        /* A response to a challenge: a string, or a literal's marker. */
        size_t pos = 0, st, len;
        if (!has_lit && quoted(l->p, l->n, &pos, &st, &len))
            client_sasl(m, l, "SASL", MT_MSG_AUTH, st, len, l->truncated && st + len == l->n);
        else
            mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL", l, NULL, 0);
        m->client_lit = has_lit ? LIT_SASL : LIT_NONE;
        m->resp_cont = has_lit;
        if (has_lit)
            mt_expect_raw(m->s, MT_DIR_CLIENT, lit);
        return;
    } else {
        if (m->in_auth) /* a command: the verdict was missed */
            finish_auth(m, MT_RESULT_UNKNOWN);
        size_t pos = 0, ws, wn = mt_next_token(l->p, l->n, &pos, &ws);
        mt_label_word(l->p + ws, wn, m->cmd_name, sizeof m->cmd_name);
        if (strcmp(m->cmd_name, "AUTHENTICATE") == 0)
            authenticate(m, l, pos, has_lit, lit_at);
        else
            mt_emit_line(m->s, MT_DIR_CLIENT, MT_MSG_COMMAND, m->cmd_name, l, NULL, 0);
    }
    if (has_lit) {
        /* An AUTHENTICATE's initial response, or a script or name. */
        m->cmd_active = 1;
        m->client_lit = m->auth_starting ? LIT_SASL : LIT_CONTENT;
        if (m->client_lit == LIT_SASL)
            mt_expect_raw(m->s, MT_DIR_CLIENT, lit);
        else
            mt_expect_content(m->s, MT_DIR_CLIENT, lit);
        return;
    }
    m->cmd_active = 0;
    m->auth_starting = 0;
    if (m->in_auth && strcmp(m->cmd_name, "AUTHENTICATE") == 0)
        push(m, CMD_AUTH);
    else if (strcmp(m->cmd_name, "STARTTLS") == 0)
        push(m, CMD_STARTTLS);
    else if (strcmp(m->cmd_name, "LISTSCRIPTS") == 0)
        push(m, CMD_LISTSCRIPTS);
    else
        push(m, CMD_OTHER);
}

/* --- server ------------------------------------------------------------------ */

/* A line that starts with a string: a capability ("IMPLEMENTATION" "...")
 * or, answering LISTSCRIPTS, a script's name. */
static void string_line(struct sieve *m, const struct mt_line *l)
{
    char label[24] = "SCRIPT";
    size_t pos = 0, ks, kn;
    quoted(l->p, l->n, &pos, &ks, &kn);
    if (mt_reply_head(&m->replies) != CMD_LISTSCRIPTS) {
        mt_label_word(l->p + ks, kn, label, sizeof label);
        if (kn == 0 || memchr(l->p + ks, ' ', kn))
            strcpy(label, "?");
        size_t vs, vn;
        skip_spaces(l->p, l->n, &pos);
        int has_value = quoted(l->p, l->n, &pos, &vs, &vn);
        if (strcmp(label, "STARTTLS") == 0) {
            m->starttls_offered = 1;
            mt_offer_starttls(m->s);
        } else if (strcmp(label, "SASL") == 0 && has_value) {
            m->sasl_offered = 1;
            size_t p2 = 0, ms, mn;
            while ((mn = mt_next_token(l->p + vs, vn, &p2, &ms)) > 0)
                mt_offer_mech(m->s, l->p + vs + ms, mn);
        }
        else if (strcmp(label, "IMPLEMENTATION") == 0 && has_value)
            mt_set_software(m->s, MT_DIR_SERVER, l->p + vs, vn, "implementation");
    }
    mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
}

/* OK, NO or BYE: the answer to the oldest command (or the end of the
 * capabilities the server sends unasked). */
static void result_line(struct sieve *m, const struct mt_line *l, const char *label)
{
    int ok = strcmp(label, "OK") == 0;
    enum mt_result r = ok ? MT_RESULT_SUCCESS : MT_RESULT_FAILURE;
    if (m->in_auth && !m->auth_starting && mt_reply_head(&m->replies) == CMD_AUTH && ok) {
        /* OK (SASL "...") carries the server's last SASL message. */
        static const char key[] = "(SASL ";
        size_t k = sizeof key - 1;
        for (size_t i = 2; i + k < l->n; i++) {
            if (l->p[i] == '(' && mt_token_is(l->p + i + 1, 4, "SASL") && l->p[i + 5] == ' ') {
                size_t pos = i + k, st, len;
                if (quoted(l->p, l->n, &pos, &st, &len))
                    mt_auth_server(m->s, m->sasl, l->p + st, len);
                break;
            }
        }
    }
    mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, label, l, NULL, 0);
    if (m->greeting) {
        m->greeting = 0;
        if (m->starttls_offered && !m->sasl_offered) /* logins wait for TLS */
            mt_offer_no_login(m->s);
        return;
    }
    switch (mt_reply_pop(&m->replies)) {
    case CMD_AUTH:
        finish_auth(m, r);
        break;
    case CMD_STARTTLS:
        if (ok) {
            mt_start_tls(m->s);
            m->greeting = 1; /* capabilities again, unasked, inside TLS */
        }
        break;
    default:
        break;
    }
}

static void server_line(struct sieve *m, const struct mt_line *l)
{
    uint64_t lit = 0;
    size_t lit_at;
    int has_lit = line_literal(l, &lit, &lit_at);
    m->server_lit = LIT_NONE;
    if (m->server_cont) {
        m->server_cont = 0;
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, "", l, NULL, 0);
        if (has_lit) {
            m->server_lit = LIT_CONTENT;
            m->server_cont = 1;
            mt_expect_content(m->s, MT_DIR_SERVER, lit);
        }
        return;
    }
    int auth_turn = m->in_auth && !m->auth_starting && mt_reply_head(&m->replies) == CMD_AUTH;
    char word[16];
    mt_label_word(l->p, l->n, word, sizeof word);
    int result = strcmp(word, "OK") == 0 || strcmp(word, "NO") == 0 || strcmp(word, "BYE") == 0;
    if (auth_turn && !result && l->n > 0 && (l->p[0] == '"' || l->p[0] == '{')) {
        /* A challenge: a string, or a literal that follows. */
        size_t pos = 0, st, len;
        if (!has_lit && quoted(l->p, l->n, &pos, &st, &len))
            mt_auth_server(m->s, m->sasl, l->p + st, len);
        mt_emit_sasl_line(m->s, MT_DIR_SERVER, MT_MSG_AUTH, "SASL", l, NULL, 0,
                          has_lit ? NULL : m->sasl);
        if (has_lit) {
            m->server_lit = LIT_SASL;
            m->server_cont = 1;
            mt_expect_raw(m->s, MT_DIR_SERVER, lit);
        }
        return;
    }
    if (result)
        result_line(m, l, word);
    else if (l->n > 0 && l->p[0] == '"')
        string_line(m, l);
    else
        mt_emit_line(m->s, MT_DIR_SERVER, MT_MSG_REPLY, has_lit && lit_at == 0 ? "" : "?", l,
                     NULL, 0);
    if (has_lit) { /* a script (GETSCRIPT) or the text of a response */
        m->server_lit = LIT_CONTENT;
        m->server_cont = 1;
        mt_expect_content(m->s, MT_DIR_SERVER, lit);
    }
}

static void sieve_line(void *st, enum mt_dir dir, const struct mt_line *l)
{
    struct sieve *m = st;
    if (dir == MT_DIR_CLIENT) {
        if (!m->server_spoke) /* the capture began after the greeting */
            m->greeting = 0;
        client_line(m, l);
    } else {
        m->server_spoke = 1;
        server_line(m, l);
    }
}

/* Adds a piece of a SASL literal (with the line end that followed it) to
 * what is collected; what does not fit in SASL_LIT_MAX is cut. */
static void lit_add(struct sieve *m, const struct mt_line *l)
{
    if (!m->lit && mt_mem_take(m->s, SASL_LIT_MAX)) {
        m->lit = malloc(SASL_LIT_MAX);
        if (!m->lit)
            mt_mem_give(m->s, SASL_LIT_MAX);
    }
    size_t eol = l->eol;
    const uint8_t *ends = (const uint8_t *)"\r\n" + (2 - eol);
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part ? ends : l->p;
        size_t n = part ? eol : l->n, room = m->lit ? SASL_LIT_MAX - m->lit_len : 0;
        size_t k = n < room ? n : room;
        if (k)
            memcpy(m->lit + m->lit_len, p, k);
        m->lit_len += k;
        m->lit_cut |= k < n;
    }
    m->lit_cut |= l->truncated;
}

static void sieve_raw(void *st, enum mt_dir dir, const struct mt_line *l, int last)
{
    struct sieve *m = st;
    enum lit_role role = dir == MT_DIR_CLIENT ? m->client_lit : m->server_lit;
    if (role != LIT_SASL || !m->sasl) {
        mt_emit_line(m->s, dir, MT_MSG_BODY, "", l, NULL, 0);
        return;
    }
    /* A SASL message in a literal is one message, however many lines its
     * bytes make: read and shown once, whole. */
    lit_add(m, l);
    if (!last)
        return;
    struct mt_line whole = {.p = m->lit ? m->lit : (const uint8_t *)"", .n = m->lit_len,
                            .truncated = m->lit_cut};
    whole.tail = whole.p;
    whole.tail_len = whole.n;
    if (dir == MT_DIR_CLIENT) {
        client_sasl(m, &whole, "SASL", MT_MSG_AUTH, 0, whole.n, whole.truncated);
    } else {
        mt_auth_server(m->s, m->sasl, whole.p, whole.n);
        mt_emit_sasl_line(m->s, dir, MT_MSG_AUTH, "SASL", &whole, NULL, 0, m->sasl);
    }
    m->lit_len = 0;
    m->lit_cut = 0;
}

static void sieve_gap(void *st, enum mt_dir dir, uint64_t n)
{
    struct sieve *m = st;
    (void)n;
    if (dir == MT_DIR_CLIENT) {
        m->cmd_active = 0;
        m->resp_cont = 0;
        m->client_lit = LIT_NONE;
    } else {
        m->replies.len = 0;
        m->server_cont = 0;
        m->server_lit = LIT_NONE;
        finish_auth(m, MT_RESULT_UNKNOWN);
    }
    mt_warn_gap(m->s, dir);
}

static void sieve_end(void *st) { finish_auth(st, MT_RESULT_UNKNOWN); }

static void sieve_destroy(void *st)
{
    struct sieve *m = st;
    mt_sasl_release(m->s, m->sasl);
    if (m->lit) {
        free(m->lit);
        mt_mem_give(m->s, SASL_LIT_MAX);
    }
    free(m);
}

const struct mt_proto_ops mt_sieve_ops = {MT_PROTO_SIEVE, sieve_create, sieve_line, sieve_raw,
                                          sieve_gap,      sieve_end,    sieve_destroy};
