/* Strict base64 (RFC 4648, standard alphabet, padding required). */
#ifndef MAILTAP_BASE64_H
#define MAILTAP_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes n characters of in into out (cap bytes). Returns the decoded
 * length, or -1 if the input is not valid base64 or does not fit. An empty
 * input decodes to 0 bytes. Never writes past out + cap. */
long mt_base64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* Encodes n bytes; out must hold 4 * ((n + 2) / 3) + 1 bytes (NUL added).
 * Returns the encoded length. */
size_t mt_base64_encode(const uint8_t *in, size_t n, char *out);

#endif
