/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x87 FPU instructions (D8-DF, Intel SDM vol. 1 ch. 8, vol. 2): each one
 * runs on the host's own x87 unit (x86-64 host) on the guest's state, so
 * results, rounding, C0-C3, exceptions and stack faults are the hardware's.
 * The guest state stays in X86State.fxsave (FXSAVE layout, stack order).
 */
#include "target/i386/tcg/translate.h"

#define FSW_ES (1u << 7)
/* Exceptions after which a memory destination is left unchanged. */
#define FSW_NO_STORE 0x1f

/* FNSAVE image, 32-bit protected-mode layout (SDM vol. 1, fig. 8-9). */
enum { SAVE_ENV = 28, SAVE_SIZE = SAVE_ENV + 80 };

/*
 * Host stubs, 4 bytes each: "<x87 instruction>; ret". Index
 * (opcode - 0xd8) * 64 + modrm[5:0] for register forms, then 512 +
 * (opcode - 0xd8) * 8 + reg for memory forms addressing [rdi].
 */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        "x87_stubs:\n"
        ".set x87_n, 0\n"
        ".rept 512\n"
        ".byte 0xd8 + (x87_n >> 6), 0xc0 + (x87_n & 63), 0xc3, 0x90\n"
        ".set x87_n, x87_n + 1\n"
        ".endr\n"
        ".set x87_n, 0\n"
        ".rept 64\n"
        ".byte 0xd8 + (x87_n >> 3), 0x07 + ((x87_n & 7) << 3), 0xc3, 0x90\n"
        ".set x87_n, x87_n + 1\n"
        ".endr\n"
        ".popsection\n");
extern const char x87_stubs[] __attribute__((visibility("hidden")));
enum { STUB_MEM = 512 };

/* Loads the image into the host FPU, runs the stub with the arithmetic
 * flags *ah (SAHF/LAHF layout) for FCMOVcc/FCOMI, saves and
 * reinitialises the host FPU (FNSAVE does not wait, so an unmasked
 * exception stays recorded in the image and never traps on the host). */
static void host_run(unsigned stub, uint8_t *img, void *mem, uint8_t *ah)
{
    uint64_t ax = (uint64_t)*ah << 8;
    __asm__ volatile("frstor (%[img])\n\t"
                     "sahf\n\t"
                     "lea -128(%%rsp), %%rsp\n\t" /* off the red zone, flags kept */
                     "call *%[fn]\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     "lahf\n\t"
                     "fnsave (%[img])\n\t"
                     : "+a"(ax)
                     : [img] "r"(img), [fn] "r"(x87_stubs + 4 * stub),
                       "D"(mem)
                     : "memory", "cc");
    *ah = ax >> 8;
}

/* --- Tag word and register images --- */

static uint16_t fx16(const uint8_t *fx, unsigned off)
{
    return fx[off] | fx[off + 1] << 8;
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Full 2-bit tag of an 80-bit value (SDM vol. 1, 8.1.7). */
static unsigned tag_of(const uint8_t *r)
{
    uint64_t mant;
    uint16_t exp = (r[8] | r[9] << 8) & 0x7fff;
    memcpy(&mant, r, 8);
    if (exp == 0x7fff || (exp == 0 && mant) || (exp && !(mant >> 63))) {
        return 2;
    }
    return exp == 0 && mant == 0 ? 1 : 0;
}

/* The full tag word from FXSAVE's abridged one. */
static uint16_t full_tags(const uint8_t *fx)
{
    unsigned top = (fx16(fx, FX_FSW) >> 11) & 7;
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = 3;
        if (fx[FX_FTW] >> p & 1) {
            tag = tag_of(fx + FX_ST0 + 16 * ((p - top) & 7));
        }
        tw |= tag << (2 * p);
    }
    return tw;
}

static uint8_t abridged_tags(uint16_t tw)
{
    uint8_t ftw = 0;
    for (unsigned p = 0; p < 8; p++) {
        ftw |= ((tw >> (2 * p) & 3) != 3) << p;
    }
    return ftw;
}

