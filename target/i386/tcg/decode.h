/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 instruction decoding (Intel SDM vol. 2, ch. 2 and appendix A):
 * prefixes, opcode maps, ModRM/SIB, displacement and immediates, in 16-,
 * 32- and 64-bit code.
 */
#ifndef TARGET_I386_TCG_DECODE_H
#define TARGET_I386_TCG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcode attributes (one table entry per opcode). */
enum {
    OPF_MODRM = 1 << 0,     /* has a ModRM byte */
    OPF_BYTE = 1 << 1,      /* 8-bit operands */
    OPF_D64 = 1 << 2,       /* 64-bit operand size by default in long mode */
    OPF_F64 = 1 << 3,       /* 64-bit operand size always in long mode */
    OPF_I64 = 1 << 4,       /* invalid in 64-bit mode */
    OPF_O64 = 1 << 5,       /* valid only in 64-bit mode */
    OPF_INV = 1 << 6,       /* undefined opcode */
    OPF_PFX = 1 << 7,       /* a prefix, not an opcode */
    OPF_IMM_SHIFT = 8,      /* immediate kind in bits 8-11 */
};
enum {
    IMM_NONE, IMM_B, IMM_W, IMM_Z, IMM_V, IMM_MOFFS, IMM_FAR, IMM_WB,
    IMM_GRP3,               /* F6/F7: an immediate only for TEST (/0, /1) */
};
#define OPF_IMM(k) ((k) << OPF_IMM_SHIFT)
#define OPF_IMM_KIND(f) (((f) >> OPF_IMM_SHIFT) & 0xf)

/* Opcode numbers: the map in the high byte. */
enum { MAP_1B = 0x000, MAP_0F = 0x100, MAP_0F38 = 0x200, MAP_0F3A = 0x300 };

enum {
    DEC_OK = 0,
    DEC_UD = -1,            /* undefined or invalid in this mode */
    DEC_TRUNC = -2,         /* the bytes available end inside it */
    DEC_TOOLONG = -3,       /* longer than 15 bytes: #GP */
};

#define DEC_REG_NONE 16
#define DEC_REG_RIP 17

typedef struct X86Decoded {
    uint16_t op;            /* map | opcode byte */
    uint16_t flags;         /* the opcode's attributes */
    uint8_t len;
    uint8_t opsize;         /* 2, 4 or 8 (1 if OPF_BYTE) */
    uint8_t addrsize;       /* 2, 4 or 8 */
    int8_t seg_override;    /* segment prefix, -1 if none */
    uint8_t seg;            /* segment of the memory operand */
    uint8_t rep;            /* 0, 0xf2 or 0xf3: the last of them */
    uint8_t sse_prefix;     /* mandatory prefix: 0, 0x66, 0xf2, 0xf3 */
    bool lock, has_66, has_addr67;
    uint8_t last_f2f3;
    uint8_t rex;            /* the REX byte, 0 if none */
    bool has_modrm, mem;
    uint8_t mod, reg, rm;   /* reg and rm extended by REX.R/REX.B */
    uint8_t base, index, scale;
    int64_t disp;
    uint64_t imm;
    uint16_t imm2;          /* ENTER's nesting level, a far pointer's CS */
    uint8_t vex;            /* 0, or 0xc4/0xc5/0x62/0x8f: AVX family */
    uint8_t imm_size;
} X86Decoded;

/* Decodes one instruction for code of `bits` (16, 32, 64). */
int x86_decode(X86Decoded *d, const uint8_t *code, size_t avail, int bits);

#endif
