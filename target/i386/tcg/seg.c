/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Segmentation: the mode bits derived from CR0/EFER/CS/SS, loading segment
 * registers with their descriptor checks, far JMP/CALL/RET, IRET, LLDT,
 * LTR and the TSS I/O permission bitmap (Intel SDM vol. 3 ch. 3, 5.8,
 * 6.14, 7.2, 16.5; vol. 2 JMP, CALL, RET, IRET).
 */
#include "target/i386/tcg/x86-tcg.h"
#include "target/i386/tcg/insn-inline.h"
#include "target/i386/tcg/desc.h"

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
void desc_set_accessed(X86Tcg *t, uint16_t selector, uint64_t *d)
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

/* Pushes the caller's CS and return EIP on the current stack (a fault
 * leaves the stack pointer alone). */
static void push_far_return(X86Tcg *t, unsigned size, uint16_t old_cs,
                            uint64_t next_eip)
{
    unsigned ss = stack_size(t);
    uint64_t sp = t->regs[R_ESP], m = sp_mask(ss);
    st_size(t, seg_la(t, R_SS, (sp - size) & m), size, old_cs);
    st_size(t, seg_la(t, R_SS, (sp - 2 * size) & m), size, next_eip);
    sp_set(t, ss, (sp - 2 * size) & m);
}

/* JMP/CALL to a TSS or through a task gate (SDM vol. 2, JMP and CALL,
 * "TASK-GATE", "TASK-STATE-SEGMENT"): the descriptor's DPL must admit
 * both CPL and RPL. */
static void far_to_task(X86Tcg *t, uint16_t sel, uint64_t d, int source,
                        uint64_t next_eip)
{
    unsigned dpl = DESC_DPL(d);
    if (dpl < (unsigned)t->cpl || dpl < (sel & 3u)) {
        raise_gp(t, sel & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, sel & 0xfffc);
    }
    uint16_t tss = DESC_TYPE(d) == SYS_TASK_GATE ? GATE_SEL(d) : sel;
    x86_task_switch(t, tss, source, next_eip, false, 0, 0);
}

/* Checks a call gate and the code segment it names (SDM vol. 2, CALL,
 * "CALL-GATE"); returns the code descriptor. */
static uint64_t call_gate_code(X86Tcg *t, uint16_t gate_sel, uint64_t gate)
{
    unsigned dpl = DESC_DPL(gate), cpl = t->cpl;
    if (dpl < cpl || dpl < (gate_sel & 3u)) {
        raise_gp(t, gate_sel & 0xfffc);
    }
    if (!DESC_P(gate)) {
        x86_raise(t, EXCP_NP, gate_sel & 0xfffc);
    }
    uint16_t cs = GATE_SEL(gate);
    if (!(cs & 0xfffc)) {
        raise_gp(t, 0);
    }
    uint64_t d = desc_read(t, cs, EXCP_GP);
    if (!DESC_CODE(d) || DESC_DPL(d) > cpl) {
        raise_gp(t, cs & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, cs & 0xfffc);
    }
    return d;
}

static uint64_t call_gate_eip(uint64_t gate)
{
    return (DESC_TYPE(gate) & 8) ? GATE_OFFSET(gate) : GATE_OFFSET(gate) & 0xffff;
}

/* The stack segment of an inner level from the TSS: #TS unless it is a
 * writable data segment of that level, #SS if not present. */
static void inner_stack_segment(X86Tcg *t, uint16_t ss, unsigned cpl,
                                SegmentCache *sc)
{
    if (!(ss & 0xfffc) || (ss & 3u) != cpl) {
        x86_raise(t, EXCP_TS, ss & 0xfffc);
    }
    uint64_t d = desc_read(t, ss, EXCP_TS);
    if (DESC_DPL(d) != cpl || !DESC_WRITABLE_DATA(d)) {
        x86_raise(t, EXCP_TS, ss & 0xfffc);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_SS, ss & 0xfffc);
    }
    desc_set_accessed(t, ss, &d);
    desc_unpack(sc, ss, d, 0);
}

/* CALL through a call gate to a more privileged, non-conforming segment
 * (SDM vol. 3, 5.8.5): the stack of that level from the TSS receives the
 * caller's SS:ESP, the gate's parameter count of words or dwords copied
 * from the caller's stack, and CS:EIP. */
static void call_gate_inner(X86Tcg *t, uint64_t gate, uint64_t d,
                            uint64_t next_eip)
{
    X86State *env = t->env;
    unsigned cpl = DESC_DPL(d), size = (DESC_TYPE(gate) & 8) ? 4 : 2;
    unsigned old_ssz = stack_size(t), nparams = GATE_PARAMS(gate);
    uint64_t sp;
    uint16_t ss;
    SegmentCache new_ss;
    x86_tss_stack(t, cpl, 0, false, &sp, &ss);
    inner_stack_segment(t, ss, cpl, &new_ss);
    uint64_t mask = new_ss.db ? 0xffffffffu : 0xffff;
    uint64_t slots[2 + 31 + 2];
    unsigned n = 0;
    slots[n++] = env->segs[R_SS].selector;
    slots[n++] = t->regs[R_ESP];
    for (unsigned k = nparams; k-- > 0;) {
        slots[n++] = stack_peek(t, old_ssz, size, k * size);
    }
    slots[n++] = env->segs[R_CS].selector;
    slots[n++] = next_eip;
    for (unsigned k = 0; k < n; k++) {
        sp = (sp - size) & mask;
        st_kernel(t, (new_ss.base + sp) & t->la_mask, size, slots[k]);
    }
    uint16_t cs = GATE_SEL(gate);
    desc_set_accessed(t, cs, &d);
    env->segs[R_SS] = new_ss;
    desc_unpack(&env->segs[R_CS], (cs & 0xfffc) | cpl, d, 0);
    x86_update_mode(t);
    sp_set(t, new_ss.db ? 4 : 2, sp);
    t->rip = call_gate_eip(gate);
}

