/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPU loop: find (or translate) the TB at CS:EIP, chain it to the one
 * that led here, run its records until one leaves, and between blocks
 * take interrupts, honour stop requests and flushes. Exceptions longjmp
 * back here and are delivered before the next block.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "accel/tcg/jit.h"
#include "vireo/main-loop.h"
#include "vireo/x86-intc.h"

static uint64_t tb_flush_ram_epoch;     /* RAM layout the TBs were made for */
static unsigned tb_flushes;

/* Physical page of the code at la now, for checking two-page TBs. */
static uint64_t code_page_of(void *opaque, uint64_t la)
{
    X86Tcg *t = opaque;
    uint64_t paddr;
    if (!tlb_code_ptr(t, la & t->la_mask, false, &paddr)) {
        return ~(uint64_t)1;
    }
    return paddr & TCG_PAGE_MASK;
}

static void tb_flush_everything(void)
{
    tb_flush_all();
    jit_buf_flush();
    tb_flushes++;
}

static TB *tb_find(X86Tcg *t)
{
    uint64_t cs_base = t->segbase[R_CS];
    uint64_t pc = (cs_base + t->rip) & t->la_mask;
    unsigned h = jc_hash(pc);
    TB *tb = t->jmp_cache[h];
    if (tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == t->hflags) {
        return tb;
    }
    uint64_t phys;
    if (!tlb_code_ptr(t, pc, true, &phys)) {
        return NULL;
    }
    tb = tb_lookup_phys(phys, pc, cs_base, t->hflags, code_page_of, t);
    if (!tb) {
        tb = x86_translate(t, pc, phys);
        if (!tb) {
            tb_flush_everything();
            tb = x86_translate(t, pc, phys);
        }
    }
    t->jmp_cache[h] = tb;
    return tb;
}

static void log_cpu_state(X86Tcg *t)
{
    X86CpuDumpExtra extra = { .dr = t->dr, .inhibit_irq = t->inhibit_irq,
                              .halted = t->halted,
                              .fpu = log_enabled(LOG_FPU) };
    g_autoptr(GString) out = g_string_new(NULL);
    x86_tcg_store(t);
    x86_cpu_dump_state_extra(t->cpu, &extra, out);
    log_printf("%s", out->str);
}

/* Interrupt requests between blocks: INIT, NMI, then a maskable
 * interrupt if IF allows. True after INIT: vcpu_exec returns, to wait
 * for the SIPI. */
static bool take_interrupts(X86Tcg *t)
{
    CPUState *cs = t->cs;
    bool if_set = t->eflags & F_IF;
    int vector = -1;
    bool nmi, init, more;
    t->interrupt_request = 0;
    bql_lock();
    init = apic_take_init(cs);
    nmi = !init && apic_take_nmi(cs);
    if (!init && !nmi && if_set && apic_has_interrupt(cs)) {
        vector = apic_get_interrupt(cs);
    }
    more = apic_has_interrupt(cs);
    bql_unlock();
    t->irq_masked = more && !if_set;
    if (more && if_set) {
        t->interrupt_request = 1;
    }
    if (init) {
        /* INIT (SDM vol. 3, 9.1): the reset state, then wait for SIPI. */
        x86_cpu_reset_state(t->cpu);
        x86_tcg_reset(t);
        return true;
    }
    if (nmi || vector >= 0) {
        t->halted = false;
        x86_do_interrupt(t, nmi ? EXCP_NMI : vector, 0, false, 0, 0);
    }
    return false;
}

/* Whether the halted CPU may go on (something woke it); if not, it is
 * marked halted under the lock, so a wake-up cannot be lost. */
static bool halt_continue(X86Tcg *t)
{
    bql_lock();
    bool wake = apic_wakes_halted_cpu(t->cs, t->eflags & F_IF);
    if (!wake) {
        t->cs->halted = true;
    }
    bql_unlock();
    if (wake) {
        t->interrupt_request = 1;
    }
    return wake;
}

/* Requests between blocks; true if vcpu_exec must return. */
static bool exit_checks(X86Tcg *t)
{
    CPUState *cs = t->cs;
    if (cs->stop || cs->exit_thread) {
        return true;
    }
    if (t->tlb_flush_pending) {
        t->tlb_flush_pending = false;
        tlb_flush(t);
    }
    if (t->map_epoch != phys_map_epoch()) {
        t->map = phys_map_get();
        t->map_epoch = phys_map_epoch();
        tlb_flush(t);
    }
    if (tb_flush_ram_epoch != phys_map_ram_epoch()) {
        tb_flush_ram_epoch = phys_map_ram_epoch();
        tb_flush_everything();
    }
    return tcg_turn_contended();
}

VcpuExit tcg_cpu_exec(X86Tcg *t)
{
    if (sigsetjmp(t->jmp, 0)) {
        /* An exception: t->rip is the faulting instruction (or the one
         * interrupted); deliver it, which may raise again. */
        t->cur = NULL;
        t->last_tb = NULL;
        t->inhibit_irq = false;
        if (!x86_deliver_exception(t)) {
            return VCPU_EXIT_HALTED;        /* triple fault: resetting */
        }
    }
    for (;;) {
        if (t->exit_request) {
            t->exit_request = 0;
            if (exit_checks(t)) {
                return VCPU_EXIT_AGAIN;
            }
        }
        if (t->irq_masked && (t->eflags & F_IF)) {
            t->irq_masked = false;
            t->interrupt_request = 1;
        }
        if (t->interrupt_request && !t->inhibit_irq && take_interrupts(t)) {
            return VCPU_EXIT_AGAIN;
        }
        if (t->halted) {
            if (!halt_continue(t)) {
                return VCPU_EXIT_AGAIN;
            }
            continue;
        }
        unsigned flushes_then = tb_flushes;
        TB *tb = tb_find(t);
        if (!tb) {
            g_printerr("vireo: tcg: vCPU %d executes code outside RAM at "
                       "%04x:%016" G_GINT64_MODIFIER "x\n", t->cs->cpu_index,
                       t->env->segs[R_CS].selector, t->rip);
            return VCPU_EXIT_ERROR;
        }
        bool log_blocks = log_enabled(LOG_EXEC | LOG_CPU);
        if (t->last_tb && t->last_slot >= 0 && flushes_then == tb_flushes &&
            !log_blocks && (t->last_tb->pc & TCG_PAGE_MASK) == (tb->pc & TCG_PAGE_MASK) &&
            t->last_tb->flags == tb->flags && t->last_tb->cs_base == tb->cs_base) {
            tb_link(t->last_tb, t->last_slot, tb);
        }
        if (log_blocks) {
            if (log_enabled(LOG_CPU)) {
                log_cpu_state(t);
            }
            log_mask_printf(LOG_EXEC, "tcg: cpu %d exec %04x:%016" G_GINT64_MODIFIER
                            "x (pc %016" G_GINT64_MODIFIER "x flags %x)\n",
                            t->cs->cpu_index, t->env->segs[R_CS].selector,
                            t->rip, tb->pc, tb->flags);
            t->exit_request = 1;            /* no chaining: log every block */
        }
        bool inhibit = t->inhibit_irq;
        t->tb = tb;
        t->exit_slot = -1;
        const Insn *i = tb->insns;
        do {
            TB *cur = t->tb;
            if (cur->jit_code && i == cur->insns) {
                i = x86_jit_run(t, cur);
            } else {
                t->cur = i;
                i = i->fn(t, i);
            }
        } while (i);
        t->cur = NULL;
        if (inhibit) {
            t->inhibit_irq = false;
        }
        t->last_tb = t->tb;
        t->last_slot = t->exit_slot;
    }
}
