/* TLS key logs (draft-ietf-tls-keylogfile, the SSLKEYLOGFILE format): the
 * secrets a client wrote, by client random, for the TLS transform to find
 * a session's keys. Files are read whole at start and again, from where
 * they ended, when a session's client random is not known yet (a client
 * still writing); key log text carried in a capture (a pcapng Decryption
 * Secrets Block) is added the same way. The table is bounded
 * (--max-keys); what does not fit, and every malformed line, is counted. */
#ifndef MAILTAP_KEYLOG_H
#define MAILTAP_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#define MT_KEYLOG_RANDOM 32
#define MT_KEYLOG_SECRET_MAX 64 /* the longest secret (SHA-512 size) kept */
#define MT_KEYLOG_DEFAULT_MAX_KEYS 100000 /* client randoms held */

/* The labels used; others (EARLY_TRAFFIC_SECRET, EXPORTER_SECRET...) are
 * skipped. */
enum mt_keylog_label {
    MT_KEY_MASTER,           /* CLIENT_RANDOM: TLS 1.2 and older master secret */
    MT_KEY_CLIENT_HANDSHAKE, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    MT_KEY_SERVER_HANDSHAKE, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    MT_KEY_CLIENT_TRAFFIC_0, /* CLIENT_TRAFFIC_SECRET_0 */
    MT_KEY_SERVER_TRAFFIC_0, /* SERVER_TRAFFIC_SECRET_0 */
    MT_KEY_LABELS
};

struct mt_keylog_stats {
    uint64_t lines;     /* lines read, all sources */
    uint64_t secrets;   /* secrets taken */
    uint64_t skipped;   /* comments, blank lines, labels not used */
    uint64_t malformed; /* lines that are none of these */
    uint64_t dropped;   /* secrets not kept: the table was full */
    uint64_t rereads;   /* times a growing file was read again */
    size_t randoms;     /* client randoms held */
};

/* Called for a problem worth one line: a malformed line (once per line,
 * naming the source and line number), an unreadable file. */
typedef void (*mt_keylog_warn_fn)(void *ctx, const char *text);

struct mt_keylog;

struct mt_keylog *mt_keylog_new(size_t max_randoms, mt_keylog_warn_fn warn, void *ctx);
void mt_keylog_free(struct mt_keylog *k);

/* Reads a key log file now, and remembers it to read again. Returns -1
 * with a message naming the file when it cannot be opened (a usage of
 * --keylog that cannot work: the caller stops). */
int mt_keylog_add_file(struct mt_keylog *k, const char *path, char *err, size_t errlen);

/* Key log text from elsewhere (a Decryption Secrets Block); source names
 * it in warnings ("capture.pcapng, secrets block 1"). */
void mt_keylog_add_text(struct mt_keylog *k, const uint8_t *p, size_t n, const char *source);

/* Reads what the files gained since they were last read. Returns the
 * number of new secrets. */
size_t mt_keylog_refresh(struct mt_keylog *k);

/* The secret logged for this client random and label, or NULL; *len is
 * its length. Valid until the next call that adds secrets. */
const uint8_t *mt_keylog_find(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM],
                              enum mt_keylog_label label, size_t *len);

/* Whether any secret at all is known for this client random. */
int mt_keylog_knows(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM]);

void mt_keylog_get_stats(const struct mt_keylog *k, struct mt_keylog_stats *out);

#endif
