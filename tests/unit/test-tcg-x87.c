/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential test of the software CPU's x87 instructions (D8-DF, FWAIT):
 * each case (an x87 state, one instruction, a memory operand) runs
 * natively in a forked child and in the interpreter; FCW, FSW (C0-C3,
 * TOP, exception flags), the tags, the valid stack registers, AX, the
 * arithmetic flags and the memory operand must match.
 */
#include "test-tcg-harness.h"
#include <float.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)

#define MEM_SIZE 112            /* room for FNSAVE's 108 bytes */
#define CODE_ADDR 0x100000
#define DATA_ADDR 0x200000

typedef struct State {
    uint8_t fx[512] __attribute__((aligned(16)));
    uint8_t mem[MEM_SIZE];
    uint64_t rax, flags;
    int64_t fault;              /* -1, or the signal / vector taken */
} State;

typedef struct Case {
    uint8_t code[8];
    uint8_t len;
    bool env;                   /* memory holds FIP/FDP: not compared */
    State in;
} Case;

/* x87_native(State *s, void *code): loads the x87 state, AX and the
 * flags, calls code with rdi = s->mem, stores them back. */
void x87_native(State *s, void *code);
__asm__(
    ".text\n"
    ".globl x87_native\n"
    "x87_native:\n"
    "  push %rbx; push %r15\n"
    "  mov %rdi, %r15\n"
    "  fxrstor (%r15)\n"
    "  lea 512(%r15), %rdi\n"
    "  mov 512+112(%r15), %rax\n"
    "  pushq 512+120(%r15)\n"
    "  popfq\n"
    "  call *%rsi\n"
    "  pushfq\n"
    "  popq 512+120(%r15)\n"
    "  mov %rax, 512+112(%r15)\n"
    "  fxsave (%r15)\n"
    "  fninit\n"
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
            x87_native(&s, page);
        } else {
            memcpy(s.fx, cases[k].in.fx, 512);
        }
        s.fault = native_sig ? native_sig : -1;
        out[k] = s;
    }
    _exit(0);
}

static void run_tcg(const Case *c, State *out)
{
    X86State *env = &h_cpu->env;
    uint8_t code[9];
    memcpy(code, c->code, c->len);
    code[c->len] = 0xf4;
    harness_code(CODE_ADDR, code, c->len + 1);
    memcpy(h_mem + DATA_ADDR, c->in.mem, MEM_SIZE);
    h_long_mode();
    memcpy(env->fxsave, c->in.fx, 512);
    env->regs[R_EAX] = c->in.rax;
    env->regs[R_EDI] = DATA_ADDR;
    env->rflags = c->in.flags | 2;
    int v = harness_run(CODE_ADDR);
    memcpy(out->fx, env->fxsave, 512);
    memcpy(out->mem, h_mem + DATA_ADDR, MEM_SIZE);
    out->rax = env->regs[R_EAX];
    out->flags = env->rflags;
    out->fault = v;
}

/* --- Cases --- */

static GArray *cases;
static GRand *rng;

static long double snan(void)
{
    long double v = 0;
    uint64_t m = 0xa000000000000000ull;
    uint16_t e = 0x7fff;
    memcpy(&v, &m, 8);
    memcpy((uint8_t *)&v + 8, &e, 2);
    return v;
}

static long double pick_value(void)
{
    static const long double pool[] = {
        0.0L, -0.0L, 1.0L, -1.0L, 1.5L, 2.0L, 3.0L, -7.0L, 0.1L, 0.5L,
        3.14159265358979323846L, 12345.678L, -1e10L, 1e300L, -1e-300L,
        1e4000L, 1e-4000L, LDBL_MAX, -LDBL_MAX, LDBL_MIN, LDBL_TRUE_MIN,
        -LDBL_TRUE_MIN, DBL_TRUE_MIN, FLT_MAX, 9.2233720368547758e18L,
        -9.2233720368547758e18L, 32767.5L, -32768.5L, 2147483648.0L, 1e20L,
        __builtin_infl(), -__builtin_infl(), __builtin_nanl(""),
        -__builtin_nanl(""), 0.0L,
    };
    unsigned n = G_N_ELEMENTS(pool);
    unsigned k = g_rand_int_range(rng, 0, n + 1);
    if (k == n) {
        return snan();
    }
    if (k == n - 1) {
        long double num = (int32_t)g_rand_int(rng);
        return num / (1 + g_rand_int_range(rng, 0, 1000));
    }
    return pool[k];
}

/* The memory operand: one value in a random encoding. */
static void fill_mem(uint8_t *mem)
{
    long double v = pick_value();
    memset(mem, 0, MEM_SIZE);
    switch (g_rand_int_range(rng, 0, 5)) {
    case 0: { float f = v; memcpy(mem, &f, 4); break; }
    case 1: { double d = v; memcpy(mem, &d, 8); break; }
    case 2: memcpy(mem, &v, 10); break;
    case 3: {
        int64_t n = g_rand_int_range(rng, -40000, 40000);
        memcpy(mem, &n, 8);
        break;
    }
    default:
        for (unsigned k = 0; k < 16; k++) {
            mem[k] = g_rand_int(rng);
        }
    }
}

static const uint16_t fcw_pool[] = {
    0x37f, 0x37f, 0x37f, 0x77f, 0xb7f, 0xf7f, 0x07f, 0x27f,
    0x37e, 0x37b, 0x377, 0x36f,      /* IE, ZE, OE, UE unmasked */
};

