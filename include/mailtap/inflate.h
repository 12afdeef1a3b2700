/* DEFLATE as a byte transform (transform.h): one direction of IMAP after
 * COMPRESS DEFLATE (RFC 4978), raw DEFLATE (RFC 1951) inflated with zlib.
 * Bounded: the window and output buffer are charged to a budget, and a
 * stream that inflates past MT_INFLATE_MAX_RATIO times what came in (and
 * past MT_INFLATE_FLOOR) is cut there as a decompression bomb. A gap, or
 * bytes that are not DEFLATE, make the rest of the direction unreadable. */
#ifndef MAILTAP_INFLATE_H
#define MAILTAP_INFLATE_H

#include <stdint.h>

#include "mailtap/budget.h"
#include "mailtap/transform.h"

/* Mail text inflates 3 to 20 times; DEFLATE itself can reach about 1032:1
 * (long runs of one byte): past 256:1, after the first 4 MiB, it is a bomb. */
#define MT_INFLATE_MAX_RATIO 256u
#define MT_INFLATE_FLOOR (4u << 20) /* what any stream may give before the ratio counts */

struct mt_inflate;

/* A direction's state, charged to budget (NULL when it does not fit); it is
 * freed with the chain (the transform's destroy). */
struct mt_inflate *mt_inflate_new(struct mt_budget *budget);
extern const struct mt_xform_ops mt_xform_inflate;

#endif
