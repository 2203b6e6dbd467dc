/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building a translation block: decode guest instructions from CS:EIP
 * until one that ends the block (a branch, a mode change), a page end or
 * the size limit, and turn each into an IR record through the opcode's
 * translate function. The opcode-to-translator tables are here.
 */
#include "target/i386/tcg/translate.h"
#include "vireo/log.h"
#include <dlfcn.h>

#define TB_MAX_INSNS 128

/* x87 arithmetic and data instructions (ops-x87.c). */
bool trans_x87_full(TransCtx *c, const X86Decoded *d, Insn *i);
bool trans_fwait_x87(TransCtx *c, const X86Decoded *d, Insn *i);
/* SSE arithmetic on the host's unit (ops-sse-int.c). */
bool trans_sse_int(TransCtx *c, const X86Decoded *d, Insn *i);
/* 0F AE with the XSAVE family (ops-xsave.c). */
bool trans_grp15_xsave(TransCtx *c, const X86Decoded *d, Insn *i);

/* SSE moves and logic (ops-sse.c), then the rest. */
static bool trans_sse_any(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->op == (MAP_0F38 | 0xf0) || d->op == (MAP_0F38 | 0xf1)) {
        return trans_crc32(c, d, i);        /* a GPR instruction */
    }
    if (d->op == (MAP_0F38 | 0x82)) {
        return trans_invpcid(c, d, i);
    }
    return trans_sse(c, d, i) || trans_sse_int(c, d, i);
}

static const TransFn trans_1b[256] = {
    [0x00 ... 0x05] = trans_alu, [0x08 ... 0x0d] = trans_alu,
    [0x10 ... 0x15] = trans_alu, [0x18 ... 0x1d] = trans_alu,
    [0x20 ... 0x25] = trans_alu, [0x28 ... 0x2d] = trans_alu,
    [0x30 ... 0x35] = trans_alu, [0x38 ... 0x3d] = trans_alu,
    [0x06] = trans_push_sreg, [0x0e] = trans_push_sreg,
    [0x16] = trans_push_sreg, [0x1e] = trans_push_sreg,
    [0x07] = trans_pop_sreg, [0x17] = trans_pop_sreg, [0x1f] = trans_pop_sreg,
    [0x27] = trans_bcd, [0x2f] = trans_bcd, [0x37] = trans_bcd, [0x3f] = trans_bcd,
    [0x40 ... 0x4f] = trans_incdec_reg,
    [0x50 ... 0x57] = trans_push_reg, [0x58 ... 0x5f] = trans_pop_reg,
    [0x60] = trans_pusha, [0x61] = trans_popa, [0x63] = trans_movsxd,
    [0x68] = trans_push_imm, [0x6a] = trans_push_imm,
    [0x69] = trans_imul, [0x6b] = trans_imul,
    [0x6c ... 0x6f] = trans_string,
    [0x70 ... 0x7f] = trans_jcc,
    [0x80 ... 0x83] = trans_grp1, [0x84 ... 0x85] = trans_test,
    [0x86 ... 0x87] = trans_xchg, [0x88 ... 0x8b] = trans_mov,
    [0x8c] = trans_mov_sreg, [0x8d] = trans_lea, [0x8e] = trans_mov_sreg,
    [0x8f] = trans_pop_rm,
    [0x90 ... 0x97] = trans_xchg_ax,
    [0x98] = trans_cbw, [0x99] = trans_cwd, [0x9a] = trans_callf,
    [0x9b] = trans_fwait_x87, [0x9c] = trans_pushf, [0x9d] = trans_popf,
    [0x9e ... 0x9f] = trans_lahf_sahf,
    [0xa0 ... 0xa3] = trans_mov_moffs, [0xa4 ... 0xa7] = trans_string,
    [0xa8 ... 0xa9] = trans_test, [0xaa ... 0xaf] = trans_string,
    [0xb0 ... 0xbf] = trans_mov_imm,
    [0xc0 ... 0xc1] = trans_grp2, [0xc2 ... 0xc3] = trans_ret,
    [0xc4 ... 0xc5] = trans_lxs, [0xc6 ... 0xc7] = trans_mov,
    [0xc8] = trans_enter, [0xc9] = trans_leave, [0xca ... 0xcb] = trans_retf,
    [0xcc ... 0xce] = trans_int, [0xcf] = trans_iret,
    [0xd0 ... 0xd3] = trans_grp2, [0xd4 ... 0xd5] = trans_bcd,
    [0xd7] = trans_xlat, [0xd8 ... 0xdf] = trans_x87_full,
    [0xe0 ... 0xe3] = trans_loop, [0xe4 ... 0xe7] = trans_io,
    [0xe8] = trans_call, [0xe9] = trans_jmp, [0xea] = trans_jmpf,
    [0xeb] = trans_jmp, [0xec ... 0xef] = trans_io,
    [0xf1] = trans_int, [0xf4] = trans_hlt, [0xf5] = trans_flagop,
    [0xf6 ... 0xf7] = trans_grp3, [0xf8 ... 0xf9] = trans_flagop,
    [0xfa ... 0xfb] = trans_cli_sti, [0xfc ... 0xfd] = trans_flagop,
    [0xfe] = trans_grp4, [0xff] = trans_grp5,
};

