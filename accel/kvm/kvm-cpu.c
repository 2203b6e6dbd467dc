/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator, vCPU side: creating vCPUs with their CPUID, the run
 * loop dispatching port and MMIO exits through the memory API, kicks, and
 * moving architectural state between X86State and the kernel.
 */
#include "kvm-internal.h"
#include "target/i386/cpu.h"
#include "vireo/machine.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"
#include "vireo/runstate.h"
#include "vireo/x86-intc.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SIG_KICK SIGUSR1
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static void kick_handler(int sig)
{
    /* Only interrupts KVM_RUN; the flags say why. */
}

static bool set_cpuid(CPUState *cpu, GError **errp)
{
    X86CPU *x = X86_CPU(cpu);
    struct kvm_cpuid2 *sup = kvm_state.supported_cpuid;
    g_autofree CpuidEntry *entries = g_new0(CpuidEntry, sup->nent);
    for (unsigned i = 0; i < sup->nent; i++) {
        struct kvm_cpuid_entry2 *e = &sup->entries[i];
        entries[i] = (CpuidEntry){
            .function = e->function, .index = e->index,
            .indexed = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
    }
    if (!kvm_state.irqchip) {
        /* Without the in-kernel local APIC, KVM runs neither its TSC-deadline
         * timer nor x2APIC MSRs; the userspace APIC is xAPIC only. */
        for (unsigned i = 0; i < sup->nent; i++) {
            if (entries[i].function == 1) {
                entries[i].ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
            }
        }
    }
    const char *model = current_machine ? current_machine->cpu_type : NULL;
    unsigned smp = current_machine ? current_machine->smp_cpus : 1;
    if (!x86_cpu_build_cpuid(x, model, entries, sup->nent, smp, errp)) {
        return false;
    }
    g_autofree struct kvm_cpuid2 *c = g_malloc0(
        sizeof(*c) + x->cpuid_nr * sizeof(struct kvm_cpuid_entry2));
    c->nent = x->cpuid_nr;
    for (unsigned i = 0; i < x->cpuid_nr; i++) {
        CpuidEntry *e = &x->cpuid[i];
        c->entries[i] = (struct kvm_cpuid_entry2){
            .function = e->function, .index = e->index,
            .flags = e->indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
    }
    int r = kvm_ioctl(((KVMVcpu *)cpu->accel)->fd, KVM_SET_CPUID2, c);
    if (r < 0) {
        error_setg(errp, "KVM_SET_CPUID2 failed: %s", g_strerror(-r));
        return false;
    }
    return true;
}

bool kvm_vcpu_init(CPUState *cpu, GError **errp)
{
    KVMVcpu *v = g_new0(KVMVcpu, 1);
    cpu->accel = v;
    v->fd = kvm_vm_ioctl(KVM_CREATE_VCPU, (void *)(uintptr_t)cpu->apic_id);
    if (v->fd < 0) {
        error_setg(errp, "KVM_CREATE_VCPU failed: %s", g_strerror(-v->fd));
        return false;
    }
    v->run = mmap(NULL, kvm_state.vcpu_mmap_size, PROT_READ | PROT_WRITE,
                  MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        error_setg(errp, "cannot map the KVM vCPU: %s", g_strerror(errno));
        return false;
    }
    struct sigaction sa = { .sa_handler = kick_handler };
    sigaction(SIG_KICK, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return set_cpuid(cpu, errp);
}

void kvm_vcpu_destroy(CPUState *cpu)
{
    KVMVcpu *v = cpu->accel;
    if (v) {
        if (v->run && v->run != MAP_FAILED) {
            munmap(v->run, kvm_state.vcpu_mmap_size);
        }
        if (v->fd >= 0) {
            close(v->fd);
        }
        g_free(v);
        cpu->accel = NULL;
    }
}

void kvm_vcpu_kick(CPUState *cpu)
{
    KVMVcpu *v = cpu->accel;
    if (v && v->run) {
        v->run->immediate_exit = 1;
    }
    pthread_kill(cpu->thread, SIG_KICK);
}

/* --- State transfer --- */

static void seg_to_kvm(const SegmentCache *s, struct kvm_segment *k)
{
    *k = (struct kvm_segment){
        .base = s->base, .limit = s->limit, .selector = s->selector,
        .type = s->type, .present = s->present, .dpl = s->dpl, .db = s->db,
        .s = s->s, .l = s->l, .g = s->g, .avl = s->avl, .unusable = s->unusable,
    };
}

static void seg_from_kvm(const struct kvm_segment *k, SegmentCache *s)
{
    *s = (SegmentCache){
        .base = k->base, .limit = k->limit, .selector = k->selector,
        .type = k->type, .present = k->present, .dpl = k->dpl, .db = k->db,
        .s = k->s, .l = k->l, .g = k->g, .avl = k->avl, .unusable = k->unusable,
    };
}

static const uint32_t saved_msrs[] = {
    0x174, 0x175, 0x176,               /* SYSENTER_CS/ESP/EIP */
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102, /* STAR.. */
    0x10, 0x277, 0x1a0,                /* TSC, PAT, MISC_ENABLE */
};

static uint64_t *msr_field(X86State *env, uint32_t index)
{
    switch (index) {
    case 0x174: return &env->sysenter_cs;
    case 0x175: return &env->sysenter_esp;
    case 0x176: return &env->sysenter_eip;
    case 0xc0000081: return &env->star;
    case 0xc0000082: return &env->lstar;
    case 0xc0000083: return &env->cstar;
    case 0xc0000084: return &env->fmask;
    case 0xc0000102: return &env->kernel_gs_base;
    case 0x10: return &env->tsc;
    case 0x277: return &env->pat;
    default: return &env->misc_enable;
    }
}

static void msrs_transfer(int fd, X86State *env, bool put)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[G_N_ELEMENTS(saved_msrs)];
    } m = { .hdr.nmsrs = G_N_ELEMENTS(saved_msrs) };
    for (unsigned i = 0; i < G_N_ELEMENTS(saved_msrs); i++) {
        m.e[i].index = saved_msrs[i];
        m.e[i].data = *msr_field(env, saved_msrs[i]);
    }
    int n = kvm_ioctl(fd, put ? KVM_SET_MSRS : KVM_GET_MSRS, &m);
    for (int i = 0; !put && i < n; i++) {
        *msr_field(env, m.e[i].index) = m.e[i].data;
    }
}

static void fpu_transfer(int fd, X86State *env, bool put)
{
    struct kvm_fpu f = { 0 };
    uint8_t *fx = env->fxsave;
    if (put) {
        memcpy(&f.fcw, fx + 0, 2);
        memcpy(&f.fsw, fx + 2, 2);
        f.ftwx = fx[4];
        memcpy(&f.last_opcode, fx + 6, 2);
        memcpy(&f.last_ip, fx + 8, 8);
        memcpy(&f.last_dp, fx + 16, 8);
        memcpy(&f.mxcsr, fx + 24, 4);
        memcpy(f.fpr, fx + 32, 128);
        memcpy(f.xmm, fx + 160, 256);
        kvm_ioctl(fd, KVM_SET_FPU, &f);
        return;
    }
    if (kvm_ioctl(fd, KVM_GET_FPU, &f) < 0) {
        return;
    }
    memcpy(fx + 0, &f.fcw, 2);
    memcpy(fx + 2, &f.fsw, 2);
    fx[4] = f.ftwx;
    memcpy(fx + 6, &f.last_opcode, 2);
    memcpy(fx + 8, &f.last_ip, 8);
    memcpy(fx + 16, &f.last_dp, 8);
    memcpy(fx + 24, &f.mxcsr, 4);
    memcpy(fx + 32, f.fpr, 128);
    memcpy(fx + 160, f.xmm, 256);
}

/* Local APIC power-on state (SDM vol. 3, 11.4.7.1), with LINT0 in ExtINT
 * mode on the BSP so the 8259 reaches it as firmware would leave it. */
static void lapic_reset(int fd, CPUState *cpu)
{
    struct kvm_lapic_state l = { 0 };
    uint32_t *reg = (uint32_t *)l.regs;
    reg[0x20 / 4] = (uint32_t)cpu->apic_id << 24;
    reg[0xd0 / 4] = 0;
    reg[0xe0 / 4] = 0xffffffff;               /* DFR: flat model */
    reg[0xf0 / 4] = 0xff;                     /* SVR: software-disabled */
    for (int lvt = 0x320; lvt <= 0x370; lvt += 0x10) {
        reg[lvt / 4] = 1u << 16;              /* masked */
    }
    reg[0x2f0 / 4] = 1u << 16;                /* LVT CMCI */
    if (cpu->cpu_index == 0) {
        reg[0x350 / 4] = 0x700;               /* LINT0: ExtINT, unmasked */
        reg[0x360 / 4] = 0x400;               /* LINT1: NMI */
    }
    kvm_ioctl(fd, KVM_SET_LAPIC, &l);
}

void kvm_put_state(CPUState *cpu, bool full)
{
    KVMVcpu *v = cpu->accel;
    X86State *env = &X86_CPU(cpu)->env;
    struct kvm_regs regs = {
        .rax = env->regs[0], .rcx = env->regs[1], .rdx = env->regs[2],
        .rbx = env->regs[3], .rsp = env->regs[4], .rbp = env->regs[5],
        .rsi = env->regs[6], .rdi = env->regs[7], .r8 = env->regs[8],
        .r9 = env->regs[9], .r10 = env->regs[10], .r11 = env->regs[11],
        .r12 = env->regs[12], .r13 = env->regs[13], .r14 = env->regs[14],
        .r15 = env->regs[15], .rip = env->rip, .rflags = env->rflags,
    };
    struct kvm_sregs sregs = { 0 };
    seg_to_kvm(&env->segs[R_CS], &sregs.cs);
    seg_to_kvm(&env->segs[R_DS], &sregs.ds);
    seg_to_kvm(&env->segs[R_ES], &sregs.es);
    seg_to_kvm(&env->segs[R_FS], &sregs.fs);
    seg_to_kvm(&env->segs[R_GS], &sregs.gs);
    seg_to_kvm(&env->segs[R_SS], &sregs.ss);
    seg_to_kvm(&env->tr, &sregs.tr);
    seg_to_kvm(&env->ldt, &sregs.ldt);
    sregs.gdt = (struct kvm_dtable){ .base = env->gdt.base, .limit = env->gdt.limit };
    sregs.idt = (struct kvm_dtable){ .base = env->idt.base, .limit = env->idt.limit };
    sregs.cr0 = env->cr0;
    sregs.cr2 = env->cr2;
    sregs.cr3 = env->cr3;
    sregs.cr4 = env->cr4;
    sregs.cr8 = env->cr8;
    sregs.efer = env->efer;
    sregs.apic_base = env->apic_base;
    if (full) {
        if (kvm_state.irqchip) {
            lapic_reset(v->fd, cpu);
            struct kvm_mp_state mp = {
                .mp_state = cpu->cpu_index == 0 ? KVM_MP_STATE_RUNNABLE
                                                : KVM_MP_STATE_UNINITIALIZED,
            };
            kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp);
        }
        struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs[0] = { 0, 0, env->xcr0 } };
        if (kvm_check_extension(KVM_CAP_XCRS)) {
            kvm_ioctl(v->fd, KVM_SET_XCRS, &xcrs);
        }
        fpu_transfer(v->fd, env, true);
        msrs_transfer(v->fd, env, true);
    }
    kvm_ioctl(v->fd, KVM_SET_SREGS, &sregs);
    kvm_ioctl(v->fd, KVM_SET_REGS, &regs);
}

