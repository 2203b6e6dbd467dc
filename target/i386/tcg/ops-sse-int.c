/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SSE/SSE2/SSE3/SSSE3/SSE4.1/4.2 arithmetic, compare, shuffle, convert and
 * MMX integer instructions (Intel SDM vol. 2): each runs on the host's own
 * SSE unit (x86-64 host) as a stub "<the instruction on xmm0/xmm1/rax>; ret"
 * built once per encoding, with the guest's operands and MXCSR loaded.
 */
#include "target/i386/tcg/translate.h"
#include "target/i386/tcg/insn-inline.h"
#include <glib.h>
#include <sys/mman.h>

#define MXCSR_FLAGS 0x3fu
#define MXCSR_MASKS (0x3fu << 7)

/* Operand shapes; the host stub's ModRM follows from them. */
enum {
    K_VV,           /* reg = op(reg, rm/mem): host xmm0, xmm1 */
    K_SHIFT,        /* 0F 71-73: rm = op(rm, imm): host xmm0 */
    K_TO_GPR,       /* GPR reg = op(rm/mem): host rax, xmm1 */
    K_FROM_GPR,     /* reg = op(reg, GPR/mem rm): host xmm0, rax */
    K_FLAGS,        /* EFLAGS = op(reg, rm/mem): host xmm0, xmm1 */
    K_EXTRACT,      /* GPR/mem rm = op(reg): host xmm1, rax */
    K_STRI,         /* ECX, EFLAGS = op(reg, rm/mem[, EAX, EDX]) */
    K_STRM,         /* XMM0, EFLAGS = op(reg, rm/mem) */
    K_BLENDV,       /* reg = op(reg, rm/mem, XMM0): host xmm1, xmm2, xmm0 */
};

/* op2 bits of a record. F_INT: an integer operation, which neither
 * reads nor changes MXCSR and leaves EFLAGS alone, so the stub runs
 * without the (slow) MXCSR switch. */
enum { F_MEM = 1, F_MMX = 2, F_ALIGN = 4, F_INT = 8 };

/* Which prefixes (bit 0 none, 1 66, 2 F3, 3 F2) an opcode has, the
 * operand shape, and whether the no-prefix form uses MMX registers. */
typedef struct SseOp {
    uint8_t pfx, kind;
    bool mmx;
} SseOp;

#define P_NONE 1
#define P_66 2
#define P_F3 4
#define P_F2 8
#define P_ALL 15

#define VV(p) { (p), K_VV, false }
#define MM(p) { (p), K_VV, true }

static const SseOp map_0f_ops[256] = {
    [0x12] = VV(P_F3 | P_F2), [0x16] = VV(P_F3),
    [0x14] = VV(P_NONE | P_66), [0x15] = VV(P_NONE | P_66),
    [0x2a] = { P_F3 | P_F2, K_FROM_GPR },
    [0x2c] = { P_F3 | P_F2, K_TO_GPR }, [0x2d] = { P_F3 | P_F2, K_TO_GPR },
    [0x2e] = { P_NONE | P_66, K_FLAGS }, [0x2f] = { P_NONE | P_66, K_FLAGS },
    [0x50] = { P_NONE | P_66, K_TO_GPR },
    [0x51] = VV(P_ALL), [0x52] = VV(P_NONE | P_F3), [0x53] = VV(P_NONE | P_F3),
    [0x58 ... 0x5a] = VV(P_ALL), [0x5b] = VV(P_NONE | P_66 | P_F3),
    [0x5c ... 0x5f] = VV(P_ALL),
    [0x60 ... 0x6b] = MM(P_NONE | P_66), [0x6c ... 0x6d] = VV(P_66),
    [0x70] = MM(P_ALL),
    [0x71 ... 0x73] = { P_NONE | P_66, K_SHIFT, true },
    [0x74 ... 0x76] = MM(P_NONE | P_66),
    [0x7c ... 0x7d] = VV(P_66 | P_F2),
    [0xc2] = VV(P_ALL),
    [0xc4] = { P_NONE | P_66, K_FROM_GPR, true },
    [0xc5] = { P_NONE | P_66, K_TO_GPR, true },
    [0xc6] = VV(P_NONE | P_66),
    [0xd0] = VV(P_66 | P_F2),
    [0xd1 ... 0xd5] = MM(P_NONE | P_66),
    [0xd7] = { P_NONE | P_66, K_TO_GPR, true },
    [0xd8 ... 0xda] = MM(P_NONE | P_66), [0xdc ... 0xde] = MM(P_NONE | P_66),
    [0xe0 ... 0xe5] = MM(P_NONE | P_66), [0xe6] = VV(P_66 | P_F3 | P_F2),
    [0xe8 ... 0xea] = MM(P_NONE | P_66), [0xec ... 0xee] = MM(P_NONE | P_66),
    [0xf0] = VV(P_F2),
    [0xf1 ... 0xf6] = MM(P_NONE | P_66), [0xf8 ... 0xfe] = MM(P_NONE | P_66),
};

