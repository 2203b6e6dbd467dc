/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A human-readable dump of the x86 state in the layout of QEMU's
 * `info registers` and `-d cpu`; field meanings from the Intel SDM vol. 3
 * (descriptor attributes, 3.4.5; EFLAGS, 2.3) and the FXSAVE layout (vol. 1).
 */
#include "target/i386/cpu.h"
#include <string.h>

#define RFL_VM (1u << 17)

/* EFLAGS letters, most significant first: D O S Z A P C. */
static const struct {
    uint32_t bit;
    char letter;
} flag_letters[] = {
    { 1u << 10, 'D' }, { 1u << 11, 'O' }, { 1u << 7, 'S' }, { 1u << 6, 'Z' },
    { 1u << 4, 'A' }, { 1u << 2, 'P' }, { 1u << 0, 'C' },
};

static const char *const seg_names[NR_SEGS] = {
    "ES =", "CS =", "SS =", "DS =", "FS =", "GS =",
};

/* 64-bit layout when running 64-bit code (CS.L with EFER.LMA). */
static bool dump_is_64(const X86State *env)
{
    return (env->efer & EFER_LMA) && env->segs[R_CS].l;
}

static int dump_cpl(const X86State *env)
{
    if (!(env->cr0 & CR0_PE)) {
        return 0;
    }
    if (env->rflags & RFL_VM) {
        return 3;
    }
    return env->segs[R_SS].dpl;
}

/* Bits 8..23 of a descriptor's high dword, as the SDM lays them out,
 * limit bits 19:16 (of the raw limit, before granularity) included. */
static uint32_t seg_attributes(const SegmentCache *s)
{
    if (s->unusable) {
        return 0;
    }
    uint32_t raw_limit = s->g ? s->limit >> 12 : s->limit;
    return (raw_limit & 0xf0000) | (uint32_t)(s->type & 15) << 8 | (uint32_t)(s->s & 1) << 12 |
           (uint32_t)(s->dpl & 3) << 13 | (uint32_t)(s->present & 1) << 15 |
           (uint32_t)(s->avl & 1) << 20 | (uint32_t)(s->l & 1) << 21 |
           (uint32_t)(s->db & 1) << 22 | (uint32_t)(s->g & 1) << 23;
}

/* System descriptor types (SDM vol. 3, table 3-2), legacy and IA-32e. */
static const char *system_type_name(unsigned type, bool ia32e)
{
    static const char *const legacy[16] = {
        [1] = "TSS16-avl", [2] = "LDT", [3] = "TSS16-busy",
        [4] = "CallGate16", [5] = "TaskGate", [6] = "IntGate16",
        [7] = "TrapGate16", [9] = "TSS32-avl", [11] = "TSS32-busy",
        [12] = "CallGate32", [14] = "IntGate32", [15] = "TrapGate32",
    };
    static const char *const longmode[16] = {
        [2] = "LDT", [9] = "TSS64-avl", [11] = "TSS64-busy",
        [12] = "CallGate64", [14] = "IntGate64", [15] = "TrapGate64",
    };
    const char *name = (ia32e ? longmode : legacy)[type & 15];
    return name ? name : "Reserved";
}

/* " DPL=0 CS64 [-RA]": the decoded descriptor, in protected mode only. */
static void dump_seg_decoded(const X86State *env, const SegmentCache *s,
                             GString *out)
{
    if (!(env->cr0 & CR0_PE) || s->unusable || !s->present) {
        return;
    }
    g_string_append_printf(out, " DPL=%d ", s->dpl);
    if (!s->s) {
        g_string_append(out, system_type_name(s->type, env->efer & EFER_LMA));
        return;
    }
    if (s->type & 8) {          /* code: conforming, readable, accessed */
        g_string_append(out, s->l ? "CS64" : s->db ? "CS32" : "CS16");
        g_string_append_printf(out, " [%c%c%c]", s->type & 4 ? 'C' : '-',
                               s->type & 2 ? 'R' : '-', s->type & 1 ? 'A' : '-');
    } else {                    /* data: expand-down, writable, accessed */
        g_string_append(out, s->db ? "DS  " : "DS16");
        g_string_append_printf(out, " [%c%c%c]", s->type & 4 ? 'E' : '-',
                               s->type & 2 ? 'W' : '-', s->type & 1 ? 'A' : '-');
    }
}

