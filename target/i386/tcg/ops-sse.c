/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MMX/SSE data movement and logic, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, the
 * fences, and the x87 control instructions (Intel SDM vol. 1 ch. 8-11,
 * vol. 2). Register state lives in X86State.fxsave (the FXSAVE image).
 * SSE/MMX arithmetic is in ops-sse-int.c, x87 arithmetic in ops-x87.c.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

enum { VEC_MMX, VEC_XMM };

static uint8_t *vreg(X86Tcg *t, int kind, unsigned n)
{
    return t->env->fxsave + (kind == VEC_XMM ? FX_XMM0 + 16 * n : FX_ST0 + 16 * (n & 7));
}

/* #UD/#NM checks (SDM vol. 3, table 2-2 and 13.2). */
static void sse_check(X86Tcg *t, int kind)
{
    X86State *env = t->env;
    if (env->cr0 & CR0_EM) {
        raise_ud(t);
    }
    if (kind == VEC_XMM && !(env->cr4 & CR4_OSFXSR)) {
        raise_ud(t);
    }
    if (env->cr0 & CR0_TS) {
        x86_raise(t, EXCP_NM, 0);
    }
}

/* An MMX register write puts the x87 unit in MMX state: TOP 0, all
 * tags valid, the exponent field all ones. */
static void mmx_touch(X86Tcg *t, unsigned n)
{
    uint8_t *fx = t->env->fxsave;
    fx[FX_FSW + 1] &= ~0x38;
    fx[FX_FTW] = 0xff;
    fx[FX_ST0 + 16 * (n & 7) + 8] = 0xff;
    fx[FX_ST0 + 16 * (n & 7) + 9] = 0xff;
}

/* --- Moves --- */

/* A load into a vector register: op the register kind, size the bytes
 * moved, op2 bit 0 memory source, bit 1 zero the rest of the register,
 * bit 2 16-byte alignment required, bit 3 into the high half. */
HANDLER(h_vec_load)
{
    unsigned n = i->size;
    uint8_t buf[16] = { 0 };
    sse_check(t, i->op);
    if (i->op2 & 1) {
        uint64_t la = insn_la(t, i);
        if ((i->op2 & 4) && (la & 15)) {
            raise_gp(t, 0);
        }
        guest_read(t, la, buf, n);
    } else {
        memcpy(buf, vreg(t, i->op, i->rm), n);
    }
    uint8_t *dst = vreg(t, i->op, i->reg);
    unsigned width = i->op == VEC_XMM ? 16 : 8;
    if (i->op2 & 8) {
        memcpy(dst + 8, buf, 8);
    } else {
        memcpy(dst, buf, n);
        if (i->op2 & 2) {
            memset(dst + n, 0, width - n);
        }
    }
    if (i->op == VEC_MMX) {
        mmx_touch(t, i->reg);
    }
    NEXT(t, i);
}

/* A store from a vector register: to memory (op2 bit 0) or to another
 * register's low part (bit 1: zero the rest), bit 2 alignment, bit 3
 * from the high half. */
HANDLER(h_vec_store)
{
    unsigned n = i->size;
    sse_check(t, i->op);
    const uint8_t *src = vreg(t, i->op, i->reg) + ((i->op2 & 8) ? 8 : 0);
    if (i->op2 & 1) {
        uint64_t la = insn_la(t, i);
        if ((i->op2 & 4) && (la & 15)) {
            raise_gp(t, 0);
        }
        guest_write(t, la, src, n);
        NEXT(t, i);
    }
    uint8_t buf[16];
    memcpy(buf, src, n);
    uint8_t *dst = vreg(t, i->op, i->rm);
    memcpy(dst, buf, n);
    if (i->op2 & 2) {
        memset(dst + n, 0, (i->op == VEC_XMM ? 16 : 8) - n);
    }
    if (i->op == VEC_MMX) {
        mmx_touch(t, i->rm);
    }
    NEXT(t, i);
}

/* MOVD/MOVQ from a general register or memory (op2 bit 0) into a vector
 * register, zero-extended. */
HANDLER(h_vec_from_gpr)
{
    sse_check(t, i->op);
    uint64_t v = (i->op2 & 1) ? ld_size(t, insn_la(t, i), i->size)
                              : get_reg(t, i->rm, i->size);
    uint8_t *dst = vreg(t, i->op, i->reg);
    memset(dst, 0, i->op == VEC_XMM ? 16 : 8);
    memcpy(dst, &v, i->size);
    if (i->op == VEC_MMX) {
        mmx_touch(t, i->reg);
    }
    NEXT(t, i);
}

