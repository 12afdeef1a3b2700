#include <CUnit/CUnit.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/decode.h"
#include "suites.h"

/* Frame builder: appends headers into a buffer. */
struct frame {
    uint8_t b[2048];
    size_t n;
};

static void put(struct frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put16(struct frame *f, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(f, x, 2);
}

static void put32(struct frame *f, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(f, x, 4);
}

static void put_ether(struct frame *f, const uint16_t *tags, int ntags, uint16_t type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    put(f, macs, 12);
    for (int i = 0; i < ntags; i++) {
        put16(f, tags[i]);
        put16(f, (uint16_t)(100 + i));
    }
    put16(f, type);
}

/* TCP header (20 bytes + opt_len of NOP options) followed by payload. */
static void put_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                    size_t opt_len, const char *payload)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, seq);
    put32(f, 0x01020304);
    uint8_t off_flags[2] = {(uint8_t)(((20 + opt_len) / 4) << 4), flags};
    put(f, off_flags, 2);
    put16(f, 65535);
    put16(f, 0); /* checksum */
    put16(f, 0);
    for (size_t i = 0; i < opt_len; i++)
        put(f, "\x01", 1);
    put(f, payload, strlen(payload));
}

static size_t tcp_len(size_t opt_len, const char *payload) { return 20 + opt_len + strlen(payload); }

static void put_ipv4(struct frame *f, size_t opt_len, size_t l4_len, uint8_t proto, uint16_t frag)
{
    uint8_t vihl = (uint8_t)(0x40 | ((20 + opt_len) / 4));
    put(f, &vihl, 1);
    put(f, "\0", 1);
    put16(f, (uint16_t)(20 + opt_len + l4_len));
    put16(f, 1);
    put16(f, frag);
    uint8_t ttl_proto[2] = {64, proto};
    put(f, ttl_proto, 2);
    put16(f, 0);
    put(f, "\xc0\x00\x02\x01", 4); /* 192.0.2.1 */
    put(f, "\xc0\x00\x02\x02", 4); /* 192.0.2.2 */
    for (size_t i = 0; i < opt_len; i++)
        put(f, "\x01", 1);
}

static const uint8_t v6src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t v6dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void put_ipv6(struct frame *f, size_t payload_len, uint8_t next)
{
    put32(f, 0x60000000);
    put16(f, (uint16_t)payload_len);
    uint8_t nh[2] = {next, 64};
    put(f, nh, 2);
    put(f, v6src, 16);
    put(f, v6dst, 16);
}

static void assert_tcp_143(const struct mt_packet *p, const char *payload)
{
    CU_ASSERT_EQUAL(p->src.port, 40000);
    CU_ASSERT_EQUAL(p->dst.port, 143);
    CU_ASSERT_EQUAL(p->seq, 1000);
    CU_ASSERT_EQUAL(p->flags, MT_TCP_ACK | MT_TCP_PSH);
    CU_ASSERT_EQUAL(p->payload_len, strlen(payload));
    CU_ASSERT(p->payload_len == 0 || memcmp(p->payload, payload, p->payload_len) == 0);
}

/* Every prefix of a valid frame decodes as truncated (or, for the
 * shortest ones, not IP) and never reads past the prefix: run under ASan
 * each prefix lives in a heap block of exactly its size. */
static void assert_prefixes_safe(int dlt, const struct frame *f)
{
    for (size_t n = 0; n < f->n; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, f->b, n);
        struct mt_packet p;
        enum mt_skip why = mt_decode(dlt, copy, n, &p);
        CU_ASSERT(why != MT_SKIP_NONE || p.payload + p.payload_len <= copy + n);
        free(copy);
    }
}

static void test_ethernet_ipv4(void)
{
    struct frame f = {.n = 0};
    const char *pl = "a1 LOGIN bob secret\r\n";
    put_ether(&f, NULL, 0, 0x0800);
    put_ipv4(&f, 0, tcp_len(0, pl), 6, 0x4000);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, pl);
    struct mt_packet p;
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    CU_ASSERT_EQUAL(p.src.family, 4);
    CU_ASSERT(memcmp(p.src.addr, "\xc0\x00\x02\x01", 4) == 0);
    CU_ASSERT(memcmp(p.dst.addr, "\xc0\x00\x02\x02", 4) == 0);
    assert_prefixes_safe(DLT_EN10MB, &f);
}

static void test_ethernet_padding_not_payload(void)
{
    struct frame f = {.n = 0};
    put_ether(&f, NULL, 0, 0x0800);
    put_ipv4(&f, 0, tcp_len(0, ""), 6, 0);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, "");
    put(&f, "\0\0\0\0\0\0", 6); /* minimum-size frame padding */
    struct mt_packet p;
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_NONE);
    CU_ASSERT_EQUAL(p.payload_len, 0);
}

static void test_stacked_vlans_and_options(void)
{
    struct frame f = {.n = 0};
    const char *pl = "USER bob\r\n";
    const uint16_t tags[] = {0x88a8, 0x8100};
    put_ether(&f, tags, 2, 0x0800);
    put_ipv4(&f, 8, tcp_len(12, pl), 6, 0);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 12, pl);
    struct mt_packet p;
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    assert_prefixes_safe(DLT_EN10MB, &f);
}

