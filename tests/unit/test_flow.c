#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "mailtap/flow.h"
#include "mailtap/reasm.h"
#include "suites.h"

/* A consumer that writes down everything it is told, as text:
 *   "open 1 10.0.0.1:40000>10.0.0.2:143|C1:USER bob|S1:+OK|gap C1 5|close 1 closed|" */
struct recorder {
    char log[16384];
    size_t n;
    int open_sessions;
};

static struct recorder rec;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(rec.log + rec.n, sizeof rec.log - rec.n, fmt, ap);
    va_end(ap);
    if (k > 0 && rec.n + (size_t)k < sizeof rec.log)
        rec.n += (size_t)k;
}

struct rsess {
    uint64_t id;
};
static struct rsess sessions[64];

static void *r_open(void *ctx, const struct mt_session_info *info)
{
    (void)ctx;
    char c[MT_ENDPOINT_STRLEN], s[MT_ENDPOINT_STRLEN];
    mt_endpoint_format(&info->client, c, sizeof c);
    mt_endpoint_format(&info->server, s, sizeof s);
    logf_("open %llu %s>%s|", (unsigned long long)info->id, c, s);
    rec.open_sessions++;
    struct rsess *r = &sessions[info->id % 64];
    r->id = info->id;
    return r;
}

static void r_data(void *ctx, void *sess, enum mt_dir dir, const uint8_t *p, size_t n,
                   mt_time_us ts)
{
    (void)ctx, (void)ts;
    struct rsess *r = sess;
    logf_("%c%llu:%.*s|", dir == MT_DIR_CLIENT ? 'C' : 'S', (unsigned long long)r->id, (int)n,
          (const char *)p);
}

static void r_gap(void *ctx, void *sess, enum mt_dir dir, uint64_t n, mt_time_us ts)
{
    (void)ctx, (void)ts;
    struct rsess *r = sess;
    logf_("gap %c%llu %llu|", dir == MT_DIR_CLIENT ? 'C' : 'S', (unsigned long long)r->id,
          (unsigned long long)n);
}

static void r_close(void *ctx, void *sess, enum mt_close_reason why, mt_time_us ts)
{
    (void)ctx, (void)ts;
    struct rsess *r = sess;
    logf_("close %llu %s|", (unsigned long long)r->id, mt_close_reason_name(why));
    rec.open_sessions--;
}

static const uint16_t ports[] = {25, 110, 143};

static struct mt_flow_table *make_table(size_t max_flows, size_t max_held, uint32_t idle)
{
    memset(&rec, 0, sizeof rec);
    struct mt_flow_config cfg = {
        .max_flows = max_flows,
        .max_dir_held = 1 << 20,
        .max_held = max_held,
        .idle_timeout_s = idle,
        .server_ports = ports,
        .n_server_ports = 3,
    };
    struct mt_stream_ops ops = {r_open, r_data, r_gap, r_close, NULL, NULL};
    return mt_flow_create(&cfg, &ops);
}

/* The acknowledgment number the next send_pkt carries (then reset to 0). */
static uint32_t next_ack;

/* Client 10.0.0.C:cport, server 10.0.0.2:sport. */
static void send_pkt(struct mt_flow_table *t, int from_client, uint8_t c, uint16_t cport,
                     uint16_t sport, uint32_t seq, uint8_t flags, const char *payload, int64_t sec)
{
    struct mt_packet p;
    memset(&p, 0, sizeof p);
    struct mt_endpoint cl = {.family = 4, .addr = {10, 0, 0, c}, .port = cport};
    struct mt_endpoint sv = {.family = 4, .addr = {10, 0, 0, 2}, .port = sport};
    p.src = from_client ? cl : sv;
    p.dst = from_client ? sv : cl;
    p.seq = seq;
    p.ack = next_ack;
    next_ack = 0;
    p.flags = flags;
    p.payload = (const uint8_t *)payload;
    p.payload_len = payload ? strlen(payload) : 0;
    p.ts = sec * 1000000;
    mt_flow_packet(t, &p);
}

#define SYN MT_TCP_SYN
#define ACK MT_TCP_ACK
#define FIN MT_TCP_FIN
#define RST MT_TCP_RST
#define PA (MT_TCP_PSH | MT_TCP_ACK)

