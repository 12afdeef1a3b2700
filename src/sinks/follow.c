/* --follow: each session as a conversation, like Wireshark's Follow TCP
 * Stream: a header, then every line with a C/S mark and its label in a
 * gutter; client red, server blue, exposed secrets in reverse video. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/explain.h"
#include "mailtap/output.h"
#include "mailtap/outstream.h"
#include "mailtap/render.h"

#define RED "\033[31m"
#define BLUE "\033[34m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define UNDIM "\033[22m"
#define REV "\033[7m"
#define UNREV "\033[27m"
#define RESET "\033[0m"

#define LABEL_WIDTH 12

struct follow {
    FILE *out;
    struct mt_outstream os; /* failures of out, with their reason */
    int color;
    int mask;
    int printed;          /* anything written yet */
    uint64_t cur_session; /* session of the last line written (0 none) */
    int cur_dir;          /* direction of an unfinished line, -1 if none */
    int open_partial;     /* that line is a message without its line end yet */
    int explain;          /* --explain */
    /* The labelled line being written, explained once it ends. */
    int explain_pending;
    char explain_label[32];
    enum mt_proto explain_proto;
    enum mt_dir explain_dir;
    enum mt_msg_kind explain_kind;
};

static const char *dir_color(const struct follow *f, enum mt_dir dir)
{
    if (!f->color)
        return "";
    return dir == MT_DIR_CLIENT ? RED : BLUE;
}

static void put_text(struct follow *f, const uint8_t *p, size_t n)
{
    mt_render_file(f->out, p, n, MT_RENDER_TABS, f->color ? DIM : NULL, f->color ? UNDIM : NULL);
}

static void end_line(struct follow *f)
{
    if (f->cur_dir < 0)
        return;
    f->open_partial = 0;
    fputs(f->color ? RESET "\n" : "\n", f->out);
    f->cur_dir = -1;
}

static void header(struct follow *f, const struct mt_event *ev, const char *what)
{
    const struct mt_session_info *s = ev->session;
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN], t[MT_TIME_STRLEN];
    end_line(f);
    mt_endpoint_format(&s->client, c, sizeof c);
    mt_endpoint_format(&s->server, v, sizeof v);
    mt_time_format(s->start, t, sizeof t);
    if (f->printed)
        fputc('\n', f->out);
    const char *proto = ev->state ? mt_proto_name(ev->state->proto) : "unknown";
    fprintf(f->out, "%s== session %llu%s %s %s -> %s %s ==%s\n", f->color ? BOLD : "",
            (unsigned long long)s->id, what, t, c, v, proto, f->color ? RESET : "");
    f->printed = 1;
    f->cur_session = s->id;
}

static void begin_line(struct follow *f, enum mt_dir dir, const char *label)
{
    fprintf(f->out, "%s%s %-*s ", dir_color(f, dir), dir == MT_DIR_CLIENT ? "C" : "S",
            LABEL_WIDTH, label);
    f->cur_dir = (int)dir;
}

static void switch_to(struct follow *f, const struct mt_event *ev, enum mt_dir dir)
{
    if (f->cur_session != ev->session->id)
        header(f, ev, " continued:");
    if (f->cur_dir >= 0 && f->cur_dir != (int)dir)
        end_line(f);
}

/* Writes text with its secret spans in reverse video (masked with --mask). */
static void put_spans(struct follow *f, const uint8_t *p, size_t n, const struct mt_message *m)
{
    size_t at = 0;
    for (size_t i = 0; i < m->nspans; i++) {
        size_t so = m->spans[i].off, sl = m->spans[i].len;
        if (so < at || so >= n)
            continue;
        if (sl > n - so)
            sl = n - so;
        put_text(f, p + at, so - at);
        if (f->color)
            fputs(REV, f->out);
        if (f->mask && m->spans[i].secret) {
            uint8_t *buf = malloc(sl ? sl : 1);
            if (buf) {
                size_t k = mt_mask(p + so, sl, buf, sl);
                put_text(f, buf, k);
                free(buf);
            }
        } else {
            put_text(f, p + so, sl);
        }
        if (f->color)
            fputs(UNREV, f->out);
        at = so + sl;
    }
    put_text(f, p + at, n - at);
}

/* A SASL message as it decodes, under its base64 line: highlighted whole
 * when it exposes something, and masked whole with --mask unless it is
 * known to carry only a user name. */
