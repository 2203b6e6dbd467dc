/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The 8254 programmable interval timer (Intel 8254 datasheet: modes 0-5,
 * counter latch, read-back, BCD) with the PC's port 0x61 (channel 2 gate,
 * speaker enable, refresh toggle, channel 2 output). Counters are computed
 * from CLOCK_VIRTUAL at 1.193182 MHz, never ticked.
 */
#include "vireo/x86-intc.h"
#include "vireo/main-loop.h"
#include "vireo/log.h"

#define PIT_HZ 1193182ULL
#define NS_PER_SEC 1000000000ULL
#define REFRESH_PERIOD_NS 15085     /* port 0x61 bit 4 toggles at this rate */
#define PIT_MIN_IRQ_INTERVAL_NS 200000

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };
enum { LATCH_NONE, LATCH_LSB, LATCH_MSB, LATCH_WORD_LSB, LATCH_WORD_MSB };
enum { PORT61_GATE2 = 0x01, PORT61_SPEAKER = 0x02, PORT61_WRITABLE = 0x0f,
       PORT61_REFRESH = 0x10, PORT61_OUT2 = 0x20 };

typedef struct PITChannel {
    /* Saved state. */
    uint16_t count_reg;         /* as written (BCD digits in BCD mode) */
    uint32_t count;             /* reload value in binary: 1..65536 */
    uint8_t mode, rw_mode;
    bool bcd;
    bool loaded;                /* a count was written since the control word */
    bool triggered;             /* modes 1, 5: the gate has risen since then */
    bool gate;
    bool frozen;                /* counting suspended by the gate */
    bool null_count;
    int64_t load_ns;            /* CLOCK_VIRTUAL time of tick 0 */
    uint64_t frozen_ticks;
    uint8_t read_msb, write_msb;    /* word access flip-flops */
    uint8_t write_lsb;
    uint8_t latch_state;
    uint16_t latched_count;
    bool status_latched;
    uint8_t status;
} PITChannel;

struct PITState {
    ISADevice parent_obj;
    MemoryRegion io, port61_io;
    IrqLine *irq;
    Timer *irq_timer;           /* channel 0's next output transition */
    uint64_t next_tick;
    int irq_level;
    /* Saved state. */
    PITChannel ch[3];
    uint8_t port61;
};

#define PIT(obj) OBJECT_CHECK(PITState, (obj), TYPE_I8254)

/* --- Time --- */

static uint64_t ns_to_ticks(int64_t ns)
{
    return ns <= 0 ? 0 : (unsigned __int128)ns * PIT_HZ / NS_PER_SEC;
}

