/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software CPU as a whole, without a machine: self-modifying code
 * (within a running block and across blocks), precise page faults with
 * CR2 and error code, a REP MOVS that faults halfway, #DE, #UD, the
 * chaining of blocks, and a loop's speed in guest instructions per second.
 */
#include "test-tcg-harness.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define CODE 0x100000
#define DATA 0x300000
#define UNMAPPED 0x1000000          /* first address past the mapping */

static uint64_t reg(int r)
{
    return h_cpu->env.regs[r];
}

static uint64_t stack_word(int n)
{
    uint64_t v;
    memcpy(&v, h_mem + h_cpu->env.regs[R_ESP] + 8 * n, 8);
    return v;
}

static int run(const void *code, size_t len)
{
    harness_code(CODE, code, len);
    h_long_mode();
    return harness_run(CODE);
}

/* A store rewrites the immediate of an instruction later in the same
 * block; that instruction must see the new value. */
static void test_smc_same_block(void)
{
    static const uint8_t code[] = {
        0x48, 0x8d, 0x05, 0x05, 0x00, 0x00, 0x00,   /* lea 5(%rip), %rax */
        0xc6, 0x40, 0x01, 0x2a,                     /* movb $42, 1(%rax) */
        0x90,                                       /* nop */
        0xb3, 0x01,                                 /* mov $1, %bl <- patched */
        0xf4,                                       /* hlt */
    };
    g_assert_cmpint(run(code, sizeof(code)), ==, -1);
    g_assert_cmpuint(reg(R_EBX) & 0xff, ==, 42);
}

/* Code run once, patched by a store from elsewhere, run again. */
static void test_smc_other_block(void)
{
    static const uint8_t target[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };  /* mov $1,%eax; ret */
    static const uint8_t code[] = {
        0xe8, 0xfb, 0x0f, 0x00, 0x00,               /* call CODE+0x1000 */
        0x89, 0xc3,                                 /* mov %eax, %ebx */
        0xc6, 0x04, 0x25, 0x01, 0x10, 0x10, 0x00, 0x07,   /* movb $7, CODE+0x1001 */
        0xe8, 0xec, 0x0f, 0x00, 0x00,               /* call CODE+0x1000 */
        0xf4,
    };
    harness_code(CODE + 0x1000, target, sizeof(target));
    g_assert_cmpint(run(code, sizeof(code)), ==, -1);
    g_assert_cmpuint(reg(R_EBX), ==, 1);
    g_assert_cmpuint(reg(R_EAX), ==, 7);
}

/* A load from an unmapped address: #PF at the load, CR2 the address,
 * error code "not present, read, supervisor", registers untouched. */
static void test_page_fault(void)
{
    static const uint8_t code[] = {
        0xbb, 0x05, 0x00, 0x00, 0x00,               /* mov $5, %ebx */
        0x48, 0x8b, 0x19,                           /* mov (%rcx), %rbx */
        0xf4,
    };
    harness_code(CODE, code, sizeof(code));
    h_long_mode();
    h_cpu->env.regs[R_ECX] = UNMAPPED + 0x123;
    g_assert_cmpint(harness_run(CODE), ==, EXCP_PF);
    g_assert_cmpuint(h_cpu->env.cr2, ==, UNMAPPED + 0x123);
    g_assert_cmpuint(stack_word(0), ==, 0);             /* error code */
    g_assert_cmpuint(stack_word(1), ==, CODE + 5);      /* the faulting RIP */
    g_assert_cmpuint(reg(R_EBX), ==, 5);
}

