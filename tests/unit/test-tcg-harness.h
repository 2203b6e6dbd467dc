/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A software CPU without a machine, for the TCG unit tests: 16 MiB of RAM,
 * one vCPU run on the test's thread, in 64-bit mode with the low 16 MiB
 * identity-mapped (2 MiB pages), a GDT, and an IDT whose 32 exception
 * vectors each lead to a HLT, so a test can tell which one was taken.
 */
#ifndef TEST_TCG_HARNESS_H
#define TEST_TCG_HARNESS_H

#include "target/i386/tcg/x86-tcg.h"
#include "vireo/accel.h"
#include "vireo/memory.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define H_RAM_SIZE (16u << 20)
#define H_GDT 0x1000
#define H_IDT 0x2000
#define H_PML4 0x4000          /* PML4, PDPT, PD at 0x4000, 0x5000, 0x6000 */
#define H_STUBS 0x8000         /* vector v's HLT at H_STUBS + 16 * v */
#define H_STACK 0x80000

static MemoryRegion h_ram;
static uint8_t *h_mem;
static X86CPU *h_cpu;
static X86Tcg *h_t;

static void h_put64(uint64_t addr, uint64_t v)
{
    memcpy(h_mem + addr, &v, 8);
}

/* Segment and table setup for 64-bit mode at CPL 0. */
static void h_long_mode(void)
{
    X86State *env = &h_cpu->env;
    x86_cpu_reset_state(h_cpu);
    env->cr0 = CR0_PE | CR0_PG | CR0_ET;
    env->cr4 = CR4_PAE | CR4_OSFXSR;
    env->cr3 = H_PML4;
    env->efer = EFER_LME | EFER_LMA | (1u << 11);
    env->segs[R_CS] = (SegmentCache){ .selector = 8, .limit = 0xffffffff,
                                      .type = 0xb, .s = 1, .present = 1, .l = 1,
                                      .g = 1 };
    for (int s = 0; s < NR_SEGS; s++) {
        if (s != R_CS) {
            env->segs[s] = (SegmentCache){ .selector = 0x10, .limit = 0xffffffff,
                                           .type = 3, .s = 1, .present = 1,
                                           .db = 1, .g = 1 };
        }
    }
    env->gdt = (DescriptorTable){ H_GDT, 23 };
    env->idt = (DescriptorTable){ H_IDT, 32 * 16 - 1 };
    env->regs[R_ESP] = H_STACK;
    env->rflags = 2;
}

static void harness_tables(void);

static void harness_init(const char *cpu_spec)
{
    GError *err = NULL;
    memory_system_init();
    g_assert_true(memory_region_init_ram(&h_ram, NULL, "ram", H_RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), 0, &h_ram);
    h_mem = memory_region_get_ram_ptr(&h_ram);
    const AccelOps *tcg = accel_find("tcg");
    g_assert_nonnull(tcg);
    /* meson runs each TCG test twice: with the code generator and
     * without (the interpreter alone). */
    accel_tcg_jit = g_strcmp0(g_getenv("VIREO_TEST_TCG_JIT"), "off") != 0;
    g_assert_true(tcg->init(NULL, &err));
    DeviceState *dev = device_new(TYPE_X86_CPU, &err);
    g_assert_no_error(err);
    g_assert_true(device_realize_on_bus(dev, NULL, &err));
    h_cpu = X86_CPU(dev);
    if (!cpus) {
        cpus = g_ptr_array_new();
    }
    g_ptr_array_add(cpus, CPU(dev));
    g_assert_true(tcg->vcpu_init(CPU(dev), &err));
    g_assert_true(x86_cpu_build_cpuid(h_cpu, cpu_spec, NULL, 0, 1, &err));
    h_t = CPU(dev)->accel;
    harness_tables();
    h_long_mode();
}

/* (Re)writes the page tables, GDT, IDT and exception stubs. */
static void harness_tables(void)
{
    /* Identity map of 0-16 MiB with 2 MiB supervisor pages (the upper
     * levels allow user access, so a test can open a page to CPL 3). */
    h_put64(H_PML4, (H_PML4 + 0x1000) | 7);
    h_put64(H_PML4 + 0x1000, (H_PML4 + 0x2000) | 7);
    for (int k = 0; k < 8; k++) {
        h_put64(H_PML4 + 0x2000 + 8 * k, ((uint64_t)k << 21) | 0x83);
    }
    /* GDT: null, 64-bit code (0x08), data (0x10). */
    h_put64(H_GDT + 8, 0x00209a0000000000ULL);
    h_put64(H_GDT + 16, 0x00cf92000000ffffULL);
    /* IDT: interrupt gates to the stubs. */
    for (int v = 0; v < 32; v++) {
        uint64_t target = H_STUBS + 16 * v;
        uint64_t lo = (target & 0xffff) | (8ULL << 16) | (0x8eULL << 40) |
                      ((target & 0xffff0000ULL) << 32);
        h_put64(H_IDT + 16 * v, lo);
        h_put64(H_IDT + 16 * v + 8, target >> 32);
        h_mem[target] = 0xf4;
    }
    tb_invalidate_phys_range(0, 0x10000, NULL);
}

/* Puts code at addr (dropping what was translated from there). */
static void harness_code(uint64_t addr, const void *code, size_t len)
{
    memcpy(h_mem + addr, code, len);
    tb_invalidate_phys_range(addr, len, NULL);
}

/* Runs from rip until a HLT. Returns the exception vector taken, or -1
 * if execution reached a HLT outside the stubs. */
static int harness_run(uint64_t rip)
{
    X86State *env = &h_cpu->env;
    env->rip = rip;
    x86_tcg_load(h_t);
    h_t->halted = false;
    for (int k = 0; k < 1000 && !h_t->halted; k++) {
        tcg_cpu_exec(h_t);
    }
    x86_tcg_store(h_t);
    g_assert_true(h_t->halted);
    CPU(h_cpu)->halted = false;
    h_t->halted = false;
    uint64_t at = env->rip - 1;
    if (at >= H_STUBS && at < H_STUBS + 32 * 16) {
        return (at - H_STUBS) / 16;
    }
    return -1;
}

/* --- Running the same code natively, for differential tests --- */

static sigjmp_buf native_jmp G_GNUC_UNUSED;
static volatile int native_sig G_GNUC_UNUSED;

static G_GNUC_UNUSED void native_fault(int sig)
{
    native_sig = sig;
    siglongjmp(native_jmp, 1);
}

/* Forks. The parent waits for the child to finish cleanly and gets NULL;
 * the child gets an executable page to put code in, with faults turned
 * into a siglongjmp to native_jmp (native_sig says which). */
static inline uint8_t *native_child(void)
{
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid) {
        int status;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return NULL;
    }
    struct sigaction sa = { .sa_handler = native_fault, .sa_flags = SA_NODEFER };
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    return mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

#endif
