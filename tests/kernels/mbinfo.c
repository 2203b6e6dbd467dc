/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "mbinfo": a.out-kludge multiboot kernel (flat binary
 * linked at 2 MiB) that prints the multiboot information structure and
 * sanity-checks memory sizes, modules and the memory map.
 */
#include "lib.h"
#include "multiboot.h"

const char kname[] = "mbinfo";

static void print_modules(const struct mb_info *mbi)
{
	const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;

	kprintf("mbinfo: mods_count=%u\n", mbi->mods_count);
	for (uint32_t i = 0; i < mbi->mods_count; i++, m++) {
		const char *data = (const char *)(uintptr_t)m->start;

		kprintf("mbinfo: module %u: 0x%x-0x%x string=%s\n", i, m->start, m->end,
			m->string ? (const char *)(uintptr_t)m->string : "(none)");
		if (m->end < m->start)
			fail("module %u ends before it starts", i);
		if (m->start & 0xfff)
			fail("module %u not page aligned (header flags bit 0)", i);
		kprintf("mbinfo: module %u: data \"", i);
		for (uint32_t j = 0; j < 16 && m->start + j < m->end; j++)
			con_putc(data[j] >= 0x20 && data[j] < 0x7f ? data[j] : '.');
		kprintf("\"\n");
	}
}

static void print_mmap(const struct mb_info *mbi)
{
	uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
	int ram_above_1m = 0;

	kprintf("mbinfo: mmap_addr=0x%x mmap_length=%u\n", mbi->mmap_addr, mbi->mmap_length);
	while (p < end) {
		const struct mb_mmap *e = (const void *)p;

		kprintf("mbinfo: mmap base=0x%016llx length=0x%016llx type=%u\n",
			(unsigned long long)e->base, (unsigned long long)e->length, e->type);
		if (e->type == 1 && e->base >= 0x100000 && e->length)
			ram_above_1m = 1;
		p += e->size + 4;
	}
	if (!ram_above_1m)
		fail("memory map has no usable (type 1) region above 1 MiB");
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	kprintf("mbinfo: flags=0x%x\n", mbi->flags);
	if (!(mbi->flags & MBI_MEM) || !(mbi->flags & MBI_MMAP))
		fail("memory info or memory map missing (flags bits 0 and 6)");
	kprintf("mbinfo: mem_lower=%u KiB mem_upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
	kprintf("mbinfo: cmdline=%s\n", cmdline);
	if (mbi->flags & MBI_MODS)
		print_modules(mbi);
	print_mmap(mbi);
	/* Lower memory is at most 640 KiB; we run at 2 MiB so upper is > 1 MiB. */
	if (mbi->mem_lower == 0 || mbi->mem_lower > 640)
		fail("mem_lower %u KiB implausible", mbi->mem_lower);
	if (mbi->mem_upper < 2048)
		fail("mem_upper %u KiB implausible for a kernel loaded at 2 MiB", mbi->mem_upper);
}
