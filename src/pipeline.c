/* The pipeline between an open capture and the event bus: decode, flows
 * and reassembly, dissection; run whole, step by step or at a replay's
 * pace, and summed up at the end. It parses no option and writes only the
 * summary. */
#include "mailtap/pipeline.h"

#include <inttypes.h>

#include "mailtap/keylog.h"
#include <string.h>
#include <time.h>

static int on_frame(void *ctx, mt_time_us ts, const uint8_t *frame, size_t caplen, size_t wirelen)
{
    struct mt_pipeline *pl = ctx;
    pl->packets++;
    pl->bytes += wirelen;
    struct mt_packet pkt;
    enum mt_skip why = mt_decode(pl->dlt, frame, caplen, &pkt);
    if (why == MT_SKIP_NONE && pl->checksum != MT_CSUM_OFF && !mt_tcp_checksum_ok(&pkt)) {
        pl->bad_checksums++;
        if (pl->checksum == MT_CSUM_VERIFY)
            why = MT_SKIP_BAD_CHECKSUM;
    }
    if (why != MT_SKIP_NONE) {
        pl->skipped[why]++;
        return 0;
    }
    pl->decoded++;
    pkt.ts = ts;
    mt_flow_packet(pl->flows, &pkt);
    return pl->bus->failed;
}

static void on_idle(void *ctx, mt_time_us now)
{
    struct mt_pipeline *pl = ctx;
    mt_flow_tick(pl->flows, now);
}

int mt_pipeline_init(struct mt_pipeline *pl, struct mt_capture *cap, struct mt_bus *bus,
                     const struct mt_flow_config *flow, const struct mt_dissect_config *dissect,
                     enum mt_checksum_mode checksum, uint64_t count)
{
    memset(pl, 0, sizeof *pl);
    pl->cap = cap;
    pl->dlt = mt_capture_datalink(cap);
    pl->checksum = checksum;
    pl->count = count;
    pl->bus = bus;
    pl->data_only = dissect->data_only;
    pl->keylog = dissect->keylog;
    pl->dis = mt_dissector_create(bus, dissect);
    if (!pl->dis)
        return -1;
    struct mt_stream_ops ops = mt_dissector_stream_ops(pl->dis);
    pl->flows = mt_flow_create(flow, &ops);
    if (!pl->flows) {
        mt_dissector_destroy(pl->dis);
        pl->dis = NULL;
        return -1;
    }
    return 0;
}

void mt_pipeline_destroy(struct mt_pipeline *pl)
{
    mt_flow_destroy(pl->flows);
    mt_dissector_destroy(pl->dis);
    pl->flows = NULL;
    pl->dis = NULL;
}

enum mt_run_result mt_pipeline_run(struct mt_pipeline *pl)
{
    enum mt_run_result rr =
        mt_capture_run(pl->cap, pl->count, on_frame, on_idle, pl, pl->msg, sizeof pl->msg);
    mt_pipeline_finish(pl);
    return rr;
}

