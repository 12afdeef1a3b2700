/* Write failures of the text outputs (follow, creds, JSON) on their stream,
 * kept with the reason the system gave, so the error line can say why
 * ("standard output: No space left on device"). */
#ifndef MAILTAP_OUTSTREAM_H
#define MAILTAP_OUTSTREAM_H

#include <errno.h>
#include <stdio.h>

struct mt_outstream {
    FILE *f;
    const char *name; /* for messages: "standard output" */
    int failed;
    int err;          /* errno of the first failure, 0 if the system gave none */
    char msg[192];
};

void mt_outstream_init(struct mt_outstream *s, FILE *f, const char *name);

/* Records the first failure with the reason the system gave (0: none). */
void mt_outstream_failed(struct mt_outstream *s, int err);

/* Call right after writing (while errno still holds the reason): 0, or -1
 * once the stream has failed. Inline: the outputs call it for every event. */
static inline int mt_outstream_check(struct mt_outstream *s)
{
    if (ferror(s->f))
        mt_outstream_failed(s, errno);
    return s->failed ? -1 : 0;
}

/* Flushes, then checks as above. */
int mt_outstream_finish(struct mt_outstream *s);

/* "NAME: reason" for the failure ("NAME: write error" if none is known). */
const char *mt_outstream_error(struct mt_outstream *s);

#endif
