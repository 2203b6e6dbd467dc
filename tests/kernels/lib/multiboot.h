/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: Multiboot 0.6.96 boot information structures and
 * the entry point the 32-bit multiboot kernels implement.
 */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#include <stdint.h>

#define MB_BOOTLOADER_MAGIC 0x2badb002

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

/* The size field does not count itself; entries follow at size + 4. */
struct mb_mmap {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

/* Called by lib/boot.c with the console and IDT ready; @cmdline is ""
 * if the loader passed none. */
void kmain(const struct mb_info *mbi, const char *cmdline);

#endif
