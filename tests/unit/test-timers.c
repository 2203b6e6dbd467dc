/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC's timers on the virtual clock: the 8254 PIT through its ports
 * (mode 2/3 counting, latch, read-back, BCD, channel 2's gate and output at
 * port 0x61 as Linux's calibration uses them, IRQ 0) and the HPET through
 * its registers (counter, one-shot and periodic comparators, level status,
 * 32-bit mode, legacy replacement routing).
 */
#include <glib.h>
#include <string.h>

#include "vireo/main-loop.h"
#include "vireo/x86-intc.h"

#define PIT_HZ 1193182ULL

static int irq_level[IOAPIC_NUM_PINS];
static int irq_rises[IOAPIC_NUM_PINS];
static int legacy_level;

static void record_irq(void *opaque, int n, int level)
{
    if (level && !irq_level[n]) {
        irq_rises[n]++;
    }
    irq_level[n] = level;
}

static void record_legacy(void *opaque, int n, int level)
{
    legacy_level = level;
}

static IrqLine lines[IOAPIC_NUM_PINS];
static IrqLine legacy_line = { .handler = record_legacy };

typedef struct Fixture {
    MemoryRegion io, mem;
    AddressSpace io_as, mem_as;
    ISABus *bus;
    PITState *pit;
    HPETState *hpet;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;
    memset(irq_level, 0, sizeof(irq_level));
    memset(irq_rises, 0, sizeof(irq_rises));
    legacy_level = 0;
    memory_region_init(&f->io, NULL, "test-io", 0x10000);
    address_space_init(&f->io_as, &f->io, "test-io");
    memory_region_init(&f->mem, NULL, "test-mem", 1ULL << 32);
    address_space_init(&f->mem_as, &f->mem, "test-mem");
    f->bus = isa_bus_new(NULL, &f->io, lines);
    f->pit = i8254_init(f->bus, &err);
    g_assert_no_error(err);
    f->hpet = hpet_init(&f->mem, HPET_ADDR, lines, &legacy_line, &err);
    g_assert_no_error(err);
}

static int collect_device(Object *child, void *opaque)
{
    if (object_dynamic_cast(child, TYPE_DEVICE)) {
        g_ptr_array_add(opaque, child);
    }
    return 0;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    object_child_foreach(object_resolve_path("/machine/unattached", NULL),
                         collect_device, devs);
    for (guint i = 0; i < devs->len; i++) {
        device_unrealize(devs->pdata[i]);
    }
    address_space_destroy(&f->io_as);
    address_space_destroy(&f->mem_as);
}

static uint8_t inb(Fixture *f, uint16_t port)
{
    uint64_t v;
    address_space_read_val(&f->io_as, port, 1, &v);
    return v;
}

static void outb(Fixture *f, uint16_t port, uint8_t v)
{
    address_space_write_val(&f->io_as, port, 1, v);
}

/* Runs the main loop for `ms` milliseconds. */
static void run_for(int ms)
{
    gint64 deadline = g_get_monotonic_time() + ms * 1000;
    while (g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, false);
        g_usleep(100);
    }
}

static uint64_t ticks_since(int64_t t0)
{
    return (clock_get_ns(CLOCK_VIRTUAL) - t0) * PIT_HZ / 1000000000ULL;
}

/* --- PIT --- */

static uint16_t pit_latch_read(Fixture *f, int ch)
{
    outb(f, 0x43, ch << 6);                 /* counter latch */
    uint8_t lo = inb(f, 0x40 + ch);
    return lo | inb(f, 0x40 + ch) << 8;
}

static void pit_program(Fixture *f, int ch, uint8_t mode_bits, uint16_t count)
{
    outb(f, 0x43, ch << 6 | 0x30 | mode_bits);
    outb(f, 0x40 + ch, count & 0xff);
    outb(f, 0x40 + ch, count >> 8);
}

