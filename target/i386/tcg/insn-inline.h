/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers the instruction files share: read-modify-write of guest memory
 * through one host pointer, and host loads/stores of a run-time size.
 */
#ifndef TARGET_I386_TCG_INSN_INLINE_H
#define TARGET_I386_TCG_INSN_INLINE_H

#include "target/i386/tcg/x86-tcg.h"

#define ALWAYS inline __attribute__((always_inline))

static ALWAYS uint64_t host_ld(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static ALWAYS void host_st(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = v; break;
    case 2: { uint16_t x = v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* Host pointer for a read-modify-write of guest memory, or NULL when the
 * access must take the slow path (which has then checked that the
 * location is writable, so the later store cannot fault). */
static ALWAYS void *rmw_ptr(X86Tcg *t, uint64_t la, unsigned size)
{
    TLBEntry *e = tlb_entry(t, la);
    if (__builtin_expect(tlb_hit(e->write, la, size), 1)) {
        return (void *)(uintptr_t)(la + e->addend);
    }
    return tlb_rmw_ptr(t, la, size);
}

static ALWAYS void rmw_store(X86Tcg *t, void *p, uint64_t la, unsigned size,
                             uint64_t v)
{
    if (p) {
        host_st(p, size, v);
    } else {
        st_size(t, la, size, v);
    }
}

/* The r/m operand of a generic handler: memory if op2 is set. */
static ALWAYS uint64_t rm_read(X86Tcg *t, const Insn *i, unsigned size)
{
    return i->op2 ? ld_size(t, insn_la(t, i), size) : get_reg(t, i->rm, size);
}

/* EIP of the instruction after i, wrapped to the code size. */
static ALWAYS uint64_t next_eip(X86Tcg *t, const Insn *i)
{
    uint64_t n = i->eip + i->len;
    return (t->hflags & HF_CS64) ? n : (t->hflags & HF_CS32) ? (uint32_t)n
                                                             : (uint16_t)n;
}

/* --- The stack (SS:SP, SS:ESP or RSP) --- */

static ALWAYS uint64_t sp_mask(unsigned ssize)
{
    return ssize == 8 ? ~(uint64_t)0 : ssize == 4 ? 0xffffffffu : 0xffff;
}

/* Stack pointer size of the current mode. */
static ALWAYS unsigned stack_size(X86Tcg *t)
{
    return (t->hflags & HF_CS64) ? 8 : (t->hflags & HF_SS32) ? 4 : 2;
}

static ALWAYS void sp_set(X86Tcg *t, unsigned ssize, uint64_t v)
{
    if (ssize == 8) {
        t->regs[R_ESP] = v;
    } else if (ssize == 4) {
        t->regs[R_ESP] = (uint32_t)v;
    } else {
        set_reg16(t, R_ESP, v);
    }
}

/* PUSH: the store first, so a fault leaves the stack pointer alone. */
static ALWAYS void push(X86Tcg *t, unsigned ssize, unsigned size, uint64_t v)
{
    uint64_t sp = (t->regs[R_ESP] - size) & sp_mask(ssize);
    st_size(t, seg_la(t, R_SS, sp), size, v);
    sp_set(t, ssize, sp);
}

static ALWAYS uint64_t pop(X86Tcg *t, unsigned ssize, unsigned size)
{
    uint64_t sp = t->regs[R_ESP] & sp_mask(ssize);
    uint64_t v = ld_size(t, seg_la(t, R_SS, sp), size);
    sp_set(t, ssize, sp + size);
    return v;
}

/* Reads the stack `off` bytes above the stack pointer without moving it. */
static ALWAYS uint64_t stack_peek(X86Tcg *t, unsigned ssize, unsigned size,
                                  uint64_t off)
{
    uint64_t sp = (t->regs[R_ESP] + off) & sp_mask(ssize);
    return ld_size(t, seg_la(t, R_SS, sp), size);
}

#endif
