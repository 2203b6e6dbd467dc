/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small x86-64 instruction encoder for the code generator: the forms it
 * needs (ModRM with base+index*scale+disp, immediates, rel32 branches),
 * written from the Intel SDM vol. 2, ch. 2 (instruction format).
 */
#ifndef ACCEL_TCG_HOST_X86_64_H
#define ACCEL_TCG_HOST_X86_64_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum HostReg {
    H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
    H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15,
};
#define H_NONE (-1)

/* Host condition codes (the low nibble of Jcc), the guest's numbering. */
enum { HCC_NE = 5, HCC_E = 4 };

/* An opcode of one or two bytes. */
typedef struct HostOp {
    uint8_t b[2], n;
} HostOp;
#define OP1(x) ((HostOp){ { (x) }, 1 })
#define OP2(x, y) ((HostOp){ { (x), (y) }, 2 })

typedef struct Emit {
    uint8_t *p, *end;
    bool overflow;          /* ran out of space: the result is unusable */
} Emit;

/* A memory operand [base + index * (1 << scale) + disp]. */
typedef struct HostMem {
    int base, index;
    unsigned scale;
    int32_t disp;
} HostMem;

static inline HostMem hm(int base, int32_t disp)
{
    return (HostMem){ .base = base, .index = H_NONE, .disp = disp };
}

static inline void e8(Emit *e, uint8_t b)
{
    if (e->p < e->end) {
        *e->p++ = b;
    } else {
        e->overflow = true;
    }
}

static inline void e32(Emit *e, uint32_t v)
{
    for (int k = 0; k < 4; k++) {
        e8(e, v >> (8 * k));
    }
}

static inline void e64(Emit *e, uint64_t v)
{
    e32(e, v);
    e32(e, v >> 32);
}

static inline bool fits_i8(int64_t v) { return v == (int8_t)v; }
static inline bool fits_i32(int64_t v) { return v == (int32_t)v; }

/* Prefixes and opcode for an operation of `size` bytes (1: the caller
 * gives the byte opcode; 2: 66; 8: REX.W) on registers reg, index, base. */
static inline void emit_head(Emit *e, unsigned size, HostOp op, int reg,
                             int index, int base)
{
    uint8_t rex = (size == 8 ? 8 : 0) | (reg >= 8 ? 4 : 0) |
                  (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0);
    if (size == 2) {
        e8(e, 0x66);
    }
    /* Byte registers 4-7 are SPL..DIL only with a REX prefix. */
    if (rex || (size == 1 && reg >= 4 && reg < 8)) {
        e8(e, 0x40 | rex);
    }
    for (unsigned k = 0; k < op.n; k++) {
        e8(e, op.b[k]);
    }
}

/* op reg, [mem] (or op [mem], reg: the direction is in the opcode). */
static inline void emit_rm(Emit *e, unsigned size, HostOp op, int reg,
                           HostMem m)
{
    emit_head(e, size, op, reg, m.index, m.base);
    int32_t d = m.disp;
    unsigned mod = (d == 0 && (m.base & 7) != H_RBP) ? 0 : fits_i8(d) ? 1 : 2;
    if (m.index == H_NONE && (m.base & 7) != H_RSP) {
        e8(e, mod << 6 | (reg & 7) << 3 | (m.base & 7));
    } else {
        int idx = m.index == H_NONE ? H_RSP : m.index;
        e8(e, mod << 6 | (reg & 7) << 3 | 4);
        e8(e, m.scale << 6 | (idx & 7) << 3 | (m.base & 7));
    }
    if (mod == 1) {
        e8(e, d);
    } else if (mod == 2) {
        e32(e, d);
    }
}

