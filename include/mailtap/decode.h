/* Decoding of captured frames down to TCP segments.
 *
 * Every read is bounds-checked against the captured length; a frame that is
 * truncated, malformed or not TCP is reported by reason and skipped. */
#ifndef MAILTAP_DECODE_H
#define MAILTAP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/session.h"

enum mt_skip {
    MT_SKIP_NONE = 0,
    MT_SKIP_TRUNCATED,    /* captured frame shorter than its headers say */
    MT_SKIP_MALFORMED,    /* impossible header fields */
    MT_SKIP_NOT_IP,       /* link layer carries something other than IPv4/IPv6 */
    MT_SKIP_NOT_TCP,      /* IP carries something other than TCP */
    MT_SKIP_FRAGMENT,     /* IP fragment (fragments are not reassembled) */
    MT_SKIP_BAD_CHECKSUM, /* TCP checksum wrong (only with --checksum=verify) */
    MT_SKIP_COUNT
};

const char *mt_skip_name(enum mt_skip why);

enum {
    MT_TCP_FIN = 0x01,
    MT_TCP_SYN = 0x02,
    MT_TCP_RST = 0x04,
    MT_TCP_PSH = 0x08,
    MT_TCP_ACK = 0x10
};

struct mt_packet {
    mt_time_us ts;
    struct mt_endpoint src, dst;
    uint32_t seq, ack;
    uint8_t flags;
    const uint8_t *payload; /* points into the captured frame */
    size_t payload_len;
    /* For checksum verification: the TCP header and segment as captured. */
    const uint8_t *tcp;
    size_t tcp_len;
};

/* Whether mt_decode understands this libpcap link type (DLT_ value). */
int mt_decode_link_supported(int dlt);

/* Decodes one frame. On MT_SKIP_NONE, pkt describes a TCP segment whose
 * payload points into frame. pkt->ts is left for the caller to set. */
enum mt_skip mt_decode(int dlt, const uint8_t *frame, size_t caplen, struct mt_packet *pkt);

/* What is done with TCP checksums (--checksum): by default nothing, since
 * captures taken on the sending host carry checksums left to the card. */
enum mt_checksum_mode { MT_CSUM_OFF, MT_CSUM_COUNT, MT_CSUM_VERIFY };

/* Verifies the TCP checksum of a decoded packet (1 valid, 0 invalid). */
int mt_tcp_checksum_ok(const struct mt_packet *pkt);

#endif
