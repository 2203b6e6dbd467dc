/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86-64 host code generator: turns a TB's records into host code.
 * The hot records (moves, the ALU operations, compares and branches,
 * PUSH/POP/CALL/RET in 64-bit mode) become inline code on the TLB fast
 * path; anything else, and every fast-path miss, calls the record's
 * handler, so the interpreter stays the one definition of each
 * instruction. See docs/devel/tcg.md.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "accel/tcg/host-x86-64.h"
#include "accel/tcg/jit.h"
#include <stddef.h>

#ifdef __x86_64__

/* Registers while generated code runs: rbx holds the X86Tcg; rax, rcx,
 * rdx, rsi and rdi are scratch (rsi the memory operand's address). */
#define T_OFF(f) ((int32_t)offsetof(X86Tcg, f))
#define TM(f) hm(H_RBX, T_OFF(f))

_Static_assert(sizeof(TLBEntry) == 32, "the TLB index below assumes 32-byte entries");

static const Insn *(*jit_enter)(X86Tcg *t, const void *code);
static uint8_t *jit_dispatch;   /* rax: the next record or NULL */
static uint8_t *jit_leave;      /* back to the caller of jit_enter with rax */
static bool jit_ready;

/* Records in a TB (translate.c: 128 instructions and an exit), and slow
 * paths: at most two per record (alignment, TLB) and the two CR checks
 * of the first SSE record. */
#define GEN_RECORDS 130
#define GEN_SLOW (2 * GEN_RECORDS + 2)

/* What an inline record leaves for the next one. */
typedef struct Gen {
    Emit e;
    TB *tb;
    bool cs64;
    int cc;                 /* cc_op the guest flags hold now, -1 unknown */
    bool flags_live;        /* the host flags equal the guest's */
    const uint8_t *code[GEN_RECORDS];   /* host code of each record */
    bool inl[GEN_RECORDS];              /* record k is emitted inline */
    bool dead[GEN_RECORDS];             /* the flags record k sets are dead */
    InsnFn handler[GEN_RECORDS];        /* the handler of each record */
    struct {                        /* fast-path misses, emitted last */
        uint8_t *from;
        unsigned k;
        int cc;
        bool flags_live;
    } slow[GEN_SLOW];
    unsigned nslow;
    bool sse_checked;               /* CR0/CR4 allow SSE in this TB */
} Gen;

/* Stands in for an inline record in the handler chain: a handler that
 * falls through to it returns to the generated code. */
static const Insn *h_jit_resume(X86Tcg *t, const Insn *i)
{
    return i;
}

/* C helpers the generated code calls. */
static bool jit_cc_eval(X86Tcg *t, int cond)
{
    return cc_eval(t, cond);
}

static uint64_t jit_cc_cf(X86Tcg *t)
{
    return cc_compute_cf(t);
}

static const Insn *jit_exit_indirect(X86Tcg *t, uint64_t eip)
{
    return tb_exit_indirect(t, eip);
}

/* --- Guest registers and memory --- */

static HostMem greg(unsigned r, unsigned size)
{
    return hm(H_RBX, T_OFF(regs) + (size == 1 ? (int32_t)r : (int32_t)r * 8));
}

/* Host register h := guest register r of `size` bytes, zero-extended. */
static void load_greg(Gen *g, int h, unsigned r, unsigned size)
{
    emit_load_zx(&g->e, size, h, greg(r, size));
}

/* Guest register r := the low `size` bytes of h (which is zero-extended
 * for 4: a 32-bit write clears the upper half). */
static void store_greg(Gen *g, int h, unsigned r, unsigned size)
{
    emit_store(&g->e, size == 4 ? 8 : size, h, greg(r, size));
}

/* rsi := the effective address of i's memory operand (no segment). */
static void gen_ea(Gen *g, const Insn *i)
{
    Emit *e = &g->e;
    int64_t disp = i->disp;
    if (i->rm != REG_NONE) {
        emit_rm(e, 8, OP1(0x8b), H_RSI, greg(i->rm, 8));
        if (!fits_i32(disp)) {
            emit_movi(e, H_RAX, disp);
            emit_rr(e, 8, OP1(0x01), H_RAX, H_RSI);     /* add rsi, rax */
            disp = 0;
        }
    } else {
        emit_movi(e, H_RSI, disp);
        disp = 0;
    }
    if (i->index != REG_NONE) {
        emit_rm(e, 8, OP1(0x8b), H_RAX, greg(i->index, 8));
        emit_rm(e, 8, OP1(0x8d), H_RSI, (HostMem){ H_RSI, H_RAX, i->scale, disp });
    } else if (disp) {
        emit_rm(e, 8, OP1(0x8d), H_RSI, hm(H_RSI, disp));
    }
    if (i->asz == 0) {
        emit_rr(e, 4, OP2(0x0f, 0xb7), H_RSI, H_RSI);   /* movzx esi, si */
    } else if (i->asz == 1) {
        emit_mov_rr(e, 4, H_RSI, H_RSI);
    }
}

