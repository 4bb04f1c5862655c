/* SPDX-License-Identifier: Apache-2.0 */
// SPDX-License-Identifier: GPL-2.0
/* Writes, as a root-loaded module would to hide itself, the kernel's text and read-only data
 * through a writable alias of their pages; then says whether the writes took effect. */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <asm/memory.h>

/* The kernel's kallsyms has no data symbols (KALLSYMS_ALL is off): the test passes the offsets
 * from _text of vfree and of sys_call_table, from the kernel layout (scripts/kernel-layout). */
static unsigned long vfree_offset, sys_call_table_offset;
module_param(vfree_offset, ulong, 0);
module_param(sys_call_table_offset, ulong, 0);

/* Write one 32-bit word at kernel image address `va` through a vmap alias of its page. */
static void poke(const char *what, unsigned long va, u32 value)
{
	struct page *page = phys_to_page(__pa_symbol(va));
	u32 *alias, before, after;

	alias = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	if (!alias) {
		pr_info("hvcfg-seal-test: %s: no alias\n", what);
		return;
	}
	before = READ_ONCE(*(u32 *)va);
	WRITE_ONCE(alias[offset_in_page(va) / 4], value);
	after = READ_ONCE(*(u32 *)va);
	vunmap(alias);
	pr_info("hvcfg-seal-test: %s at %px: %s\n", what, (void *)va,
		after == before ? "unchanged" : "CHANGED");
}

static int __init seal_test_init(void)
{
	unsigned long text = (unsigned long)&vfree - vfree_offset;

	poke("text", (unsigned long)&vfree, 0xd4200000);      /* BRK #0 over vfree's entry */
	if (vfree_offset && sys_call_table_offset)
		poke("syscall table", text + sys_call_table_offset, 0);
	else
		pr_info("hvcfg-seal-test: no offsets given\n");
	return 0;
}

static void __exit seal_test_exit(void)
{
}

module_init(seal_test_init);
module_exit(seal_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvcfg kernel-sealing test: writes sealed kernel text and rodata");
