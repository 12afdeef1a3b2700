/* Layout and drawing of the interface: status line, session and credential
 * lists, conversation, help and bottom line. Never draws captured bytes raw:
 * they go through text.c, or mt_render_buf, which both use util/render.c. */
#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/explain.h"
#include "mailtap/render.h"

#define GUTTER 15 /* "C LABEL        " */

/* The first row to show so that the cursor stays on a pane of rows. */
static uint64_t scroll_to(uint64_t cursor, uint64_t top, int rows)
{
    if (cursor < top)
        return cursor;
    if (rows > 0 && cursor >= top + (uint64_t)rows)
        return cursor - (uint64_t)rows + 1;
    return top;
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

/* The status line, left to right: " mailtap  ", "..." when the name lost
 * its head, the name of the source, the counts and what limits kept out. */
#define STATUS_PREFIX " mailtap  "
struct status {
    uint64_t packets, drops, spool_dropped, evicted, half_open;
    int not_kept;
    const char *state;
    char clock[32];
    const uint8_t *name;
    size_t nlen;
    int dots;
    char counts[256], kept[256];
};

/* The counts and what a limit kept out, long or (brief) short. */
static void status_counts(const struct ui *u, struct status *st, int brief)
{
    static const char *const word[2][4] = {{"packets", "sessions", "credentials", "dropped"},
                                           {"pkts", "sess", "creds", "drop"}};
    static const char *const after[2][3] = {
        {" (--tui-sessions), ", " (--tui-creds), ", " (--spool-max)"}, {"  ", "  ", ""}};
    const char *const *w = word[brief];
    snprintf(st->counts, sizeof st->counts, "  |%s%llu %s  %zu %s  %zu %s  %llu %s  %s  %s%s",
             brief ? " " : "  ", (unsigned long long)st->packets, w[0], u->m->n, w[1], u->m->nc,
             w[2], (unsigned long long)st->drops, w[3], st->clock, st->state,
             u->mask ? "  MASKED" : "");
    size_t k = 0;
    if (st->not_kept)
        k = (size_t)snprintf(st->kept, sizeof st->kept,
                             "  | not kept: %llu %s%s%llu %s%s%llu lines%s",
                             (unsigned long long)u->m->sessions_not_kept, w[1], after[brief][0],
                             (unsigned long long)u->m->creds_not_kept, w[2], after[brief][1],
                             (unsigned long long)st->spool_dropped, after[brief][2]);
    /* A full flow table: what it pushed out, and whether a flood did. */
    if ((st->evicted || st->half_open) && k < sizeof st->kept)
        snprintf(st->kept + k, sizeof st->kept - k, "  | %s: %llu %s, %llu half-open%s",
                 brief ? "evicted" : "flow table full, evicted",
                 (unsigned long long)st->evicted, w[1], (unsigned long long)st->half_open,
                 st->half_open && !brief ? " (SYN flood?)" : "");
}

/* The counts, the state and what a limit kept out matter more than a
 * long path. When the line is wider than the screen the name gives way
 * to its last component, then the rest takes its short form, then the
 * name keeps only its tail (whole characters, measured in columns). */
static void status_fit(const struct ui *u, struct status *st)
{
    const char *full = u->src->name, *slash = strrchr(full, '/');
    const char *base = slash && slash[1] ? slash + 1 : full;
    size_t cols = (size_t)(COLS > 0 ? COLS : 0);
    st->name = (const uint8_t *)full;
    st->nlen = strlen(full);
    for (int tier = 0; tier < 4; tier++) {
        status_counts(u, st, tier >= 2);
        if (tier > 0) {
            st->name = (const uint8_t *)base;
            st->nlen = strlen(base);
        }
        size_t ncols = ui_text_cols(u, st->name, st->nlen);
        size_t used = strlen(STATUS_PREFIX) + strlen(st->counts) + strlen(st->kept);
        if (used + ncols <= cols)
            break;
        if (tier == 3) {
            /* The tail that fits behind "...", at least 12 columns of it. */
            size_t room = cols > used + 3 ? cols - used - 3 : 0;
            size_t off = ui_text_cut_head(u, st->name, st->nlen, &ncols, room < 12 ? 12 : room);
            st->dots = off > 0;
            st->name += off;
            st->nlen -= off;
        }
    }
}

static void draw_status(struct ui *u)
{
    struct status st;
    memset(&st, 0, sizeof st);
    u->src->counts(u->src->ctx, &st.packets, &st.drops, &st.evicted, &st.half_open);
    int64_t secs = (ui_now_us() - u->started_us) / 1000000;
    st.state = u->paused ? "PAUSED" : u->src->live ? "LIVE" : u->src->replay ? "REPLAY" : "FILE";
    struct mt_spool_stats sst;
    mt_spool_get_stats(u->m->spool, &sst);
    st.spool_dropped = sst.dropped;
    st.not_kept = u->m->sessions_not_kept || u->m->creds_not_kept || sst.dropped;
    snprintf(st.clock, sizeof st.clock, "%02lld:%02lld:%02lld", (long long)secs / 3600,
             (long long)secs / 60 % 60, (long long)secs % 60);
    status_fit(u, &st);
    attr_t a = u->color ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE;
    attrset(a);
    mvhline(0, 0, ' ', COLS);
    int x = 0;
    ui_draw_str(0, x, COLS - x, STATUS_PREFIX, a);
    x += (int)strlen(STATUS_PREFIX);
    if (st.dots && x < COLS) {
        ui_draw_str(0, x, COLS - x, "...", a);
        x += 3;
    }
    if (x < COLS)
        x += ui_draw_text(u, 0, x, COLS - x, 0, st.name, st.nlen, a, NULL, NULL, 0);
    if (x < COLS)
        ui_draw_str(0, x, COLS - x, st.counts, a);
    x += (int)strlen(st.counts);
    if (x < COLS && st.kept[0])
        ui_draw_str(0, x, COLS - x, st.kept, a);
    attrset(A_NORMAL);
}

static const char *badge(const struct mt_tui_session *s, attr_t *a, int color)
{
    if (s->tls_decrypted) { /* TLS, read with its key: what it hides is shown */
        *a = color ? COLOR_PAIR(PAIR_CLEAR) : A_REVERSE;
        return "DECRYPTED";
    }
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

/* Five columns: "managesieve" is "sieve" here. */
static const char *short_proto(uint8_t p)
{
    return p == MT_PROTO_SIEVE ? "sieve" : mt_proto_name((enum mt_proto)p);
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
    snprintf(head, sizeof head, "%5s %s%-*s %-5s %-9s %5s %6s %-11s %s%s", "#",
             with_time ? "TIME     " : "", ends_w, "CLIENT -> SERVER", "PROTO", "SECURITY", "CREDS",
             "BYTES", "STATE", "SOFTWARE", u->sort_creds ? "  (by credentials)" : "");
    ui_draw_str(y0, 0, w, head, A_BOLD | (u->focus == PANE_SESSIONS ? A_UNDERLINE : 0));
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
                 short_proto(s->proto));
        if (k == u->sel) {
            attrset(rowa);
            mvhline(y, 0, ' ', w);
        }
        ui_draw_str(y, 0, w, pre, rowa);
        int x = (int)strlen(pre);
        attr_t ba;
        const char *bn = badge(s, &ba, u->color);
        ui_draw_str(y, x, w - x, bn, ba);
        x += 10;
        char cr[24];
        snprintf(cr, sizeof cr, s->creds ? "*%llu" : "-", (unsigned long long)s->creds);
        attr_t ca = s->creds ? (u->color ? COLOR_PAIR(PAIR_CRED) | A_BOLD : A_BOLD | A_STANDOUT)
                             : rowa;
        snprintf(pre, sizeof pre, "%5s", cr);
        ui_draw_str(y, x, w - x, pre, ca);
        x += 5;
        snprintf(pre, sizeof pre, " %6s %-11s %s", b, mt_tui_state_name(s->state), s->software);
        ui_draw_str(y, x, w - x, pre, rowa);
    }
}