void kvm_get_state(CPUState *cpu)
{
    KVMVcpu *v = cpu->accel;
    X86State *env = &X86_CPU(cpu)->env;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    if (kvm_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
        kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
        return;
    }
    uint64_t r[16] = { regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp,
                       regs.rbp, regs.rsi, regs.rdi, regs.r8, regs.r9,
                       regs.r10, regs.r11, regs.r12, regs.r13, regs.r14,
                       regs.r15 };
    memcpy(env->regs, r, sizeof(r));
    env->rip = regs.rip;
    env->rflags = regs.rflags;
    seg_from_kvm(&sregs.cs, &env->segs[R_CS]);
    seg_from_kvm(&sregs.ds, &env->segs[R_DS]);
    seg_from_kvm(&sregs.es, &env->segs[R_ES]);
    seg_from_kvm(&sregs.fs, &env->segs[R_FS]);
    seg_from_kvm(&sregs.gs, &env->segs[R_GS]);
    seg_from_kvm(&sregs.ss, &env->segs[R_SS]);
    seg_from_kvm(&sregs.tr, &env->tr);
    seg_from_kvm(&sregs.ldt, &env->ldt);
    env->gdt = (DescriptorTable){ sregs.gdt.base, sregs.gdt.limit };
    env->idt = (DescriptorTable){ sregs.idt.base, sregs.idt.limit };
    env->cr0 = sregs.cr0;
    env->cr2 = sregs.cr2;
    env->cr3 = sregs.cr3;
    env->cr4 = sregs.cr4;
    env->cr8 = sregs.cr8;
    env->efer = sregs.efer;
    env->apic_base = sregs.apic_base;
    fpu_transfer(v->fd, env, false);
    msrs_transfer(v->fd, env, false);
}

