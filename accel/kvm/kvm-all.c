/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator, VM side (Linux Documentation/virt/kvm/api.rst):
 * opening /dev/kvm, memory slots that follow the flat view of system memory,
 * the in-kernel irqchip and PIT with PC GSI routing, and interrupt lines.
 */
#include "kvm-internal.h"
#include "vireo/memory.h"
#include "vireo/machine.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

KVMState kvm_state = { .fd = -1, .vm_fd = -1 };

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && errno == EINTR && req != KVM_RUN);
    return r < 0 ? -errno : r;
}

int kvm_vm_ioctl(unsigned long req, void *arg)
{
    return kvm_ioctl(kvm_state.vm_fd, req, arg);
}

int kvm_check_extension(int cap)
{
    int r = ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

static bool kvm_available(char **why)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        *why = g_strdup_printf("Could not access KVM kernel module: %s",
                               g_strerror(errno));
        return false;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != KVM_API_VERSION) {
        *why = g_strdup_printf("KVM API version %d, expected %d", version,
                               KVM_API_VERSION);
        return false;
    }
    return true;
}

/* --- Memory slots: one per RAM range of the flat view --- */

typedef struct KVMSlot {
    bool used;
    uint64_t start, size;
    void *host;
    uint32_t flags;
    MemoryRegion *mr;           /* the RAM region behind it */
} KVMSlot;

static KVMSlot *slots;

static int slot_set(int id, KVMSlot *s)
{
    struct kvm_userspace_memory_region r = {
        .slot = id, .flags = s->flags, .guest_phys_addr = s->start,
        .memory_size = s->used ? s->size : 0,
        .userspace_addr = (uintptr_t)s->host,
    };
    return kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &r);
}

/* KVM maps whole pages: trim a section to its page-aligned middle. The
 * unaligned edges (rare) still work through MMIO exits. */
static bool section_pages(MemoryRegionSection *s, uint64_t *start,
                          uint64_t *size, void **host)
{
    const uint64_t page = 4096;
    uint64_t a = s->offset_within_address_space;
    uint64_t begin = (a + page - 1) & ~(page - 1);
    uint64_t end = (a + s->size) & ~(page - 1);
    if (s->mr->kind != MR_RAM && s->mr->kind != MR_ROM) {
        return false;
    }
    if (end <= begin) {
        return false;
    }
    *start = begin;
    *size = end - begin;
    *host = s->mr->ram + s->offset_within_region + (begin - a);
    return true;
}

/* Adding a slot is slow on some hosts (KVM sizes its page metadata: ~4 ms
 * for 512 MiB here), so adds go to a worker thread and start-up carries on.
 * The flat view stays authoritative: until a slot exists, accesses to that
 * RAM exit to userspace and are served from it, so nothing waits for the
 * worker except deletions (the host memory may go away) and dirty-log
 * reads, which settle the queue first. */
static GAsyncQueue *slot_queue;
static int slots_pending;
static GMutex slots_lock;
static GCond slots_done;

static gpointer slot_worker(gpointer data)
{
    for (;;) {
        int i = GPOINTER_TO_INT(g_async_queue_pop(slot_queue)) - 1;
        if (slot_set(i, &slots[i]) < 0) {
            g_printerr("vireo: KVM cannot map memory at 0x%" G_GINT64_MODIFIER
                       "x (+0x%" G_GINT64_MODIFIER "x)\n", slots[i].start,
                       slots[i].size);
        }
        g_mutex_lock(&slots_lock);
        slots_pending--;
        g_cond_broadcast(&slots_done);
        g_mutex_unlock(&slots_lock);
    }
    return NULL;
}

void kvm_memslots_settle(void)
{
    g_mutex_lock(&slots_lock);
    while (slots_pending) {
        g_cond_wait(&slots_done, &slots_lock);
    }
    g_mutex_unlock(&slots_lock);
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    uint64_t start, size;
    void *host;
    if (!section_pages(s, &start, &size, &host)) {
        return;
    }
    if (s->readonly && !kvm_state.readonly_mem) {
        /* Without read-only slots, ROM is handled by MMIO exits. */
        return;
    }
    for (int i = 0; i < kvm_state.nr_slots; i++) {
        if (!slots[i].used) {
            slots[i] = (KVMSlot){
                .used = true, .start = start, .size = size, .host = host,
                .flags = (s->readonly ? KVM_MEM_READONLY : 0) |
                         (s->log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0),
                .mr = s->mr,
            };
            g_mutex_lock(&slots_lock);
            slots_pending++;
            g_mutex_unlock(&slots_lock);
            g_async_queue_push(slot_queue, GINT_TO_POINTER(i + 1));
            return;
        }
    }
    g_printerr("vireo: out of KVM memory slots\n");
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    uint64_t start, size;
    void *host;
    if (!section_pages(s, &start, &size, &host)) {
        return;
    }
    kvm_memslots_settle();
    for (int i = 0; i < kvm_state.nr_slots; i++) {
        if (slots[i].used && slots[i].start == start && slots[i].size == size) {
            slots[i].used = false;
            slot_set(i, &slots[i]);
            return;
        }
    }
}