static mt_time_us wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (mt_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int mt_pipeline_step(void *ctx, unsigned max, int64_t *wait_us)
{
    struct mt_pipeline *pl = ctx;
    *wait_us = 0;
    if (pl->finished)
        return pl->status;
    if (pl->count && max > pl->count - pl->packets)
        max = (unsigned)(pl->count - pl->packets);
    mt_time_us w = 0;
    enum mt_step_result rc =
        max ? mt_capture_step(pl->cap, max, on_frame, pl, &w, pl->msg, sizeof pl->msg)
            : MT_STEP_END;
    if (rc == MT_STEP_MORE && pl->count && pl->packets >= pl->count)
        rc = MT_STEP_END;
    *wait_us = w;
    if (rc == MT_STEP_IDLE)
        mt_flow_tick(pl->flows, wall_clock());
    if (rc == MT_STEP_END || rc == MT_STEP_TRUNCATED || rc == MT_STEP_ERROR) {
        mt_pipeline_finish(pl); /* sessions still open end with the source */
        pl->status = rc;
    }
    return rc;
}

void mt_pipeline_pause(void *ctx, int paused)
{
    struct mt_pipeline *pl = ctx;
    mt_capture_pause_replay(pl->cap, paused);
}

void mt_pipeline_counts(void *ctx, struct mt_pipeline_counts *c)
{
    struct mt_pipeline *pl = ctx;
    struct mt_flow_stats st;
    mt_flow_get_stats(pl->flows, &st);
    c->packets = pl->packets;
    c->drops = mt_capture_drops(pl->cap);
    c->evicted = st.evicted;
    c->half_open_evicted = st.half_open_evicted;
}

void mt_pipeline_finish(struct mt_pipeline *pl)
{
    if (pl->finished)
        return;
    mt_flow_finish(pl->flows);
    pl->finished = 1;
    if (pl->status == MT_STEP_MORE)
        pl->status = MT_STEP_END;
}

enum mt_run_result mt_pipeline_result(const struct mt_pipeline *pl)
{
    return pl->status == MT_STEP_TRUNCATED ? MT_RUN_TRUNCATED
           : pl->status == MT_STEP_ERROR   ? MT_RUN_ERROR
                                           : MT_RUN_END;
}

enum mt_run_result mt_pipeline_replay(struct mt_pipeline *pl)
{
    for (;;) {
        int64_t wait_us = 0;
        int rc = mt_pipeline_step(pl, 1024, &wait_us);
        if (pl->bus->failed)
            return MT_RUN_END; /* the output's error is said once, by its sink */
        if (rc == MT_STEP_WAIT) {
            struct timespec ts = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
            fflush(stdout);
            nanosleep(&ts, NULL); /* a signal cuts it short; the stop flag ends the loop */
        } else if (rc != MT_STEP_MORE) {
            return mt_pipeline_result(pl);
        }
    }
}

static void summary_skipped(const struct mt_pipeline *pl, FILE *f)
{
    uint64_t skipped = 0;
    for (int i = 1; i < MT_SKIP_COUNT; i++)
        skipped += pl->skipped[i];
    if (!skipped)
        return;
    fprintf(f, "mailtap: skipped %" PRIu64 " frames:", skipped);
    const char *sep = " ";
    for (int i = 1; i < MT_SKIP_COUNT; i++) {
        if (!pl->skipped[i])
            continue;
        fprintf(f, "%s%" PRIu64 " %s", sep, pl->skipped[i], mt_skip_name(i));
        sep = ", ";
    }
    fputc('\n', f);
}

static void summary_flows(const struct mt_flow_stats *st, FILE *f)
{
    fprintf(f,
            "mailtap: %" PRIu64 " gaps (%" PRIu64 " bytes missing), %" PRIu64
            " retransmitted or overlapping bytes dropped",
            st->gaps, st->gap_bytes, st->dup_bytes);
    if (st->rst_ignored)
        fprintf(f, ", %" PRIu64 " resets out of window ignored", st->rst_ignored);
    fputc('\n', f);
    if (st->evicted || st->timed_out || st->buffer_flushes || st->limit_gaps || st->out_of_window)
        fprintf(f,
                "mailtap: limits: %" PRIu64 " sessions evicted (--max-flows), %" PRIu64
                " timed out (--idle-timeout), %" PRIu64 " buffers given up (--max-held), %" PRIu64
                " holes given up (--max-dir-held), %" PRIu64 " segments out of window\n",
                st->evicted, st->timed_out, st->buffer_flushes, st->limit_gaps,
                st->out_of_window);
    if (st->half_open_evicted)
        fprintf(f,
                "mailtap: the flow table was full (--max-flows): %" PRIu64
                " half-open connections that carried no byte evicted before any session "
                "(a SYN flood?)\n",
                st->half_open_evicted);
    fprintf(f, "mailtap: peak %zu flows, %zu bytes held out of order\n", st->peak_flows,
            st->peak_held);
}

static void summary_dissector(const struct mt_pipeline *pl, FILE *f)
{
    struct mt_dissect_stats ds;
    mt_dissector_get_stats(pl->dis, &ds);
    if (!pl->data_only) {
        fprintf(f, "mailtap: %" PRIu64 " credentials, %" PRIu64 " sessions encrypted with TLS",
                ds.credentials, ds.tls_sessions);
        if (ds.tls_sessions)
            fprintf(f, " (%" PRIu64 " decrypted, %" PRIu64 " without a key, %" PRIu64
                       " that could not be read)",
                    ds.tls_decrypted, ds.tls_no_key, ds.tls_failed);
        fputc('\n', f);
    }
    if (ds.mem_refused)
        fprintf(f,
                "mailtap: %" PRIu64 " buffers refused by --max-parse-mem (lines cut; TLS hellos, "
                "SASL exchanges or logins awaiting their reply not decoded)\n",
                ds.mem_refused);
    if (ds.tls_no_key && ds.nmissing) {
        fprintf(f, "mailtap: no key in the key logs for %" PRIu64 " TLS sessions:", ds.tls_no_key);
        for (size_t i = 0; i < ds.nmissing; i++)
            fprintf(f, "%s session %" PRIu64 " (CLIENT_RANDOM %s)", i ? "," : "",
                    ds.missing[i].session, ds.missing[i].client_random);
        fputs(ds.tls_no_key > ds.nmissing ? ", ...\n" : "\n", f);
    }
    if (ds.unreadable_dirs)
        fprintf(f,
                "mailtap: %" PRIu64 " session directions not readable to their end (a transform "
                "gave up; %" PRIu64 " bytes after that not read)\n",
                ds.unreadable_dirs, ds.unread_bytes);
    if (ds.conflict_bytes)
        fprintf(f,
                "mailtap: %" PRIu64 " bytes of copies differed from the first copy taken "
                "(each session warned)\n",
                ds.conflict_bytes);
    if (ds.lines_truncated)
        fprintf(f,
                "mailtap: %" PRIu64 " lines longer than --max-line cut (%" PRIu64
                " bytes not kept)\n",
                ds.lines_truncated, ds.bytes_dropped);
}

void mt_pipeline_summary(const struct mt_pipeline *pl, FILE *f)
{
    struct mt_flow_stats st;
    mt_flow_get_stats(pl->flows, &st);
    fprintf(f, "mailtap: %" PRIu64 " packets (%" PRIu64 " bytes), %" PRIu64 " sessions\n",
            pl->packets, pl->bytes, st.sessions);
    summary_skipped(pl, f);
    if (pl->checksum != MT_CSUM_OFF)
        fprintf(f, "mailtap: %" PRIu64 " segments with a bad TCP checksum%s\n",
                pl->bad_checksums, pl->checksum == MT_CSUM_VERIFY ? " dropped" : " (kept)");
    summary_flows(&st, f);
    summary_dissector(pl, f);
    if (pl->keylog) {
        struct mt_keylog_stats ks;
        mt_keylog_get_stats(pl->keylog, &ks);
        fprintf(f, "mailtap: key logs: %" PRIu64 " secrets of %zu TLS sessions", ks.secrets,
                ks.randoms);
        if (ks.malformed)
            fprintf(f, ", %" PRIu64 " malformed lines", ks.malformed);
        if (ks.dropped)
            fprintf(f, ", %" PRIu64 " secrets not kept (--max-keys)", ks.dropped);
        fputc('\n', f);
    }
    if (mt_capture_is_live(pl->cap))
        fprintf(f, "mailtap: %" PRIu64 " packets dropped by the kernel or interface\n",
                mt_capture_drops(pl->cap));
}