/* rsi := the linear address of i's memory operand. */
static void gen_la(Gen *g, const Insn *i)
{
    gen_ea(g, i);
    if (!g->cs64 || i->seg == R_FS || i->seg == R_GS) {
        emit_rm(&g->e, 8, OP1(0x03), H_RSI, TM(segbase[i->seg]));
    }
    if (!g->cs64) {
        emit_mov_rr(&g->e, 4, H_RSI, H_RSI);
    }
}

/* A conditional jump to a slow path of record k (its handler). */
static void gen_slow_jump(Gen *g, unsigned k, int cc)
{
    g_assert(g->nslow < GEN_SLOW);
    g->slow[g->nslow].from = emit_jump(&g->e, cc);
    g->slow[g->nslow].k = k;
    g->nslow++;
}

/* The TLB fast path for `size` bytes at rsi: on a hit rsi becomes the
 * host address; a miss jumps to the record's slow path (its handler). */
static void gen_tlb(Gen *g, unsigned k, unsigned size, bool write)
{
    Emit *e = &g->e;
    emit_mov_rr(e, 8, H_RAX, H_RSI);
    emit_shift_ri(e, 8, 5, H_RAX, TCG_PAGE_BITS - 5);
    emit_alu_ri(e, 4, 4, H_RAX, (TLB_SIZE - 1) << 5);
    emit_rm(e, 8, OP1(0x03), H_RAX, TM(tlb));
    emit_rm(e, 8, OP1(0x8d), H_RCX, hm(H_RSI, size - 1));
    emit_alu_ri(e, 8, 4, H_RCX, (int32_t)TCG_PAGE_MASK);
    emit_rm(e, 8, OP1(0x3b), H_RCX,
            hm(H_RAX, write ? offsetof(TLBEntry, write) : offsetof(TLBEntry, read)));
    gen_slow_jump(g, k, HCC_NE);
    emit_rm(e, 8, OP1(0x03), H_RSI, hm(H_RAX, offsetof(TLBEntry, addend)));
    g->flags_live = false;
}

/* --- Flags --- */

/* The host flags := the guest's, from the lazy state of a known cc_op. */
static void gen_flags_from_cc(Gen *g, int cc)
{
    Emit *e = &g->e;
    unsigned size = 1u << (cc & 3), kind = cc >> 2;
    bool byte = size == 1;
    if (kind == CC_LOGIC) {
        emit_rm(e, 8, OP1(0x8b), H_RAX, TM(cc_dst));
        emit_rr(e, size, byte ? OP1(0x84) : OP1(0x85), H_RAX, H_RAX);
    } else {
        emit_rm(e, 8, OP1(0x8b), H_RAX, TM(cc_src2));
        /* add/cmp r, r/m leave exactly the guest's ADD/SUB flags */
        uint8_t op = kind == CC_ADD ? 0x03 : 0x3b;
        emit_rm(e, size, byte ? OP1(op - 1) : OP1(op), H_RAX, TM(cc_src));
    }
}

static bool cc_inlinable(int cc)
{
    unsigned kind = (unsigned)cc >> 2;
    return cc >= 0 && (kind == CC_LOGIC || kind == CC_ADD || kind == CC_SUB);
}

/* Makes the host flags answer guest condition `cond`; returns the host
 * condition to test. */
static int gen_cond(Gen *g, int cond)
{
    Emit *e = &g->e;
    if (g->flags_live) {
        return cond;
    }
    if (cc_inlinable(g->cc)) {
        gen_flags_from_cc(g, g->cc);
        g->flags_live = true;
        return cond;
    }
    emit_mov_rr(e, 8, H_RDI, H_RBX);
    emit_movi(e, H_RSI, cond);
    emit_call(e, (const void *)jit_cc_eval);
    emit_rr(e, 1, OP1(0x84), H_RAX, H_RAX);             /* test al, al */
    return HCC_NE;
}

/* rcx := the guest's CF (0 or 1). */
static void gen_carry(Gen *g)
{
    Emit *e = &g->e;
    if (!g->flags_live && !cc_inlinable(g->cc)) {
        emit_mov_rr(e, 8, H_RDI, H_RBX);
        emit_call(e, (const void *)jit_cc_cf);
        emit_mov_rr(e, 8, H_RCX, H_RAX);
        return;
    }
    gen_cond(g, 2);
    emit_rr(e, 4, OP2(0x0f, 0x92), 0, H_RCX);           /* setc cl */
    emit_rr(e, 4, OP2(0x0f, 0xb6), H_RCX, H_RCX);       /* movzx ecx, cl */
}

/* --- Leaving the TB --- */

/* To exit `slot` (a direct branch to eip): straight into the chained TB
 * when there is one and nobody asked to stop, else back to the loop. */