static void test_pit_mode2(Fixture *f, gconstpointer data)
{
    clock_virtual_pause();
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    pit_program(f, 0, 0x04, 1000);          /* mode 2, binary */
    g_assert_cmpuint(pit_latch_read(f, 0), ==, 1000);
    g_usleep(3000);
    g_assert_cmpuint(pit_latch_read(f, 0), ==, 1000);  /* time stands still */
    clock_virtual_resume();
    g_usleep(3000);
    clock_virtual_pause();
    uint64_t d = ticks_since(t0);
    g_assert_cmpuint(d, >, 1000);
    g_assert_cmpuint(pit_latch_read(f, 0), ==, 1000 - d % 1000);
    clock_virtual_resume();

    /* IRQ 0 pulses once per period: 1000 Hz for 50 ms. */
    pit_program(f, 0, 0x04, 1193);
    irq_rises[0] = 0;
    run_for(50);
    g_assert_cmpint(irq_rises[0], >=, 35);
    g_assert_cmpint(irq_rises[0], <=, 60);
    /* A hostile rate (count 2: 600 kHz) is sampled, not followed. */
    pit_program(f, 0, 0x04, 2);
    irq_rises[0] = 0;
    run_for(50);
    g_assert_cmpint(irq_rises[0], >=, 10);
    g_assert_cmpint(irq_rises[0], <=, 260);
    /* Mode 0 (interrupt on terminal count): low, then high once. */
    pit_program(f, 0, 0x00, 2386);          /* 2 ms */
    g_assert_cmpint(irq_level[0], ==, 0);
    irq_rises[0] = 0;
    run_for(30);
    g_assert_cmpint(irq_level[0], ==, 1);
    g_assert_cmpint(irq_rises[0], ==, 1);
}

static void test_pit_mode3(Fixture *f, gconstpointer data)
{
    clock_virtual_pause();
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    pit_program(f, 0, 0x06, 0);             /* mode 3, 65536: 54.9 ms */
    g_assert_cmpuint(pit_latch_read(f, 0), ==, 0);     /* 65536 reads 0 */
    g_assert_cmpint(i8254_get_out(f->pit, 0), ==, 1);
    clock_virtual_resume();
    g_usleep(10000);
    clock_virtual_pause();
    uint64_t d = ticks_since(t0) % 65536;
    uint16_t expect = 65536 - 2 * (d < 32768 ? d : d - 32768);
    g_assert_cmpuint(pit_latch_read(f, 0), ==, expect);
    g_assert_cmpuint(pit_latch_read(f, 0) & 1, ==, 0);  /* counts by two */
    g_assert_cmpint(i8254_get_out(f->pit, 0), ==, d < 32768);
    clock_virtual_resume();
    /* The square wave: about 18 rising edges a second. */
    irq_rises[0] = 0;
    run_for(250);
    g_assert_cmpint(irq_rises[0], >=, 3);
    g_assert_cmpint(irq_rises[0], <=, 6);
}