static const TransFn trans_0f[256] = {
    [0x00] = trans_grp6, [0x01] = trans_grp7, [0x02 ... 0x03] = trans_lar_lsl,
    [0x05] = trans_syscall, [0x06] = trans_clts, [0x07] = trans_sysret,
    [0x08 ... 0x09] = trans_cache, [0x0b] = trans_ud, [0x0d] = trans_prefetch,
    [0x10 ... 0x17] = trans_sse_any, [0x18] = trans_prefetch,
    [0x19 ... 0x1f] = trans_nop_modrm,
    [0x20] = trans_mov_cr, [0x21] = trans_mov_dr, [0x22] = trans_mov_cr,
    [0x23] = trans_mov_dr, [0x28 ... 0x2f] = trans_sse_any,
    [0x30] = trans_msr, [0x31] = trans_rdtsc, [0x32] = trans_msr,
    [0x34] = trans_sysenter, [0x35] = trans_sysexit,
    [0x40 ... 0x4f] = trans_cmov,
    [0x50 ... 0x76] = trans_sse_any, [0x77] = trans_emms, [0x7c ... 0x7f] = trans_sse_any,
    [0x80 ... 0x8f] = trans_jcc, [0x90 ... 0x9f] = trans_setcc,
    [0xa0] = trans_push_sreg, [0xa1] = trans_pop_sreg, [0xa2] = trans_cpuid,
    [0xa3] = trans_bt, [0xa4 ... 0xa5] = trans_shd,
    [0xa8] = trans_push_sreg, [0xa9] = trans_pop_sreg, [0xab] = trans_bt,
    [0xac ... 0xad] = trans_shd, [0xae] = trans_grp15_xsave, [0xaf] = trans_imul,
    [0xb0 ... 0xb1] = trans_cmpxchg, [0xb2] = trans_lxs, [0xb3] = trans_bt,
    [0xb4 ... 0xb5] = trans_lxs, [0xb6 ... 0xb7] = trans_movx,
    [0xb8] = trans_popcnt, [0xb9] = trans_ud, [0xba] = trans_grp8,
    [0xbb] = trans_bt, [0xbc ... 0xbd] = trans_bitscan,
    [0xbe ... 0xbf] = trans_movx,
    [0xc0 ... 0xc1] = trans_xadd, [0xc2 ... 0xc6] = trans_sse_any,
    [0xc7] = trans_grp9, [0xc8 ... 0xcf] = trans_bswap,
    [0xd0 ... 0xfe] = trans_sse_any, [0xff] = trans_ud,
};

static TransFn trans_lookup(uint16_t op)
{
    switch (op & 0xff00) {
    case MAP_1B: return trans_1b[op & 0xff];
    case MAP_0F: return trans_0f[op & 0xff];
    default: return trans_sse_any;
    }
}

int x86_hflags_bits(uint32_t hflags)
{
    return (hflags & HF_CS64) ? 64 : (hflags & HF_CS32) ? 32 : 16;
}

/* --- Records that are not guest instructions --- */

HANDLER(h_raise_ud)
{
    raise_ud(t);
}

HANDLER(h_raise_gp0)
{
    raise_gp(t, 0);
}

/* The block ends without a branch: go on at the next instruction. */
HANDLER(h_next_chained)
{
    return tb_exit_direct(t, 0, i->eip);
}

HANDLER(h_next)
{
    return tb_exit_indirect(t, i->eip);
}

/* Left behind in a TB whose code was overwritten while it ran. */
HANDLER(h_exit_here)
{
    return tb_exit(t, i->eip);
}

