/* The dissector: consumes ordered streams (struct mt_stream_ops) and turns
 * them into events on a bus. It never prints. */
#ifndef MAILTAP_DISSECT_H
#define MAILTAP_DISSECT_H

#include "mailtap/event.h"
#include "mailtap/stream.h"

struct mt_dissector;

struct mt_dissector *mt_dissector_create(struct mt_bus *bus);
void mt_dissector_destroy(struct mt_dissector *d);

/* The stream interface reassembly feeds. */
struct mt_stream_ops mt_dissector_stream_ops(struct mt_dissector *d);

#endif
