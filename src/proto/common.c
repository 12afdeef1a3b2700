/* Shared by the protocol modules: pending credentials and token helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/proto.h"

struct mt_pending *mt_pending_new(struct mt_dsession *s, const char *mech, const char *via,
                                  int starttls_offered, uint64_t msg_seq)
{
    if (!mt_mem_take(s, sizeof(struct mt_pending)))
        return NULL;
    struct mt_pending *p = calloc(1, sizeof *p);
    if (!p) {
        mt_mem_give(s, sizeof(struct mt_pending));
        return NULL;
    }
    size_t i = 0;
    for (; mech[i] && i < MT_SASL_MECH_MAX; i++)
        p->mech[i] = mech[i];
    p->mech[i] = '\0';
    p->via = via;
    p->starttls_offered = starttls_offered;
    p->ts = mt_now(s);
    p->msg_seq = msg_seq;
    return p;
}

static size_t copy_bounded(uint8_t *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = n < cap ? n : cap;
    memcpy(dst, src, k);
    return k;
}

void mt_pending_set_user(struct mt_pending *p, const uint8_t *u, size_t n)
{
    p->user_len = copy_bounded(p->user, sizeof p->user, u, n);
    p->has_user = 1;
    p->user_cut = n > sizeof p->user;
}

void mt_pending_set_password(struct mt_pending *p, const uint8_t *pw, size_t n)
{
    p->password_len = copy_bounded(p->password, sizeof p->password, pw, n);
    p->has_password = 1;
    p->password_cut = n > sizeof p->password;
}

void mt_pending_set_hash(struct mt_pending *p, const char *hash, const char *format)
{
    size_t n = strlen(hash);
    if (n >= sizeof p->hash)
        return; /* a cut hash line is useless to a cracker */
    memcpy(p->hash, hash, n + 1);
    p->has_hash = 1;
    p->hash_format = format;
}

int mt_pending_from_sasl(struct mt_pending *p, const struct mt_sasl *sasl)
{
    if (!mt_sasl_has_credential(sasl))
        return 0;
    const struct mt_sasl_cred *c = mt_sasl_cred(sasl);
    size_t i = 0;
    for (; c->mech[i] && i < MT_SASL_MECH_MAX; i++)
        p->mech[i] = c->mech[i];
    p->mech[i] = '\0';
    if (c->user.present) {
        mt_pending_set_user(p, c->user.p, c->user.len);
        p->user_cut |= c->user.truncated;
    }
    if (c->service.present) {
        p->service_len = copy_bounded(p->service, sizeof p->service, c->service.p, c->service.len);
        p->has_service = 1;
        p->service_cut = c->service.truncated;
    }
    if (c->password.present) {
        mt_pending_set_password(p, c->password.p, c->password.len);
        p->password_cut |= c->password.truncated;
    }
    if (c->hash.present && c->hash.len < sizeof p->hash) {
        memcpy(p->hash, c->hash.p, c->hash.len);
        p->hash[c->hash.len] = '\0';
        p->has_hash = 1;
        p->hash_format = c->hash_format;
    }
    return 1;
}

void mt_pending_resolve(struct mt_dsession *s, struct mt_pending **pp, enum mt_result r)
{
    struct mt_pending *p = *pp;
    if (!p)
        return;
    struct mt_credential c;
    memset(&c, 0, sizeof c);
    c.ts = p->ts;
    c.mech = p->mech;
    c.via = p->via;
    c.user = (struct mt_bytes){p->user, p->user_len, p->has_user, p->user_cut};
    c.password =
        (struct mt_bytes){p->password, p->password_len, p->has_password, p->password_cut};
    c.service = (struct mt_bytes){p->service, p->service_len, p->has_service, p->service_cut};
    c.hash = p->has_hash ? p->hash : NULL;
    c.hash_format = p->has_hash ? p->hash_format : NULL;
    c.result = r;
    c.starttls_offered = p->starttls_offered;
    c.msg_seq = p->msg_seq;
    mt_emit_credential(s, &c);
    mt_pending_free(s, pp);
}

