/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL, SHR, SAR by 1, CL or an
 * immediate, and the double shifts SHLD/SHRD (Intel SDM vol. 2, SAL/SAR/
 * SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD). A masked count of 0 leaves the
 * flags alone.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* The flags an instruction leaves, applied after its store succeeds. */
typedef struct CcUpdate {
    bool set;
    uint32_t op;
    uint64_t dst, src, src2;
} CcUpdate;

static ALWAYS void cc_apply(X86Tcg *t, const CcUpdate *u)
{
    if (u->set) {
        set_cc(t, u->op, u->dst, u->src, u->src2);
    }
}

/* CF and OF of a rotate, over the other arithmetic flags. */
static void rot_flags(X86Tcg *t, CcUpdate *u, bool cf, bool of, bool set_of)
{
    uint32_t f = cc_compute_all(t) & ~F_CF;
    f |= cf ? F_CF : 0;
    if (set_of) {
        f = (f & ~F_OF) | (of ? F_OF : 0);
    }
    *u = (CcUpdate){ .set = true, .op = CC_EFLAGS, .src = f };
}

static ALWAYS uint64_t shift_compute(X86Tcg *t, int op, unsigned lg, uint64_t v,
                                     unsigned count, CcUpdate *u)
{
    unsigned bits = 8u << lg;
    uint64_t m = size_mask(1u << lg), r;
    count &= lg == 3 ? 63 : 31;
    u->set = false;
    if (!count) {
        return v;
    }
    switch (op) {
    case SH_SHL:
    case SH_SAL:
        r = count >= 64 ? 0 : (v << count) & m;
        *u = (CcUpdate){ true, CC_OP(CC_SHL, lg), r, (v << (count - 1)) & m, v };
        return r;
    case SH_SHR:
        r = v >> count;
        *u = (CcUpdate){ true, CC_OP(CC_SHR, lg), r, v >> (count - 1), v };
        return r;
    case SH_SAR: {
        int64_t s = sext(v, lg);
        r = (uint64_t)(s >> count) & m;
        *u = (CcUpdate){ true, CC_OP(CC_SAR, lg), r, (uint64_t)(s >> (count - 1)), v };
        return r;
    }
    case SH_ROL: {
        unsigned n = count & (bits - 1);
        r = n ? ((v << n) | (v >> (bits - n))) & m : v;
        rot_flags(t, u, r & 1, ((r >> (bits - 1)) ^ r) & 1, count == 1);
        return r;
    }
    case SH_ROR: {
        unsigned n = count & (bits - 1);
        r = n ? ((v >> n) | (v << (bits - n))) & m : v;
        rot_flags(t, u, (r >> (bits - 1)) & 1,
                  ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1, count == 1);
        return r;
    }
    default: {
        /* Through the carry: a (bits + 1)-bit rotation. */
        unsigned n = lg < 2 ? count % (bits + 1) : count;
        bool cf = cc_compute_cf(t);
        unsigned __int128 x = ((unsigned __int128)cf << bits) | v;
        unsigned __int128 wm = ((unsigned __int128)1 << (bits + 1)) - 1;
        if (op == SH_RCR) {
            n = n ? bits + 1 - n : 0;
        }
        if (n) {
            x = ((x << n) | (x >> (bits + 1 - n))) & wm;
        }
        r = (uint64_t)x & m;
        cf = (x >> bits) & 1;
        bool of = op == SH_RCL ? ((r >> (bits - 1)) & 1) ^ cf
                               : ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        rot_flags(t, u, cf, of, count == 1);
        return r;
    }
    }
}

/* Generic forms: i->op the operation, i->op2 set for memory, the count in
 * imm (op2 bit 1 clear) or CL. */
static ALWAYS const Insn *shift_generic(X86Tcg *t, const Insn *i, bool mem,
                                       bool cl)
{
    unsigned size = i->size, lg = lg_of(size);
    unsigned count = cl ? (uint8_t)t->regs[R_ECX] : (unsigned)i->imm;
    CcUpdate u;
    if (!mem) {
        uint64_t r = shift_compute(t, i->op, lg, get_reg(t, i->rm, size), count, &u);
        set_reg(t, i->rm, size, r);
    } else {
        uint64_t la = insn_la(t, i);
        void *p = rmw_ptr(t, la, size);
        uint64_t v = p ? host_ld(p, size) : ld_size(t, la, size);
        uint64_t r = shift_compute(t, i->op, lg, v, count, &u);
        rmw_store(t, p, la, size, r);
    }
    cc_apply(t, &u);
    NEXT(t, i);
}

HANDLER(sh_r_imm) { return shift_generic(t, i, false, false); }
HANDLER(sh_r_cl) { return shift_generic(t, i, false, true); }
HANDLER(sh_m_imm) { return shift_generic(t, i, true, false); }
HANDLER(sh_m_cl) { return shift_generic(t, i, true, true); }