/* --- Userspace irqchip (kernel-irqchip=off): hw/intc's local APIC --- */

/* INIT (SDM 9.1): the reset state of the registers, nothing left to inject;
 * MSRs (IA32_APIC_BASE too), the TSC and the FPU keep their values. The CPU
 * then waits for a SIPI. */
static void kvm_apic_init(CPUState *cpu)
{
    KVMVcpu *v = cpu->accel;
    X86State *env = &X86_CPU(cpu)->env;
    struct kvm_vcpu_events events = { 0 };
    x86_cpu_reset_state(X86_CPU(cpu));
    env->apic_base = apic_get_base(cpu);
    kvm_put_state(cpu, false);
    kvm_ioctl(v->fd, KVM_SET_VCPU_EVENTS, &events);
}

/* SIPI (SDM 8.4.4): real mode at vector * 4 KiB. */
static void kvm_apic_sipi(CPUState *cpu, int vector)
{
    X86State *env = &X86_CPU(cpu)->env;
    env->segs[R_CS].selector = vector << 8;
    env->segs[R_CS].base = (uint64_t)vector << 12;
    env->rip = 0;
    kvm_put_state(cpu, false);
}

/* With the big lock held, before KVM_RUN: INIT and SIPI, HLT, then NMI and
 * interrupt injection. False if the vCPU must not run now: it is marked
 * halted (under the lock, so a cpu_wake cannot be lost) and sleeps until
 * an interrupt wakes it. */
