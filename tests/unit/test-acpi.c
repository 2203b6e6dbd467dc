/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI: AML encodings against byte sequences worked out from ACPI 6.x
 * chapter 20 and §6.4; the tables parsed back (checksums, pointers, FADT,
 * MADT, DSDT); the fw_cfg table-loader run as firmware would; and the PM
 * registers device (S5, power button, SCI, PM timer, GPE0).
 */
#include "vireo/acpi.h"
#include "vireo/aml.h"
#include "vireo/device.h"
#include "vireo/fw-cfg.h"
#include "vireo/irq.h"
#include "vireo/memory.h"
#include "vireo/runstate.h"
#include <string.h>

/* --- AML --- */

/* Encoding of one term, appended to an empty term list. */
static void assert_aml(Aml *term, const char *bytes, size_t len)
{
    Aml *list = aml_new();
    aml_append(list, term);
    size_t n;
    const uint8_t *data = aml_data(list, &n);
    g_assert_cmpmem(data, n, bytes, len);
    aml_free(list);
}
#define ASSERT_AML(term, lit) assert_aml((term), (lit), sizeof(lit) - 1)

static void assert_pkg_length(uint32_t rest, const char *bytes, size_t len)
{
    uint8_t out[4];
    size_t n = aml_pkg_length(rest, out);
    g_assert_cmpmem(out, n, bytes, len);
}
#define ASSERT_PKGLEN(rest, lit) assert_pkg_length((rest), (lit), sizeof(lit) - 1)

static void test_aml_pkg_length(void)
{
    /* The value counts its own bytes; one byte holds up to 63. */
    ASSERT_PKGLEN(0, "\x01");
    ASSERT_PKGLEN(62, "\x3f");
    /* 63 + 2 = 65 = 0x41: lead byte 0x40 | 1, then 0x04. */
    ASSERT_PKGLEN(63, "\x41\x04");
    ASSERT_PKGLEN(64, "\x42\x04");
    /* 4093 + 2 = 4095: the largest 2-byte value. */
    ASSERT_PKGLEN(4093, "\x4f\xff");
    /* 4094 + 3 = 4097 = 0x1001. */
    ASSERT_PKGLEN(4094, "\x81\x00\x01");
    ASSERT_PKGLEN(4096, "\x83\x00\x01");
    /* 0xffffc + 3 = 0xfffff: the largest 3-byte value. */
    ASSERT_PKGLEN(0xffffc, "\x8f\xff\xff");
    /* 0xffffd + 4 = 0x100001. */
    ASSERT_PKGLEN(0xffffd, "\xc1\x00\x00\x01");
    ASSERT_PKGLEN(0x0ffffffb, "\xcf\xff\xff\xff");
    uint8_t out[4];
    g_assert_cmpuint(aml_pkg_length(0x0ffffffc, out), ==, 0);
}

static void test_aml_integers(void)
{
    ASSERT_AML(aml_int(0), "\x00");
    ASSERT_AML(aml_int(1), "\x01");
    ASSERT_AML(aml_int(UINT64_MAX), "\xff");
    ASSERT_AML(aml_int(2), "\x0a\x02");
    ASSERT_AML(aml_int(0xff), "\x0a\xff");
    ASSERT_AML(aml_int(0x100), "\x0b\x00\x01");
    ASSERT_AML(aml_int(0xffff), "\x0b\xff\xff");
    ASSERT_AML(aml_int(0x10000), "\x0c\x00\x00\x01\x00");
    ASSERT_AML(aml_int(0xffffffff), "\x0c\xff\xff\xff\xff");
    ASSERT_AML(aml_int(0x100000000ull), "\x0e\x00\x00\x00\x00\x01\x00\x00\x00");
    ASSERT_AML(aml_string("AB"), "\x0d" "AB\x00");
    ASSERT_AML(aml_arg(0), "\x68");
    ASSERT_AML(aml_local(7), "\x67");
}

static void test_aml_eisaid(void)
{
    g_assert_cmphex(aml_eisaid_value("PNP0A03"), ==, 0x030ad041);
    g_assert_cmphex(aml_eisaid_value("PNP0501"), ==, 0x0105d041);
    g_assert_cmphex(aml_eisaid_value("PNP0B00"), ==, 0x000bd041);
    ASSERT_AML(aml_eisaid("PNP0A03"), "\x0c\x41\xd0\x0a\x03");
}

