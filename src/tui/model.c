/* The interface's model (tui_model.h): a sink of events that keeps bounded
 * tables of sessions and credentials and writes every line to the spool.
 * Knows nothing of curses; names and secrets are kept only as rendered copies. */
#include "mailtap/tui_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/render.h"

int mt_tui_model_init(struct mt_tui_model *m, size_t max_sessions, size_t max_creds,
                      uint64_t spool_max, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->max = max_sessions;
    m->maxc = max_creds;
    m->spool = mt_spool_create(NULL, spool_max, err, errlen);
    return m->spool ? 0 : -1;
}

void mt_tui_model_free(struct mt_tui_model *m)
{
    for (size_t i = 0; i < m->n; i++)
        mt_spool_index_free(&m->s[i].ix);
    free(m->s);
    free(m->c);
    mt_spool_destroy(m->spool);
    memset(m, 0, sizeof *m);
}

const char *mt_tui_state_name(enum mt_tui_state st)
{
    switch (st) {
    case MT_ST_OPEN: return "open";
    case MT_ST_CLOSED: return "closed";
    case MT_ST_RESET: return "reset";
    case MT_ST_TIMEOUT: return "timed out";
    case MT_ST_EVICTED: return "evicted";
    case MT_ST_END: return "open at end";
    case MT_ST_REUSED: return "reused";
    }
    return "?";
}

static enum mt_tui_state state_of(enum mt_close_reason r)
{
    switch (r) {
    case MT_CLOSE_FIN: return MT_ST_CLOSED;
    case MT_CLOSE_RESET: return MT_ST_RESET;
    case MT_CLOSE_TIMEOUT: return MT_ST_TIMEOUT;
    case MT_CLOSE_EVICTED: return MT_ST_EVICTED;
    case MT_CLOSE_END: return MT_ST_END;
    case MT_CLOSE_REUSED: return MT_ST_REUSED;
    }
    return MT_ST_CLOSED;
}

static void record(struct mt_tui_model *m, struct mt_tui_session *s, uint8_t type, enum mt_dir dir,
                   const char *label, const uint8_t *text, size_t len, const struct mt_span *spans,
                   size_t nspans, uint64_t seq, mt_time_us ts, uint8_t kind, uint8_t flags)
{
    struct mt_rec r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.dir = (uint8_t)dir;
    r.kind = kind;
    r.flags = flags;
    r.len = (uint32_t)len;
    snprintf(r.label, sizeof r.label, "%s", label ? label : "");
    for (size_t i = 0; i < nspans && i < MT_SPOOL_SPANS; i++) {
        r.span_off[i] = (uint32_t)spans[i].off;
        r.span_len[i] = (uint32_t)spans[i].len;
        if (spans[i].secret)
            r.secret_spans |= (uint8_t)(1u << i);
        r.nspans++;
    }
    r.seq = seq;
    r.ts = ts;
    mt_spool_append(m->spool, &s->ix, &r, text);
}

/* A line of mailtap's own, built in a bounded buffer; spans mark secrets. */
struct note {
    uint8_t text[1024];
    size_t len;
    struct mt_span spans[MT_SPOOL_SPANS];
    size_t nspans;
};

static void note_add(struct note *n, const void *p, size_t len, int secret)
{
    size_t k = len < sizeof n->text - n->len ? len : sizeof n->text - n->len;
    if (secret && k && n->nspans < MT_SPOOL_SPANS)
        n->spans[n->nspans++] = (struct mt_span){n->len, k, 1};
    memcpy(n->text + n->len, p, k);
    n->len += k;
}

static void note_str(struct note *n, const char *s) { note_add(n, s, strlen(s), 0); }

/* The transcript line a credential's secret was sent in: searched back
 * from the end (it is close), else the credential's own note. */
static uint64_t find_record(struct mt_tui_model *m, struct mt_tui_session *s, uint64_t seq)
{
    struct mt_rec r;
    uint8_t dummy[1];
    for (uint64_t back = 0; back < 512 && back < s->ix.count; back++) {
        uint64_t i = s->ix.count - 1 - back;
        if (mt_spool_read(m->spool, &s->ix, i, &r, dummy, 0) < 0)
            break;
        if (r.type == MT_REC_MESSAGE && r.seq == seq && r.dir == MT_DIR_CLIENT &&
            !(r.flags & MT_REC_DECODED))
            return i;
        if (r.type == MT_REC_MESSAGE && r.seq < seq)
            break;
    }
    return s->ix.count ? s->ix.count - 1 : 0;
}

