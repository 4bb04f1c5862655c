/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load phase (core/load.c): scrubbing partitions' RAM, copying their pristine blobs into
 * it and hashing them (fs-verity), in units that every CPU taking part claims one at a time.
 */
#ifndef HV_LOAD_H
#define HV_LOAD_H

#include <stdint.h>

/* Boot, on the boot CPU before any other CPU starts: open the load of every partition. */
void hv_load_open_boot(void);
/* Boot: take part in it (the secondaries, as they come up), until no unit is left. */
void hv_load_help_boot(void);
/* Boot CPU: take part, wait for the others' last units, log the phase's times. */
void hv_load_finish_boot(void);

/* Restart of partition idx, on its stop owner: scrub, copy and hash with the partition's
 * other CPUs (idle, kicked), none else. Returns when every unit is done. */
void hv_load_partition(uint32_t idx);
/* An idle CPU of partition idx takes part in its restart's load, if one is open. */
void hv_load_help(uint32_t idx);

/* After a load: the fs-verity digest of each blob of partition idx, compared with the one
 * recorded at build time; logged (`verbose`) or only on a mismatch. 0 if any differs. */
int hv_load_verify(uint32_t idx, int verbose);

#endif
