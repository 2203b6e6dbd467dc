/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC's userspace interrupt controllers and timers (8259A pair, IOAPIC,
 * local APICs, 8254 PIT, HPET) and the interface between them and the CPUs:
 * what an accelerator asks a vCPU's local APIC before it enters guest code.
 */
#ifndef VIREO_X86_INTC_H
#define VIREO_X86_INTC_H

#include "vireo/cpu.h"
#include "vireo/isa.h"

#define TYPE_I8259 "isa-i8259"
#define TYPE_IOAPIC "ioapic"
#define TYPE_APIC "apic"
#define TYPE_I8254 "isa-pit"
#define TYPE_HPET "hpet"

#define IOAPIC_NUM_PINS 24
#define APIC_MAX_CPUS 256
#define APIC_MSI_BASE 0xfee00000ULL
#define APIC_MSI_SIZE 0x100000ULL
#define HPET_ADDR 0xfed00000ULL

typedef struct PICState PICState;
typedef struct IOAPICState IOAPICState;
typedef struct APICState APICState;
typedef struct PITState PITState;
typedef struct HPETState HPETState;

/* --- The machine's wiring (hw/intc/x86-gsi.c) --- */

/* Builds the userspace irqchip of the pc machine: the 8259 pair on `isa`,
 * the IOAPIC, a local APIC for every CPU (and the 0xfee00000 window), the
 * PIT and the HPET, wired as a PC. */
bool x86_intc_init(ISABus *isa, GError **errp);
/* GSI fan-out: ISA IRQ n (n < 16) to 8259 input n and IOAPIC pin n, except
 * GSI 0 (the PIT) which is IOAPIC pin 2; GSIs 16-23 to the IOAPIC only. */
void x86_gsi_set(int gsi, int level);

/* --- 8259A pair (hw/intc/i8259.c) --- */

/* Master at 0x20 (ELCR 0x4d0), slave at 0xa0 (ELCR 0x4d1) cascaded on IR2;
 * the master's INT output drives `intr`. Returns the master. */
PICState *i8259_init(ISABus *bus, IrqLine *intr, GError **errp);
/* Input `irq` 0-15 of the pair (8-15 on the slave). */
void i8259_set_irq(PICState *master, int irq, int level);
/* The interrupt-acknowledge cycle: the vector, spurious IR7/IR15 when the
 * request went away. */
int i8259_intack(PICState *master);

/* --- IOAPIC (hw/intc/ioapic.c) --- */

/* Creates an 82093AA and maps it at `addr` in `container`. */
IOAPICState *ioapic_init(MemoryRegion *container, uint64_t addr, GError **errp);
void ioapic_set_irq(IOAPICState *s, int pin, int level);
/* A local APIC's EOI of a level-triggered vector, to every IOAPIC. */
void ioapic_eoi_broadcast(int vector);

/* --- Local APIC (hw/intc/apic.c) --- */

/* Delivery modes of interrupt messages (SDM vol. 3, 11.6.1). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* Creates and realizes the local APIC of `cpu` (its child "lapic"). */
APICState *apic_create(CPUState *cpu, GError **errp);
APICState *apic_of(CPUState *cpu);
/* Maps the xAPIC/MSI window 0xfee00000-0xfeefffff in `container`: a vCPU's
 * access reaches its own local APIC, a device's write is an MSI. */
void apic_map_mmio(MemoryRegion *container);
/* Where ExtINT is acknowledged (the 8259 master). */
void apic_connect_pic(PICState *pic);
/* The 8259's INTR output, wired to LINT0 of every local APIC. */
void apic_set_pic_intr(int level);

/* The CPU side; call with the big lock held. */
bool apic_has_interrupt(CPUState *cpu);          /* a maskable interrupt */
int apic_get_interrupt(CPUState *cpu);           /* acknowledge: vector, or -1 */
void apic_poll_irq(CPUState *cpu);               /* re-evaluate, wake if pending */
bool apic_take_nmi(CPUState *cpu);
bool apic_take_init(CPUState *cpu);              /* then: wait for SIPI */
bool apic_waiting_for_sipi(CPUState *cpu);
bool apic_take_sipi(CPUState *cpu, int *vector); /* leaves wait-for-SIPI */
/* Whether something ends HLT: NMI, INIT, SIPI, or with IF set an interrupt. */
bool apic_wakes_halted_cpu(CPUState *cpu, bool if_flag);
uint8_t apic_get_tpr(CPUState *cpu);
void apic_set_tpr(CPUState *cpu, uint8_t tpr);
uint64_t apic_get_base(CPUState *cpu);
void apic_set_base(CPUState *cpu, uint64_t value);  /* IA32_APIC_BASE */
/* IA32_TSC_DEADLINE (MSR 0x6e0): the caller gives its TSC now and rate. */
void apic_set_tsc_deadline(CPUState *cpu, uint64_t deadline, uint64_t tsc_now,
                           uint64_t tsc_hz);
uint64_t apic_get_tsc_deadline(CPUState *cpu);

/* Register access by offset (0x20 ID ... 0x3e0 divide), as through MMIO. */
uint32_t apic_reg_read(APICState *s, unsigned offset);
void apic_reg_write(APICState *s, unsigned offset, uint32_t value);
/* An interrupt message on the APIC bus (from the IOAPIC, an MSI). */
void apic_deliver_irq(uint8_t dest, bool logical, int delivery_mode,
                      uint8_t vector, bool level_triggered);
/* An MSI write: address 0xfeeXXXXX, data. */
void apic_send_msi(uint64_t addr, uint32_t data);

/* --- 8254 PIT and port 0x61 (hw/timer/i8254.c) --- */

/* Channels at 0x40-0x43, channel 0's output on the bus's IRQ 0, channel 2's
 * gate and output at port 0x61. */
PITState *i8254_init(ISABus *bus, GError **errp);
int i8254_get_out(PITState *s, int channel);   /* output pin level now */

/* --- HPET (hw/timer/hpet.c) --- */

/* Maps an HPET at `addr`. A timer routed to IOAPIC pin n drives line n of
 * `pins` (24 lines, GSIs); in legacy replacement mode timer 0 drives line 0
 * and timer 1 line 8 (ISA IRQ 0 and 8) and `legacy` is raised, so that the
 * machine disconnects the PIT and the RTC. */
HPETState *hpet_init(MemoryRegion *container, uint64_t addr, IrqLine *pins,
                     IrqLine *legacy, GError **errp);

#endif
