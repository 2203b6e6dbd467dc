/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables of the pc machine (ACPI 6.x chapter 5), with their pointers
 * resolved for a fixed address (direct boot) or left to firmware as QEMU's
 * table-loader commands (ALLOCATE, ADD_POINTER, ADD_CHECKSUM).
 */
#include "vireo/acpi.h"
#include "vireo/aml.h"
#include "vireo/fw-cfg.h"
#include "vireo/object.h"
#include <string.h>

/* --- Files, pointers and checksums --- */

typedef enum { FILE_TABLES, FILE_RSDP, FILE__MAX } AcpiFile;

static const char *const file_names[FILE__MAX] = {
    [FILE_TABLES] = "etc/acpi/tables",
    [FILE_RSDP] = "etc/acpi/rsdp",
};

/* A `size`-byte field at `offset` in `dest` that holds an offset into `src`
 * and must become an address. */
typedef struct AcpiPointer {
    AcpiFile dest;
    uint32_t offset;
    uint8_t size;
    AcpiFile src;
} AcpiPointer;

/* The byte at `offset` makes [start, start+length) of `file` sum to 0. */
typedef struct AcpiChecksum {
    AcpiFile file;
    uint32_t offset;
    uint32_t start;
    uint32_t length;
} AcpiChecksum;

typedef struct AcpiBuilder {
    GByteArray *file[FILE__MAX];
    GArray *pointers;
    GArray *checksums;
} AcpiBuilder;

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return sum;
}

static void put_le(GByteArray *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t byte = v >> (8 * i);
        g_byte_array_append(b, &byte, 1);
    }
}

static void put_chars(GByteArray *b, const char *s, unsigned n)
{
    g_byte_array_append(b, (const guint8 *)s, n);
}

static void put_zeros(GByteArray *b, unsigned n)
{
    static const uint8_t zeros[64];
    while (n) {
        unsigned k = MIN(n, sizeof(zeros));
        g_byte_array_append(b, zeros, k);
        n -= k;
    }
}

static void align_to(GByteArray *b, unsigned align)
{
    while (b->len % align) {
        put_le(b, 0, 1);
    }
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void set_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = v >> (8 * i);
    }
}

/* Writes a pointer field holding `target` (an offset in src) and records it. */
static void put_pointer(AcpiBuilder *b, AcpiFile dest, unsigned size,
                        AcpiFile src, uint32_t target)
{
    AcpiPointer p = { dest, b->file[dest]->len, size, src };
    put_le(b->file[dest], target, size);
    g_array_append_val(b->pointers, p);
}

static void add_checksum(AcpiBuilder *b, AcpiFile file, uint32_t offset,
                         uint32_t start, uint32_t length)
{
    AcpiChecksum c = { file, offset, start, length };
    g_array_append_val(b->checksums, c);
}

/* --- Table header (ACPI 6.x §5.2.6) --- */

enum { HDR_LENGTH = 4, HDR_CHECKSUM = 9, HDR_SIZE = 36 };

static uint32_t table_begin(AcpiBuilder *b, const char *sig, uint8_t rev)
{
    GByteArray *t = b->file[FILE_TABLES];
    align_to(t, 8);
    uint32_t start = t->len;
    put_chars(t, sig, 4);
    put_le(t, 0, 4);                    /* length, set by table_end */
    put_le(t, rev, 1);
    put_le(t, 0, 1);                    /* checksum */
    put_chars(t, ACPI_OEM_ID, 6);
    put_chars(t, ACPI_OEM_TABLE_ID, 8);
    put_le(t, 1, 4);                    /* OEM revision */
    put_chars(t, ACPI_CREATOR_ID, 4);
    put_le(t, 1, 4);                    /* creator revision */
    return start;
}

static void table_end(AcpiBuilder *b, uint32_t start)
{
    GByteArray *t = b->file[FILE_TABLES];
    uint32_t len = t->len - start;
    set_le(t->data + start + HDR_LENGTH, len, 4);
    add_checksum(b, FILE_TABLES, start + HDR_CHECKSUM, start, len);
}

/* Generic Address Structure (§5.2.3.2). */
enum { GAS_SYSTEM_MEMORY = 0, GAS_SYSTEM_IO = 1 };
enum { GAS_ACCESS_ANY = 0, GAS_ACCESS_BYTE = 1 };

