/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O APIC (Intel 82093AA datasheet): 24 input pins, each turned into an
 * interrupt message by its redirection table entry; IOREGSEL/IOWIN access;
 * remote IRR for level-triggered pins, cleared by a local APIC's EOI.
 */
#include "vireo/x86-intc.h"
#include "vireo/log.h"

struct IOAPICState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    /* Saved state. */
    uint8_t id;
    uint8_t ioregsel;
    uint32_t irr;               /* asserted pins */
    uint64_t redir[IOAPIC_NUM_PINS];
};

#define IOAPIC(obj) OBJECT_CHECK(IOAPICState, (obj), TYPE_IOAPIC)

enum { IOREGSEL = 0x00, IOWIN = 0x10 };
enum { REG_ID = 0x00, REG_VERSION = 0x01, REG_ARB = 0x02, REG_REDIR = 0x10 };
#define IOAPIC_VERSION 0x11

/* Redirection table entry fields. */
#define RTE_VECTOR(e)    ((uint8_t)(e))
#define RTE_MODE(e)      ((int)((e) >> 8) & 7)
#define RTE_LOGICAL      (1ULL << 11)
#define RTE_DELIVS       (1ULL << 12)
#define RTE_POLARITY     (1ULL << 13)
#define RTE_REMOTE_IRR   (1ULL << 14)
#define RTE_LEVEL        (1ULL << 15)
#define RTE_MASKED       (1ULL << 16)
#define RTE_DEST(e)      ((uint8_t)((e) >> 56))
#define RTE_READ_ONLY    (RTE_DELIVS | RTE_REMOTE_IRR)
#define RTE_WRITABLE     (0xff000000000000ffULL | 0x1af00ULL)

static GPtrArray *ioapics;      /* every IOAPIC, for the EOI broadcast */

static void ioapic_send(IOAPICState *s, int pin)
{
    uint64_t e = s->redir[pin];
    log_mask_printf(LOG_INT, "ioapic: pin %d -> vector 0x%x mode %d dest 0x%x\n",
                    pin, RTE_VECTOR(e), RTE_MODE(e), RTE_DEST(e));
    apic_deliver_irq(RTE_DEST(e), e & RTE_LOGICAL, RTE_MODE(e), RTE_VECTOR(e),
                     e & RTE_LEVEL);
}

/* Level-triggered pins that are asserted, unmasked and not awaiting EOI
 * send their message (again). */
static void ioapic_service(IOAPICState *s)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t *e = &s->redir[pin];
        if (!(s->irr & (1u << pin)) || (*e & (RTE_MASKED | RTE_REMOTE_IRR)) ||
            !(*e & RTE_LEVEL)) {
            continue;
        }
        /* ExtINT and NMI messages have no EOI. */
        if (RTE_MODE(*e) == APIC_DM_FIXED || RTE_MODE(*e) == APIC_DM_LOWEST) {
            *e |= RTE_REMOTE_IRR;
        }
        ioapic_send(s, pin);
    }
}

void ioapic_set_irq(IOAPICState *s, int pin, int level)
{
    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        return;
    }
    uint32_t bit = 1u << pin;
    bool rising = level && !(s->irr & bit);
    s->irr = level ? s->irr | bit : s->irr & ~bit;
    uint64_t e = s->redir[pin];
    if (e & RTE_LEVEL) {
        ioapic_service(s);
    } else if (rising && !(e & RTE_MASKED)) {
        ioapic_send(s, pin);        /* masked edges are lost */
    }
}

void ioapic_eoi_broadcast(int vector)
{
    for (guint i = 0; ioapics && i < ioapics->len; i++) {
        IOAPICState *s = ioapics->pdata[i];
        for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
            uint64_t *e = &s->redir[pin];
            if ((*e & RTE_REMOTE_IRR) && RTE_VECTOR(*e) == vector) {
                *e &= ~RTE_REMOTE_IRR;
            }
        }
        ioapic_service(s);
    }
}