static void gen_exit_direct(Gen *g, int slot, uint64_t eip)
{
    Emit *e = &g->e;
    emit_movi(e, H_RAX, eip);
    emit_store(e, 8, H_RAX, TM(rip));
    emit_movi(e, H_RAX, (uintptr_t)&g->tb->jmp_dest[slot]);
    emit_rm(e, 8, OP1(0x8b), H_RAX, hm(H_RAX, 0));
    emit_rr(e, 8, OP1(0x85), H_RAX, H_RAX);
    uint8_t *no_chain = emit_jump(e, HCC_E);
    emit_rm(e, 4, OP1(0x83), 7, TM(exit_request));        /* cmp dword, 0 */
    e8(e, 0);
    uint8_t *stop = emit_jump(e, HCC_NE);
    emit_store(e, 8, H_RAX, TM(tb));
    emit_rm(e, 8, OP1(0x8b), H_RCX, hm(H_RAX, offsetof(TB, jit_code)));
    emit_rm(e, 8, OP1(0x8b), H_RAX, hm(H_RAX, offsetof(TB, insns)));
    emit_rr(e, 8, OP1(0x85), H_RCX, H_RCX);
    emit_jump_to(e, HCC_E, jit_leave);
    emit_rr(e, 4, OP1(0xff), 4, H_RCX);                      /* jmp rcx */
    if (!e->overflow) {
        patch_rel32(no_chain, e->p);
        patch_rel32(stop, e->p);
    }
    emit_store_imm(e, 4, TM(exit_slot), slot);
    emit_rr(e, 4, OP1(0x31), H_RAX, H_RAX);
    emit_jump_to(e, -1, jit_leave);
}

/* To an address known only now (in rsi, or eip): the jump cache. */
static void gen_exit_indirect(Gen *g, bool in_rsi, uint64_t eip)
{
    Emit *e = &g->e;
    if (!in_rsi) {
        emit_movi(e, H_RSI, eip);
    }
    emit_mov_rr(e, 8, H_RDI, H_RBX);
    emit_call(e, (const void *)jit_exit_indirect);
    emit_jump_to(e, -1, jit_dispatch);
}

static void gen_exit_to(Gen *g, const Insn *i, int slot, uint64_t eip)
{
    if ((i->op2 >> slot) & 1) {
        gen_exit_direct(g, slot, eip);
    } else {
        gen_exit_indirect(g, false, eip);
    }
}

/* --- Handler calls --- */

/* Runs the handler of record k (which goes on through the handler chain
 * until a record that is inline); rax is what it returned. */
static void gen_call_handler(Gen *g, unsigned k)
{
    Emit *e = &g->e;
    emit_movi(e, H_RSI, (uintptr_t)&g->tb->insns[k]);
    emit_store(e, 8, H_RSI, TM(cur));
    emit_mov_rr(e, 8, H_RDI, H_RBX);
    emit_call(e, (const void *)g->handler[k]);
}

/* The first inline record after k, or -1. */
static int next_inline(Gen *g, unsigned k)
{
    for (unsigned n = k + 1; n < g->tb->ninsns; n++) {
        if (g->inl[n]) {
            return n;
        }
    }
    return -1;
}

/* Whether the flags after record k are overwritten before anything can
 * read them: a later register-only record sets them all, and those in
 * between neither read them nor can fault (a fault would show them). */
static bool flags_dead_after(const TB *tb, unsigned k)
{
    for (unsigned n = k + 1; n < tb->ninsns; n++) {
        const Insn *i = &tb->insns[n];
        switch (i->jit) {
        case JIT_MOV_RR: case JIT_MOV_RI: case JIT_LEA: case JIT_ROT:
            continue;
        case JIT_MOVX:
            if (i->op2 & 1) {
                return false;
            }
            continue;
        case JIT_UNARY:
            if (i->jit_op == 2) {
                continue;                       /* NOT */
            }
            return i->jit_op == 3;              /* NEG; INC/DEC read CF */
        case JIT_ALU_RR: case JIT_ALU_RI: case JIT_SHIFT:
            return true;
        default:
            return false;
        }
    }
    return false;
}

/* After a handler call: on to record n's code if the chain stopped there,
 * else to the dispatcher. */
static void gen_resume_check(Gen *g, int n)
{
    Emit *e = &g->e;
    if (n < 0) {
        emit_jump_to(e, -1, jit_dispatch);
        return;
    }
    emit_movi(e, H_RCX, (uintptr_t)&g->tb->insns[n]);
    emit_rr(e, 8, OP1(0x39), H_RCX, H_RAX);             /* cmp rax, rcx */
    emit_jump_to(e, HCC_NE, jit_dispatch);
}

/* --- Records --- */

