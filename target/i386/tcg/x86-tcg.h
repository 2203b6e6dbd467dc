/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 front end of the software CPU: the per-vCPU state the
 * interpreter works on, the pre-decoded instruction record (the IR), and
 * the inline fast paths for registers, lazy flags and guest memory
 * (Intel SDM vol. 1 ch. 3-4, vol. 3 ch. 4-6). See docs/devel/tcg.md.
 */
#ifndef TARGET_I386_TCG_X86_TCG_H
#define TARGET_I386_TCG_X86_TCG_H

#include "accel/tcg/tcg-internal.h"
#include "target/i386/cpu.h"
#include "vireo/accel.h"
#include "vireo/log.h"
#include <setjmp.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the interpreter addresses byte registers in place");

typedef struct X86Tcg X86Tcg;

/* --- EFLAGS (SDM vol. 1, 3.4.3) --- */
enum {
    F_CF = 1 << 0, F_PF = 1 << 2, F_AF = 1 << 4, F_ZF = 1 << 6,
    F_SF = 1 << 7, F_TF = 1 << 8, F_IF = 1 << 9, F_DF = 1 << 10,
    F_OF = 1 << 11, F_IOPL = 3 << 12, F_NT = 1 << 14, F_RF = 1 << 16,
    F_VM = 1 << 17, F_AC = 1 << 18, F_VIF = 1 << 19, F_VIP = 1 << 20,
    F_ID = 1 << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define IOPL_SHIFT 12

/* --- Exceptions (SDM vol. 3, 6.3.1) --- */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};
/* Page-fault error code bits (SDM vol. 3, 4.7). */
enum { PFERR_P = 1, PFERR_W = 2, PFERR_U = 4, PFERR_RSVD = 8, PFERR_I = 16 };

/* --- Mode bits a TB is translated for (TB.flags) --- */
enum {
    HF_CS32 = 1 << 0,       /* CS.D: 32-bit default operand/address size */
    HF_SS32 = 1 << 1,       /* SS.B: 32-bit stack pointer */
    HF_CS64 = 1 << 2,       /* 64-bit mode: EFER.LMA and CS.L */
    HF_PE = 1 << 3,         /* protected mode */
    HF_VM = 1 << 4,         /* virtual-8086 mode */
};

/* Memory access kinds for the TLB and page walk. */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };
enum { MMU_KERNEL, MMU_USER, MMU_COUNT };

#define REG_NONE 16         /* no base or index: reads as zero */

/* --- The IR: one pre-decoded instruction --- */

typedef const Insn *(*InsnFn)(X86Tcg *t, const Insn *i);

/* A guest instruction decoded once: the handler that executes it and its
 * operands. A handler returns the next record to run (i + 1, the first
 * record of a chained TB) or NULL to go back to the CPU loop. */
struct Insn {
    InsnFn fn;
    uint64_t eip;           /* EIP of this instruction: where to resume if
                               execution leaves before running it */
    int64_t disp;           /* displacement (absolute if RIP-relative) */
    uint64_t imm;           /* immediate, or a direct branch's target EIP */
    uint8_t len;            /* bytes: the next EIP is eip + len */
    uint8_t reg;            /* ModRM.reg or opcode register; byte offset in
                               regs[] for 8-bit operands */
    uint8_t rm;             /* ModRM.rm register (same encoding as reg), or
                               the address base */
    uint8_t index;          /* address index */
    uint8_t scale;
    uint8_t seg;            /* segment of the memory operand */
    uint8_t asz;            /* address size: 0 16-bit, 1 32-bit, 2 64-bit */
    uint8_t op;             /* sub-operation (condition, ALU op, ...) */
    uint8_t size;           /* operand size in bytes */
    uint8_t op2;            /* a second sub-operation */
    uint16_t imm2;          /* a second immediate (ENTER, far pointers) */
    uint8_t jit;            /* JIT_*: what the code generator emits inline */
    uint8_t jit_op;         /* its sub-operation (ALU op, condition) */
};

/* The records the host code generator (jit.c) emits inline; the others
 * (JIT_HANDLER) call their handler. Set by the translate functions. */
