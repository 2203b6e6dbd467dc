/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: Multiboot v1 header and 32-bit entry: own flat GDT,
 * stack, then mb32_start(magic, info). With -DAOUT_KLUDGE the header
 * carries the load addresses (flags bit 16) for flat binary images.
 */
#define MB_MAGIC 0x1badb002
#ifdef AOUT_KLUDGE
#define MB_FLAGS 0x00010003	/* page-align modules, memory info, addresses */
#else
#define MB_FLAGS 0x00000003	/* page-align modules, memory info */
#endif

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
	/* header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */
	.long mb_header, _load_start, _load_end, _bss_end, _start
#endif

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	mov %eax, %ecx			/* keep the magic across the GDT switch */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	push %ebx
	push %ecx
	call mb32_start
2:	cli
	hlt
	jmp 2b

	/* Accessed bits preset so the CPU never writes the descriptors. */
	.data
	.balign 8
	.globl gdt, gdt_limit
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad 0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
	.set gdt_limit, . - gdt - 1
gdt_desc:
	.word gdt_limit
	.long gdt

	.bss
	.balign 16
	.space 16384
stack_top:
