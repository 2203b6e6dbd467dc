/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISA bus and the PC's legacy devices, driven through their ports on a
 * private ISA bus: 16550A UART, MC146818 RTC, i8042, port 0x92, 0xcf9,
 * isa-debug-exit and pc-testdev.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vireo/chardev.h"
#include "vireo/cpu.h"
#include "vireo/isa.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"
#include "vireo/rtc.h"
#include "vireo/runstate.h"

/* --- Fixture: an ISA bus over a private I/O space, IRQs recorded --- */

static IrqLine test_irqs[ISA_NUM_IRQS];
static int irq_level[ISA_NUM_IRQS];
static int irq_rises[ISA_NUM_IRQS];
static int resets_seen;

static void record_irq(void *opaque, int n, int level)
{
    if (level && !irq_level[n]) {
        irq_rises[n]++;
    }
    irq_level[n] = level;
}

static void count_reset(void *opaque)
{
    resets_seen++;
}

typedef struct Fixture {
    MemoryRegion io;
    AddressSpace as;
    ISABus *bus;
    GPtrArray *devs;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memory_region_init(&f->io, NULL, "test-io", 0x10000);
    address_space_init(&f->as, &f->io, "test-io");
    f->bus = isa_bus_new(NULL, &f->io, test_irqs);
    f->devs = g_ptr_array_new();
    memset(irq_level, 0, sizeof(irq_level));
    memset(irq_rises, 0, sizeof(irq_rises));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    for (guint i = f->devs->len; i-- > 0;) {
        device_unrealize(f->devs->pdata[i]);
    }
    g_ptr_array_free(f->devs, true);
    address_space_destroy(&f->as);
}

/* Creates `type` with "key=value,..." properties on the fixture's bus. */
static DeviceState *try_create(Fixture *f, const char *type, const char *props,
                               GError **errp)
{
    DeviceState *dev = device_new(type, errp);
    g_auto(GStrv) pairs = g_strsplit(props ? props : "", ",", -1);

    g_assert_nonnull(dev);
    for (char **p = pairs; *p && **p; p++) {
        g_auto(GStrv) kv = g_strsplit(*p, "=", 2);
        g_assert_true(object_property_parse(OBJECT(dev), kv[0], kv[1], NULL));
    }
    if (!device_realize_on_bus(dev, &f->bus->parent_obj, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));
    g_ptr_array_add(f->devs, dev);
    return dev;
}

static DeviceState *create(Fixture *f, const char *type, const char *props)
{
    GError *err = NULL;
    DeviceState *dev = try_create(f, type, props, &err);

    g_assert_no_error(err);
    return dev;
}

static uint64_t in(Fixture *f, uint16_t port, unsigned size)
{
    uint64_t v;

    address_space_read_val(&f->as, port, size, &v);
    return v;
}

static void out(Fixture *f, uint16_t port, unsigned size, uint64_t v)
{
    address_space_write_val(&f->as, port, size, v);
}

static uint8_t inb(Fixture *f, uint16_t port)
{
    return in(f, port, 1);
}

static void outb(Fixture *f, uint16_t port, uint8_t v)
{
    out(f, port, 1, v);
}

/* Runs the main loop until *flag is set or `ms` pass; true if it was. */
static bool run_until(int *flag, int ms)
{
    gint64 deadline = g_get_monotonic_time() + ms * 1000;

    while (!*flag && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, false);
        g_usleep(100);
    }
    return *flag;
}

/* --- A chardev that records output and input pacing --- */

#define TYPE_TEST_CHARDEV "chardev-isa-test"

typedef struct TestChardev {
    Chardev parent;
    GByteArray *out;
    int accept_calls;
} TestChardev;

static int test_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_byte_array_append(((TestChardev *)chr)->out, buf, len);
    return len;
}

static void test_chr_accept_input(Chardev *chr)
{
    ((TestChardev *)chr)->accept_calls++;
}

static void test_chr_init(Object *obj)
{
    ((TestChardev *)obj)->out = g_byte_array_new();
}

static void test_chr_finalize(Object *obj)
{
    g_byte_array_free(((TestChardev *)obj)->out, true);
}

static void test_chr_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->write = test_chr_write;
    cc->accept_input = test_chr_accept_input;
}

static const TypeInfo test_chr_type = {
    .name = TYPE_TEST_CHARDEV,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(TestChardev),
    .class_init = test_chr_class_init,
    .instance_init = test_chr_init,
    .instance_finalize = test_chr_finalize,
};
TYPE_REGISTER(test_chr_type)

static TestChardev *test_chardev_new(void)
{
    static int n;
    g_autofree char *label = g_strdup_printf("isatest%d", n++);
    Chardev *chr = CHARDEV(object_new(TYPE_TEST_CHARDEV, NULL));

    chr->label = g_strdup(label);
    g_assert_true(object_property_add_child(object_get_container("chardevs"),
                                            label, OBJECT(chr), NULL));
    object_unref(OBJECT(chr));
    return (TestChardev *)chr;
}

