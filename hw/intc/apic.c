/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The local APIC in xAPIC mode (Intel SDM vol. 3, chapter 11): one per CPU,
 * kept in a table by CPU index. Registers, priorities (TPR/PPR, IRR/ISR),
 * EOI, the timer (one-shot, periodic, TSC-deadline; 1 GHz bus clock),
 * interrupt messages (IPIs, IOAPIC, MSI) and LINT0 wired to the 8259.
 */
#include "vireo/x86-intc.h"
#include "vireo/log.h"
#include "vireo/main-loop.h"
#include <string.h>

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
       LVT_NR };

struct APICState {
    DeviceState parent_obj;
    CPUState *cpu;
    Timer *timer;
    /* Saved state. */
    uint64_t apicbase;
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_NR];
    uint32_t timer_icr, timer_dcr;
    int64_t timer_start_ns;     /* when the current count was loaded */
    int64_t timer_next_ns;      /* armed expiry on CLOCK_VIRTUAL, -1: none */
    uint64_t tsc_deadline;
    bool nmi_pending, init_pending, sipi_pending, extint_pending;
    bool wait_sipi;             /* INIT taken (or an AP at power-on) */
    uint8_t sipi_vector;
};

#define APIC(obj) OBJECT_CHECK(APICState, (obj), TYPE_APIC)

enum {
    REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_APR = 0x90,
    REG_PPR = 0xa0, REG_EOI = 0xb0, REG_LDR = 0xd0, REG_DFR = 0xe0,
    REG_SVR = 0xf0, REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200,
    REG_ESR = 0x280, REG_ICR_LO = 0x300, REG_ICR_HI = 0x310, REG_LVT = 0x320,
    REG_TIMER_ICR = 0x380, REG_TIMER_CCR = 0x390, REG_TIMER_DCR = 0x3e0,
};

#define APIC_VERSION ((LVT_NR - 1) << 16 | 0x14)
#define APICBASE_BSP (1ULL << 8)
#define APICBASE_ENABLE (1ULL << 11)
#define APICBASE_ADDR_MASK 0xffffff000ULL
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_MODE(v) ((int)((v) >> 8) & 7)
#define ICR_DELIVS (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_LOGICAL (1u << 11)

enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };
enum { ESR_SEND_ILLEGAL = 0x20, ESR_RECV_ILLEGAL = 0x40, ESR_ILLEGAL_REG = 0x80 };
enum { SHORTHAND_NONE, SHORTHAND_SELF, SHORTHAND_ALL, SHORTHAND_OTHERS };

