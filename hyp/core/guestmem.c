/* SPDX-License-Identifier: Apache-2.0 */
/* Guest buffers: every address a guest passes is checked against its own RAM before use, and
 * read under the cache rule (docs/architecture.md): the guest may have written it uncached. */
#include "hv/cache.h"
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/lib.h"
#include "hv/partition.h"

int hv_guest_executable(const struct hv_partition *p, uint64_t ipa)
{
    for (uint32_t i = 0; i < p->nram; i++) {
        const struct hv_region *r = &p->ram[i];
        if (ipa >= r->ipa && ipa - r->ipa < r->size && r->executable)
            return 1;
    }
    return 0;
}

int hv_guest_read(uint64_t ipa, void *dst, uint64_t len)
{
    const struct hv_partition *p = hv_current_partition_config();

    for (uint32_t i = 0; i < p->nram; i++) {
        const struct hv_region *r = &p->ram[i];
        /* Written so that no sum can overflow: ipa - r->ipa only when ipa >= r->ipa. */
        if (r->readable && ipa >= r->ipa && ipa - r->ipa <= r->size &&
            len <= r->size - (ipa - r->ipa)) {
            uintptr_t pa = (uintptr_t)(r->pa + (ipa - r->ipa));
            hv_dcache_clean_inval_range(pa, len);   /* validated first: only its own RAM */
            memcpy(dst, (const void *)pa, len);
            return 1;
        }
    }
    return 0;
}
