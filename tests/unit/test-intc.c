/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace interrupt controllers: the 8259A pair through its ports
 * (initialization, priorities, EOI kinds, edge/level, cascade, poll), the
 * IOAPIC (redirection, masking, level with remote IRR and EOI) and local
 * APICs on CPUs without threads (registers, TPR/PPR, ISR/IRR nesting, timer
 * on the virtual clock, IPIs, INIT/SIPI, MSI, ExtINT from the 8259).
 */
#include <glib.h>
#include <string.h>

#include "target/i386/cpu.h"
#include "vireo/main-loop.h"
#include "vireo/x86-intc.h"

#define NCPUS 2
#define IOAPIC_BASE 0xfec00000ULL

/* --- Fixture: ISA bus and memory over private spaces, two CPUs --- */

static int intr_level;          /* the master 8259's INT output */
static IrqLine isa_irqs[ISA_NUM_IRQS];

static void record_intr(void *opaque, int n, int level)
{
    intr_level = level;
    apic_set_pic_intr(level);
}

static IrqLine intr_line = { .handler = record_intr };

/* Memory, shared by the tests: the APIC window stays mapped in it. */
static MemoryRegion mem;
static AddressSpace mem_as;

typedef struct Fixture {
    MemoryRegion io;
    AddressSpace io_as;
    ISABus *bus;
    PICState *pic;
    IOAPICState *ioapic;
    CPUState *cpu[NCPUS];
    APICState *apic[NCPUS];
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;
    memory_region_init(&f->io, NULL, "test-io", 0x10000);
    address_space_init(&f->io_as, &f->io, "test-io");
    f->bus = isa_bus_new(NULL, &f->io, isa_irqs);
    intr_level = 0;
    f->pic = i8259_init(f->bus, &intr_line, &err);
    g_assert_no_error(err);
    f->ioapic = ioapic_init(&mem, IOAPIC_BASE, &err);
    g_assert_no_error(err);
    for (int i = 0; i < NCPUS; i++) {
        f->cpu[i] = CPU(device_new(TYPE_X86_CPU, &err));
        g_assert_no_error(err);
        f->cpu[i]->cpu_index = f->cpu[i]->apic_id = i;
        f->apic[i] = apic_create(f->cpu[i], &err);
        g_assert_no_error(err);
    }
    apic_connect_pic(f->pic);
    apic_map_mmio(&mem);
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
    for (int i = 0; i < NCPUS; i++) {
        device_unrealize(DEVICE(f->apic[i]));   /* also unparents it */
        object_unref(OBJECT(f->cpu[i]));
    }
    apic_connect_pic(NULL);
    apic_set_pic_intr(0);
    /* The 8259 pair and the IOAPIC. */
    object_child_foreach(object_resolve_path("/machine/unattached", NULL),
                         collect_device, devs);
    for (guint i = 0; i < devs->len; i++) {
        device_unrealize(devs->pdata[i]);
    }
    address_space_destroy(&f->io_as);
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

/* --- 8259A --- */

/* The BIOS/Linux sequence: edge, cascade, ICW4; vectors 0x20 and 0x28. */
static void pic_setup(Fixture *f, uint8_t icw4)
{
    outb(f, 0x20, 0x11);
    outb(f, 0xa0, 0x11);
    outb(f, 0x21, 0x20);
    outb(f, 0xa1, 0x28);
    outb(f, 0x21, 0x04);
    outb(f, 0xa1, 0x02);
    outb(f, 0x21, icw4);
    outb(f, 0xa1, icw4);
    outb(f, 0x21, 0x00);
    outb(f, 0xa1, 0x00);
}

static uint8_t pic_isr(Fixture *f, uint16_t port)
{
    outb(f, port, 0x0b);            /* OCW3: read ISR */
    uint8_t v = inb(f, port);
    outb(f, port, 0x0a);            /* back to IRR */
    return v;
}

static void pulse(Fixture *f, int irq)
{
    i8259_set_irq(f->pic, irq, 1);
    i8259_set_irq(f->pic, irq, 0);
}

static void test_pic_init(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(inb(f, 0x21), ==, 0xff);    /* power-on: all masked */
    pulse(f, 1);
    g_assert_cmpint(intr_level, ==, 0);
    pic_setup(f, 0x01);
    g_assert_cmpint(inb(f, 0x21), ==, 0x00);
    outb(f, 0x21, 0xa5);
    g_assert_cmpint(inb(f, 0x21), ==, 0xa5);   /* OCW1 reads back */
    outb(f, 0x21, 0x00);
    /* ICW1 forgets the edge seen before it. */
    g_assert_cmpint(intr_level, ==, 0);
    pulse(f, 1);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(inb(f, 0x20), ==, 0x02);   /* IRR */
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x21);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x02);
    g_assert_cmpint(inb(f, 0x20), ==, 0x00);   /* edge consumed */
    outb(f, 0x20, 0x20);                       /* non-specific EOI */
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x00);
    /* Masked requests wait in IRR. */
    outb(f, 0x21, 0x08);
    pulse(f, 3);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmpint(inb(f, 0x20), ==, 0x08);
    outb(f, 0x21, 0x00);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x23);
}

static void test_pic_priorities(Fixture *f, gconstpointer data)
{
    pic_setup(f, 0x01);
    pulse(f, 3);
    pulse(f, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x21);   /* lower IR first */
    g_assert_cmpint(intr_level, ==, 0);     /* IR3 waits for IR1's EOI */
    pulse(f, 0);
    g_assert_cmpint(intr_level, ==, 1);     /* IR0 nests above IR1 */
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x20);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x03);
    outb(f, 0x20, 0x20);                    /* clears IR0, the highest */
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x02);
    g_assert_cmpint(intr_level, ==, 0);
    outb(f, 0x20, 0x20);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x23);
    outb(f, 0x20, 0x20);
    /* Special mask mode: with IR1 in service and masked, IR3 gets in. */
    pulse(f, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x21);
    pulse(f, 3);
    g_assert_cmpint(intr_level, ==, 0);
    outb(f, 0x21, 0x02);
    outb(f, 0x20, 0x68);                    /* OCW3: set special mask */
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x23);
    outb(f, 0x20, 0x48);                    /* reset special mask */
}

static void test_pic_eoi_kinds(Fixture *f, gconstpointer data)
{
    pic_setup(f, 0x01);
    pulse(f, 4);
    pulse(f, 6);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x24);
    outb(f, 0x20, 0x66);                    /* specific EOI of IR6: none */
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x10);
    outb(f, 0x20, 0x64);                    /* specific EOI of IR4 */
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x00);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x26);
    /* Rotate on non-specific EOI: IR6 becomes the lowest priority. */
    outb(f, 0x20, 0xa0);
    pulse(f, 5);
    pulse(f, 7);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x27);   /* 7 now beats 5 */
    outb(f, 0x20, 0x20);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x25);
    outb(f, 0x20, 0x20);
    /* Set priority: IR3 lowest, so IR4 is the highest. */
    outb(f, 0x20, 0xc3);
    pulse(f, 0);
    pulse(f, 4);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x24);
    outb(f, 0x20, 0xe4);                    /* rotate on specific EOI of 4 */
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x20);
    outb(f, 0x20, 0x20);
    /* Auto-EOI: nothing stays in service. */
    pic_setup(f, 0x03);
    pulse(f, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x21);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x00);
}

static void test_pic_level_edge(Fixture *f, gconstpointer data)
{
    pic_setup(f, 0x01);
    /* Edge: a request outlives its pulse, a held line fires once. */
    i8259_set_irq(f->pic, 5, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x25);
    outb(f, 0x20, 0x20);
    g_assert_cmpint(intr_level, ==, 0);
    i8259_set_irq(f->pic, 5, 0);
    /* Level (ELCR bit): IRR follows the line, and it fires again after EOI
     * while held. */
    outb(f, 0x4d0, 0x20);
    g_assert_cmpint(inb(f, 0x4d0), ==, 0x20);
    outb(f, 0x4d0, 0xff);
    g_assert_cmpint(inb(f, 0x4d0), ==, 0xf8);  /* IR0-2 are edge only */
    outb(f, 0x4d1, 0xff);
    g_assert_cmpint(inb(f, 0x4d1), ==, 0xde);
    outb(f, 0x4d0, 0x20);
    outb(f, 0x4d1, 0x00);
    i8259_set_irq(f->pic, 5, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x25);
    outb(f, 0x20, 0x20);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x25);
    i8259_set_irq(f->pic, 5, 0);
    outb(f, 0x20, 0x20);
    g_assert_cmpint(intr_level, ==, 0);
    /* A level request that goes away before INTA is a spurious IR7. */
    i8259_set_irq(f->pic, 5, 1);
    g_assert_cmpint(intr_level, ==, 1);
    i8259_set_irq(f->pic, 5, 0);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x27);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x00);
}

static void test_pic_cascade(Fixture *f, gconstpointer data)
{
    pic_setup(f, 0x01);
    pulse(f, 10);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(inb(f, 0x20), ==, 0x04);   /* master IR2 */
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x2a);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x04);
    g_assert_cmpint(pic_isr(f, 0xa0), ==, 0x04);
    /* Master IR1 beats the slave in service; slave IR9 waits for EOIs. */
    pulse(f, 9);
    g_assert_cmpint(intr_level, ==, 0);
    pulse(f, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x21);
    outb(f, 0x20, 0x20);                    /* IR1 */
    outb(f, 0xa0, 0x20);                    /* slave IR2 (IRQ 10) */
    outb(f, 0x20, 0x20);                    /* master IR2 */
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x29);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    /* A slave request withdrawn before INTA: the master has latched the
     * edge on IR2 and acknowledges it; the slave answers spurious IR15. */
    outb(f, 0x4d1, 0x08);                   /* IRQ 11 level */
    i8259_set_irq(f->pic, 11, 1);
    g_assert_cmpint(intr_level, ==, 1);
    i8259_set_irq(f->pic, 11, 0);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(i8259_intack(f->pic), ==, 0x2f);
    g_assert_cmpint(pic_isr(f, 0xa0), ==, 0x00);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x04);
}

static void test_pic_poll(Fixture *f, gconstpointer data)
{
    pic_setup(f, 0x01);
    outb(f, 0x20, 0x0c);                    /* OCW3: poll */
    g_assert_cmpint(inb(f, 0x20), ==, 0x00);   /* nothing pending */
    pulse(f, 6);
    pulse(f, 3);
    outb(f, 0x20, 0x0c);
    g_assert_cmpint(inb(f, 0x20), ==, 0x83);
    g_assert_cmpint(pic_isr(f, 0x20), ==, 0x08);
    g_assert_cmpint(inb(f, 0x20), ==, 0x40);   /* poll is one read only */
    outb(f, 0x20, 0x20);
    outb(f, 0x20, 0x0c);
    g_assert_cmpint(inb(f, 0x21), ==, 0x86);   /* either port */
}

/* --- Local APIC --- */

static void apic_enable(Fixture *f, int i)
{
    apic_reg_write(f->apic[i], 0xf0, 0x1ff);
}

/* Delivers a fixed edge interrupt to CPU i by physical ID. */
static void send_fixed(int i, uint8_t vector)
{
    apic_deliver_irq(i, false, APIC_DM_FIXED, vector, false);
}

/* Acknowledges CPU i's interrupt and ends it: the vector, or -1. */
static int ack(Fixture *f, int i)
{
    int v = apic_get_interrupt(f->cpu[i]);
    apic_reg_write(f->apic[i], 0xb0, 0);
    return v;
}

