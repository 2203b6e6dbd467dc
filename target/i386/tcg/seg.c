/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Segmentation: the mode bits derived from CR0/EFER/CS/SS, loading segment
 * registers with their descriptor checks, far JMP/CALL/RET, IRET, LLDT,
 * LTR and the TSS I/O permission bitmap (Intel SDM vol. 3 ch. 3, 5.8,
 * 6.14, 7.2, 16.5; vol. 2 JMP, CALL, RET, IRET).
 */
#include "target/i386/tcg/x86-tcg.h"
#include "target/i386/tcg/insn-inline.h"

/* Descriptor fields (SDM vol. 3, 3.4.5). */
#define DESC_TYPE(d) (((d) >> 40) & 0xf)
#define DESC_S(d) (((d) >> 44) & 1)
#define DESC_DPL(d) ((unsigned)((d) >> 45) & 3)
#define DESC_P(d) (((d) >> 47) & 1)
#define DESC_L(d) (((d) >> 53) & 1)
#define DESC_CODE(d) (DESC_S(d) && (DESC_TYPE(d) & 8))
#define DESC_CONFORMING(d) (DESC_CODE(d) && (DESC_TYPE(d) & 4))
#define DESC_READABLE(d) (!(DESC_TYPE(d) & 8) || (DESC_TYPE(d) & 2))
#define DESC_WRITABLE_DATA(d) (DESC_S(d) && !(DESC_TYPE(d) & 8) && (DESC_TYPE(d) & 2))

void x86_update_mode(X86Tcg *t)
{
    X86State *env = t->env;
    bool pe = env->cr0 & CR0_PE;
    bool vm = pe && (t->eflags & F_VM);
    uint32_t hf = 0;
    if (pe) {
        hf |= HF_PE;
    }
    if (vm) {
        hf |= HF_VM;
    }
    if ((env->efer & EFER_LMA) && env->segs[R_CS].l) {
        hf |= HF_CS64;
    } else if (env->segs[R_CS].db) {
        hf |= HF_CS32;
    }
    if (env->segs[R_SS].db) {
        hf |= HF_SS32;
    }
    t->hflags = hf;
    t->cpl = !pe ? 0 : vm ? 3 : env->segs[R_SS].dpl;
    t->mmu_idx = t->cpl == 3 ? MMU_USER : MMU_KERNEL;
    t->tlb = t->tlb_table[t->mmu_idx];
    t->la_mask = (hf & HF_CS64) ? ~(uint64_t)0 : 0xffffffffu;
    for (int s = 0; s < NR_SEGS; s++) {
        t->segbase[s] = ((hf & HF_CS64) && s < R_FS) ? 0 : env->segs[s].base;
    }
}

void desc_unpack(SegmentCache *sc, uint16_t selector, uint64_t d, uint64_t d_hi)
{
    uint32_t limit = (d & 0xffff) | ((d >> 32) & 0xf0000);
    bool g = (d >> 55) & 1;
    *sc = (SegmentCache){
        .selector = selector,
        .base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000) | (d_hi << 32),
        .limit = g ? (limit << 12) | 0xfff : limit,
        .type = DESC_TYPE(d), .s = DESC_S(d), .dpl = DESC_DPL(d),
        .present = DESC_P(d), .avl = (d >> 52) & 1, .l = DESC_L(d),
        .db = (d >> 54) & 1, .g = g,
    };
}

/* Linear address of the descriptor for selector, #excp(selector) beyond
 * the table's limit. */
static uint64_t desc_addr(X86Tcg *t, uint16_t selector, int excp)
{
    X86State *env = t->env;
    uint64_t base = env->gdt.base, limit = env->gdt.limit;
    if (selector & 4) {
        if (env->ldt.unusable || !env->ldt.present) {
            x86_raise(t, excp, selector & 0xfffc);
        }
        base = env->ldt.base;
        limit = env->ldt.limit;
    }
    if ((selector | 7u) > limit) {
        x86_raise(t, excp, selector & 0xfffc);
    }
    return (base + (selector & ~7u)) & t->la_mask;
}

uint64_t desc_read(X86Tcg *t, uint16_t selector, int excp)
{
    return ld_kernel(t, desc_addr(t, selector, excp), 8);
}

