/* The two transforms every chain can use without state: identity (bytes
 * and gaps passed on as they are) and opaque (an encrypted direction with
 * no key: everything swallowed, nothing framed). */
#include "mailtap/transform.h"

static int identity_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                         char *why)
{
    (void)st, (void)why;
    out->data(out->ctx, p, n);
    return 0;
}

static int identity_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)why;
    out->gap(out->ctx, n);
    return 0;
}

/* Nothing held, so nothing to write out at the end. */
static int nothing_held(void *st, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)out, (void)why;
    return 0;
}

const struct mt_xform_ops mt_xform_identity = {"identity", identity_data, identity_gap,
                                               nothing_held, NULL};

static int opaque_data(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out,
                       char *why)
{
    (void)st, (void)p, (void)n, (void)out, (void)why;
    return 0;
}

/* A gap in bytes nobody reads loses nothing more. */
static int opaque_gap(void *st, uint64_t n, const struct mt_xform_out *out, char *why)
{
    (void)st, (void)n, (void)out, (void)why;
    return 0;
}

const struct mt_xform_ops mt_xform_opaque = {"opaque", opaque_data, opaque_gap, nothing_held,
                                             NULL};