static const SseOp map_0f38_ops[256] = {
    [0x00 ... 0x0b] = MM(P_NONE | P_66), [0x1c ... 0x1e] = MM(P_NONE | P_66),
    [0x10] = { P_66, K_BLENDV }, [0x14 ... 0x15] = { P_66, K_BLENDV },
    [0x17] = { P_66, K_FLAGS },
    [0x20 ... 0x25] = VV(P_66), [0x28 ... 0x29] = VV(P_66), [0x2b] = VV(P_66),
    [0x30 ... 0x35] = VV(P_66), [0x37 ... 0x41] = VV(P_66),
};

static const SseOp map_0f3a_ops[256] = {
    [0x08 ... 0x0e] = VV(P_66), [0x0f] = MM(P_NONE | P_66),
    [0x14 ... 0x17] = { P_66, K_EXTRACT },
    [0x20] = { P_66, K_FROM_GPR }, [0x21] = VV(P_66), [0x22] = { P_66, K_FROM_GPR },
    [0x40 ... 0x42] = VV(P_66), [0x44] = VV(P_66),
    [0x60] = { P_66, K_STRM }, [0x61] = { P_66, K_STRI },
    [0x62] = { P_66, K_STRM }, [0x63] = { P_66, K_STRI },
};

/* Memory operand bytes of the register-vector forms other than 16 (or 8
 * for MMX): scalars, half-width conversions and sign/zero extensions. */
static unsigned mem_size(const X86Decoded *d, bool mmx)
{
    unsigned op = d->op & 0xff, p = d->sse_prefix;
    bool w = d->rex & 8;
    switch (d->op & 0xff00) {
    case MAP_0F:
        switch (op) {
        case 0x12: case 0x16: return p == 0xf2 ? 8 : 16;
        case 0x2a: return w ? 8 : 4;
        case 0x2c: case 0x2d: case 0x2e: case 0x2f:
            return (p == 0xf3 || p == 0) ? 4 : 8;
        case 0x5a:
            return p == 0xf3 ? 4 : p == 0x66 ? 16 : 8;
        case 0x5b: return 16;
        case 0x60: case 0x61: case 0x62: return mmx ? 4 : 16;
        case 0xc4: return 2;
        case 0xe6: return p == 0xf3 ? 8 : 16;
        default: break;
        }
        if (p == 0xf3 && ((op >= 0x51 && op <= 0x5f) || op == 0xc2)) {
            return 4;
        }
        if (p == 0xf2 && ((op >= 0x51 && op <= 0x5f) || op == 0xc2)) {
            return 8;
        }
        break;
    case MAP_0F38:
        switch (op & 0xf) {
        case 0: case 3: case 5: if (op >= 0x20 && op <= 0x35) return 8; break;
        case 1: case 4: if (op >= 0x20 && op <= 0x35) return 4; break;
        case 2: if (op >= 0x20 && op <= 0x35) return 2; break;
        default: break;
        }
        break;
    case MAP_0F3A:
        switch (op) {
        case 0x0a: case 0x21: return 4;
        case 0x0b: return 8;
        case 0x14: case 0x20: return 1;
        case 0x15: return 2;
        case 0x16: case 0x22: return w ? 8 : 4;
        case 0x17: return 4;
        default: break;
        }
        break;
    }
    return mmx ? 8 : 16;
}

