/* Recognising a TLS ClientHello in the first bytes a client sends, and
 * collecting what its JA4 fingerprint reads (computed in ja4.c).
 *
 * Every byte is hostile.  The parser is a single forward pass over the
 * handshake message, read through a small cursor that walks the TLS records
 * carrying it (a ClientHello may be fragmented over several handshake
 * records, each of which may itself arrive in several TCP segments).  The
 * cursor never reads past p + n: when it needs a byte that is not there yet
 * the answer is "need more", unless that byte lies beyond what the caller is
 * willing to buffer (MT_TLS_MAX_HELLO), in which case it is "not TLS".
 *
 * Every length field is checked against the length of the structure that
 * encloses it (record, handshake message, extensions block, extension,
 * list) before anything is read under it, so an inconsistent length is
 * reported as soon as it is seen, without waiting for the bytes it claims.
 * Because decisions only ever depend on bytes already read, the answer is
 * monotonic: a valid prefix gives MT_TLS_NEED_MORE, and once the answer is
 * MT_TLS_NOT_TLS or MT_TLS_HELLO, more bytes do not change it.
 *
 * No recursion, no allocation, nothing kept between calls.
 */
#include "mailtap/tls.h"

#include <stdio.h>
#include <string.h>

#define REC_HANDSHAKE 0x16
#define HS_CLIENT_HELLO 1
#define REC_MAX_PLAINTEXT 16384 /* RFC 8446 5.1: TLSPlaintext.length <= 2^14 */
#define REC_HDR 5
#define HS_HDR 4
/* legacy_version(2) random(32) session_id<0..32>(1) cipher_suites<2..>(2+2)
 * compression_methods<1..>(1+1): the smallest possible ClientHello body. */
#define HELLO_MIN_BODY 41

#define EXT_SERVER_NAME 0
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_EARLY_DATA 42
#define EXT_SUPPORTED_VERSIONS 43

/* Internal verdicts; mapped to enum mt_tls_result at the end. */
enum { R_OK = 0, R_MORE, R_BAD };

/* A cursor over the handshake bytes carried by consecutive handshake
 * records starting at p[0]. */
struct cursor {
    const uint8_t *p;
    size_t n;
    size_t pos;      /* offset in p of the next byte to read */
    size_t rec_left; /* handshake bytes left in the current record */
};

/* The byte at p[off] is needed but absent. */
static int need(size_t off)
{
    /* The caller buffers at most MT_TLS_MAX_HELLO bytes: a hello that
     * needs more than that will never be seen whole. */
    return off >= MT_TLS_MAX_HELLO ? R_BAD : R_MORE;
}

/* Makes sure the cursor is inside a record and on an available byte,
 * reading the next record header if the current record is used up. */
static int cur_ready(struct cursor *c)
{
    if (c->rec_left == 0) {
        size_t h = c->pos;
        /* Check each header byte as soon as it is there. */
        for (size_t i = 0; i < REC_HDR; i++) {
            if (h + i >= c->n)
                return need(h + i);
            uint8_t b = c->p[h + i];
            if (i == 0 && b != REC_HANDSHAKE)
                return R_BAD; /* not a handshake record, or an alert/CCS
                               * interleaved inside a fragmented hello */
            if (i == 1 && b != 0x03)
                return R_BAD;
            if (i == 2 && b > 0x04)
                return R_BAD;
        }
        size_t len = (size_t)c->p[h + 3] << 8 | c->p[h + 4];
        /* Zero-length handshake fragments are forbidden (RFC 8446 5.1). */
        if (len == 0 || len > REC_MAX_PLAINTEXT)
            return R_BAD;
        c->pos = h + REC_HDR;
        c->rec_left = len;
    }
    if (c->pos >= c->n)
        return need(c->pos);
    return R_OK;
}

static int cur_u8(struct cursor *c, uint8_t *v)
{
    int rc = cur_ready(c);
    if (rc != R_OK)
        return rc;
    *v = c->p[c->pos++];
    c->rec_left--;
    return R_OK;
}

static int cur_u16(struct cursor *c, uint16_t *v)
{
    uint8_t a, b;
    int rc = cur_u8(c, &a);
    if (rc == R_OK)
        rc = cur_u8(c, &b);
    if (rc == R_OK)
        *v = (uint16_t)(a << 8 | b);
    return rc;
}

