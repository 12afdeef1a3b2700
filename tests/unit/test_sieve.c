/* ManageSieve (RFC 5804), LMTP (RFC 2033), what software each side names,
 * and logins whose secret is not on the wire (GSSAPI, unknown mechanisms):
 * scripted sessions through the dissector, each also cut at every byte. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "dissect_script.h"
#include "mailtap/base64.h"
#include "mailtap/sasl.h"
#include "suites.h"

#define GREETING                                                                               \
    S("\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject\"\r\n"         \
      "\"SASL\" \"PLAIN LOGIN\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\nOK \"ready.\"\r\n")

/* \0alice\0Sieve-Pass-1 */
#define ALICE "AGFsaWNlAFNpZXZlLVBhc3MtMQ=="

static void test_sieve_quoted_and_literal(void)
{
    static const struct turn t[] = {
        GREETING,
        C("AUTHENTICATE \"PLAIN\" {28+}\r\n" ALICE "\r\n"),
        S("NO \"Authentication failed.\"\r\n"),
        C("Authenticate \"PLAIN\" \"" ALICE "\"\r\n"),
        S("OK \"Logged in.\"\r\n"),
        C("LOGOUT\r\n"),
        S("OK \"Logout completed.\"\r\n")};
    CHECK_CREDS(t, 4190,
                "CRED managesieve PLAIN/AUTHENTICATE user=alice pass=Sieve-Pass-1 hash=- failure "
                "starttls-offered\n"
                "CRED managesieve PLAIN/AUTHENTICATE user=alice pass=Sieve-Pass-1 hash=- success "
                "starttls-offered\n");
    CHECK_LOGGED("S IMPLEMENTATION|\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"");
    CHECK_LOGGED("C SASL|" ALICE "|!<" ALICE ">"); /* one message, whole, decoded */
    CHECK_LOGGED("S OK|OK \"Logout completed.\"");
}

/* LOGIN with challenges as a string and as a literal, answered by a string
 * and by a literal; found by its greeting on another port. */
static void test_sieve_challenges(void)
{
    static const struct turn t[] = {
        GREETING,
        C("AUTHENTICATE \"LOGIN\"\r\n"),
        S("\"VXNlcm5hbWU6\"\r\n"),
        C("\"Ym9i\"\r\n"),
        S("{12}\r\nUGFzc3dvcmQ6\r\n"),
        C("{8+}\r\nYm9icHc=\r\n"),
        S("OK (SASL \"\") \"Logged in.\"\r\n"),
        C("NOOP\r\n"),
        S("OK \"NOOP completed.\"\r\n")};
    CHECK_CREDS(t, 14190,
                "CRED managesieve LOGIN/AUTHENTICATE user=bob pass=bobpw hash=- success "
                "starttls-offered\n");
    CHECK_LOGGED("start managesieve");
    CHECK_LOGGED("S OK|OK \"NOOP completed.\"");
}

/* A script that quotes a login is content: no credential, no command. */
static void test_sieve_script_is_content(void)
{
    static const struct turn t[] = {
        GREETING,
        C("PUTSCRIPT \"s\" {43+}\r\nAUTHENTICATE \"PLAIN\" \"AGV2ZQBldmUtcGFzcw==\"\r\n"),
        S("OK \"Putscript completed.\"\r\n"),
        C("LISTSCRIPTS\r\n"),
        S("\"s\" ACTIVE\r\nOK \"Listscripts completed.\"\r\n"),
        C("GETSCRIPT \"s\"\r\n"),
        S("{45}\r\nAUTHENTICATE \"PLAIN\" \"AGV2ZQBldmUtcGFzcw==\"\r\n\r\nOK \"Getscript done.\"\r\n"),
        C("LOGOUT\r\n"),
        S("OK \"Bye.\"\r\n")};
    CHECK_CREDS(t, 4190, "");
    CHECK_LOGGED("S SCRIPT|\"s\" ACTIVE");
    CHECK_LOGGED("S OK|OK \"Getscript done.\"");
    CHECK_LOGGED("C LOGOUT|LOGOUT");
    CHECK_LOGGED("S OK|OK \"Bye.\"");
}

/* STARTTLS: after the OK the client's bytes are TLS; the capabilities the
 * server sends again inside it are not an answer to anything. */
static void test_sieve_starttls(void)
{
    static const char hello[] = HELLO("sieve.tst");
    static const struct turn t[] = {GREETING, C("STARTTLS\r\n"), S("OK \"Begin TLS.\"\r\n"),
                                    {MT_DIR_CLIENT, hello, sizeof hello - 1},
                                    C("AUTHENTICATE \"PLAIN\" \"" ALICE "\"\r\n")};
    CHECK_CREDS(t, 4190, "TLS TLS 1.2 sni=sieve.tst handshake_not_captured\n"
                         "WARN the client's bytes cannot be read from here (tls: not a TLS record "
                         "(type 65, version 85.84, length 18501))\n");
    CHECK_LOGGED("S OK|OK \"Begin TLS.\"");
}

/* LMTP: one reply per accepted recipient after the message; the next
 * command's reply is still matched to it. */
static void test_lmtp_replies(void)
{
    static const struct turn t[] = {
        S("220 mx.example LMTP ready\r\n"),
        C("LHLO relay.example\r\n"),
        S("250-mx.example\r\n250 PIPELINING\r\n"),
        C("MAIL FROM:<a@example>\r\n"),
        S("250 2.1.0 OK\r\n"),
        C("RCPT TO:<b@example>\r\n"),
        S("250 2.1.5 OK\r\n"),
        C("RCPT TO:<c@example>\r\n"),
        S("250 2.1.5 OK\r\n"),
        C("DATA\r\n"),
        S("354 go\r\n"),
        C("Subject: x\r\n\r\nAUTH PLAIN AGFsaWNlAFNpZXZlLVBhc3MtMQ==\r\n.\r\n"),
        S("250 2.0.0 <b@example> saved\r\n452 4.2.2 <c@example> over quota\r\n"),
        C("AUTH PLAIN " ALICE "\r\n"),
        S("535 5.7.8 no\r\n")};
    CHECK_CREDS(t, 24,
                "CRED lmtp PLAIN/AUTH user=alice pass=Sieve-Pass-1 hash=- failure\n");
    CHECK_LOGGED("start lmtp");
}

/* LHLO refused on port 25 is not LMTP: the message's one reply, then the
 * AUTH's own. On port 24 LMTP is known without LHLO (a capture begun
 * later), and BDAT LAST is answered once per recipient too. */
static void test_lmtp_edges(void)
{
    static const struct turn refused[] = {
        S("220 mx ESMTP Postfix\r\n"), C("LHLO x\r\n"), S("500 5.5.2 Error: command not recognized\r\n"),
        C("EHLO x\r\n"), S("250 mx\r\n"), C("MAIL FROM:<a@x>\r\n"), S("250 ok\r\n"),
        C("RCPT TO:<b@x>\r\n"), S("250 ok\r\n"), C("RCPT TO:<c@x>\r\n"), S("250 ok\r\n"),
        C("DATA\r\n"), S("354 go\r\n"), C("hi\r\n.\r\n"), S("250 queued\r\n"),
        C("AUTH PLAIN " ALICE "\r\n"), S("535 5.7.8 no\r\n"), C("NOOP\r\n"), S("250 ok\r\n")};
    CHECK_CREDS(refused, 25, "CRED smtp PLAIN/AUTH user=alice pass=Sieve-Pass-1 hash=- failure\n");
    static const struct turn bdat[] = {
        C("MAIL FROM:<a@x>\r\n"), S("250 ok\r\n"), C("RCPT TO:<b@x>\r\n"), S("250 ok\r\n"),
        C("RCPT TO:<c@x>\r\n"), S("250 ok\r\n"), C("BDAT 4 LAST\r\nhi\r\n"),
        S("250 2.0.0 <b@x> saved\r\n452 4.2.2 <c@x> full\r\n"), C("AUTH PLAIN " ALICE "\r\n"),
        S("535 5.7.8 no\r\n"), C("NOOP\r\n"), S("250 ok\r\n")};
    CHECK_CREDS(bdat, 24, "CRED lmtp PLAIN/AUTH user=alice pass=Sieve-Pass-1 hash=- failure\n");
}

/* ManageSieve picked up after its greeting: the first OK answers the
 * first command. */
static void test_sieve_midsession(void)
{
    static const struct turn t[] = {C("CAPABILITY\r\n"), S("\"SASL\" \"PLAIN\"\r\nOK \"done\"\r\n"),
                                    C("AUTHENTICATE \"PLAIN\" \"" ALICE "\"\r\n"),
                                    S("NO \"Authentication failed.\"\r\n")};
    CHECK_CREDS(t, 4190, "CRED managesieve PLAIN/AUTHENTICATE user=alice pass=Sieve-Pass-1 hash=- "
                         "failure\n");
}

/* On another port, SMTP that says LHLO is LMTP. */
static void test_lhlo_makes_lmtp(void)
{
    static const struct turn t[] = {S("220 mx.example ESMTP\r\n"), C("LHLO relay.example\r\n"),
                                    S("250 mx.example\r\n"), C("AUTH PLAIN " ALICE "\r\n"),
                                    S("235 2.7.0 ok\r\n")};
    CHECK_CREDS(t, 2424, "CRED lmtp PLAIN/AUTH user=alice pass=Sieve-Pass-1 hash=- success\n");
}

static void test_software_names(void)
{
    log_software = 1;
    static const struct turn imap[] = {
        S("* OK [CAPABILITY IMAP4rev1 ID] Dovecot (Debian) ready.\r\n"),
        C("a1 ID (\"name\" \"Thunderbird\" \"version\" \"115.6.0\")\r\n"),
        S("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\na1 OK ID completed.\r\n")};
    struct script sc = {143, imap, sizeof imap / sizeof imap[0], 0, 0};
    run_all_splits(&sc);
    CHECK_LOGGED("SOFT server Dovecot (Debian) (greeting)");
    CHECK_LOGGED("SOFT client Thunderbird 115.6.0 (id)");
    CHECK_LOGGED("SOFT server Dovecot (id)");
    static const struct turn pop[] = {S("+OK Dovecot ready. <1.2@host>\r\n"), C("QUIT\r\n")};
    struct script sp = {110, pop, 2, 0, 0};
    run_all_splits(&sp);
    CHECK_LOGGED("SOFT server Dovecot (greeting)");
    static const struct turn smtp[] = {
        S("220-mx.example.com Microsoft ESMTP MAIL Service ready at Thu, 3 Dec 2026\r\n220 more\r\n"),
        C("EHLO laptop.example\r\n")};
    struct script ss = {587, smtp, 2, 0, 0};
    run_all_splits(&ss);
    CHECK_LOGGED("SOFT server Microsoft ESMTP MAIL Service (greeting)");
    CHECK_LOGGED("SOFT client laptop.example (ehlo)");
    static const struct turn esc[] = {
        S("* OK IMAP4rev1 Service Ready\r\n"),
        C("a1 ID (\"os\" NIL \"name\" \"Thunder\\\"bird\" \"version\" \"1\")\r\n")};
    struct script se = {143, esc, 2, 0, 0};
    run_all_splits(&se);
    CHECK_LOGGED("SOFT client Thunder\"bird 1 (id)");
    CU_ASSERT_PTR_NULL(strstr(whole.log, "SOFT server"));
    static const struct turn ready[] = {S("+OK ready <1.2@x>\r\n"), C("QUIT\r\n")};
    struct script sr = {110, ready, 2, 0, 0};
    run_all_splits(&sr);
    CU_ASSERT_PTR_NULL(strstr(whole.log, "SOFT"));
    static const struct turn bare[] = {S("220 mx.example\r\n"), C("QUIT\r\n")};
    struct script sb = {25, bare, 2, 0, 0};
    run_all_splits(&sb);
    CU_ASSERT_PTR_NULL(strstr(whole.log, "SOFT"));
    log_software = 0;
}

/* A real GSSAPI initial token (captures/imap-authenticate-gssapi.pcap, MIT
 * Kerberos, curl): its ticket is for imap/mail.example.test@MAILTAP.TEST. */
#define GSSAPI_TOKEN \
    "YIIC1QYJKoZIhvcSAQICAQBuggLEMIICwKADAgEFoQMCAQ6iBwMFAAAAAACjggHXYYIB0zCCAc+gAwIBBaEOGwxN" \
    "QUlMVEFQLlRFU1SiJDAioAMCAQOhGzAZGwRpbWFwGxFtYWlsLmV4YW1wbGUudGVzdKOCAZAwggGMoAMCARKhAwIB" \
    "AqKCAX4EggF6Da2R/8HsanNtXKaOxtgIa9O5JzvO7LaYizAMNNAyegIuFnsxvgxvszoNQU1DOfiI/bXfvT6JeocF" \
    "qCA9XBGz4jH+ar/7UkmXps8y3kHaZKaZPqTH01bZ2F1/SfnWuwdY5MoYJnuQtF8gXjfqowc52mjE7suDxvyxJHqi" \
    "bxoprrEdmm6UCLAge9l4lh/AGCQ1/LIWr1EFzpabI59nYjTBKPiVQTevD5v7zXT2MiQDVoSx9jEfLVV+TyM4LZfD" \
    "akvYj0CJ1h9j5Sbq++Yqce7wjVtW4IbVb1jxAhebFK0jZpYHJ0zK26Wgj80p0CDyAluWBBVkS4BCLA0eD8fmccvI" \
    "FBEjbf/ivNOehel41IaX/2zJmXsUfx4qX3flHubIPYsWj3hj1+nKGrrOA3lV/FE94P0j+i3BNqokEslRSVQwMM2H" \
    "ufWg8qZ0oqQrixgl2+ok5fORW2DrXh2OKFnLteNzEuKIL2SeGrG8FJU2TP02TZIpw2/IIyEZX6mbpIHPMIHMoAMC" \
    "ARKigcQEgcENOUd7Iv7crSiNSe9nInAtLPTbVKa+B1oIN2onXz/8h6vQFsEwABnM9IfnbAKh3hcDN3kgu4CTmQJt" \
    "yJzkpeH8eDzC7wQFc8lj0mhWUJYqp2lbkskYhhruJ5Z1d7BfxWpEBqCFX2fS6BAALr/P02kidXzetEGQEDBoPBw/" \
    "53dDf+NF5VEhuRvRfJXcCB3kipj7HN9VW2hB4h1p2WRTMflvhf5CIwS7z8a5+UJMJcEgbVqhZX69Jlg2RBBXVRii" \
    "iTkh"

/* An unknown mechanism is a login with no secret; so is GSSAPI, with the
 * service its ticket names. */
static void test_hidden_secrets(void)
{
    static const struct turn t[] = {
        S("* OK ready\r\n"), C("a1 AUTHENTICATE X-SECRET-MECH\r\n"), S("+ \r\n"),
        C("c2VjcmV0\r\n"),   S("a1 OK done\r\n")};
    CHECK_CREDS(t, 143, "CRED imap X-SECRET-MECH/AUTHENTICATE user=- pass=- hash=- success\n");
    CHECK_LOGGED("C SASL|c2VjcmV0|!<c2VjcmV0>");
    /* A mechanism the server does not take up is no login. */
    static const struct turn refused[] = {
        S("220 mx ESMTP\r\n"),     C("EHLO x\r\n"), S("250 mx\r\n"), C("AUTH BAR =\r\n"),
        S("504 5.5.4 Unrecognized authentication type\r\n"), C("AUTH FOO dGVzdA==\r\n"),
        S("504 5.5.4 Unrecognized authentication type\r\n")};
    CHECK_CREDS(refused, 587, "");
    static const struct turn g[] = {
        S("* OK ready\r\n"), C("A2 AUTHENTICATE GSSAPI " GSSAPI_TOKEN "\r\n"),
        S("+ BQQB/wAMAAAAAAAAKNYLdQH////YFY76eoiTh1FEbzQ=\r\n"),
        C("BQQA/wAMAAAAAAAAKNYLdQEAAACaG3Idw5ZSzWH+Vyw=\r\n"), S("A2 NO denied\r\n")};
    CHECK_CREDS(g, 143, "CRED imap GSSAPI/AUTHENTICATE user=- pass=- hash=- failure\n");
    CHECK_LOGGED("= Kerberos AP-REQ (729 bytes): a ticket for imap/mail.example.test@MAILTAP.TEST; "
                 "the client's name and the session key are encrypted");
    /* Cut anywhere, the token names no service and breaks nothing. */
    uint8_t raw[1024];
    long n = mt_base64_decode((const uint8_t *)GSSAPI_TOKEN, sizeof GSSAPI_TOKEN - 1, raw,
                              sizeof raw);
    CU_ASSERT_EQUAL(n, 729);
    for (long at = 0; n > 0 && at < n; at += 7) {
        char b64[1024];
        size_t k = mt_base64_encode(raw, (size_t)at, b64);
        struct mt_sasl *s = mt_sasl_new();
        mt_sasl_begin(s, (const uint8_t *)"GSSAPI", 6);
        mt_sasl_client(s, (const uint8_t *)b64, k);
        CU_ASSERT(mt_sasl_has_credential(s));
        CU_ASSERT(!mt_sasl_cred(s)->service.present);
        mt_sasl_free(s);
    }
}

int register_sieve_suite(void)
{
    CU_pSuite s = CU_add_suite("managesieve, lmtp, software, hidden secrets", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "ManageSieve quoted and literal", test_sieve_quoted_and_literal) ||
        !CU_add_test(s, "ManageSieve challenges", test_sieve_challenges) ||
        !CU_add_test(s, "ManageSieve scripts are content", test_sieve_script_is_content) ||
        !CU_add_test(s, "ManageSieve STARTTLS", test_sieve_starttls) ||
        !CU_add_test(s, "LMTP replies per recipient", test_lmtp_replies) ||
        !CU_add_test(s, "LHLO makes LMTP", test_lhlo_makes_lmtp) ||
        !CU_add_test(s, "LMTP: refused LHLO, port 24 mid-session, BDAT LAST", test_lmtp_edges) ||
        !CU_add_test(s, "ManageSieve without its greeting", test_sieve_midsession) ||
        !CU_add_test(s, "software names", test_software_names) ||
        !CU_add_test(s, "mechanisms that hide their secret", test_hidden_secrets))
        return -1;
    return 0;
}
