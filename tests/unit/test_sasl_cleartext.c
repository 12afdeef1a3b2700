/* PLAIN (RFC 4616, with its examples) and LOGIN: src/sasl/cleartext.c. */
#include <CUnit/CUnit.h>

#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- PLAIN (RFC 4616) ------------------------------------------------------ */

static void test_plain_rfc4616(void)
{
    struct mt_sasl *s = start("PLAIN");
    /* Section 4: "\0tim\0tanstaaftanstaaf", no authzid. */
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0tanstaaftanstaaf"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN");
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(ABSENT(c->authzid));
    CU_ASSERT(!c->hash.present && c->hash_format == NULL);
    CU_ASSERT(mt_sasl_has_credential(s));

    /* Section 4: authzid Ursel, authcid Kurt, password xipj3plmq. */
    mt_sasl_begin(s, (const uint8_t *)"plain", 5);
    CU_ASSERT_EQUAL(CLI(s, "Ursel\0Kurt\0xipj3plmq"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN");
    CU_ASSERT(IS(c->authzid, "Ursel"));
    CU_ASSERT(IS(c->user, "Kurt"));
    CU_ASSERT(IS(c->password, "xipj3plmq"));
    mt_sasl_free(s);
}

static void test_plain_variants(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* A single NUL: authcid NUL passwd. */
    CU_ASSERT_EQUAL(CLI(s, "bob\0hunter2"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(IS(c->password, "hunter2"));
    CU_ASSERT(ABSENT(c->authzid));

    /* An empty password is still a password. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT_EQUAL(CLI(s, "\0bob\0"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.len == 0 && !c->password.truncated);

    /* A NUL inside the password stays in it (the third field runs to the end). */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CLI(s, "a\0b\0c\0d");
    CU_ASSERT(IS(c->authzid, "a"));
    CU_ASSERT(IS(c->user, "b"));
    CU_ASSERT(IS(c->password, "c\0d"));

    /* No NUL at all: nothing to take. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT_EQUAL(CLI(s, "justtext"), 0);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_plain_empty_and_cancel(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    /* "=" is an empty initial response; the credentials follow after "+ ". */
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    CU_ASSERT(!c->invalid_base64);
    srv64(s, "");
    CU_ASSERT_EQUAL(cli64(s, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(!c->cancelled);

    /* "*" cancels and exposes nothing. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CU_ASSERT(!c->cancelled);
    CU_ASSERT_EQUAL(cli64(s, "*"), 0);
    CU_ASSERT(c->cancelled);
    CU_ASSERT(!c->invalid_base64);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
    CU_ASSERT(!mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

/* --- LOGIN ------------------------------------------------------------------ */

static void test_login(void)
{
    struct mt_sasl *s = start("LOGIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "VXNlcm5hbWU6"); /* "Username:" */
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(ABSENT(c->password));
    srv64(s, "UGFzc3dvcmQ6"); /* "Password:" */
    CU_ASSERT_EQUAL(cli64(s, "dGFuc3RhYWZ0YW5zdGFhZg=="), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(mt_sasl_has_credential(s));
    /* Anything after the password changes nothing. */
    CU_ASSERT_EQUAL(CLI(s, "other"), 0);
    CU_ASSERT(IS(c->password, "tanstaaftanstaaf"));
    CU_ASSERT(IS(c->user, "tim"));
    mt_sasl_free(s);
}

static void test_login_initial_response(void)
{
    struct mt_sasl *s = start("login");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "LOGIN");
    /* AUTH LOGIN dGlt, then only "Password:". */
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    srv64(s, "UGFzc3dvcmQ6");
    CU_ASSERT_EQUAL(CLI(s, "s3cret"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "s3cret"));

    /* An empty initial response is not the user; an empty password is a password. */
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT_EQUAL(CLI(s, "bob"), MT_SASL_EXPOSES_USER);
    CU_ASSERT_EQUAL(cli64(s, ""), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.len == 0);
    mt_sasl_free(s);
}

int sasl_add_cleartext_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {
        {"PLAIN: RFC 4616 examples", test_plain_rfc4616},
        {"PLAIN: one NUL, empty password, NUL in password", test_plain_variants},
        {"PLAIN: \"=\" and \"*\"", test_plain_empty_and_cancel},
        {"LOGIN: user and password after challenges", test_login},
        {"LOGIN: user as initial response", test_login_initial_response},
    };
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
