/* The ncurses front end: layout, drawing, keys and the event loop. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* wcwidth() */
#endif
#include "mailtap/tui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "mailtap/capture.h"
#include "mailtap/outstream.h"
#include "mailtap/render.h"

enum { PANE_SESSIONS, PANE_CONV, PANE_CREDS };
enum { FILTER_ALL, FILTER_CREDS, FILTER_CLEAR, FILTER_POP3, FILTER_IMAP, FILTER_SMTP, FILTER_N };
static const char *const filter_names[FILTER_N] = {
    "all sessions", "with credentials", "cleartext only", "POP3", "IMAP", "SMTP"};

enum { PAIR_CLIENT = 1, PAIR_SERVER, PAIR_STATUS, PAIR_CRED, PAIR_CLEAR, PAIR_TLS, PAIR_STARTTLS };

#define GUTTER 15           /* "C LABEL        " */
#define TEXT_MAX 65536       /* longest line read back for display */
#define FRAME_US 50000       /* at most 20 redraws a second */
#define PUMP_US 30000        /* packets processed between looks at the keyboard */

static volatile sig_atomic_t quit_requested;
static int curses_active;

static void on_quit_signal(int sig)
{
    (void)sig;
    quit_requested = 1;
}

static void restore_terminal(void)
{
    if (curses_active) {
        endwin();
        curses_active = 0;
    }
}

/* On a crash endwin() cannot be called (it is not async-signal-safe), but
 * the terminal must not be left raw and on the alternate screen: put back
 * the modes saved at start and leave the alternate screen with plain
 * writes, then let the previous handler (the default action, or a
 * sanitizer's report) take the signal when the fault happens again. */
static struct termios saved_tty;
static int have_saved_tty;
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction old_fatal[sizeof fatal_signals / sizeof fatal_signals[0]];

static void on_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    if (curses_active) {
        if (have_saved_tty)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        ssize_t w = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)w;
        curses_active = 0;
    }
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &old_fatal[i], NULL);
    /* A fault happens again when the instruction is retried, now in the
     * previous handler; a signal sent by kill(), or abort()'s, must be
     * raised again. */
    if (sig == SIGABRT || !info || info->si_code <= 0)
        raise(sig);
}

static void catch_fatal_signals(void)
{
    have_saved_tty = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &old_fatal[i]);
}

static void release_fatal_signals(void)
{
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &old_fatal[i], NULL);
}

