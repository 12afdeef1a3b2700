/* Space-separated word sets (words.h). */
#include "mailtap/words.h"

#include <string.h>
#include <strings.h>

const char *mt_words_next(const char **cursor, size_t *n)
{
    const char *w = *cursor;
    while (*w == ' ')
        w++;
    if (!*w)
        return NULL;
    *n = strcspn(w, " ");
    *cursor = w + *n;
    return w;
}

int mt_words_add(char *list, size_t cap, const char *p, size_t n)
{
    size_t len = strlen(list), k;
    if (n == 0 || len + n + 2 > cap)
        return -1;
    for (const char *c = list, *w; (w = mt_words_next(&c, &k)) != NULL;)
        if (k == n && strncasecmp(w, p, n) == 0)
            return 0;
    if (len)
        list[len++] = ' ';
    for (size_t i = 0; i < n; i++)
        list[len++] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 'a' + 'A' : p[i]);
    list[len] = '\0';
    return 1;
}
