/* Decoding frames down to TCP segments: link layers, IPv4, IPv6, TCP.
 * Every read is checked against the captured length; a frame that does not
 * decode is skipped by reason, never read past its end. */
#include "mailtap/decode.h"

#include <pcap/dlt.h>
#include <string.h>

const char *mt_skip_name(enum mt_skip why)
{
    switch (why) {
    case MT_SKIP_NONE: return "none";
    case MT_SKIP_TRUNCATED: return "truncated";
    case MT_SKIP_MALFORMED: return "malformed";
    case MT_SKIP_NOT_IP: return "not IP";
    case MT_SKIP_NOT_TCP: return "not TCP";
    case MT_SKIP_FRAGMENT: return "IP fragment";
    case MT_SKIP_BAD_CHECKSUM: return "bad TCP checksum";
    case MT_SKIP_COUNT: break;
    }
    return "unknown";
}

/* A bounded view of the frame: every access goes through need(). */
struct cursor {
    const uint8_t *p;
    size_t len;
};

static int need(const struct cursor *c, size_t off, size_t n)
{
    return off <= c->len && n <= c->len - off;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define MAX_VLAN_TAGS 8
#define MAX_IPV6_EXT_HEADERS 16

static enum mt_skip decode_tcp(struct cursor seg, struct mt_packet *pkt)
{
    if (!need(&seg, 0, 20))
        return MT_SKIP_TRUNCATED;
    size_t hlen = (size_t)(seg.p[12] >> 4) * 4;
    if (hlen < 20)
        return MT_SKIP_MALFORMED;
    if (!need(&seg, 0, hlen))
        return MT_SKIP_TRUNCATED;
    pkt->src.port = rd16(seg.p);
    pkt->dst.port = rd16(seg.p + 2);
    pkt->seq = rd32(seg.p + 4);
    pkt->ack = rd32(seg.p + 8);
    pkt->flags = seg.p[13];
    pkt->payload = seg.p + hlen;
    pkt->payload_len = seg.len - hlen;
    pkt->tcp = seg.p;
    pkt->tcp_len = seg.len;
    return MT_SKIP_NONE;
}

static enum mt_skip decode_ipv4(struct cursor c, struct mt_packet *pkt)
{
    if (!need(&c, 0, 20))
        return MT_SKIP_TRUNCATED;
    if (c.p[0] >> 4 != 4)
        return MT_SKIP_MALFORMED;
    size_t ihl = (size_t)(c.p[0] & 15) * 4;
    size_t total = rd16(c.p + 2);
    /* total == 0 happens with TCP segmentation offload on the sending host:
     * the frame's own length is then the only length there is. */
    if (total == 0)
        total = c.len;
    if (ihl < 20 || total < ihl)
        return MT_SKIP_MALFORMED;
    if (total > c.len)
        return MT_SKIP_TRUNCATED;
    uint16_t frag = rd16(c.p + 6);
    if ((frag & 0x2000) || (frag & 0x1fff))
        return MT_SKIP_FRAGMENT;
    if (c.p[9] != 6)
        return MT_SKIP_NOT_TCP;
    pkt->src.family = pkt->dst.family = 4;
    memset(pkt->src.addr, 0, 16);
    memset(pkt->dst.addr, 0, 16);
    memcpy(pkt->src.addr, c.p + 12, 4);
    memcpy(pkt->dst.addr, c.p + 16, 4);
    /* Bytes past total are link-layer padding, never payload. */
    struct cursor seg = {c.p + ihl, total - ihl};
    return decode_tcp(seg, pkt);
}

static enum mt_skip decode_ipv6(struct cursor c, struct mt_packet *pkt)
{
    if (!need(&c, 0, 40))
        return MT_SKIP_TRUNCATED;
    if (c.p[0] >> 4 != 6)
        return MT_SKIP_MALFORMED;
    size_t plen = rd16(c.p + 4);
    if (plen == 0)
        return MT_SKIP_MALFORMED; /* jumbograms are not supported */
    if (plen > c.len - 40)
        return MT_SKIP_TRUNCATED;
    uint8_t next = c.p[6];
    pkt->src.family = pkt->dst.family = 6;
    memcpy(pkt->src.addr, c.p + 8, 16);
    memcpy(pkt->dst.addr, c.p + 24, 16);
    struct cursor rest = {c.p + 40, plen};
    for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
        size_t hl;
        switch (next) {
        case 6:
            return decode_tcp(rest, pkt);
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
            if (!need(&rest, 0, 2))
                return MT_SKIP_TRUNCATED;
            hl = ((size_t)rest.p[1] + 1) * 8;
            break;
        case 44: /* fragment */
            if (!need(&rest, 0, 8))
                return MT_SKIP_TRUNCATED;
            /* An atomic fragment (offset 0, no more) is a whole packet. */
            if ((rd16(rest.p + 2) & 0xfff9) != 0)
                return MT_SKIP_FRAGMENT;
            hl = 8;
            break;
        case 51: /* authentication header */
            if (!need(&rest, 0, 2))
                return MT_SKIP_TRUNCATED;
            hl = ((size_t)rest.p[1] + 2) * 4;
            break;
        default:
            return MT_SKIP_NOT_TCP;
        }
        if (!need(&rest, 0, hl))
            return MT_SKIP_TRUNCATED;
        next = rest.p[0];
        rest.p += hl;
        rest.len -= hl;
    }
    return MT_SKIP_MALFORMED;
}