struct ui {
    struct mt_tui_model *m;
    const struct mt_tui_source *src;
    int color, utf8, mask;
    int focus;
    int filter, sort_creds;
    size_t *vis, nvis, vis_cap; /* sessions shown, in order */
    size_t sel, top;            /* in vis */
    size_t csel, ctop;          /* in credentials */
    size_t conv_session;        /* index into sessions, or SIZE_MAX */
    uint64_t conv_top, conv_cur;
    size_t hscroll;
    int paused, eof, help;
    int key_fd;                 /* where keys come from: stdin, or /dev/tty */
    FILE *key_in;               /* opened here when stdin is the capture */
    int src_status;
    char prompt_kind;           /* 0, '/', 's' */
    char input[256];
    size_t input_len;
    char search[256];
    char message[640];
    uint64_t drawn_changes;
    int64_t started_us;
    uint8_t *text;              /* TEXT_MAX bytes for reading records */
    int list_rows;              /* rows of the top pane (rows of data) */
    int conv_row0, conv_rows;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- the list of sessions shown ------------------------------------------------ */

static int session_passes(const struct ui *u, const struct mt_tui_session *s)
{
    switch (u->filter) {
    case FILTER_CREDS: return s->creds > 0;
    case FILTER_CLEAR: return !s->tls;
    case FILTER_POP3: return s->proto == MT_PROTO_POP3;
    case FILTER_IMAP: return s->proto == MT_PROTO_IMAP;
    case FILTER_SMTP: return s->proto == MT_PROTO_SMTP;
    }
    return 1;
}

static const struct ui *sort_ui;

static int by_creds(const void *a, const void *b)
{
    const struct mt_tui_session *x = &sort_ui->m->s[*(const size_t *)a];
    const struct mt_tui_session *y = &sort_ui->m->s[*(const size_t *)b];
    if (x->creds != y->creds)
        return x->creds < y->creds ? 1 : -1;
    return x->info.id < y->info.id ? -1 : x->info.id > y->info.id;
}

static void rebuild_list(struct ui *u)
{
    size_t keep = u->conv_session;
    if (u->vis_cap < u->m->n) {
        size_t cap = u->m->n + 1024;
        size_t *nv = realloc(u->vis, cap * sizeof *nv);
        if (!nv)
            return;
        u->vis = nv;
        u->vis_cap = cap;
    }
    u->nvis = 0;
    for (size_t i = 0; i < u->m->n; i++)
        if (session_passes(u, &u->m->s[i]))
            u->vis[u->nvis++] = i;
    if (u->sort_creds) {
        sort_ui = u;
        qsort(u->vis, u->nvis, sizeof *u->vis, by_creds);
    }
    /* Keep the selection on the same session when it is still shown. */
    for (size_t k = 0; keep != SIZE_MAX && k < u->nvis; k++)
        if (u->vis[k] == keep)
            u->sel = k;
    if (u->sel >= u->nvis)
        u->sel = u->nvis ? u->nvis - 1 : 0;
}

static void select_session(struct ui *u)
{
    size_t s = u->nvis ? u->vis[u->sel] : SIZE_MAX;
    if (s != u->conv_session) {
        u->conv_session = s;
        u->conv_top = u->conv_cur = 0;
        u->hscroll = 0;
    }
}

/* --- drawing text safely -------------------------------------------------- */

/* How the next glyph of p[0..n) is shown: its text, columns and whether it
 * is an escape (dimmed). Returns the input bytes it covers. */
struct shown {
    const char *t;
    size_t tl;
    int w;
    int escape;
    struct mt_glyph g;
    char esc[16];
};

static size_t next_shown(const struct ui *u, const uint8_t *p, size_t n, struct shown *s)
{
    size_t used = mt_render_next(p, n, MT_RENDER_TABS, &s->g);
    s->t = s->g.text;
    s->tl = s->g.len;
    s->w = (int)s->tl;
    s->escape = s->g.kind == MT_GLYPH_ESCAPE;
    if (s->g.kind == MT_GLYPH_TEXT && (unsigned char)s->t[0] >= 0x80) {
        wchar_t wc;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        if (u->utf8 && mbrtowc(&wc, s->t, s->tl, &st) == s->tl && wcwidth(wc) >= 0) {
            s->w = wcwidth(wc);
        } else { /* the terminal cannot show it: an escape instead */
            uint32_t cp = 0;
            mt_utf8_sequence(p, n, &cp);
            snprintf(s->esc, sizeof s->esc, "\\u{%04X}", (unsigned)cp);
            s->t = s->esc, s->tl = strlen(s->esc), s->w = (int)s->tl;
            s->escape = 1;
        }
    } else if (s->g.kind == MT_GLYPH_TEXT && s->t[0] == '\t') {
        s->t = " ", s->tl = 1, s->w = 1;
    }
    return used;
}

/* Columns p[0..n) takes on screen. */
static size_t text_cols(const struct ui *u, const uint8_t *p, size_t n)
{
    size_t cols = 0, i = 0;
    struct shown s;
    while (i < n) {
        i += next_shown(u, p + i, n - i, &s);
        cols += (size_t)s.w;
    }
    return cols;
}

/* Writes p[0..n) at (y, x), at most maxw columns, after skipping skip
 * columns; secret spans in reverse video; escapes dimmed. Returns columns. */
static int draw_text(struct ui *u, int y, int x, int maxw, size_t skip, const uint8_t *p, size_t n,
                     attr_t base, const uint32_t *soff, const uint32_t *slen, int nspans)
{
    int col = 0;
    size_t seen = 0, i = 0;
    struct shown s;
    while (i < n && col < maxw) {
        size_t at = i;
        i += next_shown(u, p + i, n - i, &s);
        attr_t a = base | (s.escape ? A_DIM : 0);
        for (int k = 0; k < nspans; k++)
            if (at >= soff[k] && at < (size_t)soff[k] + slen[k])
                a |= A_REVERSE;
        if (seen < skip) {
            seen += (size_t)s.w;
            continue;
        }
        if (col + s.w > maxw)
            break;
        attrset(a);
        mvaddnstr(y, x + col, s.t, (int)s.tl);
        col += s.w;
    }
    attrset(A_NORMAL);
    return col;
}

/* The first row to show so that the cursor stays on a pane of rows. */
static uint64_t scroll_to(uint64_t cursor, uint64_t top, int rows)
{
    if (cursor < top)
        return cursor;
    if (rows > 0 && cursor >= top + (uint64_t)rows)
        return cursor - (uint64_t)rows + 1;
    return top;
}

static void draw_str(int y, int x, int maxw, const char *s, attr_t a)
{
    if (maxw <= 0)
        return;
    attrset(a);
    mvaddnstr(y, x, s, maxw);
    attrset(A_NORMAL);
}

static attr_t dir_attr(const struct ui *u, int dir)
{
    if (u->color)
        return COLOR_PAIR(dir == MT_DIR_CLIENT ? PAIR_CLIENT : PAIR_SERVER);
    /* Without colors, attributes tell the sides apart (and the C/S mark). */
    return dir == MT_DIR_CLIENT ? A_BOLD : A_UNDERLINE;
}

/* --- the panes -------------------------------------------------------------------- */

static void fmt_bytes(uint64_t b, char *out, size_t cap)
{
    if (b < 10000)
        snprintf(out, cap, "%llu", (unsigned long long)b);
    else if (b < 10000000)
        snprintf(out, cap, "%lluk", (unsigned long long)(b / 1000));
    else
        snprintf(out, cap, "%lluM", (unsigned long long)(b / 1000000));
}

static void fmt_clock(mt_time_us t, char *out, size_t cap)
{
    char full[MT_TIME_STRLEN];
    mt_time_format(t, full, sizeof full);
    snprintf(out, cap, "%.8s", full + 11); /* HH:MM:SS */
}

static void draw_status(struct ui *u)
{
    uint64_t packets = 0, drops = 0;
    u->src->counts(u->src->ctx, &packets, &drops);
    int64_t secs = (now_us() - u->started_us) / 1000000;
    const char *state = u->paused ? "PAUSED" : u->src->live ? "LIVE" : u->src->replay ? "REPLAY" : "FILE";
    struct mt_spool_stats sst;
    mt_spool_get_stats(u->m->spool, &sst);
    int not_kept = u->m->sessions_not_kept || u->m->creds_not_kept || sst.dropped;
    /* The counts, the state and what a limit kept out matter more than a
     * long path. When the line is wider than the screen the name gives way
     * to its last component, then the rest takes its short form, then the
     * name keeps only its tail (whole characters, measured in columns). */
    char clock[32], counts[256], kept[256] = "";
    snprintf(clock, sizeof clock, "%02lld:%02lld:%02lld", (long long)secs / 3600,
             (long long)secs / 60 % 60, (long long)secs % 60);
    const char *full = u->src->name, *slash = strrchr(full, '/');
    const char *base = slash && slash[1] ? slash + 1 : full;
    const char *prefix = " mailtap  ";
    const uint8_t *name = (const uint8_t *)full;
    size_t nlen = strlen(full), ncols = 0, cols = (size_t)(COLS > 0 ? COLS : 0);
    int dots = 0;
    for (int tier = 0; tier < 4; tier++) {
        /* The long form, or from tier 2 the short one. */
        static const char *const word[2][4] = {{"packets", "sessions", "credentials", "dropped"},
                                               {"pkts", "sess", "creds", "drop"}};
        static const char *const after[2][3] = {
            {" (--tui-sessions), ", " (--tui-creds), ", " (--spool-max)"}, {"  ", "  ", ""}};
        int brief = tier >= 2;
        const char *const *w = word[brief];
        snprintf(counts, sizeof counts, "  |%s%llu %s  %zu %s  %zu %s  %llu %s  %s  %s%s",
                 brief ? " " : "  ", (unsigned long long)packets, w[0], u->m->n, w[1], u->m->nc,
                 w[2], (unsigned long long)drops, w[3], clock, state, u->mask ? "  MASKED" : "");
        if (not_kept)
            snprintf(kept, sizeof kept, "  | not kept: %llu %s%s%llu %s%s%llu lines%s",
                     (unsigned long long)u->m->sessions_not_kept, w[1], after[brief][0],
                     (unsigned long long)u->m->creds_not_kept, w[2], after[brief][1],
                     (unsigned long long)sst.dropped, after[brief][2]);
        if (tier > 0) {
            name = (const uint8_t *)base;
            nlen = strlen(base);
        }
        ncols = text_cols(u, name, nlen);
        size_t used = strlen(prefix) + strlen(counts) + strlen(kept);
        if (used + ncols <= cols)
            break;
        if (tier == 3) {
            /* The tail that fits behind "...", at least 12 columns of it. */
            size_t room = cols > used + 3 ? cols - used - 3 : 0;
            if (room < 12)
                room = 12;
            size_t off = 0;
            struct shown sh;
            while (off < nlen && ncols > room) {
                off += next_shown(u, name + off, nlen - off, &sh);
                ncols -= (size_t)sh.w;
            }
            dots = off > 0;
            name += off;
            nlen -= off;
        }
    }
    attr_t a = u->color ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
    attrset(a);
    mvhline(0, 0, ' ', COLS);
    int x = 0;
    draw_str(0, x, COLS - x, prefix, a);
    x += (int)strlen(prefix);
    if (dots && x < COLS) {
        draw_str(0, x, COLS - x, "...", a);
        x += 3;
    }
    if (x < COLS)
        x += draw_text(u, 0, x, COLS - x, 0, name, nlen, a, NULL, NULL, 0);
    if (x < COLS)
        draw_str(0, x, COLS - x, counts, a);
    x += (int)strlen(counts);
    if (x < COLS && kept[0])
        draw_str(0, x, COLS - x, kept, a);
    attrset(A_NORMAL);
}

static const char *badge(const struct mt_tui_session *s, attr_t *a, int color)
{
    if (s->tls && !s->starttls) {
        *a = color ? COLOR_PAIR(PAIR_TLS) : A_BOLD;
        return "TLS";
    }
    if (s->starttls) {
        *a = color ? COLOR_PAIR(PAIR_STARTTLS) : A_BOLD;
        return "STARTTLS";
    }
    *a = color ? COLOR_PAIR(PAIR_CLEAR) : A_REVERSE;
    return "CLEARTEXT";
}

static void draw_sessions(struct ui *u, int y0, int rows)
{
    int w = COLS;
    /* id, proto, security, creds, bytes and a short state take 43 columns,
     * the clock 9 more when there is room; the endpoints get the rest. */
    int with_time = w >= 100;
    int ends_w = w - 43 - (with_time ? 9 : 0);
    if (ends_w < 16)
        ends_w = 16;
    if (ends_w > 60)
        ends_w = 60;
    char head[256];
    snprintf(head, sizeof head, "%5s %s%-*s %-5s %-9s %5s %6s %s%s", "#", with_time ? "TIME     " : "",
             ends_w, "CLIENT -> SERVER", "PROTO", "SECURITY", "CREDS", "BYTES", "STATE",
             u->sort_creds ? "  (by credentials)" : "");
    draw_str(y0, 0, w, head, A_BOLD | (u->focus == PANE_SESSIONS ? A_UNDERLINE : 0));
    u->top = (size_t)scroll_to(u->sel, u->top, rows);
    for (int r = 0; r < rows; r++) {
        size_t k = u->top + (size_t)r;
        if (k >= u->nvis)
            break;
        const struct mt_tui_session *s = &u->m->s[u->vis[k]];
        char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN], ends[2 * MT_ENDPOINT_STRLEN + 8];
        char t[16], b[16];
        mt_endpoint_format(&s->info.client, c, sizeof c);
        mt_endpoint_format(&s->info.server, v, sizeof v);
        snprintf(ends, sizeof ends, "%s -> %s", c, v);
        fmt_clock(s->info.start, t, sizeof t);
        fmt_bytes(s->bytes, b, sizeof b);
        int y = y0 + 1 + r;
        attr_t rowa = k == u->sel ? (u->focus == PANE_SESSIONS ? A_REVERSE : A_BOLD) : A_NORMAL;
        char pre[160];
        snprintf(pre, sizeof pre, "%5llu %s%s%-*.*s %-5s ", (unsigned long long)s->info.id,
                 with_time ? t : "", with_time ? " " : "", ends_w, ends_w, ends,
                 mt_proto_name(s->proto));
        if (k == u->sel) {
            attrset(rowa);
            mvhline(y, 0, ' ', w);
        }
        draw_str(y, 0, w, pre, rowa);
        int x = (int)strlen(pre);
        attr_t ba;
        const char *bn = badge(s, &ba, u->color);
        draw_str(y, x, w - x, bn, ba);
        x += 10;
        char cr[24];
        snprintf(cr, sizeof cr, s->creds ? "*%llu" : "-", (unsigned long long)s->creds);
        attr_t ca = s->creds ? (u->color ? COLOR_PAIR(PAIR_CRED) | A_BOLD : A_BOLD | A_STANDOUT)
                             : rowa;
        snprintf(pre, sizeof pre, "%5s", cr);
        draw_str(y, x, w - x, pre, ca);
        x += 5;
        snprintf(pre, sizeof pre, " %6s %s", b, mt_tui_state_name(s->state));
        draw_str(y, x, w - x, pre, rowa);
    }
}

