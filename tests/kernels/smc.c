/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "smc": self-modifying code (Intel SDM vol. 3, 11.6):
 * a store to the immediate of the very next instruction, to a function on
 * another page between two calls, and a loop that rewrites the instruction
 * after its store on every pass. The new bytes must take effect at once.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "smc";

/* The next instruction in the same block: "mov $imm32, %eax" (B8 imm32)
 * whose immediate the preceding store rewrites. */
static __attribute__((noinline)) uint32_t patch_next(uint32_t v)
{
	uint32_t r;

	asm volatile("movl %1, 1f + 1\n"
		     "1: movl $0x11111111, %0"
		     : "=a"(r) : "r"(v) : "memory");
	return r;
}

/* A function alone on its page: "mov $imm32, %eax; ret". */
extern uint32_t far_func(void);
extern uint32_t far_func_imm[];
asm(".text\n"
    ".balign 4096\n"
    ".globl far_func, far_func_imm\n"
    "far_func: .byte 0xb8\n"
    "far_func_imm: .long 0x22222222\n"
    "	ret\n"
    ".balign 4096\n");

/* Each pass stores the counter into the immediate of the following
 * "add $imm32, %ebx" (81 C3 imm32), so the sum is 1 + 2 + ... + n. */
static __attribute__((noinline)) uint32_t self_loop(uint32_t n)
{
	uint32_t sum = 0, k = 1;

	asm volatile("2: movl %1, 3f + 2\n"
		     "3: .byte 0x81, 0xc3\n"
		     "   .long 0\n"
		     "   incl %1\n"
		     "   cmpl %2, %1\n"
		     "   jbe 2b"
		     : "+b"(sum), "+r"(k) : "r"(n) : "memory", "cc");
	return sum;
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi;
	(void)cmdline;
	check(patch_next(0xabcd0001), 0xabcd0001, "patched next instruction, first run");
	check(patch_next(0xabcd0002), 0xabcd0002, "patched next instruction, second run");
	check(far_func(), 0x22222222, "function on another page, before the patch");
	far_func_imm[0] = 0x33333333;
	check(far_func(), 0x33333333, "function on another page, after the patch");
	far_func_imm[0] = 0x44444444;
	check(far_func(), 0x44444444, "function on another page, patched again");
	check(self_loop(10), 55, "loop rewriting its next instruction, 10 passes");
	check(self_loop(100), 5050, "the same loop, 100 passes");
}
