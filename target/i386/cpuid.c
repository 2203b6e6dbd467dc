/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU models as CPUID leaves (Intel SDM vol. 2A, CPUID): the named models,
 * the feature names of -cpu model,+feat,-feat, and the per-vCPU topology
 * fix-ups (APIC id, logical processor counts).
 */
#include "target/i386/cpu.h"
#include <string.h>

enum { EAX, EBX, ECX, EDX };

typedef struct FeatureBit {
    const char *name;
    uint32_t leaf;
    uint8_t reg;
    uint8_t bit;
} FeatureBit;

static const FeatureBit feature_bits[] = {
    { "fpu", 1, EDX, 0 }, { "vme", 1, EDX, 1 }, { "de", 1, EDX, 2 },
    { "pse", 1, EDX, 3 }, { "tsc", 1, EDX, 4 }, { "msr", 1, EDX, 5 },
    { "pae", 1, EDX, 6 }, { "mce", 1, EDX, 7 }, { "cx8", 1, EDX, 8 },
    { "apic", 1, EDX, 9 }, { "sep", 1, EDX, 11 }, { "mtrr", 1, EDX, 12 },
    { "pge", 1, EDX, 13 }, { "mca", 1, EDX, 14 }, { "cmov", 1, EDX, 15 },
    { "pat", 1, EDX, 16 }, { "pse36", 1, EDX, 17 }, { "clflush", 1, EDX, 19 },
    { "mmx", 1, EDX, 23 }, { "fxsr", 1, EDX, 24 }, { "sse", 1, EDX, 25 },
    { "sse2", 1, EDX, 26 }, { "ss", 1, EDX, 27 }, { "ht", 1, EDX, 28 },
    { "pni", 1, ECX, 0 }, { "sse3", 1, ECX, 0 }, { "pclmulqdq", 1, ECX, 1 },
    { "ssse3", 1, ECX, 9 }, { "fma", 1, ECX, 12 }, { "cx16", 1, ECX, 13 },
    { "pcid", 1, ECX, 17 }, { "sse4.1", 1, ECX, 19 }, { "sse4.2", 1, ECX, 20 },
    { "x2apic", 1, ECX, 21 }, { "movbe", 1, ECX, 22 }, { "popcnt", 1, ECX, 23 },
    { "tsc-deadline", 1, ECX, 24 }, { "aes", 1, ECX, 25 },
    { "xsave", 1, ECX, 26 }, { "avx", 1, ECX, 28 }, { "f16c", 1, ECX, 29 },
    { "rdrand", 1, ECX, 30 }, { "hypervisor", 1, ECX, 31 },
    { "fsgsbase", 7, EBX, 0 }, { "bmi1", 7, EBX, 3 }, { "avx2", 7, EBX, 5 },
    { "smep", 7, EBX, 7 }, { "bmi2", 7, EBX, 8 }, { "erms", 7, EBX, 9 },
    { "invpcid", 7, EBX, 10 }, { "rdseed", 7, EBX, 18 }, { "adx", 7, EBX, 19 },
    { "smap", 7, EBX, 20 }, { "clflushopt", 7, EBX, 23 }, { "sha-ni", 7, EBX, 29 },
    { "umip", 7, ECX, 2 }, { "pku", 7, ECX, 3 },
    { "lahf_lm", 0x80000001, ECX, 0 }, { "abm", 0x80000001, ECX, 5 },
    { "sse4a", 0x80000001, ECX, 6 }, { "3dnowprefetch", 0x80000001, ECX, 8 },
    { "syscall", 0x80000001, EDX, 11 }, { "nx", 0x80000001, EDX, 20 },
    { "pdpe1gb", 0x80000001, EDX, 26 }, { "rdtscp", 0x80000001, EDX, 27 },
    { "lm", 0x80000001, EDX, 29 },
};

/* qemu64: the conservative baseline QEMU defaults to, by feature name. */
static const char *const qemu64_features[] = {
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep",
    "mtrr", "pge", "mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr",
    "sse", "sse2", "sse3", "cx16", "hypervisor", "lahf_lm", "syscall", "nx",
    "lm", NULL,
};

static const char *const model_names[] = { "qemu64", "host", "max", "base", NULL };

static const FeatureBit *feature_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(feature_bits); i++) {
        if (!strcmp(feature_bits[i].name, name)) {
            return &feature_bits[i];
        }
    }
    return NULL;
}

typedef struct FeatureChange {
    const FeatureBit *bit;
    bool on;
} FeatureChange;

