/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential test of the software CPU's MMX/SSE instructions (0F, 0F38,
 * 0F3A maps): each case (XMM/MM registers and MXCSR, RAX-RBX, flags, a
 * memory operand, one instruction) runs natively in a forked child and
 * in the interpreter; registers, MXCSR, flags, memory and faults must match.
 */
#include "test-tcg-harness.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)

#define MEM_SIZE 64
#define CODE_ADDR 0x100000
#define DATA_ADDR 0x200000
#define MXCSR_OFF 24

typedef struct State {
    uint8_t fx[512] __attribute__((aligned(16)));
    uint8_t mem[MEM_SIZE];          /* offset 512 */
    uint64_t gpr[4];                /* rax, rcx, rdx, rbx: offset 576 */
    uint64_t flags;                 /* offset 608 */
    int64_t fault;                  /* -1, or the signal / vector taken */
} State;

typedef struct Case {
    uint8_t code[16];
    uint8_t len;
    State in;
} Case;

/* sse_native(State *s, void *code): loads the state, calls code with
 * rdi = s->mem, stores it back and restores the default MXCSR. */
void sse_native(State *s, void *code);
__asm__(
    ".text\n"
    ".globl sse_native\n"
    "sse_native:\n"
    "  push %rbx; push %r15\n"
    "  mov %rdi, %r15\n"
    "  fxrstor (%r15)\n"
    "  lea 512(%r15), %rdi\n"
    "  mov 576(%r15), %rax\n"
    "  mov 584(%r15), %rcx\n"
    "  mov 592(%r15), %rdx\n"
    "  mov 600(%r15), %rbx\n"
    "  pushq 608(%r15)\n"
    "  popfq\n"
    "  call *%rsi\n"
    "  pushfq\n"
    "  popq 608(%r15)\n"
    "  mov %rax, 576(%r15)\n"
    "  mov %rcx, 584(%r15)\n"
    "  mov %rdx, 592(%r15)\n"
    "  mov %rbx, 600(%r15)\n"
    "  fxsave (%r15)\n"
    "  fninit\n"
    "  movl $0x1f80, -4(%rsp)\n"
    "  ldmxcsr -4(%rsp)\n"
    "  pop %r15; pop %rbx\n"
    "  ret\n");

static void run_native(const Case *cases, unsigned n, State *out)
{
    uint8_t *page = native_child();
    if (!page) {
        return;
    }
    static State s;
    for (unsigned k = 0; k < n; k++) {
        s = cases[k].in;
        memcpy(page, cases[k].code, cases[k].len);
        page[cases[k].len] = 0xc3;
        native_sig = 0;
        if (!sigsetjmp(native_jmp, 1)) {
            sse_native(&s, page);
        } else {
            uint32_t mx = 0x1f80;
            __asm__ volatile("fninit; ldmxcsr %0" : : "m"(mx));
        }
        s.fault = native_sig ? native_sig : -1;
        out[k] = s;
    }
    _exit(0);
}

static void run_tcg(const Case *c, State *out)
{
    X86State *env = &h_cpu->env;
    static const uint8_t gpr_of[4] = { R_EAX, R_ECX, R_EDX, R_EBX };
    uint8_t code[17];
    memcpy(code, c->code, c->len);
    code[c->len] = 0xf4;
    harness_code(CODE_ADDR, code, c->len + 1);
    memcpy(h_mem + DATA_ADDR, c->in.mem, MEM_SIZE);
    h_long_mode();
    env->cr4 |= 1u << 10;                   /* OSXMMEXCPT */
    memcpy(env->fxsave, c->in.fx, 512);
    for (unsigned k = 0; k < 4; k++) {
        env->regs[gpr_of[k]] = c->in.gpr[k];
    }
    env->regs[R_EDI] = DATA_ADDR;
    env->rflags = c->in.flags | 2;
    int v = harness_run(CODE_ADDR);
    memcpy(out->fx, env->fxsave, 512);
    memcpy(out->mem, h_mem + DATA_ADDR, MEM_SIZE);
    for (unsigned k = 0; k < 4; k++) {
        out->gpr[k] = env->regs[gpr_of[k]];
    }
    out->flags = env->rflags;
    out->fault = v;
}

