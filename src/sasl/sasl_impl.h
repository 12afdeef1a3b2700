/* Private to src/sasl/: the state of one exchange, the helpers the
 * mechanisms share (util.c) and each mechanism's handlers. Every message
 * comes from the network: each length is checked against the decoded
 * message, every copy is bounded by the storage inside struct mt_sasl. */
#ifndef MAILTAP_SASL_IMPL_H
#define MAILTAP_SASL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/sasl.h"

/* Largest decoded message kept. Room for a bearer token of SECRET_MAX with
 * its framing and for an NTLMv2 AUTHENTICATE message with a large target
 * info; a longer message is decoded up to here and marked cut. */
#define SASL_MSG_MAX 8192

struct sasl_mech; /* a row of the mechanism table, in sasl.c */

struct mt_sasl {
    struct mt_sasl_cred cred;
    const struct sasl_mech *mech; /* NULL: a mechanism this module does not read */
    int stage;      /* client messages the mechanism has consumed */
    unsigned challenges; /* server messages seen */
    int identified; /* EXTERNAL, ANONYMOUS, GSSAPI, an unknown mechanism:
                     * the client sent its message */

    /* Last server challenge as received (CRAM-MD5 hash line); 0 = none. */
    uint8_t chal[MT_SASL_CHALLENGE_MAX];
    size_t chal_len;

    /* NTLM CHALLENGE_MESSAGE. */
    uint8_t ntlm_chal[8];
    int ntlm_chal_ok;
    uint32_t ntlm_flags;

    /* DIGEST-MD5 server nonce, for a response that omits it; 0 = none. */
    uint8_t nonce[MT_SASL_FIELD_MAX];
    size_t nonce_len;

    uint8_t user[MT_SASL_FIELD_MAX];
    uint8_t authzid[MT_SASL_FIELD_MAX];
    uint8_t domain[MT_SASL_FIELD_MAX];
    uint8_t host[MT_SASL_FIELD_MAX];
    uint8_t service[MT_SASL_FIELD_MAX];
    uint8_t password[MT_SASL_SECRET_MAX];
    uint8_t hash[MT_SASL_HASH_MAX]; /* NUL-terminated, so len < HASH_MAX */

    /* The message being looked at, decoded. */
    uint8_t msg[SASL_MSG_MAX];
    size_t msg_len;
    int msg_cut; /* the wire message was longer than msg */
    int msg_ok;  /* msg holds the last message fed (it was base64) */
    /* What is shown for the message instead of msg: an NTLM message told in
     * words, or a DIGEST-MD5 message as it came (its parser unquotes msg in
     * place). Room for three whole NTLM fields. */
    uint8_t desc[2048];
    size_t desc_len;
    int desc_cut;
    int login_asks;      /* LOGIN: what the last prompt asked for */
    int last_client;     /* the last message was the client's */
    unsigned last_flags; /* what it exposed (MT_SASL_EXPOSES_*) */
};

/* Bytes of a message (most often of s->msg), not owned. */
struct sasl_span {
    const uint8_t *p;
    size_t n;
};

/* --- the mechanisms' handlers (one file each, a row each in sasl.c) -------- */

/* A client message: s->msg holds it decoded (a message that was not base64
 * or was "*" never gets here). b64 is the message as it came, for a hash
 * line that wants it so. Returns MT_SASL_EXPOSES_* flags. */
typedef unsigned sasl_client_fn(struct mt_sasl *s, struct sasl_span b64);

/* A server challenge: s->msg holds it decoded, empty when it was empty or
 * not base64. Called for each one, so that it replaces what the last one
 * said. */
typedef void sasl_server_fn(struct mt_sasl *s, struct sasl_span b64);

sasl_client_fn sasl_plain_client;    /* cleartext.c */
sasl_client_fn sasl_login_client;
sasl_server_fn sasl_login_server;
sasl_client_fn sasl_cram_client;     /* cram.c */
sasl_server_fn sasl_cram_server;
sasl_client_fn sasl_digest_client;   /* digest.c */
sasl_server_fn sasl_digest_server;
sasl_client_fn sasl_ntlm_client;     /* ntlm.c */
sasl_server_fn sasl_ntlm_server;
sasl_client_fn sasl_xoauth2_client;  /* oauth2.c */
sasl_client_fn sasl_oauthbearer_client;
sasl_client_fn sasl_scram_client;    /* identity.c */
sasl_client_fn sasl_external_client;
sasl_client_fn sasl_anonymous_client;
sasl_client_fn sasl_gssapi_client;   /* gssapi.c */

/* --- shared helpers (util.c) ------------------------------------------------- */

uint8_t sasl_upper(uint8_t c);

/* Case-insensitive comparison of p[0..n) with a lower- or upper-case word. */
int sasl_word_is(const uint8_t *p, size_t n, const char *word);

/* Copies a field into its storage, bounded; cut says the wire had more. */
void sasl_set_field(struct mt_sasl *s, struct mt_sasl_str *f, const uint8_t *p, size_t n, int cut);

/* Same, for a span of the current message: cut if it runs to the end of a
 * message that was cut. */
void sasl_set_span(struct mt_sasl *s, struct mt_sasl_str *f, struct sasl_span v);

/* Stores a GS2 saslname (RFC 5801): "=2C" is ',' and "=3D" is '='. */
void sasl_set_saslname(struct mt_sasl *s, struct mt_sasl_str *f, struct sasl_span v);

/* For a field stored otherwise (NTLM's UTF-16): the room its storage has,
 * and whether a span runs to the end of a message that was cut. */
size_t sasl_field_cap(const struct mt_sasl *s, const struct mt_sasl_str *f);
int sasl_ends_cut(const struct mt_sasl *s, const uint8_t *p, size_t n);

/* Splits a GS2 header "cbflag,[a=authzid]," (RFC 5801). Returns the offset
 * of what follows, or 0 if the message does not start with one. */
size_t sasl_gs2_header(struct sasl_span m, struct sasl_span *authz);

/* The crackable line, built in s->hash in place; overflow abandons the line
 * (a cut line is of no use to a cracker). */
struct sasl_line {
    struct mt_sasl *s;
    size_t len;
    int over;
};

struct sasl_line sasl_line_start(struct mt_sasl *s);
void sasl_line_add(struct sasl_line *l, const void *p, size_t n);
void sasl_line_str(struct sasl_line *l, const char *str);
void sasl_line_span(struct sasl_line *l, struct sasl_span v);
void sasl_line_hex(struct sasl_line *l, const uint8_t *p, size_t n);
/* Reports the line with its format ("hashcat -m 10200"), or that it was too
 * long. */
void sasl_line_finish(struct sasl_line *l, const char *format);

/* Whether a field can go inside a hash line unambiguously: printable ASCII
 * without the line's separators. */
int sasl_line_safe(const uint8_t *p, size_t n, const char *separators);

/* What mt_sasl_decoded() shows instead of the message, bounded, cut at a
 * character boundary: text appended to s->desc (desc_field: the name, then
 * the field if present), or the message as it came, before a parser that
 * rewrites it in place. */
void sasl_desc_add(struct mt_sasl *s, const void *p, size_t n);
void sasl_desc_str(struct mt_sasl *s, const char *t);
void sasl_desc_field(struct mt_sasl *s, const char *name, const struct mt_sasl_str *f);
void sasl_desc_keep_message(struct mt_sasl *s);

#endif
