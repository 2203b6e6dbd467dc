/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System instructions: port I/O, HLT, CLI/STI, PUSHF/POPF, INT/INT3/INTO/
 * INT1, IRET, control and debug registers, descriptor-table registers,
 * INVLPG, CPUID, RDTSC(P), RDMSR/WRMSR, SYSCALL/SYSRET, SYSENTER/SYSEXIT,
 * SWAPGS, XGETBV/XSETBV, STAC/CLAC, PAUSE, cache and prefetch hints (Intel SDM vol. 2
 * and vol. 3 ch. 2, 5, 6).
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"
#include "vireo/x86-intc.h"

static void require_cpl0(X86Tcg *t)
{
    if (t->cpl) {
        raise_gp(t, 0);
    }
}

/* --- Port I/O --- */

/* After a device access: the device may have raised an interrupt for this
 * CPU (its APIC does not kick the CPU that is running it). */
void x86_after_device_access(X86Tcg *t)
{
    if (apic_has_interrupt(t->cs)) {
        t->interrupt_request = 1;
        t->exit_request = 1;
    }
    if (t->cs->stop || t->cs->exit_thread) {
        t->exit_request = 1;
    }
}

uint64_t x86_io_read(X86Tcg *t, uint16_t port, unsigned size)
{
    if (!x86_io_allowed(t, port, size)) {
        raise_gp(t, 0);
    }
    uint64_t v = 0;
    bql_lock();
    address_space_read(&address_space_io, port, &v, size);
    x86_after_device_access(t);
    bql_unlock();
    return v;
}

void x86_io_write(X86Tcg *t, uint16_t port, unsigned size, uint64_t v)
{
    if (!x86_io_allowed(t, port, size)) {
        raise_gp(t, 0);
    }
    bql_lock();
    address_space_write(&address_space_io, port, &v, size);
    x86_after_device_access(t);
    bql_unlock();
}

/* op bit 0: OUT; op2 bit 0: port in DX. */
HANDLER(h_io)
{
    uint16_t port = (i->op2 & 1) ? (uint16_t)t->regs[R_EDX] : (uint16_t)i->imm;
    unsigned size = i->size;
    if (i->op & 1) {
        x86_io_write(t, port, size, get_reg(t, R_EAX, size));
    } else {
        set_reg(t, R_EAX, size, x86_io_read(t, port, size));
    }
    NEXT(t, i);
}

/* E4-E7 IN/OUT imm8, EC-EF IN/OUT DX. */
bool trans_io(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->op = (d->op >> 1) & 1;
    i->op2 = d->op >= 0xec;
    i->imm &= 0xff;
    if (i->size == 8) {
        i->size = 4;
    }
    i->fn = h_io;
    c->end = true;
    return !d->lock;
}

/* --- HLT, CLI, STI, PUSHF, POPF --- */

HANDLER(h_hlt)
{
    require_cpl0(t);
    t->halted = true;
    return tb_exit(t, next_eip(t, i));
}

bool trans_hlt(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_hlt;
    c->branch = true;
    return !d->lock;
}

static bool iopl_ok(X86Tcg *t)
{
    return !(t->hflags & HF_PE) || t->cpl <= (int)((t->eflags >> IOPL_SHIFT) & 3);
}

HANDLER(h_cli)
{
    if (!iopl_ok(t)) {
        raise_gp(t, 0);
    }
    t->eflags &= ~F_IF;
    NEXT(t, i);
}

/* STI: interrupts wait one more instruction (the shadow). */
HANDLER(h_sti)
{
    if (!iopl_ok(t)) {
        raise_gp(t, 0);
    }
    if (!(t->eflags & F_IF)) {
        t->eflags |= F_IF;
        t->inhibit_irq = true;
    }
    return tb_exit(t, next_eip(t, i));
}

bool trans_cli_sti(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->op == 0xfa) {
        i->fn = h_cli;
    } else {
        i->fn = h_sti;
        c->branch = true;
    }
    return !d->lock;
}

/* Without CR4.VME, PUSHF/POPF/INT n in virtual-8086 mode need IOPL 3
 * (SDM vol. 3, 20.2.7). */
