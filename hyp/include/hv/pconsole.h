/* Partition console output: whole lines "[<partition>] text" on the hypervisor console. */
#ifndef HV_PCONSOLE_H
#define HV_PCONSOLE_H

#include <stdint.h>

/* Add bytes of a partition's output; complete lines are printed, partial ones wait in the
 * partition's own buffer so that two partitions never share a line. */
void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len);

#endif
