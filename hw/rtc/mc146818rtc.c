/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mc146818rtc: the PC's real-time clock with 128 bytes of CMOS memory, after
 * the Motorola MC146818A datasheet. The time follows the host's UTC clock
 * (QEMU's default "-rtc base=utc"); flags are computed when they are due.
 */
#include <time.h>

#include "vireo/rtc.h"
#include "vireo/main-loop.h"

#define NS_PER_SEC 1000000000LL
#define KiB 1024ull
#define MiB (1024 * KiB)
#define RTC_UIP_NS 244141           /* UIP rises 1/4096 s before an update */

enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
    RTC_CENTURY = 0x32,
};

enum {
    REG_A_RATE = 0x0f, REG_A_DIVIDER = 0x70, REG_A_UIP = 0x80,
    REG_A_DIVIDER_RESET = 0x60,     /* DV2-DV1 both set: chain held */
};

enum {
    REG_B_DST = 0x01, REG_B_24H = 0x02, REG_B_BINARY = 0x04,
    REG_B_SQWE = 0x08, REG_B_UIE = 0x10, REG_B_AIE = 0x20, REG_B_PIE = 0x40,
    REG_B_SET = 0x80,
};

/* Register C flags sit at the same bits as their enables in register B. */
enum {
    REG_C_UF = 0x10, REG_C_AF = 0x20, REG_C_PF = 0x40, REG_C_IRQF = 0x80,
    REG_C_FLAGS = REG_C_UF | REG_C_AF | REG_C_PF,
};

#define REG_D_VRT 0x80              /* RAM and time valid */
#define ALARM_DONT_CARE 0xc0

typedef struct RtcState {
    ISADevice parent_obj;
    /* Properties. */
    int32_t base_year;
    uint16_t iobase;
    uint8_t irq;
    char *lost_tick_policy;

    MemoryRegion io;
    IrqLine *irq_line;
    Timer *periodic_timer;
    Timer *second_timer;        /* update-ended and alarm interrupts */
    int irq_level;              /* last level sent, -1: unknown */

    /* Saved. */
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    int64_t base_sec;           /* the clock read base_sec.0 ...        */
    int64_t base_host_ns;       /* ... at this host time (CLOCK_HOST)   */
    int64_t last_second;        /* last second whose update was flagged */
    int64_t periodic_last_ns;   /* CLOCK_VIRTUAL time of the last PF check */
} RtcState;

#define RTC(obj) OBJECT_CHECK(RtcState, (obj), TYPE_MC146818_RTC)

/* Registers that hold the time (the alarm registers are plain bytes). */
static const bool rtc_is_time_reg[RTC_CMOS_SIZE] = {
    [RTC_SECONDS] = true, [RTC_MINUTES] = true, [RTC_HOURS] = true,
    [RTC_DAY_OF_WEEK] = true, [RTC_DAY_OF_MONTH] = true, [RTC_MONTH] = true,
    [RTC_YEAR] = true, [RTC_CENTURY] = true,
};

/* --- Clock --- */

/* The chain runs unless SET freezes updates or the divider is held. */
static bool rtc_running(RtcState *s)
{
    return !(s->cmos[RTC_REG_B] & REG_B_SET) &&
           (s->cmos[RTC_REG_A] & REG_A_DIVIDER_RESET) != REG_A_DIVIDER_RESET;
}

static int64_t rtc_now_sec(RtcState *s, int64_t *frac_ns)
{
    int64_t elapsed = clock_get_ns(CLOCK_HOST) - s->base_host_ns;
    int64_t sec = elapsed / NS_PER_SEC;
    int64_t frac = elapsed % NS_PER_SEC;

    if (frac < 0) {
        frac += NS_PER_SEC;
        sec--;
    }
    if (frac_ns) {
        *frac_ns = frac;
    }
    return s->base_sec + sec;
}

/* The clock reads `sec` now, and the next update is `to_update_ns` away. */
static void rtc_set_base(RtcState *s, int64_t sec, int64_t to_update_ns)
{
    s->base_sec = sec;
    s->base_host_ns = clock_get_ns(CLOCK_HOST) - (NS_PER_SEC - to_update_ns);
    s->last_second = sec;
}

