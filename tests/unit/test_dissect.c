/* The dissector and the POP3, IMAP and SMTP state machines, fed scripted
 * sessions through the stream interface that reassembly uses.
 *
 * Each script is also replayed with every turn split at every byte
 * position, and delivered one byte at a time: the record of what was found
 * must not change with segmentation. */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect_script.h"
#include "mailtap/dissect.h"
#include "mailtap/render.h"
#include "suites.h"

/* --- POP3 ------------------------------------------------------------------- */

static void test_pop3_user_pass(void)
{
    static const struct turn t[] = {
        S("+OK POP3 ready\r\n"), C("user bob\r\n"),        S("+OK\r\n"),
        C("PASS se cret pass\r\n"), S("+OK logged in\r\n"), C("QUIT\r\n"), S("+OK bye\r\n")};
    CHECK_CREDS(t, 110, "CRED pop3 USER/USER user=bob pass=se cret pass hash=- success\n");
    CHECK_LOGGED("C USER|user bob|<bob>");
    CHECK_LOGGED("C PASS|PASS se cret pass|!<se cret pass>");
    CHECK_LOGGED("S +OK|+OK logged in");
}

static void test_pop3_fail_and_unknown(void)
{
    static const struct turn t[] = {S("+OK ready\r\n"), C("USER amy\r\n"), S("+OK\r\n"),
                                    C("PASS wrong\r\n"), S("-ERR [AUTH] no\r\n"),
                                    C("USER amy\r\nPASS right\r\n"), S("+OK\r\n")};
    CHECK_CREDS(t, 110,
                "CRED pop3 USER/USER user=amy pass=wrong hash=- failure\n"
                "CRED pop3 USER/USER user=amy pass=right hash=- unknown\n");
}

