/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accelerator interface: one AccelOps per accelerator (kvm, tcg) that
 * sets up the VM, runs vCPUs on their threads, moves CPU state in and out,
 * and follows memory through a listener. Devices never see it.
 */
#ifndef VIREO_ACCEL_H
#define VIREO_ACCEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct CPUState CPUState;
typedef struct MachineState MachineState;
typedef struct MemoryRegion MemoryRegion;

typedef enum {
    VCPU_EXIT_AGAIN,        /* run again (after checking for stop requests) */
    VCPU_EXIT_HALTED,       /* wait until kicked or an interrupt arrives */
    VCPU_EXIT_ERROR,        /* internal error: the VM stops */
} VcpuExit;

typedef struct AccelOps {
    const char *name;                     /* "kvm", "tcg" */
    /* NULL if usable here; otherwise why not (static string or allocated
     * into *why with g_strdup). */
    bool (*available)(char **why);
    bool (*init)(MachineState *ms, GError **errp);
    bool (*vcpu_init)(CPUState *cpu, GError **errp);    /* on the vCPU thread */
    VcpuExit (*vcpu_exec)(CPUState *cpu);              /* lock not held */
    void (*vcpu_kick)(CPUState *cpu);                  /* leave vcpu_exec soon */
    void (*vcpu_destroy)(CPUState *cpu);
    /* Move architectural state between the accelerator and CPUState. */
    void (*get_state)(CPUState *cpu);
    void (*put_state)(CPUState *cpu, bool full);
    /* The irqchip (PIC/IOAPIC/LAPIC/PIT) lives in the accelerator. */
    bool (*irqchip_in_kernel)(void);
    /* Raise/lower a GSI on the in-kernel irqchip. */
    void (*set_gsi)(int gsi, int level);
    /* Reset the in-kernel irqchip and timers to power-on state. */
    void (*reset)(void);
    /* Fast paths for virtio, NULL where the accelerator has none. A write
     * to eventfd `fd` pulses GSI `gsi` (irqfd). */
    bool (*irqfd)(int gsi, int fd, bool assign, GError **errp);
    /* A guest write of `len` bytes at `addr` (port if pio) signals `fd`
     * without an exit to userspace; with match_data only when the value
     * equals `data` (ioeventfd). */
    bool (*ioeventfd)(uint64_t addr, unsigned len, bool pio, bool match_data,
                      uint64_t data, int fd, bool assign, GError **errp);
    /* ORs into `bitmap` (one bit per 4 KiB page of mr) the pages of RAM
     * region mr written since the last call, and clears the log. The region
     * must have memory_region_set_log_dirty(mr, true). */
    void (*sync_dirty)(MemoryRegion *mr, unsigned long *bitmap);
    /* Statistics for HMP `info jit`; NULL where there are none. */
    void (*stats)(GString *out);
} AccelOps;

void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
/* The one chosen for this run (NULL before configuration). */
const AccelOps *accel_current(void);
/* "kvm", "tcg", "kvm:tcg" (first available wins); errors name the one asked
 * for and why it is unavailable. */
bool accel_select(const char *list, MachineState *ms, GError **errp);
bool accel_is_kvm(void);
/* Whether KVM could be used here (for query-kvm "present"). */
bool kvm_present(void);

/* Accelerator option "-accel kvm,kernel-irqchip=on|off|split". */
extern bool accel_kernel_irqchip;
/* -accel tcg,jit=on|off: the software CPU generates host code (default)
 * or only interprets. */
extern bool accel_tcg_jit;

#endif