HANDLER(h_vec_to_gpr)
{
    sse_check(t, i->op);
    uint64_t v = 0;
    memcpy(&v, vreg(t, i->op, i->reg), i->size);
    if (i->op2 & 1) {
        st_size(t, insn_la(t, i), i->size, v);
    } else {
        set_reg(t, i->rm, i->size, v);
    }
    NEXT(t, i);
}

/* Bitwise AND/ANDN/OR/XOR (op2 0-3) of 8 or 16 bytes (size). */
HANDLER(h_vec_logic)
{
    int kind = i->size == 16 ? VEC_XMM : VEC_MMX;
    uint64_t s[2] = { 0, 0 }, *d;
    sse_check(t, kind);
    if (i->op) {
        uint64_t la = insn_la(t, i);
        if (i->size == 16 && (la & 15)) {
            raise_gp(t, 0);
        }
        guest_read(t, la, s, i->size);
    } else {
        memcpy(s, vreg(t, kind, i->rm), i->size);
    }
    uint64_t dv[2] = { 0, 0 };
    d = dv;
    memcpy(d, vreg(t, kind, i->reg), i->size);
    for (unsigned k = 0; k < i->size / 8; k++) {
        switch (i->op2) {
        case 0: d[k] &= s[k]; break;
        case 1: d[k] = ~d[k] & s[k]; break;
        case 2: d[k] |= s[k]; break;
        default: d[k] ^= s[k]; break;
        }
    }
    memcpy(vreg(t, kind, i->reg), d, i->size);
    if (kind == VEC_MMX) {
        mmx_touch(t, i->reg);
    }
    NEXT(t, i);
}

/* Sets a move record up; false if the form does not exist. */
static bool vec_move(const X86Decoded *d, Insn *i, bool store, int kind,
                     unsigned size, bool zero, bool align)
{
    i->op = kind;
    i->size = size;
    i->reg = d->reg & (kind == VEC_MMX ? 7 : 15);
    if (!d->mem) {
        i->rm = d->rm & (kind == VEC_MMX ? 7 : 15);
    }
    i->op2 = d->mem | (zero ? 2 : 0) | (align ? 4 : 0);
    i->fn = store ? h_vec_store : h_vec_load;
    if (kind == VEC_XMM && size == 16) {
        i->jit = JIT_VEC_MOVE;
        i->jit_op = store;
    }
    return true;
}

static bool trans_vec_gpr(const X86Decoded *d, Insn *i, int kind, bool to_gpr)
{
    i->op = kind;
    i->size = (d->rex & 8) ? 8 : 4;
    i->reg = d->reg & (kind == VEC_MMX ? 7 : 15);
    i->op2 = d->mem;
    if (!d->mem) {
        i->rm = d->rm;
    }
    i->fn = to_gpr ? h_vec_to_gpr : h_vec_from_gpr;
    return true;
}

