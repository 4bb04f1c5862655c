/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console input: bytes typed on the hypervisor's UART go to the partition that has the focus.
 * HV_FOCUS_KEY (Ctrl-]) three times in a row moves the focus to the next partition with a
 * virtual UART (as Xen's console does with Ctrl-a, which QEMU's own stdio mux takes); the
 * hypervisor says which one has it. The hypervisor always drains the UART, whatever the
 * guests do, so it always sees the switch sequence: a byte for a guest whose receive FIFO is
 * full is dropped and counted (drivers/vuart.c), never held back.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/pl011.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vuart.h"

/* Input is paced: a pass takes at most DRAIN_MAX bytes, then the UART's interrupt stays masked
 * until the EL2 timer fires INPUT_PACE_US later. So however fast bytes arrive, the boot CPU
 * returns to its own vCPU between passes (without the pause, a new byte arriving during a pass
 * raised the line again and the CPU stayed at EL2 for the whole burst: under QEMU each byte can
 * cost milliseconds). 16 bytes per 500 us is 32 KB/s, above a 115200-baud line (11.5 KB/s)
 * and its 16-byte FIFO fills in 1.4 ms: nothing is lost on hardware. */
#define DRAIN_MAX     16
#define INPUT_PACE_US 500

static const uint32_t with_vuart[] = {HV_VUART_PARTITIONS};
#define NFOCUS (sizeof(with_vuart) / sizeof(with_vuart[0]))

static uint32_t focus;
static uint32_t key_run;
static hv_spinlock_t input_lock;

static void announce(void)
{
    hv_log("console input goes to %s (%s three times to switch)",
           hv_partitions[with_vuart[focus]].name, HV_FOCUS_KEY_NAME);
}

void hv_console_input_init(void)
{
    hv_gic_set_enabled(HV_HTIMER_INTID, 1);         /* banked: the boot CPU's EL2 timer */
    pl011_set_rx_irq(HV_CONSOLE_BASE, 1);
    hv_gic_route(HV_CONSOLE_INTID, hv_cpu_slot());     /* the boot CPU */
    hv_gic_set_enabled(HV_CONSOLE_INTID, 1);
    announce();
}

uint32_t hv_console_input_focus(void)
{
    return with_vuart[__atomic_load_n(&focus, __ATOMIC_RELAXED)];
}

/* The announcement ends the old focus's open line on the terminal (core/console.c); the new
 * one's unfinished line is shown, with its prefix, at its next output. */
static void switch_focus(void)
{
    hv_vuart_report_dropped(with_vuart[focus]);
    __atomic_store_n(&focus, (focus + 1) % NFOCUS, __ATOMIC_RELAXED);
    announce();
}

static void deliver(char c)
{
    if (c == HV_FOCUS_KEY) {
        if (++key_run == 3) {
            key_run = 0;
            switch_focus();
        }
        return;
    }
    /* The key typed fewer than three times is passed on: it may be meant for the guest. */
    for (; key_run; key_run--)
        hv_vuart_receive(with_vuart[focus], HV_FOCUS_KEY);
    hv_vuart_receive(with_vuart[focus], c);
}

void hv_console_input_irq(void)
{
    hv_spin_lock(&input_lock);
    for (int n = 0; n < DRAIN_MAX; n++) {
        int c = pl011_getc(HV_CONSOLE_BASE);
        if (c < 0)
            break;
        deliver((char)c);
    }
    hv_spin_unlock(&input_lock);
    /* the pause: the line may be high again already (more input), it waits for the timer */
    hv_gic_set_enabled(HV_CONSOLE_INTID, 0);
    write_sysreg(cnthp_tval_el2, read_sysreg(cntfrq_el0) / (1000000 / INPUT_PACE_US));
    write_sysreg(cnthp_ctl_el2, 1);                     /* ENABLE, interrupt not masked */
    isb();
}

void hv_console_input_timer(void)
{
    write_sysreg(cnthp_ctl_el2, 0);                     /* off: the line is low again */
    isb();
    hv_gic_set_enabled(HV_CONSOLE_INTID, 1);            /* a waiting byte interrupts at once */
}