/* Serial with a test chardev at COM1 (0x3f8, IRQ 4). */
static TestChardev *serial_with_chardev(Fixture *f)
{
    TestChardev *tc = test_chardev_new();
    g_autofree char *props = g_strdup_printf("chardev=%s",
                                             tc->parent.label);

    create(f, "isa-serial", props);
    return tc;
}

static void feed(TestChardev *tc, const char *bytes, int len)
{
    chardev_read(&tc->parent, (const uint8_t *)bytes, len);
}

/* --- Serial --- */

enum {
    COM1 = 0x3f8, RBR = COM1, THR = COM1, DLL = COM1, IER = COM1 + 1,
    DLM = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3,
    MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7,
};

static void test_serial_registers(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    create(f, "isa-serial", NULL);
    g_assert_cmphex(inb(f, IER), ==, 0x00);
    g_assert_cmphex(inb(f, IIR), ==, 0x01);
    g_assert_cmphex(inb(f, LCR), ==, 0x00);
    g_assert_cmphex(inb(f, MCR), ==, 0x00);
    g_assert_cmphex(inb(f, LSR), ==, 0x60);
    g_assert_cmphex(inb(f, MSR), ==, 0xb0);
    outb(f, SCR, 0x5a);
    g_assert_cmphex(inb(f, SCR), ==, 0x5a);
    outb(f, IER, 0xff);
    g_assert_cmphex(inb(f, IER), ==, 0x0f);

    /* The divisor latch hides RBR/IER while DLAB is set. */
    outb(f, LCR, 0x83);
    outb(f, DLL, 0x01);
    outb(f, DLM, 0x02);
    g_assert_cmphex(inb(f, DLL), ==, 0x01);
    g_assert_cmphex(inb(f, DLM), ==, 0x02);
    outb(f, LCR, 0x03);
    g_assert_cmphex(inb(f, IER), ==, 0x0f);

    /* The next ports follow the COM table, up to four. */
    create(f, "isa-serial", NULL);
    outb(f, 0x2f8 + 7, 0x33);
    g_assert_cmphex(inb(f, 0x2f8 + 7), ==, 0x33);
    create(f, "isa-serial", NULL);
    create(f, "isa-serial", NULL);
    g_assert_null(try_create(f, "isa-serial", NULL, &err));
    g_assert_cmpstr(err->message, ==,
                    "Max. supported number of ISA serial ports is 4.");
    g_clear_error(&err);
    g_assert_null(try_create(f, "isa-serial", "index=0,iobase=0x100,irq=16",
                             &err));
    g_assert_nonnull(strstr(err->message, "irq 16"));
    g_clear_error(&err);
}

static void test_serial_transmit(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);

    outb(f, THR, 'h');
    outb(f, THR, 'i');
    g_assert_cmpint(tc->out->len, ==, 2);
    g_assert_cmpmem(tc->out->data, 2, "hi", 2);
    g_assert_cmphex(inb(f, LSR) & 0x60, ==, 0x60);
}

static void test_serial_thre_interrupt(Fixture *f, gconstpointer data)
{
    serial_with_chardev(f);

    /* Enabling the interrupt with THR empty raises it at once. */
    outb(f, IER, 0x02);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(f, IIR), ==, 0x02);
    /* That read acknowledged it. */
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(f, IIR), ==, 0x01);

    /* Each byte sent empties THR again: a fresh edge. */
    outb(f, THR, 'x');
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmpint(irq_rises[4], ==, 2);
    outb(f, THR, 'y');
    g_assert_cmpint(irq_rises[4], ==, 3);

    /* Disabling drops it. */
    outb(f, IER, 0x00);
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(f, IIR), ==, 0x01);
}

static void test_serial_rx_fifo(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);
    Chardev *chr = &tc->parent;

    outb(f, FCR, 0x87);             /* FIFOs on and cleared, trigger 8 */
    outb(f, IER, 0x01);
    g_assert_cmphex(inb(f, IIR), ==, 0xc1);
    g_assert_cmpint(chardev_can_read(chr), ==, 16);

    feed(tc, "abcdefg", 7);
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(f, LSR) & 0x01, ==, 0x01);
    feed(tc, "h", 1);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(f, IIR), ==, 0xc4);
    g_assert_cmpint(chardev_can_read(chr), ==, 8);

    for (const char *c = "abcdefgh"; *c; c++) {
        g_assert_cmpint(inb(f, RBR), ==, *c);
    }
    g_assert_cmphex(inb(f, LSR) & 0x01, ==, 0x00);
    g_assert_cmpint(irq_level[4], ==, 0);

    /* FCR bit 1 empties the receiver. */
    feed(tc, "xyz", 3);
    outb(f, FCR, 0x83);
    g_assert_cmphex(inb(f, LSR) & 0x01, ==, 0x00);
    g_assert_cmpint(chardev_can_read(chr), ==, 16);
}

