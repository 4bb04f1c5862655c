/* SPDX-License-Identifier: Apache-2.0 */
/* Guest buffers: every address a guest passes is checked against its own RAM before use. */
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/lib.h"
#include "hv/partition.h"

int hv_guest_read(uint64_t ipa, void *dst, uint64_t len)
{
    const struct hv_partition *p = hv_current_partition_config();

    for (uint32_t i = 0; i < p->nram; i++) {
        const struct hv_region *r = &p->ram[i];
        /* Written so that no sum can overflow: ipa - r->ipa only when ipa >= r->ipa. */
        if (r->readable && ipa >= r->ipa && ipa - r->ipa <= r->size &&
            len <= r->size - (ipa - r->ipa)) {
            memcpy(dst, (const void *)(r->pa + (ipa - r->ipa)), len);
            return 1;
        }
    }
    return 0;
}
