/* Cache maintenance by VA (EL2 mappings are identity, so VA == PA). */
#ifndef HV_CACHE_H
#define HV_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Clean to the point of coherency: a guest starting with its MMU off reads memory, not cache. */
void hv_dcache_clean_range(uintptr_t start, size_t len);
void hv_icache_inval_all(void);

#endif