static void test_too_many_vlans(void)
{
    struct frame f = {.n = 0};
    uint16_t tags[12];
    for (int i = 0; i < 12; i++)
        tags[i] = 0x8100;
    put_ether(&f, tags, 12, 0x0800);
    put_ipv4(&f, 0, tcp_len(0, ""), 6, 0);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, "");
    struct mt_packet p;
    CU_ASSERT_EQUAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_MALFORMED);
}

static void test_ipv6_extension_headers(void)
{
    struct frame f = {.n = 0};
    const char *pl = "+OK ready\r\n";
    size_t ext = 8 + 16 + 8; /* hop-by-hop, destination options (16), atomic fragment */
    put_ether(&f, NULL, 0, 0x86dd);
    put_ipv6(&f, ext + tcp_len(0, pl), 0);
    uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};
    put(&f, hbh, 8);
    uint8_t dst[16] = {44, 1, 1, 12, 0};
    put(&f, dst, 16);
    uint8_t frag[8] = {6, 0, 0, 0, 0, 0, 0, 7}; /* offset 0, M=0 */
    put(&f, frag, 8);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, pl);
    struct mt_packet p;
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    CU_ASSERT_EQUAL(p.src.family, 6);
    CU_ASSERT(memcmp(p.src.addr, v6src, 16) == 0);
    CU_ASSERT(memcmp(p.dst.addr, v6dst, 16) == 0);
    assert_prefixes_safe(DLT_EN10MB, &f);
}

static void test_fragments_skipped(void)
{
    struct frame f = {.n = 0};
    put_ether(&f, NULL, 0, 0x0800);
    put_ipv4(&f, 0, tcp_len(0, "x"), 6, 0x2000); /* more fragments */
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK, 0, "x");
    struct mt_packet p;
    CU_ASSERT_EQUAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_FRAGMENT);

    struct frame g = {.n = 0};
    put_ipv6(&g, 8 + 20, 44);
    uint8_t frag[8] = {6, 0, 0, 1, 0, 0, 0, 7}; /* M=1 */
    put(&g, frag, 8);
    put_tcp(&g, 40000, 143, 1000, MT_TCP_ACK, 0, "");
    CU_ASSERT_EQUAL(mt_decode(DLT_RAW, g.b, g.n, &p), MT_SKIP_FRAGMENT);
}

static void test_not_tcp_not_ip(void)
{
    struct frame f = {.n = 0};
    put_ether(&f, NULL, 0, 0x0800);
    put_ipv4(&f, 0, 8, 17, 0);
    put(&f, "\0\x35\0\x35\0\x08\0\0", 8);
    struct mt_packet p;
    CU_ASSERT_EQUAL(mt_decode(DLT_EN10MB, f.b, f.n, &p), MT_SKIP_NOT_TCP);
    struct frame g = {.n = 0};
    put_ether(&g, NULL, 0, 0x0806);
    put(&g, "arp arp arp arp arp arp arp", 27);
    CU_ASSERT_EQUAL(mt_decode(DLT_EN10MB, g.b, g.n, &p), MT_SKIP_NOT_IP);
}

static void test_malformed(void)
{
    struct frame f = {.n = 0};
    put_ipv4(&f, 0, tcp_len(0, ""), 6, 0);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK, 0, "");
    f.b[0] = 0x43; /* IHL 12 bytes */
    struct mt_packet p;
    CU_ASSERT_EQUAL(mt_decode(DLT_IPV4, f.b, f.n, &p), MT_SKIP_MALFORMED);
    f.b[0] = 0x45;
    f.b[20 + 12] = 0x30; /* TCP data offset 12 bytes */
    CU_ASSERT_EQUAL(mt_decode(DLT_IPV4, f.b, f.n, &p), MT_SKIP_MALFORMED);
    f.b[20 + 12] = 0x50;
    f.b[3] = 200; /* total length longer than captured */
    CU_ASSERT_EQUAL(mt_decode(DLT_IPV4, f.b, f.n, &p), MT_SKIP_TRUNCATED);
}

