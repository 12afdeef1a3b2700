/* The dissector core: picks each session's protocol (port or greeting),
 * runs each direction through its transforms and the line framing, watches
 * for TLS, and gives the protocol modules their services. It never prints. */
#include "mailtap/dissect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"
#include "mailtap/tls.h"
#include "mailtap/tls_crypto.h"
#include "mailtap/inflate.h"
#include "mailtap/tls_decrypt.h"
#include "mailtap/transform.h"
#include "mailtap/words.h"

struct mt_dissector {
    struct mt_bus *bus;
    struct mt_dissect_config cfg;
    struct mt_dissect_stats st;
    struct mt_budget mem;
};

#define MAX_HELD_SEGS 32

struct dirctx {
    struct mt_dsession *s;
    enum mt_dir dir;
};

struct mt_dsession {
    struct mt_dissector *d;
    struct mt_session_info info;
    struct mt_session_state state;
    void *slots[MT_MAX_SINKS];
    const struct mt_proto_ops *ops;
    void *pst;
    struct mt_lines lines[2];
    struct mt_xform_chain xf[2]; /* between reassembly and the framing */
    struct dirctx dctx[2];
    int decided;
    /* Bytes held until the protocol is known (unknown ports only). */
    uint8_t held[MT_DETECT_MAX];
    size_t held_len;
    struct {
        uint8_t dir;
        uint16_t len;
    } held_seg[MAX_HELD_SEGS];
    size_t nheld;
    /* TLS: both directions go through its reader (tls_decrypt.h) from the
     * first byte (implicit TLS) or the server's yes to STARTTLS. */
    struct mt_tls_session *tls;
    mt_time_us now;
    uint64_t seq;
};

/* --- configuration -------------------------------------------------------- */

static int add_rule(struct mt_dissect_config *cfg, uint16_t port, enum mt_proto proto, int tls)
{
    for (size_t i = 0; i < cfg->nports; i++) {
        if (cfg->ports[i].port == port) {
            cfg->ports[i].proto = proto;
            cfg->ports[i].tls = tls;
            return 0;
        }
    }
    if (cfg->nports == MT_MAX_PORT_RULES)
        return -1;
    cfg->ports[cfg->nports++] = (struct mt_port_rule){port, proto, tls};
    return 0;
}

void mt_dissect_default_config(struct mt_dissect_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_line = MT_DEFAULT_MAX_LINE;
    cfg->max_mem = MT_DEFAULT_MAX_PARSE_MEM;
    add_rule(cfg, 110, MT_PROTO_POP3, 0);
    add_rule(cfg, 143, MT_PROTO_IMAP, 0);
    add_rule(cfg, 25, MT_PROTO_SMTP, 0);
    add_rule(cfg, 587, MT_PROTO_SMTP, 0);
    add_rule(cfg, 2525, MT_PROTO_SMTP, 0);
    add_rule(cfg, 995, MT_PROTO_POP3, 1);
    add_rule(cfg, 993, MT_PROTO_IMAP, 1);
    add_rule(cfg, 465, MT_PROTO_SMTP, 1);
    add_rule(cfg, 4190, MT_PROTO_SIEVE, 0);
    add_rule(cfg, 24, MT_PROTO_LMTP, 0);
}