static void draw_creds(struct ui *u, int y0, int rows)
{
    int w = COLS;
    draw_str(y0, 0, w, "TIME       SESSION PROTO MECH         RESULT   USER             PASSWORD OR HASH",
             A_BOLD | A_UNDERLINE);
    u->ctop = (size_t)scroll_to(u->csel, u->ctop, rows);
    for (int r = 0; r < rows; r++) {
        size_t k = u->ctop + (size_t)r;
        if (k >= u->m->nc)
            break;
        const struct mt_tui_cred *c = &u->m->c[k];
        char t[16], line[512];
        fmt_clock(c->ts, t, sizeof t);
        snprintf(line, sizeof line, "%-10s %7llu %-5s %-12s %-8s %-16s ", t,
                 (unsigned long long)u->m->s[c->session].info.id, mt_proto_name(c->proto), c->mech,
                 mt_result_name(c->result), c->user);
        attr_t a = k == u->csel ? A_REVERSE : A_NORMAL;
        int y = y0 + 1 + r;
        if (k == u->csel) {
            attrset(a);
            mvhline(y, 0, ' ', w);
        }
        draw_str(y, 0, w, line, a);
        int x = (int)strlen(line);
        attr_t sa = a | (c->result == MT_RESULT_SUCCESS ? A_BOLD : 0);
        if (u->color && k != u->csel)
            sa |= COLOR_PAIR(PAIR_CLIENT);
        draw_str(y, x, w - x, u->mask ? c->masked : c->secret, sa);
    }
}

