/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "tasks": privilege changes (IRET to ring 3, a call
 * gate with parameters, INT through a DPL 3 gate, user faults), hardware
 * task switches (JMP to a TSS, CALL through a task gate, IRET to the
 * back-link, exceptions through IDT task gates) and virtual-8086 mode
 * (Intel SDM vol. 3 ch. 5.8, 6.12, 7, 20). Assembly in tasks-asm.S.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "tasks";

enum {
	SEL_KCODE = 0x08, SEL_KDATA = 0x10, SEL_UCODE = 0x1b, SEL_UDATA = 0x23,
	SEL_TSS_A = 0x28, SEL_TSS_B = 0x30, SEL_TSS_C = 0x38,
	SEL_TASK_GATE_C = 0x40, SEL_CALL_GATE = 0x48, SEL_TSS_DE = 0x50,
	SEL_TSS_GP = 0x58, SEL_TSS_V = 0x60, GDT_ENTRIES = 13,
};
#define F_NT (1u << 14)
#define F_VM (1u << 17)
#define F_IOPL3 (3u << 12)
#define TSS_AVAIL 0x9
#define TSS_BUSY 0xb

/* 32-bit TSS (SDM vol. 3, figure 7-2). */
struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static struct tss32 tss_a, tss_b, tss_c, tss_de, tss_gp, tss_v;
static uint8_t stack_b[2048], stack_c[2048], stack_de[2048], stack_gp[2048];
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint32_t pd_a[1024] __attribute__((aligned(4096)));
static uint32_t pd_b[1024] __attribute__((aligned(4096)));
static uint32_t pt_low[1024] __attribute__((aligned(4096)));
uint8_t supervisor_page[4096] __attribute__((aligned(4096)));

/* Shared with tasks-asm.S. */
uint32_t kernel_esp;
uint32_t u_esp_after_gate, u_esp_after_int;
uint16_t u_cs_after_gate, u_ss_after_gate, u_cs_after_int;
uint32_t g_esp, g_frame[6], i_esp, i_frame[5];
uint16_t g_cs, g_ss, i_cs, i_ss;
uint32_t vm86_error, vm86_vector, vm86_frame[9];
uint16_t vm86_ring0_segs[4];
uint32_t b_regs[8], c_regs[8], gp_task_error, gp_task_esp;

void user_enter(void (*entry)(void), void *esp);
uint32_t vm86_enter(uint32_t ip, uint32_t eflags);
uint32_t task_jmp_b(void);
uint32_t task_call_c(void);
uint32_t divide_by_zero(void);
void bad_selector(void);
void task_jmp_v(void);
void task_b_main(void);
void task_c_main(void);
void task_de_main(void);
void task_gp_main(void);
extern char user_main[], user_after_gate[], user_pf_insn[], user_pf_resume[];
extern char user_cli_insn[], user_cli_resume[];
extern char gate_entry[], int80_entry[], int81_entry[];
extern char vm86_int_exit[], vm86_gp_exit[];
extern char task_b_entry[], task_c_entry[], task_de_entry[], task_gp_entry[];
extern char a_jmp_next[], b_jmp_next[], a_call_next[], c_iret_next[];
extern char de_insn[], gp_insn[];
extern char vm86_blob[], vm86_blob_end[], vm86_int_next[], vm86_cli[];

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access,
			 uint8_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

static uint64_t gate_desc(uint16_t sel, uint32_t off, uint8_t access,
			  uint8_t params)
{
	return (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)params << 32 |
	       (uint64_t)access << 40 | (uint64_t)(off >> 16) << 48;
}

static unsigned gdt_type(uint16_t sel)
{
	return (gdt[sel >> 3] >> 40) & 0xf;
}

static uint64_t *idt_table(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) r;

	asm volatile("sidt %0" : "=m"(r));
	return (uint64_t *)(uintptr_t)r.base;
}

static uint32_t read_eflags(void)
{
	uint32_t v;

	asm volatile("pushf; pop %0" : "=r"(v));
	return v;
}

