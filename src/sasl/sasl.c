/* Passive SASL observer (see include/mailtap/sasl.h). Every message comes
 * from the network: each length is checked against the decoded message,
 * every copy is bounded by the storage inside struct mt_sasl. */
#include "mailtap/sasl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/base64.h"

/* Largest decoded message kept. Room for a bearer token of SECRET_MAX with
 * its framing and for an NTLMv2 AUTHENTICATE message with a large target
 * info; a longer message is decoded up to here and marked cut. */
#define MSG_MAX 8192

enum mech {
    M_OTHER,
    M_PLAIN,
    M_LOGIN,
    M_CRAM_MD5,
    M_DIGEST_MD5,
    M_XOAUTH2,
    M_OAUTHBEARER,
    M_NTLM,
    M_EXTERNAL,
    M_ANONYMOUS,
    M_SCRAM
};

struct mt_sasl {
    struct mt_sasl_cred cred;
    enum mech mech;
    int stage;      /* client messages the mechanism has consumed */
    int identified; /* EXTERNAL/ANONYMOUS: the client sent its message */

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
    uint8_t password[MT_SASL_SECRET_MAX];
    uint8_t hash[MT_SASL_HASH_MAX]; /* NUL-terminated, so len < HASH_MAX */

    /* The message being looked at, decoded. */
    uint8_t msg[MSG_MAX];
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

enum { LOGIN_ASKS_USER = 1, LOGIN_ASKS_PASSWORD = 2 };

struct span {
    const uint8_t *p;
    size_t n;
};

/* --- small helpers ---------------------------------------------------------- */

static uint8_t upper(uint8_t c) { return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c; }

/* Case-insensitive comparison of p[0..n) with a lower- or upper-case word. */
static int word_is(const uint8_t *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (upper(p[i]) != upper((uint8_t)word[i]))
            return 0;
    return 1;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether a span of the current message runs to its end, and the wire
 * message was cut there: then the field itself is cut. */
static int ends_cut(const struct mt_sasl *s, const uint8_t *p, size_t n)
{
    return s->msg_cut && p + n == s->msg + s->msg_len;
}

static size_t cap_of(const struct mt_sasl *s, const struct mt_sasl_str *f)
{
    return f == &s->cred.password ? MT_SASL_SECRET_MAX : MT_SASL_FIELD_MAX;
}

/* Copies a field into its storage, bounded; cut says the wire had more. */
static void set_field(struct mt_sasl *s, struct mt_sasl_str *f, const uint8_t *p, size_t n,
                      int cut)
{
    size_t cap = cap_of(s, f);
    size_t k = n < cap ? n : cap;
    if (k > 0)
        memcpy(f->p, p, k);
    f->len = k;
    f->present = 1;
    f->truncated = n > cap || cut;
}

/* Same, for a span of the current message. */
static void set_span(struct mt_sasl *s, struct mt_sasl_str *f, struct span v)
{
    set_field(s, f, v.p, v.n, ends_cut(s, v.p, v.n));
}

/* Stores a GS2 saslname (RFC 5801): "=2C" is ',' and "=3D" is '='. Any
 * other '=' is kept as it is: the observer reports, it does not judge. */
static void set_saslname(struct mt_sasl *s, struct mt_sasl_str *f, struct span v)
{
    size_t cap = cap_of(s, f), w = 0, i = 0;
    int cut = ends_cut(s, v.p, v.n);
    while (i < v.n) {
        uint8_t c = v.p[i];
        size_t adv = 1;
        if (c == '=' && v.n - i >= 3 && v.p[i + 1] == '2' && upper(v.p[i + 2]) == 'C')
            c = ',', adv = 3;
        else if (c == '=' && v.n - i >= 3 && v.p[i + 1] == '3' && upper(v.p[i + 2]) == 'D')
            c = '=', adv = 3;
        if (w == cap) {
            cut = 1;
            break;
        }
        f->p[w++] = c;
        i += adv;
    }
    f->len = w;
    f->present = 1;
    f->truncated = cut;
}

/* --- the crackable line ------------------------------------------------------ */

/* Builds s->hash in place; overflow abandons the line (a cut line is of no
 * use to a cracker). */
struct line {
    struct mt_sasl *s;
    size_t len;
    int over;
};

static struct line line_start(struct mt_sasl *s)
{
    s->cred.hash.present = 0;
    s->cred.hash.len = 0;
    s->cred.hash.truncated = 0;
    s->cred.hash_format = NULL;
    return (struct line){s, 0, 0};
}

static void line_add(struct line *l, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (l->over || n > MT_SASL_HASH_MAX - 1 - l->len) {
        l->over = 1;
        return;
    }
    memcpy(l->s->hash + l->len, p, n);
    l->len += n;
}

static void line_str(struct line *l, const char *str) { line_add(l, str, strlen(str)); }

static void line_span(struct line *l, struct span v) { line_add(l, v.p, v.n); }

static void line_hex(struct line *l, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n && !l->over; i++) {
        char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        line_add(l, h, 2);
    }
}

static void line_finish(struct line *l, const char *format)
{
    struct mt_sasl_str *h = &l->s->cred.hash;
    if (l->over) {
        h->truncated = 1; /* there was one, too long to report */
        return;
    }
    l->s->hash[l->len] = '\0';
    h->len = l->len;
    h->present = 1;
    l->s->cred.hash_format = format;
}

/* Whether a field can go inside a hash line unambiguously: printable ASCII
 * without the line's separators. */
static int line_safe(const uint8_t *p, size_t n, const char *separators)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e || strchr(separators, p[i]))
            return 0;
    return 1;
}