static void draw_creds(struct ui *u, int y0, int rows)
{
    int w = COLS;
    ui_draw_str(y0, 0, w, "TIME       SESSION PROTO MECH         RESULT   USER             PASSWORD OR HASH",
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
                 (unsigned long long)u->m->s[c->session].info.id, short_proto(c->proto), c->mech,
                 mt_result_name(c->result), c->user);
        attr_t a = k == u->csel ? A_REVERSE : A_NORMAL;
        int y = y0 + 1 + r;
        if (k == u->csel) {
            attrset(a);
            mvhline(y, 0, ' ', w);
        }
        ui_draw_str(y, 0, w, line, a);
        int x = (int)strlen(line);
        attr_t sa = a | (c->result == MT_RESULT_SUCCESS ? A_BOLD : 0);
        if (u->color && k != u->csel)
            sa |= COLOR_PAIR(PAIR_CLIENT);
        ui_draw_str(y, x, w - x, u->mask ? c->masked : c->secret, sa);
    }
}

static void draw_record(struct ui *u, int y, const struct mt_rec *r, long n, int cursor)
{
    int w = COLS;
    size_t len = n > 0 ? (size_t)n : 0;
    if (u->mask)
        ui_mask_spans(u->text, len, r);
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
    ui_draw_str(y, 0, w, safe_gutter, base | (cursor ? A_REVERSE : 0));
    int x = GUTTER;
    int col = ui_draw_text(u, y, x, w - x, u->hscroll, u->text, len,
                        base | (r->type == MT_REC_GAP ? A_BOLD : 0), r->span_off, r->span_len,
                        r->nspans);
    if ((r->flags & (MT_REC_TRUNCATED | MT_REC_DECODED_CUT)) || len < r->len)
        ui_draw_str(y, x + col, w - x - col, " [cut]", A_DIM);
}

