/* The scripted sessions of the dissector tests: the recording sink and
 * the runner (dissect_script.h). */
#include "dissect_script.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/render.h"

/* --- a sink that writes down what it is told ------------------------------ */

static void put(struct recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct recorder *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->log + r->n, LOG_MAX - r->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= LOG_MAX - r->n) {
        r->overflow = 1;
        return;
    }
    r->n += (size_t)k;
}

static void put_bytes(struct recorder *r, const uint8_t *p, size_t n)
{
    char buf[4096];
    mt_render_buf(buf, sizeof buf, p, n, 0);
    put(r, "%s", buf);
}

static void put_field(struct recorder *r, const char *name, const struct mt_bytes *b)
{
    put(r, " %s=", name);
    if (b->present)
        put_bytes(r, b->p, b->len);
    else
        put(r, "-");
}

int log_software;

int rec_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct recorder *r = ctx;
    (void)slot;
    switch (ev->type) {
    case MT_EV_SESSION_START:
        put(r, "start %s\n", mt_proto_name(ev->state->proto));
        break;
    case MT_EV_MESSAGE: {
        const struct mt_message *m = ev->msg;
        put(r, "%c %s|", ev->dir == MT_DIR_CLIENT ? 'C' : 'S', m->label);
        put_bytes(r, m->text, m->len);
        for (size_t i = 0; i < m->nspans; i++) {
            put(r, m->spans[i].secret ? "|!<" : "|<");
            put_bytes(r, m->text + m->spans[i].off, m->spans[i].len);
            put(r, ">");
        }
        put(r, "%s%s\n", m->truncated ? "|cut" : "", m->partial ? "|~" : "");
        if (m->decoded) {
            put(r, "= ");
            put_bytes(r, m->decoded, m->decoded_len);
            put(r, "%s\n", m->decoded_cut ? "|cut" : "");
        }
        break;
    }
    case MT_EV_CREDENTIAL: {
        const struct mt_credential *c = ev->cred;
        put(r, "CRED %s %s/%s", mt_proto_name(c->proto), c->mech, c->via);
        put_field(r, "user", &c->user);
        put_field(r, "pass", &c->password);
        put(r, " hash=%s %s%s%s%s\n", c->hash ? c->hash : "-", mt_result_name(c->result),
            c->starttls_offered ? " starttls-offered" : "", c->user.truncated ? " user-cut" : "",
            c->password.truncated ? " pass-cut" : "");
        break;
    }
    case MT_EV_TLS:
        put(r, "TLS %s sni=%s%s %s%s%s\n", ev->tls->version, ev->tls->sni,
            ev->tls->implicit ? " implicit" : "", ev->tls->outcome,
            ev->tls->cipher ? " " : "", ev->tls->cipher ? ev->tls->cipher : "");
        break;
    case MT_EV_WARNING:
        put(r, "WARN %s\n", ev->text);
        break;
    case MT_EV_SESSION_END:
        put(r, "end\n");
        break;
    case MT_EV_CERT:
        put(r, "CERT %s issuer %s%s\n", ev->cert->subject, ev->cert->issuer,
            ev->cert->self_signed ? " self-signed" : "");
        break;
    case MT_EV_SOFTWARE:
        if (r->software) {
            const struct mt_software *sw = &ev->state->software[ev->dir];
            put(r, "SOFT %s ", ev->dir == MT_DIR_CLIENT ? "client" : "server");
            put_bytes(r, sw->name, sw->len);
            put(r, " (%s)\n", sw->source);
        }
        break;
    case MT_EV_DATA:
    case MT_EV_DECRYPTED:
    case MT_EV_GAP:
        return 0;
    }
    return 0;
}

void creds_only(const char *log, char *out, size_t cap)
{
    size_t o = 0;
    while (*log && o + 1 < cap) {
        const char *eol = strchr(log, '\n');
        size_t len = eol ? (size_t)(eol - log) + 1 : strlen(log);
        if ((strncmp(log, "CRED ", 5) == 0 || strncmp(log, "TLS ", 4) == 0 ||
             strncmp(log, "WARN ", 5) == 0) &&
            o + len < cap) {
            memcpy(out + o, log, len);
            o += len;
        }
        log += len;
    }
    out[o] = '\0';
}

/* --- scripted sessions ------------------------------------------------------ */

void run(const struct script *sc, size_t split_turn, size_t split_at, int bytewise,
                struct recorder *r)
{
    memset(r, 0, sizeof *r);
    r->software = log_software;
    struct mt_bus bus;
    mt_bus_init(&bus);
    mt_bus_add(&bus, (struct mt_sink){rec_event, NULL, NULL, NULL, r, MT_READS_ALL});
    struct mt_dissect_config cfg;
    mt_dissect_default_config(&cfg);
    if (sc->max_line)
        cfg.max_line = sc->max_line;
    cfg.skip_content = sc->skip_content;
    struct mt_dissector *d = mt_dissector_create(&bus, &cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct mt_stream_ops ops = mt_dissector_stream_ops(d);
    struct mt_session_info info = {.id = 1};
    info.client.family = info.server.family = 4;
    info.client.addr[0] = 10;
    info.server.addr[0] = 10;
    info.server.addr[3] = 1;
    info.client.port = 40000;
    info.server.port = sc->port;
    void *s = ops.open(ops.ctx, &info);
    mt_time_us ts = 1000000;
    for (size_t t = 0; t < sc->n; t++) {
        const uint8_t *p = (const uint8_t *)sc->turns[t].text;
        size_t len = sc->turns[t].len;
        enum mt_dir dir = sc->turns[t].dir;
        if (bytewise) {
            for (size_t i = 0; i < len; i++)
                ops.data(ops.ctx, s, dir, p + i, 1, ts++);
        } else if (t == split_turn && split_at > 0 && split_at < len) {
            ops.data(ops.ctx, s, dir, p, split_at, ts++);
            ops.data(ops.ctx, s, dir, p + split_at, len - split_at, ts++);
        } else if (len > 0) {
            ops.data(ops.ctx, s, dir, p, len, ts++);
        }
    }
    ops.close(ops.ctx, s, MT_CLOSE_FIN, ts);
    mt_dissector_destroy(d);
    mt_bus_destroy(&bus);
    CU_ASSERT_FALSE(r->overflow);
}

struct recorder whole, cut;

const char *run_all_splits(const struct script *sc)
{
    run(sc, 0, 0, 0, &whole);
    size_t mismatches = 0;
    for (size_t t = 0; t < sc->n; t++) {
        for (size_t at = 1; at < sc->turns[t].len; at++) {
            run(sc, t, at, 0, &cut);
            if (strcmp(whole.log, cut.log) != 0) {
                if (mismatches++ == 0)
                    fprintf(stderr, "\nsplit turn %zu at %zu:\n--- whole\n%s--- cut\n%s", t, at,
                            whole.log, cut.log);
            }
        }
    }
    run(sc, 0, 0, 1, &cut);
    if (strcmp(whole.log, cut.log) != 0) {
        mismatches++;
        fprintf(stderr, "\nbytewise:\n--- whole\n%s--- bytewise\n%s", whole.log, cut.log);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    return whole.log;
}

char creds_buf[LOG_MAX];

int logged(const char *line)
{
    char want[1024];
    snprintf(want, sizeof want, "%s\n", line);
    if (strncmp(whole.log, want, strlen(want)) == 0)
        return 1;
    snprintf(want, sizeof want, "\n%s\n", line);
    return strstr(whole.log, want) != NULL;
}
