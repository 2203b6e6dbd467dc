/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The 8259A programmable interrupt controller, one chip per device, cascaded
 * as in the PC (Intel 8259A datasheet: ICW1-4, OCW1-3, poll, special mask,
 * auto-EOI, rotation), with the PIIX edge/level control register (ELCR).
 */
#include "vireo/x86-intc.h"
#include "vireo/log.h"

struct PICState {
    ISADevice parent_obj;
    MemoryRegion io, elcr_io;
    /* Properties. */
    uint32_t iobase, elcr_addr;
    uint8_t elcr_mask;
    bool master;
    /* Wiring: INT goes to the CPU (master) or to the master's IR2 (slave). */
    IrqLine *int_out;
    PICState *slave;
    IrqLine cascade;            /* master: the line the slave's INT drives */
    int int_level;
    /* Saved state. */
    uint8_t irr, imr, isr;
    uint8_t lines;              /* input pin levels, for edge detection */
    uint8_t elcr;
    uint8_t vector_base;
    uint8_t priority_add;       /* the IR that has the highest priority */
    uint8_t init_step;          /* 0: operational; 2, 3, 4: ICW expected */
    bool icw4_needed, single, ltim;
    bool auto_eoi, rotate_auto_eoi, special_fully_nested;
    bool special_mask, poll, read_isr;
};

#define PIC(obj) OBJECT_CHECK(PICState, (obj), TYPE_I8259)

enum {
    ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_LTIM = 0x08, ICW1 = 0x10,
    ICW4_8086 = 0x01, ICW4_AEOI = 0x02, ICW4_SFNM = 0x10,
    OCW3 = 0x08, OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_POLL = 0x04,
    OCW3_SMM = 0x20, OCW3_ESMM = 0x40,
    CASCADE_IRQ = 2,
};

/* OCW2 commands, bits 7:5. */
enum {
    OCW2_CLEAR_ROTATE_AEOI = 0, OCW2_EOI = 1, OCW2_NOP = 2,
    OCW2_SPECIFIC_EOI = 3, OCW2_SET_ROTATE_AEOI = 4, OCW2_ROTATE_EOI = 5,
    OCW2_SET_PRIORITY = 6, OCW2_ROTATE_SPECIFIC_EOI = 7,
};

static uint8_t level_mask(PICState *s)
{
    return s->ltim ? 0xff : s->elcr;
}

/* Rank 0 (highest) .. 7 of the highest-priority IR set in `mask`; 8: none. */
static int pic_rank(PICState *s, uint8_t mask)
{
    for (int rank = 0; rank < 8; rank++) {
        if (mask & (1u << ((rank + s->priority_add) & 7))) {
            return rank;
        }
    }
    return 8;
}

/* The IR that may interrupt now: requested, unmasked, above what is in
 * service; -1 if none. */
static int pic_pending_irq(PICState *s)
{
    int req = pic_rank(s, s->irr & ~s->imr);
    if (req == 8) {
        return -1;
    }
    uint8_t in_service = s->isr;
    if (s->special_mask) {
        in_service &= ~s->imr;
    }
    if (s->master && s->special_fully_nested) {
        in_service &= ~(1u << CASCADE_IRQ);
    }
    if (req >= pic_rank(s, in_service)) {
        return -1;
    }
    return (req + s->priority_add) & 7;
}

static void pic_update(PICState *s)
{
    int level = pic_pending_irq(s) >= 0;
    if (level != s->int_level) {
        s->int_level = level;
        irq_set(s->int_out, level);
    }
}

static void pic_set_input(PICState *s, int irq, int level)
{
    uint8_t bit = 1u << irq;
    if (level_mask(s) & bit) {
        s->irr = level ? s->irr | bit : s->irr & ~bit;
    } else if (level && !(s->lines & bit)) {
        s->irr |= bit;              /* rising edge */
    }
    s->lines = level ? s->lines | bit : s->lines & ~bit;
    pic_update(s);
}

/* The slave's INT pin is the master's IR2. */
static void pic_cascade_handler(void *opaque, int n, int level)
{
    pic_set_input(opaque, CASCADE_IRQ, level);
}

/* One chip's part of INTA: the IR goes in service (or not, in auto-EOI). */
static void pic_ack(PICState *s, int irq)
{
    uint8_t bit = 1u << irq;
    if (s->auto_eoi) {
        if (s->rotate_auto_eoi) {
            s->priority_add = (irq + 1) & 7;
        }
    } else {
        s->isr |= bit;
    }
    if (!(level_mask(s) & bit)) {
        s->irr &= ~bit;             /* edge requests are consumed */
    }
}

int i8259_intack(PICState *m)
{
    int irq = pic_pending_irq(m);
    int vector;
    if (irq < 0) {
        vector = m->vector_base + 7;            /* spurious IR7 */
    } else {
        pic_ack(m, irq);
        if (irq == CASCADE_IRQ && m->slave && !m->single) {
            PICState *sl = m->slave;
            int irq2 = pic_pending_irq(sl);
            if (irq2 >= 0) {
                pic_ack(sl, irq2);
            } else {
                irq2 = 7;                       /* spurious IR15 */
            }
            vector = sl->vector_base + irq2;
            pic_update(sl);
        } else {
            vector = m->vector_base + irq;
        }
    }
    pic_update(m);
    log_mask_printf(LOG_INT, "i8259: acknowledged vector 0x%x\n", vector);
    return vector;
}

