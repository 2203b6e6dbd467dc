/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The High Precision Event Timer (IA-PC HPET specification 1.0a): a 64-bit
 * main counter at 100 MHz computed from CLOCK_VIRTUAL, three comparators
 * (one-shot or periodic, 32- or 64-bit), IOAPIC routing and the legacy
 * replacement route (timer 0 as IRQ 0, timer 1 as IRQ 8).
 */
#include "vireo/x86-intc.h"
#include "vireo/main-loop.h"
#include "vireo/log.h"

#define HPET_NUM_TIMERS 3
#define HPET_TICK_NS 10
#define HPET_PERIOD_FS 10000000ULL
#define HPET_ROUTE_CAP 0x00f00000u  /* IOAPIC pins 20-23 */
#define HPET_MAX_WAIT_TICKS (1ULL << 40)   /* re-check at least every ~3 h */
#define HPET_MIN_PERIOD_NS 100000

/* Registers (§2.3). */
enum {
    REG_CAP = 0x000, REG_CONFIG = 0x010, REG_ISR = 0x020, REG_COUNTER = 0x0f0,
    REG_TIMER = 0x100, TIMER_STRIDE = 0x20,
    TIMER_CONFIG = 0x00, TIMER_CMP = 0x08, TIMER_FSB = 0x10,
};
enum { CFG_ENABLE = 1 << 0, CFG_LEGACY = 1 << 1 };
enum {
    TN_LEVEL = 1 << 1, TN_INT_ENB = 1 << 2, TN_PERIODIC = 1 << 3,
    TN_PER_CAP = 1 << 4, TN_SIZE_CAP = 1 << 5, TN_VAL_SET = 1 << 6,
    TN_32BIT = 1 << 8, TN_ROUTE_SHIFT = 9, TN_ROUTE_MASK = 0x1f << 9,
    TN_WRITABLE = TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_32BIT | TN_ROUTE_MASK,
};
#define TN_CAPS (TN_PER_CAP | TN_SIZE_CAP | (uint64_t)HPET_ROUTE_CAP << 32)

typedef struct HPETTimer {
    HPETState *hpet;
    int index;
    Timer *timer;
    int asserted_line;          /* level interrupt held on this line, or -1 */
    /* Saved state. */
    uint64_t config;
    uint64_t cmp;
    uint64_t period;            /* periodic mode: added at each match */
} HPETTimer;

struct HPETState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    IrqLine *pins, *legacy;
    /* Saved state. */
    uint64_t config;
    uint64_t isr;
    uint64_t counter_base;      /* main counter at start_ns */
    int64_t start_ns;
    HPETTimer t[HPET_NUM_TIMERS];
};

#define HPET(obj) OBJECT_CHECK(HPETState, (obj), TYPE_HPET)

static bool hpet_enabled(HPETState *s) { return s->config & CFG_ENABLE; }

static uint64_t hpet_counter(HPETState *s)
{
    if (!hpet_enabled(s)) {
        return s->counter_base;
    }
    return s->counter_base +
           (clock_get_ns(CLOCK_VIRTUAL) - s->start_ns) / HPET_TICK_NS;
}

static bool timer_is_32bit(HPETTimer *t)
{
    return t->config & TN_32BIT;
}

static uint64_t timer_mask(HPETTimer *t)
{
    return timer_is_32bit(t) ? 0xffffffffULL : UINT64_MAX;
}

/* --- Interrupts --- */