/* The registers between FXSAVE's 16-byte slots and FNSAVE's 10-byte ones. */
static void regs_to_save(const uint8_t *fx, uint8_t *regs)
{
    for (unsigned n = 0; n < 8; n++) {
        memcpy(regs + 10 * n, fx + FX_ST0 + 16 * n, 10);
    }
}

static void regs_from_save(uint8_t *fx, const uint8_t *regs)
{
    for (unsigned n = 0; n < 8; n++) {
        memcpy(fx + FX_ST0 + 16 * n, regs + 10 * n, 10);
        memset(fx + FX_ST0 + 16 * n + 10, 0, 6);
    }
}

/* The x87 environment as FNSTENV/FLDENV see it. */
typedef struct X87Env {
    uint16_t fcw, fsw, ftw, fop, fcs, fds;
    uint32_t fip, fdp;
} X87Env;

static X87Env env_from_fx(X86Tcg *t, const uint8_t *fx)
{
    X87Env e = {
        .fcw = fx16(fx, FX_FCW), .fsw = fx16(fx, FX_FSW),
        .ftw = full_tags(fx), .fop = fx16(fx, FX_FOP) & 0x7ff,
        .fip = get32(fx + FX_FIP), .fdp = get32(fx + FX_FDP),
    };
    if (!(t->hflags & HF_CS64)) {
        e.fcs = fx16(fx, FX_FIP + 4);
        e.fds = fx16(fx, FX_FDP + 4);
    }
    return e;
}

/* A control word as loaded (bit 6 reads as one, bits 13-15 as zero), and
 * the status word's ES and B recomputed from the flags it unmasks. */
static void load_control(uint8_t *fx, uint16_t fcw, uint16_t fsw)
{
    fcw = (fcw & 0x1f3f) | 0x40;
    fsw &= ~(FSW_ES | 0x8000);
    if (fsw & ~fcw & 0x3f) {
        fsw |= FSW_ES | 0x8000;
    }
    put16(fx + FX_FCW, fcw);
    put16(fx + FX_FSW, fsw);
}

/* FXSAVE keeps the registers in stack order: a new TOP rotates them. */
static void rotate_to_top(uint8_t *fx, unsigned new_top)
{
    unsigned old_top = (fx16(fx, FX_FSW) >> 11) & 7;
    uint8_t regs[128];
    memcpy(regs, fx + FX_ST0, 128);
    for (unsigned k = 0; k < 8; k++) {
        memcpy(fx + FX_ST0 + 16 * k, regs + 16 * ((k + new_top - old_top) & 7), 16);
    }
}

static void env_to_fx(uint8_t *fx, const X87Env *e)
{
    rotate_to_top(fx, (e->fsw >> 11) & 7);
    load_control(fx, e->fcw, e->fsw);
    fx[FX_FTW] = abridged_tags(e->ftw);
    put16(fx + FX_FOP, e->fop);
    memset(fx + FX_FIP, 0, 16);
    put32(fx + FX_FIP, e->fip);
    put16(fx + FX_FIP + 4, e->fcs);
    put32(fx + FX_FDP, e->fdp);
    put16(fx + FX_FDP + 4, e->fds);
}

/* Memory layouts of the environment (SDM vol. 1, figs. 8-9 to 8-12):
 * 32- or 16-bit operand size, protected or real/VM86 mode. */
static unsigned env_pack(const X87Env *e, uint8_t *m, bool o32, bool pm)
{
    uint32_t ip_lo = pm ? e->fip : (e->fip & 0xffff);
    uint32_t dp_lo = pm ? e->fdp : (e->fdp & 0xffff);
    uint32_t w4 = pm ? (e->fcs | (uint32_t)e->fop << 16)
                     : ((e->fip >> 16) << 12 | e->fop);
    uint32_t w6 = pm ? e->fds : (e->fdp >> 16) << 12;
    uint32_t w[7] = { e->fcw, e->fsw, e->ftw, ip_lo, w4, dp_lo, w6 };
    if (o32) {
        for (unsigned n = 0; n < 7; n++) {
            bool full = pm ? (n >= 3 && n <= 5) : (n == 4 || n == 6);
            put32(m + 4 * n, full ? w[n] : (w[n] & 0xffff) | 0xffff0000);
        }
        return 28;
    }
    if (!pm) {
        w[4] = ((e->fip >> 16) & 0xf) << 12 | e->fop;
        w[6] = ((e->fdp >> 16) & 0xf) << 12;
    }
    for (unsigned n = 0; n < 7; n++) {
        put16(m + 2 * n, w[n]);
    }
    return 14;
}