static void vm86_iopl_check(X86Tcg *t)
{
    if ((t->hflags & HF_VM) && ((t->eflags >> IOPL_SHIFT) & 3) != 3) {
        raise_gp(t, 0);
    }
}

HANDLER(h_pushf)
{
    vm86_iopl_check(t);
    uint32_t f = eflags_get(t) & ~(F_VM | F_RF);
    push(t, stack_size(t), i->size, f);
    NEXT(t, i);
}

bool trans_pushf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_pushf;
    return !d->lock;
}

/* POPF (SDM vol. 2): IOPL only at CPL 0, IF only when CPL <= IOPL; VM,
 * VIF, VIP never; RF cleared. */
HANDLER(h_popf)
{
    unsigned size = i->size;
    vm86_iopl_check(t);
    uint32_t v = pop(t, stack_size(t), size);
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
    if (t->cpl == 0) {
        mask |= F_IOPL | F_IF;
    } else if (t->cpl <= (int)((t->eflags >> IOPL_SHIFT) & 3)) {
        mask |= F_IF;
    }
    if (!(t->hflags & HF_PE)) {
        mask |= F_IOPL | F_IF;
    }
    if (size == 2) {
        mask &= 0xffff;
    }
    bool if_was = t->eflags & F_IF;
    eflags_set(t, v, mask | F_RF);
    t->eflags &= ~F_RF;
    if (!if_was && (t->eflags & F_IF)) {
        t->inhibit_irq = false;
    }
    return tb_exit(t, next_eip(t, i));
}

bool trans_popf(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_popf;
    c->branch = true;
    return !d->lock;
}

/* --- INT n, INT3, INTO, INT1, IRET --- */

HANDLER(h_int)
{
    if (i->op == EXCP_OF && i->op2 == 0 && !cc_eval(t, 0)) {
        return tb_exit(t, next_eip(t, i));     /* INTO without OF */
    }
    if (i->op2 == 3) {
        vm86_iopl_check(t);                     /* INT n (CD) */
    }
    x86_raise_sw(t, i->op, next_eip(t, i), i->op2 != 1);
}

bool trans_int(TransCtx *c, const X86Decoded *d, Insn *i)
{
    switch (d->op) {
    case 0xcc: i->op = EXCP_BP; break;
    case 0xcd: i->op = d->imm & 0xff; i->op2 = 3; break;
    case 0xce: i->op = EXCP_OF; break;
    default: i->op = EXCP_DB; i->op2 = 1; break;   /* INT1: no DPL check */
    }
    i->fn = h_int;
    c->branch = true;
    return !d->lock;
}

HANDLER(h_iret)
{
    x86_iret(t, i->size);
    return tb_exit(t, t->rip);
}

bool trans_iret(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_iret;
    c->branch = true;
    return !d->lock;
}

/* --- Control and debug registers --- */

static uint64_t cr_read(X86Tcg *t, unsigned n)
{
    X86State *env = t->env;
    switch (n) {
    case 0: return env->cr0;
    case 2: return env->cr2;
    case 3: return env->cr3;
    case 4: return env->cr4;
    default: {
        bql_lock();
        uint64_t v = apic_get_tpr(t->cs) >> 4;
        bql_unlock();
        return v;
    }
    }
}

/* op: the register; op2 bit 0: write. */
HANDLER(h_mov_cr)
{
    unsigned size = (t->hflags & HF_CS64) ? 8 : 4;
    require_cpl0(t);
    if (!(i->op2 & 1)) {
        set_reg(t, i->rm, size, cr_read(t, i->op));
        NEXT(t, i);
    }
    uint64_t v = get_reg(t, i->rm, size);
    switch (i->op) {
    case 0: x86_write_cr0(t, v); break;
    case 2: t->env->cr2 = v; break;
    case 3: x86_write_cr3(t, v); break;
    case 4: x86_write_cr4(t, v); break;
    default:
        if (v & ~(uint64_t)15) {
            raise_gp(t, 0);
        }
        bql_lock();
        apic_set_tpr(t->cs, v << 4);
        t->env->cr8 = v;
        bql_unlock();
        t->interrupt_request = 1;
        break;
    }
    return tb_exit(t, next_eip(t, i));
}