/* The first nanosecond at which `ticks` have elapsed. */
static int64_t ticks_to_ns(uint64_t ticks)
{
    return ((unsigned __int128)ticks * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static bool gate_triggered_mode(PITChannel *c)
{
    return c->mode == 1 || c->mode == 5;
}

static bool counting(PITChannel *c)
{
    return c->loaded && (!gate_triggered_mode(c) || c->triggered);
}

/* Ticks counted since the count was loaded (or triggered). */
static uint64_t pit_ticks(PITChannel *c, int64_t now)
{
    if (!counting(c)) {
        return 0;
    }
    return c->frozen ? c->frozen_ticks : ns_to_ticks(now - c->load_ns);
}

/* --- Counter and output as functions of elapsed ticks --- */

static uint32_t modulus(PITChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint32_t pit_counter_at(PITChannel *c, uint64_t d)
{
    uint32_t n = c->count, m = modulus(c);
    if (!counting(c)) {
        return n % m;
    }
    switch (c->mode) {
    case 2:
        return n - d % n;
    case 3: {
        /* Counts down by two, through each half of the period. */
        uint32_t p = d % n, high = (n + 1) / 2;
        uint32_t v = n - 2 * (p < high ? p : p - high);
        return v & ~1u;
    }
    default:
        return (n + m - d % m) % m;     /* modes 0, 1, 4, 5 wrap on */
    }
}

static int pit_out_at(PITChannel *c, uint64_t d)
{
    if (!c->loaded) {
        return c->mode != 0;    /* mode 0 (and power-on) low, others high */
    }
    if (gate_triggered_mode(c) && !c->triggered) {
        return 1;
    }
    uint32_t n = c->count;
    switch (c->mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        return c->frozen || n < 2 || d % n != n - 1;
    case 3:
        return c->frozen || d % n < (n + 1) / 2;
    default:
        return d != n;                      /* modes 4, 5: one low tick */
    }
}

/* The tick after `d` at which the output changes; 0 if it never does.
 * Mode 2's one-tick low pulse counts at its end, where the output rises:
 * the level before and at that tick make the whole pulse. */
static uint64_t pit_next_transition(PITChannel *c, uint64_t d)
{
    if (!counting(c) || c->frozen) {
        return 0;
    }
    uint32_t n = c->count;
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : 0;
    case 2:
        return n < 2 ? 0 : (d / n + 1) * n;
    case 3: {
        if (n < 2) {
            return 0;
        }
        uint32_t p = d % n, high = (n + 1) / 2;
        return p < high ? d + (high - p) : d + (n - p);
    }
    default:
        return d < n ? n : d == n ? n + 1 : 0;
    }
}

static uint16_t to_bcd(uint32_t v)
{
    return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
           v % 10;
}

static uint32_t from_bcd(uint16_t v)
{
    return (v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 +
           (v & 0xf);
}

static uint16_t pit_read_counter(PITChannel *c, int64_t now)
{
    uint32_t v = pit_counter_at(c, pit_ticks(c, now));
    return c->bcd ? to_bcd(v) : v;
}

/* --- Channel 0 drives IRQ 0 --- */

static void pit_set_irq(PITState *s, int level)
{
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

static void pit_schedule(PITState *s, uint64_t after_tick, int64_t now)
{
    PITChannel *c = &s->ch[0];
    uint64_t next = pit_next_transition(c, after_tick);
    s->next_tick = next;
    if (!next) {
        timer_del(s->irq_timer);
        return;
    }
    int64_t expiry = c->load_ns + ticks_to_ns(next);
    if (c->mode == 2 || c->mode == 3) {
        /* A fast periodic output is sampled at most this often, so a guest
         * cannot flood the main loop; its edges coalesce. */
        expiry = MAX(expiry, now + PIT_MIN_IRQ_INTERVAL_NS);
    }
    timer_mod(s->irq_timer, expiry);
}

/* After channel 0 was programmed: its output now, and the next change. */
static void pit_irq_update(PITState *s, int64_t now)
{
    PITChannel *c = &s->ch[0];
    uint64_t d = pit_ticks(c, now);
    pit_set_irq(s, pit_out_at(c, d));
    pit_schedule(s, d, now);
}

/* Emits the transition that was due (the level before and at its tick),
 * then catches up with now: late edges coalesce, as an edge-triggered
 * controller would latch only one anyway. */
static void pit_irq_timer_expired(void *opaque)
{
    PITState *s = opaque;
    PITChannel *c = &s->ch[0];
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    uint64_t due = s->next_tick;
    uint64_t d = MAX(pit_ticks(c, now), due);
    pit_set_irq(s, pit_out_at(c, due - 1));
    pit_set_irq(s, pit_out_at(c, due));
    pit_set_irq(s, pit_out_at(c, d));
    pit_schedule(s, d, now);
}

int i8254_get_out(PITState *s, int channel)
{
    if (channel < 0 || channel > 2) {
        return 0;
    }
    PITChannel *c = &s->ch[channel];
    return pit_out_at(c, pit_ticks(c, clock_get_ns(CLOCK_VIRTUAL)));
}

/* --- Programming --- */

static void pit_load_count(PITChannel *c, uint16_t raw, int64_t now)
{
    uint32_t m = modulus(c);
    uint32_t v = c->bcd ? from_bcd(raw) : raw;
    c->count_reg = raw;
    c->count = v == 0 ? m : MIN(v, m);
    c->loaded = true;
    c->null_count = false;
    c->load_ns = now;
    c->triggered = false;
    c->frozen = !gate_triggered_mode(c) && !c->gate;
    c->frozen_ticks = 0;
}

static void pit_set_gate(PITChannel *c, bool gate, int64_t now)
{
    if (gate == c->gate) {
        return;
    }
    if (c->loaded && !gate && !gate_triggered_mode(c)) {
        c->frozen_ticks = pit_ticks(c, now);     /* counting suspends */
        c->frozen = true;
    } else if (c->loaded && gate) {
        if (c->mode == 0 || c->mode == 4) {
            c->load_ns = now - ticks_to_ns(c->frozen_ticks);    /* resumes */
        } else {
            c->load_ns = now;       /* modes 2, 3 reload; 1, 5 trigger */
            c->triggered = true;
        }
        c->frozen = false;
    }
    c->gate = gate;
}

static void pit_latch_count(PITChannel *c, int64_t now)
{
    if (c->latch_state != LATCH_NONE) {
        return;     /* the first latch holds until read */
    }
    c->latched_count = pit_read_counter(c, now);
    c->latch_state = c->rw_mode == RW_WORD ? LATCH_WORD_LSB : c->rw_mode;
}

static void pit_latch_status(PITChannel *c, int64_t now)
{
    if (c->status_latched) {
        return;
    }
    c->status = pit_out_at(c, pit_ticks(c, now)) << 7 | c->null_count << 6 |
                c->rw_mode << 4 | c->mode << 1 | c->bcd;
    c->status_latched = true;
}

static void pit_read_back(PITState *s, uint8_t cmd, int64_t now)
{
    for (int i = 0; i < 3; i++) {
        if (!(cmd & (2 << i))) {
            continue;
        }
        if (!(cmd & 0x20)) {
            pit_latch_count(&s->ch[i], now);
        }
        if (!(cmd & 0x10)) {
            pit_latch_status(&s->ch[i], now);
        }
    }
}

static void pit_write_control(PITState *s, uint8_t v, int64_t now)
{
    int sel = v >> 6, rw = (v >> 4) & 3;
    if (sel == 3) {
        pit_read_back(s, v, now);
        return;
    }
    PITChannel *c = &s->ch[sel];
    if (rw == RW_LATCH) {
        pit_latch_count(c, now);
        return;
    }
    int mode = (v >> 1) & 7;
    c->mode = mode > 5 ? mode - 4 : mode;   /* 6, 7 are 2, 3 */
    c->rw_mode = rw;
    c->bcd = v & 1;
    c->loaded = false;
    c->null_count = true;
    c->read_msb = c->write_msb = 0;
    c->latch_state = LATCH_NONE;
    c->status_latched = false;
    if (sel == 0) {
        pit_irq_update(s, now);
    }
}

static void pit_write_count(PITState *s, int i, uint8_t v, int64_t now)
{
    PITChannel *c = &s->ch[i];
    switch (c->rw_mode) {
    case RW_LSB:
        pit_load_count(c, v, now);
        break;
    case RW_MSB:
        pit_load_count(c, v << 8, now);
        break;
    default:
        if (!c->write_msb) {
            c->write_lsb = v;
            c->write_msb = 1;
            if (c->mode == 0) {
                c->loaded = false;  /* the first byte stops a mode 0 count */
            }
            break;
        }
        c->write_msb = 0;
        pit_load_count(c, c->write_lsb | v << 8, now);
        break;
    }
    if (i == 0) {
        pit_irq_update(s, now);
    }
}

static uint8_t pit_read_channel(PITChannel *c, int64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    switch (c->latch_state) {
    case LATCH_LSB:
        c->latch_state = LATCH_NONE;
        return c->latched_count;
    case LATCH_MSB:
    case LATCH_WORD_MSB:
        c->latch_state = LATCH_NONE;
        return c->latched_count >> 8;
    case LATCH_WORD_LSB:
        c->latch_state = LATCH_WORD_MSB;
        return c->latched_count;
    }
    uint16_t v = pit_read_counter(c, now);
    switch (c->rw_mode) {
    case RW_LSB:
        return v;
    case RW_MSB:
        return v >> 8;
    default:
        c->read_msb ^= 1;
        return c->read_msb ? v : v >> 8;
    }
}

static uint64_t pit_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;
    if (addr == 3) {
        return 0xff;        /* the control word register is write-only */
    }
    return pit_read_channel(&s->ch[addr], clock_get_ns(CLOCK_VIRTUAL));
}

static void pit_io_write(void *opaque, uint64_t addr, uint64_t data,
                         unsigned size)
{
    PITState *s = opaque;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    if (addr == 3) {
        pit_write_control(s, data, now);
    } else {
        pit_write_count(s, addr, data, now);
    }
}

static const MemoryRegionOps pit_io_ops = {
    .read = pit_io_read,
    .write = pit_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- Port 0x61 --- */

static uint64_t port61_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    return (s->port61 & PORT61_WRITABLE) |
           ((now / REFRESH_PERIOD_NS) & 1 ? PORT61_REFRESH : 0) |
           (i8254_get_out(s, 2) ? PORT61_OUT2 : 0);
}

static void port61_write(void *opaque, uint64_t addr, uint64_t data,
                         unsigned size)
{
    PITState *s = opaque;
    s->port61 = data & PORT61_WRITABLE;
    pit_set_gate(&s->ch[2], data & PORT61_GATE2, clock_get_ns(CLOCK_VIRTUAL));
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- Device --- */

/* Power-on: no channel programmed; the gates of channels 0 and 1 are tied
 * high, channel 2's comes from port 0x61 (low). */
static void pit_reset(DeviceState *dev)
{
    PITState *s = PIT(dev);
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    for (int i = 0; i < 3; i++) {
        s->ch[i] = (PITChannel){ .gate = i != 2, .rw_mode = RW_WORD,
                                 .load_ns = now, .null_count = true };
    }
    s->port61 = 0;
    pit_irq_update(s, now);
}

static bool pit_realize(DeviceState *dev, GError **errp)
{
    PITState *s = PIT(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    s->irq = isa_get_irq(isa, 0);
    s->irq_level = -1;
    s->irq_timer = timer_new_ns(CLOCK_VIRTUAL, pit_irq_timer_expired, s);
    memory_region_init_io(&s->io, OBJECT(s), &pit_io_ops, s, "pit", 4);
    isa_register_ioport(isa, &s->io, 0x40);
    memory_region_init_io(&s->port61_io, OBJECT(s), &port61_ops, s, "port61", 1);
    isa_register_ioport(isa, &s->port61_io, 0x61);
    pit_reset(dev);
    return true;
}

static void pit_unrealize(DeviceState *dev)
{
    PITState *s = PIT(dev);
    isa_unregister_ioport(ISA_DEVICE(dev), &s->io);
    isa_unregister_ioport(ISA_DEVICE(dev), &s->port61_io);
    timer_free(s->irq_timer);
    s->irq_timer = NULL;
}

PITState *i8254_init(ISABus *bus, GError **errp)
{
    ISADevice *d = isa_create_simple(bus, TYPE_I8254, errp);
    return d ? PIT(d) : NULL;
}

static const VMStateField pit_channel_fields[] = {
    VMSTATE_U16(count_reg, PITChannel),
    VMSTATE_U32(count, PITChannel),
    VMSTATE_U8(mode, PITChannel),
    VMSTATE_U8(rw_mode, PITChannel),
    VMSTATE_BOOL(bcd, PITChannel),
    VMSTATE_BOOL(loaded, PITChannel),
    VMSTATE_BOOL(triggered, PITChannel),
    VMSTATE_BOOL(gate, PITChannel),
    VMSTATE_BOOL(frozen, PITChannel),
    VMSTATE_BOOL(null_count, PITChannel),
    VMSTATE_I64(load_ns, PITChannel),
    VMSTATE_U64(frozen_ticks, PITChannel),
    VMSTATE_U8(read_msb, PITChannel),
    VMSTATE_U8(write_msb, PITChannel),
    VMSTATE_U8(write_lsb, PITChannel),
    VMSTATE_U8(latch_state, PITChannel),
    VMSTATE_U16(latched_count, PITChannel),
    VMSTATE_BOOL(status_latched, PITChannel),
    VMSTATE_U8(status, PITChannel),
    VMSTATE_END
};

static const VMStateDescription pit_channel_vmstate = {
    .name = "pit-channel",
    .version = 1,
    .minimum_version = 1,
    .fields = pit_channel_fields,
};

static const VMStateField pit_fields[] = {
    VMSTATE_STRUCT_ARRAY(ch, PITState, 3, pit_channel_vmstate),
    VMSTATE_U8(port61, PITState),
    VMSTATE_END
};

static int pit_post_load(void *opaque, int version)
{
    PITState *s = opaque;
    s->irq_level = -1;
    pit_irq_update(s, clock_get_ns(CLOCK_VIRTUAL));
    return 0;
}

static const VMStateDescription pit_vmstate = {
    .name = "i8254",
    .version = 1,
    .minimum_version = 1,
    .fields = pit_fields,
    .post_load = pit_post_load,
};

static const DeviceInfo pit_info = {
    .name = TYPE_I8254,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PITState),
    .desc = "Intel 8254 programmable interval timer",
    .vmsd = &pit_vmstate,
    .realize = pit_realize,
    .unrealize = pit_unrealize,
    .reset = pit_reset,
};
DEVICE_REGISTER(pit_info)