static int cur_skip(struct cursor *c, size_t k)
{
    while (k > 0) {
        int rc = cur_ready(c);
        if (rc != R_OK)
            return rc;
        size_t chunk = c->n - c->pos;
        if (chunk > c->rec_left)
            chunk = c->rec_left;
        if (chunk > k)
            chunk = k;
        c->pos += chunk;
        c->rec_left -= chunk;
        k -= chunk;
    }
    return R_OK;
}

/* Keeps v in a JA4 list of *n values that has room for max; a list that
 * would be longer makes the hello unusable for JA4. */
static void keep16(uint16_t *list, size_t *n, size_t max, uint16_t v, struct mt_ja4_hello *j)
{
    if (*n < max)
        list[(*n)++] = v;
    else
        j->unusable = 1;
}

/* Claims k bytes of an enclosing structure that has *left bytes left. */
static int take(size_t *left, size_t k)
{
    if (k > *left)
        return R_BAD;
    *left -= k;
    return R_OK;
}

/* What a printed field may contain: printable ASCII.  Anything else
 * (control characters such as ESC, CR, LF or NUL, DEL, and bytes >= 0x80)
 * becomes '?', so that a hostile SNI or ALPN value can neither inject
 * terminal escapes or fake log lines nor cut the string short. */
static char printable(uint8_t b)
{
    return b >= 0x20 && b < 0x7f ? (char)b : '?';
}

/* Reads a k-byte string into out[cap] (NUL-terminated, sanitised);
 * *truncated is set when it did not fit. */
static int cur_string(struct cursor *c, size_t k, char *out, size_t cap, int *truncated)
{
    size_t keep = k < cap - 1 ? k : cap - 1;
    for (size_t i = 0; i < keep; i++) {
        uint8_t b;
        int rc = cur_u8(c, &b);
        if (rc != R_OK)
            return rc;
        out[i] = printable(b);
    }
    out[keep] = '\0';
    if (keep < k && truncated)
        *truncated = 1;
    return cur_skip(c, k - keep);
}

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ..., 0xfafa. */
static int is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Orders versions for max_version: numerically, except that TLS 1.3 drafts
 * (0x7fxx, seen from 2017-2018 clients) rank above TLS 1.2 and below the
 * final TLS 1.3. */
static uint32_t version_rank(uint16_t v)
{
    if ((v >> 8) == 0x7f)
        return (uint32_t)0x0303 << 16 | 0x8000u | (v & 0xff);
    return (uint32_t)v << 16;
}

/* server_name (RFC 6066 3): ServerNameList server_name_list<1..2^16-1>,
 * each entry a name_type byte and a 2-byte-length name. */
static int ext_sni(struct cursor *c, size_t left, struct mt_tls_info *info, int *have_host)
{
    uint16_t list;
    int rc;
    if ((rc = take(&left, 2)) != R_OK || (rc = cur_u16(c, &list)) != R_OK)
        return rc;
    if (list == 0 || list != left)
        return R_BAD;
    while (left > 0) {
        uint8_t type;
        uint16_t len;
        if ((rc = take(&left, 3)) != R_OK || (rc = cur_u8(c, &type)) != R_OK ||
            (rc = cur_u16(c, &len)) != R_OK)
            return rc;
        if ((rc = take(&left, len)) != R_OK)
            return rc;
        if (type == 0) {
            /* At most one host_name, of at least one byte. */
            if (*have_host || len == 0)
                return R_BAD;
            *have_host = 1;
            rc = cur_string(c, len, info->sni, sizeof info->sni, &info->sni_truncated);
        } else {
            rc = cur_skip(c, len);
        }
        if (rc != R_OK)
            return rc;
    }
    return R_OK;
}

/* The first ALPN protocol, of len (>= 1) bytes: printable into info->alpn
 * (truncated to fit, silently: registered ALPN ids are a few bytes), and its
 * first and last bytes as they are for JA4. */