int mt_dissect_parse_ports(struct mt_dissect_config *cfg, const char *spec, char *err,
                           size_t errlen)
{
    static const struct {
        const char *name;
        enum mt_proto proto;
        int tls;
    } names[] = {{"pop3", MT_PROTO_POP3, 0}, {"imap", MT_PROTO_IMAP, 0},
                 {"smtp", MT_PROTO_SMTP, 0}, {"pop3s", MT_PROTO_POP3, 1},
                 {"imaps", MT_PROTO_IMAP, 1}, {"smtps", MT_PROTO_SMTP, 1},
                 {"managesieve", MT_PROTO_SIEVE, 0}, {"lmtp", MT_PROTO_LMTP, 0}};
    const char *p = spec;
    while (*p) {
        const char *colon = strchr(p, ':');
        const char *comma = strchr(p, ',');
        if (!comma)
            comma = p + strlen(p);
        if (!colon || colon > comma) {
            snprintf(err, errlen, "--ports: '%.*s' is not NAME:PORT", (int)(comma - p), p);
            return -1;
        }
        size_t nl = (size_t)(colon - p);
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == nl && strncmp(p, names[i].name, nl) == 0)
                break;
        if (i == sizeof names / sizeof names[0]) {
            snprintf(err, errlen, "--ports: unknown protocol '%.*s' (pop3, imap, smtp, pop3s, imaps, smtps, managesieve, lmtp)",
                     (int)nl, p);
            return -1;
        }
        unsigned long port = 0;
        const char *q = colon + 1;
        if (q == comma) {
            snprintf(err, errlen, "--ports: missing port after '%.*s'", (int)nl, p);
            return -1;
        }
        for (; q < comma; q++) {
            if (*q < '0' || *q > '9' || port > 65535) {
                snprintf(err, errlen, "--ports: bad port in '%.*s'", (int)(comma - p), p);
                return -1;
            }
            port = port * 10 + (unsigned long)(*q - '0');
        }
        if (port == 0 || port > 65535) {
            snprintf(err, errlen, "--ports: port out of range in '%.*s'", (int)(comma - p), p);
            return -1;
        }
        if (add_rule(cfg, (uint16_t)port, names[i].proto, names[i].tls) != 0) {
            snprintf(err, errlen, "--ports: more than %d rules", MT_MAX_PORT_RULES);
            return -1;
        }
        p = *comma ? comma + 1 : comma;
    }
    return 0;
}

/* --- services for the protocol modules ------------------------------------ */

static void emit(struct mt_dsession *s, struct mt_event *ev)
{
    ev->session = &s->info;
    ev->state = &s->state;
    if (!ev->ts)
        ev->ts = s->now;
    mt_bus_emit(s->d->bus, ev, s->slots);
}

static uint64_t emit_msg(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                         const char *label, const uint8_t *p, size_t n, int partial, int truncated,
                         const struct mt_span *spans, size_t nspans, const struct mt_sasl *sasl)
{
    /* Every field set, spans only up to nspans: this runs for every line,
     * and clearing the whole struct showed in the instruction counts. */
    struct mt_message m;
    size_t dn = 0;
    int cut = 0;
    const uint8_t *d = sasl ? mt_sasl_decoded(sasl, &dn, &cut) : NULL;
    m.decoded = d;
    m.decoded_len = d ? (dn < MT_DECODED_MAX ? dn : MT_DECODED_MAX) : 0;
    m.decoded_cut = d && (cut || dn > MT_DECODED_MAX);
    m.decoded_secret = d && mt_sasl_decoded_secret(sasl);
    m.nspans = 0;
    m.kind = kind;
    m.label = label ? label : "";
    m.text = p;
    m.len = n;
    m.partial = partial;
    m.truncated = truncated;
    m.seq = ++s->seq;
    if (nspans > MT_MAX_SPANS)
        nspans = MT_MAX_SPANS;
    for (size_t i = 0; i < nspans; i++) {
        /* Spans always lie inside the text. */
        if (spans[i].off >= n || spans[i].len == 0)
            continue;
        m.spans[m.nspans].off = spans[i].off;
        m.spans[m.nspans].secret = spans[i].secret;
        m.spans[m.nspans].len = spans[i].len > n - spans[i].off ? n - spans[i].off : spans[i].len;
        m.nspans++;
    }
    s->state.messages++;
    struct mt_event ev = {.type = MT_EV_MESSAGE, .dir = dir, .msg = &m};
    emit(s, &ev);
    return m.seq;
}

uint64_t mt_emit_message(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                         const char *label, const uint8_t *p, size_t n, int partial,
                         const struct mt_span *spans, size_t nspans)
{
    return emit_msg(s, dir, kind, label, p, n, partial, 0, spans, nspans, NULL);
}

uint64_t mt_emit_line(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                      const char *label, const struct mt_line *line, const struct mt_span *spans,
                      size_t nspans)
{
    return mt_emit_sasl_line(s, dir, kind, label, line, spans, nspans, NULL);
}

uint64_t mt_emit_sasl_line(struct mt_dsession *s, enum mt_dir dir, enum mt_msg_kind kind,
                           const char *label, const struct mt_line *line,
                           const struct mt_span *spans, size_t nspans, const struct mt_sasl *sasl)
{
    if (line->truncated)
        s->d->st.lines_truncated++;
    return emit_msg(s, dir, kind, label, line->p, line->n, line->no_eol, line->truncated, spans,
                    nspans, sasl);
}