static void test_apic_reset_values(Fixture *f, gconstpointer data)
{
    static const struct { unsigned reg; uint32_t bsp, ap; } regs[] = {
        { 0x20, 0x00000000, 0x01000000 },   /* ID */
        { 0x30, 0x00050014, 0x00050014 },   /* version: 6 LVT entries */
        { 0x80, 0, 0 }, { 0xa0, 0, 0 }, { 0xd0, 0, 0 },
        { 0xe0, 0xffffffff, 0xffffffff },   /* DFR: flat */
        { 0xf0, 0xff, 0xff },               /* SVR: software-disabled */
        { 0x100, 0, 0 }, { 0x200, 0, 0 }, { 0x280, 0, 0 }, { 0x300, 0, 0 },
        { 0x320, 0x10000, 0x10000 }, { 0x330, 0x10000, 0x10000 },
        { 0x340, 0x10000, 0x10000 },
        { 0x350, 0x700, 0x10000 },          /* BSP: ExtINT (virtual wire) */
        { 0x360, 0x400, 0x10000 },          /* BSP: NMI */
        { 0x370, 0x10000, 0x10000 },
        { 0x380, 0, 0 }, { 0x390, 0, 0 }, { 0x3e0, 0, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
        g_assert_cmphex(apic_reg_read(f->apic[0], regs[i].reg), ==, regs[i].bsp);
        g_assert_cmphex(apic_reg_read(f->apic[1], regs[i].reg), ==, regs[i].ap);
    }
    g_assert_cmphex(apic_get_base(f->cpu[0]), ==, 0xfee00900);
    g_assert_cmphex(apic_get_base(f->cpu[1]), ==, 0xfee00800);
    g_assert_false(apic_waiting_for_sipi(f->cpu[0]));
    g_assert_true(apic_waiting_for_sipi(f->cpu[1]));
    /* Software-disabled: LVTs stay masked, fixed interrupts are dropped. */
    apic_reg_write(f->apic[1], 0x320, 0x40);
    g_assert_cmphex(apic_reg_read(f->apic[1], 0x320), ==, 0x10040);
    send_fixed(1, 0x40);
    g_assert_false(apic_has_interrupt(f->cpu[1]));
    apic_enable(f, 1);
    apic_reg_write(f->apic[1], 0x320, 0x40);
    g_assert_cmphex(apic_reg_read(f->apic[1], 0x320), ==, 0x40);
    apic_reg_write(f->apic[1], 0xf0, 0xff);    /* disabling masks them all */
    g_assert_cmphex(apic_reg_read(f->apic[1], 0x320), ==, 0x10040);
}

static void test_apic_tpr_ppr(Fixture *f, gconstpointer data)
{
    CPUState *cpu = f->cpu[0];
    apic_enable(f, 0);
    apic_reg_write(f->apic[0], 0x80, 0x50);
    send_fixed(0, 0x45);
    g_assert_cmphex(apic_reg_read(f->apic[0], 0x200 + 0x20), ==, 1u << 5);
    g_assert_cmphex(apic_reg_read(f->apic[0], 0xa0), ==, 0x50);
    g_assert_false(apic_has_interrupt(cpu));
    apic_set_tpr(cpu, 0x4f);                /* same class: still blocked */
    g_assert_false(apic_has_interrupt(cpu));
    apic_reg_write(f->apic[0], 0x80, 0x3f);
    g_assert_true(apic_has_interrupt(cpu));
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x45);
    /* In service, class 4 raises the PPR above the TPR. */
    g_assert_cmphex(apic_reg_read(f->apic[0], 0xa0), ==, 0x40);
    g_assert_cmphex(apic_reg_read(f->apic[0], 0x100 + 0x20), ==, 1u << 5);
    apic_reg_write(f->apic[0], 0xb0, 0);
    g_assert_cmphex(apic_reg_read(f->apic[0], 0xa0), ==, 0x3f);
    g_assert_cmpint(apic_get_tpr(cpu), ==, 0x3f);
}

static void test_apic_nesting(Fixture *f, gconstpointer data)
{
    CPUState *cpu = f->cpu[0];
    apic_enable(f, 0);
    send_fixed(0, 0x40);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x40);
    send_fixed(0, 0x30);                    /* lower class: waits */
    g_assert_false(apic_has_interrupt(cpu));
    send_fixed(0, 0x41);                    /* same class: waits */
    g_assert_false(apic_has_interrupt(cpu));
    send_fixed(0, 0x60);                    /* higher: nests */
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x60);
    g_assert_false(apic_has_interrupt(cpu));
    apic_reg_write(f->apic[0], 0xb0, 0);    /* EOI ends 0x60 */
    g_assert_false(apic_has_interrupt(cpu));
    apic_reg_write(f->apic[0], 0xb0, 0);    /* ... then 0x40 */
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x41);
    apic_reg_write(f->apic[0], 0xb0, 0);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x30);
    apic_reg_write(f->apic[0], 0xb0, 0);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, -1);
    /* Vectors 0-15 are illegal: an error, and the error LVT fires. */
    apic_reg_write(f->apic[0], 0x370, 0xfe);
    send_fixed(0, 0x05);
    apic_reg_write(f->apic[0], 0x280, 0);
    g_assert_cmphex(apic_reg_read(f->apic[0], 0x280), ==, 0x40);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0xfe);
}