static void test_link_types(void)
{
    const char *pl = "EHLO x\r\n";
    struct mt_packet p;
    struct frame ip = {.n = 0};
    put_ipv4(&ip, 0, tcp_len(0, pl), 6, 0);
    put_tcp(&ip, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, pl);

    struct frame sll = {.n = 0};
    put(&sll, "\0\0\0\1\0\6\2\0\0\0\0\1\0\0", 14);
    put16(&sll, 0x0800);
    put(&sll, ip.b, ip.n);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_LINUX_SLL, sll.b, sll.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    assert_prefixes_safe(DLT_LINUX_SLL, &sll);

    struct frame sll2 = {.n = 0};
    put16(&sll2, 0x0800);
    put(&sll2, "\0\0\0\0\0\1\0\1\0\6\2\0\0\0\0\1\0\0", 18);
    put(&sll2, ip.b, ip.n);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_LINUX_SLL2, sll2.b, sll2.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);

    struct frame null_le = {.n = 0};
    put(&null_le, "\2\0\0\0", 4);
    put(&null_le, ip.b, ip.n);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_NULL, null_le.b, null_le.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);

    struct frame null_be = {.n = 0};
    put(&null_be, "\0\0\0\2", 4);
    put(&null_be, ip.b, ip.n);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_NULL, null_be.b, null_be.n, &p), MT_SKIP_NONE);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_LOOP, null_be.b, null_be.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);

    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_RAW, ip.b, ip.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_IPV4, ip.b, ip.n, &p), MT_SKIP_NONE);

    struct frame ip6 = {.n = 0};
    put_ipv6(&ip6, tcp_len(0, pl), 6);
    put_tcp(&ip6, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, pl);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_IPV6, ip6.b, ip6.n, &p), MT_SKIP_NONE);
    assert_tcp_143(&p, pl);
    struct frame null6 = {.n = 0};
    put(&null6, "\x1e\0\0\0", 4); /* AF_INET6 on macOS, little-endian */
    put(&null6, ip6.b, ip6.n);
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_NULL, null6.b, null6.n, &p), MT_SKIP_NONE);
    CU_ASSERT_EQUAL(p.src.family, 6);

    CU_ASSERT(mt_decode_link_supported(DLT_EN10MB));
    CU_ASSERT(!mt_decode_link_supported(DLT_IEEE802_11_RADIO));
}

/* A checksum computed the long way round, to check mt_tcp_checksum_ok. */
static void test_checksum(void)
{
    struct frame f = {.n = 0};
    const char *pl = "PASS hunter2\r\n";
    put_ipv4(&f, 0, tcp_len(0, pl), 6, 0);
    put_tcp(&f, 40000, 143, 1000, MT_TCP_ACK | MT_TCP_PSH, 0, pl);
    uint8_t *tcp = f.b + 20;
    size_t tl = f.n - 20;
    uint32_t sum = 0;
    uint8_t pseudo[12];
    memcpy(pseudo, f.b + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(tl >> 8);
    pseudo[11] = (uint8_t)tl;
    for (size_t i = 0; i < 12; i += 2)
        sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
    for (size_t i = 0; i < tl; i += 2)
        sum += (uint32_t)(tcp[i] << 8 | (i + 1 < tl ? tcp[i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t ck = (uint16_t)~sum;
    tcp[16] = (uint8_t)(ck >> 8);
    tcp[17] = (uint8_t)ck;
    struct mt_packet p;
    CU_ASSERT_EQUAL_FATAL(mt_decode(DLT_IPV4, f.b, f.n, &p), MT_SKIP_NONE);
    CU_ASSERT(mt_tcp_checksum_ok(&p));
    tcp[25] ^= 1;
    CU_ASSERT(!mt_tcp_checksum_ok(&p));
}

/* Random frames of every link type: decoding must stay inside the buffer
 * (checked by ASan in the sanitizer build) and always return a reason. */
static void test_random_frames(void)
{
    const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
                        DLT_LOOP,   DLT_RAW,       DLT_IPV4,       DLT_IPV6};
    uint32_t x = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(iter % 97);
        uint8_t *buf = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        /* Make the random bytes look like IP often enough to go deep. */
        if (n > 0 && iter % 2)
            buf[0] = (uint8_t)((iter % 4 == 1 ? 0x45 : 0x60) | (buf[0] & 0));
        struct mt_packet p;
        int dlt = dlts[iter % 8];
        enum mt_skip why = mt_decode(dlt, buf, n, &p);
        CU_ASSERT(why < MT_SKIP_COUNT);
        if (why == MT_SKIP_NONE)
            CU_ASSERT(p.payload >= buf && p.payload + p.payload_len <= buf + n);
        free(buf);
    }
}

int register_decode_suite(void)
{
    CU_pSuite s = CU_add_suite("decode", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "Ethernet IPv4 TCP, every prefix", test_ethernet_ipv4) ||
           !CU_add_test(s, "Ethernet padding is not payload", test_ethernet_padding_not_payload) ||
           !CU_add_test(s, "stacked 802.1ad/802.1Q, IP and TCP options",
                        test_stacked_vlans_and_options) ||
           !CU_add_test(s, "too many VLAN tags", test_too_many_vlans) ||
           !CU_add_test(s, "IPv6 extension headers", test_ipv6_extension_headers) ||
           !CU_add_test(s, "fragments skipped", test_fragments_skipped) ||
           !CU_add_test(s, "not TCP, not IP", test_not_tcp_not_ip) ||
           !CU_add_test(s, "malformed headers", test_malformed) ||
           !CU_add_test(s, "SLL, SLL2, NULL, LOOP, RAW, IPV4, IPV6", test_link_types) ||
           !CU_add_test(s, "TCP checksum", test_checksum) ||
           !CU_add_test(s, "random frames stay in bounds", test_random_frames);
}
