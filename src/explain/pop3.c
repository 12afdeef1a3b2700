/* What each POP3 label means (RFC 1939 and its extensions), for --explain:
 * one row per label, in the order a session uses them. */
#include "explain_impl.h"

static const struct mt_explain_row rows[] = {
    /* Logging in. */
    CLIENT_COMMAND("USER", N_("names the mailbox to log in to; sent in the clear, so the user name shows"),
                   "RFC 1939 7"),
    CLIENT_COMMAND("PASS", N_("sends the password as typed; anyone on the path can read it"),
                   "RFC 1939 7"),
    CLIENT_COMMAND("APOP", N_("logs in with an MD5 digest of the greeting's timestamp and the password; "
                              "crackable offline"),
                   "RFC 1939 7"),
    CLIENT_COMMAND("AUTH", N_("starts a SASL login with the named mechanism; what follows is base64, "
                              "not encryption"),
                   "RFC 5034 4"),
    CLIENT_SASL("SASL", N_("a SASL response in base64, which is not encryption: it may carry the user "
                           "name and password"),
                "RFC 5034 4"),
    SERVER_SASL("+", N_("a SASL challenge from the server, in base64 that anyone on the path can decode"),
                "RFC 5034 4"),
    CLIENT_COMMAND("CAPA", N_("asks which extensions the server supports (STLS, SASL mechanisms, UIDL...)"),
                   "RFC 2449 5"),
    CLIENT_COMMAND("STLS", N_("asks to switch to TLS; if this is stripped or refused, the login that "
                              "follows is in the clear"),
                   "RFC 2595 4"),
    CLIENT_COMMAND("UTF8", N_("asks the server to use UTF-8 for user names, passwords and messages"),
                   "RFC 6856 2"),

    /* Reading the mailbox. */
    CLIENT_COMMAND("STAT", N_("asks how many messages the mailbox holds and their total size"),
                   "RFC 1939 5"),
    CLIENT_COMMAND("LIST", N_("asks the size of one message, or of every message"), "RFC 1939 5"),
    CLIENT_COMMAND("UIDL", N_("asks the lasting unique id of one message, or of every message"),
                   "RFC 1939 7"),
    CLIENT_COMMAND("RETR", N_("downloads a whole message; without TLS anyone on the path reads it too"),
                   "RFC 1939 5"),
    CLIENT_COMMAND("TOP", N_("downloads a message's headers and its first lines of body"), "RFC 1939 7"),
    CLIENT_COMMAND("DELE", N_("marks a message for deletion; it goes when the session ends with QUIT"),
                   "RFC 1939 5"),
    CLIENT_COMMAND("RSET", N_("unmarks every message marked for deletion in this session"), "RFC 1939 5"),
    CLIENT_COMMAND("NOOP", N_("does nothing; keeps the connection alive"), "RFC 1939 5"),
    CLIENT_COMMAND("LAST", N_("asks the highest message number read so far (obsolete, from POP3's "
                              "earlier versions)"),
                   "RFC 1460"),
    CLIENT_COMMAND("QUIT", N_("ends the session; the messages marked with DELE are deleted now"),
                   "RFC 1939 6"),

    /* The server's answers. */
    SERVER_REPLY("+OK", N_("positive reply: the command succeeded (also the greeting)"), "RFC 1939 3"),
    SERVER_REPLY("-ERR", N_("negative reply: the command failed; after PASS or AUTH, the login was "
                            "refused"),
                 "RFC 1939 3"),
    SERVER_REPLY(".", N_("a lone dot: the end of a multi-line reply (a message, a list)"), "RFC 1939 3"),

    EITHER("?", N_("a line mailtap could not read as a command or reply of this protocol"), "RFC 1939 3"),
};

const struct mt_explain_table mt_explain_pop3 = MT_EXPLAIN_TABLE(rows);
