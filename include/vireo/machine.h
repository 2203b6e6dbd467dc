/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machines: a MachineClass per board (pc, ...) and the one MachineState at
 * /machine holding what the command line configured.
 */
#ifndef VIREO_MACHINE_H
#define VIREO_MACHINE_H

#include "vireo/object.h"
#include "vireo/memory.h"

#define TYPE_MACHINE "machine"
#define MACHINE_TYPE_SUFFIX "-machine"     /* "pc" is type "pc-machine" */

typedef struct MachineState {
    Object parent_obj;
    uint64_t ram_size;                     /* -m */
    unsigned smp_cpus;                     /* -smp N */
    unsigned smp_max_cpus;
    char *kernel_filename;                 /* -kernel */
    char *initrd_filename;                 /* -initrd */
    char *kernel_cmdline;                  /* -append */
    char *firmware;                        /* -bios */
    char *boot_order;                      /* -boot order= */
    char *cpu_type;                        /* -cpu model */
    char *accel;                           /* accel=, "kvm:tcg" */
    char *name;                            /* -name */
    MemoryRegion *ram;                     /* all guest RAM, one block */
} MachineState;

typedef struct MachineClass {
    ObjectClass parent_class;
    const char *name;                      /* "pc-i440fx-vireo" */
    const char *alias;                     /* "pc" */
    const char *desc;
    bool is_default;
    unsigned max_cpus;
    uint64_t default_ram_size;
    const char *default_cpu_type;
    bool (*init)(MachineState *ms, GError **errp);
    /* After a machine reset (devices and CPUs are already reset). */
    void (*reset)(MachineState *ms);
} MachineClass;

#define MACHINE(obj) OBJECT_CHECK(MachineState, (obj), TYPE_MACHINE)
#define MACHINE_GET_CLASS(obj) OBJECT_GET_CLASS(MachineClass, (obj), TYPE_MACHINE)

extern MachineState *current_machine;
MachineClass *machine_class_find(const char *name);   /* by name or alias */
/* Resets devices, CPUs and then the machine (boot state); VM paused. */
void machine_reset(void);

#endif