/* Legacy SSE 16-byte memory operands must be aligned, except these. */
static bool needs_align(const X86Decoded *d, unsigned msize)
{
    unsigned op = d->op & 0xff;
    if (msize != 16) {
        return false;
    }
    if ((d->op & 0xff00) == MAP_0F3A && op >= 0x60 && op <= 0x63) {
        return false;
    }
    return !((d->op & 0xff00) == MAP_0F && op == 0xf0);
}

/* --- Host stubs --- */

enum { STUB_SLOT = 32, STUB_AREA = 64 * 1024 };

static GMutex stub_lock;
static GHashTable *stub_cache;
static uint8_t *stub_area;
static size_t stub_used = STUB_AREA;

/* The stub for `code` (len bytes, then a RET), shared by all records
 * with the same encoding; NULL if no executable memory. */
static void *stub_get(const uint8_t *code, unsigned len)
{
    uint8_t key[STUB_SLOT] = { 0 };
    memcpy(key, code, len);
    key[len] = 0xc3;
    g_mutex_lock(&stub_lock);
    if (!stub_cache) {
        stub_cache = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                           (GDestroyNotify)g_bytes_unref, NULL);
    }
    GBytes *b = g_bytes_new(key, sizeof(key));
    void *p = g_hash_table_lookup(stub_cache, b);
    if (!p) {
        if (stub_used + STUB_SLOT > STUB_AREA) {
            void *a = mmap(NULL, STUB_AREA, PROT_READ | PROT_WRITE | PROT_EXEC,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (a != MAP_FAILED) {
                stub_area = a;
                stub_used = 0;
            }
        }
        if (stub_used + STUB_SLOT <= STUB_AREA) {
            p = stub_area + stub_used;
            stub_used += STUB_SLOT;
            memcpy(p, key, sizeof(key));
            g_hash_table_insert(stub_cache, g_bytes_ref(b), p);
        }
    }
    g_bytes_unref(b);
    g_mutex_unlock(&stub_lock);
    return p;
}

typedef struct HostOps {
    uint8_t x0[16], x1[16], x2[16];
    uint64_t rax, rcx, rdx, flags;
    uint32_t mxcsr;
} HostOps;

/* Runs a stub on xmm0-2 (or mm0/mm1), rax, rcx, rdx, the flags and MXCSR
 * of *h; the host's MXCSR is restored afterwards. */
static void host_run_xmm(HostOps *h, void *stub)
{
    uint32_t saved;
    __asm__ volatile("stmxcsr %[saved]\n\t"
                     "ldmxcsr %[mx]\n\t"
                     "movdqu (%[h]), %%xmm0\n\t"
                     "movdqu 16(%[h]), %%xmm1\n\t"
                     "movdqu 32(%[h]), %%xmm2\n\t"
                     "lea -128(%%rsp), %%rsp\n\t"
                     "call *%[fn]\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     "pushfq\n\t"
                     "popq %[fl]\n\t"
                     "movdqu %%xmm0, (%[h])\n\t"
                     "movdqu %%xmm1, 16(%[h])\n\t"
                     "stmxcsr %[mx]\n\t"
                     "ldmxcsr %[saved]\n\t"
                     : [saved] "=m"(saved), [mx] "+m"(h->mxcsr), "+a"(h->rax),
                       "+c"(h->rcx), "+d"(h->rdx), [fl] "=&r"(h->flags)
                     : [h] "r"(h), [fn] "r"(stub)
                     : "xmm0", "xmm1", "xmm2", "memory", "cc");
}