/* A write to a read-only page: error code P|W. */
static void test_write_protect(void)
{
    static const uint8_t code[] = { 0x48, 0x89, 0x01, 0xf4 };   /* mov %rax,(%rcx) */
    harness_code(CODE, code, sizeof(code));
    h_long_mode();
    /* 2 MiB page 7 read-only (with CR0.WP), then restore. */
    h_put64(H_PML4 + 0x2000 + 8 * 7, (7ULL << 21) | 0x81);
    h_cpu->env.cr0 |= 1u << 16;
    h_cpu->env.regs[R_ECX] = 7ULL << 21;
    tlb_flush(h_t);
    g_assert_cmpint(harness_run(CODE), ==, EXCP_PF);
    g_assert_cmpuint(stack_word(0), ==, PFERR_P | PFERR_W);
    h_put64(H_PML4 + 0x2000 + 8 * 7, (7ULL << 21) | 0x83);
    tlb_flush(h_t);
}

/* An instruction that ends at the last byte before an unmapped page runs;
 * one that continues into it faults there, at its own RIP, as a fetch. */
static void test_page_end(void)
{
    harness_code(UNMAPPED - 1, "\xf4", 1);                   /* hlt */
    h_long_mode();
    g_assert_cmpint(harness_run(UNMAPPED - 1), ==, -1);
    harness_code(UNMAPPED - 2, "\xb8\x01", 2);               /* mov $imm32, %eax */
    h_long_mode();
    g_assert_cmpint(harness_run(UNMAPPED - 2), ==, EXCP_PF);
    g_assert_cmpuint(h_cpu->env.cr2, ==, UNMAPPED);
    g_assert_cmpuint(stack_word(0), ==, PFERR_I);
    g_assert_cmpuint(stack_word(1), ==, UNMAPPED - 2);
}

/* REP MOVSB from RAM into the unmapped page: the fault comes at the first
 * byte that cannot be written, with RCX/RSI/RDI counting what was done. */
static void test_rep_movs_fault(void)
{
    static const uint8_t code[] = { 0xf3, 0xa4, 0xf4 };         /* rep movsb */
    harness_code(CODE, code, sizeof(code));
    h_long_mode();
    h_cpu->env.regs[R_ESI] = DATA;
    h_cpu->env.regs[R_EDI] = UNMAPPED - 100;
    h_cpu->env.regs[R_ECX] = 300;
    memset(h_mem + DATA, 0x5a, 300);
    g_assert_cmpint(harness_run(CODE), ==, EXCP_PF);
    g_assert_cmpuint(reg(R_ECX), ==, 200);
    g_assert_cmpuint(reg(R_ESI), ==, DATA + 100);
    g_assert_cmpuint(reg(R_EDI), ==, UNMAPPED);
    g_assert_cmpuint(h_cpu->env.cr2, ==, UNMAPPED);
    g_assert_cmpuint(stack_word(1), ==, CODE);
    g_assert_cmpuint(h_mem[UNMAPPED - 1], ==, 0x5a);
}

static void test_divide_error(void)
{
    static const uint8_t code[] = {
        0x31, 0xc9,                                 /* xor %ecx, %ecx */
        0xb8, 0x07, 0x00, 0x00, 0x00,               /* mov $7, %eax */
        0xf7, 0xf1,                                 /* div %ecx */
        0xf4,
    };
    g_assert_cmpint(run(code, sizeof(code)), ==, EXCP_DE);
    g_assert_cmpuint(stack_word(0), ==, CODE + 7);
    g_assert_cmpuint(reg(R_EAX), ==, 7);
}

static void test_undefined(void)
{
    static const uint8_t code[] = { 0x90, 0x0f, 0x0b, 0xf4 };   /* nop; ud2 */
    g_assert_cmpint(run(code, sizeof(code)), ==, EXCP_UD);
    g_assert_cmpuint(stack_word(0), ==, CODE + 1);
}

/* The round trip Linux makes: IRETQ to CPL 3, SYSCALL in, SYSRET out,
 * then a user access to a supervisor page: #PF with U|P, delivered on the
 * TSS's RSP0 stack with the user SS:RSP and CS in the frame. */
#define USER_CODE 0x400000          /* 2 MiB page 2, opened to CPL 3 */
#define USER_STACK 0x5f0000
#define KSYSCALL 0x101000
#define TSS 0x3000
#define RSP0 0x70000

