/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * port92: the PS/2 "system control port A" at 0x92 (IBM PS/2 technical
 * reference): bit 0 is a fast CPU reset, bit 1 the A20 gate. The A20 state
 * is recorded for the guest to read back; memory is never masked by it.
 */
#include "vireo/isa.h"
#include "vireo/runstate.h"

#define TYPE_PORT92 "port92"

enum { PORT92_FAST_RESET = 0x01, PORT92_A20 = 0x02 };

typedef struct Port92State {
    ISADevice parent_obj;
    MemoryRegion io;
    uint8_t value;              /* saved */
} Port92State;

#define PORT92(obj) OBJECT_CHECK(Port92State, (obj), TYPE_PORT92)

static uint64_t port92_read(void *opaque, uint64_t addr, unsigned size)
{
    Port92State *s = opaque;

    return s->value;
}

static void port92_write(void *opaque, uint64_t addr, uint64_t data,
                         unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->value;

    s->value = data & (PORT92_FAST_RESET | PORT92_A20);
    /* The reset fires on the 0 -> 1 edge of bit 0. */
    if ((s->value & PORT92_FAST_RESET) && !(old & PORT92_FAST_RESET)) {
        request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* Reset ends the reset pulse; A20 keeps its state as on the PC. */
static void port92_reset(DeviceState *dev)
{
    PORT92(dev)->value &= ~PORT92_FAST_RESET;
}

static bool port92_realize(DeviceState *dev, GError **errp)
{
    Port92State *s = PORT92(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(s), &port92_ops, s, "port92", 1);
    isa_register_ioport(isa, &s->io, 0x92);
    return true;
}

static void port92_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(ISA_DEVICE(dev), &PORT92(dev)->io);
}

static const VMStateField port92_fields[] = {
    VMSTATE_U8(value, Port92State),
    VMSTATE_END
};

static const VMStateDescription port92_vmstate = {
    .name = "port92",
    .version = 1,
    .minimum_version = 1,
    .fields = port92_fields,
};

static const DeviceInfo port92_info = {
    .name = TYPE_PORT92,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(Port92State),
    .desc = "PS/2 system control port A (fast reset, A20 gate)",
    .vmsd = &port92_vmstate,
    .user_creatable = true,
    .realize = port92_realize,
    .unrealize = port92_unrealize,
    .reset = port92_reset,
};
DEVICE_REGISTER(port92_info)
