/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential test of the software CPU's integer instructions: each case
 * (one instruction, its operands and the incoming flags) runs natively on
 * the host in a forked child and in the interpreter; the registers, the
 * memory operand and the flags the SDM defines for that instruction must
 * match. Operands include 0, 1, the sign boundaries and shift counts
 * 0/1/width-1/width/over; sizes 8, 16, 32 and 64 bits.
 */
#include "test-tcg-harness.h"
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)

/* The registers a case sets and compares. */
typedef struct Regs {
    uint64_t rax, rcx, rdx, rbx, rsi, rdi, flags;
    uint64_t mem[2];            /* the memory operand at [rdi] */
    int64_t fault;              /* -1, or the signal the native run took */
} Regs;

typedef struct Case {
    uint8_t code[16];
    uint8_t len;
    uint32_t flag_mask;         /* defined flags to compare */
    bool skip_regs;             /* result undefined: flags only */
    const char *name;
    Regs in;
} Case;

#define ALL_FLAGS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define CODE_ADDR 0x100000
#define DATA_ADDR 0x200000

/* --- The native side --- */

/* native_run(Regs *r, void *code): loads the registers and flags from r,
 * calls code (which ends with RET), stores them back. */
void native_run(Regs *r, void *code);
__asm__(
    ".text\n"
    ".globl native_run\n"
    "native_run:\n"
    "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "  mov %rdi, %r15\n"
    "  mov %rsi, %r14\n"
    "  mov 0(%r15), %rax\n"
    "  mov 8(%r15), %rcx\n"
    "  mov 16(%r15), %rdx\n"
    "  mov 24(%r15), %rbx\n"
    "  mov 32(%r15), %rsi\n"
    "  mov 40(%r15), %rdi\n"
    "  pushq 48(%r15)\n"
    "  popfq\n"
    "  call *%r14\n"
    "  pushfq\n"
    "  popq 48(%r15)\n"
    "  mov %rax, 0(%r15)\n"
    "  mov %rcx, 8(%r15)\n"
    "  mov %rdx, 16(%r15)\n"
    "  mov %rbx, 24(%r15)\n"
    "  mov %rsi, 32(%r15)\n"
    "  mov %rdi, 40(%r15)\n"
    "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "  ret\n");

/* Runs every case natively in a child; results into out (shared). */
static void run_native(const Case *cases, unsigned n, Regs *out)
{
    uint8_t *page = native_child();
    if (!page) {
        return;
    }
    static uint64_t mem[2] __attribute__((aligned(16)));
    for (unsigned k = 0; k < n; k++) {
        Regs r = cases[k].in;
        memcpy(page, cases[k].code, cases[k].len);
        page[cases[k].len] = 0xc3;
        memcpy(mem, r.mem, sizeof(mem));
        r.rdi = (uintptr_t)mem;
        native_sig = 0;
        if (!sigsetjmp(native_jmp, 1)) {
            native_run(&r, page);
        }
        memcpy(r.mem, mem, sizeof(mem));
        r.fault = native_sig ? native_sig : -1;
        out[k] = r;
    }
    _exit(0);
}

/* --- The interpreter side --- */

static void run_tcg(const Case *c, Regs *out)
{
    X86State *env = &h_cpu->env;
    uint8_t code[17];
    memcpy(code, c->code, c->len);
    code[c->len] = 0xf4;                      /* hlt */
    harness_code(CODE_ADDR, code, c->len + 1);
    memcpy(h_mem + DATA_ADDR, c->in.mem, sizeof(c->in.mem));
    h_long_mode();
    env->regs[R_EAX] = c->in.rax;
    env->regs[R_ECX] = c->in.rcx;
    env->regs[R_EDX] = c->in.rdx;
    env->regs[R_EBX] = c->in.rbx;
    env->regs[R_ESI] = c->in.rsi;
    env->regs[R_EDI] = DATA_ADDR;
    env->rflags = c->in.flags | 2;
    int v = harness_run(CODE_ADDR);
    *out = (Regs){
        .rax = env->regs[R_EAX], .rcx = env->regs[R_ECX], .rdx = env->regs[R_EDX],
        .rbx = env->regs[R_EBX], .rsi = env->regs[R_ESI], .rdi = env->regs[R_EDI],
        .flags = env->rflags, .fault = v < 0 ? -1 : v,
    };
    memcpy(out->mem, h_mem + DATA_ADDR, sizeof(out->mem));
}

/* --- Cases --- */

static GArray *cases;
static GRand *rng;

static const uint64_t edge_values[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
    0x80000000, 0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
    ~0ULL, 0x100, 0x10000, 0x100000000ULL, 0x123456789abcdef0ULL,
};

static uint64_t operand(void)
{
    if (g_rand_int_range(rng, 0, 3)) {
        uint64_t v = edge_values[g_rand_int_range(rng, 0, G_N_ELEMENTS(edge_values))];
        return g_rand_boolean(rng) ? v : v ^ ((uint64_t)g_rand_int(rng) << 32 |
                                             g_rand_int(rng)) * g_rand_boolean(rng);
    }
    return (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
}

static uint64_t in_flags(void)
{
    /* Random arithmetic flags, so preserved ones are checked too. */
    return g_rand_int(rng) & ALL_FLAGS;
}

/* Prefix bytes for operand size 1/2/4/8 (the opcode picks 8-bit). */
static unsigned size_prefix(uint8_t *b, unsigned size)
{
    if (size == 2) {
        b[0] = 0x66;
        return 1;
    }
    if (size == 8) {
        b[0] = 0x48;
        return 1;
    }
    return 0;
}

static void add_case(const char *name, const uint8_t *code, unsigned len,
                     uint32_t mask, bool skip_regs, uint64_t a, uint64_t b,
                     uint64_t c, uint64_t d)
{
    Case k = { .len = len, .flag_mask = mask, .skip_regs = skip_regs, .name = name };
    memcpy(k.code, code, len);
    k.in = (Regs){ .rax = a, .rbx = b, .rcx = c, .rdx = d, .rsi = operand(),
                   .flags = in_flags(), .mem = { operand(), operand() } };
    g_array_append_val(cases, k);
}

/* op r/m, r with rm = rax (or [rdi]) and reg = rbx: 00-3F, 84/85, 86/87. */
static void gen_binary(const char *name, uint8_t op8, uint32_t mask, bool mem,
                       unsigned iters)
{
    for (unsigned size = 1; size <= 8; size *= 2) {
        for (unsigned k = 0; k < iters; k++) {
            uint8_t b[16];
            unsigned n = size_prefix(b, size);
            b[n++] = size == 1 ? op8 : op8 + 1;
            b[n++] = mem ? 0x1f : 0xd8;         /* [rdi] / rax, reg rbx */
            add_case(name, b, n, mask, false, operand(), operand(), operand(),
                     operand());
        }
    }
}

/* 80/81/83 /op with an immediate on rax. */
static void gen_imm(const char *name, unsigned op, uint32_t mask, unsigned iters)
{
    for (unsigned size = 1; size <= 8; size *= 2) {
        for (unsigned k = 0; k < iters; k++) {
            uint8_t b[16];
            unsigned n = size_prefix(b, size);
            bool short_imm = size > 1 && g_rand_boolean(rng);
            b[n++] = size == 1 ? 0x80 : short_imm ? 0x83 : 0x81;
            b[n++] = 0xc0 | (op << 3);
            uint64_t imm = operand();
            unsigned isz = size == 1 || short_imm ? 1 : size == 2 ? 2 : 4;
            memcpy(b + n, &imm, isz);
            n += isz;
            add_case(name, b, n, mask, false, operand(), 0, 0, 0);
        }
    }
}

/* F6/F7 (and FE/FF) /op on rax or rbx, or [rdi] (rm 7 + 8). */
static void gen_group(const char *name, uint8_t op8, unsigned op, unsigned rm,
                      uint32_t mask, bool skip_regs, unsigned iters)
{
    for (unsigned size = 1; size <= 8; size *= 2) {
        for (unsigned k = 0; k < iters; k++) {
            uint8_t b[16];
            unsigned n = size_prefix(b, size);
            b[n++] = size == 1 ? op8 : op8 + 1;
            b[n++] = rm == 15 ? (op << 3) | 7 : 0xc0 | (op << 3) | rm;
            uint64_t a = operand(), d = operand(), src = operand();
            if (g_rand_boolean(rng)) {
                d = (int64_t)a < 0 ? ~0ULL : 0;     /* small dividends */
            }
            add_case(name, b, n, mask, skip_regs, a, src, operand(), d);
        }
    }
}

static unsigned shift_count(unsigned bits)
{
    static const unsigned counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63 };
    (void)bits;
    return g_rand_int_range(rng, 0, 4) ? counts[g_rand_int_range(rng, 0, G_N_ELEMENTS(counts))]
                                       : g_rand_int_range(rng, 0, 256);
}

/* The flags the SDM defines after a shift or rotate by `count`. */
static uint32_t shift_mask(unsigned op, unsigned size, unsigned count)
{
    unsigned bits = 8 * size;
    unsigned masked = count & (size == 8 ? 63 : 31);
    if (!masked) {
        return ALL_FLAGS;
    }
    uint32_t of = masked == 1 ? F_OF : 0;
    if (op < 4) {                          /* rotates: CF, OF; others kept */
        return (ALL_FLAGS & ~F_OF) | of;
    }
    uint32_t cf = masked <= bits ? F_CF : 0;
    return cf | of | F_SF | F_ZF | F_PF;
}

/* C1/D1/D3 /op on rax. */
static void gen_shifts(unsigned iters)
{
    static const char *names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
    for (unsigned op = 0; op < 8; op++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (unsigned k = 0; k < iters; k++) {
                uint8_t b[16];
                unsigned n = size_prefix(b, size);
                unsigned form = g_rand_int_range(rng, 0, 3), count;
                if (form == 0) {                /* by CL */
                    b[n++] = size == 1 ? 0xd2 : 0xd3;
                    b[n++] = 0xc0 | (op << 3);
                    count = shift_count(8 * size);
                } else if (form == 1) {         /* by 1, on [rdi] */
                    b[n++] = size == 1 ? 0xd0 : 0xd1;
                    b[n++] = (op << 3) | 7;
                    count = 1;
                } else {                        /* by imm8 */
                    b[n++] = size == 1 ? 0xc0 : 0xc1;
                    b[n++] = 0xc0 | (op << 3);
                    count = shift_count(8 * size);
                    b[n++] = count;
                }
                uint32_t mask = shift_mask(op, size, count);
                /* RCL/RCR of 8/16 bits by more than the width: the result
                 * and flags are defined (mod 9/17); others as masked. */
                add_case(names[op], b, n, mask, false, operand(), 0, count, 0);
            }
        }
    }
}