void mt_pending_free(struct mt_dsession *s, struct mt_pending **pp)
{
    if (!*pp)
        return;
    free(*pp);
    *pp = NULL;
    mt_mem_give(s, sizeof(struct mt_pending));
}

static void warn_base64(struct mt_dsession *s, const struct mt_sasl *sasl, int before,
                        const char *what)
{
    const struct mt_sasl_cred *c = mt_sasl_cred(sasl);
    if (before || !c->invalid_base64)
        return;
    char text[128];
    snprintf(text, sizeof text, "SASL %s: %s is not valid base64", c->mech, what);
    mt_emit_warning(s, text);
}

unsigned mt_auth_client(struct mt_dsession *s, struct mt_sasl *sasl, const uint8_t *p, size_t n,
                        int cut)
{
    int before = mt_sasl_cred(sasl)->invalid_base64;
    unsigned ex = cut ? mt_sasl_client_cut(sasl, p, n) : mt_sasl_client(sasl, p, n);
    warn_base64(s, sasl, before, "a client response");
    if (cut && !mt_sasl_cred(sasl)->invalid_base64) {
        char text[160];
        snprintf(text, sizeof text,
                 "SASL %s: a client response longer than --max-line was cut; what was kept "
                 "is read, and the field it ends in is marked cut",
                 mt_sasl_cred(sasl)->mech);
        mt_emit_warning(s, text);
    }
    return ex;
}

void mt_auth_server(struct mt_dsession *s, struct mt_sasl *sasl, const uint8_t *p, size_t n)
{
    int before = mt_sasl_cred(sasl)->invalid_base64;
    mt_sasl_server(sasl, p, n);
    warn_base64(s, sasl, before, "a server challenge");
}

void mt_warn_gap(struct mt_dsession *s, enum mt_dir dir)
{
    mt_emit_warning(s, dir == MT_DIR_SERVER ? "bytes missing from the server; resynchronising"
                                            : "bytes missing from the client; resynchronising");
}

int mt_reply_push(struct mt_dsession *s, struct mt_reply_queue *q, int kind)
{
    int overflow = q->len == MT_REPLY_QUEUE_MAX;
    if (overflow) {
        mt_emit_warning(s, "more than 64 commands await replies; replies no longer matched");
        q->len = 0;
    }
    q->kind[(q->head + q->len) % MT_REPLY_QUEUE_MAX] = (uint8_t)kind;
    q->len++;
    return overflow;
}

void mt_auth_report(struct mt_dsession *s, const struct mt_sasl *sasl, const char *via,
                    int starttls_offered, uint64_t secret_seq, enum mt_result r)
{
    if (mt_sasl_refused_unread(sasl, r == MT_RESULT_SUCCESS))
        return;
    struct mt_pending *pend = mt_pending_new(s, "", via, starttls_offered, secret_seq);
    if (pend && mt_pending_from_sasl(pend, sasl))
        mt_pending_resolve(s, &pend, mt_sasl_cred(sasl)->cancelled ? MT_RESULT_FAILURE : r);
    mt_pending_free(s, &pend);
}

int mt_token_is(const uint8_t *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (c != (uint8_t)word[i])
            return 0;
    }
    return 1;
}

void mt_label_word(const uint8_t *p, size_t n, char *label, size_t cap)
{
    size_t i = 0;
    while (i < n && p[i] != ' ' && i + 1 < cap) {
        uint8_t c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (i > 0 && (c == '-' || (c >= '0' && c <= '9'))))) {
            i = 0;
            break;
        }
        label[i++] = (char)c;
    }
    if (i == 0 || (i < n && p[i] != ' ')) {
        if (cap > 1) {
            label[0] = '?';
            label[1] = '\0';
        }
        return;
    }
    label[i] = '\0';
}

