/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI fixed-hardware registers (ACPI 6.x §4.8): PM1a event and control, the
 * 32-bit PM timer and GPE0. ACPI is always on (no SMI handoff); SLP_EN with
 * the \_S5 type powers off; the power button is a fixed feature.
 */
#include "vireo/acpi.h"
#include "vireo/device.h"
#include "vireo/irq.h"
#include "vireo/log.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"
#include "vireo/runstate.h"

#define ACPI_PM(obj) OBJECT_CHECK(AcpiPMState, (obj), TYPE_ACPI_PM)

#define PM_IO_SIZE 0x40                 /* the PIIX4's PMBA block */
#define GPE0_IO_SIZE 4
/* PM1 enable bits the device keeps: TMR, GBL, PWRBTN, SLPBTN, RTC. */
#define PM1_EN_BITS 0x0721
/* PM1 status bits a write of 1 clears. */
#define PM1_STS_BITS (ACPI_BITS_TMR | 0x0020 | ACPI_BITS_PWRBTN | 0x0200 | \
                      0x0400 | ACPI_BITS_WAK)
#define TMR_MSB_SHIFT 31                /* TMR_STS when bit 31 toggles */

struct AcpiPMState {
    DeviceState parent_obj;
    uint16_t iobase;
    uint16_t gpe0_base;
    MemoryRegion pm_io;
    MemoryRegion gpe_io;
    IrqLine *sci;
    bool sci_level;
    Timer *tmr_timer;                   /* armed while TMR_EN is set */
    /* Guest-visible state. */
    uint16_t pm1_sts;
    uint16_t pm1_en;
    uint16_t pm1_cnt;
    uint16_t gpe_sts;
    uint16_t gpe_en;
    uint64_t tmr_epoch;                 /* timer ticks >> 31 when last seen */
};

static AcpiPMState *the_pm;             /* for the powerdown notifier */

/* --- PM timer --- */

static uint64_t pm_timer_ticks(void)
{
    int64_t ns = clock_get_ns(CLOCK_VIRTUAL);
    return (unsigned __int128)MAX(ns, 0) * ACPI_PM_TIMER_HZ / 1000000000u;
}

/* The virtual time at which the tick count reaches `ticks`. */
static int64_t pm_timer_ns_at(uint64_t ticks)
{
    return ((unsigned __int128)ticks * 1000000000u + ACPI_PM_TIMER_HZ - 1) /
           ACPI_PM_TIMER_HZ;
}

/* TMR_STS is set whenever the counter's top bit has toggled since. */
static void pm_timer_catch_up(AcpiPMState *s)
{
    uint64_t epoch = pm_timer_ticks() >> TMR_MSB_SHIFT;
    if (epoch != s->tmr_epoch) {
        s->pm1_sts |= ACPI_BITS_TMR;
        s->tmr_epoch = epoch;
    }
}

static void pm_timer_arm(AcpiPMState *s)
{
    if (s->pm1_en & ACPI_BITS_TMR) {
        timer_mod(s->tmr_timer, pm_timer_ns_at((s->tmr_epoch + 1) << TMR_MSB_SHIFT));
    } else {
        timer_del(s->tmr_timer);
    }
}

/* --- SCI --- */

static void sci_update(AcpiPMState *s, bool force)
{
    pm_timer_catch_up(s);
    bool level = (s->pm1_cnt & ACPI_CNT_SCI_EN) &&
                 ((s->pm1_sts & s->pm1_en) || (s->gpe_sts & s->gpe_en));
    if (level != s->sci_level || force) {
        s->sci_level = level;
        irq_set(s->sci, level);
    }
}

static void pm_timer_expired(void *opaque)
{
    AcpiPMState *s = opaque;
    sci_update(s, false);
    pm_timer_arm(s);
}

/* --- Sleep --- */

static void pm_sleep(AcpiPMState *s, unsigned slp_typ)
{
    if (slp_typ == ACPI_S5_SLP_TYP) {
        request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        return;
    }
    log_mask_printf(LOG_UNIMP, "acpi-pm: sleep type %u is not supported "
                    "(only S5, type %u)\n", slp_typ, ACPI_S5_SLP_TYP);
}

/* --- Registers: each a read and a write of (value, byte mask) --- */

typedef struct PMReg {
    uint8_t offset;
    uint8_t size;
    uint32_t (*read)(AcpiPMState *s);
    void (*write)(AcpiPMState *s, uint32_t val, uint32_t mask);
} PMReg;

static uint32_t pm1_sts_read(AcpiPMState *s)
{
    pm_timer_catch_up(s);
    return s->pm1_sts;
}

static void pm1_sts_write(AcpiPMState *s, uint32_t val, uint32_t mask)
{
    pm_timer_catch_up(s);
    s->pm1_sts &= ~(val & mask & PM1_STS_BITS);
    sci_update(s, false);
}

