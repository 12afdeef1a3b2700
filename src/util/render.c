/* Safe rendering of untrusted bytes (render.h): printable ASCII and
 * well-formed UTF-8 pass, everything else becomes an escape that maps back
 * to exactly one byte string (a backslash is doubled where what follows
 * could be read as an escape, so that the four bytes "\x1b" never look
 * like an ESC, while IMAP's \Seen stays as it is); and masking of
 * secrets. */
#include "mailtap/render.h"

#include <string.h>

static void set_text(struct mt_glyph *g, enum mt_glyph_kind kind, const char *s, size_t len)
{
    g->kind = kind;
    g->len = len;
    memcpy(g->text, s, len);
    g->text[len] = '\0';
}

static void set_byte_escape(struct mt_glyph *g, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    char s[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
    set_text(g, MT_GLYPH_ESCAPE, s, 4);
}

/* Code points that are valid but must not reach a terminal: C1 controls
 * (some terminals act on them) and bidirectional formatting characters,
 * which can make displayed text differ from the bytes ("Trojan Source"). */
int mt_unsafe_code_point(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0xfeff;
}

size_t mt_utf8_sequence(const uint8_t *p, size_t n, uint32_t *cp_out)
{
    uint8_t b = p[0];
    size_t len;
    uint32_t cp, min;
    if (b >= 0xc2 && b <= 0xdf) {
        len = 2, cp = b & 0x1f, min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3, cp = b & 0x0f, min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4, cp = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *cp_out = cp;
    return len;
}

size_t mt_render_next(const uint8_t *p, size_t n, unsigned flags, struct mt_glyph *g)
{
    if (n == 0) {
        set_text(g, MT_GLYPH_TEXT, "", 0);
        return 0;
    }
    uint8_t b = p[0];
    if (b == '\\') {
        /* Alone only before a printable character no escape starts with;
         * doubled before anything else, and at the end (what another call
         * writes next is not known here). */
        if (n > 1 && p[1] >= 0x20 && p[1] < 0x7f && !strchr("\\xurnt0", p[1]))
            set_text(g, MT_GLYPH_TEXT, "\\", 1);
        else
            set_text(g, MT_GLYPH_ESCAPE, "\\\\", 2);
        return 1;
    }
    if (b >= 0x20 && b < 0x7f) {
        set_text(g, MT_GLYPH_TEXT, (const char *)p, 1);
        return 1;
    }
    if (flags & MT_RENDER_LINES) {
        if (b == '\n') {
            set_text(g, MT_GLYPH_NEWLINE, "\n", 1);
            return 1;
        }
        if (b == '\r' && n >= 2 && p[1] == '\n') {
            set_text(g, MT_GLYPH_NEWLINE, "\n", 1);
            return 2;
        }
    }
    switch (b) {
    case '\t':
        if (flags & MT_RENDER_TABS)
            set_text(g, MT_GLYPH_TEXT, "\t", 1);
        else
            set_text(g, MT_GLYPH_ESCAPE, "\\t", 2);
        return 1;
    case '\r': set_text(g, MT_GLYPH_ESCAPE, "\\r", 2); return 1;
    case '\n': set_text(g, MT_GLYPH_ESCAPE, "\\n", 2); return 1;
    case '\0': set_text(g, MT_GLYPH_ESCAPE, "\\0", 2); return 1;
    default: break;
    }
    if (b >= 0x80) {
        uint32_t cp = 0;
        size_t len = mt_utf8_sequence(p, n, &cp);
        if (len > 0) {
            if (mt_unsafe_code_point(cp)) {
                char s[16];
                int k = snprintf(s, sizeof s, "\\u{%04X}", (unsigned)cp);
                set_text(g, MT_GLYPH_ESCAPE, s, (size_t)k);
            } else {
                set_text(g, MT_GLYPH_TEXT, (const char *)p, len);
            }
            return len;
        }
    }
    set_byte_escape(g, b);
    return 1;
}

/* Printable ASCII but the backslash (0x5c): what passes as it is, one
 * test a byte. */
#define ONES8 1, 1, 1, 1, 1, 1, 1, 1
static const uint8_t plain[256] = {
    [0x20] = ONES8, ONES8, ONES8, ONES8,                     /* 0x20-0x3f */
    [0x40] = ONES8, ONES8, ONES8, 1, 1, 1, 1,                /* 0x40-0x5b */
    [0x5d] = 1, 1, 1, ONES8, ONES8, ONES8, 1, 1, 1, 1, 1, 1, 1,        /* 0x5d-0x7e */
};
#undef ONES8

void mt_render_file(FILE *f, const uint8_t *p, size_t n, unsigned flags, const char *esc_on,
                    const char *esc_off)
{
    struct mt_glyph g;
    size_t i = 0;
    while (i < n) {
        /* Runs of printable ASCII are the common case: write them at once. */
        size_t run = i;
        while (run < n && plain[p[run]])
            run++;
        if (run > i) {
            fwrite(p + i, 1, run - i, f);
            i = run;
            continue;
        }
        i += mt_render_next(p + i, n - i, flags, &g);
        if (g.kind == MT_GLYPH_ESCAPE && esc_on)
            fputs(esc_on, f);
        fwrite(g.text, 1, g.len, f);
        if (g.kind == MT_GLYPH_ESCAPE && esc_off)
            fputs(esc_off, f);
    }
}

size_t mt_render_buf(char *buf, size_t cap, const uint8_t *p, size_t n, unsigned flags)
{
    if (cap == 0)
        return 0;
    size_t out = 0, i = 0;
    struct mt_glyph g;
    while (i < n) {
        size_t used = mt_render_next(p + i, n - i, flags, &g);
        if (out + g.len + 1 > cap)
            break;
        memcpy(buf + out, g.text, g.len);
        out += g.len;
        i += used;
    }
    buf[out] = '\0';
    return out;
}

/* Length of the UTF-8 sequence starting at p (1 for anything invalid). */
static size_t char_len(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t k = p[0] >= 0x80 ? mt_utf8_sequence(p, n, &cp) : 1;
    return k ? k : 1;
}

size_t mt_mask(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    size_t first = n ? char_len(p, n) : 0;
    /* Start of the last character: step back over continuation bytes. */
    size_t last = n;
    if (n) {
        last = n - 1;
        while (last > first && (p[last] & 0xc0) == 0x80 && n - last < 4)
            last--;
        if (char_len(p + last, n - last) != n - last)
            last = n - 1;
    }
    size_t o = 0;
    if (n == 0 || first >= n || last <= first) {
        /* Too short to show anything of it. */
        for (size_t i = 0; i < n && o < cap; i++)
            out[o++] = '*';
        return o;
    }
    for (size_t i = 0; i < first && o < cap; i++)
        out[o++] = p[i];
    for (size_t i = first; i < last && o < cap; i++)
        out[o++] = '*';
    for (size_t i = last; i < n && o < cap; i++)
        out[o++] = p[i];
    return o;
}
