/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISA bus of the PC: an I/O port space shared by its devices and the
 * sixteen interrupt lines of the 8259 pair, both provided by the machine.
 */
#include "vireo/isa.h"

static const TypeInfo isa_bus_type = {
    .name = TYPE_ISA_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(ISABus),
};
TYPE_REGISTER(isa_bus_type)

/* Every ISA device type derives from this one and so plugs into "ISA". */
static void isa_device_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->bus_type = TYPE_ISA_BUS;
}

static const DeviceInfo isa_device_type = {
    .name = TYPE_ISA_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(ISADevice),
    .desc = "ISA device",
    .abstract = true,
    .class_init = isa_device_class_init,
};
DEVICE_REGISTER(isa_device_type)

ISABus *isa_bus_new(DeviceState *parent, MemoryRegion *io, IrqLine *irqs)
{
    /* Named by the bus core: "isa.0", as QEMU's. */
    ISABus *bus = ISA_BUS(bus_new(TYPE_ISA_BUS, parent, NULL));

    bus->address_space_io = io;
    bus->irqs = irqs;
    return bus;
}

ISABus *isa_bus_of(ISADevice *dev)
{
    BusState *bus = DEVICE(dev)->parent_bus;

    if (!bus || !object_dynamic_cast(OBJECT(bus), TYPE_ISA_BUS)) {
        return NULL;
    }
    return ISA_BUS(bus);
}

bool isa_device_check_bus(ISADevice *dev, GError **errp)
{
    ISABus *bus = isa_bus_of(dev);

    if (!bus || !bus->address_space_io) {
        error_setg(errp, "'%s' must be plugged into an ISA bus",
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    return true;
}

IrqLine *isa_get_irq(ISADevice *dev, int n)
{
    ISABus *bus = isa_bus_of(dev);

    if (!bus || !bus->irqs || n < 0 || n >= ISA_NUM_IRQS) {
        return NULL;
    }
    return &bus->irqs[n];
}

void isa_register_ioport_overlap(ISADevice *dev, MemoryRegion *io,
                                 uint16_t port, int priority)
{
    ISABus *bus = isa_bus_of(dev);

    /* Realize checked the bus (isa_device_check_bus). */
    g_assert(bus && bus->address_space_io);
    memory_region_add_subregion_overlap(bus->address_space_io, port, io,
                                        priority);
}

void isa_register_ioport(ISADevice *dev, MemoryRegion *io, uint16_t port)
{
    isa_register_ioport_overlap(dev, io, port, 0);
}

void isa_unregister_ioport(ISADevice *dev, MemoryRegion *io)
{
    if (io->container) {
        memory_region_del_subregion(io->container, io);
    }
}

ISADevice *isa_create_simple(ISABus *bus, const char *type, GError **errp)
{
    DeviceState *dev;

    if (!bus) {
        BusState *found = bus_find(TYPE_ISA_BUS);
        if (!found) {
            error_setg(errp, "'%s' needs an ISA bus, and the machine has none",
                       type);
            return NULL;
        }
        bus = ISA_BUS(found);
    }
    dev = device_new(type, errp);
    if (!dev) {
        return NULL;
    }
    if (!object_dynamic_cast(OBJECT(dev), TYPE_ISA_DEVICE)) {
        error_setg(errp, "'%s' is not an ISA device", type);
        object_unref(OBJECT(dev));
        return NULL;
    }
    if (!device_realize_on_bus(dev, &bus->parent_obj, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));      /* the /machine tree holds it now */
    return ISA_DEVICE(dev);
}
