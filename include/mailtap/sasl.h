/* A passive observer of SASL (RFC 4422), shared by POP3, IMAP and SMTP.
 *
 * The protocol dissectors strip their own framing (IMAP "+ ", SMTP "334 ",
 * the AUTH/AUTHENTICATE command line) and feed this module the base64 text
 * of each exchange, in order. It decodes what the client exposes in each
 * mechanism: PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, XOAUTH2, OAUTHBEARER, NTLM,
 * EXTERNAL, ANONYMOUS, SCRAM-*, GSSAPI (the service its ticket is for),
 * and keeps the name of any other: an exchange of a mechanism it cannot
 * read is still a login, with no secret. Invalid
 * base64 is recorded, never fatal. Whether the login succeeded is for the
 * protocol to say; this module only sees the exchange. The code is in
 * src/sasl/: the shared state machine, then a file per family of mechanisms. */
#ifndef MAILTAP_SASL_H
#define MAILTAP_SASL_H

#include <stddef.h>
#include <stdint.h>

#define MT_SASL_MECH_MAX 32
#define MT_SASL_FIELD_MAX 512    /* user, authzid, realm */
#define MT_SASL_SECRET_MAX 4096  /* password or bearer token */
#define MT_SASL_HASH_MAX 2048    /* crackable line */
#define MT_SASL_CHALLENGE_MAX 2048

/* A byte string of bounded length; truncated is set when the wire had more. */
struct mt_sasl_str {
    uint8_t *p; /* points into struct mt_sasl's storage */
    size_t len;
    int present;
    int truncated;
};

struct mt_sasl_cred {
    char mech[MT_SASL_MECH_MAX + 1]; /* upper case, NUL-terminated */
    struct mt_sasl_str user;         /* authentication identity */
    struct mt_sasl_str authzid;      /* authorization identity, if given */
    struct mt_sasl_str password;     /* PLAIN/LOGIN password, XOAUTH2/OAUTHBEARER token */
    struct mt_sasl_str domain;       /* NTLM domain, DIGEST-MD5 realm */
    struct mt_sasl_str host;         /* NTLM workstation */
    struct mt_sasl_str service;      /* GSSAPI: the service the ticket is for,
                                      * "imap/host@REALM" (the client's name is encrypted) */
    struct mt_sasl_str hash;         /* crackable line (hashcat/John), ASCII */
    const char *hash_format;         /* e.g. "hashcat -m 10200", or NULL */
    int invalid_base64;              /* a client or server message was not base64 */
    int cancelled;                   /* the client sent "*" */
};

/* What a client message exposed: lets the caller highlight the line. */
enum {
    MT_SASL_EXPOSES_USER = 1,
    MT_SASL_EXPOSES_SECRET = 2 /* password, token, or a crackable response */
};

struct mt_sasl; /* opaque; about 20 KiB, allocate per authentication */

struct mt_sasl *mt_sasl_new(void);
void mt_sasl_free(struct mt_sasl *s);

/* Bytes one exchange holds (for memory budgets). */
size_t mt_sasl_footprint(void);

/* Starts an exchange for a mechanism name as the client wrote it (any case;
 * bounded to MT_SASL_MECH_MAX). Resets everything. */
void mt_sasl_begin(struct mt_sasl *s, const uint8_t *mech, size_t n);

/* One client message as base64 text without line ending: the initial
 * response (from the command line) or a reply to a challenge. "=" is an
 * empty message; "*" cancels. Returns MT_SASL_EXPOSES_* flags. */
unsigned mt_sasl_client(struct mt_sasl *s, const uint8_t *b64, size_t n);

/* The same for a message the wire had more of (a line cut at the line
 * limit): its whole quads are decoded, and a field that runs to their end
 * is marked truncated. */
unsigned mt_sasl_client_cut(struct mt_sasl *s, const uint8_t *b64, size_t n);

/* One server challenge as base64 text (may be empty). */
void mt_sasl_server(struct mt_sasl *s, const uint8_t *b64, size_t n);

/* What has been found so far. Valid until the next call on s. */
const struct mt_sasl_cred *mt_sasl_cred(const struct mt_sasl *s);

/* The last message fed (client or server) as it decoded, for showing it:
 * NULL when it was empty, "*" or not base64. A DIGEST-MD5 message is given
 * as it came; an NTLM message is told in words instead ("NTLM AUTHENTICATE
 * message (...): NTLMv2 response (...), domain D, user U, workstation W").
 * cut is set when it was longer than the observer keeps (8 KiB). Valid
 * until the next call on s. */
const uint8_t *mt_sasl_decoded(const struct mt_sasl *s, size_t *n, int *cut);

/* Whether that decoded message must be hidden by --mask: any client message
 * not known to carry only a user name. A message the observer could not
 * read (an unknown mechanism, a malformed or oversized one, an unexpected
 * turn) may hold a secret, so it is treated as one. */
int mt_sasl_decoded_secret(const struct mt_sasl *s);

/* Whether anything worth reporting was found (a user, secret or hash), or
 * the client spoke in a mechanism that hides or has no secret (EXTERNAL,
 * ANONYMOUS, GSSAPI, one not read here): a login all the same. */
int mt_sasl_has_credential(const struct mt_sasl *s);

/* A mechanism this module does not read that the server refused before it
 * sent a single challenge (an SMTP 504, an IMAP NO right after the
 * command): the server never took it up, so it is no login. */
int mt_sasl_refused_unread(const struct mt_sasl *s, int success);

#endif