/* --- Register formats: BCD or binary, 12- or 24-hour --- */

static bool rtc_binary(RtcState *s)
{
    return s->cmos[RTC_REG_B] & REG_B_BINARY;
}

static uint8_t rtc_encode(RtcState *s, int v)
{
    return rtc_binary(s) ? v : ((v / 10) << 4) | (v % 10);
}

static int rtc_decode(RtcState *s, uint8_t v)
{
    return rtc_binary(s) ? v : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_encode_hour(RtcState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_encode(s, hour);
    }
    return rtc_encode(s, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0);
}

static int rtc_decode_hour(RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_decode(s, v);
    }
    return rtc_decode(s, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* Writes time `t` (seconds since the epoch, UTC) into the registers. */
static void rtc_store_time(RtcState *s, int64_t t)
{
    time_t tt = t;
    struct tm tm;
    int year;

    if (!gmtime_r(&tt, &tm)) {
        return;
    }
    year = CLAMP(tm.tm_year + 1900 - s->base_year, 0, 9999);
    s->cmos[RTC_SECONDS] = rtc_encode(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_encode(s, tm.tm_min);
    s->cmos[RTC_HOURS] = rtc_encode_hour(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_encode(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_encode(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_encode(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_encode(s, year % 100);
    s->cmos[RTC_CENTURY] = rtc_encode(s, year / 100);
}

/* The time the registers hold; out-of-range fields roll over (timegm). */
static int64_t rtc_load_time(RtcState *s)
{
    struct tm tm = {
        .tm_sec = rtc_decode(s, s->cmos[RTC_SECONDS]),
        .tm_min = rtc_decode(s, s->cmos[RTC_MINUTES]),
        .tm_hour = rtc_decode_hour(s, s->cmos[RTC_HOURS]),
        .tm_mday = rtc_decode(s, s->cmos[RTC_DAY_OF_MONTH]),
        .tm_mon = rtc_decode(s, s->cmos[RTC_MONTH]) - 1,
        .tm_year = rtc_decode(s, s->cmos[RTC_CENTURY]) * 100 +
                   rtc_decode(s, s->cmos[RTC_YEAR]) + s->base_year - 1900,
    };

    return timegm(&tm);
}

/* Registers up to date with the running clock (a no-op while halted,
 * when the registers are the time). */
static void rtc_refresh(RtcState *s)
{
    if (rtc_running(s)) {
        rtc_store_time(s, rtc_now_sec(s, NULL));
    }
}

/* --- Interrupts --- */

/* Periodic rate select: 1 and 2 repeat 8 and 9 (32.768 kHz time base). */
static int64_t rtc_period_ns(RtcState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & REG_A_RATE;

    if (!rs || !rtc_running(s)) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;
    }
    return (NS_PER_SEC << (rs - 1)) / 32768;
}

static void rtc_update_irq(RtcState *s)
{
    uint8_t flags = s->cmos[RTC_REG_C] & REG_C_FLAGS;
    bool irqf = flags & s->cmos[RTC_REG_B];
    int level = irqf;

    s->cmos[RTC_REG_C] = flags | (irqf ? REG_C_IRQF : 0);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq_line, level);
    }
}

static bool rtc_alarm_field_matches(uint8_t alarm, int value, int actual)
{
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || value == actual;
}

static bool rtc_alarm_matches(RtcState *s, int64_t t)
{
    int64_t sec_of_day = ((t % 86400) + 86400) % 86400;
    uint8_t *c = s->cmos;

    return rtc_alarm_field_matches(c[RTC_SECONDS_ALARM],
                                   rtc_decode(s, c[RTC_SECONDS_ALARM]),
                                   sec_of_day % 60) &&
           rtc_alarm_field_matches(c[RTC_MINUTES_ALARM],
                                   rtc_decode(s, c[RTC_MINUTES_ALARM]),
                                   sec_of_day / 60 % 60) &&
           rtc_alarm_field_matches(c[RTC_HOURS_ALARM],
                                   rtc_decode_hour(s, c[RTC_HOURS_ALARM]),
                                   sec_of_day / 3600);
}

/* Did the alarm match any second in (from, to]? A whole day matches every
 * alarm a clock can reach. */
static bool rtc_alarm_in(RtcState *s, int64_t from, int64_t to)
{
    if (to - from >= 86400) {
        return true;
    }
    for (int64_t t = from + 1; t <= to; t++) {
        if (rtc_alarm_matches(s, t)) {
            return true;
        }
    }
    return false;
}

/* Raises the flags of the periodic ticks and update cycles that passed. */
static void rtc_catch_up(RtcState *s)
{
    int64_t now_ns = clock_get_ns(CLOCK_VIRTUAL);
    int64_t period = rtc_period_ns(s);

    if (period && now_ns / period != s->periodic_last_ns / period) {
        s->cmos[RTC_REG_C] |= REG_C_PF;
    }
    s->periodic_last_ns = now_ns;

    if (rtc_running(s)) {
        int64_t now = rtc_now_sec(s, NULL);
        if (now > s->last_second) {
            s->cmos[RTC_REG_C] |= REG_C_UF;
            if (rtc_alarm_in(s, s->last_second, now)) {
                s->cmos[RTC_REG_C] |= REG_C_AF;
            }
        }
        s->last_second = now;
    }
    rtc_update_irq(s);
}

/* Timers run only when an enabled interrupt needs them; a polling guest
 * gets its flags from rtc_catch_up when it reads register C. */
static void rtc_schedule(RtcState *s)
{
    int64_t now_ns = clock_get_ns(CLOCK_VIRTUAL);
    int64_t period = rtc_period_ns(s);
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t frac;

    if (period && (b & REG_B_PIE)) {
        timer_mod(s->periodic_timer, (now_ns / period + 1) * period);
    } else {
        timer_del(s->periodic_timer);
    }
    if (rtc_running(s) && (b & (REG_B_UIE | REG_B_AIE))) {
        rtc_now_sec(s, &frac);
        timer_mod(s->second_timer, now_ns + NS_PER_SEC - frac);
    } else {
        timer_del(s->second_timer);
    }
}

static void rtc_timer_expired(void *opaque)
{
    RtcState *s = opaque;

    rtc_catch_up(s);
    rtc_schedule(s);
}

/* --- Registers --- */

static uint8_t rtc_read_reg_a(RtcState *s)
{
    uint8_t val = s->cmos[RTC_REG_A] & ~REG_A_UIP;
    int64_t frac;

    if (rtc_running(s)) {
        rtc_now_sec(s, &frac);
        if (frac >= NS_PER_SEC - RTC_UIP_NS) {
            val |= REG_A_UIP;
        }
    }
    return val;
}

static uint8_t rtc_read(RtcState *s, uint8_t index)
{
    uint8_t val;

    switch (index) {
    case RTC_REG_A:
        return rtc_read_reg_a(s);
    case RTC_REG_C:
        rtc_catch_up(s);
        val = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        return val;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        if (rtc_is_time_reg[index]) {
            rtc_refresh(s);
        }
        return s->cmos[index];
    }
}

/* Writing one time field while the clock runs sets the clock, keeping
 * the phase of the second. */
static void rtc_write_time_reg(RtcState *s, uint8_t index, uint8_t val)
{
    int64_t frac;

    if (!rtc_running(s)) {
        s->cmos[index] = val;
        return;
    }
    rtc_now_sec(s, &frac);
    rtc_refresh(s);
    s->cmos[index] = val;
    rtc_set_base(s, rtc_load_time(s), NS_PER_SEC - frac);
}

/* Halting keeps the time in the registers; resuming takes it back from
 * there, with the first update `to_update_ns` later. */
static void rtc_run_changed(RtcState *s, bool was_running, int64_t to_update_ns)
{
    bool running = rtc_running(s);

    if (was_running && !running) {
        rtc_store_time(s, rtc_now_sec(s, NULL));
    } else if (!was_running && running) {
        rtc_set_base(s, rtc_load_time(s), to_update_ns);
    }
}

static void rtc_write_reg_a(RtcState *s, uint8_t val)
{
    bool was_running = rtc_running(s);

    rtc_catch_up(s);
    s->cmos[RTC_REG_A] = val & ~REG_A_UIP;
    /* Leaving divider reset, the first update comes half a second later. */
    rtc_run_changed(s, was_running, NS_PER_SEC / 2);
    s->periodic_last_ns = clock_get_ns(CLOCK_VIRTUAL);
}

static void rtc_write_reg_b(RtcState *s, uint8_t val)
{
    bool was_running = rtc_running(s);

    rtc_catch_up(s);
    if (val & REG_B_SET) {
        val &= ~REG_B_UIE;          /* SET clears UIE */
    }
    s->cmos[RTC_REG_B] = val;
    rtc_run_changed(s, was_running, NS_PER_SEC);
    rtc_update_irq(s);
}

static void rtc_write(RtcState *s, uint8_t index, uint8_t val)
{
    switch (index) {
    case RTC_REG_A:
        rtc_write_reg_a(s, val);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        return;                     /* read-only */
    default:
        if (rtc_is_time_reg[index]) {
            rtc_write_time_reg(s, index, val);
        } else {
            s->cmos[index] = val;
        }
        return;
    }
    rtc_schedule(s);
}

/* Port 0: index (bit 7 masks NMI, which the PC ignores here); 1: data. */
static uint64_t rtc_io_read(void *opaque, uint64_t addr, unsigned size)
{
    RtcState *s = opaque;

    return addr == 0 ? 0xff : rtc_read(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t addr, uint64_t data,
                         unsigned size)
{
    RtcState *s = opaque;

    if (addr == 0) {
        s->index = data & 0x7f;
    } else {
        rtc_write(s, s->index, data);
    }
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- Machine helpers --- */

static RtcState *rtc_of(ISADevice *dev)
{
    return RTC(dev);
}

void rtc_set_memory(ISADevice *dev, int addr, uint8_t val)
{
    if (addr >= 0 && addr < RTC_CMOS_SIZE) {
        rtc_of(dev)->cmos[addr] = val;
    }
}

uint8_t rtc_get_memory(ISADevice *dev, int addr)
{
    RtcState *s = rtc_of(dev);

    if (addr < 0 || addr >= RTC_CMOS_SIZE) {
        return 0;
    }
    if (rtc_is_time_reg[addr]) {
        rtc_refresh(s);
    }
    return s->cmos[addr];
}

static void rtc_set_word(RtcState *s, int addr, uint64_t val)
{
    s->cmos[addr] = val & 0xff;
    s->cmos[addr + 1] = (val >> 8) & 0xff;
}

void rtc_set_ram_size(ISADevice *dev, uint64_t below_4g, uint64_t above_4g)
{
    RtcState *s = rtc_of(dev);
    uint64_t ext_kib = below_4g > 1 * MiB ? (below_4g - 1 * MiB) / KiB : 0;
    uint64_t above_16m = below_4g > 16 * MiB ?
                         (below_4g - 16 * MiB) / (64 * KiB) : 0;
    uint64_t above_4g_units = MIN(above_4g / (64 * KiB), 0xffffff);

    rtc_set_word(s, 0x15, 640);
    rtc_set_word(s, 0x17, MIN(ext_kib, 65535));
    rtc_set_word(s, 0x30, MIN(ext_kib, 65535));
    rtc_set_word(s, 0x34, MIN(above_16m, 65535));
    s->cmos[0x5b] = above_4g_units & 0xff;
    s->cmos[0x5c] = (above_4g_units >> 8) & 0xff;
    s->cmos[0x5d] = (above_4g_units >> 16) & 0xff;
    rtc_refresh(s);                 /* the century byte 0x32 */
}

/* --- Device --- */

/* The RESET pin: interrupt enables and flags clear; time and RAM stay. */
static void rtc_reset(DeviceState *dev)
{
    RtcState *s = RTC(dev);

    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_update_irq(s);
    rtc_schedule(s);
}

static bool rtc_check_props(RtcState *s, GError **errp)
{
    const char *policy = s->lost_tick_policy;

    if (s->irq >= ISA_NUM_IRQS) {
        error_setg(errp, "mc146818rtc: irq %u is not an ISA IRQ (0-%d)",
                   s->irq, ISA_NUM_IRQS - 1);
        return false;
    }
    if (s->base_year < 0 || s->base_year > 9999) {
        error_setg(errp, "mc146818rtc: base_year %d is out of range (0-9999)",
                   s->base_year);
        return false;
    }
    if (s->iobase > 0x10000 - 2) {
        error_setg(errp, "mc146818rtc: iobase 0x%x leaves no room for its "
                   "two ports", s->iobase);
        return false;
    }
    /* Ticks are never re-injected, so "slew" behaves as "discard". */
    if (policy && strcmp(policy, "discard") && strcmp(policy, "slew")) {
        error_setg(errp, "mc146818rtc: lost_tick_policy '%s' is not "
                   "supported (use 'discard' or 'slew')", policy);
        return false;
    }
    return true;
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    RtcState *s = RTC(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    int64_t host_ns = clock_get_ns(CLOCK_HOST);

    if (!isa_device_check_bus(isa, errp) || !rtc_check_props(s, errp)) {
        return false;
    }
    s->cmos[RTC_REG_A] = 0x26;      /* 32.768 kHz, 1024 Hz periodic rate */
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_set_base(s, host_ns / NS_PER_SEC, NS_PER_SEC - host_ns % NS_PER_SEC);
    s->periodic_last_ns = clock_get_ns(CLOCK_VIRTUAL);
    rtc_refresh(s);

    s->periodic_timer = timer_new_ns(CLOCK_VIRTUAL, rtc_timer_expired, s);
    s->second_timer = timer_new_ns(CLOCK_VIRTUAL, rtc_timer_expired, s);
    s->irq_line = isa_get_irq(isa, s->irq);
    s->irq_level = -1;
    rtc_update_irq(s);
    memory_region_init_io(&s->io, OBJECT(s), &rtc_io_ops, s, "rtc", 2);
    isa_register_ioport(isa, &s->io, s->iobase);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    RtcState *s = RTC(dev);

    isa_unregister_ioport(ISA_DEVICE(dev), &s->io);
    timer_free(s->periodic_timer);
    timer_free(s->second_timer);
    s->periodic_timer = s->second_timer = NULL;
}

static int rtc_post_load(void *opaque, int version)
{
    RtcState *s = opaque;

    s->index &= 0x7f;
    s->irq_level = -1;
    rtc_update_irq(s);
    rtc_schedule(s);
    return 0;
}

static const Property rtc_props[] = {
    PROP_INT32("base_year", RtcState, base_year, 0),
    PROP_UINT16("iobase", RtcState, iobase, 0x70),
    PROP_UINT8("irq", RtcState, irq, 8),
    { .name = "lost_tick_policy", .kind = &prop_kind_string,
      .offset = offsetof(RtcState, lost_tick_policy), .defstr = "discard" },
    PROP_END
};

static const VMStateField rtc_fields[] = {
    VMSTATE_U8_ARRAY(cmos, RtcState, RTC_CMOS_SIZE),
    VMSTATE_U8(index, RtcState),
    VMSTATE_I64(base_sec, RtcState),
    VMSTATE_I64(base_host_ns, RtcState),
    VMSTATE_I64(last_second, RtcState),
    VMSTATE_I64(periodic_last_ns, RtcState),
    VMSTATE_END
};

static const VMStateDescription rtc_vmstate = {
    .name = "mc146818rtc",
    .version = 1,
    .minimum_version = 1,
    .fields = rtc_fields,
    .post_load = rtc_post_load,
};

static const DeviceInfo rtc_info = {
    .name = TYPE_MC146818_RTC,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(RtcState),
    .desc = "MC146818 real-time clock and CMOS memory",
    .props = rtc_props,
    .vmsd = &rtc_vmstate,
    .user_creatable = true,
    .realize = rtc_realize,
    .unrealize = rtc_unrealize,
    .reset = rtc_reset,
};
DEVICE_REGISTER(rtc_info)