/* The text of a record, masked when asked (spans keep their places). */
static void mask_spans(uint8_t *t, size_t n, const struct mt_rec *r)
{
    for (int k = 0; k < r->nspans; k++) {
        if (!(r->secret_spans & (1u << k)))
            continue; /* user names stay readable */
        size_t o = r->span_off[k], l = r->span_len[k];
        if (o >= n)
            continue;
        if (l > n - o)
            l = n - o;
        uint8_t *tmp = malloc(l ? l : 1);
        if (!tmp) {
            memset(t + o, '*', l); /* out of memory: all hidden rather than shown */
            continue;
        }
        mt_mask(t + o, l, tmp, l);
        memcpy(t + o, tmp, l);
        free(tmp);
    }
}

static void draw_record(struct ui *u, int y, const struct mt_rec *r, long n, int cursor)
{
    int w = COLS;
    size_t len = n > 0 ? (size_t)n : 0;
    if (u->mask)
        mask_spans(u->text, len, r);
    attr_t base = r->type == MT_REC_NOTE ? A_BOLD : dir_attr(u, r->dir);
    if (r->type == MT_REC_NOTE && u->color && strncmp((const char *)u->text, "** ", 3) == 0)
        base |= COLOR_PAIR(PAIR_CRED);
    char gutter[GUTTER + 1];
    if (r->type == MT_REC_NOTE)
        snprintf(gutter, sizeof gutter, "%-*s", GUTTER, "");
    else
        snprintf(gutter, sizeof gutter, "%c %-12.12s ", r->dir == MT_DIR_CLIENT ? 'C' : 'S', r->label);
    char safe_gutter[64];
    mt_render_buf(safe_gutter, sizeof safe_gutter, (const uint8_t *)gutter, strlen(gutter), 0);
    draw_str(y, 0, w, safe_gutter, base | (cursor ? A_REVERSE : 0));
    int x = GUTTER;
    int col = draw_text(u, y, x, w - x, u->hscroll, u->text, len,
                        base | (r->type == MT_REC_GAP ? A_BOLD : 0), r->span_off, r->span_len,
                        r->nspans);
    if ((r->flags & (MT_REC_TRUNCATED | MT_REC_DECODED_CUT)) || len < r->len)
        draw_str(y, x + col, w - x - col, " [cut]", A_DIM);
}

