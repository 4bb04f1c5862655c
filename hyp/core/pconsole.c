/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Partition console output, for the console hypercall and the virtual UART alike: each
 * partition's bytes go through its line discipline (core/linedisc.c: the line as a terminal
 * would show it; escape sequences interpreted or dropped, never passed). A finished line goes
 * out whole, prefixed with the partition's name; the partition that has the input focus has
 * its unfinished line shown at once (a prompt, an echo), as the terminal's open line, which any
 * other line ends first and which it continues, with its prefix again, at its next output.
 *
 * Two locks. The partition's own lock is taken only by its own CPUs (and its reset), for one
 * call (at most HV_HC_CONSOLE_MAX bytes); printing under it means a partition has at most one
 * line or update waiting for the console lock however many vCPUs it floods from. The console
 * lock is taken for one finished line or one update of the open line at a time. Output is
 * charged to the partition's budget: a whole line before it reaches the console lock (over
 * budget: counted and dropped), an update of the open line by the bytes it wrote (one unit per
 * HV_PCONSOLE_CHARS), and none is written while the budget has no room.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/lib.h"
#include "hv/linedisc.h"
#include "hv/pconsole.h"
#include "hv/ratelimit.h"
#include "hv/spinlock.h"
#include "hv/vuart.h"

struct pconsole {
    hv_spinlock_t lock;
    struct hv_ld ld;
    uint32_t live;                  /* bytes of open-line updates not charged yet */
    struct hv_ratelimit budget;
};

static struct pconsole pcons[HV_NPARTITIONS];

/* A summary's characters besides the name: "[hyp] ", ": ", 10 digits, " lines suppressed", CR LF.
 */
#define SUMMARY_CHARS (6 + 2 + 10 + 17 + 2)

/* The units of a line of `len` characters as the console puts it out: "[name] ", the text and
 * CR LF. Charging the prefix too keeps the rate a bound on the UART's time whatever the name's
 * length (red team 8: short lines of a 31-character name put 55% more on the wire). */
static uint32_t line_units(uint32_t partition, size_t len)
{
    return HV_PCONSOLE_UNITS(strlen(hv_partitions[partition].name) + 3 + len + 2);
}

/* The count of refused lines, if one is due now; its summary line is the partition's output
 * too and is charged like it, so that alternating refused and accepted lines cannot print
 * summaries for free (red team 8). Call with the lock held. */
static void report_suppressed(uint32_t partition, struct pconsole *pc)
{
    uint32_t n = hv_ratelimit_summary(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST, 0);

    if (!n)
        return;
    hv_ratelimit_charge(&pc->budget, HV_PCONSOLE_PER_SECOND,
                        HV_PCONSOLE_UNITS(strlen(hv_partitions[partition].name) + SUMMARY_CHARS));
    hv_log_suppressed(partition, n, "lines");
}

#ifdef HV_HAS_VUART
static int focused(uint32_t partition)
{
    return hv_console_input_focus() == partition;
}

/* `bytes` written for the open line (and `lines` finished): charged even past the budget,
 * since they are out; what follows waits for them. */
static void charge(struct pconsole *pc, size_t bytes, uint32_t lines)
{
    pc->live += (uint32_t)bytes;
    uint32_t units = pc->live / HV_PCONSOLE_CHARS + lines;
    pc->live %= HV_PCONSOLE_CHARS;
    if (units)
        hv_ratelimit_charge(&pc->budget, HV_PCONSOLE_PER_SECOND, units);
}
#endif

/* The line is finished: complete it on the terminal if it is open there, else print it whole
 * if the budget lets it go out (counted and dropped if not). Call with the lock held. */
static void finish_line(uint32_t partition, struct pconsole *pc)
{
    const struct hv_ld *ld = &pc->ld;
    int was_open = 0;

#ifdef HV_HAS_VUART
    size_t n = hv_console_finish(partition, ld, &was_open);
    if (was_open) {
        charge(pc, n, 1);
        report_suppressed(partition, pc);
    }
#endif
    if (!was_open && hv_ratelimit_take(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST,
                                       line_units(partition, ld->len))) {
        char line[HV_LD_LINE + 1];
        memcpy(line, ld->text, ld->len);
        line[ld->len] = '\0';
        report_suppressed(partition, pc);
        hv_console_line(hv_partitions[partition].name, line);
    }
    hv_ld_next_line(&pc->ld);
}

void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len)
{
    struct pconsole *pc = &pcons[partition];
    int changed = 0;

    hv_spin_lock(&pc->lock);
    for (uint64_t i = 0; i < len; i++) {
        enum hv_ld_event ev = hv_ld_feed(&pc->ld, buf[i]);
        if (ev == HV_LD_DONE) {
            finish_line(partition, pc);
            changed = 0;
        } else if (ev == HV_LD_CHANGED) {
            changed = 1;
        }
    }
#ifdef HV_HAS_VUART
    /* Shown once per call, after all its bytes: a console call's text in one update. Only the
     * focus's (a cheap look here, so that the others never wait for the console lock;
     * hv_console_show looks again under it, after any switch's announcement). */
    if (changed && focused(partition) &&
        hv_ratelimit_room(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST))
        charge(pc, hv_console_show(partition, &pc->ld), 0);
#else
    (void)changed;
#endif
    hv_spin_unlock(&pc->lock);
}

void hv_pconsole_reset(uint32_t partition)
{
    struct pconsole *pc = &pcons[partition];

    hv_spin_lock(&pc->lock);
    memset(&pc->ld, 0, sizeof(pc->ld));     /* its line and any sequence left open */
    pc->live = 0;
#ifdef HV_HAS_VUART
    hv_console_forget(partition);
#endif
    uint32_t suppressed =
        hv_ratelimit_summary(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST, 1);
    hv_spin_unlock(&pc->lock);
    hv_log_suppressed(partition, suppressed, "lines");
    hv_log_event_reset(partition);
}