/* SHLD/SHRD rax, rbx by CL or imm8 (16-bit counts over 16 undefined). */
static void gen_double_shifts(unsigned iters)
{
    for (int right = 0; right < 2; right++) {
        for (unsigned size = 2; size <= 8; size *= 2) {
            for (unsigned k = 0; k < iters; k++) {
                uint8_t b[16];
                unsigned n = size_prefix(b, size);
                bool cl = g_rand_boolean(rng);
                unsigned count = shift_count(8 * size);
                unsigned masked = count & (size == 8 ? 63 : 31);
                b[n++] = 0x0f;
                b[n++] = (right ? 0xac : 0xa4) + cl;
                b[n++] = 0xd8;
                if (!cl) {
                    b[n++] = count;
                }
                bool undefined = size == 2 && masked > 16;
                uint32_t mask = !masked ? ALL_FLAGS :
                                undefined ? 0 :
                                F_CF | F_SF | F_ZF | F_PF | (masked == 1 ? F_OF : 0);
                add_case(right ? "shrd" : "shld", b, n, mask, undefined,
                         operand(), operand(), count, 0);
            }
        }
    }
}

/* 0F-map r, r/m (rax, rbx) instructions. */
static void gen_0f(const char *name, uint8_t rep, uint8_t op, unsigned min_size,
                   uint32_t mask, bool mem, unsigned iters)
{
    for (unsigned size = min_size; size <= 8; size *= 2) {
        for (unsigned k = 0; k < iters; k++) {
            uint8_t b[16];
            unsigned n = 0;
            if (rep) {
                b[n++] = rep;
            }
            n += size_prefix(b + n, size);
            b[n++] = 0x0f;
            b[n++] = op;
            b[n++] = mem ? 0x07 : 0xc3;      /* reg rax, rm rbx / [rdi] */
            uint64_t src = operand();
            if (!g_rand_int_range(rng, 0, 4)) {
                src = 0;
            }
            add_case(name, b, n, mask, false, operand(), src, operand(), operand());
        }
    }
}

