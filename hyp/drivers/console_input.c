/*
 * Console input: bytes typed on the hypervisor's UART go to the partition that has the focus.
 * Ctrl-a three times in a row moves the focus to the next partition with a virtual UART (as
 * Xen's console does); the hypervisor says which one has it. Nothing typed is lost: when the
 * focused guest's receive FIFO is full, the hypervisor stops reading its UART (masking the
 * receive interrupt) until the guest has read some, and the UART holds the rest.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/pl011.h"
#include "hv/spinlock.h"
#include "hv/vcpu.h"
#include "hv/vuart.h"

#define CTRL_A 0x01

static const uint32_t with_vuart[] = { HV_VUART_PARTITIONS };
#define NFOCUS (sizeof(with_vuart) / sizeof(with_vuart[0]))

static uint32_t focus;
static uint32_t ctrl_a_run;
static int held = -1;               /* a byte read but not yet taken by the guest */
static hv_spinlock_t input_lock;

static void announce(void)
{
    hv_log("console input goes to %s (Ctrl-a three times to switch)",
           hv_partitions[with_vuart[focus]].name);
}

void hv_console_input_init(void)
{
    pl011_set_rx_irq(HV_CONSOLE_BASE, 1);
    hv_gic_route(HV_CONSOLE_INTID, hv_cpu_slot());     /* the boot CPU */
    hv_gic_set_enabled(HV_CONSOLE_INTID, 1);
    announce();
}

/* Pass a byte on; 0 when the focused guest cannot take it now. */
static int deliver(int c)
{
    if (c == CTRL_A) {
        if (++ctrl_a_run == 3) {
            ctrl_a_run = 0;
            focus = (focus + 1) % NFOCUS;
            announce();
        }
        return 1;
    }
    /* Ctrl-a typed fewer than three times is passed on: it may be meant for the guest. */
    for (; ctrl_a_run; ctrl_a_run--)
        hv_vuart_receive(with_vuart[focus], CTRL_A);
    return hv_vuart_receive(with_vuart[focus], (char)c);
}

static void pump(void)
{
    for (;;) {
        int c = held >= 0 ? held : pl011_getc(HV_CONSOLE_BASE);
        if (c < 0)
            break;
        if (!deliver(c)) {
            held = c;
            pl011_set_rx_irq(HV_CONSOLE_BASE, 0);     /* resumed when the guest reads */
            return;
        }
        held = -1;
    }
    pl011_set_rx_irq(HV_CONSOLE_BASE, 1);
}

void hv_console_input_irq(void)
{
    hv_spin_lock(&input_lock);
    pump();
    hv_spin_unlock(&input_lock);
}

void hv_console_input_resume(void)
{
    hv_spin_lock(&input_lock);
    if (held >= 0)
        pump();
    hv_spin_unlock(&input_lock);
}