static uint32_t pm1_en_read(AcpiPMState *s)
{
    return s->pm1_en;
}

static void pm1_en_write(AcpiPMState *s, uint32_t val, uint32_t mask)
{
    mask &= PM1_EN_BITS;
    s->pm1_en = (s->pm1_en & ~mask) | (val & mask);
    sci_update(s, false);
    pm_timer_arm(s);
}

static uint32_t pm1_cnt_read(AcpiPMState *s)
{
    return s->pm1_cnt;
}

/* SLP_EN is write-only: it starts the sleep type written with it. */
static void pm1_cnt_write(AcpiPMState *s, uint32_t val, uint32_t mask)
{
    s->pm1_cnt = ((s->pm1_cnt & ~mask) | (val & mask)) & ~ACPI_CNT_SLP_EN;
    sci_update(s, false);
    if (val & mask & ACPI_CNT_SLP_EN) {
        pm_sleep(s, (s->pm1_cnt & ACPI_CNT_SLP_TYP_MASK) >> ACPI_CNT_SLP_TYP_SHIFT);
    }
}

static uint32_t pm_tmr_read(AcpiPMState *s)
{
    return pm_timer_ticks();
}

static uint32_t gpe_sts_read(AcpiPMState *s)
{
    return s->gpe_sts;
}

static void gpe_sts_write(AcpiPMState *s, uint32_t val, uint32_t mask)
{
    s->gpe_sts &= ~(val & mask);
    sci_update(s, false);
}

static uint32_t gpe_en_read(AcpiPMState *s)
{
    return s->gpe_en;
}

static void gpe_en_write(AcpiPMState *s, uint32_t val, uint32_t mask)
{
    s->gpe_en = (s->gpe_en & ~mask) | (val & mask);
    sci_update(s, false);
}

static const PMReg pm_regs[] = {
    { 0x00, 2, pm1_sts_read, pm1_sts_write },
    { 0x02, 2, pm1_en_read, pm1_en_write },
    { 0x04, 2, pm1_cnt_read, pm1_cnt_write },
    { 0x08, 4, pm_tmr_read, NULL },     /* read-only */
    { 0 },
};

static const PMReg gpe_regs[] = {
    { 0x00, 2, gpe_sts_read, gpe_sts_write },
    { 0x02, 2, gpe_en_read, gpe_en_write },
    { 0 },
};

/* Accesses of any width and alignment, split by register: each register is
 * read once (the timer must not tear) and written with a byte mask. */
static uint64_t regs_read(AcpiPMState *s, const PMReg *regs, uint64_t addr,
                          unsigned size)
{
    uint64_t v = 0;
    for (const PMReg *r = regs; r->size; r++) {
        if (addr + size <= r->offset || addr >= r->offset + r->size) {
            continue;
        }
        uint32_t val = r->read(s);
        for (unsigned i = 0; i < size; i++) {
            uint64_t a = addr + i;
            if (a >= r->offset && a < r->offset + r->size) {
                v |= (uint64_t)((val >> (8 * (a - r->offset))) & 0xff) << (8 * i);
            }
        }
    }
    return v;
}

static void regs_write(AcpiPMState *s, const PMReg *regs, uint64_t addr,
                       uint64_t data, unsigned size)
{
    for (const PMReg *r = regs; r->size; r++) {
        uint32_t val = 0, mask = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t a = addr + i;
            if (a >= r->offset && a < r->offset + r->size) {
                unsigned shift = 8 * (a - r->offset);
                val |= ((data >> (8 * i)) & 0xff) << shift;
                mask |= 0xffu << shift;
            }
        }
        if (mask && r->write) {
            r->write(s, val, mask);
        }
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return regs_read(opaque, pm_regs, addr, size);
}

static void pm_io_write(void *opaque, uint64_t addr, uint64_t data, unsigned size)
{
    regs_write(opaque, pm_regs, addr, data, size);
}

static uint64_t gpe_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return regs_read(opaque, gpe_regs, addr, size);
}

static void gpe_io_write(void *opaque, uint64_t addr, uint64_t data, unsigned size)
{
    regs_write(opaque, gpe_regs, addr, data, size);
}

