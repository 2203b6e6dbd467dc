/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI on the pc machine's i440FX: configuration mechanism #1 through the
 * real I/O address space (0xcf8/0xcfc), the host bridge and PIIX3 headers,
 * BAR sizing and mapping for a test device, and INTx through the PIIX3
 * PIRQ route registers to ISA IRQ lines.
 */
#include <glib.h>
#include <string.h>

#include "vireo/irq.h"
#include "vireo/memory.h"
#include "vireo/pc.h"
#include "vireo/pci.h"

/* --- A PCI device with an I/O, a 32-bit and a 64-bit memory BAR --- */

#define TYPE_TEST_PCI_DEV "test-pci-dev"

typedef struct BarLog {
    char tag;                 /* 'I', 'M' or 'W' (64-bit) */
    GString *log;
} BarLog;

typedef struct TestPCIDev {
    PCIDevice parent_obj;
    MemoryRegion io_bar, mem_bar, mem64_bar;
    BarLog io_log, mem_log, mem64_log;
} TestPCIDev;

#define TEST_PCI_DEV(obj) OBJECT_CHECK(TestPCIDev, (obj), TYPE_TEST_PCI_DEV)

/* Reads give 0xTT00_00aa: the BAR's tag and the offset. */
static uint64_t bar_read(void *opaque, uint64_t addr, unsigned size)
{
    BarLog *b = opaque;
    g_string_append_printf(b->log, "%c r%u@%" G_GINT64_MODIFIER "x;", b->tag, size, addr);
    return ((uint64_t)b->tag << 24) | addr;
}

static void bar_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    BarLog *b = opaque;
    g_string_append_printf(b->log, "%c w%u@%" G_GINT64_MODIFIER "x=%" G_GINT64_MODIFIER
                           "x;", b->tag, size, addr, val);
}

static const MemoryRegionOps bar_ops = { .read = bar_read, .write = bar_write };

static void test_pci_dev_init(Object *obj)
{
    TestPCIDev *d = TEST_PCI_DEV(obj);
    BarLog *logs[] = { &d->io_log, &d->mem_log, &d->mem64_log };
    const char tags[] = { 'I', 'M', 'W' };
    for (int i = 0; i < 3; i++) {
        logs[i]->tag = tags[i];
        logs[i]->log = g_string_new("");
    }
    memory_region_init_io(&d->io_bar, obj, &bar_ops, &d->io_log, "test-io", 0x20);
    memory_region_init_io(&d->mem_bar, obj, &bar_ops, &d->mem_log, "test-mmio", 0x1000);
    memory_region_init_io(&d->mem64_bar, obj, &bar_ops, &d->mem64_log, "test-mmio64",
                          0x4000);
}

static bool test_pci_dev_realize(DeviceState *dev, GError **errp)
{
    TestPCIDev *d = TEST_PCI_DEV(dev);
    PCIDevice *pd = PCI_DEVICE(dev);
    pci_register_bar(pd, 0, PCI_BAR_IO, &d->io_bar);
    pci_register_bar(pd, 1, 0, &d->mem_bar);
    pci_register_bar(pd, 2, PCI_BAR_MEM64, &d->mem64_bar);
    return true;
}

static const PCIIds test_pci_ids = {
    .vendor_id = 0x1234, .device_id = 0x5678, .revision = 0x03,
    .class_id = 0x00ff, .interrupt_pin = 1,
};

static const DeviceInfo test_pci_dev_info = {
    .name = TYPE_TEST_PCI_DEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(TestPCIDev),
    .init = test_pci_dev_init,
    .realize = test_pci_dev_realize,
    .bus_info = &test_pci_ids,
    .user_creatable = true,
};
DEVICE_REGISTER(test_pci_dev_info)

/* --- The machine part: i440FX + PIIX3 with recorded ISA IRQs --- */

static PCIBus *pci_bus;
static ISABus *isa_bus;
static int isa_level[16];
static int isa_changes[16];

static void record_isa_irq(void *opaque, int n, int level)
{
    isa_changes[n]++;
    isa_level[n] = level;
}

/* Test devices by slot; slots 3 and 7 share PIRQC, 4 has PIRQD, 5 PIRQA. */
static TestPCIDev *dev_at[32];

