/* The event bus: hands every event to every sink with the sink's own slot
 * of per-session storage; after a sink fails, nothing more is sent. */
#include "mailtap/event.h"

#include <stdio.h>
#include <string.h>

void mt_bus_init(struct mt_bus *bus) { memset(bus, 0, sizeof *bus); }

int mt_bus_add(struct mt_bus *bus, struct mt_sink sink)
{
    if (bus->n == MT_MAX_SINKS)
        return -1;
    bus->sinks[bus->n++] = sink;
    return 0;
}

static void record_failure(struct mt_bus *bus, const struct mt_sink *s)
{
    bus->failed = 1;
    const char *e = s->error ? s->error(s->ctx) : NULL;
    snprintf(bus->error, sizeof bus->error, "%s", e ? e : "output failed");
}

void mt_bus_emit(struct mt_bus *bus, const struct mt_event *ev, void **slots)
{
    for (size_t i = 0; i < bus->n && !bus->failed; i++) {
        struct mt_sink *s = &bus->sinks[i];
        if (s->event(s->ctx, ev, slots ? &slots[i] : NULL) != 0)
            record_failure(bus, s);
    }
}

int mt_bus_reads(const struct mt_bus *bus, unsigned what)
{
    for (size_t i = 0; i < bus->n; i++)
        if (bus->sinks[i].reads & what)
            return 1;
    return 0;
}

int mt_bus_finish(struct mt_bus *bus)
{
    for (size_t i = 0; i < bus->n; i++) {
        struct mt_sink *s = &bus->sinks[i];
        if (s->finish && s->finish(s->ctx) != 0 && !bus->failed)
            record_failure(bus, s);
    }
    return bus->failed ? -1 : 0;
}

void mt_bus_destroy(struct mt_bus *bus)
{
    for (size_t i = 0; i < bus->n; i++)
        if (bus->sinks[i].destroy)
            bus->sinks[i].destroy(bus->sinks[i].ctx);
    bus->n = 0;
}

const char *mt_proto_name(enum mt_proto p)
{
    switch (p) {
    case MT_PROTO_POP3: return "pop3";
    case MT_PROTO_IMAP: return "imap";
    case MT_PROTO_SMTP: return "smtp";
    case MT_PROTO_SIEVE: return "managesieve";
    case MT_PROTO_LMTP: return "lmtp";
    case MT_PROTO_UNKNOWN: break;
    }
    return "unknown";
}

const char *mt_result_name(enum mt_result r)
{
    switch (r) {
    case MT_RESULT_SUCCESS: return "success";
    case MT_RESULT_FAILURE: return "failure";
    case MT_RESULT_UNKNOWN: break;
    }
    return "unknown";
}
