/* Write errors of the text sinks on their stream, kept with the system's
 * reason so that the one error line can say why. */
#include "mailtap/outstream.h"

#include <errno.h>
#include <string.h>

void mt_outstream_init(struct mt_outstream *s, FILE *f, const char *name)
{
    s->f = f;
    s->name = name;
    s->failed = 0;
    s->err = 0;
    s->msg[0] = '\0';
}

/* The first failure keeps the errno of the write that caused it; errno is
 * not made up when the system gave none. */
void mt_outstream_failed(struct mt_outstream *s, int err)
{
    if (s->failed)
        return;
    s->failed = 1;
    s->err = err;
}

int mt_outstream_finish(struct mt_outstream *s)
{
    errno = 0;
    if (fflush(s->f) != 0)
        mt_outstream_failed(s, errno);
    return mt_outstream_check(s);
}

const char *mt_outstream_error(struct mt_outstream *s)
{
    snprintf(s->msg, sizeof s->msg, "%s: %s", s->name,
             s->err ? strerror(s->err) : "write error");
    return s->msg;
}
