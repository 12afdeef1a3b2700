#include "mailtap/outstream.h"

#include <errno.h>
#include <string.h>

void mt_outstream_init(struct mt_outstream *s, FILE *f, const char *name)
{
    s->f = f;
    s->name = name;
    s->err = 0;
    s->msg[0] = '\0';
}

int mt_outstream_check(struct mt_outstream *s)
{
    if (!ferror(s->f))
        return 0;
    if (!s->err)
        s->err = errno ? errno : EIO;
    return -1;
}

int mt_outstream_finish(struct mt_outstream *s)
{
    errno = 0;
    if (fflush(s->f) != 0 && !s->err)
        s->err = errno ? errno : EIO;
    return mt_outstream_check(s);
}

const char *mt_outstream_error(struct mt_outstream *s)
{
    snprintf(s->msg, sizeof s->msg, "%s: %s", s->name,
             s->err ? strerror(s->err) : "write error");
    return s->msg;
}
