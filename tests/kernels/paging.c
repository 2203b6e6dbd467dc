/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "paging": PAE paging with NX (Intel SDM vol. 3, ch. 4):
 * #PF error codes and CR2 (not present, read-only with and without
 * CR0.WP, user access to a supervisor page, NX fetch, reserved bit),
 * A/D bits, INVLPG, global pages across CR3 reloads, SMEP, SMAP with
 * STAC/CLAC, and an XSAVE/XRSTOR round trip of XMM0.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "paging";

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PF_P 1
#define PF_W 2
#define PF_U 4
#define PF_RSVD 8
#define PF_I 16

#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define EFLAGS_AC (1u << 18)

/* Test pages: virtual VBASE + n * 4 KiB, through pt[n]. */
#define VBASE 0x40000000u
#define VPAGE(n) (VBASE + (n) * 4096u)

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd0[512] __attribute__((aligned(4096)));
static uint64_t pd1[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t frames[16][4096] __attribute__((aligned(4096)));
static uint8_t xsave_area[1024] __attribute__((aligned(64)));

/* --- Page faults --- */

static volatile unsigned pf_count;
static volatile unsigned long pf_err, pf_cr2;
static void (*pf_fix)(void);	/* makes the access succeed on retry */
static volatile int user_mode_fault;

void user_return(void);

static unsigned long read_cr2(void)
{
	unsigned long v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static unsigned long read_cr3(void)
{
	unsigned long v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void write_cr3(unsigned long v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static void invlpg(unsigned long a)
{
	asm volatile("invlpg (%0)" : : "r"(a) : "memory");
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static void pf_handler(struct frame *f)
{
	pf_count++;
	pf_err = f->error;
	pf_cr2 = read_cr2();
	if (f->cs & 3) {
		user_mode_fault = 14;
		user_return();
	}
	if (!pf_fix)
		fail("unexpected #PF, error 0x%lx, CR2 0x%lx, at %lx",
		     f->error, pf_cr2, f->ip);
	pf_fix();
	pf_fix = 0;
}

static void ud_handler(struct frame *f)
{
	if (!(f->cs & 3))
		fail("#UD at %lx", f->ip);
	user_mode_fault = 6;
	user_return();
}

static void map(unsigned n, uint64_t flags)
{
	pt[n] = (uint32_t)(uintptr_t)frames[n] | flags;
	invlpg(VPAGE(n));
}

/* The CPU writes A/D bits behind the compiler's back. */
static uint64_t pte_now(volatile uint64_t *e)
{
	return *e;
}

static volatile uint32_t *vword(unsigned n)
{
	return (volatile uint32_t *)VPAGE(n);
}

/* Expects exactly one #PF with `err` at `addr` while `what` ran. */
static void expect_pf(unsigned before, unsigned long err, unsigned long addr,
		      const char *what)
{
	check(pf_count - before, 1, "%s: #PF count", what);
	check(pf_err, err, "%s: error code", what);
	check(pf_cr2, addr, "%s: CR2", what);
}

static unsigned fix_n;
static uint64_t fix_flags;

static void fix_map(void)
{
	map(fix_n, fix_flags);
}

static void arm_fix(unsigned n, uint64_t flags)
{
	fix_n = n;
	fix_flags = flags;
	pf_fix = fix_map;
}

/* --- Ring 3 (for U/S): a GDT with user segments and a TSS --- */

struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t regs[8], es, cs, ss, ds, fs, gs, ldt, iomap;
};
static struct tss32 tss;
static uint64_t gdt2[6];
static uint8_t kstack0[8192] __attribute__((aligned(16)));
unsigned long user_saved_esp;

void user_run(uint32_t eip, uint32_t esp);
asm(".text\n"
    ".globl user_run\n"
    "user_run:\n"
    "	push %ebp\n	push %ebx\n	push %esi\n	push %edi\n"
    "	mov %esp, user_saved_esp\n"
    "	mov 20(%esp), %eax\n	mov 24(%esp), %ecx\n"
    "	push $0x23\n	push %ecx\n	pushf\n	push $0x1b\n	push %eax\n"
    "	mov $0x23, %dx\n	mov %dx, %ds\n	mov %dx, %es\n"
    "	iret\n"
    ".globl user_return\n"
    "user_return:\n"
    "	mov $0x10, %dx\n	mov %dx, %ds\n	mov %dx, %es\n"
    "	mov user_saved_esp, %esp\n"
    "	pop %edi\n	pop %esi\n	pop %ebx\n	pop %ebp\n"
    "	ret\n");

static void user_setup(void)
{
	uint32_t base = (uint32_t)(uintptr_t)&tss;

	gdt2[1] = 0x00cf9b000000ffffull;
	gdt2[2] = 0x00cf93000000ffffull;
	gdt2[3] = 0x00cffb000000ffffull;	/* 0x1b: user code */
	gdt2[4] = 0x00cff3000000ffffull;	/* 0x23: user data */
	gdt2[5] = (sizeof(tss) - 1) | (uint64_t)(base & 0xffffff) << 16 |
		  0x89ull << 40 | (uint64_t)(base >> 24) << 56;
	tss.ss0 = 0x10;
	tss.esp0 = (uint32_t)(uintptr_t)(kstack0 + sizeof(kstack0));
	tss.iomap = sizeof(tss);
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt2) - 1, (uint32_t)(uintptr_t)gdt2 };
	asm volatile("lgdt %0; ltr %w1" : : "m"(gdtr), "r"(0x28) : "memory");
}

/* Runs "mov eax, [addr]; ud2" at CPL 3 from user page `code`; returns
 * the vector that ended it (6: the read worked). */
static int user_read(unsigned code, uint32_t addr)
{
	uint8_t *p = frames[code];

	map(code, PTE_P | PTE_W | PTE_U);
	p[0] = 0xa1;
	memcpy(p + 1, &addr, 4);
	p[5] = 0x0f;
	p[6] = 0x0b;
	user_mode_fault = 0;
	user_run(VPAGE(code), VPAGE(code) + 4096);
	return user_mode_fault;
}

/* --- Set-up --- */

static void paging_on(void)
{
	uint32_t r[4];

	for (unsigned i = 0; i < 512; i++)	/* identity, 2 MiB supervisor pages */
		pd0[i] = (uint64_t)i << 21 | PTE_P | PTE_W | PTE_PS;
	pd1[0] = (uint32_t)(uintptr_t)pt | PTE_P | PTE_W | PTE_U;
	pdpt[0] = (uint32_t)(uintptr_t)pd0 | PTE_P;
	pdpt[1] = (uint32_t)(uintptr_t)pd1 | PTE_P;
	cpuid(0x80000001, 0, r);
	if (!(r[3] & (1u << 20)))
		fail("no NX in CPUID");
	wrmsr(0xc0000080, rdmsr(0xc0000080) | (1u << 11));	/* EFER.NXE */
	write_cr4(read_cr4() | CR4_PAE | CR4_PGE);
	write_cr3((uint32_t)(uintptr_t)pdpt);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
	kprintf("paging: PAE paging with NX on\n");
}

/* --- The checks --- */

static void test_not_present(void)
{
	unsigned c = pf_count;

	frames[0][16] = 0x5a;
	pt[0] = 0;
	invlpg(VPAGE(0));
	arm_fix(0, PTE_P | PTE_W);
	check(*(volatile uint8_t *)(VPAGE(0) + 16), 0x5a, "read of a page mapped by the #PF handler");
	expect_pf(c, 0, VPAGE(0) + 16, "not present read");

	c = pf_count;
	pt[1] = 0;
	invlpg(VPAGE(1));
	arm_fix(1, PTE_P | PTE_W);
	*(vword(1) + 3) = 0x1234;
	expect_pf(c, PF_W, VPAGE(1) + 12, "not present write");
	check(*(uint32_t *)(frames[1] + 12), 0x1234, "the retried write");
}

static void test_read_only(void)
{
	unsigned c = pf_count;

	map(2, PTE_P);
	arm_fix(2, PTE_P | PTE_W);
	*vword(2) = 7;
	expect_pf(c, PF_P | PF_W, VPAGE(2), "supervisor write, read-only page, CR0.WP=1");

	map(2, PTE_P);
	c = pf_count;
	write_cr0(read_cr0() & ~CR0_WP);
	*vword(2) = 8;
	write_cr0(read_cr0() | CR0_WP);
	check(pf_count - c, 0, "supervisor write, read-only page, CR0.WP=0: #PF count");
	check(*(uint32_t *)frames[2], 8, "the write with CR0.WP=0");
}

static void test_user(void)
{
	map(3, PTE_P | PTE_W);			/* supervisor data */
	unsigned c = pf_count;
	int v = user_read(4, VPAGE(3));

	check(v, 14, "user read of a supervisor page: vector");
	expect_pf(c, PF_P | PF_U, VPAGE(3), "user read of a supervisor page");
	map(3, PTE_P | PTE_W | PTE_U);
	v = user_read(4, VPAGE(3) + 8);
	check(v, 6, "user read of a user page: reaches the ud2, vector");
	c = pf_count;
	pt[3] = 0;
	invlpg(VPAGE(3));
	v = user_read(4, VPAGE(3) + 8);
	expect_pf(c, PF_U, VPAGE(3) + 8, "user read of a not-present page");
}

static void test_nx(void)
{
	unsigned c = pf_count;

	frames[5][0] = 0xc3;			/* ret */
	map(5, PTE_P | PTE_W | PTE_NX);
	arm_fix(5, PTE_P | PTE_W);
	((void (*)(void))VPAGE(5))();
	expect_pf(c, PF_P | PF_I, VPAGE(5), "fetch from an NX page");
}

static void test_reserved(void)
{
	unsigned c = pf_count;

	map(6, PTE_P | PTE_W | (1ull << 51));
	arm_fix(6, PTE_P | PTE_W);
	(void)*vword(6);
	expect_pf(c, PF_P | PF_RSVD, VPAGE(6), "read through a PTE with reserved bit 51");
}

static void test_accessed_dirty(void)
{
	map(7, PTE_P | PTE_W);
	check(pte_now(&pt[7]) & (PTE_A | PTE_D), 0, "A/D before any access");
	(void)*vword(7);
	check(pte_now(&pt[7]) & (PTE_A | PTE_D), PTE_A, "A/D after a read");
	*vword(7) = 1;
	check(pte_now(&pt[7]) & (PTE_A | PTE_D), PTE_A | PTE_D, "A/D after a write");
	check(pte_now(&pd1[0]) & PTE_A, PTE_A, "A in the page directory entry");
}

/* The TLB keeps a translation until INVLPG or a CR3 reload drops it, and
 * a global one even across the reload (SDM 4.10.4). */
static void test_tlb(void)
{
	uint32_t a = (uint32_t)(uintptr_t)frames[0], b = (uint32_t)(uintptr_t)frames[1];
	volatile uint32_t *g = vword(8), *ng = vword(9);

	*(uint32_t *)frames[0] = 0xaaaa;
	*(uint32_t *)frames[1] = 0xbbbb;
	pt[8] = a | PTE_P | PTE_W | PTE_G;
	pt[9] = a | PTE_P | PTE_W;
	invlpg(VPAGE(8));
	invlpg(VPAGE(9));
	check(*g + *ng, 2 * 0xaaaa, "global and non-global pages on frame A");
	pt[9] = b | PTE_P | PTE_W;
	check(*ng, 0xaaaa, "non-global page after a PTE change without INVLPG (stale)");
	pt[8] = b | PTE_P | PTE_W | PTE_G;
	write_cr3(read_cr3());
	check(*ng, 0xbbbb, "non-global page after a CR3 reload");
	check(*g, 0xaaaa, "global page after a CR3 reload (kept)");
	invlpg(VPAGE(8));
	check(*g, 0xbbbb, "global page after INVLPG");
	pt[8] = a | PTE_P | PTE_W | PTE_G;
	write_cr3(read_cr3());
	check(*g, 0xbbbb, "global page after a CR3 reload (kept again)");
	pt[9] = a | PTE_P | PTE_W;
	invlpg(VPAGE(9));
	check(*ng, 0xaaaa, "non-global page after INVLPG");
	check(*g, 0xbbbb, "global page after INVLPG of another page (kept)");
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	check(*g, 0xaaaa, "global page after toggling CR4.PGE");
}

static void test_smep_smap(void)
{
	uint32_t r[4];

	cpuid(7, 0, r);
	if (!(r[1] & (1u << 7)) || !(r[1] & (1u << 20))) {
		kprintf("paging: no SMEP/SMAP in CPUID: skipped\n");
		return;
	}
	frames[10][0] = 0xc3;			/* ret */
	map(10, PTE_P | PTE_W | PTE_U);
	write_cr4(read_cr4() | CR4_SMEP);
	unsigned c = pf_count;
	arm_fix(10, PTE_P | PTE_W);
	((void (*)(void))VPAGE(10))();
	expect_pf(c, PF_P | PF_I, VPAGE(10), "SMEP: supervisor fetch from a user page");
	write_cr4(read_cr4() & ~CR4_SMEP);

	map(11, PTE_P | PTE_W | PTE_U);
	*(uint32_t *)frames[11] = 0x600d;
	write_cr4(read_cr4() | CR4_SMAP);
	asm volatile("clac" : : : "memory");
	c = pf_count;
	arm_fix(11, PTE_P | PTE_W);
	check(*vword(11), 0x600d, "SMAP: read after the handler made the page supervisor");
	expect_pf(c, PF_P, VPAGE(11), "SMAP: supervisor read of a user page, AC=0");
	map(11, PTE_P | PTE_W | PTE_U);
	asm volatile("stac" : : : "memory");
	c = pf_count;
	*vword(11) = 0x5eed;
	check(*vword(11), 0x5eed, "SMAP: write and read with AC=1 (STAC)");
	check(pf_count - c, 0, "SMAP: #PF count with AC=1");
	asm volatile("clac" : : : "memory");
	c = pf_count;
	arm_fix(11, PTE_P | PTE_W);
	*vword(11) = 1;				/* the entry is in the TLB now */
	expect_pf(c, PF_P | PF_W, VPAGE(11), "SMAP: write after CLAC, entry cached");
	write_cr4(read_cr4() & ~CR4_SMAP);
}

static void test_xsave(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		kprintf("paging: no XSAVE in CPUID: skipped\n");
		return;
	}
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	cpuid(1, 0, r);
	check(r[2] >> 27 & 1, 1, "CPUID.1:ECX.OSXSAVE after setting CR4.OSXSAVE");
	cpuid(0xd, 0, r);
	check(r[0] & 3, 3, "CPUID.0xD:EAX x87|SSE");
	uint32_t lo = 3, hi = 0;
	asm volatile("xsetbv" : : "c"(0), "a"(lo), "d"(hi));
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	check(lo, 3, "XCR0 after XSETBV");
	static const uint32_t want[4] = { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 };
	uint32_t got[4];
	memset(xsave_area, 0, sizeof(xsave_area));
	asm volatile("movups %0, %%xmm0" : : "m"(want));
	asm volatile("xsave %0" : "+m"(xsave_area) : "a"(3), "d"(0) : "memory");
	check(xsave_area[512] & 3, 3, "XSTATE_BV after XSAVE");
	check(*(uint32_t *)(xsave_area + 160), want[0], "XMM0 in the XSAVE area");
	asm volatile("xorps %%xmm0, %%xmm0" : : : "memory");
	asm volatile("xrstor %0" : : "m"(xsave_area), "a"(3), "d"(0) : "memory");
	asm volatile("movups %%xmm0, %0" : "=m"(got));
	check(got[0] == want[0] && got[1] == want[1] && got[2] == want[2] &&
	      got[3] == want[3], 1, "XMM0 after XRSTOR");
	xsave_area[512] &= ~2;			/* SSE not in use: initialised */
	asm volatile("xrstor %0" : : "m"(xsave_area), "a"(3), "d"(0) : "memory");
	asm volatile("movups %%xmm0, %0" : "=m"(got));
	check(got[0] | got[1] | got[2] | got[3], 0, "XMM0 after XRSTOR with XSTATE_BV.SSE=0");
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi;
	(void)cmdline;
	idt_set_handler(14, pf_handler);
	idt_set_handler(6, ud_handler);
	user_setup();
	paging_on();
	test_not_present();
	test_read_only();
	test_user();
	test_nx();
	test_reserved();
	test_accessed_dirty();
	test_tlb();
	test_smep_smap();
	test_xsave();
}
