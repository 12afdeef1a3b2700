/* TLS handshake messages for the reader (tls_impl.h): cutting a stream of
 * handshake bytes into messages, and reading a ServerHello (RFC 8446
 * section 4.1.3, RFC 5246 section 7.4.1.3). Bounded: only HS_BODY_MAX
 * bytes of a body are ever kept. */
#include "tls_impl.h"

#include <string.h>

#define EXT_ENCRYPT_THEN_MAC 0x0016
#define EXT_SUPPORTED_VERSIONS 0x002b

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

void hs_feed(struct hs_reader *r, const uint8_t *p, size_t n, hs_fn fn, void *ctx)
{
    while (n > 0) {
        if (r->hdr_have < 4) {
            r->hdr[r->hdr_have++] = *p++;
            n--;
            if (r->hdr_have < 4)
                continue;
            r->type = r->hdr[0];
            r->len = r->left = (uint32_t)r->hdr[1] << 16 | (uint32_t)r->hdr[2] << 8 | r->hdr[3];
            r->body_have = 0;
        }
        size_t take = n < r->left ? n : r->left;
        size_t keep = take;
        if (keep > HS_BODY_MAX - r->body_have)
            keep = HS_BODY_MAX - r->body_have;
        memcpy(r->body + r->body_have, p, keep);
        r->body_have += keep;
        r->left -= (uint32_t)take;
        p += take;
        n -= take;
        if (r->left == 0) {
            r->hdr_have = 0;
            fn(ctx, r->type, r->body, r->body_have, r->len);
        }
    }
}

/* A cursor over a body: reads that would pass its end fail. */
struct rd {
    const uint8_t *p;
    size_t n, pos;
};

static int rd_u8(struct rd *r, uint8_t *v)
{
    if (r->pos + 1 > r->n)
        return -1;
    *v = r->p[r->pos++];
    return 0;
}

static int rd_u16(struct rd *r, uint16_t *v)
{
    if (r->pos + 2 > r->n)
        return -1;
    *v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return 0;
}

static int rd_skip(struct rd *r, size_t k)
{
    if (k > r->n - r->pos)
        return -1;
    r->pos += k;
    return 0;
}

/* The extensions the reader needs: the version chosen, encrypt-then-MAC. */
static int server_extensions(struct rd *r, struct server_hello *out)
{
    uint16_t total;
    if (r->pos == r->n)
        return 0; /* TLS 1.2 and older may end without extensions */
    if (rd_u16(r, &total) != 0 || total != r->n - r->pos)
        return -1;
    while (r->pos < r->n) {
        uint16_t type, len;
        if (rd_u16(r, &type) != 0 || rd_u16(r, &len) != 0 || len > r->n - r->pos)
            return -1;
        struct rd e = {r->p + r->pos, len, 0};
        if (type == EXT_SUPPORTED_VERSIONS && rd_u16(&e, &out->version) != 0)
            return -1;
        if (type == EXT_ENCRYPT_THEN_MAC)
            out->etm = 1;
        r->pos += len;
    }
    return 0;
}

int is_hello_retry(const uint8_t *body, size_t have)
{
    return have >= 34 && memcmp(body + 2, hrr_random, 32) == 0;
}

int parse_server_hello(const uint8_t *body, size_t len, struct server_hello *out)
{
    struct rd r = {body, len, 0};
    uint8_t sid_len, compression;
    memset(out, 0, sizeof *out);
    if (rd_u16(&r, &out->version) != 0 || (out->version >> 8) != 3 || r.n - r.pos < 32)
        return -1;
    memcpy(out->random, body + r.pos, 32);
    r.pos += 32;
    out->hrr = is_hello_retry(body, len);
    if (rd_u8(&r, &sid_len) != 0 || sid_len > 32 || rd_skip(&r, sid_len) != 0 ||
        rd_u16(&r, &out->suite) != 0 || rd_u8(&r, &compression) != 0 || compression != 0)
        return -1;
    return server_extensions(&r, out);
}
