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

/* Writes p[0..n) as a quoted JSON string. */
void mt_json_string(FILE *f, const uint8_t *p, size_t n);

/* Same for a NUL-terminated string; NULL is written as null. */
void mt_json_cstring(FILE *f, const char *s);

#endif
