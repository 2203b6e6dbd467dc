/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "tasks": the assembly half — ring 3 code, the call
 * gate and interrupt entries, task bodies and the virtual-8086 routine
 * (Intel SDM vol. 3 ch. 5.8, 7, 20). tasks.c drives and checks them.
 */
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23
#define SEL_UCODE 0x1b
#define SEL_TSS_A 0x28
#define SEL_TSS_B 0x30
#define SEL_TASK_GATE_C 0x40
#define SEL_CALL_GATE 0x4b	/* RPL 3 */
#define SEL_TSS_V 0x60

	.text

/* --- Leaving ring 0 and coming back --- */

/* void user_enter(void (*entry)(void), void *esp): IRET to ring 3; the
 * ring 3 code comes back through INT 0x81 (kernel_return). */
	.globl user_enter
user_enter:
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov %esp, kernel_esp
	mov 20(%esp), %ecx		/* entry */
	mov 24(%esp), %edx		/* user stack */
	mov $SEL_UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	push $SEL_UDATA
	push %edx
	push $0x002			/* IOPL 0, IF 0 */
	push $SEL_UCODE
	push %ecx
	iret

/* uint32_t vm86_enter(uint32_t ip, uint32_t eflags): IRET from CPL 0 to
 * virtual-8086 mode at 2000:ip; an exit stub (INT 0x30, #GP) comes back
 * to the caller. */
	.globl vm86_enter
vm86_enter:
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov %esp, kernel_esp
	mov 20(%esp), %ecx		/* ip */
	mov 24(%esp), %edx		/* eflags */
	or $0x20002, %edx		/* VM */
	push $0x5000			/* GS */
	push $0x6000			/* FS */
	push $0x3000			/* DS */
	push $0x7000			/* ES */
	push $0x4000			/* SS */
	push $0xfff0			/* ESP */
	push %edx
	push $0x2000			/* CS */
	push %ecx
	iret

/* Ring 0, any stack: back to the caller of user_enter/vm86_enter. DS may
 * be null here (after virtual-8086 mode), so SS addresses memory. */
kernel_return:
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ss:kernel_esp, %esp
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

/* INT 0x81 (DPL 3): ring 3 is done. */
	.globl int81_entry
int81_entry:
	jmp kernel_return

/* --- Ring 3 --- */

	.globl user_main, user_after_gate, user_pf_insn, user_pf_resume
	.globl user_cli_insn, user_cli_resume
user_main:
	push $0xaaaa1111		/* parameter 1 (higher address) */
	push $0xbbbb2222		/* parameter 2 */
	lcall $SEL_CALL_GATE, $0
user_after_gate:
	mov %esp, u_esp_after_gate
	movw %cs, u_cs_after_gate
	movw %ss, u_ss_after_gate
	int $0x80
	mov %esp, u_esp_after_int
	movw %cs, u_cs_after_int
user_pf_insn:
	mov supervisor_page, %eax	/* #PF: a user read of a supervisor page */
user_pf_resume:
user_cli_insn:
	cli				/* #GP(0): IOPL 0 < CPL 3 */
user_cli_resume:
	int $0x81

/* --- Ring 0 entries --- */

/* The call gate's target: records where it landed, returns past the
 * two parameters. */
	.globl gate_entry
gate_entry:
	mov %esp, g_esp
	movw %cs, g_cs
	movw %ss, g_ss
	mov $0, %ecx
1:	mov (%esp,%ecx,4), %eax
	mov %eax, g_frame(,%ecx,4)
	inc %ecx
	cmp $6, %ecx
	jne 1b
	lret $8

/* INT 0x80 (DPL 3 interrupt gate) from ring 3. */
	.globl int80_entry
int80_entry:
	mov %esp, i_esp
	movw %cs, i_cs
	movw %ss, i_ss
	mov $0, %ecx
1:	mov (%esp,%ecx,4), %eax
	mov %eax, i_frame(,%ecx,4)
	inc %ecx
	cmp $5, %ecx
	jne 1b
	iret

/* Exits from virtual-8086 mode: INT 0x30 (no error code) and #GP. They
 * record the data segment registers at entry and the 9-dword frame. */
	.globl vm86_int_exit, vm86_gp_exit
vm86_gp_exit:
	popl %ss:vm86_error
	movl $13, %ss:vm86_vector
	jmp vm86_exit
vm86_int_exit:
	movl $0, %ss:vm86_error
	movl $0x30, %ss:vm86_vector