static uint32_t ioapic_reg_read(IOAPICState *s)
{
    unsigned reg = s->ioregsel;
    switch (reg) {
    case REG_ID:
    case REG_ARB:
        return (uint32_t)(s->id & 0xf) << 24;
    case REG_VERSION:
        return (IOAPIC_NUM_PINS - 1) << 16 | IOAPIC_VERSION;
    }
    unsigned index = (reg - REG_REDIR) / 2;
    if (reg < REG_REDIR || index >= IOAPIC_NUM_PINS) {
        return 0;
    }
    uint64_t e = s->redir[index];
    return reg & 1 ? e >> 32 : (uint32_t)e;
}

static void ioapic_reg_write(IOAPICState *s, uint32_t val)
{
    unsigned reg = s->ioregsel;
    if (reg == REG_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    unsigned index = (reg - REG_REDIR) / 2;
    if (reg < REG_REDIR || index >= IOAPIC_NUM_PINS) {
        return;                     /* version, arbitration: read-only */
    }
    uint64_t *e = &s->redir[index];
    uint64_t v = reg & 1 ? ((uint64_t)val << 32) | (uint32_t)*e
                         : (*e & 0xffffffff00000000ULL) | val;
    *e = (*e & RTE_READ_ONLY) | (v & RTE_WRITABLE);
    if (!(*e & RTE_LEVEL)) {
        *e &= ~RTE_REMOTE_IRR;
    }
    ioapic_service(s);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    IOAPICState *s = opaque;
    switch (addr) {
    case IOREGSEL:
        return s->ioregsel;
    case IOWIN:
        return ioapic_reg_read(s);
    }
    return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t addr, uint64_t data,
                              unsigned size)
{
    IOAPICState *s = opaque;
    switch (addr) {
    case IOREGSEL:
        s->ioregsel = data;
        break;
    case IOWIN:
        ioapic_reg_write(s, data);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: write to offset 0x%"
                        G_GINT64_MODIFIER "x ignored\n", addr);
    }
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* Power-on: every pin masked. */
static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);
    s->id = 0;
    s->ioregsel = 0;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        s->redir[pin] = RTE_MASKED;
    }
}

static bool ioapic_realize(DeviceState *dev, GError **errp)
{
    IOAPICState *s = IOAPIC(dev);
    memory_region_init_io(&s->mmio, OBJECT(s), &ioapic_mmio_ops, s, "ioapic",
                          0x1000);
    if (!ioapics) {
        ioapics = g_ptr_array_new();
    }
    g_ptr_array_add(ioapics, s);
    ioapic_reset(dev);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);
    if (s->mmio.container) {
        memory_region_del_subregion(s->mmio.container, &s->mmio);
    }
    g_ptr_array_remove(ioapics, s);
}

IOAPICState *ioapic_init(MemoryRegion *container, uint64_t addr, GError **errp)
{
    DeviceState *dev = device_new(TYPE_IOAPIC, errp);
    if (!dev) {
        return NULL;
    }
    if (!device_realize_on_bus(dev, NULL, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));
    IOAPICState *s = IOAPIC(dev);
    memory_region_add_subregion(container, addr, &s->mmio);
    return s;
}

static const VMStateField ioapic_fields[] = {
    VMSTATE_U8(id, IOAPICState),
    VMSTATE_U8(ioregsel, IOAPICState),
    VMSTATE_U32(irr, IOAPICState),
    VMSTATE_U64_ARRAY(redir, IOAPICState, IOAPIC_NUM_PINS),
    VMSTATE_END
};

static const VMStateDescription ioapic_vmstate = {
    .name = "ioapic",
    .version = 1,
    .minimum_version = 1,
    .fields = ioapic_fields,
};

static const DeviceInfo ioapic_info = {
    .name = TYPE_IOAPIC,
    .instance_size = sizeof(IOAPICState),
    .desc = "Intel 82093AA I/O APIC",
    .vmsd = &ioapic_vmstate,
    .realize = ioapic_realize,
    .unrealize = ioapic_unrealize,
    .reset = ioapic_reset,
};
DEVICE_REGISTER(ioapic_info)
