/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4): padding and the portable block function. Plain C with no hypervisor or
 * architecture dependency, so that tests/test_sha256.py can compile it for the host and check
 * it against Python's hashlib: it is what boards without the SHA-256 instructions run (the
 * Raspberry Pi 4's Cortex-A72), which no QEMU CPU model exercises. hv_sha256_best() (in
 * aarch64/sha256_select.c) picks the block function for this CPU.
 */
#include "hv/lib.h"
#include "hv/sha256.h"

const uint32_t hv_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

#define S0(a)        (ror((a), 2) ^ ror((a), 13) ^ ror((a), 22))
#define S1(e)        (ror((e), 6) ^ ror((e), 11) ^ ror((e), 25))
#define SIG0(x)      (ror((x), 7) ^ ror((x), 18) ^ ((x) >> 3))
#define SIG1(x)      (ror((x), 17) ^ ror((x), 19) ^ ((x) >> 10))
#define CH(e, f, g)  ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* Big-endian word i of a block. The hypervisor is built with -mstrict-align: a plain load is
 * used only when the caller said the block is 4-byte aligned (blobs are page aligned). */
static inline uint32_t word_be(const uint8_t *block, int i, int aligned)
{
    if (aligned) {
        uint32_t v;
        __builtin_memcpy(&v, __builtin_assume_aligned(block + 4 * i, 4), 4);
        return __builtin_bswap32(v);
    }
    return (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
           (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
}

/* One round; the caller rotates the names instead of moving eight values per round. W[] is a
 * 16-word ring: from round 16 on, W[i & 15] is replaced by the scheduled word as it is used. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                                   \
    do {                                                                                   \
        if ((i) >= 16)                                                                     \
            w[(i)&15] += SIG1(w[((i)-2) & 15]) + w[((i)-7) & 15] + SIG0(w[((i)-15) & 15]); \
        uint32_t t1 = (h) + S1(e) + CH(e, f, g) + hv_sha256_k[i] + w[(i)&15];              \
        (d) += t1;                                                                         \
        (h) = t1 + S0(a) + MAJ(a, b, c);                                                   \
    } while (0)

#define ROUNDS8(i)                              \
    do {                                        \
        ROUND(a, b, c, d, e, f, g, h, (i) + 0); \
        ROUND(h, a, b, c, d, e, f, g, (i) + 1); \
        ROUND(g, h, a, b, c, d, e, f, (i) + 2); \
        ROUND(f, g, h, a, b, c, d, e, (i) + 3); \
        ROUND(e, f, g, h, a, b, c, d, (i) + 4); \
        ROUND(d, e, f, g, h, a, b, c, (i) + 5); \
        ROUND(c, d, e, f, g, h, a, b, (i) + 6); \
        ROUND(b, c, d, e, f, g, h, a, (i) + 7); \
    } while (0)

static inline void compress(uint32_t state[8], const uint8_t *block, int aligned)
{
    uint32_t w[16];

    for (int i = 0; i < 16; i++)
        w[i] = word_be(block, i, aligned);
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    ROUNDS8(0);
    ROUNDS8(8);
    ROUNDS8(16);
    ROUNDS8(24);
    ROUNDS8(32);
    ROUNDS8(40);
    ROUNDS8(48);
    ROUNDS8(56);
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

void hv_sha256_blocks_generic(uint32_t state[8], const uint8_t *data, size_t blocks)
{
    int aligned = ((uintptr_t)data & 3) == 0;

    /* Two calls with constant `aligned` so that each inlined copy has one kind of load. */
    for (; blocks; blocks--, data += 64) {
        if (aligned)
            compress(state, data, 1);
        else
            compress(state, data, 0);
    }
}

void hv_sha256_digest(hv_sha256_blocks_fn blocks, const void *data, size_t len,
                      uint8_t digest[SHA256_DIGEST])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const uint8_t *p = data;
    size_t left = len;
    uint8_t tail[128] __attribute__((aligned(16)));

    blocks(h, p, left / 64);
    p += left / 64 * 64;
    left %= 64;
    /* Padding: 0x80, zeros, then the length in bits, big endian, in one or two blocks. */
    memset(tail, 0, sizeof(tail));
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t nblocks = left + 9 > 64 ? 2 : 1;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[nblocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(h, tail, nblocks);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(h[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
        digest[4 * i + 3] = (uint8_t)h[i];
    }
}
