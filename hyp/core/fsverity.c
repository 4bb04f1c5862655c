/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fs-verity file digest (Linux, Documentation/filesystems/fsverity.rst): SHA-256 of the
 * fsverity_descriptor whose root hash is that of the Merkle tree of the file's 4 KiB blocks.
 * Plain C with no hypervisor dependency, like core/sha256.c: tests/test_fsverity.py compiles
 * it for the host and compares it with `fsverity digest` and compiler/hvcfg/fsverity.py.
 */
#include "hv/fsverity.h"
#include "hv/lib.h"

/* The hash of one tree or data block: `len` <= FSV_BLOCK bytes, zero padded to a block. A
 * short block is padded in `pad` (one block); a whole one is hashed where it is. */
static void hash_block(hv_sha256_blocks_fn blocks, const uint8_t *data, uint64_t len, uint8_t *pad,
                       uint8_t out[SHA256_DIGEST])
{
    if (len < FSV_BLOCK) {
        memcpy(pad, data, len);
        memset(pad + len, 0, FSV_BLOCK - len);
        data = pad;
    }
    hv_sha256_digest(blocks, data, FSV_BLOCK, out);
}

void hv_fsv_span(hv_sha256_blocks_fn blocks, const uint8_t *data, uint64_t len, uint64_t size,
                 uint8_t *scratch, uint8_t node[SHA256_DIGEST])
{
    uint8_t *leaves = scratch, *pad = scratch + FSV_BLOCK;
    uint64_t n = 0;

    for (uint64_t off = 0; off < len; off += FSV_BLOCK, n++) {
        uint64_t chunk = len - off < FSV_BLOCK ? len - off : FSV_BLOCK;
        hash_block(blocks, data + off, chunk, pad, leaves + n * SHA256_DIGEST);
    }
    if (size <= FSV_BLOCK)
        memcpy(node, leaves, SHA256_DIGEST);    /* one block: its hash is the root */
    else
        hash_block(blocks, leaves, n * SHA256_DIGEST, pad, node);
}

/* struct fsverity_descriptor, 256 bytes, little endian. */
#define DESC_SIZE      256
#define DESC_DATA_SIZE 8
#define DESC_ROOT_HASH 16

void hv_fsv_digest_from_nodes(hv_sha256_blocks_fn blocks, uint8_t *nodes, uint64_t size,
                              uint8_t *scratch, uint8_t digest[SHA256_DIGEST])
{
    uint8_t desc[DESC_SIZE];
    uint64_t n = hv_fsv_nodes(size);

    memset(desc, 0, sizeof(desc));
    /* Each level above hashes groups of 128 of the level below. Node i of the new level is
     * written after group i (at 128 * i >= i) has been read: in place is safe. */
    while (n > 1) {
        uint64_t m = 0;
        for (uint64_t i = 0; i < n; i += FSV_ARITY, m++) {
            uint64_t k = n - i < FSV_ARITY ? n - i : FSV_ARITY;
            hash_block(blocks, nodes + i * SHA256_DIGEST, k * SHA256_DIGEST, scratch,
                       nodes + m * SHA256_DIGEST);
        }
        n = m;
    }
    desc[0] = 1;                    /* version */
    desc[1] = 1;                    /* hash_algorithm: FS_VERITY_HASH_ALG_SHA256 */
    desc[2] = 12;                   /* log_blocksize: 4096 */
    for (int i = 0; i < 8; i++)     /* salt_size 0, reserved 0; data_size */
        desc[DESC_DATA_SIZE + i] = (uint8_t)(size >> (8 * i));
    if (n)                          /* an empty file's root hash is all zeros */
        memcpy(desc + DESC_ROOT_HASH, nodes, SHA256_DIGEST);
    hv_sha256_digest(blocks, desc, sizeof(desc), digest);
}
