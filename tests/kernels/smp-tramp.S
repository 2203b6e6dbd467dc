/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "smp": application processor start-up. The real-mode
 * trampoline is copied to TRAMP_ADDR (SIPI vector TRAMP_ADDR >> 12); it
 * enters protected mode with the kernel GDT and jumps to ap_entry32, which
 * takes a stack by atomic ticket and calls ap_main(ticket).
 */
#include "smp.h"

#define T(sym) (TRAMP_ADDR + (sym) - tramp_start)	/* address once copied */

	.section .rodata
	.globl tramp_start, tramp_end
	.code16
tramp_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	lgdtl T(tramp_gdt_desc)
	mov %cr0, %eax
	or $1, %eax			/* PE */
	mov %eax, %cr0
	ljmpl $0x08, $ap_entry32
	.balign 4
tramp_gdt_desc:				/* lgdtl: full 32-bit base */
	.word gdt_limit
	.long gdt
tramp_end:

	.text
	.code32
ap_entry32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $1, %eax
	lock xadd %eax, ap_ticket	/* eax = this AP's ticket */
	cmp $MAX_APS, %eax
	jae 1f				/* no stack left: park; BSP reports it */
	lea 1(%eax), %esp
	imul $AP_STACK, %esp
	add $ap_stacks, %esp		/* top of stack number <ticket> */
	push %eax
	call ap_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
ap_stacks:
	.space MAX_APS * AP_STACK
