/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exceptions and interrupts: raising them precisely (the faulting
 * instruction's EIP, nothing it did committed), the double/triple fault
 * rules, and delivery through the real-mode IVT, the 32-bit IDT with a
 * TSS stack switch, and the 64-bit IDT with IST (Intel SDM vol. 3, 6.12-
 * 6.15, 7.3; 20.1.4 for real mode; 20.3 from virtual-8086 mode), and task
 * gates (task.c does the switch).
 */
#include "target/i386/tcg/x86-tcg.h"
#include "target/i386/tcg/insn-inline.h"
#include "target/i386/tcg/desc.h"
#include "vireo/runstate.h"

G_NORETURN void x86_raise(X86Tcg *t, int vector, uint32_t error)
{
    if (t->cur) {
        t->rip = t->cur->eip;
        t->cur = NULL;
    }
    t->excp_vector = vector;
    t->excp_error = error;
    t->excp_sw = 0;
    siglongjmp(t->jmp, 1);
}

G_NORETURN void x86_raise_sw(X86Tcg *t, int vector, uint64_t next_eip,
                             bool check_dpl)
{
    if (t->cur) {
        t->rip = t->cur->eip;
        t->cur = NULL;
    }
    t->excp_vector = vector;
    t->excp_error = 0;
    t->excp_sw = check_dpl ? 1 : 2;
    t->excp_next_eip = next_eip;
    siglongjmp(t->jmp, 1);
}

static bool has_error_code(int vector)
{
    return vector == EXCP_DF || (vector >= EXCP_TS && vector <= EXCP_PF) ||
           vector == EXCP_AC;
}

static bool contributory(int vector)
{
    return vector == EXCP_DE || (vector >= EXCP_TS && vector <= EXCP_GP);
}

/* --- Pushing an interrupt frame --- */

/* Stores to a stack that may not be the current one: addresses wrap at
 * the stack's size; the access has the privilege of the new level. */
typedef struct Frame {
    uint64_t sp, mask, base;
    int mmu_idx;
} Frame;

static void frame_push(X86Tcg *t, Frame *f, unsigned size, uint64_t v)
{
    f->sp = (f->sp - size) & f->mask;
    uint64_t la = (f->base + f->sp) & t->la_mask;
    if (f->mmu_idx == t->mmu_idx) {
        st_size(t, la, size, v);
    } else {
        tlb_store_slow(t, la, size, v, f->mmu_idx);
    }
}

static uint64_t gate_error(int vector, int sw)
{
    return vector * 8 + 2 + (sw ? 0 : 1);
}

static void log_interrupt(X86Tcg *t, int vector, int sw, bool has_error,
                          uint32_t error, uint64_t next_eip)
{
    if (!log_enabled(LOG_INT)) {
        return;
    }
    X86State *env = t->env;
    log_printf("tcg: cpu %d %s 0x%02x", t->cs->cpu_index,
               sw ? "int" : "exception/interrupt", vector);
    if (has_error) {
        log_printf(" error 0x%x", error);
    }
    log_printf(" at %04x:%016" G_GINT64_MODIFIER "x cpl %d rsp %016"
               G_GINT64_MODIFIER "x", env->segs[R_CS].selector,
               sw ? next_eip : t->rip, t->cpl, t->regs[R_ESP]);
    if (vector == EXCP_PF && !sw) {
        log_printf(" cr2 %016" G_GINT64_MODIFIER "x", env->cr2);
    }
    log_printf("\n");
}

/* Real mode (SDM vol. 3, 20.1.4): FLAGS, CS, IP on the stack, CS:IP from
 * the IVT. */
static void interrupt_real(X86Tcg *t, int vector, uint64_t ret)
{
    X86State *env = t->env;
    if (vector * 4u + 3 > env->idt.limit) {
        raise_gp(t, gate_error(vector, 0));
    }
    uint32_t entry = ld_kernel(t, (env->idt.base + vector * 4) & t->la_mask, 4);
    Frame f = { .sp = t->regs[R_ESP], .mask = sp_mask(stack_size(t)),
                .base = t->segbase[R_SS], .mmu_idx = MMU_KERNEL };
    frame_push(t, &f, 2, eflags_get(t));
    frame_push(t, &f, 2, env->segs[R_CS].selector);
    frame_push(t, &f, 2, ret);
    sp_set(t, stack_size(t), f.sp);
    eflags_set(t, 0, F_IF | F_TF | F_AC | F_RF);
    seg_load_real(t, R_CS, entry >> 16);
    t->rip = entry & 0xffff;
}

/* Reads and checks the IDT gate of vector into g[0..1] (type, DPL for
 * software interrupts, present); legacy mode also has task gates. */
static void read_gate(X86Tcg *t, int vector, int sw, bool lm, uint64_t g[2])
{
    X86State *env = t->env;
    unsigned esize = lm ? 16 : 8;
    if (vector * esize + esize - 1 > env->idt.limit) {
        raise_gp(t, gate_error(vector, sw));
    }
    uint64_t la = env->idt.base + vector * esize;
    g[0] = ld_kernel(t, la & t->la_mask, 8);
    g[1] = lm ? ld_kernel(t, (la + 8) & t->la_mask, 8) : 0;
    unsigned type = (g[0] >> 40) & 0x1f, dpl = DESC_DPL(g[0]);
    bool ok = lm ? (type == SYS_INT_GATE32 || type == SYS_TRAP_GATE32)
                 : (type == SYS_TASK_GATE || type == SYS_INT_GATE16 ||
                    type == SYS_TRAP_GATE16 || type == SYS_INT_GATE32 ||
                    type == SYS_TRAP_GATE32);
    if (!ok) {
        raise_gp(t, gate_error(vector, sw));
    }
    if (sw == 1 && dpl < (unsigned)t->cpl) {
        raise_gp(t, gate_error(vector, sw));
    }
    if (!DESC_P(g[0])) {
        x86_raise(t, EXCP_NP, gate_error(vector, sw));
    }
}

/* Checks the code segment of an interrupt or trap gate; returns its
 * descriptor. */
static uint64_t gate_code(X86Tcg *t, int sw, bool lm, const uint64_t g[2])
{
    uint16_t sel = GATE_SEL(g[0]);
    uint32_t ext = sw ? 0 : 1;
    if (!(sel & 0xfffc)) {
        raise_gp(t, ext);
    }
    uint64_t d = desc_read(t, sel, EXCP_GP);
    unsigned cdpl = DESC_DPL(d);
    if (!DESC_CODE(d) || cdpl > (unsigned)t->cpl || (lm && (!DESC_L(d) || ((d >> 54) & 1)))) {
        raise_gp(t, (sel & 0xfffc) + ext);
    }
    if (!DESC_P(d)) {
        x86_raise(t, EXCP_NP, (sel & 0xfffc) + ext);
    }
    return d;
}

/* Reads and checks the IDT gate and its code segment; returns the code
 * descriptor, the gate's two halves in g[0..1]. */
static uint64_t gate_target(X86Tcg *t, int vector, int sw, bool lm, uint64_t g[2])
{
    read_gate(t, vector, sw, lm, g);
    return gate_code(t, sw, lm, g);
}

static void interrupt_protected(X86Tcg *t, int vector, int sw, bool has_error,
                                uint32_t error, uint64_t ret)
{
    X86State *env = t->env;
    uint64_t g[2];
    read_gate(t, vector, sw, false, g);
    unsigned type = DESC_TYPE(g[0]);
    if (type == SYS_TASK_GATE) {
        x86_task_switch(t, GATE_SEL(g[0]), TASK_INT, ret, has_error, error,
                        sw ? 0 : 1);
        return;
    }
    uint64_t d = gate_code(t, sw, false, g);
    unsigned size = (type & 8) ? 4 : 2;
    uint16_t sel = g[0] >> 16;
    uint64_t offset = (g[0] & 0xffff) | ((g[0] >> 32) & 0xffff0000);
    unsigned cdpl = (d >> 45) & 3, cpl = t->cpl;
    bool conforming = (d >> 42) & 1;
    bool vm86 = t->hflags & HF_VM;
    uint32_t flags = eflags_get(t);
    SegmentCache new_ss = env->segs[R_SS];
    Frame f = { .sp = t->regs[R_ESP], .mask = sp_mask(stack_size(t)),
                .base = t->segbase[R_SS] };
    unsigned new_cpl = cpl;
    bool switch_stack = !conforming && cdpl < cpl;
    if (vm86 && (!switch_stack || cdpl != 0)) {
        raise_gp(t, (sel & 0xfffc) + (sw ? 0 : 1));
    }
    if (switch_stack) {
        uint64_t sp;
        uint16_t ss;
        new_cpl = cdpl;
        x86_tss_stack(t, cdpl, 0, false, &sp, &ss);
        if (!(ss & 0xfffc) || (ss & 3u) != cdpl) {
            x86_raise(t, EXCP_TS, ss & 0xfffc);
        }
        uint64_t sd = desc_read(t, ss, EXCP_TS);
        if (((sd >> 45) & 3) != cdpl || !(((sd >> 44) & 1) && !((sd >> 43) & 1) &&
                                           ((sd >> 41) & 1))) {
            x86_raise(t, EXCP_TS, ss & 0xfffc);
        }
        if (!((sd >> 47) & 1)) {
            x86_raise(t, EXCP_SS, ss & 0xfffc);
        }
        desc_unpack(&new_ss, ss, sd, 0);
        f = (Frame){ .sp = sp, .mask = new_ss.db ? 0xffffffffu : 0xffff,
                     .base = new_ss.base };
    }
    f.mmu_idx = new_cpl == 3 ? MMU_USER : MMU_KERNEL;
    if (switch_stack) {
        if (vm86) {
            frame_push(t, &f, size, env->segs[R_GS].selector);
            frame_push(t, &f, size, env->segs[R_FS].selector);
            frame_push(t, &f, size, env->segs[R_DS].selector);
            frame_push(t, &f, size, env->segs[R_ES].selector);
        }
        frame_push(t, &f, size, env->segs[R_SS].selector);
        frame_push(t, &f, size, t->regs[R_ESP]);
    }
    frame_push(t, &f, size, flags);
    frame_push(t, &f, size, env->segs[R_CS].selector);
    frame_push(t, &f, size, ret);
    if (has_error) {
        frame_push(t, &f, size, error);
    }
    /* Commit. */
    if (switch_stack) {
        if (vm86) {
            static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
            for (size_t k = 0; k < 4; k++) {
                env->segs[segs[k]] = (SegmentCache){ .unusable = true };
            }
        }
        env->segs[R_SS] = new_ss;
    }
    desc_unpack(&env->segs[R_CS], (sel & 0xfffc) | new_cpl, d, 0);
    eflags_set(t, 0, F_TF | F_VM | F_RF | F_NT | ((type & 1) ? 0 : F_IF));
    x86_update_mode(t);
    t->regs[R_ESP] = f.mask == 0xffff ? (t->regs[R_ESP] & ~0xffffull) | f.sp
                                      : f.sp;
    t->rip = size == 2 ? offset & 0xffff : offset;
}

static void interrupt_long(X86Tcg *t, int vector, int sw, bool has_error,
                           uint32_t error, uint64_t ret)
{
    X86State *env = t->env;
    uint64_t g[2];
    uint64_t d = gate_target(t, vector, sw, true, g);
    unsigned type = (g[0] >> 40) & 0xf, ist = (g[0] >> 32) & 7;
    uint16_t sel = g[0] >> 16;
    uint64_t offset = (g[0] & 0xffff) | ((g[0] >> 32) & 0xffff0000) | (g[1] << 32);
    unsigned cdpl = (d >> 45) & 3, cpl = t->cpl;
    bool conforming = (d >> 42) & 1;
    if (t->hflags & HF_VM) {
        raise_gp(t, (sel & 0xfffc) + (sw ? 0 : 1));
    }
    bool switch_cpl = !conforming && cdpl < cpl;
    unsigned new_cpl = switch_cpl ? cdpl : cpl;
    uint64_t sp = t->regs[R_ESP];
    uint16_t unused;
    if (switch_cpl || ist) {
        x86_tss_stack(t, cdpl, ist, true, &sp, &unused);
    }
    Frame f = { .sp = sp & ~(uint64_t)15, .mask = ~(uint64_t)0, .base = 0,
                .mmu_idx = new_cpl == 3 ? MMU_USER : MMU_KERNEL };
    uint64_t saved_la_mask = t->la_mask;
    t->la_mask = ~(uint64_t)0;          /* from compatibility mode too */
    frame_push(t, &f, 8, env->segs[R_SS].selector);
    frame_push(t, &f, 8, t->regs[R_ESP]);
    frame_push(t, &f, 8, eflags_get(t));
    frame_push(t, &f, 8, env->segs[R_CS].selector);
    frame_push(t, &f, 8, ret);
    if (has_error) {
        frame_push(t, &f, 8, error);
    }
    t->la_mask = saved_la_mask;
    if (switch_cpl) {
        env->segs[R_SS] = (SegmentCache){ .selector = new_cpl, .unusable = true,
                                          .dpl = new_cpl, .db = 1 };
    }
    desc_unpack(&env->segs[R_CS], (sel & 0xfffc) | new_cpl, d, 0);
    eflags_set(t, 0, F_TF | F_VM | F_RF | F_NT | ((type & 1) ? 0 : F_IF));
    x86_update_mode(t);
    t->regs[R_ESP] = f.sp;
    t->rip = offset;
}

void x86_do_interrupt(X86Tcg *t, int vector, int sw, bool has_error,
                      uint32_t error, uint64_t next_eip)
{
    uint64_t ret = sw ? next_eip : t->rip;
    log_interrupt(t, vector, sw, has_error, error, ret);
    if (!(t->hflags & HF_PE)) {
        interrupt_real(t, vector, ret);
    } else if (t->env->efer & EFER_LMA) {
        interrupt_long(t, vector, sw, has_error, error, ret);
    } else {
        interrupt_protected(t, vector, sw, has_error, error, ret);
    }
}

/* From the CPU loop after x86_raise: applies the double- and triple-fault
 * rules (SDM vol. 3, table 6-5) and delivers. Returns false on a triple
 * fault (the machine resets). */
bool x86_deliver_exception(X86Tcg *t)
{
    int vector = t->excp_vector;
    uint32_t error = t->excp_error;
    int first = t->delivering;
    t->delivering = -1;
    if (first >= 0 && t->excp_sw == 0) {
        bool second_bad = contributory(vector) || vector == EXCP_PF;
        if (first == EXCP_DF && second_bad) {
            log_mask_printf(LOG_INT | LOG_GUEST_ERROR,
                            "tcg: cpu %d triple fault (0x%x during #DF)\n",
                            t->cs->cpu_index, vector);
            request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
            return false;
        }
        if ((contributory(first) && contributory(vector)) ||
            (first == EXCP_PF && second_bad)) {
            vector = EXCP_DF;
            error = 0;
        }
    }
    bool err = t->excp_sw == 0 && has_error_code(vector) &&
               (t->hflags & HF_PE);
    t->delivering = t->excp_sw ? -1 : vector;
    x86_do_interrupt(t, vector, t->excp_sw, err, error, t->excp_next_eip);
    t->delivering = -1;
    t->excp_sw = 0;
    return true;
}
