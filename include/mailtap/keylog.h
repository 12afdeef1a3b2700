/* TLS key logs (draft-ietf-tls-keylogfile, the SSLKEYLOGFILE format): the
 * secrets a client wrote, by client random, for the TLS transform to find
 * a session's keys. Files are read whole at start and again, from where
 * they ended, when a session's client random is not known yet (a client
 * still writing); key log text carried in a capture (a pcapng Decryption
 * Secrets Block) is added the same way. The table is bounded
 * (--max-keys); what does not fit, and every malformed line, is counted.
 *
 * A line is LABEL, client random (64 hex digits) and secret (hex), either
 * case, separated by spaces or tabs; blanks before and after, and a '\r'
 * before the '\n', are allowed. Comments ('#'), blank lines and labels not
 * used (any word of capitals, digits and '_') are skipped. Anything else is
 * malformed: a line over 1024 bytes, a random not of 32 bytes, a secret
 * that is not hex, empty or over MT_KEYLOG_SECRET_MAX bytes, a
 * CLIENT_RANDOM secret not of 48 bytes, text after the secret. A later
 * line for the same random and label replaces the earlier one. Memory:
 * 40 bytes a client random and 6 a secret besides its own bytes, and the
 * table's room to grow: about 100 bytes for a TLS 1.2 session, 210 or 270
 * for a TLS 1.3 one (SHA-256 or SHA-384 secrets). */
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
    uint64_t secrets;   /* secrets taken (replacing ones too) */
    uint64_t skipped;   /* comments, blank lines, labels not used */
    uint64_t malformed; /* lines that are none of these */
    uint64_t dropped;   /* secrets not kept: the table was full */
    uint64_t rereads;   /* times a growing file was read again */
    size_t randoms;     /* client randoms held */
};

/* Called for a problem worth one line, made safe to print: a malformed
 * line, once, naming the source and line number ("keys.log:17: not a key
 * log line (client random is not 64 hex digits)"; text: "SOURCE, line 17:
 * ..."), a file that cannot be read. A source shows its first 10 malformed
 * lines, then after each read how many more there were; all sources
 * together show 50 lines at most, then say so. The counts stay exact. */
typedef void (*mt_keylog_warn_fn)(void *ctx, const char *text);

struct mt_keylog;

/* max_randoms: client randoms held (0: MT_KEYLOG_DEFAULT_MAX_KEYS); the
 * table grows to it as needed. warn may be NULL. */
struct mt_keylog *mt_keylog_new(size_t max_randoms, mt_keylog_warn_fn warn, void *ctx);
void mt_keylog_free(struct mt_keylog *k);

/* Reads a key log file now, and remembers it to read again. Its last line
 * is taken even without a line end (a file written by hand); should the
 * file grow, that line is read again whole, and counted once. Returns -1
 * with "FILE: reason" when it cannot be opened or read, or is not a
 * regular file (a usage of --keylog that cannot work: the caller stops). */
int mt_keylog_add_file(struct mt_keylog *k, const char *path, char *err, size_t errlen);

/* Key log text from elsewhere (a Decryption Secrets Block); source names
 * it in warnings ("capture.pcapng, secrets block 1"). Its last line needs
 * no line end; NULs after the text are padding. */
void mt_keylog_add_text(struct mt_keylog *k, const uint8_t *p, size_t n, const char *source);

/* The same for the secrets a capture file carries, which come from
 * whoever made the file: they never replace a secret already known (the
 * user's --keylog), and take at most half of the table (--max-keys), so
 * that the key logs keep room to grow. */
void mt_keylog_add_capture_text(struct mt_keylog *k, const uint8_t *p, size_t n,
                                const char *source);

/* Reads what the files gained since they were last read: complete lines
 * only (a line being written is taken once its '\n' is there). A file that
 * shrank or was replaced (rotated) is read again from its start; one that
 * cannot be opened is said once (warn) and tried again next time. A file
 * that has not changed size costs an open and an fstat. Returns the number
 * of secrets stored (new or replacing). */
size_t mt_keylog_refresh(struct mt_keylog *k);

/* The secret logged for this client random and label, or NULL (*len 0);
 * *len is its length. Valid until the next call that adds secrets
 * (add_file, add_text, refresh). */
const uint8_t *mt_keylog_find(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM],
                              enum mt_keylog_label label, size_t *len);

/* Whether any secret at all is known for this client random. */
int mt_keylog_knows(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM]);

void mt_keylog_get_stats(const struct mt_keylog *k, struct mt_keylog_stats *out);

#endif