static int alpn_first_protocol(struct cursor *c, size_t len, struct mt_tls_info *info,
                               struct mt_ja4_hello *j)
{
    size_t keep = len < sizeof info->alpn - 1 ? len : sizeof info->alpn - 1;
    for (size_t i = 0; i < len; i++) {
        uint8_t b;
        int rc = cur_u8(c, &b);
        if (rc != R_OK)
            return rc;
        if (i < keep)
            info->alpn[i] = printable(b);
        if (i == 0)
            j->alpn_first = b;
        j->alpn_last = b;
    }
    info->alpn[keep] = '\0';
    j->alpn_len = len;
    return R_OK;
}

/* application_layer_protocol_negotiation (RFC 7301 3.1):
 * ProtocolName protocol_name_list<2..2^16-1>, each ProtocolName<1..2^8-1>.
 * The first protocol is kept. */
static int ext_alpn(struct cursor *c, size_t left, struct mt_tls_info *info,
                    struct mt_ja4_hello *j)
{
    uint16_t list;
    int rc;
    if ((rc = take(&left, 2)) != R_OK || (rc = cur_u16(c, &list)) != R_OK)
        return rc;
    if (list < 2 || list != left)
        return R_BAD;
    int first = 1;
    while (left > 0) {
        uint8_t len;
        if ((rc = take(&left, 1)) != R_OK || (rc = cur_u8(c, &len)) != R_OK)
            return rc;
        if (len == 0 || (rc = take(&left, len)) != R_OK)
            return R_BAD;
        if (first)
            rc = alpn_first_protocol(c, len, info, j);
        else
            rc = cur_skip(c, len);
        if (rc != R_OK)
            return rc;
        first = 0;
    }
    return R_OK;
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1):
 * ProtocolVersion versions<2..254>. */
static int ext_versions(struct cursor *c, size_t left, struct mt_tls_info *info,
                        struct mt_ja4_hello *j)
{
    uint8_t list;
    int rc;
    if ((rc = take(&left, 1)) != R_OK || (rc = cur_u8(c, &list)) != R_OK)
        return rc;
    if (list < 2 || list % 2 != 0 || list != left)
        return R_BAD;
    j->has_versions = 1;
    for (; left > 0; left -= 2) {
        uint16_t v;
        if ((rc = cur_u16(c, &v)) != R_OK)
            return rc;
        keep16(j->versions, &j->n_versions, MT_JA4_MAX_VERSIONS, v, j);
        if (!is_grease(v) && version_rank(v) > version_rank(info->max_version))
            info->max_version = v;
    }
    return R_OK;
}

/* signature_algorithms (RFC 8446 4.2.3): SignatureScheme
 * supported_signature_algorithms<2..2^16-2>, kept in order for JA4.  Only
 * JA4 reads it, so one that does not parse costs the fingerprint, not the
 * hello: its bytes are skipped as the extension's length says. */
static int ext_sigalgs(struct cursor *c, size_t left, struct mt_ja4_hello *j)
{
    uint16_t list;
    int rc;
    if (left < 2) {
        j->unusable = 1;
        return cur_skip(c, left);
    }
    if ((rc = cur_u16(c, &list)) != R_OK)
        return rc;
    left -= 2;
    if (list < 2 || list % 2 != 0 || list != left) {
        j->unusable = 1;
        return cur_skip(c, left);
    }
    for (; left > 0; left -= 2) {
        uint16_t v;
        if ((rc = cur_u16(c, &v)) != R_OK)
            return rc;
        keep16(j->sigalgs, &j->n_sigalgs, MT_JA4_MAX_SIGALGS, v, j);
    }
    return R_OK;
}

/* Handshake header: type, 24-bit length.  *len is the body's length. */
static int hello_header(struct cursor *c, size_t *len)
{
    uint8_t b;
    int rc;
    if ((rc = cur_u8(c, &b)) != R_OK)
        return rc;
    if (b != HS_CLIENT_HELLO)
        return R_BAD;
    size_t hs_len = 0;
    for (int i = 0; i < 3; i++) {
        if ((rc = cur_u8(c, &b)) != R_OK)
            return rc;
        hs_len = hs_len << 8 | b;
    }
    /* Too short to be a ClientHello, or too long for the caller's buffer
     * even if it came in a single record. */
    if (hs_len < HELLO_MIN_BODY || hs_len > MT_TLS_MAX_HELLO - REC_HDR - HS_HDR)
        return R_BAD;
    *len = hs_len;
    return R_OK;
}