static void dump_seg(const X86State *env, const char *name,
                     const SegmentCache *s, bool wide, GString *out)
{
    if (wide) {
        g_string_append_printf(out, "%s%04x %016" G_GINT64_MODIFIER "x %08x %08x",
                               name, s->selector, s->base, s->limit,
                               seg_attributes(s));
    } else {
        g_string_append_printf(out, "%s%04x %08x %08x %08x", name, s->selector,
                               (uint32_t)s->base, s->limit, seg_attributes(s));
    }
    dump_seg_decoded(env, s, out);
    g_string_append_c(out, '\n');
}

static void dump_gprs(const X86State *env, bool wide, GString *out)
{
    /* Printed in the A B C D / SI DI BP SP order, then R8..R15. */
    static const int order[8] = { R_EAX, R_EBX, R_ECX, R_EDX,
                                  R_ESI, R_EDI, R_EBP, R_ESP };
    static const char *const names[8] = { "AX", "BX", "CX", "DX",
                                          "SI", "DI", "BP", "SP" };
    for (int i = 0; i < 8; i++) {
        const char *sep = (i & 3) == 3 ? "\n" : " ";
        if (wide) {
            g_string_append_printf(out, "R%s=%016" G_GINT64_MODIFIER "x%s",
                                   names[i], env->regs[order[i]], sep);
        } else {
            g_string_append_printf(out, "E%s=%08x%s", names[i],
                                   (uint32_t)env->regs[order[i]], sep);
        }
    }
    if (!wide) {
        return;
    }
    for (int r = 8; r < 16; r++) {
        g_string_append_printf(out, "R%-2d=%016" G_GINT64_MODIFIER "x%s", r,
                               env->regs[r], (r & 3) == 3 ? "\n" : " ");
    }
}

static void dump_flags_line(const X86State *env, const X86CpuDumpExtra *extra,
                            bool halted, bool wide, GString *out)
{
    char letters[G_N_ELEMENTS(flag_letters) + 1];
    for (size_t i = 0; i < G_N_ELEMENTS(flag_letters); i++) {
        letters[i] = env->rflags & flag_letters[i].bit ? flag_letters[i].letter : '-';
    }
    letters[G_N_ELEMENTS(flag_letters)] = 0;
    if (wide) {
        g_string_append_printf(out, "RIP=%016" G_GINT64_MODIFIER "x RFL=%08x",
                               env->rip, (uint32_t)env->rflags);
    } else {
        g_string_append_printf(out, "EIP=%08x EFL=%08x", (uint32_t)env->rip,
                               (uint32_t)env->rflags);
    }
    /* Vireo never masks A20 and has no SMM. */
    g_string_append_printf(out, " [%s] CPL=%d II=%d A20=1 SMM=0 HLT=%d\n",
                           letters, dump_cpl(env),
                           extra && extra->inhibit_irq, halted);
}

static void dump_tables(const X86State *env, bool wide, GString *out)
{
    const DescriptorTable *tables[2] = { &env->gdt, &env->idt };
    static const char *const names[2] = { "GDT", "IDT" };
    for (int i = 0; i < 2; i++) {
        if (wide) {
            g_string_append_printf(out, "%s=     %016" G_GINT64_MODIFIER "x %08x\n",
                                   names[i], tables[i]->base, tables[i]->limit);
        } else {
            g_string_append_printf(out, "%s=     %08x %08x\n", names[i],
                                   (uint32_t)tables[i]->base, tables[i]->limit);
        }
    }
}