static uint32_t read_cr2(void)
{
	uint32_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static uint32_t read_cr3(void)
{
	uint32_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint16_t read_tr(void)
{
	uint16_t v;

	asm volatile("str %0" : "=r"(v));
	return v;
}

static void tss_init(struct tss32 *t, void *entry, uint8_t *stack,
		     size_t stack_size, uint32_t cr3, uint32_t seed)
{
	memset(t, 0, sizeof(*t));
	t->eip = (uint32_t)(uintptr_t)entry;
	t->esp = (uint32_t)(uintptr_t)(stack + stack_size);
	t->eflags = 0x002;
	t->cr3 = cr3;
	t->cs = SEL_KCODE;
	t->ss = t->ds = t->es = t->fs = t->gs = SEL_KDATA;
	t->eax = seed;
	t->ecx = seed + 1;
	t->edx = seed + 2;
	t->ebx = seed + 3;
	t->ebp = seed + 5;
	t->esi = seed + 6;
	t->edi = seed + 7;
	t->iomap = sizeof(*t);
}

static uint64_t tss_desc(struct tss32 *t)
{
	return seg_desc((uint32_t)(uintptr_t)t, sizeof(*t) - 1, 0x89, 0);
}

static void setup_gdt(void)
{
	gdt[SEL_KCODE >> 3] = seg_desc(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_KDATA >> 3] = seg_desc(0, 0xfffff, 0x93, 0xc);
	gdt[SEL_UCODE >> 3] = seg_desc(0, 0xfffff, 0xfb, 0xc);
	gdt[SEL_UDATA >> 3] = seg_desc(0, 0xfffff, 0xf3, 0xc);
	gdt[SEL_TSS_A >> 3] = tss_desc(&tss_a);
	gdt[SEL_TSS_B >> 3] = tss_desc(&tss_b);
	gdt[SEL_TSS_C >> 3] = tss_desc(&tss_c);
	gdt[SEL_TASK_GATE_C >> 3] = gate_desc(SEL_TSS_C, 0, 0x85, 0);
	gdt[SEL_CALL_GATE >> 3] = gate_desc(SEL_KCODE, (uint32_t)(uintptr_t)gate_entry,
					    0xec, 2);	/* DPL 3, 32-bit, 2 dwords */
	gdt[SEL_TSS_DE >> 3] = tss_desc(&tss_de);
	gdt[SEL_TSS_GP >> 3] = tss_desc(&tss_gp);
	gdt[SEL_TSS_V >> 3] = tss_desc(&tss_v);

	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) r = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };

	asm volatile("lgdt %0\n\t"
		     "ljmp %1, $1f\n"
		     "1:\tmov %2, %%ds\n\t"
		     "mov %2, %%es\n\t"
		     "mov %2, %%fs\n\t"
		     "mov %2, %%gs\n\t"
		     "mov %2, %%ss"
		     : : "m"(r), "i"(SEL_KCODE), "r"((uint32_t)SEL_KDATA) : "memory");
}

/* Paging: 4 KiB pages for the low 4 MiB (all user, but supervisor_page);
 * 4 MiB pages above. Task B's directory maps 0x400000 to 0x800000. */
static void setup_paging(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pt_low[i] = i << 12 | 7;	/* present, writable, user */
	pt_low[(uintptr_t)supervisor_page >> 12] &= ~4u;
	for (uint32_t i = 0; i < 1024; i++) {
		uint32_t pde = i == 0 ? (uint32_t)(uintptr_t)pt_low | 7
				      : i << 22 | 0x87;	/* 4 MiB, user */
		pd_a[i] = pde;
		pd_b[i] = i == 1 ? 0x800000 | 0x87 : pde;
	}
	write_cr4(read_cr4() | 0x10);			/* PSE */
	asm volatile("mov %0, %%cr3" : : "r"(pd_a) : "memory");
	write_cr0(read_cr0() | 0x80000000u);
}

static void set_idt(uint8_t vector, uint64_t gate)
{
	idt_table()[vector] = gate;
}