static void test_apic_ipi(Fixture *f, gconstpointer data)
{
    APICState *a = f->apic[0], *b = f->apic[1];
    apic_enable(f, 0);
    apic_enable(f, 1);
    f->cpu[1]->halted = true;
    apic_reg_write(a, 0x310, 1u << 24);
    apic_reg_write(a, 0x300, 0x4051);       /* fixed, physical dest 1 */
    g_assert_false(f->cpu[1]->halted);      /* woken */
    g_assert_cmphex(apic_reg_read(a, 0x300) & (1u << 12), ==, 0);  /* idle */
    g_assert_cmpint(ack(f, 1), ==, 0x51);
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    /* Shorthands: self, all including self, all excluding self. */
    apic_reg_write(a, 0x300, 0x40052);
    g_assert_cmpint(ack(f, 0), ==, 0x52);
    g_assert_false(apic_has_interrupt(f->cpu[1]));
    apic_reg_write(b, 0x300, 0x80053);
    g_assert_cmpint(ack(f, 0), ==, 0x53);
    g_assert_cmpint(ack(f, 1), ==, 0x53);
    apic_reg_write(b, 0x300, 0xc0054);
    g_assert_cmpint(ack(f, 0), ==, 0x54);
    g_assert_false(apic_has_interrupt(f->cpu[1]));
    /* Logical flat: LDR bitmaps; cluster model. */
    apic_reg_write(a, 0xd0, 0x01000000);
    apic_reg_write(b, 0xd0, 0x02000000);
    apic_reg_write(a, 0x310, 0x02000000);
    apic_reg_write(a, 0x300, 0x0855);       /* logical */
    g_assert_cmpint(ack(f, 1), ==, 0x55);
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    apic_reg_write(a, 0xe0, 0x0fffffff);
    apic_reg_write(b, 0xe0, 0x0fffffff);
    apic_reg_write(a, 0xd0, 0x11000000);    /* cluster 1, member 1 */
    apic_reg_write(b, 0xd0, 0x22000000);    /* cluster 2, member 2 */
    apic_deliver_irq(0x23, true, APIC_DM_FIXED, 0x56, false);
    g_assert_cmpint(ack(f, 1), ==, 0x56);
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    /* Lowest priority goes to the lowest APIC ID of the targets. */
    apic_deliver_irq(0xff, false, APIC_DM_LOWEST, 0x57, false);
    g_assert_cmpint(ack(f, 0), ==, 0x57);
    g_assert_false(apic_has_interrupt(f->cpu[1]));
    /* NMI. */
    apic_reg_write(a, 0x310, 1u << 24);
    apic_reg_write(a, 0x300, 0x4400);
    g_assert_true(apic_take_nmi(f->cpu[1]));
    g_assert_false(apic_take_nmi(f->cpu[1]));
}

static void test_apic_init_sipi(Fixture *f, gconstpointer data)
{
    APICState *a = f->apic[0];
    CPUState *ap = f->cpu[1];
    apic_enable(f, 0);
    /* At power-on the AP waits for SIPI without an INIT. */
    ap->halted = true;
    apic_reg_write(a, 0x310, 1u << 24);
    apic_reg_write(a, 0x300, 0x4500);       /* INIT assert */
    g_assert_false(ap->halted);
    apic_reg_write(a, 0x300, 0x8500);       /* INIT de-assert: no INIT */
    g_assert_true(apic_take_init(ap));
    g_assert_false(apic_take_init(ap));
    g_assert_true(apic_waiting_for_sipi(ap));
    g_assert_false(apic_wakes_halted_cpu(ap, true));
    int vector = 0;
    g_assert_false(apic_take_sipi(ap, &vector));
    apic_reg_write(a, 0x300, 0xc4608);      /* SIPI 0x08 to all but self */
    g_assert_true(apic_wakes_halted_cpu(ap, false));
    apic_reg_write(a, 0x300, 0xc4609);      /* the second one is ignored */
    g_assert_true(apic_take_sipi(ap, &vector));
    g_assert_cmpint(vector, ==, 0x08);
    g_assert_false(apic_waiting_for_sipi(ap));
    apic_reg_write(a, 0x300, 0xc460a);      /* running: SIPI ignored */
    g_assert_false(apic_take_sipi(ap, &vector));
    g_assert_false(apic_waiting_for_sipi(f->cpu[0]));
    /* INIT resets the APIC but keeps its ID. */
    apic_enable(f, 1);
    apic_reg_write(f->apic[1], 0x80, 0x20);
    apic_reg_write(a, 0x300, 0x4500);
    g_assert_cmphex(apic_reg_read(f->apic[1], 0x80), ==, 0);
    g_assert_cmphex(apic_reg_read(f->apic[1], 0xf0), ==, 0xff);
    g_assert_cmphex(apic_reg_read(f->apic[1], 0x20), ==, 0x01000000);
}

