/* The audit report's sink (--report): gathers from the events what each
 * server offered and accepted, what each account exposed and how, and
 * bursts of failed logins; writes the report (text, JSON or HTML) when the
 * capture ends, and, with --report-every, to its file as it goes. It reads
 * no message content. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailtap/render.h"
#include "mailtap/words.h"
#include "report_impl.h"

/* What the report keeps of a session while it lasts. */
struct rp_session {
    size_t server; /* SIZE_MAX: not kept (the server table was full) */
    char client[64];
    int tls_version_old;
    uint64_t id;
};

static void list_add(struct rp_list *l, const char *v)
{
    if (!v || !v[0])
        return;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], v) == 0)
            return;
    if (l->n == RP_MANY) {
        l->more++;
        return;
    }
    snprintf(l->v[l->n++], RP_TEXT, "%s", v);
}

/* Grows *arr (of *n elements of size sz) by one, up to max; NULL when full. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t sz, size_t max)
{
    if (*n == max)
        return NULL;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        if (nc > max)
            nc = max;
        void *na = realloc(*arr, nc * sz);
        if (!na)
            return NULL;
        *arr = na;
        *cap = nc;
    }
    char *e = (char *)*arr + (*n)++ * sz;
    memset(e, 0, sz);
    return e;
}

/* --- one hash index for the four tables -------------------------------------
 * Every lookup of a server, account, client finding or tracker is one probe
 * of this open-addressing table (never a walk of a table): a capture of a
 * million logins costs a million probes. A slot holds the table's tag in its
 * top bits and the entry's index + 1; the tables together hold far fewer
 * entries than half its slots, so a probe always ends. */
enum { T_SRV = 1, T_ACC, T_PAIR, T_TRK };