static void decoded_line(struct follow *f, const struct mt_event *ev)
{
    const struct mt_message *m = ev->msg;
    struct mt_message d = {.nspans = m->nspans > 0 || m->decoded_secret};
    d.spans[0] = (struct mt_span){0, m->decoded_len, m->decoded_secret};
    begin_line(f, ev->dir, "(decoded)");
    put_spans(f, m->decoded, m->decoded_len, &d);
    if (m->decoded_cut)
        fputs(f->color ? DIM "[cut]" UNDIM : "[cut]", f->out);
    end_line(f);
}

/* --explain: under a labelled line, what it means and where it is
 * defined (our own text from the catalogues, not the wire's). */
static void explain_line(struct follow *f)
{
    const char *ref = NULL;
    const char *what =
        mt_explain(f->explain_proto, f->explain_dir, f->explain_kind, f->explain_label, &ref);
    f->explain_pending = 0;
    if (!what)
        return;
    fprintf(f->out, "%s%*s= %s%s%s%s%s\n", f->color ? DIM : "", LABEL_WIDTH + 3, "", what,
            ref ? " (" : "", ref ? ref : "", ref ? ")" : "", f->color ? UNDIM : "");
}

static void message(struct follow *f, const struct mt_event *ev)
{
    const struct mt_message *m = ev->msg;
    switch_to(f, ev, ev->dir);
    /* After a message that ended without a line end (the last bytes of a
     * literal), the next one of that direction goes on on the same line,
     * as the bytes are on the wire. */
    if (!(f->open_partial && f->cur_dir == (int)ev->dir)) {
        end_line(f);
        begin_line(f, ev->dir, m->label);
        if (f->explain && m->label[0] && ev->state) {
            snprintf(f->explain_label, sizeof f->explain_label, "%s", m->label);
            f->explain_pending = 1;
            f->explain_proto = ev->state->proto;
            f->explain_dir = ev->dir;
            f->explain_kind = m->kind;
        }
    }
    put_spans(f, m->text, m->len, m);
    if (m->truncated)
        fputs(f->color ? DIM "[line cut: --max-line or --max-parse-mem]" UNDIM
                       : "[line cut: --max-line or --max-parse-mem]",
              f->out);
    f->open_partial = m->partial;
    if (!m->partial)
        end_line(f);
    if (!m->partial && f->explain_pending)
        explain_line(f);
    if (m->decoded && !m->partial)
        decoded_line(f, ev);
}

static void put_bytes_or_mask(struct follow *f, const struct mt_bytes *b, int secret)
{
    if (!b->present) {
        fputs("-", f->out);
        return;
    }
    if (secret && f->mask) {
        uint8_t *buf = malloc(b->len ? b->len : 1);
        if (buf) {
            size_t k = mt_mask(b->p, b->len, buf, b->len);
            put_text(f, buf, k);
            free(buf);
        }
        return;
    }
    put_text(f, b->p, b->len);
}

static void credential(struct follow *f, const struct mt_event *ev)
{
    const struct mt_credential *c = ev->cred;
    if (f->cur_session != ev->session->id)
        header(f, ev, " continued:");
    end_line(f);
    fprintf(f->out, "%s** credential: %s %s via %s, user ", f->color ? BOLD : "",
            mt_proto_name(c->proto), c->mech, c->via);
    put_bytes_or_mask(f, &c->user, 0);
    if (c->user.truncated)
        fputs(" (cut short)", f->out);
    if (c->password.present) {
        fputs(", password ", f->out);
        put_bytes_or_mask(f, &c->password, 1);
        if (c->password.truncated)
            fputs(" (cut short)", f->out);
    }
    if (c->service.present) {
        fputs(", for the service ", f->out);
        put_bytes_or_mask(f, &c->service, 0);
    }
    if (c->hash) {
        struct mt_bytes h = {(const uint8_t *)c->hash, strlen(c->hash), 1, 0};
        fputs(", crackable ", f->out);
        put_bytes_or_mask(f, &h, 1);
    }
    fprintf(f->out, ": %s%s%s%s\n", mt_result_name(c->result),
            c->starttls_offered ? " (STARTTLS was offered)" : "", c->tls ? " (inside TLS)" : "",
            f->color ? RESET : "");
}

