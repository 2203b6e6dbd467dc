/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hardware task switches through a TSS descriptor or a task gate (JMP,
 * CALL, INT n/exceptions/IRQs, IRET with NT), with the 32- and 16-bit TSS
 * layouts, and the inner-level stacks kept in the TSS (Intel SDM vol. 3,
 * 7.2-7.7 and table 7-1; vol. 2 JMP, CALL, IRET "TASK-SWITCH").
 */
#include "target/i386/tcg/x86-tcg.h"
#include "target/i386/tcg/insn-inline.h"
#include "target/i386/tcg/desc.h"

/* Where the dynamic state sits in a TSS (SDM vol. 3, figures 7-2, 7-11). */
typedef struct TssLayout {
    unsigned word;              /* bytes per EIP, EFLAGS and GPR slot */
    unsigned seg_stride;        /* bytes between segment selector slots */
    unsigned cr3, eip, eflags, regs, segs, ldt;
    unsigned nsegs;             /* ES, CS, SS, DS (, FS, GS) */
    uint32_t min_limit;
} TssLayout;

static const TssLayout tss32_layout = {
    .word = 4, .seg_stride = 4, .cr3 = 0x1c, .eip = 0x20, .eflags = 0x24,
    .regs = 0x28, .segs = 0x48, .ldt = 0x60, .nsegs = 6, .min_limit = 0x67,
};
static const TssLayout tss16_layout = {
    .word = 2, .seg_stride = 2, .cr3 = 0, .eip = 0x0e, .eflags = 0x10,
    .regs = 0x12, .segs = 0x22, .ldt = 0x2a, .nsegs = 4, .min_limit = 0x2b,
};

/* The EFLAGS bits a task switch loads. */
#define TASK_EFLAGS_MASK (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | \
                          F_RF | F_VM | F_AC | F_VIF | F_VIP | F_ID)

static const TssLayout *layout_of(unsigned type)
{
    return (type & 8) ? &tss32_layout : &tss16_layout;
}

void x86_tss_stack(X86Tcg *t, unsigned dpl, unsigned ist, bool lm,
                   uint64_t *sp, uint16_t *ss)
{
    const SegmentCache *tr = &t->env->tr;
    if (lm) {
        uint64_t off = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * dpl;
        if (off + 7 > tr->limit) {
            x86_raise(t, EXCP_TS, tr->selector & 0xfffc);
        }
        *sp = ld_kernel(t, tr->base + off, 8);
        *ss = 0;
        return;
    }
    bool tss32 = tr->type & 8;
    uint64_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    unsigned n = tss32 ? 4 : 2;
    if (off + 2 * n - 1 > tr->limit) {
        x86_raise(t, EXCP_TS, tr->selector & 0xfffc);
    }
    *sp = ld_kernel(t, (tr->base + off) & t->la_mask, n);
    *ss = ld_kernel(t, (tr->base + off + n) & t->la_mask, 2);
}

/* The state a task switch loads, read in full before anything changes. */
typedef struct TaskImage {
    uint32_t eip, eflags, cr3;
    uint32_t regs[8];
    uint16_t segs[NR_SEGS];
    uint16_t ldt;
} TaskImage;

static uint64_t tss_ld(X86Tcg *t, uint64_t base, unsigned off, unsigned size)
{
    return ld_kernel(t, (base + off) & t->la_mask, size);
}

static void tss_st(X86Tcg *t, uint64_t base, unsigned off, unsigned size,
                   uint64_t v)
{
    st_kernel(t, (base + off) & t->la_mask, size, v);
}

static void read_image(X86Tcg *t, uint64_t base, const TssLayout *l,
                       TaskImage *img)
{
    *img = (TaskImage){ 0 };
    img->eip = tss_ld(t, base, l->eip, l->word);
    img->eflags = tss_ld(t, base, l->eflags, l->word);
    img->cr3 = l->cr3 ? tss_ld(t, base, l->cr3, 4) : 0;
    for (int r = 0; r < 8; r++) {
        img->regs[r] = tss_ld(t, base, l->regs + r * l->word, l->word);
    }
    for (unsigned s = 0; s < l->nsegs; s++) {
        img->segs[s] = tss_ld(t, base, l->segs + s * l->seg_stride, 2);
    }
    img->ldt = tss_ld(t, base, l->ldt, 2);
}

