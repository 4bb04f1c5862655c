/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness for tests/test_fsverity.py: the fs-verity digest of a file with the
 * hypervisor's code (hyp/core/fsverity.c, portable SHA-256), its spans hashed last to first as
 * CPUs sharing the work may finish them, each from its own copy (the sanitizers see any read
 * beyond a span). Prints the digest in hex, as `fsverity digest` does after `sha256:`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/fsverity.h"

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        return 2;
    fclose(f);
    uint64_t size = (uint64_t)len, n = hv_fsv_nodes(size);
    uint8_t *nodes = malloc(n * SHA256_DIGEST + 1);
    uint8_t *scratch = malloc(2 * FSV_BLOCK);
    if (!nodes || !scratch)
        return 2;
    for (uint64_t i = n; i-- > 0;) {
        uint64_t off = i * FSV_SPAN, part = size - off < FSV_SPAN ? size - off : FSV_SPAN;
        uint8_t *span = malloc(part);
        if (!span)
            return 2;
        memcpy(span, buf + off, part);
        hv_fsv_span(hv_sha256_blocks_generic, span, part, size, scratch, nodes + i * SHA256_DIGEST);
        free(span);
    }
    uint8_t digest[SHA256_DIGEST];
    hv_fsv_digest_from_nodes(hv_sha256_blocks_generic, nodes, size, scratch, digest);
    for (int i = 0; i < SHA256_DIGEST; i++)
        printf("%02x", digest[i]);
    printf("\n");
    free(nodes);
    free(scratch);
    free(buf);
    return 0;
}