/* The same for integer operations: no MXCSR, no flags. */
static void host_run_xmm_int(HostOps *h, void *stub)
{
    __asm__ volatile("movdqu (%[h]), %%xmm0\n\t"
                     "movdqu 16(%[h]), %%xmm1\n\t"
                     "movdqu 32(%[h]), %%xmm2\n\t"
                     "lea -128(%%rsp), %%rsp\n\t"
                     "call *%[fn]\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     "movdqu %%xmm0, (%[h])\n\t"
                     "movdqu %%xmm1, 16(%[h])\n\t"
                     : "+a"(h->rax), "+c"(h->rcx), "+d"(h->rdx)
                     : [h] "r"(h), [fn] "r"(stub)
                     : "xmm0", "xmm1", "xmm2", "memory", "cc");
}

static void host_run_mmx(HostOps *h, void *stub)
{
    __asm__ volatile("movq (%[h]), %%mm0\n\t"
                     "movq 16(%[h]), %%mm1\n\t"
                     "lea -128(%%rsp), %%rsp\n\t"
                     "call *%[fn]\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     "movq %%mm0, (%[h])\n\t"
                     "emms\n\t"
                     : "+a"(h->rax)
                     : [h] "r"(h), [fn] "r"(stub)
                     : "mm0", "mm1", "memory", "cc");
}

/* --- Execution --- */

static uint8_t *vreg(X86Tcg *t, bool mmx, unsigned n)
{
    return t->env->fxsave + (mmx ? FX_ST0 + 16 * (n & 7) : FX_XMM0 + 16 * n);
}

static void check_avail(X86Tcg *t, bool mmx)
{
    X86State *env = t->env;
    if ((env->cr0 & CR0_EM) || (!mmx && !(env->cr4 & CR4_OSFXSR))) {
        raise_ud(t);
    }
    if (env->cr0 & CR0_TS) {
        x86_raise(t, EXCP_NM, 0);
    }
}

/* An MMX register write: TOP 0, all tags valid, exponent all ones. */
static void mmx_written(X86Tcg *t, unsigned n)
{
    uint8_t *fx = t->env->fxsave;
    fx[3] &= ~0x38;
    fx[4] = 0xff;
    fx[FX_ST0 + 16 * (n & 7) + 8] = 0xff;
    fx[FX_ST0 + 16 * (n & 7) + 9] = 0xff;
}

/* The rm operand: memory (i->size bytes, zero-extended) or a register. */
static void load_rm(X86Tcg *t, const Insn *i, bool mmx, uint8_t *buf)
{
    if (i->op2 & F_MEM) {
        uint64_t la = insn_la(t, i);
        if ((i->op2 & F_ALIGN) && (la & 15)) {
            raise_gp(t, 0);
        }
        guest_read(t, la, buf, i->size);
    } else {
        memcpy(buf, vreg(t, mmx, i->rm), mmx ? 8 : 16);
    }
}

/* Runs the stub; MXCSR exceptions the guest left unmasked raise #XM
 * (#UD without CR4.OSXMMEXCPT) before any state changes. */
static void run(X86Tcg *t, const Insn *i, HostOps *h, bool mmx)
{
    uint8_t *mx = t->env->fxsave + FX_MXCSR;
    uint32_t guest;
    memcpy(&guest, mx, 4);
    if (mmx) {
        host_run_mmx(h, (void *)(uintptr_t)i->imm);
        return;
    }
    if (i->op2 & F_INT) {
        host_run_xmm_int(h, (void *)(uintptr_t)i->imm);
        return;
    }
    h->mxcsr = guest | MXCSR_MASKS;
    host_run_xmm(h, (void *)(uintptr_t)i->imm);
    uint32_t raised = h->mxcsr & MXCSR_FLAGS & ~guest;
    if (raised & ~(guest >> 7)) {
        if (!(t->env->cr4 & CR4_OSXMMEXCPT)) {
            raise_ud(t);
        }
        guest |= raised;
        memcpy(mx, &guest, 4);
        x86_raise(t, EXCP_XM, 0);
    }
    guest |= h->mxcsr & MXCSR_FLAGS;
    memcpy(mx, &guest, 4);
}

