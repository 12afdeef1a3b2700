/* The key log the fuzz targets use: secrets for the client random of all
 * zeros, TLS 1.3 (handshake and traffic secrets, SHA-256 sized) and TLS 1.2
 * (a master secret), so that a ClientHello made with it reaches key
 * derivation and record opening. */
#ifndef MAILTAP_FUZZ_KEYS_H
#define MAILTAP_FUZZ_KEYS_H

#define FUZZ_ZERO_RANDOM "0000000000000000000000000000000000000000000000000000000000000000"

#define FUZZ_TLS13_KEYS                                                                        \
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " FUZZ_ZERO_RANDOM                                           \
    " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"                        \
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " FUZZ_ZERO_RANDOM                                           \
    " 101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f\n"                        \
    "CLIENT_TRAFFIC_SECRET_0 " FUZZ_ZERO_RANDOM                                                   \
    " 202122232425262728292a2b2c2d2e2f000102030405060708090a0b0c0d0e0f\n"                        \
    "SERVER_TRAFFIC_SECRET_0 " FUZZ_ZERO_RANDOM                                                   \
    " 303132333435363738393a3b3c3d3e3f000102030405060708090a0b0c0d0e0f\n"

#define FUZZ_TLS12_KEYS                                                                        \
    "CLIENT_RANDOM " FUZZ_ZERO_RANDOM                                                             \
    " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"                          \
    "202122232425262728292a2b2c2d2e2f\n"

#endif
