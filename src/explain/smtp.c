/* What each SMTP label means (RFC 5321 with AUTH, STARTTLS and CHUNKING),
 * and LMTP's own (RFC 2033), for --explain. Server lines are labelled by
 * their reply code; a code without a row here is explained by its class
 * (the "2xx" to "5xx" rows at the end). LMTP uses its rows first, then
 * SMTP's. */
#include "explain_impl.h"

static const struct mt_explain_row smtp_rows[] = {
    /* The client's commands. */
    CLIENT_COMMAND("HELO", N_("introduces the client by name (plain SMTP, no extensions)"),
                   "RFC 5321 4.1.1.1"),
    CLIENT_COMMAND("EHLO", N_("introduces the client by name and asks the server's extensions (STARTTLS, "
                              "AUTH...)"),
                   "RFC 5321 4.1.1.1"),
    CLIENT_COMMAND("STARTTLS", N_("asks to switch to TLS; if this is stripped or refused, AUTH and the mail "
                                  "go in the clear"),
                   "RFC 3207 4"),
    CLIENT_COMMAND("AUTH", N_("starts a SASL login; its initial response and what follows are base64, not "
                              "encryption"),
                   "RFC 4954 4"),
    CLIENT_SASL("SASL", N_("a SASL response in base64, which is not encryption: it may carry the user "
                           "name and password"),
                "RFC 4954 4"),
    CLIENT_COMMAND("MAIL", N_("starts a message and gives the sender's address (the envelope)"),
                   "RFC 5321 4.1.1.2"),
    CLIENT_COMMAND("RCPT", N_("gives one recipient's address; the envelope shows who writes to whom"),
                   "RFC 5321 4.1.1.3"),
    CLIENT_COMMAND("DATA", N_("asks to send the message; after 354 its headers and body follow as "
                              "written"),
                   "RFC 5321 4.1.1.4"),
    CLIENT_COMMAND(".", N_("a lone dot: the end of the message sent after DATA"), "RFC 5321 4.1.1.4"),
    CLIENT_COMMAND("BDAT", N_("sends a chunk of the message of the size given, in place of DATA "
                              "(CHUNKING)"),
                   "RFC 3030 2"),
    CLIENT_COMMAND("RSET", N_("abandons the message in progress"), "RFC 5321 4.1.1.5"),
    CLIENT_COMMAND("VRFY", N_("asks whether a user or mailbox exists; lets anyone probe for valid "
                              "addresses"),
                   "RFC 5321 4.1.1.6"),
    CLIENT_COMMAND("EXPN", N_("asks the members of a mailing list; exposes their addresses if answered"),
                   "RFC 5321 4.1.1.7"),
    CLIENT_COMMAND("HELP", N_("asks the server for help text"), "RFC 5321 4.1.1.8"),
    CLIENT_COMMAND("NOOP", N_("does nothing; keeps the connection alive"), "RFC 5321 4.1.1.9"),
    CLIENT_COMMAND("QUIT", N_("asks the server to close the connection"), "RFC 5321 4.1.1.10"),

    /* Reply codes, in numeric order. */
    SERVER_REPLY("211", N_("system status, or a reply about the system"), "RFC 5321 4.2.3"),
    SERVER_REPLY("214", N_("help text, for a human reader"), "RFC 5321 4.2.3"),
    SERVER_REPLY("220", N_("greeting: the service is ready (after STARTTLS: ready to start TLS)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("221", N_("the service is closing the connection"), "RFC 5321 4.2.3"),
    SERVER_REPLY("235", N_("authentication succeeded: the login was accepted"), "RFC 4954 6"),
    SERVER_REPLY("250", N_("the action is done (a sender or recipient accepted, a message queued, the "
                           "EHLO list)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("251", N_("user not local; the server will forward the message"), "RFC 5321 4.2.3"),
    SERVER_REPLY("252", N_("cannot verify the user, but will accept the message and try to deliver it"),
                 "RFC 5321 4.2.3"),
    SERVER_SASL("334", N_("a SASL challenge from the server, in base64 that anyone on the path can decode"),
                "RFC 4954 4"),
    SERVER_REPLY("354", N_("send the message now, and end it with a line holding a single dot"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("421", N_("service not available; the server is closing the connection"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("432", N_("a password transition is needed before this mechanism can be used"),
                 "RFC 4954 6"),
    SERVER_REPLY("450", N_("mailbox unavailable for now (busy, or blocked by policy); try again later"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("451", N_("action aborted: local error in processing"), "RFC 5321 4.2.3"),
    SERVER_REPLY("452", N_("insufficient storage on the server, or too many recipients; try again later"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("454", N_("temporary failure: TLS is not available now, or authentication failed for "
                           "now"),
                 "RFC 4954 6, RFC 3207 4"),
    SERVER_REPLY("455", N_("the server cannot accommodate the parameters of MAIL or RCPT now"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("500", N_("syntax error: command not recognized, or the line is too long"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("501", N_("syntax error in the command's parameters or arguments"), "RFC 5321 4.2.3"),
    SERVER_REPLY("502", N_("command not implemented"), "RFC 5321 4.2.3"),
    SERVER_REPLY("503", N_("bad sequence of commands (RCPT before MAIL, AUTH twice...)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("504", N_("command parameter not implemented (an unknown AUTH mechanism...)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("530", N_("authentication required, or STARTTLS must come first"),
                 "RFC 4954 6, RFC 3207 4"),
    SERVER_REPLY("534", N_("the authentication mechanism is too weak for the server's policy"),
                 "RFC 4954 6"),
    SERVER_REPLY("535", N_("authentication failed: the user name or password was wrong"), "RFC 4954 6"),
    SERVER_REPLY("538", N_("this mechanism needs an encrypted connection: STARTTLS first"), "RFC 4954 6"),
    SERVER_REPLY("550", N_("mailbox unavailable (not found, no access, or refused by policy); not done"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("551", N_("user not local; the client should try the address the server gives"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("552", N_("action aborted: storage allocation exceeded (the message is too large)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("553", N_("mailbox name not allowed (the address is malformed)"), "RFC 5321 4.2.3"),
    SERVER_REPLY("554", N_("transaction failed (in the greeting: no SMTP service here)"),
                 "RFC 5321 4.2.3"),
    SERVER_REPLY("555", N_("parameters of MAIL or RCPT not recognized or not implemented"),
                 "RFC 5321 4.2.3"),

    /* Any other code, by its first digit. */
    SERVER_REPLY("2xx", N_("positive completion: the action succeeded"), "RFC 5321 4.2.1"),
    SERVER_REPLY("3xx", N_("positive intermediate: the server waits for more (the message, a SASL "
                           "response)"),
                 "RFC 5321 4.2.1"),
    SERVER_REPLY("4xx", N_("transient failure: not done, but the client may try again later"),
                 "RFC 5321 4.2.1"),
    SERVER_REPLY("5xx", N_("permanent failure: not done, and not to be tried again as it is"),
                 "RFC 5321 4.2.1"),

    EITHER("?", N_("a line mailtap could not read as a command or reply of this protocol"),
           "RFC 5321 4.1"),
};

/* LMTP is SMTP's dialogue for the last hop, with LHLO for EHLO and, after
 * the message, one reply for each recipient RCPT accepted. */
static const struct mt_explain_row lmtp_rows[] = {
    CLIENT_COMMAND("LHLO", N_("introduces the client to an LMTP server and asks its extensions (LMTP's "
                              "EHLO)"),
                   "RFC 2033 4.1"),
    CLIENT_COMMAND("DATA", N_("asks to send the message; after its end LMTP answers once per accepted "
                              "recipient"),
                   "RFC 2033 4.2"),
    CLIENT_COMMAND(".", N_("a lone dot: the end of the message; one reply per accepted recipient "
                           "follows"),
                   "RFC 2033 4.2"),
    SERVER_REPLY("250", N_("done; after the message LMTP sends one of these per recipient: delivered "
                           "to that one"),
                 "RFC 2033 4.2"),
    EITHER("?", N_("a line mailtap could not read as a command or reply of this protocol"),
           "RFC 2033 4"),
};

const struct mt_explain_table mt_explain_smtp = MT_EXPLAIN_TABLE(smtp_rows);
const struct mt_explain_table mt_explain_lmtp = MT_EXPLAIN_TABLE(lmtp_rows);