size_t mt_next_token(const uint8_t *p, size_t n, size_t *pos, size_t *start)
{
    size_t i = *pos;
    while (i < n && p[i] == ' ')
        i++;
    *start = i;
    while (i < n && p[i] != ' ')
        i++;
    *pos = i;
    return i - *start;
}

/* A literal announced at the end of a line: "{123}", "{123+}", "~{123}".
 * Returns 1 and its size, and where it starts in the line; -1 (and where
 * it starts) for one whose size does not fit in 64 bits, a broken marker
 * that no byte count follows; 0 for none. */
int mt_literal_at_end(const uint8_t *p, size_t n, uint64_t *size, size_t *at, int *plus)
{
    if (n < 3 || p[n - 1] != '}')
        return 0;
    size_t i = n - 1;
    *plus = i > 0 && p[i - 1] == '+';
    if (*plus)
        i--;
    size_t end = i;
    while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
        i--;
    if (i == end || i == 0 || p[i - 1] != '{')
        return 0;
    *at = i - 1;
    if (*at > 0 && p[*at - 1] == '~')
        (*at)--;
    uint64_t v = 0;
    for (size_t k = i; k < end; k++) {
        uint64_t d = (uint64_t)(p[k] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *size = v;
    return 1;
}

/* Where the word w (upper case) starts in p as a whole word, or NULL. */
static const uint8_t *find_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if ((i == 0 || p[i - 1] == ' ') && mt_token_is(p + i, k, w) &&
            (i + k == n || p[i + k] == ' ' || p[i + k] == '.' || p[i + k] == ','))
            return p + i;
    return NULL;
}

/* Words a greeting starts with that name the protocol, not the software. */
static int protocol_word(const uint8_t *p, size_t n)
{
    static const char *const words[] = {"IMAP4REV1", "IMAP4REV2", "IMAP4", "POP3", "ESMTP",
                                        "SMTP", "LMTP", "SERVICE", "SERVER", NULL};
    for (const char *const *w = words; *w; w++)
        if (mt_token_is(p, n, *w))
            return 1;
    return 0;
}

void mt_software_from_greeting(struct mt_dsession *s, enum mt_proto proto, const uint8_t *p,
                               size_t n)
{
    size_t i = 0;
    if (proto == MT_PROTO_IMAP && n > 0 && p[0] == '[') { /* a response code */
        const uint8_t *e = memchr(p, ']', n);
        i = e ? (size_t)(e - p) + 1 : n;
    }
    if (proto == MT_PROTO_SMTP || proto == MT_PROTO_LMTP) {
        /* The server's host name, then maybe the protocol's name. */
        size_t st, pos = i;
        mt_next_token(p, n, &pos, &st);
        size_t ws, wn = mt_next_token(p, n, &pos, &ws);
        i = pos;
        if (!(mt_token_is(p + ws, wn, "ESMTP") || mt_token_is(p + ws, wn, "SMTP") ||
              mt_token_is(p + ws, wn, "LMTP")))
            i = ws;
    }
    for (;;) { /* "IMAP4rev1 Service Ready", "POP3 server ready" */
        size_t st, pos = i, wn = mt_next_token(p, n, &pos, &st);
        if (!wn || !protocol_word(p + st, wn))
            break;
        i = pos;
    }
    while (i < n && p[i] == ' ')
        i++;
    size_t end = n;
    /* "Dovecot (Debian) ready.", "... Service ready at Thu, 3 Dec": the name
     * comes before "ready"; and before a POP3 APOP timestamp "<...>". */
    const uint8_t *r = find_word(p + i, end - i, "READY");
    if (r)
        end = (size_t)(r - p);
    const uint8_t *lt = memchr(p + i, '<', end - i);
    if (lt && proto == MT_PROTO_POP3)
        end = (size_t)(lt - p);
    while (end > i && (p[end - 1] == ' ' || p[end - 1] == '.' || p[end - 1] == ','))
        end--;
    if (end > i)
        mt_set_software(s, MT_DIR_SERVER, p + i, end - i, "greeting");
}