/* Dirty logging: KVM keeps one bitmap per slot; fold each slot's into the
 * region's bitmap at the slot's page offset. */
static void kvm_sync_dirty(MemoryRegion *mr, unsigned long *bitmap)
{
    const unsigned bits = sizeof(unsigned long) * CHAR_BIT;
    kvm_memslots_settle();
    for (int i = 0; i < kvm_state.nr_slots; i++) {
        KVMSlot *slot = &slots[i];
        if (!slot->used || slot->mr != mr || !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
            continue;
        }
        uint64_t pages = slot->size / 4096;
        g_autofree unsigned long *log = g_new0(unsigned long, (pages + bits - 1) / bits);
        struct kvm_dirty_log d = { .slot = i, .dirty_bitmap = log };
        if (kvm_vm_ioctl(KVM_GET_DIRTY_LOG, &d) < 0) {
            continue;
        }
        uint64_t first = ((uint8_t *)slot->host - mr->ram) / 4096;
        for (uint64_t p = 0; p < pages; p++) {
            if (log[p / bits] & (1UL << (p % bits))) {
                bitmap[(first + p) / bits] |= 1UL << ((first + p) % bits);
            }
        }
    }
}

static bool kvm_irqfd(int gsi, int fd, bool assign, GError **errp)
{
    struct kvm_irqfd irqfd = {
        .fd = fd, .gsi = gsi, .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
    };
    int r = kvm_vm_ioctl(KVM_IRQFD, &irqfd);
    if (r < 0) {
        error_setg(errp, "KVM_IRQFD for GSI %d failed: %s", gsi, g_strerror(-r));
        return false;
    }
    return true;
}

static bool kvm_ioeventfd(uint64_t addr, unsigned len, bool pio, bool match_data,
                          uint64_t data, int fd, bool assign, GError **errp)
{
    struct kvm_ioeventfd e = {
        .datamatch = match_data ? data : 0, .addr = addr, .len = len, .fd = fd,
        .flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (match_data ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    int r = kvm_vm_ioctl(KVM_IOEVENTFD, &e);
    if (r < 0) {
        error_setg(errp, "KVM_IOEVENTFD at %s 0x%" G_GINT64_MODIFIER "x failed: %s",
                   pio ? "port" : "address", addr, g_strerror(-r));
        return false;
    }
    return true;
}

static MemoryListener kvm_memory_listener = {
    .region_add = kvm_region_add,
    .region_del = kvm_region_del,
    .priority = 10,
};

/* --- Interrupts: ISA IRQ n is GSI n; the PC routes GSI 0 to IOAPIC pin 2 --- */

static bool kvm_setup_irq_routing(GError **errp)
{
    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry e[40];
    } r = { 0 };
    int n = 0;
    for (int irq = 0; irq < 16; irq++) {
        if (irq == 2) {
            continue;   /* cascade */
        }
        r.e[n++] = (struct kvm_irq_routing_entry){
            .gsi = irq, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { .irqchip = irq < 8 ? KVM_IRQCHIP_PIC_MASTER
                                              : KVM_IRQCHIP_PIC_SLAVE,
                           .pin = irq % 8 },
        };
    }
    for (int gsi = 0; gsi < 24; gsi++) {
        if (gsi == 2) {
            continue;
        }
        r.e[n++] = (struct kvm_irq_routing_entry){
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC,
                           .pin = gsi == 0 ? 2 : gsi },
        };
    }
    r.hdr.nr = n;
    int ret = kvm_vm_ioctl(KVM_SET_GSI_ROUTING, &r);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_GSI_ROUTING failed: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

static void kvm_set_gsi(int gsi, int level)
{
    struct kvm_irq_level l = { .irq = gsi, .level = level };
    kvm_vm_ioctl(KVM_IRQ_LINE, &l);
}

static bool kvm_irqchip_in_kernel(void)
{
    return kvm_state.irqchip;
}

/* Power-on state of the in-kernel PIC, IOAPIC and PIT. */
static void kvm_irqchip_reset(void)
{
    if (!kvm_state.irqchip) {
        return;
    }
    for (int chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_IOAPIC; chip++) {
        struct kvm_irqchip c = { .chip_id = chip };
        if (chip == KVM_IRQCHIP_IOAPIC) {
            c.chip.ioapic.base_address = 0xfec00000;
            for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
                c.chip.ioapic.redirtbl[i].fields.mask = 1;
            }
        } else {
            /* All masked; IRQ 9-11 (the SCI and the PCI links) level
             * triggered, as PC firmware leaves the ELCR and the MADT says. */
            c.chip.pic.imr = 0xff;
            c.chip.pic.elcr_mask = chip == KVM_IRQCHIP_PIC_MASTER ? 0xf8 : 0xde;
            c.chip.pic.elcr = chip == KVM_IRQCHIP_PIC_MASTER ? 0 : 0x0e;
        }
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &c);
    }
    struct kvm_pit_state2 pit = { 0 };
    for (int i = 0; i < 3; i++) {
        pit.channels[i].mode = 0xff;      /* not programmed */
        pit.channels[i].gate = i != 2;
    }
    kvm_vm_ioctl(KVM_SET_PIT2, &pit);
}