/* CRC32 eax/rax, bl/bx/ebx/rbx or [rdi] (F2 0F 38 F0/F1). */
static void gen_crc32(unsigned iters)
{
    for (int mem = 0; mem < 2; mem++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (unsigned k = 0; k < iters; k++) {
                uint8_t b[16];
                unsigned n = 0;
                b[n++] = 0xf2;
                n += size == 1 ? 0 : size_prefix(b + n, size);
                b[n++] = 0x0f;
                b[n++] = 0x38;
                b[n++] = size == 1 ? 0xf0 : 0xf1;
                b[n++] = mem ? 0x07 : 0xc3;
                add_case("crc32", b, n, ALL_FLAGS, false, operand(), operand(),
                         operand(), operand());
            }
        }
    }
}

/* BT/BTS/BTR/BTC rbx, rax (reg and [rdi]) and with imm8. */
static void gen_bt(unsigned iters)
{
    static const char *names[4] = { "bt", "bts", "btr", "btc" };
    uint32_t mask = F_CF | F_ZF;
    for (unsigned op = 0; op < 4; op++) {
        for (unsigned size = 2; size <= 8; size *= 2) {
            for (unsigned k = 0; k < iters; k++) {
                uint8_t b[16];
                unsigned n = size_prefix(b, size);
                b[n++] = 0x0f;
                unsigned form = g_rand_int_range(rng, 0, 3);
                uint64_t offset = operand();
                if (form < 2) {
                    b[n++] = 0xa3 + 8 * op;
                    b[n++] = form ? 0xc3 : 0x07;    /* rbx / [rdi], reg rax */
                    if (!form) {
                        offset &= 8 * size * 2 - 1; /* within the 16 bytes */
                    }
                } else {
                    b[n++] = 0xba;
                    b[n++] = 0xc3 | ((4 + op) << 3);
                    b[n++] = offset;
                }
                add_case(names[op], b, n, mask, false, offset, operand(), 0, 0);
            }
        }
    }
}

