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

struct json {
    FILE *out;
    struct mt_outstream os; /* failures of out, with their reason */
    int mask;
    /* Formatting a time is most of the cost of a line: the text of the last
     * second seen ("2026-11-23T01:25:13.") is kept. */
    int64_t cached_sec;
    char cached[MT_TIME_STRLEN];
    size_t cached_len;
};

static void put_u64(FILE *f, uint64_t v)
{
    char b[24];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fwrite(b + i, 1, sizeof b - i, f);
}

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
    fwrite(t, 1, k, j->out);
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
    fputs("{\"type\":\"", j->out);
    fputs(type, j->out);
    fputs("\",\"ts\":", j->out);
    put_time(j, ts);
    fputs(",\"session\":", j->out);
    if (ev->session)
        put_u64(j->out, ev->session->id);
    else
        fputs("null", j->out);
}

static void endpoints(struct json *j, const struct mt_session_info *s)
{
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN];
    mt_endpoint_format(&s->client, c, sizeof c);
    mt_endpoint_format(&s->server, v, sizeof v);
    fprintf(j->out, ",\"client\":\"%s\",\"server\":\"%s\"", c, v);
}

static const char *proto_of(const struct mt_event *ev)
{
    return ev->state ? mt_proto_name(ev->state->proto) : "unknown";
}

/* A secret, masked when asked. */
static void secret(struct json *j, const struct mt_bytes *b)
{
    if (!b->present) {
        fputs("null", j->out);
        return;
    }
    if (!j->mask) {
        mt_json_string(j->out, b->p, b->len);
        return;
    }
    uint8_t *m = malloc(b->len ? b->len : 1);
    if (!m) {
        fputs("\"*\"", j->out);
        return;
    }
    size_t k = mt_mask(b->p, b->len, m, b->len);
    mt_json_string(j->out, m, k);
    free(m);
}

static void message(struct json *j, const struct mt_event *ev)
{
    const struct mt_message *m = ev->msg;
    head(j, "message", ev->ts, ev);
    fputs(",\"seq\":", j->out);
    put_u64(j->out, m->seq);
    fputs(",\"dir\":\"", j->out);
    fputs(dir_name(ev->dir), j->out);
    fputs("\",\"kind\":\"", j->out);
    fputs(kind_name(m->kind), j->out);
    fputs("\",\"label\":", j->out);
    mt_json_cstring(j->out, m->label);
    fputs(",\"text\":", j->out);
    uint8_t *masked = NULL;
    if (j->mask && m->nspans > 0 && (masked = malloc(m->len ? m->len : 1))) {
        memcpy(masked, m->text, m->len);
        for (size_t i = 0; i < m->nspans; i++)
            if (m->spans[i].secret)
                mt_mask(m->text + m->spans[i].off, m->spans[i].len, masked + m->spans[i].off,
                    m->spans[i].len);
    }
    if (j->mask && m->nspans > 0 && !masked)
        fputs("\"*\"", j->out); /* out of memory: nothing rather than the secret */
    else
        mt_json_string(j->out, masked ? masked : m->text, m->len);
    free(masked);
    fputs(m->nspans ? ",\"secret\":true" : ",\"secret\":false", j->out);
    fputs(m->partial ? ",\"partial\":true" : ",\"partial\":false", j->out);
    fputs(m->truncated ? ",\"truncated\":true" : ",\"truncated\":false", j->out);
    /* What a SASL line decodes to: masked whole unless it is known to
     * carry only a user name. A piece of a line has none (as in follow). */
    fputs(",\"decoded\":", j->out);
    struct mt_bytes d = {m->decoded, m->decoded_len, m->decoded != NULL && !m->partial, 0};
    if (m->decoded_secret)
        secret(j, &d);
    else if (d.present)
        mt_json_string(j->out, d.p, d.len);
    else
        fputs("null", j->out);
    fputs(d.present && m->decoded_cut ? ",\"decoded_truncated\":true}\n"
                                      : ",\"decoded_truncated\":false}\n",
          j->out);
}

static void software(struct json *j, const struct mt_software *sw)
{
    if (sw->len)
        mt_json_string(j->out, sw->name, sw->len);
    else
        fputs("null", j->out);
}

