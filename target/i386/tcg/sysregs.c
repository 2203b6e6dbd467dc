/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control registers, EFER, the time-stamp counter and the MSRs the
 * software CPU implements (Intel SDM vol. 3, 2.5, 4.10.4 for what flushes
 * the TLB, and vol. 4 for the MSRs). MSRs are a table.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "vireo/main-loop.h"
#include "vireo/x86-intc.h"

#define EFER_SCE (1u << 0)
#define EFER_NXE (1u << 11)

static bool canonical(uint64_t v)
{
    return (int64_t)(v << 16) >> 16 == (int64_t)v;
}

void x86_write_cr0(X86Tcg *t, uint64_t v)
{
    X86State *env = t->env;
    uint64_t old = env->cr0;
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) ||
        ((v & CR0_NW) && !(v & CR0_CD)) ||
        (!(v & CR0_PG) && (env->cr4 & CR4_PCIDE))) {   /* SDM 4.10.1 */
        raise_gp(t, 0);
    }
    if ((v & CR0_PG) && !(old & CR0_PG) && (env->efer & EFER_LME)) {
        if (!(env->cr4 & CR4_PAE)) {
            raise_gp(t, 0);
        }
        env->efer |= EFER_LMA;
    }
    if (!(v & CR0_PG) && (old & CR0_PG) && (env->efer & EFER_LMA)) {
        if (t->hflags & HF_CS64) {
            raise_gp(t, 0);
        }
        env->efer &= ~(uint64_t)EFER_LMA;
    }
    env->cr0 = v | CR0_ET;
    if ((old ^ env->cr0) & (CR0_PG | CR0_WP | CR0_PE)) {
        tlb_flush(t);
    }
    x86_update_mode(t);
}

/* CR3 (SDM vol. 3, 4.10.4.1): global pages stay; with CR4.PCIDE, bit 63
 * keeps the current PCID's entries. Entries are not tagged by PCID, so a
 * change of PCID drops every non-global entry. */
void x86_write_cr3(X86Tcg *t, uint64_t v)
{
    X86State *env = t->env;
    bool keep = false;
    if (env->efer & EFER_LMA) {
        keep = (env->cr4 & CR4_PCIDE) && (v >> 63) &&
               ((v ^ env->cr3) & 0xfff) == 0;
        v &= ~(1ULL << 63);     /* the PCID no-flush hint */
    } else {
        v = (uint32_t)v;
    }
    env->cr3 = v;
    if (!keep) {
        tlb_flush_nonglobal(t);
    }
}

void x86_write_cr4(X86Tcg *t, uint64_t v)
{
    X86State *env = t->env;
    uint64_t old = env->cr4;
    /* What the CPU model can have: VME..OSXMMEXCPT, FSGSBASE, PCIDE,
     * OSXSAVE, SMEP, SMAP (those not in CPUID must stay clear). */
    uint64_t allowed = 0x7ff | (1u << 18);
    if (x86_feature(t, 7, 'b', 7)) {
        allowed |= CR4_SMEP;
    }
    if (x86_feature(t, 7, 'b', 20)) {
        allowed |= CR4_SMAP;
    }
    if (x86_feature(t, 1, 'c', 17)) {
        allowed |= CR4_PCIDE;
    }
    if (!x86_feature(t, 1, 'c', 26)) {
        allowed &= ~(uint64_t)(1u << 18);
    }
    if ((v & ~allowed) || ((env->efer & EFER_LMA) && !(v & CR4_PAE))) {
        raise_gp(t, 0);
    }
    /* PCIDE: only in IA-32e mode, and set only while the PCID is 0. */
    if ((v & CR4_PCIDE) && !(old & CR4_PCIDE) &&
        (!(env->efer & EFER_LMA) || (env->cr3 & 0xfff))) {
        raise_gp(t, 0);
    }
    env->cr4 = v;
    if ((old ^ v) & (CR4_PSE | CR4_PGE | CR4_PAE | CR4_PCIDE | CR4_SMEP | CR4_SMAP)) {
        tlb_flush(t);
    }
}

