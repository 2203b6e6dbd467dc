/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 instruction decoding: legacy and REX prefixes, the one-byte, 0F,
 * 0F38 and 0F3A opcode maps as attribute tables (Intel SDM vol. 2,
 * appendix A), ModRM/SIB addressing (tables 2-1 to 2-3), immediates.
 * VEX, EVEX and XOP encodings are decoded for their length only.
 */
#include "target/i386/tcg/decode.h"
#include "target/i386/cpu.h"

#define M OPF_MODRM
#define B OPF_BYTE
#define D64 OPF_D64
#define F64 OPF_F64
#define I64 OPF_I64
#define INV OPF_INV
#define PFX OPF_PFX
#define Ib OPF_IMM(IMM_B)
#define Iw OPF_IMM(IMM_W)
#define Iz OPF_IMM(IMM_Z)
#define Iv OPF_IMM(IMM_V)
#define Im OPF_IMM(IMM_MOFFS)
#define Ip OPF_IMM(IMM_FAR)
#define Iwb OPF_IMM(IMM_WB)
#define Ig3 OPF_IMM(IMM_GRP3)
/* The six forms of the eight classic ALU opcodes. */
#define ALU6 M | B, M, M | B, M, B | Ib, Iz

static const uint16_t map_1b[256] = {
    /* 00 */ ALU6, I64, I64, ALU6, I64, PFX,
    /* 10 */ ALU6, I64, I64, ALU6, I64, I64,
    /* 20 */ ALU6, PFX, I64, ALU6, PFX, I64,
    /* 30 */ ALU6, PFX, I64, ALU6, PFX, I64,
    /* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 50 */ D64, D64, D64, D64, D64, D64, D64, D64,
             D64, D64, D64, D64, D64, D64, D64, D64,
    /* 60 */ I64, I64, M | I64, M, PFX, PFX, PFX, PFX,
             D64 | Iz, M | Iz, D64 | Ib, M | Ib, B, 0, B, 0,
    /* 70 */ F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib,
             F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib,
             F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib,
    /* 80 */ M | B | Ib, M | Iz, M | B | Ib | I64, M | Ib, M | B, M, M | B, M,
             M | B, M, M | B, M, M, M, M, M | D64,
    /* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Ip | I64, 0, D64, D64, 0, 0,
    /* a0 */ B | Im, Im, B | Im, Im, B, 0, B, 0, B | Ib, Iz, B, 0, B, 0, B, 0,
    /* b0 */ B | Ib, B | Ib, B | Ib, B | Ib, B | Ib, B | Ib, B | Ib, B | Ib,
             Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv,
    /* c0 */ M | B | Ib, M | Ib, F64 | Iw, F64, M | I64, M | I64, M | B | Ib, M | Iz,
             Iwb | D64, D64, Iw, 0, 0, Ib, I64, 0,
    /* d0 */ M | B, M, M | B, M, Ib | I64, Ib | I64, I64, 0, M, M, M, M, M, M, M, M,
    /* e0 */ F64 | Ib, F64 | Ib, F64 | Ib, F64 | Ib, B | Ib, Ib, B | Ib, Ib,
             F64 | Iz, F64 | Iz, Ip | I64, F64 | Ib, B, 0, B, 0,
    /* f0 */ PFX, 0, PFX, PFX, 0, 0, M | B | Ig3, M | Ig3,
             0, 0, 0, 0, 0, 0, M | B, M,
};

#define M8 M, M, M, M, M, M, M, M
#define M16 M8, M8

static const uint16_t map_0f[256] = {
    /* 00 */ M, M, M, M, INV, 0, 0, 0, 0, 0, INV, 0, INV, M, 0, M | Ib,
    /* 10 */ M16,
    /* 20 */ M, M, M, M, INV, INV, INV, INV, M8,
    /* 30 */ 0, 0, 0, 0, 0, 0, INV, 0, PFX, INV, PFX, INV, INV, INV, INV, INV,
    /* 40 */ M16,
    /* 50 */ M16,
    /* 60 */ M16,
    /* 70 */ M | Ib, M | Ib, M | Ib, M | Ib, M, M, M, 0, M, M, INV, INV, M, M, M, M,
    /* 80 */ F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz,
             F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz,
             F64 | Iz, F64 | Iz, F64 | Iz, F64 | Iz,
    /* 90 */ M | B, M | B, M | B, M | B, M | B, M | B, M | B, M | B,
             M | B, M | B, M | B, M | B, M | B, M | B, M | B, M | B,
    /* a0 */ D64, D64, 0, M, M | Ib, M, INV, INV, D64, D64, 0, M, M | Ib, M, M, M,
    /* b0 */ M | B, M, M, M, M, M, M, M, M, M, M | Ib, M, M, M, M, M,
    /* c0 */ M | B, M, M | Ib, M, M | Ib, M | Ib, M | Ib, M, 0, 0, 0, 0, 0, 0, 0, 0,
    /* d0 */ M16,
    /* e0 */ M16,
    /* f0 */ M16,
};