static void gen_alu_op(Gen *g, int op, unsigned size, bool dead)
{
    Emit *e = &g->e;
    static const uint8_t host_op[9] = { 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31,
                                        0x29 /* cmp: sub */, 0x21 /* test: and */ };
    static const uint8_t kind[9] = { CC_ADD, CC_LOGIC, 0, 0, CC_LOGIC, CC_SUB,
                                     CC_LOGIC, CC_SUB, CC_LOGIC };
    unsigned lg = size_log2(size);
    if (dead) {
        emit_rr(e, size, size == 1 ? OP1(host_op[op] - 1) : OP1(host_op[op]),
                H_RCX, H_RAX);
        g->cc = -1;
        return;
    }
    emit_store(e, 8, H_RAX, TM(cc_src2));
    emit_store(e, 8, H_RCX, TM(cc_src));
    emit_rr(e, size, size == 1 ? OP1(host_op[op] - 1) : OP1(host_op[op]), H_RCX, H_RAX);
    emit_store(e, 8, H_RAX, TM(cc_dst));
    g->cc = CC_OP(kind[op], lg);
    emit_store_imm(e, 4, TM(cc_op), g->cc);
}

#define WRITES(op) ((op) != 7 && (op) != 8)

/* rcx := the source of an ALU record: register (RR, MR) or immediate. */
static void load_alu_src(Gen *g, const Insn *i)
{
    if (i->jit == JIT_ALU_RR || i->jit == JIT_ALU_MR) {
        load_greg(g, H_RCX, i->reg, i->size);
    } else {
        emit_movi(&g->e, H_RCX, i->imm);
    }
}

static void gen_alu(Gen *g, unsigned k, const Insn *i)
{
    Emit *e = &g->e;
    unsigned size = i->size;
    int op = i->jit_op;
    bool dead = g->dead[k];
    switch (i->jit) {
    case JIT_ALU_RR:
    case JIT_ALU_RI:
        load_greg(g, H_RAX, i->rm, size);
        load_alu_src(g, i);
        gen_alu_op(g, op, size, dead);
        if (WRITES(op)) {
            store_greg(g, H_RAX, i->rm, size);
        }
        break;
    case JIT_ALU_RM:
        gen_la(g, i);
        gen_tlb(g, k, size, false);
        emit_load_zx(e, size, H_RCX, hm(H_RSI, 0));
        load_greg(g, H_RAX, i->reg, size);
        gen_alu_op(g, op, size, false);
        if (WRITES(op)) {
            store_greg(g, H_RAX, i->reg, size);
        }
        break;
    default:                                            /* MR, MI */
        gen_la(g, i);
        gen_tlb(g, k, size, WRITES(op));
        emit_load_zx(e, size, H_RAX, hm(H_RSI, 0));
        load_alu_src(g, i);
        gen_alu_op(g, op, size, false);
        if (WRITES(op)) {
            emit_store(e, size, H_RAX, hm(H_RSI, 0));
        }
        break;
    }
    g->flags_live = g->cc >= 0;
}

/* ROL/ROR register, imm whose flags are dead: the rotation alone. */
static void gen_rot(Gen *g, const Insn *i)
{
    Emit *e = &g->e;
    unsigned size = i->size;
    load_greg(g, H_RAX, i->rm, size);
    emit_rr(e, size, size == 1 ? OP1(0xc0) : OP1(0xc1), i->jit_op, H_RAX);
    e8(e, i->imm);
    store_greg(g, H_RAX, i->rm, size);
    g->cc = -1;
    g->flags_live = false;
}

/* Zero-extends the low `size` bytes of host register r. */
static void gen_zx(Gen *g, unsigned size, int r)
{
    switch (size) {
    case 1: emit_rr(&g->e, 4, OP2(0x0f, 0xb6), r, r); break;
    case 2: emit_rr(&g->e, 4, OP2(0x0f, 0xb7), r, r); break;
    case 4: emit_mov_rr(&g->e, 4, r, r); break;
    default: break;
    }
}

/* SHL/SHR/SAR register, imm (1-63): the flags state shift_compute
 * leaves (ops-shift.c). */
static void gen_shift(Gen *g, unsigned k, const Insn *i)
{
    static const uint8_t sub[3] = { 4, 5, 7 }, kind[3] = { CC_SHL, CC_SHR, CC_SAR };
    Emit *e = &g->e;
    unsigned size = i->size, c = i->imm, row = i->jit_op;
    load_greg(g, H_RAX, i->rm, size);
    if (g->dead[k]) {
        emit_rr(e, size, size == 1 ? OP1(0xc0) : OP1(0xc1), sub[row], H_RAX);
        e8(e, c);
        store_greg(g, H_RAX, i->rm, size);
        g->cc = -1;
        g->flags_live = false;
        return;
    }
    emit_store(e, 8, H_RAX, TM(cc_src2));
    if (row == 2 && size < 8) {                         /* sign-extend */
        if (size == 4) {
            emit_rr(e, 8, OP1(0x63), H_RAX, H_RAX);
        } else {
            emit_rr(e, 8, OP2(0x0f, size == 2 ? 0xbf : 0xbe), H_RAX, H_RAX);
        }
    }
    emit_mov_rr(e, 8, H_RCX, H_RAX);
    if (c > 1) {
        emit_shift_ri(e, 8, sub[row], H_RCX, c - 1);
    }
    if (row == 0) {
        gen_zx(g, size, H_RCX);
    }
    emit_store(e, 8, H_RCX, TM(cc_src));
    emit_shift_ri(e, 8, sub[row], H_RAX, c);
    if (row != 1) {
        gen_zx(g, size, H_RAX);
    }
    emit_store(e, 8, H_RAX, TM(cc_dst));
    g->cc = CC_OP(kind[row], size_log2(size));
    emit_store_imm(e, 4, TM(cc_op), g->cc);
    store_greg(g, H_RAX, i->rm, size);
    g->flags_live = false;
}