/* op reg, rm with both operands registers (ModRM.mod = 3). */
static inline void emit_rr(Emit *e, unsigned size, HostOp op, int reg, int rm)
{
    uint8_t rex = (size == 8 ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);
    if (size == 2) {
        e8(e, 0x66);
    }
    if (rex || (size == 1 && ((reg >= 4 && reg < 8) || (rm >= 4 && rm < 8)))) {
        e8(e, 0x40 | rex);
    }
    for (unsigned k = 0; k < op.n; k++) {
        e8(e, op.b[k]);
    }
    e8(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}


/* mov r64, imm (the shortest form that gives the same 64-bit value). */
static inline void emit_movi(Emit *e, int r, uint64_t v)
{
    if (v == (uint32_t)v) {
        if (r >= 8) {
            e8(e, 0x41);
        }
        e8(e, 0xb8 | (r & 7));
        e32(e, v);
    } else if (fits_i32((int64_t)v)) {
        emit_rr(e, 8, OP1(0xc7), 0, r);
        e32(e, v);
    } else {
        e8(e, 0x48 | (r >= 8 ? 1 : 0));
        e8(e, 0xb8 | (r & 7));
        e64(e, v);
    }
}

/* Loads `size` bytes at m into r, zero-extended to 64 bits. */
static inline void emit_load_zx(Emit *e, unsigned size, int r, HostMem m)
{
    switch (size) {
    case 1: emit_rm(e, 4, OP2(0x0f, 0xb6), r, m); break;
    case 2: emit_rm(e, 4, OP2(0x0f, 0xb7), r, m); break;
    case 4: emit_rm(e, 4, OP1(0x8b), r, m); break;
    default: emit_rm(e, 8, OP1(0x8b), r, m); break;
    }
}

/* Loads `size` bytes at m into r, sign-extended to `to` bytes (4 or 8). */
static inline void emit_load_sx(Emit *e, unsigned size, unsigned to, int r,
                                HostMem m)
{
    switch (size) {
    case 1: emit_rm(e, to, OP2(0x0f, 0xbe), r, m); break;
    case 2: emit_rm(e, to, OP2(0x0f, 0xbf), r, m); break;
    default: emit_rm(e, 8, OP1(0x63), r, m); break;
    }
}

/* Stores the low `size` bytes of r at m. */
static inline void emit_store(Emit *e, unsigned size, int r, HostMem m)
{
    emit_rm(e, size, size == 1 ? OP1(0x88) : OP1(0x89), r, m);
}

/* mov qword/dword [m], simm32 */
static inline void emit_store_imm(Emit *e, unsigned size, HostMem m, int32_t v)
{
    emit_rm(e, size, OP1(0xc7), 0, m);
    e32(e, v);
}

static inline void emit_mov_rr(Emit *e, unsigned size, int dst, int src)
{
    emit_rr(e, size, OP1(0x89), src, dst);
}

/* Group 1 (add/or/.../cmp, /n = op) on a register with an immediate. */
static inline void emit_alu_ri(Emit *e, unsigned size, int op, int r, int32_t v)
{
    if (size != 1 && fits_i8(v)) {
        emit_rr(e, size, OP1(0x83), op, r);
        e8(e, v);
    } else {
        emit_rr(e, size, size == 1 ? OP1(0x80) : OP1(0x81), op, r);
        if (size == 1) {
            e8(e, v);
        } else if (size == 2) {
            e8(e, v);
            e8(e, v >> 8);
        } else {
            e32(e, v);
        }
    }
}

/* shl/shr r64, imm8 (/4, /5). */
static inline void emit_shift_ri(Emit *e, unsigned size, int sub, int r,
                                 unsigned count)
{
    emit_rr(e, size, OP1(0xc1), sub, r);
    e8(e, count);
}

/* --- Branches: rel32 with later patching --- */

/* Emits a Jcc (cc 0-15) or, with cc < 0, a JMP with a rel32 to be patched;
 * returns where the rel32 is. */
static inline uint8_t *emit_jump(Emit *e, int cc)
{
    if (cc >= 0) {
        e8(e, 0x0f);
        e8(e, 0x80 | cc);
    } else {
        e8(e, 0xe9);
    }
    uint8_t *at = e->p;
    e32(e, 0);
    return at;
}

/* Points the rel32 at `at` to `target`. */
static inline void patch_rel32(uint8_t *at, const uint8_t *target)
{
    if (!at) {
        return;
    }
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(at, &rel, 4);
}

static inline void emit_jump_to(Emit *e, int cc, const uint8_t *target)
{
    uint8_t *at = emit_jump(e, cc);
    if (!e->overflow) {
        patch_rel32(at, target);
    }
}

/* call fn: rel32 when it reaches, else through rax. */
static inline void emit_call(Emit *e, const void *fn)
{
    int64_t rel = (int64_t)((const uint8_t *)fn - (e->p + 5));
    if (fits_i32(rel)) {
        e8(e, 0xe8);
        e32(e, rel);
    } else {
        emit_movi(e, H_RAX, (uintptr_t)fn);
        emit_rr(e, 4, OP1(0xff), 2, H_RAX);
    }
}

#endif
