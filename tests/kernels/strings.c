/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "strings": REP string instructions are restartable
 * (Intel SDM vol. 2, REP; vol. 3, 6.5): a #PF on a page boundary leaves
 * ECX/ESI/EDI at the faulting element and the copy completes after the
 * handler maps the page; a timer interrupt taken in the middle of a long
 * REP MOVSD returns to the REP instruction and the copy comes out right.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "strings";

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS (1ull << 7)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)

/* Test pages VBASE + n * 4 KiB: even ones present, odd ones not until
 * the #PF handler maps them. */
#define VBASE 0x40000000u
#define VPAGE(n) (VBASE + (n) * 4096u)
#define NPAGES 8

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd0[512] __attribute__((aligned(4096)));
static uint64_t pd1[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t frames[NPAGES][4096] __attribute__((aligned(4096)));
static uint8_t buf[4096] __attribute__((aligned(16)));

/* --- #PF in the middle of a REP --- */

static struct {
	unsigned count;
	unsigned long err, cr2, ecx, esi, edi;
} pf;

static void pf_handler(struct frame *f)
{
	unsigned long cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	pf.count++;
	pf.err = f->error;
	pf.cr2 = cr2;
	pf.edi = f->regs[0];
	pf.esi = f->regs[1];
	pf.ecx = f->regs[6];
	unsigned n = (cr2 - VBASE) / 4096;
	if (cr2 < VBASE || n >= NPAGES || pt[n])
		fail("unexpected #PF at %lx, error 0x%lx, ip %lx", cr2, f->error, f->ip);
	pt[n] = (uint32_t)(uintptr_t)frames[n] | PTE_P | PTE_W;
}

static void paging_on(void)
{
	for (unsigned i = 0; i < 512; i++)
		pd0[i] = (uint64_t)i << 21 | PTE_P | PTE_W | PTE_PS;
	pd1[0] = (uint32_t)(uintptr_t)pt | PTE_P | PTE_W;
	pdpt[0] = (uint32_t)(uintptr_t)pd0 | PTE_P;
	pdpt[1] = (uint32_t)(uintptr_t)pd1 | PTE_P;
	for (unsigned n = 0; n < NPAGES; n += 2)
		pt[n] = (uint32_t)(uintptr_t)frames[n] | PTE_P | PTE_W;
	write_cr4(read_cr4() | CR4_PAE);
	asm volatile("mov %0, %%cr3" : : "r"(pdpt) : "memory");
	write_cr0(read_cr0() | CR0_PG);
}

static void expect_state(const char *what, unsigned long err, unsigned long cr2,
			 unsigned long ecx, unsigned long esi, unsigned long edi)
{
	check(pf.count, 1, "%s: #PF count", what);
	check(pf.err, err, "%s: error code", what);
	check(pf.cr2, cr2, "%s: CR2", what);
	check(pf.ecx, ecx, "%s: ECX at the fault", what);
	if (esi)
		check(pf.esi, esi, "%s: ESI at the fault", what);
	check(pf.edi, edi, "%s: EDI at the fault", what);
	pf.count = 0;
}

static void test_movsb(void)
{
	uint32_t src = VPAGE(1) - 100, dst = (uint32_t)(uintptr_t)buf, n = 300;

	for (unsigned k = 0; k < 300; k++)
		(k < 100 ? frames[0] + 3996 : frames[1] - 100)[k] = k * 7 + 1;
	asm volatile("rep movsb" : "+S"(src), "+D"(dst), "+c"(n) : : "memory");
	expect_state("rep movsb, source into a missing page", 0, VPAGE(1), 200,
		     VPAGE(1), (uintptr_t)buf + 100);
	check(n, 0, "rep movsb: ECX at the end");
	unsigned bad = 0;
	for (unsigned k = 0; k < 300; k++)
		bad += buf[k] != (uint8_t)(k * 7 + 1);
	check(bad, 0, "rep movsb: bytes copied wrong");
}

static void test_movsd(void)
{
	uint32_t src = (uint32_t)(uintptr_t)buf, dst = VPAGE(3) - 40, n = 50;
	uint32_t *w = (uint32_t *)buf;

	for (unsigned k = 0; k < 50; k++)
		w[k] = 0x1000 + k;
	asm volatile("rep movsl" : "+S"(src), "+D"(dst), "+c"(n) : : "memory");
	expect_state("rep movsd, destination into a missing page", 2, VPAGE(3), 40,
		     (uintptr_t)buf + 40, VPAGE(3));
	unsigned bad = 0;
	for (unsigned k = 0; k < 50; k++)
		bad += *(uint32_t *)(VPAGE(3) - 40 + 4 * k) != 0x1000 + k;
	check(bad, 0, "rep movsd: dwords copied wrong");
}

static void test_stosb(void)
{
	uint32_t dst = VPAGE(5) - 7, n = 20;

	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0xab) : "memory");
	expect_state("rep stosb, into a missing page", 2, VPAGE(5), 13, 0, VPAGE(5));
	unsigned bad = 0;
	for (unsigned k = 0; k < 20; k++)
		bad += *(uint8_t *)(VPAGE(5) - 7 + k) != 0xab;
	check(bad, 0, "rep stosb: bytes stored wrong");
}