static void draw_conversation(struct ui *u, int y0, int rows)
{
    if (u->conv_session == SIZE_MAX) {
        draw_str(y0, 0, COLS, u->m->n ? "" : "waiting for sessions...", A_DIM);
        return;
    }
    const struct mt_tui_session *s = &u->m->s[u->conv_session];
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN], t[MT_TIME_STRLEN], head[256];
    mt_endpoint_format(&s->info.client, c, sizeof c);
    mt_endpoint_format(&s->info.server, v, sizeof v);
    mt_time_format(s->info.start, t, sizeof t);
    snprintf(head, sizeof head, "session %llu  %s  %s -> %s  %s  %llu lines%s",
             (unsigned long long)s->info.id, t, c, v, mt_proto_name(s->proto),
             (unsigned long long)s->ix.count, u->hscroll ? "  (scrolled right)" : "");
    draw_str(y0, 0, COLS, head, A_BOLD | (u->focus == PANE_CONV ? A_UNDERLINE : 0));
    uint64_t count = s->ix.count;
    if (u->conv_cur >= count)
        u->conv_cur = count ? count - 1 : 0;
    u->conv_top = scroll_to(u->conv_cur, u->conv_top, rows);
    for (int r = 0; r < rows; r++) {
        uint64_t i = u->conv_top + (uint64_t)r;
        if (i >= count)
            break;
        struct mt_rec rec;
        long n = mt_spool_read(u->m->spool, &s->ix, i, &rec, u->text, TEXT_MAX);
        if (n < 0)
            break;
        draw_record(u, y0 + 1 + r, &rec, n, u->focus == PANE_CONV && i == u->conv_cur);
    }
}

static const char *const help_lines[] = {
    "mailtap keys",
    "",
    "  Up/Down, PgUp/PgDn      move in the pane",
    "  Home/End                first / last",
    "  Left/Right              scroll a conversation sideways",
    "  Tab                     next pane: sessions, conversation, credentials",
    "  Enter                   open the session / jump to where a credential was sent",
    "  /  n  N                 search the conversation, next, previous",
    "  f                       filter: all, with credentials, cleartext, POP3, IMAP, SMTP",
    "  o                       sort sessions by time / by credentials",
    "  m                       mask passwords and tokens",
    "  p                       pause / resume reading packets",
    "  s                       save the session's transcript to a file",
    "  ?                       this help          q  quit",
    "",
    "  C lines are the client (red), S lines the server (blue);",
    "  exposed secrets are in reverse video.",
};

static void draw_help(void)
{
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);
    int w = 0;
    for (int i = 0; i < n; i++)
        if ((int)strlen(help_lines[i]) > w)
            w = (int)strlen(help_lines[i]);
    w += 4;
    if (w > COLS)
        w = COLS;
    int y0 = (LINES - n - 2) / 2, x0 = (COLS - w) / 2;
    if (y0 < 0)
        y0 = 0;
    if (x0 < 0)
        x0 = 0;
    for (int i = -1; i <= n; i++) {
        attrset(A_REVERSE);
        mvhline(y0 + 1 + i, x0, ' ', w);
        if (i >= 0 && i < n)
            mvaddnstr(y0 + 1 + i, x0 + 2, help_lines[i], w - 2);
    }
    attrset(A_NORMAL);
}

static void draw_bottom(struct ui *u)
{
    int y = LINES - 1;
    move(y, 0);
    clrtoeol();
    if (u->prompt_kind) {
        char line[512];
        snprintf(line, sizeof line, "%s%.*s", u->prompt_kind == '/' ? "search: " : "save to: ",
                 (int)u->input_len, u->input);
        char safe[512];
        mt_render_buf(safe, sizeof safe, (const uint8_t *)line, strlen(line), 0);
        draw_str(y, 0, COLS, safe, A_BOLD);
        return;
    }
    if (u->message[0]) {
        draw_str(y, 0, COLS, u->message, A_BOLD);
        return;
    }
    char hint[256];
    snprintf(hint, sizeof hint,
             "Tab pane  Enter open  / search  f filter: %s  o sort  m mask  p pause  s save  ? help  q quit",
             filter_names[u->filter]);
    draw_str(y, 0, COLS, hint, A_DIM);
}

static void layout(struct ui *u)
{
    int avail = LINES - 2; /* status and bottom lines */
    int top = avail / 3;
    if (top < 4)
        top = avail > 6 ? 4 : avail / 2;
    u->list_rows = top - 1 > 0 ? top - 1 : 0;
    u->conv_row0 = 1 + top;
    u->conv_rows = avail - top - 1 > 0 ? avail - top - 1 : 0;
}

static void draw(struct ui *u)
{
    erase();
    layout(u);
    draw_status(u);
    if (u->focus == PANE_CREDS)
        draw_creds(u, 1, u->list_rows);
    else
        draw_sessions(u, 1, u->list_rows);
    draw_conversation(u, u->conv_row0, u->conv_rows);
    draw_bottom(u);
    if (u->help)
        draw_help();
    refresh();
    u->drawn_changes = u->m->changes;
}

/* --- actions -------------------------------------------------------------------- */

