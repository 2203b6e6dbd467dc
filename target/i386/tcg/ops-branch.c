/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control transfers that end a TB: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE,
 * JCXZ, and the far forms (Intel SDM vol. 2). Direct targets on the TB's
 * page are chained; the others go through the jump cache.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

/* imm: the taken target; disp: the fall-through EIP. */
#define JCC(CC)                                                             \
HANDLER(jcc_##CC)                                                           \
{                                                                           \
    if (cc_eval(t, CC)) {                                                   \
        return tb_exit_to(t, i, 0, i->imm);                                 \
    }                                                                       \
    return tb_exit_to(t, i, 1, i->disp);                                    \
}
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
static const InsnFn jcc_fns[16] = {
    jcc_0, jcc_1, jcc_2, jcc_3, jcc_4, jcc_5, jcc_6, jcc_7,
    jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15,
};

/* Fills the two exits of a conditional branch. */
static void set_targets(TransCtx *c, Insn *i, uint64_t taken, uint64_t fall)
{
    i->imm = taken;
    i->disp = fall;
    i->op2 = (trans_can_chain(c, taken) ? 1 : 0) |
             (trans_can_chain(c, fall) ? 2 : 0);
    c->branch = true;
}

static uint64_t rel_target(TransCtx *c, const X86Decoded *d)
{
    uint64_t target = c->next_eip + d->imm;
    if (c->bits != 64 && d->opsize == 2) {
        return target & 0xffff;
    }
    return target & c->eip_mask;
}

/* 70-7F Jcc rel8, 0F 80-8F Jcc rel16/32. */
bool trans_jcc(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = jcc_fns[d->op & 15];
    i->jit = JIT_JCC;
    i->jit_op = d->op & 15;
    set_targets(c, i, rel_target(c, d), c->next_eip);
    return !d->lock;
}

HANDLER(h_jmp)
{
    return tb_exit_to(t, i, 0, i->imm);
}

/* E9 JMP rel16/32, EB JMP rel8. */
bool trans_jmp(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_jmp;
    i->jit = JIT_JMP;
    set_targets(c, i, rel_target(c, d), 0);
    return !d->lock;
}

/* CALL rel: push the return address (disp), go to imm. */
HANDLER(h_call64)
{
    push(t, 8, 8, i->disp);
    return tb_exit_to(t, i, 0, i->imm);
}

HANDLER(h_call)
{
    push(t, stack_size(t), i->size, i->disp);
    return tb_exit_to(t, i, 0, i->imm);
}

bool trans_call(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = (c->bits == 64) ? h_call64 : h_call;
    i->jit = (c->bits == 64) ? JIT_CALL64 : JIT_HANDLER;
    set_targets(c, i, rel_target(c, d), c->next_eip);
    i->op2 &= 1;
    return !d->lock;
}

/* RET, RET imm16 (imm: bytes to release after the return address). */
HANDLER(h_ret64)
{
    uint64_t target = pop(t, 8, 8);
    return tb_exit_indirect(t, target);
}

HANDLER(h_ret)
{
    unsigned ss = stack_size(t);
    uint64_t target = stack_peek(t, ss, i->size, 0);
    sp_set(t, ss, (t->regs[R_ESP] + i->size + i->imm) & sp_mask(ss));
    return tb_exit_indirect(t, target);
}

bool trans_ret(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->op == 0xc3) {
        i->imm = 0;
    }
    i->fn = (c->bits == 64 && d->op == 0xc3 && d->opsize == 8) ? h_ret64 : h_ret;
    i->jit = i->fn == h_ret64 ? JIT_RET64 : JIT_HANDLER;
    c->branch = true;
    return !d->lock;
}

