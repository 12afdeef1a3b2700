#include <stdlib.h>
#include <string.h>

#include "mailtap/output.h"
#include "mailtap/render.h"

#define RED "\033[31m"
#define BLUE "\033[34m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define UNDIM "\033[22m"
#define RESET "\033[0m"

struct follow {
    FILE *out;
    int color;
    int printed;          /* anything written yet */
    uint64_t cur_session; /* session of the last line written (0 none) */
    int cur_dir;          /* direction of an unfinished line, -1 if none */
    int pending_cr;       /* that line ended in \r, maybe half of a \r\n */
};

static const char *dir_color(const struct follow *f, enum mt_dir dir)
{
    if (!f->color)
        return "";
    return dir == MT_DIR_CLIENT ? RED : BLUE;
}

static void end_line(struct follow *f)
{
    if (f->cur_dir < 0)
        return;
    if (f->pending_cr)
        fputs(f->color ? DIM "\\r" UNDIM : "\\r", f->out);
    f->pending_cr = 0;
    fputs(f->color ? RESET "\n" : "\n", f->out);
    f->cur_dir = -1;
}

static void header(struct follow *f, const struct mt_session_info *s, const char *what)
{
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN], t[MT_TIME_STRLEN];
    end_line(f);
    mt_endpoint_format(&s->client, c, sizeof c);
    mt_endpoint_format(&s->server, v, sizeof v);
    mt_time_format(s->start, t, sizeof t);
    if (f->printed)
        fputc('\n', f->out);
    fprintf(f->out, "%s== session %llu%s %s %s -> %s ==%s\n", f->color ? BOLD : "",
            (unsigned long long)s->id, what, t, c, v, f->color ? RESET : "");
    f->printed = 1;
    f->cur_session = s->id;
}

/* Starts a line of one direction: a "C "/"S " gutter, then its color. */
static void begin_line(struct follow *f, enum mt_dir dir)
{
    fprintf(f->out, "%s%s ", dir_color(f, dir), dir == MT_DIR_CLIENT ? "C" : "S");
    f->cur_dir = (int)dir;
}

static void switch_to(struct follow *f, const struct mt_session_info *s, enum mt_dir dir)
{
    if (f->cur_session != s->id)
        header(f, s, " continued:");
    if (f->cur_dir >= 0 && f->cur_dir != (int)dir)
        end_line(f);
}

static void data(struct follow *f, const struct mt_event *ev)
{
    switch_to(f, ev->session, ev->dir);
    const uint8_t *p = ev->data;
    size_t n = ev->len, i = 0;
    const char *on = f->color ? DIM : NULL, *off = f->color ? UNDIM : NULL;
    if (f->pending_cr) {
        f->pending_cr = 0;
        if (n > 0 && p[0] == '\n') {
            end_line(f);
            i = 1;
        } else {
            mt_render_file(f->out, (const uint8_t *)"\r", 1, 0, on, off);
        }
    }
    while (i < n) {
        if (f->cur_dir < 0)
            begin_line(f, ev->dir);
        /* Up to and including the end of this line. */
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n;
        size_t body = end;
        if (nl && body > i && p[body - 1] == '\r')
            body--;
        if (!nl) {
            /* A trailing \r may be the first half of a \r\n. */
            if (p[n - 1] == '\r') {
                mt_render_file(f->out, p + i, n - 1 - i, MT_RENDER_TABS, on, off);
                f->pending_cr = 1;
            } else {
                mt_render_file(f->out, p + i, n - i, MT_RENDER_TABS, on, off);
            }
            break;
        }
        mt_render_file(f->out, p + i, body - i, MT_RENDER_TABS, on, off);
        end_line(f);
        i = end + 1;
    }
}

static int follow_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct follow *f = ctx;
    (void)slot;
    switch (ev->type) {
    case MT_EV_SESSION_START:
        header(f, ev->session, ":");
        break;
    case MT_EV_DATA:
        data(f, ev);
        break;
    case MT_EV_GAP:
        switch_to(f, ev->session, ev->dir);
        end_line(f);
        begin_line(f, ev->dir);
        fprintf(f->out, "%s[%llu bytes missing]%s", f->color ? BOLD : "",
                (unsigned long long)ev->gap, f->color ? RESET : "");
        end_line(f);
        break;
    case MT_EV_SESSION_END:
        if (f->cur_session != ev->session->id)
            header(f, ev->session, " continued:");
        end_line(f);
        fprintf(f->out, "%s== session %llu %s ==%s\n", f->color ? BOLD : "",
                (unsigned long long)ev->session->id, mt_close_reason_name(ev->reason),
                f->color ? RESET : "");
        break;
    case MT_EV_WARNING:
        end_line(f);
        fputs("!! ", f->out);
        mt_render_file(f->out, (const uint8_t *)ev->text, strlen(ev->text), 0, NULL, NULL);
        fputc('\n', f->out);
        break;
    }
    return ferror(f->out) ? -1 : 0;
}

static int follow_finish(void *ctx)
{
    struct follow *f = ctx;
    end_line(f);
    return fflush(f->out) == 0 && !ferror(f->out) ? 0 : -1;
}

static const char *follow_error(void *ctx)
{
    (void)ctx;
    return "standard output: write error";
}

int mt_follow_sink(FILE *out, int color, struct mt_sink *sink)
{
    struct follow *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->out = out;
    f->color = color;
    f->cur_dir = -1;
    *sink = (struct mt_sink){follow_event, follow_finish, follow_error, free, f};
    return 0;
}
