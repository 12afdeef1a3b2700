/* --creds: one row per credential, in the order the logins were judged,
 * and nothing else. Rows are written as they come (it works live), so the
 * columns have fixed minimum widths rather than widths fitted to the data. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/output.h"
#include "mailtap/outstream.h"
#include "mailtap/render.h"

struct creds {
    FILE *out;
    struct mt_outstream os; /* failures of out, with their reason */
    int mask;
    int header_done;
};

enum { W_TIME = 27, W_ENDS = 44, W_PROTO = 11, W_MECH = 11, W_RESULT = 7, W_USER = 16 };

/* Display width of rendered (safe, UTF-8) text: its code points. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void cell(FILE *f, const char *s, size_t w)
{
    fputs(s, f);
    for (size_t k = width(s); k < w; k++)
        fputc(' ', f);
    fputs("  ", f);
}

/* Bytes from the wire, made safe for a terminal (escapes), in a new
 * string; masked first when asked. NULL if out of memory. */
static char *safe(const uint8_t *p, size_t n, int mask)
{
    uint8_t *m = NULL;
    if (mask) {
        if (!(m = malloc(n ? n : 1)))
            return NULL;
        n = mt_mask(p, n, m, n);
        p = m;
    }
    size_t cap = n * 10 + 1; /* the longest escape of one byte is "\u{XXXX}" for 3 */
    char *s = malloc(cap);
    if (s)
        mt_render_buf(s, cap, p, n, 0);
    free(m);
    return s;
}

static void header(struct creds *c)
{
    cell(c->out, "TIME", W_TIME);
    cell(c->out, "CLIENT -> SERVER", W_ENDS);
    cell(c->out, "PROTO", W_PROTO);
    cell(c->out, "MECH", W_MECH);
    cell(c->out, "RESULT", W_RESULT);
    cell(c->out, "USER", W_USER);
    fputs("PASSWORD OR HASH\n", c->out);
    c->header_done = 1;
}

static void row(struct creds *c, const struct mt_event *ev)
{
    const struct mt_credential *cr = ev->cred;
    char t[MT_TIME_STRLEN], a[MT_ENDPOINT_STRLEN], b[MT_ENDPOINT_STRLEN];
    char ends[2 * MT_ENDPOINT_STRLEN + 8];
    mt_time_format(cr->ts, t, sizeof t);
    mt_endpoint_format(&ev->session->client, a, sizeof a);
    mt_endpoint_format(&ev->session->server, b, sizeof b);
    snprintf(ends, sizeof ends, "%s -> %s", a, b);
    char *user = cr->user.present ? safe(cr->user.p, cr->user.len, 0) : NULL;
    char *secret = NULL;
    if (cr->password.present)
        secret = safe(cr->password.p, cr->password.len, c->mask);
    else if (cr->hash)
        secret = safe((const uint8_t *)cr->hash, strlen(cr->hash), c->mask);
    char mech[64];
    mt_render_buf(mech, sizeof mech, (const uint8_t *)cr->mech, strlen(cr->mech), 0);
    cell(c->out, t, W_TIME);
    cell(c->out, ends, W_ENDS);
    cell(c->out, mt_proto_name(cr->proto), W_PROTO);
    cell(c->out, mech, W_MECH);
    cell(c->out, mt_result_name(cr->result), W_RESULT);
    cell(c->out, user ? user : "-", W_USER);
    fputs(secret ? secret : "-", c->out);
    if (!secret && cr->service.present) { /* GSSAPI: no secret, but whom it was for */
        char *svc = safe(cr->service.p, cr->service.len, 0);
        fprintf(c->out, " (for %s)", svc ? svc : "?");
        free(svc);
    }
    int user_cut = cr->user.truncated, pass_cut = cr->password.present && cr->password.truncated;
    if (user_cut || pass_cut)
        fputs(!user_cut ? " [cut short]" : pass_cut ? " [user and password cut short]"
                                                     : " [user cut short]",
              c->out);
    fputc('\n', c->out);
    free(user);
    free(secret);
}

static int creds_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct creds *c = ctx;
    (void)slot;
    if (ev->type != MT_EV_CREDENTIAL)
        return 0;
    if (!c->header_done)
        header(c);
    row(c, ev);
    return mt_outstream_check(&c->os);
}

static int creds_finish(void *ctx)
{
    struct creds *c = ctx;
    if (!c->header_done)
        header(c); /* an empty table still says what it would hold */
    return mt_outstream_finish(&c->os);
}

static const char *creds_error(void *ctx)
{
    struct creds *c = ctx;
    return mt_outstream_error(&c->os);
}

int mt_creds_sink(FILE *out, const struct mt_output_opts *o, struct mt_sink *sink)
{
    struct creds *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->out = out;
    mt_outstream_init(&c->os, out, "standard output");
    c->mask = o->mask;
    *sink = (struct mt_sink){creds_event, creds_finish, creds_error, free, c, 0};
    return 0;
}