#define DEVFN_HOST PCI_DEVFN(0, 0)
#define DEVFN_PIIX3 PCI_DEVFN(1, 0)
#define PIIX_PIRQRC 0x60

/* --- Configuration mechanism #1 through the I/O address space --- */

static void cfg_select(int devfn, uint8_t reg)
{
    uint32_t addr = 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc);
    g_assert_cmpint(address_space_write_val(&address_space_io, 0xcf8, 4, addr), ==,
                    MEMTX_OK);
}

static uint32_t cfg_read(int devfn, uint8_t reg, unsigned size)
{
    uint64_t v;
    cfg_select(devfn, reg);
    g_assert_cmpint(address_space_read_val(&address_space_io, 0xcfc + (reg & 3), size, &v),
                    ==, MEMTX_OK);
    return v;
}

static void cfg_write(int devfn, uint8_t reg, unsigned size, uint32_t val)
{
    cfg_select(devfn, reg);
    g_assert_cmpint(address_space_write_val(&address_space_io, 0xcfc + (reg & 3), size,
                                            val), ==, MEMTX_OK);
}

static uint32_t mem_read32(uint64_t addr)
{
    uint64_t v;
    address_space_read_val(&address_space_memory, addr, 4, &v);
    return v;
}

static uint32_t io_read32(uint64_t addr)
{
    uint64_t v;
    address_space_read_val(&address_space_io, addr, 4, &v);
    return v;
}

static void take_log(GString *log, const char *expected)
{
    g_assert_cmpstr(log->str, ==, expected);
    g_string_truncate(log, 0);
}

/* Puts the test device at `slot` back to its state after reset. */
static TestPCIDev *fresh_dev(int slot)
{
    TestPCIDev *d = dev_at[slot];
    g_assert_nonnull(d);
    device_reset(DEVICE(d));
    g_string_truncate(d->io_log.log, 0);
    g_string_truncate(d->mem_log.log, 0);
    g_string_truncate(d->mem64_log.log, 0);
    return d;
}

/* --- Configuration space --- */

static void test_host_bridge_header(void)
{
    g_assert_cmphex(cfg_read(DEVFN_HOST, 0x00, 4), ==, 0x12378086);
    g_assert_cmphex(cfg_read(DEVFN_HOST, PCI_CLASS_DEVICE, 2), ==, 0x0600);
    g_assert_cmphex(cfg_read(DEVFN_HOST, PCI_HEADER_TYPE, 1), ==, 0x00);
}

static void test_piix3_header_is_multifunction(void)
{
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, 0x00, 4), ==, 0x70008086);
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, PCI_CLASS_DEVICE, 2), ==, 0x0601);
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, PCI_HEADER_TYPE, 1) &
                    PCI_HEADER_TYPE_MULTI_FUNCTION, ==, PCI_HEADER_TYPE_MULTI_FUNCTION);
}

static void test_absent_function_reads_ones(void)
{
    static const int absent[] = { PCI_DEVFN(0, 1), PCI_DEVFN(1, 7), PCI_DEVFN(31, 0) };
    for (unsigned i = 0; i < G_N_ELEMENTS(absent); i++) {
        g_assert_cmphex(cfg_read(absent[i], 0x00, 4), ==, 0xffffffff);
        g_assert_cmphex(cfg_read(absent[i], 0x02, 2), ==, 0xffff);
        g_assert_cmphex(cfg_read(absent[i], 0x0e, 1), ==, 0xff);
        cfg_write(absent[i], PCI_COMMAND, 2, 0x7);   /* dropped */
    }
}

static void test_config_address_reads_back(void)
{
    uint64_t v;
    address_space_write_val(&address_space_io, 0xcf8, 4, 0x80001a47);
    address_space_read_val(&address_space_io, 0xcf8, 4, &v);
    /* The two low bits are not part of the register number. */
    g_assert_cmphex(v, ==, 0x80001a44);
}

static void test_config_disabled_reads_ones(void)
{
    uint64_t v;
    /* Enable bit (31) clear: the data port decodes nothing. */
    address_space_write_val(&address_space_io, 0xcf8, 4, 0x00000000);
    address_space_read_val(&address_space_io, 0xcfc, 4, &v);
    g_assert_cmphex(v, ==, 0xffffffff);
}

