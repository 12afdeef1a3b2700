/* --json: JSON Lines, one object per event. docs/json.md is the contract:
 * change them together. Every string goes through mt_json_string, so any
 * bytes of a capture give valid JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/jsonstr.h"
#include "mailtap/output.h"
#include "mailtap/outstream.h"
#include "mailtap/render.h"
#include "mailtap/words.h"

struct json {
    FILE *out;
    struct mt_outstream os; /* failures of out, with their reason */
    /* Each event's line is gathered here and written with one call. */
    struct mt_jbuf b;
    char line[65536];
    int mask;
    /* Formatting a time is most of the cost of a line: the text of the last
     * second seen ("2026-11-23T01:25:13.") is kept. */
    int64_t cached_sec;
    char cached[MT_TIME_STRLEN];
    size_t cached_len;
};

/* "\"2026-11-23T01:25:13.123456Z\"" */
static void put_time(struct json *j, mt_time_us ts)
{
    int64_t sec = ts / 1000000, usec = ts % 1000000;
    if (usec < 0)
        usec += 1000000, sec--;
    if (sec != j->cached_sec || j->cached_len == 0) {
        mt_time_format(sec * 1000000, j->cached, sizeof j->cached);
        char *dot = strchr(j->cached, '.');
        j->cached_len = dot ? (size_t)(dot - j->cached) + 1 : 0;
        j->cached_sec = sec;
    }
    char t[MT_TIME_STRLEN + 2];
    t[0] = '"';
    memcpy(t + 1, j->cached, j->cached_len);
    size_t k = 1 + j->cached_len;
    for (int d = 5; d >= 0; d--, usec /= 10)
        t[k + (size_t)d] = (char)('0' + usec % 10);
    k += 6;
    t[k++] = 'Z';
    t[k++] = '"';
    mt_jbuf_write(&j->b, t, k);
}

static const char *kind_name(enum mt_msg_kind k)
{
    switch (k) {
    case MT_MSG_COMMAND: return "command";
    case MT_MSG_REPLY: return "reply";
    case MT_MSG_AUTH: return "auth";
    case MT_MSG_BODY: return "body";
    case MT_MSG_RAW: return "raw";
    }
    return "raw";
}

static const char *reason_name(enum mt_close_reason r)
{
    switch (r) {
    case MT_CLOSE_FIN: return "fin";
    case MT_CLOSE_RESET: return "reset";
    case MT_CLOSE_TIMEOUT: return "timeout";
    case MT_CLOSE_EVICTED: return "evicted";
    case MT_CLOSE_END: return "end";
    case MT_CLOSE_REUSED: return "reused";
    }
    return "end";
}

static const char *dir_name(enum mt_dir d) { return d == MT_DIR_CLIENT ? "client" : "server"; }

/* {"type":"...","ts":"...","session":N */
static void head(struct json *j, const char *type, mt_time_us ts, const struct mt_event *ev)
{
    MT_JBUF_LIT(&j->b, "{\"type\":\"");
    mt_jbuf_puts(&j->b, type);
    MT_JBUF_LIT(&j->b, "\",\"ts\":");
    put_time(j, ts);
    MT_JBUF_LIT(&j->b, ",\"session\":");
    if (ev->session)
        mt_jbuf_u64(&j->b, ev->session->id);
    else
        MT_JBUF_LIT(&j->b, "null");
}

static void endpoints(struct json *j, const struct mt_session_info *s)
{
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN];
    mt_endpoint_format(&s->client, c, sizeof c);
    mt_endpoint_format(&s->server, v, sizeof v);
    mt_jbuf_printf(&j->b, ",\"client\":\"%s\",\"server\":\"%s\"", c, v);
}

static const char *proto_of(const struct mt_event *ev)
{
    return ev->state ? mt_proto_name(ev->state->proto) : "unknown";
}

