/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Partition console output, for the console hypercall and the virtual UART alike: each
 * partition has a line buffer; only whole lines reach the hypervisor console, prefixed with
 * the partition's name. Non-printable bytes become '?': a guest cannot send escape sequences
 * to the operator's terminal.
 *
 * Two locks. The partition's own lock is taken only by its own CPUs (and its reset), for one
 * call (at most HV_HC_CONSOLE_MAX bytes); printing under it means a partition has at most one
 * line waiting for the console lock however many vCPUs it floods from. The console lock is
 * taken for one finished line at a time. Each line is charged to the partition's output
 * budget first; a line over budget is counted and dropped without touching the console lock.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/lib.h"
#include "hv/pconsole.h"
#include "hv/ratelimit.h"
#include "hv/spinlock.h"

#define LINE 240

struct pconsole {
    hv_spinlock_t lock;
    char text[LINE];
    uint32_t len;
    struct hv_ratelimit budget;
};

static struct pconsole pcons[HV_NPARTITIONS];

/* The partial line is complete: copy it to `out` if the budget lets it go out, else drop it;
 * *suppressed: the count to report before it. Call with the lock held. */
static int finish_line(struct pconsole *pc, char *out, uint32_t *suppressed)
{
    int allowed = hv_ratelimit_take(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST,
                                    HV_PCONSOLE_UNITS(pc->len));

    if (allowed) {
        memcpy(out, pc->text, pc->len);
        out[pc->len] = '\0';
        *suppressed =
            hv_ratelimit_summary(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST, 0);
    }
    pc->len = 0;
    return allowed;
}

void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len)
{
    struct pconsole *pc = &pcons[partition];
    char line[LINE + 1];
    uint32_t suppressed;

    hv_spin_lock(&pc->lock);
    for (uint64_t i = 0; i < len; i++) {
        char c = buf[i];
        int ready = 0;
        if (c == '\n') {
            ready = finish_line(pc, line, &suppressed);
        } else if (c != '\r') {
            pc->text[pc->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
            if (pc->len == LINE)
                ready = finish_line(pc, line, &suppressed);
        }
        if (ready) {
            hv_log_suppressed(partition, suppressed, "lines");
            hv_console_line(hv_partitions[partition].name, line);
        }
    }
    hv_spin_unlock(&pc->lock);
}

void hv_pconsole_reset(uint32_t partition)
{
    struct pconsole *pc = &pcons[partition];

    hv_spin_lock(&pc->lock);
    pc->len = 0;
    uint32_t suppressed =
        hv_ratelimit_summary(&pc->budget, HV_PCONSOLE_PER_SECOND, HV_PCONSOLE_BURST, 1);
    hv_spin_unlock(&pc->lock);
    hv_log_suppressed(partition, suppressed, "lines");
    hv_log_event_reset(partition);
}