void i8259_set_irq(PICState *m, int irq, int level)
{
    if (irq < 0 || irq >= 16) {
        return;
    }
    if (irq >= 8) {
        if (m->slave) {
            pic_set_input(m->slave, irq - 8, level);
        }
        return;
    }
    pic_set_input(m, irq, level);
}

/* Poll command: the next read of the command port acknowledges. */
static uint8_t pic_poll(PICState *s)
{
    int irq = pic_pending_irq(s);
    if (irq < 0) {
        return 0;
    }
    pic_ack(s, irq);
    pic_update(s);
    return 0x80 | irq;
}

static void pic_eoi(PICState *s, int cmd, int level)
{
    if (cmd == OCW2_EOI || cmd == OCW2_ROTATE_EOI) {
        int rank = pic_rank(s, s->isr);
        if (rank == 8) {
            return;
        }
        level = (rank + s->priority_add) & 7;
    }
    s->isr &= ~(1u << level);
    if (cmd == OCW2_ROTATE_EOI || cmd == OCW2_ROTATE_SPECIFIC_EOI) {
        s->priority_add = (level + 1) & 7;
    }
}

static void pic_write_ocw2(PICState *s, uint8_t data)
{
    int cmd = data >> 5, level = data & 7;
    switch (cmd) {
    case OCW2_CLEAR_ROTATE_AEOI:
    case OCW2_SET_ROTATE_AEOI:
        s->rotate_auto_eoi = cmd == OCW2_SET_ROTATE_AEOI;
        break;
    case OCW2_SET_PRIORITY:
        s->priority_add = (level + 1) & 7;
        break;
    case OCW2_NOP:
        break;
    default:
        pic_eoi(s, cmd, level);
        break;
    }
}

static void pic_write_ocw3(PICState *s, uint8_t data)
{
    if (data & OCW3_POLL) {
        s->poll = true;
    }
    if (data & OCW3_RR) {
        s->read_isr = data & OCW3_RIS;
    }
    if (data & OCW3_ESMM) {
        s->special_mask = data & OCW3_SMM;
    }
}

/* ICW1: the chip starts over; edge requests need a new rising edge. */
static void pic_write_icw1(PICState *s, uint8_t data)
{
    s->icw4_needed = data & ICW1_IC4;
    s->single = data & ICW1_SNGL;
    s->ltim = data & ICW1_LTIM;
    s->imr = s->isr = 0;
    s->irr = s->lines & level_mask(s);
    s->priority_add = 0;
    s->special_mask = s->poll = s->read_isr = false;
    s->auto_eoi = s->rotate_auto_eoi = s->special_fully_nested = false;
    s->init_step = 2;
}

static void pic_write_data(PICState *s, uint8_t data)
{
    switch (s->init_step) {
    case 2:
        s->vector_base = data & 0xf8;
        s->init_step = !s->single ? 3 : s->icw4_needed ? 4 : 0;
        break;
    case 3:
        /* ICW3: the PC's cascade is fixed on IR2. */
        s->init_step = s->icw4_needed ? 4 : 0;
        break;
    case 4:
        if (!(data & ICW4_8086)) {
            log_mask_printf(LOG_UNIMP, "i8259: 8080/8085 mode not supported\n");
        }
        s->auto_eoi = data & ICW4_AEOI;
        s->special_fully_nested = data & ICW4_SFNM;
        s->init_step = 0;
        break;
    default:
        s->imr = data;              /* OCW1 */
        break;
    }
}

static void pic_io_write(void *opaque, uint64_t addr, uint64_t data,
                         unsigned size)
{
    PICState *s = opaque;
    if (addr == 1) {
        pic_write_data(s, data);
    } else if (data & ICW1) {
        pic_write_icw1(s, data);
    } else if (data & OCW3) {
        pic_write_ocw3(s, data);
    } else {
        pic_write_ocw2(s, data);
    }
    pic_update(s);
}

static uint64_t pic_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PICState *s = opaque;
    if (s->poll) {
        s->poll = false;
        return pic_poll(s);
    }
    if (addr == 1) {
        return s->imr;
    }
    return s->read_isr ? s->isr : s->irr;
}

static const MemoryRegionOps pic_io_ops = {
    .read = pic_io_read,
    .write = pic_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t pic_elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((PICState *)opaque)->elcr;
}

static void pic_elcr_write(void *opaque, uint64_t addr, uint64_t data,
                           unsigned size)
{
    PICState *s = opaque;
    s->elcr = data & s->elcr_mask;
    s->irr = (s->irr & ~level_mask(s)) | (s->lines & level_mask(s));
    pic_update(s);
}

