/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: 1/2/4/8-byte MMIO checks against the pc-testdev
 * memory window (64 KiB of RAM-like storage at TESTDEV_MMIO).
 */
#include "lib.h"
#include "x86.h"

#ifdef __x86_64__
static uint64_t mmio_read64(uintptr_t a) { return *(volatile uint64_t *)a; }
static void mmio_write64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
#else
/* 32-bit code has no 8-byte GPR access; an MMX movq (0f 6f / 0f 7f) is one
 * genuine 8-byte access, and one that KVM's instruction emulator handles
 * (it has no SSE movq), so the test also runs where every MMIO access is
 * emulated. mm0 is not listed as clobbered (-mgeneral-regs-only forbids it)
 * and the compiler never uses it here. No emms: the emulator lacks it
 * too, and these kernels use no x87 code. */
static uint64_t mmio_read64(uintptr_t a)
{
	uint64_t v;

	asm volatile("movq (%1), %%mm0; movq %%mm0, %0" : "=m"(v) : "r"(a));
	return v;
}

static void mmio_write64(uintptr_t a, uint64_t v)
{
	asm volatile("movq %0, %%mm0; movq %%mm0, (%1)" : : "m"(v), "r"(a) : "memory");
}
#endif

void testdev_mmio_check(void)
{
	const uintptr_t b = TESTDEV_MMIO;
	const uint64_t pat = 0x0123456789abcdefull;

#ifndef __x86_64__
	write_cr0((read_cr0() & ~(1ul << 2)) | 1ul << 1);	/* EM=0, MP=1 */
	write_cr4(read_cr4() | 1ul << 9 | 1ul << 10);	/* OSFXSR, OSXMMEXCPT */
#endif
	/* One 8-byte write, read back at every width and offset. */
	mmio_write64(b, pat);
	for (int i = 0; i < 8; i++)
		check(mmio_read8(b + i), (uint8_t)(pat >> 8 * i), "mmio read8 [0x%lx]", (unsigned long)b + i);
	for (int i = 0; i < 8; i += 2)
		check(mmio_read16(b + i), (uint16_t)(pat >> 8 * i), "mmio read16 [0x%lx]", (unsigned long)b + i);
	for (int i = 0; i < 8; i += 4)
		check(mmio_read32(b + i), (uint32_t)(pat >> 8 * i), "mmio read32 [0x%lx]", (unsigned long)b + i);
	check(mmio_read64(b), pat, "mmio read64 [0x%lx]", (unsigned long)b);

	/* Narrow writes assembled into wider reads. */
	for (int i = 0; i < 8; i++)
		mmio_write8(b + 8 + i, 0x10 + i);
	check(mmio_read64(b + 8), 0x1716151413121110ull, "mmio write8 x8, read64 [0x%lx]", (unsigned long)b + 8);
	mmio_write16(b + 16, 0xbeef);
	mmio_write16(b + 18, 0xdead);
	mmio_write32(b + 20, 0xcafef00d);
	check(mmio_read64(b + 16), 0xcafef00ddeadbeefull, "mmio write16/32, read64 [0x%lx]", (unsigned long)b + 16);
	check(mmio_read32(b + 18), 0xf00ddeadu, "mmio read32 [0x%lx] (unaligned)", (unsigned long)b + 18);

	/* The last bytes of the 64 KiB window. */
	mmio_write64(b + 0xfff8, ~pat);
	check(mmio_read32(b + 0xfffc), (uint32_t)(~pat >> 32), "mmio read32 [0x%lx]", (unsigned long)b + 0xfffc);
	check(mmio_read8(b + 0xffff), (uint8_t)(~pat >> 56), "mmio read8 [0x%lx]", (unsigned long)b + 0xffff);
}