enum {
    JIT_HANDLER,
    JIT_MOV_RR, JIT_MOV_RI, JIT_MOV_LOAD, JIT_MOV_STORE, JIT_MOV_MI,
    JIT_MOVX,               /* MOVZX/MOVSX/MOVSXD as h_movx describes */
    JIT_LEA,
    JIT_ALU_RR, JIT_ALU_RI, JIT_ALU_RM, JIT_ALU_MR, JIT_ALU_MI, /* jit_op: ALU op */
    JIT_JCC,                /* jit_op: condition */
    JIT_JMP, JIT_CALL64, JIT_RET64,
    JIT_PUSH64, JIT_POP64, JIT_PUSH64_I,
    JIT_SHIFT,              /* jit_op: 0 SHL, 1 SHR, 2 SAR; imm: count 1-63 */
    JIT_UNARY,              /* jit_op: 0 INC, 1 DEC, 2 NOT, 3 NEG */
    JIT_CMOV, JIT_SETCC,    /* register forms; jit_op: condition */
    JIT_ROT,                /* ROL/ROR register, imm (jit_op 0/1), inline
                               only where the flags it sets are dead */
    JIT_VEC_MOVE,           /* 16-byte XMM move as h_vec_load/store; jit_op
                               1 for a store */
    JIT_VEC_LOGIC,          /* 16-byte PAND/PANDN/POR/PXOR (jit_op 0-3) */
    JIT_SSE_INT,            /* integer SSE stub (K_VV, K_SHIFT, K_TO_GPR)
                               on XMM registers; jit_op: its length */
};

/* --- Lazy flags --- */

/* cc_op = kind << 2 | log2(operand bytes). What cc_dst/src/src2 hold: */
enum {
    CC_EFLAGS,      /* src: the arithmetic flags themselves */
    CC_LOGIC,       /* dst: result; CF = OF = AF = 0 */
    CC_ADD,         /* dst = src2 + src */
    CC_ADC,         /* dst = src2 + src + 1 */
    CC_SUB,         /* dst = src2 - src */
    CC_SBB,         /* dst = src2 - src - 1 */
    CC_INC,         /* dst: result; src: CF before */
    CC_DEC,
    CC_SHL,         /* dst: result; src: operand << (count - 1) */
    CC_SHR,         /* dst: result; src: operand >> (count - 1) */
    CC_SAR,
    CC_MUL,         /* dst: low result; src: CF = OF */
};
#define CC_OP(kind, lg) ((kind) << 2 | (lg))

/* --- Per-vCPU state --- */

struct X86Tcg {
    /* Hot state first: what handlers touch on every instruction. */
    uint64_t regs[17];          /* RAX..R15, then a zero for REG_NONE */
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t cc_op;
    int32_t df;                 /* +1 or -1: direction of string ops */
    uint64_t segbase[NR_SEGS];  /* effective bases (0 in 64-bit mode) */
    uint64_t la_mask;           /* linear addresses: 32 or 64 bits */
    TLBEntry *tlb;              /* tlb_table[mmu_idx] */
    const Insn *cur;            /* the instruction running, NULL outside */
    TB *tb;                     /* the TB running */
    volatile int exit_request;  /* leave the TB chain at the next block */
    uint32_t hflags;
    uint64_t rip;               /* EIP when not inside a TB */
    uint32_t eflags;            /* all but the arithmetic bits (bit 1 set) */
    int cpl;
    int mmu_idx;
    int exit_slot;              /* the direct exit taken, -1 if none */

    X86State *env;
    X86CPU *cpu;
    CPUState *cs;
    sigjmp_buf jmp;             /* back to the CPU loop on an exception */