static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* Power-on: uninitialized, all inputs masked, every line edge-triggered. */
static void pic_reset(DeviceState *dev)
{
    PICState *s = PIC(dev);
    s->imr = 0xff;
    s->irr = s->isr = 0;
    s->elcr = 0;
    s->vector_base = 0;
    s->priority_add = 0;
    s->init_step = 0;
    s->icw4_needed = s->single = s->ltim = false;
    s->auto_eoi = s->rotate_auto_eoi = s->special_fully_nested = false;
    s->special_mask = s->poll = s->read_isr = false;
    pic_update(s);
}

static bool pic_realize(DeviceState *dev, GError **errp)
{
    PICState *s = PIC(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    if (s->iobase > 0xfffe || s->elcr_addr > 0xffff) {
        error_setg(errp, "isa-i8259: iobase 0x%x or elcr_addr 0x%x outside "
                   "the I/O space", s->iobase, s->elcr_addr);
        return false;
    }
    s->int_level = -1;
    memory_region_init_io(&s->io, OBJECT(s), &pic_io_ops, s, "pic", 2);
    isa_register_ioport(isa, &s->io, s->iobase);
    memory_region_init_io(&s->elcr_io, OBJECT(s), &pic_elcr_ops, s, "elcr", 1);
    isa_register_ioport(isa, &s->elcr_io, s->elcr_addr);
    pic_reset(dev);
    return true;
}

static void pic_unrealize(DeviceState *dev)
{
    PICState *s = PIC(dev);
    isa_unregister_ioport(ISA_DEVICE(dev), &s->io);
    isa_unregister_ioport(ISA_DEVICE(dev), &s->elcr_io);
    if (s->slave) {
        s->slave->int_out = NULL;
    }
}

static PICState *pic_create(ISABus *bus, bool master, GError **errp)
{
    DeviceState *dev = device_new(TYPE_I8259, errp);
    if (!dev) {
        return NULL;
    }
    Object *o = OBJECT(dev);
    if (!object_property_set_uint(o, "iobase", master ? 0x20 : 0xa0, errp) ||
        !object_property_set_uint(o, "elcr_addr", master ? 0x4d0 : 0x4d1, errp) ||
        !object_property_set_uint(o, "elcr_mask", master ? 0xf8 : 0xde, errp) ||
        !object_property_set_bool(o, "master", master, errp) ||
        !device_realize_on_bus(dev, &bus->parent_obj, errp)) {
        object_unref(o);
        return NULL;
    }
    object_unref(o);            /* the tree holds it */
    return PIC(dev);
}

PICState *i8259_init(ISABus *bus, IrqLine *intr, GError **errp)
{
    PICState *master = pic_create(bus, true, errp);
    PICState *slave = master ? pic_create(bus, false, errp) : NULL;
    if (!slave) {
        return NULL;
    }
    master->int_out = intr;
    master->slave = slave;
    master->cascade = (IrqLine){ .handler = pic_cascade_handler,
                                 .opaque = master, .n = CASCADE_IRQ };
    slave->int_out = &master->cascade;
    return master;
}

static const Property pic_props[] = {
    PROP_UINT32("iobase", PICState, iobase, 0x20),
    PROP_UINT32("elcr_addr", PICState, elcr_addr, 0x4d0),
    PROP_UINT8("elcr_mask", PICState, elcr_mask, 0xf8),
    PROP_BOOL("master", PICState, master, true),
    PROP_END
};

static const VMStateField pic_fields[] = {
    VMSTATE_U8(irr, PICState),
    VMSTATE_U8(imr, PICState),
    VMSTATE_U8(isr, PICState),
    VMSTATE_U8(lines, PICState),
    VMSTATE_U8(elcr, PICState),
    VMSTATE_U8(vector_base, PICState),
    VMSTATE_U8(priority_add, PICState),
    VMSTATE_U8(init_step, PICState),
    VMSTATE_BOOL(icw4_needed, PICState),
    VMSTATE_BOOL(single, PICState),
    VMSTATE_BOOL(ltim, PICState),
    VMSTATE_BOOL(auto_eoi, PICState),
    VMSTATE_BOOL(rotate_auto_eoi, PICState),
    VMSTATE_BOOL(special_fully_nested, PICState),
    VMSTATE_BOOL(special_mask, PICState),
    VMSTATE_BOOL(poll, PICState),
    VMSTATE_BOOL(read_isr, PICState),
    VMSTATE_END
};

static int pic_post_load(void *opaque, int version)
{
    PICState *s = opaque;
    s->int_level = -1;
    pic_update(s);
    return 0;
}

static const VMStateDescription pic_vmstate = {
    .name = "i8259",
    .version = 1,
    .minimum_version = 1,
    .fields = pic_fields,
    .post_load = pic_post_load,
};

static const DeviceInfo pic_info = {
    .name = TYPE_I8259,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PICState),
    .desc = "Intel 8259A programmable interrupt controller",
    .props = pic_props,
    .vmsd = &pic_vmstate,
    .realize = pic_realize,
    .unrealize = pic_unrealize,
    .reset = pic_reset,
};
DEVICE_REGISTER(pic_info)