static void safe_copy(char *dst, size_t cap, const uint8_t *p, size_t n, int mask)
{
    uint8_t tmp[MT_TUI_SECRET];
    if (mask) {
        size_t k = n < sizeof tmp ? n : sizeof tmp;
        /* The mask keeps the last character: mask the whole, then cut. */
        uint8_t *full = malloc(n ? n : 1);
        if (!full) {
            snprintf(dst, cap, "*");
            return;
        }
        mt_mask(p, n, full, n);
        memcpy(tmp, full, k);
        if (k < n && k > 0) /* cut: keep the real last character visible */
            tmp[k - 1] = full[n - 1] < 0x80 ? full[n - 1] : '*';
        free(full);
        p = tmp;
        n = k;
    }
    mt_render_buf(dst, cap, p, n, 0);
}

static void credential(struct mt_tui_model *m, size_t si, const struct mt_event *ev)
{
    struct mt_tui_session *s = &m->s[si];
    const struct mt_credential *c = ev->cred;
    s->creds++;
    if (c->password.present)
        s->cleartext = 1;
    struct note n = {.len = 0};
    note_str(&n, "** credential: ");
    note_str(&n, c->mech);
    note_str(&n, " via ");
    note_str(&n, c->via);
    note_str(&n, ", user ");
    if (c->user.present)
        note_add(&n, c->user.p, c->user.len, 0);
    else
        note_str(&n, "-");
    if (c->user.truncated)
        note_str(&n, " (cut short)");
    if (c->password.present) {
        note_str(&n, ", password ");
        note_add(&n, c->password.p, c->password.len, 1);
        if (c->password.truncated)
            note_str(&n, " (cut short)");
    }
    if (c->service.present) {
        note_str(&n, ", for the service ");
        note_add(&n, c->service.p, c->service.len, 0);
    }
    if (c->hash) {
        note_str(&n, ", crackable ");
        note_add(&n, c->hash, strlen(c->hash), 1);
    }
    note_str(&n, ": ");
    note_str(&n, mt_result_name(c->result));
    if (c->starttls_offered)
        note_str(&n, " (STARTTLS was offered)");
    if (c->tls)
        note_str(&n, " (inside TLS)");
    uint64_t rec = find_record(m, s, c->msg_seq);
    record(m, s, MT_REC_NOTE, MT_DIR_CLIENT, "", n.text, n.len, n.spans, n.nspans, 0, ev->ts, 0, 0);
    if (m->nc == m->maxc) {
        m->creds_not_kept++;
        return;
    }
    if (m->nc == m->capc) {
        size_t cap = m->capc ? m->capc * 2 : 64;
        struct mt_tui_cred *nc = realloc(m->c, cap * sizeof *nc);
        if (!nc) {
            m->creds_not_kept++;
            return;
        }
        m->c = nc;
        m->capc = cap;
    }
    struct mt_tui_cred *t = &m->c[m->nc++];
    memset(t, 0, sizeof *t);
    t->session = si;
    t->record = rec;
    t->ts = c->ts;
    t->proto = (uint8_t)c->proto;
    t->result = (uint8_t)c->result;
    t->starttls_offered = (uint8_t)c->starttls_offered;
    mt_render_buf(t->mech, sizeof t->mech, (const uint8_t *)c->mech, strlen(c->mech), 0);
    if (c->user.present)
        safe_copy(t->user, sizeof t->user, c->user.p, c->user.len, 0);
    else
        snprintf(t->user, sizeof t->user, "-");
    const uint8_t *sec = c->password.present ? c->password.p : (const uint8_t *)c->hash;
    size_t secn = c->password.present ? c->password.len : c->hash ? strlen(c->hash) : 0;
    if (sec) {
        /* A cut field ends in " [cut short]", as in the table: room is
         * kept for it, so that no escape is split. */
        static const char cut[] = " [cut short]";
        int is_cut = (c->password.present && c->password.truncated) || c->user.truncated;
        size_t room = sizeof t->secret - (is_cut ? sizeof cut - 1 : 0);
        safe_copy(t->secret, room, sec, secn, 0);
        safe_copy(t->masked, room, sec, secn, 1);
        if (is_cut) {
            strcat(t->secret, cut);
            strcat(t->masked, cut);
        }
    } else {
        snprintf(t->secret, sizeof t->secret, "-");
        snprintf(t->masked, sizeof t->masked, "-");
    }
}

