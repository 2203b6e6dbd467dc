/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exchanges: XCHG, CMPXCHG, XADD, CMPXCHG8B/CMPXCHG16B (Intel SDM vol. 2).
 * vCPUs run one at a time (docs/devel/tcg.md), so each instruction is
 * atomic with respect to the others without host atomics; LOCK is only
 * checked for validity.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

/* XCHG r, r/m: op2 set for memory. */
HANDLER(h_xchg)
{
    unsigned size = i->size;
    uint64_t a = get_reg(t, i->reg, size);
    if (!i->op2) {
        uint64_t b = get_reg(t, i->rm, size);
        set_reg(t, i->rm, size, a);
        set_reg(t, i->reg, size, b);
        NEXT(t, i);
    }
    uint64_t la = insn_la(t, i);
    void *p = rmw_ptr(t, la, size);
    uint64_t b = p ? host_ld(p, size) : ld_size(t, la, size);
    rmw_store(t, p, la, size, a);
    set_reg(t, i->reg, size, b);
    NEXT(t, i);
}

/* 86/87: XCHG Eb,Gb / Ev,Gv (always locked with memory). */
bool trans_xchg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock && !d->mem) {
        return false;
    }
    i->op2 = d->mem;
    i->fn = h_xchg;
    return true;
}

HANDLER(h_nop)
{
    NEXT(t, i);
}

/* 90-97: XCHG eAX, r (90 without REX.B is NOP; F3 90 is PAUSE). */
bool trans_xchg_ax(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = (d->op & 7) | ((d->rex & 1) << 3);
    if (d->lock) {
        return false;
    }
    if (r == 0) {
        if (d->rep == 0xf3) {
            return trans_pause(c, d, i);
        }
        i->fn = h_nop;
        return true;
    }
    i->reg = 0;
    i->rm = r;
    i->op2 = 0;
    i->fn = h_xchg;
    return true;
}

/* 0F 19-1F: NOP Ev and the hint space (ENDBR, ...). */
bool trans_nop_modrm(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_nop;
    return !d->lock;
}

/* CMPXCHG r/m, r: compare with the accumulator. A memory destination is
 * written either way (with its old value on a mismatch); a register one
 * only on a match (its upper half then stays, as the hardware does). */
HANDLER(h_cmpxchg)
{
    unsigned size = i->size, lg = lg_of(size);
    uint64_t acc = get_reg(t, R_EAX, size), src = get_reg(t, i->reg, size);
    uint64_t old;
    if (!i->op2) {
        old = get_reg(t, i->rm, size);
        if (old == acc) {
            set_reg(t, i->rm, size, src);
        }
    } else {
        uint64_t la = insn_la(t, i);
        void *p = rmw_ptr(t, la, size);
        old = p ? host_ld(p, size) : ld_size(t, la, size);
        rmw_store(t, p, la, size, old == acc ? src : old);
    }
    if (old != acc) {
        set_reg(t, R_EAX, size, old);
    }
    set_cc(t, CC_OP(CC_SUB, lg), (acc - old) & size_mask(size), old, acc);
    NEXT(t, i);
}

bool trans_cmpxchg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock && !d->mem) {
        return false;
    }
    i->op2 = d->mem;
    i->fn = h_cmpxchg;
    return true;
}

/* XADD r/m, r: r gets the old destination, the destination the sum. */
HANDLER(h_xadd)
{
    unsigned size = i->size, lg = lg_of(size);
    uint64_t src = get_reg(t, i->reg, size), old, sum;
    if (!i->op2) {
        old = get_reg(t, i->rm, size);
        sum = (old + src) & size_mask(size);
        set_reg(t, i->reg, size, old);
        set_reg(t, i->rm, size, sum);
    } else {
        uint64_t la = insn_la(t, i);
        void *p = rmw_ptr(t, la, size);
        old = p ? host_ld(p, size) : ld_size(t, la, size);
        sum = (old + src) & size_mask(size);
        rmw_store(t, p, la, size, sum);
        set_reg(t, i->reg, size, old);
    }
    set_cc(t, CC_OP(CC_ADD, lg), sum, src, old);
    NEXT(t, i);
}

bool trans_xadd(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock && !d->mem) {
        return false;
    }
    i->op2 = d->mem;
    i->fn = h_xadd;
    return true;
}

/* CMPXCHG8B m64 / CMPXCHG16B m128 (op set): EDX:EAX against memory. */
HANDLER(h_cmpxchg8b)
{
    uint64_t la = insn_la(t, i);
    bool wide = i->op;
    unsigned half = wide ? 8 : 4;
    if (wide && (la & 15)) {
        raise_gp(t, 0);
    }
    uint8_t buf[16];
    guest_read(t, la, buf, 2 * half);
    uint64_t lo = host_ld(buf, half), hi = host_ld(buf + half, half);
    uint64_t m = size_mask(half);
    bool eq = lo == (t->regs[R_EAX] & m) && hi == (t->regs[R_EDX] & m);
    if (eq) {
        host_st(buf, half, t->regs[R_EBX]);
        host_st(buf + half, half, t->regs[R_ECX]);
    }
    guest_write(t, la, buf, 2 * half);
    if (!eq) {
        set_reg(t, R_EAX, half, lo);
        set_reg(t, R_EDX, half, hi);
    }
    set_cc_eflags(t, (cc_compute_all(t) & ~F_ZF) | (eq ? F_ZF : 0));
    NEXT(t, i);
}

/* 0F C7: /1 CMPXCHG8B/16B. */
bool trans_grp9(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (r == 1 && d->mem) {
        i->op = d->opsize == 8;
        if (i->op && !x86_feature(c->t, 1, 'c', 13)) {
            return false;
        }
        i->fn = h_cmpxchg8b;
        return true;
    }
    return false;
}