static void put_gas(GByteArray *t, uint8_t space, uint8_t bits, uint8_t access,
                    uint64_t addr)
{
    put_le(t, space, 1);
    put_le(t, bits, 1);
    put_le(t, 0, 1);                    /* bit offset */
    put_le(t, access, 1);
    put_le(t, addr, 8);
}

/* --- FACS (§5.2.10): no header, no checksum, 64-byte aligned --- */

static uint32_t build_facs(AcpiBuilder *b)
{
    GByteArray *t = b->file[FILE_TABLES];
    align_to(t, 64);
    uint32_t start = t->len;
    put_chars(t, "FACS", 4);
    put_le(t, 64, 4);
    put_zeros(t, 24);                   /* hw signature .. X waking vector */
    put_le(t, 2, 1);                    /* version */
    put_zeros(t, 31);
    return start;
}

/* --- DSDT --- */

typedef struct IsaAcpiDevice {
    const char *name;
    const char *hid;
    int uid;                            /* -1: none */
    uint16_t io[2];
    uint8_t io_len[2];
    int irq;                            /* -1: none */
} IsaAcpiDevice;

/* The PIIX3's ISA devices that a guest should know without probing. */
static const IsaAcpiDevice isa_devices[] = {
    { "KBD", "PNP0303", -1, { 0x60, 0x64 }, { 1, 1 }, 1 },
    { "MOU", "PNP0F13", -1, { 0 }, { 0 }, 12 },
    { "COM1", "PNP0501", 1, { 0x3f8 }, { 8 }, 4 },
    { "RTC", "PNP0B00", -1, { 0x70 }, { 2 }, 8 },
};

static Aml *isa_device_aml(const IsaAcpiDevice *d)
{
    Aml *dev = aml_device(d->name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid(d->hid)));
    if (d->uid >= 0) {
        aml_append(dev, aml_name_decl("_UID", aml_int(d->uid)));
    }
    Aml *crs = aml_resource_template();
    for (int i = 0; i < 2 && d->io_len[i]; i++) {
        aml_append(crs, aml_io(d->io[i], d->io[i], 1, d->io_len[i]));
    }
    if (d->irq >= 0) {
        aml_append(crs, aml_irq_no_flags(d->irq));
    }
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *pci_host_crs(const AcpiConfig *cfg)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(0, 255));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));    /* config ports, consumed */
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff, true, true));
    aml_append(crs, aml_dword_memory(cfg->pci_hole_start, cfg->pci_hole_end,
                                     false, true));
    if (cfg->pci_hole64_end) {
        aml_append(crs, aml_qword_memory(cfg->pci_hole64_start,
                                         cfg->pci_hole64_end, false, true));
    }
    return crs;
}

static bool pci_links_present(const AcpiConfig *cfg)
{
    return cfg->pci_link_irqs[0] || cfg->pci_link_irqs[1] ||
           cfg->pci_link_irqs[2] || cfg->pci_link_irqs[3];
}

static const char *const link_paths[4] = {
    "\\_SB.LNKA", "\\_SB.LNKB", "\\_SB.LNKC", "\\_SB.LNKD",
};

/* _PRT: every slot's INTA-D to the link its PIRQ line is, by the PIIX
 * swizzle (slot + pin - 1) & 3. */
static Aml *pci_routing_table(void)
{
    Aml *prt = aml_package();
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            Aml *entry = aml_package();
            aml_append(entry, aml_int((slot << 16) | 0xffff));
            aml_append(entry, aml_int(pin));
            aml_append(entry, aml_name(link_paths[(slot + pin - 1) & 3]));
            aml_append(entry, aml_int(0));
            aml_append(prt, entry);
        }
    }
    return prt;
}

/* A PCI interrupt link with one fixed, level/active-high, shared IRQ: the
 * guest may "set" it (_SRS does nothing) but not move it. */
static Aml *pci_link_device(unsigned i, uint8_t irq)
{
    Aml *dev = aml_device(link_paths[i] + strlen("\\_SB."));
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C0F")));
    aml_append(dev, aml_name_decl("_UID", aml_int(i)));
    for (int n = 0; n < 2; n++) {
        Aml *res = aml_resource_template();
        aml_append(res, aml_interrupt(true, true, false, true, irq));
        aml_append(dev, aml_name_decl(n ? "_CRS" : "_PRS", res));
    }
    aml_append(dev, aml_method("_SRS", 1, false));
    return dev;
}