/* A random x87 state: FCW, a stack of 0-8 values, condition codes. */
static void fill_state(State *s)
{
    unsigned depth = g_rand_int_range(rng, 0, 9);
    unsigned top = (8 - depth) & 7;
    uint16_t fcw = fcw_pool[g_rand_int_range(rng, 0, G_N_ELEMENTS(fcw_pool))];
    uint16_t fsw = top << 11 | (g_rand_int(rng) & 0x4700);
    if (g_rand_int_range(rng, 0, 16) == 0) {
        fsw |= g_rand_int(rng) & 0x3f;  /* sticky flags, maybe unmasked */
    }
    if (fsw & ~fcw & 0x3f) {
        fsw |= 0x8080;      /* ES and B, as FXRSTOR on hardware derives them */
    }
    uint32_t mxcsr = 0x1f80;
    memset(s->fx, 0, 512);
    memcpy(s->fx, &fcw, 2);
    memcpy(s->fx + 2, &fsw, 2);
    memcpy(s->fx + 24, &mxcsr, 4);
    for (unsigned k = 0; k < depth; k++) {
        long double v = pick_value();
        memcpy(s->fx + 32 + 16 * k, &v, 10);
        s->fx[4] |= 1 << ((top + k) & 7);
    }
    fill_mem(s->mem);
    s->rax = g_rand_int(rng);
    s->flags = g_rand_int(rng) & (F_CF | F_PF | F_ZF | F_SF | F_OF | F_AF);
}

static void add_case(const uint8_t *code, unsigned len, bool env)
{
    Case c = { .len = len, .env = env };
    memcpy(c.code, code, len);
    fill_state(&c.in);
    g_array_append_val(cases, c);
}

static void generate(unsigned iters)
{
    for (unsigned op = 0xd8; op <= 0xdf; op++) {
        for (unsigned m = 0; m < 64; m++) {
            uint8_t code[2] = { op, 0xc0 | m };
            for (unsigned k = 0; k < iters; k++) {
                add_case(code, 2, false);
            }
        }
        for (unsigned r = 0; r < 8; r++) {
            uint8_t code[2] = { op, r << 3 | 7 };
            bool env = (op == 0xd9 || op == 0xdd) && (r == 4 || r == 6);
            for (unsigned k = 0; k < iters * 4; k++) {
                add_case(code, 2, env);
            }
        }
    }
    /* Round trips and the 16-bit environment layouts. */
    static const uint8_t seqs[][8] = {
        { 4, 0xd9, 0x37, 0xd9, 0x27 },               /* fnstenv; fldenv */
        { 4, 0xdd, 0x37, 0xdd, 0x27 },               /* fnsave; frstor */
        { 6, 0x66, 0xd9, 0x37, 0x66, 0xd9, 0x27 },   /* 16-bit forms */
        { 6, 0x66, 0xdd, 0x37, 0x66, 0xdd, 0x27 },
        { 1, 0x9b },                                 /* fwait */
        { 4, 0xd9, 0xe8, 0xd9, 0xfe },               /* fld1; fsin */
        { 4, 0xd9, 0xeb, 0xd9, 0xfb },               /* fldpi; fsincos */
        { 4, 0xd9, 0xee, 0xde, 0xf9 },               /* fldz; fdivp */
    };
    for (unsigned q = 0; q < G_N_ELEMENTS(seqs); q++) {
        for (unsigned k = 0; k < iters * 4; k++) {
            add_case(seqs[q] + 1, seqs[q][0], q < 4);
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
    g_test_message("%s: %s differs (fcw %04x fsw %04x ftw %02x in; "
                   "fsw %04x/%04x ftw %02x/%02x fault %ld/%ld)",
                   s->str, what, c->in.fx[0] | c->in.fx[1] << 8,
                   c->in.fx[2] | c->in.fx[3] << 8, c->in.fx[4],
                   want->fx[2] | want->fx[3] << 8, got->fx[2] | got->fx[3] << 8,
                   want->fx[4], got->fx[4], (long)want->fault, (long)got->fault);
    g_string_free(s, true);
}

static int64_t fault_vector(int64_t sig)
{
    switch (sig) {
    case SIGILL: return EXCP_UD;
    case SIGFPE: return EXCP_MF;
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
        return;
    }
    unsigned top = (want->fx[3] >> 3) & 7;
    for (unsigned k = 0; k < 8; k++) {
        if ((want->fx[4] >> ((top + k) & 7) & 1) &&
            memcmp(want->fx + 32 + 16 * k, got->fx + 32 + 16 * k, 10)) {
            report(c, "stack register", want, got);
            return;
        }
    }
    if ((uint16_t)want->rax != (uint16_t)got->rax) {
        report(c, "AX", want, got);
    }
    if ((want->flags ^ got->flags) & (F_CF | F_PF | F_ZF | F_SF | F_OF | F_AF)) {
        report(c, "flags", want, got);
    }
    for (unsigned k = 0; k < MEM_SIZE; k++) {
        bool o16 = c->code[0] == 0x66;
        bool skip = c->env && (o16 ? (k >= 6 && k < 14) : (k >= 12 && k < 28));
        if (!skip && want->mem[k] != got->mem[k]) {
            report(c, "memory", want, got);
            return;
        }
    }
}

static void test_x87(void)
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
    const char *seed = g_getenv("TCG_X87_SEED");     /* to explore more */
    rng = g_rand_new_with_seed(seed ? strtoul(seed, NULL, 0) : 87);
    cases = g_array_new(false, false, sizeof(Case));
    generate(16);
    g_test_add_func("/tcg/x87/differential", test_x87);
    return g_test_run();
}

#else

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    return g_test_run();
}

#endif
