/* What the SASL test files share: feeding the observer, checking its fields,
 * hex, MD4/MD5/HMAC-MD5 for recomputing lines, and the published messages. */
#ifndef MAILTAP_TEST_SASL_H
#define MAILTAP_TEST_SASL_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

#include "mailtap/sasl.h"

/* Adds tests[0..n) to s, in order; 0, or -1 on failure. */
int sasl_add_tests(CU_pSuite s, const CU_TestInfo *tests, size_t n);

/* Each file adds its tests to the one "sasl" suite, the same way. */
int sasl_add_helper_tests(CU_pSuite s);
int sasl_add_cleartext_tests(CU_pSuite s);
int sasl_add_challenge_tests(CU_pSuite s);
int sasl_add_oauth_tests(CU_pSuite s);
int sasl_add_ntlm_tests(CU_pSuite s);
int sasl_add_identity_tests(CU_pSuite s);

/* --- feeding the observer ------------------------------------------------- */

/* A new observer in the exchange of mech. */
struct mt_sasl *start(const char *mech);
/* p[0..n) as base64 in a new buffer (its length in *len). */
char *b64(const void *p, size_t n, size_t *len);

/* A client or server message given as raw bytes, sent as base64. */
unsigned cli(struct mt_sasl *s, const void *p, size_t n);
void srv(struct mt_sasl *s, const void *p, size_t n);

#define CLI(s, lit) cli(s, lit, sizeof(lit) - 1)
#define SRV(s, lit) srv(s, lit, sizeof(lit) - 1)

/* Messages given as base64 text, as the dissectors see them. */
unsigned cli64(struct mt_sasl *s, const char *t);
void srv64(struct mt_sasl *s, const char *t);

/* A complete, untruncated field holding exactly p[0..n). */
int is(const struct mt_sasl_str *f, const void *p, size_t n);

#define IS(f, lit) is(&(f), lit, sizeof(lit) - 1)
#define ABSENT(f) (!(f).present && (f).len == 0)

/* The crackable line is exactly line, in the given format. */
int hash_is(const struct mt_sasl_cred *c, const char *line, const char *format);

/* An NTLM message given in hex, from the server or (flags in *flags) the client. */
void hex_msg(struct mt_sasl *s, const char *hex, int server, unsigned *flags);

/* --- bytes, hex, digests --------------------------------------------------- */

void put32(uint8_t *p, uint32_t v);
void put16(uint8_t *p, uint32_t v);
void to_hex(const uint8_t *p, size_t n, char *out);
/* Hex of n characters into out; returns the bytes, or -1. */
long from_hex(const char *h, size_t n, uint8_t *out);
/* Splits s in place on sep; returns the number of fields. */
int split(char *s, char sep, char **f, int max);

void md5(const void *p, size_t n, uint8_t out[16]);
void md4(const void *p, size_t n, uint8_t out[16]);
void hmac_md5(const void *key, size_t kn, const void *msg, size_t mn, uint8_t out[16]);

/* --- published messages ---------------------------------------------------- */

/* RFC 2831 section 4: the server's digest-challenge. */
#define RFC2831_CHALLENGE                                                                          \
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,"     \
    "charset=utf-8"

/* developers.google.com/gmail/imap/xoauth2-protocol: the access token. */
#define GOOGLE_TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"

/* MS-NLMP 4.2.2.3: NTLMv1 CHALLENGE and AUTHENTICATE messages. */
static const char v1_challenge[] = "4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef"
                                   "00000000000000000000000000000000060070170000000f530065007200760065007200";
static const char v1_authenticate[] =
    "4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000"
    "100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e0055007300"
    "6500720043004f004d0050005500540045005200"
    "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"
    "67c43011f30298a2ad35ece64f16331c44bdbed927841f94"
    "518822b1b3f350c8958682ecbb3e3cb7";

/* MS-NLMP 4.2.4.3: NTLMv2 CHALLENGE and AUTHENTICATE messages. */
static const char v2_challenge[] =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef0000000000000000"
    "2400240044000000060070170000000f53006500720076006500720002000c0044006f006d0061006900"
    "6e0001000c0053006500720076006500720000000000";
static const char v2_authenticate[] =
    "4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000"
    "100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e0055007300"
    "6500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"
    "68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000"
    "02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000"
    "c5dad2544fc9799094ce1ce90bc9d03e";
#endif