static void test_config_other_bus_reads_ones(void)
{
    uint64_t v;
    address_space_write_val(&address_space_io, 0xcf8, 4, 0x80010000);   /* bus 1 */
    address_space_read_val(&address_space_io, 0xcfc, 4, &v);
    g_assert_cmphex(v, ==, 0xffffffff);
}

static void test_config_byte_and_word_lanes(void)
{
    /* Vendor 0x8086, device 0x1237: a byte at 0xcfd is the vendor's high
     * byte, a word at 0xcfe the device id. */
    g_assert_cmphex(cfg_read(DEVFN_HOST, 0x01, 1), ==, 0x80);
    g_assert_cmphex(cfg_read(DEVFN_HOST, 0x02, 2), ==, 0x1237);
    g_assert_cmphex(cfg_read(DEVFN_HOST, 0x03, 1), ==, 0x12);
}

static void test_device_header_from_ids(void)
{
    int devfn = PCI_DEVFN(3, 0);
    g_assert_cmphex(cfg_read(devfn, 0x00, 4), ==, 0x56781234);
    g_assert_cmphex(cfg_read(devfn, PCI_REVISION_ID, 1), ==, 0x03);
    g_assert_cmphex(cfg_read(devfn, PCI_CLASS_DEVICE, 2), ==, 0x00ff);
    g_assert_cmphex(cfg_read(devfn, PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmphex(cfg_read(devfn, PCI_HEADER_TYPE, 1), ==, 0);
}

static void test_read_only_registers_ignore_writes(void)
{
    int devfn = PCI_DEVFN(3, 0);
    cfg_write(devfn, 0x00, 4, 0xdeadbeef);
    g_assert_cmphex(cfg_read(devfn, 0x00, 4), ==, 0x56781234);
    cfg_write(devfn, PCI_INTERRUPT_LINE, 1, 0x0b);
    g_assert_cmphex(cfg_read(devfn, PCI_INTERRUPT_LINE, 1), ==, 0x0b);
}

static void test_addr_property(void)
{
    GError *err = NULL;
    DeviceState *dev = device_new(TYPE_TEST_PCI_DEV, &err);
    g_assert_true(object_property_parse(OBJECT(dev), "addr", "1f.7", &err));
    g_assert_cmpint(PCI_DEVICE(dev)->devfn, ==, PCI_DEVFN(31, 7));
    g_autofree char *s = object_property_get_str(OBJECT(dev), "addr", NULL);
    g_assert_cmpstr(s, ==, "1f.7");
    g_assert_true(object_property_parse(OBJECT(dev), "addr", "0a", &err));
    g_assert_cmpint(PCI_DEVICE(dev)->devfn, ==, PCI_DEVFN(10, 0));
    g_assert_false(object_property_parse(OBJECT(dev), "addr", "20.0", &err));
    g_assert_cmpstr(err->message, ==,
                    "Property 'test-pci-dev.addr' doesn't take value '20.0'");
    g_clear_error(&err);
    g_assert_false(object_property_parse(OBJECT(dev), "addr", "3.8", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    object_unref(OBJECT(dev));
}

static void test_slot_in_use_refused(void)
{
    GError *err = NULL;
    g_assert_null(pci_create_simple(pci_bus, PCI_DEVFN(3, 0), TYPE_TEST_PCI_DEV, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "slot 3 function 0 not available"));
    g_clear_error(&err);
    g_assert_true(pci_bus->devices[PCI_DEVFN(3, 0)] == PCI_DEVICE(dev_at[3]));
}

/* --- BARs --- */

static void test_bar_sizing_io(void)
{
    int devfn = PCI_DEVFN(3, 0);
    fresh_dev(3);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, PCI_BAR_IO);
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
    /* 32 bytes of ports; bit 0 says I/O. */
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xffffffe1);
}

static void test_bar_sizing_mem32(void)
{
    int devfn = PCI_DEVFN(3, 0);
    fresh_dev(3);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfffff000);
}

static void test_bar_sizing_mem64(void)
{
    int devfn = PCI_DEVFN(3, 0);
    fresh_dev(3);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, PCI_BAR_MEM64);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 4, 0xffffffff);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xffffc004);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0xffffffff);
}