/* INC/DEC/NOT/NEG register (ops-alu.c unary_compute). INC and DEC keep
 * CF: the host CF is set from the guest's first, so the host flags after
 * them are the guest's. */
static void gen_unary(Gen *g, unsigned k, const Insn *i)
{
    Emit *e = &g->e;
    unsigned size = i->size, op = i->jit_op;
    HostOp grp = size == 1 ? OP1(0xf6) : OP1(0xf7);
    if (op != 2 && g->dead[k]) {
        load_greg(g, H_RAX, i->rm, size);
        if (op <= 1) {
            emit_rr(e, size, size == 1 ? OP1(0xfe) : OP1(0xff), op, H_RAX);
        } else {
            emit_rr(e, size, grp, op, H_RAX);
        }
        store_greg(g, H_RAX, i->rm, size);
        g->cc = -1;
        g->flags_live = false;
        return;
    }
    if (op <= 1) {
        gen_carry(g);
        load_greg(g, H_RAX, i->rm, size);
        emit_store(e, 8, H_RCX, TM(cc_src));
        emit_store_imm(e, 8, TM(cc_src2), 0);
        emit_mov_rr(e, 4, H_RDX, H_RCX);
        emit_alu_ri(e, 1, 0, H_RDX, 0xff);               /* add dl, 0xff */
        emit_rr(e, size, size == 1 ? OP1(0xfe) : OP1(0xff), op, H_RAX);
    } else {
        load_greg(g, H_RAX, i->rm, size);
        if (op == 3) {
            emit_store(e, 8, H_RAX, TM(cc_src));
            emit_store_imm(e, 8, TM(cc_src2), 0);
        }
        emit_rr(e, size, grp, op, H_RAX);               /* not / neg */
    }
    if (op != 2) {
        emit_store(e, 8, H_RAX, TM(cc_dst));
        g->cc = CC_OP(op == 0 ? CC_INC : op == 1 ? CC_DEC : CC_SUB, size_log2(size));
        emit_store_imm(e, 4, TM(cc_op), g->cc);
        g->flags_live = true;
    }
    store_greg(g, H_RAX, i->rm, size);
}

/* CMOVcc and SETcc with register operands. */
static void gen_cmov_setcc(Gen *g, const Insn *i)
{
    Emit *e = &g->e;
    unsigned size = i->size;
    bool helper = !g->flags_live && !cc_inlinable(g->cc);
    int cond = gen_cond(g, i->jit_op);
    if (i->jit == JIT_SETCC) {
        emit_rr(e, 4, OP2(0x0f, 0x90 | cond), 0, H_RAX);
        emit_store(e, 1, H_RAX, greg(i->rm, 1));
    } else {
        load_greg(g, H_RAX, i->reg, size);
        load_greg(g, H_RCX, i->rm, size);
        emit_rr(e, size == 8 ? 8 : 4, OP2(0x0f, 0x40 | cond), H_RAX, H_RCX);
        store_greg(g, H_RAX, i->reg, size);
    }
    g->flags_live = !helper;
}

/* --- SSE on XMM registers (env->fxsave), with the host's xmm0/xmm1 --- */

#define XMM_OFF(n) ((int32_t)(offsetof(X86State, fxsave) + FX_XMM0 + 16 * (n)))

/* movdqu xmm, [m] (load) or movdqu [m], xmm. */
static void emit_movdqu(Emit *e, bool load, int xmm, HostMem m)
{
    e8(e, 0xf3);
    emit_rm(e, 4, OP2(0x0f, load ? 0x6f : 0x7f), xmm, m);
}

/* rdx := env; on the TB's first SSE record, CR0.EM/TS and CR4.OSFXSR go
 * to the handler (which raises #UD/#NM). They change only between TBs. */
static void gen_sse_env(Gen *g, unsigned k)
{
    Emit *e = &g->e;
    emit_rm(e, 8, OP1(0x8b), H_RDX, TM(env));
    if (g->sse_checked) {
        return;
    }
    emit_rm(e, 4, OP1(0xf7), 0, hm(H_RDX, offsetof(X86State, cr0)));
    e32(e, CR0_EM | CR0_TS);
    gen_slow_jump(g, k, HCC_NE);
    emit_rm(e, 4, OP1(0xf7), 0, hm(H_RDX, offsetof(X86State, cr4)));
    e32(e, CR4_OSFXSR);
    gen_slow_jump(g, k, HCC_E);
    g->sse_checked = true;
    g->flags_live = false;
}

/* rsi := the host address of a 16-byte memory operand (aligned if
 * `align`), or to the handler. */