static void test_aml_names(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_assert_true(aml_name_string(b, "_SB"));
    g_assert_cmpmem(b->data, b->len, "_SB_", 4);
    g_byte_array_set_size(b, 0);
    g_assert_true(aml_name_string(b, "\\_SB.PCI0"));
    g_assert_cmpmem(b->data, b->len, "\\\x2e_SB_PCI0", 10);
    g_byte_array_set_size(b, 0);
    g_assert_true(aml_name_string(b, "\\_SB.PCI0.ISA"));
    g_assert_cmpmem(b->data, b->len, "\\\x2f\x03_SB_PCI0ISA_", 15);
    g_byte_array_set_size(b, 0);
    g_assert_true(aml_name_string(b, "^^FOO"));
    g_assert_cmpmem(b->data, b->len, "^^FOO_", 6);
    g_byte_array_set_size(b, 0);
    g_assert_true(aml_name_string(b, "\\"));
    g_assert_cmpmem(b->data, b->len, "\\\x00", 2);
    g_assert_false(aml_name_string(b, "pci0"));
    g_assert_false(aml_name_string(b, "TOOLONG"));
    g_assert_false(aml_name_string(b, "\\_SB..X"));
    g_assert_false(aml_name_string(b, "1ABC"));
}

static void test_aml_objects(void)
{
    /* Name(\_S5, Package(4){0, 0, 0, 0}) */
    Aml *pkg = aml_package();
    for (int i = 0; i < 4; i++) {
        aml_append(pkg, aml_int(0));
    }
    ASSERT_AML(aml_name_decl("\\_S5", pkg),
               "\x08\\_S5_\x12\x06\x04\x00\x00\x00\x00");
    /* Method(_STA, 0, NotSerialized) { Return(0x0F) } */
    Aml *m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_int(0x0f)));
    ASSERT_AML(m, "\x14\x09_STA\x00\xa4\x0a\x0f");
    /* Method(_SRS, 1, Serialized) {} */
    ASSERT_AML(aml_method("_SRS", 1, true), "\x14\x06_SRS\x09");
    /* Device(PCI0) { Name(_HID, EisaId("PNP0A03")) } */
    Aml *d = aml_device("PCI0");
    aml_append(d, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    ASSERT_AML(d, "\x5b\x82\x0f" "PCI0" "\x08_HID\x0c\x41\xd0\x0a\x03");
    /* Scope(\_SB) {} */
    ASSERT_AML(aml_scope("\\_SB"), "\x10\x06\\_SB_");
    /* If (LEqual(Arg0, One)) { Return(One) } Else { Return(Zero) } */
    Aml *cond = aml_if(aml_lequal(aml_arg(0), aml_int(1)));
    aml_append(cond, aml_return(aml_int(1)));
    ASSERT_AML(cond, "\xa0\x06\x93\x68\x01\xa4\x01");
    Aml *other = aml_else();
    aml_append(other, aml_return(aml_int(0)));
    ASSERT_AML(other, "\xa1\x03\xa4\x00");
    /* Buffer() { 1, 2, 3 } */
    ASSERT_AML(aml_buffer((const uint8_t *)"\x01\x02\x03", 3),
               "\x11\x06\x0a\x03\x01\x02\x03");
}

static void test_aml_long_block(void)
{
    /* A scope whose PkgLength needs two bytes: 4 name + 100 body = 104,
     * + 2 = 106 = 0x6a -> 0x4a 0x06. */
    Aml *s = aml_scope("ABCD");
    for (int i = 0; i < 50; i++) {
        aml_append(s, aml_local(0));
        aml_append(s, aml_local(1));
    }
    Aml *list = aml_new();
    aml_append(list, s);
    size_t n;
    const uint8_t *data = aml_data(list, &n);
    g_assert_cmpuint(n, ==, 1 + 2 + 104);
    g_assert_cmpmem(data, 7, "\x10\x4a\x06" "ABCD", 7);
    aml_free(list);
}

