/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc-testdev: the test device that kvm-unit-tests and similar suites probe.
 * Port 0xe0: a 32-bit latch readable and writable at any width and byte
 * offset. Port 0xe4: "flush page", taking a guest-physical address (QEMU
 * remaps the page to flush TLBs; here the write is accepted and ignored,
 * as nothing caches guest translations across it). Ports 0x2000-0x2017:
 * writing v at 0x2000 + n sets ISA IRQ line n to (v != 0); reads give 0.
 * MMIO 0xff000000, 64 KiB: plain memory at widths 1, 2, 4 and 8.
 */
#include "vireo/isa.h"

#define TYPE_PC_TESTDEV "pc-testdev"
#define TESTDEV_LATCH_PORT 0xe0
#define TESTDEV_FLUSH_PORT 0xe4
#define TESTDEV_IRQ_PORT 0x2000
#define TESTDEV_IRQ_PORTS 24
#define TESTDEV_IOMEM_BASE 0xff000000ull
#define TESTDEV_IOMEM_SIZE 0x10000

typedef struct PcTestdevState {
    ISADevice parent_obj;
    MemoryRegion latch_io;
    MemoryRegion flush_io;
    MemoryRegion irq_io;
    MemoryRegion iomem;
    uint32_t latch;                         /* saved */
    uint8_t mem[TESTDEV_IOMEM_SIZE];        /* saved */
} PcTestdevState;

#define PC_TESTDEV(obj) OBJECT_CHECK(PcTestdevState, (obj), TYPE_PC_TESTDEV)

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

/* --- The latch: an access at offset o touches bytes o..o+size-1 --- */

static uint64_t latch_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;

    return (s->latch >> (addr * 8)) & mask_of(size);
}

static void latch_write(void *opaque, uint64_t addr, uint64_t data,
                        unsigned size)
{
    PcTestdevState *s = opaque;
    unsigned shift = addr * 8;
    uint32_t mask = mask_of(size) << shift;

    s->latch = (s->latch & ~mask) | ((data << shift) & mask);
}

static const MemoryRegionOps latch_ops = {
    .read = latch_read,
    .write = latch_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* --- Flush page: accepted, nothing to flush --- */

static uint64_t flush_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void flush_write(void *opaque, uint64_t addr, uint64_t data,
                        unsigned size)
{
}

static const MemoryRegionOps flush_ops = {
    .read = flush_read,
    .write = flush_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* --- IRQ lines: one port per line, lines past 15 are ignored --- */

static uint64_t irq_port_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void irq_port_write(void *opaque, uint64_t addr, uint64_t data,
                           unsigned size)
{
    PcTestdevState *s = opaque;

    irq_set(isa_get_irq(ISA_DEVICE(s), addr), data != 0);
}

static const MemoryRegionOps irq_port_ops = {
    .read = irq_port_read,
    .write = irq_port_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- 64 KiB of memory-mapped storage, little-endian --- */

static uint64_t iomem_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        val |= (uint64_t)s->mem[addr + i] << (i * 8);
    }
    return val;
}

static void iomem_write(void *opaque, uint64_t addr, uint64_t data,
                        unsigned size)
{
    PcTestdevState *s = opaque;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        s->mem[addr + i] = data >> (i * 8);
    }
}

static const MemoryRegionOps iomem_ops = {
    .read = iomem_read,
    .write = iomem_write,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* --- Device --- */

static bool testdev_realize(DeviceState *dev, GError **errp)
{
    PcTestdevState *s = PC_TESTDEV(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    Object *owner = OBJECT(s);

    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    memory_region_init_io(&s->latch_io, owner, &latch_ops, s,
                          "pc-testdev-ioport", 4);
    memory_region_init_io(&s->flush_io, owner, &flush_ops, s,
                          "pc-testdev-flush-page", 4);
    memory_region_init_io(&s->irq_io, owner, &irq_port_ops, s,
                          "pc-testdev-irq", TESTDEV_IRQ_PORTS);
    memory_region_init_io(&s->iomem, owner, &iomem_ops, s,
                          "pc-testdev-iomem", TESTDEV_IOMEM_SIZE);
    isa_register_ioport(isa, &s->latch_io, TESTDEV_LATCH_PORT);
    isa_register_ioport(isa, &s->flush_io, TESTDEV_FLUSH_PORT);
    isa_register_ioport(isa, &s->irq_io, TESTDEV_IRQ_PORT);
    memory_region_add_subregion(get_system_memory(), TESTDEV_IOMEM_BASE,
                                &s->iomem);
    return true;
}

static void testdev_unrealize(DeviceState *dev)
{
    PcTestdevState *s = PC_TESTDEV(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    isa_unregister_ioport(isa, &s->latch_io);
    isa_unregister_ioport(isa, &s->flush_io);
    isa_unregister_ioport(isa, &s->irq_io);
    memory_region_del_subregion(get_system_memory(), &s->iomem);
}

static const VMStateField testdev_fields[] = {
    VMSTATE_U32(latch, PcTestdevState),
    VMSTATE_BUFFER(mem, PcTestdevState),
    VMSTATE_END
};

static const VMStateDescription testdev_vmstate = {
    .name = "pc-testdev",
    .version = 1,
    .minimum_version = 1,
    .fields = testdev_fields,
};

static const DeviceInfo testdev_info = {
    .name = TYPE_PC_TESTDEV,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PcTestdevState),
    .desc = "PC test device for kvm-unit-tests style suites",
    .vmsd = &testdev_vmstate,
    .user_creatable = true,
    .realize = testdev_realize,
    .unrealize = testdev_unrealize,
};
DEVICE_REGISTER(testdev_info)
