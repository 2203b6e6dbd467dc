/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TCG accelerator: AccelOps for the software CPU. Each vCPU has its
 * thread (system/cpus.c), but only the holder of "the turn" runs guest
 * code: vCPUs take turns in FIFO order, and one waiting longer than a
 * time slice asks the holder to stop at its next block boundary. Guest
 * code therefore never runs on two host threads at once, which makes the
 * TB cache, the TLBs of other vCPUs and LOCK-prefixed instructions simple.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "accel/tcg/jit.h"
#include "vireo/machine.h"
#include "vireo/main-loop.h"
#include "vireo/x86-intc.h"

#define TURN_SLICE_US 2000

static GMutex turn_lock;
static GCond turn_cond;
static uint64_t turn_next, turn_serving;
static X86Tcg *turn_holder;

static void turn_acquire(X86Tcg *t)
{
    g_mutex_lock(&turn_lock);
    uint64_t ticket = turn_next++;
    while (turn_serving != ticket) {
        gint64 deadline = g_get_monotonic_time() + TURN_SLICE_US;
        if (!g_cond_wait_until(&turn_cond, &turn_lock, deadline) &&
            turn_serving != ticket && turn_holder) {
            turn_holder->exit_request = 1;      /* the slice is over */
        }
    }
    turn_holder = t;
    t->in_exec = true;
    g_mutex_unlock(&turn_lock);
}

static void turn_release(X86Tcg *t)
{
    g_mutex_lock(&turn_lock);
    t->in_exec = false;
    turn_holder = NULL;
    turn_serving++;
    g_cond_broadcast(&turn_cond);
    g_mutex_unlock(&turn_lock);
}

bool tcg_turn_contended(void)
{
    /* Tickets handed out beyond the one being served. */
    return __atomic_load_n(&turn_next, __ATOMIC_RELAXED) -
           __atomic_load_n(&turn_serving, __ATOMIC_RELAXED) > 1;
}

/* --- Hooks the TB cache and memory map use on every vCPU --- */

static X86Tcg *tcg_of(CPUState *cs)
{
    return cs->accel;
}

void tcg_cpus_jmp_cache_remove(TB *tb)
{
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        if (t && t->jmp_cache[jc_hash(tb->pc)] == tb) {
            t->jmp_cache[jc_hash(tb->pc)] = NULL;
        }
    }
}

void tcg_cpus_jmp_cache_clear(void)
{
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        if (t) {
            memset(t->jmp_cache, 0, sizeof(t->jmp_cache));
            t->last_tb = NULL;
        }
    }
}

/* Routes the vCPUs' fast-path writes to page paddr through the slow path
 * (code) or back. */
void tcg_cpus_tlb_set_code(uint64_t paddr, bool code)
{
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        if (!t) {
            continue;
        }
        for (int m = 0; m < MMU_COUNT; m++) {
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                TLBEntry *e = &t->tlb_table[m][k];
                if (e->write == TLB_INVALID || t->tlb_phys[m][k].paddr != paddr ||
                    (e->write & TLB_MMIO)) {
                    continue;
                }
                e->write = code ? e->write | TLB_CODE : e->write & ~(uint64_t)TLB_CODE;
            }
        }
    }
}

void tcg_cpus_request_flush(void)
{
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        if (t) {
            t->tlb_flush_pending = true;
            t->exit_request = 1;
        }
    }
}

bool tcg_cpus_map_in_use(const PhysMap *m)
{
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        if (t && __atomic_load_n(&t->map, __ATOMIC_ACQUIRE) == m) {
            return true;
        }
    }
    return false;
}

/* --- AccelOps --- */

static bool tcg_available(char **why)
{
    return true;
}

static bool tcg_init(MachineState *ms, GError **errp)
{
    phys_map_init();
    tb_cache_init();
    if (accel_tcg_jit && !x86_jit_init()) {
        accel_tcg_jit = false;      /* no executable memory: interpret */
    }
    return true;
}

static bool tcg_vcpu_init(CPUState *cs, GError **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    const char *model = current_machine ? current_machine->cpu_type : NULL;
    unsigned smp = current_machine ? current_machine->smp_cpus : 1;
    unsigned nsup;
    const CpuidEntry *sup = tcg_supported_cpuid(&nsup);
    if (!x86_cpu_build_cpuid(cpu, model, sup, nsup, smp, errp)) {
        return false;
    }
    X86Tcg *t = x86_tcg_new(cpu);
    if (!t) {
        error_setg(errp, "out of memory for the vCPU's TLB");
        return false;
    }
    cs->accel = t;
    return true;
}

