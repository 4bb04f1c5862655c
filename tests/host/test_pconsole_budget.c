/* SPDX-License-Identifier: Apache-2.0 */
/* A partition's console budget is kept in what its output puts on the wire (core/pconsole.c,
 * hv/pconsole.h). Red team 8: the "[name] " prefix was not charged, so short lines of a long
 * name put 55% more on the UART than the units said; and the "lines suppressed" summaries were
 * free, so a partition alternating a refused and an accepted line printed one summary with
 * every unit refilled. Both are measured here in bytes on the wire over simulated time. */
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#include "../../hyp/core/console.c"
#include "../../hyp/core/linedisc.c"
#include "../../hyp/core/pconsole.c"

#define LONG_NAME "partition-with-a-31-char-name-x" /* the schema's longest */
_Static_assert(sizeof(LONG_NAME) == 32, "31 characters");

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {{.name = LONG_NAME}, {.name = "bm"}};

#define FREQ 1000000u
static uint64_t wire;                   /* bytes the console put out */

void pl011_putc(uintptr_t base, char c)
{
    wire++;
}
void pl011_init(uintptr_t base, uint32_t clock, uint32_t baud)
{
}

uint32_t hv_console_input_focus(void)
{
    return 1;                           /* the other one: partition 0's lines go out whole */
}

static void line(size_t len)
{
    char text[HV_LD_LINE + 1];

    memset(text, 'x', len);
    text[len] = '\n';
    hv_pconsole_write(0, text, len + 1);
}

/* The most the budget lets out in `seconds` from a full bucket, in bytes: each unit is at most
 * HV_PCONSOLE_CHARS bytes on the wire (+ the CR LF's rounding of one line, and the open
 * line's charge past the burst). */
static uint64_t allowed(uint64_t seconds)
{
    return (uint64_t)(HV_PCONSOLE_BURST + HV_PCONSOLE_PER_SECOND * seconds + 16) *
           HV_PCONSOLE_CHARS;
}

TEST(short_lines_of_a_long_name_are_charged_for_their_prefix)
{
    host_sysreg.cntfrq_el0 = FREQ;
    host_sysreg.cntpct_el0 = 1;
    memset(pcons, 0, sizeof(pcons));
    wire = 0;
    for (int i = 0; i < 4 * HV_PCONSOLE_BURST; i++)
        line(HV_PCONSOLE_CHARS - 1);    /* one unit of text, two with "[name] " and CR LF */
    CHECK(wire <= allowed(0));
    CHECK(wire > allowed(0) / 2);       /* the burst itself went out */
    CHECK(lock_errors == 0);
}

TEST(summaries_are_charged_too)
{
    host_sysreg.cntfrq_el0 = FREQ;
    host_sysreg.cntpct_el0 = 1;
    memset(pcons, 0, sizeof(pcons));
    for (int i = 0; i < 2 * HV_PCONSOLE_BURST; i++)
        line(HV_PCONSOLE_CHARS - 1);    /* the burst spent */
    wire = 0;
    /* The bucket kept at 2-3 units of room, where a summary is due at once ("quiet": room for
     * two), for 60 s: each time a unit's worth of time has passed, a 200-character line (4
     * units: refused) and a short one (1 unit: taken, and the summary of the refused one with
     * it). (A 240-character line and its newline would be two lines: the cut, then an empty
     * one.) */
    const uint64_t seconds = 60, step = FREQ / HV_PCONSOLE_PER_SECOND;
    host_sysreg.cntpct_el0 += 2 * step;
    for (uint64_t t = 0; t < seconds * FREQ; t += step) {
        host_sysreg.cntpct_el0 += step;
        line(200);
        line(1);
    }
    CHECK(wire <= (uint64_t)HV_PCONSOLE_PER_SECOND * seconds * HV_PCONSOLE_CHARS +
                      (uint64_t)(HV_PCONSOLE_BURST + 16) * HV_PCONSOLE_CHARS);
    CHECK(lock_errors == 0);
}
