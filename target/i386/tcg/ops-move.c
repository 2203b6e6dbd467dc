/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data movement: MOV, MOVZX/MOVSX/MOVSXD, LEA, PUSH/POP, PUSHA/POPA,
 * ENTER/LEAVE, CMOVcc, SETcc, XLAT, the flag instructions (CLC, STC, CMC,
 * CLD, STD, LAHF, SAHF) and ARPL (Intel SDM vol. 2).
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

/* --- MOV --- */

#define MOV_FORMS(LG)                                                       \
HANDLER(mov_rr_##LG)                                                        \
{                                                                           \
    set_reg(t, i->rm, 1u << (LG), get_reg(t, i->reg, 1u << (LG)));          \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(mov_ri_##LG)                                                        \
{                                                                           \
    set_reg(t, i->rm, 1u << (LG), i->imm);                                  \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(mov_load_##LG)                                                      \
{                                                                           \
    set_reg(t, i->reg, 1u << (LG), ld_size(t, insn_la(t, i), 1u << (LG))); \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(mov_store_##LG)                                                     \
{                                                                           \
    st_size(t, insn_la(t, i), 1u << (LG), get_reg(t, i->reg, 1u << (LG))); \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(mov_mi_##LG)                                                        \
{                                                                           \
    st_size(t, insn_la(t, i), 1u << (LG), i->imm);                          \
    NEXT(t, i);                                                           \
}
MOV_FORMS(0) MOV_FORMS(1) MOV_FORMS(2) MOV_FORMS(3)

enum { MOV_RR, MOV_RI, MOV_LOAD, MOV_STORE, MOV_MI };
static const uint8_t mov_jit[] = { JIT_MOV_RR, JIT_MOV_RI, JIT_MOV_LOAD,
                                   JIT_MOV_STORE, JIT_MOV_MI };
#define MOV_ROW(LG) { mov_rr_##LG, mov_ri_##LG, mov_load_##LG, mov_store_##LG, \
                      mov_mi_##LG }
static const InsnFn mov_fns[4][5] = { MOV_ROW(0), MOV_ROW(1), MOV_ROW(2), MOV_ROW(3) };

static void mov_set(Insn *i, unsigned lg, int form)
{
    i->fn = mov_fns[lg][form];
    i->jit = mov_jit[form];
}

/* 88-8B MOV Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev; C6/C7 MOV Eb,Ib / Ev,Iz. */
bool trans_mov(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned lg = lg_of(d->opsize);
    if (d->lock) {
        return false;
    }
    switch (d->op) {
    case 0x88: case 0x89:
        mov_set(i, lg, d->mem ? MOV_STORE : MOV_RR);
        return true;
    case 0x8a: case 0x8b:
        if (d->mem) {
            mov_set(i, lg, MOV_LOAD);
        } else {
            uint8_t r = i->reg;
            i->reg = i->rm;
            i->rm = r;
            mov_set(i, lg, MOV_RR);
        }
        return true;
    default:
        if (d->reg & 7) {
            return false;
        }
        i->imm &= size_mask(d->opsize);
        mov_set(i, lg, d->mem ? MOV_MI : MOV_RI);
        return true;
    }
}

/* B0-B7 MOV r8, imm8; B8-BF MOV r, imm16/32/64. */
bool trans_mov_imm(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = (d->op & 7) | ((d->rex & 1) << 3);
    i->rm = reg_operand(d, r, d->opsize);
    i->imm &= size_mask(d->opsize);
    mov_set(i, lg_of(d->opsize), MOV_RI);
    return !d->lock;
}

/* A0-A3: MOV AL/eAX, moffs and back. */
bool trans_mov_moffs(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->reg = 0;
    i->rm = REG_NONE;
    i->index = REG_NONE;
    i->scale = 0;
    i->disp = d->imm;
    mov_set(i, lg_of(d->opsize), (d->op & 2) ? MOV_STORE : MOV_LOAD);
    return !d->lock;
}

/* MOVZX/MOVSX: op = source size, op2 bit 0 memory, bit 1 sign-extend. */
HANDLER(h_movx)
{
    unsigned src = i->op;
    uint64_t v = (i->op2 & 1) ? ld_size(t, insn_la(t, i), src)
                              : get_reg(t, i->rm, src);
    if (i->op2 & 2) {
        v = sext(v, lg_of(src));
    }
    set_reg(t, i->reg, i->size, v);
    NEXT(t, i);
}

/* The common zero-extending byte load, specialised. */
HANDLER(h_movzbl_load)
{
    t->regs[i->reg] = ld8(t, insn_la(t, i));
    NEXT(t, i);
}

bool trans_movx(TransCtx *c, const X86Decoded *d, Insn *i)
{
    uint8_t op = d->op & 0xff;
    unsigned src = (op & 1) ? 2 : 1;
    if (d->lock) {
        return false;
    }
    i->op = src;
    i->op2 = d->mem | (op >= 0xbe ? 2 : 0);
    if (!d->mem) {
        i->rm = reg_operand(d, d->rm, src);
    }
    i->fn = h_movx;
    if (d->mem && op == 0xb6 && d->opsize >= 4) {
        i->fn = h_movzbl_load;
    }
    i->jit = JIT_MOVX;
    return true;
}

/* ARPL Ew, Gw: raise the selector's RPL to the source's. */
HANDLER(h_arpl)
{
    uint64_t la = i->op2 ? insn_la(t, i) : 0;
    uint16_t dst = i->op2 ? ld16(t, la) : (uint16_t)t->regs[i->rm];
    uint16_t src = t->regs[i->reg];
    uint32_t f = cc_compute_all(t) & ~F_ZF;
    if ((dst & 3) < (src & 3)) {
        dst = (dst & ~3) | (src & 3);
        if (i->op2) {
            st16(t, la, dst);
        } else {
            set_reg16(t, i->rm, dst);
        }
        f |= F_ZF;
    }
    set_cc_eflags(t, f);
    NEXT(t, i);
}

/* 63: MOVSXD in 64-bit mode, ARPL in protected mode. */
bool trans_movsxd(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock) {
        return false;
    }
    if (c->bits != 64) {
        if (!(c->flags & HF_PE) || (c->flags & HF_VM)) {
            return false;
        }
        i->op2 = d->mem;
        i->fn = h_arpl;
        return true;
    }
    i->op = 4;
    i->op2 = d->mem | (d->opsize == 8 ? 2 : 0);
    i->fn = h_movx;
    i->jit = JIT_MOVX;
    return true;
}

/* --- LEA --- */

HANDLER(h_lea)
{
    set_reg(t, i->reg, i->size, insn_ea(t, i));
    NEXT(t, i);
}

HANDLER(h_lea64)
{
    t->regs[i->reg] = t->regs[i->rm] + (t->regs[i->index] << i->scale) + i->disp;
    NEXT(t, i);
}

bool trans_lea(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (!d->mem || d->lock) {
        return false;
    }
    i->fn = (d->opsize == 8 && d->addrsize == 8) ? h_lea64 : h_lea;
    i->jit = JIT_LEA;
    return true;
}

/* --- PUSH / POP --- */

/* Specialised by stack size (S) and operand size (O). */
#define PUSHPOP(S, O)                                                       \
HANDLER(push_r_##S##_##O)                                                   \
{                                                                           \
    push(t, S, O, get_reg(t, i->rm, O));                                    \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(pop_r_##S##_##O)                                                    \
{                                                                           \
    uint64_t v = pop(t, S, O);                                              \
    set_reg(t, i->rm, O, v);                                                \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(push_i_##S##_##O)                                                   \
{                                                                           \
    push(t, S, O, i->imm);                                                  \
    NEXT(t, i);                                                           \
}
PUSHPOP(8, 8) PUSHPOP(8, 2) PUSHPOP(4, 4) PUSHPOP(4, 2) PUSHPOP(2, 2) PUSHPOP(2, 4)

typedef struct PushPopFns {
    unsigned ssize, osize;
    InsnFn push, pop, push_imm;
} PushPopFns;
#define PP(S, O) { S, O, push_r_##S##_##O, pop_r_##S##_##O, push_i_##S##_##O }
static const PushPopFns pushpop_fns[] = {
    PP(8, 8), PP(8, 2), PP(4, 4), PP(4, 2), PP(2, 2), PP(2, 4),
};

static const PushPopFns *pushpop_find(TransCtx *c, unsigned osize)
{
    for (size_t k = 0; k < G_N_ELEMENTS(pushpop_fns); k++) {
        if (pushpop_fns[k].ssize == c->ssize && pushpop_fns[k].osize == osize) {
            return &pushpop_fns[k];
        }
    }
    return NULL;
}

bool trans_push_reg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    const PushPopFns *f = pushpop_find(c, d->opsize);
    i->rm = (d->op & 7) | ((d->rex & 1) << 3);
    i->fn = f ? f->push : NULL;
    i->jit = f == &pushpop_fns[0] ? JIT_PUSH64 : JIT_HANDLER;
    return f && !d->lock;
}

bool trans_pop_reg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    const PushPopFns *f = pushpop_find(c, d->opsize);
    i->rm = (d->op & 7) | ((d->rex & 1) << 3);
    i->fn = f ? f->pop : NULL;
    i->jit = f == &pushpop_fns[0] ? JIT_POP64 : JIT_HANDLER;
    return f && !d->lock;
}

/* 68 PUSH Iz, 6A PUSH Ib (sign-extended to the operand size). */
bool trans_push_imm(TransCtx *c, const X86Decoded *d, Insn *i)
{
    const PushPopFns *f = pushpop_find(c, d->opsize);
    i->imm &= size_mask(d->opsize);
    i->fn = f ? f->push_imm : NULL;
    i->jit = f == &pushpop_fns[0] ? JIT_PUSH64_I : JIT_HANDLER;
    return f && !d->lock;
}

/* PUSH Ev (FF /6): the load, then the push. */
HANDLER(h_push_mem)
{
    unsigned size = i->size;
    push(t, stack_size(t), size, ld_size(t, insn_la(t, i), size));
    NEXT(t, i);
}

/* POP Ev (8F /0): an RSP-based address is computed after the increment;
 * the stack pointer moves only once the store is done. */
HANDLER(h_pop_mem)
{
    unsigned size = i->size, ss = stack_size(t);
    uint64_t old = t->regs[R_ESP];
    uint64_t v = stack_peek(t, ss, size, 0);
    uint64_t new_sp = (old & ~sp_mask(ss)) | ((old + size) & sp_mask(ss));
    t->regs[R_ESP] = new_sp;
    uint64_t la = insn_la(t, i);
    t->regs[R_ESP] = old;
    st_size(t, la, size, v);
    t->regs[R_ESP] = ss == 4 ? (uint32_t)new_sp : new_sp;
    NEXT(t, i);
}

bool trans_pop_rm(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if ((d->reg & 7) || d->lock) {
        return false;
    }
    if (!d->mem) {
        const PushPopFns *f = pushpop_find(c, d->opsize);
        i->fn = f ? f->pop : NULL;
        return f != NULL;
    }
    i->fn = h_pop_mem;
    return true;
}

/* PUSH Ev for group 5. */
bool trans_push_rm(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (!d->mem) {
        const PushPopFns *f = pushpop_find(c, d->opsize);
        i->fn = f ? f->push : NULL;
        return f != NULL;
    }
    i->fn = h_push_mem;
    return true;
}

/* PUSHA/PUSHAD: the stores first, then ESP. */
HANDLER(h_pusha)
{
    unsigned size = i->size, ss = stack_size(t);
    uint64_t sp = t->regs[R_ESP];
    for (int r = 0; r < 8; r++) {
        uint64_t v = r == R_ESP ? sp : t->regs[r];
        uint64_t a = (sp - (r + 1) * size) & sp_mask(ss);
        st_size(t, seg_la(t, R_SS, a), size, v & size_mask(size));
    }
    sp_set(t, ss, (sp - 8 * size) & sp_mask(ss));
    NEXT(t, i);
}

HANDLER(h_popa)
{
    unsigned size = i->size, ss = stack_size(t);
    uint64_t vals[8];
    for (int r = 7; r >= 0; r--) {
        vals[r] = stack_peek(t, ss, size, (7 - r) * size);
    }
    for (int r = 0; r < 8; r++) {
        if (r != R_ESP) {
            set_reg(t, r, size, vals[r]);
        }
    }
    sp_set(t, ss, (t->regs[R_ESP] + 8 * size) & sp_mask(ss));
    NEXT(t, i);
}

bool trans_pusha(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_pusha;
    return !d->lock;
}

bool trans_popa(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_popa;
    return !d->lock;
}

/* ENTER imm16, imm8 (SDM vol. 2, ENTER): computed in temporaries and
 * committed when every store is done. */
HANDLER(h_enter)
{
    unsigned size = i->size, ss = stack_size(t), level = i->imm2 & 31;
    uint64_t m = sp_mask(ss);
    uint64_t sp = (t->regs[R_ESP] - size) & m, bp = t->regs[R_EBP];
    st_size(t, seg_la(t, R_SS, sp), size, bp & size_mask(size));
    uint64_t frame = sp;
    if (level) {
        for (unsigned k = 1; k < level; k++) {
            bp = (bp - size) & m;
            uint64_t v = ld_size(t, seg_la(t, R_SS, bp), size);
            sp = (sp - size) & m;
            st_size(t, seg_la(t, R_SS, sp), size, v);
        }
        sp = (sp - size) & m;
        st_size(t, seg_la(t, R_SS, sp), size, frame);
    }
    sp = (sp - (uint16_t)i->imm) & m;
    set_reg(t, R_EBP, size, frame);
    sp_set(t, ss, sp);
    NEXT(t, i);
}

bool trans_enter(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_enter;
    return !d->lock;
}

/* LEAVE: stack pointer from the frame pointer, then pop the old one. */
HANDLER(h_leave)
{
    unsigned size = i->size, ss = stack_size(t);
    uint64_t sp = t->regs[R_EBP] & sp_mask(ss);
    uint64_t v = ld_size(t, seg_la(t, R_SS, sp), size);
    sp_set(t, ss, sp + size);
    set_reg(t, R_EBP, size, v);
    NEXT(t, i);
}

bool trans_leave(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_leave;
    return !d->lock;
}

/* --- CMOVcc, SETcc --- */

/* CMOV writes the destination either way (a 32-bit one is zero-extended)
 * and a memory source is always read. */
#define CMOV_SET(CC)                                                        \
HANDLER(cmov_r_##CC)                                                        \
{                                                                           \
    unsigned size = i->size;                                                \
    uint64_t v = cc_eval(t, CC) ? get_reg(t, i->rm, size)                   \
                                : get_reg(t, i->reg, size);                 \
    set_reg(t, i->reg, size, v);                                            \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(cmov_m_##CC)                                                        \
{                                                                           \
    unsigned size = i->size;                                                \
    uint64_t s = ld_size(t, insn_la(t, i), size);                           \
    set_reg(t, i->reg, size, cc_eval(t, CC) ? s : get_reg(t, i->reg, size)); \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(setcc_r_##CC)                                                       \
{                                                                           \
    *reg8p(t, i->rm) = cc_eval(t, CC);                                      \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(setcc_m_##CC)                                                       \
{                                                                           \
    st8(t, insn_la(t, i), cc_eval(t, CC));                                  \
    NEXT(t, i);                                                           \
}
CMOV_SET(0) CMOV_SET(1) CMOV_SET(2) CMOV_SET(3) CMOV_SET(4) CMOV_SET(5)
CMOV_SET(6) CMOV_SET(7) CMOV_SET(8) CMOV_SET(9) CMOV_SET(10) CMOV_SET(11)
CMOV_SET(12) CMOV_SET(13) CMOV_SET(14) CMOV_SET(15)

#define CC_ROW(CC) { cmov_r_##CC, cmov_m_##CC, setcc_r_##CC, setcc_m_##CC }
static const InsnFn cond_fns[16][4] = {
    CC_ROW(0), CC_ROW(1), CC_ROW(2), CC_ROW(3), CC_ROW(4), CC_ROW(5),
    CC_ROW(6), CC_ROW(7), CC_ROW(8), CC_ROW(9), CC_ROW(10), CC_ROW(11),
    CC_ROW(12), CC_ROW(13), CC_ROW(14), CC_ROW(15),
};

bool trans_cmov(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = cond_fns[d->op & 15][d->mem];
    i->jit = d->mem ? JIT_HANDLER : JIT_CMOV;
    i->jit_op = d->op & 15;
    return !d->lock;
}

bool trans_setcc(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = cond_fns[d->op & 15][2 + d->mem];
    i->jit = d->mem ? JIT_HANDLER : JIT_SETCC;
    i->jit_op = d->op & 15;
    return !d->lock;
}

/* --- Flags --- */

/* op: 0 CLC, 1 STC, 2 CMC, 3 CLD, 4 STD. */
HANDLER(h_flagop)
{
    if (i->op >= 3) {
        t->df = i->op == 4 ? -1 : 1;
        t->eflags = (t->eflags & ~F_DF) | (i->op == 4 ? F_DF : 0);
        NEXT(t, i);
    }
    uint32_t f = cc_compute_all(t);
    f = i->op == 0 ? f & ~F_CF : i->op == 1 ? f | F_CF : f ^ F_CF;
    set_cc_eflags(t, f);
    NEXT(t, i);
}

bool trans_flagop(TransCtx *c, const X86Decoded *d, Insn *i)
{
    switch (d->op) {
    case 0xf8: i->op = 0; break;
    case 0xf9: i->op = 1; break;
    case 0xf5: i->op = 2; break;
    case 0xfc: i->op = 3; break;
    default: i->op = 4; break;
    }
    i->fn = h_flagop;
    return !d->lock;
}

HANDLER(h_lahf)
{
    *reg8p(t, 1) = (eflags_get(t) & 0xd5) | 2;     /* AH */
    NEXT(t, i);
}

HANDLER(h_sahf)
{
    uint32_t ah = *reg8p(t, 1);
    uint32_t mask = F_SF | F_ZF | F_AF | F_PF | F_CF;
    set_cc_eflags(t, (cc_compute_all(t) & ~mask) | (ah & mask));
    NEXT(t, i);
}

bool trans_lahf_sahf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (c->bits == 64 && !x86_feature(c->t, 0x80000001, 'c', 0)) {
        return false;
    }
    i->fn = d->op == 0x9f ? h_lahf : h_sahf;
    return !d->lock;
}

/* XLAT: AL = [seg:rBX + AL]. */
HANDLER(h_xlat)
{
    uint64_t ea = (t->regs[R_EBX] + (uint8_t)t->regs[R_EAX]) & x86_amask[i->asz];
    *reg8p(t, 0) = ld8(t, seg_la(t, i->seg, ea));
    NEXT(t, i);
}

bool trans_xlat(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_xlat;
    return !d->lock;
}
