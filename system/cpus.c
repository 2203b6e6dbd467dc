/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads and their run control: one thread per vCPU runs guest code
 * through the accelerator; the main loop stops and resumes them all (for
 * pause, reset and shutdown) and waits until they have acknowledged.
 */
#include "vireo/cpu.h"
#include "vireo/accel.h"
#include "vireo/main-loop.h"
#include "vireo/runstate.h"
#include <unistd.h>
#include <sys/syscall.h>

GPtrArray *cpus;
static __thread CPUState *current_cpu;    /* the vCPU this thread runs */
static GCond pause_cond;     /* a vCPU acknowledged stop */
static GCond created_cond;

static void cpu_instance_init(Object *obj)
{
    CPUState *cpu = CPU(obj);
    g_cond_init(&cpu->halt_cond);
    cpu->stopped = true;     /* created stopped; vm_start resumes */
}

static const TypeInfo cpu_type = {
    .name = TYPE_CPU,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(CPUState),
    .class_size = sizeof(CPUClass),
    .abstract = true,
    .instance_init = cpu_instance_init,
};
TYPE_REGISTER(cpu_type)

CPUState *cpu_by_index(int index)
{
    return cpus && index >= 0 && (guint)index < cpus->len ? cpus->pdata[index]
                                                          : NULL;
}

int cpu_count(void)
{
    return cpus ? cpus->len : 0;
}

static bool cpu_can_run(CPUState *cpu)
{
    return !cpu->stop && !cpu->stopped && !cpu->halted && !cpu->exit_thread;
}

/* With the lock held: acknowledge a stop request, then sleep while the CPU
 * may not run. */
static void cpu_wait_until_runnable(CPUState *cpu)
{
    while (!cpu_can_run(cpu) && !cpu->exit_thread) {
        if (cpu->stop) {
            cpu->stop = false;
            cpu->stopped = true;
            g_cond_broadcast(&pause_cond);
        }
        if (cpu_can_run(cpu) || cpu->exit_thread) {
            break;
        }
        g_cond_wait(&cpu->halt_cond, bql_mutex());
    }
}

static void *vcpu_thread(void *arg)
{
    CPUState *cpu = arg;
    const AccelOps *ops = accel_current();
    GError *err = NULL;

    bql_lock();
    current_cpu = cpu;
    cpu->thread_id = syscall(SYS_gettid);
    if (!ops->vcpu_init(cpu, &err)) {
        g_printerr("vireo: vCPU %d: %s\n", cpu->cpu_index, err->message);
        g_error_free(err);
        cpu->exit_thread = true;
        request_exit_status(1);
        request_shutdown(SHUTDOWN_CAUSE_HOST_ERROR);
    }
    cpu->created = true;
    g_cond_broadcast(&created_cond);

    while (!cpu->exit_thread) {
        cpu_wait_until_runnable(cpu);
        if (cpu->exit_thread) {
            break;
        }
        bql_unlock();
        VcpuExit r = ops->vcpu_exec(cpu);
        bql_lock();
        if (r == VCPU_EXIT_HALTED) {
            cpu->halted = true;
        } else if (r == VCPU_EXIT_ERROR) {
            /* The accelerator printed why; stop the VM, keep the process. */
            cpu->stop = true;
            if (runstate_is_running()) {
                runstate_set(RUN_STATE_INTERNAL_ERROR);
                request_exit_status(1);
                request_shutdown(SHUTDOWN_CAUSE_HOST_ERROR);
            }
        }
    }
    if (ops->vcpu_destroy) {
        ops->vcpu_destroy(cpu);
    }
    cpu->stopped = true;
    g_cond_broadcast(&pause_cond);
    bql_unlock();
    return NULL;
}

bool cpu_start_thread(CPUState *cpu, GError **errp)
{
    if (!cpus) {
        cpus = g_ptr_array_new();
    }
    g_ptr_array_add(cpus, cpu);
    int r = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
    if (r) {
        error_setg(errp, "cannot start vCPU thread: %s", g_strerror(r));
        return false;
    }
    while (!cpu->created) {
        g_cond_wait(&created_cond, bql_mutex());
    }
    return !cpu->exit_thread;
}

void cpu_stop_current(void)
{
    if (current_cpu) {
        current_cpu->stop = true;
    }
}

void cpu_kick(CPUState *cpu)
{
    g_cond_broadcast(&cpu->halt_cond);
    if (cpu->created && accel_current() && accel_current()->vcpu_kick) {
        accel_current()->vcpu_kick(cpu);
    }
}

void cpu_wake(CPUState *cpu)
{
    cpu->halted = false;
    cpu_kick(cpu);
}

CPUState *current_cpu_get(void)
{
    return current_cpu;
}

bool all_vcpus_paused(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        if (!cpu->stopped) {
            return false;
        }
    }
    return true;
}

void pause_all_vcpus(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        if (!cpu->stopped) {
            cpu->stop = true;
            cpu_kick(cpu);
        }
    }
    while (cpus && !all_vcpus_paused()) {
        CPU_FOREACH(cpu) {
            if (!cpu->stopped) {
                cpu_kick(cpu);     /* a kick may race with entering the guest */
            }
        }
        gint64 deadline = g_get_monotonic_time() + 10000;
        g_cond_wait_until(&pause_cond, bql_mutex(), deadline);
    }
}

void resume_all_vcpus(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        cpu->stop = false;
        cpu->stopped = false;
        g_cond_broadcast(&cpu->halt_cond);
    }
}

void cpus_reset(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        CPUClass *cc = CPU_GET_CLASS(cpu);
        cpu->halted = false;
        if (cc->arch_reset) {
            cc->arch_reset(cpu);
        }
    }
}

void cpus_destroy(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        cpu->exit_thread = true;
        cpu_kick(cpu);
    }
    bql_unlock();
    CPU_FOREACH(cpu) {
        pthread_join(cpu->thread, NULL);
    }
    bql_lock();
}
