/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Translation of decoded x86 instructions into IR records: each opcode has
 * a translate function (in the file of its instruction group) that picks
 * the handler for the operand size and form and fills the operands.
 */
#ifndef TARGET_I386_TCG_TRANSLATE_H
#define TARGET_I386_TCG_TRANSLATE_H

#include "target/i386/tcg/decode.h"
#include "target/i386/tcg/x86-tcg.h"

typedef struct TransCtx {
    X86Tcg *t;
    uint64_t cs_base;
    uint64_t eip;               /* of the instruction being translated */
    uint64_t next_eip;          /* masked to the code size */
    uint64_t eip_mask;
    uint64_t page;              /* linear page of the TB: chaining stays in it */
    uint32_t flags;
    int bits;                   /* 16, 32, 64 */
    unsigned ssize;             /* stack pointer size: 2, 4, 8 */
    bool end;                   /* the TB ends after this instruction (and
                                   a record returning to the loop follows) */
    bool branch;                /* its handler always leaves the TB itself */
} TransCtx;

/* Fills `i` (already holding the common operand fields) for the decoded
 * instruction; false: undefined here, raise #UD. */
typedef bool (*TransFn)(TransCtx *c, const X86Decoded *d, Insn *i);

/* The register operand as handlers address it: byte offset in regs[] for
 * 8-bit operands (AH..BH without REX), index otherwise. */
static inline uint8_t reg_operand(const X86Decoded *d, unsigned r, unsigned size)
{
    if (size != 1 || d->rex || r < 4) {
        return size == 1 ? r * 8 : r;
    }
    return (r - 4) * 8 + 1;
}

static inline unsigned lg_of(unsigned size)
{
    return size_log2(size);
}

/* Whether a direct branch to eip may be chained (same page as the TB). */
static inline bool trans_can_chain(TransCtx *c, uint64_t eip)
{
    return (((c->cs_base + eip) & c->t->la_mask) & TCG_PAGE_MASK) == c->page;
}

/* Instruction groups (one file each). */
bool trans_alu(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp1(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_test(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_incdec_reg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp2(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp3(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp4(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp5(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_imul(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_bt(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp8(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_bitscan(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_popcnt(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_crc32(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_invpcid(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_shd(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_bswap(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cmpxchg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_xadd(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp9(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cbw(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cwd(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_bcd(TransCtx *c, const X86Decoded *d, Insn *i);

bool trans_mov(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_mov_imm(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_mov_moffs(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_movx(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_movsxd(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_lea(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_xchg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_xchg_ax(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_push_reg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pop_reg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_push_imm(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pop_rm(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_push_rm(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pusha(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_popa(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_enter(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_leave(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cmov(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_setcc(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_flagop(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_lahf_sahf(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_xlat(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_string(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_nop_modrm(TransCtx *c, const X86Decoded *d, Insn *i);

bool trans_jcc(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_jmp(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_call(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_ret(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_loop(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_jmpf(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_callf(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_retf(TransCtx *c, const X86Decoded *d, Insn *i);

bool trans_io(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_hlt(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cli_sti(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pushf(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_popf(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_int(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_iret(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_mov_sreg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_push_sreg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pop_sreg(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_lxs(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp6(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp7(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_lar_lsl(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_mov_cr(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_mov_dr(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_clts(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cpuid(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_rdtsc(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_msr(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_cache(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_syscall(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_sysret(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_sysenter(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_sysexit(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_ud(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_pause(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_grp15(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_prefetch(TransCtx *c, const X86Decoded *d, Insn *i);

bool trans_sse(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_x87(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_fwait(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_emms(TransCtx *c, const X86Decoded *d, Insn *i);

#endif