/* Runs the main loop until CPU `cpu` has an interrupt or `ms` pass. */
static bool run_until_interrupt(CPUState *cpu, int ms)
{
    gint64 deadline = g_get_monotonic_time() + ms * 1000;
    while (!apic_has_interrupt(cpu) && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, false);
        g_usleep(100);
    }
    return apic_has_interrupt(cpu);
}

static void test_apic_timer(Fixture *f, gconstpointer data)
{
    APICState *a = f->apic[0];
    CPUState *cpu = f->cpu[0];
    apic_enable(f, 0);
    apic_reg_write(a, 0x3e0, 0xb);          /* divide by 1: 1 ns a tick */
    apic_reg_write(a, 0x320, 0x40);         /* one-shot, vector 0x40 */
    /* Stopped virtual clock, stopped count. */
    clock_virtual_pause();
    apic_reg_write(a, 0x380, 5000000);
    g_assert_cmpuint(apic_reg_read(a, 0x390), ==, 5000000);
    g_usleep(2000);
    g_assert_cmpuint(apic_reg_read(a, 0x390), ==, 5000000);
    clock_virtual_resume();
    g_usleep(1000);
    uint32_t ccr = apic_reg_read(a, 0x390);
    g_assert_cmpuint(ccr, <, 5000000);
    g_assert_cmpuint(ccr, >, 0);
    g_assert_true(run_until_interrupt(cpu, 1000));
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x40);
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmpuint(apic_reg_read(a, 0x390), ==, 0);
    g_assert_false(run_until_interrupt(cpu, 20));   /* one shot only */

    /* Periodic: 1 ms at divide 2; three expiries. */
    apic_reg_write(a, 0x3e0, 0x0);
    apic_reg_write(a, 0x320, 0x20041);
    apic_reg_write(a, 0x380, 500000);
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < 3; i++) {
        g_assert_true(run_until_interrupt(cpu, 1000));
        g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x41);
        apic_reg_write(a, 0xb0, 0);
    }
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 2000);
    g_assert_cmpuint(apic_reg_read(a, 0x390), <=, 500000);
    apic_reg_write(a, 0x380, 0);            /* stops it */
    g_assert_false(run_until_interrupt(cpu, 20));

    /* TSC-deadline: the ICR is ignored; the MSR arms it. */
    apic_reg_write(a, 0x320, 0x40042);
    apic_reg_write(a, 0x380, 1000);
    g_assert_cmpuint(apic_reg_read(a, 0x380), ==, 0);
    apic_set_tsc_deadline(cpu, 1000000 + 2000000, 1000000, 1000000000);
    g_assert_cmpuint(apic_get_tsc_deadline(cpu), ==, 3000000);
    g_assert_true(run_until_interrupt(cpu, 1000));
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x42);
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmpuint(apic_get_tsc_deadline(cpu), ==, 0);
    apic_set_tsc_deadline(cpu, 5, 1000, 1000000000);   /* in the past */
    g_assert_true(run_until_interrupt(cpu, 1000));
    apic_get_interrupt(cpu);
    apic_reg_write(a, 0xb0, 0);
    /* Leaving TSC-deadline mode disarms it. */
    apic_set_tsc_deadline(cpu, 1000 + 5000000, 1000, 1000000000);
    apic_reg_write(a, 0x320, 0x42);
    g_assert_cmpuint(apic_get_tsc_deadline(cpu), ==, 0);
    g_assert_false(run_until_interrupt(cpu, 20));
}

