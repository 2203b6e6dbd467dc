/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "pci": enumerates bus 0 through configuration mechanism
 * #1 (0xCF8/0xCFC), checks the pc machine's host bridge and PIIX3, sizes
 * and programs pci-testdev's BARs, and runs every test each BAR offers
 * (QEMU's docs/specs/pci-testdev.rst): write the test's data at its offset,
 * then its count must have moved.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "pci";

#define MMIO_BASE 0xfe000000u	/* in the pc machine's PCI hole */
#define IO_BASE 0xc000u

static uint32_t cfg_addr(unsigned devfn, unsigned reg)
{
	return 0x80000000u | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read32(unsigned devfn, unsigned reg)
{
	outl(0xcf8, cfg_addr(devfn, reg));
	return inl(0xcfc);
}

static uint16_t cfg_read16(unsigned devfn, unsigned reg)
{
	outl(0xcf8, cfg_addr(devfn, reg));
	return inw(0xcfc + (reg & 2));
}

static void cfg_write32(unsigned devfn, unsigned reg, uint32_t v)
{
	outl(0xcf8, cfg_addr(devfn, reg));
	outl(0xcfc, v);
}

static void cfg_write16(unsigned devfn, unsigned reg, uint16_t v)
{
	outl(0xcf8, cfg_addr(devfn, reg));
	outw(0xcfc + (reg & 2), v);
}

/* Writes all-ones to a BAR and returns the size it decodes. */
static uint32_t bar_size(unsigned devfn, unsigned bar)
{
	unsigned reg = 0x10 + 4 * bar;
	uint32_t old = cfg_read32(devfn, reg);

	cfg_write32(devfn, reg, 0xffffffff);
	uint32_t mask = cfg_read32(devfn, reg);
	cfg_write32(devfn, reg, old);
	mask &= (old & 1) ? ~3u : ~0xfu;
	return ~mask + 1;
}

/* Accessors for one BAR, by kind. */
static uint32_t bar_read(int io, uint32_t base, uint32_t off, unsigned width)
{
	if (io)
		return width == 1 ? inb(base + off) : width == 2 ? inw(base + off)
							       : inl(base + off);
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(base + off);
	return width == 1 ? *p : width == 2 ? *(volatile uint16_t *)p
					  : *(volatile uint32_t *)p;
}

static void bar_write(int io, uint32_t base, uint32_t off, unsigned width,
		      uint32_t v)
{
	if (io) {
		if (width == 1)
			outb(base + off, v);
		else if (width == 2)
			outw(base + off, v);
		else
			outl(base + off, v);
		return;
	}
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(base + off);
	if (width == 1)
		*p = v;
	else if (width == 2)
		*(volatile uint16_t *)p = v;
	else
		*(volatile uint32_t *)p = v;
}

/* Runs tests 0..N of one BAR until one reports an unsupported width. */
static unsigned run_bar_tests(int io, uint32_t base)
{
	unsigned n;

	for (n = 0; n < 16; n++) {
		bar_write(io, base, 0, 1, n);
		unsigned width = bar_read(io, base, 1, 1);
		if (width != 1 && width != 2 && width != 4)
			break;
		uint32_t off = bar_read(io, base, 4, 4);
		uint32_t data = bar_read(io, base, 8, 4);
		uint32_t before = bar_read(io, base, 12, 4);
		char name[32];
		for (unsigned i = 0; i < sizeof(name) - 1; i++)
			name[i] = bar_read(io, base, 16 + i, 1);
		name[sizeof(name) - 1] = 0;
		bar_write(io, base, off, width, data);
		uint32_t after = bar_read(io, base, 12, 4);
		if (after != before + 1)
			fail("pci: test %s: count %u -> %u after one write", name,
			     before, after);
		kprintf("pci: %s ok\n", name);
	}
	return n;
}

static void check_id(unsigned devfn, uint32_t want, const char *what)
{
	uint32_t id = cfg_read32(devfn, 0);

	if (id != want)
		fail("pci: %s at %02x.%x: id %08x, expected %08x", what, devfn >> 3,
		     devfn & 7, id, want);
	kprintf("pci: %02x.%x %04x:%04x %s\n", devfn >> 3, devfn & 7, id & 0xffff,
		id >> 16, what);
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	int testdev = -1;

	(void)mbi;
	(void)cmdline;
	check_id(0x00, 0x12378086, "host bridge");
	check_id(0x08, 0x70008086, "ISA bridge");
	if (!(cfg_read16(0x08, 0x0e) & 0x80))
		fail("pci: PIIX3 is not marked multi-function");
	if (cfg_read32(0x09, 0) != 0xffffffff)
		fail("pci: absent function 01.1 does not read all-ones");
	for (unsigned devfn = 0; devfn < 256; devfn += 8)
		if (cfg_read32(devfn, 0) == 0x00051b36)
			testdev = devfn;
	if (testdev < 0)
		fail("pci: no pci-testdev (1b36:0005) found; add -device pci-testdev");
	kprintf("pci: pci-testdev at %02x.0\n", testdev >> 3);

	uint32_t s0 = bar_size(testdev, 0), s1 = bar_size(testdev, 1);
	kprintf("pci: BAR0 %u bytes memory, BAR1 %u bytes I/O\n", s0, s1);
	if (s0 != 4096 || (cfg_read32(testdev, 0x14) & 1) != 1)
		fail("pci: unexpected BARs");
	cfg_write32(testdev, 0x10, MMIO_BASE);
	cfg_write32(testdev, 0x14, IO_BASE);
	cfg_write16(testdev, 0x04, 0x3);	/* I/O and memory decode on */

	unsigned m = run_bar_tests(0, MMIO_BASE), p = run_bar_tests(1, IO_BASE);
	if (!m || !p)
		fail("pci: no tests ran (memory %u, I/O %u)", m, p);

	cfg_write16(testdev, 0x04, 0);		/* decode off: BARs vanish */
	if (inb(IO_BASE + 1) != 0xff)
		fail("pci: I/O BAR still decodes with the command register off");
	kprintf("pci: %u memory and %u I/O tests\n", m, p);
	pass();
}