void mt_emit_credential(struct mt_dsession *s, const struct mt_credential *c)
{
    struct mt_credential cred = *c;
    cred.proto = s->state.proto;
    cred.tls = s->state.tls_decrypted; /* only what was decrypted is read inside TLS */
    s->state.credentials++;
    s->d->st.credentials++;
    struct mt_event ev = {.type = MT_EV_CREDENTIAL, .cred = &cred};
    emit(s, &ev);
}

void mt_set_software(struct mt_dsession *s, enum mt_dir dir, const uint8_t *p, size_t n,
                     const char *source)
{
    struct mt_software *sw = &s->state.software[dir];
    size_t k = n < MT_SOFTWARE_MAX ? n : MT_SOFTWARE_MAX;
    if (k == 0 || (sw->len == k && memcmp(sw->name, p, k) == 0))
        return;
    memcpy(sw->name, p, k);
    sw->len = k;
    sw->truncated = k < n;
    sw->source = source;
    struct mt_event ev = {.type = MT_EV_SOFTWARE, .dir = dir};
    emit(s, &ev);
}

void mt_set_proto(struct mt_dsession *s, enum mt_proto p) { s->state.proto = p; }

void mt_offer_starttls(struct mt_dsession *s)
{
    if (!s->state.tls)
        s->state.starttls_offered = 1;
}

void mt_offer_login(struct mt_dsession *s)
{
    if (!s->state.tls)
        s->state.logins_offered = 1;
}

void mt_offer_no_login(struct mt_dsession *s)
{
    if (!s->state.tls)
        s->state.login_disabled = 1;
}

void mt_offer_mech(struct mt_dsession *s, const uint8_t *p, size_t n)
{
    if (s->state.tls || n == 0)
        return;
    for (size_t i = 0; i < n; i++) /* a name: keep it a safe word */
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return;
    s->state.logins_offered = 1;
    mt_words_add(s->state.auth_offered, MT_OFFERED_MAX, (const char *)p, n);
}

void mt_emit_warning(struct mt_dsession *s, const char *text)
{
    struct mt_event ev = {.type = MT_EV_WARNING, .text = text};
    emit(s, &ev);
}

/* What the TLS reader found out: said as a TLS event, and counted. */
static void tls_report(void *ctx, const struct mt_tls_report *r)
{
    struct mt_dsession *s = ctx;
    char vbuf[32], cbuf[16], random[65] = "";
    uint16_t v = r->version ? r->version : r->hello ? r->hello->max_version : 0;
    const char *cipher = r->suite_name;
    if (!cipher && r->suite) {
        snprintf(cbuf, sizeof cbuf, "0x%04X", r->suite);
        cipher = cbuf;
    }
    for (size_t i = 0; r->hello && i < sizeof r->hello->random; i++)
        snprintf(random + 2 * i, 3, "%02x", r->hello->random[i]);
    struct mt_tls_event t = {
        .version = v ? mt_tls_version_name(v, vbuf, sizeof vbuf) : "unknown",
        .sni = r->hello ? r->hello->sni : "",
        .implicit = s->state.implicit_tls,
        .cipher = cipher,
        .decrypted = r->outcome == MT_TLS_DECRYPTED,
        .outcome = mt_tls_outcome_name(r->outcome),
        .outcome_text = mt_tls_outcome_text(r->outcome),
        .client_random = random,
        .ja4 = r->hello ? r->hello->ja4 : "",
        .version_code = v,
    };
    s->state.tls = 1;
    s->state.tls_decrypted = t.decrypted;
    s->d->st.tls_sessions++;
    if (t.decrypted)
        s->d->st.tls_decrypted++;
    else if (r->outcome == MT_TLS_NO_KEY || r->outcome == MT_TLS_NO_KEYLOG)
        s->d->st.tls_no_key++;
    else
        s->d->st.tls_failed++;
    if (r->outcome == MT_TLS_NO_KEY && random[0] && s->d->st.nmissing < MT_MISSING_KEYS_NAMED) {
        s->d->st.missing[s->d->st.nmissing].session = s->info.id;
        memcpy(s->d->st.missing[s->d->st.nmissing++].client_random, random, sizeof random);
    }
    struct mt_event ev = {.type = MT_EV_TLS, .dir = MT_DIR_CLIENT, .tls = &t};
    emit(s, &ev);
}

