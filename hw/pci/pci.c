/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI bus and the common part of every PCI function (PCI Local Bus
 * 3.0, chapter 6): configuration header, BAR sizing and mapping, INTx.
 */
#include "vireo/pci.h"
#include <string.h>

static int pci_dev_map_irq_default(PCIDevice *d, int pin)
{
    return (PCI_SLOT(d->devfn) + pin) % 4;
}

static char *pci_get_dev_path(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    return g_strdup_printf("0000:00:%02x.%x", PCI_SLOT(d->devfn),
                           PCI_FUNC(d->devfn));
}

/* The header every PCI function has, from its type's PCIIds. */
static void pci_init_config(PCIDevice *d)
{
    DeviceState *dev = DEVICE(d);
    const PCIIds *ids = DEVICE_GET_CLASS(dev)->bus_info;
    if (ids) {
        pci_set_word(d->config + PCI_VENDOR_ID, ids->vendor_id);
        pci_set_word(d->config + PCI_DEVICE_ID, ids->device_id);
        d->config[PCI_REVISION_ID] = ids->revision;
        d->config[PCI_CLASS_PROG] = ids->prog_if;
        pci_set_word(d->config + PCI_CLASS_DEVICE, ids->class_id);
        pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID,
                     ids->subsystem_vendor_id ? ids->subsystem_vendor_id
                                              : 0x1af4);
        pci_set_word(d->config + PCI_SUBSYSTEM_ID,
                     ids->subsystem_id ? ids->subsystem_id : 0x1100);
        d->config[PCI_INTERRUPT_PIN] = ids->interrupt_pin;
    }
    if (d->multifunction) {
        d->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    d->wmask[0x0c] = 0xff;      /* cache line size */
    d->wmask[0x0d] = 0xff;      /* latency timer */
    pci_set_word(d->w1cmask + PCI_STATUS, 0xf900);   /* error bits */
}

static bool pci_bus_plug(BusState *b, DeviceState *dev, GError **errp)
{
    PCIBus *bus = PCI_BUS(b);
    PCIDevice *d = PCI_DEVICE(dev);
    if (d->devfn < 0) {
        for (int slot = 0; slot < 32; slot++) {
            if (!bus->devices[PCI_DEVFN(slot, 0)]) {
                d->devfn = PCI_DEVFN(slot, 0);
                break;
            }
        }
        if (d->devfn < 0) {
            error_setg(errp, "PCI: no slot/function available for %s, all in use",
                       object_get_typename(OBJECT(dev)));
            return false;
        }
    } else if (d->devfn > 255) {
        error_setg(errp, "PCI: invalid address 0x%x", d->devfn);
        return false;
    } else if (bus->devices[d->devfn]) {
        error_setg(errp, "PCI: slot %d function %d not available for %s, in use "
                   "by %s", PCI_SLOT(d->devfn), PCI_FUNC(d->devfn),
                   object_get_typename(OBJECT(dev)),
                   object_get_typename(OBJECT(bus->devices[d->devfn])));
        return false;
    }
    bus->devices[d->devfn] = d;
    d->bus = bus;
    pci_init_config(d);
    return true;
}

static void pci_bus_unplug(BusState *b, DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    PCIBus *bus = PCI_BUS(b);
    if (d->devfn >= 0 && d->devfn < 256 && bus->devices[d->devfn] == d) {
        bus->devices[d->devfn] = NULL;
    }
}

static void pci_reset_device(BusState *bus, DeviceState *dev);

static void pci_bus_class_init(ObjectClass *klass, const void *data)
{
    BusClass *bc = (BusClass *)klass;
    bc->plug = pci_bus_plug;
    bc->unplug = pci_bus_unplug;
    bc->get_dev_path = pci_get_dev_path;
    bc->reset_device = pci_reset_device;
}

static const TypeInfo pci_bus_type = {
    .name = TYPE_PCI_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(PCIBus),
    .class_init = pci_bus_class_init,
};
TYPE_REGISTER(pci_bus_type)

