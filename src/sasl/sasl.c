/* The SASL observer's state machine and interface (include/mailtap/sasl.h):
 * decodes each message, then hands it to its mechanism's handler, found in
 * the one table below. Never trusts a length it has not checked. */
#include <stdlib.h>
#include <string.h>

#include "mailtap/base64.h"
#include "sasl_impl.h"

/* --- the mechanisms ---------------------------------------------------------- */

enum { MECH_NAME_ONLY = 1 }; /* a client message may hold nothing but a name */

/* A row a mechanism: adding one is adding its file and its row. */
struct sasl_mech {
    const char *name;       /* upper case; a final '*' stands for any rest */
    sasl_client_fn *client;
    sasl_server_fn *server; /* NULL: a challenge is only decoded, for showing */
    unsigned flags;         /* MECH_* */
};

static const struct sasl_mech mechs[] = {
    {"PLAIN", sasl_plain_client, NULL, 0},
    {"LOGIN", sasl_login_client, sasl_login_server, MECH_NAME_ONLY},
    {"CRAM-MD5", sasl_cram_client, sasl_cram_server, 0},
    {"DIGEST-MD5", sasl_digest_client, sasl_digest_server, 0},
    {"XOAUTH2", sasl_xoauth2_client, NULL, 0},
    {"OAUTHBEARER", sasl_oauthbearer_client, NULL, 0},
    {"NTLM", sasl_ntlm_client, sasl_ntlm_server, 0},
    {"EXTERNAL", sasl_external_client, NULL, MECH_NAME_ONLY},
    {"ANONYMOUS", sasl_anonymous_client, NULL, MECH_NAME_ONLY},
    {"SCRAM-*", sasl_scram_client, NULL, MECH_NAME_ONLY},
    {"GSSAPI", sasl_gssapi_client, NULL, 0},
};

/* The row for an upper-case name, or NULL for a mechanism not read. */
static const struct sasl_mech *mech_of(const char *name)
{
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
        const char *m = mechs[i].name;
        size_t k = strlen(m);
        if (m[k - 1] == '*' ? strncmp(name, m, k - 1) == 0 : strcmp(name, m) == 0)
            return &mechs[i];
    }
    return NULL;
}

/* --- base64 ------------------------------------------------------------------ */

static int is_empty_message(const uint8_t *b64, size_t n)
{
    return n == 0 || (n == 1 && b64[0] == '=');
}

/* Validates base64 too long to decode at once, piece by piece. */
static int valid_base64(const uint8_t *b64, size_t n)
{
    enum { PIECE = 1024 }; /* characters, a multiple of 4 */
    uint8_t scratch[PIECE / 4 * 3];
    if (n % 4 != 0)
        return 0;
    for (size_t off = 0; off < n; off += PIECE) {
        size_t k = n - off < PIECE ? n - off : PIECE;
        if (off + k < n && b64[off + k - 1] == '=')
            return 0; /* padding only at the very end */
        if (mt_base64_decode(b64 + off, k, scratch, sizeof scratch) < 0)
            return 0;
    }
    return 1;
}

/* Decodes a message into s->msg. A valid message larger than s->msg is
 * decoded as far as it fits, and marked cut. Returns -1 if not base64. */
static int decode_message(struct mt_sasl *s, const uint8_t *b64, size_t n, int cut)
{
    s->msg_len = 0;
    s->msg_cut = 0;
    s->msg_ok = 0;
    s->desc_len = 0;
    s->desc_cut = 0;
    if (is_empty_message(b64, n))
        return 0;
    long r = mt_base64_decode(b64, n, s->msg, sizeof s->msg);
    if (r >= 0) {
        s->msg_len = (size_t)r;
        s->msg_ok = 1;
        s->msg_cut = cut;
        return 0;
    }
    if (!valid_base64(b64, n))
        return -1;
    /* Too large: whole quads of the prefix hold no padding. */
    r = mt_base64_decode(b64, sizeof s->msg / 3 * 4, s->msg, sizeof s->msg);
    if (r < 0)
        return -1;
    s->msg_len = (size_t)r;
    s->msg_cut = 1;
    s->msg_ok = 1;
    return 0;
}

/* --- the interface ------------------------------------------------------------ */

