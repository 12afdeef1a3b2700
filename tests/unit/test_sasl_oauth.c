/* XOAUTH2 (Google's example) and OAUTHBEARER (RFC 7628): src/sasl/oauth2.c. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- XOAUTH2, OAUTHBEARER ---------------------------------------------------- */

static void test_xoauth2(void)
{
    struct mt_sasl *s = start("XOAUTH2");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* developers.google.com/gmail/imap/xoauth2-protocol, encoded as there. */
    CU_ASSERT_EQUAL(cli64(s, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRx"
                             "bVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "someuser@example.com"));
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(!c->hash.present);
    /* The error challenge, then the empty reply: the token stays. */
    srv64(s, "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5j"
             "b20vIn0K");
    CU_ASSERT_EQUAL(cli64(s, ""), 0);
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(IS(c->user, "someuser@example.com"));
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT_EQUAL(CLI(s, "\x01"), 0);
    CU_ASSERT(IS(c->password, GOOGLE_TOKEN));
    CU_ASSERT(!c->invalid_base64);
    mt_sasl_free(s);
}

static void test_xoauth2_variants(void)
{
    struct mt_sasl *s = start("XOAUTH2");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Another scheme is kept whole; keys in any case. */
    CLI(s, "USER=a@b.c\x01" "Auth=MAC kid=1\x01\x01");
    CU_ASSERT(IS(c->user, "a@b.c"));
    CU_ASSERT(IS(c->password, "MAC kid=1"));

    /* "Bearer" with nothing after it is no token. */
    mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
    CU_ASSERT_EQUAL(CLI(s, "user=a@b.c\x01" "auth=Bearer   \x01\x01"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(ABSENT(c->password));

    /* A key that only starts like "auth" is not auth. */
    mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
    CU_ASSERT_EQUAL(CLI(s, "authx=Bearer t\x01" "user=\x01\x01"), 0);
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->user));
    mt_sasl_free(s);
}

static void test_oauthbearer_rfc7628(void)
{
    struct mt_sasl *s = start("OAUTHBEARER");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Section 4.1, the IMAP initial response. */
    CU_ASSERT_EQUAL(cli64(s, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9"
                             "MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZ"
                             "Mjl0Q2c9PQEB"),
                    MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "user@example.com"));
    CU_ASSERT(IS(c->password, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
    /* Section 3.2.3: after an error challenge the client sends a lone ^A. */
    SRV(s, "{\"status\":\"invalid_token\"}");
    CU_ASSERT_EQUAL(CLI(s, "\x01"), 0);
    CU_ASSERT(IS(c->password, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
    CU_ASSERT(IS(c->user, "user@example.com"));
    mt_sasl_free(s);
}

static void test_oauthbearer_variants(void)
{
    struct mt_sasl *s = start("OAUTHBEARER");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* Without a=: the token only. */
    CU_ASSERT_EQUAL(CLI(s, "n,,\x01" "auth=Bearer tok123\x01\x01"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT(IS(c->password, "tok123"));
    CU_ASSERT(mt_sasl_has_credential(s));

    /* saslname escapes (RFC 5801): =2C is ',' and =3D is '='. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "n,a=us=2Cer=3Dx=2c@example.com,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "us,er=x,@example.com"));
    /* A lone '=' that is no escape is kept. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "y,a=a=b=2,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "a=b=2"));

    /* A saslname longer than MT_SASL_FIELD_MAX: cut and marked; escapes
     * count as one character each. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    char name[2000];
    memcpy(name, "n,a=", 4);
    for (int i = 0; i < 600; i++)
        memcpy(name + 4 + 3 * i, "=2C", 3);
    memcpy(name + 4 + 1800, ",\x01" "auth=Bearer t\x01\x01", 17);
    cli(s, name, 4 + 1800 + 17);
    CU_ASSERT(c->user.present && c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(c->user.p[0] == ',' && c->user.p[MT_SASL_FIELD_MAX - 1] == ',');
    CU_ASSERT(IS(c->password, "t"));
    /* Exactly MT_SASL_FIELD_MAX characters fit. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    memcpy(name + 4 + 3 * MT_SASL_FIELD_MAX, ",\x01" "auth=Bearer t\x01\x01", 17);
    cli(s, name, 4 + 3 * MT_SASL_FIELD_MAX + 17);
    CU_ASSERT(c->user.present && !c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    /* SCRAM's n= and a= are saslnames too. */
    mt_sasl_begin(s, (const uint8_t *)"SCRAM-SHA-1", 11);
    for (int i = 0; i < 600; i++)
        memcpy(name + 4 + 3 * i, "=3D", 3);
    memcpy(name + 4 + 1800, ",n=u,r=x", 8);
    cli(s, name, 4 + 1800 + 8);
    CU_ASSERT(c->authzid.truncated && c->authzid.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(c->authzid.p[0] == '=' && c->authzid.p[MT_SASL_FIELD_MAX - 1] == '=');
    CU_ASSERT(IS(c->user, "u"));

    /* Channel binding flag p=...: accepted. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    CLI(s, "p=tls-unique,a=u@h,\x01" "auth=Bearer t\x01\x01");
    CU_ASSERT(IS(c->user, "u@h"));
    CU_ASSERT(IS(c->password, "t"));

    /* Not a GS2 header: nothing at all. */
    static const char *bad[] = {"x,,\x01" "auth=Bearer t\x01\x01", "n\x01" "auth=Bearer t\x01\x01",
                                "n,b=u,\x01" "auth=Bearer t\x01\x01", "nn,,\x01" "auth=Bearer t\x01\x01",
                                "p=,,\x01" "auth=Bearer t\x01\x01", "n,a=u"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
        CU_ASSERT_EQUAL(cli(s, bad[i], strlen(bad[i])), 0);
        CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    }
    mt_sasl_free(s);
}

int sasl_add_oauth_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {
        {"XOAUTH2: Google example, error round", test_xoauth2},
        {"XOAUTH2: variants", test_xoauth2_variants},
        {"OAUTHBEARER: RFC 7628 example", test_oauthbearer_rfc7628},
        {"OAUTHBEARER: authzid, escapes, bad headers", test_oauthbearer_variants},
    };
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
