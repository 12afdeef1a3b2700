/* CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC 2831): src/sasl/cram.c, digest.c. Each
 * crackable line is checked byte for byte and by recomputing it with the password. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "mailtap/base64.h"
#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- crackers for one line and one password ------------------------------- */

/* hashcat -m 10200: $cram_md5$<b64 challenge>$<b64 "user digest">. */
static int cram_cracks(const char *line, const char *password)
{
    if (strncmp(line, "$cram_md5$", 10) != 0)
        return 0;
    const char *c = line + 10, *d = strchr(c, '$');
    if (!d)
        return 0;
    uint8_t chal[2048], resp[2048];
    long cn = mt_base64_decode((const uint8_t *)c, (size_t)(d - c), chal, sizeof chal);
    long rn = mt_base64_decode((const uint8_t *)d + 1, strlen(d + 1), resp, sizeof resp - 1);
    if (cn < 0 || rn < 33)
        return 0;
    resp[rn] = '\0';
    if (resp[rn - 33] != ' ')
        return 0;
    uint8_t mac[16];
    char h[33];
    hmac_md5(password, strlen(password), chal, (size_t)cn, mac);
    to_hex(mac, 16, h);
    return strcmp(h, (const char *)resp + rn - 32) == 0;
}

static void md5_hex(const char *str, char out[33])
{
    uint8_t d[16];
    md5(str, strlen(str), d);
    to_hex(d, 16, out);
}

/* John's dmd5: $DIGEST-MD5$user$realm$nonce$uri$cnonce$nc$qop$response[$authzid],
 * computed as RFC 2831 2.1.2.1 (qop=auth). */