/* --- base64 ------------------------------------------------------------------ */

static int is_empty_message(const uint8_t *b64, size_t n) { return n == 0 || (n == 1 && b64[0] == '='); }

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
static int decode_message(struct mt_sasl *s, const uint8_t *b64, size_t n)
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

/* --- PLAIN, LOGIN, EXTERNAL, ANONYMOUS ------------------------------------- */

/* RFC 4616: [authzid] NUL authcid NUL passwd. One NUL is read as
 * authcid NUL passwd, which some broken clients send. */
static unsigned client_plain(struct mt_sasl *s)
{
    const uint8_t *m = s->msg, *end = s->msg + s->msg_len;
    const uint8_t *nul1 = memchr(m, 0, s->msg_len);
    if (!nul1)
        return 0;
    const uint8_t *nul2 = memchr(nul1 + 1, 0, (size_t)(end - nul1 - 1));
    struct span authz = {m, 0}, user, pass;
    if (nul2) {
        authz.n = (size_t)(nul1 - m);
        user = (struct span){nul1 + 1, (size_t)(nul2 - nul1 - 1)};
        pass = (struct span){nul2 + 1, (size_t)(end - nul2 - 1)};
    } else {
        user = (struct span){m, (size_t)(nul1 - m)};
        pass = (struct span){nul1 + 1, (size_t)(end - nul1 - 1)};
    }
    unsigned flags = MT_SASL_EXPOSES_SECRET;
    if (authz.n > 0)
        set_span(s, &s->cred.authzid, authz);
    if (user.n > 0) {
        set_span(s, &s->cred.user, user);
        flags |= MT_SASL_EXPOSES_USER;
    }
    set_span(s, &s->cred.password, pass);
    return flags;
}

/* The server's prompt says what the answer is ("Username:", "Password:");
 * without one, the first non-empty message is the user (an initial
 * response), the next one the password, even if empty. */
static unsigned client_login(struct mt_sasl *s)
{
    struct span v = {s->msg, s->msg_len};
    int want = s->login_asks                 ? s->login_asks
               : s->stage == 0 && v.n > 0    ? LOGIN_ASKS_USER
               : s->stage == 1               ? LOGIN_ASKS_PASSWORD
                                             : 0;
    s->login_asks = 0;
    if (want == LOGIN_ASKS_PASSWORD) {
        s->stage = 2;
        set_span(s, &s->cred.password, v);
        return MT_SASL_EXPOSES_SECRET;
    }
    if (want == LOGIN_ASKS_USER && v.n > 0) {
        if (s->stage < 1)
            s->stage = 1;
        set_span(s, &s->cred.user, v);
        return MT_SASL_EXPOSES_USER;
    }
    return 0;
}

