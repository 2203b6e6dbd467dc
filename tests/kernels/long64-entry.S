/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "long64": 64-bit entry. Entered in long mode at
 * e_entry with paging on and RSI = boot_params (or 0); sets up a stack
 * and calls long64_main(boot_params).
 */
	.text
	.globl _start
_start:
	cli
	lea stack_top(%rip), %rsp
	mov %rsi, %rdi
	call long64_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.space 16384
stack_top:
