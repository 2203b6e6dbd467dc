/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integer arithmetic and logic: the eight classic ALU operations, TEST,
 * INC/DEC/NOT/NEG, multiply and divide, and the sign extensions of the
 * accumulator (Intel SDM vol. 2, ADD ... XOR, MUL, IMUL, DIV, IDIV, CBW).
 * The hot forms are generated per operation, operand size and form.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
       ALU_TEST };

/* The result of `op` on a and b, and the flags operation it leaves. */
static ALWAYS uint64_t alu_compute(X86Tcg *t, int op, unsigned lg, uint64_t a,
                                   uint64_t b, uint32_t *cc)
{
    uint64_t r;
    bool c;
    switch (op) {
    case ALU_ADD:
        r = a + b;
        *cc = CC_OP(CC_ADD, lg);
        break;
    case ALU_ADC:
        c = cc_compute_cf(t);
        r = a + b + c;
        *cc = CC_OP(c ? CC_ADC : CC_ADD, lg);
        break;
    case ALU_SUB:
    case ALU_CMP:
        r = a - b;
        *cc = CC_OP(CC_SUB, lg);
        break;
    case ALU_SBB:
        c = cc_compute_cf(t);
        r = a - b - c;
        *cc = CC_OP(c ? CC_SBB : CC_SUB, lg);
        break;
    case ALU_AND:
    case ALU_TEST:
        r = a & b;
        *cc = CC_OP(CC_LOGIC, lg);
        break;
    case ALU_OR:
        r = a | b;
        *cc = CC_OP(CC_LOGIC, lg);
        break;
    default:
        r = a ^ b;
        *cc = CC_OP(CC_LOGIC, lg);
        break;
    }
    return r & size_mask(1u << lg);
}

#define WRITES(op) ((op) != ALU_CMP && (op) != ALU_TEST)
#define SZ(lg) (1u << (lg))

/* Forms: RR register := register op register, RI register op= imm,
 * RM register op= memory, MR memory op= register, MI memory op= imm. */
/* mem = mem OP b (only read for cmp/test), translating the address once
 * for the read-modify-write; op and lg are constants where it is inlined. */
static inline __attribute__((always_inline)) void
alu_to_mem(X86Tcg *t, const Insn *i, int op, int lg, uint64_t b)
{
    uint64_t la = insn_la(t, i), a, r;
    uint32_t cc;
    if (!WRITES(op)) {
        a = ld_size(t, la, SZ(lg));
        r = alu_compute(t, op, lg, a, b, &cc);
    } else {
        void *p = rmw_ptr(t, la, SZ(lg));
        a = p ? host_ld(p, SZ(lg)) : ld_size(t, la, SZ(lg));
        r = alu_compute(t, op, lg, a, b, &cc);
        rmw_store(t, p, la, SZ(lg), r);
    }
    set_cc(t, cc, r, b, a);
}

