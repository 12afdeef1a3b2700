/* EXTERNAL, ANONYMOUS (RFC 4505) and SCRAM (RFC 7677): src/sasl/identity.c. */
#include <CUnit/CUnit.h>

#include "mailtap/sasl.h"
#include "test_sasl.h"

/* --- EXTERNAL, ANONYMOUS, SCRAM ---------------------------------------------- */

static void test_external(void)
{
    struct mt_sasl *s = start("EXTERNAL");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* Empty: the identity comes from the certificate. */
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(mt_sasl_has_credential(s));
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->authzid));

    mt_sasl_begin(s, (const uint8_t *)"EXTERNAL", 8);
    CU_ASSERT_EQUAL(CLI(s, "admin"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->authzid, "admin"));
    CU_ASSERT(IS(c->user, "admin"));
    CU_ASSERT(ABSENT(c->password));
    /* Only the first message counts. */
    CU_ASSERT_EQUAL(CLI(s, "other"), 0);
    CU_ASSERT(IS(c->user, "admin"));
    mt_sasl_free(s);
}

static void test_anonymous(void)
{
    struct mt_sasl *s = start("ANONYMOUS");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* RFC 4505 section 4: the trace "sirhc". */
    srv64(s, "");
    CU_ASSERT_EQUAL(cli64(s, "c2lyaGM="), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "sirhc"));
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(mt_sasl_has_credential(s));

    mt_sasl_begin(s, (const uint8_t *)"ANONYMOUS", 9);
    CU_ASSERT_EQUAL(cli64(s, "="), 0);
    CU_ASSERT(ABSENT(c->user));
    CU_ASSERT(mt_sasl_has_credential(s));
    mt_sasl_free(s);
}

static void test_scram_rfc7677(void)
{
    struct mt_sasl *s = start("SCRAM-SHA-256");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "SCRAM-SHA-256");
    /* RFC 7677 section 3. */
    CU_ASSERT_EQUAL(CLI(s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(IS(c->user, "user"));
    SRV(s, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    CU_ASSERT_EQUAL(CLI(s, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                           "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
                    0);
    SRV(s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    CU_ASSERT(IS(c->user, "user"));
    CU_ASSERT(ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(!c->hash.present);
    CU_ASSERT(mt_sasl_has_credential(s));

    /* authzid, an extension, escapes, channel binding, another hash. */
    mt_sasl_begin(s, (const uint8_t *)"scram-sha-1-plus", 16);
    CU_ASSERT_STRING_EQUAL(c->mech, "SCRAM-SHA-1-PLUS");
    CLI(s, "p=tls-unique,a=ad=3Dmin,m=ext,n=us=2Cer,r=abc");
    CU_ASSERT(IS(c->authzid, "ad=min"));
    CU_ASSERT(IS(c->user, "us,er"));

    /* No n= or an empty one: no user. */
    mt_sasl_begin(s, (const uint8_t *)"SCRAM-SHA-1", 11);
    CU_ASSERT_EQUAL(CLI(s, "n,,n=,r=abc"), 0);
    CU_ASSERT_EQUAL(CLI(s, "n,,r=abc,n=late"), 0); /* the second message is not client-first */
    CU_ASSERT(ABSENT(c->user));
    mt_sasl_free(s);
}

int sasl_add_identity_tests(CU_pSuite s)
{
    static const CU_TestInfo tests[] = {
        {"EXTERNAL", test_external},
        {"ANONYMOUS", test_anonymous},
        {"SCRAM: RFC 7677 example", test_scram_rfc7677},
    };
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
