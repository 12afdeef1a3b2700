/* Strict base64 (RFC 4648: standard alphabet, padding required) decoding
 * of untrusted text into a bounded buffer, and encoding. */
#include "mailtap/base64.h"

#include <limits.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of a base64 character, or -1 (padding, whitespace and any other
 * byte are not part of the alphabet). */
static int sextet(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes one quad; pad is the number of '=' it must end with (0 for every
 * quad but the last). Returns the bytes produced, or -1. */
static int decode_quad(const uint8_t *q, size_t pad, uint8_t *out)
{
    uint32_t v = 0;
    for (size_t j = 0; j < 4; j++) {
        int x = sextet(q[j]);
        if (x < 0 && !(q[j] == '=' && j >= 4 - pad))
            return -1;
        v = (v << 6) | (uint32_t)(x < 0 ? 0 : x);
    }
    /* Non-zero bits under the padding are accepted: servers ignore them,
     * and the observer must see what the server sees. */
    int len = 3 - (int)pad;
    for (int j = 0; j < len; j++)
        out[j] = (uint8_t)(v >> (16 - 8 * j));
    return len;
}

long mt_base64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    if (n == 0)
        return 0;
    if (n % 4 != 0)
        return -1;
    size_t pad = in[n - 1] != '=' ? 0 : in[n - 2] != '=' ? 1 : 2;
    size_t total = n / 4 * 3 - pad;
    if (total > cap || total > (size_t)LONG_MAX)
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint8_t quad[3];
        int got = decode_quad(in + i, i + 4 == n ? pad : 0, quad);
        if (got < 0)
            return -1;
        for (int j = 0; j < got; j++)
            out[w++] = quad[j];
    }
    return (long)w;
}

size_t mt_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        uint32_t v = (uint32_t)in[i] << 16;
        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[w++] = alphabet[(v >> 18) & 63];
        out[w++] = alphabet[(v >> 12) & 63];
        out[w++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
        out[w++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[w] = '\0';
    return w;
}