PCIBus *pci_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                    MemoryRegion *io, PCIMapIrqFn map_irq, PCISetIrqFn set_irq,
                    void *irq_opaque)
{
    PCIBus *bus = PCI_BUS(bus_new(TYPE_PCI_BUS, host, name));
    bus->mem = mem;
    bus->io = io;
    bus->map_irq = map_irq ? map_irq : pci_dev_map_irq_default;
    bus->set_irq = set_irq;
    bus->irq_opaque = irq_opaque;
    return bus;
}

/* --- BARs --- */

static uint64_t bar_address(PCIDevice *d, int n)
{
    PCIBar *bar = &d->bars[n];
    uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    if (bar->type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return UINT64_MAX;
        }
        uint64_t a = pci_get_long(d->config + off) & ~3u & ~(bar->size - 1);
        return a && a + bar->size <= 0x10000 ? a : UINT64_MAX;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return UINT64_MAX;
    }
    uint64_t a = pci_get_long(d->config + off) & ~0xfu;
    if (bar->type & PCI_BAR_MEM64) {
        a |= (uint64_t)pci_get_long(d->config + off + 4) << 32;
    }
    a &= ~(bar->size - 1);
    /* Unprogrammed (0) or all-ones sizing values are not mappings: a BAR
     * must end below 4 GiB (32-bit) or 2^64 (64-bit), as in QEMU. */
    uint64_t last = a + bar->size - 1;
    uint64_t limit = bar->type & PCI_BAR_MEM64 ? UINT64_MAX : UINT32_MAX;
    return a && last > a && last < limit ? a : UINT64_MAX;
}

static void pci_update_mappings(PCIDevice *d)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &d->bars[n];
        if (!bar->size) {
            continue;
        }
        uint64_t a = bar_address(d, n);
        if (a == bar->mapped) {
            continue;
        }
        MemoryRegion *space = bar->type & PCI_BAR_IO ? d->bus->io : d->bus->mem;
        if (bar->mapped != UINT64_MAX) {
            memory_region_del_subregion(space, bar->mr);
        }
        bar->mapped = a;
        if (a != UINT64_MAX) {
            memory_region_add_subregion_overlap(space, a, bar->mr, 1);
        }
    }
    memory_region_transaction_commit();
}

void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr)
{
    g_assert(n >= 0 && n < PCI_NUM_BARS && mr->size &&
             !(mr->size & (mr->size - 1)));
    PCIBar *bar = &d->bars[n];
    uint64_t size = MAX(mr->size, (type & PCI_BAR_IO) ? 4 : 16);
    bar->size = size;
    bar->type = type;
    bar->mr = mr;
    bar->mapped = UINT64_MAX;
    uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
    pci_set_long(d->config + off, type);
    uint64_t wmask = ~(size - 1);
    pci_set_long(d->wmask + off, (uint32_t)wmask & (type & PCI_BAR_IO ? ~3u : ~0xfu));
    if (type & PCI_BAR_MEM64) {
        pci_set_long(d->wmask + off + 4, wmask >> 32);
    }
}

/* --- Configuration space --- */

uint32_t pci_default_config_read(PCIDevice *d, uint32_t addr, int len)
{
    uint32_t v = 0;
    memcpy(&v, d->config + addr, len);
    return v;
}

void pci_default_config_write(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    bool bars_touched = false;
    for (int i = 0; i < len; i++, val >>= 8) {
        uint32_t a = addr + i;
        uint8_t wm = d->wmask[a], w1c = d->w1cmask[a];
        d->config[a] = (d->config[a] & ~wm) | (val & wm);
        d->config[a] &= ~(val & w1c);
        bars_touched |= (a >= PCI_BASE_ADDRESS_0 && a < 0x28) ||
                        a == PCI_COMMAND || a == PCI_COMMAND + 1;
    }
    if (bars_touched) {
        pci_update_mappings(d);
    }
    if (addr <= PCI_COMMAND + 1 && addr + len > PCI_COMMAND + 1) {
        pci_set_irq(d, d->irq_level);   /* INTx disable may have changed */
    }
}

uint32_t pci_config_read(PCIBus *bus, int devfn, uint32_t addr, int len)
{
    PCIDevice *d = devfn >= 0 && devfn < 256 ? bus->devices[devfn] : NULL;
    if (!d || addr + len > 256) {
        return len == 4 ? 0xffffffff : (1u << (len * 8)) - 1;
    }
    return d->config_read ? d->config_read(d, addr, len)
                          : pci_default_config_read(d, addr, len);
}