static int timer_line(HPETTimer *t)
{
    if ((t->hpet->config & CFG_LEGACY) && t->index < 2) {
        return t->index == 0 ? 0 : 8;
    }
    return (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
}

/* Level interrupts: the line follows the status bit while enabled. */
static void timer_update_level(HPETTimer *t)
{
    HPETState *s = t->hpet;
    bool assert = (s->isr & (1u << t->index)) && (t->config & TN_LEVEL) &&
                  (t->config & TN_INT_ENB) && hpet_enabled(s);
    int line = assert ? timer_line(t) : -1;
    if (line == t->asserted_line) {
        return;
    }
    if (t->asserted_line >= 0) {
        irq_lower(&s->pins[t->asserted_line]);
    }
    t->asserted_line = line;
    if (line >= 0) {
        irq_raise(&s->pins[line]);
    }
}

static void timer_interrupt(HPETTimer *t)
{
    HPETState *s = t->hpet;
    if (t->config & TN_LEVEL) {
        s->isr |= 1u << t->index;
        timer_update_level(t);
    } else if (t->config & TN_INT_ENB) {
        irq_pulse(&s->pins[timer_line(t)]);
    }
}

/* --- Comparators --- */

/* Ticks until the counter reaches the comparator (0: it is there). */
static uint64_t timer_ticks_to_match(HPETTimer *t, uint64_t counter)
{
    return (t->cmp - counter) & timer_mask(t);
}

static bool timer_reached(HPETTimer *t, uint64_t counter)
{
    uint64_t past = (counter - t->cmp) & timer_mask(t);
    return past <= timer_mask(t) / 2;
}

static void timer_arm(HPETTimer *t)
{
    HPETState *s = t->hpet;
    if (!hpet_enabled(s)) {
        timer_del(t->timer);
        return;
    }
    uint64_t wait = MIN(timer_ticks_to_match(t, hpet_counter(s)),
                        HPET_MAX_WAIT_TICKS);
    timer_mod(t->timer, clock_get_ns(CLOCK_VIRTUAL) + wait * HPET_TICK_NS);
}

static void hpet_timer_expired(void *opaque)
{
    HPETTimer *t = opaque;
    uint64_t counter = hpet_counter(t->hpet);
    if (!timer_reached(t, counter)) {
        timer_arm(t);           /* a long wait, re-checked */
        return;
    }
    bool periodic = (t->config & TN_PERIODIC) && t->period;
    if (periodic) {
        /* The next match at least HPET_MIN_PERIOD_NS ahead: missed periods,
         * and periods too short to follow, coalesce into this one. */
        uint64_t behind = (counter - t->cmp) & timer_mask(t);
        uint64_t n = (behind + HPET_MIN_PERIOD_NS / HPET_TICK_NS) / t->period + 1;
        t->cmp = (t->cmp + n * t->period) & timer_mask(t);
    }
    timer_interrupt(t);
    /* A 32-bit one-shot comparator matches again when the counter wraps. */
    if (periodic || timer_is_32bit(t)) {
        timer_arm(t);
    }
}

static void timer_write_config(HPETTimer *t, uint64_t v)
{
    uint64_t old = t->config;
    t->config = (v & TN_WRITABLE) | TN_CAPS;
    unsigned route = (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    if (!(HPET_ROUTE_CAP & (1u << route))) {
        /* An unsupported route reads back as written-not: keep the old. */
        t->config = (t->config & ~TN_ROUTE_MASK) | (old & TN_ROUTE_MASK);
    }
    if (v & TN_VAL_SET) {
        t->config |= TN_VAL_SET;    /* until the next comparator write */
    }
    if (timer_is_32bit(t)) {
        t->cmp &= 0xffffffff;
        t->period &= 0xffffffff;
    }
    if (!(t->config & TN_LEVEL)) {
        t->hpet->isr &= ~(1u << t->index);
    }
    timer_update_level(t);
    timer_arm(t);
}

/* In periodic mode a write sets the period, and the comparator too only
 * right after Tn_VAL_SET (§2.3.9.2.2). `mask`: the bits written. */
static void timer_write_cmp(HPETTimer *t, uint64_t v, uint64_t mask)
{
    bool sets_cmp = !(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET);
    uint64_t old = sets_cmp ? t->cmp : t->period;
    v = ((old & ~mask) | (v & mask)) & timer_mask(t);
    if (sets_cmp) {
        t->cmp = v;
    }
    t->period = v;
    t->config &= ~TN_VAL_SET;
    timer_arm(t);
}

/* --- Registers --- */

static void hpet_write_config(HPETState *s, uint64_t v)
{
    uint64_t old = s->config;
    if ((v & CFG_ENABLE) && !(old & CFG_ENABLE)) {
        s->start_ns = clock_get_ns(CLOCK_VIRTUAL);
    } else if (!(v & CFG_ENABLE) && (old & CFG_ENABLE)) {
        s->counter_base = hpet_counter(s);
    }
    s->config = v & (CFG_ENABLE | CFG_LEGACY);
    if ((old ^ s->config) & CFG_LEGACY) {
        irq_set(s->legacy, !!(s->config & CFG_LEGACY));
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_update_level(&s->t[i]);
        timer_arm(&s->t[i]);
    }
}

static void hpet_write_counter(HPETState *s, uint64_t v)
{
    if (hpet_enabled(s)) {
        log_mask_printf(LOG_GUEST_ERROR, "hpet: main counter written while "
                        "running\n");
    }
    s->counter_base = v;
    s->start_ns = clock_get_ns(CLOCK_VIRTUAL);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_arm(&s->t[i]);
    }
}

static uint64_t hpet_read64(HPETState *s, uint64_t reg)
{
    switch (reg) {
    case REG_CAP:
        return HPET_PERIOD_FS << 32 | 0x8086ULL << 16 | 1 << 15 /* legacy */ |
               1 << 13 /* 64-bit */ | (HPET_NUM_TIMERS - 1) << 8 | 1;
    case REG_CONFIG:
        return s->config;
    case REG_ISR:
        return s->isr;
    case REG_COUNTER:
        return hpet_counter(s);
    }
    if (reg < REG_TIMER || reg >= REG_TIMER + HPET_NUM_TIMERS * TIMER_STRIDE) {
        return 0;
    }
    HPETTimer *t = &s->t[(reg - REG_TIMER) / TIMER_STRIDE];
    switch ((reg - REG_TIMER) % TIMER_STRIDE) {
    case TIMER_CONFIG:
        return t->config & ~(uint64_t)TN_VAL_SET;
    case TIMER_CMP:
        return t->cmp;
    }
    return 0;       /* no FSB delivery */
}

/* A write of the bits in `mask` (a 32-bit access writes half a register;
 * the status register is write-one-to-clear). */
static void hpet_write(HPETState *s, uint64_t reg, uint64_t v, uint64_t mask)
{
    uint64_t merged = (hpet_read64(s, reg) & ~mask) | (v & mask);
    switch (reg) {
    case REG_CONFIG:
        hpet_write_config(s, merged);
        return;
    case REG_ISR:
        s->isr &= ~(v & mask);
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            timer_update_level(&s->t[i]);
        }
        return;
    case REG_COUNTER:
        hpet_write_counter(s, merged);
        return;
    }
    if (reg < REG_TIMER || reg >= REG_TIMER + HPET_NUM_TIMERS * TIMER_STRIDE) {
        return;
    }
    HPETTimer *t = &s->t[(reg - REG_TIMER) / TIMER_STRIDE];
    switch ((reg - REG_TIMER) % TIMER_STRIDE) {
    case TIMER_CONFIG:
        timer_write_config(t, merged);
        break;
    case TIMER_CMP:
        timer_write_cmp(t, v, mask);
        break;
    }
}