static bool host_has(unsigned leaf, int reg, unsigned bit)
{
    unsigned r[4];
    if (!__get_cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3])) {
        return false;
    }
    return (r[reg] >> bit) & 1;
}

static void generate(void)
{
    const unsigned N = 150;
    uint32_t logic = F_CF | F_OF | F_SF | F_ZF | F_PF;
    static const char *alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
    for (unsigned op = 0; op < 8; op++) {
        uint32_t mask = (op == 1 || op == 4 || op == 6) ? logic : ALL_FLAGS;
        gen_binary(alu[op], op * 8, mask, false, N);
        gen_binary(alu[op], op * 8, mask, true, N / 3);
        gen_binary(alu[op], op * 8 + 2, mask, true, N / 3);
        gen_imm(alu[op], op, mask, N / 2);
    }
    /* AH..BH: op %bh, %ah (ModRM reg 7, rm 4 without REX). */
    for (unsigned op = 0; op < 8; op++) {
        uint32_t mask = (op == 1 || op == 4 || op == 6) ? logic : ALL_FLAGS;
        for (unsigned k = 0; k < N / 3; k++) {
            uint8_t b[2] = { op * 8, 0xfc };
            add_case(alu[op], b, 2, mask, false, operand(), operand(), 0, 0);
        }
    }
    gen_binary("test", 0x84, logic, false, N);
    gen_binary("test", 0x84, logic, true, N / 3);
    gen_binary("xchg", 0x86, ALL_FLAGS, false, N / 3);
    gen_binary("xchg", 0x86, ALL_FLAGS, true, N / 3);
    gen_group("inc", 0xfe, 0, 0, ALL_FLAGS, false, N);
    gen_group("dec", 0xfe, 1, 0, ALL_FLAGS, false, N);
    gen_group("not", 0xf6, 2, 0, ALL_FLAGS, false, N);
    gen_group("neg", 0xf6, 3, 0, ALL_FLAGS, false, N);
    gen_group("inc", 0xfe, 0, 15, ALL_FLAGS, false, N / 3);
    gen_group("dec", 0xfe, 1, 15, ALL_FLAGS, false, N / 3);
    gen_group("not", 0xf6, 2, 15, ALL_FLAGS, false, N / 3);
    gen_group("neg", 0xf6, 3, 15, ALL_FLAGS, false, N / 3);
    gen_group("mul", 0xf6, 4, 15, F_CF | F_OF, false, N / 3);
    gen_group("idiv", 0xf6, 7, 15, 0, false, N / 3);
    gen_group("mul", 0xf6, 4, 3, F_CF | F_OF, false, N);
    gen_group("imul", 0xf6, 5, 3, F_CF | F_OF, false, N);
    gen_group("div", 0xf6, 6, 3, 0, false, 2 * N);
    gen_group("idiv", 0xf6, 7, 3, 0, false, 2 * N);
    gen_shifts(N);
    gen_double_shifts(N);
    gen_0f("imul2", 0, 0xaf, 2, F_CF | F_OF, false, N);
    gen_0f("bsf", 0, 0xbc, 2, F_ZF, false, N);
    gen_0f("bsr", 0, 0xbd, 2, F_ZF, false, N);
    if (host_has(7, 1, 3)) {
        gen_0f("tzcnt", 0xf3, 0xbc, 2, F_CF | F_ZF, false, N);
    }
    if (host_has(0x80000001, 2, 5)) {
        gen_0f("lzcnt", 0xf3, 0xbd, 2, F_CF | F_ZF, false, N);
    }
    if (host_has(1, 2, 23)) {
        gen_0f("popcnt", 0xf3, 0xb8, 2, ALL_FLAGS, false, N);
    }
    if (host_has(1, 2, 20)) {
        gen_crc32(N / 3);
    }
    gen_0f("movzb", 0, 0xb6, 2, ALL_FLAGS, false, N / 3);
    gen_0f("movsb", 0, 0xbe, 2, ALL_FLAGS, false, N / 3);
    gen_0f("movzw", 0, 0xb7, 4, ALL_FLAGS, false, N / 3);
    gen_0f("movsw", 0, 0xbf, 4, ALL_FLAGS, false, N / 3);
    gen_0f("cmovb", 0, 0x42, 2, ALL_FLAGS, false, N / 3);
    gen_0f("cmovle", 0, 0x4e, 2, ALL_FLAGS, false, N / 3);
    gen_0f("cmovg", 0, 0x4f, 2, ALL_FLAGS, true, N / 3);
    gen_bt(N);
    /* CMPXCHG rbx/[rdi], rcx (accumulator rax); XADD rbx/[rdi], rax. */
    for (int mem = 0; mem < 2; mem++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (unsigned k = 0; k < N; k++) {
                uint8_t b[16];
                unsigned n = size_prefix(b, size);
                b[n++] = 0x0f;
                b[n++] = size == 1 ? 0xb0 : 0xb1;
                b[n++] = mem ? 0x0f : 0xcb;
                uint64_t a = operand(), d = g_rand_boolean(rng) ? a : operand();
                Case *c;
                add_case("cmpxchg", b, n, ALL_FLAGS, false, a, d, operand(), 0);
                c = &g_array_index(cases, Case, cases->len - 1);
                if (mem && g_rand_boolean(rng)) {
                    c->in.mem[0] = a;
                }
                n = size_prefix(b, size);
                b[n++] = 0x0f;
                b[n++] = size == 1 ? 0xc0 : 0xc1;
                b[n++] = mem ? 0x07 : 0xc3;
                add_case("xadd", b, n, ALL_FLAGS, false, operand(), operand(), 0, 0);
            }
        }
    }
    /* BSWAP eax/rax; CBW family; CWD family. */
    for (unsigned k = 0; k < N; k++) {
        add_case("bswap", (const uint8_t *)"\x0f\xc8", 2, ALL_FLAGS, false,
                 operand(), 0, 0, 0);
        add_case("bswap", (const uint8_t *)"\x48\x0f\xc8", 3, ALL_FLAGS, false,
                 operand(), 0, 0, 0);
        add_case("cbw", (const uint8_t *)"\x66\x98", 2, ALL_FLAGS, false, operand(), 0, 0, 0);
        add_case("cwde", (const uint8_t *)"\x98", 1, ALL_FLAGS, false, operand(), 0, 0, 0);
        add_case("cdqe", (const uint8_t *)"\x48\x98", 2, ALL_FLAGS, false, operand(), 0, 0, 0);
        add_case("cwd", (const uint8_t *)"\x66\x99", 2, ALL_FLAGS, false, operand(), 0, 0, 0);
        add_case("cdq", (const uint8_t *)"\x99", 1, ALL_FLAGS, false, operand(), 0, 0, 0);
        add_case("cqo", (const uint8_t *)"\x48\x99", 2, ALL_FLAGS, false, operand(), 0, 0, 0);
    }
}