static int follow_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct follow *f = ctx;
    (void)slot;
    switch (ev->type) {
    case MT_EV_SESSION_START:
        header(f, ev, ":");
        break;
    case MT_EV_DATA:
    case MT_EV_DECRYPTED:
        break; /* the messages say it better */
    case MT_EV_MESSAGE:
        message(f, ev);
        break;
    case MT_EV_GAP: {
        char n[32];
        snprintf(n, sizeof n, "%llu", (unsigned long long)ev->gap);
        switch_to(f, ev, ev->dir);
        end_line(f);
        begin_line(f, ev->dir, "");
        fprintf(f->out, "%s[%s bytes missing]%s", f->color ? BOLD : "", n, f->color ? RESET : "");
        end_line(f);
        break;
    }
    case MT_EV_CREDENTIAL:
        credential(f, ev);
        break;
    case MT_EV_TLS:
        if (f->cur_session != ev->session->id)
            header(f, ev, " continued:");
        end_line(f);
        fprintf(f->out, "%s== %s%s%s%s", f->color ? BOLD : "", ev->tls->version,
                ev->tls->cipher ? " " : "", ev->tls->cipher ? ev->tls->cipher : "",
                ev->tls->sni[0] ? ", SNI " : "");
        put_text(f, (const uint8_t *)ev->tls->sni, strlen(ev->tls->sni));
        fprintf(f->out, "%s%s: %s ==%s\n", ev->tls->ja4[0] ? ", JA4 " : "", ev->tls->ja4,
                ev->tls->outcome_text, f->color ? RESET : "");
        break;
    case MT_EV_SESSION_END:
        if (f->cur_session != ev->session->id)
            header(f, ev, " continued:");
        end_line(f);
        fprintf(f->out, "%s== session %llu %s", f->color ? BOLD : "",
                (unsigned long long)ev->session->id, mt_close_reason_name(ev->reason));
        if (ev->state && ev->state->tls)
            fprintf(f->out, "; %llu bytes from the client, %llu from the server",
                    (unsigned long long)ev->state->bytes[MT_DIR_CLIENT],
                    (unsigned long long)ev->state->bytes[MT_DIR_SERVER]);
        fprintf(f->out, " ==%s\n", f->color ? RESET : "");
        break;
    case MT_EV_CERT: {
        char nb[MT_TIME_STRLEN], na[MT_TIME_STRLEN];
        mt_time_format(ev->cert->not_before * 1000000, nb, sizeof nb);
        mt_time_format(ev->cert->not_after * 1000000, na, sizeof na);
        if (f->cur_session != ev->session->id)
            header(f, ev, " continued:");
        end_line(f);
        fprintf(f->out, "%s== certificate: ", f->color ? BOLD : "");
        put_text(f, (const uint8_t *)ev->cert->subject, strlen(ev->cert->subject));
        fputs(", issuer ", f->out);
        put_text(f, (const uint8_t *)ev->cert->issuer, strlen(ev->cert->issuer));
        fprintf(f->out, "%s, valid %.10s to %.10s ==%s\n",
                ev->cert->self_signed ? " (self-signed)" : "", nb, na, f->color ? RESET : "");
        break;
    }
    case MT_EV_SOFTWARE: {
        const struct mt_software *sw = &ev->state->software[ev->dir];
        if (f->cur_session != ev->session->id)
            header(f, ev, " continued:");
        end_line(f);
        fprintf(f->out, "%s== %s software: ", f->color ? BOLD : "",
                ev->dir == MT_DIR_CLIENT ? "client" : "server");
        put_text(f, sw->name, sw->len);
        fprintf(f->out, "%s (%s) ==%s\n", sw->truncated ? " (cut short)" : "", sw->source,
                f->color ? RESET : "");
        break;
    }
    case MT_EV_WARNING:
        if (ev->session && f->cur_session != ev->session->id)
            header(f, ev, " continued:");
        end_line(f);
        fputs("!! ", f->out);
        put_text(f, (const uint8_t *)ev->text, strlen(ev->text));
        fputc('\n', f->out);
        break;
    }
    return mt_outstream_check(&f->os);
}

static int follow_finish(void *ctx)
{
    struct follow *f = ctx;
    end_line(f);
    return mt_outstream_finish(&f->os);
}

static const char *follow_error(void *ctx)
{
    struct follow *f = ctx;
    return mt_outstream_error(&f->os);
}

int mt_follow_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink)
{
    struct follow *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->out = out;
    mt_outstream_init(&f->os, out, "standard output");
    f->color = o->color;
    f->mask = o->mask;
    f->explain = o->explain;
    f->cur_dir = -1;
    *sink = (struct mt_sink){follow_event, follow_finish, follow_error, free, f, MT_READS_ALL};
    return 0;
}
