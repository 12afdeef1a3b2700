/* The contract between TCP reassembly and whatever consumes ordered
 * streams (the dissector). Reassembly calls these; it knows nothing else. */
#ifndef MAILTAP_STREAM_H
#define MAILTAP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/session.h"

struct mt_stream_ops {
    /* A session starts carrying data. Returns the consumer's handle for it
     * (NULL is allowed). info stays valid until close returns. */
    void *(*open)(void *ctx, const struct mt_session_info *info);
    /* In-order bytes of one direction; p is valid only during the call. */
    void (*data)(void *ctx, void *session, enum mt_dir dir, const uint8_t *p, size_t n,
                 mt_time_us ts);
    /* n bytes of one direction were lost and will never be seen. */
    void (*gap)(void *ctx, void *session, enum mt_dir dir, uint64_t n, mt_time_us ts);
    /* The session is over; nothing more will be said of it. */
    void (*close)(void *ctx, void *session, enum mt_close_reason why, mt_time_us ts);
    void *ctx;
    /* A copy of bytes of dir carried others than those taken: n bytes
     * differed, the first at stream offset off (may be NULL). */
    void (*conflict)(void *ctx, void *session, enum mt_dir dir, uint64_t off, uint64_t n,
                     mt_time_us ts);
};

#endif