/* What a LOGIN prompt asks for, by its words (any case). */
static int contains_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && upper(p[i + j]) == (uint8_t)w[j])
            j++;
        if (j == k)
            return 1;
    }
    return 0;
}

static void server_login(struct mt_sasl *s)
{
    if (contains_word(s->msg, s->msg_len, "PASS"))
        s->login_asks = LOGIN_ASKS_PASSWORD;
    else if (contains_word(s->msg, s->msg_len, "USER") || contains_word(s->msg, s->msg_len, "NAME"))
        s->login_asks = LOGIN_ASKS_USER;
    else
        s->login_asks = 0;
}

/* EXTERNAL (RFC 4422 appendix A): the message is the authorization
 * identity. ANONYMOUS (RFC 4505): it is a trace (an email address or a
 * token). Either is the only message, and names the client. */
static unsigned client_identity(struct mt_sasl *s, int is_authzid)
{
    struct span v = {s->msg, s->msg_len};
    if (s->stage++ > 0)
        return 0;
    s->identified = 1;
    if (v.n == 0)
        return 0;
    if (is_authzid)
        set_span(s, &s->cred.authzid, v);
    set_span(s, &s->cred.user, v);
    return MT_SASL_EXPOSES_USER;
}

/* --- CRAM-MD5 (RFC 2195) ----------------------------------------------------- */

static void server_cram(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    s->chal_len = 0;
    if (s->msg_len == 0 || n > sizeof s->chal)
        return;
    memcpy(s->chal, b64, n);
    s->chal_len = n;
}

/* "user SP digest"; the user may itself hold spaces, the digest not. The
 * hash line carries both messages as base64, as hashcat wants them. */
static unsigned client_cram(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    const uint8_t *m = s->msg;
    size_t sp = s->msg_len;
    while (sp > 0 && m[sp - 1] != ' ')
        sp--;
    if (s->msg_len == 0)
        return 0;
    if (sp == 0) { /* no digest: keep what looks like the user */
        set_span(s, &s->cred.user, (struct span){m, s->msg_len});
        return MT_SASL_EXPOSES_USER;
    }
    unsigned flags = 0;
    if (sp > 1) {
        set_field(s, &s->cred.user, m, sp - 1, 0);
        flags |= MT_SASL_EXPOSES_USER;
    }
    if (sp == s->msg_len)
        return flags;
    flags |= MT_SASL_EXPOSES_SECRET;
    if (s->chal_len == 0 || s->msg_cut)
        return flags;
    struct line l = line_start(s);
    line_str(&l, "$cram_md5$");
    line_add(&l, s->chal, s->chal_len);
    line_str(&l, "$");
    line_add(&l, b64, n);
    line_finish(&l, "hashcat -m 10200");
    return flags;
}

/* --- DIGEST-MD5 (RFC 2831) ------------------------------------------------- */

enum { D_USERNAME, D_REALM, D_NONCE, D_CNONCE, D_NC, D_QOP, D_URI, D_RESPONSE, D_AUTHZID, D_COUNT };

static const char *const digest_names[D_COUNT] = {
    "username", "realm", "nonce", "cnonce", "nc", "qop", "digest-uri", "response", "authzid"};

struct digest {
    struct span v[D_COUNT];
    int seen[D_COUNT];
    int cut[D_COUNT]; /* the value ran to the end of a cut message */
    int malformed;    /* a directive without '=' or an unclosed quote */
};

static int lws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Reads a quoted-string starting after its opening quote, removing the
 * backslash escapes in place (the text only shrinks). Returns the position
 * after the closing quote, *closed says whether there was one. */
