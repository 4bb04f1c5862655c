/* SHA-256 (FIPS 180-4), for measuring partition images before they run. */
#ifndef HV_SHA256_H
#define HV_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32

void hv_sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST]);

#endif