static int record_matches(struct ui *u, const struct mt_tui_session *s, uint64_t i)
{
    struct mt_rec r;
    long n = mt_spool_read(u->m->spool, &s->ix, i, &r, u->text, TEXT_MAX);
    size_t k = strlen(u->search);
    if (n < 0 || k == 0 || (size_t)n < k)
        return 0;
    if (u->mask) /* what is hidden cannot be found: no guessing a password */
        mask_spans(u->text, (size_t)n, &r);
    for (size_t at = 0; at + k <= (size_t)n; at++) {
        size_t j = 0;
        while (j < k) {
            int a = u->text[at + j], b = (unsigned char)u->search[j];
            if (a >= 'A' && a <= 'Z')
                a += 32;
            if (b >= 'A' && b <= 'Z')
                b += 32;
            if (a != b)
                break;
            j++;
        }
        if (j == k)
            return 1;
    }
    return 0;
}

static void search_step(struct ui *u, int forward)
{
    if (u->conv_session == SIZE_MAX || !u->search[0])
        return;
    const struct mt_tui_session *s = &u->m->s[u->conv_session];
    uint64_t n = s->ix.count;
    for (uint64_t step = 1; step <= n; step++) {
        uint64_t i = forward ? (u->conv_cur + step) % n : (u->conv_cur + n - step % n) % n;
        if (record_matches(u, s, i)) {
            u->conv_cur = i;
            u->focus = PANE_CONV;
            snprintf(u->message, sizeof u->message, "found '%s' at line %llu", u->search,
                     (unsigned long long)i + 1);
            return;
        }
    }
    snprintf(u->message, sizeof u->message, "'%s' not found in this session", u->search);
}

static void save_transcript(struct ui *u, const char *path)
{
    if (u->conv_session == SIZE_MAX) {
        snprintf(u->message, sizeof u->message, "no session selected");
        return;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(u->message, sizeof u->message, "%s: %s", path, strerror(errno));
        return;
    }
    struct mt_outstream os;
    mt_outstream_init(&os, f, path);
    const struct mt_tui_session *s = &u->m->s[u->conv_session];
    char c[MT_ENDPOINT_STRLEN], v[MT_ENDPOINT_STRLEN], t[MT_TIME_STRLEN];
    mt_endpoint_format(&s->info.client, c, sizeof c);
    mt_endpoint_format(&s->info.server, v, sizeof v);
    mt_time_format(s->info.start, t, sizeof t);
    fprintf(f, "== session %llu: %s %s -> %s %s ==\n", (unsigned long long)s->info.id, t, c, v,
            mt_proto_name(s->proto));
    uint64_t i;
    for (i = 0; i < s->ix.count; i++) {
        struct mt_rec r;
        long n = mt_spool_read(u->m->spool, &s->ix, i, &r, u->text, TEXT_MAX);
        if (n < 0)
            break;
        if (u->mask)
            mask_spans(u->text, (size_t)n, &r);
        if (r.type != MT_REC_NOTE) {
            char label[64];
            mt_render_buf(label, sizeof label, (const uint8_t *)r.label, strlen(r.label), 0);
            fprintf(f, "%c %-12s ", r.dir == MT_DIR_CLIENT ? 'C' : 'S', label);
        }
        mt_render_file(f, u->text, (size_t)n, MT_RENDER_TABS, NULL, NULL);
        fputc('\n', f);
        if (mt_outstream_check(&os) != 0)
            break;
    }
    int bad = mt_outstream_finish(&os);
    errno = 0;
    if (fclose(f) != 0 && !bad) {
        os.failed = 1;
        os.err = errno;
        bad = -1;
    }
    if (bad)
        snprintf(u->message, sizeof u->message, "%s", mt_outstream_error(&os));
    else if (i < s->ix.count)
        snprintf(u->message, sizeof u->message,
                 "saved %llu lines to %s; line %llu could not be read back from the spool",
                 (unsigned long long)i, path, (unsigned long long)i + 1);
    else
        snprintf(u->message, sizeof u->message, "saved %llu lines to %s", (unsigned long long)i,
                 path);
}

static void jump_to_credential(struct ui *u)
{
    if (u->csel >= u->m->nc)
        return;
    const struct mt_tui_cred *c = &u->m->c[u->csel];
    size_t k;
    for (k = 0; k < u->nvis && u->vis[k] != c->session; k++)
        ;
    if (k == u->nvis) { /* filtered out: show everything again */
        u->filter = FILTER_ALL;
        rebuild_list(u);
        for (k = 0; k < u->nvis && u->vis[k] != c->session; k++)
            ;
    }
    if (k < u->nvis)
        u->sel = k;
    u->conv_session = c->session;
    u->conv_cur = c->record;
    u->conv_top = c->record > 2 ? c->record - 2 : 0;
    u->hscroll = 0;
    u->focus = PANE_CONV;
}