static size_t unquote(uint8_t *m, size_t n, size_t i, struct span *v, int *closed)
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
static int digest_next(uint8_t *m, size_t n, size_t *pos, struct span *key, struct span *val,
                       int *ok)
{
    size_t i = *pos;
    while (i < n && (m[i] == ',' || lws(m[i])))
        i++;
    if (i >= n)
        return 0;
    size_t k = i;
    while (i < n && m[i] != '=' && m[i] != ',' && !lws(m[i]))
        i++;
    *key = (struct span){m + k, i - k};
    while (i < n && lws(m[i]))
        i++;
    *ok = i < n && m[i] == '=';
    *val = (struct span){m + i, 0};
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
            *val = (struct span){m + v, i - v};
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
    struct span key, val;
    int ok;
    while (digest_next(s->msg, s->msg_len, &pos, &key, &val, &ok)) {
        if (!ok)
            d->malformed = 1;
        for (int j = 0; j < D_COUNT; j++) {
            if (d->seen[j] || !word_is(key.p, key.n, digest_names[j]))
                continue;
            d->seen[j] = 1;
            d->v[j] = val;
            d->cut[j] = s->msg_cut && pos == s->msg_len;
        }
    }
}

/* Keeps the server's nonce for a response that would omit it. */
static void server_digest(struct mt_sasl *s)
{
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
        d->v[D_NONCE] = (struct span){s->nonce, s->nonce_len};
    }
    if (!d->seen[D_QOP])
        d->v[D_QOP] = (struct span){(const uint8_t *)"auth", 4};
    for (int j = 0; j < D_COUNT; j++)
        if (!line_safe(d->v[j].p, d->v[j].n, "$:"))
            return;
    struct line l = line_start(s);
    static const int order[] = {D_USERNAME, D_REALM, D_NONCE,  D_URI,
                                D_CNONCE,   D_NC,    D_QOP,    D_RESPONSE};
    line_str(&l, "$DIGEST-MD5");
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        line_str(&l, "$");
        line_span(&l, d->v[order[i]]);
    }
    if (d->v[D_AUTHZID].n > 0) {
        line_str(&l, "$");
        line_span(&l, d->v[D_AUTHZID]);
    }
    line_finish(&l, "john --format=dmd5");
}

static void digest_field(struct mt_sasl *s, struct mt_sasl_str *f, const struct digest *d, int j)
{
    if (d->v[j].n > 0)
        set_field(s, f, d->v[j].p, d->v[j].n, d->cut[j]);
}

/* The digest-response is the first non-empty client message; the one after
 * rspauth is empty and must not disturb it. */