static void test_pop3_apop(void)
{
    static const struct turn t[] = {
        S("+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
        C("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"), S("+OK maildrop has 1 message\r\n")};
    CHECK_CREDS(t, 110,
                "CRED pop3 APOP/APOP user=mrose pass=- "
                "hash=c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us> "
                "success\n");
}

static void test_pop3_auth_plain_ir_and_login(void)
{
    /* base64("\0tim\0tanstaaftanstaaf") and LOGIN without initial response. */
    static const struct turn t[] = {
        S("+OK ready\r\n"), C("CAPA\r\n"), S("+OK\r\nSASL PLAIN LOGIN\r\nSTLS\r\n.\r\n"),
        C("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"), S("-ERR nope\r\n"),
        C("AUTH LOGIN\r\n"), S("+ VXNlcm5hbWU6\r\n"), C("dGlt\r\n"), S("+ UGFzc3dvcmQ6\r\n"),
        C("c2VjcmV0\r\n"), S("+OK welcome\r\n")};
    CHECK_CREDS(t, 110,
                "CRED pop3 PLAIN/AUTH user=tim pass=tanstaaftanstaaf hash=- failure "
                "starttls-offered\n"
                "CRED pop3 LOGIN/AUTH user=tim pass=secret hash=- success starttls-offered\n");
    CHECK_LOGGED("S +|+ VXNlcm5hbWU6");
    /* The user name alone is not masked; the password is. */
    CHECK_LOGGED("C SASL|dGlt|<dGlt>");
    CHECK_LOGGED("C SASL|c2VjcmV0|!<c2VjcmV0>");
    CHECK_LOGGED("C AUTH|AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm|!<AHRpbQB0YW5zdGFhZnRhbnN0YWFm>");
}

/* SASL lines carry what they decode to; nothing else does, and nothing
 * stale is carried over to a later line. */
static void test_sasl_lines_decoded(void)
{
    static const struct turn p[] = {
        S("+OK ready\r\n"), C("AUTH PLAIN AHRpbQB0YW5zdGFhZg==\r\n"), S("-ERR nope\r\n"),
        C("AUTH LOGIN\r\n"), S("+ VXNlcm5hbWU6\r\n"), C("dGlt\r\n"), S("+ \r\n"),
        C("*\r\n"), S("-ERR cancelled\r\n"), C("NOOP\r\n"), S("+OK\r\n")};
    CHECK_CREDS(p, 110,
                "CRED pop3 PLAIN/AUTH user=tim pass=tanstaaf hash=- failure\n"
                "CRED pop3 LOGIN/AUTH user=tim pass=- hash=- failure\n");
    CHECK_LOGGED("C AUTH|AUTH PLAIN AHRpbQB0YW5zdGFhZg==|!<AHRpbQB0YW5zdGFhZg==>\n"
                 "= \\0tim\\0tanstaaf\n"
                 "S -ERR|-ERR nope");
    CHECK_LOGGED("C AUTH|AUTH LOGIN\nS +|+ VXNlcm5hbWU6\n= Username:\nC SASL|dGlt|<dGlt>\n= tim\n"
                 "S +|+ \nC SASL|*\nS -ERR|-ERR cancelled\nCRED pop3 LOGIN/AUTH user=tim pass=- hash=- failure\n"
                 "C NOOP|NOOP\nS +OK|+OK");

    static const struct turn i[] = {
        S("* OK ready\r\n"), C("a AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZg==\r\n"),
        S("a OK done\r\n"), C("b AUTHENTICATE LOGIN\r\n"), S("+ VXNlcm5hbWU6\r\n"),
        C("not*base64\r\n"), S("b NO bad\r\n")};
    CHECK_CREDS(i, 143,
                "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaf hash=- success\n"
                "WARN SASL LOGIN: a client response is not valid base64\n");
    CHECK_LOGGED("C AUTHENTICATE|a AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZg==|!<AHRpbQB0YW5zdGFhZg==>\n"
                 "= \\0tim\\0tanstaaf\nS OK|a OK done\n"
                 "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaf hash=- success\n"
                 "C AUTHENTICATE|b AUTHENTICATE LOGIN\nS +|+ VXNlcm5hbWU6\n= Username:\n"
                 "WARN SASL LOGIN: a client response is not valid base64");
    CHECK_LOGGED("C SASL|not*base64\nS NO|b NO bad");

    static const struct turn m[] = {
        S("220 mx\r\n"), C("AUTH LOGIN dGlt\r\n"), S("334 UGFzc3dvcmQ6\r\n"),
        C("dGFuc3RhYWY=\r\n"), S("235 ok\r\n"), C("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n")};
    CHECK_CREDS(m, 587, "CRED smtp LOGIN/AUTH user=tim pass=tanstaaf hash=- success\n");
    CHECK_LOGGED("C AUTH|AUTH LOGIN dGlt|<dGlt>\n= tim\nS 334|334 UGFzc3dvcmQ6\n= Password:\n"
                 "C SASL|dGFuc3RhYWY=|!<dGFuc3RhYWY=>\n= tanstaaf\nS 235|235 ok\n"
                 "CRED smtp LOGIN/AUTH user=tim pass=tanstaaf hash=- success\n"
                 "C MAIL|MAIL FROM:<a@b>\nS 250|250 ok");
}

static void test_pop3_auth_cancel(void)
{
    static const struct turn t[] = {S("+OK ready\r\n"), C("AUTH PLAIN\r\n"), S("+ \r\n"),
                                    C("*\r\n"), S("-ERR cancelled\r\n"), C("USER x\r\n"),
                                    S("+OK\r\n"), C("PASS y\r\n"), S("+OK\r\n")};
    /* Nothing was exposed by the cancelled exchange: no credential for it. */
    CHECK_CREDS(t, 110, "CRED pop3 USER/USER user=x pass=y hash=- success\n");
}

static void test_invalid_base64_is_reported(void)
{
    static const struct turn t[] = {S("220 mx\r\n"), C("AUTH PLAIN not*base64\r\n"),
                                    S("501 5.5.2 Cannot decode response\r\n"),
                                    C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"),
                                    C("dQ==\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("cA==\r\n"),
                                    S("235 ok\r\n")};
    CHECK_CREDS(t, 587,
                "WARN SASL PLAIN: a client response is not valid base64\n"
                "CRED smtp LOGIN/AUTH user=u pass=p hash=- success\n");
}

static void test_pop3_auth_reply_missed(void)
{
    static const struct turn t[] = {S("+OK ready\r\n"), C("AUTH PLAIN\r\n"), S("+ \r\n"),
                                    C("AHRpbQB0YW5zdGFhZg==\r\n"), C("USER u\r\n"), S("+OK\r\n"),
                                    C("PASS p\r\n"), S("-ERR no\r\n")};
    CHECK_CREDS(t, 110,
                "CRED pop3 PLAIN/AUTH user=tim pass=tanstaaf hash=- unknown\n"
                "CRED pop3 USER/USER user=u pass=p hash=- failure\n");
}

/* More commands in flight than the reply queue holds: a login must not be
 * judged by a reply that belongs to another command. */
static void test_pop3_queue_overflow(void)
{
    static char many[64 * 6 + 40];
    size_t k = (size_t)snprintf(many, sizeof many, "USER alice\r\nPASS wrongpw\r\n");
    for (int i = 0; i < 63; i++)
        k += (size_t)snprintf(many + k, sizeof many - k, "NOOP\r\n");
    static struct turn t[3];
    t[0] = (struct turn)S("+OK ready\r\n");
    t[1] = (struct turn){MT_DIR_CLIENT, many, k};
    t[2] = (struct turn)S("+OK\r\n-ERR [AUTH] invalid password\r\n");
    struct script sc = {110, t, 3, 0, 0};
    creds_only(run_all_splits(&sc), creds_buf, sizeof creds_buf);
    CU_ASSERT_STRING_EQUAL(creds_buf,
                           "WARN more than 64 commands await replies; replies no longer matched\n"
                           "CRED pop3 USER/USER user=alice pass=wrongpw hash=- unknown\n");
}

static void test_pop3_body_is_not_commands(void)
{
    static const struct turn t[] = {
        S("+OK ready\r\n"), C("USER nina\r\nPASS n1\r\n"), S("+OK\r\n+OK\r\n"), C("RETR 1\r\n"),
        S("+OK 120 octets\r\nUSER mallory\r\nPASS notreal\r\n+OK fake\r\n"
          "..leading dot\r\nAUTH PLAIN AG1hbGxvcnkAbm90cmVhbA==\r\n.\r\n"),
        C("LIST\r\n"), S("+OK 1 messages\r\n1 120\r\n.\r\n"), C("QUIT\r\n"), S("+OK\r\n")};
    CHECK_CREDS(t, 110, "CRED pop3 USER/USER user=nina pass=n1 hash=- success\n");
    CHECK_LOGGED("S |.leading dot");
    CHECK_LOGGED("S .|.");
    CHECK_LOGGED("C LIST|LIST");
}

static void test_pop3_stls(void)
{
    static const char hello[] = HELLO("mail.test");
    static const struct turn t[] = {
        S("+OK ready\r\n"), C("STLS\r\n"), S("+OK Begin TLS\r\n"),
        {MT_DIR_CLIENT, hello, sizeof hello - 1}, S("\x16\x03\x03\x00\x02xx"),
        C("\x17\x03\x03\x00\x05USER x"), S("\x17\x03\x03\x00\x05+OK x")};
    CHECK_CREDS(t, 110, "TLS TLS 1.2 sni=mail.test handshake_not_captured\n");
}

/* After STLS both directions go through the TLS reader: commands that
 * follow the ClientHello in its own segment, and replies, are never
 * framed (they are not TLS records: said once per direction), however the
 * segments are cut. */
static void test_nothing_framed_after_hello(void)
{
    static const char hello_then_text[] = HELLO("mail.test") "USER bob\r\nPASS secret\r\n";
    static const struct turn t[] = {
        S("+OK ready\r\n"), C("STLS\r\n"), S("+OK Begin TLS\r\n"),
        {MT_DIR_CLIENT, hello_then_text, sizeof hello_then_text - 1},
        S("+OK logged in\r\n"), C("QUIT\r\n"), S("+OK bye\r\n")};
    CHECK_CREDS(t, 110, "TLS TLS 1.2 sni=mail.test handshake_not_captured\n"
                        "WARN the client's bytes cannot be read from here (tls: not a TLS record "
                        "(type 85, version 83.69, length 21024))\n"
                        "WARN the server's bytes cannot be read from here (tls: not a TLS record "
                        "(type 43, version 79.75, length 8300))\n");
    CHECK_LOGGED("S +OK|+OK Begin TLS");
    CU_ASSERT_PTR_NULL(strstr(whole.log, "USER"));
    CU_ASSERT_PTR_NULL(strstr(whole.log, "logged in"));
    CU_ASSERT_PTR_NULL(strstr(whole.log, "QUIT"));
    CU_ASSERT_PTR_NULL(strstr(whole.log, "bye"));
}

/* --- IMAP ------------------------------------------------------------------- */

static void test_imap_login_forms(void)
{
    static const struct turn t[] = {
        S("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n"),
        C("a1 LOGIN bob s3cret\r\n"),
        S("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        C("a2 login \"bob\" \"pa ss \\\"q\\\" \\\\ end\"\r\n"),
        S("a2 BAD nope\r\n"),
        C("a3 LOGIN {3}\r\n"), S("+ OK\r\n"), C("bob {7}\r\n"), S("+ OK\r\n"),
        C("p{1}a s\r\n"), S("a3 OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
        C("a4 LOGIN {4+}\r\nbob2 {5+}\r\nx\"y z\r\n"), S("a4 OK done\r\n")};
    CHECK_CREDS(t, 143,
                "CRED imap LOGIN/LOGIN user=bob pass=s3cret hash=- failure starttls-offered\n"
                "CRED imap LOGIN/LOGIN user=bob pass=pa ss \"q\" \\ end hash=- failure "
                "starttls-offered\n"
                "CRED imap LOGIN/LOGIN user=bob pass=p{1}a s hash=- success starttls-offered\n"
                "CRED imap LOGIN/LOGIN user=bob2 pass=x\"y z hash=- success starttls-offered\n");
    CHECK_LOGGED("C LOGIN|a1 LOGIN bob s3cret|<bob>|!<s3cret>");
    CHECK_LOGGED("S NO|a1 NO [AUTHENTICATIONFAILED] Authentication failed.");
    CHECK_LOGGED("C LOGIN|p{1}a s|!<p{1}a s>|~");
}

static void test_imap_authenticate(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"),
        C("A01 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"),
        S("A01 OK Success\r\n"),
        C("A02 AUTHENTICATE PLAIN\r\n"), S("+ \r\n"), C("AHRpbQB0YW5zdGFhZg==\r\n"),
        S("A02 NO failed\r\n"),
        C("A03 AUTHENTICATE CRAM-MD5\r\n"),
        S("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
        C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"), S("A03 OK CRAM-MD5 done\r\n")};
    CHECK_CREDS(t, 143,
                "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaftanstaaf hash=- success\n"
                "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaf hash=- failure\n"
                "CRED imap CRAM-MD5/AUTHENTICATE user=tim pass=- "
                "hash=$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+$"
                "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw success\n");
}

static void test_imap_sasl_ir_highlighted(void)
{
    static const struct turn t[] = {S("* OK ready\r\n"),
                                    C("A1 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZg==\r\n"),
                                    S("A1 OK\r\n")};
    CHECK_CREDS(t, 143, "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaf hash=- success\n");
    CHECK_LOGGED("C AUTHENTICATE|A1 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZg==|!<AHRpbQB0YW5zdGFhZg==>");
}

/* The tagged reply to AUTHENTICATE is missed: the next command (it has a
 * space, base64 never does) ends the exchange as unknown and is read as a
 * command, not as a SASL response. */
static void test_imap_auth_reply_missed(void)
{
    static const struct turn t[] = {S("* OK ready\r\n"), C("a1 AUTHENTICATE PLAIN\r\n"),
                                    S("+ \r\n"), C("AHRpbQB0YW5zdGFhZg==\r\n"),
                                    C("a2 LOGIN u p\r\n"), S("a2 OK\r\n")};
    CHECK_CREDS(t, 143,
                "CRED imap PLAIN/AUTHENTICATE user=tim pass=tanstaaf hash=- unknown\n"
                "CRED imap LOGIN/LOGIN user=u pass=p hash=- success\n");
    CHECK_LOGGED("C LOGIN|a2 LOGIN u p|<u>|!<p>");
}

/* A synchronising literal the server refuses is never sent: the client's
 * next line is a command. */
static void test_imap_literal_refused(void)
{
    static const struct turn t[] = {S("* OK ready\r\n"), C("a1 LOGIN {99999}\r\n"),
                                    S("a1 NO [TOOBIG] Literal too big\r\n"),
                                    C("a2 LOGIN alice secret1\r\n"), S("a2 OK\r\n"),
                                    C("a3 APPEND INBOX {20}\r\n"), S("a3 NO [TRYCREATE] No such box\r\n"),
                                    C("a4 LOGOUT\r\n"), S("* BYE\r\na4 OK\r\n")};
    CHECK_CREDS(t, 143, "CRED imap LOGIN/LOGIN user=alice pass=secret1 hash=- success\n");
    CHECK_LOGGED("C LOGOUT|a4 LOGOUT");
}

static void test_imap_literals_are_not_commands(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"), C("a1 LOGIN clara pw\r\n"), S("a1 OK\r\n"),
        C("a2 FETCH 1 (BODY[] FLAGS)\r\n"),
        S("* 1 FETCH (BODY[] {58}\r\na1 LOGIN mallory notreal\r\na2 OK fake reply here\r\n"
          " FLAGS (\\Seen))\r\na2 OK Fetch completed\r\n"),
        C("a3 APPEND INBOX {45}\r\n"), S("+ Ready\r\n"),
        C("a1 LOGIN mallory x\r\na2 AUTHENTICATE PLAIN =\r\n\r\n"), S("a3 OK appended\r\n"),
        C("a4 LOGOUT\r\n"), S("* BYE\r\na4 OK\r\n")};
    CHECK_CREDS(t, 143, "CRED imap LOGIN/LOGIN user=clara pass=pw hash=- success\n");
    CHECK_LOGGED("S OK|a2 OK Fetch completed");
    CHECK_LOGGED("C LOGOUT|a4 LOGOUT");
}

/* With no output reading content, literal bodies are passed over by their
 * count: what follows them is framed as before and the same logins come
 * out; only the body lines are gone. */
static void test_imap_literals_skipped(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"), C("a1 LOGIN clara pw\r\n"), S("a1 OK\r\n"),
        C("a2 FETCH 1:2 (BODY[])\r\n"),
        S("* 1 FETCH (BODY[] {58}\r\na1 LOGIN mallory notreal\r\na2 OK fake reply here\r\n"
          ")\r\n* 2 FETCH (BODY[] {0}\r\n)\r\na2 OK Fetch completed\r\n"),
        C("a3 APPEND INBOX {45}\r\n"), S("+ Ready\r\n"),
        C("a1 LOGIN mallory x\r\na2 AUTHENTICATE PLAIN =\r\n\r\n"), S("a3 OK appended\r\n"),
        C("a4 LOGIN dave pw2\r\n"), S("a4 NO [AUTHENTICATIONFAILED] wrong\r\n"),
        C("a5 LOGOUT\r\n"), S("* BYE\r\na5 OK\r\n")};
    static const char want[] = "CRED imap LOGIN/LOGIN user=clara pass=pw hash=- success\n"
                               "CRED imap LOGIN/LOGIN user=dave pass=pw2 hash=- failure\n";
    for (int skip = 0; skip <= 1; skip++) {
        struct script sc = {143, t, sizeof t / sizeof t[0], 0, skip};
        creds_only(run_all_splits(&sc), creds_buf, sizeof creds_buf);
        CU_ASSERT_STRING_EQUAL(creds_buf, want);
        CHECK_LOGGED("S OK|a2 OK Fetch completed");
        CHECK_LOGGED("S |)");
        CHECK_LOGGED("C LOGOUT|a5 LOGOUT");
        CU_ASSERT_EQUAL(logged("S |a1 LOGIN mallory notreal"), !skip);
        CU_ASSERT_EQUAL(logged("S |a2 OK fake reply here"), !skip);
    }
}

/* A literal that says more than comes: the server's tagged reply ends the
 * command, and what the client sends next is read as commands again (a
 * login is not lost in it, nor shown as one without a credential). A size
 * too large for 64 bits is no literal, and no user name either. */
static void test_imap_literal_lies(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"), C("a1 LOGIN {4000000000}\r\n"), S("+ go ahead\r\n"),
        C("alice secret\r\n"), S("a1 OK done\r\n"), C("a2 LOGIN carol pw3\r\n"),
        S("a2 OK done\r\n"), C("a3 LOGIN {18446744073709551617}\r\n"),
        S("a3 BAD too big\r\n"), C("a4 LOGIN dave pw4\r\n"), S("a4 NO wrong\r\n")};
    CHECK_CREDS(t, 143,
                "CRED imap LOGIN/LOGIN user=alice secret\\r\\n pass=- hash=- success\n"
                "WARN the server answered a command before the end of its literal; reading "
                "commands again\n"
                "CRED imap LOGIN/LOGIN user=carol pass=pw3 hash=- success\n"
                "WARN a literal size too large for 64 bits: not read as a literal\n"
                "CRED imap LOGIN/LOGIN user=dave pass=pw4 hash=- failure\n");
    CHECK_LOGGED("C LOGIN|a2 LOGIN carol pw3|<carol>|!<pw3>");
    CHECK_LOGGED("C LOGIN|a3 LOGIN {18446744073709551617}");
}

/* A server literal that says more than comes: the reply to a command the
 * client sent meanwhile, found inside it, ends it, whether its bytes were
 * framed or passed over; a quoted reply to the command in progress stays
 * a body line. */
static void test_imap_server_literal_lies(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"), C("a1 LOGIN alice pw\r\n"), S("a1 OK\r\n"),
        C("a2 FETCH 1 BODY[]\r\n"), S("* 1 FETCH (BODY[] {4000000000}\r\nSubject: hi\r\n\r\n"),
        S("a2 OK done\r\n"), C("a3 LOGIN carol pw3\r\n"), S("a3 NO wrong\r\n"),
        C("a4 LOGOUT\r\n"), S("* BYE\r\na4 OK\r\n")};
    for (int skip = 0; skip <= 1; skip++) {
        struct script sc = {143, t, sizeof t / sizeof t[0], 0, skip};
        creds_only(run_all_splits(&sc), creds_buf, sizeof creds_buf);
        CU_ASSERT_STRING_EQUAL(creds_buf,
                               "CRED imap LOGIN/LOGIN user=alice pass=pw hash=- success\n"
                               "WARN the server answered a later command inside a literal that "
                               "said more than came; reading replies again\n"
                               "CRED imap LOGIN/LOGIN user=carol pass=pw3 hash=- failure\n");
        CHECK_LOGGED("S NO|a3 NO wrong");
        CHECK_LOGGED("S OK|a4 OK");
        CU_ASSERT_EQUAL(logged("S |a2 OK done"), !skip);
    }
}

