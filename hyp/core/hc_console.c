/*
 * Console hypercall: a partition without a UART writes text; the hypervisor prints whole lines
 * as "[<partition>] text". Partial lines wait in the partition's own buffer, so two partitions
 * never share a line.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/spinlock.h"

#define LINE 160

struct line_buffer {
    char text[LINE + 1];
    uint32_t len;
};

static struct line_buffer lines[HV_NPARTITIONS];
static hv_spinlock_t lines_lock;

static void flush(const struct hv_partition *p, struct line_buffer *lb)
{
    lb->text[lb->len] = '\0';
    hv_log_prefixed(p->name, "%s", lb->text);
    lb->len = 0;
}

void hv_hc_console_write(struct hv_regs *regs)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = &hv_partitions[idx];
    uint64_t ipa = regs->x[1], len = regs->x[2];
    char buf[HVCFG_CONSOLE_MAX];

    if (len > HVCFG_CONSOLE_MAX || !hv_guest_read(ipa, buf, len)) {
        regs->x[0] = (uint64_t)PSCI_INVALID_PARAMETERS;
        /* With the inject policy the HVC becomes an undefined instruction for the guest. */
        hv_fault(regs, HV_FAULT_KIND_UNDEF,
                 "console hypercall: buffer ipa=0x%lx len=%lu outside its memory or over %u bytes",
                 (unsigned long)ipa, (unsigned long)len, HVCFG_CONSOLE_MAX);
        return;
    }
    struct line_buffer *lb = &lines[idx];
    hv_spin_lock(&lines_lock);
    for (uint64_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') {
            flush(p, lb);
        } else if (c != '\r') {
            /* Printable ASCII only: a guest cannot send escape sequences to the operator. */
            lb->text[lb->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
            if (lb->len == LINE)
                flush(p, lb);
        }
    }
    hv_spin_unlock(&lines_lock);
    regs->x[0] = len;
}
