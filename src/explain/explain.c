/* Looking a label up in its protocol's table of meanings (pop3.c, imap.c,
 * smtp.c, sieve.c) and translating the meaning through the "mailtap" text
 * domain that locale.c binds. */
#include "mailtap/explain.h"

#include <libintl.h>
#include <string.h>

#include "explain_impl.h"

/* How well a row fits: 0 not at all, else higher is better. */
static int fit(const struct mt_explain_row *r, enum mt_dir dir, enum mt_msg_kind kind,
               const char *label)
{
    if (r->dir != MT_EXPLAIN_ANY && r->dir != (int)dir)
        return 0;
    if (strcmp(r->label, label) != 0)
        return 0;
    if (r->kind == (int)kind)
        return 3;
    return r->kind == MT_EXPLAIN_ANY ? 2 : 1;
}

static const struct mt_explain_row *find(const struct mt_explain_table *t, enum mt_dir dir,
                                         enum mt_msg_kind kind, const char *label)
{
    const struct mt_explain_row *best = NULL;
    int best_fit = 0;
    for (size_t i = 0; t && i < t->n; i++) {
        int f = fit(&t->rows[i], dir, kind, label);
        if (f > best_fit) {
            best = &t->rows[i];
            best_fit = f;
        }
    }
    return best;
}

/* "421" -> "4xx", for a reply code without a row of its own. */
static int code_class(const char *label, char out[4])
{
    if (strlen(label) != 3 || label[0] < '2' || label[0] > '5' || label[1] < '0' || label[1] > '9' ||
        label[2] < '0' || label[2] > '9')
        return 0;
    out[0] = label[0];
    out[1] = out[2] = 'x';
    out[3] = '\0';
    return 1;
}

static const struct mt_explain_row *lookup(enum mt_proto proto, enum mt_dir dir,
                                           enum mt_msg_kind kind, const char *label)
{
    const struct mt_explain_table *first = NULL, *then = NULL;
    switch (proto) {
    case MT_PROTO_POP3: first = &mt_explain_pop3; break;
    case MT_PROTO_IMAP: first = &mt_explain_imap; break;
    case MT_PROTO_SMTP: first = &mt_explain_smtp; break;
    case MT_PROTO_LMTP: first = &mt_explain_lmtp; then = &mt_explain_smtp; break;
    case MT_PROTO_SIEVE: first = &mt_explain_sieve; break;
    case MT_PROTO_UNKNOWN: return NULL;
    }
    const struct mt_explain_row *r = find(first, dir, kind, label);
    if (!r)
        r = find(then, dir, kind, label);
    char cls[4];
    if (!r && dir == MT_DIR_SERVER && (proto == MT_PROTO_SMTP || proto == MT_PROTO_LMTP) &&
        code_class(label, cls))
        r = find(&mt_explain_smtp, dir, kind, cls);
    return r;
}

const char *mt_explain(enum mt_proto proto, enum mt_dir dir, enum mt_msg_kind kind,
                       const char *label, const char **ref)
{
    const struct mt_explain_row *r = label && label[0] ? lookup(proto, dir, kind, label) : NULL;
    if (ref)
        *ref = r ? r->ref : NULL;
    return r ? dgettext("mailtap", r->meaning) : NULL;
}
