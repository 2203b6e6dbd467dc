/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pc machine (i440FX + PIIX3): its memory map and the parts machine
 * code shares between files.
 */
#ifndef VIREO_PC_H
#define VIREO_PC_H

#include "vireo/isa.h"
#include "vireo/pci.h"

#define TYPE_I440FX_HOST "i440FX-pcihost"

#define PC_LOWMEM_LIMIT     0xe0000000ULL   /* RAM below 4 GiB ends here at most */
#define PC_LOWMEM_SPLIT     0xc0000000ULL   /* ... when RAM does not fit below it */
#define PC_BIOS_AREA        0xe0000ULL      /* last 128 KiB of the first MiB */
#define PC_ACPI_TABLES_ADDR 0xe0000ULL      /* direct boot: tables live here */
#define PC_IOAPIC_ADDR      0xfec00000ULL
#define PC_KVM_TSS_ADDR     0xfeffc000ULL   /* 4 pages KVM uses on Intel */

/* Builds the host bridge, PCI bus 0 with 00.0 and the PIIX3 at 01.0, and the
 * ISA bus behind it. */
PCIBus *i440fx_init(MemoryRegion *pci_mem, MemoryRegion *io, IrqLine *isa_irqs,
                    ISABus **isa_bus, GError **errp);

/* -serial chardevs, in order (NULL entries for "none"). */
extern GPtrArray *serial_chardevs;

#endif