/* The upper half of a 16-byte system descriptor (long mode). */
static uint64_t desc_read_hi(X86Tcg *t, uint16_t selector, int excp)
{
    return ld_kernel(t, (desc_addr(t, selector + 8, excp)), 8) & 0xffffffff;
}

/* Sets the accessed bit in memory (SDM vol. 3, 3.4.5.1). */
static void desc_set_accessed(X86Tcg *t, uint16_t selector, uint64_t *d)
{
    if (!(*d & (1ULL << 40))) {
        *d |= 1ULL << 40;
        st_kernel(t, desc_addr(t, selector, EXCP_GP) + 5, 1, (*d >> 40) & 0xff);
    }
}

static void seg_commit(X86Tcg *t, int seg)
{
    t->segbase[seg] = ((t->hflags & HF_CS64) && seg < R_FS) ? 0 : t->env->segs[seg].base;
    if (seg == R_SS || seg == R_CS) {
        x86_update_mode(t);
    }
}

void seg_load_real(X86Tcg *t, int seg, uint16_t selector)
{
    SegmentCache *sc = &t->env->segs[seg];
    sc->selector = selector;
    sc->base = (uint64_t)selector << 4;
    if (t->hflags & HF_VM) {
        *sc = (SegmentCache){ .selector = selector, .base = (uint64_t)selector << 4,
                              .limit = 0xffff, .type = seg == R_CS ? 0xb : 3,
                              .s = 1, .dpl = 3, .present = 1 };
    }
    sc->unusable = false;
    sc->present = 1;
    seg_commit(t, seg);
}

/* MOV/POP/LxS to a data segment register or SS (SDM vol. 2, MOV). */
void seg_load(X86Tcg *t, int seg, uint16_t selector)
{
    X86State *env = t->env;
    if (!(t->hflags & HF_PE) || (t->hflags & HF_VM)) {
        seg_load_real(t, seg, selector);
        return;
    }
    unsigned rpl = selector & 3, cpl = t->cpl;
    if (!(selector & 0xfffc)) {
        if (seg == R_SS && (!(t->hflags & HF_CS64) || cpl == 3 || rpl != cpl)) {
            raise_gp(t, 0);
        }
        env->segs[seg] = (SegmentCache){ .selector = selector, .unusable = true,
                                         .dpl = seg == R_SS ? cpl : 0,
                                         .db = seg == R_SS && (t->hflags & HF_CS64) };
        seg_commit(t, seg);
        return;
    }
    uint64_t d = desc_read(t, selector, EXCP_GP);
    if (seg == R_SS) {
        if (rpl != cpl || DESC_DPL(d) != cpl || !DESC_WRITABLE_DATA(d)) {
            raise_gp(t, selector & 0xfffc);
        }
        if (!DESC_P(d)) {
            x86_raise(t, EXCP_SS, selector & 0xfffc);
        }
    } else {
        if (!DESC_S(d) || !DESC_READABLE(d)) {
            raise_gp(t, selector & 0xfffc);
        }
        if (!DESC_CONFORMING(d) && (DESC_DPL(d) < cpl || DESC_DPL(d) < rpl)) {
            raise_gp(t, selector & 0xfffc);
        }
        if (!DESC_P(d)) {
            x86_raise(t, EXCP_NP, selector & 0xfffc);
        }
    }
    desc_set_accessed(t, selector, &d);
    desc_unpack(&env->segs[seg], selector, d, 0);
    seg_commit(t, seg);
}

/* Checks a code segment as the target of a same-privilege far transfer
 * and loads CS (with RPL = CPL). */
static void load_code_segment(X86Tcg *t, uint16_t sel, uint64_t d, unsigned cpl)
{
    if (!DESC_CODE(d)) {
        raise_gp(t, sel & 0xfffc);
    }
    if (DESC_CONFORMING(d) ? DESC_DPL(d) > cpl
                           : ((sel & 3u) > cpl || DESC_DPL(d) != cpl)) {
        raise_gp(t, sel & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, sel & 0xfffc);
    }
    if (DESC_L(d) && (d >> 54 & 1) && (t->env->efer & EFER_LMA)) {
        raise_gp(t, sel & 0xfffc);      /* L and D both set */
    }
    desc_set_accessed(t, sel, &d);
    desc_unpack(&t->env->segs[R_CS], (sel & 0xfffc) | cpl, d, 0);
}