/* Saves the running task's state in its TSS (the one TR names). */
static void save_current(X86Tcg *t, uint32_t eip, uint32_t eflags)
{
    const SegmentCache *tr = &t->env->tr;
    const TssLayout *l = layout_of(tr->type);
    tss_st(t, tr->base, l->eip, l->word, eip);
    tss_st(t, tr->base, l->eflags, l->word, eflags);
    for (int r = 0; r < 8; r++) {
        tss_st(t, tr->base, l->regs + r * l->word, l->word, t->regs[r]);
    }
    for (unsigned s = 0; s < l->nsegs; s++) {
        tss_st(t, tr->base, l->segs + s * l->seg_stride, 2,
               t->env->segs[s].selector);
    }
}

/* Rewrites the type byte of the GDT descriptor of a TSS (busy bit). */
static void set_tss_busy(X86Tcg *t, uint16_t sel, uint64_t d, bool busy)
{
    d = busy ? d | DESC_BUSY : d & ~DESC_BUSY;
    uint64_t la = (t->env->gdt.base + (sel & ~7u) + 5) & t->la_mask;
    st_kernel(t, la, 1, (d >> 40) & 0xff);
}

/* LDTR of the new task: a GDT selector of an LDT descriptor, or null. */
static void load_task_ldt(X86Tcg *t, uint16_t sel, uint32_t ext)
{
    X86State *env = t->env;
    if (!(sel & 0xfffc)) {
        env->ldt = (SegmentCache){ .selector = sel, .unusable = true };
        return;
    }
    if (sel & 4) {
        x86_raise(t, EXCP_TS, (sel & 0xfffc) | ext);
    }
    uint64_t d = desc_read(t, sel, EXCP_TS);
    if (DESC_S(d) || DESC_TYPE(d) != SYS_LDT || !DESC_P(d)) {
        x86_raise(t, EXCP_TS, (sel & 0xfffc) | ext);
    }
    desc_unpack(&env->ldt, sel, d, 0);
}

/* A segment register of the new task, with the checks of table 7-1:
 * #TS for a bad selector or descriptor, #NP (#SS for SS) if absent. */
static void load_task_seg(X86Tcg *t, int seg, uint16_t sel, unsigned cpl,
                          uint32_t ext)
{
    X86State *env = t->env;
    uint32_t err = (sel & 0xfffc) | ext;
    if (!(sel & 0xfffc)) {
        if (seg == R_CS || seg == R_SS) {
            x86_raise(t, EXCP_TS, ext);
        }
        env->segs[seg] = (SegmentCache){ .selector = sel, .unusable = true };
        return;
    }
    uint64_t d = desc_read(t, sel, EXCP_TS);
    unsigned dpl = DESC_DPL(d), rpl = sel & 3;
    int absent = EXCP_NP;
    bool ok;
    switch (seg) {
    case R_CS:
        ok = DESC_CODE(d) && (DESC_CONFORMING(d) ? dpl <= rpl : dpl == rpl);
        break;
    case R_SS:
        ok = DESC_WRITABLE_DATA(d) && dpl == cpl && rpl == cpl;
        absent = EXCP_SS;
        break;
    default:
        ok = DESC_S(d) && DESC_READABLE(d) &&
             (DESC_CONFORMING(d) || (dpl >= cpl && dpl >= rpl));
        break;
    }
    if (!ok) {
        x86_raise(t, EXCP_TS, err);
    }
    if (!DESC_P(d)) {
        x86_raise(t, absent, err);
    }
    desc_set_accessed(t, sel, &d);
    desc_unpack(&env->segs[seg], sel, d, 0);
}

/* Loads the new task's segment registers; faults from here on belong to
 * the new task. */
static void load_task_segments(X86Tcg *t, const TaskImage *img, uint32_t ext)
{
    X86State *env = t->env;
    for (int s = 0; s < NR_SEGS; s++) {
        env->segs[s].selector = img->segs[s];
    }
    load_task_ldt(t, img->ldt, ext);
    if (t->eflags & F_VM) {
        x86_update_mode(t);             /* HF_VM: real-mode style loads */
        for (int s = 0; s < NR_SEGS; s++) {
            seg_load_real(t, s, img->segs[s]);
        }
        x86_update_mode(t);
        return;
    }
    static const int order[] = { R_CS, R_SS, R_DS, R_ES, R_FS, R_GS };
    unsigned cpl = img->segs[R_CS] & 3;
    for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
        load_task_seg(t, order[k], img->segs[order[k]], cpl, ext);
        if (order[k] == R_SS) {
            x86_update_mode(t);
        }
    }
    x86_update_mode(t);
}

