/* Events: the contract between analysis and presentation.
 *
 * The dissector emits events; every output (follow text, export, and later
 * credentials, JSON and the terminal interface) is a sink that consumes the
 * same events, so no two outputs can disagree. */
#ifndef MAILTAP_EVENT_H
#define MAILTAP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/session.h"

enum mt_event_type {
    MT_EV_SESSION_START,
    MT_EV_DATA,        /* reassembled bytes of one direction */
    MT_EV_GAP,         /* bytes of one direction lost for good */
    MT_EV_SESSION_END,
    MT_EV_WARNING      /* something was dropped or could not be understood */
};

struct mt_event {
    enum mt_event_type type;
    mt_time_us ts;
    const struct mt_session_info *session; /* NULL for capture-wide warnings */
    enum mt_dir dir;                       /* DATA, GAP */
    const uint8_t *data;                   /* DATA: valid only during the call */
    size_t len;
    uint64_t gap;                          /* GAP: bytes missing */
    enum mt_close_reason reason;           /* SESSION_END */
    const char *text;                      /* WARNING */
};

/* An output. event() gets a slot of per-session storage of its own (NULL
 * for capture-wide events) and returns 0, or -1 after a fatal error whose
 * description error() returns. */
struct mt_sink {
    int (*event)(void *ctx, const struct mt_event *ev, void **slot);
    int (*finish)(void *ctx);
    const char *(*error)(void *ctx);
    void (*destroy)(void *ctx);
    void *ctx;
};

#define MT_MAX_SINKS 4

struct mt_bus {
    struct mt_sink sinks[MT_MAX_SINKS];
    size_t n;
    int failed;
    char error[512];
};

void mt_bus_init(struct mt_bus *bus);
int mt_bus_add(struct mt_bus *bus, struct mt_sink sink);

/* Sends ev to every sink; slots has MT_MAX_SINKS entries for the session
 * (NULL for capture-wide events). After a sink fails, nothing more is sent. */
void mt_bus_emit(struct mt_bus *bus, const struct mt_event *ev, void **slots);

/* Lets every sink finish its output; returns -1 if any failed. */
int mt_bus_finish(struct mt_bus *bus);
void mt_bus_destroy(struct mt_bus *bus);

#endif
