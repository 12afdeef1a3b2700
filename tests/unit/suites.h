/* Each unit test file registers one CUnit suite. */
#ifndef MAILTAP_TEST_SUITES_H
#define MAILTAP_TEST_SUITES_H

int register_render_suite(void);
int register_siphash_suite(void);
int register_decode_suite(void);
int register_reasm_suite(void);
int register_flow_suite(void);
int register_output_suite(void);
int register_base64_suite(void);
int register_sasl_suite(void);
int register_dissect_suite(void);
int register_privs_suite(void);
int register_spool_suite(void);
int register_cli_suite(void);
int register_transform_suite(void);
int register_tls_crypto_suite(void);
int register_keylog_suite(void);
int register_keylog_file_suite(void);
int register_pcapng_suite(void);
int register_explain_suite(void);
int register_tls_decrypt_suite(void);
int register_ja4_suite(void);
int register_sieve_suite(void);
int register_report_suite(void);
int register_tls_cert_suite(void);

#endif