/* --- Comparison --- */

static unsigned failures;

static void report(const Case *c, const Regs *want, const Regs *got, const char *what)
{
    if (++failures > 40) {
        return;
    }
    GString *s = g_string_new(NULL);
    for (unsigned k = 0; k < c->len; k++) {
        g_string_append_printf(s, "%02x ", c->code[k]);
    }
    g_test_message("%s [%s] %s: in rax=%" G_GINT64_MODIFIER "x rbx=%" G_GINT64_MODIFIER
                   "x rcx=%" G_GINT64_MODIFIER "x rdx=%" G_GINT64_MODIFIER "x fl=%"
                   G_GINT64_MODIFIER "x mem=%" G_GINT64_MODIFIER "x", c->name,
                   s->str, what, c->in.rax, c->in.rbx, c->in.rcx, c->in.rdx,
                   c->in.flags, c->in.mem[0]);
    g_test_message("   host: rax=%" G_GINT64_MODIFIER "x rbx=%" G_GINT64_MODIFIER
                   "x rcx=%" G_GINT64_MODIFIER "x rdx=%" G_GINT64_MODIFIER "x fl=%"
                   G_GINT64_MODIFIER "x mem=%" G_GINT64_MODIFIER "x fault=%"
                   G_GINT64_MODIFIER "d", want->rax, want->rbx, want->rcx, want->rdx,
                   want->flags, want->mem[0], want->fault);
    g_test_message("   tcg:  rax=%" G_GINT64_MODIFIER "x rbx=%" G_GINT64_MODIFIER
                   "x rcx=%" G_GINT64_MODIFIER "x rdx=%" G_GINT64_MODIFIER "x fl=%"
                   G_GINT64_MODIFIER "x mem=%" G_GINT64_MODIFIER "x fault=%"
                   G_GINT64_MODIFIER "d", got->rax, got->rbx, got->rcx, got->rdx,
                   got->flags, got->mem[0], got->fault);
    g_string_free(s, true);
}