/* Opcodes of the 0F map (VEX map 1) that take an 8-bit immediate. */
static bool vex_map1_imm8(uint8_t op)
{
    return (op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6);
}

static int seg_of_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: return R_ES;
    case 0x2e: return R_CS;
    case 0x36: return R_SS;
    case 0x3e: return R_DS;
    case 0x64: return R_FS;
    default: return R_GS;
    }
}

typedef struct Cursor {
    const uint8_t *p;
    size_t pos, avail;
} Cursor;

static bool take(Cursor *c, unsigned n, uint64_t *v)
{
    if (c->pos + n > c->avail) {
        return false;
    }
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++) {
        x |= (uint64_t)c->p[c->pos + i] << (8 * i);
    }
    c->pos += n;
    *v = x;
    return true;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned sh = 64 - 8 * bytes;
    return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

/* 16-bit addressing (SDM table 2-1): base and index per ModRM.rm. */
static const uint8_t rm16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP,
                                      R_ESI, R_EDI, R_EBP, R_EBX };
static const uint8_t rm16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI,
                                       DEC_REG_NONE, DEC_REG_NONE,
                                       DEC_REG_NONE, DEC_REG_NONE };

static bool decode_modrm16(X86Decoded *d, Cursor *c)
{
    unsigned rm = d->rm & 7;
    uint64_t v = 0;
    d->base = rm16_base[rm];
    d->index = rm16_index[rm];
    d->scale = 0;
    if (d->mod == 0 && rm == 6) {
        d->base = DEC_REG_NONE;
        if (!take(c, 2, &v)) {
            return false;
        }
        d->disp = (int16_t)v;
    } else if (d->mod == 1) {
        if (!take(c, 1, &v)) {
            return false;
        }
        d->disp = (int8_t)v;
    } else if (d->mod == 2) {
        if (!take(c, 2, &v)) {
            return false;
        }
        d->disp = (int16_t)v;
    }
    d->seg = d->base == R_EBP ? R_SS : R_DS;
    return true;
}

/* 32/64-bit addressing (SDM tables 2-2, 2-3), REX.X/REX.B extended. */
static bool decode_modrm32(X86Decoded *d, Cursor *c, int bits)
{
    unsigned rm = d->rm & 7;
    uint64_t v = 0;
    unsigned rex_b = (d->rex & 1) << 3, rex_x = (d->rex & 2) << 2;
    d->index = DEC_REG_NONE;
    d->scale = 0;
    if (rm == 4) {
        uint64_t sib;
        if (!take(c, 1, &sib)) {
            return false;
        }
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        d->scale = sib >> 6;
        d->index = idx == 4 ? DEC_REG_NONE : idx;
        unsigned base = sib & 7;
        if (base == 5 && d->mod == 0) {
            d->base = DEC_REG_NONE;
            if (!take(c, 4, &v)) {
                return false;
            }
            d->disp = (int32_t)v;
        } else {
            d->base = base | rex_b;
        }
    } else if (rm == 5 && d->mod == 0) {
        d->base = bits == 64 ? DEC_REG_RIP : DEC_REG_NONE;
        if (!take(c, 4, &v)) {
            return false;
        }
        d->disp = (int32_t)v;
    } else {
        d->base = rm | rex_b;
    }
    if (d->mod == 1) {
        if (!take(c, 1, &v)) {
            return false;
        }
        d->disp = (int8_t)v;
    } else if (d->mod == 2) {
        if (!take(c, 4, &v)) {
            return false;
        }
        d->disp = (int32_t)v;
    }
    d->seg = (d->base == R_ESP || d->base == R_EBP) ? R_SS : R_DS;
    return true;
}

static bool decode_modrm(X86Decoded *d, Cursor *c, int bits, bool force_reg)
{
    uint64_t m;
    if (!take(c, 1, &m)) {
        return false;
    }
    d->has_modrm = true;
    d->mod = m >> 6;
    d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
    d->rm = (m & 7) | ((d->rex & 1) << 3);
    d->disp = 0;
    d->base = d->index = DEC_REG_NONE;
    if (d->mod == 3 || force_reg) {
        d->mem = false;
        return true;
    }
    d->mem = true;
    return d->addrsize == 2 ? decode_modrm16(d, c) : decode_modrm32(d, c, bits);
}