static unsigned env_unpack(X87Env *e, const uint8_t *m, bool o32, bool pm)
{
    uint32_t w[7];
    for (unsigned n = 0; n < 7; n++) {
        w[n] = o32 ? get32(m + 4 * n) : (uint32_t)(m[2 * n] | m[2 * n + 1] << 8);
    }
    *e = (X87Env){ .fcw = w[0], .fsw = w[1], .ftw = w[2] };
    if (pm) {
        e->fip = o32 ? w[3] : (uint16_t)w[3];
        e->fcs = w[4];
        e->fop = o32 ? (w[4] >> 16) & 0x7ff : 0;
        e->fdp = o32 ? w[5] : (uint16_t)w[5];
        e->fds = w[6];
    } else {
        uint32_t hi_mask = o32 ? 0xffff : 0xf;
        e->fip = (w[3] & 0xffff) | ((w[4] >> 12) & hi_mask) << 16;
        e->fop = w[4] & 0x7ff;
        e->fdp = (w[5] & 0xffff) | ((w[6] >> 12) & hi_mask) << 16;
    }
    return o32 ? 28 : 14;
}

/* --- Checks shared by all of them --- */

static void fpu_check(X86Tcg *t)
{
    if (t->env->cr0 & (CR0_EM | CR0_TS)) {
        x86_raise(t, EXCP_NM, 0);
    }
}

/* A pending unmasked exception is reported by the next waiting x87
 * instruction (SDM vol. 1, 8.6). As on hardware, what counts is a flag
 * the control word unmasks, not ES (FNSTENV masks all and leaves ES). */
static void fpu_check_pending(X86Tcg *t)
{
    const uint8_t *fx = t->env->fxsave;
    if (fx16(fx, FX_FSW) & ~fx16(fx, FX_FCW) & 0x3f) {
        x86_raise(t, EXCP_MF, 0);
    }
}

/* --- The arithmetic and data instructions --- */

enum {
    X87_LOAD = 1 << 0,      /* reads `size` bytes of memory first */
    X87_STORE = 1 << 1,     /* writes `size` bytes of memory after */
    X87_FLAGS_IN = 1 << 2,  /* FCMOVcc: reads CF, ZF, PF */
    X87_FLAGS_OUT = 1 << 3, /* FCOMI & co.: writes ZF, PF, CF */
    X87_NOWAIT = 1 << 4,    /* FNENI, FNDISI, FNSETPM: no pending check */
};

/* Records the last instruction's opcode and pointers (SDM vol. 1, 8.1.8). */
static void set_last_insn(X86Tcg *t, uint8_t *fx, const Insn *i, uint64_t ea)
{
    bool m64 = t->hflags & HF_CS64;
    put16(fx + FX_FOP, i->imm2);
    memset(fx + FX_FIP, 0, 8);
    if (m64) {
        memcpy(fx + FX_FIP, &i->eip, 8);
    } else {
        put32(fx + FX_FIP, i->eip);
        put16(fx + FX_FIP + 4, t->env->segs[R_CS].selector);
    }
    if (i->op2 & (X87_LOAD | X87_STORE)) {
        memset(fx + FX_FDP, 0, 8);
        if (m64) {
            memcpy(fx + FX_FDP, &ea, 8);
        } else {
            put32(fx + FX_FDP, ea);
            put16(fx + FX_FDP + 4, t->env->segs[i->seg].selector);
        }
    }
}