static void test_imap_starttls(void)
{
    static const char hello[] = HELLO("imap.test");
    static const struct turn t[] = {
        S("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"), C("a STARTTLS\r\n"),
        S("a OK Begin TLS negotiation now.\r\n"), {MT_DIR_CLIENT, hello, sizeof hello - 1},
        C("b LOGIN not seen\r\n")};
    CHECK_CREDS(t, 143, "TLS TLS 1.2 sni=imap.test handshake_not_captured\n"
                        "WARN the client's bytes cannot be read from here (tls: not a TLS record "
                        "(type 98, version 32.76, length 20295))\n");
}

static void test_imap_login_without_arguments(void)
{
    static const struct turn t[] = {S("* OK ready\r\n"), C("a1 LOGIN\r\n"),
                                    S("a1 BAD Missing arguments\r\n"), C("a2 LOGIN u\r\n"),
                                    S("a2 BAD Missing password\r\n")};
    CHECK_CREDS(t, 143, "CRED imap LOGIN/LOGIN user=u pass=- hash=- failure\n");
}

static void test_imap_starttls_refused(void)
{
    static const struct turn t[] = {S("* OK ready\r\n"), C("a STARTTLS\r\n"),
                                    S("a NO not now\r\n"), C("b LOGIN u p\r\n"), S("b OK\r\n")};
    CHECK_CREDS(t, 143, "CRED imap LOGIN/LOGIN user=u pass=p hash=- success\n");
}