static void test_aml_resources(void)
{
    /* ResourceTemplate() { IO(Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags() {4} } */
    Aml *rt = aml_resource_template();
    aml_append(rt, aml_io(0x3f8, 0x3f8, 1, 8));
    aml_append(rt, aml_irq_no_flags(4));
    ASSERT_AML(rt, "\x11\x10\x0a\x0d"
                   "\x47\x01\xf8\x03\xf8\x03\x01\x08"
                   "\x22\x10\x00"
                   "\x79\x00");
    /* WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode,
     *               0, 0, 0xFF, 0, 0x100) */
    ASSERT_AML(aml_word_bus_number(0, 0xff),
               "\x88\x0d\x00\x02\x0c\x00\x00\x00\x00\x00\xff\x00\x00\x00\x00\x01");
    /* WordIO(..., EntireRange, 0, 0x0D00, 0xFFFF, 0, 0xF300) */
    ASSERT_AML(aml_word_io(0x0d00, 0xffff),
               "\x88\x0d\x00\x01\x0c\x03\x00\x00\x00\x0d\xff\xff\x00\x00\x00\xf3");
    /* DWordMemory(..., Cacheable, ReadWrite, 0, 0xA0000, 0xBFFFF, 0, 0x20000) */
    ASSERT_AML(aml_dword_memory(0xa0000, 0xbffff, true, true),
               "\x87\x17\x00\x00\x0c\x03" "\x00\x00\x00\x00"
               "\x00\x00\x0a\x00" "\xff\xff\x0b\x00" "\x00\x00\x00\x00"
               "\x00\x00\x02\x00");
    /* QWordMemory(..., NonCacheable, ReadWrite, 0, 2^32, 2^33 - 1, 0, 2^32) */
    ASSERT_AML(aml_qword_memory(0x100000000ull, 0x1ffffffffull, false, true),
               "\x8a\x2b\x00\x00\x0c\x01"
               "\x00\x00\x00\x00\x00\x00\x00\x00"
               "\x00\x00\x00\x00\x01\x00\x00\x00"
               "\xff\xff\xff\xff\x01\x00\x00\x00"
               "\x00\x00\x00\x00\x00\x00\x00\x00"
               "\x00\x00\x00\x00\x01\x00\x00\x00");
    /* Memory32Fixed(ReadWrite, 0xFED00000, 0x400) */
    ASSERT_AML(aml_memory32_fixed(0xfed00000, 0x400, true),
               "\x86\x09\x00\x01\x00\x00\xd0\xfe\x00\x04\x00\x00");
    /* Interrupt(ResourceConsumer, Level, ActiveHigh, Shared) {10} */
    ASSERT_AML(aml_interrupt(true, true, false, true, 10),
               "\x89\x06\x00\x09\x01\x0a\x00\x00\x00");
    /* Interrupt(ResourceConsumer, Edge, ActiveLow, Exclusive) {5} */
    ASSERT_AML(aml_interrupt(true, false, true, false, 5),
               "\x89\x06\x00\x07\x01\x05\x00\x00\x00");
}

/* --- Tables --- */

#define BASE 0xe0000

typedef struct Tables {
    GByteArray *blob;
    uint64_t base;
    uint64_t rsdp;
} Tables;

