#include <CUnit/CUnit.h>

#include "mailtap/siphash.h"
#include "suites.h"

/* Test vectors from the SipHash paper (key 00..0f, message 00..len-1). */
static void test_vectors(void)
{
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(mt_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
    CU_ASSERT_EQUAL(mt_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
    CU_ASSERT_EQUAL(mt_siphash(key, msg, 8), 0x93f5f5799a932462ULL);
}

int register_siphash_suite(void)
{
    CU_pSuite s = CU_add_suite("siphash", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "reference vectors", test_vectors);
}