struct key {
    int tag;
    size_t server;  /* T_ACC, T_PAIR, T_TRK */
    int kind;       /* T_PAIR: the finding; T_TRK: by account */
    const char *str; /* the user, client or tracker key */
    const struct mt_endpoint *ep; /* T_SRV */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t key_hash(const struct key *k)
{
    uint64_t h = fnv(0xcbf29ce484222325ULL, &k->tag, sizeof k->tag);
    if (k->ep) {
        h = fnv(h, &k->ep->family, 1);
        h = fnv(h, &k->ep->port, sizeof k->ep->port);
        return fnv(h, k->ep->addr, 16);
    }
    h = fnv(h, &k->server, sizeof k->server);
    h = fnv(h, &k->kind, sizeof k->kind);
    return fnv(h, k->str, strlen(k->str));
}

static int key_eq(const struct report *r, size_t i, const struct key *k)
{
    switch (k->tag) {
    case T_SRV:
        return r->srv[i].ep.family == k->ep->family && r->srv[i].ep.port == k->ep->port &&
               memcmp(r->srv[i].ep.addr, k->ep->addr, 16) == 0;
    case T_ACC: return r->acc[i].server == k->server && strcmp(r->acc[i].user, k->str) == 0;
    case T_PAIR:
        return r->pairs[i].server == k->server && (int)r->pairs[i].id == k->kind &&
               strcmp(r->pairs[i].client, k->str) == 0;
    default:
        return r->trk[i].server == k->server && r->trk[i].by_account == k->kind &&
               strcmp(r->trk[i].key, k->str) == 0;
    }
}

/* The entry k names, or SIZE_MAX with *at the slot where it goes. */
static size_t find(const struct report *r, const struct key *k, uint32_t **at)
{
    size_t i = (size_t)key_hash(k) & (RP_SLOTS - 1);
    for (uint32_t v; (v = r->slots[i]) != 0; i = (i + 1) & (RP_SLOTS - 1))
        if ((int)(v >> 28) == k->tag && key_eq(r, (v & 0x0fffffffu) - 1, k))
            return (v & 0x0fffffffu) - 1;
    *at = (uint32_t *)&r->slots[i];
    return SIZE_MAX;
}

static void indexed(uint32_t *at, int tag, size_t idx) { *at = (uint32_t)tag << 28 | (uint32_t)(idx + 1); }

static size_t server_of(struct report *r, const struct mt_session_info *si, enum mt_proto proto)
{
    struct key k = {.tag = T_SRV, .ep = &si->server};
    uint32_t *at;
    size_t i = find(r, &k, &at);
    if (i != SIZE_MAX)
        return i;
    struct rp_server *s = grow((void **)&r->srv, &r->nsrv, &r->cap_srv, sizeof *s, RP_MAX_SERVERS);
    if (!s) {
        r->servers_dropped++;
        return SIZE_MAX;
    }
    s->ep = si->server;
    s->proto = proto;
    indexed(at, T_SRV, (size_t)(s - r->srv));
    return (size_t)(s - r->srv);
}

static size_t account_of(struct report *r, size_t server, const char *user)
{
    struct key k = {.tag = T_ACC, .server = server, .str = user};
    uint32_t *at;
    size_t i = find(r, &k, &at);
    if (i != SIZE_MAX)
        return i;
    struct rp_account *a =
        grow((void **)&r->acc, &r->nacc, &r->cap_acc, sizeof *a, RP_MAX_ACCOUNTS);
    if (!a) {
        r->accounts_dropped++;
        return SIZE_MAX;
    }
    a->server = server;
    snprintf(a->user, sizeof a->user, "%s", user);
    indexed(at, T_ACC, (size_t)(a - r->acc));
    return (size_t)(a - r->acc);
}

/* Evidence of a finding about one client of one server. */
static void pair_evidence(struct report *r, size_t server, const char *client, enum rp_finding id,
                          uint64_t session, mt_time_us ts)
{
    struct key k = {.tag = T_PAIR, .server = server, .kind = (int)id, .str = client};
    uint32_t *at;
    size_t i = find(r, &k, &at);
    if (i != SIZE_MAX) {
        rp_evidence_add(&r->pairs[i].ev, session, ts);
        return;
    }
    struct rp_pair *p = grow((void **)&r->pairs, &r->npairs, &r->cap_pairs, sizeof *p, RP_MAX_TRACKS);
    if (!p) {
        r->pairs_dropped++;
        return;
    }
    p->server = server;
    p->id = id;
    snprintf(p->client, sizeof p->client, "%s", client);
    indexed(at, T_PAIR, (size_t)(p - r->pairs));
    rp_evidence_add(&p->ev, session, ts);
}

/* A failed login: a burst of them from one client, or against one
 * account, within the window is password guessing. */
static void track_failure(struct report *r, size_t server, int by_account, const char *key,
                          size_t account, uint64_t session, mt_time_us ts)
{
    struct key k = {.tag = T_TRK, .server = server, .kind = by_account, .str = key};
    uint32_t *at;
    size_t i = find(r, &k, &at);
    struct rp_track *t = i == SIZE_MAX ? NULL : &r->trk[i];
    if (!t) {
        t = grow((void **)&r->trk, &r->ntrk, &r->cap_trk, sizeof *t, RP_MAX_TRACKS);
        if (!t) {
            r->tracks_dropped++;
            return;
        }
        t->server = server;
        t->by_account = by_account;
        t->account = account;
        snprintf(t->key, sizeof t->key, "%s", key);
        indexed(at, T_TRK, (size_t)(t - r->trk));
    }
    size_t want = r->o.guess_failures < RP_GUESS_RING ? r->o.guess_failures : RP_GUESS_RING;
    t->ring[(t->head + t->n) % RP_GUESS_RING] = ts;
    t->ring_session[(t->head + t->n) % RP_GUESS_RING] = session;
    if (t->n < RP_GUESS_RING)
        t->n++;
    else
        t->head = (t->head + 1) % RP_GUESS_RING;
    if (t->flagged) {
        rp_evidence_add(&t->ev, session, ts);
        return;
    }
    if (t->n >= want) {
        mt_time_us oldest = t->ring[(t->head + t->n - want) % RP_GUESS_RING];
        if (ts - oldest <= (mt_time_us)r->o.guess_window * 1000000) {
            t->flagged = 1; /* from the burst's first failure on */
            for (size_t j = t->n - want; j < t->n; j++)
                rp_evidence_add(&t->ev, t->ring_session[(t->head + j) % RP_GUESS_RING],
                                t->ring[(t->head + j) % RP_GUESS_RING]);
        }
    }
}

static void on_credential(struct report *r, const struct rp_session *ps, const struct mt_event *ev)
{
    const struct mt_credential *c = ev->cred;
    r->creds++;
    int secret = c->password.present, crackable = c->hash != NULL;
    if (secret)
        r->cred_secret++;
    else if (crackable)
        r->cred_crackable++;
    else
        r->cred_identity++;
    if (ps->server == SIZE_MAX)
        return;
    struct rp_server *s = &r->srv[ps->server];
    int clear = !c->tls; /* as every output says it: read inside TLS or not */
    char user[RP_TEXT] = "(none)";
    if (c->user.present)
        mt_render_buf(user, sizeof user, c->user.p, c->user.len, 0);
    size_t ai = account_of(r, ps->server, user);
    struct rp_account *a = ai == SIZE_MAX ? NULL : &r->acc[ai];
    if (clear && secret) {
        if (c->result == MT_RESULT_SUCCESS) {
            s->clear_ok++;
            rp_evidence_add(&s->ev[F_CLEARTEXT_LOGIN], ps->id, c->ts);
        } else if (c->result == MT_RESULT_FAILURE) {
            s->clear_failed++;
        } else {
            s->clear_unknown++;
        }
        if (c->starttls_offered)
            pair_evidence(r, ps->server, ps->client, F_STARTTLS_IGNORED, ps->id, c->ts);
    } else if (clear && crackable) {
        s->crackable++;
        rp_evidence_add(&s->ev[F_CRACKABLE], ps->id, c->ts);
    } else if (!clear) {
        s->inside_tls++;
    } else {
        s->identity_only++;
    }
    if (c->result == MT_RESULT_FAILURE) {
        track_failure(r, ps->server, 0, ps->client, ai, ps->id, c->ts);
        if (ai != SIZE_MAX)
            track_failure(r, ps->server, 1, user, ai, ps->id, c->ts);
    }
    if (!a)
        return;
    a->exposed++;
    a->clear += clear && secret;
    a->crackable += clear && crackable;
    a->inside_tls += !clear;
    a->identity += clear && !secret && !crackable;
    a->ok += c->result == MT_RESULT_SUCCESS;
    a->failed += c->result == MT_RESULT_FAILURE;
    a->unknown += c->result == MT_RESULT_UNKNOWN;
    if (!a->first || c->ts < a->first)
        a->first = c->ts;
    if (c->ts > a->last)
        a->last = c->ts;
    char mech[RP_TEXT];
    snprintf(mech, sizeof mech, "%s%s", c->mech, clear ? "" : " (inside TLS)");
    list_add(&a->mechs, mech);
    list_add(&a->clients, ps->client);
    if (secret) {
        uint8_t m[RP_TEXT];
        size_t k = r->o.mask ? mt_mask(c->password.p, c->password.len, m, sizeof m) : 0;
        char shown[RP_TEXT];
        if (r->o.mask)
            mt_render_buf(shown, sizeof shown, m, k, 0);
        else
            mt_render_buf(shown, sizeof shown, c->password.p, c->password.len, 0);
        list_add(&a->secrets, shown);
    }
}

static void on_tls(struct report *r, struct rp_session *ps, const struct mt_event *ev)
{
    const struct mt_tls_event *t = ev->tls;
    if (ps->server == SIZE_MAX)
        return;
    struct rp_server *s = &r->srv[ps->server];
    if (t->cipher) { /* negotiated: the server chose it */
        list_add(&s->versions, t->version);
        list_add(&s->ciphers, t->cipher);
        if (t->version_code && t->version_code < 0x0303 && !ps->tls_version_old) {
            ps->tls_version_old = 1;
            rp_evidence_add(&s->ev[F_OLD_TLS], ps->id, ev->ts);
        }
    }
    if (t->sni && t->sni[0])
        list_add(&s->sni, t->sni);
}

static void on_cert(struct report *r, const struct rp_session *ps, const struct mt_event *ev)
{
    if (ps->server == SIZE_MAX)
        return;
    struct rp_server *s = &r->srv[ps->server];
    const struct mt_cert_event *c = ev->cert;
    int64_t now = ev->ts / 1000000;
    int expired = now > c->not_after || now < c->not_before;
    if (expired)
        rp_evidence_add(&s->ev[F_CERT_EXPIRED], ps->id, ev->ts);
    if (c->self_signed)
        rp_evidence_add(&s->ev[F_CERT_SELF_SIGNED], ps->id, ev->ts);
    if (s->have_cert)
        return; /* the first one is described */
    s->have_cert = 1;
    s->cert_self_signed = c->self_signed;
    s->cert_expired = expired;
    snprintf(s->cert_subject, sizeof s->cert_subject, "%s", c->subject);
    snprintf(s->cert_issuer, sizeof s->cert_issuer, "%s", c->issuer);
    snprintf(s->cert_sha256, sizeof s->cert_sha256, "%s", c->sha256);
    s->cert_not_before = c->not_before;
    s->cert_not_after = c->not_after;
}

static void on_end(struct report *r, struct rp_session *ps, const struct mt_event *ev)
{
    const struct mt_session_state *st = ev->state;
    if (!st)
        return;
    r->by_proto[st->proto < 8 ? st->proto : 0]++;
    int clear = !st->tls, decrypted = st->tls_decrypted;
    r->clear += clear;
    r->starttls += st->starttls;
    r->implicit_tls += st->implicit_tls;
    r->decrypted += decrypted;
    r->tls_unread += st->tls && !decrypted;
    if (ps->server == SIZE_MAX)
        return;
    struct rp_server *s = &r->srv[ps->server];
    if (s->proto == MT_PROTO_UNKNOWN)
        s->proto = st->proto;
    s->clear += clear;
    s->starttls += st->starttls;
    s->implicit_tls += st->implicit_tls;
    s->decrypted += decrypted;
    s->starttls_offered += st->starttls_offered;
    s->logins_offered += st->logins_offered && !st->login_disabled;
    s->login_disabled += st->login_disabled;
    if (st->login_disabled)
        rp_evidence_add(&s->ev[F_LOGIN_NEEDS_TLS], ps->id, ev->ts);
    if (st->logins_offered && !st->login_disabled)
        rp_evidence_add(&s->ev[F_AUTH_IN_CLEAR], ps->id, ev->ts);
    if (st->logins_offered && !st->starttls_offered && !st->implicit_tls)
        rp_evidence_add(&s->ev[F_NO_STARTTLS], ps->id, ev->ts);
    if (st->starttls_failed) {
        s->starttls_failed++;
        pair_evidence(r, ps->server, ps->client, F_STARTTLS_FAILED, ps->id, ev->ts);
    }
    /* Mechanisms offered in the clear, once each. */
    size_t k;
    for (const char *c = st->auth_offered, *w; (w = mt_words_next(&c, &k)) != NULL;)
        mt_words_add(s->auth_offered, sizeof s->auth_offered, w, k);
    const struct mt_software *sw = &st->software[MT_DIR_SERVER];
    if (sw->len)
        mt_render_buf(s->software, sizeof s->software, sw->name, sw->len, 0);
}

static void take_counts(struct report *r)
{
    uint64_t half_open = 0;
    if (r->o.counts)
        r->o.counts(r->o.counts_ctx, &r->packets, &r->drops, &r->evicted, &half_open);
}

/* Writes the report to its file, replacing it whole: made 0600 (it may
 * hold secrets), written beside it and renamed. */
static int write_file(struct report *r)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->o.file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(r->error, sizeof r->error, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    take_counts(r);
    if (rp_make_findings(r) != 0) {
        fclose(f);
        unlink(tmp);
        snprintf(r->error, sizeof r->error, "%s: out of memory", r->o.file);
        return -1;
    }
    if (r->o.format == MT_REPORT_JSON)
        rp_write_json(r, f);
    else if (r->o.format == MT_REPORT_HTML)
        rp_write_html(r, f);
    else
        rp_write_text(r, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, r->o.file) != 0) {
        snprintf(r->error, sizeof r->error, "%s: %s", r->o.file, strerror(errno ? errno : EIO));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int report_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct report *r = ctx;
    if (ev->ts && (!r->first_ts || ev->ts < r->first_ts))
        r->first_ts = ev->ts;
    if (ev->ts > r->last_ts)
        r->last_ts = ev->ts;
    if (!slot) {
        r->warnings += ev->type == MT_EV_WARNING;
        return 0;
    }
    struct rp_session *ps = *slot;
    if (ev->type == MT_EV_SESSION_START) {
        ps = calloc(1, sizeof *ps);
        if (!ps) {
            snprintf(r->error, sizeof r->error, "out of memory");
            return -1;
        }
        *slot = ps;
        r->sessions++;
        ps->id = ev->session->id;
        ps->server = server_of(r, ev->session, ev->state ? ev->state->proto : MT_PROTO_UNKNOWN);
        mt_addr_format(&ev->session->client, ps->client, sizeof ps->client);
        if (ps->server != SIZE_MAX)
            r->srv[ps->server].sessions++;
    }
    if (!ps)
        return 0;
    switch (ev->type) {
    case MT_EV_CREDENTIAL: on_credential(r, ps, ev); break;
    case MT_EV_TLS: on_tls(r, ps, ev); break;
    case MT_EV_CERT: on_cert(r, ps, ev); break;
    case MT_EV_GAP:
        r->gaps++;
        r->gap_bytes += ev->gap;
        break;
    case MT_EV_WARNING: r->warnings++; break;
    case MT_EV_SESSION_END:
        on_end(r, ps, ev);
        free(ps);
        *slot = NULL;
        break;
    default: break;
    }
    if (r->o.every_s && r->o.file && ev->ts >= r->next_periodic) {
        if (r->next_periodic && write_file(r) != 0)
            return -1;
        r->next_periodic = ev->ts + (mt_time_us)r->o.every_s * 1000000;
    }
    return 0;
}

static int report_finish(void *ctx)
{
    struct report *r = ctx;
    if (r->o.file)
        return write_file(r);
    take_counts(r);
    if (rp_make_findings(r) != 0) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    if (r->o.format == MT_REPORT_JSON)
        rp_write_json(r, r->out);
    else if (r->o.format == MT_REPORT_HTML)
        rp_write_html(r, r->out);
    else
        rp_write_text(r, r->out);
    if (fflush(r->out) != 0 || ferror(r->out)) {
        snprintf(r->error, sizeof r->error, "standard output: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

static const char *report_error(void *ctx) { return ((struct report *)ctx)->error; }

static void report_destroy(void *ctx)
{
    struct report *r = ctx;
    free(r->slots);
    free(r->srv);
    free(r->acc);
    free(r->trk);
    free(r->pairs);
    free(r->rows);
    free(r);
}

int mt_report_sink(FILE *out, const struct mt_report_opts *o, struct mt_sink *sink)
{
    struct report *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->slots = calloc(RP_SLOTS, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return -1;
    }
    r->out = out;
    r->o = *o;
    if (!r->o.guess_failures)
        r->o.guess_failures = MT_DEFAULT_GUESS_FAILURES;
    if (!r->o.guess_window)
        r->o.guess_window = MT_DEFAULT_GUESS_WINDOW;
    *sink = (struct mt_sink){report_event, report_finish, report_error, report_destroy, r, MT_READS_CERTS};
    return 0;
}
