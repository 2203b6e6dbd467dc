/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XSAVE, XSAVEOPT and XRSTOR in the standard (non-compacted) form for the
 * x87 and SSE state components, XCR0 bits 0 and 1 (Intel SDM vol. 1,
 * ch. 13; vol. 2, XSAVE/XRSTOR). The legacy region is the FXSAVE image.
 */
#include "target/i386/tcg/translate.h"

enum {
    XSAVE_AREA_SIZE = 576,      /* legacy region + header: all we have */
    XSAVE_HEADER = 512,
    XCOMP_BV = XSAVE_HEADER + 8,
    FX_X87_END = FX_XMM0,       /* x87 state: bytes 0-23 and 32-159 */
    FX_XMM_END = FX_XMM0 + 16 * 16,
};
enum { XFEATURE_X87 = 1, XFEATURE_SSE = 2 };

#define MXCSR_MASK 0xffffu
#define MXCSR_INIT 0x1f80u

/* #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP unless 64-byte aligned. */
static uint64_t xsave_check(X86Tcg *t, const Insn *i)
{
    if (!(t->env->cr4 & CR4_OSXSAVE)) {
        raise_ud(t);
    }
    if (t->env->cr0 & CR0_TS) {
        x86_raise(t, EXCP_NM, 0);
    }
    uint64_t la = insn_la(t, i);
    if (la & 63) {
        raise_gp(t, 0);
    }
    return la;
}

/* The requested-feature bitmap: EDX:EAX masked by XCR0. */
static uint64_t xsave_rfbm(X86Tcg *t)
{
    uint64_t mask = (uint32_t)t->regs[R_EAX] | (t->regs[R_EDX] << 32);
    return mask & t->env->xcr0;
}

static void copy_x87(uint8_t *dst, const uint8_t *src)
{
    memcpy(dst, src, FX_MXCSR);
    memcpy(dst + 32, src + 32, FX_X87_END - 32);
}

/* XSAVE and XSAVEOPT (which may skip unmodified state; this one never
 * does). Every component saved is marked in use in XSTATE_BV. */
HANDLER(h_xsave)
{
    uint64_t la = xsave_check(t, i), rfbm = xsave_rfbm(t);
    const uint8_t *fx = t->env->fxsave;
    uint8_t img[XSAVE_AREA_SIZE];
    guest_read(t, la, img, sizeof(img));
    if (rfbm & XFEATURE_X87) {
        copy_x87(img, fx);
    }
    if (rfbm & XFEATURE_SSE) {
        uint32_t mask = MXCSR_MASK;
        memcpy(img + FX_MXCSR, fx + FX_MXCSR, 4);
        memcpy(img + FX_MXCSR_MASK, &mask, 4);
        memcpy(img + FX_XMM0, fx + FX_XMM0, FX_XMM_END - FX_XMM0);
    }
    uint64_t bv;
    memcpy(&bv, img + XSAVE_HEADER, 8);
    bv |= rfbm & (XFEATURE_X87 | XFEATURE_SSE);
    memcpy(img + XSAVE_HEADER, &bv, 8);
    guest_write(t, la, img, sizeof(img));
    NEXT(t, i);
}

/* x87 initial state (SDM vol. 1, 13.6): FNINIT's, with the pointers and
 * registers zeroed. */
static void init_x87(uint8_t *fx)
{
    uint16_t fcw = 0x37f;
    memset(fx, 0, FX_MXCSR);
    memset(fx + 32, 0, FX_X87_END - 32);
    memcpy(fx + FX_FCW, &fcw, 2);
}

/* XRSTOR, standard form: each requested component from memory if its
 * XSTATE_BV bit is set, else its initial state; MXCSR from memory when
 * SSE is requested. All checks come before any state changes. */
HANDLER(h_xrstor)
{
    uint64_t la = xsave_check(t, i), rfbm = xsave_rfbm(t);
    uint8_t img[XSAVE_AREA_SIZE];
    guest_read(t, la, img, sizeof(img));
    uint64_t bv, comp;
    memcpy(&bv, img + XSAVE_HEADER, 8);
    memcpy(&comp, img + XCOMP_BV, 8);
    uint64_t reserved;      /* bytes 23:16 of the header (with XCOMP_BV) */
    memcpy(&reserved, img + XCOMP_BV + 8, 8);
    uint32_t mxcsr;
    memcpy(&mxcsr, img + FX_MXCSR, 4);
    if ((bv & ~t->env->xcr0) || comp || reserved ||
        ((rfbm & XFEATURE_SSE) && (mxcsr & ~MXCSR_MASK))) {
        raise_gp(t, 0);
    }
    uint8_t *fx = t->env->fxsave;
    if (rfbm & XFEATURE_X87) {
        if (bv & XFEATURE_X87) {
            copy_x87(fx, img);
        } else {
            init_x87(fx);
        }
    }
    if (rfbm & XFEATURE_SSE) {
        memcpy(fx + FX_MXCSR, &mxcsr, 4);
        if (bv & XFEATURE_SSE) {
            memcpy(fx + FX_XMM0, img + FX_XMM0, FX_XMM_END - FX_XMM0);
        } else {
            memset(fx + FX_XMM0, 0, FX_XMM_END - FX_XMM0);
        }
    }
    NEXT(t, i);
}

/* 0F AE: XSAVE (/4), XRSTOR (/5), XSAVEOPT (/6) with a memory operand
 * and no mandatory prefix when the model has XSAVE; the rest of the
 * group is ops-sse.c's. */
bool trans_grp15_xsave(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (!d->mem || d->sse_prefix || d->lock || r < 4 || r > 6 ||
        !x86_feature(c->t, 1, 'c', 26)) {
        return trans_grp15(c, d, i);
    }
    i->fn = r == 5 ? h_xrstor : h_xsave;
    return true;
}
