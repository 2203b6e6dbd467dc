/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The i440FX host bridge (Intel 82441FX datasheet) with configuration
 * mechanism #1 at 0xCF8/0xCFC, and the PIIX3 PCI-to-ISA bridge function
 * (82371SB datasheet) whose PIRQ route registers steer PCI INTx to ISA IRQs.
 */
#include "vireo/pci.h"
#include "vireo/isa.h"
#include "vireo/pc.h"

typedef struct I440FXHost {
    DeviceState parent_obj;
    uint32_t config_address;     /* 0xCF8 */
    MemoryRegion conf_idx, conf_data;
    PCIBus *bus;
} I440FXHost;

#define I440FX_HOST(obj) OBJECT_CHECK(I440FXHost, (obj), TYPE_I440FX_HOST)

static uint64_t conf_idx_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((I440FXHost *)opaque)->config_address;
}

static void conf_idx_write(void *opaque, uint64_t addr, uint64_t val,
                           unsigned size)
{
    ((I440FXHost *)opaque)->config_address = val & 0x80fffffc;
}

static const MemoryRegionOps conf_idx_ops = {
    .read = conf_idx_read,
    .write = conf_idx_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

/* Enabled, bus 0: the devfn; other buses do not exist (yet). */
static bool conf_target(I440FXHost *h, int *devfn, uint32_t *reg)
{
    uint32_t a = h->config_address;
    if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0) {
        return false;
    }
    *devfn = (a >> 8) & 0xff;
    *reg = a & 0xfc;
    return true;
}

static uint64_t conf_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I440FXHost *h = opaque;
    int devfn;
    uint32_t reg;
    if (!conf_target(h, &devfn, &reg)) {
        return ~0ULL;
    }
    return pci_config_read(h->bus, devfn, reg + addr, size);
}

static void conf_data_write(void *opaque, uint64_t addr, uint64_t val,
                            unsigned size)
{
    I440FXHost *h = opaque;
    int devfn;
    uint32_t reg;
    if (conf_target(h, &devfn, &reg)) {
        pci_config_write(h->bus, devfn, reg + addr, val, size);
    }
}

static const MemoryRegionOps conf_data_ops = {
    .read = conf_data_read,
    .write = conf_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static void i440fx_host_init(Object *obj)
{
    I440FXHost *h = I440FX_HOST(obj);
    memory_region_init_io(&h->conf_idx, obj, &conf_idx_ops, h, "pci-conf-idx", 4);
    memory_region_init_io(&h->conf_data, obj, &conf_data_ops, h,
                          "pci-conf-data", 4);
}

static void i440fx_host_reset(DeviceState *dev)
{
    I440FX_HOST(dev)->config_address = 0;
}

static const VMStateField i440fx_host_fields[] = {
    VMSTATE_U32(config_address, I440FXHost),
    VMSTATE_END
};
static const VMStateDescription i440fx_host_vmsd = {
    .name = "PCIHost", .version = 1, .fields = i440fx_host_fields,
};

static const DeviceInfo i440fx_host_info = {
    .name = TYPE_I440FX_HOST,
    .instance_size = sizeof(I440FXHost),
    .desc = "i440FX PCI host bridge",
    .vmsd = &i440fx_host_vmsd,
    .init = i440fx_host_init,
    .reset = i440fx_host_reset,
};
DEVICE_REGISTER(i440fx_host_info)

/* The host bridge function at 00.0. */
static const PCIIds i440fx_ids = {
    .vendor_id = 0x8086, .device_id = 0x1237, .revision = 0x02,
    .class_id = 0x0600,
};
static const DeviceInfo i440fx_info = {
    .name = "i440FX",
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCIDevice),
    .desc = "Host bridge",
    .bus_info = &i440fx_ids,
};
DEVICE_REGISTER(i440fx_info)

/* --- PIIX3 function 0: PCI-to-ISA bridge --- */

typedef struct PIIX3State {
    PCIDevice parent_obj;
    IrqLine *isa_irqs;          /* the ISA IRQ lines PIRQs are steered to */
    uint16_t driven;            /* ISA IRQs this bridge holds high */
} PIIX3State;

#define PIIX3(obj) OBJECT_CHECK(PIIX3State, (obj), "PIIX3")
#define PIIX_PIRQRC 0x60

/* INTx pin (0 = INTA) of a function to the PIRQ it drives: the PIIX swizzle
 * that SeaBIOS and our ACPI _PRT assume, (slot + pin - 1) & 3. */
static int piix3_map_irq(PCIDevice *d, int pin)
{
    return (PCI_SLOT(d->devfn) + pin - 1) & 3;
}