/* Reads and checks the descriptor of the TSS to switch to. */
static uint64_t new_tss_desc(X86Tcg *t, uint16_t sel, int source, uint32_t ext)
{
    int bad = source == TASK_IRET ? EXCP_TS : EXCP_GP;
    uint32_t err = (sel & 0xfffc) | ext;
    if ((sel & 4) || !(sel & 0xfffc)) {
        x86_raise(t, bad, err);
    }
    uint64_t d = desc_read(t, sel, bad);
    unsigned type = DESC_TYPE(d);
    bool busy_wanted = source == TASK_IRET;
    if (DESC_S(d) || (type & 5) != 1 || !!(type & 2) != busy_wanted) {
        x86_raise(t, bad, err);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, err);
    }
    return d;
}

void x86_task_switch(X86Tcg *t, uint16_t sel, int source, uint64_t next_eip,
                     bool has_error, uint32_t error, uint32_t ext)
{
    X86State *env = t->env;
    if (env->efer & EFER_LMA) {
        raise_gp(t, (sel & 0xfffc) | ext);      /* no tasks in long mode */
    }
    uint64_t d = new_tss_desc(t, sel, source, ext);
    SegmentCache new_tr;
    desc_unpack(&new_tr, sel, d | DESC_BUSY, 0);
    const TssLayout *nl = layout_of(new_tr.type);
    if (new_tr.limit < nl->min_limit) {
        x86_raise(t, EXCP_TS, (sel & 0xfffc) | ext);
    }
    SegmentCache old_tr = env->tr;
    if (old_tr.unusable || old_tr.limit < layout_of(old_tr.type)->min_limit) {
        x86_raise(t, EXCP_TS, (old_tr.selector & 0xfffc) | ext);
    }
    log_mask_printf(LOG_INT, "tcg: cpu %d task switch 0x%x -> 0x%x (%s)\n",
                    t->cs->cpu_index, old_tr.selector, sel,
                    (const char *[]){ "jmp", "call", "iret", "int" }[source]);

    /* Everything that can fault in the old task: read the new TSS, write
     * the old one, the back-link and the busy bits. */
    TaskImage img;
    read_image(t, new_tr.base, nl, &img);
    uint32_t old_flags = eflags_get(t);
    if (source == TASK_IRET) {
        old_flags &= ~F_NT;
    }
    save_current(t, next_eip, old_flags);
    bool nested = source == TASK_CALL || source == TASK_INT;
    if (nested) {
        tss_st(t, new_tr.base, 0, 2, old_tr.selector);
        img.eflags |= F_NT;
    }
    if (source == TASK_JMP || source == TASK_IRET) {
        uint64_t od = desc_read(t, old_tr.selector, EXCP_TS);
        set_tss_busy(t, old_tr.selector, od, false);
    }
    if (source != TASK_IRET) {
        set_tss_busy(t, sel, d, true);
    }

    /* Commit: the new task's TR, CR3, flags, registers, EIP. */
    env->tr = new_tr;
    env->cr0 |= CR0_TS;
    if (nl->cr3 && (env->cr0 & CR0_PG)) {
        x86_write_cr3(t, img.cr3);
    }
    uint32_t mask = nl->word == 4 ? TASK_EFLAGS_MASK : TASK_EFLAGS_MASK & 0xffff;
    eflags_set(t, img.eflags, mask);
    for (int r = 0; r < 8; r++) {
        set_reg(t, r, nl->word, img.regs[r]);
    }
    t->cur = NULL;
    t->rip = nl->word == 4 ? img.eip : (uint16_t)img.eip;
    load_task_segments(t, &img, ext);
    if (has_error) {
        push(t, stack_size(t), nl->word, error);
    }
}

void x86_task_return(X86Tcg *t, uint64_t next_eip)
{
    const SegmentCache *tr = &t->env->tr;
    uint16_t link = ld_kernel(t, tr->base & t->la_mask, 2);
    x86_task_switch(t, link, TASK_IRET, next_eip, false, 0, 0);
}