static unsigned client_digest(struct mt_sasl *s)
{
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

/* --- XOAUTH2, OAUTHBEARER, SCRAM ------------------------------------------ */

/* Finds key=value among ^A-separated pairs. */
static int pair_find(struct span all, const char *key, struct span *v)
{
    size_t i = 0, kl = strlen(key);
    while (i < all.n) {
        size_t e = i;
        while (e < all.n && all.p[e] != 0x01)
            e++;
        if (e - i > kl && all.p[i + kl] == '=' && word_is(all.p + i, kl, key)) {
            *v = (struct span){all.p + i + kl + 1, e - i - kl - 1};
            return 1;
        }
        i = e + 1;
    }
    return 0;
}

/* "Bearer <token>" gives the token; any other scheme is kept whole. */
static struct span bearer_token(struct span auth)
{
    if (auth.n > 7 && word_is(auth.p, 6, "Bearer") && auth.p[6] == ' ') {
        size_t i = 6;
        while (i < auth.n && auth.p[i] == ' ')
            i++;
        return (struct span){auth.p + i, auth.n - i};
    }
    return auth;
}

/* Stores the token of an auth= pair; an error-challenge reply (empty or a
 * lone ^A) has none and leaves what was found. */
static unsigned take_token(struct mt_sasl *s, struct span pairs)
{
    struct span auth;
    if (!pair_find(pairs, "auth", &auth))
        return 0;
    struct span token = bearer_token(auth);
    if (token.n == 0)
        return 0;
    set_span(s, &s->cred.password, token);
    return MT_SASL_EXPOSES_SECRET;
}

/* user=<u> ^A auth=Bearer <token> ^A ^A */
static unsigned client_xoauth2(struct mt_sasl *s)
{
    struct span all = {s->msg, s->msg_len}, user;
    unsigned flags = 0;
    if (pair_find(all, "user", &user) && user.n > 0) {
        set_span(s, &s->cred.user, user);
        flags |= MT_SASL_EXPOSES_USER;
    }
    return flags | take_token(s, all);
}

/* Splits a GS2 header "cbflag,[a=authzid]," (RFC 5801). Returns the offset
 * of what follows, or 0 if the message does not start with one. */
static size_t gs2_header(struct span m, struct span *authz)
{
    if (m.n < 3 || (m.p[0] != 'n' && m.p[0] != 'y' && m.p[0] != 'p'))
        return 0;
    const uint8_t *c1 = memchr(m.p, ',', m.n);
    if (!c1)
        return 0;
    size_t i = (size_t)(c1 - m.p) + 1;
    if (m.p[0] == 'p' ? i < 4 || m.p[1] != '=' : i != 2)
        return 0;
    const uint8_t *c2 = memchr(m.p + i, ',', m.n - i);
    if (!c2)
        return 0;
    size_t j = (size_t)(c2 - m.p);
    *authz = (struct span){m.p + i, 0};
    if (j > i) {
        if (j - i < 2 || m.p[i] != 'a' || m.p[i + 1] != '=')
            return 0;
        *authz = (struct span){m.p + i + 2, j - i - 2};
    }
    return j + 1;
}

/* RFC 7628: gs2-header ^A key=value ^A ... auth=Bearer <token> ^A ^A. */
static unsigned client_oauthbearer(struct mt_sasl *s)
{
    struct span m = {s->msg, s->msg_len}, authz;
    size_t off = gs2_header(m, &authz);
    if (off == 0)
        return 0;
    unsigned flags = 0;
    if (authz.n > 0) {
        set_saslname(s, &s->cred.user, authz);
        flags |= MT_SASL_EXPOSES_USER;
    }
    return flags | take_token(s, (struct span){m.p + off, m.n - off});
}

/* RFC 5802 client-first: gs2-header [m=ext,] n=user,r=nonce. Nothing in
 * SCRAM is secret on the wire without the server's salt and iterations. */
static unsigned client_scram(struct mt_sasl *s)
{
    struct span m = {s->msg, s->msg_len}, authz;
    if (s->stage > 0)
        return 0;
    size_t i = gs2_header(m, &authz);
    if (i == 0)
        return 0;
    s->stage = 1;
    if (authz.n > 0)
        set_saslname(s, &s->cred.authzid, authz);
    while (i < m.n) {
        size_t e = i;
        while (e < m.n && m.p[e] != ',')
            e++;
        if (e - i > 2 && m.p[i] == 'n' && m.p[i + 1] == '=') {
            set_saslname(s, &s->cred.user, (struct span){m.p + i + 2, e - i - 2});
            return MT_SASL_EXPOSES_USER;
        }
        i = e + 1;
    }
    return 0;
}

/* --- NTLM (MS-NLMP) ----------------------------------------------------------- */

#define NTLM_UNICODE 0x00000001u

/* A message of type t: "NTLMSSP\0" then the type. */
static int ntlm_is(const struct mt_sasl *s, uint32_t t, size_t min_len)
{
    return s->msg_len >= min_len && s->msg_len >= 12 && memcmp(s->msg, "NTLMSSP", 8) == 0 &&
           le32(s->msg + 8) == t;
}

/* The server challenge of a CHALLENGE_MESSAGE (type 2). */
static void server_ntlm(struct mt_sasl *s)
{
    if (!ntlm_is(s, 2, 32))
        return;
    memcpy(s->ntlm_chal, s->msg + 24, 8);
    s->ntlm_flags = le32(s->msg + 20);
    s->ntlm_chal_ok = 1;
}

/* A security buffer (len, maxlen, offset) at hdr, checked against the
 * message. maxlen is not trusted nor needed. */
static int ntlm_buffer(const struct mt_sasl *s, size_t hdr, struct span *v)
{
    if (s->msg_len < hdr + 8)
        return 0;
    size_t len = le16(s->msg + hdr);
    size_t off = le32(s->msg + hdr + 4);
    if (off > s->msg_len || len > s->msg_len - off)
        return 0;
    *v = (struct span){s->msg + off, len};
    return 1;
}

/* Appends one code point as UTF-8 if it fits. */
static int put_utf8(uint8_t *out, size_t cap, size_t *w, uint32_t cp)
{
    uint8_t b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp, k = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), k = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f)), k = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f)), k = 4;
    }
    if (k > cap - *w)
        return 0;
    memcpy(out + *w, b, k);
    *w += k;
    return 1;
}