static Aml *hpet_device(const AcpiConfig *cfg)
{
    Aml *dev = aml_device("HPET");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0103")));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_memory32_fixed(cfg->hpet_addr, 0x400, false));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *fw_cfg_device(void)
{
    Aml *dev = aml_device("FWCF");
    aml_append(dev, aml_name_decl("_HID", aml_string("QEMU0002")));
    aml_append(dev, aml_name_decl("_STA", aml_int(0x0b)));  /* no UI */
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_io(FW_CFG_IO_BASE, FW_CFG_IO_BASE, 1, 12));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *pci_host_device(const AcpiConfig *cfg)
{
    Aml *pci = aml_device("PCI0");
    /* No _ADR beside _HID: a device has one or the other (ACPI 6.x §6.1). */
    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, aml_name_decl("_CRS", pci_host_crs(cfg)));
    if (pci_links_present(cfg)) {
        aml_append(pci, aml_name_decl("_PRT", pci_routing_table()));
    }
    Aml *isa = aml_device("ISA");
    aml_append(isa, aml_name_decl("_ADR", aml_int(0x00010000)));   /* 00:01.0 */
    for (size_t i = 0; i < G_N_ELEMENTS(isa_devices); i++) {
        aml_append(isa, isa_device_aml(&isa_devices[i]));
    }
    aml_append(pci, isa);
    if (cfg->fw_cfg) {
        aml_append(pci, fw_cfg_device());
    }
    return pci;
}

static Aml *sleep_state_s5(void)
{
    Aml *pkg = aml_package();
    aml_append(pkg, aml_int(ACPI_S5_SLP_TYP));  /* PM1a_CNT.SLP_TYP */
    aml_append(pkg, aml_int(ACPI_S5_SLP_TYP));  /* PM1b_CNT.SLP_TYP */
    aml_append(pkg, aml_int(0));
    aml_append(pkg, aml_int(0));
    return aml_name_decl("\\_S5", pkg);
}

static uint32_t build_dsdt(AcpiBuilder *b, const AcpiConfig *cfg)
{
    uint32_t start = table_begin(b, "DSDT", 2);     /* 2: 64-bit integers */
    Aml *body = aml_new();
    Aml *sb = aml_scope("\\_SB");
    aml_append(sb, pci_host_device(cfg));
    for (unsigned i = 0; i < 4 && pci_links_present(cfg); i++) {
        aml_append(sb, pci_link_device(i, cfg->pci_link_irqs[i]));
    }
    if (cfg->hpet) {
        aml_append(sb, hpet_device(cfg));
    }
    aml_append(body, sb);
    aml_append(body, sleep_state_s5());
    size_t len;
    const uint8_t *aml = aml_data(body, &len);
    g_byte_array_append(b->file[FILE_TABLES], aml, len);
    aml_free(body);
    table_end(b, start);
    return start;
}

/* --- FADT (§5.2.9), revision 6 --- */

enum {
    FADT_WBINVD = 1u << 0,
    FADT_PROC_C1 = 1u << 2,
    FADT_SLP_BUTTON = 1u << 5,          /* no fixed sleep button */
    FADT_FIX_RTC = 1u << 6,             /* no RTC_STS in PM1 */
    FADT_TMR_VAL_EXT = 1u << 8,         /* 32-bit PM timer */
    FADT_RESET_REG_SUP = 1u << 10,
    /* PWR_BUTTON (bit 4) clear: the fixed-feature power button exists. */
    BOOT_ARCH_LEGACY_DEVICES = 1u << 0,
    BOOT_ARCH_8042 = 1u << 1,
    PM1_EVT_LEN = 4, PM1_CNT_LEN = 2, PM_TMR_LEN = 4, GPE0_LEN = 4,
    RESET_PORT = 0xcf9, RESET_VALUE = 0x06,
    RTC_CENTURY_INDEX = 0x32,
};

static uint32_t build_fadt(AcpiBuilder *b, const AcpiConfig *cfg,
                           uint32_t facs, uint32_t dsdt)
{
    GByteArray *t = b->file[FILE_TABLES];
    uint32_t start = table_begin(b, "FACP", 6);
    uint16_t pm = cfg->pm_io_base;
    put_pointer(b, FILE_TABLES, 4, FILE_TABLES, facs);   /* FIRMWARE_CTRL */
    put_pointer(b, FILE_TABLES, 4, FILE_TABLES, dsdt);   /* DSDT */
    put_le(t, 0, 1);                    /* reserved */
    put_le(t, 0, 1);                    /* preferred PM profile: unspecified */
    put_le(t, cfg->sci_irq, 2);
    put_le(t, 0, 4);                    /* SMI_CMD 0: ACPI is always on */
    put_le(t, 0, 4);                    /* ACPI_ENABLE .. PSTATE_CNT */
    put_le(t, pm, 4);                   /* PM1a_EVT_BLK */
    put_le(t, 0, 4);                    /* PM1b_EVT_BLK */
    put_le(t, pm + 4, 4);               /* PM1a_CNT_BLK */
    put_le(t, 0, 4);                    /* PM1b_CNT_BLK */
    put_le(t, 0, 4);                    /* PM2_CNT_BLK */
    put_le(t, pm + 8, 4);               /* PM_TMR_BLK */
    put_le(t, cfg->gpe0_base, 4);       /* GPE0_BLK */
    put_le(t, 0, 4);                    /* GPE1_BLK */
    put_le(t, PM1_EVT_LEN, 1);
    put_le(t, PM1_CNT_LEN, 1);
    put_le(t, 0, 1);                    /* PM2_CNT_LEN */
    put_le(t, PM_TMR_LEN, 1);
    put_le(t, GPE0_LEN, 1);
    put_le(t, 0, 1);                    /* GPE1_BLK_LEN */
    put_le(t, 0, 1);                    /* GPE1_BASE */
    put_le(t, 0, 1);                    /* CST_CNT */
    put_le(t, 0xfff, 2);                /* P_LVL2_LAT: no C2 */
    put_le(t, 0xfff, 2);                /* P_LVL3_LAT: no C3 */
    put_le(t, 0, 4);                    /* FLUSH_SIZE, FLUSH_STRIDE */
    put_le(t, 0, 2);                    /* DUTY_OFFSET, DUTY_WIDTH */
    put_le(t, 0, 2);                    /* DAY_ALRM, MON_ALRM */
    put_le(t, RTC_CENTURY_INDEX, 1);
    put_le(t, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042, 2);
    put_le(t, 0, 1);                    /* reserved */
    put_le(t, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC |
              FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP, 4);
    put_gas(t, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE, RESET_PORT);
    put_le(t, RESET_VALUE, 1);
    put_le(t, 0, 2);                    /* ARM_BOOT_ARCH */
    put_le(t, 0, 1);                    /* FADT minor version: 6.0 */
    put_le(t, 0, 8);                    /* X_FIRMWARE_CTRL: the 32-bit one */
    put_pointer(b, FILE_TABLES, 8, FILE_TABLES, dsdt);   /* X_DSDT */
    put_gas(t, GAS_SYSTEM_IO, PM1_EVT_LEN * 8, GAS_ACCESS_ANY, pm);
    put_zeros(t, 12);                   /* X_PM1b_EVT_BLK */
    put_gas(t, GAS_SYSTEM_IO, PM1_CNT_LEN * 8, GAS_ACCESS_ANY, pm + 4);
    put_zeros(t, 12);                   /* X_PM1b_CNT_BLK */
    put_zeros(t, 12);                   /* X_PM2_CNT_BLK */
    put_gas(t, GAS_SYSTEM_IO, PM_TMR_LEN * 8, GAS_ACCESS_ANY, pm + 8);
    put_gas(t, GAS_SYSTEM_IO, GPE0_LEN * 8, GAS_ACCESS_ANY, cfg->gpe0_base);
    put_zeros(t, 12);                   /* X_GPE1_BLK */
    put_zeros(t, 12);                   /* SLEEP_CONTROL_REG */
    put_zeros(t, 12);                   /* SLEEP_STATUS_REG */
    put_zeros(t, 8);                    /* hypervisor vendor identity */
    table_end(b, start);
    return start;
}

/* --- MADT (§5.2.12) --- */

enum {
    MADT_PCAT_COMPAT = 1,
    MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_NMI = 4,
    MADT_ENABLED = 1,
    MPS_ACTIVE_HIGH = 0x1, MPS_LEVEL = 0xc,
};

static uint8_t cpu_apic_id(const AcpiConfig *cfg, unsigned i)
{
    return cfg->apic_ids ? cfg->apic_ids[i] : i;
}

static uint16_t level_irq_mask(const AcpiConfig *cfg)
{
    uint16_t mask = cfg->level_irqs | (1u << cfg->sci_irq);
    for (int i = 0; i < 4 && pci_links_present(cfg); i++) {
        mask |= 1u << cfg->pci_link_irqs[i];
    }
    return mask;
}

static void put_override(GByteArray *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    put_le(t, MADT_OVERRIDE, 1);
    put_le(t, 10, 1);
    put_le(t, 0, 1);                    /* bus: ISA */
    put_le(t, irq, 1);
    put_le(t, gsi, 4);
    put_le(t, flags, 2);
}

static uint32_t build_madt(AcpiBuilder *b, const AcpiConfig *cfg)
{
    GByteArray *t = b->file[FILE_TABLES];
    uint32_t start = table_begin(b, "APIC", 3);
    put_le(t, cfg->lapic_addr, 4);
    put_le(t, MADT_PCAT_COMPAT, 4);
    for (unsigned i = 0; i < cfg->cpus; i++) {
        put_le(t, MADT_LAPIC, 1);
        put_le(t, 8, 1);
        put_le(t, i, 1);                /* ACPI processor UID */
        put_le(t, cpu_apic_id(cfg, i), 1);
        put_le(t, MADT_ENABLED, 4);
    }
    put_le(t, MADT_IOAPIC, 1);
    put_le(t, 12, 1);
    put_le(t, cfg->ioapic_id, 1);
    put_le(t, 0, 1);
    put_le(t, cfg->ioapic_addr, 4);
    put_le(t, 0, 4);                    /* GSI base */
    put_override(t, 0, 2, 0);           /* the PIT is on pin 2 */
    uint16_t level = level_irq_mask(cfg);
    for (unsigned irq = 1; irq < 16; irq++) {
        if (level & (1u << irq)) {
            put_override(t, irq, irq, MPS_LEVEL | MPS_ACTIVE_HIGH);
        }
    }
    put_le(t, MADT_LAPIC_NMI, 1);
    put_le(t, 6, 1);
    put_le(t, 0xff, 1);                 /* all processors */
    put_le(t, 0, 2);                    /* flags: as the bus says */
    put_le(t, 1, 1);                    /* LINT1 */
    table_end(b, start);
    return start;
}

/* --- HPET (IA-PC HPET specification 1.0a, §3.2.4) --- */

static uint32_t build_hpet(AcpiBuilder *b, const AcpiConfig *cfg)
{
    GByteArray *t = b->file[FILE_TABLES];
    uint32_t start = table_begin(b, "HPET", 1);
    put_le(t, cfg->hpet_block_id, 4);
    put_gas(t, GAS_SYSTEM_MEMORY, 64, GAS_ACCESS_ANY, cfg->hpet_addr);
    put_le(t, 0, 1);                    /* HPET number */
    put_le(t, 0, 2);                    /* minimum clock tick */
    put_le(t, 0, 1);                    /* page protection */
    table_end(b, start);
    return start;
}

/* --- RSDT, XSDT (§5.2.7, §5.2.8) and RSDP (§5.2.5) --- */

static uint32_t build_sdt(AcpiBuilder *b, const char *sig, unsigned ptr_size,
                          const uint32_t *tables, unsigned n)
{
    uint32_t start = table_begin(b, sig, 1);
    for (unsigned i = 0; i < n; i++) {
        put_pointer(b, FILE_TABLES, ptr_size, FILE_TABLES, tables[i]);
    }
    table_end(b, start);
    return start;
}

static void build_rsdp(AcpiBuilder *b, uint32_t rsdt, uint32_t xsdt)
{
    GByteArray *r = b->file[FILE_RSDP];
    put_chars(r, "RSD PTR ", 8);
    put_le(r, 0, 1);                    /* checksum of the first 20 bytes */
    put_chars(r, ACPI_OEM_ID, 6);
    put_le(r, 2, 1);                    /* revision: ACPI 2.0+ */
    put_pointer(b, FILE_RSDP, 4, FILE_TABLES, rsdt);
    put_le(r, 36, 4);
    put_pointer(b, FILE_RSDP, 8, FILE_TABLES, xsdt);
    put_le(r, 0, 1);                    /* extended checksum */
    put_zeros(r, 3);
    add_checksum(b, FILE_RSDP, 8, 0, 20);
    add_checksum(b, FILE_RSDP, 32, 0, 36);
}