/* --- SMTP ------------------------------------------------------------------- */

static void test_smtp_auth(void)
{
    static const struct turn t[] = {
        S("220 mx ESMTP\r\n"), C("EHLO c\r\n"),
        S("250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"),
        C("AUTH PLAIN AHRpbQB0YW5zdGFhZg==\r\n"), S("535 5.7.8 failed\r\n"),
        C("AUTH LOGIN dGlt\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("c2VjcmV0\r\n"),
        S("235 2.7.0 ok\r\n"), C("QUIT\r\n"), S("221 bye\r\n")};
    CHECK_CREDS(t, 587,
                "CRED smtp PLAIN/AUTH user=tim pass=tanstaaf hash=- failure starttls-offered\n"
                "CRED smtp LOGIN/AUTH user=tim pass=secret hash=- success starttls-offered\n");
    CHECK_LOGGED("S 334|334 UGFzc3dvcmQ6");
    CHECK_LOGGED("S 235|235 2.7.0 ok");
}

static void test_smtp_data_and_bdat(void)
{
    static const struct turn t[] = {
        S("220 mx\r\n"), C("EHLO c\r\n"), S("250-mx\r\n250 CHUNKING\r\n"),
        C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
        S("250 ok\r\n250 ok\r\n354 go\r\n"),
        C("Subject: x\r\n\r\nAUTH PLAIN AG1hbGxvcnkAbm90cmVhbA==\r\n..\r\n.QUIT\r\n.\r\n"),
        S("250 queued\r\n"), C("BDAT 33\r\nAUTH LOGIN bWFsbG9yeQ==\r\nQUIT\r\n"),
        S("250 ok\r\n"), C("BDAT 0 LAST\r\n"), S("250 ok\r\n"), C("AUTH PLAIN AHUAcA==\r\n"),
        S("235 ok\r\n")};
    CHECK_CREDS(t, 25, "CRED smtp PLAIN/AUTH user=u pass=p hash=- success\n");
    CHECK_LOGGED("C |.");
    CHECK_LOGGED("C |QUIT");
    CHECK_LOGGED("C .|.");
    CHECK_LOGGED("S 250|250 queued");
}

static void test_smtp_auth_reply_missed(void)
{
    static const struct turn t[] = {S("220 mx\r\n"), C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"),
                                    C("dGlt\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("c2VjcmV0\r\n"),
                                    C("MAIL FROM:<tim@example.test>\r\n"), S("250 ok\r\n"),
                                    C("AUTH PLAIN AHUAcA==\r\n"), S("535 no\r\n")};
    /* Later replies still match their commands. */
    CHECK_CREDS(t, 587,
                "CRED smtp LOGIN/AUTH user=tim pass=secret hash=- unknown\n"
                "CRED smtp PLAIN/AUTH user=u pass=p hash=- failure\n");
    CHECK_LOGGED("C MAIL|MAIL FROM:<tim@example.test>");
}

static void test_smtp_data_refused(void)
{
    /* DATA refused with 554: what follows is commands again. */
    static const struct turn t[] = {S("220 mx\r\n"), C("DATA\r\n"), S("554 no valid recipients\r\n"),
                                    C("AUTH PLAIN AHUAcA==\r\n"), S("235 ok\r\n")};
    CHECK_CREDS(t, 25, "CRED smtp PLAIN/AUTH user=u pass=p hash=- success\n");
}

/* --- recognition, limits ---------------------------------------------------- */

static void test_detect_by_greeting(void)
{
    static const struct turn p[] = {S("+OK hi\r\n"), C("USER a\r\nPASS b\r\n"), S("+OK\r\n+OK\r\n")};
    CHECK_CREDS(p, 4110, "CRED pop3 USER/USER user=a pass=b hash=- success\n");
    CU_ASSERT(strncmp(whole.log, "start pop3\n", 11) == 0);
    static const struct turn i[] = {S("* OK hi\r\n"), C("1 LOGIN a b\r\n"), S("1 OK\r\n")};
    CHECK_CREDS(i, 4143, "CRED imap LOGIN/LOGIN user=a pass=b hash=- success\n");
    static const struct turn s[] = {S("220 hi\r\n"), C("AUTH PLAIN AGEAYg==\r\n"), S("235 ok\r\n")};
    CHECK_CREDS(s, 4025, "CRED smtp PLAIN/AUTH user=a pass=b hash=- success\n");
    static const struct turn h[] = {C("GET / HTTP/1.0\r\n\r\n"), S("HTTP/1.0 200 OK\r\n\r\n")};
    CHECK_CREDS(h, 8080, "");
    CU_ASSERT(strncmp(whole.log, "start unknown\n", 14) == 0);
}

static void test_parse_ports(void)
{
    struct mt_dissect_config cfg;
    char err[256];
    mt_dissect_default_config(&cfg);
    size_t n0 = cfg.nports;
    CU_ASSERT_EQUAL(mt_dissect_parse_ports(&cfg, "imap:10143,pop3s:1995,smtp:25", err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.nports, n0 + 2);
    CU_ASSERT_EQUAL(cfg.ports[n0].port, 10143);
    CU_ASSERT_EQUAL(cfg.ports[n0].proto, MT_PROTO_IMAP);
    CU_ASSERT_EQUAL(cfg.ports[n0 + 1].tls, 1);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "imap", err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "ftp:21", err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "imap:0", err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "imap:65536", err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "imap:12x", err, sizeof err), 0);
    CU_ASSERT_NOT_EQUAL(mt_dissect_parse_ports(&cfg, "imap:", err, sizeof err), 0);
}

static void test_long_line_with_literal(void)
{
    /* A LOGIN line longer than the line limit that ends in a literal: the
     * literal is still skipped by its count, so its content is no command. */
    static char line[600];
    static struct turn t[5];
    memset(line, 'x', sizeof line);
    memcpy(line, "a1 APPEND INBOX (", 17);
    memcpy(line + sizeof line - 7, " {16}\r\n", 7);
    t[0] = (struct turn)S("* OK ready\r\n");
    t[1] = (struct turn){MT_DIR_CLIENT, line, sizeof line};
    t[2] = (struct turn)S("+ go\r\n");
    t[3] = (struct turn)C("a9 LOGIN m n\r\n\r\n");
    t[4] = (struct turn)S("a1 OK\r\n");
    struct script sc = {143, t, 5, 128, 0};
    creds_only(run_all_splits(&sc), creds_buf, sizeof creds_buf);
    CU_ASSERT_STRING_EQUAL(creds_buf, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(whole.log, "|cut\n"));
}

/* Logins on lines longer than the line limit: what was kept is read, the
 * user and result come out, and the field the line was cut in is marked
 * cut (a SASL response decodes its whole base64 quads). */
static void test_logins_on_cut_lines(void)
{
    /* AUTH PLAIN \0alice\0 + 300 'p': base64 far past a 128-byte limit */
    static char smtp_auth[16 + 420];
    static const char b64_head[] = "AUTH PLAIN AGFsaWNlAH";
    memcpy(smtp_auth, b64_head, sizeof b64_head - 1);
    size_t n = sizeof b64_head - 1;
    while (n < sizeof smtp_auth - 2)
        smtp_auth[n++] = 'B'; /* "BBBB" decodes to 0x04 0x10 0x41: any bytes do */
    smtp_auth[n++] = '\r';
    smtp_auth[n++] = '\n';
    static struct turn t[6];
    t[0] = (struct turn)S("220 mail ESMTP\r\n");
    t[1] = (struct turn)C("EHLO x\r\n");
    t[2] = (struct turn)S("250 mail\r\n");
    t[3] = (struct turn){MT_DIR_CLIENT, smtp_auth, sizeof smtp_auth};
    t[4] = (struct turn)S("235 2.7.0 ok\r\n");
    t[5] = (struct turn)C("QUIT\r\n");
    struct script sc = {587, t, 6, 128, 0};
    creds_only(run_all_splits(&sc), creds_buf, sizeof creds_buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, "CRED smtp PLAIN/AUTH user=alice pass="));
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, " success pass-cut\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, "WARN SASL PLAIN: a client response longer than"));
    CU_ASSERT_PTR_NULL(strstr(creds_buf, "not valid base64"));
    /* POP3 PASS and IMAP LOGIN on lines cut at the limit */
    static char pass[200], login[200];
    memset(pass, 'q', sizeof pass);
    memcpy(pass, "PASS ", 5);
    memcpy(pass + sizeof pass - 2, "\r\n", 2);
    static struct turn p[5];
    p[0] = (struct turn)S("+OK ready\r\n");
    p[1] = (struct turn)C("USER carol\r\n");
    p[2] = (struct turn)S("+OK\r\n");
    p[3] = (struct turn){MT_DIR_CLIENT, pass, sizeof pass};
    p[4] = (struct turn)S("-ERR [AUTH] no\r\n");
    struct script sp = {110, p, 5, 128, 0};
    creds_only(run_all_splits(&sp), creds_buf, sizeof creds_buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, "CRED pop3 USER/USER user=carol pass=qqq"));
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, " failure pass-cut\n"));
    memset(login, 'w', sizeof login);
    memcpy(login, "a1 LOGIN dave \"", 15);
    memcpy(login + sizeof login - 3, "\"\r\n", 3);
    static struct turn i[3];
    i[0] = (struct turn)S("* OK ready\r\n");
    i[1] = (struct turn){MT_DIR_CLIENT, login, sizeof login};
    i[2] = (struct turn)S("a1 OK\r\n");
    struct script si = {143, i, 3, 128, 0};
    creds_only(run_all_splits(&si), creds_buf, sizeof creds_buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, "CRED imap LOGIN/LOGIN user=dave pass=www"));
    CU_ASSERT_PTR_NOT_NULL(strstr(creds_buf, " success pass-cut\n"));
}