static void move_in(struct ui *u, long delta, int to_end)
{
    int page = u->focus == PANE_CONV ? u->conv_rows : u->list_rows;
    if (page < 1)
        page = 1;
    if (delta == 2 || delta == -2)
        delta = delta > 0 ? page : -page;
    if (u->focus == PANE_SESSIONS) {
        if (to_end)
            u->sel = to_end > 0 && u->nvis ? u->nvis - 1 : 0;
        else if (delta < 0)
            u->sel = u->sel > (size_t)-delta ? u->sel - (size_t)-delta : 0;
        else if (u->nvis)
            u->sel = u->sel + (size_t)delta < u->nvis ? u->sel + (size_t)delta : u->nvis - 1;
        select_session(u);
    } else if (u->focus == PANE_CREDS) {
        if (to_end)
            u->csel = to_end > 0 && u->m->nc ? u->m->nc - 1 : 0;
        else if (delta < 0)
            u->csel = u->csel > (size_t)-delta ? u->csel - (size_t)-delta : 0;
        else if (u->m->nc)
            u->csel = u->csel + (size_t)delta < u->m->nc ? u->csel + (size_t)delta : u->m->nc - 1;
    } else if (u->conv_session != SIZE_MAX) {
        uint64_t count = u->m->s[u->conv_session].ix.count;
        if (to_end)
            u->conv_cur = to_end > 0 && count ? count - 1 : 0;
        else if (delta < 0)
            u->conv_cur = u->conv_cur > (uint64_t)-delta ? u->conv_cur - (uint64_t)-delta : 0;
        else if (count)
            u->conv_cur = u->conv_cur + (uint64_t)delta < count ? u->conv_cur + (uint64_t)delta
                                                                : count - 1;
    }
}

static void prompt_key(struct ui *u, int ch)
{
    if (ch == 27) { /* Esc */
        u->prompt_kind = 0;
        return;
    }
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        u->input[u->input_len] = '\0';
        char kind = u->prompt_kind;
        u->prompt_kind = 0;
        if (kind == '/') {
            snprintf(u->search, sizeof u->search, "%s", u->input);
            search_step(u, 1);
        } else if (u->input_len) {
            save_transcript(u, u->input);
        }
        return;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (u->input_len)
            u->input_len--;
        return;
    }
    if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && u->input_len + 1 < sizeof u->input)
        u->input[u->input_len++] = (char)ch;
}

static void mouse(struct ui *u)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED) {
        move_in(u, -3, 0);
        return;
    }
#ifdef BUTTON5_PRESSED
    if (ev.bstate & BUTTON5_PRESSED) {
        move_in(u, 3, 0);
        return;
    }
#endif
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED)))
        return;
    if (ev.y >= 2 && ev.y < 2 + u->list_rows) {
        size_t row = (size_t)(ev.y - 2);
        if (u->focus == PANE_CREDS) {
            if (u->ctop + row < u->m->nc)
                u->csel = u->ctop + row;
        } else {
            u->focus = PANE_SESSIONS;
            if (u->top + row < u->nvis) {
                u->sel = u->top + row;
                select_session(u);
            }
        }
    } else if (ev.y > u->conv_row0 && ev.y < u->conv_row0 + 1 + u->conv_rows) {
        u->focus = PANE_CONV;
        u->conv_cur = u->conv_top + (uint64_t)(ev.y - u->conv_row0 - 1);
    }
}

/* Returns 0 to quit. */
static int key(struct ui *u, int ch)
{
    if (u->prompt_kind) {
        prompt_key(u, ch);
        return 1;
    }
    u->message[0] = '\0';
    if (u->help) {
        u->help = 0;
        if (ch != 'q')
            return 1;
    }
    switch (ch) {
    case 'q':
    case 'Q':
        return 0;
    case KEY_UP: case 'k': move_in(u, -1, 0); break;
    case KEY_DOWN: case 'j': move_in(u, 1, 0); break;
    case KEY_PPAGE: move_in(u, -2, 0); break;
    case KEY_NPAGE: case ' ': move_in(u, 2, 0); break;
    case KEY_HOME: case 'g': move_in(u, 0, -1); break;
    case KEY_END: case 'G': move_in(u, 0, 1); break;
    case KEY_LEFT: u->hscroll = u->hscroll > 8 ? u->hscroll - 8 : 0; break;
    case KEY_RIGHT: u->hscroll += 8; break;
    case '\t': u->focus = (u->focus + 1) % 3; break;
    case KEY_BTAB: u->focus = (u->focus + 2) % 3; break;
    case '\n': case '\r': case KEY_ENTER:
        if (u->focus == PANE_SESSIONS) {
            select_session(u);
            u->focus = PANE_CONV;
        } else if (u->focus == PANE_CREDS) {
            jump_to_credential(u);
        }
        break;
    case '/':
        u->prompt_kind = '/';
        u->input_len = 0;
        break;
    case 'n': search_step(u, 1); break;
    case 'N': search_step(u, 0); break;
    case 'f':
        u->filter = (u->filter + 1) % FILTER_N;
        rebuild_list(u);
        select_session(u);
        snprintf(u->message, sizeof u->message, "showing %s", filter_names[u->filter]);
        break;
    case 'o':
        u->sort_creds = !u->sort_creds;
        rebuild_list(u);
        break;
    case 'm':
        u->mask = !u->mask;
        snprintf(u->message, sizeof u->message, u->mask ? "secrets masked" : "secrets shown");
        break;
    case 'p':
        u->paused = !u->paused;
        if (u->src->pause)
            u->src->pause(u->src->ctx, u->paused);
        break;
    case 's':
        if (u->conv_session != SIZE_MAX) {
            u->prompt_kind = 's';
            u->input_len = (size_t)snprintf(u->input, sizeof u->input, "mailtap-session-%llu.txt",
                                            (unsigned long long)u->m->s[u->conv_session].info.id);
        }
        break;
    case '?': case 'h': u->help = 1; break;
    case KEY_MOUSE: mouse(u); break;
    case KEY_RESIZE: break; /* redrawn below at the new size */
    default: break;
    }
    return 1;
}