static void test_cmpsb(void)
{
	uint32_t s1 = VPAGE(7) - 16, s2 = (uint32_t)(uintptr_t)buf, n = 32;
	uint8_t zf;

	for (unsigned k = 0; k < 32; k++) {
		buf[k] = k ^ 0x5c;
		(k < 16 ? frames[6] + 4080 : frames[7] - 16)[k] = k ^ 0x5c;
	}
	asm volatile("repe cmpsb; sete %3"
		     : "+S"(s1), "+D"(s2), "+c"(n), "=q"(zf) : : "memory", "cc");
	expect_state("repe cmpsb, first operand into a missing page", 0, VPAGE(7), 16,
		     VPAGE(7), (uintptr_t)buf + 16);
	check(n, 0, "repe cmpsb: ECX at the end (all equal)");
	check(zf, 1, "repe cmpsb: ZF at the end");
}

/* --- A timer interrupt in the middle of REP MOVSD --- */

#define TIMER_VEC 0x40
#define COPY_SRC 0x01000000u		/* 16 MiB */
#define COPY_DST 0x01800000u		/* 24 MiB */
#define COPY_DWORDS (2u << 20)		/* 8 MiB */

extern const char rep_movsd_insn[];
static volatile unsigned ticks, mid_hits, bad_state;

static void timer_irq(struct frame *f)
{
	ticks++;
	if (f->ip == (uintptr_t)rep_movsd_insn) {
		unsigned long ecx = f->regs[6], done = COPY_DWORDS - ecx;

		if (ecx && ecx < COPY_DWORDS)
			mid_hits++;
		if (f->regs[1] != COPY_SRC + 4 * done || f->regs[0] != COPY_DST + 4 * done)
			bad_state++;
	}
	lapic_write(LAPIC_EOI, 0);
}

static __attribute__((noinline)) void long_copy(void)
{
	uint32_t s = COPY_SRC, d = COPY_DST, n = COPY_DWORDS;

	asm volatile("sti\n"
		     ".globl rep_movsd_insn\n"
		     "rep_movsd_insn: rep movsl\n"
		     "cli"
		     : "+S"(s), "+D"(d), "+c"(n) : : "memory");
}

static void test_interrupted_copy(void)
{
	uint32_t *src = (uint32_t *)COPY_SRC, *dst = (uint32_t *)COPY_DST;
	unsigned tries = 0;

	for (unsigned k = 0; k < COPY_DWORDS; k++)
		src[k] = k * 2654435761u;
	idt_set_handler(TIMER_VEC, timer_irq);
	lapic_enable();
	lapic_write(LAPIC_TIMER_DCR, 0x3);			/* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, TIMER_VEC | 1u << 17);	/* periodic */
	lapic_write(LAPIC_TIMER_ICR, 2000);
	while (!mid_hits && tries < 20) {
		memset(dst, 0, 4 * COPY_DWORDS);
		long_copy();
		tries++;
	}
	lapic_write(LAPIC_LVT_TIMER, 1u << 16);
	lapic_write(LAPIC_TIMER_ICR, 0);
	kprintf("strings: %u timer interrupts in %u copies of 8 MiB\n", ticks, tries);
	check(mid_hits > 0, 1, "rep movsd: interrupted mid-instruction at the REP");
	check(bad_state, 0, "rep movsd: interrupts with ESI/EDI out of step with ECX");
	unsigned bad = 0;
	for (unsigned k = 0; k < COPY_DWORDS; k++)
		bad += dst[k] != k * 2654435761u;
	check(bad, 0, "rep movsd: dwords copied wrong");
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi;
	(void)cmdline;
	test_interrupted_copy();		/* before paging: the APIC is identity */
	idt_set_handler(14, pf_handler);
	paging_on();
	test_movsb();
	test_movsd();
	test_stosb();
	test_cmpsb();
}
