/* SPDX-License-Identifier: Apache-2.0 */
/* The focused partition's open line against a focus switch (core/pconsole.c, core/console.c,
 * drivers/console_input.c): pconsole looks at the focus without the console lock, so a switch
 * and its announcement (which ends the open line under that lock) can come between its look and
 * hv_console_show. The partition that lost the focus then reopened its line after the
 * announcement, as if it still had the focus. hv_console_show looks again under the lock. */
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#include "../../hyp/core/console.c"
#include "../../hyp/core/linedisc.c"
#include "../../hyp/core/pconsole.c"

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {{.name = "lin"}, {.name = "bm"}};

static char out[4096];
static size_t nout;

void pl011_putc(uintptr_t base, char c)
{
    if (nout + 1 < sizeof(out))
        out[nout++] = c;
}
void pl011_init(uintptr_t base, uint32_t clock, uint32_t baud)
{
}

/* The focus; `switch_after_look`: the next look (pconsole's, outside the console lock) still
 * sees the old focus, and the switch and its announcement happen right after it. */
static uint32_t focus;
static int switch_after_look;

uint32_t hv_console_input_focus(void)
{
    uint32_t seen = focus;

    if (switch_after_look) {
        switch_after_look = 0;
        focus = !focus;
        hv_log("console input goes to %s", hv_partitions[focus].name);
    }
    return seen;
}

TEST(a_partition_that_lost_the_focus_does_not_reopen_its_line)
{
    host_sysreg.cntfrq_el0 = 1000000;
    host_sysreg.cntpct_el0 = 1;
    focus = 0;
    hv_pconsole_write(0, "login: ", 7);             /* focused: shown as the open line */
    CHECK(strstr(out, "[lin] login: ") != NULL);
    switch_after_look = 1;
    hv_pconsole_write(0, "x", 1);                   /* looked, then lost the focus */
    out[nout] = '\0';
    const char *ann = strstr(out, "[hyp] console input goes to bm\r\n");
    CHECK(ann != NULL);
    EXPECT_EQ(strlen(ann), strlen("[hyp] console input goes to bm\r\n")); /* nothing after it */
    /* its line comes out whole when finished, as any unfocused partition's */
    hv_pconsole_write(0, "\n", 1);
    out[nout] = '\0';
    CHECK(strstr(out, "[lin] login: x\r\n") != NULL);
    CHECK(lock_errors == 0);
}