/* --- the loop ----------------------------------------------------------------- */

static int start_curses(struct ui *u, char *err, size_t errlen)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    u->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    /* With "-r -" standard input is the capture: keys come from the
     * terminal itself. */
    u->key_in = stdin;
    if (!isatty(STDIN_FILENO)) {
        u->key_in = fopen("/dev/tty", "r");
        if (!u->key_in) {
            snprintf(err, errlen,
                     "no terminal to read keys from (standard input is not one): use --follow");
            return -1;
        }
    }
    u->key_fd = fileno(u->key_in);
    SCREEN *scr = newterm(NULL, stdout, u->key_in);
    if (!scr) {
        if (u->key_in != stdin)
            fclose(u->key_in);
        const char *term = getenv("TERM");
        snprintf(err, errlen, "cannot start the terminal interface (TERM=%s); use --follow",
                 term ? term : "unset");
        return -1;
    }
    set_term(scr);
    curses_active = 1;
    atexit(restore_terminal);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    if (u->color && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(PAIR_CLIENT, COLOR_RED, -1);
        init_pair(PAIR_SERVER, COLOR_BLUE, -1);
        init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_CRED, COLOR_YELLOW, -1);
        init_pair(PAIR_CLEAR, COLOR_WHITE, COLOR_RED);
        init_pair(PAIR_TLS, COLOR_BLACK, COLOR_GREEN);
        init_pair(PAIR_STARTTLS, COLOR_BLACK, COLOR_YELLOW);
    } else {
        u->color = 0;
    }
    return 0;
}

int mt_tui_run(struct mt_tui_model *m, const struct mt_tui_source *src,
               const struct mt_tui_opts *o, int *src_status, char *msg, size_t msglen, char *err,
               size_t errlen)
{
    struct ui u;
    memset(&u, 0, sizeof u);
    (void)msglen; /* msg is filled by the source; shown when it ends badly */
    u.m = m;
    u.src = src;
    u.color = o->color;
    u.mask = o->mask;
    u.conv_session = SIZE_MAX;
    u.started_us = now_us();
    u.src_status = MT_STEP_MORE;
    u.text = malloc(TEXT_MAX);
    if (!u.text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    catch_fatal_signals();
    if (start_curses(&u, err, errlen) != 0) {
        release_fatal_signals();
        free(u.text);
        return -1;
    }
    int64_t last_draw = 0;
    uint64_t drawn_packets = 0, drawn_drops = 0;
    int dirty = 1;
    while (!quit_requested) {
        int64_t wait_us = -1;
        /* Packets first, for a bounded time. */
        if (!u.paused && !u.eof) {
            int64_t t0 = now_us();
            int rc;
            do {
                int64_t w = 0;
                rc = src->pump(src->ctx, 256, &w);
                if (rc == MT_STEP_WAIT)
                    wait_us = w;
            } while (rc == MT_STEP_MORE && now_us() - t0 < PUMP_US);
            if (rc == MT_STEP_MORE)
                wait_us = 0;
            else if (rc == MT_STEP_IDLE)
                wait_us = 250000;
            else if (rc != MT_STEP_WAIT) {
                u.eof = 1;
                u.src_status = rc;
                dirty = 1;
                if (rc == MT_STEP_TRUNCATED || rc == MT_STEP_ERROR)
                    snprintf(u.message, sizeof u.message, "%s", msg);
            }
        }
        if (u.m->changes != u.drawn_changes) {
            size_t before = u.nvis;
            rebuild_list(&u);
            if (u.conv_session == SIZE_MAX || before == 0)
                select_session(&u);
        }
        int64_t t = now_us();
        /* The status line moves with every packet and every second, even
         * when no session changes. */
        uint64_t packets = 0, drops = 0;
        src->counts(src->ctx, &packets, &drops);
        if (packets != drawn_packets || drops != drawn_drops || t - last_draw >= 1000000)
            dirty = 1;
        if ((dirty || u.m->changes != u.drawn_changes) && t - last_draw >= FRAME_US) {
            drawn_packets = packets;
            drawn_drops = drops;
            draw(&u);
            last_draw = t;
            dirty = 0;
        } else if ((dirty || u.m->changes != u.drawn_changes) && wait_us != 0) {
            wait_us = FRAME_US - (t - last_draw); /* come back to draw */
        }
        /* Then the keyboard (and the capture, when live). */
        struct pollfd pf[2] = {{u.key_fd, POLLIN, 0}, {src->fd, POLLIN, 0}};
        int nfd = src->live && src->fd >= 0 && !u.paused && !u.eof ? 2 : 1;
        int timeout = wait_us < 0 ? 1000 : (int)((wait_us + 999) / 1000);
        if (timeout > 1000)
            timeout = 1000; /* the clock in the status line */
        if (timeout > 0 && poll(pf, (nfds_t)nfd, timeout) == 0 && src->live)
            dirty = 1;
        if (timeout == 1000)
            dirty = 1;
        int ch, keep = 1;
        while (keep && (ch = getch()) != ERR) {
            keep = key(&u, ch);
            dirty = 1;
            last_draw = 0; /* answer a key at once */
        }
        if (!keep)
            break;
    }
    restore_terminal();
    if (u.key_in && u.key_in != stdin)
        fclose(u.key_in);
    release_fatal_signals();
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    *src_status = u.src_status;
    free(u.vis);
    free(u.text);
    return 0;
}