/* Clears everything and points the fields at their storage. */
static void reset(struct mt_sasl *s)
{
    memset(s, 0, sizeof *s);
    s->cred.user.p = s->user;
    s->cred.authzid.p = s->authzid;
    s->cred.password.p = s->password;
    s->cred.domain.p = s->domain;
    s->cred.host.p = s->host;
    s->cred.service.p = s->service;
    s->cred.hash.p = s->hash;
}

struct mt_sasl *mt_sasl_new(void)
{
    struct mt_sasl *s = malloc(sizeof *s);
    if (s)
        reset(s);
    return s;
}

void mt_sasl_free(struct mt_sasl *s) { free(s); }

size_t mt_sasl_footprint(void) { return sizeof(struct mt_sasl); }

void mt_sasl_begin(struct mt_sasl *s, const uint8_t *mech, size_t n)
{
    reset(s);
    size_t k = n < MT_SASL_MECH_MAX ? n : MT_SASL_MECH_MAX;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = sasl_upper(mech[i]);
        s->cred.mech[i] = (char)(c > 0x20 && c < 0x7f ? c : '?'); /* keep it a safe C string */
    }
    s->cred.mech[k] = '\0';
    s->mech = k == n ? mech_of(s->cred.mech) : NULL;
}

static unsigned client_message(struct mt_sasl *s, const uint8_t *b64, size_t n, int cut)
{
    s->msg_ok = 0;
    if (n == 1 && b64[0] == '*' && !cut) {
        s->cred.cancelled = 1;
        return 0;
    }
    if (decode_message(s, b64, n, cut) != 0) {
        s->cred.invalid_base64 = 1;
        return 0;
    }
    if (!s->mech) {
        /* A login whose secret, if any, is not read here: shown as one,
         * once the client said something. */
        s->identified |= s->msg_len > 0;
        return s->msg_len ? MT_SASL_EXPOSES_SECRET : 0;
    }
    return s->mech->client(s, (struct sasl_span){b64, n});
}

static unsigned client_turn(struct mt_sasl *s, const uint8_t *b64, size_t n, int cut)
{
    unsigned ex = client_message(s, b64, n, cut);
    s->last_client = 1;
    s->last_flags = ex;
    return ex;
}

unsigned mt_sasl_client(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    return client_turn(s, b64, n, 0);
}

/* Of a cut message, its whole quads. */
unsigned mt_sasl_client_cut(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    return client_turn(s, b64, n - n % 4, 1);
}

void mt_sasl_server(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    s->challenges++;
    s->last_client = 0;
    s->last_flags = 0;
    /* A challenge that is not base64 reaches the mechanism as an empty one:
     * it still replaces what the last one said (LOGIN's prompt, CRAM-MD5's
     * challenge). */
    if (decode_message(s, b64, n, 0) != 0)
        s->cred.invalid_base64 = 1;
    if (s->mech && s->mech->server)
        s->mech->server(s, (struct sasl_span){b64, n});
}

const struct mt_sasl_cred *mt_sasl_cred(const struct mt_sasl *s) { return &s->cred; }

const uint8_t *mt_sasl_decoded(const struct mt_sasl *s, size_t *n, int *cut)
{
    if (!s->msg_ok || s->msg_len == 0)
        return NULL;
    if (s->desc_len) {
        *n = s->desc_len;
        *cut = s->desc_cut;
        return s->desc;
    }
    *n = s->msg_len;
    *cut = s->msg_cut;
    return s->msg;
}

int mt_sasl_decoded_secret(const struct mt_sasl *s)
{
    /* Only some mechanisms send a message holding nothing but a name; in
     * any other, "user only" means part of the message was not read. */
    int name_only = s->mech && (s->mech->flags & MECH_NAME_ONLY);
    return s->last_client && !(name_only && s->last_flags == MT_SASL_EXPOSES_USER);
}

int mt_sasl_refused_unread(const struct mt_sasl *s, int success)
{
    return !s->mech && !s->challenges && !success;
}

int mt_sasl_has_credential(const struct mt_sasl *s)
{
    const struct mt_sasl_cred *c = &s->cred;
    if (c->user.present || c->authzid.present || c->password.present || c->hash.present)
        return 1;
    return s->identified; /* EXTERNAL or ANONYMOUS, once the client spoke */
}