static void test_serial_rx_timeout(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);

    outb(f, FCR, 0xc1);             /* trigger 14 */
    outb(f, IER, 0x01);
    feed(tc, "abc", 3);
    g_assert_cmpint(irq_level[4], ==, 0);
    /* Four characters at 9600 baud are ~4 ms. */
    g_assert_true(run_until(&irq_level[4], 1000));
    g_assert_cmphex(inb(f, IIR), ==, 0xcc);

    /* Reading a byte clears the timeout and restarts it. */
    g_assert_cmpint(inb(f, RBR), ==, 'a');
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(f, IIR), ==, 0xc1);
    g_assert_true(run_until(&irq_level[4], 1000));
    g_assert_cmpint(inb(f, RBR), ==, 'b');
    g_assert_cmpint(inb(f, RBR), ==, 'c');
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_serial_flow_control(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);
    Chardev *chr = &tc->parent;
    char fill[16];

    /* Without FIFOs the receiver holds one byte. */
    g_assert_cmpint(chardev_can_read(chr), ==, 1);
    feed(tc, "1", 1);
    g_assert_cmpint(chardev_can_read(chr), ==, 0);
    g_assert_cmpint(tc->accept_calls, ==, 0);
    g_assert_cmpint(inb(f, RBR), ==, '1');
    g_assert_cmpint(tc->accept_calls, ==, 1);
    g_assert_cmpint(chardev_can_read(chr), ==, 1);

    /* With FIFOs, sixteen; a full FIFO pauses the backend until read. */
    outb(f, FCR, 0x01);
    memset(fill, 'f', sizeof(fill));
    feed(tc, fill, 16);
    g_assert_cmpint(chardev_can_read(chr), ==, 0);
    g_assert_cmpint(inb(f, RBR), ==, 'f');
    g_assert_cmpint(tc->accept_calls, ==, 2);
    g_assert_cmpint(chardev_can_read(chr), ==, 1);
    g_assert_cmphex(inb(f, LSR) & 0x02, ==, 0x00);     /* nothing lost */

    /* A backend that ignores can_read overruns; the FIFO keeps its bytes. */
    feed(tc, "!!", 2);
    g_assert_cmphex(inb(f, LSR) & 0x02, ==, 0x02);
    g_assert_cmphex(inb(f, LSR) & 0x02, ==, 0x00);     /* read clears OE */
    for (int i = 0; i < 15; i++) {
        inb(f, RBR);
    }
    g_assert_cmpint(inb(f, RBR), ==, '!');
    g_assert_cmphex(inb(f, LSR) & 0x01, ==, 0x00);
}

static void test_serial_priorities(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);

    outb(f, IER, 0x0f);
    g_assert_cmphex(inb(f, IIR), ==, 0x02);         /* THRE, acknowledged */
    outb(f, THR, '.');                              /* THRE pending again */
    feed(tc, "a", 1);
    g_assert_cmphex(inb(f, IIR), ==, 0x04);         /* RX data beats THRE */
    feed(tc, "b", 1);                               /* overrun */
    g_assert_cmphex(inb(f, IIR), ==, 0x06);         /* line status first */
    g_assert_cmphex(inb(f, LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(inb(f, IIR), ==, 0x04);
    g_assert_cmpint(inb(f, RBR), ==, 'b');          /* 16450: overwritten */
    g_assert_cmphex(inb(f, IIR), ==, 0x02);
    g_assert_cmphex(inb(f, IIR), ==, 0x01);
    g_assert_cmpint(irq_level[4], ==, 0);

    /* Modem status last: loopback changes the lines. */
    outb(f, MCR, 0x10);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(f, IIR), ==, 0x00);
    g_assert_cmphex(inb(f, MSR), ==, 0x0b);         /* CTS, DSR, DCD fell */
    g_assert_cmphex(inb(f, IIR), ==, 0x01);
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_serial_loopback(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);
    Chardev *chr = &tc->parent;

    outb(f, MCR, 0x1a);             /* loop, RTS, OUT2 */
    g_assert_cmphex(inb(f, MSR) & 0xf0, ==, 0x90);  /* CTS, DCD */
    outb(f, MCR, 0x1f);
    g_assert_cmphex(inb(f, MSR) & 0xf0, ==, 0xf0);

    /* Output comes back to the receiver and not out of the backend. */
    g_assert_cmpint(chardev_can_read(chr), ==, 0);
    outb(f, THR, 0x55);
    g_assert_cmpint(tc->out->len, ==, 0);
    g_assert_cmphex(inb(f, LSR) & 0x01, ==, 0x01);
    g_assert_cmphex(inb(f, RBR), ==, 0x55);

    /* Leaving loopback lets the backend send again. */
    outb(f, MCR, 0x03);
    g_assert_cmpint(tc->accept_calls, ==, 1);
    g_assert_cmpint(chardev_can_read(chr), ==, 1);
    g_assert_cmphex(inb(f, MSR) & 0xf0, ==, 0xb0);
    outb(f, THR, 'o');
    g_assert_cmpint(tc->out->len, ==, 1);
}