/* Recomputes the ISA lines from the PIRQ levels and the route registers. */
static void piix3_update(PIIX3State *s)
{
    PCIDevice *d = &s->parent_obj;
    uint16_t targets = 0, high = 0;
    if (!s->isa_irqs || !d->bus) {
        return;
    }
    for (int p = 0; p < 4; p++) {
        uint8_t route = d->config[PIIX_PIRQRC + p];
        if (!(route & 0x80) && route < 16) {
            targets |= 1u << route;
            if (d->bus->irq_count[p] > 0) {
                high |= 1u << route;
            }
        }
    }
    for (int irq = 0; irq < 16; irq++) {
        uint16_t bit = 1u << irq;
        if ((targets | s->driven) & bit && (high & bit) != (s->driven & bit)) {
            irq_set(&s->isa_irqs[irq], !!(high & bit));
        }
    }
    s->driven = high;
}

static void piix3_set_irq(void *opaque, int pirq, int level)
{
    piix3_update(opaque);
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    pci_default_config_write(d, addr, val, len);
    if (addr < PIIX_PIRQRC + 4 && addr + len > PIIX_PIRQRC) {
        piix3_update(PIIX3(d));
    }
}

static void piix3_reset(DeviceState *dev)
{
    PIIX3State *s = PIIX3(dev);
    PCIDevice *d = &s->parent_obj;
    for (int i = 0; i < 4; i++) {
        d->config[PIIX_PIRQRC + i] = 0x80;
    }
    piix3_update(s);
    pci_set_word(d->config + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                 PCI_COMMAND_MASTER);
}

static bool piix3_realize(DeviceState *dev, GError **errp)
{
    PCIDevice *d = PCI_DEVICE(dev);
    for (int i = 0; i < 4; i++) {
        d->wmask[PIIX_PIRQRC + i] = 0x8f;
    }
    d->config_write = piix3_config_write;
    piix3_reset(dev);
    return true;
}

void piix3_connect_irqs(PCIDevice *piix3, IrqLine *isa_irqs)
{
    PIIX3State *s = PIIX3(piix3);
    s->isa_irqs = isa_irqs;
    PCIBus *bus = piix3->bus;
    bus->set_irq = piix3_set_irq;
    bus->irq_opaque = s;
}

static const VMStateField piix3_fields[] = {
    VMSTATE_U8_ARRAY(parent_obj.config, PIIX3State, 256),
    VMSTATE_END
};
static const VMStateDescription piix3_vmsd = {
    .name = "PIIX3", .version = 3, .fields = piix3_fields,
};

static const PCIIds piix3_ids = {
    .vendor_id = 0x8086, .device_id = 0x7000, .class_id = 0x0601,
};
static const DeviceInfo piix3_info = {
    .name = "PIIX3",
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PIIX3State),
    .desc = "ISA bridge",
    .vmsd = &piix3_vmsd,
    .realize = piix3_realize,
    .reset = piix3_reset,
    .bus_info = &piix3_ids,
};
DEVICE_REGISTER(piix3_info)

/* The host, its bus, 00.0 and the PIIX3 at 01.0 with its ISA bus. */
PCIBus *i440fx_init(MemoryRegion *pci_mem, MemoryRegion *io, IrqLine *isa_irqs,
                    ISABus **isa_bus, GError **errp)
{
    DeviceState *host = device_new(TYPE_I440FX_HOST, errp);
    object_property_add_child(object_get_container("machine"), "i440fx",
                              OBJECT(host), NULL);
    if (!device_realize_on_bus(host, NULL, errp)) {
        return NULL;
    }
    object_unref(OBJECT(host));
    I440FXHost *h = I440FX_HOST(host);
    memory_region_add_subregion(io, 0xcf8, &h->conf_idx);
    memory_region_add_subregion(io, 0xcfc, &h->conf_data);
    h->bus = pci_bus_new(host, "pci.0", pci_mem, io, piix3_map_irq, NULL, NULL);
    if (!pci_create_simple(h->bus, PCI_DEVFN(0, 0), "i440FX", errp)) {
        return NULL;
    }
    DeviceState *piix3 = device_new("PIIX3", errp);
    PCI_DEVICE(piix3)->devfn = PCI_DEVFN(1, 0);
    PCI_DEVICE(piix3)->multifunction = true;
    if (!device_realize_on_bus(piix3, &h->bus->parent_obj, errp)) {
        return NULL;
    }
    object_unref(OBJECT(piix3));
    piix3_connect_irqs(PCI_DEVICE(piix3), isa_irqs);
    *isa_bus = isa_bus_new(piix3, io, isa_irqs);
    return h->bus;
}