static bool kvm_apic_pre_run(CPUState *cpu, KVMVcpu *v)
{
    struct kvm_run *run = v->run;
    int vector;
    if (apic_take_init(cpu)) {
        kvm_apic_init(cpu);
        v->in_hlt = false;
    }
    if (apic_waiting_for_sipi(cpu)) {
        if (!apic_take_sipi(cpu, &vector)) {
            cpu->halted = true;
            return false;
        }
        kvm_apic_sipi(cpu, vector);
    }
    if (v->in_hlt) {
        if (!apic_wakes_halted_cpu(cpu, run->if_flag)) {
            cpu->halted = true;
            return false;
        }
        v->in_hlt = false;
    }
    if (apic_take_nmi(cpu)) {
        kvm_ioctl(v->fd, KVM_NMI, NULL);
    }
    if (run->ready_for_interrupt_injection && run->if_flag &&
        apic_has_interrupt(cpu)) {
        vector = apic_get_interrupt(cpu);
        if (vector >= 0) {
            struct kvm_interrupt irq = { .irq = vector };
            kvm_ioctl(v->fd, KVM_INTERRUPT, &irq);
        }
    }
    /* Exit as soon as the guest can take (another) one. */
    run->request_interrupt_window = apic_has_interrupt(cpu);
    run->cr8 = apic_get_tpr(cpu) >> 4;
    return true;
}