static void test_serial_break(Fixture *f, gconstpointer data)
{
    TestChardev *tc = serial_with_chardev(f);

    outb(f, IER, 0x04);
    chardev_event(&tc->parent, CHR_EVENT_BREAK);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(f, IIR), ==, 0x06);
    g_assert_cmphex(inb(f, LSR) & 0x11, ==, 0x11);
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(f, RBR), ==, 0x00);
}

/* --- RTC --- */

static uint8_t cmos_read(Fixture *f, uint8_t index)
{
    outb(f, 0x70, index);
    return inb(f, 0x71);
}

static void cmos_write(Fixture *f, uint8_t index, uint8_t val)
{
    outb(f, 0x70, index);
    outb(f, 0x71, val);
}

static int from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0x0f);
}

typedef struct RtcTime {
    int sec, min, hour, mday, mon, year;
} RtcTime;

/* Reads the clock as a careful guest does: outside an update cycle. */
static RtcTime rtc_read_time(Fixture *f, bool bcd)
{
    int (*dec)(uint8_t) = bcd ? from_bcd : NULL;
    uint8_t r[6];
    RtcTime t;

    while (cmos_read(f, 0x0a) & 0x80) {
        g_usleep(50);
    }
    r[0] = cmos_read(f, 0x00);
    r[1] = cmos_read(f, 0x02);
    r[2] = cmos_read(f, 0x04);
    r[3] = cmos_read(f, 0x07);
    r[4] = cmos_read(f, 0x08);
    r[5] = cmos_read(f, 0x09);
    t.sec = dec ? dec(r[0]) : r[0];
    t.min = dec ? dec(r[1]) : r[1];
    t.hour = dec ? dec(r[2]) : r[2];
    t.mday = dec ? dec(r[3]) : r[3];
    t.mon = dec ? dec(r[4]) : r[4];
    t.year = (dec ? dec(r[5]) : r[5]) +
             100 * (dec ? dec(cmos_read(f, 0x32)) : cmos_read(f, 0x32));
    return t;
}

static int64_t rtc_time_to_sec(RtcTime t)
{
    struct tm tm = { .tm_sec = t.sec, .tm_min = t.min, .tm_hour = t.hour,
                     .tm_mday = t.mday, .tm_mon = t.mon - 1,
                     .tm_year = t.year - 1900 };

    return timegm(&tm);
}

static void test_rtc_time(Fixture *f, gconstpointer data)
{
    create(f, "mc146818rtc", NULL);
    g_assert_cmphex(cmos_read(f, 0x0a) & 0x7f, ==, 0x26);
    g_assert_cmphex(cmos_read(f, 0x0b), ==, 0x02);
    g_assert_cmphex(cmos_read(f, 0x0d), ==, 0x80);

    /* BCD, 24-hour: the host's UTC time. */
    int64_t got = rtc_time_to_sec(rtc_read_time(f, true));
    g_assert_cmpint(llabs(got - (int64_t)time(NULL)), <=, 2);

    /* Binary mode shows the same time in binary. */
    cmos_write(f, 0x0b, 0x06);
    got = rtc_time_to_sec(rtc_read_time(f, false));
    g_assert_cmpint(llabs(got - (int64_t)time(NULL)), <=, 2);

    /* 12-hour binary: 1-12 with bit 7 for PM. */
    cmos_write(f, 0x0b, 0x04);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    uint8_t hour = cmos_read(f, 0x04);
    int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
    if (cmos_read(f, 0x02) != 0) {      /* not at an hour boundary */
        g_assert_cmpint(hour & 0x7f, ==, h12);
        g_assert_cmpint(!!(hour & 0x80), ==, tm.tm_hour >= 12);
    }

    /* Bit 7 of the index masks NMI and does not change the register. */
    outb(f, 0x70, 0x8d);
    g_assert_cmphex(inb(f, 0x71), ==, 0x80);
}

