/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State shared between the KVM VM setup (kvm-all.c) and the vCPU code
 * (kvm-cpu.c).
 */
#ifndef ACCEL_KVM_INTERNAL_H
#define ACCEL_KVM_INTERNAL_H

#include "vireo/accel.h"
#include "vireo/cpu.h"
#include <linux/kvm.h>

typedef struct KVMState {
    int fd;                     /* /dev/kvm */
    int vm_fd;
    int vcpu_mmap_size;
    bool irqchip;               /* in-kernel PIC/IOAPIC/LAPIC/PIT */
    bool readonly_mem;
    bool immediate_exit;
    int nr_slots;
    struct kvm_cpuid2 *supported_cpuid;
} KVMState;

typedef struct KVMVcpu {
    int fd;
    struct kvm_run *run;
    bool in_hlt;                /* userspace irqchip: the guest executed HLT */
} KVMVcpu;

extern KVMState kvm_state;

int kvm_ioctl(int fd, unsigned long req, void *arg);
int kvm_vm_ioctl(unsigned long req, void *arg);
int kvm_check_extension(int cap);
/* Waits until every queued memory slot change has reached the kernel. */
void kvm_memslots_settle(void);

bool kvm_vcpu_init(CPUState *cpu, GError **errp);
VcpuExit kvm_vcpu_exec(CPUState *cpu);
void kvm_vcpu_kick(CPUState *cpu);
void kvm_vcpu_destroy(CPUState *cpu);
void kvm_get_state(CPUState *cpu);
void kvm_put_state(CPUState *cpu, bool full);

#endif
