/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci-testdev (1b36:0005), the PCI device external CPU test suites drive,
 * as QEMU's docs/specs/pci-testdev.rst describes it: BAR0 (memory) and BAR1
 * (I/O) each start with a header that selects a test and reports where to
 * write and how often a write was seen; BAR2 is an optional 64-bit memory
 * BAR with no storage, for testing large BAR sizes (membar=).
 */
#include "vireo/pci.h"
#include <stdio.h>
#include <string.h>

#define TESTDEV_BAR_SIZE 4096
#define TEST_AREA 0x40           /* test i is written at TEST_AREA + 8 * i */
#define TEST_DATA 0xfa
enum { TEST_NO_EVENTFD, TEST_WILDCARD, TEST_DATAMATCH, NR_TESTS };

/* Header registers (all little-endian). */
enum { HDR_TEST = 0, HDR_WIDTH = 1, HDR_OFFSET = 4, HDR_DATA = 8, HDR_COUNT = 12,
       HDR_NAME = 16, HDR_END = 64 };

typedef struct TestBar {
    MemoryRegion mr;
    const char *kind;            /* "mmio" or "portio" */
    uint8_t selected;
    uint32_t count[NR_TESTS];
} TestBar;

typedef struct PCITestDev {
    PCIDevice parent_obj;
    TestBar bars[2];
    MemoryRegion membar;
    uint64_t membar_size;
} PCITestDev;

#define PCI_TESTDEV(obj) OBJECT_CHECK(PCITestDev, (obj), "pci-testdev")

static const char *const test_names[NR_TESTS] = {
    "no-eventfd", "wildcard-eventfd", "datamatch-eventfd",
};

/* The header as the guest sees it for the selected test. */
static void header_bytes(TestBar *b, uint8_t out[HDR_END])
{
    memset(out, 0, HDR_END);
    out[HDR_TEST] = b->selected;
    if (b->selected >= NR_TESTS) {
        out[HDR_WIDTH] = 0xff;   /* unsupported: the guest stops scanning */
        return;
    }
    out[HDR_WIDTH] = 1;
    pci_set_long(out + HDR_OFFSET, TEST_AREA + 8 * b->selected);
    pci_set_long(out + HDR_DATA, TEST_DATA);
    pci_set_long(out + HDR_COUNT, b->count[b->selected]);
    snprintf((char *)out + HDR_NAME, HDR_END - HDR_NAME, "%s-%s", b->kind,
             test_names[b->selected]);
}

static uint64_t testbar_read(void *opaque, uint64_t addr, unsigned size)
{
    TestBar *b = opaque;
    uint8_t hdr[HDR_END];
    uint64_t v = 0;
    if (addr + size > HDR_END) {
        return 0;
    }
    header_bytes(b, hdr);
    memcpy(&v, hdr + addr, size);
    return v;
}

static void testbar_write(void *opaque, uint64_t addr, uint64_t val,
                          unsigned size)
{
    TestBar *b = opaque;
    if (addr == HDR_TEST) {
        b->selected = val;
        return;
    }
    if (addr < TEST_AREA || (addr - TEST_AREA) % 8) {
        return;
    }
    unsigned test = (addr - TEST_AREA) / 8;
    if (test < NR_TESTS && (test != TEST_DATAMATCH || (val & 0xff) == TEST_DATA)) {
        b->count[test]++;
    }
}

static const MemoryRegionOps testbar_ops = {
    .read = testbar_read,
    .write = testbar_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t membar_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void membar_write(void *opaque, uint64_t addr, uint64_t val,
                         unsigned size)
{
}

static const MemoryRegionOps membar_ops = {
    .read = membar_read,
    .write = membar_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
};

static bool pci_testdev_realize(DeviceState *dev, GError **errp)
{
    PCITestDev *t = PCI_TESTDEV(dev);
    PCIDevice *d = &t->parent_obj;
    uint64_t m = t->membar_size;
    if (m && (m & (m - 1))) {
        error_setg(errp, "pci-testdev: membar size %" G_GUINT64_FORMAT
                   " is not a power of two", m);
        return false;
    }
    t->bars[0].kind = "mmio";
    t->bars[1].kind = "portio";
    memory_region_init_io(&t->bars[0].mr, OBJECT(dev), &testbar_ops,
                          &t->bars[0], "pci-testdev-mmio", TESTDEV_BAR_SIZE);
    memory_region_init_io(&t->bars[1].mr, OBJECT(dev), &testbar_ops,
                          &t->bars[1], "pci-testdev-portio", 256);
    pci_register_bar(d, 0, 0, &t->bars[0].mr);
    pci_register_bar(d, 1, PCI_BAR_IO, &t->bars[1].mr);
    if (m) {
        memory_region_init_io(&t->membar, OBJECT(dev), &membar_ops, t,
                              "pci-testdev-membar", m);
        pci_register_bar(d, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, &t->membar);
    }
    return true;
}

static void pci_testdev_reset(DeviceState *dev)
{
    PCITestDev *t = PCI_TESTDEV(dev);
    for (int i = 0; i < 2; i++) {
        t->bars[i].selected = 0;
        memset(t->bars[i].count, 0, sizeof(t->bars[i].count));
    }
}

static const Property pci_testdev_props[] = {
    PROP_SIZE("membar", PCITestDev, membar_size, 0),
    PROP_END
};

static const VMStateField test_bar_fields[] = {
    VMSTATE_U8(selected, TestBar),
    VMSTATE_U32_ARRAY(count, TestBar, NR_TESTS),
    VMSTATE_END
};
static const VMStateDescription test_bar_vmsd = {
    .name = "pci-testdev-bar", .version = 1, .fields = test_bar_fields,
};
static const VMStateField pci_testdev_fields[] = {
    VMSTATE_U8_ARRAY(parent_obj.config, PCITestDev, 256),
    VMSTATE_STRUCT_ARRAY(bars, PCITestDev, 2, test_bar_vmsd),
    VMSTATE_END
};
static const VMStateDescription pci_testdev_vmsd = {
    .name = "pci-testdev", .version = 1, .fields = pci_testdev_fields,
};

static const PCIIds pci_testdev_ids = {
    .vendor_id = 0x1b36, .device_id = 0x0005, .class_id = 0x00ff,
};

static const DeviceInfo pci_testdev_info = {
    .name = "pci-testdev",
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCITestDev),
    .desc = "PCI Test Device",
    .user_creatable = true,
    .props = pci_testdev_props,
    .vmsd = &pci_testdev_vmsd,
    .realize = pci_testdev_realize,
    .reset = pci_testdev_reset,
    .bus_info = &pci_testdev_ids,
};
DEVICE_REGISTER(pci_testdev_info)
