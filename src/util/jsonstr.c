/* Any bytes as a valid JSON string: what renders safely goes through,
 * everything else is escaped, so a capture can never break a JSON line. */
#include "mailtap/jsonstr.h"

#include <string.h>

#include "mailtap/render.h"

static void put_u(FILE *f, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                 hex[cp & 15]};
    fwrite(e, 1, sizeof e, f);
}

void mt_json_string(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        /* Runs of plain printable ASCII are the common case. */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            fwrite(p + i, 1, run - i, f);
            i = run;
            continue;
        }
        uint8_t b = p[i];
        if (b < 0x80) {
            switch (b) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default: put_u(f, b); break; /* other controls and DEL */
            }
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t len = mt_utf8_sequence(p + i, n - i, &cp);
        if (len == 0) {
            put_u(f, b); /* not UTF-8: the Latin-1 character */
            i++;
        } else if (mt_unsafe_code_point(cp)) {
            if (cp > 0xffff) { /* none are today; kept correct for any */
                uint32_t v = cp - 0x10000;
                put_u(f, 0xd800 + (v >> 10));
                put_u(f, 0xdc00 + (v & 0x3ff));
            } else {
                put_u(f, cp);
            }
            i += len;
        } else {
            fwrite(p + i, 1, len, f);
            i += len;
        }
    }
    fputc('"', f);
}

void mt_json_cstring(FILE *f, const char *s)
{
    if (!s)
        fputs("null", f);
    else
        mt_json_string(f, (const uint8_t *)s, strlen(s));
}