void tcg_tb_poison(TB *tb, const Insn *from)
{
    for (Insn *i = tb->insns; i < tb->insns + tb->ninsns; i++) {
        if (i > from || !from) {
            i->fn = h_exit_here;
        }
    }
}

/* --- Fetching --- */

static void log_unimp(TransCtx *c, const uint8_t *bytes, unsigned len)
{
    if (!log_enabled(LOG_UNIMP)) {
        return;
    }
    GString *s = g_string_new(NULL);
    for (unsigned k = 0; k < len && k < 15; k++) {
        g_string_append_printf(s, " %02x", bytes[k]);
    }
    log_printf("tcg: undefined or unimplemented instruction at %04x:%"
               G_GINT64_MODIFIER "x:%s\n",
               c->t->env->segs[R_CS].selector, c->eip, s->str);
    g_string_free(s, true);
}

static void fill_operands(TransCtx *c, const X86Decoded *d, Insn *i)
{
    *i = (Insn){
        .eip = c->eip, .len = d->len, .size = d->opsize, .imm = d->imm,
        .imm2 = d->imm2, .seg = d->seg,
        .asz = d->addrsize == 2 ? 0 : d->addrsize == 4 ? 1 : 2,
        .reg = reg_operand(d, d->reg, d->opsize),
        .index = REG_NONE,
    };
    if (d->mem) {
        i->rm = d->base == DEC_REG_RIP ? REG_NONE : d->base;
        i->index = d->index;
        i->scale = d->scale;
        i->disp = d->base == DEC_REG_RIP ? (int64_t)(c->next_eip + d->disp)
                                         : d->disp;
    } else {
        i->rm = reg_operand(d, d->rm, d->opsize);
    }
}

/* Copies up to 16 code bytes at la into buf: those on its page, and those
 * of the next page if it can be fetched without a fault (its physical
 * page into *page2). Returns how many bytes are on la's page. */
static unsigned fetch_window(TransCtx *c, const uint8_t *page_host, uint64_t la,
                             uint8_t *buf, unsigned *avail, uint64_t *page2)
{
    unsigned off = la & (TCG_PAGE_SIZE - 1);
    unsigned n = MIN(16u, TCG_PAGE_SIZE - off);
    memcpy(buf, page_host + off, n);
    *avail = n;
    if (n < 16) {
        uint64_t p2;
        const uint8_t *h2 = tlb_code_ptr(c->t, (la + n) & c->t->la_mask, false, &p2);
        if (h2) {
            memcpy(buf + n, h2, 16 - n);
            *avail = 16;
            *page2 = p2 & TCG_PAGE_MASK;
        }
    }
    return n;
}

/* -d op: the records of a new TB. Handlers are shown as their offset in
 * the executable, which `nm` resolves to a name. */
static void log_op(const TB *tb)
{
    Dl_info info = { 0 };
    dladdr((void *)(uintptr_t)x86_translate, &info);
    uintptr_t base = (uintptr_t)info.dli_fbase;
    log_printf("OP: TB pc %016" G_GINT64_MODIFIER "x phys %" G_GINT64_MODIFIER
               "x flags %x, %u records\n", tb->pc, tb->phys_pc, tb->flags,
               tb->ninsns);
    for (unsigned k = 0; k < tb->ninsns; k++) {
        const Insn *i = &tb->insns[k];
        log_printf("  %08" G_GINT64_MODIFIER "x len %u fn %#lx op %u/%u size %u "
                   "reg %u rm %u idx %u*%u seg %u asz %u disp %" G_GINT64_MODIFIER
                   "x imm %" G_GINT64_MODIFIER "x\n", i->eip, i->len,
                   (unsigned long)((uintptr_t)i->fn - base), i->op, i->op2, i->size, i->reg,
                   i->rm, i->index, 1u << i->scale, i->seg, i->asz,
                   (uint64_t)i->disp, i->imm);
    }
}

