/* Helpers the SASL mechanisms share: storing a field of a message, the GS2
 * header, the crackable hash line, the description shown instead of a
 * message. Each copy is bounded by its storage inside struct mt_sasl. */
#include <string.h>

#include "sasl_impl.h"

/* --- fields ------------------------------------------------------------------ */

uint8_t sasl_upper(uint8_t c) { return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c; }

/* Case-insensitive comparison of p[0..n) with a lower- or upper-case word. */
int sasl_word_is(const uint8_t *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (sasl_upper(p[i]) != sasl_upper((uint8_t)word[i]))
            return 0;
    return 1;
}

/* Whether a span of the current message runs to its end, and the wire
 * message was cut there: then the field itself is cut. */
int sasl_ends_cut(const struct mt_sasl *s, const uint8_t *p, size_t n)
{
    return s->msg_cut && p + n == s->msg + s->msg_len;
}

/* The room a field's storage has. */
size_t sasl_field_cap(const struct mt_sasl *s, const struct mt_sasl_str *f)
{
    return f == &s->cred.password ? MT_SASL_SECRET_MAX : MT_SASL_FIELD_MAX;
}

/* Copies a field into its storage, bounded; cut says the wire had more. */
void sasl_set_field(struct mt_sasl *s, struct mt_sasl_str *f, const uint8_t *p, size_t n,
                    int cut)
{
    size_t cap = sasl_field_cap(s, f);
    size_t k = n < cap ? n : cap;
    if (k > 0)
        memcpy(f->p, p, k);
    f->len = k;
    f->present = 1;
    f->truncated = n > cap || cut;
}

/* Same, for a span of the current message. */
void sasl_set_span(struct mt_sasl *s, struct mt_sasl_str *f, struct sasl_span v)
{
    sasl_set_field(s, f, v.p, v.n, sasl_ends_cut(s, v.p, v.n));
}

/* Stores a GS2 saslname (RFC 5801): "=2C" is ',' and "=3D" is '='. Any
 * other '=' is kept as it is: the observer reports, it does not judge. */
void sasl_set_saslname(struct mt_sasl *s, struct mt_sasl_str *f, struct sasl_span v)
{
    size_t cap = sasl_field_cap(s, f), w = 0, i = 0;
    int cut = sasl_ends_cut(s, v.p, v.n);
    while (i < v.n) {
        uint8_t c = v.p[i];
        size_t adv = 1;
        if (c == '=' && v.n - i >= 3 && v.p[i + 1] == '2' && sasl_upper(v.p[i + 2]) == 'C')
            c = ',', adv = 3;
        else if (c == '=' && v.n - i >= 3 && v.p[i + 1] == '3' && sasl_upper(v.p[i + 2]) == 'D')
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

/* Splits a GS2 header "cbflag,[a=authzid]," (RFC 5801). Returns the offset
 * of what follows, or 0 if the message does not start with one. */
size_t sasl_gs2_header(struct sasl_span m, struct sasl_span *authz)
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
    *authz = (struct sasl_span){m.p + i, 0};
    if (j > i) {
        if (j - i < 2 || m.p[i] != 'a' || m.p[i + 1] != '=')
            return 0;
        *authz = (struct sasl_span){m.p + i + 2, j - i - 2};
    }
    return j + 1;
}

/* --- the crackable line ------------------------------------------------------ */

struct sasl_line sasl_line_start(struct mt_sasl *s)
{
    s->cred.hash.present = 0;
    s->cred.hash.len = 0;
    s->cred.hash.truncated = 0;
    s->cred.hash_format = NULL;
    return (struct sasl_line){s, 0, 0};
}

void sasl_line_add(struct sasl_line *l, const void *p, size_t n)
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

void sasl_line_str(struct sasl_line *l, const char *str) { sasl_line_add(l, str, strlen(str)); }

void sasl_line_span(struct sasl_line *l, struct sasl_span v) { sasl_line_add(l, v.p, v.n); }

void sasl_line_hex(struct sasl_line *l, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n && !l->over; i++) {
        char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        sasl_line_add(l, h, 2);
    }
}

void sasl_line_finish(struct sasl_line *l, const char *format)
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
int sasl_line_safe(const uint8_t *p, size_t n, const char *separators)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e || strchr(separators, p[i]))
            return 0;
    return 1;
}

/* --- the description ---------------------------------------------------------- */

/* Appends text to the description, bounded. */
void sasl_desc_add(struct mt_sasl *s, const void *p, size_t n)
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
void sasl_desc_keep_message(struct mt_sasl *s)
{
    s->desc_len = 0;
    sasl_desc_add(s, s->msg, s->msg_len);
    s->desc_cut |= s->msg_cut;
}

void sasl_desc_str(struct mt_sasl *s, const char *t) { sasl_desc_add(s, t, strlen(t)); }

void sasl_desc_field(struct mt_sasl *s, const char *name, const struct mt_sasl_str *f)
{
    if (!f->present)
        return;
    sasl_desc_str(s, name);
    sasl_desc_add(s, f->p, f->len);
}