static const uint8_t *at(const Tables *t, uint64_t addr, size_t len)
{
    g_assert_cmpuint(addr, >=, t->base);
    g_assert_cmpuint(addr + len, <=, t->base + t->blob->len);
    return t->blob->data + (addr - t->base);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* A table at addr with its signature, a sane length and a zero sum. */
static const uint8_t *table(const Tables *t, uint64_t addr, const char *sig,
                            uint32_t *len)
{
    const uint8_t *h = at(t, addr, 36);
    g_assert_cmpmem(h, 4, sig, 4);
    *len = le(h + 4, 4);
    g_assert_cmpuint(*len, >=, 36);
    h = at(t, addr, *len);
    g_assert_cmpuint(acpi_checksum(h, *len), ==, 0);
    g_assert_cmpmem(h + 10, 6, ACPI_OEM_ID, 6);
    g_assert_cmpmem(h + 16, 8, ACPI_OEM_TABLE_ID, 8);
    g_assert_cmpmem(h + 28, 4, ACPI_CREATOR_ID, 4);
    return h;
}

static Tables build(const AcpiConfig *cfg)
{
    Tables t = { .base = BASE };
    GError *err = NULL;
    t.blob = acpi_build_tables(cfg, BASE, &t.rsdp, &err);
    g_assert_no_error(err);
    g_assert_nonnull(t.blob);
    return t;
}

/* Checks the RSDP and returns the XSDT's address. */
static uint64_t check_rsdp(const Tables *t, uint64_t *rsdt)
{
    g_assert_cmpuint(t->rsdp % 16, ==, 0);
    const uint8_t *r = at(t, t->rsdp, 36);
    g_assert_cmpmem(r, 8, "RSD PTR ", 8);
    g_assert_cmpuint(acpi_checksum(r, 20), ==, 0);
    g_assert_cmpuint(acpi_checksum(r, 36), ==, 0);
    g_assert_cmpmem(r + 9, 6, ACPI_OEM_ID, 6);
    g_assert_cmpuint(r[15], ==, 2);
    g_assert_cmpuint(le(r + 20, 4), ==, 36);
    *rsdt = le(r + 16, 4);
    return le(r + 24, 8);
}

/* The XSDT's (and RSDT's, which must agree) entries. */
static unsigned sdt_entries(const Tables *t, uint64_t *out, unsigned max)
{
    uint64_t rsdt_addr, xsdt_addr = check_rsdp(t, &rsdt_addr);
    uint32_t xlen, rlen;
    const uint8_t *x = table(t, xsdt_addr, "XSDT", &xlen);
    const uint8_t *r = table(t, rsdt_addr, "RSDT", &rlen);
    unsigned n = (xlen - 36) / 8;
    g_assert_cmpuint((rlen - 36) / 4, ==, n);
    g_assert_cmpuint(n, <=, max);
    for (unsigned i = 0; i < n; i++) {
        out[i] = le(x + 36 + 8 * i, 8);
        g_assert_cmpuint(le(r + 36 + 4 * i, 4), ==, out[i]);
    }
    return n;
}

static uint64_t find_table(const Tables *t, const char *sig)
{
    uint64_t e[8];
    unsigned n = sdt_entries(t, e, 8);
    for (unsigned i = 0; i < n; i++) {
        if (!memcmp(at(t, e[i], 4), sig, 4)) {
            return e[i];
        }
    }
    return 0;
}

static void assert_gas(const uint8_t *g, uint8_t space, uint8_t bits,
                       uint64_t addr)
{
    g_assert_cmpuint(g[0], ==, space);
    g_assert_cmpuint(g[1], ==, bits);
    g_assert_cmpuint(g[2], ==, 0);
    g_assert_cmphex(le(g + 4, 8), ==, addr);
}

static void test_tables_rsdp_xsdt(void)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 1);
    Tables t = build(&cfg);
    uint64_t e[8];
    g_assert_cmpuint(sdt_entries(&t, e, 8), ==, 2);     /* FACP, APIC */
    uint32_t len;
    table(&t, e[0], "FACP", &len);
    table(&t, e[1], "APIC", &len);
    g_assert_cmpuint(find_table(&t, "HPET"), ==, 0);
    g_byte_array_free(t.blob, true);

    cfg.hpet = true;
    t = build(&cfg);
    uint64_t hpet = find_table(&t, "HPET");
    g_assert_cmpuint(hpet, !=, 0);
    const uint8_t *h = table(&t, hpet, "HPET", &len);
    g_assert_cmpuint(len, ==, 56);
    g_assert_cmphex(le(h + 36, 4), ==, cfg.hpet_block_id);
    assert_gas(h + 40, 0, 64, 0xfed00000);
    g_byte_array_free(t.blob, true);
}

static void test_tables_fadt(void)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 2);
    Tables t = build(&cfg);
    uint32_t len;
    const uint8_t *f = table(&t, find_table(&t, "FACP"), "FACP", &len);
    g_assert_cmpuint(len, ==, 276);
    g_assert_cmpuint(f[8], ==, 6);                      /* revision */
    g_assert_cmpuint(le(f + 46, 2), ==, 9);             /* SCI_INT */
    g_assert_cmpuint(le(f + 48, 4), ==, 0);             /* SMI_CMD */
    g_assert_cmphex(le(f + 56, 4), ==, 0x600);          /* PM1a_EVT_BLK */
    g_assert_cmphex(le(f + 64, 4), ==, 0x604);          /* PM1a_CNT_BLK */
    g_assert_cmphex(le(f + 76, 4), ==, 0x608);          /* PM_TMR_BLK */
    g_assert_cmphex(le(f + 80, 4), ==, 0xafe0);         /* GPE0_BLK */
    g_assert_cmpuint(f[88], ==, 4);                     /* PM1_EVT_LEN */
    g_assert_cmpuint(f[89], ==, 2);                     /* PM1_CNT_LEN */
    g_assert_cmpuint(f[91], ==, 4);                     /* PM_TMR_LEN */
    g_assert_cmpuint(f[92], ==, 4);                     /* GPE0_BLK_LEN */
    g_assert_cmphex(le(f + 109, 2), ==, 0x3);           /* legacy + 8042 */
    uint32_t flags = le(f + 112, 4);
    g_assert_true(flags & (1u << 0));                   /* WBINVD */
    g_assert_true(flags & (1u << 2));                   /* PROC_C1 */
    g_assert_false(flags & (1u << 4));                  /* fixed power button */
    g_assert_true(flags & (1u << 5));                   /* no sleep button */
    g_assert_true(flags & (1u << 8));                   /* TMR_VAL_EXT */
    g_assert_true(flags & (1u << 10));                  /* RESET_REG_SUP */
    assert_gas(f + 116, 1, 8, 0xcf9);                   /* RESET_REG */
    g_assert_cmphex(f[128], ==, 0x06);                  /* RESET_VALUE */
    assert_gas(f + 148, 1, 32, 0x600);                  /* X_PM1a_EVT_BLK */
    assert_gas(f + 172, 1, 16, 0x604);                  /* X_PM1a_CNT_BLK */
    assert_gas(f + 208, 1, 32, 0x608);                  /* X_PM_TMR_BLK */
    assert_gas(f + 220, 1, 32, 0xafe0);                 /* X_GPE0_BLK */
    /* DSDT, both pointers. */
    uint64_t dsdt = le(f + 40, 4);
    g_assert_cmphex(le(f + 140, 8), ==, dsdt);
    table(&t, dsdt, "DSDT", &len);
    /* FACS: 64-byte aligned, no checksum. */
    uint64_t facs = le(f + 36, 4);
    g_assert_cmpuint(facs % 64, ==, 0);
    const uint8_t *fa = at(&t, facs, 64);
    g_assert_cmpmem(fa, 4, "FACS", 4);
    g_assert_cmpuint(le(fa + 4, 4), ==, 64);
    g_byte_array_free(t.blob, true);
}

