/* The flow table: finds the connection each TCP segment belongs to, works
 * out who is the client, feeds both directions through reassembly and hands
 * ordered bytes to the next stage through struct mt_stream_ops.
 *
 * Memory is bounded: a limit on live flows (oldest evicted first), on bytes
 * held out of order per direction and in total, and an idle timeout. */
#ifndef MAILTAP_FLOW_H
#define MAILTAP_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/decode.h"
#include "mailtap/stream.h"

#define MT_DEFAULT_MAX_FLOWS 65536
#define MT_DEFAULT_MAX_DIR_HELD (1u << 20)     /* 1 MiB */
#define MT_DEFAULT_MAX_HELD (32u << 20)        /* 32 MiB */
#define MT_DEFAULT_IDLE_TIMEOUT_S 600
/* A closed connection is remembered this long (capped by the idle timeout)
 * so that its late retransmissions are not taken for a new session. */
#define MT_LINGER_S 30
#define MT_MAX_LINGERING 4096 /* closed flows kept at most for their late segments */

struct mt_flow_config {
    size_t max_flows;
    size_t max_dir_held;
    size_t max_held;
    uint32_t idle_timeout_s;
    /* Ports that identify the server when a connection is picked up without
     * its SYN (the side sending to one of them is the client). */
    const uint16_t *server_ports;
    size_t n_server_ports;
};

struct mt_flow_stats {
    uint64_t segments;       /* TCP segments handled */
    uint64_t stray;          /* segments for no known flow that cannot start one */
    uint64_t flows;          /* flows created */
    uint64_t sessions;       /* sessions that carried data */
    uint64_t evicted;        /* sessions evicted because the table was full */
    uint64_t half_open_evicted; /* flows that carried no byte, evicted first (a SYN flood) */
    uint64_t timed_out;      /* flows closed by the idle timeout */
    uint64_t buffer_flushes; /* flows whose held data was given up for the total limit */
    uint64_t late;           /* segments for connections already closed */
    uint64_t rst_ignored;    /* RSTs out of the window, not believed (see reasm.h) */
    size_t live_flows;
    size_t peak_flows;
    size_t held;
    size_t peak_held;
    uint64_t dup_bytes, gaps, gap_bytes, limit_gaps, out_of_window;
};

struct mt_flow_table;

struct mt_flow_table *mt_flow_create(const struct mt_flow_config *cfg,
                                     const struct mt_stream_ops *ops);
void mt_flow_destroy(struct mt_flow_table *t);

void mt_flow_packet(struct mt_flow_table *t, const struct mt_packet *pkt);

/* Expires idle flows as of time now (capture clock). */
void mt_flow_tick(struct mt_flow_table *t, mt_time_us now);

/* End of input: delivers what is held (holes as gaps) and closes every
 * session still open. */
void mt_flow_finish(struct mt_flow_table *t);

void mt_flow_get_stats(const struct mt_flow_table *t, struct mt_flow_stats *out);

#endif
