/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash, so that a crafted
 * capture or key log cannot aim every entry at one hash bucket. */
#ifndef MAILTAP_SIPHASH_H
#define MAILTAP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t mt_siphash(const uint8_t key[16], const void *data, size_t len);

/* A random key for a hash table (getrandom; without entropy, one made from
 * the time and an address, which still spreads ordinary input). */
void mt_siphash_random_key(uint8_t key[16]);

#endif