static void tls_not_tls(void *ctx)
{
    struct mt_dsession *s = ctx;
    if (s->state.starttls) {
        s->state.starttls_failed = 1;
        mt_emit_warning(s, "expected a TLS ClientHello after STARTTLS; reading text");
    }
}

static void tls_warn(void *ctx, const char *text) { mt_emit_warning(ctx, text); }

/* The server's certificate, as its handshake showed it. */
static void tls_cert(void *ctx, const struct mt_tls_cert *c)
{
    struct mt_cert_event e = {c->subject, c->issuer, c->not_before, c->not_after,
                              c->self_signed, c->sha256, c->in_clear};
    struct mt_event ev = {.type = MT_EV_CERT, .dir = MT_DIR_SERVER, .cert = &e};
    emit(ctx, &ev);
}

/* Both directions go through a TLS reader from here (once a session). */
static void begin_tls(struct mt_dsession *s)
{
    if (s->tls)
        return;
    struct mt_tls_observer obs = {tls_report, tls_not_tls, tls_warn, s};
    s->tls = mt_tls_new(s->d->cfg.keylog, &obs, &s->d->mem);
    if (s->tls && !s->d->cfg.skip_certs)
        mt_tls_on_certificate(s->tls, tls_cert);
    if (!s->tls) {
        /* No memory for it: still TLS, of which nothing is read. */
        struct mt_tls_report r = {.outcome = MT_TLS_NO_MEMORY};
        tls_report(s, &r);
        for (int i = 0; i < 2; i++)
            mt_push_transform(s, (enum mt_dir)i, &mt_xform_opaque, NULL);
        return;
    }
    for (int i = 0; i < 2; i++)
        mt_push_transform(s, (enum mt_dir)i, &mt_xform_tls, mt_tls_direction(s->tls, i));
}

void mt_start_tls(struct mt_dsession *s)
{
    s->state.starttls = 1;
    begin_tls(s);
}

void mt_start_compress(struct mt_dsession *s)
{
    for (int i = 0; i < 2; i++) {
        struct mt_inflate *f = mt_inflate_new(&s->d->mem);
        if (!f) {
            mt_emit_warning(s, "no memory to inflate COMPRESS DEFLATE (--max-parse-mem): "
                               "what follows is not read");
            mt_push_transform(s, (enum mt_dir)i, &mt_xform_opaque, NULL);
        } else if (mt_push_transform(s, (enum mt_dir)i, &mt_xform_inflate, f) != 0) {
            mt_xform_inflate.destroy(f);
        }
    }
}

int mt_push_transform(struct mt_dsession *s, enum mt_dir dir, const struct mt_xform_ops *ops,
                      void *st)
{
    if (mt_xform_unreadable(&s->xf[dir]))
        return -1; /* nothing of it is read any more: said when it gave up */
    if (mt_xform_push(&s->xf[dir], ops, st) != 0) {
        mt_emit_warning(s, dir == MT_DIR_CLIENT
                               ? "no room for another transform of the client's bytes"
                               : "no room for another transform of the server's bytes");
        return -1;
    }
    /* The rest of what is being framed now goes through it. */
    mt_lines_stop(&s->lines[dir]);
    return 0;
}

void mt_expect_raw(struct mt_dsession *s, enum mt_dir dir, uint64_t n)
{
    mt_lines_expect_raw(&s->lines[dir], n);
}

void mt_expect_content(struct mt_dsession *s, enum mt_dir dir, uint64_t n)
{
    if (s->d->cfg.skip_content && s->lines[dir].raw_left == 0)
        mt_lines_skip(&s->lines[dir], n);
    else
        mt_lines_expect_raw(&s->lines[dir], n);
}

void mt_frame_content(struct mt_dsession *s, enum mt_dir dir) { mt_lines_skip_to_raw(&s->lines[dir]); }

uint64_t mt_raw_left(const struct mt_dsession *s, enum mt_dir dir) { return s->lines[dir].raw_left; }

void mt_cancel_raw(struct mt_dsession *s, enum mt_dir dir) { s->lines[dir].raw_left = 0; }

mt_time_us mt_now(const struct mt_dsession *s) { return s->now; }