/* Many sessions each holding a partial line: the shared budget bounds what
 * is held; lines that cannot get memory are cut, not grown, and counted. */
static void test_parse_memory_budget(void)
{
    struct recorder *r = &whole;
    memset(r, 0, sizeof *r);
    struct mt_bus bus;
    mt_bus_init(&bus);
    mt_bus_add(&bus, (struct mt_sink){rec_event, NULL, NULL, NULL, r, MT_READS_ALL});
    struct mt_dissect_config cfg;
    mt_dissect_default_config(&cfg);
    cfg.max_mem = 4096;
    struct mt_dissector *d = mt_dissector_create(&bus, &cfg);
    struct mt_stream_ops ops = mt_dissector_stream_ops(d);
    static uint8_t half[1000];
    memset(half, 'a', sizeof half);
    memcpy(half, "a1 LOGIN u ", 11);
    void *sess[20];
    for (int i = 0; i < 20; i++) {
        struct mt_session_info info = {.id = (uint64_t)i + 1};
        info.client.family = info.server.family = 4;
        info.client.port = (uint16_t)(40000 + i);
        info.server.port = 143;
        sess[i] = ops.open(ops.ctx, &info);
        ops.data(ops.ctx, sess[i], MT_DIR_CLIENT, half, sizeof half, 1);
    }
    struct mt_dissect_stats st;
    mt_dissector_get_stats(d, &st);
    CU_ASSERT(st.mem_peak <= 4096);
    CU_ASSERT(st.mem_refused > 0);
    for (int i = 0; i < 20; i++) {
        ops.data(ops.ctx, sess[i], MT_DIR_CLIENT, (const uint8_t *)"pw\r\n", 4, 2);
        ops.close(ops.ctx, sess[i], MT_CLOSE_FIN, 3);
    }
    mt_dissector_get_stats(d, &st);
    CU_ASSERT(st.lines_truncated > 0);
    mt_dissector_destroy(d);
    mt_bus_destroy(&bus);
    /* Whatever could not get memory is lost, never misread: no login is
     * reported with anything but its whole password. */
    static char want[1100];
    memset(want, 'a', 989);
    snprintf(want + 989, sizeof want - 989, "pw hash=");
    size_t creds = 0, right = 0;
    for (const char *p = r->log; (p = strstr(p, "CRED imap LOGIN/LOGIN user=u pass=")); p++) {
        creds++;
        right += strncmp(p + strlen("CRED imap LOGIN/LOGIN user=u pass="), want, strlen(want)) == 0;
    }
    CU_ASSERT_EQUAL(creds, right);
    CU_ASSERT(creds < 20);
}