static void test_pit_latch_readback(Fixture *f, gconstpointer data)
{
    clock_virtual_pause();
    pit_program(f, 0, 0x04, 5000);
    /* A latched count holds while time passes; a second latch waits. */
    outb(f, 0x43, 0x00);
    clock_virtual_resume();
    g_usleep(2000);
    outb(f, 0x43, 0x00);
    uint8_t lo = inb(f, 0x40);
    g_assert_cmpuint(lo | inb(f, 0x40) << 8, ==, 5000);
    g_assert_cmpuint(pit_latch_read(f, 0), <, 5000);
    /* Read-back: status, then the count, of channel 0. */
    clock_virtual_pause();
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    pit_program(f, 0, 0x04, 5000);
    outb(f, 0x43, 0xc2);
    g_assert_cmphex(inb(f, 0x40), ==, 0x80 | 0x34);    /* OUT high, mode 2 */
    lo = inb(f, 0x40);
    g_assert_cmpuint(lo | inb(f, 0x40) << 8, ==, 5000);
    outb(f, 0x43, 0xe2);                    /* status only */
    g_assert_cmphex(inb(f, 0x40), ==, 0xb4);
    outb(f, 0x43, 0x36);                    /* a control word: null count */
    outb(f, 0x43, 0xe2);
    g_assert_cmphex(inb(f, 0x40), ==, 0x40 | 0x80 | 0x36);
    /* Byte access modes and BCD. */
    outb(f, 0x43, 0x14);                    /* LSB only, mode 2 */
    outb(f, 0x40, 200);
    g_assert_cmpuint(inb(f, 0x40), ==, 200);
    outb(f, 0x43, 0x24);                    /* MSB only */
    outb(f, 0x40, 0x12);
    g_assert_cmpuint(inb(f, 0x40), ==, 0x12);
    outb(f, 0x43, 0x35);                    /* mode 2, BCD */
    outb(f, 0x40, 0x34);
    outb(f, 0x40, 0x12);                    /* 1234 */
    t0 = clock_get_ns(CLOCK_VIRTUAL);
    g_assert_cmphex(pit_latch_read(f, 0), ==, 0x1234);
    clock_virtual_resume();
    g_usleep(500);
    clock_virtual_pause();
    uint32_t v = 1234 - ticks_since(t0) % 1234;
    uint16_t bcd = (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
    g_assert_cmphex(pit_latch_read(f, 0), ==, bcd);
    clock_virtual_resume();
}

/* Linux's pit_calibrate_tsc(): gate high, speaker off, channel 2 in mode 0
 * with a 10 ms count, then poll port 0x61 bit 5 until OUT2 rises. */
static void test_pit_channel2_gate(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(inb(f, 0x61) & 0x23, ==, 0);
    outb(f, 0x61, (inb(f, 0x61) & ~0x02) | 0x01);
    outb(f, 0x43, 0xb0);
    outb(f, 0x42, 11932 & 0xff);
    outb(f, 0x42, 11932 >> 8);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    g_assert_cmphex(inb(f, 0x61) & 0x20, ==, 0);
    uint8_t refresh_seen = 0;
    while (!(inb(f, 0x61) & 0x20)) {
        refresh_seen |= 1 << ((inb(f, 0x61) >> 4) & 1);
        g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL) - t0, <, 1000000000);
    }
    int64_t elapsed = clock_get_ns(CLOCK_VIRTUAL) - t0;
    g_assert_cmpint(elapsed, >=, 9900000);
    g_assert_cmpint(elapsed, <, 500000000);
    g_assert_cmpint(refresh_seen, ==, 3);   /* bit 4 toggles */
    g_assert_cmphex(inb(f, 0x61) & 0x0f, ==, 0x01);
    /* Gate low suspends a mode 0 count; high resumes it. */
    pit_program(f, 2, 0x00, 60000);
    g_usleep(1000);
    outb(f, 0x61, 0x00);
    uint16_t held = pit_latch_read(f, 2);
    g_assert_cmpuint(held, <, 60000);
    g_usleep(2000);
    g_assert_cmpuint(pit_latch_read(f, 2), ==, held);
    outb(f, 0x61, 0x01);
    g_usleep(1000);
    g_assert_cmpuint(pit_latch_read(f, 2), <, held);
    /* Mode 1 waits for a rising gate, then is a one-shot with OUT low. */
    outb(f, 0x61, 0x00);
    pit_program(f, 2, 0x02, 1193);
    g_assert_cmphex(inb(f, 0x61) & 0x20, ==, 0x20);
    g_usleep(2000);
    g_assert_cmphex(inb(f, 0x61) & 0x20, ==, 0x20);    /* not triggered */
    outb(f, 0x61, 0x01);
    g_assert_cmphex(inb(f, 0x61) & 0x20, ==, 0);
    g_usleep(2000);
    g_assert_cmphex(inb(f, 0x61) & 0x20, ==, 0x20);
}

/* --- HPET --- */

static uint64_t hpet_read(Fixture *f, uint64_t reg)
{
    uint64_t v;
    address_space_read_val(&f->mem_as, HPET_ADDR + reg, 8, &v);
    return v;
}

static void hpet_write(Fixture *f, uint64_t reg, uint64_t v)
{
    address_space_write_val(&f->mem_as, HPET_ADDR + reg, 8, v);
}

static uint32_t hpet_read32(Fixture *f, uint64_t reg)
{
    uint64_t v;
    address_space_read_val(&f->mem_as, HPET_ADDR + reg, 4, &v);
    return v;
}

static void hpet_write32(Fixture *f, uint64_t reg, uint32_t v)
{
    address_space_write_val(&f->mem_as, HPET_ADDR + reg, 4, v);
}

#define TN_CONF(n) (0x100 + 0x20 * (n))
#define TN_CMP(n) (0x108 + 0x20 * (n))