void x86_set_efer(X86Tcg *t, uint64_t v)
{
    X86State *env = t->env;
    uint64_t allowed = EFER_SCE | EFER_LME | EFER_NXE;
    if ((v & ~(allowed | EFER_LMA)) ||
        (((v ^ env->efer) & EFER_LME) && (env->cr0 & CR0_PG))) {
        raise_gp(t, 0);
    }
    if ((v & EFER_NXE) && !x86_feature(t, 0x80000001, 'd', 20)) {
        raise_gp(t, 0);
    }
    uint64_t old = env->efer;
    env->efer = (v & allowed) | (old & EFER_LMA);
    if ((old ^ env->efer) & EFER_NXE) {
        tlb_flush(t);
    }
}

/* --- Time-stamp counter: 1 GHz on the virtual clock --- */

#define TSC_HZ 1000000000ULL

uint64_t x86_read_tsc(X86Tcg *t)
{
    return (uint64_t)clock_get_ns(CLOCK_VIRTUAL) + t->tsc_offset;
}

static void write_tsc(X86Tcg *t, uint64_t v)
{
    t->tsc_offset = v - (uint64_t)clock_get_ns(CLOCK_VIRTUAL);
}

/* --- MSRs --- */

typedef enum {
    MSR_FIELD,          /* a uint64_t in X86State */
    MSR_FIELD_CANON,    /* the same, canonical addresses only */
    MSR_TCG,            /* a uint64_t in X86Tcg */
    MSR_CONST,          /* reads as value, writes ignored */
    MSR_SPECIAL,
} MsrKind;

typedef struct MsrDesc {
    uint32_t index;
    MsrKind kind;
    size_t offset;      /* MSR_FIELD*, MSR_TCG */
    uint64_t value;     /* MSR_CONST */
} MsrDesc;

#define ENV(f) MSR_FIELD, offsetof(X86State, f), 0
#define ENVC(f) MSR_FIELD_CANON, offsetof(X86State, f), 0
#define TCG(f) MSR_TCG, offsetof(X86Tcg, f), 0
#define CONST(v) MSR_CONST, 0, (v)
#define SPECIAL MSR_SPECIAL, 0, 0

enum {
    MSR_TSC = 0x10, MSR_APICBASE = 0x1b, MSR_MTRRCAP = 0xfe,
    MSR_TSC_DEADLINE = 0x6e0, MSR_EFER = 0xc0000080, MSR_FSBASE = 0xc0000100,
    MSR_GSBASE = 0xc0000101, MSR_TSC_AUX = 0xc0000103,
};

static const MsrDesc msrs[] = {
    { MSR_TSC, SPECIAL },
    { MSR_APICBASE, SPECIAL },
    { 0x8b, CONST(0) },                         /* microcode revision */
    { MSR_MTRRCAP, CONST(0x508) },              /* 8 ranges, fixed, WC */
    { 0x174, ENV(sysenter_cs) },
    { 0x175, ENVC(sysenter_esp) },
    { 0x176, ENVC(sysenter_eip) },
    { 0x179, CONST(0) },                        /* MCG_CAP: no banks */
    { 0x17a, CONST(0) },                        /* MCG_STATUS */
    { 0x1a0, ENV(misc_enable) },
    { 0x250, TCG(mtrr_fixed[0]) }, { 0x258, TCG(mtrr_fixed[1]) },
    { 0x259, TCG(mtrr_fixed[2]) }, { 0x268, TCG(mtrr_fixed[3]) },
    { 0x269, TCG(mtrr_fixed[4]) }, { 0x26a, TCG(mtrr_fixed[5]) },
    { 0x26b, TCG(mtrr_fixed[6]) }, { 0x26c, TCG(mtrr_fixed[7]) },
    { 0x26d, TCG(mtrr_fixed[8]) }, { 0x26e, TCG(mtrr_fixed[9]) },
    { 0x26f, TCG(mtrr_fixed[10]) },
    { 0x277, ENV(pat) },
    { 0x2ff, TCG(mtrr_def) },
    { MSR_TSC_DEADLINE, SPECIAL },
    { MSR_EFER, SPECIAL },
    { 0xc0000081, ENV(star) },
    { 0xc0000082, ENVC(lstar) },
    { 0xc0000083, ENVC(cstar) },
    { 0xc0000084, ENV(fmask) },
    { MSR_FSBASE, SPECIAL },
    { MSR_GSBASE, SPECIAL },
    { 0xc0000102, ENVC(kernel_gs_base) },
    { MSR_TSC_AUX, TCG(tsc_aux) },
};