/* Random bytes in both directions of each protocol: nothing may crash or
 * read out of bounds (the sanitizer build checks). */
static void test_random_input(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    static uint8_t buf[8][512];
    static struct turn t[8];
    static const uint16_t ports[] = {110, 143, 25, 993, 9999};
    static const char *const seeds[] = {"+OK ", "* OK ", "220 ", "a1 LOGIN ", "AUTH PLAIN ",
                                        "{5}\r\n", "+ ", "334 ", ".\r\n", "BDAT 3\r\n"};
    for (int round = 0; round < 400; round++) {
        for (int k = 0; k < 8; k++) {
            size_t len = 0;
            while (len < sizeof buf[k] - 16) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                unsigned r = (unsigned)(x >> 32);
                if (r % 4 == 0) {
                    const char *s = seeds[r / 4 % 10];
                    memcpy(buf[k] + len, s, strlen(s));
                    len += strlen(s);
                } else {
                    buf[k][len++] = (uint8_t)(r % 3 == 0 ? '\n' : r >> 8);
                }
                if (r % 17 == 0)
                    break;
            }
            t[k] = (struct turn){k % 2 ? MT_DIR_CLIENT : MT_DIR_SERVER, (const char *)buf[k], len};
        }
        struct script sc = {ports[round % 5], t, 8, round % 3 ? 0 : 64, round % 2};
        run(&sc, (size_t)round % 8, (size_t)round % 50, round % 7 == 0, &whole);
    }
    CU_PASS("random sessions processed");
}