static void test_bar_unused_reads_zero(void)
{
    int devfn = PCI_DEVFN(3, 0);
    fresh_dev(3);
    /* BAR4 and BAR5 are not implemented: writes do not stick. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 16, 4, 0xffffffff);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0);
}

static void test_bar_mem32_mapped_by_command(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xfebf0000);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfebf0000);
    /* Programmed but memory decoding off: nothing there. */
    g_assert_cmphex(mem_read32(0xfebf0010), ==, 0xffffffff);
    take_log(d->mem_log.log, "");
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    g_assert_cmphex(mem_read32(0xfebf0010), ==, ('M' << 24) | 0x10);
    address_space_write_val(&address_space_memory, 0xfebf0ffc, 4, 0xcafe);
    take_log(d->mem_log.log, "M r4@10;M w4@ffc=cafe;");
}

static void test_bar_moves_when_reprogrammed(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xfebf0000);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xfeb00000);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xffffffff);
    g_assert_cmphex(mem_read32(0xfeb00004), ==, ('M' << 24) | 0x4);
    take_log(d->mem_log.log, "M r4@4;");
}

static void test_bar_unmapped_when_decoding_off(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xfebf0000);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    cfg_write(devfn, PCI_COMMAND, 2, 0);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xffffffff);
    take_log(d->mem_log.log, "");
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfebf0000);
}

static void test_bar_io_mapped_by_command(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 4, 0xc040);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xc041);
    g_assert_cmphex(io_read32(0xc044), ==, 0xffffffff);
    /* Memory decoding does not enable I/O BARs. */
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    g_assert_cmphex(io_read32(0xc044), ==, 0xffffffff);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_IO);
    g_assert_cmphex(io_read32(0xc044), ==, ('I' << 24) | 0x4);
    take_log(d->io_log.log, "I r4@4;");
    cfg_write(devfn, PCI_COMMAND, 2, 0);
    g_assert_cmphex(io_read32(0xc044), ==, 0xffffffff);
}

static void test_bar_mem64_above_4g(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 4, 0x00004000);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 4, 0x00000008);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    g_assert_cmphex(mem_read32(0x800004008ULL), ==, ('W' << 24) | 0x8);
    take_log(d->mem64_log.log, "W r4@8;");
    /* Rewriting the high half moves it. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 4, 0x00000009);
    g_assert_cmphex(mem_read32(0x800004008ULL), ==, 0xffffffff);
    g_assert_cmphex(mem_read32(0x900004008ULL), ==, ('W' << 24) | 0x8);
}

static void test_bar_sizing_with_decoding_on_maps_nothing(void)
{
    int devfn = PCI_DEVFN(3, 0);
    fresh_dev(3);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
    /* The all-ones sizing value is not an address: a 32-bit BAR may not
     * reach 4 GiB (where the BIOS's reset vector lives). */
    g_assert_null(flatview_lookup(address_space_memory.view, 0xfffff000));
    g_assert_null(flatview_lookup(address_space_memory.view, 0xffffffff));
    g_assert_null(flatview_lookup(address_space_io.view, 0xffe0));
}

static void test_reset_unmaps_bars_and_clears_command(void)
{
    int devfn = PCI_DEVFN(3, 0);
    TestPCIDev *d = fresh_dev(3);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xfebf0000);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    device_reset(DEVICE(d));
    g_assert_cmphex(cfg_read(devfn, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xffffffff);
}

/* --- INTx --- */

/* Sets the four PIRQ route registers (0x80: not routed). */
static void route_pirqs(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    cfg_write(DEVFN_PIIX3, PIIX_PIRQRC, 4, a | b << 8 | c << 16 | (uint32_t)d << 24);
}

static void intx_reset(void)
{
    for (int slot = 0; slot < 32; slot++) {
        if (dev_at[slot]) {
            fresh_dev(slot);
        }
    }
    route_pirqs(0x80, 0x80, 0x80, 0x80);
    memset(isa_changes, 0, sizeof(isa_changes));
}

static void test_intx_pirq_route_registers(void)
{
    intx_reset();
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, PIIX_PIRQRC, 4), ==, 0x80808080);
    route_pirqs(5, 9, 10, 11);
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, PIIX_PIRQRC, 4), ==, 0x0b0a0905);
    /* Only bit 7 and the IRQ number are writable. */
    cfg_write(DEVFN_PIIX3, PIIX_PIRQRC, 1, 0xff);
    g_assert_cmphex(cfg_read(DEVFN_PIIX3, PIIX_PIRQRC, 1), ==, 0x8f);
}