static void test_hpet_counter(Fixture *f, gconstpointer data)
{
    uint64_t cap = hpet_read(f, 0x000);
    g_assert_cmphex(cap >> 32, ==, 10000000);      /* 10 ns in fs */
    g_assert_cmphex(cap & 0xffff, ==, 0xa201);     /* legacy, 64-bit, 3 timers */
    g_assert_cmphex((cap >> 16) & 0xffff, ==, 0x8086);
    g_assert_cmphex(hpet_read32(f, 0x004), ==, 10000000);
    for (int n = 0; n < 3; n++) {
        g_assert_cmphex(hpet_read(f, TN_CONF(n)), ==, 0x00f0000000000030ULL);
        g_assert_cmphex(hpet_read(f, TN_CMP(n)), ==, UINT64_MAX);
    }
    /* Halted at reset. */
    g_assert_cmpuint(hpet_read(f, 0x0f0), ==, 0);
    g_usleep(1000);
    g_assert_cmpuint(hpet_read(f, 0x0f0), ==, 0);
    hpet_write(f, 0x0f0, 1000);
    hpet_write(f, 0x010, 1);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(10000);
    clock_virtual_pause();
    uint64_t c = hpet_read(f, 0x0f0);
    uint64_t expect = 1000 + (clock_get_ns(CLOCK_VIRTUAL) - t0) / 10;
    g_assert_cmpuint(c, >=, 1000 + 1000000);
    g_assert_cmpuint(c, >=, expect);            /* it started before t0 */
    g_assert_cmpuint(c, <=, expect + 1000);     /* by a few µs */
    g_usleep(2000);
    g_assert_cmpuint(hpet_read(f, 0x0f0), ==, c);   /* paused VM: no ticks */
    clock_virtual_resume();
    /* Halting keeps the value; 32-bit halves read the same counter. */
    hpet_write(f, 0x010, 0);
    c = hpet_read(f, 0x0f0);
    g_usleep(1000);
    g_assert_cmpuint(hpet_read(f, 0x0f0), ==, c);
    g_assert_cmphex(hpet_read32(f, 0x0f0), ==, (uint32_t)c);
    g_assert_cmphex(hpet_read32(f, 0x0f4), ==, c >> 32);
    hpet_write32(f, 0x0f4, 0x12);
    g_assert_cmphex(hpet_read(f, 0x0f0), ==, (uint64_t)0x12 << 32 | (uint32_t)c);
}

static void test_hpet_oneshot(Fixture *f, gconstpointer data)
{
    hpet_write(f, 0x010, 1);
    /* Timer 2, edge, routed to IOAPIC pin 20, 2 ms ahead. */
    hpet_write(f, TN_CONF(2), 20 << 9 | 1 << 2);
    g_assert_cmphex(hpet_read(f, TN_CONF(2)) & 0xffff, ==, 20 << 9 | 1 << 2 | 0x30);
    hpet_write(f, TN_CONF(1), 3 << 9);      /* pin 3: not in the route cap */
    g_assert_cmphex(hpet_read(f, TN_CONF(1)) & 0x3e00, ==, 0);
    hpet_write(f, TN_CMP(2), hpet_read(f, 0x0f0) + 2000000);   /* 20 ms */
    run_for(1);
    g_assert_cmpint(irq_rises[20], ==, 0);
    run_for(50);
    g_assert_cmpint(irq_rises[20], ==, 1);
    g_assert_cmpint(irq_level[20], ==, 0);    /* a pulse */
    g_assert_cmphex(hpet_read(f, 0x020), ==, 0);
    run_for(10);
    g_assert_cmpint(irq_rises[20], ==, 1);    /* once */
    /* Disabled interrupt: nothing, even at a match. */
    hpet_write(f, TN_CONF(2), 20 << 9);
    hpet_write(f, TN_CMP(2), hpet_read(f, 0x0f0) + 1000);
    run_for(5);
    g_assert_cmpint(irq_rises[20], ==, 1);
    /* Level: the status bit holds the line until written back. */
    hpet_write(f, TN_CONF(2), 21 << 9 | 1 << 2 | 1 << 1);
    hpet_write(f, TN_CMP(2), hpet_read(f, 0x0f0) + 1000);
    run_for(5);
    g_assert_cmpint(irq_level[21], ==, 1);
    g_assert_cmphex(hpet_read(f, 0x020), ==, 1 << 2);
    hpet_write(f, 0x020, 1 << 0);           /* another timer's bit: no */
    g_assert_cmpint(irq_level[21], ==, 1);
    hpet_write32(f, 0x020, 1 << 2);
    g_assert_cmpint(irq_level[21], ==, 0);
    g_assert_cmphex(hpet_read(f, 0x020), ==, 0);
}

