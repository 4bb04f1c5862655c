/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fs-verity file digest (SHA-256, 4 KiB blocks, no salt): what `fsverity digest FILE`
 * prints. Cut for hashing on several CPUs: a file is a run of spans of 128 blocks, each span's
 * level-1 node (the hash of its 128 leaf hashes) is independent of the others; one CPU then
 * combines the nodes into the root and the root into the digest.
 */
#ifndef HV_FSVERITY_H
#define HV_FSVERITY_H

#include <stddef.h>
#include <stdint.h>

#include "hv/sha256.h"

#define FSV_BLOCK 4096u
#define FSV_ARITY (FSV_BLOCK / SHA256_DIGEST)           /* hashes in a tree block: 128 */
#define FSV_SPAN  ((uint64_t)FSV_BLOCK * FSV_ARITY)     /* data under one level-1 node: 512 KiB */

/* Level-1 nodes of a file of `size` bytes (0 for an empty file). */
static inline uint64_t hv_fsv_nodes(uint64_t size)
{
    return (size + FSV_SPAN - 1) / FSV_SPAN;
}

/* The node of one span: data[0..len) is the file's bytes from offset (span index) * FSV_SPAN,
 * len <= FSV_SPAN, `size` the whole file's (a file of one block has its leaf hash as root, so
 * that is what its only node holds). `scratch`: two tree blocks, 2 * FSV_BLOCK bytes. */
void hv_fsv_span(hv_sha256_blocks_fn blocks, const uint8_t *data, uint64_t len, uint64_t size,
                 uint8_t *scratch, uint8_t node[SHA256_DIGEST]);
/* The digest from the file's level-1 nodes (hv_fsv_nodes(size) of them, overwritten: the
 * levels above are built in place). `scratch`: one tree block. */
void hv_fsv_digest_from_nodes(hv_sha256_blocks_fn blocks, uint8_t *nodes, uint64_t size,
                              uint8_t *scratch, uint8_t digest[SHA256_DIGEST]);

#endif