    /* Pending event for the CPU loop. */
    volatile int interrupt_request;
    bool halted;                /* executed HLT, waiting for an interrupt */
    bool irq_masked;            /* an interrupt waits for IF */
    TB *last_tb;                /* the TB that just ran and its exit slot, */
    int last_slot;              /* to chain to the next */
    bool inhibit_irq;           /* after STI, MOV SS, POP SS */
    bool check_apic;            /* INIT/SIPI state must be looked at */
    int excp_vector;            /* the exception being raised */
    uint32_t excp_error;
    int excp_sw;                /* 0 exception; 1 INT n/INT3/INTO (gate DPL
                                   checked); 2 INT1 */
    uint64_t excp_next_eip;     /* return address of a software interrupt */
    int delivering;             /* vector in delivery, -1 (for #DF) */
    bool in_exec;               /* inside vcpu_exec (holds the turn) */
    bool tlb_flush_pending;     /* asked by another thread */

    /* Memory. */
    PhysMap *map;
    uint64_t map_epoch, ram_epoch;
    TLBEntry tlb_table[MMU_COUNT][TLB_SIZE] __attribute__((aligned(64)));
    TLBPhys tlb_phys[MMU_COUNT][TLB_SIZE];
    bool tlb_large;             /* a large page is in the TLB */
    TB *jmp_cache[JC_SIZE];

    /* State only the software CPU keeps. */
    uint64_t dr[8];
    uint64_t tsc_offset, tsc_aux;   /* TSC = virtual clock ns + offset */
    uint64_t mtrr_def, mtrr_fixed[11], mtrr_var[16];
    uint64_t insn_count;        /* guest instructions run in generated code */
};

/* --- Registers --- */

static inline uint8_t *reg8p(X86Tcg *t, unsigned off)
{
    return (uint8_t *)t->regs + off;
}

static inline void set_reg16(X86Tcg *t, unsigned r, uint16_t v)
{
    memcpy(&t->regs[r], &v, 2);
}

/* Writes `v` of `size` bytes to register r (8-bit: r is a byte offset);
 * 32-bit writes clear the upper half, as in 64-bit mode. */
static inline void set_reg(X86Tcg *t, unsigned r, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *reg8p(t, r) = v; break;
    case 2: set_reg16(t, r, v); break;
    case 4: t->regs[r] = (uint32_t)v; break;
    default: t->regs[r] = v; break;
    }
}

static inline uint64_t get_reg(X86Tcg *t, unsigned r, unsigned size)
{
    switch (size) {
    case 1: return *reg8p(t, r);
    case 2: return (uint16_t)t->regs[r];
    case 4: return (uint32_t)t->regs[r];
    default: return t->regs[r];
    }
}

static inline uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~(uint64_t)0 : ((uint64_t)1 << (size * 8)) - 1;
}