/* --- The whole set --- */

void acpi_config_pc(AcpiConfig *cfg, unsigned cpus)
{
    *cfg = (AcpiConfig){
        .cpus = cpus,
        .lapic_addr = 0xfee00000,
        .ioapic_addr = 0xfec00000,
        .pm_io_base = 0x600,
        .gpe0_base = 0xafe0,
        .sci_irq = 9,
        .pci_hole_start = 0xe0000000,
        .pci_hole_end = 0xfebfffff,
        .pci_link_irqs = { 10, 10, 11, 11 },   /* what SeaBIOS programs */
        .hpet_addr = 0xfed00000,
        .hpet_block_id = 0x8086a201,
        .fw_cfg = true,
    };
}

static bool config_check(const AcpiConfig *cfg, GError **errp)
{
    if (cfg->cpus < 1 || cfg->cpus > ACPI_MAX_CPUS) {
        error_setg(errp, "ACPI tables describe 1 to %d CPUs, not %u",
                   ACPI_MAX_CPUS, cfg->cpus);
        return false;
    }
    for (unsigned i = 0; i < cfg->cpus; i++) {
        if (cpu_apic_id(cfg, i) == 0xff) {
            error_setg(errp, "CPU %u: APIC id 255 needs x2APIC, which the "
                       "ACPI tables do not describe", i);
            return false;
        }
    }
    if (cfg->sci_irq == 0 || cfg->sci_irq > 15) {
        error_setg(errp, "SCI must be an ISA IRQ 1-15, not %u", cfg->sci_irq);
        return false;
    }
    for (int i = 0; i < 4; i++) {
        if (cfg->pci_link_irqs[i] > 15) {
            error_setg(errp, "PCI link %c: IRQ %u is not an ISA IRQ", 'A' + i,
                       cfg->pci_link_irqs[i]);
            return false;
        }
    }
    if (cfg->pci_hole_start > cfg->pci_hole_end ||
        (cfg->pci_hole64_end && cfg->pci_hole64_start > cfg->pci_hole64_end)) {
        error_setg(errp, "PCI window ends before it starts");
        return false;
    }
    return true;
}

static void builder_free(AcpiBuilder *b)
{
    for (int i = 0; i < FILE__MAX; i++) {
        g_byte_array_free(b->file[i], true);
    }
    g_array_free(b->pointers, true);
    g_array_free(b->checksums, true);
}

/* Builds the tables into b with pointers as offsets and checksums pending. */
static bool build_all(AcpiBuilder *b, const AcpiConfig *cfg, GError **errp)
{
    *b = (AcpiBuilder){
        .file = { g_byte_array_new(), g_byte_array_new() },
        .pointers = g_array_new(false, false, sizeof(AcpiPointer)),
        .checksums = g_array_new(false, false, sizeof(AcpiChecksum)),
    };
    if (!config_check(cfg, errp)) {
        builder_free(b);
        return false;
    }
    uint32_t facs = build_facs(b);
    uint32_t dsdt = build_dsdt(b, cfg);
    uint32_t tables[3];
    unsigned n = 0;
    tables[n++] = build_fadt(b, cfg, facs, dsdt);
    tables[n++] = build_madt(b, cfg);
    if (cfg->hpet) {
        tables[n++] = build_hpet(b, cfg);
    }
    uint32_t rsdt = build_sdt(b, "RSDT", 4, tables, n);
    uint32_t xsdt = build_sdt(b, "XSDT", 8, tables, n);
    build_rsdp(b, rsdt, xsdt);
    return true;
}

