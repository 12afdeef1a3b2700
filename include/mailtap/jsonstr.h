/* JSON string literals for any bytes (RFC 8259).
 *
 * Well-formed UTF-8 passes through; quotes, backslashes and control
 * characters are escaped, and so are C1 controls, DEL and bidirectional
 * formatting characters (as \uXXXX), so a JSON line printed on a terminal
 * is as safe as the follow view. A byte that is not part of well-formed
 * UTF-8 stands for the Latin-1 character of the same value (\u00XX): the
 * output is always valid Unicode, and such captured text, which is most
 * often Latin-1, reads as intended. */
#ifndef MAILTAP_JSONSTR_H
#define MAILTAP_JSONSTR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A writer that gathers a JSON line in memory and hands it to its FILE
 * in one call: a line is made of dozens of short pieces, and each stdio
 * call costs its lock and its bookkeeping. */
struct mt_jbuf {
    char *buf;
    size_t len, cap;
    FILE *f;
};

/* buf (cap bytes, cap >= 64) is the caller's. */
void mt_jbuf_init(struct mt_jbuf *b, char *buf, size_t cap, FILE *f);
/* Hands what is gathered to the FILE. */
void mt_jbuf_flush(struct mt_jbuf *b);
void mt_jbuf_write_slow(struct mt_jbuf *b, const void *p, size_t n);

static inline void mt_jbuf_write(struct mt_jbuf *b, const void *p, size_t n)
{
    if (n <= b->cap - b->len) {
        memcpy(b->buf + b->len, p, n);
        b->len += n;
    } else {
        mt_jbuf_write_slow(b, p, n);
    }
}

static inline void mt_jbuf_putc(struct mt_jbuf *b, char c)
{
    if (b->len == b->cap)
        mt_jbuf_flush(b);
    b->buf[b->len++] = c;
}

void mt_jbuf_puts(struct mt_jbuf *b, const char *s);
/* A string literal, its length known when compiled. */
#define MT_JBUF_LIT(b, lit) mt_jbuf_write((b), (lit), sizeof(lit) - 1)
void mt_jbuf_u64(struct mt_jbuf *b, uint64_t v);
void mt_jbuf_printf(struct mt_jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* p[0..n) as a quoted JSON string; a NUL-terminated one, NULL as null. */
void mt_jbuf_string(struct mt_jbuf *b, const uint8_t *p, size_t n);
void mt_jbuf_cstring(struct mt_jbuf *b, const char *s);

/* Writes p[0..n) as a quoted JSON string. */
void mt_json_string(FILE *f, const uint8_t *p, size_t n);

/* Same for a NUL-terminated string; NULL is written as null. */
void mt_json_cstring(FILE *f, const char *s);

#endif
