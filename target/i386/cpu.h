/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 CPU: architectural state shared by both accelerators (KVM loads
 * it into the kernel and reads it back; TCG executes on it), the power-on
 * reset state (Intel SDM vol. 3, 9.1.1) and the CPUID model.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include "vireo/cpu.h"
#include "vireo/x86-boot.h"

#define TYPE_X86_CPU "x86_64-cpu"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, NR_SEGS };

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;                 /* in bytes (granularity applied) */
    uint8_t type, s, dpl, present, avl, l, db, g;
    bool unusable;
} SegmentCache;

typedef struct DescriptorTable {
    uint64_t base;
    uint16_t limit;
} DescriptorTable;

typedef struct CpuidEntry {
    uint32_t function, index;
    bool indexed;                   /* ECX selects a sub-leaf */
    uint32_t eax, ebx, ecx, edx;
} CpuidEntry;

/* Control register bits (SDM vol. 3, 2.5). */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_WP (1u << 16)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
/* Offsets in the FXSAVE image (X86State.fxsave; SDM vol. 1, 10.5.1). */
#define FX_FCW 0
#define FX_FSW 2
#define FX_FTW 4
#define FX_FOP 6
#define FX_FIP 8
#define FX_FDP 16
#define FX_MXCSR 24
#define FX_MXCSR_MASK 28
#define FX_ST0 32
#define FX_XMM0 160

#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define MSR_IA32_APICBASE 0x1b
#define MSR_IA32_APICBASE_BSP (1u << 8)
#define MSR_IA32_APICBASE_ENABLE (1u << 11)
#define APIC_DEFAULT_ADDRESS 0xfee00000u

typedef struct X86State {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;
    SegmentCache segs[NR_SEGS];
    SegmentCache ldt, tr;
    DescriptorTable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t apic_base;
    uint64_t xcr0;
    /* MSRs a Linux guest uses; the accelerators save/restore these. */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc, pat, misc_enable, tsc_deadline;
    /* x87/SSE state in FXSAVE layout. */
    uint8_t fxsave[512] __attribute__((aligned(16)));
} X86State;

typedef struct X86CPU {
    CPUState parent_obj;
    X86State env;
    /* CPUID: the model's leaves, adjusted per vCPU (APIC id, topology). */
    CpuidEntry *cpuid;
    unsigned cpuid_nr;
    char *model;                    /* -cpu model name */
    bool boot_state_valid;          /* BSP enters a loaded kernel */
    BootCpuState boot;
} X86CPU;

#define X86_CPU(obj) OBJECT_CHECK(X86CPU, (obj), TYPE_X86_CPU)

/* Power-on state (SDM 9.1.1), then the loader's entry state for the BSP. */
void x86_cpu_reset_state(X86CPU *cpu);
void x86_cpu_apply_boot_state(X86CPU *cpu, const BootCpuState *boot);

/* "-cpu model[,+feat,-feat,feat=on]": validates the model name and features
 * against the table; errors name what is unknown. */
bool x86_cpu_model_check(const char *spec, GError **errp);
/* Builds the CPUID leaves for `cpu` from the model and what the accelerator
 * supports (KVM_GET_SUPPORTED_CPUID; NULL for "everything the model has"). */
bool x86_cpu_build_cpuid(X86CPU *cpu, const char *spec,
                         const CpuidEntry *supported, unsigned nsupported,
                         unsigned smp_cpus, GError **errp);
const CpuidEntry *x86_cpuid_find(const X86CPU *cpu, uint32_t fn, uint32_t idx);

/* What only the accelerator knows, for a dump from inside it (-d cpu). */
typedef struct X86CpuDumpExtra {
    const uint64_t *dr;             /* DR0..DR7, or NULL if not kept */
    bool inhibit_irq;               /* STI / MOV SS interrupt shadow */
    bool halted;
    bool fpu;                       /* add x87/SSE registers */
} X86CpuDumpExtra;

/* The registers in the layout of QEMU's `info registers` (cpu-dump.c),
 * x87/SSE included. The caller synchronizes X86State first. */
void x86_cpu_dump_state(X86CPU *cpu, GString *out);
void x86_cpu_dump_state_extra(X86CPU *cpu, const X86CpuDumpExtra *extra,
                              GString *out);

#endif