int mt_mem_take(struct mt_dsession *s, size_t n) { return mt_budget_take(&s->d->mem, n); }

void mt_mem_give(struct mt_dsession *s, size_t n) { mt_budget_give(&s->d->mem, n); }

struct mt_sasl *mt_sasl_acquire(struct mt_dsession *s)
{
    if (!mt_mem_take(s, mt_sasl_footprint()))
        return NULL;
    struct mt_sasl *sasl = mt_sasl_new();
    if (!sasl)
        mt_mem_give(s, mt_sasl_footprint());
    return sasl;
}

void mt_sasl_release(struct mt_dsession *s, struct mt_sasl *sasl)
{
    if (!sasl)
        return;
    mt_sasl_free(sasl);
    mt_mem_give(s, mt_sasl_footprint());
}

/* --- framing callbacks ------------------------------------------------------- */

static void on_line(void *ctx, const struct mt_line *line)
{
    struct dirctx *dc = ctx;
    dc->s->ops->line(dc->s->pst, dc->dir, line);
}

static void on_raw(void *ctx, const struct mt_line *line, int last)
{
    struct dirctx *dc = ctx;
    dc->s->ops->raw(dc->s->pst, dc->dir, line, last);
}

static const struct mt_lines_ops line_ops = {on_line, on_raw};

/* A session of no known protocol: its lines as they are. */
static void on_unknown_line(void *ctx, const struct mt_line *line)
{
    struct dirctx *dc = ctx;
    mt_emit_line(dc->s, dc->dir, MT_MSG_RAW, "", line, NULL, 0);
}

static void on_unknown_raw(void *ctx, const struct mt_line *line, int last)
{
    (void)last;
    on_unknown_line(ctx, line);
}

static const struct mt_lines_ops unknown_ops = {on_unknown_line, on_unknown_raw};

static const struct mt_lines_ops *framing(const struct mt_dsession *s)
{
    return s->ops && s->pst ? &line_ops : &unknown_ops;
}

/* --- protocol recognition --------------------------------------------------- */

static const struct mt_port_rule *rule_for(const struct mt_dissector *d, uint16_t port)
{
    for (size_t i = 0; i < d->cfg.nports; i++)
        if (d->cfg.ports[i].port == port)
            return &d->cfg.ports[i];
    return NULL;
}

static const struct mt_proto_ops *ops_for(enum mt_proto p)
{
    switch (p) {
    case MT_PROTO_POP3: return &mt_pop3_ops;
    case MT_PROTO_IMAP: return &mt_imap_ops;
    case MT_PROTO_SMTP: return &mt_smtp_ops;
    case MT_PROTO_SIEVE: return &mt_sieve_ops;
    case MT_PROTO_LMTP: return &mt_lmtp_ops;
    case MT_PROTO_UNKNOWN: break;
    }
    return NULL;
}

static void set_proto(struct mt_dsession *s, enum mt_proto p, int tls)
{
    s->decided = 1;
    s->state.proto = p;
    s->ops = ops_for(p);
    if (tls) {
        s->state.implicit_tls = 1;
        begin_tls(s);
    }
}

/* Decides from what is held; force decides even on too little evidence. */
static int try_decide(struct mt_dsession *s, int force)
{
    const struct mt_port_rule *r = rule_for(s->d, s->info.server.port);
    if (r) {
        set_proto(s, r->proto, r->tls);
        return 1;
    }
    if (s->nheld == 0) {
        if (force)
            set_proto(s, MT_PROTO_UNKNOWN, 0);
        return force;
    }
    if (s->held_seg[0].dir == MT_DIR_CLIENT) {
        /* Mail servers speak first; a client speaking first is TLS, or a
         * session whose start was not captured (told by its commands), or
         * not mail. */
        if (mt_tls_maybe(s->held, s->held_seg[0].len)) {
            set_proto(s, MT_PROTO_UNKNOWN, 1);
            return 1;
        }
        const uint8_t *eol = memchr(s->held, '\n', s->held_seg[0].len);
        if (!eol && s->held_seg[0].len < MT_DETECT_MAX && s->nheld == 1 && !force)
            return 0;
        size_t n = eol ? (size_t)(eol - s->held) : s->held_seg[0].len;
        set_proto(s, mt_proto_from_client(s->held, n), 0);
        return 1;
    }
    /* The server's bytes so far, in order. */
    uint8_t srv[MT_DETECT_MAX];
    size_t sn = 0, off = 0;
    for (size_t i = 0; i < s->nheld; i++) {
        if (s->held_seg[i].dir == MT_DIR_SERVER) {
            memcpy(srv + sn, s->held + off, s->held_seg[i].len);
            sn += s->held_seg[i].len;
        }
        off += s->held_seg[i].len;
    }
    if (!memchr(srv, '\n', sn) && sn < MT_DETECT_MAX && s->nheld < MAX_HELD_SEGS && !force)
        return 0;
    set_proto(s, mt_proto_from_greeting(srv, sn), 0);
    return 1;
}