static inline unsigned size_log2(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* --- Addresses --- */

extern const uint64_t x86_amask[3];

/* Effective address (offset in the segment) of a memory operand. */
static inline uint64_t insn_ea(X86Tcg *t, const Insn *i)
{
    return (t->regs[i->rm] + (t->regs[i->index] << i->scale) + i->disp) &
           x86_amask[i->asz];
}

/* Linear address of a memory operand. */
static inline uint64_t insn_la(X86Tcg *t, const Insn *i)
{
    return (t->segbase[i->seg] + insn_ea(t, i)) & t->la_mask;
}

static inline uint64_t seg_la(X86Tcg *t, int seg, uint64_t off)
{
    return (t->segbase[seg] + off) & t->la_mask;
}

/* --- Guest memory: the TLB fast path, with the slow path in tlb.c --- */

uint64_t tlb_load_slow(X86Tcg *t, uint64_t la, unsigned size, int mmu_idx);
void tlb_store_slow(X86Tcg *t, uint64_t la, unsigned size, uint64_t v,
                    int mmu_idx);
/* Fills the entry for la (page walk), raising #PF on failure. */
TLBEntry *tlb_fill(X86Tcg *t, uint64_t la, int access, int mmu_idx);
/* Host pointer to `size` bytes at la for reading and writing, or NULL if
 * the access must go through the slow path (MMIO, code, page-crossing);
 * faults if the page is not writable. */
void *tlb_rmw_ptr(X86Tcg *t, uint64_t la, unsigned size);
void tlb_flush(X86Tcg *t);
/* Drops every entry but those of global pages (a CR3 write). */
void tlb_flush_nonglobal(X86Tcg *t);
void tlb_flush_page(X86Tcg *t, uint64_t la);

static inline TLBEntry *tlb_entry(X86Tcg *t, uint64_t la)
{
    return &t->tlb[(la >> TCG_PAGE_BITS) & (TLB_SIZE - 1)];
}

/* Whether the TLB tag matches an access of `size` bytes at la (the last
 * byte's page must be the tagged one, so page-crossing accesses miss). */
static inline bool tlb_hit(uint64_t tag, uint64_t la, unsigned size)
{
    return tag == ((la + size - 1) & TCG_PAGE_MASK);
}

#define DEFINE_LD(name, type, size)                                         \
static inline type name(X86Tcg *t, uint64_t la)                             \
{                                                                           \
    TLBEntry *e = tlb_entry(t, la);                                         \
    if (__builtin_expect(tlb_hit(e->read, la, size), 1)) {                  \
        type v;                                                             \
        memcpy(&v, (void *)(uintptr_t)(la + e->addend), size);              \
        return v;                                                           \
    }                                                                       \
    return (type)tlb_load_slow(t, la, size, t->mmu_idx);                    \
}
DEFINE_LD(ld8, uint8_t, 1)
DEFINE_LD(ld16, uint16_t, 2)
DEFINE_LD(ld32, uint32_t, 4)
DEFINE_LD(ld64, uint64_t, 8)

#define DEFINE_ST(name, type, size)                                         \
static inline void name(X86Tcg *t, uint64_t la, type v)                     \
{                                                                           \
    TLBEntry *e = tlb_entry(t, la);                                         \
    if (__builtin_expect(tlb_hit(e->write, la, size), 1)) {                 \
        memcpy((void *)(uintptr_t)(la + e->addend), &v, size);              \
        return;                                                             \
    }                                                                       \
    tlb_store_slow(t, la, size, v, t->mmu_idx);                             \
}
DEFINE_ST(st8, uint8_t, 1)
DEFINE_ST(st16, uint16_t, 2)
DEFINE_ST(st32, uint32_t, 4)
DEFINE_ST(st64, uint64_t, 8)

static inline uint64_t ld_size(X86Tcg *t, uint64_t la, unsigned size)
{
    switch (size) {
    case 1: return ld8(t, la);
    case 2: return ld16(t, la);
    case 4: return ld32(t, la);
    default: return ld64(t, la);
    }
}

static inline void st_size(X86Tcg *t, uint64_t la, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: st8(t, la, v); break;
    case 2: st16(t, la, v); break;
    case 4: st32(t, la, v); break;
    default: st64(t, la, v); break;
    }
}

/* Supervisor-mode accesses whatever the CPL (descriptor tables, TSS,
 * interrupt frames on a new stack). */
uint64_t ld_kernel(X86Tcg *t, uint64_t la, unsigned size);
void st_kernel(X86Tcg *t, uint64_t la, unsigned size, uint64_t v);
/* Copies from/to guest linear memory with the current privilege (checks
 * every page first, so a fault leaves memory untouched). */
void guest_read(X86Tcg *t, uint64_t la, void *buf, unsigned len);
void guest_write(X86Tcg *t, uint64_t la, const void *buf, unsigned len);

/* --- Flags --- */

uint32_t cc_compute_all(X86Tcg *t);
bool cc_compute_cf_slow(X86Tcg *t);
bool cc_eval_slow(X86Tcg *t, int cond);
extern const uint8_t x86_parity[256];

static inline void set_cc(X86Tcg *t, uint32_t op, uint64_t dst, uint64_t src,
                          uint64_t src2)
{
    t->cc_op = op;
    t->cc_dst = dst;
    t->cc_src = src;
    t->cc_src2 = src2;
}

/* Replaces the arithmetic flags with `flags`. */
static inline void set_cc_eflags(X86Tcg *t, uint32_t flags)
{
    t->cc_op = CC_EFLAGS;
    t->cc_src = flags & F_ARITH;
}

