/*
 * GICv2 / GIC-400 at EL2: the distributor and this CPU's interface, used so far for the
 * hypervisor's own kick SGI (stopping or starting a vCPU on another physical CPU).
 */
#include "hv/config.h"
#include "hv/gic.h"
#include "hv/sysreg.h"

#define GICD_CTLR        0x000
#define GICD_ISENABLER   0x100
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00

#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010

#define SGIR_TARGET_LIST_SHIFT 16

/* GIC CPU interface number of each slot's CPU (read from the banked GICD_ITARGETSR0). */
static uint8_t cpu_if_mask[HV_NCPUS];

static inline volatile uint32_t *gicd(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICD_BASE + off);
}

static inline volatile uint32_t *gicc(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICC_BASE + off);
}

void hv_gic_init_distributor(void)
{
    *gicd(GICD_CTLR) = 1;           /* forwarding on (Group 1 when seen from Non-secure) */
}

void hv_gic_init_cpu(uint32_t slot)
{
    cpu_if_mask[slot] = (uint8_t)(*gicd(GICD_ITARGETSR) & 0xff);
    /* Highest priority for the kick SGI, then enable it (banked per CPU). */
    volatile uint8_t *prio = (volatile uint8_t *)gicd(GICD_IPRIORITYR);
    prio[HV_SGI_KICK] = 0x00;
    *gicd(GICD_ISENABLER) = 1u << HV_SGI_KICK;
    *gicc(GICC_PMR) = 0xf0;
    *gicc(GICC_CTLR) = 1;
}

void hv_gic_kick(uint32_t slot)
{
    dsb(ishst);                     /* the mailbox write before the interrupt */
    *gicd(GICD_SGIR) = ((uint32_t)cpu_if_mask[slot] << SGIR_TARGET_LIST_SHIFT) | HV_SGI_KICK;
}

uint32_t hv_gic_ack(void)
{
    return *gicc(GICC_IAR);
}

void hv_gic_eoi(uint32_t iar)
{
    *gicc(GICC_EOIR) = iar;
}