/* --- the data path ------------------------------------------------------------ */

static size_t text(struct mt_dsession *s, enum mt_dir dir, const uint8_t *p, size_t n)
{
    return mt_lines_feed(&s->lines[dir], p, n, framing(s), &s->dctx[dir]);
}

/* --- the consumer above the transforms ------------------------------------- */

static size_t top_data(void *ctx, const uint8_t *p, size_t n)
{
    struct dirctx *dc = ctx;
    struct mt_dsession *s = dc->s;
    if (s->state.tls_decrypted) { /* the plaintext, for --export */
        struct mt_event ev = {.type = MT_EV_DECRYPTED, .dir = dc->dir, .data = p, .len = n};
        emit(s, &ev);
    }
    return s->d->cfg.data_only ? n : text(s, dc->dir, p, n);
}

static void top_gap(void *ctx, uint64_t n)
{
    struct dirctx *dc = ctx;
    struct mt_dsession *s = dc->s;
    mt_lines_gap(&s->lines[dc->dir], n);
    if (s->ops && s->pst)
        s->ops->gap(s->pst, dc->dir, n);
}

/* A transform gave up: what it read so far stays framed (a partial line
 * comes out at the end); nothing after it is. */
static void top_unreadable(void *ctx, const char *layer, const char *why)
{
    struct dirctx *dc = ctx;
    char msg[MT_XFORM_WHY_MAX + 96];
    snprintf(msg, sizeof msg, "the %s's bytes cannot be read from here (%s: %s)",
             dc->dir == MT_DIR_CLIENT ? "client" : "server", layer, why);
    mt_emit_warning(dc->s, msg);
}

static const struct mt_xform_top top_ops = {top_data, top_gap, top_unreadable};

static void process(struct mt_dsession *s, enum mt_dir dir, const uint8_t *p, size_t n)
{
    s->state.bytes[dir] += n;
    struct mt_event ev = {.type = MT_EV_DATA, .dir = dir, .data = p, .len = n};
    emit(s, &ev);
    /* --export alone frames nothing, but a TLS reader still decrypts. */
    if (!s->d->cfg.data_only || s->tls)
        mt_xform_feed(&s->xf[dir], p, n);
}

static void start(struct mt_dsession *s)
{
    if (s->ops)
        s->pst = s->ops->create(s);
    struct mt_event ev = {.type = MT_EV_SESSION_START, .ts = s->info.start};
    emit(s, &ev);
    /* Replay what was held while deciding. */
    size_t off = 0;
    for (size_t i = 0; i < s->nheld; i++) {
        process(s, s->held_seg[i].dir, s->held + off, s->held_seg[i].len);
        off += s->held_seg[i].len;
    }
    s->nheld = 0;
    s->held_len = 0;
}

static void *on_open(void *ctx, const struct mt_session_info *info)
{
    struct mt_dissector *d = ctx;
    struct mt_dsession *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->d = d;
    s->info = *info;
    s->now = info->start;
    for (int i = 0; i < 2; i++) {
        mt_lines_init(&s->lines[i], d->cfg.max_line, &d->mem);
        s->dctx[i] = (struct dirctx){s, (enum mt_dir)i};
        mt_xform_init(&s->xf[i], &top_ops, &s->dctx[i]);
    }
    return s;
}