static void put_vec(X86Tcg *t, bool mmx, unsigned n, const uint8_t *v)
{
    memcpy(vreg(t, mmx, n), v, mmx ? 8 : 16);
    if (mmx) {
        mmx_written(t, n);
    }
}

#define HOST_FLAGS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

HANDLER(h_sse_host)
{
    bool mmx = i->op2 & F_MMX;
    HostOps h = { .rax = t->regs[R_EAX], .rcx = t->regs[R_ECX],
                  .rdx = t->regs[R_EDX] };
    check_avail(t, mmx);
    switch (i->op) {
    case K_VV: case K_FLAGS: case K_STRI: case K_STRM:
        load_rm(t, i, mmx, h.x1);
        memcpy(h.x0, vreg(t, mmx, i->reg), mmx ? 8 : 16);
        run(t, i, &h, mmx);
        if (i->op == K_VV) {
            put_vec(t, mmx, i->reg, h.x0);
        } else if (i->op == K_STRM) {
            put_vec(t, false, 0, h.x0);
        }
        if (i->op == K_STRI) {
            set_reg(t, R_ECX, 4, h.rcx);
        }
        if (i->op != K_VV) {
            set_cc_eflags(t, h.flags & HOST_FLAGS);
        }
        break;
    case K_BLENDV:
        load_rm(t, i, false, h.x2);
        memcpy(h.x1, vreg(t, false, i->reg), 16);
        memcpy(h.x0, vreg(t, false, 0), 16);
        run(t, i, &h, false);
        put_vec(t, false, i->reg, h.x1);
        break;
    case K_SHIFT:
        memcpy(h.x0, vreg(t, mmx, i->rm), mmx ? 8 : 16);
        run(t, i, &h, mmx);
        put_vec(t, mmx, i->rm, h.x0);
        break;
    case K_TO_GPR:
        load_rm(t, i, mmx, h.x1);
        run(t, i, &h, mmx);
        set_reg(t, i->reg, i->imm2, h.rax);
        break;
    case K_FROM_GPR:
        h.rax = (i->op2 & F_MEM) ? ld_size(t, insn_la(t, i), i->size)
                                 : t->regs[i->rm];
        memcpy(h.x0, vreg(t, mmx, i->reg), mmx ? 8 : 16);
        run(t, i, &h, mmx);
        put_vec(t, mmx, i->reg, h.x0);
        break;
    default:                                /* K_EXTRACT */
        memcpy(h.x1, vreg(t, false, i->reg), 16);
        run(t, i, &h, false);
        if (i->op2 & F_MEM) {
            st_size(t, insn_la(t, i), i->size, h.rax);
        } else {
            set_reg(t, i->rm, i->imm2, h.rax);
        }
        break;
    }
    if (mmx) {
        t->env->fxsave[3] &= ~0x38;         /* MMX state: TOP 0, all valid */
        t->env->fxsave[4] = 0xff;
    }
    NEXT(t, i);
}

/* The host ModRM: which of xmm0/xmm1/rax sit in reg and rm. */
static uint8_t host_modrm(const X86Decoded *d, int kind)
{
    switch (kind) {
    case K_SHIFT: return 0xc0 | (d->reg & 7) << 3;
    case K_FROM_GPR: return 0xc0;
    case K_EXTRACT: return 0xc8;
    case K_BLENDV: return 0xca;
    default: return 0xc1;
    }
}

static const SseOp *sse_op_of(const X86Decoded *d)
{
    switch (d->op & 0xff00) {
    case MAP_0F: return &map_0f_ops[d->op & 0xff];
    case MAP_0F38: return &map_0f38_ops[d->op & 0xff];
    case MAP_0F3A: return &map_0f3a_ops[d->op & 0xff];
    default: return NULL;
    }
}

