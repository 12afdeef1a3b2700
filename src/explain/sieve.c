/* What each ManageSieve label means (RFC 5804), for --explain: the
 * client's commands, the server's OK/NO/BYE, and the capability lines,
 * which mailtap labels by the capability's name. */
#include "explain_impl.h"

static const struct mt_explain_row rows[] = {
    /* The client's commands. */
    CLIENT_COMMAND("AUTHENTICATE", N_("starts a SASL login (often PLAIN); base64 is not encryption, so "
                                      "the password shows"),
                   "RFC 5804 2.1"),
    CLIENT_SASL("SASL", N_("a SASL response in base64, which is not encryption: it may carry the user "
                           "name and password"),
                "RFC 5804 2.1"),
    SERVER_SASL("SASL", N_("a SASL challenge from the server, in base64 that anyone on the path can decode"),
                "RFC 5804 2.1"),
    CLIENT_COMMAND("STARTTLS", N_("asks to switch to TLS; if this is stripped or refused, the login that "
                                  "follows is in the clear"),
                   "RFC 5804 2.2"),
    CLIENT_COMMAND("LOGOUT", N_("ends the session; the server answers OK and closes the connection"),
                   "RFC 5804 2.3"),
    CLIENT_COMMAND("CAPABILITY", N_("asks the server's capabilities again (they change after STARTTLS or "
                                    "a login)"),
                   "RFC 5804 2.4"),
    CLIENT_COMMAND("HAVESPACE", N_("asks whether a script of this name and size would fit in the quota"),
                   "RFC 5804 2.5"),
    CLIENT_COMMAND("PUTSCRIPT", N_("uploads a Sieve script; its rules (forwarding addresses, vacation "
                                   "text) show"),
                   "RFC 5804 2.6"),
    CLIENT_COMMAND("LISTSCRIPTS", N_("asks the names of the user's scripts and which one is active"),
                   "RFC 5804 2.7"),
    CLIENT_COMMAND("SETACTIVE", N_("makes a script the active one (an empty name turns filtering off)"),
                   "RFC 5804 2.8"),
    CLIENT_COMMAND("GETSCRIPT", N_("downloads a script's text"), "RFC 5804 2.9"),
    CLIENT_COMMAND("DELETESCRIPT", N_("deletes a script (never the active one)"), "RFC 5804 2.10"),
    CLIENT_COMMAND("RENAMESCRIPT", N_("renames a script"), "RFC 5804 2.11"),
    CLIENT_COMMAND("CHECKSCRIPT", N_("asks the server to check a script without storing it"),
                   "RFC 5804 2.12"),
    CLIENT_COMMAND("NOOP", N_("does nothing; keeps the connection alive"), "RFC 5804 2.13"),
    CLIENT_COMMAND("UNAUTHENTICATE", N_("logs the user out but keeps the connection, as before "
                                        "AUTHENTICATE"),
                   "RFC 5804 2.14.1"),

    /* The server's answers. */
    SERVER_REPLY("OK", N_("success: the command completed"), "RFC 5804 1.2"),
    SERVER_REPLY("NO", N_("failure: the command was refused; after AUTHENTICATE, the login failed"),
                 "RFC 5804 1.2"),
    SERVER_REPLY("BYE", N_("the server is closing the connection"), "RFC 5804 1.2"),
    SERVER_REPLY("SCRIPT", N_("one script of the LISTSCRIPTS answer; ACTIVE marks the active one"),
                 "RFC 5804 2.7"),

    /* Capability lines (the greeting, and the answer to CAPABILITY). */
    SERVER_REPLY("IMPLEMENTATION", N_("capability: the server software's name and version"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("SASL", N_("capability: the SASL mechanisms the server offers now"), "RFC 5804 1.7"),
    SERVER_REPLY("SIEVE", N_("capability: the Sieve extensions the server supports"), "RFC 5804 1.7"),
    SERVER_REPLY("STARTTLS", N_("capability: STARTTLS is offered; a client that does not use it logs in "
                                "in the clear"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("MAXREDIRECTS", N_("capability: the most redirect actions a script may perform"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("NOTIFY", N_("capability: the notification methods of the enotify extension (mailto...)"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("LANGUAGE", N_("capability: the language of the server's human-readable messages"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("OWNER", N_("capability: the logged-in user whose scripts are managed"), "RFC 5804 1.7"),
    SERVER_REPLY("VERSION", N_("capability: the version of the ManageSieve protocol (\"1.0\")"),
                 "RFC 5804 1.7"),
    SERVER_REPLY("UNAUTHENTICATE", N_("capability: the server supports the UNAUTHENTICATE command"),
                 "RFC 5804 2.14.1"),

    EITHER("?", N_("a line mailtap could not read as a command or reply of this protocol"), "RFC 5804 1.2"),
};

const struct mt_explain_table mt_explain_sieve = MT_EXPLAIN_TABLE(rows);