static uint64_t hpet_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = hpet_read64(opaque, addr & ~7ULL);
    return size == 8 ? v : (uint32_t)(v >> ((addr & 4) * 8));
}

static void hpet_mmio_write(void *opaque, uint64_t addr, uint64_t data,
                            unsigned size)
{
    unsigned shift = size == 8 ? 0 : (addr & 4) * 8;
    uint64_t mask = size == 8 ? UINT64_MAX : 0xffffffffULL << shift;
    hpet_write(opaque, addr & ~7ULL, data << shift, mask);
}

static const MemoryRegionOps hpet_mmio_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* --- Device --- */

static void hpet_reset(DeviceState *dev)
{
    HPETState *s = HPET(dev);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        if (t->asserted_line >= 0 && s->pins) {
            irq_lower(&s->pins[t->asserted_line]);
        }
        t->asserted_line = -1;
        t->config = TN_CAPS;
        t->cmp = UINT64_MAX;
        t->period = 0;
        timer_del(t->timer);
    }
    if (s->config & CFG_LEGACY) {
        irq_lower(s->legacy);
    }
    s->config = 0;
    s->isr = 0;
    s->counter_base = 0;
    s->start_ns = clock_get_ns(CLOCK_VIRTUAL);
}

static bool hpet_realize(DeviceState *dev, GError **errp)
{
    HPETState *s = HPET(dev);
    if (!s->pins || !s->legacy) {
        error_setg(errp, "hpet: the machine creates the HPET with its "
                   "interrupt lines");
        return false;
    }
    memory_region_init_io(&s->mmio, OBJECT(s), &hpet_mmio_ops, s, "hpet", 0x400);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i] = (HPETTimer){ .hpet = s, .index = i, .asserted_line = -1 };
        s->t[i].timer = timer_new_ns(CLOCK_VIRTUAL, hpet_timer_expired, &s->t[i]);
    }
    hpet_reset(dev);
    return true;
}