/* UTF-16LE to UTF-8, bounded; an unpaired surrogate becomes U+FFFD and an
 * odd last byte is dropped. Never splits a character at the bound. */
static void set_utf16(struct mt_sasl *s, struct mt_sasl_str *f, struct span v)
{
    size_t cap = cap_of(s, f), w = 0, i = 0;
    int cut = ends_cut(s, v.p, v.n);
    while (i + 1 < v.n) {
        uint32_t cp = le16(v.p + i);
        i += 2;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < v.n && le16(v.p + i) >= 0xdc00 &&
            le16(v.p + i) <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (le16(v.p + i) - 0xdc00u);
            i += 2;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        if (!put_utf8(f->p, cap, &w, cp)) {
            cut = 1;
            break;
        }
    }
    f->len = w;
    f->present = 1;
    f->truncated = cut;
}

/* A string of the AUTHENTICATE message, kept only if non-empty. */
static void ntlm_string(struct mt_sasl *s, struct mt_sasl_str *f, size_t hdr, int unicode)
{
    struct span v;
    if (!ntlm_buffer(s, hdr, &v) || v.n == 0)
        return;
    if (unicode)
        set_utf16(s, f, v);
    else
        set_span(s, f, v);
    if (f->len == 0 && !f->truncated)
        f->present = 0;
}

/* NetNTLMv1 (24-byte NT response):  user::domain:lm:nt:challenge
 * NetNTLMv2 (longer):               user::domain:challenge:ntproof:blob
 * '$' is harmless in these lines (machine accounts end with it). */
static void ntlm_hash(struct mt_sasl *s)
{
    const struct mt_sasl_str *u = &s->cred.user, *d = &s->cred.domain;
    struct span lm = {NULL, 0}, nt;
    if (!s->ntlm_chal_ok || !ntlm_buffer(s, 20, &nt) || u->truncated || d->truncated ||
        !line_safe(u->p, u->len, ":") || !line_safe(d->p, d->len, ":"))
        return;
    int v1 = nt.n == 24;
    if (v1 && (!ntlm_buffer(s, 12, &lm) || lm.n != 24))
        return;
    if (!v1 && nt.n <= 24)
        return;
    struct line l = line_start(s);
    line_add(&l, u->p, u->len);
    line_str(&l, "::");
    line_add(&l, d->p, d->len);
    line_str(&l, ":");
    if (v1) {
        line_hex(&l, lm.p, lm.n);
        line_str(&l, ":");
        line_hex(&l, nt.p, nt.n);
        line_str(&l, ":");
        line_hex(&l, s->ntlm_chal, 8);
    } else {
        line_hex(&l, s->ntlm_chal, 8);
        line_str(&l, ":");
        line_hex(&l, nt.p, 16);
        line_str(&l, ":");
        line_hex(&l, nt.p + 16, nt.n - 16);
    }
    line_finish(&l, v1 ? "hashcat -m 5500" : "hashcat -m 5600");
}

/* AUTHENTICATE_MESSAGE (type 3). The flags at 60 say how strings are
 * encoded; a short message without them falls back to the server's. */