static const MsrDesc *msr_find(uint32_t index)
{
    for (size_t k = 0; k < G_N_ELEMENTS(msrs); k++) {
        if (msrs[k].index == index) {
            return &msrs[k];
        }
    }
    return NULL;
}

/* Variable-range MTRRs 0x200-0x20f: PHYSBASE/PHYSMASK pairs. */
static uint64_t *mtrr_var(X86Tcg *t, uint32_t index)
{
    return index >= 0x200 && index < 0x210 ? &t->mtrr_var[index - 0x200] : NULL;
}

static bool rdmsr_special(X86Tcg *t, uint32_t index, uint64_t *v)
{
    X86State *env = t->env;
    switch (index) {
    case MSR_TSC: *v = x86_read_tsc(t); return true;
    case MSR_EFER: *v = env->efer; return true;
    case MSR_FSBASE: *v = env->segs[R_FS].base; return true;
    case MSR_GSBASE: *v = env->segs[R_GS].base; return true;
    case MSR_APICBASE:
        bql_lock();
        *v = apic_of(t->cs) ? apic_get_base(t->cs) : env->apic_base;
        bql_unlock();
        return true;
    default:
        bql_lock();
        *v = apic_get_tsc_deadline(t->cs);
        bql_unlock();
        return true;
    }
}

static bool wrmsr_special(X86Tcg *t, uint32_t index, uint64_t v)
{
    X86State *env = t->env;
    switch (index) {
    case MSR_TSC:
        write_tsc(t, v);
        return true;
    case MSR_EFER:
        x86_set_efer(t, v);
        x86_update_mode(t);
        return true;
    case MSR_FSBASE:
    case MSR_GSBASE:
        if (!canonical(v)) {
            return false;
        }
        env->segs[index == MSR_FSBASE ? R_FS : R_GS].base = v;
        t->segbase[index == MSR_FSBASE ? R_FS : R_GS] = v;
        return true;
    case MSR_APICBASE:
        bql_lock();
        if (apic_of(t->cs)) {
            apic_set_base(t->cs, v);
            env->apic_base = apic_get_base(t->cs);
        } else {
            env->apic_base = v;
        }
        bql_unlock();
        tlb_flush(t);           /* the APIC window may have moved */
        return true;
    default:
        bql_lock();
        apic_set_tsc_deadline(t->cs, v, x86_read_tsc(t), TSC_HZ);
        bql_unlock();
        t->interrupt_request = 1;
        return true;
    }
}

bool x86_rdmsr(X86Tcg *t, uint32_t index, uint64_t *v)
{
    const MsrDesc *m = msr_find(index);
    uint64_t *var = mtrr_var(t, index);
    if (var) {
        *v = *var;
        return true;
    }
    if (!m) {
        return false;
    }
    switch (m->kind) {
    case MSR_FIELD:
    case MSR_FIELD_CANON:
        memcpy(v, (uint8_t *)t->env + m->offset, 8);
        return true;
    case MSR_TCG:
        memcpy(v, (uint8_t *)t + m->offset, 8);
        return true;
    case MSR_CONST:
        *v = m->value;
        return true;
    default:
        return rdmsr_special(t, index, v);
    }
}

bool x86_wrmsr(X86Tcg *t, uint32_t index, uint64_t v)
{
    const MsrDesc *m = msr_find(index);
    uint64_t *var = mtrr_var(t, index);
    if (var) {
        *var = v;
        return true;
    }
    if (!m) {
        return false;
    }
    switch (m->kind) {
    case MSR_FIELD_CANON:
        if (!canonical(v)) {
            return false;
        }
        /* fall through */
    case MSR_FIELD:
        memcpy((uint8_t *)t->env + m->offset, &v, 8);
        return true;
    case MSR_TCG:
        memcpy((uint8_t *)t + m->offset, &v, 8);
        return true;
    case MSR_CONST:
        return true;
    default:
        return wrmsr_special(t, index, v);
    }
}