static bool kvm_init(MachineState *ms, GError **errp)
{
    KVMState *s = &kvm_state;
    s->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg(errp, "Could not access KVM kernel module: %s",
                   g_strerror(errno));
        return false;
    }
    int vm;
    do {
        vm = ioctl(s->fd, KVM_CREATE_VM, 0);
    } while (vm < 0 && errno == EINTR);
    if (vm < 0) {
        error_setg(errp, "ioctl(KVM_CREATE_VM) failed: %s", g_strerror(errno));
        return false;
    }
    s->vm_fd = vm;
    s->vcpu_mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    s->nr_slots = kvm_check_extension(KVM_CAP_NR_MEMSLOTS);
    if (s->nr_slots <= 0) {
        s->nr_slots = 32;
    }
    s->readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM);
    s->immediate_exit = kvm_check_extension(KVM_CAP_IMMEDIATE_EXIT);
    if (!kvm_check_extension(KVM_CAP_USER_MEMORY) || s->vcpu_mmap_size <= 0) {
        error_setg(errp, "KVM lacks user memory support");
        return false;
    }
    if (ms->smp_cpus > (unsigned)MAX(kvm_check_extension(KVM_CAP_MAX_VCPUS),
                                     kvm_check_extension(KVM_CAP_NR_VCPUS))) {
        error_setg(errp, "Number of SMP CPUs requested (%u) exceeds the "
                   "maximum KVM supports", ms->smp_cpus);
        return false;
    }
    /* Intel needs a TSS and identity map page for real-mode guests; both
     * sit just below the BIOS at the top of 4 GiB. */
    if (kvm_check_extension(KVM_CAP_SET_TSS_ADDR)) {
        ioctl(vm, KVM_SET_TSS_ADDR, 0xfeffd000UL);
    }
    if (kvm_check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        uint64_t addr = 0xfeffc000;
        ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr);
    }
    if (accel_kernel_irqchip) {
        if (!kvm_check_extension(KVM_CAP_IRQCHIP) ||
            kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL) < 0) {
            error_setg(errp, "KVM cannot create the in-kernel irqchip");
            return false;
        }
        s->irqchip = true;
        struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
        if (kvm_vm_ioctl(KVM_CREATE_PIT2, &pit) < 0) {
            error_setg(errp, "KVM cannot create the in-kernel PIT");
            return false;
        }
        if (!kvm_setup_irq_routing(errp)) {
            return false;
        }
    }
    /* kernel-irqchip=off: hw/intc and hw/timer serve; the vCPU loop injects
     * with KVM_INTERRUPT (kvm-cpu.c). */
    int nent = 128;
    for (;;) {
        s->supported_cpuid = g_malloc0(sizeof(struct kvm_cpuid2) +
                                       nent * sizeof(struct kvm_cpuid_entry2));
        s->supported_cpuid->nent = nent;
        int r = kvm_ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, s->supported_cpuid);
        if (r == 0) {
            break;
        }
        g_free(s->supported_cpuid);
        if (r != -E2BIG || nent > 4096) {
            error_setg(errp, "KVM_GET_SUPPORTED_CPUID failed: %s", g_strerror(-r));
            return false;
        }
        nent *= 2;
    }
    slots = g_new0(KVMSlot, s->nr_slots);
    slot_queue = g_async_queue_new();
    g_thread_unref(g_thread_new("kvm-memslots", slot_worker, NULL));
    memory_listener_register(&kvm_memory_listener, &address_space_memory);
    return true;
}

static const AccelOps kvm_ops = {
    .name = "kvm",
    .available = kvm_available,
    .init = kvm_init,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_exec = kvm_vcpu_exec,
    .vcpu_kick = kvm_vcpu_kick,
    .vcpu_destroy = kvm_vcpu_destroy,
    .get_state = kvm_get_state,
    .put_state = kvm_put_state,
    .irqchip_in_kernel = kvm_irqchip_in_kernel,
    .set_gsi = kvm_set_gsi,
    .reset = kvm_irqchip_reset,
    .irqfd = kvm_irqfd,
    .ioeventfd = kvm_ioeventfd,
    .sync_dirty = kvm_sync_dirty,
};

static void __attribute__((constructor)) kvm_register(void)
{
    accel_register(&kvm_ops);
}
