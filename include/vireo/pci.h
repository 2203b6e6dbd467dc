/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI (PCI Local Bus 3.0): a bus of up to 32 slots x 8 functions, each
 * function a 256-byte configuration space with BARs that map regions into
 * the bus's memory or I/O space, and INTx lines routed by the host bridge.
 */
#ifndef VIREO_PCI_H
#define VIREO_PCI_H

#include "vireo/device.h"
#include "vireo/memory.h"
#include "vireo/irq.h"

#define TYPE_PCI_BUS "PCI"
#define TYPE_PCI_DEVICE "pci-device"

enum {
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06, PCI_REVISION_ID = 0x08, PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a, PCI_HEADER_TYPE = 0x0e, PCI_BASE_ADDRESS_0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c, PCI_SUBSYSTEM_ID = 0x2e,
    PCI_CAPABILITY_LIST = 0x34, PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
};
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT 0x8
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM64 0x4
#define PCI_BAR_PREFETCH 0x8
#define PCI_NUM_BARS 6
#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))
#define PCI_SLOT(devfn) ((devfn) >> 3)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Identity of a PCI function: DeviceInfo.bus_info of a PCI device type. */
typedef struct PCIIds {
    uint16_t vendor_id, device_id;
    uint16_t subsystem_vendor_id, subsystem_id;
    uint8_t revision;
    uint16_t class_id;            /* base class << 8 | subclass */
    uint8_t prog_if;
    uint8_t interrupt_pin;        /* 0 none, 1 = INTA ... */
} PCIIds;

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIBar {
    uint64_t size;                /* power of two, 0 = unused */
    uint8_t type;                 /* PCI_BAR_IO / PCI_BAR_MEM64 / PREFETCH */
    MemoryRegion *mr;
    uint64_t mapped;              /* where it is mapped, or UINT64_MAX */
} PCIBar;

struct PCIDevice {
    DeviceState parent_obj;
    uint8_t config[256];
    uint8_t wmask[256];           /* bits the guest may change */
    uint8_t w1cmask[256];         /* write-1-to-clear bits */
    int32_t devfn;                /* "addr" property, -1 = first free */
    bool multifunction;
    PCIBus *bus;
    PCIBar bars[PCI_NUM_BARS];
    int irq_level;
    bool irq_asserted;            /* counted in bus->irq_count */
    /* Optional hooks for device-specific config registers. */
    uint32_t (*config_read)(PCIDevice *d, uint32_t addr, int len);
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t val, int len);
};

/* Routes a function's INTx pin to an interrupt input of the host bridge. */
typedef int (*PCIMapIrqFn)(PCIDevice *d, int pin);
typedef void (*PCISetIrqFn)(void *opaque, int irq_num, int level);

struct PCIBus {
    BusState parent_obj;
    PCIDevice *devices[256];
    MemoryRegion *mem;            /* where memory BARs map */
    MemoryRegion *io;             /* where I/O BARs map */
    PCIMapIrqFn map_irq;
    PCISetIrqFn set_irq;
    void *irq_opaque;
    int irq_count[4];             /* devices asserting each host input */
};

#define PCI_DEVICE(obj) OBJECT_CHECK(PCIDevice, (obj), TYPE_PCI_DEVICE)
#define PCI_BUS(obj) OBJECT_CHECK(PCIBus, (obj), TYPE_PCI_BUS)

PCIBus *pci_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                    MemoryRegion *io, PCIMapIrqFn map_irq, PCISetIrqFn set_irq,
                    void *irq_opaque);
/* Creates a function at devfn (-1: first free slot) and realizes it. */
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type,
                             GError **errp);
/* Configuration space access by the host bridge (bus 0 only for now). */
uint32_t pci_config_read(PCIBus *bus, int devfn, uint32_t addr, int len);
void pci_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t val,
                      int len);
/* Default config access for a function (hooks call these for the rest). */
uint32_t pci_default_config_read(PCIDevice *d, uint32_t addr, int len);
void pci_default_config_write(PCIDevice *d, uint32_t addr, uint32_t val, int len);

void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr);
void pci_set_irq(PCIDevice *d, int level);

static inline void pci_set_word(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}
static inline uint16_t pci_get_word(const uint8_t *p) { return p[0] | p[1] << 8; }
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