static void dump_control(const X86State *env, const X86CpuDumpExtra *extra,
                         bool wide, GString *out)
{
    if (wide) {
        g_string_append_printf(out, "CR0=%08x CR2=%016" G_GINT64_MODIFIER "x CR3=%016"
                               G_GINT64_MODIFIER "x CR4=%08x\n", (uint32_t)env->cr0,
                               env->cr2, env->cr3, (uint32_t)env->cr4);
    } else {
        g_string_append_printf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n",
                               (uint32_t)env->cr0, (uint32_t)env->cr2,
                               (uint32_t)env->cr3, (uint32_t)env->cr4);
    }
    /* Only an accelerator that keeps the debug registers can show them. */
    if (extra && extra->dr) {
        for (int i = 0; i < 4; i++) {
            g_string_append_printf(out, "DR%d=%016" G_GINT64_MODIFIER "x ", i,
                                   extra->dr[i]);
        }
        g_string_append_printf(out, "\nDR6=%016" G_GINT64_MODIFIER "x DR7=%016"
                               G_GINT64_MODIFIER "x\n", extra->dr[6], extra->dr[7]);
    }
    g_string_append_printf(out, "EFER=%016" G_GINT64_MODIFIER "x\n", env->efer);
}

static uint16_t fx16(const X86State *env, unsigned off)
{
    uint16_t v;
    memcpy(&v, env->fxsave + off, sizeof(v));
    return v;
}

static uint64_t fx64(const X86State *env, unsigned off)
{
    uint64_t v;
    memcpy(&v, env->fxsave + off, sizeof(v));
    return v;
}

/* FXSAVE (SDM vol. 1, 10.5.1; FX_* in cpu.h): ST(i) at FX_ST0 + 16 i
 * (mantissa, exponent), XMMi at FX_XMM0 + 16 i. FPRn is the physical
 * register n, which holds ST((n - TOP) mod 8). */
static void dump_fpu(const X86State *env, bool wide, GString *out)
{
    uint16_t fsw = fx16(env, FX_FSW);
    unsigned top = (fsw >> 11) & 7;
    uint32_t mxcsr;

    memcpy(&mxcsr, env->fxsave + FX_MXCSR, sizeof(mxcsr));
    g_string_append_printf(out, "FCW=%04x FSW=%04x [ST=%u] FTW=%02x MXCSR=%08x\n",
                           fx16(env, FX_FCW), fsw, top, env->fxsave[FX_FTW], mxcsr);
    for (unsigned n = 0; n < 8; n++) {
        unsigned off = FX_ST0 + 16 * ((n - top) & 7);
        g_string_append_printf(out, "FPR%u=%016" G_GINT64_MODIFIER "x %04x%s", n,
                               fx64(env, off), fx16(env, off + 8),
                               n & 1 ? "\n" : " ");
    }
    unsigned nxmm = wide ? 16 : 8;
    for (unsigned n = 0; n < nxmm; n++) {
        unsigned off = FX_XMM0 + 16 * n;
        g_string_append_printf(out, "XMM%02u=%016" G_GINT64_MODIFIER "x %016"
                               G_GINT64_MODIFIER "x%s", n, fx64(env, off + 8),
                               fx64(env, off), n & 1 ? "\n" : " ");
    }
}

void x86_cpu_dump_state_extra(X86CPU *cpu, const X86CpuDumpExtra *extra,
                              GString *out)
{
    const X86State *env = &cpu->env;
    bool wide = dump_is_64(env);
    bool halted = extra ? extra->halted : cpu->parent_obj.halted;

    dump_gprs(env, wide, out);
    dump_flags_line(env, extra, halted, wide, out);
    for (int s = 0; s < NR_SEGS; s++) {
        dump_seg(env, seg_names[s], &env->segs[s], wide, out);
    }
    dump_seg(env, "LDT=", &env->ldt, wide, out);
    dump_seg(env, "TR =", &env->tr, wide, out);
    dump_tables(env, wide, out);
    dump_control(env, extra, wide, out);
    if (!extra || extra->fpu) {
        dump_fpu(env, wide, out);
    }
}

void x86_cpu_dump_state(X86CPU *cpu, GString *out)
{
    x86_cpu_dump_state_extra(cpu, NULL, out);
}