/* legacy_version: 3.0 to 3.4, each byte checked as it comes. */
static int hello_version(struct cursor *c, size_t *left, struct mt_tls_info *info)
{
    uint8_t b;
    int rc;
    if ((rc = take(left, 2)) != R_OK || (rc = cur_u8(c, &b)) != R_OK)
        return rc;
    if (b != 0x03)
        return R_BAD;
    if ((rc = cur_u8(c, &b)) != R_OK)
        return rc;
    if (b > 0x04)
        return R_BAD;
    info->hello_version = (uint16_t)(0x0300 | b);
    info->max_version = info->hello_version;
    return R_OK;
}

/* random (kept: a key log finds the session's secrets by it), then
 * legacy_session_id<0..32> (not kept). */
static int random_and_session_id(struct cursor *c, size_t *left, struct mt_tls_info *info)
{
    uint8_t b;
    int rc;
    if ((rc = take(left, 32)) != R_OK)
        return rc;
    for (size_t i = 0; i < sizeof info->random; i++)
        if ((rc = cur_u8(c, &info->random[i])) != R_OK)
            return rc;
    if ((rc = take(left, 1)) != R_OK || (rc = cur_u8(c, &b)) != R_OK)
        return rc;
    if (b > 32 || (rc = take(left, b)) != R_OK)
        return R_BAD;
    return cur_skip(c, b);
}

/* cipher_suites<2..2^16-2>, two bytes each, kept in order for JA4. */
static int cipher_suites(struct cursor *c, size_t *left, struct mt_ja4_hello *j)
{
    uint16_t u;
    int rc;
    if ((rc = take(left, 2)) != R_OK || (rc = cur_u16(c, &u)) != R_OK)
        return rc;
    if (u < 2 || u % 2 != 0 || (rc = take(left, u)) != R_OK)
        return R_BAD;
    for (; u > 0; u -= 2) {
        uint16_t v;
        if ((rc = cur_u16(c, &v)) != R_OK)
            return rc;
        keep16(j->ciphers, &j->n_ciphers, MT_JA4_MAX_CIPHERS, v, j);
    }
    return R_OK;
}

/* legacy_compression_methods<1..2^8-1>, which must include null (0) */
static int compression_methods(struct cursor *c, size_t *left)
{
    uint8_t b;
    int rc;
    if ((rc = take(left, 1)) != R_OK || (rc = cur_u8(c, &b)) != R_OK)
        return rc;
    if (b == 0 || (rc = take(left, b)) != R_OK)
        return R_BAD;
    int has_null = 0;
    for (unsigned i = b; i > 0; i--) {
        uint8_t m;
        if ((rc = cur_u8(c, &m)) != R_OK)
            return rc;
        has_null |= m == 0;
    }
    return has_null ? R_OK : R_BAD;
}

/* The extensions read here that have been seen so far, and whether the
 * server_name list held a host_name. */
struct seen_ext {
    int sni, alpn, versions, host, sigalgs;
};

/* One extension, of len bytes: one of the kinds read here, or skipped.
 * Duplicate extensions are forbidden (RFC 8446 4.2); for the ones read
 * here a duplicate could make us report a different name than the
 * server uses, so it disqualifies the hello. */
static int extension(struct cursor *c, uint16_t type, uint16_t len, struct mt_tls_info *info,
                     struct mt_ja4_hello *j, struct seen_ext *seen)
{
    keep16(j->exts, &j->n_exts, MT_JA4_MAX_EXTS, type, j);
    switch (type) {
    case EXT_SERVER_NAME:
        if (seen->sni++)
            return R_BAD;
        return ext_sni(c, len, info, &seen->host);
    case EXT_ALPN:
        if (seen->alpn++)
            return R_BAD;
        return ext_alpn(c, len, info, j);
    case EXT_SUPPORTED_VERSIONS:
        if (seen->versions++)
            return R_BAD;
        return ext_versions(c, len, info, j);
    case EXT_SIGNATURE_ALGORITHMS:
        /* JA4 reads the first (a duplicate is forbidden anyway). */
        if (seen->sigalgs++)
            return cur_skip(c, len);
        return ext_sigalgs(c, len, j);
    case EXT_EARLY_DATA:
        info->early_data = 1;
        return cur_skip(c, len);
    default:
        return cur_skip(c, len);
    }
}

