/* Small sets of words kept as one space-separated string ("PLAIN LOGIN"):
 * the SASL mechanisms a server offers, gathered per session and per server. */
#ifndef MAILTAP_WORDS_H
#define MAILTAP_WORDS_H

#include <stddef.h>

/* Adds the word p[0..n) to list (NUL-terminated, cap bytes) upper-cased,
 * unless it is there already in any case. Returns 1 when added, 0 when it
 * was there, -1 when there is no room or n is 0. */
int mt_words_add(char *list, size_t cap, const char *p, size_t n);

/* The next word from *cursor (set to the list first): its start, *n its
 * length; NULL after the last. */
const char *mt_words_next(const char **cursor, size_t *n);

#endif