/* LOOPNE/LOOPE/LOOP (op 0-2), JrCXZ (op 3): the count at address size. */
HANDLER(h_loop)
{
    uint64_t am = x86_amask[i->asz];
    uint64_t cx = t->regs[R_ECX];
    bool taken;
    if (i->op == 3) {
        taken = (cx & am) == 0;
    } else {
        cx = (cx & ~am) | ((cx - 1) & am);
        if (i->asz == 1) {
            cx = (uint32_t)cx;
        }
        t->regs[R_ECX] = cx;
        taken = (cx & am) != 0;
        if (i->op == 0) {
            taken = taken && !cc_eval(t, 4);        /* ZF = 0 */
        } else if (i->op == 1) {
            taken = taken && cc_eval(t, 4);         /* ZF = 1 */
        }
    }
    return taken ? tb_exit_to(t, i, 0, i->imm) : tb_exit_to(t, i, 1, i->disp);
}

bool trans_loop(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->op = d->op & 3;
    i->fn = h_loop;
    set_targets(c, i, rel_target(c, d), c->next_eip);
    return !d->lock;
}

/* --- Far transfers --- */

/* JMP ptr16:16/32 (EA): imm the offset, imm2 the selector. */
HANDLER(h_jmpf)
{
    far_jump(t, i->imm2, i->imm, next_eip(t, i));
    return tb_exit(t, t->rip);
}

bool trans_jmpf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->imm &= size_mask(d->opsize);
    i->fn = h_jmpf;
    c->branch = true;
    return !d->lock;
}

HANDLER(h_callf)
{
    far_call(t, i->imm2, i->imm, i->size, i->disp);
    return tb_exit(t, t->rip);
}

bool trans_callf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->imm &= size_mask(d->opsize);
    i->disp = c->next_eip;
    i->fn = h_callf;
    c->branch = true;
    return !d->lock;
}

/* RETF, RETF imm16. */
HANDLER(h_retf)
{
    far_return(t, i->size, i->imm);
    return tb_exit(t, t->rip);
}

bool trans_retf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->op == 0xcb) {
        i->imm = 0;
    }
    i->fn = h_retf;
    c->branch = true;
    return !d->lock;
}

/* --- FF: CALL/JMP near and far through r/m --- */

static uint64_t near_target(X86Tcg *t, const Insn *i)
{
    uint64_t v = rm_read(t, i, i->size);
    return v & size_mask(i->size);
}

HANDLER(h_jmp_ind)
{
    return tb_exit_indirect(t, near_target(t, i));
}

HANDLER(h_call_ind)
{
    uint64_t target = near_target(t, i);
    push(t, stack_size(t), i->size, next_eip(t, i));
    return tb_exit_indirect(t, target);
}

/* m16:16/32/64: the offset, then the selector. */
static void far_pointer(X86Tcg *t, const Insn *i, uint16_t *sel, uint64_t *off)
{
    uint64_t la = insn_la(t, i);
    *off = ld_size(t, la, i->size);
    *sel = ld16(t, (la + i->size) & t->la_mask);
}

HANDLER(h_jmpf_ind)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(t, i, &sel, &off);
    far_jump(t, sel, off, next_eip(t, i));
    return tb_exit(t, t->rip);
}

HANDLER(h_callf_ind)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(t, i, &sel, &off);
    far_call(t, sel, off, i->size, next_eip(t, i));
    return tb_exit(t, t->rip);
}

/* FF /2-/5: near and far CALL and JMP through a register or memory. */
static bool trans_branch_indirect(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (d->lock) {
        return false;
    }
    i->op2 = d->mem;
    c->branch = true;
    switch (r) {
    case 2:
        i->fn = h_call_ind;
        return true;
    case 4:
        i->fn = h_jmp_ind;
        return true;
    case 3:
    case 5:
        i->fn = r == 3 ? h_callf_ind : h_jmpf_ind;
        return d->mem;
    default:
        return false;
    }
}

bool trans_grp5(TransCtx *c, const X86Decoded *d, Insn *i)
{
    switch (d->reg & 7) {
    case 0: case 1: return trans_grp4(c, d, i);
    case 6: return !d->lock && trans_push_rm(c, d, i);
    case 7: return false;
    default: return trans_branch_indirect(c, d, i);
    }
}
