# What the hypervisor is built from: sources per feature, and the compiler's flags. Read by
# make (hyp/Makefile) and by hvcfg (compiler/hvcfg/hypbuild.py), so this file keeps to a
# subset of make that both read the same way:
#   - a line is blank, a comment (# to the end of the line), or `NAME += WORDS`;
#     a trailing backslash continues it on the next line;
#   - NAME is one of
#       srcs-y                  sources every hypervisor is built from,
#       srcs-$(CONFIG_<F>)      sources built in only when feature <F> is in the configuration,
#       asm-offsets-y           the C file whose DEFINE()s give the assembly its offsets,
#       CFLAGS, LDFLAGS         flags for compiling (C and assembly) and for linking;
#   - WORDS are paths relative to hyp/ (sources) or flags, separated by blanks; no variables,
#     no functions, no conditionals.
# A source listed for several features is built once if any of them is on.
#
# Features (<F>) are what a configuration asks for; hvcfg derives them (hypbuild.features),
# and the generated hvcfg_config.h defines HV_HAS_<F> for those the C code tests:
#   HC_<NAME>            some partition is granted hypercall <name> (YAML `hypercalls:`);
#                        the call's handler file is in its row of hypercalls.yaml (hvcfg adds
#                        it, and writes it into features.mk for make); what else the call
#                        needs is listed here
#   VUART                some partition has a virtual PL011 (YAML `vuart: true`)
#   CHANNELS             the configuration has a channel (top-level `channels:`)
#   IVSHMEM              some partition sees its channels as ivshmem PCI functions behind an
#                        emulated ECAM host bridge (YAML `ivshmem`)
#   INTEGRITY            some partition's kernel is sealed (YAML `integrity:`)
#   PLATFORM_PSCI_SMC    the board starts CPUs and powers off through PSCI over SMC
#   PLATFORM_SPIN_TABLE  spin-table CPUs and the BCM283x power-management watchdog
#   PLATFORM_BCM2711_UART  the console's GPIO pins muxed by the hypervisor (BCM2711)
# A feature no partition uses is not compiled in: its attack surface is not in the image.

srcs-y += aarch64/head.S aarch64/vectors.S aarch64/traps.c aarch64/cache.c
srcs-y += aarch64/guest_reset.c aarch64/sysreg_trap.c aarch64/spectre.c
srcs-y += aarch64/sha256_ce.S aarch64/sha256_select.c
srcs-y += core/main.c core/console.c core/lib.c core/partition.c core/vcpu.c core/inject.c
srcs-y += core/smccc.c core/psci.c core/guestmem.c core/sha256.c core/irq.c
srcs-y += core/fsverity.c core/load.c
srcs-y += stage2/abort.c stage2/mmio.c drivers/pl011.c gic/gicv2.c gic/vgic.c gic/vgic_dist.c

srcs-$(CONFIG_HC_CONSOLE) += core/pconsole.c core/linedisc.c
srcs-$(CONFIG_CHANNELS) += core/channel.c
srcs-$(CONFIG_VUART) += drivers/vuart.c drivers/console_input.c core/pconsole.c core/linedisc.c
srcs-$(CONFIG_INTEGRITY) += stage2/seal.c

srcs-$(CONFIG_IVSHMEM) += pci/ecam.c pci/ivshmem.c

srcs-$(CONFIG_PLATFORM_PSCI_SMC) += platform/psci_smc.c
srcs-$(CONFIG_PLATFORM_SPIN_TABLE) += platform/spin_table.c platform/bcm2835_pm.c
srcs-$(CONFIG_PLATFORM_BCM2711_UART) += platform/bcm2711_uart.c

asm-offsets-y += aarch64/asm-offsets.c

# Freestanding C11 for EL2/EL1 bare metal: no libc, no FP/SIMD registers in hypervisor C
# (guests own them; aarch64/sha256_ce.S is the one exception), strict alignment (code runs
# with the MMU off at first), warnings fatal. Bare-metal partitions are built with these too.
CFLAGS += -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -nostdinc
CFLAGS += -fno-pic -fno-pie -fno-stack-protector -fno-common -fno-asynchronous-unwind-tables
CFLAGS += -ffunction-sections -fdata-sections -mgeneral-regs-only -mstrict-align
CFLAGS += -march=armv8-a -mno-outline-atomics -Wall -Wextra -Werror -Wno-unused-parameter

LDFLAGS += -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none
LDFLAGS += -Wl,--orphan-handling=error -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
