/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software TLB across CR3 writes with PCIDs (Intel SDM vol. 3,
 * 4.10.4.1): bit 63 keeps the current PCID's entries, a plain write drops
 * them, another PCID never sees them; CR4.PCIDE only where CPUID has it.
 */
#include "test-tcg-harness.h"

#define CODE 0x100000
#define PT 0x7000               /* page table for 16 MiB (PD entry 8) */
#define VA 0x1000000
#define FRAME_A 0x200000
#define FRAME_B 0x201000

/* Use the CPUID model TCG gives -cpu <spec>. */
static void model(const char *spec)
{
    GError *err = NULL;
    unsigned n;
    const CpuidEntry *sup = tcg_supported_cpuid(&n);
    g_assert_true(x86_cpu_build_cpuid(h_cpu, spec, sup, n, 1, &err));
    harness_tables();
    h_long_mode();
    tlb_flush(h_t);
}

/* rsi = VA, rbp = its PTE, rdi = PTE of frame B, rdx = PTE of frame A:
 *   CR4 |= PGE | PCIDE; r8 = [VA]; PTE = B;
 *   CR3 |= 1 << 63 (PCID 0, no flush); r9 = [VA];
 *   CR3 plain; r10 = [VA]; PTE = A;
 *   CR3 = PCID 1 | 1 << 63; r11 = [VA]; hlt */
static const uint8_t pcid_code[] = {
    0x0f, 0x20, 0xe0, 0x48, 0x0d, 0x80, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xe0,
    0x4c, 0x8b, 0x06, 0x48, 0x89, 0x7d, 0x00, 0x0f, 0x20, 0xd8, 0x48, 0x0f,
    0xba, 0xe8, 0x3f, 0x0f, 0x22, 0xd8, 0x4c, 0x8b, 0x0e, 0x48, 0x0f, 0xba,
    0xf0, 0x3f, 0x0f, 0x22, 0xd8, 0x4c, 0x8b, 0x16, 0x48, 0x89, 0x55, 0x00,
    0x48, 0x83, 0xc8, 0x01, 0x48, 0x0f, 0xba, 0xe8, 0x3f, 0x0f, 0x22, 0xd8,
    0x4c, 0x8b, 0x1e, 0xf4,
};

/* -cpu max; VA maps frame A (0xaaaa), frame B holds 0xbbbb; code at
 * CODE; rsi = VA, rbp = its PTE, rdi = a PTE for frame B. */
static void setup_two_frames(const uint8_t *code, size_t len)
{
    X86State *env = &h_cpu->env;
    model("max");
    h_put64(H_PML4 + 0x2000 + 8 * 8, PT | 3);
    h_put64(PT, FRAME_A | 3);
    h_put64(FRAME_A, 0xaaaa);
    h_put64(FRAME_B, 0xbbbb);
    harness_code(CODE, code, len);
    env->regs[R_ESI] = VA;
    env->regs[R_EBP] = PT;
    env->regs[R_EDI] = FRAME_B | 3;
}

static void test_pcid_cr3_writes(void)
{
    X86State *env = &h_cpu->env;
    setup_two_frames(pcid_code, sizeof(pcid_code));
    env->regs[R_EDX] = FRAME_A | 3;
    g_assert_cmpint(harness_run(CODE), ==, -1);
    g_assert_cmphex(env->regs[8], ==, 0xaaaa);
    g_assert_cmphex(env->regs[9], ==, 0xaaaa);     /* kept: no flush */
    g_assert_cmphex(env->regs[10], ==, 0xbbbb);    /* flushed */
    g_assert_cmphex(env->regs[11], ==, 0xaaaa);    /* PCID 1: fresh walk */
    g_assert_cmphex(env->cr3 & 0xfff, ==, 1);
    g_assert_cmphex(env->cr3 >> 63, ==, 0);
}

/* mov %cr4,%rax; or $0x20000,%rax (PCIDE); mov %rax,%cr4; hlt */
static const uint8_t set_pcide[] = {
    0x0f, 0x20, 0xe0, 0x48, 0x0d, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xe0, 0xf4,
};

static void test_pcide_needs_cpuid(void)
{
    model("qemu64");
    harness_code(CODE, set_pcide, sizeof(set_pcide));
    g_assert_cmpint(harness_run(CODE), ==, EXCP_GP);
    model("max");
    harness_code(CODE, set_pcide, sizeof(set_pcide));
    g_assert_cmpint(harness_run(CODE), ==, -1);
}

static void test_pcide_needs_pcid_zero(void)
{
    model("max");
    h_cpu->env.cr3 |= 5;
    harness_code(CODE, set_pcide, sizeof(set_pcide));
    g_assert_cmpint(harness_run(CODE), ==, EXCP_GP);
}

/* r8 = [VA]; PTE = B; r9 = [VA] (stale); invpcid rcx, [rbx]; r10 = [VA]; hlt */
static const uint8_t invpcid_code[] = {
    0x4c, 0x8b, 0x06, 0x48, 0x89, 0x7d, 0x00, 0x4c, 0x8b, 0x0e,
    0x66, 0x0f, 0x38, 0x82, 0x0b, 0x4c, 0x8b, 0x16, 0xf4,
};
#define DESC 0x9000

static int run_invpcid(uint64_t type)
{
    X86State *env = &h_cpu->env;
    setup_two_frames(invpcid_code, sizeof(invpcid_code));
    h_put64(DESC, 0);                   /* PCID 0 */
    h_put64(DESC + 8, VA);
    env->regs[R_EBX] = DESC;
    env->regs[R_ECX] = type;
    return harness_run(CODE);
}

/* INVPCID type 0 drops the page's entry; a type above 3 is #GP. */
static void test_invpcid(void)
{
    X86State *env = &h_cpu->env;
    g_assert_cmpint(run_invpcid(0), ==, -1);
    g_assert_cmphex(env->regs[8], ==, 0xaaaa);
    g_assert_cmphex(env->regs[9], ==, 0xaaaa);      /* still cached */
    g_assert_cmphex(env->regs[10], ==, 0xbbbb);     /* dropped: walked */
    g_assert_cmpint(run_invpcid(2), ==, -1);
    g_assert_cmphex(env->regs[10], ==, 0xbbbb);
    g_assert_cmpint(run_invpcid(4), ==, EXCP_GP);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init("max");
    g_test_add_func("/tcg/paging/pcid-cr3-writes", test_pcid_cr3_writes);
    g_test_add_func("/tcg/paging/pcide-needs-cpuid", test_pcide_needs_cpuid);
    g_test_add_func("/tcg/paging/pcide-needs-pcid-zero", test_pcide_needs_pcid_zero);
    g_test_add_func("/tcg/paging/invpcid", test_invpcid);
    return g_test_run();
}