static void gen_vec_mem(Gen *g, unsigned k, const Insn *i, bool align, bool write)
{
    Emit *e = &g->e;
    gen_la(g, i);
    if (align) {
        emit_rr(e, 1, OP1(0xf6), 0, H_RSI);             /* test sil, 15 */
        e8(e, 15);
        gen_slow_jump(g, k, HCC_NE);
    }
    gen_tlb(g, k, 16, write);
}

/* xmm1 := the source: XMM register rm, or 16 bytes of memory. */
static void gen_vec_src(Gen *g, unsigned k, const Insn *i, bool mem, bool align)
{
    if (mem) {
        gen_vec_mem(g, k, i, align, false);
        emit_movdqu(&g->e, true, 1, hm(H_RSI, 0));
        gen_sse_env(g, k);
    } else {
        gen_sse_env(g, k);
        emit_movdqu(&g->e, true, 1, hm(H_RDX, XMM_OFF(i->rm)));
    }
}

static void gen_vec_move(Gen *g, unsigned k, const Insn *i)
{
    Emit *e = &g->e;
    bool mem = i->op2 & 1, align = i->op2 & 4;
    if (!i->jit_op) {                                   /* load */
        gen_vec_src(g, k, i, mem, align);
        emit_movdqu(e, false, 1, hm(H_RDX, XMM_OFF(i->reg)));
    } else if (mem) {
        gen_vec_mem(g, k, i, align, true);
        gen_sse_env(g, k);
        emit_movdqu(e, true, 0, hm(H_RDX, XMM_OFF(i->reg)));
        emit_movdqu(e, false, 0, hm(H_RSI, 0));
    } else {
        gen_sse_env(g, k);
        emit_movdqu(e, true, 0, hm(H_RDX, XMM_OFF(i->reg)));
        emit_movdqu(e, false, 0, hm(H_RDX, XMM_OFF(i->rm)));
    }
}

/* xmm0 := XMM reg OP source, then back to XMM reg: the logic operations
 * (66 0F DB/DF/EB/EF on xmm0, xmm1) or an integer stub's own bytes. */
static void gen_vec_op(Gen *g, unsigned k, const Insn *i)
{
    static const uint8_t logic[4] = { 0xdb, 0xdf, 0xeb, 0xef };
    Emit *e = &g->e;
    bool shift = i->jit == JIT_SSE_INT && i->op == 1;   /* K_SHIFT: rm */
    bool to_gpr = i->jit == JIT_SSE_INT && i->op == 2;  /* K_TO_GPR */
    unsigned dst = shift ? i->rm : i->reg;
    if (i->jit == JIT_VEC_LOGIC) {
        gen_vec_src(g, k, i, i->op, true);
    } else if (shift) {
        gen_sse_env(g, k);
    } else {
        gen_vec_src(g, k, i, i->op2 & 1, i->op2 & 4);
    }
    if (!to_gpr) {
        emit_movdqu(e, true, 0, hm(H_RDX, XMM_OFF(dst)));
    }
    if (i->jit == JIT_VEC_LOGIC) {
        e8(e, 0x66);
        e8(e, 0x0f);
        e8(e, logic[i->op2]);
        e8(e, 0xc1);
    } else {
        const uint8_t *stub = (const uint8_t *)(uintptr_t)i->imm;
        for (unsigned n = 0; n < i->jit_op; n++) {
            e8(e, stub[n]);
        }
    }
    if (to_gpr) {
        store_greg(g, H_RAX, i->reg, i->imm2);
    } else {
        emit_movdqu(e, false, 0, hm(H_RDX, XMM_OFF(dst)));
    }
}

static void gen_movx(Gen *g, unsigned k, const Insn *i)
{
    Emit *e = &g->e;
    unsigned src = i->op, dst = i->size;
    bool sign = i->op2 & 2;
    HostMem m = greg(i->rm, src);
    if (i->op2 & 1) {
        gen_la(g, i);
        gen_tlb(g, k, src, false);
        m = hm(H_RSI, 0);
    }
    if (sign && src < dst) {
        emit_load_sx(e, src, dst == 8 ? 8 : 4, H_RAX, m);
    } else {
        emit_load_zx(e, src, H_RAX, m);
    }
    store_greg(g, H_RAX, i->reg, dst);
}

/* PUSH of rax's value or an immediate in 64-bit mode: the store first,
 * so a miss leaves RSP alone. */
static void gen_push64(Gen *g, unsigned k, const Insn *i, bool imm, uint64_t v)
{
    Emit *e = &g->e;
    emit_rm(e, 8, OP1(0x8b), H_RSI, greg(R_ESP, 8));
    emit_rm(e, 8, OP1(0x8d), H_RSI, hm(H_RSI, -8));
    gen_tlb(g, k, 8, true);
    if (imm) {
        emit_movi(e, H_RAX, v);
    } else {
        load_greg(g, H_RAX, i->rm, 8);
    }
    emit_store(e, 8, H_RAX, hm(H_RSI, 0));
    emit_rm(e, 8, OP1(0x83), 5, greg(R_ESP, 8));        /* sub qword, 8 */
    e8(e, 8);
}