static void test_user_mode(void)
{
    static const uint8_t kernel[] = {
        0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xd8,   /* mov $0x30,%ax; ltr %ax */
        0x6a, 0x23,                                 /* push $0x23 (SS) */
        0x68, 0x00, 0x00, 0x5f, 0x00,               /* push $USER_STACK */
        0x6a, 0x02,                                 /* push $2 (RFLAGS) */
        0x6a, 0x2b,                                 /* push $0x2b (CS) */
        0x68, 0x00, 0x00, 0x40, 0x00,               /* push $USER_CODE */
        0x48, 0xcf,                                 /* iretq */
    };
    static const uint8_t ksyscall[] = {
        0x48, 0x89, 0xfb,                           /* mov %rdi, %rbx */
        0x49, 0x89, 0xcc,                           /* mov %rcx, %r12 */
        0x48, 0x0f, 0x07,                           /* sysretq */
    };
    static const uint8_t user[] = {
        0x66, 0xbf, 0x34, 0x12,                     /* mov $0x1234, %di */
        0x0f, 0x05,                                 /* syscall */
        0x48, 0x8b, 0x06,                           /* mov (%rsi), %rax */
        0xf4,
    };
    X86State *env = &h_cpu->env;
    /* GDT: 0x08 kernel code, 0x10 kernel data, 0x18 user code32, 0x20
     * user data, 0x28 user code64, 0x30 the 64-bit TSS. */
    h_put64(H_GDT + 0x18, 0x00cffa000000ffffULL);
    h_put64(H_GDT + 0x20, 0x00cff2000000ffffULL);
    h_put64(H_GDT + 0x28, 0x0020fa0000000000ULL);
    h_put64(H_GDT + 0x30, 0x0000890000000067ULL | ((uint64_t)TSS << 16));
    h_put64(H_GDT + 0x38, 0);
    h_put64(TSS + 4, RSP0);
    h_put64(H_PML4 + 0x2000 + 8 * 2, (2ULL << 21) | 0x87);     /* user page */
    harness_code(KSYSCALL, ksyscall, sizeof(ksyscall));
    harness_code(USER_CODE, user, sizeof(user));
    harness_code(CODE, kernel, sizeof(kernel));
    h_long_mode();
    env->gdt.limit = 0x3f;
    env->efer |= 1;                                 /* SCE */
    env->star = (0x18ULL << 48) | (0x08ULL << 32);
    env->lstar = KSYSCALL;
    env->fmask = 0x700;
    env->regs[R_ESI] = DATA;
    tlb_flush(h_t);
    g_assert_cmpint(harness_run(CODE), ==, EXCP_PF);
    g_assert_cmpuint(reg(R_EBX) & 0xffff, ==, 0x1234);
    g_assert_cmpuint(reg(12), ==, USER_CODE + 6);
    g_assert_cmpuint(reg(R_ESP), ==, RSP0 - 48);
    g_assert_cmpuint(stack_word(0), ==, PFERR_P | PFERR_U);
    g_assert_cmpuint(stack_word(1), ==, USER_CODE + 6);
    g_assert_cmpuint(stack_word(2), ==, 0x2b);
    g_assert_cmpuint(stack_word(4), ==, USER_STACK);
    g_assert_cmpuint(stack_word(5), ==, 0x23);
    g_assert_cmpuint(env->cr2, ==, DATA);
    g_assert_cmpuint(env->segs[R_CS].selector, ==, 0x08);
    h_put64(H_PML4 + 0x2000 + 8 * 2, (2ULL << 21) | 0x83);
    tlb_flush(h_t);
}

/* Translating random bytes in 64-bit, compatibility and 16-bit code must
 * not upset the host (hostile guest code). */