bool trans_mov_cr(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned n = d->reg;
    if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8) {
        return false;
    }
    i->op = n;
    i->op2 = (d->op & 2) ? 1 : 0;
    i->rm = d->rm;
    i->fn = h_mov_cr;
    if (i->op2) {
        c->branch = true;
    }
    return !d->lock;
}

HANDLER(h_mov_dr)
{
    unsigned size = (t->hflags & HF_CS64) ? 8 : 4, n = i->op;
    require_cpl0(t);
    if (n == 4 || n == 5) {
        if (t->env->cr4 & (1u << 3)) {     /* CR4.DE */
            raise_ud(t);
        }
        n += 2;
    }
    if (i->op2) {
        uint64_t v = get_reg(t, i->rm, size);
        t->dr[n] = n == 6 ? (v | 0xffff0ff0) : n == 7 ? (v | 0x400) : v;
    } else {
        set_reg(t, i->rm, size, t->dr[n]);
    }
    NEXT(t, i);
}

bool trans_mov_dr(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->reg > 7) {
        return false;
    }
    i->op = d->reg;
    i->op2 = (d->op & 2) ? 1 : 0;
    i->rm = d->rm;
    i->fn = h_mov_dr;
    return !d->lock;
}

HANDLER(h_clts)
{
    require_cpl0(t);
    t->env->cr0 &= ~(uint64_t)(1u << 3);
    NEXT(t, i);
}

bool trans_clts(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_clts;
    return !d->lock;
}

/* --- CPUID, RDTSC, MSRs --- */

bool x86_feature(X86Tcg *t, uint32_t leaf, char reg, unsigned bit)
{
    const CpuidEntry *e = x86_cpuid_find(t->cpu, leaf, 0);
    if (!e) {
        return false;
    }
    uint32_t v = reg == 'a' ? e->eax : reg == 'b' ? e->ebx : reg == 'c' ? e->ecx
                                                                         : e->edx;
    return (v >> bit) & 1;
}

HANDLER(h_cpuid)
{
    uint32_t fn = t->regs[R_EAX], idx = t->regs[R_ECX];
    const CpuidEntry *e = x86_cpuid_find(t->cpu, fn, idx);
    uint32_t a = 0, b = 0, c = 0, d = 0;
    if (e) {
        a = e->eax; b = e->ebx; c = e->ecx; d = e->edx;
        if (fn == 1) {
            /* OSXSAVE mirrors CR4.OSXSAVE. */
            c = (c & ~(1u << 27)) | ((t->env->cr4 & (1u << 18)) ? 1u << 27 : 0);
        }
    }
    t->regs[R_EAX] = a;
    t->regs[R_EBX] = b;
    t->regs[R_ECX] = c;
    t->regs[R_EDX] = d;
    NEXT(t, i);
}

bool trans_cpuid(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_cpuid;
    return !d->lock;
}

HANDLER(h_rdtsc)
{
    if ((t->env->cr4 & (1u << 2)) && t->cpl) {     /* CR4.TSD */
        raise_gp(t, 0);
    }
    uint64_t tsc = x86_read_tsc(t);
    t->regs[R_EAX] = (uint32_t)tsc;
    t->regs[R_EDX] = tsc >> 32;
    if (i->op) {
        uint64_t aux = 0;
        x86_rdmsr(t, 0xc0000103, &aux);
        t->regs[R_ECX] = (uint32_t)aux;
    }
    NEXT(t, i);
}

bool trans_rdtsc(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_rdtsc;
    return !d->lock;
}

HANDLER(h_msr)
{
    uint32_t index = t->regs[R_ECX];
    uint64_t v;
    require_cpl0(t);
    if (i->op) {
        v = (uint32_t)t->regs[R_EAX] | t->regs[R_EDX] << 32;
        if (!x86_wrmsr(t, index, v)) {
            log_mask_printf(LOG_UNIMP, "tcg: wrmsr 0x%x <- 0x%" G_GINT64_MODIFIER
                            "x: #GP\n", index, v);
            raise_gp(t, 0);
        }
        return tb_exit(t, next_eip(t, i));
    }
    if (!x86_rdmsr(t, index, &v)) {
        log_mask_printf(LOG_UNIMP, "tcg: rdmsr 0x%x: #GP\n", index);
        raise_gp(t, 0);
    }
    t->regs[R_EAX] = (uint32_t)v;
    t->regs[R_EDX] = v >> 32;
    NEXT(t, i);
}