static enum mt_skip decode_ethertype(uint16_t type, struct cursor c, struct mt_packet *pkt)
{
    switch (type) {
    case ETHERTYPE_IPV4: return decode_ipv4(c, pkt);
    case ETHERTYPE_IPV6: return decode_ipv6(c, pkt);
    default: return MT_SKIP_NOT_IP;
    }
}

static enum mt_skip decode_by_version(struct cursor c, struct mt_packet *pkt)
{
    if (!need(&c, 0, 1))
        return MT_SKIP_TRUNCATED;
    switch (c.p[0] >> 4) {
    case 4: return decode_ipv4(c, pkt);
    case 6: return decode_ipv6(c, pkt);
    default: return MT_SKIP_NOT_IP;
    }
}

static enum mt_skip decode_ethernet(struct cursor c, struct mt_packet *pkt)
{
    if (!need(&c, 0, 14))
        return MT_SKIP_TRUNCATED;
    size_t off = 12;
    uint16_t type = rd16(c.p + off);
    for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
        if (tags == MAX_VLAN_TAGS)
            return MT_SKIP_MALFORMED;
        off += 4;
        if (!need(&c, off, 2))
            return MT_SKIP_TRUNCATED;
        type = rd16(c.p + off);
    }
    off += 2;
    struct cursor rest = {c.p + off, c.len - off};
    return decode_ethertype(type, rest, pkt);
}

/* BSD loopback: the address family in the byte order of the host that
 * captured, so both orders are accepted. Values of AF_INET6 differ by OS. */
static enum mt_skip decode_null(struct cursor c, struct mt_packet *pkt, int big_endian_only)
{
    if (!need(&c, 0, 4))
        return MT_SKIP_TRUNCATED;
    uint32_t be = rd32(c.p);
    uint32_t le = (uint32_t)c.p[3] << 24 | (uint32_t)c.p[2] << 16 | (uint32_t)c.p[1] << 8 | c.p[0];
    uint32_t fam = be;
    if (!big_endian_only && (be & 0xffff0000u))
        fam = le;
    struct cursor rest = {c.p + 4, c.len - 4};
    switch (fam) {
    case 2: return decode_ipv4(rest, pkt);
    case 10: case 24: case 28: case 30: return decode_ipv6(rest, pkt);
    default: return MT_SKIP_NOT_IP;
    }
}

int mt_decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return 1;
    default:
        return 0;
    }
}

enum mt_skip mt_decode(int dlt, const uint8_t *frame, size_t caplen, struct mt_packet *pkt)
{
    struct cursor c = {frame, caplen};
    switch (dlt) {
    case DLT_EN10MB:
        return decode_ethernet(c, pkt);
    case DLT_LINUX_SLL:
        if (!need(&c, 0, 16))
            return MT_SKIP_TRUNCATED;
        return decode_ethertype(rd16(c.p + 14), (struct cursor){c.p + 16, c.len - 16}, pkt);
    case DLT_LINUX_SLL2:
        if (!need(&c, 0, 20))
            return MT_SKIP_TRUNCATED;
        return decode_ethertype(rd16(c.p), (struct cursor){c.p + 20, c.len - 20}, pkt);
    case DLT_NULL:
        return decode_null(c, pkt, 0);
    case DLT_LOOP:
        return decode_null(c, pkt, 1);
    case DLT_RAW:
        return decode_by_version(c, pkt);
    case DLT_IPV4:
        return decode_ipv4(c, pkt);
    case DLT_IPV6:
        return decode_ipv6(c, pkt);
    default:
        return MT_SKIP_NOT_IP;
    }
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += rd16(p + i);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

int mt_tcp_checksum_ok(const struct mt_packet *pkt)
{
    uint32_t acc = 0;
    if (pkt->src.family == 4) {
        acc = sum16(pkt->src.addr, 4, acc);
        acc = sum16(pkt->dst.addr, 4, acc);
    } else {
        acc = sum16(pkt->src.addr, 16, acc);
        acc = sum16(pkt->dst.addr, 16, acc);
    }
    acc += 6;
    acc += (uint32_t)(pkt->tcp_len & 0xffff) + (uint32_t)(pkt->tcp_len >> 16);
    acc = sum16(pkt->tcp, pkt->tcp_len, acc);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc == 0xffff;
}
