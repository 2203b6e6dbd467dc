/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI for the pc machine: the table builder (RSDP, RSDT/XSDT, FADT, FACS,
 * MADT, HPET, DSDT; ACPI 6.x chapter 5) and the PM register device
 * (PM1a event/control, PM timer, GPE0; ACPI 6.x chapter 4).
 */
#ifndef VIREO_ACPI_H
#define VIREO_ACPI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct FWCfgState FWCfgState;
typedef struct IrqLine IrqLine;

/* --- Tables --- */

#define ACPI_OEM_ID "VIREO "
#define ACPI_OEM_TABLE_ID "VIREOPC "
#define ACPI_CREATOR_ID "VIRO"
#define ACPI_MAX_CPUS 255               /* xAPIC ids in MADT type-0 entries */

typedef struct AcpiConfig {
    unsigned cpus;
    const uint8_t *apic_ids;            /* cpus entries; NULL: 0..cpus-1 */
    uint32_t lapic_addr;                /* 0xfee00000 */
    uint32_t ioapic_addr;               /* 0xfec00000 */
    uint8_t ioapic_id;                  /* 0 */
    uint16_t pm_io_base;                /* PM1a_EVT; CNT at +4, TMR at +8 */
    uint16_t gpe0_base;                 /* 4 bytes: status, enable */
    uint8_t sci_irq;                    /* ISA IRQ = GSI, level/active-high */
    /* ISA IRQs wired level/active-high (bit n: IRQ n), for MADT overrides;
     * the SCI and the PCI link IRQs are added to it. */
    uint16_t level_irqs;
    uint32_t pci_hole_start;            /* 32-bit PCI window [start, end] */
    uint32_t pci_hole_end;
    uint64_t pci_hole64_start;          /* 64-bit window; end 0: none */
    uint64_t pci_hole64_end;
    /* ISA IRQs the PIIX routes PIRQA-D to (the DSDT's LNKA-LNKD); slot s
     * pin p (0 = INTA) uses PIRQ (s + p - 1) & 3. All 0: no _PRT. */
    uint8_t pci_link_irqs[4];
    bool hpet;
    uint32_t hpet_addr;                 /* 0xfed00000 */
    uint32_t hpet_block_id;             /* Event Timer Block ID of the HPET */
    bool fw_cfg;                        /* describe fw_cfg (QEMU0002) at 0x510 */
} AcpiConfig;

/* The pc machine's values for `cpus` processors with APIC ids 0..cpus-1. */
void acpi_config_pc(AcpiConfig *cfg, unsigned cpus);

/* Lays the tables out for guest-physical `base` (64-byte aligned, the whole
 * blob below 4 GiB): returns the blob to copy there, and the RSDP's address
 * in *rsdp_addr (inside the blob, 16-byte aligned). NULL on a bad config. */
GByteArray *acpi_build_tables(const AcpiConfig *cfg, uint64_t base,
                              uint64_t *rsdp_addr, GError **errp);

/* The same tables for firmware: "etc/acpi/tables", "etc/acpi/rsdp" and the
 * commands that place, link and checksum them, "etc/table-loader". */
bool acpi_build_fw_cfg(const AcpiConfig *cfg, FWCfgState *fw_cfg, GError **errp);

/* Sum of bytes (8-bit); a table is valid when it is 0 over its length. */
uint8_t acpi_checksum(const uint8_t *data, size_t len);

/* --- PM registers device ("acpi-pm") --- */

#define TYPE_ACPI_PM "acpi-pm"

/* PM1 status/enable bits. */
#define ACPI_BITS_TMR 0x0001            /* TMR_STS / TMR_EN */
#define ACPI_BITS_PWRBTN 0x0100         /* PWRBTN_STS / PWRBTN_EN */
#define ACPI_BITS_WAK 0x8000            /* WAK_STS */
/* PM1 control bits. */
#define ACPI_CNT_SCI_EN 0x0001
#define ACPI_CNT_SLP_TYP_SHIFT 10
#define ACPI_CNT_SLP_TYP_MASK 0x1c00
#define ACPI_CNT_SLP_EN 0x2000
#define ACPI_S5_SLP_TYP 0               /* the DSDT's \_S5 value */
#define ACPI_PM_TIMER_HZ 3579545

typedef struct AcpiPMState AcpiPMState;

/* Creates the device on its I/O ports (properties "iobase", default 0x600,
 * and "gpe0-base", default 0xafe0) with `sci` as its interrupt line. */
AcpiPMState *acpi_pm_create(uint16_t iobase, uint16_t gpe0_base, IrqLine *sci,
                            GError **errp);
void acpi_pm_set_sci(AcpiPMState *s, IrqLine *sci);
/* Presses the power button (as a QMP system_powerdown does). */
void acpi_pm_power_button(AcpiPMState *s);
/* Sets GPE0 status bit `bit` (0-15), e.g. for hotplug. */
void acpi_pm_gpe_raise(AcpiPMState *s, unsigned bit);

#endif