/* JMP or CALL (call) through a call gate. JMP never changes privilege;
 * CALL to a non-conforming, more privileged segment switches stacks. */
static void far_through_call_gate(X86Tcg *t, uint16_t gate_sel, uint64_t gate,
                                  bool call, uint64_t next_eip)
{
    if (t->env->efer & EFER_LMA) {
        log_mask_printf(LOG_UNIMP, "tcg: far %s through a 64-bit call gate "
                        "(selector 0x%x): #GP\n", call ? "call" : "jump", gate_sel);
        raise_gp(t, gate_sel & 0xfffc);
    }
    uint64_t d = call_gate_code(t, gate_sel, gate);
    unsigned cpl = t->cpl;
    uint16_t cs = (GATE_SEL(gate) & 0xfffc) | cpl;
    if (!DESC_CONFORMING(d) && DESC_DPL(d) < cpl) {
        if (!call) {
            raise_gp(t, cs & 0xfffc);
        }
        call_gate_inner(t, gate, d, next_eip);
        return;
    }
    SegmentCache saved = t->env->segs[R_CS];
    load_code_segment(t, cs, d, cpl);
    SegmentCache target = t->env->segs[R_CS];
    t->env->segs[R_CS] = saved;
    if (call) {
        unsigned size = (DESC_TYPE(gate) & 8) ? 4 : 2;
        push_far_return(t, size, saved.selector, next_eip);
    }
    t->env->segs[R_CS] = target;
    x86_update_mode(t);
    t->rip = call_gate_eip(gate);
}

/* A far JMP/CALL whose selector names a system descriptor. */
static void far_through_system(X86Tcg *t, uint16_t sel, uint64_t d, bool call,
                               uint64_t next_eip)
{
    switch (DESC_TYPE(d)) {
    case SYS_CALL_GATE16:
    case SYS_CALL_GATE32:
        far_through_call_gate(t, sel, d, call, next_eip);
        return;
    case SYS_TASK_GATE:
    case SYS_TSS16:
    case SYS_TSS32:
        if (t->env->efer & EFER_LMA) {
            raise_gp(t, sel & 0xfffc);      /* no tasks in long mode */
        }
        far_to_task(t, sel, d, call ? TASK_CALL : TASK_JMP, next_eip);
        return;
    default:
        raise_gp(t, sel & 0xfffc);
    }
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
        far_through_system(t, sel, d, false, next_eip);
        return;
    }
    load_code_segment(t, sel, d, t->cpl);
    x86_update_mode(t);
    t->segbase[R_CS] = (t->hflags & HF_CS64) ? 0 : t->env->segs[R_CS].base;
    t->rip = eip & eip_mask_for(t);
}

void far_call(X86Tcg *t, uint16_t sel, uint64_t eip, unsigned size,
              uint64_t next_eip)
{
    if (!(t->hflags & HF_PE) || (t->hflags & HF_VM)) {
        push_far_return(t, size, t->env->segs[R_CS].selector, next_eip);
        real_mode_far(t, sel, eip);
        return;
    }
    if (!(sel & 0xfffc)) {
        raise_gp(t, 0);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    if (!DESC_S(d)) {
        far_through_system(t, sel, d, true, next_eip);
        return;
    }
    /* Check the target, then push, then switch. */
    SegmentCache saved = t->env->segs[R_CS];
    load_code_segment(t, sel, d, t->cpl);
    SegmentCache target = t->env->segs[R_CS];
    t->env->segs[R_CS] = saved;
    push_far_return(t, size, saved.selector, next_eip);
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

/* IRET from CPL 0 with VM set in the popped EFLAGS (SDM vol. 2, IRET,
 * "RETURN-TO-VIRTUAL-8086-MODE"): the frame goes on with ESP, SS, ES, DS,
 * FS and GS; the segments load as in real mode, the CPL becomes 3. */
static void iret_to_vm86(X86Tcg *t, uint32_t eip, uint16_t cs, uint32_t flags)
{
    static const int segs[] = { R_SS, R_ES, R_DS, R_FS, R_GS };
    unsigned ss = stack_size(t);
    uint32_t esp = stack_peek(t, ss, 4, 12);
    uint16_t sel[G_N_ELEMENTS(segs)];
    for (size_t k = 0; k < G_N_ELEMENTS(segs); k++) {
        sel[k] = stack_peek(t, ss, 4, 16 + 4 * k);
    }
    eflags_set(t, flags, F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF |
                         F_VM | F_AC | F_VIF | F_VIP | F_ID);
    x86_update_mode(t);
    seg_load_real(t, R_CS, cs);
    for (size_t k = 0; k < G_N_ELEMENTS(segs); k++) {
        seg_load_real(t, segs[k], sel[k]);
    }
    t->regs[R_ESP] = esp;
    t->rip = eip & 0xffff;
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
    if (t->eflags & F_NT) {
        if (env->efer & EFER_LMA) {
            raise_gp(t, 0);             /* no task return in IA-32e mode */
        }
        x86_task_return(t, t->cur ? next_eip(t, t->cur) : t->rip);
        return;
    }
    if ((flags & F_VM) && t->cpl == 0 && !(t->hflags & HF_CS64) && size == 4) {
        iret_to_vm86(t, eip, sel, flags);
        return;
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
