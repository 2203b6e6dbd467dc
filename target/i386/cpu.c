/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 CPU object: power-on reset state (Intel SDM vol. 3, 9.1.1 table
 * 9-1) and the entry state a firmware-less loader asks for.
 */
#include "target/i386/cpu.h"
#include <string.h>

static SegmentCache seg_real(uint16_t selector, uint8_t type)
{
    return (SegmentCache){
        .selector = selector, .base = (uint64_t)selector << 4, .limit = 0xffff,
        .type = type, .s = 1, .present = 1,
    };
}

void x86_cpu_reset_state(X86CPU *cpu)
{
    X86State *env = &cpu->env;
    memset(env, 0, sizeof(*env));
    env->rflags = 0x2;
    env->rip = 0xfff0;
    env->cr0 = CR0_ET | CR0_NW | CR0_CD;
    /* CS base is 0xffff0000 at reset, so the first fetch is 0xfffffff0. */
    env->segs[R_CS] = seg_real(0xf000, 0xb);
    env->segs[R_CS].base = 0xffff0000;
    for (int i = 0; i < NR_SEGS; i++) {
        if (i != R_CS) {
            env->segs[i] = seg_real(0, 0x3);
        }
    }
    env->ldt = (SegmentCache){ .limit = 0xffff, .type = 2, .present = 1 };
    env->tr = (SegmentCache){ .limit = 0xffff, .type = 0xb, .present = 1 };
    env->gdt.limit = env->idt.limit = 0xffff;
    /* EDX holds the processor signature (family/model/stepping). */
    const CpuidEntry *leaf1 = x86_cpuid_find(cpu, 1, 0);
    env->regs[R_EDX] = leaf1 ? leaf1->eax : 0x600;
    env->apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE |
                     (CPU(cpu)->cpu_index == 0 ? MSR_IA32_APICBASE_BSP : 0);
    env->xcr0 = 1;
    env->pat = 0x0007040600070406ULL;
    env->misc_enable = 1;   /* fast strings */
    /* FXSAVE image: FCW 0x37f, MXCSR 0x1f80 (SDM 9.1.1). */
    env->fxsave[0] = 0x7f;
    env->fxsave[1] = 0x03;
    uint32_t mxcsr = 0x1f80;
    memcpy(&env->fxsave[24], &mxcsr, 4);
}

static SegmentCache seg_flat(uint16_t selector, bool code, bool long_mode)
{
    return (SegmentCache){
        .selector = selector, .base = 0, .limit = 0xffffffff,
        .type = code ? 0xb : 0x3, .s = 1, .present = 1,
        .l = code && long_mode, .db = !(code && long_mode), .g = 1,
    };
}

void x86_cpu_apply_boot_state(X86CPU *cpu, const BootCpuState *boot)
{
    X86State *env = &cpu->env;
    if (boot->mode == BOOT_MODE_RESET) {
        return;
    }
    bool lm = boot->mode == BOOT_MODE_LONG64;
    env->rip = boot->rip;
    env->regs[R_EAX] = boot->rax;
    env->regs[R_EBX] = boot->rbx;
    env->regs[R_ESI] = boot->rsi;
    env->regs[R_EDI] = boot->rdi;
    env->regs[R_ESP] = boot->rsp;
    env->regs[R_EBP] = boot->rbp;
    env->regs[R_EDX] = 0;
    env->gdt.base = boot->gdt_base;
    env->gdt.limit = boot->gdt_limit;
    env->idt.base = 0;
    env->idt.limit = 0;
    env->segs[R_CS] = seg_flat(boot->cs, true, lm);
    for (int i = 0; i < NR_SEGS; i++) {
        if (i != R_CS) {
            env->segs[i] = seg_flat(boot->ds, false, lm);
        }
    }
    env->tr = (SegmentCache){ .limit = 0xffff, .type = 0xb, .present = 1 };
    env->cr0 = CR0_PE | CR0_ET;
    if (lm) {
        env->cr0 |= CR0_PG;
        env->cr3 = boot->cr3;
        env->cr4 = CR4_PAE;
        env->efer = EFER_LME | EFER_LMA;
    }
}

static void x86_cpu_arch_reset(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    x86_cpu_reset_state(cpu);
    if (cs->cpu_index == 0 && cpu->boot_state_valid) {
        x86_cpu_apply_boot_state(cpu, &cpu->boot);
    }
    cs->reset_pending = true;   /* the accelerator loads it before running */
}

static void x86_cpu_finalize(Object *obj)
{
    X86CPU *cpu = X86_CPU(obj);
    g_free(cpu->cpuid);
    g_free(cpu->model);
}

static void x86_cpu_class_init(ObjectClass *klass, const void *data)
{
    ((CPUClass *)klass)->arch_reset = x86_cpu_arch_reset;
}

static const DeviceInfo x86_cpu_info = {
    .name = TYPE_X86_CPU,
    .parent = TYPE_CPU,
    .instance_size = sizeof(X86CPU),
    .class_size = sizeof(CPUClass),
    .desc = "x86-64 CPU",
    .finalize = x86_cpu_finalize,
    .class_init = x86_cpu_class_init,
};
DEVICE_REGISTER(x86_cpu_info)