/* A note of mailtap's own with nothing in it to mask. */
static void plain_note(struct mt_tui_model *m, struct mt_tui_session *s, const void *text,
                       size_t len, mt_time_us ts)
{
    record(m, s, MT_REC_NOTE, MT_DIR_CLIENT, "", text, len, NULL, 0, 0, ts, 0, 0);
}

/* A new session, unless the table is full or cannot grow: *slot then
 * stays as it was and the session's events are not kept. */
static int on_session_start(struct mt_tui_model *m, const struct mt_event *ev, void **slot)
{
    if (m->n == m->max) {
        m->sessions_not_kept++;
        return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct mt_tui_session *ns = realloc(m->s, cap * sizeof *ns);
        if (!ns) {
            m->sessions_not_kept++;
            return 0;
        }
        m->s = ns;
        m->cap = cap;
    }
    struct mt_tui_session *s = &m->s[m->n];
    memset(s, 0, sizeof *s);
    s->info = *ev->session;
    s->state = MT_ST_OPEN;
    *slot = (void *)(uintptr_t)(++m->n);
    return 1;
}

/* The session's state as of this event, which every session event carries. */
static void update_state(struct mt_tui_session *s, const struct mt_session_state *st)
{
    s->proto = (uint8_t)st->proto;
    s->tls = (uint8_t)st->tls;
    s->starttls = (uint8_t)st->starttls;
    s->implicit_tls = (uint8_t)st->implicit_tls;
    s->tls_decrypted = (uint8_t)st->tls_decrypted;
    s->bytes = st->bytes[0] + st->bytes[1];
}

static void on_cert(struct mt_tui_model *m, struct mt_tui_session *s, const struct mt_event *ev)
{
    struct note n = {.len = 0};
    note_str(&n, "== certificate: ");
    note_str(&n, ev->cert->subject);
    note_str(&n, ", issuer ");
    note_str(&n, ev->cert->issuer);
    if (ev->cert->self_signed)
        note_str(&n, " (self-signed)");
    note_str(&n, " ==");
    plain_note(m, s, n.text, n.len, ev->ts);
}

/* "Dovecot (Debian) / Thunderbird 115.6.0": the server's, then the client's. */
static void on_software(struct mt_tui_model *m, struct mt_tui_session *s,
                        const struct mt_event *ev)
{
    const struct mt_software *srv = &ev->state->software[MT_DIR_SERVER];
    const struct mt_software *cli = &ev->state->software[MT_DIR_CLIENT];
    size_t k = srv->len ? mt_render_buf(s->software, sizeof s->software, srv->name, srv->len, 0)
                        : 0;
    if (cli->len && k + 4 < sizeof s->software) {
        if (k) {
            memcpy(s->software + k, " / ", 3);
            k += 3;
        }
        mt_render_buf(s->software + k, sizeof s->software - k, cli->name, cli->len, 0);
    }
    const struct mt_software *sw = &ev->state->software[ev->dir];
    struct note n = {.len = 0};
    note_str(&n, ev->dir == MT_DIR_CLIENT ? "== client software: " : "== server software: ");
    char name[MT_SOFTWARE_MAX * 4 + 1];
    mt_render_buf(name, sizeof name, sw->name, sw->len, 0);
    note_str(&n, name);
    note_str(&n, " (");
    note_str(&n, sw->source);
    note_str(&n, ") ==");
    plain_note(m, s, n.text, n.len, ev->ts);
}

