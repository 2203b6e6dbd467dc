/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISA bus: legacy devices at fixed I/O ports with IRQ lines 0-15.
 */
#ifndef VIREO_ISA_H
#define VIREO_ISA_H

#include "vireo/device.h"
#include "vireo/memory.h"
#include "vireo/irq.h"

#define TYPE_ISA_BUS "ISA"
#define TYPE_ISA_DEVICE "isa-device"

#define ISA_NUM_IRQS 16

typedef struct ISABus {
    BusState parent_obj;
    MemoryRegion *address_space_io;   /* where devices map their ports */
    IrqLine *irqs;                    /* 16 lines, owned by the machine */
} ISABus;

typedef struct ISADevice {
    DeviceState parent_obj;
} ISADevice;

#define ISA_BUS(obj) OBJECT_CHECK(ISABus, (obj), TYPE_ISA_BUS)
#define ISA_DEVICE(obj) OBJECT_CHECK(ISADevice, (obj), TYPE_ISA_DEVICE)

ISABus *isa_bus_new(DeviceState *parent, MemoryRegion *io, IrqLine *irqs);
ISABus *isa_bus_of(ISADevice *dev);
/* For realize: fails with a clear error when the device sits on no ISA
 * bus with an I/O space (so the functions below have somewhere to map). */
bool isa_device_check_bus(ISADevice *dev, GError **errp);
/* IRQ line `n` (0-15) of the bus a device sits on; NULL (a line that
 * irq_set ignores) for any other n or a device on no bus. */
IrqLine *isa_get_irq(ISADevice *dev, int n);
/* Maps a port region at `port` in the bus's I/O space. */
void isa_register_ioport(ISADevice *dev, MemoryRegion *io, uint16_t port);
/* The same with a priority, for a region that must win over an
 * overlapping one (the 0xcf9 reset register inside 0xcf8-0xcfb). */
void isa_register_ioport_overlap(ISADevice *dev, MemoryRegion *io,
                                 uint16_t port, int priority);
/* Unmaps a region mapped by isa_register_ioport*(); for unrealize. */
void isa_unregister_ioport(ISADevice *dev, MemoryRegion *io);
/* Creates, sets no properties, realizes on `bus` (NULL: the first ISA
 * bus): for the machine's built-in devices. */
ISADevice *isa_create_simple(ISABus *bus, const char *type, GError **errp);

#endif