static inline int64_t sext(uint64_t v, unsigned lg)
{
    unsigned sh = 64 - (8 << lg);
    return (int64_t)(v << sh) >> sh;
}

/* CF, with the common operations inline. */
static inline bool cc_compute_cf(X86Tcg *t)
{
    unsigned kind = t->cc_op >> 2;
    uint64_t m = size_mask(1u << (t->cc_op & 3));
    switch (kind) {
    case CC_LOGIC: return false;
    case CC_SUB: return (t->cc_src2 & m) < (t->cc_src & m);
    case CC_ADD: return (t->cc_dst & m) < (t->cc_src2 & m);
    case CC_INC: case CC_DEC: return t->cc_src & 1;
    default: return cc_compute_cf_slow(t);
    }
}

/* Condition codes 0-15 (SDM vol. 1, B.1): the common cases straight from
 * the operands of the last compare or logic operation. */
static inline bool cc_eval(X86Tcg *t, int cond)
{
    unsigned kind = t->cc_op >> 2, lg = t->cc_op & 3;
    if (kind == CC_SUB) {
        uint64_t a = t->cc_src2, b = t->cc_src;
        bool r;
        switch (cond >> 1) {
        case 1: r = a < b; break;                       /* B */
        case 2: r = t->cc_dst == 0; break;              /* E */
        case 3: r = a <= b; break;                      /* BE */
        case 4: r = sext(t->cc_dst, lg) < 0; break;     /* S */
        case 6: r = sext(a, lg) < sext(b, lg); break;   /* L */
        case 7: r = sext(a, lg) <= sext(b, lg); break;  /* LE */
        default: return cc_eval_slow(t, cond);
        }
        return r ^ (cond & 1);
    }
    if (kind == CC_LOGIC) {
        int64_t v = sext(t->cc_dst, lg);
        bool r;
        switch (cond >> 1) {
        case 0: case 1: r = false; break;               /* O, B */
        case 2: case 3: r = v == 0; break;              /* E, BE */
        case 4: case 6: r = v < 0; break;               /* S, L */
        case 7: r = v <= 0; break;                      /* LE */
        default: return cc_eval_slow(t, cond);
        }
        return r ^ (cond & 1);
    }
    if ((cond >> 1) == 2 && kind != CC_EFLAGS) {
        return (((t->cc_dst & size_mask(1u << lg)) == 0)) ^ (cond & 1);
    }
    return cc_eval_slow(t, cond);
}

static inline uint32_t eflags_get(X86Tcg *t)
{
    return t->eflags | cc_compute_all(t);
}
/* Sets the bits of `mask` from v (no privilege checks here). */
void eflags_set(X86Tcg *t, uint32_t v, uint32_t mask);

/* --- Exceptions --- */

G_NORETURN void x86_raise(X86Tcg *t, int vector, uint32_t error);
/* INT n, INT3, INTO (check_dpl), INT1: delivered with the return address
 * next_eip. */
G_NORETURN void x86_raise_sw(X86Tcg *t, int vector, uint64_t next_eip,
                             bool check_dpl);
static inline G_NORETURN void raise_ud(X86Tcg *t) { x86_raise(t, EXCP_UD, 0); }
static inline G_NORETURN void raise_gp(X86Tcg *t, uint32_t e)
{
    x86_raise(t, EXCP_GP, e);
}
/* Delivers an interrupt or exception through the IDT/IVT (excp.c). */
void x86_do_interrupt(X86Tcg *t, int vector, int sw, bool has_error,
                      uint32_t error, uint64_t next_eip);
/* Delivers the exception recorded by x86_raise (from the CPU loop);
 * false on a triple fault (a reset has been requested). */
bool x86_deliver_exception(X86Tcg *t);

/* --- Mode and segments (seg.c) --- */

/* Recomputes hflags, CPL, segment bases, the TLB in use. */
void x86_update_mode(X86Tcg *t);
/* Loads a segment register as MOV/POP do (checks per the SDM). */
void seg_load(X86Tcg *t, int seg, uint16_t selector);
/* Real-mode/VM86 style: base = selector << 4. */
void seg_load_real(X86Tcg *t, int seg, uint16_t selector);
/* Reads the 8-byte descriptor for selector, #GP(selector) beyond the
 * table's limit. */
