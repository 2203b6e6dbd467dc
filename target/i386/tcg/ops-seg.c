/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Segment register instructions: MOV to/from Sreg, PUSH/POP Sreg, LDS/LES/
 * LSS/LFS/LGS, SLDT/STR/LLDT/LTR/VERR/VERW, LAR/LSL (Intel SDM vol. 2 and
 * vol. 3 ch. 3, 5).
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

static bool protected_mode(const TransCtx *c)
{
    return (c->flags & HF_PE) && !(c->flags & HF_VM);
}

/* MOV Sreg, r/m16 (op the segment). MOV SS also holds off interrupts
 * for one instruction. */
HANDLER(h_mov_to_sreg)
{
    uint16_t sel = i->op2 ? ld16(t, insn_la(t, i)) : (uint16_t)t->regs[i->rm];
    seg_load(t, i->op, sel);
    if (i->op == R_SS) {
        t->inhibit_irq = true;
        return tb_exit(t, next_eip(t, i));
    }
    NEXT(t, i);
}

/* MOV r/m16, Sreg: a register destination gets the zero-extended
 * selector at the operand size. */
HANDLER(h_mov_from_sreg)
{
    uint16_t sel = t->env->segs[i->op].selector;
    if (i->op2) {
        st16(t, insn_la(t, i), sel);
    } else {
        set_reg(t, i->rm, i->size, sel);
    }
    NEXT(t, i);
}

bool trans_mov_sreg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned s = d->reg & 7;
    if (s >= NR_SEGS || d->lock) {
        return false;
    }
    i->op = s;
    i->op2 = d->mem;
    if (!d->mem) {
        i->rm = d->rm;
    }
    if (d->op == 0x8e) {
        if (s == R_CS) {
            return false;
        }
        i->fn = h_mov_to_sreg;
        if (s == R_SS) {
            c->branch = true;
        }
    } else {
        i->fn = h_mov_from_sreg;
    }
    return true;
}

static int sreg_of_pushpop(uint16_t op)
{
    switch (op) {
    case 0x06: case 0x07: return R_ES;
    case 0x0e: return R_CS;
    case 0x16: case 0x17: return R_SS;
    case 0x1e: case 0x1f: return R_DS;
    case MAP_0F | 0xa0: case MAP_0F | 0xa1: return R_FS;
    default: return R_GS;
    }
}

HANDLER(h_push_sreg)
{
    push(t, stack_size(t), i->size, t->env->segs[i->op].selector);
    NEXT(t, i);
}

/* POP Sreg: the stack pointer moves only once the load succeeded. */
HANDLER(h_pop_sreg)
{
    unsigned ss = stack_size(t);
    uint16_t sel = stack_peek(t, ss, i->size, 0);
    seg_load(t, i->op, sel);
    sp_set(t, ss, (t->regs[R_ESP] + i->size) & sp_mask(ss));
    if (i->op == R_SS) {
        t->inhibit_irq = true;
        return tb_exit(t, next_eip(t, i));
    }
    NEXT(t, i);
}

bool trans_push_sreg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->op = sreg_of_pushpop(d->op);
    i->fn = h_push_sreg;
    return !d->lock;
}

bool trans_pop_sreg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->op = sreg_of_pushpop(d->op);
    i->fn = h_pop_sreg;
    if (i->op == R_SS) {
        c->branch = true;
    }
    return !d->lock;
}

/* LDS/LES/LSS/LFS/LGS r, m16:16/32/64. */
HANDLER(h_lxs)
{
    uint64_t la = insn_la(t, i);
    uint64_t off = ld_size(t, la, i->size);
    uint16_t sel = ld16(t, (la + i->size) & t->la_mask);
    seg_load(t, i->op, sel);
    set_reg(t, i->reg, i->size, off);
    if (i->op == R_SS) {
        return tb_exit(t, next_eip(t, i));
    }
    NEXT(t, i);
}

bool trans_lxs(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (!d->mem || d->lock) {
        return false;
    }
    switch (d->op) {
    case 0xc4: i->op = R_ES; break;
    case 0xc5: i->op = R_DS; break;
    case MAP_0F | 0xb2: i->op = R_SS; c->branch = true; break;
    case MAP_0F | 0xb4: i->op = R_FS; break;
    default: i->op = R_GS; break;
    }
    i->fn = h_lxs;
    return true;
}

/* --- 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW --- */

