/* The one way captured bytes reach the screen: each glyph comes from
 * util/render.c (mt_render_next), and what the terminal's locale cannot show
 * becomes an escape. Never write captured bytes to curses any other way. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* wcwidth() */
#endif
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "mailtap/render.h"

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

size_t ui_text_cols(const struct ui *u, const uint8_t *p, size_t n)
{
    size_t cols = 0, i = 0;
    struct shown s;
    while (i < n) {
        i += next_shown(u, p + i, n - i, &s);
        cols += (size_t)s.w;
    }
    return cols;
}

int ui_draw_text(struct ui *u, int y, int x, int maxw, size_t skip, const uint8_t *p, size_t n,
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

size_t ui_text_cut_head(const struct ui *u, const uint8_t *p, size_t n, size_t *ncols, size_t room)
{
    size_t off = 0;
    struct shown sh;
    while (off < n && *ncols > room) {
        off += next_shown(u, p + off, n - off, &sh);
        *ncols -= (size_t)sh.w;
    }
    return off;
}

/* Safe already: text formatted here, or the model's copies of names and
 * secrets, which went through mt_render_buf. */
void ui_draw_str(int y, int x, int maxw, const char *s, attr_t a)
{
    if (maxw <= 0)
        return;
    attrset(a);
    mvaddnstr(y, x, s, maxw);
    attrset(A_NORMAL);
}

void ui_mask_spans(uint8_t *t, size_t n, const struct mt_rec *r)
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
