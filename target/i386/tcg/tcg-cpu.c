/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software CPU's per-vCPU state and its exchange with X86State: the
 * general registers, RIP and RFLAGS (kept lazily while the interpreter
 * runs) go back to X86State whenever vcpu_exec returns.
 */
#include "target/i386/tcg/x86-tcg.h"
#include <stdlib.h>

X86Tcg *x86_tcg_new(X86CPU *cpu)
{
    X86Tcg *t;
    if (posix_memalign((void **)&t, 64, sizeof(*t))) {
        return NULL;
    }
    memset(t, 0, sizeof(*t));
    t->cpu = cpu;
    t->cs = CPU(cpu);
    t->env = &cpu->env;
    t->delivering = -1;
    t->exit_slot = -1;
    t->check_apic = true;
    t->map = phys_map_get();
    t->map_epoch = phys_map_epoch();
    tlb_flush(t);
    tb_set_insn_size(sizeof(Insn));
    return t;
}

void x86_tcg_free(X86Tcg *t)
{
    free(t);
}

void x86_tcg_load(X86Tcg *t)
{
    X86State *env = t->env;
    memcpy(t->regs, env->regs, sizeof(env->regs));
    t->regs[REG_NONE] = 0;
    t->rip = env->rip;
    t->eflags = ((uint32_t)env->rflags & ~F_ARITH) | 2;
    t->df = (env->rflags & F_DF) ? -1 : 1;
    set_cc_eflags(t, env->rflags);
    x86_update_mode(t);
}

void x86_tcg_store(X86Tcg *t)
{
    X86State *env = t->env;
    memcpy(env->regs, t->regs, sizeof(env->regs));
    env->rip = t->rip;
    env->rflags = eflags_get(t);
    env->tsc = x86_read_tsc(t);
}

/* After a reset, INIT or an outside change of X86State. The TSC keeps
 * counting (one clock for all vCPUs keeps them in sync, as Linux checks). */
void x86_tcg_reset(X86Tcg *t)
{
    t->halted = t->inhibit_irq = false;
    t->delivering = -1;
    t->excp_sw = 0;
    t->check_apic = true;
    memset(t->dr, 0, sizeof(t->dr));
    t->dr[6] = 0xffff0ff0;
    t->dr[7] = 0x400;
    tlb_flush(t);
    x86_tcg_load(t);
}