void pci_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t val,
                      int len)
{
    PCIDevice *d = devfn >= 0 && devfn < 256 ? bus->devices[devfn] : NULL;
    if (!d || addr + len > 256) {
        return;
    }
    if (d->config_write) {
        d->config_write(d, addr, val, len);
    } else {
        pci_default_config_write(d, addr, val, len);
    }
}

/* --- INTx --- */

void pci_set_irq(PCIDevice *d, int level)
{
    int pin = d->config[PCI_INTERRUPT_PIN];
    bool disabled = pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
    d->irq_level = level;
    if (level) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    bool out = level && !disabled;
    if (!pin || !d->bus || !d->bus->set_irq || out == d->irq_asserted) {
        return;
    }
    /* Several functions may share a host input: it is the OR of them. */
    int irq = d->bus->map_irq(d, pin - 1);
    d->irq_asserted = out;
    d->bus->irq_count[irq] += out ? 1 : -1;
    d->bus->set_irq(d->bus->irq_opaque, irq, d->bus->irq_count[irq] > 0);
}

/* --- The PCI function base type --- */

static void pci_device_init(Object *obj)
{
    PCIDevice *d = PCI_DEVICE(obj);
    d->devfn = -1;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        d->bars[n].mapped = UINT64_MAX;
    }
}

static void pci_reset_device(BusState *bus, DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    pci_set_irq(d, 0);
    pci_set_word(d->config + PCI_COMMAND, 0);
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (d->bars[n].size) {
            uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
            pci_set_long(d->config + off, d->bars[n].type);
            if (d->bars[n].type & PCI_BAR_MEM64) {
                pci_set_long(d->config + off + 4, 0);
            }
        }
    }
    pci_update_mappings(d);
}

/* "addr" is "slot[.fn]" in hex, as -device ...,addr=03.0 */
static JsonNode *addr_get(Object *obj, ObjectProperty *p, GError **errp)
{
    PCIDevice *d = PCI_DEVICE(obj);
    g_autofree char *s = d->devfn < 0 ? g_strdup("")
        : g_strdup_printf("%02x.%x", PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
    return json_node_init_string(json_node_alloc(), s);
}

static bool addr_set(Object *obj, ObjectProperty *p, JsonNode *v, GError **errp)
{
    PCIDevice *d = PCI_DEVICE(obj);
    if (DEVICE(obj)->realized) {
        error_setg(errp, "Attempt to set property 'addr' after it was realized");
        return false;
    }
    if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_INT64) {
        d->devfn = json_node_get_int(v);
        return true;
    }
    const char *s;
    if (!json_node_to_str(v, "addr", &s, errp)) {
        return false;
    }
    char *end;
    unsigned long slot = strtoul(s, &end, 16), fn = 0;
    if (*end == '.') {
        fn = strtoul(end + 1, &end, 16);
    }
    if (end == s || *end || slot > 31 || fn > 7) {
        error_setg(errp, "Property '%s.addr' doesn't take value '%s'",
                   object_get_typename(obj), s);
        return false;
    }
    d->devfn = PCI_DEVFN(slot, fn);
    return true;
}

static void pci_device_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->bus_type = TYPE_PCI_BUS;
    object_class_property_add(klass, "addr", "int32", addr_get, addr_set, NULL);
}

static const Property pci_device_props[] = {
    PROP_BOOL("multifunction", PCIDevice, multifunction, false),
    PROP_END
};

static const DeviceInfo pci_device_info = {
    .name = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCIDevice),
    .abstract = true,
    .props = pci_device_props,
    .init = pci_device_init,
    .class_init = pci_device_class_init,
};
DEVICE_REGISTER(pci_device_info)

PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type,
                             GError **errp)
{
    DeviceState *dev = device_new(type, errp);
    if (!dev) {
        return NULL;
    }
    PCI_DEVICE(dev)->devfn = devfn;
    if (!device_realize_on_bus(dev, &bus->parent_obj, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));
    return PCI_DEVICE(dev);
}
