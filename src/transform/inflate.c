/* The DEFLATE transform (inflate.h): raw DEFLATE in, what it compresses
 * out, through zlib; every byte of output bounded by the ratio to the
 * input, every buffer charged to the budget. */
#include "mailtap/inflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define OUT_CHUNK 16384
/* What zlib's inflate state holds: a 32 KiB window and about 7 KiB. */
#define ZLIB_STATE (40u << 10)

struct mt_inflate {
    z_stream z;
    struct mt_budget *budget;
    uint64_t in, out; /* bytes taken and given */
    int ended;
    uint8_t buf[OUT_CHUNK];
};

struct mt_inflate *mt_inflate_new(struct mt_budget *budget)
{
    size_t cost = sizeof(struct mt_inflate) + ZLIB_STATE;
    if (!mt_budget_take(budget, cost))
        return NULL;
    struct mt_inflate *f = calloc(1, sizeof *f);
    if (!f || inflateInit2(&f->z, -15) != Z_OK) { /* -15: raw DEFLATE, no header */
        free(f);
        mt_budget_give(budget, cost);
        return NULL;
    }
    f->budget = budget;
    return f;
}

static int inflate_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                        char *why)
{
    struct mt_inflate *f = st;
    if (f->ended) {
        snprintf(why, MT_XFORM_WHY_MAX, "bytes after the end of the DEFLATE stream");
        return -1;
    }
    f->in += n;
    f->z.next_in = (Bytef *)p;
    f->z.avail_in = (uInt)n;
    do { /* until the input is used and the last buffer was not filled */
        f->z.next_out = f->buf;
        f->z.avail_out = sizeof f->buf;
        int rc = inflate(&f->z, Z_SYNC_FLUSH);
        size_t got = sizeof f->buf - f->z.avail_out;
        if (rc == Z_BUF_ERROR)
            break; /* nothing more without more input */
        if (rc != Z_OK && rc != Z_STREAM_END) {
            snprintf(why, MT_XFORM_WHY_MAX, "not DEFLATE (%s)", f->z.msg ? f->z.msg : "zlib");
            return -1;
        }
        if (got) {
            f->out += got;
            if (f->out > MT_INFLATE_FLOOR && f->out / MT_INFLATE_MAX_RATIO > f->in) {
                snprintf(why, MT_XFORM_WHY_MAX,
                         "inflates to more than %u times its size (%llu bytes from %llu): cut "
                         "here as a decompression bomb",
                         MT_INFLATE_MAX_RATIO, (unsigned long long)f->out,
                         (unsigned long long)f->in);
                return -1;
            }
            out->data(out->ctx, f->buf, got);
        }
        if (rc == Z_STREAM_END) {
            f->ended = 1;
            if (f->z.avail_in > 0) {
                snprintf(why, MT_XFORM_WHY_MAX, "bytes after the end of the DEFLATE stream");
                return -1;
            }
            break;
        }
    } while (f->z.avail_in > 0 || f->z.avail_out == 0);
    return 0;
}

/* A compressed stream cannot be picked up again after a loss. */
static int inflate_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)out;
    snprintf(why, MT_XFORM_WHY_MAX, "%llu bytes missing from the DEFLATE stream",
             (unsigned long long)n);
    return -1;
}

static int inflate_end(void *st, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)out, (void)why;
    return 0; /* Z_SYNC_FLUSH gave out everything the stream had made whole */
}

static void inflate_destroy(void *st)
{
    struct mt_inflate *f = st;
    if (!f)
        return;
    inflateEnd(&f->z);
    mt_budget_give(f->budget, sizeof *f + ZLIB_STATE);
    free(f);
}

const struct mt_xform_ops mt_xform_inflate = {"deflate", inflate_data, inflate_gap, inflate_end,
                                              inflate_destroy};
