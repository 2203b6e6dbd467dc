/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-debug-exit: a port that ends the emulator, for test guests. Writing
 * value v exits with status (v << 1) | 1, as QEMU's device does, so a
 * test's status can never be mistaken for a clean 0.
 */
#include <limits.h>

#include "vireo/isa.h"
#include "vireo/runstate.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

typedef struct DebugExitState {
    ISADevice parent_obj;
    uint32_t iobase;            /* properties */
    uint32_t iosize;
    MemoryRegion io;
} DebugExitState;

#define ISA_DEBUG_EXIT(obj) \
    OBJECT_CHECK(DebugExitState, (obj), TYPE_ISA_DEBUG_EXIT)

static uint64_t debug_exit_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t addr, uint64_t data,
                             unsigned size)
{
    request_exit_status((int)(((data << 1) | 1) & INT_MAX));
    request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

/* The value arrives whole at any width (outb/outw/outl). */
static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static bool debug_exit_realize(DeviceState *dev, GError **errp)
{
    DebugExitState *s = ISA_DEBUG_EXIT(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    if (s->iosize == 0 || s->iobase > 0xffff || s->iosize > 0x10000 - s->iobase) {
        error_setg(errp, "isa-debug-exit: iobase 0x%x with iosize 0x%x does "
                   "not fit in the I/O space (0-0xffff, iosize at least 1)",
                   s->iobase, s->iosize);
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(s), &debug_exit_ops, s,
                          "isa-debug-exit", s->iosize);
    isa_register_ioport(isa, &s->io, s->iobase);
    return true;
}

static void debug_exit_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(ISA_DEVICE(dev), &ISA_DEBUG_EXIT(dev)->io);
}

static const Property debug_exit_props[] = {
    PROP_UINT32("iobase", DebugExitState, iobase, 0x501),
    PROP_UINT32("iosize", DebugExitState, iosize, 0x02),
    PROP_END
};

static const VMStateField debug_exit_fields[] = {
    VMSTATE_END
};

static const VMStateDescription debug_exit_vmstate = {
    .name = "isa-debug-exit",
    .version = 1,
    .minimum_version = 1,
    .fields = debug_exit_fields,
};

static const DeviceInfo debug_exit_info = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(DebugExitState),
    .desc = "exits the emulator with status (value << 1) | 1",
    .props = debug_exit_props,
    .vmsd = &debug_exit_vmstate,
    .user_creatable = true,
    .realize = debug_exit_realize,
    .unrealize = debug_exit_unrealize,
};
DEVICE_REGISTER(debug_exit_info)