static void on_data(void *ctx, void *sess, enum mt_dir dir, const uint8_t *p, size_t n,
                    mt_time_us ts)
{
    (void)ctx;
    struct mt_dsession *s = sess;
    if (!s)
        return;
    s->now = ts;
    if (!s->decided) {
        if (try_decide(s, 0)) {
            start(s);
        } else if (s->held_len + n <= MT_DETECT_MAX && s->nheld < MAX_HELD_SEGS) {
            memcpy(s->held + s->held_len, p, n);
            s->held_len += n;
            s->held_seg[s->nheld].dir = (uint8_t)dir;
            s->held_seg[s->nheld].len = (uint16_t)n;
            s->nheld++;
            if (!try_decide(s, 0))
                return;
            start(s);
            return;
        } else {
            try_decide(s, 1);
            start(s);
        }
    }
    process(s, dir, p, n);
}

static void ensure_started(struct mt_dsession *s)
{
    if (!s->decided) {
        try_decide(s, 1);
        start(s);
    }
}

/* A gap or the end of a session: its protocol is decided now, on whatever
 * evidence there is. NULL for a session the dissector had no memory for. */
static struct mt_dsession *started(void *sess, mt_time_us ts)
{
    struct mt_dsession *s = sess;
    if (s) {
        s->now = ts;
        ensure_started(s);
    }
    return s;
}

static void on_gap(void *ctx, void *sess, enum mt_dir dir, uint64_t n, mt_time_us ts)
{
    (void)ctx;
    struct mt_dsession *s = started(sess, ts);
    if (!s)
        return;
    struct mt_event ev = {.type = MT_EV_GAP, .dir = dir, .gap = n};
    emit(s, &ev);
    if (!s->d->cfg.data_only || s->tls)
        mt_xform_gap(&s->xf[dir], n);
}

static void on_close(void *ctx, void *sess, enum mt_close_reason why, mt_time_us ts)
{
    (void)ctx;
    struct mt_dsession *s = started(sess, ts);
    if (!s)
        return;
    for (int i = 0; i < 2; i++) {
        mt_xform_end(&s->xf[i]); /* what a transform still holds is framed first */
        mt_lines_flush(&s->lines[i], framing(s), &s->dctx[i]);
    }
    if (s->ops && s->pst)
        s->ops->end(s->pst);
    for (int i = 0; i < 2; i++) {
        s->d->st.bytes_dropped += s->lines[i].dropped;
        mt_lines_free(&s->lines[i]);
    }
    struct mt_event ev = {.type = MT_EV_SESSION_END, .reason = why};
    emit(s, &ev);
    if (s->ops && s->pst)
        s->ops->destroy(s->pst);
    for (int i = 0; i < 2; i++) {
        s->d->st.unreadable_dirs += (uint64_t)mt_xform_unreadable(&s->xf[i]);
        s->d->st.unread_bytes += s->xf[i].unread;
        mt_xform_free(&s->xf[i]);
    }
    mt_tls_free(s->tls);
    free(s);
}

struct mt_dissector *mt_dissector_create(struct mt_bus *bus, const struct mt_dissect_config *cfg)
{
    struct mt_dissector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->bus = bus;
    if (cfg)
        d->cfg = *cfg;
    else
        mt_dissect_default_config(&d->cfg);
    d->mem.max = d->cfg.max_mem ? d->cfg.max_mem : MT_DEFAULT_MAX_PARSE_MEM;
    return d;
}

void mt_dissector_destroy(struct mt_dissector *d) { free(d); }

/* Copies of the same bytes that differ: the first is what was read, the
 * session is told where the other differed. */
static void on_conflict(void *ctx, void *session, enum mt_dir dir, uint64_t off, uint64_t n,
                        mt_time_us ts)
{
    (void)ctx;
    struct mt_dsession *s = session;
    if (!s)
        return;
    s->now = ts;
    s->state.conflict_bytes += n;
    s->d->st.conflict_bytes += n;
    char text[200];
    snprintf(text, sizeof text,
             "a copy of the %s's bytes differed from the first one: %llu bytes from stream "
             "offset %llu (the first copy is kept)",
             dir == MT_DIR_CLIENT ? "client" : "server", (unsigned long long)n,
             (unsigned long long)off);
    mt_emit_warning(s, text);
}

struct mt_stream_ops mt_dissector_stream_ops(struct mt_dissector *d)
{
    return (struct mt_stream_ops){on_open, on_data, on_gap, on_close, d, on_conflict};
}

void mt_dissector_get_stats(const struct mt_dissector *d, struct mt_dissect_stats *out)
{
    *out = d->st;
    out->mem_refused = d->mem.refused;
    out->mem_peak = d->mem.peak;
}