static void test_hpet_periodic(Fixture *f, gconstpointer data)
{
    hpet_write(f, 0x010, 1);
    uint64_t now = hpet_read(f, 0x0f0);
    /* Linux's sequence: VAL_SET, first comparator, then the period. */
    hpet_write(f, TN_CONF(0), 1 << 2 | 1 << 3 | 1 << 6 | 22 << 9);
    hpet_write(f, TN_CMP(0), now + 100000);
    hpet_write(f, TN_CMP(0), 100000);       /* 1 ms */
    g_assert_cmpuint(hpet_read(f, TN_CMP(0)), ==, now + 100000);
    g_assert_cmphex(hpet_read(f, TN_CONF(0)) & (1 << 6), ==, 0);
    run_for(50);
    g_assert_cmpint(irq_rises[22], >=, 30);
    g_assert_cmpint(irq_rises[22], <=, 52);
    /* The comparator moves on by the period (the last match may be due). */
    uint64_t cmp = hpet_read(f, TN_CMP(0)), counter = hpet_read(f, 0x0f0);
    g_assert_cmpuint(cmp, >, now + 100000 * 10);
    g_assert_cmpuint(cmp, <=, counter + 100000);
    g_assert_cmpuint((cmp - (now + 100000)) % 100000, ==, 0);
    /* A period of one tick is sampled, not followed. */
    hpet_write(f, TN_CONF(0), 1 << 2 | 1 << 3 | 1 << 6 | 22 << 9);
    hpet_write(f, TN_CMP(0), hpet_read(f, 0x0f0) + 100000);
    hpet_write(f, TN_CMP(0), 1);
    irq_rises[22] = 0;
    run_for(50);
    g_assert_cmpint(irq_rises[22], >=, 10);
    g_assert_cmpint(irq_rises[22], <=, 510);
    /* Halting the HPET stops the interrupts. */
    hpet_write(f, 0x010, 0);
    int rises = irq_rises[22];
    run_for(10);
    g_assert_cmpint(irq_rises[22], ==, rises);

    /* 32-bit mode: the comparator's top half is ignored. */
    hpet_write(f, TN_CONF(1), 1 << 8 | 23 << 9 | 1 << 2);
    hpet_write(f, TN_CMP(1), 0x123456789ULL);
    g_assert_cmphex(hpet_read(f, TN_CMP(1)), ==, 0x23456789);
    hpet_write32(f, TN_CMP(1) + 4, 0x5);
    g_assert_cmphex(hpet_read(f, TN_CMP(1)), ==, 0x23456789);
    /* It matches the low 32 bits of the counter. */
    hpet_write(f, 0x0f0, 0x7ffffff00ULL);
    hpet_write(f, TN_CMP(1), (0xffffff00ULL + 1000) & 0xffffffff);
    hpet_write(f, 0x010, 1);
    run_for(20);
    g_assert_cmpint(irq_rises[23], ==, 1);
}

static void test_hpet_legacy(Fixture *f, gconstpointer data)
{
    hpet_write(f, TN_CONF(0), 1 << 2 | 20 << 9);
    hpet_write(f, TN_CONF(1), 1 << 2 | 21 << 9);
    hpet_write(f, 0x010, 3);                /* enable, legacy replacement */
    g_assert_cmpint(legacy_level, ==, 1);
    uint64_t now = hpet_read(f, 0x0f0);
    hpet_write(f, TN_CMP(0), now + 1000);
    hpet_write(f, TN_CMP(1), now + 2000);
    run_for(10);
    /* Timer 0 is IRQ 0, timer 1 IRQ 8, whatever their route says. */
    g_assert_cmpint(irq_rises[0], ==, 1);
    g_assert_cmpint(irq_rises[8], ==, 1);
    g_assert_cmpint(irq_rises[20] + irq_rises[21], ==, 0);
    hpet_write(f, 0x010, 1);
    g_assert_cmpint(legacy_level, ==, 0);
    now = hpet_read(f, 0x0f0);
    hpet_write(f, TN_CMP(0), now + 1000);
    run_for(10);
    g_assert_cmpint(irq_rises[20], ==, 1);
    g_assert_cmpint(irq_rises[0], ==, 1);
}

#define ADD(path, fn) \
    g_test_add("/timers/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    main_loop_init();
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        lines[i] = (IrqLine){ .handler = record_irq, .n = i };
    }
    ADD("pit/mode2", test_pit_mode2);
    ADD("pit/mode3", test_pit_mode3);
    ADD("pit/latch-readback", test_pit_latch_readback);
    ADD("pit/channel2-gate", test_pit_channel2_gate);
    ADD("hpet/counter", test_hpet_counter);
    ADD("hpet/oneshot", test_hpet_oneshot);
    ADD("hpet/periodic", test_hpet_periodic);
    ADD("hpet/legacy", test_hpet_legacy);
    return g_test_run();
}
