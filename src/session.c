/* Names and text forms of the shared session vocabulary: close reasons,
 * addresses and endpoints, capture timestamps. */
#include "mailtap/session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

const char *mt_close_reason_name(enum mt_close_reason why)
{
    switch (why) {
    case MT_CLOSE_FIN: return "closed";
    case MT_CLOSE_RESET: return "reset";
    case MT_CLOSE_TIMEOUT: return "timed out";
    case MT_CLOSE_EVICTED: return "evicted";
    case MT_CLOSE_END: return "open at end of capture";
    case MT_CLOSE_REUSED: return "superseded by a new connection";
    }
    return "unknown";
}

size_t mt_addr_format(const struct mt_endpoint *ep, char *buf, size_t cap)
{
    char tmp[INET6_ADDRSTRLEN];
    int af = ep->family == 6 ? AF_INET6 : AF_INET;
    if (!inet_ntop(af, ep->addr, tmp, sizeof tmp))
        snprintf(tmp, sizeof tmp, "?");
    int n = snprintf(buf, cap, "%s", tmp);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0);
}

size_t mt_endpoint_format(const struct mt_endpoint *ep, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    mt_addr_format(ep, a, sizeof a);
    int n = ep->family == 6 ? snprintf(buf, cap, "[%s]:%u", a, ep->port)
                            : snprintf(buf, cap, "%s:%u", a, ep->port);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0);
}

size_t mt_time_format(mt_time_us t, char *buf, size_t cap)
{
    int64_t sec = t / 1000000, usec = t % 1000000;
    if (usec < 0) {
        usec += 1000000;
        sec -= 1;
    }
    time_t tt = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        memset(&tm, 0, sizeof tm);
    int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)usec);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0);
}