/* Writable bits of each LVT entry. */
static const uint32_t lvt_writable[LVT_NR] = {
    [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

/* Periodic timers faster than this are slowed down to it, so a guest cannot
 * flood the main loop. */
#define TIMER_MIN_PERIOD_NS 200000
#define APIC_WINDOW_PRIORITY 0x1000

static APICState *apic_table[APIC_MAX_CPUS];
static PICState *extint_pic;
static int pic_intr_level;
static MemoryRegion apic_window;

/* --- 256-bit vector registers (IRR, ISR, TMR) --- */

static void vec_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void vec_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool vec_test(const uint32_t *r, int v) { return r[v >> 5] & (1u << (v & 31)); }

static int vec_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

/* --- State queries --- */

APICState *apic_of(CPUState *cpu)
{
    if (!cpu || cpu->cpu_index < 0 || cpu->cpu_index >= APIC_MAX_CPUS) {
        return NULL;
    }
    return apic_table[cpu->cpu_index];
}

static bool hw_enabled(APICState *s) { return s->apicbase & APICBASE_ENABLE; }
static bool sw_enabled(APICState *s) { return s->svr & SVR_ENABLE; }
static int timer_mode(APICState *s) { return (s->lvt[LVT_TIMER] >> 17) & 3; }

/* SDM 11.8.3.1: the processor priority. */
static uint8_t apic_ppr(APICState *s)
{
    int isrv = vec_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* The highest requested vector whose class is above the PPR, or -1. */
static int apic_irr_deliverable(APICState *s)
{
    int irrv = vec_highest(s->irr);
    if (irrv < 0 || !sw_enabled(s) || (irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

/* The 8259's INTR reaches the CPU: through LINT0 in ExtINT mode, or
 * directly when the APIC is hardware-disabled. */
static bool accepts_pic(APICState *s)
{
    uint32_t lint0 = s->lvt[LVT_LINT0];
    return !hw_enabled(s) ||
           (!(lint0 & LVT_MASKED) && LVT_MODE(lint0) == APIC_DM_EXTINT);
}

static bool extint_requested(APICState *s)
{
    return (hw_enabled(s) && s->extint_pending) ||
           (accepts_pic(s) && pic_intr_level);
}

static bool apic_interrupt_pending(APICState *s)
{
    return extint_requested(s) || (hw_enabled(s) && apic_irr_deliverable(s) >= 0);
}

/* Something for the CPU to act on: wake it (or kick it out of guest code). */
static void apic_notify(APICState *s)
{
    CPUState *cpu = s->cpu;
    if (!cpu || cpu == current_cpu_get()) {
        return;     /* its own thread checks before entering the guest */
    }
    if (apic_interrupt_pending(s) || s->nmi_pending || s->init_pending ||
        s->sipi_pending) {
        cpu_wake(cpu);
    }
}

/* --- Accepting interrupts --- */

static void apic_local_deliver(APICState *s, int lvt);

static void apic_error(APICState *s, uint32_t bits)
{
    s->esr_pending |= bits;
    apic_local_deliver(s, LVT_ERROR);
}

/* Architectural reset of the registers (power-up and INIT, SDM 11.4.7). */
static void apic_regs_reset(APICState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_NR; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->timer_icr = s->timer_dcr = 0;
    s->timer_next_ns = -1;
    s->tsc_deadline = 0;
    if (s->timer) {
        timer_del(s->timer);
    }
    s->nmi_pending = s->extint_pending = s->sipi_pending = false;
}

static void apic_accept(APICState *s, int mode, uint8_t vector, bool level)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (!sw_enabled(s)) {
            return;         /* a software-disabled APIC takes no interrupts */
        }
        if (vector < 16) {
            apic_error(s, ESR_RECV_ILLEGAL);
            return;
        }
        vec_set(s->irr, vector);
        if (level) {
            vec_set(s->tmr, vector);
        } else {
            vec_clear(s->tmr, vector);
        }
        break;
    case APIC_DM_NMI:
        s->nmi_pending = true;
        break;
    case APIC_DM_INIT:
        apic_regs_reset(s);
        s->init_pending = true;
        s->wait_sipi = true;
        break;
    case APIC_DM_SIPI:
        if (s->wait_sipi && !s->sipi_pending) {
            s->sipi_pending = true;
            s->sipi_vector = vector;
        }
        break;
    case APIC_DM_EXTINT:
        s->extint_pending = true;
        break;
    default:
        log_mask_printf(LOG_UNIMP, "apic: delivery mode %d ignored\n", mode);
        return;
    }
    apic_notify(s);
}

static void apic_local_deliver(APICState *s, int lvt)
{
    uint32_t v = s->lvt[lvt];
    if (v & LVT_MASKED) {
        return;
    }
    bool pin = lvt == LVT_LINT0 || lvt == LVT_LINT1;
    int mode = lvt == LVT_TIMER || lvt == LVT_ERROR ? APIC_DM_FIXED : LVT_MODE(v);
    apic_accept(s, mode, v & 0xff, pin && (v & LVT_LEVEL));
}

/* --- Destinations (SDM 11.6.2) --- */

static bool apic_match_dest(APICState *s, uint8_t dest, bool logical)
{
    if (!logical) {
        return dest == 0xff || s->id == dest;
    }
    uint8_t ldr = s->ldr >> 24;
    if ((s->dfr >> 28) == 0xf) {
        return ldr & dest;                      /* flat: a bitmap */
    }
    return dest == 0xff ||                      /* cluster: 4-bit id, bitmap */
           ((ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf));
}

void apic_deliver_irq(uint8_t dest, bool logical, int delivery_mode,
                      uint8_t vector, bool level_triggered)
{
    APICState *lowest = NULL;
    for (int i = 0; i < APIC_MAX_CPUS; i++) {
        APICState *s = apic_table[i];
        if (!s || !apic_match_dest(s, dest, logical)) {
            continue;
        }
        if (delivery_mode == APIC_DM_LOWEST) {
            /* Lowest priority: the lowest APIC ID among the targets. */
            if (!lowest || s->id < lowest->id) {
                lowest = s;
            }
            continue;
        }
        apic_accept(s, delivery_mode, vector, level_triggered);
    }
    if (lowest) {
        apic_accept(lowest, APIC_DM_FIXED, vector, level_triggered);
    }
}

void apic_send_msi(uint64_t addr, uint32_t data)
{
    uint8_t dest = (addr >> 12) & 0xff;
    bool logical = addr & 4;
    int mode = (data >> 8) & 7;
    log_mask_printf(LOG_INT, "apic: MSI addr 0x%" G_GINT64_MODIFIER "x data 0x%x\n",
                    addr, data);
    apic_deliver_irq(dest, logical, mode, data & 0xff, data & (1u << 15));
}

static void apic_send_ipi(APICState *s)
{
    uint32_t lo = s->icr_lo;
    int mode = LVT_MODE(lo), shorthand = (lo >> 18) & 3;
    uint8_t vector = lo & 0xff;
    if (mode == APIC_DM_INIT && !(lo & ICR_ASSERT) && (lo & ICR_LEVEL)) {
        return;         /* INIT level de-assert: only synchronizes arbitration */
    }
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL);
        return;
    }
    log_mask_printf(LOG_INT, "apic %u: IPI icr 0x%08x:%08x\n", s->id,
                    s->icr_hi, lo);
    if (shorthand == SHORTHAND_NONE) {
        apic_deliver_irq(s->icr_hi >> 24, lo & ICR_LOGICAL, mode, vector, false);
        return;
    }
    if (mode == APIC_DM_LOWEST) {
        mode = APIC_DM_FIXED;
    }
    for (int i = 0; i < APIC_MAX_CPUS; i++) {
        APICState *t = apic_table[i];
        bool self = t == s;
        if (t && (shorthand == SHORTHAND_ALL || self == (shorthand == SHORTHAND_SELF))) {
            apic_accept(t, mode, vector, false);
        }
    }
}

/* --- Timer --- */

static unsigned timer_divide(APICState *s)
{
    unsigned v = (s->timer_dcr & 3) | ((s->timer_dcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

static int64_t timer_period_ns(APICState *s)
{
    return (int64_t)s->timer_icr * timer_divide(s);
}

static void timer_arm(APICState *s, int64_t expiry)
{
    s->timer_next_ns = expiry;
    if (expiry < 0) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, expiry);
    }
}

/* A write of the initial count (re)starts a one-shot or periodic count. */
static void timer_load(APICState *s, int64_t now)
{
    s->timer_start_ns = now;
    if (!s->timer_icr || timer_mode(s) == TIMER_TSC_DEADLINE) {
        timer_arm(s, -1);
        return;
    }
    int64_t period = timer_period_ns(s);
    if (timer_mode(s) == TIMER_PERIODIC) {
        period = MAX(period, TIMER_MIN_PERIOD_NS);
    }
    timer_arm(s, now + period);
}

static uint32_t timer_current_count(APICState *s)
{
    if (!s->timer_icr || timer_mode(s) == TIMER_TSC_DEADLINE ||
        (timer_mode(s) == TIMER_ONESHOT && s->timer_next_ns < 0)) {
        return 0;
    }
    int64_t ticks = (clock_get_ns(CLOCK_VIRTUAL) - s->timer_start_ns) /
                    timer_divide(s);
    if (timer_mode(s) == TIMER_PERIODIC) {
        return s->timer_icr - ticks % s->timer_icr;
    }
    return ticks >= s->timer_icr ? 0 : s->timer_icr - ticks;
}

static void apic_timer_expired(void *opaque)
{
    APICState *s = opaque;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    if (timer_mode(s) == TIMER_TSC_DEADLINE) {
        s->tsc_deadline = 0;
        s->timer_next_ns = -1;
    } else if (timer_mode(s) == TIMER_PERIODIC && s->timer_icr) {
        int64_t period = MAX(timer_period_ns(s), TIMER_MIN_PERIOD_NS);
        int64_t next = s->timer_next_ns + period;
        if (next <= now) {
            /* Far behind (host stall): ticks coalesce into this one. */
            next = now + period - (now - s->timer_next_ns) % period;
        }
        s->timer_start_ns = next - period;
        timer_arm(s, next);
    } else {
        s->timer_next_ns = -1;
    }
    apic_local_deliver(s, LVT_TIMER);
}

static void timer_set_divide(APICState *s, uint32_t dcr)
{
    uint32_t remaining = timer_current_count(s);
    bool running = s->timer_next_ns >= 0 && timer_mode(s) != TIMER_TSC_DEADLINE;
    s->timer_dcr = dcr & 0xb;
    if (running) {
        /* Keep the count; it runs on at the new rate. */
        int64_t now = clock_get_ns(CLOCK_VIRTUAL);
        int64_t done = (int64_t)(s->timer_icr - remaining) * timer_divide(s);
        s->timer_start_ns = now - done;
        timer_arm(s, now + MAX((int64_t)remaining * timer_divide(s), 1));
    }
}

static void timer_set_lvt(APICState *s, uint32_t v)
{
    bool was_deadline = timer_mode(s) == TIMER_TSC_DEADLINE;
    s->lvt[LVT_TIMER] = v;
    if (was_deadline != (timer_mode(s) == TIMER_TSC_DEADLINE)) {
        /* Switching to or from TSC-deadline mode disarms the timer. */
        s->timer_icr = 0;
        s->tsc_deadline = 0;
        timer_arm(s, -1);
    }
}

void apic_set_tsc_deadline(CPUState *cpu, uint64_t deadline, uint64_t tsc_now,
                           uint64_t tsc_hz)
{
    APICState *s = apic_of(cpu);
    if (!s || timer_mode(s) != TIMER_TSC_DEADLINE) {
        return;         /* ignored outside TSC-deadline mode (SDM 11.5.4.1) */
    }
    s->tsc_deadline = deadline;
    if (!deadline) {
        timer_arm(s, -1);
        return;
    }
    int64_t delta = 0;
    if (deadline > tsc_now && tsc_hz) {
        unsigned __int128 ns = (unsigned __int128)(deadline - tsc_now) * 1000000000u;
        delta = MIN(ns / tsc_hz, (unsigned __int128)INT64_MAX / 2);
    }
    timer_arm(s, clock_get_ns(CLOCK_VIRTUAL) + delta);
}

uint64_t apic_get_tsc_deadline(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s && timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
}

/* --- Registers --- */

static void apic_eoi(APICState *s)
{
    int isrv = vec_highest(s->isr);
    if (isrv < 0) {
        return;
    }
    vec_clear(s->isr, isrv);
    if (vec_test(s->tmr, isrv)) {
        ioapic_eoi_broadcast(isrv);
    }
    apic_notify(s);
}

static void apic_set_svr(APICState *s, uint32_t v)
{
    s->svr = v & 0x3ff;
    if (!sw_enabled(s)) {
        for (int i = 0; i < LVT_NR; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
    }
    apic_notify(s);
}

static void apic_set_lvt(APICState *s, int lvt, uint32_t v)
{
    v = (s->lvt[lvt] & ~lvt_writable[lvt]) | (v & lvt_writable[lvt]);
    if (!sw_enabled(s)) {
        v |= LVT_MASKED;    /* cannot be unmasked while software-disabled */
    }
    if (lvt == LVT_TIMER) {
        timer_set_lvt(s, v);
    } else {
        s->lvt[lvt] = v;
    }
    apic_notify(s);
}

uint32_t apic_reg_read(APICState *s, unsigned offset)
{
    unsigned index = (offset >> 4) & 7;
    switch (offset & 0xff0) {
    case REG_ID: return (uint32_t)s->id << 24;
    case REG_VERSION: return APIC_VERSION;
    case REG_TPR: return s->tpr;
    case REG_APR: return 0;
    case REG_PPR: return apic_ppr(s);
    case REG_LDR: return s->ldr;
    case REG_DFR: return s->dfr | 0x0fffffff;
    case REG_SVR: return s->svr;
    case REG_ESR: return s->esr;
    case REG_ICR_LO: return s->icr_lo;
    case REG_ICR_HI: return s->icr_hi;
    case REG_TIMER_ICR: return s->timer_icr;
    case REG_TIMER_CCR: return timer_current_count(s);
    case REG_TIMER_DCR: return s->timer_dcr;
    case REG_ISR ... REG_ISR + 0x70: return s->isr[index];
    case REG_TMR ... REG_TMR + 0x70: return s->tmr[index];
    case REG_IRR ... REG_IRR + 0x70: return s->irr[index];
    case REG_LVT ... REG_LVT + 0x50: return s->lvt[(offset - REG_LVT) >> 4];
    }
    return 0;
}

void apic_reg_write(APICState *s, unsigned offset, uint32_t v)
{
    switch (offset & 0xff0) {
    case REG_ID:
        s->id = v >> 24;
        break;
    case REG_TPR:
        s->tpr = v;
        apic_notify(s);
        break;
    case REG_EOI:
        apic_eoi(s);
        break;
    case REG_LDR:
        s->ldr = v & 0xff000000;
        break;
    case REG_DFR:
        s->dfr = v | 0x0fffffff;
        break;
    case REG_SVR:
        apic_set_svr(s, v);
        break;
    case REG_ESR:
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case REG_ICR_LO:
        s->icr_lo = v & ~ICR_DELIVS;    /* delivery is immediate: idle */
        apic_send_ipi(s);
        break;
    case REG_ICR_HI:
        s->icr_hi = v & 0xff000000;
        break;
    case REG_LVT ... REG_LVT + 0x50:
        apic_set_lvt(s, (offset - REG_LVT) >> 4, v);
        break;
    case REG_TIMER_ICR:
        if (timer_mode(s) != TIMER_TSC_DEADLINE) {
            s->timer_icr = v;
            timer_load(s, clock_get_ns(CLOCK_VIRTUAL));
        }
        break;
    case REG_TIMER_DCR:
        timer_set_divide(s, v);
        break;
    case REG_VERSION: case REG_APR: case REG_PPR: case REG_TIMER_CCR:
    case REG_ISR ... REG_IRR + 0x70:
        break;              /* read-only */
    default:
        apic_error(s, ESR_ILLEGAL_REG);
        break;
    }
}

/* --- The CPU side --- */

bool apic_has_interrupt(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s && apic_interrupt_pending(s);
}

int apic_get_interrupt(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    if (!s) {
        return -1;
    }
    int v = hw_enabled(s) ? apic_irr_deliverable(s) : -1;
    if (v >= 0) {
        vec_clear(s->irr, v);
        vec_set(s->isr, v);
        return v;
    }
    if (!extint_requested(s) || !extint_pic) {
        return -1;
    }
    s->extint_pending = false;
    return i8259_intack(extint_pic);
}

void apic_poll_irq(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    if (s && apic_interrupt_pending(s)) {
        if (cpu == current_cpu_get()) {
            cpu->halted = false;
        } else {
            cpu_wake(cpu);
        }
    }
}

bool apic_take_nmi(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    bool r = s && s->nmi_pending;
    if (r) {
        s->nmi_pending = false;
    }
    return r;
}

bool apic_take_init(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    bool r = s && s->init_pending;
    if (r) {
        s->init_pending = false;
    }
    return r;
}

bool apic_waiting_for_sipi(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s && s->wait_sipi;
}

bool apic_take_sipi(CPUState *cpu, int *vector)
{
    APICState *s = apic_of(cpu);
    if (!s || !s->sipi_pending) {
        return false;
    }
    s->sipi_pending = false;
    s->wait_sipi = false;
    *vector = s->sipi_vector;
    return true;
}

bool apic_wakes_halted_cpu(CPUState *cpu, bool if_flag)
{
    APICState *s = apic_of(cpu);
    return s && (s->nmi_pending || s->init_pending || s->sipi_pending ||
                 (if_flag && apic_interrupt_pending(s)));
}

uint8_t apic_get_tpr(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s ? s->tpr : 0;
}

void apic_set_tpr(CPUState *cpu, uint8_t tpr)
{
    APICState *s = apic_of(cpu);
    if (s) {
        s->tpr = tpr;
        apic_notify(s);
    }
}

uint64_t apic_get_base(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s ? s->apicbase : 0;
}

void apic_set_base(CPUState *cpu, uint64_t value)
{
    APICState *s = apic_of(cpu);
    if (!s) {
        return;
    }
    bool was_enabled = hw_enabled(s);
    s->apicbase = (value & (APICBASE_ADDR_MASK | APICBASE_ENABLE)) |
                  (s->apicbase & APICBASE_BSP);
    if (was_enabled && !hw_enabled(s)) {
        apic_regs_reset(s);     /* SDM 11.4.3: disabling loses the state */
    }
    if ((s->apicbase & APICBASE_ADDR_MASK) != APIC_MSI_BASE) {
        log_mask_printf(LOG_UNIMP, "apic %u: relocation to 0x%" G_GINT64_MODIFIER
                        "x not supported\n", s->id,
                        (uint64_t)(s->apicbase & APICBASE_ADDR_MASK));
    }
    apic_notify(s);
}

/* --- The 8259 on LINT0 --- */

void apic_connect_pic(PICState *pic)
{
    extint_pic = pic;
}

void apic_set_pic_intr(int level)
{
    bool rising = level && !pic_intr_level;
    pic_intr_level = level;
    for (int i = 0; i < APIC_MAX_CPUS; i++) {
        APICState *s = apic_table[i];
        if (!s) {
            continue;
        }
        if (accepts_pic(s)) {
            apic_notify(s);
        } else if (rising) {
            apic_local_deliver(s, LVT_LINT0);   /* LINT0 as NMI or fixed */
        }
    }
}

/* --- The 0xfee00000 window --- */

/* An MSI's address has bits 11:4 clear; those offsets are reserved in the
 * xAPIC page, so such a write is a message whoever makes it. */
static bool is_msi_offset(uint64_t addr)
{
    return (addr & 0xff0) == 0 || addr >= 0x1000;
}

static uint64_t apic_window_read(void *opaque, uint64_t addr, unsigned size)
{
    APICState *s = apic_of(current_cpu_get());
    if (!s || is_msi_offset(addr) || (addr & 0xf)) {
        return 0;
    }
    return apic_reg_read(s, addr);
}

static void apic_window_write(void *opaque, uint64_t addr, uint64_t data,
                              unsigned size)
{
    APICState *s = apic_of(current_cpu_get());
    if (!s || is_msi_offset(addr)) {
        apic_send_msi(APIC_MSI_BASE + addr, data);
    } else if (!(addr & 0xf)) {
        apic_reg_write(s, addr, data);
    }
}

static const MemoryRegionOps apic_window_ops = {
    .read = apic_window_read,
    .write = apic_window_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

void apic_map_mmio(MemoryRegion *container)
{
    if (!apic_window.ops) {
        memory_region_init_io(&apic_window, NULL, &apic_window_ops, NULL,
                              "apic-msi", APIC_MSI_SIZE);
    }
    if (apic_window.container) {
        memory_region_del_subregion(apic_window.container, &apic_window);
    }
    /* Above anything a guest maps there (a PCI BAR): the CPU's accesses
     * never leave it. */
    memory_region_add_subregion_overlap(container, APIC_MSI_BASE, &apic_window,
                                        APIC_WINDOW_PRIORITY);
}

/* --- Device --- */

/* Power-on: enabled at 0xfee00000, software-disabled; the BSP's LINT0 is in
 * ExtINT mode and LINT1 NMI (virtual wire, as firmware leaves it); the APs
 * wait for SIPI. */
static void apic_reset(DeviceState *dev)
{
    APICState *s = APIC(dev);
    bool bsp = s->cpu->cpu_index == 0;
    s->apicbase = APIC_MSI_BASE | APICBASE_ENABLE | (bsp ? APICBASE_BSP : 0);
    s->id = s->cpu->apic_id;
    apic_regs_reset(s);
    if (bsp) {
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
        s->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
    }
    s->init_pending = false;
    s->wait_sipi = !bsp;
}

static bool apic_realize(DeviceState *dev, GError **errp)
{
    APICState *s = APIC(dev);
    if (!s->cpu) {
        error_setg(errp, "apic: the machine creates a local APIC for each CPU");
        return false;
    }
    int index = s->cpu->cpu_index;
    if (index < 0 || index >= APIC_MAX_CPUS || apic_table[index]) {
        error_setg(errp, "apic: CPU %d cannot have another local APIC (at most "
                   "%d CPUs, one APIC each)", index, APIC_MAX_CPUS);
        return false;
    }
    s->timer = timer_new_ns(CLOCK_VIRTUAL, apic_timer_expired, s);
    apic_table[index] = s;
    apic_reset(dev);
    return true;
}

static void apic_unrealize(DeviceState *dev)
{
    APICState *s = APIC(dev);
    apic_table[s->cpu->cpu_index] = NULL;
    timer_free(s->timer);
    s->timer = NULL;
}

APICState *apic_create(CPUState *cpu, GError **errp)
{
    DeviceState *dev = device_new(TYPE_APIC, errp);
    if (!dev) {
        return NULL;
    }
    APIC(dev)->cpu = cpu;
    bool ok = object_property_add_child(OBJECT(cpu), "lapic", OBJECT(dev), errp) &&
              device_realize_on_bus(dev, NULL, errp);
    if (!ok && OBJECT(dev)->parent) {
        object_unparent(OBJECT(dev));
    }
    object_unref(OBJECT(dev));
    return ok ? APIC(dev) : NULL;
}

static int apic_post_load(void *opaque, int version)
{
    APICState *s = opaque;
    timer_arm(s, s->timer_next_ns);
    return 0;
}

static const VMStateField apic_fields[] = {
    VMSTATE_U64(apicbase, APICState),
    VMSTATE_U8(id, APICState),
    VMSTATE_U8(tpr, APICState),
    VMSTATE_U32(ldr, APICState),
    VMSTATE_U32(dfr, APICState),
    VMSTATE_U32(svr, APICState),
    VMSTATE_U32_ARRAY(isr, APICState, 8),
    VMSTATE_U32_ARRAY(tmr, APICState, 8),
    VMSTATE_U32_ARRAY(irr, APICState, 8),
    VMSTATE_U32(esr, APICState),
    VMSTATE_U32(esr_pending, APICState),
    VMSTATE_U32(icr_lo, APICState),
    VMSTATE_U32(icr_hi, APICState),
    VMSTATE_U32_ARRAY(lvt, APICState, LVT_NR),
    VMSTATE_U32(timer_icr, APICState),
    VMSTATE_U32(timer_dcr, APICState),
    VMSTATE_I64(timer_start_ns, APICState),
    VMSTATE_I64(timer_next_ns, APICState),
    VMSTATE_U64(tsc_deadline, APICState),
    VMSTATE_BOOL(nmi_pending, APICState),
    VMSTATE_BOOL(init_pending, APICState),
    VMSTATE_BOOL(sipi_pending, APICState),
    VMSTATE_BOOL(extint_pending, APICState),
    VMSTATE_BOOL(wait_sipi, APICState),
    VMSTATE_U8(sipi_vector, APICState),
    VMSTATE_END
};

static const VMStateDescription apic_vmstate = {
    .name = "apic",
    .version = 1,
    .minimum_version = 1,
    .fields = apic_fields,
    .post_load = apic_post_load,
};

static const DeviceInfo apic_info = {
    .name = TYPE_APIC,
    .instance_size = sizeof(APICState),
    .desc = "local APIC (xAPIC)",
    .vmsd = &apic_vmstate,
    .realize = apic_realize,
    .unrealize = apic_unrealize,
    .reset = apic_reset,
};
DEVICE_REGISTER(apic_info)