static void test_rtc_set_time(Fixture *f, gconstpointer data)
{
    create(f, "mc146818rtc", NULL);

    /* 2030-06-15 12:34:56, set under SET as firmware does. */
    cmos_write(f, 0x0b, 0x82);
    cmos_write(f, 0x00, 0x56);
    cmos_write(f, 0x02, 0x34);
    cmos_write(f, 0x04, 0x12);
    cmos_write(f, 0x07, 0x15);
    cmos_write(f, 0x08, 0x06);
    cmos_write(f, 0x09, 0x30);
    cmos_write(f, 0x32, 0x20);
    /* Frozen while SET: the registers hold what was written. */
    g_usleep(10000);
    g_assert_cmphex(cmos_read(f, 0x00), ==, 0x56);
    cmos_write(f, 0x0b, 0x02);

    RtcTime t = rtc_read_time(f, true);
    g_assert_cmpint(t.year, ==, 2030);
    g_assert_cmpint(t.mon, ==, 6);
    g_assert_cmpint(t.mday, ==, 15);
    g_assert_cmpint(t.hour, ==, 12);
    g_assert_cmpint(t.min, ==, 34);
    g_assert_cmpint(t.sec, >=, 56);
    g_assert_cmpint(t.sec, <=, 57);
    g_assert_cmpint(from_bcd(cmos_read(f, 0x06)), ==, 7);  /* a Saturday */

    /* A single field written while running moves the clock too. */
    cmos_write(f, 0x09, 0x31);
    g_assert_cmpint(rtc_read_time(f, true).year, ==, 2031);
}

static void test_rtc_periodic(Fixture *f, gconstpointer data)
{
    create(f, "mc146818rtc", NULL);

    /* Polled: PF rises without PIE, and no interrupt. */
    cmos_read(f, 0x0c);
    g_usleep(5000);
    g_assert_cmphex(cmos_read(f, 0x0c) & 0xc0, ==, 0x40);
    g_assert_cmpint(irq_level[8], ==, 0);

    /* 1024 Hz with PIE: the interrupt fires from the main loop. */
    cmos_write(f, 0x0b, 0x42);
    g_assert_true(run_until(&irq_level[8], 1000));
    g_assert_cmphex(cmos_read(f, 0x0c) & 0xc0, ==, 0xc0);
    g_assert_cmpint(irq_level[8], ==, 0);           /* reading C lowers it */
    g_assert_true(run_until(&irq_level[8], 1000));
    g_assert_cmpint(irq_rises[8], ==, 2);

    /* Clearing PIE lowers the line; reset clears enables and flags. */
    cmos_write(f, 0x0b, 0x02);
    g_assert_cmpint(irq_level[8], ==, 0);
    cmos_write(f, 0x0b, 0x72);
    device_reset(f->devs->pdata[0]);
    g_assert_cmphex(cmos_read(f, 0x0b), ==, 0x02);
    g_assert_cmpint(irq_level[8], ==, 0);
}

static void test_rtc_update_and_alarm(Fixture *f, gconstpointer data)
{
    create(f, "mc146818rtc", NULL);

    cmos_write(f, 0x0b, 0x12);      /* UIE */
    g_assert_true(run_until(&irq_level[8], 1500));
    g_assert_cmphex(cmos_read(f, 0x0c) & 0x90, ==, 0x90);
    g_assert_cmpint(irq_level[8], ==, 0);

    /* An alarm of "any hour, any minute, any second" rings each second. */
    cmos_write(f, 0x01, 0xc0);
    cmos_write(f, 0x03, 0xc0);
    cmos_write(f, 0x05, 0xc0);
    cmos_write(f, 0x0b, 0x22);      /* AIE */
    cmos_read(f, 0x0c);
    g_assert_true(run_until(&irq_level[8], 1500));
    g_assert_cmphex(cmos_read(f, 0x0c) & 0xa0, ==, 0xa0);

    /* SET clears UIE. */
    cmos_write(f, 0x0b, 0x92);
    g_assert_cmphex(cmos_read(f, 0x0b), ==, 0x82);
}