/* 0F 30 WRMSR, 0F 32 RDMSR. */
bool trans_msr(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->op = d->op == (MAP_0F | 0x30);
    i->fn = h_msr;
    if (i->op) {
        c->branch = true;
    }
    return !d->lock;
}

/* --- Cache control, hints, undefined --- */

HANDLER(h_cache)
{
    require_cpl0(t);
    NEXT(t, i);
}

bool trans_cache(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_cache;
    return !d->lock;
}

HANDLER(h_nop_hint)
{
    NEXT(t, i);
}

bool trans_prefetch(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_nop_hint;
    return !d->lock;
}

HANDLER(h_ud)
{
    raise_ud(t);
}

bool trans_ud(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_ud;
    c->branch = true;
    return true;
}

/* PAUSE: back to the loop, which lets a waiting vCPU run (a spin-wait
 * on one vCPU needs another to make progress). */
HANDLER(h_pause)
{
    if (tcg_turn_contended()) {
        t->exit_request = 1;
    }
    return tb_exit(t, next_eip(t, i));
}

bool trans_pause(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_pause;
    c->branch = true;
    return true;
}

/* --- SYSCALL / SYSRET / SYSENTER / SYSEXIT / SWAPGS (SDM vol. 2) --- */

static void seg_set_flat(X86Tcg *t, int seg, uint16_t sel, bool code, bool lm,
                         int dpl)
{
    t->env->segs[seg] = (SegmentCache){
        .selector = sel, .base = 0, .limit = 0xffffffff,
        .type = code ? 0xb : 0x3, .s = 1, .dpl = dpl, .present = 1,
        .l = code && lm, .db = !(code && lm), .g = 1,
    };
}

HANDLER(h_syscall)
{
    X86State *env = t->env;
    if (!(env->efer & 1)) {                     /* EFER.SCE */
        raise_ud(t);
    }
    uint64_t next = next_eip(t, i);
    uint16_t sel = (env->star >> 32) & 0xfffc;
    if (!(env->efer & EFER_LMA)) {
        raise_ud(t);
    }
    t->regs[R_ECX] = next;
    t->regs[11] = eflags_get(t) & ~F_RF;
    uint64_t target = (t->hflags & HF_CS64) ? env->lstar : env->cstar;
    eflags_set(t, 0, (uint32_t)env->fmask | F_RF | F_VM);
    seg_set_flat(t, R_CS, sel, true, true, 0);
    seg_set_flat(t, R_SS, sel + 8, false, false, 0);
    x86_update_mode(t);
    return tb_exit(t, target);
}

bool trans_syscall(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_syscall;
    c->branch = true;
    return !d->lock;
}

HANDLER(h_sysret)
{
    X86State *env = t->env;
    if (!(env->efer & 1) || !(t->hflags & HF_PE)) {
        raise_ud(t);
    }
    require_cpl0(t);
    bool to64 = i->size == 8;
    uint64_t target = to64 ? t->regs[R_ECX] : (uint32_t)t->regs[R_ECX];
    if (to64 && (int64_t)(target << 16) >> 16 != (int64_t)target) {
        raise_gp(t, 0);
    }
    uint16_t base = (env->star >> 48) & 0xffff;
    eflags_set(t, t->regs[11] & 0x3c7fd7, ~0u);
    seg_set_flat(t, R_CS, (to64 ? base + 16 : base) | 3, true, to64, 3);
    seg_set_flat(t, R_SS, (base + 8) | 3, false, false, 3);
    x86_update_mode(t);
    return tb_exit(t, target);
}

bool trans_sysret(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (c->bits != 64) {
        return false;
    }
    i->fn = h_sysret;
    c->branch = true;
    return !d->lock;
}