static unsigned imm_bytes(const X86Decoded *d, unsigned kind)
{
    switch (kind) {
    case IMM_B: return 1;
    case IMM_W: return 2;
    case IMM_Z: return d->opsize == 2 ? 2 : 4;
    case IMM_V: return d->opsize;
    case IMM_MOFFS: return d->addrsize;
    case IMM_FAR: return d->opsize == 2 ? 4 : 6;
    case IMM_WB: return 3;
    case IMM_GRP3: return (d->reg & 7) < 2 ? (d->opsize == 1 ? 1 : d->opsize == 2 ? 2 : 4) : 0;
    default: return 0;
    }
}

static int decode_imm(X86Decoded *d, Cursor *c, unsigned kind)
{
    unsigned n = imm_bytes(d, kind);
    uint64_t v = 0;
    d->imm_size = n;
    if (!n) {
        return DEC_OK;
    }
    if (kind == IMM_FAR || kind == IMM_WB) {
        unsigned first = kind == IMM_WB ? 2 : n - 2;
        uint64_t hi;
        if (!take(c, first, &v) || !take(c, n - first, &hi)) {
            return DEC_TRUNC;
        }
        d->imm = v;
        d->imm2 = hi;
        return DEC_OK;
    }
    if (!take(c, n, &v)) {
        return DEC_TRUNC;
    }
    /* Immediates are sign-extended to the operand size, except the
     * unsigned kinds (moffs, imm16 of RET/ENTER). */
    d->imm = (kind == IMM_MOFFS || kind == IMM_W) ? v : (uint64_t)sign_extend(v, n);
    return DEC_OK;
}

/* VEX (C4/C5), EVEX (62) and XOP (8F): the length, then #UD. */
static int decode_vex(X86Decoded *d, Cursor *c, int bits, uint8_t kind)
{
    uint64_t b1, b2 = 0, b3, op;
    unsigned map;
    d->vex = kind;
    if (!take(c, 1, &b1)) {
        return DEC_TRUNC;
    }
    if (kind == 0xc5) {
        map = 1;
    } else if (kind == 0x62) {
        if (!take(c, 1, &b2) || !take(c, 1, &b3)) {
            return DEC_TRUNC;
        }
        map = b1 & 3;
        if (!map || (b1 & 0x0c) || !(b2 & 4)) {
            return DEC_UD;
        }
    } else {
        if (!take(c, 1, &b2)) {
            return DEC_TRUNC;
        }
        map = b1 & 0x1f;
    }
    if (bits == 64 && kind != 0x62) {
        d->rex = 0x40 | (((b1 >> 7) & 1) ^ 1) << 2;
        if (kind != 0xc5) {
            d->rex |= ((((b1 >> 6) & 1) ^ 1) << 1) | (((b1 >> 5) & 1) ^ 1);
        }
    }
    if (!take(c, 1, &op)) {
        return DEC_TRUNC;
    }
    unsigned imm = 0;
    if (kind == 0x8f) {
        if (map < 8 || map > 10) {
            return DEC_UD;
        }
        imm = map == 8 ? 1 : map == 10 ? 4 : 0;
    } else {
        if (map < 1 || map > 3) {
            return DEC_UD;
        }
        if (map == 1 && op == 0x77 && kind != 0x62) {
            d->op = MAP_0F | op;
            d->len = c->pos;
            return DEC_UD;
        }
        imm = map == 3 || (map == 1 && vex_map1_imm8(op)) ? 1 : 0;
    }
    d->op = (map == 1 ? MAP_0F : map == 2 ? MAP_0F38 : MAP_0F3A) | op;
    if (!decode_modrm(d, c, bits, false)) {
        return DEC_TRUNC;
    }
    uint64_t v;
    if (imm && !take(c, imm, &v)) {
        return DEC_TRUNC;
    }
    d->len = c->pos;
    return d->len > 15 ? DEC_TOOLONG : DEC_UD;
}

/* Whether C4/C5/62/8F start a VEX-family prefix here rather than LES/LDS/
 * BOUND/POP: always in 64-bit mode (but for 8F), else when the next byte
 * would be a register-form ModRM. */
static bool is_vex_prefix(uint8_t b, Cursor *c, int bits)
{
    if (c->pos >= c->avail) {
        return false;
    }
    uint8_t next = c->p[c->pos];
    if (b == 0x8f) {
        return (next & 0x1f) >= 8;
    }
    return bits == 64 || (next & 0xc0) == 0xc0;
}