/* --- Operands --- */

static GRand *rng;

static uint64_t pick_lane64(void)
{
    static const uint64_t pool[] = {
        0, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
        0x3ff0000000000000ull,              /* 1.0 */
        0xbff8000000000000ull,              /* -1.5 */
        0x7ff0000000000000ull,              /* +inf */
        0x7ff8000000000000ull,              /* qNaN */
        0x7ff4000000000000ull,              /* sNaN */
        0x0000000000000001ull,              /* denormal */
        0x43e0000000000000ull,              /* 2^63 */
        0xc1e0000000000000ull,              /* -2^31 */
        0x3f8000003f800000ull,              /* 1.0f, 1.0f */
        0x7f8000007fc00000ull,              /* inf, qNaN (float) */
        0x4f0000004effffffull,              /* 2^31, ~2^31 (float) */
        0x00ff00ff80807f7full, 0x0001000200030004ull,
    };
    switch (g_rand_int_range(rng, 0, 3)) {
    case 0:
        return pool[g_rand_int_range(rng, 0, G_N_ELEMENTS(pool))];
    case 1: {
        double d = g_rand_double_range(rng, -1e6, 1e6);
        uint64_t v;
        memcpy(&v, &d, 8);
        return v;
    }
    default:
        return (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
    }
}

static void fill_random(Case *c)
{
    State *s = &c->in;
    memset(s, 0, sizeof(*s));
    s->fx[0] = 0x7f;
    s->fx[1] = 0x03;                        /* FCW 0x037f */
    uint32_t mx = 0x1f80;
    switch (g_rand_int_range(rng, 0, 8)) {
    case 0: mx = 0x1f80 | g_rand_int_range(rng, 0, 4) << 13; break;
    case 1: mx = 0x1f80 & ~(0x3fu << 7); break;   /* all unmasked */
    case 2: mx = 0x9fc0; break;                   /* FTZ, DAZ */
    default: break;
    }
    memcpy(s->fx + MXCSR_OFF, &mx, 4);
    for (unsigned k = 0; k < 8; k++) {
        uint64_t v = pick_lane64();
        memcpy(s->fx + 32 + 16 * k, &v, 8);
    }
    for (unsigned k = 0; k < 32; k++) {
        uint64_t v = pick_lane64();
        memcpy(s->fx + 160 + 8 * k, &v, 8);
    }
    for (unsigned k = 0; k < MEM_SIZE / 8; k++) {
        uint64_t v = pick_lane64();
        memcpy(s->mem + 8 * k, &v, 8);
    }
    for (unsigned k = 0; k < 4; k++) {
        s->gpr[k] = pick_lane64();
    }
    s->flags = g_rand_int(rng) & (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF);
}

/* --- Instructions --- */

enum {
    T_REGONLY = 1,  /* no memory form */
    T_MEMONLY = 2,
    T_IMM = 4,
    T_W = 8,        /* also with REX.W */
    T_EXT = 16,     /* ModRM.reg is the /digit in `ext` */
    T_X = 32,       /* also with REX.R/REX.B: XMM8-15 */
};

typedef struct Form {
    uint8_t bytes[4], n;        /* prefix and opcode bytes, before ModRM */
    uint8_t flags, ext;
} Form;

#define F66(op, fl) { { 0x66, 0x0f, op }, 3, fl, 0 }
#define FNP(op, fl) { { 0x0f, op }, 2, fl, 0 }
#define FF3(op, fl) { { 0xf3, 0x0f, op }, 3, fl, 0 }
#define FF2(op, fl) { { 0xf2, 0x0f, op }, 3, fl, 0 }
#define F38(op, fl) { { 0x66, 0x0f, 0x38, op }, 4, fl, 0 }
#define F3A(op, fl) { { 0x66, 0x0f, 0x3a, op }, 4, (fl) | T_IMM, 0 }
#define SH(p, op, d) { { p, 0x0f, op }, 3, T_REGONLY | T_IMM | T_EXT, d }
#define SHM(op, d) { { 0x0f, op }, 2, T_REGONLY | T_IMM | T_EXT, d }

static const Form forms[] = {
    /* Integer: unpack, pack, compare, add/sub, min/max, multiply. */
    F66(0x60, 0), F66(0x61, 0), F66(0x62, T_X), F66(0x63, 0), F66(0x64, 0),
    F66(0x65, 0), F66(0x66, 0), F66(0x67, 0), F66(0x68, 0), F66(0x69, 0),
    F66(0x6a, 0), F66(0x6b, 0), F66(0x6c, 0), F66(0x6d, 0),
    FNP(0x60, 0), FNP(0x62, 0), FNP(0x68, 0), FNP(0x6b, 0),
    F66(0x74, 0), F66(0x75, 0), F66(0x76, 0), FNP(0x74, 0), FNP(0x76, 0),
    F66(0xd4, T_X), F66(0xd5, 0), F66(0xd8, 0), F66(0xda, 0), F66(0xdc, 0),
    F66(0xde, 0), F66(0xe0, 0), F66(0xe4, 0), F66(0xe5, 0), F66(0xe8, 0),
    F66(0xea, 0), F66(0xec, 0), F66(0xee, 0), F66(0xf4, 0), F66(0xf5, 0),
    F66(0xf6, 0), F66(0xf8, 0), F66(0xf9, 0), F66(0xfa, 0), F66(0xfb, 0),
    F66(0xfc, 0), F66(0xfd, 0), F66(0xfe, 0),
    FNP(0xd4, 0), FNP(0xda, 0), FNP(0xf8, 0), FNP(0xfe, 0), FNP(0xe5, 0),
    /* Shifts by xmm/m128 and by immediate. */
    F66(0xd1, 0), F66(0xd2, 0), F66(0xd3, 0), F66(0xe1, 0), F66(0xe2, 0),
    F66(0xf1, 0), F66(0xf2, 0), F66(0xf3, 0), FNP(0xd2, 0), FNP(0xf3, 0),
    SH(0x66, 0x71, 2), SH(0x66, 0x71, 4), SH(0x66, 0x71, 6),
    SH(0x66, 0x72, 2), SH(0x66, 0x72, 4), SH(0x66, 0x72, 6),
    SH(0x66, 0x73, 2), { { 0x66, 0x0f, 0x73 }, 3, T_REGONLY | T_IMM | T_EXT | T_X, 3 }, SH(0x66, 0x73, 6), SH(0x66, 0x73, 7),
    SHM(0x71, 2), SHM(0x72, 4), SHM(0x73, 6),
    SHM(0x73, 3), SH(0x66, 0x73, 4), F66(0xd7, T_MEMONLY),     /* #UD */
    /* Shuffles, masks, inserts and extracts. */
    F66(0x70, T_IMM | T_X), FF3(0x70, T_IMM), FF2(0x70, T_IMM), FNP(0x70, T_IMM),
    F66(0xd7, T_REGONLY | T_W), FNP(0xd7, T_REGONLY), FNP(0x50, T_REGONLY),
    F66(0x50, T_REGONLY), F66(0xc4, T_IMM), F66(0xc5, T_REGONLY | T_IMM),
    FNP(0xc6, T_IMM), F66(0xc6, T_IMM), FNP(0x14, 0), F66(0x15, 0),
    /* Logic and moves (ops-sse.c), for the alignment checks. */
    F66(0xef, 0), F66(0xdb, 0), F66(0xdf, 0), FNP(0x57, 0), FNP(0x54, 0),
    F66(0x6f, 0), FF3(0x6f, 0), FNP(0x28, 0), F66(0x7f, T_MEMONLY),
    F66(0x6e, T_W), F66(0x7e, T_W), FF3(0x7e, 0), F66(0xd6, T_REGONLY),
    FNP(0x12, T_MEMONLY), FNP(0x16, T_MEMONLY), F66(0x13, T_MEMONLY),
    F66(0x17, T_MEMONLY),
    /* Floating point: arithmetic, compares, conversions. */
    FF2(0x58, T_X), FF2(0x59, 0), FF2(0x5c, 0), FF2(0x5e, 0), FF2(0x51, 0),
    FF2(0x5d, 0), FF2(0x5f, 0), FF3(0x58, 0), FF3(0x59, 0), FF3(0x5c, 0),
    FF3(0x5e, 0), FF3(0x51, 0), FNP(0x58, 0), F66(0x59, 0), F66(0x5e, 0),
    F66(0x2e, T_X), F66(0x2f, 0), FNP(0x2e, 0), FNP(0x2f, 0),
    FF2(0x2a, T_W), FF3(0x2a, T_W), FF2(0x2c, T_W), FF2(0x2d, T_W),
    FF3(0x2c, T_W), FF3(0x2d, T_W), FF3(0x5a, 0), FF2(0x5a, 0),
    FNP(0x5a, 0), F66(0x5a, 0), FNP(0x5b, 0), F66(0x5b, 0), FF3(0x5b, 0),
    FF3(0xe6, 0), F66(0xe6, 0), FF2(0xe6, 0),
    FF2(0xc2, T_IMM), FF3(0xc2, T_IMM), F66(0xc2, T_IMM),
    FF2(0x12, 0), FF3(0x12, 0), FF3(0x16, 0), F66(0x7c, 0), FF2(0xd0, 0),
    /* SSSE3, SSE4.1, SSE4.2. */
    F38(0x00, T_X), F38(0x04, 0), F38(0x0b, 0), F38(0x1c, 0), F38(0x17, 0),
    F38(0x20, 0), F38(0x23, 0), F38(0x25, 0), F38(0x30, 0), F38(0x31, 0),
    F38(0x35, 0), F38(0x29, 0), F38(0x37, 0), F38(0x38, 0), F38(0x3f, 0),
    F38(0x40, 0), F38(0x2b, 0), F38(0x10, T_X), F38(0x14, 0), F38(0x15, 0),
    F3A(0x0f, 0), F3A(0x14, 0), F3A(0x16, T_W), F3A(0x22, T_W), F3A(0x20, 0),
    F3A(0x0b, 0), F3A(0x0e, 0), F3A(0x63, T_X), F3A(0x62, 0), F3A(0x61, T_W), F3A(0x60, 0),
    { { 0x0f, 0x38, 0x00 }, 3, 0, 0 },      /* PSHUFB mm */
};

static GArray *cases;

/* A ModRM for the register form: registers 0-3 only (the native
 * routine keeps rdi and r15), or [rdi] / [rdi+disp8] for memory. */
static void add_case(const Form *f, bool mem, unsigned rex, int disp)
{
    Case c;
    fill_random(&c);
    unsigned n = 0;
    unsigned start = f->bytes[0] == 0x0f ? 0 : 1;
    if (start) {
        c.code[n++] = f->bytes[0];
    }
    if (rex) {
        c.code[n++] = mem ? rex & ~1u : rex;    /* base stays rdi */
    }
    for (unsigned k = start; k < f->n; k++) {
        c.code[n++] = f->bytes[k];
    }
    unsigned reg = (f->flags & T_EXT) ? f->ext : g_rand_int_range(rng, 0, 4);
    if (!mem) {
        c.code[n++] = 0xc0 | reg << 3 | g_rand_int_range(rng, 0, 4);
    } else if (disp == 0) {
        c.code[n++] = 0x07 | reg << 3;
    } else {
        c.code[n++] = 0x47 | reg << 3;
        c.code[n++] = disp;
    }
    if (f->flags & T_IMM) {
        c.code[n++] = g_rand_int_range(rng, 0, 256);
    }
    c.len = n;
    g_array_append_val(cases, c);
}

static void generate(unsigned iters)
{
    for (unsigned q = 0; q < G_N_ELEMENTS(forms); q++) {
        const Form *f = &forms[q];
        for (unsigned k = 0; k < iters; k++) {
            unsigned rex = (f->flags & T_W) && (k & 1) ? 0x48 : 0;
            if ((f->flags & T_X) && (k & 1)) {
                rex = 0x40 | ((f->flags & T_EXT) ? 1 : g_rand_int_range(rng, 1, 8) & 5);
            }
            if (!(f->flags & T_MEMONLY)) {
                add_case(f, false, rex, 0);
            }
            if (!(f->flags & T_REGONLY)) {
                add_case(f, true, rex, 0);
                add_case(f, true, rex, k % 4 == 0 ? 16 : g_rand_int_range(rng, 1, 33));
            }
        }
    }
}

/* --- Comparison --- */

static unsigned failures;

static void report(const Case *c, const char *what, const State *want,
                   const State *got)
{
    if (++failures > 60) {
        return;
    }
    GString *s = g_string_new(NULL);
    for (unsigned k = 0; k < c->len; k++) {
        g_string_append_printf(s, "%02x ", c->code[k]);
    }
    uint32_t mx;
    memcpy(&mx, c->in.fx + MXCSR_OFF, 4);
    g_test_message("%s: %s differs (mxcsr %08x in; fault %ld/%ld)", s->str,
                   what, mx, (long)want->fault, (long)got->fault);
    g_string_free(s, true);
}

static int64_t fault_vector(int64_t sig)
{
    switch (sig) {
    case SIGILL: return EXCP_UD;
    case SIGFPE: return EXCP_XM;
    case SIGSEGV: case SIGBUS: return EXCP_GP;
    case -1: return -1;
    default: return 100 + sig;
    }
}

static void compare(const Case *c, const State *want, const State *got)
{
    if (fault_vector(want->fault) != got->fault) {
        report(c, "fault", want, got);
        return;
    }
    if (want->fault != -1) {
        return;     /* the native state after a signal is not known */
    }
    if (memcmp(want->fx, got->fx, 6)) {
        report(c, "FCW/FSW/FTW", want, got);
    } else if (memcmp(want->fx + MXCSR_OFF, got->fx + MXCSR_OFF, 4)) {
        report(c, "MXCSR", want, got);
    } else if (memcmp(want->fx + 32, got->fx + 32, 128)) {
        report(c, "MMX registers", want, got);
    } else if (memcmp(want->fx + 160, got->fx + 160, 256)) {
        report(c, "XMM registers", want, got);
    } else if (memcmp(want->gpr, got->gpr, sizeof(want->gpr))) {
        report(c, "general registers", want, got);
    } else if ((want->flags ^ got->flags) &
               (F_CF | F_PF | F_ZF | F_SF | F_OF | F_AF)) {
        report(c, "flags", want, got);
    } else if (memcmp(want->mem, got->mem, MEM_SIZE)) {
        report(c, "memory", want, got);
    }
}

static void test_sse(void)
{
    Case *cs = (Case *)cases->data;
    unsigned n = cases->len;
    State *native = mmap(NULL, n * sizeof(State), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(native != MAP_FAILED);
    run_native(cs, n, native);
    for (unsigned k = 0; k < n; k++) {
        State got;
        run_tcg(&cs[k], &got);
        compare(&cs[k], &native[k], &got);
    }
    unsigned faults = 0;
    for (unsigned k = 0; k < n; k++) {
        faults += native[k].fault != -1;
    }
    g_test_message("%u cases (%u faulting natively), %u mismatches", n, faults,
                   failures);
    munmap(native, n * sizeof(State));
    g_assert_cmpuint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init("qemu64");
    const char *seed = g_getenv("TCG_SSE_SEED");     /* to explore more */
    rng = g_rand_new_with_seed(seed ? strtoul(seed, NULL, 0) : 128);
    cases = g_array_new(false, false, sizeof(Case));
    generate(12);
    g_test_add_func("/tcg/sse/differential", test_sse);
    return g_test_run();
}

#else

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    return g_test_run();
}

#endif
