/* The stack of byte transforms of one direction (transform.h): bytes and
 * gaps go up through the layers to the consumer; a layer pushed while the
 * consumer reads takes the rest of those bytes; a layer that gives up
 * stops everything above it, said once and counted. */
#include "mailtap/transform.h"

#include <string.h>

static void feed_at(struct mt_xform_chain *c, unsigned level, const uint8_t *p, size_t n);
static void gap_at(struct mt_xform_chain *c, unsigned level, uint64_t n);

static void layer_data(void *ctx, const uint8_t *p, size_t n)
{
    struct mt_xform_layer *l = ctx;
    feed_at(l->chain, l->level + 1, p, n);
}

static void layer_gap(void *ctx, uint64_t n)
{
    struct mt_xform_layer *l = ctx;
    gap_at(l->chain, l->level + 1, n);
}

static int is_dead(const struct mt_xform_chain *c, unsigned level)
{
    return c->dead >= 0 && level >= (unsigned)c->dead;
}

/* A layer gave up: it and everything above it get nothing more. The
 * consumer hears it the first time only. */
static void give_up(struct mt_xform_chain *c, unsigned level, char *why)
{
    why[MT_XFORM_WHY_MAX - 1] = '\0';
    int first = c->dead < 0;
    if (first || level < (unsigned)c->dead)
        c->dead = (int)level;
    if (first && c->top->unreadable)
        c->top->unreadable(c->top_ctx, c->layer[level].ops->name, why);
}

static void feed_at(struct mt_xform_chain *c, unsigned level, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (is_dead(c, level)) {
            c->unread += n;
            return;
        }
        if (level < c->depth) {
            struct mt_xform_layer *l = &c->layer[level];
            struct mt_xform_out out = {layer_data, layer_gap, l};
            char why[MT_XFORM_WHY_MAX] = "";
            if (l->ops->data(l->st, p, n, &out, why) != 0)
                give_up(c, level, why);
            return;
        }
        unsigned depth = c->depth, at = c->at;
        c->at = level;
        size_t took = c->top->data(c->top_ctx, p, n);
        c->at = at;
        if (took >= n)
            return;
        if (c->depth == depth) {
            /* Against the contract: taken by no one, so counted as unread. */
            c->unread += n - took;
            return;
        }
        /* A layer was pushed (at index level) while the consumer read:
         * what follows the switch is its input. */
        p += took;
        n -= took;
    }
}

static void gap_at(struct mt_xform_chain *c, unsigned level, uint64_t n)
{
    if (is_dead(c, level))
        return;
    if (level >= c->depth) {
        unsigned at = c->at;
        c->at = level;
        c->top->gap(c->top_ctx, n);
        c->at = at;
        return;
    }
    struct mt_xform_layer *l = &c->layer[level];
    struct mt_xform_out out = {layer_data, layer_gap, l};
    char why[MT_XFORM_WHY_MAX] = "";
    if (l->ops->gap(l->st, n, &out, why) != 0)
        give_up(c, level, why);
}

void mt_xform_init(struct mt_xform_chain *c, const struct mt_xform_top *top, void *top_ctx)
{
    memset(c, 0, sizeof *c);
    c->dead = -1;
    c->top = top;
    c->top_ctx = top_ctx;
}

int mt_xform_push(struct mt_xform_chain *c, const struct mt_xform_ops *ops, void *st)
{
    if (c->depth == MT_XFORM_MAX || c->dead >= 0)
        return -1;
    c->layer[c->depth] = (struct mt_xform_layer){ops, st, c, c->depth};
    c->depth++;
    return 0;
}

void mt_xform_feed(struct mt_xform_chain *c, const uint8_t *p, size_t n) { feed_at(c, 0, p, n); }

void mt_xform_gap(struct mt_xform_chain *c, uint64_t n) { gap_at(c, 0, n); }

void mt_xform_reinject(struct mt_xform_chain *c, const uint8_t *p, size_t n)
{
    feed_at(c, c->at, p, n);
}

void mt_xform_end(struct mt_xform_chain *c)
{
    for (unsigned i = 0; i < c->depth; i++) {
        if (is_dead(c, i))
            return;
        struct mt_xform_layer *l = &c->layer[i];
        struct mt_xform_out out = {layer_data, layer_gap, l};
        char why[MT_XFORM_WHY_MAX] = "";
        if (l->ops->end(l->st, &out, why) != 0)
            give_up(c, i, why);
    }
}

void mt_xform_free(struct mt_xform_chain *c)
{
    for (unsigned i = 0; i < c->depth; i++)
        if (c->layer[i].ops->destroy)
            c->layer[i].ops->destroy(c->layer[i].st);
    c->depth = 0;
}
