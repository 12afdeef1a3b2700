/* Input: keys, mouse and the prompt, and what they do (move in a pane, search,
 * save a transcript, jump to a credential), with the session list they filter
 * and sort. Nothing here draws; a saved transcript goes through util/render.c. */
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/outstream.h"
#include "mailtap/render.h"

/* --- the list of sessions shown ------------------------------------------------ */

const char *const ui_filter_names[FILTER_N] = {
    "all sessions", "with credentials", "cleartext only", "POP3", "IMAP", "SMTP", "ManageSieve"};

static int session_passes(const struct ui *u, const struct mt_tui_session *s)
{
    switch (u->filter) {
    case FILTER_CREDS: return s->creds > 0;
    case FILTER_CLEAR: return !s->tls;
    case FILTER_POP3: return s->proto == MT_PROTO_POP3;
    case FILTER_IMAP: return s->proto == MT_PROTO_IMAP;
    case FILTER_SMTP: return s->proto == MT_PROTO_SMTP || s->proto == MT_PROTO_LMTP;
    case FILTER_SIEVE: return s->proto == MT_PROTO_SIEVE;
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

void ui_rebuild_list(struct ui *u)
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

void ui_select_session(struct ui *u)
{
    size_t s = u->nvis ? u->vis[u->sel] : SIZE_MAX;
    if (s != u->conv_session) {
        u->conv_session = s;
        u->conv_top = u->conv_cur = 0;
        u->hscroll = 0;
    }
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
        ui_mask_spans(u->text, (size_t)n, &r);
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
            ui_mask_spans(u->text, (size_t)n, &r);
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
        ui_rebuild_list(u);
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
        ui_select_session(u);
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
                ui_select_session(u);
            }
        }
    } else if (ev.y > u->conv_row0 && ev.y < u->conv_row0 + 1 + u->conv_rows) {
        u->focus = PANE_CONV;
        u->conv_cur = u->conv_top + (uint64_t)(ev.y - u->conv_row0 - 1);
    }
}

/* Keys that move: the cursor in the pane with the focus, the sideways
 * scroll, the focus itself. Returns 0 when ch is none of them. */
static int move_key(struct ui *u, int ch)
{
    switch (ch) {
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
    default: return 0;
    }
    return 1;
}

/* Keys that act: open, search, filter, sort, mask, pause, save, help. */
static void command_key(struct ui *u, int ch)
{
    switch (ch) {
    case '\n': case '\r': case KEY_ENTER:
        if (u->focus == PANE_SESSIONS) {
            ui_select_session(u);
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
        ui_rebuild_list(u);
        ui_select_session(u);
        snprintf(u->message, sizeof u->message, "showing %s", ui_filter_names[u->filter]);
        break;
    case 'o':
        u->sort_creds = !u->sort_creds;
        ui_rebuild_list(u);
        break;
    case 'e':
        u->explain = !u->explain;
        snprintf(u->message, sizeof u->message,
                 u->explain ? "explanations on: the line under the cursor is explained here"
                            : "explanations off");
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
    case KEY_RESIZE: break; /* redrawn by the loop at the new size */
    default: break;
    }
}

int ui_key(struct ui *u, int ch)
{
    /* A prompt takes every key; a message lasts until the next key; the
     * help goes away on any key, and q still quits from it. */
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
    if (ch == 'q' || ch == 'Q')
        return 0;
    if (!move_key(u, ch))
        command_key(u, ch);
    return 1;
}