static int dmd5_cracks(const char *line, const char *password)
{
    char copy[2048], *f[12], buf[2048];
    if (strlen(line) >= sizeof copy)
        return 0;
    strcpy(copy, line);
    int k = split(copy, '$', f, 12);
    if ((k != 10 && k != 11) || f[0][0] || strcmp(f[1], "DIGEST-MD5") != 0 || strcmp(f[8], "auth"))
        return 0;
    const char *user = f[2], *realm = f[3], *nonce = f[4], *uri = f[5], *cnonce = f[6], *nc = f[7];
    uint8_t a1[1024];
    char ha1[33], ha2[33], resp[33];
    snprintf(buf, sizeof buf, "%s:%s:%s", user, realm, password);
    md5(buf, strlen(buf), a1);
    int n = snprintf((char *)a1 + 16, sizeof a1 - 16, ":%s:%s%s%s", nonce, cnonce, k == 11 ? ":" : "",
                     k == 11 ? f[10] : "");
    uint8_t d[16];
    md5(a1, 16 + (size_t)n, d);
    to_hex(d, 16, ha1);
    snprintf(buf, sizeof buf, "AUTHENTICATE:%s", uri);
    md5_hex(buf, ha2);
    snprintf(buf, sizeof buf, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    md5_hex(buf, resp);
    return strcmp(resp, f[9]) == 0;
}

/* --- CRAM-MD5 (RFC 2195) -------------------------------------------------- */

static void test_cram_rfc2195(void)
{
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    CU_ASSERT(!c->hash.present);
    /* "tim b913a602c7eda7a495b4e6e7334d3890" */
    CU_ASSERT_EQUAL(cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(ABSENT(c->password));
    const char *line = "$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
                       "$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, line);
    CU_ASSERT(hash_is(c, line, "hashcat -m 10200"));
    /* The line cracks with RFC 2195's password, and only with it. */
    CU_ASSERT(cram_cracks((const char *)c->hash.p, "tanstaaftanstaaf"));
    CU_ASSERT(!cram_cracks((const char *)c->hash.p, "tanstaaftanstaaF"));
    CU_ASSERT(mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_cram_hashcat_example(void)
{
    /* hashcat's example hash for -m 10200 (password "hashcat"), rebuilt
     * from its two messages. */
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "PG5vLXJlcGx5QGhhc2hjYXQubmV0Pg==");
    cli64(s, "dXNlciA0NGVhZmQyMmZlNzY2NzBmNmIyODc5MDgxYTdmNWY3MQ==");
    CU_ASSERT(hash_is(c,
                      "$cram_md5$PG5vLXJlcGx5QGhhc2hjYXQubmV0Pg==$"
                      "dXNlciA0NGVhZmQyMmZlNzY2NzBmNmIyODc5MDgxYTdmNWY3MQ==",
                      "hashcat -m 10200"));
    CU_ASSERT(cram_cracks((const char *)c->hash.p, "hashcat"));
    CU_ASSERT(IS(c->user, "user"));
    mt_sasl_free(s);
}

static void test_cram_without_challenge(void)
{
    struct mt_sasl *s = start("CRAM-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* No challenge seen: the user, no line. */
    CU_ASSERT_EQUAL(cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(!c->hash.present && c->hash_format == NULL);

    /* A good challenge replaced by an invalid one is forgotten. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    srv64(s, "not base64!");
    CU_ASSERT(c->invalid_base64);
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(IS(c->user, "tim"));

    /* An empty challenge gives no line either, in either spelling. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "");
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "=");
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(!c->invalid_base64);

    /* A challenge longer than MT_SASL_CHALLENGE_MAX characters is not kept. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    char big[1600];
    memset(big, 'c', sizeof big);
    srv(s, big, sizeof big); /* 2136 base64 characters */
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(IS(c->user, "tim"));

    /* A response without a digest: what there is looks like the user. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    CU_ASSERT_EQUAL(CLI(s, "tim"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
}

/* --- DIGEST-MD5 (RFC 2831) ------------------------------------------------ */

#define RFC2831_LINE                                                                               \
    "$DIGEST-MD5$chris$elwood.innosoft.com$OA6MG9tEQGm2hh$imap/elwood.innosoft.com$"              \
    "OA6MHXh6VqTrRk$00000001$auth$d388dad90d4bbd760a152321f2143af7"

static void test_digest_rfc2831(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Section 4, example 4 (IMAP), as it is on the wire. */
    srv64(s, "cmVhbG09ImVsd29vZC5pbm5vc29mdC5jb20iLG5vbmNlPSJPQTZNRzl0RVFHbTJoaCIscW9wPSJhdXRoIixh"
             "bGdvcml0aG09bWQ1LXNlc3MsY2hhcnNldD11dGYtOA==");
    CU_ASSERT_EQUAL(
        cli64(s, "Y2hhcnNldD11dGYtOCx1c2VybmFtZT0iY2hyaXMiLHJlYWxtPSJlbHdvb2QuaW5ub3NvZnQuY29tIixub25j"
                 "ZT0iT0E2TUc5dEVRR20yaGgiLG5jPTAwMDAwMDAxLGNub25jZT0iT0E2TUhYaDZWcVRyUmsiLGRpZ2VzdC11"
                 "cmk9ImltYXAvZWx3b29kLmlubm9zb2Z0LmNvbSIscmVzcG9uc2U9ZDM4OGRhZDkwZDRiYmQ3NjBhMTUyMzIx"
                 "ZjIxNDNhZjcscW9wPWF1dGg="),
        MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->domain, "elwood.innosoft.com"));
    CU_ASSERT(ABSENT(c->authzid));
    CU_ASSERT(ABSENT(c->password));
    CU_ASSERT_STRING_EQUAL((const char *)c->hash.p, RFC2831_LINE);
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    /* The line cracks with the RFC's password "secret". */
    CU_ASSERT(dmd5_cracks((const char *)c->hash.p, "secret"));
    CU_ASSERT(!dmd5_cracks((const char *)c->hash.p, "Secret"));
    /* rspauth, then the empty client message: nothing disturbed. */
    srv64(s, "cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==");
    CU_ASSERT_EQUAL(cli64(s, ""), 0);
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    CU_ASSERT(IS(c->user, "chris"));
    /* A second digest-response in the same exchange is not taken. */
    CU_ASSERT_EQUAL(CLI(s, "username=\"other\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\","
                           "digest-uri=\"imap/h\",response=0123456789abcdef0123456789abcdef"),
                    0);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->domain, "elwood.innosoft.com"));
    CU_ASSERT(hash_is(c, RFC2831_LINE, "john --format=dmd5"));
    mt_sasl_free(s);
}

static void test_digest_defaults_and_authzid(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* The response omits nonce, realm and qop: the server's nonce, an empty
     * realm and "auth" go into the line. */
    SRV(s, RFC2831_CHALLENGE);
    CLI(s, "username=\"chris\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
           "digest-uri=\"imap/elwood.innosoft.com\",response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(hash_is(c,
                      "$DIGEST-MD5$chris$$OA6MG9tEQGm2hh$imap/elwood.innosoft.com$OA6MHXh6VqTrRk$"
                      "00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));
    CU_ASSERT(ABSENT(c->domain));

    /* authzid is appended; backslash escapes are removed; names in any case. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    SRV(s, RFC2831_CHALLENGE);
    CLI(s, "USERNAME=\"ch\\ris\", realm = \"elwood.innosoft.com\" ,nonce=\"OA6MG9tEQGm2hh\","
           "nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\","
           "response=d388dad90d4bbd760a152321f2143af7,qop=auth,authzid=\"admin\"");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(IS(c->authzid, "admin"));
    CU_ASSERT(hash_is(c, RFC2831_LINE "$admin", "john --format=dmd5"));

    /* No nonce anywhere: no line, but the user. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CU_ASSERT_EQUAL(CLI(s, "username=\"chris\",nc=00000001,cnonce=\"x\",digest-uri=\"imap/h\","
                           "response=0123456789abcdef0123456789abcdef"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
}

static void test_digest_malformed(void)
{
    struct mt_sasl *s = start("DIGEST-MD5");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
#define GOOD                                                                                       \
    "username=\"chris\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\",digest-uri=\"imap/h\","   \
    "response=0123456789abcdef0123456789abcdef"
    /* The good message makes a line: each variant below is one change. */
    CLI(s, GOOD);
    CU_ASSERT(hash_is(c, "$DIGEST-MD5$chris$r$n$imap/h$c$00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));

    /* An unclosed quote: the user is kept, no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",qop=\"auth");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* A directive without '=': no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",qop");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* A quote left open from the first value on: the user is the rest. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"chris,nc=00000001,response=0123");
    CU_ASSERT(IS(c->user, "chris,nc=00000001,response=0123"));
    CU_ASSERT(!c->hash.present);

    /* A trailing backslash inside an unclosed quote. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"abc\\");
    CU_ASSERT(IS(c->user, "abc\\"));
    CU_ASSERT(!c->hash.present);

    /* Duplicated directives: the first counts. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"first\"," GOOD ",realm=\"other\"");
    CU_ASSERT(IS(c->user, "first"));
    CU_ASSERT(IS(c->domain, "r"));
    CU_ASSERT(hash_is(c, "$DIGEST-MD5$first$r$n$imap/h$c$00000001$auth$0123456789abcdef0123456789abcdef",
                      "john --format=dmd5"));

    /* A '$' or ':' in a field would shift John's fields: no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"ch$ris\",realm=\"r\",nonce=\"n\",nc=00000001,cnonce=\"c\","
           "digest-uri=\"imap/h\",response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(IS(c->user, "ch$ris"));
    CU_ASSERT(!c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, GOOD ",authzid=\"a:b\"");
    CU_ASSERT(!c->hash.present);

    /* A required directive missing (cnonce): no line. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CLI(s, "username=\"chris\",realm=\"r\",nonce=\"n\",nc=00000001,digest-uri=\"imap/h\","
           "response=0123456789abcdef0123456789abcdef");
    CU_ASSERT(IS(c->user, "chris"));
    CU_ASSERT(!c->hash.present);

    /* Noise: nothing. */
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    CU_ASSERT_EQUAL(CLI(s, ",,, ,\t,"), 0);
    CU_ASSERT_EQUAL(CLI(s, "==,=\"\",\""), 0);
    CU_ASSERT(ABSENT(c->user) && !c->hash.present);
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
#undef GOOD
}

int sasl_add_challenge_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {
        {"CRAM-MD5: RFC 2195 example, hashcat line", test_cram_rfc2195},
        {"CRAM-MD5: hashcat's example hash", test_cram_hashcat_example},
        {"CRAM-MD5: no usable challenge", test_cram_without_challenge},
        {"DIGEST-MD5: RFC 2831 example, John line", test_digest_rfc2831},
        {"DIGEST-MD5: defaults and authzid", test_digest_defaults_and_authzid},
        {"DIGEST-MD5: malformed responses", test_digest_malformed},
    };
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