#define ALU_FORMS(OP, LG)                                                   \
HANDLER(alu_rr_##OP##_##LG)                                                 \
{                                                                           \
    uint64_t a = get_reg(t, i->rm, SZ(LG)), b = get_reg(t, i->reg, SZ(LG)); \
    uint32_t cc;                                                            \
    uint64_t r = alu_compute(t, OP, LG, a, b, &cc);                         \
    if (WRITES(OP)) {                                                       \
        set_reg(t, i->rm, SZ(LG), r);                                       \
    }                                                                       \
    set_cc(t, cc, r, b, a);                                                 \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(alu_ri_##OP##_##LG)                                                 \
{                                                                           \
    uint64_t a = get_reg(t, i->rm, SZ(LG)), b = i->imm;                     \
    uint32_t cc;                                                            \
    uint64_t r = alu_compute(t, OP, LG, a, b, &cc);                         \
    if (WRITES(OP)) {                                                       \
        set_reg(t, i->rm, SZ(LG), r);                                       \
    }                                                                       \
    set_cc(t, cc, r, b, a);                                                 \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(alu_rm_##OP##_##LG)                                                 \
{                                                                           \
    uint64_t b = ld_size(t, insn_la(t, i), SZ(LG));                         \
    uint64_t a = get_reg(t, i->reg, SZ(LG));                                \
    uint32_t cc;                                                            \
    uint64_t r = alu_compute(t, OP, LG, a, b, &cc);                         \
    if (WRITES(OP)) {                                                       \
        set_reg(t, i->reg, SZ(LG), r);                                      \
    }                                                                       \
    set_cc(t, cc, r, b, a);                                                 \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(alu_mr_##OP##_##LG)                                                 \
{                                                                           \
    alu_to_mem(t, i, OP, LG, get_reg(t, i->reg, SZ(LG)));                   \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(alu_mi_##OP##_##LG)                                                 \
{                                                                           \
    alu_to_mem(t, i, OP, LG, i->imm);                                       \
    NEXT(t, i);                                                           \
}

#define ALU_SIZES(OP) ALU_FORMS(OP, 0) ALU_FORMS(OP, 1) ALU_FORMS(OP, 2) \
                      ALU_FORMS(OP, 3)
ALU_SIZES(0) ALU_SIZES(1) ALU_SIZES(2) ALU_SIZES(3) ALU_SIZES(4)
ALU_SIZES(5) ALU_SIZES(6) ALU_SIZES(7) ALU_SIZES(8)

enum { FORM_RR, FORM_RI, FORM_RM, FORM_MR, FORM_MI };
#define ALU_ROW(OP, LG) { alu_rr_##OP##_##LG, alu_ri_##OP##_##LG, \
                          alu_rm_##OP##_##LG, alu_mr_##OP##_##LG, \
                          alu_mi_##OP##_##LG }
#define ALU_OP(OP) { ALU_ROW(OP, 0), ALU_ROW(OP, 1), ALU_ROW(OP, 2), ALU_ROW(OP, 3) }
static const InsnFn alu_fns[9][4][5] = {
    ALU_OP(0), ALU_OP(1), ALU_OP(2), ALU_OP(3), ALU_OP(4), ALU_OP(5),
    ALU_OP(6), ALU_OP(7), ALU_OP(8),
};

/* Picks the handler, and tells the code generator what it may inline
 * (not ADC/SBB, whose carry-in it would have to compute). */
static void alu_set(Insn *i, int op, unsigned lg, int form)
{
    static const uint8_t jit_form[] = { JIT_ALU_RR, JIT_ALU_RI, JIT_ALU_RM,
                                        JIT_ALU_MR, JIT_ALU_MI };
    i->fn = alu_fns[op][lg][form];
    if (op != ALU_ADC && op != ALU_SBB) {
        i->jit = jit_form[form];
        i->jit_op = op;
    }
}

static bool lock_ok(const X86Decoded *d, int op)
{
    return !d->lock || (d->mem && WRITES(op));
}

/* 00-3D: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz. */
bool trans_alu(TransCtx *c, const X86Decoded *d, Insn *i)
{
    int op = (d->op >> 3) & 7;
    unsigned form = d->op & 7, lg = lg_of(d->opsize);
    if (!lock_ok(d, op) || (d->lock && form >= 2)) {
        return false;
    }
    switch (form) {
    case 0: case 1:
        alu_set(i, op, lg, d->mem ? FORM_MR : FORM_RR);
        break;
    case 2: case 3:
        if (d->mem) {
            alu_set(i, op, lg, FORM_RM);
        } else {
            uint8_t r = i->reg;     /* register form: the destination is reg */
            i->reg = i->rm;
            i->rm = r;
            alu_set(i, op, lg, FORM_RR);
        }
        break;
    default:
        i->rm = 0;                  /* AL / eAX */
        i->imm &= size_mask(d->opsize);
        alu_set(i, op, lg, FORM_RI);
        break;
    }
    return true;
}

/* 80-83: op Eb,Ib / Ev,Iz / Ev,Ib. */
bool trans_grp1(TransCtx *c, const X86Decoded *d, Insn *i)
{
    int op = d->reg & 7;
    if (!lock_ok(d, op)) {
        return false;
    }
    i->imm &= size_mask(d->opsize);
    alu_set(i, op, lg_of(d->opsize), d->mem ? FORM_MI : FORM_RI);
    return true;
}

/* 84/85 TEST Eb,Gb / Ev,Gv; A8/A9 TEST AL,Ib / eAX,Iz. */
bool trans_test(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned lg = lg_of(d->opsize);
    if (d->lock) {
        return false;
    }
    if (d->op >= 0xa8) {
        i->rm = 0;
        i->imm &= size_mask(d->opsize);
        alu_set(i, ALU_TEST, lg, FORM_RI);
    } else {
        alu_set(i, ALU_TEST, lg, d->mem ? FORM_MR : FORM_RR);
    }
    return true;
}

/* --- INC, DEC, NOT, NEG --- */

enum { UN_INC, UN_DEC, UN_NOT, UN_NEG };

static ALWAYS uint64_t unary_compute(X86Tcg *t, int op, unsigned lg,
                                     uint64_t a, uint32_t *cc, uint64_t *src)
{
    uint64_t m = size_mask(1u << lg);
    switch (op) {
    case UN_INC:
        *src = cc_compute_cf(t);
        *cc = CC_OP(CC_INC, lg);
        return (a + 1) & m;
    case UN_DEC:
        *src = cc_compute_cf(t);
        *cc = CC_OP(CC_DEC, lg);
        return (a - 1) & m;
    case UN_NOT:
        return ~a & m;
    default:
        *src = a;
        *cc = CC_OP(CC_SUB, lg);
        return -a & m;
    }
}

#define UNARY_FORMS(OP, LG)                                                 \
HANDLER(un_r_##OP##_##LG)                                                   \
{                                                                           \
    uint32_t cc = 0;                                                        \
    uint64_t src = 0, r;                                                    \
    r = unary_compute(t, OP, LG, get_reg(t, i->rm, SZ(LG)), &cc, &src);     \
    set_reg(t, i->rm, SZ(LG), r);                                           \
    if ((OP) != UN_NOT) {                                                   \
        set_cc(t, cc, r, src, 0);                                           \
    }                                                                       \
    NEXT(t, i);                                                           \
}                                                                           \
HANDLER(un_m_##OP##_##LG)                                                   \
{                                                                           \
    uint64_t la = insn_la(t, i), src = 0;                                   \
    uint32_t cc = 0;                                                        \
    void *p = rmw_ptr(t, la, SZ(LG));                                       \
    uint64_t a = p ? host_ld(p, SZ(LG)) : ld_size(t, la, SZ(LG));           \
    uint64_t r = unary_compute(t, OP, LG, a, &cc, &src);                    \
    rmw_store(t, p, la, SZ(LG), r);                                         \
    if ((OP) != UN_NOT) {                                                   \
        set_cc(t, cc, r, src, 0);                                           \
    }                                                                       \
    NEXT(t, i);                                                           \
}
#define UNARY_SIZES(OP) UNARY_FORMS(OP, 0) UNARY_FORMS(OP, 1) \
                        UNARY_FORMS(OP, 2) UNARY_FORMS(OP, 3)
UNARY_SIZES(0) UNARY_SIZES(1) UNARY_SIZES(2) UNARY_SIZES(3)

#define UN_ROW(OP, LG) { un_r_##OP##_##LG, un_m_##OP##_##LG }
#define UN_OP(OP) { UN_ROW(OP, 0), UN_ROW(OP, 1), UN_ROW(OP, 2), UN_ROW(OP, 3) }
static const InsnFn unary_fns[4][4][2] = { UN_OP(0), UN_OP(1), UN_OP(2), UN_OP(3) };

static bool trans_unary(const X86Decoded *d, Insn *i, int op)
{
    if (d->lock && !d->mem) {
        return false;
    }
    i->fn = unary_fns[op][lg_of(d->opsize)][d->mem];
    i->jit = d->mem ? JIT_HANDLER : JIT_UNARY;
    i->jit_op = op;
    return true;
}

/* 40-4F outside 64-bit mode: INC/DEC r16/r32. */
bool trans_incdec_reg(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->rm = d->op & 7;
    i->fn = unary_fns[(d->op >> 3) & 1][lg_of(d->opsize)][0];
    i->jit = JIT_UNARY;
    i->jit_op = (d->op >> 3) & 1;
    return !d->lock;
}

/* FE: INC/DEC Eb. */
bool trans_grp4(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    return r < 2 && trans_unary(d, i, r);
}

/* --- Multiply and divide --- */

static uint64_t operand_value(X86Tcg *t, const Insn *i)
{
    return i->op2 ? ld_size(t, insn_la(t, i), i->size) : get_reg(t, i->rm, i->size);
}

HANDLER(h_mul)
{
    uint64_t b = operand_value(t, i), lo, hi;
    unsigned size = i->size;
    switch (size) {
    case 1: {
        unsigned r = (uint8_t)t->regs[R_EAX] * (unsigned)b;
        set_reg16(t, R_EAX, r);
        lo = r & 0xff;
        hi = r >> 8;
        break;
    }
    case 2: {
        uint32_t r = (uint16_t)t->regs[R_EAX] * (uint32_t)b;
        set_reg16(t, R_EAX, r);
        set_reg16(t, R_EDX, r >> 16);
        lo = r & 0xffff;
        hi = r >> 16;
        break;
    }
    case 4: {
        uint64_t r = (uint64_t)(uint32_t)t->regs[R_EAX] * b;
        t->regs[R_EAX] = (uint32_t)r;
        t->regs[R_EDX] = r >> 32;
        lo = (uint32_t)r;
        hi = r >> 32;
        break;
    }
    default: {
        unsigned __int128 r = (unsigned __int128)t->regs[R_EAX] * b;
        t->regs[R_EAX] = lo = (uint64_t)r;
        t->regs[R_EDX] = hi = (uint64_t)(r >> 64);
        break;
    }
    }
    set_cc(t, CC_OP(CC_MUL, lg_of(size)), lo, hi != 0, 0);
    NEXT(t, i);
}

HANDLER(h_imul1)
{
    uint64_t b = operand_value(t, i);
    unsigned size = i->size, lg = lg_of(size);
    int64_t a = sext(t->regs[R_EAX], lg), sb = sext(b, lg);
    uint64_t lo;
    bool ovf;
    if (size == 8) {
        __int128 r = (__int128)a * sb;
        t->regs[R_EAX] = lo = (uint64_t)r;
        t->regs[R_EDX] = (uint64_t)(r >> 64);
        ovf = r != (int64_t)r;
    } else {
        int64_t r = a * sb;
        lo = r & size_mask(size);
        ovf = r != sext(r, lg);
        if (size == 1) {
            set_reg16(t, R_EAX, r);
        } else {
            set_reg(t, R_EAX, size, r);
            set_reg(t, R_EDX, size, (uint64_t)r >> (8 * size));
        }
    }
    set_cc(t, CC_OP(CC_MUL, lg), lo, ovf, 0);
    NEXT(t, i);
}

/* IMUL r, r/m (, imm): the truncated product; CF = OF = it was truncated. */
HANDLER(h_imul2)
{
    unsigned size = i->size, lg = lg_of(size);
    uint64_t b = operand_value(t, i);
    int64_t a = i->op ? (int64_t)i->imm : sext(get_reg(t, i->reg, size), lg);
    int64_t sb = sext(b, lg);
    uint64_t lo;
    bool ovf;
    if (size == 8) {
        __int128 r = (__int128)a * sb;
        lo = (uint64_t)r;
        ovf = r != (int64_t)r;
    } else {
        int64_t r = a * sb;
        lo = r & size_mask(size);
        ovf = r != sext(r, lg);
    }
    set_reg(t, i->reg, size, lo);
    set_cc(t, CC_OP(CC_MUL, lg), lo, ovf, 0);
    NEXT(t, i);
}

HANDLER(h_div)
{
    uint64_t b = operand_value(t, i);
    if (!b) {
        x86_raise(t, EXCP_DE, 0);
    }
    switch (i->size) {
    case 1: {
        unsigned n = (uint16_t)t->regs[R_EAX], q = n / b;
        if (q > 0xff) {
            x86_raise(t, EXCP_DE, 0);
        }
        set_reg16(t, R_EAX, (n % b) << 8 | q);
        break;
    }
    case 2: {
        uint32_t n = (uint32_t)(uint16_t)t->regs[R_EDX] << 16 |
                     (uint16_t)t->regs[R_EAX];
        uint32_t q = n / b;
        if (q > 0xffff) {
            x86_raise(t, EXCP_DE, 0);
        }
        set_reg16(t, R_EAX, q);
        set_reg16(t, R_EDX, n % b);
        break;
    }
    case 4: {
        uint64_t n = (uint64_t)(uint32_t)t->regs[R_EDX] << 32 |
                     (uint32_t)t->regs[R_EAX];
        uint64_t q = n / b;
        if (q > 0xffffffffu) {
            x86_raise(t, EXCP_DE, 0);
        }
        t->regs[R_EAX] = (uint32_t)q;
        t->regs[R_EDX] = (uint32_t)(n % b);
        break;
    }
    default: {
        if (t->regs[R_EDX] >= b) {
            x86_raise(t, EXCP_DE, 0);    /* the quotient would not fit */
        }
        unsigned __int128 n = (unsigned __int128)t->regs[R_EDX] << 64 |
                              t->regs[R_EAX];
        t->regs[R_EAX] = (uint64_t)(n / b);
        t->regs[R_EDX] = (uint64_t)(n % b);
        break;
    }
    }
    NEXT(t, i);
}

HANDLER(h_idiv)
{
    unsigned size = i->size, lg = lg_of(size);
    int64_t b = sext(operand_value(t, i), lg);
    if (!b) {
        x86_raise(t, EXCP_DE, 0);
    }
    if (size == 8) {
        __int128 n = (__int128)((unsigned __int128)t->regs[R_EDX] << 64 |
                                t->regs[R_EAX]);
        if (b == -1) {
            /* Only the negation of INT64_MIN overflows (and traps the
             * host): the quotient is -n. */
            if (n == (__int128)INT64_MIN * -1 || n < INT64_MIN || n > INT64_MAX) {
                x86_raise(t, EXCP_DE, 0);
            }
            t->regs[R_EAX] = (uint64_t)-(int64_t)n;
            t->regs[R_EDX] = 0;
            NEXT(t, i);
        }
        __int128 q = n / b;
        if (q != (int64_t)q) {
            x86_raise(t, EXCP_DE, 0);
        }
        t->regs[R_EAX] = (uint64_t)q;
        t->regs[R_EDX] = (uint64_t)(n % b);
        NEXT(t, i);
    }
    int64_t n;
    if (size == 1) {
        n = (int16_t)t->regs[R_EAX];
    } else {
        n = sext((get_reg(t, R_EDX, size) << (8 * size)) | get_reg(t, R_EAX, size),
                 lg + 1);
    }
    int64_t q = n / b, r = n % b;
    if (q != sext(q, lg)) {
        x86_raise(t, EXCP_DE, 0);
    }
    if (size == 1) {
        set_reg16(t, R_EAX, (uint16_t)((r & 0xff) << 8 | (q & 0xff)));
    } else {
        set_reg(t, R_EAX, size, q);
        set_reg(t, R_EDX, size, r);
    }
    NEXT(t, i);
}

/* F6/F7: TEST, NOT, NEG, MUL, IMUL, DIV, IDIV. */
bool trans_grp3(TransCtx *c, const X86Decoded *d, Insn *i)
{
    static const InsnFn muldiv[4] = { h_mul, h_imul1, h_div, h_idiv };
    unsigned r = d->reg & 7;
    switch (r) {
    case 0: case 1:
        if (d->lock) {
            return false;
        }
        i->imm &= size_mask(d->opsize);
        alu_set(i, ALU_TEST, lg_of(d->opsize), d->mem ? FORM_MI : FORM_RI);
        return true;
    case 2: case 3:
        return trans_unary(d, i, r == 2 ? UN_NOT : UN_NEG);
    default:
        if (d->lock) {
            return false;
        }
        i->op2 = d->mem;
        i->fn = muldiv[r - 4];
        return true;
    }
}

/* 0F AF IMUL Gv,Ev; 69 IMUL Gv,Ev,Iz; 6B IMUL Gv,Ev,Ib. */
bool trans_imul(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock) {
        return false;
    }
    i->op2 = d->mem;
    i->op = d->op != (MAP_0F | 0xaf);
    if (!d->mem) {
        i->rm = d->rm;
    }
    i->fn = h_imul2;
    return true;
}

/* --- Sign extension of the accumulator --- */

HANDLER(h_cbw)
{
    switch (i->size) {
    case 2: set_reg16(t, R_EAX, (int8_t)t->regs[R_EAX]); break;
    case 4: t->regs[R_EAX] = (uint32_t)(int16_t)t->regs[R_EAX]; break;
    default: t->regs[R_EAX] = (int64_t)(int32_t)t->regs[R_EAX]; break;
    }
    NEXT(t, i);
}

HANDLER(h_cwd)
{
    unsigned size = i->size;
    bool neg = (get_reg(t, R_EAX, size) >> (8 * size - 1)) & 1;
    set_reg(t, R_EDX, size, neg ? ~(uint64_t)0 : 0);
    NEXT(t, i);
}

bool trans_cbw(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_cbw;
    return true;
}

bool trans_cwd(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_cwd;
    return true;
}

/* --- Decimal adjust (legacy modes only; SDM vol. 2 DAA, DAS, AAA, AAS,
 * AAM, AAD) --- */

HANDLER(h_daa_das)
{
    uint32_t f = eflags_get(t);
    uint8_t al = t->regs[R_EAX], old = al;
    bool old_cf = f & F_CF, sub = i->op;
    f &= ~(F_CF | F_AF | F_SF | F_ZF | F_PF);
    if ((old & 0xf) > 9 || (eflags_get(t) & F_AF)) {
        bool carry = sub ? al < 6 : al > 0xf9;
        al = sub ? al - 6 : al + 6;
        f |= F_AF | ((old_cf || carry) ? F_CF : 0);
    }
    if (old > 0x99 || old_cf) {
        al = sub ? al - 0x60 : al + 0x60;
        f |= F_CF;
    } else if (!sub) {
        f &= ~F_CF;
    }
    *reg8p(t, 0) = al;
    f |= x86_parity[al] | (al ? 0 : F_ZF) | (al & 0x80 ? F_SF : 0);
    set_cc_eflags(t, f);
    NEXT(t, i);
}

HANDLER(h_aaa_aas)
{
    uint32_t f = eflags_get(t);
    uint16_t ax = t->regs[R_EAX];
    if ((ax & 0xf) > 9 || (f & F_AF)) {
        ax = i->op ? (uint16_t)(ax - 6 - 0x100) : (uint16_t)(ax + 0x106);
        f |= F_AF | F_CF;
    } else {
        f &= ~(F_AF | F_CF);
    }
    set_reg16(t, R_EAX, ax & 0xff0f);
    set_cc_eflags(t, f);
    NEXT(t, i);
}

HANDLER(h_aam)
{
    uint8_t base = i->imm, al = t->regs[R_EAX];
    if (!base) {
        x86_raise(t, EXCP_DE, 0);
    }
    uint8_t r = al % base;
    set_reg16(t, R_EAX, (al / base) << 8 | r);
    set_cc(t, CC_OP(CC_LOGIC, 0), r, 0, 0);
    NEXT(t, i);
}

HANDLER(h_aad)
{
    uint8_t base = i->imm;
    uint16_t ax = t->regs[R_EAX];
    uint8_t r = (ax & 0xff) + (ax >> 8) * base;
    set_reg16(t, R_EAX, r);
    set_cc(t, CC_OP(CC_LOGIC, 0), r, 0, 0);
    NEXT(t, i);
}

bool trans_bcd(TransCtx *c, const X86Decoded *d, Insn *i)
{
    switch (d->op) {
    case 0x27: case 0x2f: i->fn = h_daa_das; i->op = d->op == 0x2f; break;
    case 0x37: case 0x3f: i->fn = h_aaa_aas; i->op = d->op == 0x3f; break;
    case 0xd4: i->fn = h_aam; break;
    default: i->fn = h_aad; break;
    }
    return true;
}