static void on_message(struct mt_tui_model *m, struct mt_tui_session *s, const struct mt_event *ev)
{
    const struct mt_message *msg = ev->msg;
    uint8_t flags = (uint8_t)((msg->partial ? MT_REC_PARTIAL : 0) |
                              (msg->truncated ? MT_REC_TRUNCATED : 0));
    record(m, s, MT_REC_MESSAGE, ev->dir, msg->label, msg->text, msg->len, msg->spans,
           msg->nspans, msg->seq, ev->ts, (uint8_t)msg->kind, flags);
    if (msg->decoded && !msg->partial) {
        /* One span: highlighted when it exposes something, masked with
         * 'm' unless known to carry only a user name. */
        struct mt_span d = {0, msg->decoded_len, msg->decoded_secret};
        record(m, s, MT_REC_MESSAGE, ev->dir, "(decoded)", msg->decoded, msg->decoded_len,
               &d, msg->nspans > 0 || msg->decoded_secret, msg->seq, ev->ts, (uint8_t)msg->kind,
               (uint8_t)(MT_REC_DECODED | (msg->decoded_cut ? MT_REC_DECODED_CUT : 0)));
    }
}

static void on_gap(struct mt_tui_model *m, struct mt_tui_session *s, const struct mt_event *ev)
{
    char t[64];
    int k = snprintf(t, sizeof t, "[%llu bytes missing]", (unsigned long long)ev->gap);
    record(m, s, MT_REC_GAP, ev->dir, "", (const uint8_t *)t, (size_t)k, NULL, 0, 0, ev->ts, 0, 0);
}

static void on_tls_hello(struct mt_tui_model *m, struct mt_tui_session *s,
                         const struct mt_event *ev)
{
    struct note n = {.len = 0};
    note_str(&n, "== ");
    note_str(&n, ev->tls->version);
    if (ev->tls->cipher) {
        note_str(&n, " ");
        note_str(&n, ev->tls->cipher);
    }
    if (ev->tls->sni[0]) {
        note_str(&n, ", SNI ");
        note_str(&n, ev->tls->sni);
    }
    if (ev->tls->ja4[0]) {
        note_str(&n, ", JA4 ");
        note_str(&n, ev->tls->ja4);
    }
    note_str(&n, ": ");
    note_str(&n, ev->tls->outcome_text);
    note_str(&n, " ==");
    plain_note(m, s, n.text, n.len, ev->ts);
}

static void on_warning(struct mt_tui_model *m, struct mt_tui_session *s, const struct mt_event *ev)
{
    struct note n = {.len = 0};
    note_str(&n, "!! ");
    note_str(&n, ev->text);
    plain_note(m, s, n.text, n.len, ev->ts);
}

/* The close reason is the session's final state, and a line of its own. */
static void on_session_end(struct mt_tui_model *m, struct mt_tui_session *s,
                           const struct mt_event *ev)
{
    s->state = (uint8_t)state_of(ev->reason);
    char t[96];
    int k = snprintf(t, sizeof t, "== session %s ==", mt_close_reason_name(ev->reason));
    plain_note(m, s, t, (size_t)k, ev->ts);
}

static void on_credential(struct mt_tui_model *m, struct mt_tui_session *s,
                          const struct mt_event *ev)
{
    credential(m, (size_t)(s - m->s), ev);
}

/* What each kind of event does to its session; start and data only update
 * the state every event carries. */
typedef void (*event_fn)(struct mt_tui_model *m, struct mt_tui_session *s,
                         const struct mt_event *ev);
static const event_fn on_event[] = {
    [MT_EV_MESSAGE] = on_message,     [MT_EV_GAP] = on_gap,
    [MT_EV_CREDENTIAL] = on_credential, [MT_EV_TLS] = on_tls_hello,
    [MT_EV_WARNING] = on_warning,     [MT_EV_SESSION_END] = on_session_end,
    [MT_EV_SOFTWARE] = on_software,   [MT_EV_CERT] = on_cert,
};

static int model_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct mt_tui_model *m = ctx;
    if (!slot)
        return 0; /* capture-wide warnings: the status line has the counts */
    if (ev->type == MT_EV_SESSION_START && !on_session_start(m, ev, slot))
        return 0;
    if (!*slot)
        return 0;
    struct mt_tui_session *s = &m->s[(size_t)(uintptr_t)*slot - 1];
    if (ev->state)
        update_state(s, ev->state);
    m->changes++;
    if ((size_t)ev->type < sizeof on_event / sizeof on_event[0] && on_event[ev->type])
        on_event[ev->type](m, s, ev);
    return 0;
}

struct mt_sink mt_tui_model_sink(struct mt_tui_model *m)
{
    return (struct mt_sink){model_event, NULL, NULL, NULL, m, MT_READS_ALL};
}
