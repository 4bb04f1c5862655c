/* SPDX-License-Identifier: Apache-2.0 */
/* Channels for bare-metal partitions: the generated table and the two hypercalls. */
#include "channel.h"
#include "gicv2.h"

#if HVCFG_CHANNEL_COUNT > 0
static const struct channel channels[HVCFG_CHANNEL_COUNT] = HVCFG_CHANNELS;
#endif

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

const struct channel *channel_find(const char *name)
{
#if HVCFG_CHANNEL_COUNT > 0
    for (uint32_t i = 0; i < HVCFG_CHANNEL_COUNT; i++)
        if (same(channels[i].name, name))
            return &channels[i];
#endif
    (void)same;
    (void)name;
    return 0;
}

int64_t channel_notify_index(uint64_t index)
{
    return smccc_hvc(HVCFG_HC_DOORBELL, index, 0, 0).x0;
}

int64_t channel_notify(const struct channel *ch)
{
    return channel_notify_index(ch->index);
}

int64_t channel_info(uint64_t index, struct channel_state *out)
{
    register uint64_t x0 __asm__("x0") = HVCFG_HC_CHANNEL_INFO;
    register uint64_t x1 __asm__("x1") = index;
    register uint64_t x2 __asm__("x2"), x3 __asm__("x3"), x4 __asm__("x4"), x5 __asm__("x5");
    __asm__ volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "=r"(x2), "=r"(x3), "=r"(x4), "=r"(x5)
                     :
                     : "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
                       "x17", "memory");
    out->generation = (uint32_t)x1;
    out->peer_generation = (uint32_t)x2;
    out->size = x3;
    out->ipa = x4;
    out->flags = (uint32_t)x5;
    return (int64_t)x0;
}

int channel_doorbell_enable(const struct channel *ch)
{
    uint32_t id = ch->doorbell_intid;
    uint64_t mpidr;

    if (!id)
        return 0;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    mmio_write8(D(GICD_IPRIORITYR + id), 0x80);
    mmio_write8(D(GICD_ITARGETSR + id), (uint8_t)(1u << (mpidr & 7)));
    mmio_write32(D(GICD_ISENABLER + 4 * (id / 32)), 1u << (id % 32));
    mmio_write32(D(GICD_CTLR), 1);
    return 1;
}