/* A secret, masked when asked. */
static void secret(struct json *j, const struct mt_bytes *b)
{
    if (!b->present) {
        MT_JBUF_LIT(&j->b, "null");
        return;
    }
    if (!j->mask) {
        mt_jbuf_string(&j->b, b->p, b->len);
        return;
    }
    uint8_t *m = malloc(b->len ? b->len : 1);
    if (!m) {
        MT_JBUF_LIT(&j->b, "\"*\"");
        return;
    }
    size_t k = mt_mask(b->p, b->len, m, b->len);
    mt_jbuf_string(&j->b, m, k);
    free(m);
}

static void message(struct json *j, const struct mt_event *ev)
{
    const struct mt_message *m = ev->msg;
    head(j, "message", ev->ts, ev);
    MT_JBUF_LIT(&j->b, ",\"seq\":");
    mt_jbuf_u64(&j->b, m->seq);
    MT_JBUF_LIT(&j->b, ",\"dir\":\"");
    mt_jbuf_puts(&j->b, dir_name(ev->dir));
    MT_JBUF_LIT(&j->b, "\",\"kind\":\"");
    mt_jbuf_puts(&j->b, kind_name(m->kind));
    MT_JBUF_LIT(&j->b, "\",\"label\":");
    mt_jbuf_cstring(&j->b, m->label);
    MT_JBUF_LIT(&j->b, ",\"text\":");
    uint8_t *masked = NULL;
    if (j->mask && m->nspans > 0 && (masked = malloc(m->len ? m->len : 1))) {
        memcpy(masked, m->text, m->len);
        for (size_t i = 0; i < m->nspans; i++)
            if (m->spans[i].secret)
                mt_mask(m->text + m->spans[i].off, m->spans[i].len, masked + m->spans[i].off,
                    m->spans[i].len);
    }
    if (j->mask && m->nspans > 0 && !masked)
        MT_JBUF_LIT(&j->b, "\"*\""); /* out of memory: nothing rather than the secret */
    else
        mt_jbuf_string(&j->b, masked ? masked : m->text, m->len);
    free(masked);
    mt_jbuf_puts(&j->b, m->nspans ? ",\"secret\":true" : ",\"secret\":false");
    mt_jbuf_puts(&j->b, m->partial ? ",\"partial\":true" : ",\"partial\":false");
    mt_jbuf_puts(&j->b, m->truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    /* What a SASL line decodes to: masked whole unless it is known to
     * carry only a user name. A piece of a line has none (as in follow). */
    MT_JBUF_LIT(&j->b, ",\"decoded\":");
    struct mt_bytes d = {m->decoded, m->decoded_len, m->decoded != NULL && !m->partial, 0};
    if (m->decoded_secret)
        secret(j, &d);
    else if (d.present)
        mt_jbuf_string(&j->b, d.p, d.len);
    else
        MT_JBUF_LIT(&j->b, "null");
    mt_jbuf_puts(&j->b, d.present && m->decoded_cut ? ",\"decoded_truncated\":true}\n"
                                                    : ",\"decoded_truncated\":false}\n");
}

static void software(struct json *j, const struct mt_software *sw)
{
    if (sw->len)
        mt_jbuf_string(&j->b, sw->name, sw->len);
    else
        MT_JBUF_LIT(&j->b, "null");
}

static void credential(struct json *j, const struct mt_event *ev)
{
    const struct mt_credential *c = ev->cred;
    head(j, "credential", c->ts, ev);
    mt_jbuf_printf(&j->b, ",\"proto\":\"%s\"", mt_proto_name(c->proto));
    endpoints(j, ev->session);
    MT_JBUF_LIT(&j->b, ",\"mech\":");
    mt_jbuf_cstring(&j->b, c->mech);
    MT_JBUF_LIT(&j->b, ",\"via\":");
    mt_jbuf_cstring(&j->b, c->via);
    MT_JBUF_LIT(&j->b, ",\"user\":");
    if (c->user.present)
        mt_jbuf_string(&j->b, c->user.p, c->user.len);
    else
        MT_JBUF_LIT(&j->b, "null");
    MT_JBUF_LIT(&j->b, ",\"password\":");
    secret(j, &c->password);
    MT_JBUF_LIT(&j->b, ",\"service\":");
    if (c->service.present)
        mt_jbuf_string(&j->b, c->service.p, c->service.len);
    else
        MT_JBUF_LIT(&j->b, "null");
    MT_JBUF_LIT(&j->b, ",\"hash\":");
    struct mt_bytes h = {(const uint8_t *)c->hash, c->hash ? strlen(c->hash) : 0, c->hash != NULL,
                         0};
    secret(j, &h);
    mt_jbuf_printf(&j->b,
            ",\"user_truncated\":%s,\"password_truncated\":%s,\"result\":\"%s\","
            "\"starttls_offered\":%s,\"tls\":%s}\n",
            c->user.truncated ? "true" : "false", c->password.truncated ? "true" : "false",
            mt_result_name(c->result), c->starttls_offered ? "true" : "false",
            c->tls ? "true" : "false");
}

static int json_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct json *j = ctx;
    (void)slot;
    switch (ev->type) {
    case MT_EV_SESSION_START:
        head(j, "session_start", ev->session->start, ev);
        mt_jbuf_printf(&j->b, ",\"proto\":\"%s\"", proto_of(ev));
        endpoints(j, ev->session);
        mt_jbuf_printf(&j->b, ",\"implicit_tls\":%s}\n",
                ev->state && ev->state->implicit_tls ? "true" : "false");
        break;
    case MT_EV_DATA:
    case MT_EV_DECRYPTED:
        break; /* the messages carry the same bytes, labelled */
    case MT_EV_MESSAGE:
        message(j, ev);
        break;
    case MT_EV_GAP:
        head(j, "gap", ev->ts, ev);
        mt_jbuf_printf(&j->b, ",\"dir\":\"%s\",\"bytes\":%" PRIu64 "}\n", dir_name(ev->dir), ev->gap);
        break;
    case MT_EV_CREDENTIAL:
        credential(j, ev);
        break;
    case MT_EV_TLS:
        head(j, "tls", ev->ts, ev);
        MT_JBUF_LIT(&j->b, ",\"version\":");
        mt_jbuf_cstring(&j->b, ev->tls->version);
        MT_JBUF_LIT(&j->b, ",\"sni\":");
        mt_jbuf_cstring(&j->b, ev->tls->sni[0] ? ev->tls->sni : NULL);
        mt_jbuf_printf(&j->b, ",\"implicit\":%s,\"cipher\":", ev->tls->implicit ? "true" : "false");
        mt_jbuf_cstring(&j->b, ev->tls->cipher);
        mt_jbuf_printf(&j->b, ",\"decrypted\":%s,\"reason\":\"%s\",\"client_random\":",
                ev->tls->decrypted ? "true" : "false", ev->tls->outcome);
        mt_jbuf_cstring(&j->b, ev->tls->client_random[0] ? ev->tls->client_random : NULL);
        MT_JBUF_LIT(&j->b, ",\"ja4\":");
        mt_jbuf_cstring(&j->b, ev->tls->ja4[0] ? ev->tls->ja4 : NULL);
        MT_JBUF_LIT(&j->b, "}\n");
        break;
    case MT_EV_SESSION_END: {
        const struct mt_session_state *st = ev->state;
        head(j, "session_end", ev->ts, ev);
        mt_jbuf_printf(&j->b, ",\"proto\":\"%s\",\"reason\":\"%s\"", proto_of(ev), reason_name(ev->reason));
        if (st)
            mt_jbuf_printf(&j->b,
                    ",\"client_bytes\":%" PRIu64 ",\"server_bytes\":%" PRIu64
                    ",\"messages\":%" PRIu64 ",\"credentials\":%" PRIu64
                    ",\"conflicting_bytes\":%" PRIu64 ",\"tls\":%s,\"starttls\":%s",
                    st->bytes[MT_DIR_CLIENT], st->bytes[MT_DIR_SERVER], st->messages,
                    st->credentials, st->conflict_bytes, st->tls ? "true" : "false",
                    st->starttls ? "true" : "false");
        if (st) {
            mt_jbuf_printf(&j->b,
                    ",\"starttls_offered\":%s,\"logins_offered\":%s,\"login_disabled\":%s,"
                    "\"starttls_failed\":%s,\"auth_offered\":[",
                    st->starttls_offered ? "true" : "false", st->logins_offered ? "true" : "false",
                    st->login_disabled ? "true" : "false", st->starttls_failed ? "true" : "false");
            size_t k; /* safe words (mt_offer_mech), quoted as they are */
            for (const char *c = st->auth_offered, *w; (w = mt_words_next(&c, &k)) != NULL;) {
                if (w != st->auth_offered)
                    mt_jbuf_putc(&j->b, ',');
                mt_jbuf_string(&j->b, (const uint8_t *)w, k);
            }
            MT_JBUF_LIT(&j->b, "],\"client_software\":");
            software(j, &st->software[MT_DIR_CLIENT]);
            MT_JBUF_LIT(&j->b, ",\"server_software\":");
            software(j, &st->software[MT_DIR_SERVER]);
        }
        MT_JBUF_LIT(&j->b, "}\n");
        break;
    }
    case MT_EV_CERT: {
        char nb[MT_TIME_STRLEN], na[MT_TIME_STRLEN];
        mt_time_format(ev->cert->not_before * 1000000, nb, sizeof nb);
        mt_time_format(ev->cert->not_after * 1000000, na, sizeof na);
        head(j, "certificate", ev->ts, ev);
        MT_JBUF_LIT(&j->b, ",\"subject\":");
        mt_jbuf_cstring(&j->b, ev->cert->subject);
        MT_JBUF_LIT(&j->b, ",\"issuer\":");
        mt_jbuf_cstring(&j->b, ev->cert->issuer);
        mt_jbuf_printf(&j->b, ",\"not_before\":\"%s\",\"not_after\":\"%s\",\"self_signed\":%s,"
                        "\"expired\":%s,\"in_clear\":%s,\"sha256\":",
                nb, na, ev->cert->self_signed ? "true" : "false",
                ev->ts / 1000000 > ev->cert->not_after || ev->ts / 1000000 < ev->cert->not_before
                    ? "true" : "false",
                ev->cert->in_clear ? "true" : "false");
        mt_jbuf_cstring(&j->b, ev->cert->sha256);
        MT_JBUF_LIT(&j->b, "}\n");
        break;
    }
    case MT_EV_SOFTWARE: {
        const struct mt_software *sw = &ev->state->software[ev->dir];
        head(j, "software", ev->ts, ev);
        mt_jbuf_printf(&j->b, ",\"side\":\"%s\",\"name\":", ev->dir == MT_DIR_CLIENT ? "client" : "server");
        mt_jbuf_string(&j->b, sw->name, sw->len);
        mt_jbuf_printf(&j->b, ",\"truncated\":%s,\"source\":\"%s\"}\n", sw->truncated ? "true" : "false",
                sw->source);
        break;
    }
    case MT_EV_WARNING:
        head(j, "warning", ev->ts, ev);
        MT_JBUF_LIT(&j->b, ",\"text\":");
        mt_jbuf_cstring(&j->b, ev->text);
        MT_JBUF_LIT(&j->b, "}\n");
        break;
    }
    mt_jbuf_flush(&j->b);
    return mt_outstream_check(&j->os);
}

static int json_finish(void *ctx)
{
    struct json *j = ctx;
    return mt_outstream_finish(&j->os);
}

static const char *json_error(void *ctx)
{
    struct json *j = ctx;
    return mt_outstream_error(&j->os);
}

int mt_json_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink)
{
    struct json *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->out = out;
    mt_jbuf_init(&j->b, j->line, sizeof j->line, out);
    mt_outstream_init(&j->os, out, "standard output");
    j->mask = o->mask;
    *sink = (struct mt_sink){json_event, json_finish, json_error, free, j, MT_READS_ALL};
    return 0;
}