static void test_intx_routed_to_isa_irq(void)
{
    intx_reset();
    route_pirqs(5, 9, 10, 11);
    /* Slot 3, INTA: PIRQC, routed to IRQ 10. */
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    g_assert_cmpint(isa_level[10], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[10], ==, 0);
    g_assert_cmpint(isa_changes[10], ==, 2);
    g_assert_cmpint(isa_changes[5] + isa_changes[9] + isa_changes[11], ==, 0);
}

static void test_intx_slot_swizzle(void)
{
    /* The PIIX swizzle that SeaBIOS and the ACPI _PRT assume:
     * PIRQ = (slot + pin - 1) & 3, with INTA as pin 0. */
    static const struct { int slot, irq; } want[] = {
        { 3, 10 }, { 4, 11 }, { 5, 5 }, { 7, 10 },
    };
    intx_reset();
    route_pirqs(5, 9, 10, 11);
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        pci_set_irq(PCI_DEVICE(dev_at[want[i].slot]), 1);
        g_assert_cmpint(isa_level[want[i].irq], ==, 1);
        pci_set_irq(PCI_DEVICE(dev_at[want[i].slot]), 0);
        g_assert_cmpint(isa_level[want[i].irq], ==, 0);
    }
}

static void test_intx_unrouted_drives_nothing(void)
{
    intx_reset();
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    for (int i = 0; i < 16; i++) {
        g_assert_cmpint(isa_changes[i], ==, 0);
    }
    /* Routing it later delivers the level already there. */
    route_pirqs(0x80, 0x80, 10, 0x80);
    g_assert_cmpint(isa_level[10], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[10], ==, 0);
}

static void test_intx_reroute_moves_level(void)
{
    intx_reset();
    route_pirqs(0x80, 0x80, 10, 0x80);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    g_assert_cmpint(isa_level[10], ==, 1);
    route_pirqs(0x80, 0x80, 11, 0x80);
    g_assert_cmpint(isa_level[10], ==, 0);
    g_assert_cmpint(isa_level[11], ==, 1);
    route_pirqs(0x80, 0x80, 0x80, 0x80);
    g_assert_cmpint(isa_level[11], ==, 0);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
}

static void test_intx_disable_bit(void)
{
    int devfn = PCI_DEVFN(3, 0);
    intx_reset();
    route_pirqs(0x80, 0x80, 10, 0x80);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    g_assert_cmpint(isa_level[10], ==, 1);
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==,
                    PCI_STATUS_INTERRUPT);
    cfg_write(devfn, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
    g_assert_cmpint(isa_level[10], ==, 0);
    /* The status bit still shows the device's own level. */
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==,
                    PCI_STATUS_INTERRUPT);
    /* Raising again while disabled does nothing. */
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    g_assert_cmpint(isa_level[10], ==, 0);
    cfg_write(devfn, PCI_COMMAND, 2, 0);
    g_assert_cmpint(isa_level[10], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[10], ==, 0);
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==, 0);
}

static void test_intx_shared_pirq(void)
{
    intx_reset();
    route_pirqs(0x80, 0x80, 10, 0x80);
    /* Slots 3 and 7 both use PIRQC: the line is the OR of the two. */
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    pci_set_irq(PCI_DEVICE(dev_at[7]), 1);
    g_assert_cmpint(isa_level[10], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[10], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[7]), 0);
    g_assert_cmpint(isa_level[10], ==, 0);
    /* Raising an already raised pin is counted once. */
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[10], ==, 0);
}

static void test_intx_pirqs_sharing_an_isa_irq(void)
{
    intx_reset();
    /* PIRQC (slot 3) and PIRQD (slot 4) both steered to IRQ 11. */
    route_pirqs(0x80, 0x80, 11, 11);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    pci_set_irq(PCI_DEVICE(dev_at[4]), 1);
    g_assert_cmpint(isa_level[11], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[4]), 0);
    g_assert_cmpint(isa_level[11], ==, 1);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 0);
    g_assert_cmpint(isa_level[11], ==, 0);
}

static void test_intx_reset_lowers_line(void)
{
    intx_reset();
    route_pirqs(0x80, 0x80, 10, 0x80);
    pci_set_irq(PCI_DEVICE(dev_at[3]), 1);
    g_assert_cmpint(isa_level[10], ==, 1);
    device_reset(DEVICE(dev_at[3]));
    g_assert_cmpint(isa_level[10], ==, 0);
}

