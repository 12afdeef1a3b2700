/* Runs every CUnit suite; exits nonzero if any assertion failed. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "suites.h"

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    int (*suites[])(void) = {register_render_suite, register_siphash_suite, register_decode_suite,
                             register_reasm_suite,  register_flow_suite,    register_output_suite,
                             register_dissect_suite,
                             register_base64_suite, register_sasl_suite,
                             register_privs_suite,  register_spool_suite,   register_cli_suite, register_transform_suite,
                             register_tls_crypto_suite, register_tls_decrypt_suite, register_tls_cert_suite,
                             register_keylog_suite, register_keylog_file_suite,
                             register_pcapng_suite, register_explain_suite, register_sieve_suite, register_report_suite, register_ja4_suite};
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (suites[i]() != 0) {
            fprintf(stderr, "unit-tests: cannot register suite: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 1;
        }
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed == 0 && ran > 0 ? 0 : 1;
}
