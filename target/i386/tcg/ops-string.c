/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * String instructions MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP,
 * REPE and REPNE (Intel SDM vol. 2, "REP/REPE/REPZ/REPNE/REPNZ"). Every
 * iteration commits rCX, rSI and rDI, so a fault or an interrupt between
 * iterations leaves the precise state and the instruction resumes where
 * it stopped. REP MOVS/STOS copy whole pages of RAM at a time.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };
enum { REP_NONE, REP_REP, REP_REPE, REP_REPNE };

static ALWAYS uint64_t idx_get(X86Tcg *t, int r, const Insn *i)
{
    return t->regs[r] & x86_amask[i->asz];
}

/* Writes an index or count register at the address size. */
static ALWAYS void idx_set(X86Tcg *t, int r, const Insn *i, uint64_t v)
{
    switch (i->asz) {
    case 0: set_reg16(t, r, v); break;
    case 1: t->regs[r] = (uint32_t)v; break;
    default: t->regs[r] = v; break;
    }
}

static ALWAYS void idx_step(X86Tcg *t, int r, const Insn *i, int64_t n)
{
    idx_set(t, r, i, t->regs[r] + n * t->df * (int64_t)i->size);
}

/* One iteration; false when REPE/REPNE's condition ends the loop. */
static bool string_step(X86Tcg *t, const Insn *i)
{
    unsigned size = i->size, lg = lg_of(size);
    uint64_t v, w;
    switch (i->op) {
    case STR_MOVS:
        v = ld_size(t, seg_la(t, i->seg, idx_get(t, R_ESI, i)), size);
        st_size(t, seg_la(t, R_ES, idx_get(t, R_EDI, i)), size, v);
        idx_step(t, R_ESI, i, 1);
        idx_step(t, R_EDI, i, 1);
        return true;
    case STR_STOS:
        st_size(t, seg_la(t, R_ES, idx_get(t, R_EDI, i)), size,
                get_reg(t, R_EAX, size));
        idx_step(t, R_EDI, i, 1);
        return true;
    case STR_LODS:
        v = ld_size(t, seg_la(t, i->seg, idx_get(t, R_ESI, i)), size);
        set_reg(t, R_EAX, size, v);
        idx_step(t, R_ESI, i, 1);
        return true;
    case STR_CMPS:
        v = ld_size(t, seg_la(t, i->seg, idx_get(t, R_ESI, i)), size);
        w = ld_size(t, seg_la(t, R_ES, idx_get(t, R_EDI, i)), size);
        idx_step(t, R_ESI, i, 1);
        idx_step(t, R_EDI, i, 1);
        set_cc(t, CC_OP(CC_SUB, lg), (v - w) & size_mask(size), w, v);
        break;
    case STR_SCAS:
        v = get_reg(t, R_EAX, size);
        w = ld_size(t, seg_la(t, R_ES, idx_get(t, R_EDI, i)), size);
        idx_step(t, R_EDI, i, 1);
        set_cc(t, CC_OP(CC_SUB, lg), (v - w) & size_mask(size), w, v);
        break;
    case STR_INS: {
        uint16_t port = t->regs[R_EDX];
        uint64_t la = seg_la(t, R_ES, idx_get(t, R_EDI, i));
        /* Check the destination before the port read has side effects. */
        st_size(t, la, size, ld_size(t, la, size));
        st_size(t, la, size, x86_io_read(t, port, size));
        idx_step(t, R_EDI, i, 1);
        return true;
    }
    default: {
        v = ld_size(t, seg_la(t, i->seg, idx_get(t, R_ESI, i)), size);
        x86_io_write(t, t->regs[R_EDX], size, v);
        idx_step(t, R_ESI, i, 1);
        return true;
    }
    }
    bool zf = ((t->cc_dst & size_mask(size)) == 0);
    return i->op2 == REP_REPE ? zf : i->op2 == REP_REPNE ? !zf : true;
}

/* Host pointer for `len` bytes of plain RAM at la (no MMIO, no code), or
 * NULL; may fault like the access itself. */
static uint8_t *ram_span(X86Tcg *t, uint64_t la, unsigned len, int access)
{
    TLBEntry *e = tlb_entry(t, la);
    uint64_t tag = access == ACC_WRITE ? e->write : e->read;
    if (!tlb_hit(tag, la, len)) {
        e = tlb_fill(t, la, access, t->mmu_idx);
        tag = access == ACC_WRITE ? e->write : e->read;
        if (!tlb_hit(tag, la, len)) {
            return NULL;
        }
    }
    return (uint8_t *)(uintptr_t)(la + e->addend);
}

