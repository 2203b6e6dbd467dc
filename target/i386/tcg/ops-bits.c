/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bit operations: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT/POPCNT where the
 * CPU model has them, BSWAP (Intel SDM vol. 2, BT ... BTS, BSF, BSR,
 * TZCNT, LZCNT, POPCNT, BSWAP).
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static uint64_t bt_apply(int op, uint64_t v, unsigned bit)
{
    uint64_t b = (uint64_t)1 << bit;
    switch (op) {
    case BT_SET: return v | b;
    case BT_RESET: return v & ~b;
    case BT_COMPLEMENT: return v ^ b;
    default: return v;
    }
}

/* CF is the bit; the other flags stay as they were. */
static void bt_flags(X86Tcg *t, bool bit)
{
    set_cc_eflags(t, (cc_compute_all(t) & ~F_CF) | (bit ? F_CF : 0));
}

/* op: the operation; op2 bit 0 memory, bit 1 bit offset in imm. */
HANDLER(h_bt)
{
    unsigned size = i->size, lg = lg_of(size), bits = 8 * size;
    bool imm = i->op2 & 2;
    uint64_t off = imm ? i->imm : get_reg(t, i->reg, size);
    unsigned bit = off & (bits - 1);
    if (!(i->op2 & 1)) {
        uint64_t v = get_reg(t, i->rm, size);
        if (i->op != BT_TEST) {
            set_reg(t, i->rm, size, bt_apply(i->op, v, bit));
        }
        bt_flags(t, (v >> bit) & 1);
        NEXT(t, i);
    }
    uint64_t ea = insn_ea(t, i);
    if (!imm) {
        /* A register offset reaches any bit: signed, in operand units. */
        ea = (ea + (uint64_t)((sext(off, lg) >> (3 + lg)) * (int64_t)size)) &
             x86_amask[i->asz];
    }
    uint64_t la = seg_la(t, i->seg, ea), v;
    if (i->op == BT_TEST) {
        v = ld_size(t, la, size);
    } else {
        void *p = rmw_ptr(t, la, size);
        v = p ? host_ld(p, size) : ld_size(t, la, size);
        rmw_store(t, p, la, size, bt_apply(i->op, v, bit));
    }
    bt_flags(t, (v >> bit) & 1);
    NEXT(t, i);
}

static bool trans_bt_common(const X86Decoded *d, Insn *i, int op, bool imm)
{
    if (d->lock && (!d->mem || op == BT_TEST)) {
        return false;
    }
    i->op = op;
    i->op2 = d->mem | (imm ? 2 : 0);
    i->fn = h_bt;
    return true;
}

/* 0F A3 BT, AB BTS, B3 BTR, BB BTC: Ev, Gv. */
bool trans_bt(TransCtx *c, const X86Decoded *d, Insn *i)
{
    return trans_bt_common(d, i, ((d->op & 0xff) >> 3) & 3, false);
}

/* 0F BA /4-/7: Ev, Ib. */
bool trans_grp8(TransCtx *c, const X86Decoded *d, Insn *i)
{
    unsigned r = d->reg & 7;
    if (r < 4) {
        return false;
    }
    i->imm &= 0xff;
    return trans_bt_common(d, i, r - 4, true);
}

/* --- Bit scans and counts --- */

enum { SCAN_BSF, SCAN_BSR, SCAN_TZCNT, SCAN_LZCNT, SCAN_POPCNT };