/* The common register-by-immediate shifts, specialised. */
#define SHIFT_FAST(OP, LG)                                                  \
HANDLER(sh_fast_##OP##_##LG)                                                \
{                                                                           \
    CcUpdate u;                                                             \
    uint64_t r = shift_compute(t, OP, LG, get_reg(t, i->rm, 1u << (LG)),    \
                               i->imm, &u);                                 \
    set_reg(t, i->rm, 1u << (LG), r);                                       \
    cc_apply(t, &u);                                                        \
    NEXT(t, i);                                                           \
}
#define SHIFT_FAST_SIZES(OP) SHIFT_FAST(OP, 0) SHIFT_FAST(OP, 1) \
                             SHIFT_FAST(OP, 2) SHIFT_FAST(OP, 3)
SHIFT_FAST_SIZES(4) SHIFT_FAST_SIZES(5) SHIFT_FAST_SIZES(7)
#define FAST_ROW(OP) { sh_fast_##OP##_0, sh_fast_##OP##_1, sh_fast_##OP##_2, \
                       sh_fast_##OP##_3 }
static const InsnFn shift_fast[3][4] = { FAST_ROW(4), FAST_ROW(5), FAST_ROW(7) };

/* C0/C1 (imm8), D0/D1 (1), D2/D3 (CL). */
bool trans_grp2(TransCtx *c, const X86Decoded *d, Insn *i)
{
    int op = d->reg & 7;
    bool cl = d->op == 0xd2 || d->op == 0xd3;
    if (d->lock) {
        return false;
    }
    if (d->op == 0xd0 || d->op == 0xd1) {
        i->imm = 1;
    }
    i->imm &= 0xff;
    i->op = op;
    if (!d->mem && !cl && (op == SH_SHL || op == SH_SAL || op == SH_SHR ||
                           op == SH_SAR)) {
        int row = op == SH_SAR ? 2 : op == SH_SHR ? 1 : 0;
        i->fn = shift_fast[row][lg_of(d->opsize)];
        if (i->imm & (d->opsize == 8 ? 63 : 31)) {
            i->jit = JIT_SHIFT;
            i->jit_op = row;
            i->imm &= d->opsize == 8 ? 63 : 31;
        }
        return true;
    }
    i->fn = d->mem ? (cl ? sh_m_cl : sh_m_imm) : (cl ? sh_r_cl : sh_r_imm);
    if (!d->mem && !cl && (op == SH_ROL || op == SH_ROR) &&
        (i->imm & (d->opsize == 8 ? 63 : 31))) {
        i->jit = JIT_ROT;
        i->jit_op = op;
    }
    return true;
}

/* --- SHLD / SHRD --- */

static uint64_t shd_compute(X86Tcg *t, bool left, unsigned size, uint64_t dst,
                            uint64_t src, unsigned count, CcUpdate *u)
{
    unsigned lg = lg_of(size), bits = 8 * size;
    uint64_t m = size_mask(size), r;
    count &= size == 8 ? 63 : 31;
    u->set = false;
    if (!count) {
        return dst;
    }
    if (size == 2) {
        /* A 16-bit operand shifts within dst:src:dst, which also gives
         * counts over 16 (undefined) what the hardware does. */
        if (left) {
            uint64_t x = dst << 48 | src << 32 | dst << 16;
            r = (x << count) >> 48;
            *u = (CcUpdate){ true, CC_OP(CC_SHL, lg), r,
                             (x << (count - 1)) >> 48, dst };
        } else {
            uint64_t x = dst | src << 16 | dst << 32;
            r = (x >> count) & m;
            *u = (CcUpdate){ true, CC_OP(CC_SHR, lg), r,
                             (x >> (count - 1)) & m, r ^ dst };
        }
        return r;
    }
    if (left) {
        r = ((dst << count) | (src >> (bits - count))) & m;
        *u = (CcUpdate){ true, CC_OP(CC_SHL, lg), r, (dst << (count - 1)) & m, dst };
    } else {
        r = ((dst >> count) | (src << (bits - count))) & m;
        *u = (CcUpdate){ true, CC_OP(CC_SHR, lg), r, dst >> (count - 1), r ^ dst };
    }
    return r;
}

/* op: 1 for SHLD; op2 bit 0 memory, bit 1 count in CL. */
HANDLER(h_shd)
{
    unsigned size = i->size;
    unsigned count = (i->op2 & 2) ? (uint8_t)t->regs[R_ECX] : (unsigned)i->imm;
    uint64_t src = get_reg(t, i->reg, size);
    CcUpdate u;
    if (!(i->op2 & 1)) {
        uint64_t r = shd_compute(t, i->op, size, get_reg(t, i->rm, size), src,
                                 count, &u);
        set_reg(t, i->rm, size, r);
    } else {
        uint64_t la = insn_la(t, i);
        void *p = rmw_ptr(t, la, size);
        uint64_t v = p ? host_ld(p, size) : ld_size(t, la, size);
        rmw_store(t, p, la, size, shd_compute(t, i->op, size, v, src, count, &u));
    }
    cc_apply(t, &u);
    NEXT(t, i);
}

/* 0F A4/A5 SHLD, 0F AC/AD SHRD (imm8 / CL). */
bool trans_shd(TransCtx *c, const X86Decoded *d, Insn *i)
{
    uint8_t op = d->op & 0xff;
    if (d->lock) {
        return false;
    }
    i->op = op < 0xa8;
    i->op2 = d->mem | ((op & 1) ? 2 : 0);
    i->imm &= 0xff;
    i->fn = h_shd;
    return true;
}