GByteArray *acpi_build_tables(const AcpiConfig *cfg, uint64_t base,
                              uint64_t *rsdp_addr, GError **errp)
{
    AcpiBuilder b;
    if (base % 64) {
        error_setg(errp, "ACPI tables at 0x%" G_GINT64_MODIFIER "x: the base "
                   "must be 64-byte aligned", base);
        return NULL;
    }
    if (!build_all(&b, cfg, errp)) {
        return NULL;
    }
    /* One blob: the tables, then the RSDP. */
    GByteArray *blob = b.file[FILE_TABLES];
    align_to(blob, 16);
    uint32_t file_offset[FILE__MAX] = { 0, blob->len };
    g_byte_array_append(blob, b.file[FILE_RSDP]->data, b.file[FILE_RSDP]->len);
    if (base + blob->len > (1ull << 32)) {
        error_setg(errp, "ACPI tables at 0x%" G_GINT64_MODIFIER "x do not fit "
                   "below 4 GiB", base);
        builder_free(&b);
        return NULL;
    }
    for (guint i = 0; i < b.pointers->len; i++) {
        AcpiPointer *p = &g_array_index(b.pointers, AcpiPointer, i);
        uint8_t *field = blob->data + file_offset[p->dest] + p->offset;
        uint64_t target = get_le(field, p->size);
        set_le(field, base + file_offset[p->src] + target, p->size);
    }
    for (guint i = 0; i < b.checksums->len; i++) {
        AcpiChecksum *c = &g_array_index(b.checksums, AcpiChecksum, i);
        uint8_t *range = blob->data + file_offset[c->file] + c->start;
        uint8_t *sum = blob->data + file_offset[c->file] + c->offset;
        *sum -= acpi_checksum(range, c->length);
    }
    *rsdp_addr = base + file_offset[FILE_RSDP];
    b.file[FILE_TABLES] = g_byte_array_new();   /* the blob is the caller's */
    builder_free(&b);
    return blob;
}

/* --- QEMU's table-loader commands (128 bytes each, little-endian) --- */

enum {
    LOADER_ALLOCATE = 1, LOADER_ADD_POINTER = 2, LOADER_ADD_CHECKSUM = 3,
    LOADER_ZONE_HIGH = 1, LOADER_ZONE_FSEG = 2,
    LOADER_ENTRY_SIZE = 128,
};

static void put_file_name(GByteArray *cmd, AcpiFile f)
{
    char name[FW_CFG_MAX_FILE_PATH] = { 0 };
    g_strlcpy(name, file_names[f], sizeof(name));
    put_chars(cmd, name, sizeof(name));
}

static void loader_end_entry(GByteArray *loader, uint32_t start)
{
    put_zeros(loader, start + LOADER_ENTRY_SIZE - loader->len);
}

static void loader_allocate(GByteArray *l, AcpiFile f, uint32_t align,
                            uint8_t zone)
{
    uint32_t start = l->len;
    put_le(l, LOADER_ALLOCATE, 4);
    put_file_name(l, f);
    put_le(l, align, 4);
    put_le(l, zone, 1);
    loader_end_entry(l, start);
}

static void loader_add_pointer(GByteArray *l, const AcpiPointer *p)
{
    uint32_t start = l->len;
    put_le(l, LOADER_ADD_POINTER, 4);
    put_file_name(l, p->dest);
    put_file_name(l, p->src);
    put_le(l, p->offset, 4);
    put_le(l, p->size, 1);
    loader_end_entry(l, start);
}

static void loader_add_checksum(GByteArray *l, const AcpiChecksum *c)
{
    uint32_t start = l->len;
    put_le(l, LOADER_ADD_CHECKSUM, 4);
    put_file_name(l, c->file);
    put_le(l, c->offset, 4);
    put_le(l, c->start, 4);
    put_le(l, c->length, 4);
    loader_end_entry(l, start);
}

bool acpi_build_fw_cfg(const AcpiConfig *cfg, FWCfgState *fw_cfg, GError **errp)
{
    AcpiBuilder b;
    if (!build_all(&b, cfg, errp)) {
        return false;
    }
    /* Checksum fields stay 0: some loaders compute them over the range. */
    g_autoptr(GByteArray) loader = g_byte_array_new();
    loader_allocate(loader, FILE_RSDP, 16, LOADER_ZONE_FSEG);
    loader_allocate(loader, FILE_TABLES, 64, LOADER_ZONE_HIGH);
    for (guint i = 0; i < b.pointers->len; i++) {
        loader_add_pointer(loader, &g_array_index(b.pointers, AcpiPointer, i));
    }
    for (guint i = 0; i < b.checksums->len; i++) {
        loader_add_checksum(loader, &g_array_index(b.checksums, AcpiChecksum, i));
    }
    for (int f = 0; f < FILE__MAX; f++) {
        fw_cfg_modify_file(fw_cfg, file_names[f], b.file[f]->data, b.file[f]->len);
    }
    fw_cfg_modify_file(fw_cfg, "etc/table-loader", loader->data, loader->len);
    builder_free(&b);
    return true;
}