static unsigned client_ntlm(struct mt_sasl *s)
{
    if (!ntlm_is(s, 3, 52))
        return 0;
    uint32_t flags = s->msg_len >= 64 ? le32(s->msg + 60) : s->ntlm_flags;
    int unicode = (flags & NTLM_UNICODE) != 0;
    /* A second AUTHENTICATE message (never sent by a real client) starts
     * over: nothing of the first may end up on the new hash line. */
    s->cred.user.present = s->cred.domain.present = s->cred.host.present = 0;
    s->cred.user.len = s->cred.domain.len = s->cred.host.len = 0;
    s->cred.hash.present = 0;
    s->cred.hash.len = 0;
    s->cred.hash_format = NULL;
    ntlm_string(s, &s->cred.domain, 28, unicode);
    ntlm_string(s, &s->cred.user, 36, unicode);
    ntlm_string(s, &s->cred.host, 44, unicode);
    ntlm_hash(s);
    unsigned out = 0;
    struct span nt;
    if (s->cred.user.present)
        out |= MT_SASL_EXPOSES_USER;
    if (ntlm_buffer(s, 20, &nt) && nt.n > 0)
        out |= MT_SASL_EXPOSES_SECRET;
    return out;
}

/* Appends text to the description, bounded. */
static void desc_add(struct mt_sasl *s, const void *p, size_t n)
{
    size_t k = n < sizeof s->desc - s->desc_len ? n : sizeof s->desc - s->desc_len;
    if (k < n) {
        /* Cut at a character boundary, and said. */
        while (k > 0 && (((const uint8_t *)p)[k] & 0xc0) == 0x80)
            k--;
        s->desc_cut = 1;
    }
    memcpy(s->desc + s->desc_len, p, k);
    s->desc_len += k;
}

/* Keeps the message as it came, before a parser that rewrites it. */
static void desc_keep_message(struct mt_sasl *s)
{
    s->desc_len = 0;
    desc_add(s, s->msg, s->msg_len);
    s->desc_cut |= s->msg_cut;
}

static void desc_str(struct mt_sasl *s, const char *t) { desc_add(s, t, strlen(t)); }

static void desc_field(struct mt_sasl *s, const char *name, const struct mt_sasl_str *f)
{
    if (!f->present)
        return;
    desc_str(s, name);
    desc_add(s, f->p, f->len);
}

/* An NTLM message in words: its type and what it carries in the clear,
 * rather than a screenful of escaped binary. */
static void ntlm_describe(struct mt_sasl *s, int from_client)
{
    char t[96];
    struct span nt;
    if (from_client && ntlm_is(s, 1, 16)) {
        snprintf(t, sizeof t, "NTLM NEGOTIATE message (%zu bytes)", s->msg_len);
        desc_str(s, t);
    } else if (!from_client && ntlm_is(s, 2, 32)) {
        snprintf(t, sizeof t, "NTLM CHALLENGE message (%zu bytes): server challenge ", s->msg_len);
        desc_str(s, t);
        for (int i = 0; i < 8; i++) {
            snprintf(t, sizeof t, "%02x", s->msg[24 + i]);
            desc_str(s, t);
        }
    } else if (from_client && ntlm_is(s, 3, 52) && ntlm_buffer(s, 20, &nt)) {
        snprintf(t, sizeof t, "NTLM AUTHENTICATE message (%zu bytes): %s response (%zu bytes)",
                 s->msg_len, nt.n == 24 ? "NTLMv1" : nt.n > 24 ? "NTLMv2" : "NT", nt.n);
        desc_str(s, t);
        desc_field(s, ", domain ", &s->cred.domain);
        desc_field(s, ", user ", &s->cred.user);
        desc_field(s, ", workstation ", &s->cred.host);
    }
}

/* --- the interface ------------------------------------------------------------ */

static const struct {
    const char *name;
    enum mech mech;
} mechs[] = {
    {"PLAIN", M_PLAIN},       {"LOGIN", M_LOGIN},     {"CRAM-MD5", M_CRAM_MD5},
    {"DIGEST-MD5", M_DIGEST_MD5}, {"XOAUTH2", M_XOAUTH2}, {"OAUTHBEARER", M_OAUTHBEARER},
    {"NTLM", M_NTLM},         {"EXTERNAL", M_EXTERNAL}, {"ANONYMOUS", M_ANONYMOUS},
};