HANDLER(h_bitscan)
{
    unsigned size = i->size, bits = 8 * size;
    uint64_t v = rm_read(t, i, size);
    uint64_t r;
    switch (i->op) {
    case SCAN_BSF:
    case SCAN_BSR:
        if (v) {
            r = i->op == SCAN_BSF ? (unsigned)__builtin_ctzll(v)
                                  : 63u - __builtin_clzll(v);
            set_reg(t, i->reg, size, r);
        }
        set_cc(t, CC_OP(CC_LOGIC, lg_of(size)), v, 0, 0);
        NEXT(t, i);
    case SCAN_POPCNT:
        r = __builtin_popcountll(v);
        set_reg(t, i->reg, size, r);
        set_cc_eflags(t, v ? 0 : F_ZF);
        NEXT(t, i);
    default:
        if (!v) {
            r = bits;
        } else if (i->op == SCAN_TZCNT) {
            r = __builtin_ctzll(v);
        } else {
            r = __builtin_clzll(v) - (64 - bits);
        }
        set_reg(t, i->reg, size, r);
        set_cc_eflags(t, (cc_compute_all(t) & ~(F_CF | F_ZF)) |
                         (v ? 0 : F_CF) | (r ? 0 : F_ZF));
        NEXT(t, i);
    }
}

/* 0F BC/BD: BSF/BSR, or with F3 TZCNT/LZCNT when BMI1/ABM are there. */
bool trans_bitscan(TransCtx *c, const X86Decoded *d, Insn *i)
{
    bool bsr = (d->op & 0xff) == 0xbd;
    if (d->lock) {
        return false;
    }
    i->op = bsr ? SCAN_BSR : SCAN_BSF;
    if (d->rep == 0xf3) {
        if (!bsr && x86_feature(c->t, 7, 'b', 3)) {
            i->op = SCAN_TZCNT;
        } else if (bsr && x86_feature(c->t, 0x80000001, 'c', 5)) {
            i->op = SCAN_LZCNT;
        }
    }
    i->op2 = d->mem;
    i->fn = h_bitscan;
    return true;
}

/* F3 0F B8: POPCNT. */
bool trans_popcnt(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->rep != 0xf3 || d->lock || !x86_feature(c->t, 1, 'c', 23)) {
        return false;
    }
    i->op = SCAN_POPCNT;
    i->op2 = d->mem;
    i->fn = h_bitscan;
    return true;
}

/* --- CRC32 (SSE4.2) --- */

/* CRC-32C (Castagnoli, bit-reflected polynomial 0x82F63B78) over the low
 * n bytes of v, from crc (SDM vol. 2, CRC32). */
static uint32_t crc32c_bytes(uint32_t crc, uint64_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        crc ^= (uint8_t)(v >> (8 * k));
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
        }
    }
    return crc;
}

/* op: source bytes; op2: memory source. The result is 32 bits, also for
 * the 64-bit form (zero-extended). */
HANDLER(h_crc32)
{
    uint64_t v = i->op2 ? ld_size(t, insn_la(t, i), i->op) : get_reg(t, i->rm, i->op);
    t->regs[i->reg] = crc32c_bytes((uint32_t)t->regs[i->reg], v, i->op);
    NEXT(t, i);
}

/* F2 0F 38 F0 CRC32 Gd, Eb; F2 0F 38 F1 CRC32 Gd, Ev (Gq with REX.W). */
bool trans_crc32(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->rep != 0xf2 || d->lock || !x86_feature(c->t, 1, 'c', 20)) {
        return false;
    }
    unsigned n = (d->op & 0xff) == 0xf0 ? 1 : d->opsize;
    i->op = n;
    i->op2 = d->mem;
    i->reg = d->reg;
    if (!d->mem) {
        i->rm = reg_operand(d, d->rm, n);
    }
    i->fn = h_crc32;
    return true;
}

/* --- BSWAP --- */

HANDLER(h_bswap)
{
    switch (i->size) {
    case 8: t->regs[i->rm] = __builtin_bswap64(t->regs[i->rm]); break;
    case 4: t->regs[i->rm] = __builtin_bswap32((uint32_t)t->regs[i->rm]); break;
    default: set_reg16(t, i->rm, 0); break;    /* undefined: clears */
    }
    NEXT(t, i);
}

bool trans_bswap(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->rm = (d->op & 7) | ((d->rex & 1) << 3);
    i->fn = h_bswap;
    return !d->lock;
}
