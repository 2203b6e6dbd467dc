/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lazy arithmetic flags: an instruction records its operation, operands
 * and result; CF, PF, AF, ZF, SF and OF are computed from them only when
 * something reads them (Intel SDM vol. 1, 3.4.3.1 and appendix A).
 */
#include "target/i386/tcg/x86-tcg.h"

const uint64_t x86_amask[3] = { 0xffff, 0xffffffffu, ~(uint64_t)0 };

#define P(x) ((((x) ^ ((x) >> 1) ^ ((x) >> 2) ^ ((x) >> 3) ^ ((x) >> 4) ^ \
               ((x) >> 5) ^ ((x) >> 6) ^ ((x) >> 7)) & 1) ? 0 : F_PF)
#define P4(x) P(x), P(x + 1), P(x + 2), P(x + 3)
#define P16(x) P4(x), P4(x + 4), P4(x + 8), P4(x + 12)
#define P64(x) P16(x), P16(x + 16), P16(x + 32), P16(x + 48)
/* PF for each value of the low result byte: set for even parity. */
const uint8_t x86_parity[256] = { P64(0), P64(64), P64(128), P64(192) };

/* SF, ZF and PF of a result. */
static uint32_t szp(uint64_t r, unsigned lg)
{
    uint64_t m = size_mask(1u << lg);
    uint32_t f = x86_parity[r & 0xff];
    if (!(r & m)) {
        f |= F_ZF;
    }
    if ((r >> ((8u << lg) - 1)) & 1) {
        f |= F_SF;
    }
    return f;
}

static uint32_t sign_bit(uint64_t v, unsigned lg)
{
    return (v >> ((8u << lg) - 1)) & 1;
}

uint32_t cc_compute_all(X86Tcg *t)
{
    unsigned kind = t->cc_op >> 2, lg = t->cc_op & 3;
    uint64_t m = size_mask(1u << lg);
    uint64_t dst = t->cc_dst & m, src = t->cc_src & m, a = t->cc_src2 & m;
    uint32_t f = 0;
    switch (kind) {
    case CC_EFLAGS:
        return t->cc_src & F_ARITH;
    case CC_LOGIC:
        return szp(dst, lg);
    case CC_ADD:
    case CC_ADC:
        f = szp(dst, lg) | ((a ^ src ^ dst) & F_AF);
        if (kind == CC_ADD ? dst < a : dst <= a) {
            f |= F_CF;
        }
        if (sign_bit((a ^ dst) & (src ^ dst), lg)) {
            f |= F_OF;
        }
        return f;
    case CC_SUB:
    case CC_SBB:
        f = szp(dst, lg) | ((a ^ src ^ dst) & F_AF);
        if (kind == CC_SUB ? a < src : a <= src) {
            f |= F_CF;
        }
        if (sign_bit((a ^ src) & (a ^ dst), lg)) {
            f |= F_OF;
        }
        return f;
    case CC_INC:
        f = szp(dst, lg) | (src & 1 ? F_CF : 0);
        if ((dst & 0xf) == 0) {
            f |= F_AF;
        }
        if (dst == ((m >> 1) + 1)) {
            f |= F_OF;
        }
        return f;
    case CC_DEC:
        f = szp(dst, lg) | (src & 1 ? F_CF : 0);
        if ((dst & 0xf) == 0xf) {
            f |= F_AF;
        }
        if (dst == (m >> 1)) {
            f |= F_OF;
        }
        return f;
    case CC_SHL:
        f = szp(dst, lg) | (sign_bit(src, lg) ? F_CF : 0);
        if (sign_bit(src, lg) ^ sign_bit(dst, lg)) {
            f |= F_OF;
        }
        return f;
    case CC_SHR:
        f = szp(dst, lg) | (src & 1 ? F_CF : 0);
        if (sign_bit(a, lg)) {
            f |= F_OF;      /* the operand's sign (defined for count 1) */
        }
        return f;
    case CC_SAR:
        return szp(dst, lg) | (src & 1 ? F_CF : 0);
    case CC_MUL:
        return szp(dst, lg) | (src ? F_CF | F_OF : 0);
    default:
        return 0;
    }
}

bool cc_compute_cf_slow(X86Tcg *t)
{
    unsigned kind = t->cc_op >> 2, lg = t->cc_op & 3;
    uint64_t m = size_mask(1u << lg);
    uint64_t dst = t->cc_dst & m, src = t->cc_src & m, a = t->cc_src2 & m;
    switch (kind) {
    case CC_EFLAGS: return t->cc_src & F_CF;
    case CC_LOGIC: return false;
    case CC_ADD: return dst < a;
    case CC_ADC: return dst <= a;
    case CC_SUB: return a < src;
    case CC_SBB: return a <= src;
    case CC_INC: case CC_DEC: return src & 1;
    case CC_SHL: return sign_bit(src, lg);
    case CC_SHR: case CC_SAR: return src & 1;
    case CC_MUL: return src != 0;
    default: return false;
    }
}

bool cc_eval_slow(X86Tcg *t, int cond)
{
    uint32_t f = cc_compute_all(t);
    bool r;
    switch (cond >> 1) {
    case 0: r = f & F_OF; break;
    case 1: r = f & F_CF; break;
    case 2: r = f & F_ZF; break;
    case 3: r = f & (F_CF | F_ZF); break;
    case 4: r = f & F_SF; break;
    case 5: r = f & F_PF; break;
    case 6: r = !(f & F_SF) != !(f & F_OF); break;
    default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
    }
    return r ^ (cond & 1);
}

void eflags_set(X86Tcg *t, uint32_t v, uint32_t mask)
{
    uint32_t cur = eflags_get(t);
    uint32_t n = (cur & ~mask) | (v & mask);
    set_cc_eflags(t, n);
    t->eflags = (n & ~F_ARITH) | 2;
    t->df = (n & F_DF) ? -1 : 1;
}