HANDLER(h_sldt_str)
{
    uint16_t sel = i->op ? t->env->tr.selector : t->env->ldt.selector;
    if (i->op2) {
        st16(t, insn_la(t, i), sel);
    } else {
        set_reg(t, i->rm, i->size, sel);
    }
    NEXT(t, i);
}

HANDLER(h_lldt_ltr)
{
    uint16_t sel = i->op2 ? ld16(t, insn_la(t, i)) : (uint16_t)t->regs[i->rm];
    if (t->cpl) {
        raise_gp(t, 0);
    }
    if (i->op) {
        x86_load_tr(t, sel);
    } else {
        x86_load_ldt(t, sel);
    }
    NEXT(t, i);
}

/* Whether the descriptor for sel is there and visible at this privilege
 * for reading (op 0) or writing (op 1), per VERR/VERW; or for LAR/LSL. */
static bool desc_accessible(X86Tcg *t, uint16_t sel, uint64_t *d)
{
    if (!(sel & 0xfffc)) {
        return false;
    }
    X86State *env = t->env;
    const DescriptorTable *dt = &env->gdt;
    uint64_t base = dt->base, limit = dt->limit;
    if (sel & 4) {
        base = env->ldt.base;
        limit = env->ldt.limit;
    }
    if ((sel | 7) > limit) {
        return false;
    }
    *d = ld_kernel(t, (base + (sel & ~7)) & t->la_mask, 8);
    unsigned dpl = (*d >> 45) & 3, type = (*d >> 40) & 0x1f;
    bool conforming_code = (type & 0x1c) == 0x1c;
    if (!conforming_code && (dpl < (unsigned)t->cpl || dpl < (sel & 3u))) {
        return false;
    }
    return true;
}

HANDLER(h_verr_verw)
{
    uint16_t sel = i->op2 ? ld16(t, insn_la(t, i)) : (uint16_t)t->regs[i->rm];
    uint64_t d;
    bool ok = desc_accessible(t, sel, &d);
    if (ok) {
        unsigned type = (d >> 40) & 0x1f;
        ok = (type & 0x10) && (i->op ? (type & 0x1a) == 0x12      /* data, writable */
                                     : ((type & 0x18) == 0x10 || (type & 0x1a) == 0x1a));
    }
    set_cc_eflags(t, (cc_compute_all(t) & ~F_ZF) | (ok ? F_ZF : 0));
    NEXT(t, i);
}

bool trans_grp6(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (!protected_mode(c) || d->lock) {
        return false;
    }
    i->op2 = d->mem;
    if (!d->mem) {
        i->rm = d->rm;
    }
    switch (r) {
    case 0: case 1:
        i->op = r;
        i->fn = h_sldt_str;
        return true;
    case 2: case 3:
        i->op = r == 3;
        i->fn = h_lldt_ltr;
        return true;
    case 4: case 5:
        i->op = r == 5;
        i->fn = h_verr_verw;
        return true;
    default:
        return false;
    }
}

/* LAR (op 0) / LSL (op 1): ZF tells whether the selector was valid. */
HANDLER(h_lar_lsl)
{
    uint16_t sel = i->op2 ? ld16(t, insn_la(t, i)) : (uint16_t)t->regs[i->rm];
    uint64_t d;
    bool ok = desc_accessible(t, sel, &d);
    if (ok) {
        unsigned type = (d >> 40) & 0x1f;
        if (!(type & 0x10)) {
            static const bool lar_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [4] = 1,
                                             [5] = 1, [9] = 1, [0xb] = 1, [0xc] = 1 };
            static const bool lsl_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [9] = 1,
                                             [0xb] = 1 };
            ok = i->op ? lsl_ok[type & 15] : lar_ok[type & 15];
        }
    }
    if (ok) {
        uint64_t v;
        if (i->op) {
            v = (d & 0xffff) | ((d >> 32) & 0xf0000);
            if (d & (1ULL << 55)) {
                v = (v << 12) | 0xfff;
            }
        } else {
            v = (d >> 32) & 0x00f0ff00;
        }
        set_reg(t, i->reg, i->size, v);
    }
    set_cc_eflags(t, (cc_compute_all(t) & ~F_ZF) | (ok ? F_ZF : 0));
    NEXT(t, i);
}

bool trans_lar_lsl(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (!protected_mode(c) || d->lock) {
        return false;
    }
    i->op = d->op == (MAP_0F | 0x03);
    i->op2 = d->mem;
    if (!d->mem) {
        i->rm = d->rm;
    }
    i->fn = h_lar_lsl;
    return true;
}