bool trans_sse(TransCtx *c, const X86Decoded *d, Insn *i)
{
    uint8_t op = d->op & 0xff, p = d->sse_prefix;
    if (d->lock || (d->op & 0xff00) != MAP_0F) {
        return false;
    }
    switch (op) {
    case 0x10: case 0x11: {
        bool store = op == 0x11;
        if (p == 0xf3 || p == 0xf2) {       /* MOVSS / MOVSD */
            unsigned n = p == 0xf3 ? 4 : 8;
            return vec_move(d, i, store, VEC_XMM, n, !store && d->mem, false);
        }
        return vec_move(d, i, store, VEC_XMM, 16, false, false);
    }
    case 0x12: case 0x13: case 0x16: case 0x17: {
        if (p == 0xf3 || p == 0xf2) {
            return false;
        }
        bool store = op & 1, high = op >= 0x16;
        if (!d->mem) {
            if (store) {
                return false;
            }
            /* MOVHLPS / MOVLHPS. */
            vec_move(d, i, false, VEC_XMM, 8, false, false);
            if (!high) {
                i->fn = h_vec_store;    /* src high half -> dst low half */
                i->reg = d->rm;
                i->rm = d->reg;
                i->op2 = 8;
                return true;
            }
            i->op2 |= 8;
            return true;
        }
        vec_move(d, i, store, VEC_XMM, 8, false, false);
        i->op2 |= high ? 8 : 0;
        return true;
    }
    case 0x28: case 0x29: case 0x2b:
        if (p == 0xf3 || p == 0xf2 || (op == 0x2b && !d->mem)) {
            return false;
        }
        return vec_move(d, i, op != 0x28, VEC_XMM, 16, false, true);
    case 0x54: case 0x55: case 0x56: case 0x57:
        if (p == 0xf3 || p == 0xf2) {
            return false;
        }
        i->size = 16;
        i->op = d->mem;
        i->op2 = op - 0x54;
        i->reg = d->reg;
        if (!d->mem) {
            i->rm = d->rm;
        }
        i->fn = h_vec_logic;
        i->jit = JIT_VEC_LOGIC;
        return true;
    case 0xdb: case 0xdf: case 0xeb: case 0xef:
        if (p == 0xf3 || p == 0xf2) {
            return false;
        }
        i->size = p == 0x66 ? 16 : 8;
        i->op = d->mem;
        i->op2 = op == 0xdb ? 0 : op == 0xdf ? 1 : op == 0xeb ? 2 : 3;
        i->reg = d->reg & (p == 0x66 ? 15 : 7);
        if (!d->mem) {
            i->rm = d->rm & (p == 0x66 ? 15 : 7);
        }
        i->fn = h_vec_logic;
        i->jit = p == 0x66 ? JIT_VEC_LOGIC : JIT_HANDLER;
        return true;
    case 0x6e:
        if (p == 0xf3 || p == 0xf2) {
            return false;
        }
        return trans_vec_gpr(d, i, p == 0x66 ? VEC_XMM : VEC_MMX, false);
    case 0x7e:
        if (p == 0xf3) {                    /* MOVQ xmm, xmm/m64 */
            return vec_move(d, i, false, VEC_XMM, 8, true, false);
        }
        if (p == 0xf2) {
            return false;
        }
        return trans_vec_gpr(d, i, p == 0x66 ? VEC_XMM : VEC_MMX, true);
    case 0x6f: case 0x7f: {
        bool store = op == 0x7f;
        if (p == 0xf2) {
            return false;
        }
        if (!p) {
            return vec_move(d, i, store, VEC_MMX, 8, false, false);
        }
        return vec_move(d, i, store, VEC_XMM, 16, false, p == 0x66);
    }
    case 0xd6:
        if (p != 0x66) {
            return false;
        }
        return vec_move(d, i, true, VEC_XMM, 8, true, false);
    case 0xe7:
        if (!d->mem || p == 0xf3 || p == 0xf2) {
            return false;
        }
        return p == 0x66 ? vec_move(d, i, true, VEC_XMM, 16, false, true)
                         : vec_move(d, i, true, VEC_MMX, 8, false, false);
    case 0xc3:                              /* MOVNTI m32/64, r */
        if (!d->mem || p) {
            return false;
        }
        return trans_mov(c, &(X86Decoded){ .op = 0x89, .opsize = d->opsize,
                                           .mem = true }, i);
    default:
        return false;
    }
}

/* --- EMMS, the x87 control instructions, FWAIT --- */

HANDLER(h_emms)
{
    sse_check(t, VEC_MMX);
    t->env->fxsave[FX_FTW] = 0;
    NEXT(t, i);
}

bool trans_emms(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_emms;
    return !d->lock && !d->sse_prefix;
}

static void fpu_check(X86Tcg *t)
{
    if (t->env->cr0 & (CR0_EM | CR0_TS)) {
        x86_raise(t, EXCP_NM, 0);
    }
}

enum { X87_FNINIT, X87_FNCLEX, X87_FNSTSW_AX, X87_FNSTSW, X87_FNSTCW, X87_FLDCW };

HANDLER(h_x87_ctl)
{
    uint8_t *fx = t->env->fxsave;
    fpu_check(t);
    switch (i->op) {
    case X87_FNINIT:
        memset(fx, 0, 24);
        fx[FX_FCW] = 0x7f;
        fx[FX_FCW + 1] = 0x03;
        break;
    case X87_FNCLEX:
        fx[FX_FSW] &= 0x00;
        fx[FX_FSW + 1] &= 0x7f;
        break;
    case X87_FNSTSW_AX:
        set_reg16(t, R_EAX, fx[FX_FSW] | fx[FX_FSW + 1] << 8);
        break;
    case X87_FNSTSW:
        st16(t, insn_la(t, i), fx[FX_FSW] | fx[FX_FSW + 1] << 8);
        break;
    case X87_FNSTCW:
        st16(t, insn_la(t, i), fx[FX_FCW] | fx[FX_FCW + 1] << 8);
        break;
    default: {
        uint16_t v = ld16(t, insn_la(t, i));
        fx[FX_FCW] = v;
        fx[FX_FCW + 1] = v >> 8;
        break;
    }
    }
    NEXT(t, i);
}