/* A full session on client host c, port cport. */
static void handshake(struct mt_flow_table *t, uint8_t c, uint16_t cport, int64_t sec)
{
    send_pkt(t, 1, c, cport, 143, 1000, SYN, NULL, sec);
    send_pkt(t, 0, c, cport, 143, 5000, SYN | ACK, NULL, sec);
    send_pkt(t, 1, c, cport, 143, 1001, ACK, NULL, sec);
}

static void test_handshake_and_fin(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 0, 1, 40000, 143, 5001, PA, "* OK\r\n", 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "a LOGOUT\r\n", 2);
    send_pkt(t, 0, 1, 40000, 143, 5007, PA | FIN, "* BYE\r\n", 2);
    send_pkt(t, 1, 1, 40000, 143, 1011, ACK | FIN, NULL, 2);
    CU_ASSERT_STRING_EQUAL(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|S1:* OK\r\n|"
                                    "C1:a LOGOUT\r\n|S1:* BYE\r\n|close 1 closed|");
    send_pkt(t, 0, 1, 40000, 143, 5014, ACK, NULL, 2); /* last ACK: nothing new */
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.sessions, 1);
    mt_flow_finish(t);
    CU_ASSERT_EQUAL(rec.open_sessions, 0);
    mt_flow_destroy(t);
}

/* Picked up mid-stream: the side talking to the mail port is the client,
 * whichever side is seen first. */
static void test_midstream_pickup(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    send_pkt(t, 0, 1, 40000, 143, 7000, PA, "* OK more\r\n", 1);
    send_pkt(t, 1, 1, 40000, 143, 3000, PA, "b NOOP\r\n", 1);
    mt_flow_finish(t);
    CU_ASSERT_STRING_EQUAL(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|S1:* OK more\r\n|"
                                    "C1:b NOOP\r\n|close 1 open at end of capture|");
    mt_flow_destroy(t);
}

static void test_reset(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "abc", 1);
    send_pkt(t, 1, 1, 40000, 143, 1010, PA, "xyz", 1); /* after a 6-byte hole */
    send_pkt(t, 0, 1, 40000, 143, 5001, RST, NULL, 1);
    CU_ASSERT_STRING_EQUAL(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|C1:abc|gap C1 6|C1:xyz|"
                                    "close 1 reset|");
    /* Late data for the reset connection is not a new session. */
    send_pkt(t, 1, 1, 40000, 143, 1004, PA, "defghi", 1);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.sessions, 1);
    CU_ASSERT_EQUAL(st.late, 1);
    mt_flow_destroy(t);
}

/* A RST far from the sender's stream (spoofed, or sent to blind an
 * observer) is ignored and counted; the session goes on, and a RST in the
 * window still ends it. */
static void test_reset_out_of_window(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "a LOGIN", 1);
    send_pkt(t, 0, 1, 40000, 143, 5001 + 500000, RST, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001 - 100000, RST, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 1008, PA, " bob pw\r\n", 1);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.rst_ignored, 2);
    CU_ASSERT(strstr(rec.log, "close") == NULL);
    send_pkt(t, 0, 1, 40000, 143, 5001 + 30000, RST, NULL, 1); /* in the window */
    CU_ASSERT_STRING_EQUAL(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|C1:a LOGIN|"
                                    "C1: bob pw\r\n|close 1 reset|");
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.rst_ignored, 2);
    mt_flow_destroy(t);
}

/* A POP3 flow picked up mid-stream, a SYN from its client (ISN 3000), and
 * a RST+ACK from the server acknowledging ack: the RSTs ignored. */
static uint64_t refused_syn(uint32_t ack)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    send_pkt(t, 0, 1, 40000, 110, 0x40000000, PA, "+OK old\r\n", 1);
    send_pkt(t, 1, 1, 40000, 110, 3000, SYN, NULL, 2);
    next_ack = ack;
    send_pkt(t, 0, 1, 40000, 110, 0, RST | ACK, NULL, 2);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    mt_flow_destroy(t);
    return st.rst_ignored;
}

/* RSTs a receiver accepts though they lie far from the stream the capture
 * saw: at the receiver's last ACK (data lost from the capture, or a RST from
 * a box in the path that carries the ACK), and a RST+ACK refusing a SYN. */