static void hpet_unrealize(DeviceState *dev)
{
    HPETState *s = HPET(dev);
    if (s->mmio.container) {
        memory_region_del_subregion(s->mmio.container, &s->mmio);
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_free(s->t[i].timer);
        s->t[i].timer = NULL;
    }
}

HPETState *hpet_init(MemoryRegion *container, uint64_t addr, IrqLine *pins,
                     IrqLine *legacy, GError **errp)
{
    DeviceState *dev = device_new(TYPE_HPET, errp);
    if (!dev) {
        return NULL;
    }
    HPETState *s = HPET(dev);
    s->pins = pins;
    s->legacy = legacy;
    if (!device_realize_on_bus(dev, NULL, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));
    memory_region_add_subregion(container, addr, &s->mmio);
    return s;
}

static int hpet_post_load(void *opaque, int version)
{
    HPETState *s = opaque;
    irq_set(s->legacy, !!(s->config & CFG_LEGACY));
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_update_level(&s->t[i]);
        timer_arm(&s->t[i]);
    }
    return 0;
}

static const VMStateField hpet_timer_fields[] = {
    VMSTATE_U64(config, HPETTimer),
    VMSTATE_U64(cmp, HPETTimer),
    VMSTATE_U64(period, HPETTimer),
    VMSTATE_END
};

static const VMStateDescription hpet_timer_vmstate = {
    .name = "hpet-timer",
    .version = 1,
    .minimum_version = 1,
    .fields = hpet_timer_fields,
};

static const VMStateField hpet_fields[] = {
    VMSTATE_U64(config, HPETState),
    VMSTATE_U64(isr, HPETState),
    VMSTATE_U64(counter_base, HPETState),
    VMSTATE_I64(start_ns, HPETState),
    VMSTATE_STRUCT_ARRAY(t, HPETState, HPET_NUM_TIMERS, hpet_timer_vmstate),
    VMSTATE_END
};

static const VMStateDescription hpet_vmstate = {
    .name = "hpet",
    .version = 1,
    .minimum_version = 1,
    .fields = hpet_fields,
    .post_load = hpet_post_load,
};

static const DeviceInfo hpet_info = {
    .name = TYPE_HPET,
    .instance_size = sizeof(HPETState),
    .desc = "High Precision Event Timer",
    .vmsd = &hpet_vmstate,
    .realize = hpet_realize,
    .unrealize = hpet_unrealize,
    .reset = hpet_reset,
};
DEVICE_REGISTER(hpet_info)
