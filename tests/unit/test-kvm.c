/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator's fast paths, on a one-vCPU VM running a few bytes of
 * real-mode code: ioeventfd (a port write signals an eventfd without an
 * exit), dirty logging (the page the guest wrote is reported, once) and
 * irqfd (an eventfd write raises a GSI on the in-kernel PIC).
 */
#include "accel/kvm/kvm-internal.h"
#include "target/i386/cpu.h"
#include "vireo/machine.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"
#include <sys/eventfd.h>
#include <unistd.h>

static const uint8_t guest_code[] = {
    0xb0, 0x42,                     /* mov $0x42, %al */
    0xe6, 0x80,                     /* out %al, $0x80 */
    0xc6, 0x06, 0x00, 0x20, 0x01,   /* movb $1, 0x2000 */
    0xeb, 0xfe,                     /* jmp . */
};

static MemoryRegion ram;
static CPUState *cpu;

/* Waits (lock released) until fd is readable, at most 10 s. */
static bool wait_eventfd(int fd)
{
    uint64_t v;
    for (int i = 0; i < 1000; i++) {
        if (read(fd, &v, sizeof(v)) == sizeof(v)) {
            return true;
        }
        bql_unlock();
        g_usleep(10000);
        bql_lock();
    }
    return false;
}

static bool setup_vm(void)
{
    static MachineState ms = { .smp_cpus = 1, .smp_max_cpus = 1 };
    GError *err = NULL;
    memory_system_init();
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 1 << 20, &err));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    if (!accel_select("kvm", &ms, &err)) {
        g_test_message("KVM unusable: %s", err->message);
        g_error_free(err);
        return false;
    }
    DeviceState *dev = device_new(TYPE_X86_CPU, &err);
    g_assert_no_error(err);
    cpu = CPU(dev);
    g_assert_true(device_realize_on_bus(dev, NULL, &err));
    g_assert_true(cpu_start_thread(cpu, &err));
    memcpy(memory_region_get_ram_ptr(&ram) + 0x1000, guest_code,
           sizeof(guest_code));
    X86CPU *x = X86_CPU(cpu);
    x86_cpu_reset_state(x);
    x->env.segs[R_CS].selector = 0;
    x->env.segs[R_CS].base = 0;
    x->env.rip = 0x1000;
    cpu->reset_pending = true;
    return true;
}

static void test_fast_paths(void)
{
    GError *err = NULL;
    if (access("/dev/kvm", R_OK | W_OK)) {
        g_test_skip("no usable /dev/kvm");
        return;
    }
    bql_lock();
    if (!setup_vm()) {
        bql_unlock();
        g_test_skip("KVM cannot create a VM here");
        return;
    }
    const AccelOps *kvm = accel_current();
    int io = eventfd(0, EFD_NONBLOCK);
    g_assert_true(kvm->ioeventfd(0x80, 1, true, false, 0, io, true, &err));
    g_assert_no_error(err);
    memory_region_set_log_dirty(&ram, true);
    unsigned long bitmap[256 / (8 * sizeof(long))] = { 0 };
    kvm->sync_dirty(&ram, bitmap);          /* start from a clean log */
    memset(bitmap, 0, sizeof(bitmap));

    resume_all_vcpus();
    g_assert_true(wait_eventfd(io));       /* the out hit the eventfd */
    bql_unlock();
    g_usleep(200000);                       /* let the store happen */
    bql_lock();
    pause_all_vcpus();

    kvm->sync_dirty(&ram, bitmap);
    g_assert_true(bitmap[0] & (1UL << 2));  /* page 0x2000 was written */
    g_assert_false(bitmap[0] & (1UL << 1)); /* the code page was not */
    g_assert_cmpint(memory_region_get_ram_ptr(&ram)[0x2000], ==, 1);
    memset(bitmap, 0, sizeof(bitmap));
    kvm->sync_dirty(&ram, bitmap);
    g_assert_false(bitmap[0] & (1UL << 2)); /* reading the log cleared it */

    int irq = eventfd(0, EFD_NONBLOCK);
    g_assert_true(kvm->irqfd(5, irq, true, &err));
    uint64_t one = 1;
    g_assert_cmpint(write(irq, &one, sizeof(one)), ==, sizeof(one));
    /* The kernel injects from a work queue: poll the PIC's request bits. */
    struct kvm_irqchip pic = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
    for (int i = 0; i < 100; i++) {
        g_assert_cmpint(kvm_vm_ioctl(KVM_GET_IRQCHIP, &pic), ==, 0);
        if (pic.chip.pic.irr & (1u << 5)) {
            break;
        }
        g_usleep(10000);
    }
    g_assert_true(pic.chip.pic.irr & (1u << 5));

    g_assert_true(kvm->ioeventfd(0x80, 1, true, false, 0, io, false, &err));
    g_assert_true(kvm->irqfd(5, irq, false, &err));
    cpus_destroy();
    bql_unlock();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/fast-paths", test_fast_paths);
    return g_test_run();
}