static void credential(struct json *j, const struct mt_event *ev)
{
    const struct mt_credential *c = ev->cred;
    head(j, "credential", c->ts, ev);
    fprintf(j->out, ",\"proto\":\"%s\"", mt_proto_name(c->proto));
    endpoints(j, ev->session);
    fputs(",\"mech\":", j->out);
    mt_json_cstring(j->out, c->mech);
    fputs(",\"via\":", j->out);
    mt_json_cstring(j->out, c->via);
    fputs(",\"user\":", j->out);
    if (c->user.present)
        mt_json_string(j->out, c->user.p, c->user.len);
    else
        fputs("null", j->out);
    fputs(",\"password\":", j->out);
    secret(j, &c->password);
    fputs(",\"service\":", j->out);
    if (c->service.present)
        mt_json_string(j->out, c->service.p, c->service.len);
    else
        fputs("null", j->out);
    fputs(",\"hash\":", j->out);
    struct mt_bytes h = {(const uint8_t *)c->hash, c->hash ? strlen(c->hash) : 0, c->hash != NULL,
                         0};
    secret(j, &h);
    fprintf(j->out,
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
        fprintf(j->out, ",\"proto\":\"%s\"", proto_of(ev));
        endpoints(j, ev->session);
        fprintf(j->out, ",\"implicit_tls\":%s}\n",
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
        fprintf(j->out, ",\"dir\":\"%s\",\"bytes\":%" PRIu64 "}\n", dir_name(ev->dir), ev->gap);
        break;
    case MT_EV_CREDENTIAL:
        credential(j, ev);
        break;
    case MT_EV_TLS:
        head(j, "tls", ev->ts, ev);
        fputs(",\"version\":", j->out);
        mt_json_cstring(j->out, ev->tls->version);
        fputs(",\"sni\":", j->out);
        mt_json_cstring(j->out, ev->tls->sni[0] ? ev->tls->sni : NULL);
        fprintf(j->out, ",\"implicit\":%s,\"cipher\":", ev->tls->implicit ? "true" : "false");
        mt_json_cstring(j->out, ev->tls->cipher);
        fprintf(j->out, ",\"decrypted\":%s,\"reason\":\"%s\",\"client_random\":",
                ev->tls->decrypted ? "true" : "false", ev->tls->outcome);
        mt_json_cstring(j->out, ev->tls->client_random[0] ? ev->tls->client_random : NULL);
        fputs(",\"ja4\":", j->out);
        mt_json_cstring(j->out, ev->tls->ja4[0] ? ev->tls->ja4 : NULL);
        fputs("}\n", j->out);
        break;
    case MT_EV_SESSION_END: {
        const struct mt_session_state *st = ev->state;
        head(j, "session_end", ev->ts, ev);
        fprintf(j->out, ",\"proto\":\"%s\",\"reason\":\"%s\"", proto_of(ev), reason_name(ev->reason));
        if (st)
            fprintf(j->out,
                    ",\"client_bytes\":%" PRIu64 ",\"server_bytes\":%" PRIu64
                    ",\"messages\":%" PRIu64 ",\"credentials\":%" PRIu64
                    ",\"conflicting_bytes\":%" PRIu64 ",\"tls\":%s,\"starttls\":%s",
                    st->bytes[MT_DIR_CLIENT], st->bytes[MT_DIR_SERVER], st->messages,
                    st->credentials, st->conflict_bytes, st->tls ? "true" : "false",
                    st->starttls ? "true" : "false");
        if (st) {
            fprintf(j->out,
                    ",\"starttls_offered\":%s,\"logins_offered\":%s,\"login_disabled\":%s,"
                    "\"starttls_failed\":%s,\"auth_offered\":[",
                    st->starttls_offered ? "true" : "false", st->logins_offered ? "true" : "false",
                    st->login_disabled ? "true" : "false", st->starttls_failed ? "true" : "false");
            for (const char *w = st->auth_offered; *w;) {
                size_t k = strcspn(w, " ");
                fprintf(j->out, "%s\"%.*s\"", w == st->auth_offered ? "" : ",", (int)k, w);
                w += k + (w[k] == ' ');
            }
            fputs("]", j->out);
            fputs(",\"client_software\":", j->out);
            software(j, &st->software[MT_DIR_CLIENT]);
            fputs(",\"server_software\":", j->out);
            software(j, &st->software[MT_DIR_SERVER]);
        }
        fputs("}\n", j->out);
        break;
    }
    case MT_EV_CERT: {
        char nb[MT_TIME_STRLEN], na[MT_TIME_STRLEN];
        mt_time_format(ev->cert->not_before * 1000000, nb, sizeof nb);
        mt_time_format(ev->cert->not_after * 1000000, na, sizeof na);
        head(j, "certificate", ev->ts, ev);
        fputs(",\"subject\":", j->out);
        mt_json_cstring(j->out, ev->cert->subject);
        fputs(",\"issuer\":", j->out);
        mt_json_cstring(j->out, ev->cert->issuer);
        fprintf(j->out, ",\"not_before\":\"%s\",\"not_after\":\"%s\",\"self_signed\":%s,"
                        "\"expired\":%s,\"in_clear\":%s,\"sha256\":",
                nb, na, ev->cert->self_signed ? "true" : "false",
                ev->ts / 1000000 > ev->cert->not_after || ev->ts / 1000000 < ev->cert->not_before
                    ? "true" : "false",
                ev->cert->in_clear ? "true" : "false");
        mt_json_cstring(j->out, ev->cert->sha256);
        fputs("}\n", j->out);
        break;
    }
    case MT_EV_SOFTWARE: {
        const struct mt_software *sw = &ev->state->software[ev->dir];
        head(j, "software", ev->ts, ev);
        fprintf(j->out, ",\"side\":\"%s\",\"name\":", ev->dir == MT_DIR_CLIENT ? "client" : "server");
        mt_json_string(j->out, sw->name, sw->len);
        fprintf(j->out, ",\"truncated\":%s,\"source\":\"%s\"}\n", sw->truncated ? "true" : "false",
                sw->source);
        break;
    }
    case MT_EV_WARNING:
        head(j, "warning", ev->ts, ev);
        fputs(",\"text\":", j->out);
        mt_json_cstring(j->out, ev->text);
        fputs("}\n", j->out);
        break;
    }
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
    mt_outstream_init(&j->os, out, "standard output");
    j->mask = o->mask;
    *sink = (struct mt_sink){json_event, json_finish, json_error, free, j, 1};
    return 0;
}
