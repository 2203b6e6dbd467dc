/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "io": port I/O of width 1/2/4 against the pc-testdev
 * latch at 0xe0, all-ones reads from an unassigned port, and 1/2/4/8-byte
 * MMIO against the pc-testdev memory window.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "io";

#define TESTDEV_PORT 0xe0
#define UNASSIGNED_PORT 0x0ec0

/* Check the latch contents at every width and aligned offset. */
static void check_latch(uint32_t want)
{
	for (int i = 0; i < 4; i++)
		check(inb(TESTDEV_PORT + i), (uint8_t)(want >> 8 * i), "inb 0x%x", TESTDEV_PORT + i);
	for (int i = 0; i < 4; i += 2)
		check(inw(TESTDEV_PORT + i), (uint16_t)(want >> 8 * i), "inw 0x%x", TESTDEV_PORT + i);
	check(inl(TESTDEV_PORT), want, "inl 0x%x", TESTDEV_PORT);
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi, (void)cmdline;
	kprintf("io: outl 0x%x <- 0x11223344\n", TESTDEV_PORT);
	outl(TESTDEV_PORT, 0x11223344);
	check_latch(0x11223344);
	kprintf("io: outb 0x%x <- 0xaa\n", TESTDEV_PORT + 1);
	outb(TESTDEV_PORT + 1, 0xaa);
	check_latch(0x1122aa44);
	kprintf("io: outw 0x%x <- 0xbeef\n", TESTDEV_PORT + 2);
	outw(TESTDEV_PORT + 2, 0xbeef);
	check_latch(0xbeefaa44);

	check(inb(UNASSIGNED_PORT), 0xff, "inb 0x%x (unassigned)", UNASSIGNED_PORT);
	check(inw(UNASSIGNED_PORT), 0xffff, "inw 0x%x (unassigned)", UNASSIGNED_PORT);
	check(inl(UNASSIGNED_PORT), 0xffffffff, "inl 0x%x (unassigned)", UNASSIGNED_PORT);

	testdev_mmio_check();
}
