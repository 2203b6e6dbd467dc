/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cf9-reset: the reset control register at port 0xcf9 of the PIIX3/PIIX4
 * south bridges (Intel 82371AB datasheet, RC register): bit 1 selects a
 * hard reset, setting bit 2 resets the system.
 *
 * The register sits inside the PCI configuration address port
 * 0xcf8-0xcfb, so it is mapped as a one-byte region with priority 1 over
 * it (memory_region_add_subregion_overlap). That relies on single I/O
 * accesses going whole to the region under their first byte, as on the
 * PC: a 4-byte access at 0xcf8 still reaches CONFIG_ADDRESS, and only a
 * byte access at 0xcf9 reaches this register.
 */
#include "vireo/isa.h"
#include "vireo/runstate.h"

#define TYPE_CF9_RESET "cf9-reset"
#define CF9_PORT 0xcf9

enum {
    RC_SYS_RESET = 0x02,        /* hard (1) or soft (0) reset */
    RC_RESET_CPU = 0x04,        /* writing 1 starts the reset */
    RC_FULL_RESET = 0x08,       /* PIIX4/ICH: also cycle power */
};

typedef struct Cf9ResetState {
    ISADevice parent_obj;
    MemoryRegion io;
    uint8_t value;              /* saved; never holds RC_RESET_CPU */
} Cf9ResetState;

#define CF9_RESET(obj) OBJECT_CHECK(Cf9ResetState, (obj), TYPE_CF9_RESET)

static uint64_t cf9_read(void *opaque, uint64_t addr, unsigned size)
{
    Cf9ResetState *s = opaque;

    return s->value;
}

/* Bit 2 always reads 0, so every write that sets it is the 0 -> 1 edge
 * that starts a reset (0x06 hard, 0x04 soft, 0x0e full: all the same to a
 * virtual machine). */
static void cf9_write(void *opaque, uint64_t addr, uint64_t data,
                      unsigned size)
{
    Cf9ResetState *s = opaque;

    s->value = data & (RC_SYS_RESET | RC_FULL_RESET);
    if (data & RC_RESET_CPU) {
        request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps cf9_ops = {
    .read = cf9_read,
    .write = cf9_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static void cf9_reset(DeviceState *dev)
{
    CF9_RESET(dev)->value = 0;
}

static bool cf9_realize(DeviceState *dev, GError **errp)
{
    Cf9ResetState *s = CF9_RESET(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(s), &cf9_ops, s, "reset-control", 1);
    isa_register_ioport_overlap(isa, &s->io, CF9_PORT, 1);
    return true;
}

static void cf9_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(ISA_DEVICE(dev), &CF9_RESET(dev)->io);
}

static const VMStateField cf9_fields[] = {
    VMSTATE_U8(value, Cf9ResetState),
    VMSTATE_END
};

static const VMStateDescription cf9_vmstate = {
    .name = "cf9-reset",
    .version = 1,
    .minimum_version = 1,
    .fields = cf9_fields,
};

static const DeviceInfo cf9_info = {
    .name = TYPE_CF9_RESET,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(Cf9ResetState),
    .desc = "PIIX reset control register (port 0xcf9)",
    .vmsd = &cf9_vmstate,
    .user_creatable = false,
    .realize = cf9_realize,
    .unrealize = cf9_unrealize,
    .reset = cf9_reset,
};
DEVICE_REGISTER(cf9_info)