static const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static const MemoryRegionOps gpe_io_ops = {
    .read = gpe_io_read,
    .write = gpe_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/* --- Events from the machine --- */

void acpi_pm_power_button(AcpiPMState *s)
{
    s->pm1_sts |= ACPI_BITS_PWRBTN;
    sci_update(s, false);
}

void acpi_pm_gpe_raise(AcpiPMState *s, unsigned bit)
{
    if (bit < 16) {
        s->gpe_sts |= 1u << bit;
        sci_update(s, false);
    }
}

void acpi_pm_set_sci(AcpiPMState *s, IrqLine *sci)
{
    s->sci = sci;
    sci_update(s, true);
}

static void pm_powerdown(void *opaque)
{
    if (the_pm) {
        acpi_pm_power_button(the_pm);
    }
}

/* --- Device --- */

static void pm_init(Object *obj)
{
    AcpiPMState *s = ACPI_PM(obj);
    s->tmr_timer = timer_new_ns(CLOCK_VIRTUAL, pm_timer_expired, s);
}

static void pm_finalize(Object *obj)
{
    timer_free(ACPI_PM(obj)->tmr_timer);
}

static bool pm_realize(DeviceState *dev, GError **errp)
{
    static bool notifier_added;
    AcpiPMState *s = ACPI_PM(dev);
    if (the_pm) {
        error_setg(errp, "A machine has at most one %s device", TYPE_ACPI_PM);
        return false;
    }
    if (s->iobase > 0x10000 - PM_IO_SIZE || s->gpe0_base > 0x10000 - GPE0_IO_SIZE) {
        error_setg(errp, "%s: I/O base 0x%x or GPE0 base 0x%x runs past port "
                   "0xffff", TYPE_ACPI_PM, s->iobase, s->gpe0_base);
        return false;
    }
    memory_region_init_io(&s->pm_io, OBJECT(s), &pm_io_ops, s, "acpi-pm",
                          PM_IO_SIZE);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->pm_io);
    memory_region_init_io(&s->gpe_io, OBJECT(s), &gpe_io_ops, s, "acpi-gpe0",
                          GPE0_IO_SIZE);
    memory_region_add_subregion(get_system_io(), s->gpe0_base, &s->gpe_io);
    if (!notifier_added) {
        powerdown_notifier_add(pm_powerdown, NULL);
        notifier_added = true;
    }
    the_pm = s;
    return true;
}

static void pm_unrealize(DeviceState *dev)
{
    AcpiPMState *s = ACPI_PM(dev);
    timer_del(s->tmr_timer);
    memory_region_del_subregion(get_system_io(), &s->pm_io);
    memory_region_del_subregion(get_system_io(), &s->gpe_io);
    if (the_pm == s) {
        the_pm = NULL;
    }
}

static void pm_reset(DeviceState *dev)
{
    AcpiPMState *s = ACPI_PM(dev);
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = ACPI_CNT_SCI_EN;       /* ACPI mode from power-on */
    s->gpe_sts = 0;
    s->gpe_en = 0;
    s->tmr_epoch = pm_timer_ticks() >> TMR_MSB_SHIFT;
    pm_timer_arm(s);
    sci_update(s, true);
}

static int pm_post_load(void *opaque, int version)
{
    AcpiPMState *s = opaque;
    pm_timer_arm(s);
    sci_update(s, true);
    return 0;
}

static const Property pm_props[] = {
    PROP_UINT16("iobase", AcpiPMState, iobase, 0x600),
    PROP_UINT16("gpe0-base", AcpiPMState, gpe0_base, 0xafe0),
    PROP_END,
};

static const VMStateField pm_fields[] = {
    VMSTATE_U16(pm1_sts, AcpiPMState),
    VMSTATE_U16(pm1_en, AcpiPMState),
    VMSTATE_U16(pm1_cnt, AcpiPMState),
    VMSTATE_U16(gpe_sts, AcpiPMState),
    VMSTATE_U16(gpe_en, AcpiPMState),
    VMSTATE_U64(tmr_epoch, AcpiPMState),
    VMSTATE_END,
};

static const VMStateDescription pm_vmsd = {
    .name = "acpi-pm",
    .version = 1,
    .minimum_version = 1,
    .fields = pm_fields,
    .post_load = pm_post_load,
};

static const DeviceInfo pm_info = {
    .name = TYPE_ACPI_PM,
    .instance_size = sizeof(AcpiPMState),
    .desc = "ACPI PM1 event/control registers, PM timer and GPE0",
    .props = pm_props,
    .vmsd = &pm_vmsd,
    .user_creatable = false,
    .init = pm_init,
    .finalize = pm_finalize,
    .realize = pm_realize,
    .unrealize = pm_unrealize,
    .reset = pm_reset,
};
DEVICE_REGISTER(pm_info)

AcpiPMState *acpi_pm_create(uint16_t iobase, uint16_t gpe0_base, IrqLine *sci,
                            GError **errp)
{
    DeviceState *dev = device_new(TYPE_ACPI_PM, errp);
    if (!dev) {
        return NULL;
    }
    Object *obj = OBJECT(dev);
    bool ok = object_property_set_uint(obj, "iobase", iobase, errp) &&
              object_property_set_uint(obj, "gpe0-base", gpe0_base, errp) &&
              device_realize_on_bus(dev, NULL, errp);
    object_unref(obj);
    if (!ok) {
        return NULL;
    }
    AcpiPMState *s = ACPI_PM(dev);
    s->sci = sci;
    pm_reset(dev);
    return s;
}