/* Splits "model,+a,-b,c=on" into the model name and feature changes. */
static bool parse_spec(const char *spec, char **model, GArray *changes,
                       GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(spec && *spec ? spec : "qemu64", ",", 0);
    *model = g_strdup(parts[0]);
    bool known = false;
    for (int i = 0; model_names[i]; i++) {
        known |= !strcmp(model_names[i], *model);
    }
    if (!known) {
        error_setg(errp, "unable to find CPU model '%s'", *model);
        return false;
    }
    for (int i = 1; parts[i]; i++) {
        const char *p = parts[i];
        g_autofree char *name = NULL;
        bool on = true;
        if (*p == '+' || *p == '-') {
            on = *p == '+';
            name = g_strdup(p + 1);
        } else if (strchr(p, '=')) {
            const char *eq = strchr(p, '=');
            name = g_strndup(p, eq - p);
            if (!parse_bool_str(eq + 1, &on, NULL)) {
                error_setg(errp, "Property '%s' expects 'on' or 'off'", name);
                return false;
            }
        } else {
            name = g_strdup(p);
        }
        const FeatureBit *fb = feature_find(name);
        if (!fb) {
            error_setg(errp, "Property '%s.%s' not found", TYPE_X86_CPU, name);
            return false;
        }
        FeatureChange c = { fb, on };
        g_array_append_val(changes, c);
    }
    return true;
}

bool x86_cpu_model_check(const char *spec, GError **errp)
{
    g_autofree char *model = NULL;
    g_autoptr(GArray) changes = g_array_new(false, false, sizeof(FeatureChange));
    return parse_spec(spec, &model, changes, errp);
}

static CpuidEntry *leaf_get(GArray *leaves, uint32_t fn, uint32_t idx)
{
    for (guint i = 0; i < leaves->len; i++) {
        CpuidEntry *e = &g_array_index(leaves, CpuidEntry, i);
        if (e->function == fn && (!e->indexed || e->index == idx)) {
            return e;
        }
    }
    return NULL;
}

static CpuidEntry *leaf_need(GArray *leaves, uint32_t fn, uint32_t idx)
{
    CpuidEntry *e = leaf_get(leaves, fn, idx);
    if (!e) {
        CpuidEntry n = { .function = fn, .index = idx, .indexed = fn == 7 ||
                         fn == 0xb || fn == 4 || fn == 0xd };
        g_array_append_val(leaves, n);
        e = &g_array_index(leaves, CpuidEntry, leaves->len - 1);
    }
    return e;
}

static uint32_t *reg_of(CpuidEntry *e, int reg)
{
    switch (reg) {
    case EAX: return &e->eax;
    case EBX: return &e->ebx;
    case ECX: return &e->ecx;
    default: return &e->edx;
    }
}

static bool supported_bit(const CpuidEntry *sup, unsigned nsup,
                          const FeatureBit *fb)
{
    if (!sup) {
        return true;
    }
    for (unsigned i = 0; i < nsup; i++) {
        if (sup[i].function == fb->leaf && (!sup[i].indexed || !sup[i].index)) {
            CpuidEntry e = sup[i];
            return (*reg_of(&e, fb->reg) >> fb->bit) & 1;
        }
    }
    return false;
}

static void set_feature(GArray *leaves, const FeatureBit *fb, bool on)
{
    uint32_t *r = reg_of(leaf_need(leaves, fb->leaf, 0), fb->reg);
    *r = on ? *r | (1u << fb->bit) : *r & ~(1u << fb->bit);
}

static void set_brand(GArray *leaves, const char *brand)
{
    char buf[48] = { 0 };
    strncpy(buf, brand, sizeof(buf) - 1);
    for (int i = 0; i < 3; i++) {
        CpuidEntry *e = leaf_need(leaves, 0x80000002 + i, 0);
        memcpy(&e->eax, buf + i * 16, 4);
        memcpy(&e->ebx, buf + i * 16 + 4, 4);
        memcpy(&e->ecx, buf + i * 16 + 8, 4);
        memcpy(&e->edx, buf + i * 16 + 12, 4);
    }
}

/* The baseline model built from the table, vendor taken from the host. */
static void build_qemu64(GArray *leaves, const CpuidEntry *sup, unsigned nsup)
{
    CpuidEntry *l0 = leaf_need(leaves, 0, 0);
    l0->eax = 0xd;
    l0->ebx = 0x68747541;  /* "AuthenticAMD", QEMU's qemu64 vendor */
    l0->edx = 0x69746e65;
    l0->ecx = 0x444d4163;
    for (unsigned i = 0; sup && i < nsup; i++) {
        if (sup[i].function == 0) {   /* match the host: fewer surprises under KVM */
            l0->ebx = sup[i].ebx;
            l0->ecx = sup[i].ecx;
            l0->edx = sup[i].edx;
        }
    }
    CpuidEntry *l1 = leaf_need(leaves, 1, 0);
    l1->eax = 0x000f06b1;  /* family 15, model 107, stepping 1 */
    l1->ebx = 8 << 8;      /* CLFLUSH line size: 8 x 8 = 64 bytes */
    leaf_need(leaves, 7, 0);
    CpuidEntry *ext = leaf_need(leaves, 0x80000000, 0);
    ext->eax = 0x80000008;
    ext->ebx = l0->ebx;
    ext->ecx = l0->ecx;
    ext->edx = l0->edx;
    leaf_need(leaves, 0x80000001, 0)->eax = l1->eax;
    set_brand(leaves, "QEMU Virtual CPU version 2.5+");
    leaf_need(leaves, 0x80000008, 0)->eax = 0x00003028;  /* 40-bit phys, 48 virt */
    for (int i = 0; qemu64_features[i]; i++) {
        const FeatureBit *fb = feature_find(qemu64_features[i]);
        set_feature(leaves, fb, supported_bit(sup, nsup, fb) ||
                                !strcmp(fb->name, "hypervisor"));
    }
}