HANDLER(h_x87)
{
    uint8_t *fx = t->env->fxsave;
    uint8_t img[SAVE_SIZE], mem[16] = { 0 };
    uint8_t ah = 0;
    uint64_t ea = 0;

    fpu_check(t);
    if (!(i->op2 & X87_NOWAIT)) {
        fpu_check_pending(t);
    }
    if (i->op2 & (X87_LOAD | X87_STORE)) {
        ea = insn_ea(t, i);
    }
    if (i->op2 & X87_LOAD) {
        guest_read(t, insn_la(t, i), mem, i->size);
    }
    if (i->op2 & X87_FLAGS_IN) {
        ah = eflags_get(t) | 2;
    }
    memset(img, 0, SAVE_ENV);
    put32(img, fx16(fx, FX_FCW) | 0xffff0000);
    put32(img + 4, fx16(fx, FX_FSW) | 0xffff0000);
    put32(img + 8, full_tags(fx) | 0xffff0000);
    regs_to_save(fx, img + SAVE_ENV);

    host_run(i->imm, img, mem, &ah);

    uint16_t fcw = img[0] | img[1] << 8, fsw = img[4] | img[5] << 8;
    uint16_t raised = (fsw & ~fcw & FSW_NO_STORE);
    if ((i->op2 & X87_STORE) && !((fsw & FSW_ES) && raised)) {
        guest_write(t, insn_la(t, i), mem, i->size);
    }
    put16(fx + FX_FCW, fcw);
    put16(fx + FX_FSW, fsw);
    fx[FX_FTW] = abridged_tags(img[8] | img[9] << 8);
    regs_from_save(fx, img + SAVE_ENV);
    set_last_insn(t, fx, i, ea);
    if (i->op2 & X87_FLAGS_OUT) {
        set_cc_eflags(t, ah & (F_ZF | F_PF | F_CF));
    }
    NEXT(t, i);
}

/* Memory forms: bytes read (> 0) or written (< 0), 0 not handled here. */
static const int8_t mem_size[8][8] = {
    [0] = { 4, 4, 4, 4, 4, 4, 4, 4 },           /* D8: m32fp arithmetic */
    [1] = { 4, 0, -4, -4, 0, 0, 0, 0 },         /* D9: FLD, FST(P) m32fp */
    [2] = { 4, 4, 4, 4, 4, 4, 4, 4 },           /* DA: m32int arithmetic */
    [3] = { 4, -4, -4, -4, 0, 10, 0, -10 },     /* DB: FILD/FISTTP/FIST(P), m80 */
    [4] = { 8, 8, 8, 8, 8, 8, 8, 8 },           /* DC: m64fp arithmetic */
    [5] = { 8, -8, -8, -8, 0, 0, 0, 0 },        /* DD: FLD, FISTTP, FST(P) m64 */
    [6] = { 2, 2, 2, 2, 2, 2, 2, 2 },           /* DE: m16int arithmetic */
    [7] = { 2, -2, -2, -2, 10, 8, -10, -8 },    /* DF: m16/m64 int, FBLD/FBSTP */
};

/* Register forms the host may run: bit modrm[5:0] of each opcode
 * (reserved encodings, FNSTSW AX, FNCLEX and FNINIT excluded). */
#define BITS(lo, hi) ((~0ull >> (63 - (hi))) & (~0ull << (lo)))
static const uint64_t reg_valid[8] = {
    [0] = ~0ull,
    [1] = BITS(0, 16) | BITS(24, 33) | BITS(36, 37) | BITS(40, 46) | BITS(48, 63),
    [2] = BITS(0, 31) | 1ull << 41,
    [3] = BITS(0, 31) | 1ull << 32 | 1ull << 33 | 1ull << 36 | BITS(40, 55),
    [4] = ~0ull,
    [5] = BITS(0, 47),
    [6] = BITS(0, 23) | 1ull << 25 | BITS(32, 63),
    [7] = BITS(0, 31) | BITS(40, 55),
};

