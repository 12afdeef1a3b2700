/* The dissector: consumes ordered streams (struct mt_stream_ops), works out
 * each session's protocol (by port, else by the server's greeting), watches
 * for TLS, and hands lines to the protocol modules (proto.h). Everything it
 * learns goes out as events on a bus. It never prints. */
#ifndef MAILTAP_DISSECT_H
#define MAILTAP_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/event.h"
#include "mailtap/stream.h"

struct mt_keylog;

#define MT_MAX_PORT_RULES 64
/* Bytes held while the protocol of a session on an unknown port is not yet
 * known (the first server line decides). */
#define MT_DETECT_MAX 1024
#define MT_DEFAULT_MAX_PARSE_MEM (64u << 20)
#define MT_MISSING_KEYS_NAMED 8

struct mt_port_rule {
    uint16_t port;
    enum mt_proto proto;
    int tls; /* implicit TLS (993, 995, 465) */
};

struct mt_dissect_config {
    size_t max_line; /* longest line kept (--max-line) */
    size_t max_mem;  /* partial lines, TLS hellos, SASL exchanges of all
                      * sessions together (--max-parse-mem) */
    int data_only;   /* only sessions and their bytes: no output needs more
                      * (--export alone), so nothing is parsed */
    int skip_certs;   /* no output shows server certificates (--creds, --export
                       * alone): they are not parsed */
    int skip_content; /* no output reads message content: counted content
                       * (IMAP literal bodies) is skipped, not framed */
    struct mt_keylog *keylog; /* TLS secrets (--keylog, a capture's own); NULL: none */
    struct mt_port_rule ports[MT_MAX_PORT_RULES];
    size_t nports;
};

/* The well-known mail ports. */
void mt_dissect_default_config(struct mt_dissect_config *cfg);

/* Adds or changes port rules from "imap:10143,pop3:1110,smtps:4465".
 * Names: pop3 imap smtp, and pop3s imaps smtps for implicit TLS. */
int mt_dissect_parse_ports(struct mt_dissect_config *cfg, const char *spec, char *err,
                           size_t errlen);

struct mt_dissector;

struct mt_dissector *mt_dissector_create(struct mt_bus *bus, const struct mt_dissect_config *cfg);
void mt_dissector_destroy(struct mt_dissector *d);

/* The stream interface reassembly feeds. */
struct mt_stream_ops mt_dissector_stream_ops(struct mt_dissector *d);

struct mt_dissect_stats {
    uint64_t conflict_bytes;  /* bytes a copy carried otherwise (per session: warnings) */
    uint64_t lines_truncated; /* lines longer than --max-line */
    uint64_t bytes_dropped;   /* their bytes past the limit */
    uint64_t credentials;
    uint64_t tls_sessions;
    uint64_t tls_decrypted;   /* read with the key log */
    uint64_t tls_no_key;      /* no key log, or no key in it */
    uint64_t tls_failed;      /* not read for another reason (tls_decrypt.h) */
    /* The first sessions a key log had no key for, to name in the summary. */
    struct {
        uint64_t session;
        char client_random[65];
    } missing[MT_MISSING_KEYS_NAMED];
    size_t nmissing;
    uint64_t mem_refused;     /* buffers refused by --max-parse-mem */
    uint64_t unreadable_dirs; /* directions a transform gave up on */
    uint64_t unread_bytes;    /* what reached it after that */
    size_t mem_peak;          /* most held at once */
};
void mt_dissector_get_stats(const struct mt_dissector *d, struct mt_dissect_stats *out);

#endif