int register_dissect_suite(void)
{
    CU_pSuite s = CU_add_suite("dissect", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "POP3 USER/PASS", test_pop3_user_pass) ||
        !CU_add_test(s, "nothing framed after the ClientHello", test_nothing_framed_after_hello) ||
        !CU_add_test(s, "POP3 failure and unknown outcome", test_pop3_fail_and_unknown) ||
        !CU_add_test(s, "POP3 APOP", test_pop3_apop) ||
        !CU_add_test(s, "POP3 AUTH PLAIN and LOGIN", test_pop3_auth_plain_ir_and_login) ||
        !CU_add_test(s, "SASL lines decoded", test_sasl_lines_decoded) ||
        !CU_add_test(s, "POP3 AUTH cancelled", test_pop3_auth_cancel) ||
        !CU_add_test(s, "POP3 AUTH reply missed", test_pop3_auth_reply_missed) ||
        !CU_add_test(s, "POP3 reply queue overflow", test_pop3_queue_overflow) ||
        !CU_add_test(s, "POP3 message body", test_pop3_body_is_not_commands) ||
        !CU_add_test(s, "POP3 STLS", test_pop3_stls) ||
        !CU_add_test(s, "IMAP LOGIN forms", test_imap_login_forms) ||
        !CU_add_test(s, "IMAP AUTHENTICATE", test_imap_authenticate) ||
        !CU_add_test(s, "IMAP literals", test_imap_literals_are_not_commands) ||
        !CU_add_test(s, "IMAP literals skipped", test_imap_literals_skipped) ||
        !CU_add_test(s, "IMAP literals that lie", test_imap_literal_lies) ||
        !CU_add_test(s, "IMAP server literals that lie", test_imap_server_literal_lies) ||
        !CU_add_test(s, "logins on lines cut at the limit", test_logins_on_cut_lines) ||
        !CU_add_test(s, "IMAP SASL-IR highlighted", test_imap_sasl_ir_highlighted) ||
        !CU_add_test(s, "IMAP literal refused", test_imap_literal_refused) ||
        !CU_add_test(s, "IMAP AUTHENTICATE reply missed", test_imap_auth_reply_missed) ||
        !CU_add_test(s, "IMAP STARTTLS", test_imap_starttls) ||
        !CU_add_test(s, "IMAP STARTTLS refused", test_imap_starttls_refused) ||
        !CU_add_test(s, "IMAP LOGIN without arguments", test_imap_login_without_arguments) ||
        !CU_add_test(s, "SMTP AUTH", test_smtp_auth) ||
        !CU_add_test(s, "SMTP DATA and BDAT", test_smtp_data_and_bdat) ||
        !CU_add_test(s, "SMTP DATA refused", test_smtp_data_refused) ||
        !CU_add_test(s, "SMTP AUTH reply missed", test_smtp_auth_reply_missed) ||
        !CU_add_test(s, "invalid base64 is reported", test_invalid_base64_is_reported) ||
        !CU_add_test(s, "recognition by greeting", test_detect_by_greeting) ||
        !CU_add_test(s, "--ports", test_parse_ports) ||
        !CU_add_test(s, "long line with literal", test_long_line_with_literal) ||
        !CU_add_test(s, "memory budget", test_parse_memory_budget) ||
        !CU_add_test(s, "random input", test_random_input))
        return -1;
    return 0;
}
