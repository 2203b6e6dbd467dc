/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtual CPU as the rest of the system sees it: an object with an index,
 * a thread, and run control (stop, resume, kick, reset). The x86
 * architectural state lives in target/i386/cpu.h.
 */
#ifndef VIREO_CPU_H
#define VIREO_CPU_H

#include "vireo/device.h"
#include <pthread.h>

#define TYPE_CPU "cpu"

struct CPUState {
    DeviceState parent_obj;
    int cpu_index;              /* 0..smp-1 */
    int apic_id;
    pthread_t thread;
    int thread_id;              /* host TID, for query-cpus-fast */
    bool created;               /* thread is up and accel state made */
    bool stop;                  /* asked to stop (pause or exit) */
    bool stopped;               /* acknowledged: not running guest code */
    bool exit_thread;           /* leave the thread loop */
    bool halted;
    bool reset_pending;         /* load reset state before running again */
    GCond halt_cond;
    void *accel;                /* accelerator-private vCPU state */
};
typedef struct CPUState CPUState;

#define CPU(obj) OBJECT_CHECK(CPUState, (obj), TYPE_CPU)

typedef struct CPUClass {
    DeviceClass parent_class;
    /* Architectural reset (SDM 9.1.1 power-up state for x86). */
    void (*arch_reset)(CPUState *cpu);
} CPUClass;
#define CPU_GET_CLASS(obj) OBJECT_GET_CLASS(CPUClass, (obj), TYPE_CPU)

extern GPtrArray *cpus;          /* CPUState*, by index */
#define CPU_FOREACH(cpu) \
    for (guint _i = 0; cpus && _i < cpus->len && ((cpu) = g_ptr_array_index(cpus, _i)); _i++)
CPUState *cpu_by_index(int index);
int cpu_count(void);

/* Starts the vCPU thread (which inits the accelerator's vCPU). */
bool cpu_start_thread(CPUState *cpu, GError **errp);
void pause_all_vcpus(void);     /* returns once every vCPU has stopped */
void resume_all_vcpus(void);
bool all_vcpus_paused(void);
void cpu_kick(CPUState *cpu);
/* On a vCPU thread: run no more guest code until resumed (the guest asked
 * for a shutdown or reset, which the main loop carries out). */
void cpu_stop_current(void);
/* Wake a halted vCPU (interrupt pending). */
void cpu_wake(CPUState *cpu);
/* The vCPU the calling thread runs, or NULL (main loop, other threads). */
CPUState *current_cpu_get(void);
/* Resets every CPU's architectural state (VM must be paused). */
void cpus_reset(void);
/* Ends all vCPU threads (on exit). */
void cpus_destroy(void);

#endif