/* Extensions are optional (SSL 3.0 / early TLS); if present, the block
 * length must account for exactly the rest of the message. */
static int extensions(struct cursor *c, size_t left, struct mt_tls_info *info,
                      struct mt_ja4_hello *j)
{
    uint16_t u;
    int rc;
    if (left == 0)
        return R_OK;
    if ((rc = take(&left, 2)) != R_OK || (rc = cur_u16(c, &u)) != R_OK)
        return rc;
    if (u != left)
        return R_BAD;
    struct seen_ext seen = {0, 0, 0, 0, 0};
    while (left > 0) {
        uint16_t type, len;
        if ((rc = take(&left, 4)) != R_OK || (rc = cur_u16(c, &type)) != R_OK ||
            (rc = cur_u16(c, &len)) != R_OK)
            return rc;
        if ((rc = take(&left, len)) != R_OK)
            return rc;
        if ((rc = extension(c, type, len, info, j, &seen)) != R_OK)
            return rc;
    }
    return R_OK;
}

/* The ClientHello's parts in the order they come (RFC 8446 4.1.2); left
 * counts the bytes of the message that no part has claimed yet. */
static int parse_hello(struct cursor *c, struct mt_tls_info *info, struct mt_ja4_hello *j)
{
    size_t left = 0;
    int rc;
    if ((rc = hello_header(c, &left)) != R_OK || (rc = hello_version(c, &left, info)) != R_OK ||
        (rc = random_and_session_id(c, &left, info)) != R_OK ||
        (rc = cipher_suites(c, &left, j)) != R_OK || (rc = compression_methods(c, &left)) != R_OK)
        return rc;
    return extensions(c, left, info, j);
}

enum mt_tls_result mt_tls_client_hello(const uint8_t *p, size_t n, struct mt_tls_info *info)
{
    if (!p || n == 0)
        return MT_TLS_NEED_MORE;
    /* Filled in a local copy; *info is written only for a complete hello. */
    struct mt_tls_info tmp;
    memset(&tmp, 0, sizeof tmp);
    /* The lists are written before they are read: only the counts and
     * flags need clearing. */
    struct mt_ja4_hello j;
    j.legacy_version = 0;
    j.n_ciphers = j.n_exts = j.n_sigalgs = j.n_versions = 0;
    j.has_versions = j.unusable = 0;
    j.alpn_len = 0;
    j.alpn_first = j.alpn_last = 0;
    /* Bytes past MT_TLS_MAX_HELLO count as absent even when given, so
     * that the answer does not depend on how much the caller passed. */
    struct cursor c = {p, n < MT_TLS_MAX_HELLO ? n : MT_TLS_MAX_HELLO, 0, 0};
    int rc = parse_hello(&c, &tmp, &j);
    if (rc == R_BAD)
        return MT_TLS_NOT_TLS;
    if (rc == R_MORE)
        return MT_TLS_NEED_MORE;
    /* A complete hello means the first record header was read whole. */
    tmp.record_version = (uint16_t)(p[1] << 8 | p[2]);
    j.legacy_version = tmp.hello_version;
    mt_ja4(&j, tmp.ja4); /* "" if it cannot be had */
    if (info)
        *info = tmp;
    return MT_TLS_HELLO;
}

/* Only TLS records are recognised.  An SSLv2-compatible ClientHello (a
 * 2-byte SSLv2 record header with the high bit set, message type 1) is
 * deliberately not accepted: no client of this century sends one, and
 * accepting it would make any stream starting with a byte >= 0x80 look like
 * possible TLS. */
int mt_tls_maybe(const uint8_t *p, size_t n)
{
    if (!p || n == 0 || p[0] != REC_HANDSHAKE)
        return 0;
    if (n > 1 && p[1] != 0x03)
        return 0;
    if (n > 2 && p[2] > 0x04)
        return 0;
    if (n > 5 && p[5] != HS_CLIENT_HELLO)
        return 0;
    return 1;
}

const char *mt_tls_version_name(uint16_t v, char *buf, size_t cap)
{
    switch (v) {
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        break;
    }
    if (!buf || cap == 0)
        return "TLS ?";
    snprintf(buf, cap, "TLS 0x%04x", (unsigned)v);
    return buf;
}