vm86_exit:
	movw %ds, %ss:vm86_ring0_segs
	movw %es, %ss:vm86_ring0_segs + 2
	movw %fs, %ss:vm86_ring0_segs + 4
	movw %gs, %ss:vm86_ring0_segs + 6
	mov $0, %ecx
1:	mov (%esp,%ecx,4), %eax
	mov %eax, %ss:vm86_frame(,%ecx,4)
	inc %ecx
	cmp $9, %ecx
	jne 1b
	jmp kernel_return

/* --- Tasks --- */

/* Loads recognisable values into the general registers (all but ESP). */
.macro seed_regs base
	mov $\base + 0, %eax
	mov $\base + 1, %ecx
	mov $\base + 2, %edx
	mov $\base + 3, %ebx
	mov $\base + 5, %ebp
	mov $\base + 6, %esi
	mov $\base + 7, %edi
.endm

.macro save_regs to
	mov %eax, \to
	mov %ecx, \to + 4
	mov %edx, \to + 8
	mov %ebx, \to + 12
	mov %esp, \to + 16
	mov %ebp, \to + 20
	mov %esi, \to + 24
	mov %edi, \to + 28
.endm

/* uint32_t task_jmp_b(void): JMP to task B's TSS; B jumps back here.
 * Returns EAX as task A's TSS gave it back. */
	.globl task_jmp_b, a_jmp_next
task_jmp_b:
	push %ebx
	push %esi
	push %edi
	push %ebp
	seed_regs 0xa0a0a000
	ljmp $SEL_TSS_B, $0
a_jmp_next:
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

	.globl task_b_entry, b_jmp_next
task_b_entry:
	save_regs b_regs
	call task_b_main
	seed_regs 0xb1b1b100
	ljmp $SEL_TSS_A, $0
b_jmp_next:
	jmp task_b_entry

/* uint32_t task_call_c(void): CALL through the task gate to task C, which
 * returns with IRET. */
	.globl task_call_c, a_call_next
task_call_c:
	push %ebx
	push %esi
	push %edi
	push %ebp
	seed_regs 0xa1a1a100
	lcall $SEL_TASK_GATE_C, $0
a_call_next:
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

	.globl task_c_entry, c_iret_next
task_c_entry:
	save_regs c_regs
	call task_c_main
	seed_regs 0xc1c1c100
	iret
c_iret_next:
	jmp task_c_entry

/* uint32_t divide_by_zero(void): 100 / ECX with ECX = 0; the #DE task
 * sets task A's ECX to 4, so the DIV runs again and gives 25. */
	.globl divide_by_zero, de_insn
divide_by_zero:
	push %ebx
	mov $100, %eax
	xor %edx, %edx
	xor %ecx, %ecx
de_insn:
	div %ecx
	pop %ebx
	ret

	.globl task_de_entry
task_de_entry:
	call task_de_main
	iret
	jmp task_de_entry

/* void bad_selector(void): MOV ES with a selector beyond the GDT: #GP
 * with the selector as error code; the #GP task makes EAX good. */
	.globl bad_selector, gp_insn
bad_selector:
	mov $0xfff8, %eax
gp_insn:
	mov %ax, %es
	mov $SEL_KDATA, %eax
	mov %ax, %es
	ret

	.globl task_gp_entry
task_gp_entry:
	popl gp_task_error		/* pushed on this task's stack */
	mov %esp, gp_task_esp
	call task_gp_main
	iret
	jmp task_gp_entry

/* void task_jmp_v(void): JMP to the virtual-8086 task V, whose INT 0x30
 * comes back here through an IDT task gate (as a nested task). */
	.globl task_jmp_v
task_jmp_v:
	push %ebx
	push %esi
	push %edi
	push %ebp
	ljmp $SEL_TSS_V, $0
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

/* --- The virtual-8086 routine, copied to 2000:0000 --- */

	.globl vm86_blob, vm86_blob_end, vm86_int_next, vm86_cli
	.code16
vm86_blob:
	mov $0x1234, %ax
	mov %ax, 0x10			/* DS = 3000: linear 0x30010 */
	add $0x1111, %ax
	add 0x10, %ax			/* 0x2345 + 0x1234 */
	mov %ax, 0x12
	pushf				/* IOPL 3: allowed */
	pop %cx
	mov %cx, 0x14
	mov %ss, %dx
	mov %dx, 0x16
	int $0x30			/* IOPL 3: through the IDT to ring 0 */
vm86_int_next:
	hlt
vm86_cli:
	cli				/* IOPL 0: #GP(0) */
	hlt
vm86_blob_end:
	.code32
