/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: C start-up for the 32-bit multiboot kernels: console
 * and IDT, multiboot magic check, then the kernel's kmain().
 */
#include "lib.h"
#include "multiboot.h"

void mb32_start(uint32_t magic, const struct mb_info *mbi);

void mb32_start(uint32_t magic, const struct mb_info *mbi)
{
	serial_init();
	kprintf("\n");	/* start on a fresh line after any firmware output */
	idt_init();
	if (magic != MB_BOOTLOADER_MAGIC)
		fail("entered with eax=0x%x, not the multiboot magic", magic);
	kmain(mbi, mbi->flags & MBI_CMDLINE && mbi->cmdline ?
		   (const char *)(uintptr_t)mbi->cmdline : "");
	pass();
}
