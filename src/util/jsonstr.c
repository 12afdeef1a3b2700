/* Any bytes as a valid JSON string: what renders safely goes through,
 * everything else is escaped, so a capture can never break a JSON line. */
#include "mailtap/jsonstr.h"

#include <stdarg.h>
#include <string.h>

#include "mailtap/render.h"

void mt_jbuf_init(struct mt_jbuf *b, char *buf, size_t cap, FILE *f)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->f = f;
}

void mt_jbuf_flush(struct mt_jbuf *b)
{
    if (b->len)
        fwrite(b->buf, 1, b->len, b->f);
    b->len = 0;
}

void mt_jbuf_write_slow(struct mt_jbuf *b, const void *p, size_t n)
{
    mt_jbuf_flush(b);
    if (n >= b->cap) {
        fwrite(p, 1, n, b->f);
        return;
    }
    memcpy(b->buf, p, n);
    b->len = n;
}

void mt_jbuf_puts(struct mt_jbuf *b, const char *s) { mt_jbuf_write(b, s, strlen(s)); }

void mt_jbuf_u64(struct mt_jbuf *b, uint64_t v)
{
    char d[24];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    mt_jbuf_write(b, d + i, sizeof d - i);
}

void mt_jbuf_printf(struct mt_jbuf *b, const char *fmt, ...)
{
    for (int pass = 0; pass < 2; pass++) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if ((size_t)k < b->cap - b->len) {
            b->len += (size_t)k;
            return;
        }
        mt_jbuf_flush(b); /* did not fit: again in an empty buffer */
    }
    va_list ap; /* longer than the whole buffer */
    va_start(ap, fmt);
    vfprintf(b->f, fmt, ap);
    va_end(ap);
}

static void put_u(struct mt_jbuf *b, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                 hex[cp & 15]};
    mt_jbuf_write(b, e, sizeof e);
}

void mt_jbuf_string(struct mt_jbuf *b, const uint8_t *p, size_t n)
{
    mt_jbuf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        /* Runs of plain printable ASCII are the common case. */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            mt_jbuf_write(b, p + i, run - i);
            i = run;
            continue;
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            switch (c) {
            case '"': mt_jbuf_write(b, "\\\"", 2); break;
            case '\\': mt_jbuf_write(b, "\\\\", 2); break;
            case '\n': mt_jbuf_write(b, "\\n", 2); break;
            case '\r': mt_jbuf_write(b, "\\r", 2); break;
            case '\t': mt_jbuf_write(b, "\\t", 2); break;
            default: put_u(b, c); break; /* other controls and DEL */
            }
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t len = mt_utf8_sequence(p + i, n - i, &cp);
        if (len == 0) {
            put_u(b, c); /* not UTF-8: the Latin-1 character */
            i++;
        } else if (mt_unsafe_code_point(cp)) {
            if (cp > 0xffff) { /* none are today; kept correct for any */
                uint32_t v = cp - 0x10000;
                put_u(b, 0xd800 + (v >> 10));
                put_u(b, 0xdc00 + (v & 0x3ff));
            } else {
                put_u(b, cp);
            }
            i += len;
        } else {
            mt_jbuf_write(b, p + i, len);
            i += len;
        }
    }
    mt_jbuf_putc(b, '"');
}

void mt_jbuf_cstring(struct mt_jbuf *b, const char *s)
{
    if (!s)
        mt_jbuf_write(b, "null", 4);
    else
        mt_jbuf_string(b, (const uint8_t *)s, strlen(s));
}

void mt_json_string(FILE *f, const uint8_t *p, size_t n)
{
    char buf[512];
    struct mt_jbuf b;
    mt_jbuf_init(&b, buf, sizeof buf, f);
    mt_jbuf_string(&b, p, n);
    mt_jbuf_flush(&b);
}

void mt_json_cstring(FILE *f, const char *s)
{
    if (!s)
        fputs("null", f);
    else
        mt_json_string(f, (const uint8_t *)s, strlen(s));
}