static void test_rtc_cmos_memory(Fixture *f, gconstpointer data)
{
    ISADevice *rtc = ISA_DEVICE(create(f, "mc146818rtc", NULL));

    rtc_set_ram_size(rtc, 512 * 1024 * 1024ull, 4ull << 30);
    g_assert_cmphex(cmos_read(f, 0x15), ==, 0x80);      /* 640 KiB */
    g_assert_cmphex(cmos_read(f, 0x16), ==, 0x02);
    g_assert_cmphex(cmos_read(f, 0x17), ==, 0xff);      /* capped */
    g_assert_cmphex(cmos_read(f, 0x18), ==, 0xff);
    g_assert_cmphex(cmos_read(f, 0x30), ==, 0xff);
    g_assert_cmphex(cmos_read(f, 0x31), ==, 0xff);
    g_assert_cmphex(cmos_read(f, 0x34), ==, 0x00);      /* 496 MiB = 0x1f00 */
    g_assert_cmphex(cmos_read(f, 0x35), ==, 0x1f);
    g_assert_cmphex(cmos_read(f, 0x5b), ==, 0x00);      /* 4 GiB = 0x10000 */
    g_assert_cmphex(cmos_read(f, 0x5c), ==, 0x00);
    g_assert_cmphex(cmos_read(f, 0x5d), ==, 0x01);
    g_assert_cmphex(cmos_read(f, 0x32), ==, 0x20);      /* century, BCD */

    rtc_set_ram_size(rtc, 8 * 1024 * 1024, 0);
    g_assert_cmphex(cmos_read(f, 0x17), ==, 0x00);      /* 7168 KiB */
    g_assert_cmphex(cmos_read(f, 0x18), ==, 0x1c);
    g_assert_cmphex(cmos_read(f, 0x34), ==, 0x00);
    g_assert_cmphex(cmos_read(f, 0x35), ==, 0x00);

    /* Memory survives a reset; out-of-range helpers are ignored. */
    rtc_set_memory(rtc, 0x40, 0xab);
    cmos_write(f, 0x7f, 0xcd);
    rtc_set_memory(rtc, 128, 0xee);
    rtc_set_memory(rtc, -1, 0xee);
    device_reset(DEVICE(rtc));
    g_assert_cmphex(cmos_read(f, 0x40), ==, 0xab);
    g_assert_cmphex(cmos_read(f, 0x7f), ==, 0xcd);
    g_assert_cmphex(rtc_get_memory(rtc, 0x40), ==, 0xab);
}

/* --- i8042 --- */

static uint8_t kbc_read_reply(Fixture *f)
{
    g_assert_cmphex(inb(f, 0x64) & 0x01, ==, 0x01);
    return inb(f, 0x60);
}

static void test_i8042_controller(Fixture *f, gconstpointer data)
{
    create(f, "i8042", NULL);

    g_assert_cmphex(inb(f, 0x64) & 0x01, ==, 0x00);
    outb(f, 0x64, 0xaa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x55);
    g_assert_cmphex(inb(f, 0x64) & 0x05, ==, 0x04);     /* SYS, empty */
    outb(f, 0x64, 0xab);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x00);
    outb(f, 0x64, 0xa9);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x00);

    /* Command byte: 0x20 reads, 0x60 writes. */
    outb(f, 0x64, 0x20);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x03);
    outb(f, 0x64, 0x60);
    outb(f, 0x60, 0x65);
    outb(f, 0x64, 0x20);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x65);

    /* Disable/enable keyboard and mouse interfaces. */
    outb(f, 0x64, 0xad);
    outb(f, 0x64, 0xa7);
    outb(f, 0x64, 0x20);
    g_assert_cmphex(kbc_read_reply(f) & 0x30, ==, 0x30);
    outb(f, 0x64, 0xae);
    outb(f, 0x64, 0xa8);
    outb(f, 0x64, 0x20);
    g_assert_cmphex(kbc_read_reply(f) & 0x30, ==, 0x00);

    /* Output port: A20 through 0xdd/0xdf, seen with 0xd0. */
    outb(f, 0x64, 0xdd);
    outb(f, 0x64, 0xd0);
    g_assert_cmphex(kbc_read_reply(f) & 0x03, ==, 0x01);
    outb(f, 0x64, 0xd1);
    outb(f, 0x60, 0x03);
    outb(f, 0x64, 0xd0);
    g_assert_cmphex(kbc_read_reply(f) & 0x03, ==, 0x03);
}

static void test_i8042_keyboard(Fixture *f, gconstpointer data)
{
    create(f, "i8042", NULL);

    outb(f, 0x60, 0xff);                    /* reset */
    g_assert_cmpint(irq_level[1], ==, 1);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmpint(irq_rises[1], ==, 2);   /* a fresh edge per byte */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xaa);
    g_assert_cmpint(irq_level[1], ==, 0);

    outb(f, 0x60, 0xf2);                    /* identify, untranslated */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xab);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x83);

    outb(f, 0x60, 0xed);                    /* LEDs + argument */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0x07);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0xf0);                    /* get scancode set */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0x00);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x02);
    outb(f, 0x60, 0xf3);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0x20);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0xf4);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x60, 0xf6);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(inb(f, 0x64) & 0x21, ==, 0x00);

    /* With interrupts off in the command byte, the line stays low. */
    outb(f, 0x64, 0x60);
    outb(f, 0x60, 0x00);
    outb(f, 0x60, 0xee);
    g_assert_cmpint(irq_level[1], ==, 0);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xee);

    /* With translation on, the ID reads as the controller renders it. */
    outb(f, 0x64, 0x60);
    outb(f, 0x60, 0x40);
    outb(f, 0x60, 0xf2);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xab);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x41);
}