HANDLER(h_sysenter)
{
    X86State *env = t->env;
    uint16_t cs = env->sysenter_cs & 0xfffc;
    if (!(t->hflags & HF_PE) || !cs) {
        raise_gp(t, 0);
    }
    bool lm = env->efer & EFER_LMA;
    eflags_set(t, 0, F_VM | F_IF | F_RF);
    seg_set_flat(t, R_CS, cs, true, lm, 0);
    seg_set_flat(t, R_SS, cs + 8, false, false, 0);
    t->regs[R_ESP] = lm ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    x86_update_mode(t);
    return tb_exit(t, lm ? env->sysenter_eip : (uint32_t)env->sysenter_eip);
}

bool trans_sysenter(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_sysenter;
    c->branch = true;
    return !d->lock;
}

HANDLER(h_sysexit)
{
    X86State *env = t->env;
    uint16_t cs = env->sysenter_cs & 0xfffc;
    if (!(t->hflags & HF_PE) || !cs) {
        raise_gp(t, 0);
    }
    require_cpl0(t);
    bool to64 = i->size == 8;
    seg_set_flat(t, R_CS, (to64 ? cs + 32 : cs + 16) | 3, true, to64, 3);
    seg_set_flat(t, R_SS, (to64 ? cs + 40 : cs + 24) | 3, false, false, 3);
    t->regs[R_ESP] = to64 ? t->regs[R_ECX] : (uint32_t)t->regs[R_ECX];
    x86_update_mode(t);
    return tb_exit(t, to64 ? t->regs[R_EDX] : (uint32_t)t->regs[R_EDX]);
}

bool trans_sysexit(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_sysexit;
    c->branch = true;
    return !d->lock;
}

/* --- 0F 01: descriptor tables, MSW, INVLPG and the register forms --- */

/* SGDT/SIDT (op 0/1), LGDT/LIDT (op 2/3). */
HANDLER(h_dtable)
{
    X86State *env = t->env;
    DescriptorTable *dt = (i->op & 1) ? &env->idt : &env->gdt;
    bool lm = t->hflags & HF_CS64;
    uint64_t la = insn_la(t, i);
    uint64_t la2 = (la + 2) & t->la_mask;
    if (i->op < 2) {
        st16(t, la, dt->limit);
        if (lm) {
            st64(t, la2, dt->base);
        } else {
            st32(t, la2, dt->base);
        }
        NEXT(t, i);
    }
    require_cpl0(t);
    uint16_t limit = ld16(t, la);
    uint64_t base = lm ? ld64(t, la2) : ld32(t, la2);
    if (!lm && i->size == 2) {
        base &= 0xffffff;
    }
    dt->limit = limit;
    dt->base = base;
    NEXT(t, i);
}

/* SMSW (op 4): the low 16 bits of CR0 (all of it to a register). */
HANDLER(h_smsw)
{
    if (i->op2) {
        st16(t, insn_la(t, i), t->env->cr0);
    } else {
        set_reg(t, i->rm, i->size, t->env->cr0);
    }
    NEXT(t, i);
}

/* LMSW: PE can be set but not cleared; MP, EM, TS follow. */
HANDLER(h_lmsw)
{
    require_cpl0(t);
    uint16_t v = i->op2 ? ld16(t, insn_la(t, i)) : (uint16_t)t->regs[i->rm];
    uint64_t cr0 = t->env->cr0;
    cr0 = (cr0 & ~(uint64_t)0xe) | (v & 0xe) | ((cr0 | v) & 1);
    x86_write_cr0(t, cr0);
    return tb_exit(t, next_eip(t, i));
}

HANDLER(h_invlpg)
{
    require_cpl0(t);
    tlb_flush_page(t, insn_la(t, i));
    return tb_exit(t, next_eip(t, i));
}

/* INVPCID (66 0F 38 82, SDM vol. 2): the type in a register, the
 * descriptor (PCID, linear address) in memory. The TLB does not tag
 * entries with PCIDs, so type 0 drops the page for every PCID and type 1
 * every non-global entry: more than asked, which the SDM allows. */