static void test_reset_by_ack_and_refused_syn(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "a", 1);
    next_ack = 1001 + 200000; /* the server got far more than the capture holds */
    send_pkt(t, 0, 1, 40000, 143, 5001, ACK, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001 + 200000, RST, NULL, 1);
    CU_ASSERT(strstr(rec.log, "close 1 reset|") != NULL);
    mt_flow_destroy(t);

    /* Picked up mid-stream; the client's SYN on the same ports is refused,
     * and its retry is a new session. */
    CU_ASSERT_EQUAL(refused_syn(3001), 0);
    CU_ASSERT(strstr(rec.log, "close 1 reset|") != NULL);
    /* The same RST+ACK with a wrong ACK number is ignored. */
    CU_ASSERT_EQUAL(refused_syn(3002), 1);
}

static void test_port_reuse(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA | FIN, "one", 1);
    send_pkt(t, 0, 1, 40000, 143, 5001, ACK | FIN, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 9000, SYN, NULL, 3);
    send_pkt(t, 0, 1, 40000, 143, 7000, SYN | ACK, NULL, 3);
    send_pkt(t, 1, 1, 40000, 143, 9001, PA, "two", 3);
    mt_flow_finish(t);
    CU_ASSERT_STRING_EQUAL(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|C1:one|close 1 closed|"
                                    "open 2 10.0.0.1:40000>10.0.0.2:143|C2:two|"
                                    "close 2 open at end of capture|");
    mt_flow_destroy(t);
}

static void test_idle_timeout(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 60);
    handshake(t, 1, 40000, 100);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "hi", 100);
    handshake(t, 3, 40001, 150);
    CU_ASSERT(strstr(rec.log, "close") == NULL);
    send_pkt(t, 1, 3, 40001, 143, 1001, PA, "later", 161); /* 61 s after session 1 */
    CU_ASSERT(strstr(rec.log, "close 1 timed out|") != NULL);
    mt_flow_tick(t, 300LL * 1000000);
    CU_ASSERT(strstr(rec.log, "close 2 timed out|") != NULL);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.timed_out, 2);
    CU_ASSERT_EQUAL(st.live_flows, 0);
    mt_flow_destroy(t);
}

static void test_max_flows_evicts_oldest(void)
{
    struct mt_flow_table *t = make_table(3, 1 << 20, 600);
    for (uint8_t c = 1; c <= 5; c++) {
        handshake(t, c, 40000, c);
        send_pkt(t, 1, c, 40000, 143, 1001, PA, "x", c);
    }
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.evicted, 2);
    CU_ASSERT(st.live_flows <= 3);
    CU_ASSERT(st.peak_flows <= 3);
    /* The two oldest went first, in order. */
    const char *e1 = strstr(rec.log, "close 1 evicted|");
    const char *e2 = strstr(rec.log, "close 2 evicted|");
    CU_ASSERT(e1 && e2 && e1 < e2);
    CU_ASSERT(strstr(rec.log, "close 3") == NULL);
    mt_flow_finish(t);
    mt_flow_destroy(t);
}

/* A burst of short sessions all closed within MT_LINGER_S: no more than
 * MT_MAX_LINGERING of them are kept for their late segments. */
static void test_lingering_bounded(void)
{
    struct mt_flow_table *t = make_table(65536, 1 << 20, 600);
    for (unsigned i = 0; i < 6000; i++) {
        uint8_t c = (uint8_t)(1 + i / 300);
        uint16_t port = (uint16_t)(40000 + i % 300);
        handshake(t, c, port, 1);
        send_pkt(t, 0, c, port, 143, 5001, PA, "* OK\r\n", 1);
        send_pkt(t, 1, c, port, 143, 1001, ACK | FIN, NULL, 1);
        send_pkt(t, 0, c, port, 143, 5007, ACK | FIN, NULL, 1);
    }
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.sessions, 6000);
    CU_ASSERT(st.peak_flows <= MT_MAX_LINGERING + 1);
    CU_ASSERT(st.live_flows <= MT_MAX_LINGERING);
    mt_flow_finish(t);
    mt_flow_destroy(t);
}

/* A SYN flood against a full table: half-open flows go first, so the
 * session in the middle of its login survives it, and the evictions are
 * counted as half-open ones, not as sessions. */