/* A model given XSAVE by "+xsave" needs leaf 0xd (the save area's
 * layout): the accelerator's sub-leaves. */
static void add_xsave_leaves(GArray *leaves, const CpuidEntry *sup, unsigned nsup)
{
    CpuidEntry *l1 = leaf_get(leaves, 1, 0);
    if (!l1 || !(l1->ecx & (1u << 26)) || leaf_get(leaves, 0xd, 0)) {
        return;
    }
    for (unsigned i = 0; sup && i < nsup; i++) {
        if (sup[i].function == 0xd) {
            g_array_append_val(leaves, sup[i]);
        }
    }
}

/* Per-vCPU topology: every vCPU is a core of one socket. */
static void fix_topology(GArray *leaves, unsigned apic_id, unsigned smp)
{
    unsigned shift = 0;
    while ((1u << shift) < smp) {
        shift++;
    }
    CpuidEntry *l1 = leaf_get(leaves, 1, 0);
    if (l1) {
        l1->ebx = (l1->ebx & 0xffff) | (apic_id << 24) |
                  ((smp > 1 ? (1u << shift) : 1) << 16);
        l1->edx = smp > 1 ? l1->edx | (1u << 28) : l1->edx & ~(1u << 28);
        l1->ecx |= 1u << 31;     /* hypervisor present */
    }
    for (guint i = 0; i < leaves->len; i++) {
        CpuidEntry *e = &g_array_index(leaves, CpuidEntry, i);
        if (e->function == 0xb || e->function == 0x1f) {
            /* Level 0: threads (1 each); level 1: cores = smp. */
            e->edx = apic_id;
            if (e->index == 0) {
                e->eax = 0; e->ebx = 1; e->ecx = 0x100;
            } else if (e->index == 1) {
                e->eax = shift; e->ebx = smp; e->ecx = 0x201;
            } else {
                e->eax = e->ebx = 0; e->ecx = e->index;
            }
        } else if (e->function == 4) {
            e->eax = (e->eax & 0x3ffffff) | ((((1u << shift) - 1) & 0x3f) << 26);
        }
    }
}

bool x86_cpu_build_cpuid(X86CPU *cpu, const char *spec,
                         const CpuidEntry *supported, unsigned nsupported,
                         unsigned smp_cpus, GError **errp)
{
    g_autofree char *model = NULL;
    g_autoptr(GArray) changes = g_array_new(false, false, sizeof(FeatureChange));
    if (!parse_spec(spec, &model, changes, errp)) {
        return false;
    }
    GArray *leaves = g_array_new(false, false, sizeof(CpuidEntry));
    if (!strcmp(model, "host") || !strcmp(model, "max")) {
        if (supported) {
            g_array_append_vals(leaves, supported, nsupported);
        } else {
            build_qemu64(leaves, NULL, 0);
        }
    } else {
        build_qemu64(leaves, supported, nsupported);
    }
    for (guint i = 0; i < changes->len; i++) {
        FeatureChange *c = &g_array_index(changes, FeatureChange, i);
        if (c->on && !supported_bit(supported, nsupported, c->bit)) {
            g_printerr("warning: host doesn't support requested feature: %s\n",
                       c->bit->name);
            continue;
        }
        set_feature(leaves, c->bit, c->on);
    }
    add_xsave_leaves(leaves, supported, nsupported);
    fix_topology(leaves, CPU(cpu)->apic_id, smp_cpus);
    g_free(cpu->model);
    cpu->model = g_strdup(model);
    g_free(cpu->cpuid);
    cpu->cpuid_nr = leaves->len;
    cpu->cpuid = (CpuidEntry *)g_array_free(leaves, false);
    return true;
}

const CpuidEntry *x86_cpuid_find(const X86CPU *cpu, uint32_t fn, uint32_t idx)
{
    for (unsigned i = 0; i < cpu->cpuid_nr; i++) {
        const CpuidEntry *e = &cpu->cpuid[i];
        if (e->function == fn && (!e->indexed || e->index == idx)) {
            return e;
        }
    }
    return NULL;
}