uint64_t desc_read(X86Tcg *t, uint16_t selector, int excp);
void desc_unpack(SegmentCache *sc, uint16_t selector, uint64_t d,
                 uint64_t d_hi);
void far_jump(X86Tcg *t, uint16_t sel, uint64_t eip, uint64_t next_eip);
void far_call(X86Tcg *t, uint16_t sel, uint64_t eip, unsigned size,
              uint64_t next_eip);
void far_return(X86Tcg *t, unsigned size, uint16_t pop_extra);
void x86_iret(X86Tcg *t, unsigned size);
void x86_load_ldt(X86Tcg *t, uint16_t selector);
void x86_load_tr(X86Tcg *t, uint16_t selector);
bool x86_io_allowed(X86Tcg *t, uint16_t port, unsigned size);
/* Sets the accessed bit of descriptor *d in its table. */
void desc_set_accessed(X86Tcg *t, uint16_t selector, uint64_t *d);

/* Task switches (task.c). What started one decides the busy bits, NT
 * and the back-link (SDM vol. 3, 7.3). */
enum { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switches to the task of TSS selector sel (the caller has checked the
 * privilege); next_eip is saved as the old task's EIP; has_error pushes
 * error on the new task's stack; ext is the EXT bit of fault codes. */
void x86_task_switch(X86Tcg *t, uint16_t sel, int source, uint64_t next_eip,
                     bool has_error, uint32_t error, uint32_t ext);
/* IRET with NT: back to the task named by the TSS back-link. */
void x86_task_return(X86Tcg *t, uint64_t next_eip);
/* The stack of privilege level dpl (or IST slot ist) from the TSS. */
void x86_tss_stack(X86Tcg *t, unsigned dpl, unsigned ist, bool lm,
                   uint64_t *sp, uint16_t *ss);

/* --- Paging (mmu.c) --- */

typedef struct PageWalk {
    uint64_t paddr;         /* physical address of the access */
    bool writable, user, exec, large, global, dirty;
} PageWalk;
/* Translates la for `access` at privilege `mmu_idx`; on failure returns
 * false with the #PF error code in *error. */
bool x86_page_walk(X86Tcg *t, uint64_t la, int access, int mmu_idx,
                   PageWalk *w, uint32_t *error);
/* Whether SMAP forbids supervisor data accesses to user pages now. */
bool x86_smap_blocks(X86Tcg *t);

/* --- System registers (system.c, msr.c) --- */

void x86_write_cr0(X86Tcg *t, uint64_t v);
void x86_write_cr3(X86Tcg *t, uint64_t v);
void x86_write_cr4(X86Tcg *t, uint64_t v);
bool x86_rdmsr(X86Tcg *t, uint32_t index, uint64_t *v);
bool x86_wrmsr(X86Tcg *t, uint32_t index, uint64_t v);
uint64_t x86_read_tsc(X86Tcg *t);
/* Whether the CPU model has CPUID bit `bit` of register reg ('a'..'d')
 * in leaf (sub-leaf 0). */
bool x86_feature(X86Tcg *t, uint32_t leaf, char reg, unsigned bit);
void x86_set_efer(X86Tcg *t, uint64_t v);

/* What the software CPU implements, as CPUID leaves (tcg-cpuid.c). */
const CpuidEntry *tcg_supported_cpuid(unsigned *n);

/* --- State transfer (tcg-cpu.c) --- */

X86Tcg *x86_tcg_new(X86CPU *cpu);
void x86_tcg_free(X86Tcg *t);
void x86_tcg_load(X86Tcg *t);       /* X86State -> interpreter */
void x86_tcg_store(X86Tcg *t);      /* interpreter -> X86State */
/* After a reset (or INIT) or an outside change of X86State. */
void x86_tcg_reset(X86Tcg *t);

/* --- The CPU loop (accel/tcg/cpu-exec.c) --- */

/* Runs guest code until the vCPU thread is needed; the turn is held. */
VcpuExit tcg_cpu_exec(X86Tcg *t);
/* Whether another vCPU waits for the turn (PAUSE yields then). */
bool tcg_turn_contended(void);
/* Host pointer of the code byte at linear address la and its physical
 * address; NULL if it cannot be fetched (then, if may_fault, the fault
 * is raised; NULL with may_fault means the code is not in RAM). */
const uint8_t *tlb_code_ptr(X86Tcg *t, uint64_t la, bool may_fault,
                            uint64_t *paddr);

/* --- Port and MMIO access with the big lock --- */

uint64_t x86_io_read(X86Tcg *t, uint16_t port, unsigned size);
/* With the lock held, after a device access: notice an interrupt the
 * device raised for this CPU, or a stop request. */
void x86_after_device_access(X86Tcg *t);
void x86_io_write(X86Tcg *t, uint16_t port, unsigned size, uint64_t v);

/* --- Translation --- */

/* Translates the block at the CPU's current CS:EIP. */
TB *x86_translate(X86Tcg *t, uint64_t pc, uint64_t phys_pc);
int x86_hflags_bits(uint32_t hflags);   /* 16, 32 or 64 */

/* --- The host code generator (jit.c) --- */

typedef enum { JIT_OK, JIT_NO_CODE, JIT_FULL } JitResult;
/* Sets up the code buffer; false where there is no code generator. */
bool x86_jit_init(void);
/* Generates the TB's host code; JIT_FULL when the buffer is (flush). */
JitResult x86_jit_compile(TB *tb);
/* Runs from the first record of a TB with code; returns as a handler. */
const Insn *x86_jit_run(X86Tcg *t, TB *tb);

/* --- Leaving a TB --- */

/* Back to the CPU loop, to go on at eip. */
static inline const Insn *tb_exit(X86Tcg *t, uint64_t eip)
{
    t->rip = eip;
    t->exit_slot = -1;
    return NULL;
}

/* A direct branch through exit `slot`: straight into the chained TB if
 * there is one; otherwise the loop finds the target and chains it. */
static inline const Insn *tb_exit_direct(X86Tcg *t, int slot, uint64_t eip)
{
    TB *n = t->tb->jmp_dest[slot];
    t->rip = eip;
    if (__builtin_expect(n != NULL, 1) && !t->exit_request) {
        t->tb = n;
        return n->insns;
    }
    t->exit_slot = slot;
    return NULL;
}

/* A branch whose target is known only now (or is on another page): the
 * jump cache, else the loop. */
static inline const Insn *tb_exit_indirect(X86Tcg *t, uint64_t eip)
{
    t->rip = eip;
    t->exit_slot = -1;
    if (!t->exit_request) {
        uint64_t cs_base = t->segbase[R_CS];
        uint64_t pc = (cs_base + eip) & t->la_mask;
        TB *n = t->jmp_cache[jc_hash(pc)];
        if (n && n->pc == pc && n->cs_base == cs_base && n->flags == t->hflags) {
            t->tb = n;
            return n->insns;
        }
    }
    return NULL;
}

/* Exit `slot` of a record whose op2 bit `slot` says the target is on the
 * TB's page (chainable). */
static inline const Insn *tb_exit_to(X86Tcg *t, const Insn *i, int slot,
                                     uint64_t eip)
{
    return (i->op2 >> slot) & 1 ? tb_exit_direct(t, slot, eip)
                                : tb_exit_indirect(t, eip);
}

#define HANDLER(name) static const Insn *name(X86Tcg *t, const Insn *i)
#define NEXT_EIP(i) ((i)->eip + (i)->len)

/* Goes on with the next record of the TB: a tail call, so each handler
 * ends in its own indirect jump (threaded code, which the host predicts
 * far better than one dispatch site). A TB has at most 129 records, so
 * even without tail calls the depth is bounded. */
static inline const Insn *insn_next(X86Tcg *t, const Insn *i)
{
    i++;
    t->cur = i;
    return i->fn(t, i);
}
#define NEXT(t, i) return insn_next(t, i)

#endif