static void test_syn_flood_spares_sessions(void)
{
    struct mt_flow_table *t = make_table(8, 1 << 20, 600);
    handshake(t, 1, 40000, 1);
    send_pkt(t, 1, 1, 40000, 143, 1001, PA, "a1 LOGIN alice ", 1);
    for (uint32_t i = 0; i < 5000; i++) /* SYNs that never go further */
        send_pkt(t, 1, (uint8_t)(3 + i % 200), (uint16_t)(2000 + i / 200), 143, i, SYN, NULL, 2);
    send_pkt(t, 1, 1, 40000, 143, 1016, PA, "secret\r\n", 3);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.evicted, 0);
    CU_ASSERT_EQUAL(st.half_open_evicted, 5000 - 7);
    CU_ASSERT(st.peak_flows <= 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(rec.log, "C1:a1 LOGIN alice |C1:secret\r\n|"));
    CU_ASSERT_PTR_NULL(strstr(rec.log, "close 1 evicted"));
    /* With no half-open flow left to go, a session is evicted, and counted
     * as one. */
    for (uint8_t c = 2; c <= 10; c++) {
        handshake(t, c, 41000, 4);
        send_pkt(t, 1, c, 41000, 143, 1001, PA, "x", 4);
    }
    mt_flow_get_stats(t, &st);
    CU_ASSERT(st.evicted >= 1);
    mt_flow_finish(t);
    mt_flow_destroy(t);
}

static void test_total_held_limit(void)
{
    /* Room for about two held segments in all. */
    struct mt_flow_table *t = make_table(16, 2 * (10 + MT_REASM_SEG_OVERHEAD) + 1, 600);
    for (uint8_t c = 1; c <= 3; c++) {
        handshake(t, c, 40000, c);
        send_pkt(t, 1, c, 40000, 143, 1011, PA, "0123456789", c); /* 10-byte hole first */
    }
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.buffer_flushes, 1);
    CU_ASSERT(st.held <= 2 * (10 + MT_REASM_SEG_OVERHEAD));
    /* The flow that started holding first was given up first. */
    CU_ASSERT(strstr(rec.log, "open 1 10.0.0.1:40000>10.0.0.2:143|gap C1 10|C1:0123456789|") !=
              NULL);
    mt_flow_finish(t);
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.held, 0);
    mt_flow_destroy(t);
}

static void test_stray_packets_ignored(void)
{
    struct mt_flow_table *t = make_table(16, 1 << 20, 600);
    send_pkt(t, 1, 1, 40000, 143, 1, ACK, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 1, RST, NULL, 1);
    send_pkt(t, 1, 1, 40000, 143, 1, FIN | ACK, NULL, 1);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.stray, 3);
    CU_ASSERT_EQUAL(st.flows, 0);
    CU_ASSERT_EQUAL(rec.n, 0);
    mt_flow_destroy(t);
}

/* A flood of distinct flows never grows the table past its limit. */
static void test_flood_bounded(void)
{
    struct mt_flow_table *t = make_table(100, 1 << 16, 600);
    for (uint32_t i = 0; i < 20000; i++)
        send_pkt(t, 1, (uint8_t)(i % 250 + 3), (uint16_t)(1024 + i / 250), 143, 77, PA,
                 i % 2 ? "x" : "yy", 1);
    struct mt_flow_stats st;
    mt_flow_get_stats(t, &st);
    CU_ASSERT(st.peak_flows <= 100);
    CU_ASSERT_EQUAL(st.sessions, 20000);
    mt_flow_finish(t);
    CU_ASSERT_EQUAL(rec.open_sessions, 0);
    mt_flow_destroy(t);
}

int register_flow_suite(void)
{
    CU_pSuite s = CU_add_suite("flow", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "handshake, data, FIN both ways", test_handshake_and_fin) ||
           !CU_add_test(s, "mid-stream pickup finds the client", test_midstream_pickup) ||
           !CU_add_test(s, "RST closes, holes become gaps", test_reset) ||
           !CU_add_test(s, "RST out of the window ignored", test_reset_out_of_window) ||
           !CU_add_test(s, "RST at the peer's ACK, RST refusing a SYN", test_reset_by_ack_and_refused_syn) ||
           !CU_add_test(s, "address/port pair reused", test_port_reuse) ||
           !CU_add_test(s, "idle timeout", test_idle_timeout) ||
           !CU_add_test(s, "flow limit evicts the oldest", test_max_flows_evicts_oldest) ||
           !CU_add_test(s, "closed flows linger within a bound", test_lingering_bounded) ||
           !CU_add_test(s, "total held-bytes limit", test_total_held_limit) ||
           !CU_add_test(s, "a SYN flood spares sessions", test_syn_flood_spares_sessions) ||
           !CU_add_test(s, "stray packets start nothing", test_stray_packets_ignored) ||
           !CU_add_test(s, "flood of flows stays bounded", test_flood_bounded);
}