static void test_translate_random(void)
{
    GRand *rng = g_rand_new_with_seed(7);
    X86State *env = &h_cpu->env;
    for (unsigned k = 0; k < 30000; k++) {
        uint8_t code[256];
        for (size_t b = 0; b < sizeof(code); b++) {
            code[b] = g_rand_int(rng);
        }
        harness_code(CODE, code, sizeof(code));
        h_long_mode();
        unsigned mode = k % 3;
        env->segs[R_CS].l = mode == 0;
        env->segs[R_CS].db = mode == 1;
        env->rip = CODE;
        x86_tcg_load(h_t);
        TB *tb = x86_translate(h_t, CODE, CODE);
        if (!tb) {
            tb_flush_all();
            tb = x86_translate(h_t, CODE, CODE);
        }
        g_assert_nonnull(tb);
        g_assert_cmpuint(tb->ninsns, >=, 1);
    }
    tb_flush_all();
    g_rand_free(rng);
}

/* Executing random code must not upset the host (hostile guest code):
 * random bytes and registers in 64-bit, compatibility, 16-bit protected,
 * real and 32-bit unpaged protected mode, starting mid-page or just
 * before a page or the end of the mapping; in a child, each program
 * stopped after 2 ms. */
static void fuzz_alarm(int sig)
{
    CPU(h_cpu)->stop = true;
    h_t->exit_request = 1;
}

static void fuzz_mode(unsigned mode)
{
    X86State *env = &h_cpu->env;
    env->segs[R_CS].l = mode == 0;
    env->segs[R_CS].db = mode == 1 || mode == 4;
    if (mode < 3) {
        return;
    }
    env->efer = 0;
    env->cr4 = 0;
    env->cr0 = CR0_ET | (mode == 4 ? CR0_PE : 0);
    if (mode == 3) {
        for (int s = 0; s < NR_SEGS; s++) {
            env->segs[s] = (SegmentCache){ .selector = 0xffff, .base = 0xffff0,
                                           .limit = 0xffff, .type = 3, .s = 1,
                                           .present = 1 };
        }
        env->segs[R_CS].type = 0xb;
        env->idt = (DescriptorTable){ 0, 0x3ff };
    }
}

static void fuzz_programs(unsigned count)
{
    static const uint64_t starts[] = { CODE, CODE + 4096 - 7, UNMAPPED - 30 };
    const char *seed = getenv("TCG_FUZZ_SEED");
    GRand *rng = g_rand_new_with_seed(seed ? atoi(seed) : 11);
    X86State *env = &h_cpu->env;
    struct sigaction sa = { .sa_handler = fuzz_alarm };
    sigaction(SIGALRM, &sa, NULL);
    for (unsigned k = 0; k < count; k++) {
        uint8_t code[512];
        uint64_t start = starts[g_rand_int_range(rng, 0, 3)];
        for (size_t b = 0; b < sizeof(code); b++) {
            code[b] = g_rand_int(rng);
        }
        harness_tables();
        harness_code(start, code, MIN(sizeof(code), UNMAPPED - start));
        h_long_mode();
        unsigned mode = k % 5;
        fuzz_mode(mode);
        for (int r = 0; r < 16; r++) {
            uint64_t v = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
            env->regs[r] = g_rand_boolean(rng) ? v : DATA + (v & 0xffff);
        }
        env->regs[R_ESP] = H_STACK;
        env->rip = mode == 3 ? start - 0xffff0 : start;
        x86_tcg_reset(h_t);
        struct itimerval it = { .it_value = { .tv_usec = 2000 } };
        setitimer(ITIMER_REAL, &it, NULL);
        for (int n = 0; n < 100 && !h_t->halted && !CPU(h_cpu)->stop; n++) {
            tcg_cpu_exec(h_t);
        }
        struct itimerval off = { 0 };
        setitimer(ITIMER_REAL, &off, NULL);
        CPU(h_cpu)->stop = false;
        CPU(h_cpu)->halted = false;
        h_t->halted = false;
        h_t->exit_request = 0;
    }
    g_rand_free(rng);
}

