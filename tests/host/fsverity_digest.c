/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness for tests/test_fsverity.py: the fs-verity digest of a file with the
 * hypervisor's code (hyp/core/fsverity.c, portable SHA-256), its spans hashed last to first as
 * CPUs sharing the work may finish them, each from its own copy (the sanitizers see any read
 * beyond a span). Prints the digest in hex, as `fsverity digest` does after `sha256:`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/fsverity.h"
#include "read_all.h"

int main(int argc, char **argv)
{
    size_t len;
    unsigned char *buf = argc == 2 ? read_all(argv[1], 0, &len) : NULL;
    if (!buf)
        return 2;
    uint64_t size = len, n = hv_fsv_nodes(size);
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