static void set_sizes(X86Decoded *d, int bits)
{
    unsigned f = d->flags;
    if (bits == 64) {
        d->addrsize = d->has_addr67 ? 4 : 8;
        if (d->rex & 8) {
            d->opsize = 8;
        } else if (f & OPF_F64) {
            d->opsize = 8;
        } else if (d->has_66) {
            d->opsize = 2;
        } else {
            d->opsize = (f & OPF_D64) ? 8 : 4;
        }
    } else {
        bool big = (bits == 32) ^ d->has_66;
        d->opsize = big ? 4 : 2;
        d->addrsize = ((bits == 32) ^ d->has_addr67) ? 4 : 2;
    }
    if (f & OPF_BYTE) {
        d->opsize = 1;
    }
}

int x86_decode(X86Decoded *d, const uint8_t *code, size_t avail, int bits)
{
    Cursor c = { code, 0, avail > 15 ? 16 : avail };
    uint64_t b;
    *d = (X86Decoded){ .seg_override = -1, .seg = R_DS,
                       .base = DEC_REG_NONE, .index = DEC_REG_NONE };
    /* Prefixes; a REX counts only right before the opcode. */
    for (;;) {
        if (!take(&c, 1, &b)) {
            return c.pos >= 15 ? DEC_TOOLONG : DEC_TRUNC;
        }
        if (bits == 64 && (b & 0xf0) == 0x40) {
            d->rex = b;
            continue;
        }
        if (!(map_1b[b] & OPF_PFX) || b == 0x0f) {
            break;
        }
        d->rex = 0;
        switch (b) {
        case 0xf0: d->lock = true; break;
        case 0xf2: case 0xf3: d->rep = b; d->last_f2f3 = b; break;
        case 0x66: d->has_66 = true; break;
        case 0x67: d->has_addr67 = true; break;
        default:
            d->seg_override = seg_of_prefix(b);
            break;
        }
    }
    d->sse_prefix = d->last_f2f3 ? d->last_f2f3 : d->has_66 ? 0x66 : 0;
    uint8_t op = b;
    if (op == 0x0f) {
        if (!take(&c, 1, &b)) {
            return DEC_TRUNC;
        }
        if (b == 0x38 || b == 0x3a) {
            uint64_t b3;
            if (!take(&c, 1, &b3)) {
                return DEC_TRUNC;
            }
            d->op = (b == 0x38 ? MAP_0F38 : MAP_0F3A) | b3;
            d->flags = M | (b == 0x3a ? Ib : 0);
        } else {
            d->op = MAP_0F | b;
            d->flags = map_0f[b];
        }
    } else {
        if ((op == 0xc4 || op == 0xc5 || op == 0x62 || op == 0x8f) &&
            is_vex_prefix(op, &c, bits)) {
            if (d->rex || d->has_66 || d->rep || d->lock) {
                return DEC_UD;
            }
            d->addrsize = bits == 64 ? (d->has_addr67 ? 4 : 8) :
                          ((bits == 32) ^ d->has_addr67) ? 4 : 2;
            d->opsize = 4;
            return decode_vex(d, &c, bits, op);
        }
        d->op = op;
        d->flags = map_1b[op];
    }
    unsigned f = d->flags;
    if ((f & OPF_INV) || (bits == 64 && (f & OPF_I64)) ||
        (bits != 64 && (f & OPF_O64))) {
        return DEC_UD;
    }
    set_sizes(d, bits);
    if (f & OPF_MODRM) {
        /* MOV to/from control and debug registers ignore ModRM.mod. */
        bool force_reg = d->op >= (MAP_0F | 0x20) && d->op <= (MAP_0F | 0x23);
        if (!decode_modrm(d, &c, bits, force_reg)) {
            return c.pos >= 15 ? DEC_TOOLONG : DEC_TRUNC;
        }
        /* Group 5 and POP Ev: near CALL/JMP are 64-bit, PUSH defaults to. */
        if (bits == 64 && d->op == 0xff) {
            unsigned r = d->reg & 7;
            if (r == 2 || r == 4) {
                d->flags |= F64;
            } else if (r == 6) {
                d->flags |= D64;
            }
            set_sizes(d, bits);
        }
    }
    if (d->seg_override >= 0 && !(bits == 64 && d->seg_override < R_FS)) {
        d->seg = d->seg_override;
    }
    unsigned imm_kind = OPF_IMM_KIND(d->flags);
    if (d->op == (MAP_0F | 0x78) && d->mod == 3 &&
        (d->sse_prefix == 0xf2 || d->sse_prefix == 0x66)) {
        imm_kind = IMM_W;       /* SSE4a EXTRQ/INSERTQ: two imm8 */
    }
    int r = decode_imm(d, &c, imm_kind);
    if (r != DEC_OK) {
        return c.pos >= 15 ? DEC_TOOLONG : r;
    }
    d->len = c.pos;
    return d->len > 15 ? DEC_TOOLONG : DEC_OK;
}
