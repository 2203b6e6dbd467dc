/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software CPU's CPUID models (target/i386/tcg/tcg-cpuid.c through
 * x86_cpu_build_cpuid): -cpu max is what TCG implements, qemu64 stays the
 * baseline, and features TCG lacks cannot be switched on.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "vireo/memory.h"

static X86CPU *cpu;

/* Builds the leaves for `spec` as tcg_vcpu_init does. */
static void build(const char *spec)
{
    GError *err = NULL;
    unsigned n;
    const CpuidEntry *sup = tcg_supported_cpuid(&n);
    g_assert_true(x86_cpu_build_cpuid(cpu, spec, sup, n, 1, &err));
    g_assert_no_error(err);
}

static uint32_t reg(uint32_t leaf, uint32_t sub, char r)
{
    const CpuidEntry *e = x86_cpuid_find(cpu, leaf, sub);
    if (!e) {
        return 0;
    }
    return r == 'a' ? e->eax : r == 'b' ? e->ebx : r == 'c' ? e->ecx : e->edx;
}

static bool bit(uint32_t leaf, char r, unsigned b)
{
    return (reg(leaf, 0, r) >> b) & 1;
}

static void test_max_has_implemented_features(void)
{
    build("max");
    g_assert_true(bit(1, 'c', 26));             /* xsave */
    g_assert_true(bit(1, 'c', 17));             /* pcid */
    g_assert_true(bit(1, 'c', 19));             /* sse4.1 */
    g_assert_true(bit(1, 'c', 20));             /* sse4.2 (with CRC32) */
    g_assert_true(bit(1, 'c', 23));             /* popcnt */
    g_assert_true(bit(7, 'b', 7));              /* smep */
    g_assert_true(bit(7, 'b', 20));             /* smap */
    g_assert_true(bit(7, 'b', 10));             /* invpcid */
    g_assert_true(bit(0x80000001, 'd', 20));    /* nx */
    g_assert_true(bit(0x80000001, 'd', 27));    /* rdtscp */
    g_assert_true(bit(0x80000001, 'd', 26));    /* pdpe1gb */
    g_assert_true(bit(0x80000001, 'd', 29));    /* lm */
    /* Not implemented: never advertised. */
    g_assert_false(bit(1, 'c', 22));            /* movbe */
    g_assert_false(bit(1, 'c', 28));            /* avx */
    g_assert_false(bit(7, 'b', 0));             /* fsgsbase */
    g_assert_false(bit(1, 'c', 27));            /* OSXSAVE: from CR4 only */
}

/* Leaf 0xd agrees with leaf 1: x87 and SSE, a 576-byte area, XSAVEOPT. */
static void test_max_xsave_leaf(void)
{
    build("max");
    g_assert_cmphex(reg(0xd, 0, 'a'), ==, 3);
    g_assert_cmphex(reg(0xd, 0, 'd'), ==, 0);
    g_assert_cmpuint(reg(0xd, 0, 'b'), ==, 576);
    g_assert_cmpuint(reg(0xd, 0, 'c'), ==, 576);
    g_assert_cmphex(reg(0xd, 1, 'a') & 1, ==, 1);
    g_assert_cmphex(reg(0xd, 2, 'a'), ==, 0);   /* no AVX component */
    g_assert_cmphex(reg(0, 0, 'a'), >=, 0xd);
}

static void test_qemu64_is_the_baseline(void)
{
    build("qemu64");
    g_assert_true(bit(1, 'd', 26));             /* sse2 */
    g_assert_true(bit(1, 'c', 13));             /* cx16 */
    g_assert_true(bit(0x80000001, 'd', 20));    /* nx */
    g_assert_false(bit(1, 'c', 26));            /* xsave */
    g_assert_false(bit(7, 'b', 7));             /* smep */
    g_assert_false(bit(7, 'b', 20));            /* smap */
    g_assert_false(bit(1, 'c', 17));            /* pcid */
}

static void test_plus_feature(void)
{
    build("qemu64,+smep,+xsave");
    g_assert_true(bit(7, 'b', 7));
    g_assert_true(bit(1, 'c', 26));
    g_assert_cmpuint(reg(0xd, 0, 'b'), ==, 576);    /* its layout comes too */
    build("qemu64");
    g_assert_cmpuint(reg(0xd, 0, 'b'), ==, 0);
    build("max,-smap");
    g_assert_false(bit(7, 'b', 20));
    g_assert_true(bit(7, 'b', 7));
}

/* A feature TCG lacks: a warning (as KVM gives for the host), and off. */
static void test_plus_unimplemented_feature_stays_off(void)
{
    if (g_test_subprocess()) {
        build("qemu64,+avx");
        g_assert_false(bit(1, 'c', 28));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*doesn't support requested feature: avx*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    GError *err = NULL;
    memory_system_init();
    DeviceState *dev = device_new(TYPE_X86_CPU, &err);
    g_assert_no_error(err);
    cpu = X86_CPU(dev);
    g_test_add_func("/tcg/cpuid/max", test_max_has_implemented_features);
    g_test_add_func("/tcg/cpuid/max-xsave-leaf", test_max_xsave_leaf);
    g_test_add_func("/tcg/cpuid/qemu64", test_qemu64_is_the_baseline);
    g_test_add_func("/tcg/cpuid/plus-feature", test_plus_feature);
    g_test_add_func("/tcg/cpuid/plus-unimplemented",
                    test_plus_unimplemented_feature_stays_off);
    return g_test_run();
}
