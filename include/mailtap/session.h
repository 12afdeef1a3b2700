/* Who talks to whom: endpoints, directions and the identity of a session.
 * Shared vocabulary of every stage after decoding. */
#ifndef MAILTAP_SESSION_H
#define MAILTAP_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* Direction of a byte stream: sent by the client or by the server. */
enum mt_dir { MT_DIR_CLIENT = 0, MT_DIR_SERVER = 1 };

/* Microseconds since the Unix epoch (capture time). */
typedef int64_t mt_time_us;

struct mt_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
};

struct mt_session_info {
    uint64_t id;       /* 1-based, in the order sessions start carrying data */
    unsigned reuse;    /* earlier sessions seen on the same address/port pair */
    struct mt_endpoint client, server;
    mt_time_us start;  /* time of the session's first packet */
};

enum mt_close_reason {
    MT_CLOSE_FIN,     /* both sides finished */
    MT_CLOSE_RESET,   /* RST seen */
    MT_CLOSE_TIMEOUT, /* idle longer than the idle timeout */
    MT_CLOSE_EVICTED, /* flow table full: oldest flow evicted */
    MT_CLOSE_END,     /* capture ended with the session still open */
    MT_CLOSE_REUSED   /* a new connection reused the address/port pair */
};

const char *mt_close_reason_name(enum mt_close_reason why);

/* Longest text mt_endpoint_format writes: "[" ipv6 "]:" port and NUL. */
#define MT_ENDPOINT_STRLEN 56

/* "192.0.2.1:25" or "[2001:db8::1]:25". Returns the length written. */
size_t mt_endpoint_format(const struct mt_endpoint *ep, char *buf, size_t cap);

/* Address only, without port. */
size_t mt_addr_format(const struct mt_endpoint *ep, char *buf, size_t cap);

/* RFC 3339 UTC with microseconds: "2026-11-22T10:00:00.123456Z". */
#define MT_TIME_STRLEN 32
size_t mt_time_format(mt_time_us t, char *buf, size_t cap);

#endif