typedef struct MadtCounts {
    unsigned lapic, ioapic, override, nmi;
} MadtCounts;

static MadtCounts parse_madt(unsigned cpus)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, cpus);
    Tables t = build(&cfg);
    uint32_t len;
    const uint8_t *m = table(&t, find_table(&t, "APIC"), "APIC", &len);
    g_assert_cmphex(le(m + 36, 4), ==, 0xfee00000);
    g_assert_cmpuint(le(m + 40, 4), ==, 1);             /* PCAT_COMPAT */
    MadtCounts c = { 0 };
    bool irq0 = false, irq9 = false;
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = m + off;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, len);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, c.lapic);        /* processor UID */
            g_assert_cmpuint(e[3], ==, c.lapic);        /* APIC id */
            g_assert_cmpuint(le(e + 4, 4), ==, 1);      /* enabled */
            c.lapic++;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmphex(le(e + 4, 4), ==, 0xfec00000);
            g_assert_cmpuint(le(e + 8, 4), ==, 0);
            c.ioapic++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            if (e[3] == 0) {
                irq0 = le(e + 4, 4) == 2 && le(e + 8, 2) == 0;
            }
            if (e[3] == 9) {
                irq9 = le(e + 4, 4) == 9 && le(e + 8, 2) == 0x000d;
            }
            c.override++;
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmpuint(e[2], ==, 0xff);
            g_assert_cmpuint(e[5], ==, 1);              /* LINT1 */
            c.nmi++;
            break;
        default:
            g_assert_not_reached();
        }
        off += e[1];
    }
    g_assert_true(irq0);
    g_assert_true(irq9);
    g_byte_array_free(t.blob, true);
    return c;
}

static void test_tables_madt(void)
{
    MadtCounts one = parse_madt(1), four = parse_madt(4);
    g_assert_cmpuint(one.lapic, ==, 1);
    g_assert_cmpuint(four.lapic, ==, 4);
    g_assert_cmpuint(one.ioapic, ==, 1);
    g_assert_cmpuint(one.nmi, ==, 1);
    /* IRQ0 -> GSI2, then IRQ 9, 10, 11 level/active-high. */
    g_assert_cmpuint(one.override, ==, 4);
    g_assert_cmpuint(parse_madt(255).lapic, ==, 255);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle, size_t len)
{
    return memmem(hay, n, needle, len) != NULL;
}
#define CONTAINS(h, n, lit) contains((h), (n), (lit), sizeof(lit) - 1)

