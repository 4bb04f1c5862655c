/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness for tests/test_sha256.py: the digest of a file with the hypervisor's portable
 * SHA-256 (hyp/core/sha256.c), the data placed at a given misalignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/sha256.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t offset = (size_t)atoi(argv[2]);
    unsigned char *buf = malloc((size_t)len + offset + 1);
    if (!buf || fread(buf + offset, 1, (size_t)len, f) != (size_t)len)
        return 2;
    fclose(f);
    uint8_t digest[SHA256_DIGEST];
    hv_sha256_digest(hv_sha256_blocks_generic, buf + offset, (size_t)len, digest);
    for (int i = 0; i < SHA256_DIGEST; i++)
        printf("%02x", digest[i]);
    printf("\n");
    free(buf);
    return 0;
}