/* D8-DF: only the control instructions. */
bool trans_x87(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    i->fn = h_x87_ctl;
    if (d->op == 0xdb && !d->mem && r == 4 && (d->rm & 7) == 3) {
        i->op = X87_FNINIT;
    } else if (d->op == 0xdb && !d->mem && r == 4 && (d->rm & 7) == 2) {
        i->op = X87_FNCLEX;
    } else if (d->op == 0xdf && !d->mem && r == 4 && (d->rm & 7) == 0) {
        i->op = X87_FNSTSW_AX;
    } else if (d->op == 0xdd && d->mem && r == 7) {
        i->op = X87_FNSTSW;
    } else if (d->op == 0xd9 && d->mem && r == 7) {
        i->op = X87_FNSTCW;
    } else if (d->op == 0xd9 && d->mem && r == 5) {
        i->op = X87_FLDCW;
    } else {
        return false;
    }
    return !d->lock;
}

HANDLER(h_fwait)
{
    if ((t->env->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        x86_raise(t, EXCP_NM, 0);
    }
    NEXT(t, i);
}

bool trans_fwait(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_fwait;
    return !d->lock;
}

/* --- 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, fences, CLFLUSH --- */

#define MXCSR_MASK 0xffffu

HANDLER(h_fxsave)
{
    uint64_t la = insn_la(t, i);
    if (la & 15) {
        raise_gp(t, 0);
    }
    fpu_check(t);
    uint8_t img[512];
    memcpy(img, t->env->fxsave, 512);
    uint32_t mask = MXCSR_MASK;
    memcpy(img + 28, &mask, 4);
    /* Without CR4.OSFXSR the XMM registers and MXCSR are not saved;
     * with a 64-bit operand the FPU pointers are 64-bit (the layout here). */
    unsigned n = (t->env->cr4 & CR4_OSFXSR) ? 512 : 160;
    guest_write(t, la, img, n);
    NEXT(t, i);
}

HANDLER(h_fxrstor)
{
    uint64_t la = insn_la(t, i);
    if (la & 15) {
        raise_gp(t, 0);
    }
    fpu_check(t);
    uint8_t img[512];
    guest_read(t, la, img, 512);
    uint32_t mxcsr;
    memcpy(&mxcsr, img + FX_MXCSR, 4);
    if (mxcsr & ~MXCSR_MASK) {
        raise_gp(t, 0);
    }
    unsigned n = (t->env->cr4 & CR4_OSFXSR) ? 512 : 160;
    memcpy(t->env->fxsave, img, n);
    memset(t->env->fxsave + 28, 0, 4);
    NEXT(t, i);
}

HANDLER(h_ldmxcsr)
{
    sse_check(t, VEC_XMM);
    uint32_t v = ld32(t, insn_la(t, i));
    if (v & ~MXCSR_MASK) {
        raise_gp(t, 0);
    }
    memcpy(t->env->fxsave + FX_MXCSR, &v, 4);
    NEXT(t, i);
}

HANDLER(h_stmxcsr)
{
    sse_check(t, VEC_XMM);
    uint32_t v;
    memcpy(&v, t->env->fxsave + FX_MXCSR, 4);
    st32(t, insn_la(t, i), v);
    NEXT(t, i);
}

HANDLER(h_fence)
{
    NEXT(t, i);
}

/* CLFLUSH: a byte read's checks, no effect. */
HANDLER(h_clflush)
{
    ld8(t, insn_la(t, i));
    NEXT(t, i);
}

bool trans_grp15(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (d->lock) {
        return false;
    }
    if (!d->mem) {
        if (d->sse_prefix || r < 5) {
            return false;                   /* RDFSBASE etc.: not in the model */
        }
        i->fn = h_fence;
        return true;
    }
    if (d->sse_prefix && !(r == 7 && d->sse_prefix == 0x66)) {
        return false;
    }
    switch (r) {
    case 0: i->fn = h_fxsave; return true;
    case 1: i->fn = h_fxrstor; return true;
    case 2: i->fn = h_ldmxcsr; return true;
    case 3: i->fn = h_stmxcsr; return true;
    case 7: i->fn = h_clflush; return true;
    default: return false;                  /* XSAVE family: not in the model */
    }
}