static void test_apic_mmio_msi(Fixture *f, gconstpointer data)
{
    apic_enable(f, 0);
    apic_enable(f, 1);
    /* A device's write in the window is an MSI: dest 1, vector 0x61. */
    address_space_write_val(&mem_as, 0xfee01000, 4, 0x4061);
    g_assert_cmpint(apic_get_interrupt(f->cpu[1]), ==, 0x61);
    apic_send_msi(0xfee00000, 0x62);
    g_assert_cmpint(apic_get_interrupt(f->cpu[0]), ==, 0x62);
    /* No vCPU on this thread: register reads give nothing. */
    uint64_t v = 1;
    address_space_read_val(&mem_as, 0xfee00030, 4, &v);
    g_assert_cmphex(v, ==, 0);
}

static void test_apic_extint(Fixture *f, gconstpointer data)
{
    CPUState *bsp = f->cpu[0];
    pic_setup(f, 0x01);
    bsp->halted = true;
    pulse(f, 1);
    g_assert_false(bsp->halted);            /* LINT0 is ExtINT on the BSP */
    g_assert_true(apic_has_interrupt(bsp));
    g_assert_false(apic_has_interrupt(f->cpu[1]));
    g_assert_false(apic_wakes_halted_cpu(bsp, false));     /* IF clear */
    g_assert_true(apic_wakes_halted_cpu(bsp, true));
    g_assert_cmpint(apic_get_interrupt(bsp), ==, 0x21);
    g_assert_false(apic_has_interrupt(bsp));
    outb(f, 0x20, 0x20);
    /* Masked LINT0: the 8259 no longer reaches the CPU. */
    apic_reg_write(f->apic[0], 0x350, 0x10700);
    pulse(f, 3);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_false(apic_has_interrupt(bsp));
    /* A hardware-disabled APIC passes INTR straight through. */
    apic_set_base(bsp, 0xfee00000);
    g_assert_true(apic_has_interrupt(bsp));
    g_assert_cmpint(apic_get_interrupt(bsp), ==, 0x23);
}

/* --- IOAPIC --- */

static void ioapic_write(Fixture *f, unsigned reg, uint32_t v)
{
    address_space_write_val(&mem_as, IOAPIC_BASE, 4, reg);
    address_space_write_val(&mem_as, IOAPIC_BASE + 0x10, 4, v);
}

static uint32_t ioapic_read(Fixture *f, unsigned reg)
{
    uint64_t v;
    address_space_write_val(&mem_as, IOAPIC_BASE, 1, reg);
    address_space_read_val(&mem_as, IOAPIC_BASE + 0x10, 4, &v);
    return v;
}

static void test_ioapic_registers(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(ioapic_read(f, 0x01), ==, 0x00170011);
    ioapic_write(f, 0x00, 0x0f000000);
    g_assert_cmphex(ioapic_read(f, 0x00), ==, 0x0f000000);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        g_assert_cmphex(ioapic_read(f, 0x10 + 2 * pin), ==, 0x10000);
    }
    /* Delivery status and remote IRR are read-only. */
    ioapic_write(f, 0x10, 0xffffffff);
    g_assert_cmphex(ioapic_read(f, 0x10), ==, 0x1afff);
    ioapic_write(f, 0x11, 0xffffffff);
    g_assert_cmphex(ioapic_read(f, 0x11), ==, 0xff000000);
}