static uint64_t int_gate(void *entry, unsigned dpl)
{
	return gate_desc(SEL_KCODE, (uint32_t)(uintptr_t)entry, 0x8e | dpl << 5, 0);
}

/* --- (a) rings --- */

struct fault {
	uint32_t vector, error, cr2, cs, ip;
};
static struct fault user_pf_seen, user_gp_seen;

static void record_fault(struct frame *f, struct fault *r, char *resume)
{
	r->vector = f->vector;
	r->error = f->error;
	r->cr2 = f->vector == 14 ? read_cr2() : 0;
	r->cs = f->cs;
	r->ip = f->ip;
	f->ip = (uintptr_t)resume;
}

static void user_pf(struct frame *f)
{
	record_fault(f, &user_pf_seen, user_pf_resume);
}

static void user_gp(struct frame *f)
{
	record_fault(f, &user_gp_seen, user_cli_resume);
}

static void test_rings(void)
{
	uint32_t esp0 = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
	uint32_t user_top = (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack));

	set_idt(0x80, int_gate(int80_entry, 3));
	set_idt(0x81, int_gate(int81_entry, 3));
	idt_set_handler(14, user_pf);
	idt_set_handler(13, user_gp);
	user_enter((void (*)(void))user_main, user_stack + sizeof(user_stack));
	idt_set_handler(14, 0);
	idt_set_handler(13, 0);

	/* Call gate: TSS.SS0:ESP0, the caller's SS:ESP, the parameters, then
	 * the return CS:EIP. */
	check(g_cs, SEL_KCODE, "call gate: CS");
	check(g_ss, SEL_KDATA, "call gate: SS from TSS.SS0");
	check(g_esp, esp0 - 24, "call gate: ESP = TSS.ESP0 - 24");
	check(g_frame[0], (uintptr_t)user_after_gate, "call gate: return EIP");
	check(g_frame[1], SEL_UCODE, "call gate: return CS");
	check(g_frame[2], 0xbbbb2222, "call gate: parameter 1 copied");
	check(g_frame[3], 0xaaaa1111, "call gate: parameter 2 copied");
	check(g_frame[4], user_top - 8, "call gate: caller ESP");
	check(g_frame[5], SEL_UDATA, "call gate: caller SS");
	check(u_cs_after_gate, SEL_UCODE, "far RET: back in ring 3, CS");
	check(u_ss_after_gate, SEL_UDATA, "far RET: SS");
	check(u_esp_after_gate, user_top, "far RET $8: ESP past the parameters");

	check(i_cs, SEL_KCODE, "INT 0x80 from ring 3: CS");
	check(i_esp, esp0 - 20, "INT 0x80: ESP = TSS.ESP0 - 20");
	check(i_frame[1], SEL_UCODE, "INT 0x80: frame CS");
	check(i_frame[3], user_top, "INT 0x80: frame ESP");
	check(i_frame[4], SEL_UDATA, "INT 0x80: frame SS");
	check(u_cs_after_int, SEL_UCODE, "IRET: back in ring 3, CS");
	check(u_esp_after_int, user_top, "IRET: ESP");

	check(user_pf_seen.vector, 14, "ring 3 read of a supervisor page: #PF");
	check(user_pf_seen.error, 5, "#PF error code: present, read, user");
	check(user_pf_seen.cr2, (uintptr_t)supervisor_page, "#PF: CR2");
	check(user_pf_seen.ip, (uintptr_t)user_pf_insn, "#PF: EIP of the load");
	check(user_pf_seen.cs, SEL_UCODE, "#PF: CS");
	check(user_gp_seen.vector, 13, "ring 3 CLI with IOPL 0: #GP");
	check(user_gp_seen.error, 0, "#GP error code");
	check(user_gp_seen.ip, (uintptr_t)user_cli_insn, "#GP: EIP of the CLI");
}

/* --- (b) task switches --- */