static enum mech mech_of(const char *name)
{
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
        if (strcmp(name, mechs[i].name) == 0)
            return mechs[i].mech;
    if (strncmp(name, "SCRAM-", 6) == 0)
        return M_SCRAM;
    return M_OTHER;
}

/* Clears everything and points the fields at their storage. */
static void reset(struct mt_sasl *s)
{
    memset(s, 0, sizeof *s);
    s->cred.user.p = s->user;
    s->cred.authzid.p = s->authzid;
    s->cred.password.p = s->password;
    s->cred.domain.p = s->domain;
    s->cred.host.p = s->host;
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
        uint8_t c = upper(mech[i]);
        s->cred.mech[i] = (char)(c > 0x20 && c < 0x7f ? c : '?'); /* keep it a safe C string */
    }
    s->cred.mech[k] = '\0';
    s->mech = k == n ? mech_of(s->cred.mech) : M_OTHER;
}

static unsigned client_message(struct mt_sasl *s, const uint8_t *b64, size_t n);

unsigned mt_sasl_client(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    unsigned ex = client_message(s, b64, n);
    s->last_client = 1;
    s->last_flags = ex;
    return ex;
}

static unsigned client_message(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    s->msg_ok = 0;
    if (n == 1 && b64[0] == '*') {
        s->cred.cancelled = 1;
        return 0;
    }
    if (decode_message(s, b64, n) != 0) {
        s->cred.invalid_base64 = 1;
        return 0;
    }
    switch (s->mech) {
    case M_PLAIN:
        return s->msg_len > 0 ? client_plain(s) : 0;
    case M_LOGIN:
        return client_login(s);
    case M_CRAM_MD5:
        return client_cram(s, b64, n);
    case M_DIGEST_MD5:
        desc_keep_message(s);
        return client_digest(s);
    case M_XOAUTH2:
        return client_xoauth2(s);
    case M_OAUTHBEARER:
        return client_oauthbearer(s);
    case M_NTLM: {
        unsigned ex = client_ntlm(s);
        ntlm_describe(s, 1);
        return ex;
    }
    case M_EXTERNAL:
        return client_identity(s, 1);
    case M_ANONYMOUS:
        return client_identity(s, 0);
    case M_SCRAM:
        return client_scram(s);
    case M_OTHER:
        break;
    }
    return 0;
}

void mt_sasl_server(struct mt_sasl *s, const uint8_t *b64, size_t n)
{
    s->last_client = 0;
    s->last_flags = 0;
    s->login_asks = 0;
    if (decode_message(s, b64, n) != 0) {
        s->cred.invalid_base64 = 1;
        if (s->mech == M_CRAM_MD5)
            s->chal_len = 0;
        return;
    }
    if (s->mech == M_CRAM_MD5)
        server_cram(s, b64, n);
    else if (s->mech == M_LOGIN)
        server_login(s);
    else if (s->mech == M_DIGEST_MD5) {
        desc_keep_message(s);
        server_digest(s);
    }
    else if (s->mech == M_NTLM) {
        server_ntlm(s);
        ntlm_describe(s, 0);
    }
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
    /* Only these mechanisms send a message holding nothing but a name;
     * in any other, "user only" means part of the message was not read. */
    int name_only = s->mech == M_LOGIN || s->mech == M_SCRAM || s->mech == M_EXTERNAL ||
                    s->mech == M_ANONYMOUS;
    return s->last_client && !(name_only && s->last_flags == MT_SASL_EXPOSES_USER);
}

int mt_sasl_has_credential(const struct mt_sasl *s)
{
    const struct mt_sasl_cred *c = &s->cred;
    if (c->user.present || c->authzid.present || c->password.present || c->hash.present)
        return 1;
    return (s->mech == M_EXTERNAL || s->mech == M_ANONYMOUS) && s->identified;
}
