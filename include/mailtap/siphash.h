/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash, so that a crafted
 * capture cannot aim every flow at one hash bucket. */
#ifndef MAILTAP_SIPHASH_H
#define MAILTAP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t mt_siphash(const uint8_t key[16], const void *data, size_t len);

#endif