static bool trans_x87_data(const X86Decoded *d, Insn *i)
{
    unsigned op = d->op - 0xd8, r = d->reg & 7;
    unsigned modrm = r << 3 | (d->rm & 7);

    i->fn = h_x87;
    i->imm2 = op << 8 | (d->mem ? (d->mod << 6 | modrm) : 0xc0 | modrm);
    if (d->mem) {
        int n = mem_size[op][r];
        if (!n) {
            return false;
        }
        i->imm = STUB_MEM + op * 8 + r;
        i->size = n > 0 ? n : -n;
        i->op2 = n > 0 ? X87_LOAD : X87_STORE;
        return true;
    }
    if (!(reg_valid[op] >> modrm & 1)) {
        return false;
    }
    i->imm = op * 64 + modrm;
    if ((op == 2 || op == 3) && modrm < 32) {
        i->op2 = X87_FLAGS_IN;
    } else if ((op == 3 || op == 7) && modrm >= 40 && modrm < 56) {
        i->op2 = X87_FLAGS_OUT;
    } else if (op == 3) {
        i->op2 = X87_NOWAIT;
    }
    return true;
}

/* --- FNSTENV, FLDENV, FNSAVE, FRSTOR --- */

enum { ENV_FNSTENV, ENV_FLDENV, ENV_FNSAVE, ENV_FRSTOR };

HANDLER(h_x87_env)
{
    uint8_t *fx = t->env->fxsave;
    uint8_t buf[SAVE_SIZE];
    bool o32 = i->size != 2, pm = (t->hflags & (HF_PE | HF_VM)) == HF_PE;
    bool regs = i->op == ENV_FNSAVE || i->op == ENV_FRSTOR;
    unsigned env_len = o32 ? 28 : 14, len = env_len + (regs ? 80 : 0);
    uint64_t la = insn_la(t, i);
    X87Env e;

    fpu_check(t);
    if (i->op == ENV_FNSTENV || i->op == ENV_FNSAVE) {
        e = env_from_fx(t, fx);
        env_pack(&e, buf, o32, pm);
        regs_to_save(fx, buf + env_len);
        guest_write(t, la, buf, len);
        if (regs) {
            memset(fx, 0, 24);          /* then FNINIT */
            put16(fx + FX_FCW, 0x37f);
        } else {                        /* all exceptions masked */
            load_control(fx, fx16(fx, FX_FCW) | 0x3f, fx16(fx, FX_FSW));
        }
    } else {
        fpu_check_pending(t);
        guest_read(t, la, buf, len);
        env_unpack(&e, buf, o32, pm);
        env_to_fx(fx, &e);
        if (regs) {
            regs_from_save(fx, buf + env_len);
        }
    }
    NEXT(t, i);
}

static bool trans_x87_env(const X86Decoded *d, Insn *i)
{
    static const int8_t kind[8][8] = {
        [1] = { [4] = ENV_FLDENV + 1, [6] = ENV_FNSTENV + 1 },
        [5] = { [4] = ENV_FRSTOR + 1, [6] = ENV_FNSAVE + 1 },
    };
    int k = d->mem ? kind[d->op - 0xd8][d->reg & 7] : 0;
    if (!k) {
        return false;
    }
    i->fn = h_x87_env;
    i->op = k - 1;
    i->size = d->opsize;
    return true;
}

/* FLDCW: a newly unmasked pending exception is reported next. */
HANDLER(h_fldcw)
{
    uint8_t *fx = t->env->fxsave;
    fpu_check(t);
    fpu_check_pending(t);
    uint16_t v = ld16(t, insn_la(t, i));
    load_control(fx, v, fx16(fx, FX_FSW));
    NEXT(t, i);
}

/* D8-DF: the control instructions (ops-sse.c), else the ones above. */
bool trans_x87_full(TransCtx *c, const X86Decoded *d, Insn *i)
{
    if (d->lock) {
        return false;
    }
    if (d->op == 0xd9 && d->mem && (d->reg & 7) == 5) {
        i->fn = h_fldcw;
        return true;
    }
    if (trans_x87(c, d, i)) {
        return true;
    }
    return trans_x87_env(d, i) || trans_x87_data(d, i);
}

/* FWAIT: #NM as before, and a pending unmasked exception is reported. */
HANDLER(h_fwait_x87)
{
    if ((t->env->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        x86_raise(t, EXCP_NM, 0);
    }
    fpu_check_pending(t);
    NEXT(t, i);
}

bool trans_fwait_x87(TransCtx *c, const X86Decoded *d, Insn *i)
{
    i->fn = h_fwait_x87;
    return !d->lock;
}