/* POP in 64-bit mode: rax := the value, RSP += 8. */
static void gen_pop64(Gen *g, unsigned k)
{
    Emit *e = &g->e;
    emit_rm(e, 8, OP1(0x8b), H_RSI, greg(R_ESP, 8));
    gen_tlb(g, k, 8, false);
    emit_rm(e, 8, OP1(0x8b), H_RAX, hm(H_RSI, 0));
    emit_rm(e, 8, OP1(0x83), 0, greg(R_ESP, 8));        /* add qword, 8 */
    e8(e, 8);
}

static void gen_jcc(Gen *g, const Insn *i)
{
    Emit *e = &g->e;
    int cond = gen_cond(g, i->jit_op);
    uint8_t *taken = emit_jump(e, cond);
    gen_exit_to(g, i, 1, i->disp);
    if (!e->overflow) {
        patch_rel32(taken, e->p);
    }
    gen_exit_to(g, i, 0, i->imm);
}

/* Emits record k inline; false if it must call its handler. */
static bool gen_inline(Gen *g, unsigned k)
{
    const Insn *i = &g->tb->insns[k];
    Emit *e = &g->e;
    unsigned size = i->size;
    switch (i->jit) {
    case JIT_MOV_RR:
        load_greg(g, H_RAX, i->reg, size);
        store_greg(g, H_RAX, i->rm, size);
        return true;
    case JIT_MOV_RI:
        emit_movi(e, H_RAX, i->imm);
        store_greg(g, H_RAX, i->rm, size);
        return true;
    case JIT_MOV_LOAD:
        gen_la(g, i);
        gen_tlb(g, k, size, false);
        emit_load_zx(e, size, H_RAX, hm(H_RSI, 0));
        store_greg(g, H_RAX, i->reg, size);
        return true;
    case JIT_MOV_STORE:
    case JIT_MOV_MI:
        gen_la(g, i);
        gen_tlb(g, k, size, true);
        if (i->jit == JIT_MOV_STORE) {
            load_greg(g, H_RAX, i->reg, size);
        } else {
            emit_movi(e, H_RAX, i->imm);
        }
        emit_store(e, size, H_RAX, hm(H_RSI, 0));
        return true;
    case JIT_MOVX:
        gen_movx(g, k, i);
        return true;
    case JIT_LEA:
        gen_ea(g, i);
        if (size == 4) {
            emit_mov_rr(e, 4, H_RSI, H_RSI);
        }
        store_greg(g, H_RSI, i->reg, size);
        return true;
    case JIT_ALU_RR: case JIT_ALU_RI: case JIT_ALU_RM: case JIT_ALU_MR:
    case JIT_ALU_MI:
        gen_alu(g, k, i);
        return true;
    case JIT_PUSH64:
    case JIT_PUSH64_I:
        gen_push64(g, k, i, i->jit == JIT_PUSH64_I, i->imm);
        return true;
    case JIT_POP64:
        gen_pop64(g, k);
        store_greg(g, H_RAX, i->rm, 8);
        return true;
    case JIT_JCC:
        gen_jcc(g, i);
        return true;
    case JIT_JMP:
        gen_exit_to(g, i, 0, i->imm);
        return true;
    case JIT_CALL64:
        gen_push64(g, k, i, true, i->disp);
        gen_exit_to(g, i, 0, i->imm);
        return true;
    case JIT_RET64:
        gen_pop64(g, k);
        emit_mov_rr(e, 8, H_RSI, H_RAX);
        gen_exit_indirect(g, true, 0);
        return true;
    case JIT_SHIFT:
        gen_shift(g, k, i);
        return true;
    case JIT_UNARY:
        gen_unary(g, k, i);
        return true;
    case JIT_CMOV:
    case JIT_SETCC:
        gen_cmov_setcc(g, i);
        return true;
    case JIT_ROT:
        gen_rot(g, i);
        return true;
    case JIT_VEC_MOVE:
        gen_vec_move(g, k, i);
        return true;
    case JIT_VEC_LOGIC:
    case JIT_SSE_INT:
        gen_vec_op(g, k, i);
        return true;
    default:
        return false;
    }
}

/* A fast-path miss: the handler does the whole instruction (faults,
 * MMIO, page crossing, code pages), then back to the next inline
 * record with the flags as the fast path would have left them. */
static void gen_slow_paths(Gen *g)
{
    Emit *e = &g->e;
    for (unsigned s = 0; s < g->nslow; s++) {
        unsigned k = g->slow[s].k;
        if (!e->overflow) {
            patch_rel32(g->slow[s].from, e->p);
        }
        gen_call_handler(g, k);
        int n = next_inline(g, k);
        gen_resume_check(g, n);
        if (n >= 0) {
            if (g->slow[s].flags_live && n == (int)k + 1 &&
                cc_inlinable(g->slow[s].cc)) {
                gen_flags_from_cc(g, g->slow[s].cc);
            }
            emit_jump_to(e, -1, g->code[n]);
        }
    }
}

