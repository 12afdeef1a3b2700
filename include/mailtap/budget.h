/* A byte budget shared by many buffers: what the dissector holds for
 * partial lines, TLS hellos and SASL exchanges across all sessions. A
 * buffer that would go over it is refused, and the refusal counted; the
 * caller degrades (cuts the line, stops decoding) instead of growing. */
#ifndef MAILTAP_BUDGET_H
#define MAILTAP_BUDGET_H

#include <stddef.h>
#include <stdint.h>

struct mt_budget {
    size_t used, max, peak;
    uint64_t refused;
};

/* Takes n bytes; returns 0 (and counts a refusal) if they do not fit. A
 * NULL budget allows everything. */
static inline int mt_budget_take(struct mt_budget *b, size_t n)
{
    if (!b)
        return 1;
    if (n > b->max - b->used) {
        b->refused++;
        return 0;
    }
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
    return 1;
}

static inline void mt_budget_give(struct mt_budget *b, size_t n)
{
    if (b)
        b->used = n > b->used ? 0 : b->used - n;
}

#endif