static void machine_init(void)
{
    GError *err = NULL;
    memory_system_init();
    IrqLine *irqs = irq_lines_new(record_isa_irq, NULL, 16);
    pci_bus = i440fx_init(get_system_memory(), get_system_io(), irqs, &isa_bus, &err);
    g_assert_no_error(err);
    g_assert_nonnull(pci_bus);
    g_assert_nonnull(isa_bus);
    static const int slots[] = { 3, 4, 5, 7 };
    for (unsigned i = 0; i < G_N_ELEMENTS(slots); i++) {
        PCIDevice *d = pci_create_simple(pci_bus, PCI_DEVFN(slots[i], 0),
                                         TYPE_TEST_PCI_DEV, &err);
        g_assert_no_error(err);
        dev_at[slots[i]] = TEST_PCI_DEV(d);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    machine_init();

    g_test_add_func("/pci/config/host-bridge-header", test_host_bridge_header);
    g_test_add_func("/pci/config/piix3-header-is-multifunction",
                    test_piix3_header_is_multifunction);
    g_test_add_func("/pci/config/absent-function-reads-ones",
                    test_absent_function_reads_ones);
    g_test_add_func("/pci/config/address-reads-back", test_config_address_reads_back);
    g_test_add_func("/pci/config/disabled-reads-ones", test_config_disabled_reads_ones);
    g_test_add_func("/pci/config/other-bus-reads-ones", test_config_other_bus_reads_ones);
    g_test_add_func("/pci/config/byte-and-word-lanes", test_config_byte_and_word_lanes);
    g_test_add_func("/pci/config/device-header-from-ids", test_device_header_from_ids);
    g_test_add_func("/pci/config/read-only-registers-ignore-writes",
                    test_read_only_registers_ignore_writes);
    g_test_add_func("/pci/device/addr-property", test_addr_property);
    g_test_add_func("/pci/device/slot-in-use-refused", test_slot_in_use_refused);
    g_test_add_func("/pci/bar/sizing-io", test_bar_sizing_io);
    g_test_add_func("/pci/bar/sizing-mem32", test_bar_sizing_mem32);
    g_test_add_func("/pci/bar/sizing-mem64", test_bar_sizing_mem64);
    g_test_add_func("/pci/bar/unused-reads-zero", test_bar_unused_reads_zero);
    g_test_add_func("/pci/bar/mem32-mapped-by-command", test_bar_mem32_mapped_by_command);
    g_test_add_func("/pci/bar/moves-when-reprogrammed", test_bar_moves_when_reprogrammed);
    g_test_add_func("/pci/bar/unmapped-when-decoding-off",
                    test_bar_unmapped_when_decoding_off);
    g_test_add_func("/pci/bar/io-mapped-by-command", test_bar_io_mapped_by_command);
    g_test_add_func("/pci/bar/mem64-above-4g", test_bar_mem64_above_4g);
    g_test_add_func("/pci/bar/sizing-with-decoding-on-maps-nothing",
                    test_bar_sizing_with_decoding_on_maps_nothing);
    g_test_add_func("/pci/bar/reset-unmaps-bars-and-clears-command",
                    test_reset_unmaps_bars_and_clears_command);
    g_test_add_func("/pci/intx/pirq-route-registers", test_intx_pirq_route_registers);
    g_test_add_func("/pci/intx/routed-to-isa-irq", test_intx_routed_to_isa_irq);
    g_test_add_func("/pci/intx/slot-swizzle", test_intx_slot_swizzle);
    g_test_add_func("/pci/intx/unrouted-drives-nothing", test_intx_unrouted_drives_nothing);
    g_test_add_func("/pci/intx/reroute-moves-level", test_intx_reroute_moves_level);
    g_test_add_func("/pci/intx/disable-bit", test_intx_disable_bit);
    g_test_add_func("/pci/intx/shared-pirq", test_intx_shared_pirq);
    g_test_add_func("/pci/intx/pirqs-sharing-an-isa-irq", test_intx_pirqs_sharing_an_isa_irq);
    g_test_add_func("/pci/intx/reset-lowers-line", test_intx_reset_lowers_line);
    return g_test_run();
}