/* Counts the TB's guest instructions (for `info jit`) on entry. */
static void gen_count(Gen *g)
{
    Emit *e = &g->e;
    unsigned n = 0;
    for (unsigned k = 0; k < g->tb->ninsns; k++) {
        n += g->tb->insns[k].len != 0;
    }
    emit_rm(e, 8, OP1(0x81), 0, TM(insn_count));        /* add qword, imm32 */
    e32(e, n);
}

static bool gen_tb(Gen *g)
{
    TB *tb = g->tb;
    Emit *e = &g->e;
    gen_count(g);
    for (unsigned k = 0; k < tb->ninsns && !e->overflow; k++) {
        g->code[k] = e->p;
        if (g->inl[k]) {
            unsigned first_slow = g->nslow;
            gen_inline(g, k);
            /* The record's slow paths come back to where its fast path
             * ends: with the flags state it leaves. */
            for (unsigned n = first_slow; n < g->nslow; n++) {
                g->slow[n].cc = g->cc;
                g->slow[n].flags_live = g->flags_live;
            }
            continue;
        }
        /* A run of records without inline code: one call runs them all. */
        gen_call_handler(g, k);
        int n = next_inline(g, k);
        gen_resume_check(g, n);
        g->cc = -1;
        g->flags_live = false;
        if (n < 0) {
            break;
        }
        k = n - 1;
    }
    gen_slow_paths(g);
    return !e->overflow;
}

/* Entry, dispatch and exit code, once. */
static bool gen_glue(void)
{
    size_t avail;
    uint8_t *start = jit_buf_start(&avail);
    Emit em = { .p = start, .end = start + MIN(avail, 256) }, *e = &em;

    /* jit_enter(t, code): rbx := t, keep the stack 16-byte aligned. */
    jit_enter = (void *)e->p;
    e8(e, 0x53);                                        /* push rbx */
    emit_mov_rr(e, 8, H_RBX, H_RDI);
    emit_rr(e, 4, OP1(0xff), 4, H_RSI);                 /* jmp rsi */

    jit_leave = e->p;
    e8(e, 0x5b);                                        /* pop rbx */
    e8(e, 0xc3);                                        /* ret */

    /* rax: the next record. Its TB's code if it is the first record of
     * a TB with code, else back to the loop. */
    jit_dispatch = e->p;
    emit_rr(e, 8, OP1(0x85), H_RAX, H_RAX);
    emit_jump_to(e, HCC_E, jit_leave);
    emit_rm(e, 8, OP1(0x8b), H_RCX, TM(tb));
    emit_rm(e, 8, OP1(0x3b), H_RAX, hm(H_RCX, offsetof(TB, insns)));
    emit_jump_to(e, HCC_NE, jit_leave);
    emit_rm(e, 8, OP1(0x8b), H_RCX, hm(H_RCX, offsetof(TB, jit_code)));
    emit_rr(e, 8, OP1(0x85), H_RCX, H_RCX);
    emit_jump_to(e, HCC_E, jit_leave);
    emit_rr(e, 4, OP1(0xff), 4, H_RCX);                 /* jmp rcx */
    if (e->overflow) {
        return false;
    }
    jit_buf_commit(e->p);
    jit_buf_keep();
    return true;
}

bool x86_jit_init(void)
{
    if (!jit_ready) {
        jit_ready = jit_buf_init() && gen_glue();
    }
    return jit_ready;
}

JitResult x86_jit_compile(TB *tb)
{
    if (!jit_ready || tb->ninsns > GEN_RECORDS) {
        return JIT_NO_CODE;
    }
    size_t avail;
    uint8_t *start = jit_buf_start(&avail);
    Gen *g = g_new0(Gen, 1);
    g->e = (Emit){ .p = start, .end = start + avail };
    g->tb = tb;
    g->cs64 = tb->flags & HF_CS64;
    g->cc = -1;
    for (unsigned k = 0; k < tb->ninsns; k++) {
        const Insn *i = &tb->insns[k];
        g->handler[k] = i->fn;
        g->dead[k] = flags_dead_after(tb, k);
        g->inl[k] = i->jit != JIT_HANDLER && (i->jit != JIT_ROT || g->dead[k]);
    }
    bool ok = gen_tb(g);
    if (ok) {
        jit_buf_commit(g->e.p);
        for (unsigned k = 0; k < tb->ninsns; k++) {
            if (g->inl[k]) {
                tb->insns[k].fn = h_jit_resume;
            }
        }
        tb->jit_code = start;
    }
    g_free(g);
    return ok ? JIT_OK : JIT_FULL;
}

const Insn *x86_jit_run(X86Tcg *t, TB *tb)
{
    return jit_enter(t, tb->jit_code);
}

#else

bool x86_jit_init(void)
{
    return false;
}

JitResult x86_jit_compile(TB *tb)
{
    return JIT_NO_CODE;
}

const Insn *x86_jit_run(X86Tcg *t, TB *tb)
{
    g_assert_not_reached();
}

#endif