static void test_tables_dsdt(void)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 1);
    Tables t = build(&cfg);
    uint32_t len;
    const uint8_t *f = table(&t, find_table(&t, "FACP"), "FACP", &len);
    const uint8_t *d = table(&t, le(f + 40, 4), "DSDT", &len);
    g_assert_cmpuint(d[8], ==, 2);
    g_assert_true(CONTAINS(d, len, "\x08\\_S5_\x12\x06\x04\x00\x00\x00\x00"));
    g_assert_true(CONTAINS(d, len, "PCI0\x08_HID\x0c\x41\xd0\x0a\x03"));
    g_assert_true(CONTAINS(d, len, "\x0c\x41\xd0\x05\x01"));     /* PNP0501 */
    g_assert_true(CONTAINS(d, len, "\x0c\x41\xd0\x0b\x00"));     /* PNP0B00 */
    g_assert_true(CONTAINS(d, len, "\x0c\x41\xd0\x03\x03"));     /* PNP0303 */
    g_assert_true(CONTAINS(d, len, "_PRT"));
    g_assert_true(CONTAINS(d, len, "QEMU0002"));
    /* The PCI window [0xe0000000, 0xfebfffff]. */
    g_assert_true(CONTAINS(d, len, "\x00\x00\x00\xe0\xff\xff\xbf\xfe"));
    g_byte_array_free(t.blob, true);

    /* No links: no _PRT; a 64-bit window: a QWordMemory. */
    memset(cfg.pci_link_irqs, 0, sizeof(cfg.pci_link_irqs));
    cfg.pci_hole64_start = 0x100000000ull;
    cfg.pci_hole64_end = 0x8ffffffffull;
    cfg.hpet = true;
    t = build(&cfg);
    f = table(&t, find_table(&t, "FACP"), "FACP", &len);
    d = table(&t, le(f + 40, 4), "DSDT", &len);
    g_assert_false(CONTAINS(d, len, "_PRT"));
    g_assert_true(CONTAINS(d, len, "\x8a\x2b\x00\x00\x0c"));
    g_assert_true(CONTAINS(d, len, "\x0c\x41\xd0\x01\x03"));     /* PNP0103 */
    g_byte_array_free(t.blob, true);
}

static void expect_build_error(const AcpiConfig *cfg, uint64_t base)
{
    GError *err = NULL;
    uint64_t rsdp = 0;
    g_assert_null(acpi_build_tables(cfg, base, &rsdp, &err));
    g_assert_nonnull(err);
    g_test_message("%s", err->message);
    g_error_free(err);
}

static void test_tables_errors(void)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 0);
    expect_build_error(&cfg, BASE);
    acpi_config_pc(&cfg, 256);
    expect_build_error(&cfg, BASE);
    acpi_config_pc(&cfg, 2);
    uint8_t ids[2] = { 0, 0xff };
    cfg.apic_ids = ids;
    expect_build_error(&cfg, BASE);
    acpi_config_pc(&cfg, 2);
    expect_build_error(&cfg, BASE + 8);                 /* unaligned */
    expect_build_error(&cfg, 0xffffffc0);               /* past 4 GiB */
    cfg.sci_irq = 16;
    expect_build_error(&cfg, BASE);
    acpi_config_pc(&cfg, 2);
    cfg.pci_hole_start = 0xff000000;
    expect_build_error(&cfg, BASE);
}

/* Runs etc/table-loader as firmware would: files placed at 0x100000 (the
 * tables) and 0xf0000 (the RSDP), pointers patched, checksums added. */
static void test_tables_fw_cfg_loader(void)
{
    FWCfgState *fw = fw_cfg_get();
    g_assert_nonnull(fw);
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 2);
    GError *err = NULL;
    g_assert_true(acpi_build_fw_cfg(&cfg, fw, &err));
    g_assert_no_error(err);

    size_t tlen, rlen, llen;
    const uint8_t *tables = fw_cfg_file_data(fw, "etc/acpi/tables", &tlen);
    const uint8_t *rsdp = fw_cfg_file_data(fw, "etc/acpi/rsdp", &rlen);
    const uint8_t *loader = fw_cfg_file_data(fw, "etc/table-loader", &llen);
    g_assert_nonnull(tables);
    g_assert_cmpuint(rlen, ==, 36);
    g_assert_cmpuint(llen % 128, ==, 0);

    /* Memory image: [0xf0000, ...) rsdp, [0x100000, ...) tables. */
    const uint64_t mem_base = 0xf0000, rsdp_at = 0xf0000, tables_at = 0x100000;
    Tables t = { .base = mem_base, .rsdp = rsdp_at };
    t.blob = g_byte_array_new();
    g_byte_array_set_size(t.blob, tables_at - mem_base + tlen);
    memset(t.blob->data, 0, t.blob->len);
    uint8_t *mem = t.blob->data;
    struct { const char *name; uint64_t addr; } files[2] = {
        { "etc/acpi/tables", tables_at }, { "etc/acpi/rsdp", rsdp_at },
    };
    unsigned allocated = 0;
    for (size_t off = 0; off < llen; off += 128) {
        const uint8_t *c = loader + off;
        uint32_t cmd = le(c, 4);
        const char *f1 = (const char *)c + 4, *f2 = (const char *)c + 60;
        int i1 = !strcmp(f1, files[0].name) ? 0 : !strcmp(f1, files[1].name) ? 1 : -1;
        int i2 = !strcmp(f2, files[0].name) ? 0 : !strcmp(f2, files[1].name) ? 1 : -1;
        g_assert_cmpint(i1, >=, 0);
        uint8_t *dest = mem + (files[i1].addr - mem_base);
        switch (cmd) {
        case 1: {                                       /* ALLOCATE */
            uint32_t align = le(c + 60, 4);
            g_assert_cmpuint(files[i1].addr % align, ==, 0);
            g_assert_cmpuint(c[64], ==, i1 == 1 ? 2 : 1);    /* FSEG / HIGH */
            memcpy(dest, i1 ? rsdp : tables, i1 ? rlen : tlen);
            allocated++;
            break;
        }
        case 2: {                                       /* ADD_POINTER */
            g_assert_cmpuint(allocated, ==, 2);
            g_assert_cmpint(i2, >=, 0);
            uint32_t at_off = le(c + 116, 4);
            uint8_t size = c[120];
            uint64_t v = le(dest + at_off, size) + files[i2].addr;
            for (unsigned i = 0; i < size; i++) {
                dest[at_off + i] = v >> (8 * i);
            }
            break;
        }
        case 3: {                                       /* ADD_CHECKSUM */
            uint32_t sum_off = le(c + 60, 4), start = le(c + 64, 4);
            uint32_t n = le(c + 68, 4);
            g_assert_cmpuint(dest[sum_off], ==, 0);
            dest[sum_off] -= acpi_checksum(dest + start, n);
            break;
        }
        default:
            g_assert_not_reached();
        }
    }
    /* Now the tables check out as the direct-boot ones do. */
    uint64_t e[8];
    g_assert_cmpuint(sdt_entries(&t, e, 8), ==, 2);
    uint32_t len;
    const uint8_t *f = table(&t, e[0], "FACP", &len);
    table(&t, le(f + 40, 4), "DSDT", &len);
    g_assert_cmpuint(le(f + 36, 4) % 64, ==, 0);
    g_assert_cmpmem(at(&t, le(f + 36, 4), 4), 4, "FACS", 4);
    table(&t, e[1], "APIC", &len);
    g_byte_array_free(t.blob, true);
}