static void compare(const Case *c, const Regs *want, const Regs *got)
{
    /* A native SIGFPE is the guest's #DE. */
    bool want_de = want->fault == SIGFPE;
    if (want->fault != -1 && !want_de) {
        report(c, want, got, "native run faulted");
        return;
    }
    if (want_de || got->fault != -1) {
        if (!(want_de && got->fault == EXCP_DE)) {
            report(c, want, got, "exception");
        } else if (memcmp(&c->in, got, offsetof(Regs, rdi)) ||
                   (got->flags & ALL_FLAGS) != (c->in.flags & ALL_FLAGS)) {
            report(c, want, got, "state changed by a faulting instruction");
        }
        return;
    }
    if (!c->skip_regs &&
        (want->rax != got->rax || want->rcx != got->rcx || want->rdx != got->rdx ||
         want->rbx != got->rbx || want->rsi != got->rsi ||
         memcmp(want->mem, got->mem, sizeof(want->mem)))) {
        report(c, want, got, "registers");
        return;
    }
    if ((want->flags ^ got->flags) & c->flag_mask) {
        report(c, want, got, "flags");
    }
}

static void test_alu(void)
{
    Case *cs = (Case *)cases->data;
    unsigned n = cases->len;
    Regs *native = mmap(NULL, n * sizeof(Regs), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(native != MAP_FAILED);
    run_native(cs, n, native);
    for (unsigned k = 0; k < n; k++) {
        Regs got;
        run_tcg(&cs[k], &got);
        compare(&cs[k], &native[k], &got);
    }
    g_test_message("%u cases, %u mismatches", n, failures);
    munmap(native, n * sizeof(Regs));
    g_assert_cmpuint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    GString *spec = g_string_new("qemu64");
    if (host_has(7, 1, 3)) {
        g_string_append(spec, ",+bmi1");
    }
    if (host_has(0x80000001, 2, 5)) {
        g_string_append(spec, ",+abm");
    }
    if (host_has(1, 2, 23)) {
        g_string_append(spec, ",+popcnt");
    }
    if (host_has(1, 2, 20)) {
        g_string_append(spec, ",+sse4.2");
    }
    harness_init(spec->str);
    g_string_free(spec, true);
    rng = g_rand_new_with_seed(42);
    cases = g_array_new(false, false, sizeof(Case));
    generate();
    g_test_add_func("/tcg/alu/differential", test_alu);
    return g_test_run();
}

#else

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    return g_test_run();        /* the native side needs an x86-64 host */
}

#endif