static uint64_t eip_mask_for(X86Tcg *t)
{
    return (t->hflags & HF_CS64) ? ~(uint64_t)0 :
           (t->hflags & HF_CS32) ? 0xffffffffu : 0xffff;
}

static void real_mode_far(X86Tcg *t, uint16_t sel, uint64_t eip)
{
    seg_load_real(t, R_CS, sel);
    t->rip = eip & 0xffffffffu;
}

void far_jump(X86Tcg *t, uint16_t sel, uint64_t eip, uint64_t next_eip)
{
    if (!(t->hflags & HF_PE) || (t->hflags & HF_VM)) {
        real_mode_far(t, sel, eip);
        return;
    }
    if (!(sel & 0xfffc)) {
        raise_gp(t, 0);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    if (!DESC_S(d)) {
        log_mask_printf(LOG_UNIMP, "tcg: far jump through a gate or TSS "
                        "(selector 0x%x): #GP\n", sel);
        raise_gp(t, sel & 0xfffc);
    }
    load_code_segment(t, sel, d, t->cpl);
    x86_update_mode(t);
    t->segbase[R_CS] = (t->hflags & HF_CS64) ? 0 : t->env->segs[R_CS].base;
    t->rip = eip & eip_mask_for(t);
}

void far_call(X86Tcg *t, uint16_t sel, uint64_t eip, unsigned size,
              uint64_t next_eip)
{
    unsigned ss = stack_size(t);
    uint16_t old_cs = t->env->segs[R_CS].selector;
    uint64_t sp = t->regs[R_ESP];
    uint64_t m = sp_mask(ss);
    if (!(t->hflags & HF_PE) || (t->hflags & HF_VM)) {
        st_size(t, seg_la(t, R_SS, (sp - size) & m), size, old_cs);
        st_size(t, seg_la(t, R_SS, (sp - 2 * size) & m), size, next_eip);
        sp_set(t, ss, (sp - 2 * size) & m);
        real_mode_far(t, sel, eip);
        return;
    }
    if (!(sel & 0xfffc)) {
        raise_gp(t, 0);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    if (!DESC_S(d)) {
        log_mask_printf(LOG_UNIMP, "tcg: far call through a gate or TSS "
                        "(selector 0x%x): #GP\n", sel);
        raise_gp(t, sel & 0xfffc);
    }
    /* Check the target, then push, then switch. */
    SegmentCache saved = t->env->segs[R_CS];
    load_code_segment(t, sel, d, t->cpl);
    SegmentCache target = t->env->segs[R_CS];
    t->env->segs[R_CS] = saved;
    st_size(t, seg_la(t, R_SS, (sp - size) & m), size, old_cs);
    st_size(t, seg_la(t, R_SS, (sp - 2 * size) & m), size, next_eip);
    sp_set(t, ss, (sp - 2 * size) & m);
    t->env->segs[R_CS] = target;
    x86_update_mode(t);
    t->rip = eip & eip_mask_for(t);
}

/* Data segment registers that the new, less privileged code may not use
 * become null (SDM vol. 2, RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
static void invalidate_data_segs(X86Tcg *t, unsigned cpl)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (size_t k = 0; k < G_N_ELEMENTS(segs); k++) {
        SegmentCache *sc = &t->env->segs[segs[k]];
        bool conforming = sc->s && (sc->type & 0xc) == 0xc;
        if (!sc->unusable && sc->s && !conforming && sc->dpl < cpl) {
            *sc = (SegmentCache){ .unusable = true };
            t->segbase[segs[k]] = 0;
        }
    }
}

/* Loads SS for a return to outer privilege `cpl`. */
static void load_outer_ss(X86Tcg *t, uint16_t sel, unsigned cpl, bool to64)
{
    X86State *env = t->env;
    if (!(sel & 0xfffc)) {
        if (!to64 || cpl == 3) {
            raise_gp(t, 0);
        }
        env->segs[R_SS] = (SegmentCache){ .selector = sel, .unusable = true,
                                          .dpl = cpl, .db = 1 };
        return;
    }
    if ((sel & 3u) != cpl) {
        raise_gp(t, sel & 0xfffc);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    if (!DESC_WRITABLE_DATA(d) || DESC_DPL(d) != cpl) {
        raise_gp(t, sel & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_SS, sel & 0xfffc);
    }
    desc_set_accessed(t, sel, &d);
    desc_unpack(&env->segs[R_SS], sel, d, 0);
}

/* Checks the code segment a RET/IRET returns to; the new CPL is its RPL. */
static uint64_t return_code_desc(X86Tcg *t, uint16_t sel)
{
    if (!(sel & 0xfffc)) {
        raise_gp(t, 0);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    unsigned rpl = sel & 3;
    if (!DESC_CODE(d) || rpl < (unsigned)t->cpl ||
        (DESC_CONFORMING(d) ? DESC_DPL(d) > rpl : DESC_DPL(d) != rpl)) {
        raise_gp(t, sel & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, sel & 0xfffc);
    }
    return d;
}

void far_return(X86Tcg *t, unsigned size, uint16_t pop_extra)
{
    unsigned ss = stack_size(t);
    uint64_t m = sp_mask(ss);
    uint64_t eip = stack_peek(t, ss, size, 0);
    uint16_t sel = stack_peek(t, ss, size, size);
    if (!(t->hflags & HF_PE) || (t->hflags & HF_VM)) {
        sp_set(t, ss, (t->regs[R_ESP] + 2 * size + pop_extra) & m);
        real_mode_far(t, sel, eip & size_mask(size));
        return;
    }
    uint64_t d = return_code_desc(t, sel);
    unsigned rpl = sel & 3;
    if (rpl == (unsigned)t->cpl) {
        desc_set_accessed(t, sel, &d);
        desc_unpack(&t->env->segs[R_CS], sel, d, 0);
        sp_set(t, ss, (t->regs[R_ESP] + 2 * size + pop_extra) & m);
        x86_update_mode(t);
        t->rip = eip & eip_mask_for(t);
        return;
    }
    /* To an outer level: the caller's SS:ESP sit above the parameters. */
    uint64_t off = 2 * size + pop_extra;
    uint64_t new_sp = stack_peek(t, ss, size, off);
    uint16_t new_ss = stack_peek(t, ss, size, off + size);
    bool to64 = (t->env->efer & EFER_LMA) && DESC_L(d);
    load_outer_ss(t, new_ss, rpl, to64);
    desc_set_accessed(t, sel, &d);
    desc_unpack(&t->env->segs[R_CS], sel, d, 0);
    x86_update_mode(t);
    sp_set(t, stack_size(t), new_sp + pop_extra);
    invalidate_data_segs(t, rpl);
    t->rip = eip & eip_mask_for(t);
}

/* IRET (SDM vol. 2): real mode, protected mode to the same or an outer
 * level, and IRETQ in 64-bit mode, which always pops SS:RSP. */
void x86_iret(X86Tcg *t, unsigned size)
{
    X86State *env = t->env;
    unsigned ss = stack_size(t);
    uint64_t m = sp_mask(ss);
    uint64_t eip = stack_peek(t, ss, size, 0);
    uint16_t sel = stack_peek(t, ss, size, size);
    uint32_t flags = stack_peek(t, ss, size, 2 * size);
    uint32_t mask;
    if (!(t->hflags & HF_PE)) {
        sp_set(t, ss, (t->regs[R_ESP] + 3 * size) & m);
        real_mode_far(t, sel, eip & size_mask(size));
        mask = F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_AC | F_ID | F_RF;
        eflags_set(t, flags, size == 2 ? mask & 0xffff : mask);
        x86_update_mode(t);
        return;
    }
    if (t->hflags & HF_VM) {
        if (((t->eflags >> IOPL_SHIFT) & 3) != 3) {
            raise_gp(t, 0);
        }
        sp_set(t, ss, (t->regs[R_ESP] + 3 * size) & m);
        real_mode_far(t, sel, eip & size_mask(size));
        mask = F_ARITH | F_TF | F_IF | F_DF | F_NT | F_AC | F_ID | F_RF;
        eflags_set(t, flags, size == 2 ? mask & 0xffff : mask);
        return;
    }
    if ((t->eflags & F_NT) && !(env->efer & EFER_LMA)) {
        log_mask_printf(LOG_UNIMP, "tcg: IRET with NT (task return): #GP\n");
        raise_gp(t, 0);
    }
    if ((flags & F_VM) && t->cpl == 0 && !(t->hflags & HF_CS64) && size == 4) {
        log_mask_printf(LOG_UNIMP, "tcg: IRET to virtual-8086 mode: #GP\n");
        raise_gp(t, 0);
    }
    uint64_t d = return_code_desc(t, sel);
    unsigned rpl = sel & 3, old_cpl = t->cpl;
    bool long_mode = t->hflags & HF_CS64;
    bool to64 = (env->efer & EFER_LMA) && DESC_L(d);
    uint64_t new_sp = 0;
    uint16_t new_ss = 0;
    bool outer = rpl != old_cpl || long_mode;
    if (outer) {
        new_sp = stack_peek(t, ss, size, 3 * size);
        new_ss = stack_peek(t, ss, size, 4 * size);
        load_outer_ss(t, new_ss, rpl, to64);
    }
    desc_set_accessed(t, sel, &d);
    desc_unpack(&env->segs[R_CS], sel, d, 0);
    mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID | F_RF;
    if (old_cpl == 0) {
        mask |= F_IOPL | F_IF;
    } else if (old_cpl <= ((t->eflags >> IOPL_SHIFT) & 3)) {
        mask |= F_IF;
    }
    if (size == 2) {
        mask &= 0xffff;
    }
    eflags_set(t, flags, mask);
    x86_update_mode(t);
    if (outer) {
        sp_set(t, stack_size(t), new_sp);
        if (rpl != old_cpl) {
            invalidate_data_segs(t, rpl);
        }
    } else {
        sp_set(t, ss, (t->regs[R_ESP] + 3 * size) & m);
    }
    t->rip = eip & eip_mask_for(t);
}

/* --- LDTR and TR --- */

void x86_load_ldt(X86Tcg *t, uint16_t selector)
{
    X86State *env = t->env;
    if (!(selector & 0xfffc)) {
        env->ldt = (SegmentCache){ .selector = selector, .unusable = true };
        return;
    }
    if (selector & 4) {
        raise_gp(t, selector & 0xfffc);
    }
    uint64_t d = desc_read(t, selector, EXCP_GP);
    if (DESC_S(d) || DESC_TYPE(d) != 2) {
        raise_gp(t, selector & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, selector & 0xfffc);
    }
    uint64_t hi = (env->efer & EFER_LMA) ? desc_read_hi(t, selector, EXCP_GP) : 0;
    desc_unpack(&env->ldt, selector, d, hi);
}

void x86_load_tr(X86Tcg *t, uint16_t selector)
{
    X86State *env = t->env;
    if (!(selector & 0xfffc) || (selector & 4)) {
        raise_gp(t, selector & 0xfffc);
    }
    uint64_t d = desc_read(t, selector, EXCP_GP);
    unsigned type = DESC_TYPE(d);
    bool lm = env->efer & EFER_LMA;
    if (DESC_S(d) || (type != 9 && (lm || type != 1))) {
        raise_gp(t, selector & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, selector & 0xfffc);
    }
    uint64_t hi = lm ? desc_read_hi(t, selector, EXCP_GP) : 0;
    d |= 2ULL << 40;                            /* busy */
    st_kernel(t, desc_addr(t, selector, EXCP_GP) + 5, 1, (d >> 40) & 0xff);
    desc_unpack(&env->tr, selector, d, hi);
}

/* SDM vol. 1, 19.5.2: the I/O permission bitmap of the 32/64-bit TSS. */
bool x86_io_allowed(X86Tcg *t, uint16_t port, unsigned size)
{
    if (!(t->hflags & HF_PE) ||
        (!(t->hflags & HF_VM) && t->cpl <= (int)((t->eflags >> IOPL_SHIFT) & 3))) {
        return true;
    }
    const SegmentCache *tr = &t->env->tr;
    if (tr->unusable || (tr->type & 7) != 1 || !(tr->type & 8) || tr->limit < 103) {
        return false;
    }
    uint16_t map = ld_kernel(t, (tr->base + 0x66) & t->la_mask, 2);
    uint64_t byte = map + port / 8;
    if (byte + 1 > tr->limit) {
        return false;
    }
    uint16_t bits = ld_kernel(t, (tr->base + byte) & t->la_mask, 2);
    unsigned mask = ((1u << size) - 1) << (port & 7);
    return !(bits & mask);
}