/* --- PM device --- */

#define PM 0x600
#define GPE0 0xafe0

static AcpiPMState *pm;
static int sci_level = -1;
static int sci_edges;

static void sci_handler(void *opaque, int n, int level)
{
    if (level && sci_level != 1) {
        sci_edges++;
    }
    sci_level = level;
}

static void io_write(uint16_t port, unsigned size, uint64_t v)
{
    g_assert_cmpint(address_space_write_val(&address_space_io, port, size, v),
                    ==, MEMTX_OK);
}

static uint64_t io_read(uint16_t port, unsigned size)
{
    uint64_t v = 0;
    g_assert_cmpint(address_space_read_val(&address_space_io, port, size, &v),
                    ==, MEMTX_OK);
    return v;
}

static void pm_fresh(void)
{
    device_reset(DEVICE(pm));
    g_assert_cmpint(sci_level, ==, 0);
}

static void test_pm_reset_state(void)
{
    pm_fresh();
    g_assert_cmphex(io_read(PM + 4, 2), ==, ACPI_CNT_SCI_EN);
    g_assert_cmphex(io_read(PM + 2, 2), ==, 0);
    g_assert_cmphex(io_read(GPE0, 4), ==, 0);
}

static void test_pm_timer(void)
{
    pm_fresh();
    uint32_t t0 = io_read(PM + 8, 4);
    g_usleep(20000);
    uint32_t t1 = io_read(PM + 8, 4);
    uint32_t delta = t1 - t0;
    /* 20 ms at 3.579545 MHz is 71591 ticks; allow a slow machine. */
    g_assert_cmpuint(delta, >=, 71591 * 9 / 10);
    g_assert_cmpuint(delta, <, 71591 * 50);
    /* Writes do not change it. */
    io_write(PM + 8, 4, 0);
    g_assert_cmpuint((uint32_t)io_read(PM + 8, 4) - t1, <, 71591 * 50);
}