TB *x86_translate(X86Tcg *t, uint64_t pc, uint64_t phys_pc)
{
    TransCtx c = {
        .t = t, .cs_base = t->segbase[R_CS], .eip = t->rip,
        .flags = t->hflags, .bits = x86_hflags_bits(t->hflags),
        .page = pc & TCG_PAGE_MASK,
    };
    c.eip_mask = c.bits == 64 ? ~(uint64_t)0 : c.bits == 32 ? 0xffffffffu : 0xffff;
    c.ssize = c.bits == 64 ? 8 : (t->hflags & HF_SS32) ? 4 : 2;
    uint64_t paddr;
    const uint8_t *host = tlb_code_ptr(t, pc, true, &paddr);
    TB *tb = tb_alloc(TB_MAX_INSNS + 1);
    if (!tb) {
        return NULL;
    }
    *tb = (TB){ .pc = pc, .cs_base = c.cs_base, .flags = c.flags,
                .phys_pc = phys_pc, .page2 = ~(uint64_t)0, .insns = tb->insns };
    const uint8_t *page_host = host - (pc & (TCG_PAGE_SIZE - 1));
    unsigned n = 0, bytes = 0;
    Insn *i = tb->insns;
    for (;;) {
        uint8_t buf[16];
        uint64_t la = (c.cs_base + c.eip) & t->la_mask;
        bool first = n == 0;
        unsigned avail;
        uint64_t page2 = ~(uint64_t)0;
        unsigned on_page = fetch_window(&c, page_host, la, buf, &avail, &page2);
        X86Decoded d;
        int r = x86_decode(&d, buf, avail, c.bits);
        bool crosses = r == DEC_TRUNC || (r == DEC_OK && d.len > on_page);
        if (crosses && !first) {
            /* It gets a TB of its own, where a fault is precise. */
            *i = (Insn){ .fn = trans_can_chain(&c, c.eip) ? h_next_chained : h_next,
                         .eip = c.eip };
            n++;
            break;
        }
        if (r == DEC_TRUNC) {
            /* The rest of the instruction is on a page that cannot be
             * fetched: the fault is raised there. */
            tlb_code_ptr(t, (la + on_page) & t->la_mask, true, &paddr);
            r = DEC_UD;
        } else if (crosses) {
            tb->page2 = page2;
        }
        c.next_eip = (c.eip + (r == DEC_OK ? d.len : 0)) & c.eip_mask;
        c.end = c.branch = false;
        if (r == DEC_OK) {
            fill_operands(&c, &d, i);
            TransFn fn = trans_lookup(d.op);
            if (!fn || !fn(&c, &d, i)) {
                log_unimp(&c, buf, d.len);
                *i = (Insn){ .fn = h_raise_ud, .eip = c.eip, .len = d.len };
                c.branch = true;
            }
        } else {
            if (r == DEC_UD) {
                log_unimp(&c, buf, avail);
            }
            *i = (Insn){ .fn = r == DEC_TOOLONG ? h_raise_gp0 : h_raise_ud,
                         .eip = c.eip };
            c.branch = true;
        }
        n++;
        i++;
        bytes += i[-1].len;
        if (c.branch) {
            break;
        }
        if (c.end) {
            /* Back to the loop, which looks at what the instruction
             * changed (mode, interrupts, devices). */
            *i = (Insn){ .fn = h_exit_here, .eip = c.next_eip };
            n++;
            break;
        }
        c.eip = c.next_eip;
        uint64_t next_la = (c.cs_base + c.eip) & t->la_mask;
        if ((next_la & TCG_PAGE_MASK) != c.page || n >= TB_MAX_INSNS ||
            tb->page2 != ~(uint64_t)0) {
            *i = (Insn){ .fn = trans_can_chain(&c, c.eip) ? h_next_chained : h_next,
                         .eip = c.eip };
            n++;
            break;
        }
    }
    tb->ninsns = n;
    tb->size = bytes ? bytes : 1;
    tb_commit(tb);
    if (log_enabled(LOG_IN_ASM)) {
        uint8_t code[TB_MAX_INSNS * 15];
        unsigned len = MIN(bytes, sizeof(code));
        unsigned first_part = MIN(len, TCG_PAGE_SIZE - (pc & (TCG_PAGE_SIZE - 1)));
        memcpy(code, host, first_part);
        if (len > first_part) {
            const uint8_t *h2 = tlb_code_ptr(t, (pc + first_part) & t->la_mask,
                                             false, &paddr);
            if (h2) {
                memcpy(code + first_part, h2, len - first_part);
            } else {
                len = first_part;
            }
        }
        tcg_log_in_asm(pc, code, len, c.bits);
    }
    if (log_enabled(LOG_OP)) {
        log_op(tb);
    }
    if (accel_tcg_jit && x86_jit_compile(tb) == JIT_FULL) {
        return NULL;                /* the caller flushes and tries again */
    }
    return tb;
}