static uint32_t b_eflags, b_tr, b_cr3, b_mapped, b_type_a, b_type_b;
static uint32_t c_eflags, c_link, c_type_a, c_type_c;
static uint32_t de_saved_eip, de_saved_ecx, de_link, de_eflags, de_tr;
static uint32_t gp_saved_eip, gp_link;

void task_b_main(void)
{
	b_eflags = read_eflags();
	b_tr = read_tr();
	b_cr3 = read_cr3();
	b_mapped = *(volatile uint32_t *)0x400000;
	b_type_a = gdt_type(SEL_TSS_A);
	b_type_b = gdt_type(SEL_TSS_B);
}

void task_c_main(void)
{
	c_eflags = read_eflags();
	c_link = tss_c.link;
	c_type_a = gdt_type(SEL_TSS_A);
	c_type_c = gdt_type(SEL_TSS_C);
}

/* Task A faulted on DIV ECX with ECX = 0: fix its divisor. */
void task_de_main(void)
{
	de_saved_eip = tss_a.eip;
	de_saved_ecx = tss_a.ecx;
	de_link = tss_de.link;
	de_eflags = read_eflags();
	de_tr = read_tr();
	tss_a.ecx = 4;
}

/* Task A faulted on MOV ES, AX: give it a good selector. */
void task_gp_main(void)
{
	gp_saved_eip = tss_a.eip;
	gp_link = tss_gp.link;
	tss_a.eax = SEL_KDATA;
}

static void test_task_jmp(void)
{
	*(volatile uint32_t *)0x400000 = 0x11111111;
	*(volatile uint32_t *)0x800000 = 0x22222222;
	tss_init(&tss_b, task_b_entry, stack_b, sizeof(stack_b),
		 (uint32_t)(uintptr_t)pd_b, 0xb0b0b000);
	uint32_t eax = task_jmp_b();

	check(b_regs[0], 0xb0b0b000, "JMP to TSS: task B EAX from its TSS");
	check(b_regs[3], 0xb0b0b003, "task B EBX");
	check(b_regs[4], (uintptr_t)(stack_b + sizeof(stack_b)), "task B ESP");
	check(b_regs[7], 0xb0b0b007, "task B EDI");
	check(b_tr, SEL_TSS_B, "task B: TR");
	check(b_cr3, (uintptr_t)pd_b, "task B: CR3 from its TSS");
	check(b_mapped, 0x22222222, "task B: its page directory maps 0x400000");
	check(b_eflags & F_NT, 0, "task B: NT clear after JMP");
	check(b_type_b, TSS_BUSY, "task B: its TSS busy");
	check(b_type_a, TSS_AVAIL, "task B: task A's TSS not busy after JMP");
	check(eax, 0xa0a0a000, "back in task A: EAX restored from its TSS");
	check(read_tr(), SEL_TSS_A, "task A: TR");
	check(read_cr3(), (uintptr_t)pd_a, "task A: CR3 restored");
	check(tss_a.eip, (uintptr_t)a_jmp_next, "task A's TSS: saved EIP");
	check(tss_a.esi, 0xa0a0a006, "task A's TSS: saved ESI");
	check(tss_b.eip, (uintptr_t)b_jmp_next, "task B's TSS: saved EIP");
	check(tss_b.eax, 0xb1b1b100, "task B's TSS: saved EAX");
	check(gdt_type(SEL_TSS_B), TSS_AVAIL, "task B's TSS available again");
	check(gdt_type(SEL_TSS_A), TSS_BUSY, "task A's TSS busy again");
}