static void test_ioapic_redirection(Fixture *f, gconstpointer data)
{
    apic_enable(f, 0);
    apic_enable(f, 1);
    ioapic_write(f, 0x10 + 2 * 5, 0x35);            /* fixed, edge, dest 0 */
    ioapic_write(f, 0x11 + 2 * 6, 1u << 24);        /* pin 6 to CPU 1 */
    ioapic_write(f, 0x10 + 2 * 6, 0x36);
    ioapic_set_irq(f->ioapic, 5, 1);
    g_assert_cmpint(ack(f, 0), ==, 0x35);
    ioapic_set_irq(f->ioapic, 5, 1);                /* no new edge */
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    ioapic_set_irq(f->ioapic, 5, 0);
    ioapic_set_irq(f->ioapic, 6, 1);
    g_assert_cmpint(ack(f, 1), ==, 0x36);
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    /* A masked edge is lost. */
    ioapic_write(f, 0x10 + 2 * 5, 0x10035);
    ioapic_set_irq(f->ioapic, 5, 1);
    ioapic_set_irq(f->ioapic, 5, 0);
    ioapic_write(f, 0x10 + 2 * 5, 0x35);
    g_assert_false(apic_has_interrupt(f->cpu[0]));
    /* Logical destination, lowest priority. */
    apic_reg_write(f->apic[0], 0xd0, 0x01000000);
    apic_reg_write(f->apic[1], 0xd0, 0x02000000);
    ioapic_write(f, 0x11 + 2 * 7, 0x02000000);
    ioapic_write(f, 0x10 + 2 * 7, 0x0937);          /* lowest, logical */
    ioapic_set_irq(f->ioapic, 7, 1);
    g_assert_cmpint(ack(f, 1), ==, 0x37);
    /* NMI delivery. */
    ioapic_write(f, 0x10 + 2 * 8, 0x0400);
    ioapic_set_irq(f->ioapic, 8, 1);
    g_assert_true(apic_take_nmi(f->cpu[0]));
}

static void test_ioapic_level(Fixture *f, gconstpointer data)
{
    APICState *a = f->apic[0];
    CPUState *cpu = f->cpu[0];
    apic_enable(f, 0);
    /* Asserted while masked: delivered once unmasked. */
    ioapic_write(f, 0x10 + 2 * 9, 0x18049);         /* level, masked */
    ioapic_set_irq(f->ioapic, 9, 1);
    g_assert_false(apic_has_interrupt(cpu));
    ioapic_write(f, 0x10 + 2 * 9, 0x8049);
    g_assert_cmphex(ioapic_read(f, 0x10 + 2 * 9), ==, 0xc049);  /* remote IRR */
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x49);
    g_assert_cmphex(apic_reg_read(a, 0x180 + 0x20), ==, 1u << 9);    /* TMR */
    /* Still asserted: nothing more until the EOI. */
    ioapic_set_irq(f->ioapic, 9, 1);
    g_assert_false(apic_has_interrupt(cpu));
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x49);  /* sent again */
    ioapic_set_irq(f->ioapic, 9, 0);
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmphex(ioapic_read(f, 0x10 + 2 * 9), ==, 0x8049);
    g_assert_false(apic_has_interrupt(cpu));
    /* An edge interrupt's EOI does not touch the IOAPIC. */
    ioapic_write(f, 0x10 + 2 * 10, 0x804a);
    ioapic_set_irq(f->ioapic, 10, 1);
    send_fixed(0, 0x60);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x60);
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmphex(ioapic_read(f, 0x10 + 2 * 10), ==, 0xc04a);
    g_assert_cmpint(apic_get_interrupt(cpu), ==, 0x4a);
    apic_reg_write(a, 0xb0, 0);
    g_assert_cmphex(ioapic_read(f, 0x10 + 2 * 10), ==, 0xc04a);   /* held */
}

#define ADD(path, fn) \
    g_test_add("/intc/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    main_loop_init();
    memory_region_init(&mem, NULL, "test-mem", 1ULL << 32);
    address_space_init(&mem_as, &mem, "test-mem");
    ADD("pic/init", test_pic_init);
    ADD("pic/priorities", test_pic_priorities);
    ADD("pic/eoi-kinds", test_pic_eoi_kinds);
    ADD("pic/level-edge", test_pic_level_edge);
    ADD("pic/cascade", test_pic_cascade);
    ADD("pic/poll", test_pic_poll);
    ADD("apic/reset-values", test_apic_reset_values);
    ADD("apic/tpr-ppr", test_apic_tpr_ppr);
    ADD("apic/nesting", test_apic_nesting);
    ADD("apic/ipi", test_apic_ipi);
    ADD("apic/init-sipi", test_apic_init_sipi);
    ADD("apic/timer", test_apic_timer);
    ADD("apic/mmio-msi", test_apic_mmio_msi);
    ADD("apic/extint", test_apic_extint);
    ADD("ioapic/registers", test_ioapic_registers);
    ADD("ioapic/redirection", test_ioapic_redirection);
    ADD("ioapic/level", test_ioapic_level);
    return g_test_run();
}