HANDLER(h_invpcid)
{
    require_cpl0(t);
    uint64_t type = t->regs[i->reg] & size_mask(i->size);
    uint64_t la = insn_la(t, i);
    uint64_t pcid = ld64(t, la), addr = ld64(t, (la + 8) & t->la_mask);
    bool pcide = t->env->cr4 & CR4_PCIDE;
    if (type > 3 || (pcid >> 12) || (type <= 1 && !pcide && pcid)) {
        raise_gp(t, 0);
    }
    switch (type) {
    case 0:
        if ((int64_t)(addr << 16) >> 16 != (int64_t)addr) {
            raise_gp(t, 0);             /* not canonical */
        }
        tlb_flush_page(t, addr);
        break;
    case 1: case 3:
        tlb_flush_nonglobal(t);
        break;
    default:
        tlb_flush(t);
        break;
    }
    return tb_exit(t, next_eip(t, i));
}

bool trans_invpcid(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (!d->mem || d->lock || d->sse_prefix != 0x66 || c->bits == 16 ||
        !x86_feature(c->t, 7, 'b', 10)) {
        return false;
    }
    i->size = c->bits == 64 ? 8 : 4;
    i->reg = d->reg;
    i->fn = h_invpcid;
    c->branch = true;
    return true;
}

HANDLER(h_swapgs)
{
    require_cpl0(t);
    X86State *env = t->env;
    uint64_t v = env->segs[R_GS].base;
    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = v;
    t->segbase[R_GS] = env->segs[R_GS].base;
    NEXT(t, i);
}

HANDLER(h_xgetbv)
{
    if (!(t->env->cr4 & (1u << 18))) {
        raise_ud(t);
    }
    if ((uint32_t)t->regs[R_ECX] != 0) {
        raise_gp(t, 0);
    }
    t->regs[R_EAX] = (uint32_t)t->env->xcr0;
    t->regs[R_EDX] = t->env->xcr0 >> 32;
    NEXT(t, i);
}

HANDLER(h_xsetbv)
{
    if (!(t->env->cr4 & (1u << 18))) {
        raise_ud(t);
    }
    require_cpl0(t);
    uint64_t v = (uint32_t)t->regs[R_EAX] | t->regs[R_EDX] << 32;
    /* x87 must stay; SSE only as the model has it; nothing else here. */
    if ((uint32_t)t->regs[R_ECX] != 0 || !(v & 1) || (v & ~(uint64_t)3)) {
        raise_gp(t, 0);
    }
    t->env->xcr0 = v;
    NEXT(t, i);
}

/* STAC (op 1) / CLAC (op 0): EFLAGS.AC, which SMAP reads on each kernel
 * access to a user page (so no TLB flush); #UD outside CPL 0. */
HANDLER(h_stac_clac)
{
    if (t->cpl) {
        raise_ud(t);
    }
    t->eflags = i->op ? t->eflags | F_AC : t->eflags & ~(uint32_t)F_AC;
    NEXT(t, i);
}

bool trans_grp7(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (d->lock) {
        return false;
    }
    if (d->mem) {
        switch (r) {
        case 0: case 1: case 2: case 3:
            i->op = r;
            i->fn = h_dtable;
            return true;
        case 4:
            i->op2 = 1;
            i->fn = h_smsw;
            return true;
        case 6:
            i->op2 = 1;
            i->fn = h_lmsw;
            c->branch = true;
            return true;
        case 7:
            i->fn = h_invlpg;
            c->branch = true;
            return true;
        default:
            return false;
        }
    }
    unsigned modrm = 0xc0 | (r << 3) | (d->rm & 7);
    i->rm = d->rm;
    switch (modrm) {
    case 0xd0: i->fn = h_xgetbv; return x86_feature(c->t, 1, 'c', 26);
    case 0xd1: i->fn = h_xsetbv; return x86_feature(c->t, 1, 'c', 26);
    case 0xca: case 0xcb:
        i->op = modrm & 1;
        i->fn = h_stac_clac;
        return x86_feature(c->t, 7, 'b', 20);
    case 0xf8:
        i->fn = h_swapgs;
        return c->bits == 64;
    case 0xf9:
        i->op = 1;
        i->fn = h_rdtsc;
        return x86_feature(c->t, 0x80000001, 'd', 27);
    default:
        break;
    }
    if (r == 4) {
        i->fn = h_smsw;
        return true;
    }
    if (r == 6) {
        i->fn = h_lmsw;
        c->branch = true;
        return true;
    }
    return false;
}
