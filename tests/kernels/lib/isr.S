/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: interrupt entry stubs for all 256 vectors (32- or
 * 64-bit, by build) funnelling into isr_dispatch(struct frame *).
 */
#ifdef __x86_64__
#define PTR .quad
#else
#define PTR .long
#endif

	/* isr_stubs[]: the stub addresses, emitted one by one below. */
	.section .rodata
	.balign 8
	.globl isr_stubs
isr_stubs:

	.text
	.set vec, 0
	.rept 256
1:
	/* Vectors without a CPU-pushed error code push a dummy one. */
	.if !((vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	push $0
	.endif
	push $vec
	jmp isr_common
	.pushsection .rodata
	PTR 1b
	.popsection
	.set vec, vec + 1
	.endr

isr_common:
#ifdef __x86_64__
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi		/* 16-byte aligned here (see struct frame) */
	call isr_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp		/* vector, error code */
	iretq
#else
	pusha
	cld
	push %esp
	call isr_dispatch
	add $4, %esp
	popa
	add $8, %esp		/* vector, error code */
	/* Same-privilege return without iret: KVM's instruction emulator
	 * (which runs every instruction on software-only KVM) handles iret
	 * only in real mode. Restore EFLAGS from a copy, then a far return
	 * that also drops the original EFLAGS slot. */
	pushl 8(%esp)
	popfl
	lret $4
#endif
