/* Safe rendering of untrusted bytes for terminals and text files.
 *
 * Captured bytes never reach a terminal raw: printable ASCII and well-formed
 * UTF-8 pass through; control characters, C1 controls, bidirectional
 * overrides, invalid or overlong UTF-8 and lone bytes >= 0x80 are shown as
 * escapes (\r, \t, \xNN, \u{NNNN}), and a backslash as \\ where what
 * follows it could be taken for an escape (before \, x, u, r, n, t, 0, a
 * byte that is escaped, or the end), so that any rendering reads back to
 * exactly one byte string. */
#ifndef MAILTAP_RENDER_H
#define MAILTAP_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum mt_glyph_kind {
    MT_GLYPH_TEXT,    /* safe to print as is */
    MT_GLYPH_ESCAPE,  /* an escape standing for unsafe bytes */
    MT_GLYPH_NEWLINE  /* end of line (\n or \r\n), only with MT_RENDER_LINES */
};

enum {
    MT_RENDER_LINES = 1, /* \n and \r\n end lines instead of being escaped */
    MT_RENDER_TABS = 2   /* a tab passes through instead of being escaped */
};

struct mt_glyph {
    enum mt_glyph_kind kind;
    size_t len;    /* bytes in text */
    char text[16]; /* NUL-terminated */
};

/* Classifies the next glyph of p[0..n). Returns the input bytes it covers
 * (at least 1 when n > 0, 0 when n == 0). Never reads past p + n. */
size_t mt_render_next(const uint8_t *p, size_t n, unsigned flags, struct mt_glyph *g);

/* Writes the safe rendering of p[0..n) to f. Escapes are wrapped in
 * esc_on/esc_off (may be NULL), e.g. to show them dimmed. */
void mt_render_file(FILE *f, const uint8_t *p, size_t n, unsigned flags, const char *esc_on,
                    const char *esc_off);

/* Writes the safe rendering into buf (always NUL-terminated when cap > 0),
 * stopping before a glyph that does not fit. Returns the length written. */
size_t mt_render_buf(char *buf, size_t cap, const uint8_t *p, size_t n, unsigned flags);


/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates) starting at p[0] >= 0x80, with its code point; 0 if invalid. */
size_t mt_utf8_sequence(const uint8_t *p, size_t n, uint32_t *cp);

/* Valid code points that must not reach a terminal as they are: C1
 * controls and the bidirectional formatting characters. */
int mt_unsafe_code_point(uint32_t cp);

/* Masks a secret for reports and screenshots: its first and last
 * characters kept (whole UTF-8 sequences), every other byte replaced by '*'.
 * Secrets of one or two characters become all '*'. Writes at most cap bytes;
 * returns the length written. */
size_t mt_mask(const uint8_t *p, size_t n, uint8_t *out, size_t cap);

#endif
