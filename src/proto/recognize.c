/* Which protocol a session on a port of no rule speaks: from the server's
 * greeting, or, when the capture began after it, from the client's first
 * command. Only what one protocol alone says decides; anything else stays
 * unknown (shown as raw lines). */
#include <string.h>

#include "mailtap/proto.h"

static int starts_with(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && memcmp(p, s, k) == 0;
}

enum mt_proto mt_proto_from_greeting(const uint8_t *p, size_t n)
{
    if (starts_with(p, n, "+OK"))
        return MT_PROTO_POP3;
    if (starts_with(p, n, "* OK") || starts_with(p, n, "* PREAUTH") || starts_with(p, n, "* BYE"))
        return MT_PROTO_IMAP;
    if (starts_with(p, n, "220 ") || starts_with(p, n, "220-") || starts_with(p, n, "220\r"))
        return MT_PROTO_SMTP;
    /* ManageSieve greets with its capabilities, IMPLEMENTATION first. */
    if (starts_with(p, n, "\"IMPLEMENTATION\" ") || starts_with(p, n, "\"SIEVE\" ") ||
        starts_with(p, n, "\"SASL\" "))
        return MT_PROTO_SIEVE;
    return MT_PROTO_UNKNOWN;
}

/* Whether word (upper case) is in the NULL-ended list. */
static int one_of(const uint8_t *w, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (mt_token_is(w, n, *list))
            return 1;
    return 0;
}

/* Commands only one protocol has, or has with these arguments. */
static const char *const pop3_cmds[] = {"USER", "PASS", "APOP", "STAT", "CAPA", "STLS", "RETR",
                                        "UIDL", "DELE", "TOP", NULL};
static const char *const smtp_cmds[] = {"EHLO", "HELO", "BDAT", NULL};
static const char *const sieve_cmds[] = {"PUTSCRIPT", "LISTSCRIPTS", "HAVESPACE", "SETACTIVE",
                                         "GETSCRIPT", "DELETESCRIPT", "RENAMESCRIPT",
                                         "CHECKSCRIPT", NULL};
static const char *const imap_cmds[] = {
    "LOGIN",  "AUTHENTICATE", "CAPABILITY", "SELECT", "EXAMINE", "FETCH",     "UID",
    "LIST",   "LSUB",         "STATUS",     "NOOP",   "LOGOUT",  "STARTTLS",  "IDLE",
    "ID",     "APPEND",       "SEARCH",     "STORE",  "COPY",    "MOVE",      "EXPUNGE",
    "CLOSE",  "CREATE",       "DELETE",     "RENAME", "SUBSCRIBE", "NAMESPACE", "ENABLE",
    "UNSELECT", "COMPRESS",   "CHECK",      NULL};

enum mt_proto mt_proto_from_client(const uint8_t *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    size_t pos = 0, s1, n1 = mt_next_token(p, n, &pos, &s1);
    size_t s2, n2 = mt_next_token(p, n, &pos, &s2);
    if (n1 == 0)
        return MT_PROTO_UNKNOWN;
    const uint8_t *w = p + s1;
    if (one_of(w, n1, pop3_cmds))
        return MT_PROTO_POP3;
    if (one_of(w, n1, smtp_cmds) ||
        ((mt_token_is(w, n1, "MAIL") || mt_token_is(w, n1, "RCPT")) && n2 >= 3 &&
         (p[s2 + n2 - 1] == ':' || memchr(p + s2, ':', n2))))
        return MT_PROTO_SMTP;
    if (mt_token_is(w, n1, "LHLO"))
        return MT_PROTO_LMTP;
    if (one_of(w, n1, sieve_cmds) ||
        (mt_token_is(w, n1, "AUTHENTICATE") && n2 > 0 && p[s2] == '"'))
        return MT_PROTO_SIEVE;
    /* IMAP: a tag (no special characters), then a command. */
    for (size_t i = 0; i < n1; i++)
        if (w[i] < 0x21 || w[i] > 0x7e || strchr("(){%*\"\\+", w[i]))
            return MT_PROTO_UNKNOWN;
    if (n2 > 0 && one_of(p + s2, n2, imap_cmds))
        return MT_PROTO_IMAP;
    return MT_PROTO_UNKNOWN;
}