static void test_i8042_mouse(Fixture *f, gconstpointer data)
{
    create(f, "i8042", NULL);

    outb(f, 0x64, 0xd4);
    outb(f, 0x60, 0xff);                    /* mouse reset */
    g_assert_cmpint(irq_level[12], ==, 1);
    g_assert_cmpint(irq_level[1], ==, 0);
    g_assert_cmphex(inb(f, 0x64) & 0x21, ==, 0x21);     /* AUXB, OBF */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xaa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x00);
    g_assert_cmpint(irq_level[12], ==, 0);

    outb(f, 0x64, 0xd4);
    outb(f, 0x60, 0xf2);                    /* get ID */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x00);

    outb(f, 0x64, 0xd4);
    outb(f, 0x60, 0xf3);                    /* sample rate 40 */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x64, 0xd4);
    outb(f, 0x60, 40);
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    outb(f, 0x64, 0xd4);
    outb(f, 0x60, 0xe9);                    /* status */
    g_assert_cmphex(kbc_read_reply(f), ==, 0xfa);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x00);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x02);
    g_assert_cmphex(kbc_read_reply(f), ==, 40);

    /* The controller's aux loopback (Linux's AUX probe). */
    outb(f, 0x64, 0xd3);
    outb(f, 0x60, 0x5a);
    g_assert_cmphex(inb(f, 0x64) & 0x21, ==, 0x21);
    g_assert_cmpint(irq_level[12], ==, 1);
    g_assert_cmphex(kbc_read_reply(f), ==, 0x5a);
}

/* A reset request leaves the main loop a reset to carry out. */
static bool reset_was_requested(void)
{
    int before = resets_seen;

    g_assert_true(runstate_process_requests());
    return resets_seen > before;
}

static void test_i8042_reset(Fixture *f, gconstpointer data)
{
    create(f, "i8042", NULL);

    runstate_process_requests();
    outb(f, 0x64, 0xff);                    /* pulse nothing */
    g_assert_false(reset_was_requested());
    outb(f, 0x64, 0xfe);                    /* pulse the reset line */
    g_assert_true(reset_was_requested());

    outb(f, 0x64, 0xd1);
    outb(f, 0x60, 0x03);
    g_assert_false(reset_was_requested());
    outb(f, 0x64, 0xd1);
    outb(f, 0x60, 0x02);                    /* output port bit 0 low */
    g_assert_true(reset_was_requested());
}

/* --- port 0x92 and 0xcf9 --- */

static void test_port92(Fixture *f, gconstpointer data)
{
    create(f, "port92", NULL);

    runstate_process_requests();
    outb(f, 0x92, 0x02);
    g_assert_cmphex(inb(f, 0x92), ==, 0x02);
    g_assert_false(reset_was_requested());
    outb(f, 0x92, 0x03);
    g_assert_true(reset_was_requested());
    g_assert_cmphex(inb(f, 0x92), ==, 0x02);    /* reset ended the pulse */
    outb(f, 0x92, 0x00);
    g_assert_cmphex(inb(f, 0x92), ==, 0x00);
    g_assert_false(reset_was_requested());
}

/* Stands for the PCI host's CONFIG_ADDRESS at 0xcf8-0xcfb. */
static uint64_t conf_addr;
static unsigned conf_addr_writes;

static uint64_t conf_addr_read(void *opaque, uint64_t addr, unsigned size)
{
    return conf_addr;
}

static void conf_addr_write(void *opaque, uint64_t addr, uint64_t data,
                            unsigned size)
{
    conf_addr = data;
    conf_addr_writes++;
}