/* Integer operations (see F_INT): the MMX-capable ones, SSSE3/SSE4
 * integer ops, inserts/extracts and the string compares. Not the FP
 * rounding (0F 3A 08-0B) and dot products (0F 3A 40/41). */
static bool is_integer_op(const X86Decoded *d, const SseOp *s)
{
    unsigned op = d->op & 0xff;
    switch (d->op & 0xff00) {
    case MAP_0F38:
        return true;
    case MAP_0F3A:
        return !(op >= 0x08 && op <= 0x0b) && op != 0x40 && op != 0x41;
    default:
        return s->mmx;
    }
}

static unsigned prefix_bit(uint8_t p)
{
    return p == 0x66 ? P_66 : p == 0xf3 ? P_F3 : p == 0xf2 ? P_F2 : P_NONE;
}

bool trans_sse_int(TransCtx *c, const X86Decoded *d, Insn *i)
{
    const SseOp *s = sse_op_of(d);
    unsigned op = d->op & 0xff;
    if (!s || !s->pfx || d->lock || d->vex || !(s->pfx & prefix_bit(d->sse_prefix))) {
        return false;
    }
    bool mmx = s->mmx && !d->sse_prefix;
    int kind = s->kind;
    bool has_imm = (d->op & 0xff00) == MAP_0F3A ||
                   ((d->op & 0xff00) == MAP_0F &&
                    ((op >= 0x70 && op <= 0x73) || (op >= 0xc2 && op <= 0xc6)));
    if (kind == K_SHIFT) {
        unsigned r = d->reg & 7;
        bool ok = op == 0x73 ? (r == 2 || r == 6 || (!mmx && (r == 3 || r == 7)))
                             : (r == 2 || r == 4 || r == 6);
        if (!ok || d->mem) {
            return false;
        }
    }
    if ((kind == K_TO_GPR && d->mem && (op == 0x50 || op == 0xc5 || op == 0xd7))) {
        return false;
    }
    uint8_t code[16];
    unsigned n = 0;
    if (d->sse_prefix) {
        code[n++] = d->sse_prefix;
    }
    if (d->rex & 8) {
        code[n++] = 0x48;
    }
    code[n++] = 0x0f;
    if ((d->op & 0xff00) != MAP_0F) {
        code[n++] = (d->op & 0xff00) == MAP_0F38 ? 0x38 : 0x3a;
    }
    code[n++] = op;
    code[n++] = host_modrm(d, kind);
    if (has_imm) {
        code[n++] = d->imm;
    }
    void *stub = stub_get(code, n);
    if (!stub) {
        return false;
    }
    i->fn = h_sse_host;
    i->imm = (uintptr_t)stub;
    i->op = kind;
    i->size = mem_size(d, mmx);
    i->imm2 = (d->rex & 8) ? 8 : 4;
    i->op2 = (d->mem ? F_MEM : 0) | (mmx ? F_MMX : 0) |
             (needs_align(d, i->size) ? F_ALIGN : 0) |
             (is_integer_op(d, s) && kind != K_FLAGS && kind != K_STRI &&
              kind != K_STRM ? F_INT : 0);
    unsigned vmask = mmx ? 7 : 15;
    bool reg_gpr = kind == K_TO_GPR;
    bool rm_gpr = kind == K_FROM_GPR || kind == K_EXTRACT;
    i->reg = reg_gpr ? d->reg : d->reg & vmask;
    if (!d->mem) {
        i->rm = rm_gpr ? d->rm : d->rm & vmask;
    }
    if ((i->op2 & F_INT) && !mmx &&
        (kind == K_VV || kind == K_TO_GPR || kind == K_SHIFT) &&
        (!d->mem || i->size == 16)) {
        i->jit = JIT_SSE_INT;           /* the stub's bytes, inline */
        i->jit_op = n;
    }
    return true;
}
