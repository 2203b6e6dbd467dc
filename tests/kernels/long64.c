/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "long64": a plain x86-64 ELF entered directly in long
 * mode. Prints the Linux boot_params command line and e820 map, checks the
 * CPU really is in 64-bit mode, and does 1/2/4/8-byte MMIO.
 */
#include "lib.h"
#include "x86.h"

const char kname[] = "long64";

/* Linux boot_params (zero page) offsets. */
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0
#define E820_MAX 128

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

#define MSR_EFER 0xc0000080

static void check_long_mode(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	uint16_t cs = read_cs();

	check(rdmsr(MSR_EFER) >> 8 & 5, 5, "EFER.LME|LMA (bits 8, 10)");
	check(read_cr0() >> 31, 1, "CR0.PG");
	check(read_cr4() >> 5 & 1, 1, "CR4.PAE");
	asm volatile("sgdt %0" : "=m"(gdtr));
	if ((cs & 4) || (cs | 7) > gdtr.limit)
		fail("CS 0x%x is not a GDT selector within limit 0x%x", cs, gdtr.limit);
	uint64_t desc = *(const uint64_t *)(gdtr.base + (cs & ~7));

	check(desc >> 53 & 3, 1, "CS 0x%x descriptor L,D (bits 53, 54)", cs);
}

static void print_boot_params(const uint8_t *bp)
{
	uint64_t cmd = *(const uint32_t *)(bp + BP_CMD_LINE_PTR) |
		       (uint64_t)*(const uint32_t *)(bp + BP_EXT_CMD_LINE_PTR) << 32;
	unsigned n = bp[BP_E820_ENTRIES];
	const struct e820_entry *e = (const void *)(bp + BP_E820_TABLE);
	int ram_above_1m = 0;

	kprintf("long64: boot_params at 0x%lx\n", (unsigned long)bp);
	kprintf("long64: cmdline=%s\n", cmd ? (const char *)cmd : "");
	kprintf("long64: e820 entries=%u\n", n);
	if (n > E820_MAX)
		fail("e820 entry count %u exceeds %u", n, E820_MAX);
	for (unsigned i = 0; i < n; i++, e++) {
		kprintf("long64: e820 0x%016lx-0x%016lx type %u\n",
			e->addr, e->addr + e->size - 1, e->type);
		if (e->type == 1 && e->addr >= 0x100000 && e->size)
			ram_above_1m = 1;
	}
	if (!ram_above_1m)
		fail("e820 has no usable (type 1) region above 1 MiB");
}

void long64_main(const uint8_t *bp);

void long64_main(const uint8_t *bp)
{
	serial_init();
	idt_init();
	kprintf("\nlong64: hello\n");	/* fresh line after any firmware output */
	if (bp)
		print_boot_params(bp);
	else
		kprintf("long64: no boot_params\n");
	check_long_mode();
	testdev_mmio_check();
	pass();
}
