/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness for tests/test_sha256.py: the digest of a file with the hypervisor's portable
 * SHA-256 (hyp/core/sha256.c), the data placed at a given misalignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/sha256.h"
#include "read_all.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    size_t offset = (size_t)atoi(argv[2]), len;
    unsigned char *buf = read_all(argv[1], offset, &len);
    if (!buf)
        return 2;
    uint8_t digest[SHA256_DIGEST];
    hv_sha256_digest(hv_sha256_blocks_generic, buf + offset, len, digest);
    for (int i = 0; i < SHA256_DIGEST; i++)
        printf("%02x", digest[i]);
    printf("\n");
    free(buf);
    return 0;
}