static void test_task_call(void)
{
	tss_init(&tss_c, task_c_entry, stack_c, sizeof(stack_c),
		 (uint32_t)(uintptr_t)pd_a, 0xc0c0c000);
	uint32_t eax = task_call_c();

	check(c_regs[1], 0xc0c0c001, "CALL task gate: task C ECX from its TSS");
	check(c_eflags & F_NT, F_NT, "task C: NT set");
	check(c_link, SEL_TSS_A, "task C: back-link = task A");
	check(c_type_a, TSS_BUSY, "task C: task A's TSS still busy");
	check(c_type_c, TSS_BUSY, "task C: its TSS busy");
	check(eax, 0xa1a1a100, "IRET to the back-link: task A's EAX");
	check(read_eflags() & F_NT, 0, "task A: NT clear");
	check(tss_c.eip, (uintptr_t)c_iret_next, "task C's TSS: saved EIP after IRET");
	check(tss_c.eflags & F_NT, 0, "task C's TSS: saved NT cleared by IRET");
	check(tss_c.eax, 0xc1c1c100, "task C's TSS: saved EAX");
	check(gdt_type(SEL_TSS_C), TSS_AVAIL, "task C's TSS available after IRET");
}

static void test_task_exceptions(void)
{
	uint64_t old_de = idt_table()[0], old_gp = idt_table()[13];

	tss_init(&tss_de, task_de_entry, stack_de, sizeof(stack_de),
		 (uint32_t)(uintptr_t)pd_a, 0xd0d0d000);
	tss_init(&tss_gp, task_gp_entry, stack_gp, sizeof(stack_gp),
		 (uint32_t)(uintptr_t)pd_a, 0xe0e0e000);
	set_idt(0, gate_desc(SEL_TSS_DE, 0, 0x85, 0));
	set_idt(13, gate_desc(SEL_TSS_GP, 0, 0x85, 0));

	uint32_t q = divide_by_zero();
	check(de_tr, SEL_TSS_DE, "#DE through a task gate: TR");
	check(de_saved_eip, (uintptr_t)de_insn, "#DE: task A's saved EIP is the DIV");
	check(de_saved_ecx, 0, "#DE: task A's saved ECX");
	check(de_link, SEL_TSS_A, "#DE task: back-link");
	check(de_eflags & F_NT, F_NT, "#DE task: NT set");
	check(q, 25, "DIV again after the #DE task's IRET");

	bad_selector();
	uint32_t gp_top = (uint32_t)(uintptr_t)(stack_gp + sizeof(stack_gp));
	check(gp_task_error, 0xfff8, "#GP through a task gate: error code on the new stack");
	check(gp_task_esp, gp_top, "#GP task: ESP after popping the error code");
	check(gp_saved_eip, (uintptr_t)gp_insn, "#GP: task A's saved EIP is the MOV");
	check(gp_link, SEL_TSS_A, "#GP task: back-link");

	idt_table()[0] = old_de;
	idt_table()[13] = old_gp;
	asm volatile("clts");
}

/* --- (c) virtual-8086 mode --- */

static void test_vm86(void)
{
	uint32_t n = vm86_blob_end - vm86_blob;
	uint64_t old_gp = idt_table()[13];

	memcpy((void *)0x20000, vm86_blob, n);
	memset((void *)0x30010, 0, 8);
	set_idt(0x30, int_gate(vm86_int_exit, 3));
	set_idt(13, int_gate(vm86_gp_exit, 0));

	vm86_enter(0, F_IOPL3);
	check(*(volatile uint16_t *)0x30010, 0x1234, "VM86: MOV to DS:0x10 = linear 0x30010");
	check(*(volatile uint16_t *)0x30012, 0x3579, "VM86: ADD from DS:0x10");
	check(*(volatile uint16_t *)0x30014 & F_IOPL3, F_IOPL3, "VM86: PUSHF with IOPL 3");
	check(*(volatile uint16_t *)0x30016, 0x4000, "VM86: SS selector");
	check(vm86_vector, 0x30, "VM86: INT 0x30 with IOPL 3 reaches ring 0");
	check(vm86_frame[0], vm86_int_next - vm86_blob, "VM86 frame: EIP");
	check(vm86_frame[1], 0x2000, "VM86 frame: CS");
	check(vm86_frame[2] & (F_VM | F_IOPL3), F_VM | F_IOPL3, "VM86 frame: EFLAGS.VM, IOPL");
	check(vm86_frame[3], 0xfff0, "VM86 frame: ESP");
	check(vm86_frame[4], 0x4000, "VM86 frame: SS");
	check(vm86_frame[5], 0x7000, "VM86 frame: ES");
	check(vm86_frame[6], 0x3000, "VM86 frame: DS");
	check(vm86_frame[7], 0x6000, "VM86 frame: FS");
	check(vm86_frame[8], 0x5000, "VM86 frame: GS");
	check(vm86_ring0_segs[0] | vm86_ring0_segs[1] | vm86_ring0_segs[2] |
	      vm86_ring0_segs[3], 0, "ring 0 from VM86: DS/ES/FS/GS null");

	vm86_enter(vm86_cli - vm86_blob, 0);
	check(vm86_vector, 13, "VM86: CLI with IOPL 0 raises #GP");
	check(vm86_error, 0, "VM86 #GP: error code");
	check(vm86_frame[0], vm86_cli - vm86_blob, "VM86 #GP frame: EIP of the CLI");
	check(vm86_frame[1], 0x2000, "VM86 #GP frame: CS");
	check(vm86_frame[2] & F_VM, F_VM, "VM86 #GP frame: EFLAGS.VM");

	idt_table()[13] = old_gp;
}