/* After KVM_RUN: the guest may have changed CR8 (the TPR) and the
 * IA32_APIC_BASE MSR, which KVM keeps. */
static void kvm_apic_post_run(CPUState *cpu, struct kvm_run *run)
{
    if (apic_get_tpr(cpu) >> 4 != run->cr8) {
        apic_set_tpr(cpu, run->cr8 << 4);
    }
    if (apic_get_base(cpu) != run->apic_base) {
        apic_set_base(cpu, run->apic_base);
    }
}

/* --- Run loop --- */

static void handle_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    for (uint32_t i = 0; i < run->io.count; i++) {
        address_space_rw(&address_space_io, run->io.port, data, run->io.size, out);
        data += run->io.size;
    }
}

static VcpuExit report_failure(CPUState *cpu, const char *what, uint64_t code)
{
    kvm_get_state(cpu);
    X86State *env = &X86_CPU(cpu)->env;
    g_printerr("vireo: KVM %s (0x%" G_GINT64_MODIFIER "x) on vCPU %d at "
               "cs=%04x rip=%016" G_GINT64_MODIFIER "x cr0=%08" G_GINT64_MODIFIER
               "x efer=%" G_GINT64_MODIFIER "x\n", what, code, cpu->cpu_index,
               env->segs[R_CS].selector, env->rip, env->cr0, env->efer);
    return VCPU_EXIT_ERROR;
}

VcpuExit kvm_vcpu_exec(CPUState *cpu)
{
    KVMVcpu *v = cpu->accel;
    struct kvm_run *run = v->run;

    if (cpu->reset_pending) {
        cpu->reset_pending = false;
        /* Guest RAM would still work through exits, but slowly: start with
         * the slots in place. */
        kvm_memslots_settle();
        v->in_hlt = false;
        kvm_put_state(cpu, true);
    }
    if (cpu->stop || cpu->exit_thread) {
        return VCPU_EXIT_AGAIN;
    }
    if (!kvm_state.irqchip) {
        bql_lock();
        bool runnable = kvm_apic_pre_run(cpu, v);
        bql_unlock();
        if (!runnable) {
            return VCPU_EXIT_AGAIN;
        }
    }
    int r = ioctl(v->fd, KVM_RUN, 0);
    int err = errno;
    run->immediate_exit = 0;
    if (!kvm_state.irqchip) {
        bql_lock();
        kvm_apic_post_run(cpu, run);
        bql_unlock();
    }
    if (r < 0) {
        if (err == EINTR || err == EAGAIN) {
            return VCPU_EXIT_AGAIN;
        }
        g_printerr("vireo: KVM_RUN failed: %s\n", g_strerror(err));
        return VCPU_EXIT_ERROR;
    }

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        bql_lock();
        handle_io(run);
        bql_unlock();
        return VCPU_EXIT_AGAIN;
    case KVM_EXIT_MMIO:
        bql_lock();
        address_space_rw(&address_space_memory, run->mmio.phys_addr,
                         run->mmio.data, run->mmio.len, run->mmio.is_write);
        bql_unlock();
        return VCPU_EXIT_AGAIN;
    case KVM_EXIT_HLT:
        /* Only without the in-kernel irqchip: the next call sleeps unless
         * the APIC has something that ends HLT. */
        v->in_hlt = true;
        return VCPU_EXIT_AGAIN;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_SET_TPR:
        return VCPU_EXIT_AGAIN;
    case KVM_EXIT_SHUTDOWN:
        /* Triple fault: the PC resets (or stops with -no-reboot). */
        request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        return VCPU_EXIT_HALTED;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
            request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        } else {
            request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        }
        return VCPU_EXIT_HALTED;
    case KVM_EXIT_INTR:
        return VCPU_EXIT_AGAIN;
    case KVM_EXIT_FAIL_ENTRY:
        return report_failure(cpu, "entry failed",
                              run->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        return report_failure(cpu, "internal error (emulation failure)",
                              run->internal.suberror);
    default:
        return report_failure(cpu, "unhandled exit", run->exit_reason);
    }
}
