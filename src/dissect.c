#include "mailtap/dissect.h"

#include <stdlib.h>

struct mt_dissector {
    struct mt_bus *bus;
};

struct session {
    struct mt_session_info info;
    void *slots[MT_MAX_SINKS];
};

static void *on_open(void *ctx, const struct mt_session_info *info)
{
    struct mt_dissector *d = ctx;
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->info = *info;
    struct mt_event ev = {.type = MT_EV_SESSION_START, .ts = info->start, .session = &s->info};
    mt_bus_emit(d->bus, &ev, s->slots);
    return s;
}

static void on_data(void *ctx, void *sess, enum mt_dir dir, const uint8_t *p, size_t n,
                    mt_time_us ts)
{
    struct mt_dissector *d = ctx;
    struct session *s = sess;
    if (!s)
        return;
    struct mt_event ev = {
        .type = MT_EV_DATA, .ts = ts, .session = &s->info, .dir = dir, .data = p, .len = n};
    mt_bus_emit(d->bus, &ev, s->slots);
}

static void on_gap(void *ctx, void *sess, enum mt_dir dir, uint64_t n, mt_time_us ts)
{
    struct mt_dissector *d = ctx;
    struct session *s = sess;
    if (!s)
        return;
    struct mt_event ev = {.type = MT_EV_GAP, .ts = ts, .session = &s->info, .dir = dir, .gap = n};
    mt_bus_emit(d->bus, &ev, s->slots);
}

static void on_close(void *ctx, void *sess, enum mt_close_reason why, mt_time_us ts)
{
    struct mt_dissector *d = ctx;
    struct session *s = sess;
    if (!s)
        return;
    struct mt_event ev = {.type = MT_EV_SESSION_END, .ts = ts, .session = &s->info, .reason = why};
    mt_bus_emit(d->bus, &ev, s->slots);
    free(s);
}

struct mt_dissector *mt_dissector_create(struct mt_bus *bus)
{
    struct mt_dissector *d = calloc(1, sizeof *d);
    if (d)
        d->bus = bus;
    return d;
}

void mt_dissector_destroy(struct mt_dissector *d) { free(d); }

struct mt_stream_ops mt_dissector_stream_ops(struct mt_dissector *d)
{
    return (struct mt_stream_ops){on_open, on_data, on_gap, on_close, d};
}