/* REP MOVS / REP STOS forwards through RAM: whole runs within a page of
 * source and destination. Returns elements done (0: take one slow step). */
static uint64_t string_bulk(X86Tcg *t, const Insn *i, uint64_t count)
{
    unsigned size = i->size;
    uint64_t am = x86_amask[i->asz];
    uint64_t di = idx_get(t, R_EDI, i), si = idx_get(t, R_ESI, i);
    uint64_t dla = seg_la(t, R_ES, di);
    uint64_t n = MIN(count, (TCG_PAGE_SIZE - (dla & (TCG_PAGE_SIZE - 1))) / size);
    n = MIN(n, (am - di) / size + 1);
    uint64_t sla = 0;
    if (i->op == STR_MOVS) {
        sla = seg_la(t, i->seg, si);
        n = MIN(n, (TCG_PAGE_SIZE - (sla & (TCG_PAGE_SIZE - 1))) / size);
        n = MIN(n, (am - si) / size + 1);
    }
    if (!n) {
        return 0;
    }
    unsigned bytes = n * size;
    uint8_t *dst = ram_span(t, dla, bytes, ACC_WRITE);
    if (!dst) {
        return 0;
    }
    if (i->op == STR_MOVS) {
        uint8_t *src = ram_span(t, sla, bytes, ACC_READ);
        /* Filling the source may have evicted the destination's entry. */
        if (!src || dst != ram_span(t, dla, bytes, ACC_WRITE)) {
            return 0;
        }
        if (dst > src && dst < src + bytes) {
            for (unsigned k = 0; k < bytes; k += size) {    /* the pattern fill */
                memcpy(dst + k, src + k, size);
            }
        } else {
            memmove(dst, src, bytes);
        }
        idx_set(t, R_ESI, i, si + bytes);
    } else {
        uint64_t v = get_reg(t, R_EAX, size);
        if (size == 1) {
            memset(dst, v, bytes);
        } else {
            for (unsigned k = 0; k < bytes; k += size) {
                host_st(dst + k, size, v);
            }
        }
    }
    idx_set(t, R_EDI, i, di + bytes);
    return n;
}

HANDLER(h_string)
{
    if (i->op2 == REP_NONE) {
        string_step(t, i);
        NEXT(t, i);
    }
    bool bulk = (i->op == STR_MOVS || i->op == STR_STOS) && t->df > 0;
    for (;;) {
        uint64_t count = idx_get(t, R_ECX, i);
        if (!count) {
            NEXT(t, i);
        }
        uint64_t done = bulk ? string_bulk(t, i, count) : 0;
        bool go_on = true;
        if (!done) {
            go_on = string_step(t, i);
            done = 1;
        }
        idx_set(t, R_ECX, i, count - done);
        if (!go_on) {
            NEXT(t, i);
        }
        if (t->exit_request && count - done) {
            return tb_exit(t, i->eip);  /* resumes at this instruction */
        }
    }
}

bool trans_string(TransCtx *c, const X86Decoded *d, Insn *i)
{
    static const uint8_t ops[16] = {
        [0x4] = STR_MOVS, [0x5] = STR_MOVS, [0x6] = STR_CMPS, [0x7] = STR_CMPS,
        [0xa] = STR_STOS, [0xb] = STR_STOS, [0xc] = STR_LODS, [0xd] = STR_LODS,
        [0xe] = STR_SCAS, [0xf] = STR_SCAS,
    };
    uint8_t op = d->op & 0xff;
    if (d->lock) {
        return false;
    }
    if (op >= 0x6c && op <= 0x6f) {
        i->op = op < 0x6e ? STR_INS : STR_OUTS;
        if (d->opsize == 8) {
            i->size = 4;
        }
        c->end = true;     /* port I/O: back to the loop afterwards */
    } else {
        i->op = ops[op & 0xf];
    }
    bool cond = i->op == STR_CMPS || i->op == STR_SCAS;
    i->op2 = !d->rep ? REP_NONE : !cond ? REP_REP :
             d->rep == 0xf3 ? REP_REPE : REP_REPNE;
    i->fn = h_string;
    return true;
}