static const MemoryRegionOps conf_addr_ops = {
    .read = conf_addr_read,
    .write = conf_addr_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void test_cf9_reset(Fixture *f, gconstpointer data)
{
    MemoryRegion conf;

    memory_region_init_io(&conf, NULL, &conf_addr_ops, NULL, "conf-addr", 4);
    memory_region_add_subregion(&f->io, 0xcf8, &conf);
    create(f, "cf9-reset", NULL);

    runstate_process_requests();
    outb(f, 0xcf9, 0x02);
    g_assert_cmphex(inb(f, 0xcf9), ==, 0x02);
    g_assert_false(reset_was_requested());
    outb(f, 0xcf9, 0x06);
    g_assert_cmphex(inb(f, 0xcf9), ==, 0x02);   /* bit 2 reads 0 */
    g_assert_true(reset_was_requested());
    g_assert_cmphex(inb(f, 0xcf9), ==, 0x00);   /* device reset cleared it */
    outb(f, 0xcf9, 0x0e);
    g_assert_true(reset_was_requested());

    /* A 4-byte access at 0xcf8 still reaches CONFIG_ADDRESS whole. */
    out(f, 0xcf8, 4, 0x80001234);
    g_assert_cmpuint(conf_addr_writes, ==, 1);
    g_assert_cmphex(conf_addr, ==, 0x80001234);
    g_assert_cmphex(in(f, 0xcf8, 4), ==, 0x80001234);
    g_assert_false(reset_was_requested());

    memory_region_del_subregion(&f->io, &conf);
}

/* --- pc-testdev --- */

static void test_pc_testdev(Fixture *f, gconstpointer data)
{
    uint64_t v;

    create(f, "pc-testdev", NULL);

    /* The latch at 0xe0, any width, little-endian. */
    out(f, 0xe0, 4, 0x11223344);
    g_assert_cmphex(in(f, 0xe0, 4), ==, 0x11223344);
    g_assert_cmphex(in(f, 0xe1, 1), ==, 0x33);
    g_assert_cmphex(in(f, 0xe2, 2), ==, 0x1122);
    out(f, 0xe3, 1, 0xaa);
    g_assert_cmphex(in(f, 0xe0, 4), ==, 0xaa223344);
    out(f, 0xe0, 2, 0xbeef);
    g_assert_cmphex(in(f, 0xe0, 4), ==, 0xaa22beef);

    /* Flush page accepts an address. */
    out(f, 0xe4, 4, 0x1000);

    /* IRQ lines at 0x2000 + n; lines past 15 are ignored. */
    out(f, 0x2005, 1, 1);
    g_assert_cmpint(irq_level[5], ==, 1);
    g_assert_cmphex(in(f, 0x2005, 1), ==, 0);
    out(f, 0x2005, 1, 0);
    g_assert_cmpint(irq_level[5], ==, 0);
    out(f, 0x2017, 1, 1);

    /* 64 KiB of memory at 0xff000000, widths 1-8. */
    address_space_write_val(&address_space_memory, 0xff000000, 8,
                            0x0102030405060708ull);
    address_space_read_val(&address_space_memory, 0xff000000, 1, &v);
    g_assert_cmphex(v, ==, 0x08);
    address_space_read_val(&address_space_memory, 0xff000006, 2, &v);
    g_assert_cmphex(v, ==, 0x0102);
    address_space_read_val(&address_space_memory, 0xff000002, 4, &v);
    g_assert_cmphex(v, ==, 0x03040506);
    address_space_write_val(&address_space_memory, 0xff00fffe, 2, 0xcafe);
    address_space_read_val(&address_space_memory, 0xff00fffe, 2, &v);
    g_assert_cmphex(v, ==, 0xcafe);
}

/* --- isa-debug-exit (last: it shuts the "machine" down) --- */

static void test_debug_exit(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    create(f, "isa-debug-exit", "iobase=0xf4,iosize=4");
    g_assert_null(try_create(f, "isa-debug-exit", "iobase=0xfffe,iosize=4",
                             &err));
    g_clear_error(&err);

    runstate_process_requests();
    outb(f, 0xf4, 0x10);
    g_assert_false(runstate_process_requests());   /* shut down */
    g_assert_cmpint(runstate_exit_status(), ==, 0x21);
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_SHUTDOWN);

    create(f, "isa-debug-exit", NULL);          /* 0x501, 2 ports */
    out(f, 0x502, 1, 0);
    g_assert_false(runstate_process_requests());
    g_assert_cmpint(runstate_exit_status(), ==, 1);
}

#define ADD(path, fn) \
    g_test_add("/isa/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    main_loop_init();
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        test_irqs[i] = (IrqLine){ .handler = record_irq, .n = i };
    }
    reset_handler_register(count_reset, NULL);
    /* A machine reset walks the CPU list, which no CPU has created here. */
    if (!cpus) {
        cpus = g_ptr_array_new();
    }

    ADD("serial/registers", test_serial_registers);
    ADD("serial/transmit", test_serial_transmit);
    ADD("serial/thre-interrupt", test_serial_thre_interrupt);
    ADD("serial/rx-fifo", test_serial_rx_fifo);
    ADD("serial/rx-timeout", test_serial_rx_timeout);
    ADD("serial/flow-control", test_serial_flow_control);
    ADD("serial/priorities", test_serial_priorities);
    ADD("serial/loopback", test_serial_loopback);
    ADD("serial/break", test_serial_break);
    ADD("rtc/time", test_rtc_time);
    ADD("rtc/set-time", test_rtc_set_time);
    ADD("rtc/periodic", test_rtc_periodic);
    ADD("rtc/update-and-alarm", test_rtc_update_and_alarm);
    ADD("rtc/cmos-memory", test_rtc_cmos_memory);
    ADD("i8042/controller", test_i8042_controller);
    ADD("i8042/keyboard", test_i8042_keyboard);
    ADD("i8042/mouse", test_i8042_mouse);
    ADD("i8042/reset", test_i8042_reset);
    ADD("port92", test_port92);
    ADD("cf9-reset", test_cf9_reset);
    ADD("pc-testdev", test_pc_testdev);
    ADD("debug-exit", test_debug_exit);
    return g_test_run();
}