/* A task whose TSS has EFLAGS.VM: the switch enters virtual-8086 mode;
 * its INT 0x30 goes through a DPL 3 task gate back to task A. */
static void test_vm86_task(void)
{
	uint64_t old_int30 = idt_table()[0x30];

	memset((void *)0x30010, 0, 8);
	memset(&tss_v, 0, sizeof(tss_v));
	tss_v.eip = 0;
	tss_v.eflags = F_VM | F_IOPL3 | 2;
	tss_v.esp = 0xffe0;
	tss_v.cs = 0x2000;
	tss_v.ss = 0x4000;
	tss_v.ds = 0x3000;
	tss_v.es = tss_v.fs = tss_v.gs = 0x3000;
	tss_v.cr3 = (uint32_t)(uintptr_t)pd_a;
	tss_v.esp0 = (uint32_t)(uintptr_t)(stack_de + sizeof(stack_de));
	tss_v.ss0 = SEL_KDATA;
	tss_v.iomap = sizeof(tss_v);
	set_idt(0x30, gate_desc(SEL_TSS_A, 0, 0xe5, 0));

	task_jmp_v();
	uint32_t flags = read_eflags();

	check(*(volatile uint16_t *)0x30012, 0x3579, "VM86 task: ran its real-mode code");
	check(flags & F_NT, F_NT, "INT 0x30 task gate: task A nested (NT)");
	check(tss_a.link, SEL_TSS_V, "task A's back-link = the VM86 task");
	check(tss_v.eflags & F_VM, F_VM, "VM86 task's TSS: saved EFLAGS.VM");
	check(tss_v.cs, 0x2000, "VM86 task's TSS: saved CS");
	check(tss_v.eip, vm86_int_next - vm86_blob, "VM86 task's TSS: saved EIP");
	check(tss_v.ss, 0x4000, "VM86 task's TSS: saved SS");
	check(tss_v.esp, 0xffe0, "VM86 task's TSS: saved ESP");
	check(tss_v.ds, 0x3000, "VM86 task's TSS: saved DS");

	/* Drop the nesting: nobody returns to task V. */
	asm volatile("pushf; andl $~0x4000, (%%esp); popf" : : : "memory", "cc");
	gdt[SEL_TSS_V >> 3] &= ~(2ULL << 40);
	idt_table()[0x30] = old_int30;
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi, (void)cmdline;
	setup_gdt();
	setup_paging();
	tss_init(&tss_a, 0, ring0_stack, 0, (uint32_t)(uintptr_t)pd_a, 0);
	tss_a.esp0 = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
	tss_a.ss0 = SEL_KDATA;
	asm volatile("ltr %w0" : : "r"(SEL_TSS_A));
	test_rings();
	test_task_jmp();
	test_task_call();
	test_task_exceptions();
	test_vm86();
	test_vm86_task();
}