static void test_pm_power_button(void)
{
    pm_fresh();
    acpi_pm_power_button(pm);
    g_assert_cmphex(io_read(PM, 2) & ACPI_BITS_PWRBTN, ==, ACPI_BITS_PWRBTN);
    g_assert_cmpint(sci_level, ==, 0);                  /* not enabled yet */
    io_write(PM + 3, 1, ACPI_BITS_PWRBTN >> 8);         /* byte-wide enable */
    g_assert_cmphex(io_read(PM + 2, 2), ==, ACPI_BITS_PWRBTN);
    g_assert_cmpint(sci_level, ==, 1);
    /* One 32-bit read sees status and enable. */
    g_assert_cmphex(io_read(PM, 4) & 0xffff01ff, ==,
                    ACPI_BITS_PWRBTN | (ACPI_BITS_PWRBTN << 16));
    io_write(PM, 2, ACPI_BITS_PWRBTN);                  /* write 1 to clear */
    g_assert_cmphex(io_read(PM, 2) & ACPI_BITS_PWRBTN, ==, 0);
    g_assert_cmpint(sci_level, ==, 0);

    /* Through the runstate: system_powerdown's request reaches the button. */
    int edges = sci_edges;
    request_powerdown();
    g_assert_true(runstate_process_requests());
    g_assert_cmphex(io_read(PM, 2) & ACPI_BITS_PWRBTN, ==, ACPI_BITS_PWRBTN);
    g_assert_cmpint(sci_level, ==, 1);
    g_assert_cmpint(sci_edges, ==, edges + 1);

    /* Without SCI_EN there is no SCI. */
    io_write(PM + 4, 2, 0);
    g_assert_cmpint(sci_level, ==, 0);
    io_write(PM + 4, 2, ACPI_CNT_SCI_EN);
    g_assert_cmpint(sci_level, ==, 1);
}

static void test_pm_gpe(void)
{
    pm_fresh();
    acpi_pm_gpe_raise(pm, 3);
    g_assert_cmphex(io_read(GPE0, 1), ==, 0x08);
    g_assert_cmpint(sci_level, ==, 0);
    io_write(GPE0 + 2, 1, 0x08);
    g_assert_cmpint(sci_level, ==, 1);
    io_write(GPE0, 1, 0x08);
    g_assert_cmphex(io_read(GPE0, 1), ==, 0);
    g_assert_cmpint(sci_level, ==, 0);
    g_assert_cmphex(io_read(GPE0 + 2, 1), ==, 0x08);
}

static void test_pm_sleep(void)
{
    pm_fresh();
    /* S3 (type 1) is not supported: ignored. */
    io_write(PM + 4, 2, ACPI_CNT_SCI_EN | (1 << ACPI_CNT_SLP_TYP_SHIFT) |
                        ACPI_CNT_SLP_EN);
    g_assert_true(runstate_process_requests());
    g_assert_cmpint(runstate_get(), !=, RUN_STATE_SHUTDOWN);
    /* SLP_EN reads as 0; the type stays. */
    g_assert_cmphex(io_read(PM + 4, 2), ==,
                    ACPI_CNT_SCI_EN | (1 << ACPI_CNT_SLP_TYP_SHIFT));
    /* S5: the guest shuts the machine down. */
    io_write(PM + 4, 2, ACPI_CNT_SCI_EN | (ACPI_S5_SLP_TYP << ACPI_CNT_SLP_TYP_SHIFT) |
                        ACPI_CNT_SLP_EN);
    g_assert_false(runstate_process_requests());
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_SHUTDOWN);
    runstate_set(RUN_STATE_PRELAUNCH);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    GError *err = NULL;
    g_assert_nonnull(fw_cfg_init_io(FW_CFG_IO_BASE, true, &err));
    IrqLine *sci = irq_lines_new(sci_handler, NULL, 1);
    pm = acpi_pm_create(PM, GPE0, sci, &err);
    g_assert_no_error(err);

    g_test_add_func("/acpi/aml/pkg-length", test_aml_pkg_length);
    g_test_add_func("/acpi/aml/integers", test_aml_integers);
    g_test_add_func("/acpi/aml/eisaid", test_aml_eisaid);
    g_test_add_func("/acpi/aml/names", test_aml_names);
    g_test_add_func("/acpi/aml/objects", test_aml_objects);
    g_test_add_func("/acpi/aml/long-block", test_aml_long_block);
    g_test_add_func("/acpi/aml/resources", test_aml_resources);
    g_test_add_func("/acpi/tables/rsdp-xsdt", test_tables_rsdp_xsdt);
    g_test_add_func("/acpi/tables/fadt", test_tables_fadt);
    g_test_add_func("/acpi/tables/madt", test_tables_madt);
    g_test_add_func("/acpi/tables/dsdt", test_tables_dsdt);
    g_test_add_func("/acpi/tables/errors", test_tables_errors);
    g_test_add_func("/acpi/tables/fw-cfg-loader", test_tables_fw_cfg_loader);
    g_test_add_func("/acpi/pm/reset-state", test_pm_reset_state);
    g_test_add_func("/acpi/pm/timer", test_pm_timer);
    g_test_add_func("/acpi/pm/power-button", test_pm_power_button);
    g_test_add_func("/acpi/pm/gpe", test_pm_gpe);
    g_test_add_func("/acpi/pm/sleep", test_pm_sleep);
    int ret = g_test_run();
    irq_lines_free(sci);
    return ret;
}