static void tcg_vcpu_destroy(CPUState *cs)
{
    x86_tcg_free(cs->accel);
    cs->accel = NULL;
}

static void tcg_vcpu_kick(CPUState *cs)
{
    X86Tcg *t = tcg_of(cs);
    if (t) {
        t->interrupt_request = 1;
        t->exit_request = 1;
    }
}

/* SIPI (SDM vol. 3, 8.4.4): real mode at vector * 4 KiB. */
static void tcg_sipi(X86Tcg *t, int vector)
{
    X86State *env = t->env;
    env->segs[R_CS].selector = vector << 8;
    env->segs[R_CS].base = (uint64_t)vector << 12;
    env->rip = 0;
    x86_tcg_reset(t);
}

/* INIT and SIPI before running: false if the CPU waits for a SIPI (it is
 * marked halted under the lock, so the SIPI's wake-up is not lost). */
static bool tcg_apic_pre_run(X86Tcg *t)
{
    CPUState *cs = t->cs;
    int vector;
    bool run = true;
    bql_lock();
    if (apic_take_init(cs)) {
        x86_cpu_reset_state(t->cpu);
        x86_tcg_reset(t);
    }
    if (apic_waiting_for_sipi(cs)) {
        if (apic_take_sipi(cs, &vector)) {
            tcg_sipi(t, vector);
        } else {
            cs->halted = true;
            run = false;
        }
    }
    if (run) {
        t->check_apic = false;
    }
    bql_unlock();
    return run;
}

static VcpuExit tcg_vcpu_exec(CPUState *cs)
{
    X86Tcg *t = tcg_of(cs);
    turn_acquire(t);
    if (cs->reset_pending) {
        cs->reset_pending = false;
        /* RAM may hold something else now (a reloaded kernel). */
        tb_flush_all();
        tcg_cpus_jmp_cache_clear();
        x86_tcg_reset(t);
    } else {
        x86_tcg_load(t);
    }
    VcpuExit r = VCPU_EXIT_AGAIN;
    if (!cs->stop && !cs->exit_thread &&
        (!(t->check_apic || t->interrupt_request) || tcg_apic_pre_run(t))) {
        r = tcg_cpu_exec(t);
    }
    x86_tcg_store(t);
    turn_release(t);
    return r;
}

static void tcg_get_state(CPUState *cs)
{
    /* X86State is brought up to date whenever vcpu_exec returns. */
}

static void tcg_put_state(CPUState *cs, bool full)
{
    X86Tcg *t = tcg_of(cs);
    if (t) {
        t->tlb_flush_pending = true;
        t->exit_request = 1;
    }
}

static bool tcg_irqchip_in_kernel(void)
{
    return false;
}

/* HMP info jit: the TB cache, the code buffer and the guest instructions
 * the generated code ran (the interpreter does not count). */
static void tcg_stats(GString *out)
{
    uint64_t insns = 0;
    CPUState *cs;
    CPU_FOREACH(cs) {
        X86Tcg *t = tcg_of(cs);
        insns += t ? t->insn_count : 0;
    }
    g_string_append_printf(out, "TB count            %u\n", tb_count());
    g_string_append_printf(out, "host code size      %zu bytes\n", jit_buf_used());
    g_string_append_printf(out, "code generator      %s\n",
                           accel_tcg_jit ? "on" : "off (interpreter only)");
    g_string_append_printf(out, "guest instructions  %" G_GUINT64_FORMAT
                           " (run in generated code)\n", insns);
}

static const AccelOps tcg_ops = {
    .name = "tcg",
    .available = tcg_available,
    .init = tcg_init,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_exec = tcg_vcpu_exec,
    .vcpu_kick = tcg_vcpu_kick,
    .vcpu_destroy = tcg_vcpu_destroy,
    .get_state = tcg_get_state,
    .put_state = tcg_put_state,
    .irqchip_in_kernel = tcg_irqchip_in_kernel,
    .stats = tcg_stats,
};

static void __attribute__((constructor)) tcg_register(void)
{
    accel_register(&tcg_ops);
}