static void test_execute_random(void)
{
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (!pid) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);              /* "executes code outside RAM", expected */
        fuzz_programs(getenv("TCG_FUZZ_PROGRAMS") ? atoi(getenv("TCG_FUZZ_PROGRAMS")) : 10000);
        _exit(0);
    }
    int status = 0;
    for (int k = 0; k < 600 && waitpid(pid, &status, WNOHANG) == 0; k++) {
        g_usleep(100000);
    }
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        g_assert_not_reached();     /* hung for a minute */
    }
    if (WIFSIGNALED(status)) {
        g_test_message("the child died of signal %d", WTERMSIG(status));
    }
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A loop of N iterations of a few instructions; reports guest MIPS. */
static double loop_mips(const uint8_t *code, size_t len, unsigned insns_per_iter,
                        uint64_t iters)
{
    harness_code(CODE, code, len);
    h_long_mode();
    h_cpu->env.regs[R_ECX] = iters;
    h_cpu->env.regs[R_EDI] = DATA;
    gint64 t0 = g_get_monotonic_time();
    g_assert_cmpint(harness_run(CODE), ==, -1);
    gint64 t1 = g_get_monotonic_time();
    g_assert_cmpuint(reg(R_ECX), ==, 0);
    return (double)iters * insns_per_iter / (t1 - t0);
}

static void test_loop_speed(void)
{
    /* add %eax,%ebx; inc %eax; dec %rcx; jnz: a register loop. */
    static const uint8_t reg_loop[] = {
        0x01, 0xc3, 0xff, 0xc0, 0x48, 0xff, 0xc9, 0x75, 0xf7, 0xf4,
    };
    /* mov (%rdi),%rax; add %rax,%rbx; mov %rbx,8(%rdi); add $1,%rdx;
     * cmp $0,%rdx (sets flags); dec %rcx; jnz: with loads and stores. */
    static const uint8_t mem_loop[] = {
        0x48, 0x8b, 0x07, 0x48, 0x01, 0xc3, 0x48, 0x89, 0x5f, 0x08,
        0x48, 0x83, 0xc2, 0x01, 0x48, 0x83, 0xfa, 0x00,
        0x48, 0xff, 0xc9, 0x75, 0xe9, 0xf4,
    };
    /* call/ret to a function on the same page. */
    static const uint8_t call_loop[] = {
        0xe8, 0x06, 0x00, 0x00, 0x00,               /* call f */
        0x48, 0xff, 0xc9, 0x75, 0xf6, 0xf4,         /* dec %rcx; jnz; hlt */
        0x48, 0xff, 0xc0, 0xc3,                     /* f: inc %rax; ret */
    };
    double a = loop_mips(reg_loop, sizeof(reg_loop), 4, 20000000);
    double b = loop_mips(mem_loop, sizeof(mem_loop), 7, 10000000);
    double c = loop_mips(call_loop, sizeof(call_loop), 5, 10000000);
    printf("# guest MIPS: register loop %.0f, memory loop %.0f, call/ret loop %.0f\n",
           a, b, c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init("qemu64");
    g_test_add_func("/tcg/exec/smc-same-block", test_smc_same_block);
    g_test_add_func("/tcg/exec/smc-other-block", test_smc_other_block);
    g_test_add_func("/tcg/exec/page-fault", test_page_fault);
    g_test_add_func("/tcg/exec/write-protect", test_write_protect);
    g_test_add_func("/tcg/exec/page-end", test_page_end);
    g_test_add_func("/tcg/exec/rep-movs-fault", test_rep_movs_fault);
    g_test_add_func("/tcg/exec/divide-error", test_divide_error);
    g_test_add_func("/tcg/exec/undefined", test_undefined);
    g_test_add_func("/tcg/exec/user-mode", test_user_mode);
    g_test_add_func("/tcg/exec/translate-random", test_translate_random);
    g_test_add_func("/tcg/exec/execute-random", test_execute_random);
    g_test_add_func("/tcg/exec/loop-speed", test_loop_speed);
    return g_test_run();
}