/* What the line under the cursor means, for the bottom line ('e'). */
static void explain_record(struct ui *u, const struct mt_tui_session *s, const struct mt_rec *r)
{
    u->explain_text[0] = '\0';
    if (!u->explain || r->type != MT_REC_MESSAGE || (r->flags & MT_REC_DECODED) || !r->label[0])
        return;
    const char *ref = NULL;
    const char *what = mt_explain((enum mt_proto)s->proto, (enum mt_dir)r->dir,
                                  (enum mt_msg_kind)r->kind, r->label, &ref);
    char label[MT_SPOOL_LABEL * 4 + 1];
    mt_render_buf(label, sizeof label, (const uint8_t *)r->label, strlen(r->label), 0);
    if (what)
        snprintf(u->explain_text, sizeof u->explain_text, "%s: %s%s%s%s", label, what,
                 ref ? " (" : "", ref ? ref : "", ref ? ")" : "");
    else
        snprintf(u->explain_text, sizeof u->explain_text, "%s: no explanation", label);
}

static void draw_conversation(struct ui *u, int y0, int rows)
{
    if (u->conv_session == SIZE_MAX) {
        ui_draw_str(y0, 0, COLS, u->m->n ? "" : "waiting for sessions...", A_DIM);
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
    ui_draw_str(y0, 0, COLS, head, A_BOLD | (u->focus == PANE_CONV ? A_UNDERLINE : 0));
    uint64_t count = s->ix.count;
    if (u->conv_cur >= count)
        u->conv_cur = count ? count - 1 : 0;
    u->conv_top = scroll_to(u->conv_cur, u->conv_top, rows);
    u->explain_text[0] = '\0';
    for (int r = 0; r < rows; r++) {
        uint64_t i = u->conv_top + (uint64_t)r;
        if (i >= count)
            break;
        struct mt_rec rec;
        long n = mt_spool_read(u->m->spool, &s->ix, i, &rec, u->text, TEXT_MAX);
        if (n < 0)
            break;
        draw_record(u, y0 + 1 + r, &rec, n, u->focus == PANE_CONV && i == u->conv_cur);
        if (i == u->conv_cur && u->focus == PANE_CONV)
            explain_record(u, s, &rec);
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
    "  f                       filter: all, with credentials, cleartext, POP3, IMAP, SMTP, Sieve",
    "  o                       sort sessions by time / by credentials",
    "  m                       mask passwords and tokens",
    "  e                       explain the line under the cursor",
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
        ui_draw_str(y, 0, COLS, safe, A_BOLD);
        return;
    }
    if (u->message[0]) {
        ui_draw_str(y, 0, COLS, u->message, A_BOLD);
        return;
    }
    if (u->explain && u->explain_text[0]) {
        ui_draw_str(y, 0, COLS, u->explain_text, A_BOLD);
        return;
    }
    char hint[256];
    snprintf(hint, sizeof hint,
             "Tab pane  Enter open  / search  f filter: %s  o sort  m mask  p pause  s save  ? help  q quit",
             ui_filter_names[u->filter]);
    ui_draw_str(y, 0, COLS, hint, A_DIM);
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

void ui_draw(struct ui *u)
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
