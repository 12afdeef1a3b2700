/* What each IMAP label means (RFC 9051, IMAP4rev1's RFC 3501 and the common
 * extensions), for --explain: client commands by state as RFC 9051 orders
 * them, then the server's status responses and untagged data. */
#include "explain_impl.h"

static const struct mt_explain_row rows[] = {
    /* Commands in any state. */
    CLIENT_COMMAND("CAPABILITY", N_("asks what the server supports: extensions, SASL mechanisms, "
                                    "STARTTLS, LOGINDISABLED"),
                   "RFC 9051 6.1.1"),
    CLIENT_COMMAND("NOOP", N_("does nothing; lets the server report changes and keeps the connection "
                              "alive"),
                   "RFC 9051 6.1.2"),
    CLIENT_COMMAND("LOGOUT", N_("ends the session; the server answers BYE and closes the connection"),
                   "RFC 9051 6.1.3"),
    CLIENT_COMMAND("ID", N_("sends the client's software name and version and asks the server's; both "
                            "show on the wire"),
                   "RFC 2971 3.1"),

    /* Logging in. */
    CLIENT_COMMAND("STARTTLS", N_("asks to switch to TLS; if this is stripped or refused, the login that "
                                  "follows is in the clear"),
                   "RFC 9051 6.2.1"),
    CLIENT_COMMAND("AUTHENTICATE", N_("starts a SASL login with the named mechanism; what follows is "
                                      "base64, not encryption"),
                   "RFC 9051 6.2.2"),
    CLIENT_SASL("SASL", N_("a SASL response in base64, which is not encryption: it may carry the user "
                           "name and password"),
                "RFC 9051 6.2.2"),
    SERVER_SASL("+", N_("a SASL challenge from the server, in base64 that anyone on the path can decode"),
                "RFC 9051 6.2.2"),
    CLIENT_COMMAND("LOGIN", N_("sends the user name and password as typed; anyone on the path can read "
                               "them"),
                   "RFC 9051 6.2.3"),

    /* Authenticated state. */
    CLIENT_COMMAND("ENABLE", N_("turns on extensions the client understands (UTF8=ACCEPT, CONDSTORE, "
                                "QRESYNC...)"),
                   "RFC 9051 6.3.1"),
    CLIENT_COMMAND("SELECT", N_("opens a mailbox read-write; the server reports its flags and message "
                                "counts"),
                   "RFC 9051 6.3.2"),
    CLIENT_COMMAND("EXAMINE", N_("opens a mailbox read-only"), "RFC 9051 6.3.3"),
    CLIENT_COMMAND("CREATE", N_("creates a mailbox"), "RFC 9051 6.3.4"),
    CLIENT_COMMAND("DELETE", N_("deletes a mailbox and the messages in it"), "RFC 9051 6.3.5"),
    CLIENT_COMMAND("RENAME", N_("renames a mailbox"), "RFC 9051 6.3.6"),
    CLIENT_COMMAND("SUBSCRIBE", N_("adds a mailbox to the list of subscribed mailboxes"),
                   "RFC 9051 6.3.7"),
    CLIENT_COMMAND("UNSUBSCRIBE", N_("removes a mailbox from the list of subscribed mailboxes"),
                   "RFC 9051 6.3.8"),
    CLIENT_COMMAND("LIST", N_("lists the mailbox names that match a pattern"), "RFC 9051 6.3.9"),
    CLIENT_COMMAND("LSUB", N_("lists subscribed mailboxes (IMAP4rev1; IMAP4rev2 uses LIST instead)"),
                   "RFC 3501 6.3.9"),
    CLIENT_COMMAND("XLIST", N_("lists mailboxes with their special use (Sent, Trash...); the forerunner "
                               "of RFC 6154"),
                   "Google XLIST, not an RFC"),
    CLIENT_COMMAND("NAMESPACE", N_("asks the prefixes of personal, other users' and shared mailboxes"),
                   "RFC 9051 6.3.10"),
    CLIENT_COMMAND("STATUS", N_("asks a mailbox's counts (messages, unseen, next UID) without selecting "
                                "it"),
                   "RFC 9051 6.3.11"),
    CLIENT_COMMAND("APPEND", N_("uploads a message into a mailbox (a sent copy, a draft); its text "
                                "crosses the wire"),
                   "RFC 9051 6.3.12"),
    CLIENT_COMMAND("IDLE", N_("waits for the server to report changes as they happen, until DONE"),
                   "RFC 9051 6.3.13"),
    CLIENT_COMMAND("DONE", N_("ends IDLE"), "RFC 9051 6.3.13"),
    CLIENT_COMMAND("GETQUOTA", N_("asks a quota root's usage and limits"), "RFC 9208 4.1.1"),
    CLIENT_COMMAND("GETQUOTAROOT", N_("asks a mailbox's quota roots, with their usage and limits"),
                   "RFC 9208 4.1.2"),
    CLIENT_COMMAND("SETQUOTA", N_("changes a quota root's limits"), "RFC 9208 4.1.3"),
    CLIENT_COMMAND("COMPRESS", N_("turns on DEFLATE compression for both directions; compression is not "
                                  "encryption"),
                   "RFC 4978 3"),

    /* Selected state. */
    CLIENT_COMMAND("CHECK", N_("asks for a checkpoint of the mailbox (IMAP4rev1 only)"),
                   "RFC 3501 6.4.1"),
    CLIENT_COMMAND("CLOSE", N_("closes the mailbox, removing the messages flagged \\Deleted"),
                   "RFC 9051 6.4.1"),
    CLIENT_COMMAND("UNSELECT", N_("closes the mailbox without removing anything"), "RFC 9051 6.4.2"),
    CLIENT_COMMAND("EXPUNGE", N_("permanently removes the messages flagged \\Deleted"), "RFC 9051 6.4.3"),
    CLIENT_COMMAND("SEARCH", N_("finds messages that match criteria; the criteria (senders, words) show "
                                "on the wire"),
                   "RFC 9051 6.4.4"),
    CLIENT_COMMAND("FETCH", N_("reads messages' flags, headers or bodies; without TLS the mail shows on "
                               "the wire"),
                   "RFC 9051 6.4.5"),
    CLIENT_COMMAND("STORE", N_("changes messages' flags (\\Seen, \\Deleted...)"), "RFC 9051 6.4.6"),
    CLIENT_COMMAND("COPY", N_("copies messages to another mailbox"), "RFC 9051 6.4.7"),
    CLIENT_COMMAND("MOVE", N_("moves messages to another mailbox"), "RFC 9051 6.4.8"),
    CLIENT_COMMAND("UID", N_("the COPY, FETCH, MOVE, SEARCH, STORE or EXPUNGE after it uses UIDs, not "
                             "message numbers"),
                   "RFC 9051 6.4.9"),

    /* Status responses, tagged or not. */
    SERVER_REPLY("OK", N_("success: the tagged command completed (untagged: the greeting or a notice)"),
                 "RFC 9051 7.1.1"),
    SERVER_REPLY("NO", N_("failure: the command was refused; after LOGIN or AUTHENTICATE, the login "
                          "failed"),
                 "RFC 9051 7.1.2"),
    SERVER_REPLY("BAD", N_("error: the command was not understood, or not allowed in this state"),
                 "RFC 9051 7.1.3"),
    SERVER_REPLY("PREAUTH", N_("greeting: the connection is already logged in, by means outside IMAP"),
                 "RFC 9051 7.1.4"),
    SERVER_REPLY("BYE", N_("the server is closing the connection (after LOGOUT, or shutting down)"),
                 "RFC 9051 7.1.5"),
    SERVER_REPLY("+", N_("continuation: the server waits for the rest of the command (a literal, IDLE)"),
                 "RFC 9051 7.6"),

    /* Untagged data. */
    SERVER_REPLY("ENABLED", N_("the extensions that ENABLE turned on"), "RFC 9051 7.2.1"),
    SERVER_REPLY("CAPABILITY", N_("what the server supports; without STARTTLS or LOGINDISABLED the login "
                                  "may go in the clear"),
                 "RFC 9051 7.2.2"),
    SERVER_REPLY("LIST", N_("one mailbox name, with its attributes and hierarchy delimiter"),
                 "RFC 9051 7.3.1"),
    SERVER_REPLY("LSUB", N_("one subscribed mailbox name (IMAP4rev1)"), "RFC 3501 7.2.3"),
    SERVER_REPLY("NAMESPACE", N_("the prefixes of personal, other users' and shared mailboxes"),
                 "RFC 9051 7.3.2"),
    SERVER_REPLY("STATUS", N_("a mailbox's counts, as STATUS asked"), "RFC 9051 7.3.3"),
    SERVER_REPLY("ESEARCH", N_("the messages a search found, as ranges, counts or extremes"),
                 "RFC 9051 7.3.4"),
    SERVER_REPLY("SEARCH", N_("the numbers of the messages a search found (IMAP4rev1)"),
                 "RFC 3501 7.2.5"),
    SERVER_REPLY("FLAGS", N_("the flags that messages of the mailbox can carry"), "RFC 9051 7.3.5"),
    SERVER_REPLY("EXISTS", N_("how many messages the mailbox holds now"), "RFC 9051 7.4.1"),
    SERVER_REPLY("RECENT", N_("how many messages this session is the first to see (\\Recent, "
                             "IMAP4rev1)"),
                 "RFC 3501 7.3.2"),
    SERVER_REPLY("EXPUNGE", N_("a message was removed; the numbers of the later ones go down by one"),
                 "RFC 9051 7.5.1"),
    SERVER_REPLY("FETCH", N_("one message's flags, headers or body; without TLS the mail shows on the "
                             "wire"),
                 "RFC 9051 7.5.2"),
    SERVER_REPLY("VANISHED", N_("the UIDs of removed messages, in place of one EXPUNGE each (QRESYNC)"),
                 "RFC 7162 3.2.10"),
    SERVER_REPLY("ID", N_("the server's software name and version"), "RFC 2971 3.2"),
    SERVER_REPLY("QUOTA", N_("a quota root's usage and limits"), "RFC 9208 4.2.1"),
    SERVER_REPLY("QUOTAROOT", N_("the quota roots of a mailbox"), "RFC 9208 4.2.2"),

    EITHER("?", N_("a line mailtap could not read as a command or reply of this protocol"), "RFC 9051 2.2"),
};

const struct mt_explain_table mt_explain_imap = MT_EXPLAIN_TABLE(rows);
