/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "reset": resets the machine once (port 0xcf9 by default,
 * or the i8042 / port 0x92 by command line word) and passes on the second
 * boot, using a CMOS RAM byte that survives the reset as the marker.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "reset";

#define CMOS_MARK 0x50
#define MARK 0xa5

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi;
	if (cmos_read(CMOS_MARK) == MARK) {
		cmos_write(CMOS_MARK, 0);
		kprintf("reset: came back\n");
		return;
	}
	cmos_write(CMOS_MARK, MARK);
	if (cmos_read(CMOS_MARK) != MARK)
		fail("CMOS index 0x%x does not keep a written byte", CMOS_MARK);
	pit_clock_start();
	if (cmdline_has(cmdline, "kbd")) {
		kprintf("reset: resetting via i8042 (0x64 <- 0xfe)\n");
		for (int i = 0; i < 100000 && inb(0x64) & 0x02; i++)
			;	/* input buffer full: controller busy */
		outb(0x64, 0xfe);	/* pulse the reset line */
	} else if (cmdline_has(cmdline, "port92")) {
		kprintf("reset: resetting via port 0x92 bit 0\n");
		uint8_t v = inb(0x92) & ~1u;

		outb(0x92, v);
		outb(0x92, v | 1);	/* 0 -> 1 edge starts the fast reset */
	} else {
		kprintf("reset: resetting via port 0xcf9\n");
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06);	/* SYS_RST with a 0 -> 1 edge on RST_CPU */
	}
	delay_ms(5000);
	cmos_write(CMOS_MARK, 0);	/* a later run must not pass by accident */
	fail("machine still running 5 s after the reset request");
}
