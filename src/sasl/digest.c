/* DIGEST-MD5 (RFC 2831): the directives of the digest-response, and a
 * crackable line for John the Ripper. The parser unquotes the decoded
 * message in place, within its length. */
#include <string.h>

#include "sasl_impl.h"

enum {
    D_USERNAME, D_REALM, D_NONCE, D_CNONCE, D_NC, D_QOP, D_URI, D_RESPONSE, D_AUTHZID, D_COUNT
};

static const char *const digest_names[D_COUNT] = {
    "username", "realm", "nonce", "cnonce", "nc", "qop", "digest-uri", "response", "authzid"};

struct digest {
    struct sasl_span v[D_COUNT];
    int seen[D_COUNT];
    int cut[D_COUNT]; /* the value ran to the end of a cut message */
    int malformed;    /* a directive without '=' or an unclosed quote */
};

static int lws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Reads a quoted-string starting after its opening quote, removing the
 * backslash escapes in place (the text only shrinks). Returns the position
 * after the closing quote, *closed says whether there was one. */
static size_t unquote(uint8_t *m, size_t n, size_t i, struct sasl_span *v, int *closed)
{
    size_t w = i;
    *closed = 0;
    v->p = m + i;
    while (i < n) {
        uint8_t c = m[i++];
        if (c == '"') {
            *closed = 1;
            break;
        }
        if (c == '\\' && i < n)
            c = m[i++];
        m[w++] = c;
    }
    v->n = (size_t)(m + w - v->p);
    return i;
}

/* Reads the next "key=value" of a comma-separated list from *pos. Returns
 * 0 at the end. Always advances, so the caller's loop terminates. */
static int digest_next(uint8_t *m, size_t n, size_t *pos, struct sasl_span *key,
                       struct sasl_span *val, int *ok)
{
    size_t i = *pos;
    while (i < n && (m[i] == ',' || lws(m[i])))
        i++;
    if (i >= n)
        return 0;
    size_t k = i;
    while (i < n && m[i] != '=' && m[i] != ',' && !lws(m[i]))
        i++;
    *key = (struct sasl_span){m + k, i - k};
    while (i < n && lws(m[i]))
        i++;
    *ok = i < n && m[i] == '=';
    *val = (struct sasl_span){m + i, 0};
    if (*ok) {
        i++;
        while (i < n && lws(m[i]))
            i++;
        if (i < n && m[i] == '"') {
            i = unquote(m, n, i + 1, val, ok);
        } else {
            size_t v = i;
            while (i < n && m[i] != ',' && !lws(m[i]))
                i++;
            *val = (struct sasl_span){m + v, i - v};
        }
    }
    *pos = i;
    return 1;
}

/* Parses s->msg (in place) into the directives this module wants; the
 * first occurrence of each counts. */
static void digest_parse(struct mt_sasl *s, struct digest *d)
{
    memset(d, 0, sizeof *d);
    size_t pos = 0;
    struct sasl_span key, val;
    int ok;
    while (digest_next(s->msg, s->msg_len, &pos, &key, &val, &ok)) {
        if (!ok)
            d->malformed = 1;
        for (int j = 0; j < D_COUNT; j++) {
            if (d->seen[j] || !sasl_word_is(key.p, key.n, digest_names[j]))
                continue;
            d->seen[j] = 1;
            d->v[j] = val;
            d->cut[j] = s->msg_cut && pos == s->msg_len;
        }
    }
}

/* Keeps the server's nonce for a response that would omit it. The message
 * is shown as it came, before the parser rewrites it. */
void sasl_digest_server(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    sasl_desc_keep_message(s);
    struct digest d;
    digest_parse(s, &d);
    if (!d.seen[D_NONCE] || d.cut[D_NONCE] || d.v[D_NONCE].n > sizeof s->nonce)
        return;
    memcpy(s->nonce, d.v[D_NONCE].p, d.v[D_NONCE].n);
    s->nonce_len = d.v[D_NONCE].n;
}

/* John the Ripper's dmd5 line:
 * $DIGEST-MD5$user$realm$nonce$digest-uri$cnonce$nc$qop$response[$authzid].
 * A missing realm is the empty string and a missing qop is "auth" (both as
 * RFC 2831 computes the response). */
static void digest_hash(struct mt_sasl *s, struct digest *d)
{
    static const int required[] = {D_USERNAME, D_CNONCE, D_NC, D_URI, D_RESPONSE};
    if (d->malformed || s->msg_cut || d->v[D_RESPONSE].n == 0)
        return;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!d->seen[required[i]])
            return;
    if (!d->seen[D_NONCE]) {
        if (s->nonce_len == 0)
            return;
        d->v[D_NONCE] = (struct sasl_span){s->nonce, s->nonce_len};
    }
    if (!d->seen[D_QOP])
        d->v[D_QOP] = (struct sasl_span){(const uint8_t *)"auth", 4};
    for (int j = 0; j < D_COUNT; j++)
        if (!sasl_line_safe(d->v[j].p, d->v[j].n, "$:"))
            return;
    struct sasl_line l = sasl_line_start(s);
    static const int order[] = {D_USERNAME, D_REALM, D_NONCE,  D_URI,
                                D_CNONCE,   D_NC,    D_QOP,    D_RESPONSE};
    sasl_line_str(&l, "$DIGEST-MD5");
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        sasl_line_str(&l, "$");
        sasl_line_span(&l, d->v[order[i]]);
    }
    if (d->v[D_AUTHZID].n > 0) {
        sasl_line_str(&l, "$");
        sasl_line_span(&l, d->v[D_AUTHZID]);
    }
    sasl_line_finish(&l, "john --format=dmd5");
}

static void digest_field(struct mt_sasl *s, struct mt_sasl_str *f, const struct digest *d, int j)
{
    if (d->v[j].n > 0)
        sasl_set_field(s, f, d->v[j].p, d->v[j].n, d->cut[j]);
}

/* The digest-response is the first non-empty client message; the one after
 * rspauth is empty and must not disturb it. */
unsigned sasl_digest_client(struct mt_sasl *s, struct sasl_span b64)
{
    (void)b64;
    sasl_desc_keep_message(s);
    if (s->msg_len == 0 || s->stage > 0)
        return 0;
    struct digest d;
    digest_parse(s, &d);
    if (!d.seen[D_USERNAME] && !d.seen[D_RESPONSE])
        return 0;
    s->stage = 1;
    digest_field(s, &s->cred.user, &d, D_USERNAME);
    digest_field(s, &s->cred.authzid, &d, D_AUTHZID);
    digest_field(s, &s->cred.domain, &d, D_REALM);
    digest_hash(s, &d);
    unsigned flags = 0;
    if (s->cred.user.present)
        flags |= MT_SASL_EXPOSES_USER;
    if (d.v[D_RESPONSE].n > 0)
        flags |= MT_SASL_EXPOSES_SECRET;
    return flags;
}
