/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC's interrupt wiring with the userspace controllers: GSIs fanned out
 * to the 8259 pair and the IOAPIC (MP spec / ACPI MADT conventions: ISA IRQ
 * 0 is IOAPIC pin 2), the 8259's INTR to LINT0, and the HPET's legacy
 * replacement route, which takes IRQ 0 and 8 from the PIT and the RTC.
 */
#include "vireo/x86-intc.h"
#include "vireo/pc.h"

static struct {
    PICState *pic;
    IOAPICState *ioapic;
    uint32_t device_levels;     /* bit n: GSI n as the machine's devices drive it */
    uint32_t hpet_levels;       /* bit n: GSI n as the HPET drives it */
    bool hpet_legacy;
} gsi;

static void gsi_update(int n)
{
    bool taken = gsi.hpet_legacy && (n == 0 || n == 8);
    int level = (((taken ? 0 : gsi.device_levels) | gsi.hpet_levels) >> n) & 1;
    if (n == 2) {
        return;                 /* the cascade: no device has GSI 2 */
    }
    if (n < 16 && gsi.pic) {
        i8259_set_irq(gsi.pic, n, level);
    }
    if (gsi.ioapic) {
        ioapic_set_irq(gsi.ioapic, n == 0 ? 2 : n, level);
    }
}

static void set_bit_level(uint32_t *bits, int n, int level)
{
    *bits = level ? *bits | (1u << n) : *bits & ~(1u << n);
}

void x86_gsi_set(int n, int level)
{
    if (n < 0 || n >= IOAPIC_NUM_PINS) {
        return;
    }
    set_bit_level(&gsi.device_levels, n, level);
    gsi_update(n);
}

static void hpet_gsi_handler(void *opaque, int n, int level)
{
    set_bit_level(&gsi.hpet_levels, n, level);
    gsi_update(n);
}

static void hpet_legacy_handler(void *opaque, int n, int level)
{
    gsi.hpet_legacy = level;
    gsi_update(0);
    gsi_update(8);
}

static void pic_intr_handler(void *opaque, int n, int level)
{
    apic_set_pic_intr(level);
}

bool x86_intc_init(ISABus *isa, GError **errp)
{
    static IrqLine pic_intr = { .handler = pic_intr_handler };
    static IrqLine hpet_legacy = { .handler = hpet_legacy_handler };
    static IrqLine *hpet_pins;
    MemoryRegion *sysmem = get_system_memory();
    CPUState *cpu;

    gsi.pic = i8259_init(isa, &pic_intr, errp);
    if (!gsi.pic) {
        return false;
    }
    gsi.ioapic = ioapic_init(sysmem, PC_IOAPIC_ADDR, errp);
    if (!gsi.ioapic) {
        return false;
    }
    CPU_FOREACH(cpu) {
        if (!apic_create(cpu, errp)) {
            return false;
        }
    }
    apic_connect_pic(gsi.pic);
    apic_map_mmio(sysmem);
    if (!i8254_init(isa, errp)) {
        return false;
    }
    if (!hpet_pins) {
        hpet_pins = irq_lines_new(hpet_gsi_handler, NULL, IOAPIC_NUM_PINS);
    }
    return hpet_init(sysmem, HPET_ADDR, hpet_pins, &hpet_legacy, errp) != NULL;
}
