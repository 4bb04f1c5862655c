/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz: a randomized hostile partition. From a seed it makes random hypercalls, memory
 * accesses to every page that matters, system-register accesses across the encodings, PSCI
 * sequences on all its vCPUs and vGIC writes, for a bounded virtual time; the hypervisor must
 * survive all of it without delaying its neighbour (docs/testing-attacks.md).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "../lib/guest.h"

#ifndef SEED
#define SEED 1
#endif
#ifndef FUZZ_MS                     /* virtual time, from machine start, to stop at */
#define FUZZ_MS 400
#endif
#ifndef FUZZ_ITERS                  /* actions per vCPU per incarnation, at most */
#define FUZZ_ITERS 200000
#endif
#ifndef FUZZ_TRACE                  /* 1: print every action before doing it */
#define FUZZ_TRACE 0
#endif
#ifndef FUZZ_RESET_PERMILLE         /* chance of a SYSTEM_RESET among PSCI actions */
#define FUZZ_RESET_PERMILLE 4
#endif

/* 1: half the runs end with CPU_ON right before SYSTEM_OFF, 2: every run does */
#ifndef FUZZ_END_RACE
#define FUZZ_END_RACE 1
#endif

/* 1: every IRQ window first raises the channels' doorbell lines toward vCPU 0 (exceptions.c):
 * level lines that stay high until its handler quietens them; tests/test_fuzz.py */
#ifndef FUZZ_ARM_DOORBELLS
#define FUZZ_ARM_DOORBELLS 0
#endif

/* The board gives these (partition defines): pages the fuzzer aims at. */
#ifndef VICTIM_IPA
#define VICTIM_IPA 0x41100000UL     /* the victim's RAM: not mapped for the fuzzer */
#endif
#ifndef HYP_PA
#define HYP_PA 0x7f000000UL         /* the hypervisor's RAM */
#endif
#ifndef VUART_IPA
#define VUART_IPA 0x09000000UL      /* its virtual PL011 */
#endif
#ifndef GICH_PA
#define GICH_PA 0x08030000UL        /* the hypervisor's GIC virtual interface control */
#endif
#ifndef OWN_SPI
#define OWN_SPI 40                  /* its passed-through UART's interrupt */
#endif
#ifndef VUART_SPI
#define VUART_SPI 33
#endif

#define NCPUS HVCFG_NCPUS

/* The kinds of action, each counted (the summary line lists them). */
enum fz_kind {
    K_HVC_ARCH,
    K_HVC_PSCI,
    K_HVC_VENDOR,
    K_HVC_OWNER,
    K_HVC_RANDOM,
    K_CONSOLE,
    K_MEM,
    K_GICD,
    K_VUART,
    K_UART_IRQ,
    K_MRS,
    K_MSR,
    K_SYS,
    K_IRQ_WINDOW,
    K_CPU_ON,
    K_CPU_ON_BAD,
    K_CPU_OFF,
    K_AFFINITY,
    K_RESET,
    K_ON_RESET,
    K_CHANNEL,              /* doorbell / channel_info with a channel index */
    K_NKINDS
};

struct fz_cpu {
    uint64_t rng;
    uint64_t actions;
    uint64_t kinds[K_NKINDS];
    uint64_t faults, ec_seen, irqs, violations;
    uint64_t doorbell_irqs;         /* of irqs: a channel's doorbell (exceptions.c) */
    enum fz_kind last_kind;         /* of the action under way */
    uint64_t last_args[3];          /* and what it was given (the kinds that record it) */
    uint32_t forms_targets[32];     /* bit t of word f: memory form f reached target t */
};

extern struct fz_cpu fz_cpus[NCPUS];
extern uint64_t fz_deadline;
extern volatile uint8_t fz_scratch[8192];

static inline uint64_t fz_next(uint64_t *s)    /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15UL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}

static inline uint64_t fz_below(uint64_t *s, uint64_t n)
{
    return fz_next(s) % n;
}

static inline uint64_t fz_counter(void)
{
    return guest_cntpct();
}

static inline uint32_t fz_vcpu(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return (uint32_t)(mpidr & 0xff);
}

/* main.c: one console line at a time from all vCPUs (guest_printf is not reentrant). */
void fz_lock(void);
void fz_unlock(void);
#define FZ_LOG(...)                \
    do {                           \
        fz_lock();                 \
        guest_printf(__VA_ARGS__); \
        fz_unlock();               \
    } while (0)
/* Count an action of `kind` and, with FUZZ_TRACE, print it before it happens: the last lines
 * before a hang name what the fuzzer did last. */
#define FZ_BEGIN(c, kind, fmt, ...)                                             \
    do {                                                                        \
        (c)->kinds[kind]++;                                                     \
        (c)->last_kind = (kind);                                                \
        if (FUZZ_TRACE)                                                         \
            FZ_LOG("t%u %lu @%lu " fmt, fz_vcpu(), (unsigned long)(c)->actions, \
                   (unsigned long)fz_counter(), ##__VA_ARGS__);                 \
    } while (0)
/* Something the hypervisor must never do was seen (printed, counted, asserted by the test). */
#define FZ_VIOLATION(c, fmt, ...)                                      \
    do {                                                               \
        (c)->violations++;                                             \
        FZ_LOG("fuzz: VIOLATION v%u: " fmt, fz_vcpu(), ##__VA_ARGS__); \
    } while (0)
int fz_may_reset(void);
void fz_summary(const char *why);
extern const char *const fz_kind_names[K_NKINDS];

/* Its channels (partition_config.h: HVCFG_CHANNELS), for channel indices and channel pages. */
struct fz_channel {
    const char *name;
    uint32_t index;
    uint64_t ipa, size;
    uint32_t flags, doorbell_intid;
};
#if HVCFG_CHANNEL_COUNT > 0
extern const struct fz_channel fz_channels[HVCFG_CHANNEL_COUNT];
#endif

/* An argument a hostile guest would pass: random, a boundary, or a pointer anywhere. */
uint64_t fz_arg(uint64_t *rng);

/* calls.c, mem.c, sysreg.c: one action of a kind; each returns the kind it did. */
enum fz_kind fz_call_action(struct fz_cpu *c);
enum fz_kind fz_psci_action(struct fz_cpu *c, uint32_t self);
enum fz_kind fz_mem_action(struct fz_cpu *c);
enum fz_kind fz_device_action(struct fz_cpu *c);
enum fz_kind fz_sysreg_action(struct fz_cpu *c);
void fz_cpu_on_then_off(struct fz_cpu *c) __attribute__((noreturn));
void fz_arm_doorbells(void);

/* entry.S, sysregs.S */
#define FZ_NFORMS 32
void fz_call(uint64_t x[19], unsigned conduit);
uint64_t fz_access(unsigned form, uint64_t addr, uint64_t value);
extern char fz_call_insns[], fz_call_insns_end[], fz_entry[], fz_entry_sled[];
extern char fz_mrs_table[], fz_msr_table[], fz_sys_table[];

#endif
