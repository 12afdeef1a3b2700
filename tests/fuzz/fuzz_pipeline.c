/* libFuzzer target: the whole analysis pipeline (decode, flow table,
 * reassembly, dissector, follow output) over hostile frames.
 *
 * Input: a link type byte, then records of [flags byte][2-byte length][frame].
 * Small limits make eviction, timeouts and held-data limits happen often. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "mailtap/decode.h"
#include "mailtap/dissect.h"
#include "mailtap/flow.h"
#include "mailtap/keylog.h"
#include "mailtap/output.h"
#include "mailtap/tui_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
                           DLT_LOOP,   DLT_RAW,       DLT_IPV4,       DLT_IPV6};
static const uint16_t ports[] = {25, 110, 143};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    int dlt = dlts[data[0] % 8];
    struct mt_bus bus;
    mt_bus_init(&bus);
    struct mt_sink sink;
    /* Every output at once, so that each sees every kind of event. */
    struct mt_output_opts oo = {.color = data[0] & 0x80, .mask = data[0] & 0x40};
    if (mt_follow_sink(devnull, &oo, &sink) != 0)
        return 0;
    mt_bus_add(&bus, sink);
    if (mt_json_sink(devnull, &oo, &sink) == 0)
        mt_bus_add(&bus, sink);
    if (mt_creds_sink(devnull, &oo, &sink) == 0)
        mt_bus_add(&bus, sink);
    /* The interface's model and spool, with small limits so that they are
     * reached; everything it kept is read back at the end. */
    struct mt_tui_model model;
    char err[256];
    int have_model = mt_tui_model_init(&model, 3, 2, 8192 + (size_t)data[0] * 64, err,
                                       sizeof err) == 0;
    if (have_model)
        mt_bus_add(&bus, mt_tui_model_sink(&model));
    struct mt_dissect_config dcfg;
    mt_dissect_default_config(&dcfg);
    dcfg.max_line = 256; /* reach the long-line paths with small inputs */
    /* The key log of fuzz_keys.h; an odd first byte reads without one. */
    static const char keys[] = FUZZ_TLS12_KEYS FUZZ_TLS13_KEYS;
    struct mt_keylog *keylog = NULL;
    if (!(data[0] & 1) && (keylog = mt_keylog_new(4, NULL, NULL)) != NULL)
        mt_keylog_add_text(keylog, (const uint8_t *)keys, sizeof keys - 1, "fuzz");
    dcfg.keylog = keylog;
    struct mt_dissector *dis = mt_dissector_create(&bus, &dcfg);
    struct mt_stream_ops ops = mt_dissector_stream_ops(dis);
    struct mt_flow_config cfg = {.max_flows = 4, .max_dir_held = 300, .max_held = 700,
                                 .idle_timeout_s = 5, .server_ports = ports, .n_server_ports = 3};
    struct mt_flow_table *t = mt_flow_create(&cfg, &ops);
    size_t i = 1;
    mt_time_us ts = 0;
    while (i + 3 <= size) {
        uint8_t flags = data[i];
        size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        if (len > size - i)
            len = size - i;
        /* Copy so that ASan sees the exact frame bounds. */
        uint8_t *frame = malloc(len ? len : 1);
        memcpy(frame, data + i, len);
        i += len;
        ts += (mt_time_us)(flags & 7) * 1000000;
        struct mt_packet pkt;
        if (mt_decode(dlt, frame, len, &pkt) == MT_SKIP_NONE) {
            pkt.ts = ts;
            (void)mt_tcp_checksum_ok(&pkt);
            mt_flow_packet(t, &pkt);
        }
        free(frame);
    }
    mt_flow_finish(t);
    mt_bus_finish(&bus);
    if (have_model) {
        static uint8_t text[65536];
        for (size_t s = 0; s < model.n; s++) {
            for (uint64_t r = 0; r < model.s[s].ix.count; r++) {
                struct mt_rec rec;
                long n = mt_spool_read(model.spool, &model.s[s].ix, r, &rec, text, sizeof text);
                if (n < 0 || (size_t)n > rec.len || rec.nspans > MT_SPOOL_SPANS)
                    __builtin_trap(); /* what the index counts must read back */
            }
        }
        for (size_t c = 0; c < model.nc; c++)
            if (model.c[c].session >= model.n)
                __builtin_trap();
        mt_tui_model_free(&model);
    }
    mt_flow_destroy(t);
    mt_dissector_destroy(dis);
    mt_keylog_free(keylog);
    mt_bus_destroy(&bus);
    return 0;
}
