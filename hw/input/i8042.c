/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i8042: the PC/AT keyboard controller with a PS/2 keyboard and mouse
 * behind it, after the IBM PC/AT and PS/2 technical references: controller
 * commands, the output buffer and its interrupts, the devices' replies.
 */
#include "vireo/isa.h"
#include "vireo/log.h"
#include "vireo/runstate.h"

#define TYPE_I8042 "i8042"
#define I8042_QUEUE_SIZE 32
#define I8042_RAM_SIZE 32

/* Status register (port 0x64 read). */
enum {
    STAT_OBF = 0x01, STAT_IBF = 0x02, STAT_SYS = 0x04, STAT_CMD = 0x08,
    STAT_UNLOCKED = 0x10, STAT_AUXB = 0x20,
};

/* Command byte (controller RAM byte 0). */
enum {
    CTR_KBD_INT = 0x01, CTR_AUX_INT = 0x02, CTR_SYS = 0x04,
    CTR_KBD_DISABLED = 0x10, CTR_AUX_DISABLED = 0x20, CTR_XLATE = 0x40,
};

/* Output port (0xd0/0xd1). */
enum {
    OUT_RESET = 0x01,           /* 0 holds the CPU in reset */
    OUT_A20 = 0x02,
    OUT_KBD_OBF = 0x10, OUT_AUX_OBF = 0x20,
    OUT_RESET_VALUE = 0xcf,     /* reset high, A20 on, unused lines high */
};

/* Controller commands (port 0x64 write). */
enum {
    CCMD_READ_RAM = 0x20, CCMD_WRITE_RAM = 0x60,
    CCMD_AUX_DISABLE = 0xa7, CCMD_AUX_ENABLE = 0xa8, CCMD_AUX_TEST = 0xa9,
    CCMD_SELF_TEST = 0xaa, CCMD_KBD_TEST = 0xab,
    CCMD_KBD_DISABLE = 0xad, CCMD_KBD_ENABLE = 0xae,
    CCMD_READ_INPUT = 0xc0, CCMD_READ_OUTPUT = 0xd0, CCMD_WRITE_OUTPUT = 0xd1,
    CCMD_WRITE_KBD_OBUF = 0xd2, CCMD_WRITE_AUX_OBUF = 0xd3,
    CCMD_WRITE_AUX = 0xd4, CCMD_A20_OFF = 0xdd, CCMD_A20_ON = 0xdf,
    CCMD_READ_TEST = 0xe0, CCMD_PULSE = 0xf0,
};

/* Replies of the PS/2 devices. */
enum {
    REPLY_ACK = 0xfa, REPLY_RESEND = 0xfe, REPLY_BAT_OK = 0xaa,
    REPLY_ECHO = 0xee,
};

/* Mouse status byte (0xe9). */
enum { AUX_STAT_SCALE21 = 0x10, AUX_STAT_ENABLED = 0x20, AUX_STAT_REMOTE = 0x40 };

/* A FIFO of bytes on their way to the output buffer; bit 8 marks mouse
 * bytes. */
typedef struct I8042Queue {
    uint16_t data[I8042_QUEUE_SIZE];
    uint8_t head;
    uint8_t count;
} I8042Queue;

typedef struct I8042State {
    ISADevice parent_obj;
    /* Properties. */
    uint8_t kbd_irq;
    uint8_t aux_irq;

    MemoryRegion data_io;
    MemoryRegion cmd_io;
    IrqLine *kbd_irq_line;
    IrqLine *aux_irq_line;
    int kbd_level;              /* last levels sent, -1: unknown */
    int aux_level;

    /* Controller (saved). */
    uint8_t ram[I8042_RAM_SIZE];    /* byte 0: the command byte */
    uint8_t status;                 /* SYS and CMD; the rest is derived */
    uint8_t outport;
    uint8_t pending;                /* command awaiting its data byte */
    uint8_t obuf;
    bool obuf_full;
    bool obuf_aux;
    bool a20;                       /* recorded only; memory is not masked */
    I8042Queue ctrl_queue;          /* the controller's own replies */
    I8042Queue kbd_queue;
    I8042Queue aux_queue;

    /* Keyboard (saved). */
    uint8_t kbd_cmd;                /* command awaiting its argument */
    uint8_t kbd_scancode_set;
    uint8_t kbd_leds;
    uint8_t kbd_typematic;
    bool kbd_scanning;

    /* Mouse (saved). */
    uint8_t aux_cmd;
    uint8_t aux_status;
    uint8_t aux_resolution;
    uint8_t aux_sample_rate;
    bool aux_wrap;
} I8042State;

#define I8042(obj) OBJECT_CHECK(I8042State, (obj), TYPE_I8042)

/* --- Queues and the output buffer --- */

static void queue_push(I8042Queue *q, uint16_t entry)
{
    if (q->count < I8042_QUEUE_SIZE) {
        q->data[(q->head + q->count) % I8042_QUEUE_SIZE] = entry;
        q->count++;
    }
}

static bool queue_pop(I8042Queue *q, uint16_t *entry)
{
    if (!q->count) {
        return false;
    }
    *entry = q->data[q->head];
    q->head = (q->head + 1) % I8042_QUEUE_SIZE;
    q->count--;
    return true;
}

static void queue_clear(I8042Queue *q)
{
    q->head = 0;
    q->count = 0;
}

#define AUX_BYTE 0x100

static void ctrl_reply(I8042State *s, uint8_t byte)
{
    queue_push(&s->ctrl_queue, byte);
}

static void kbd_reply(I8042State *s, uint8_t byte)
{
    queue_push(&s->kbd_queue, byte);
}

static void aux_reply(I8042State *s, uint8_t byte)
{
    queue_push(&s->aux_queue, byte | AUX_BYTE);
}

/* The output buffer takes the controller's bytes first, then those of the
 * devices whose interfaces are enabled. */
static void i8042_fill_obuf(I8042State *s)
{
    uint8_t ctr = s->ram[0];
    uint16_t entry;

    if (s->obuf_full) {
        return;
    }
    if (queue_pop(&s->ctrl_queue, &entry) ||
        (!(ctr & CTR_KBD_DISABLED) && queue_pop(&s->kbd_queue, &entry)) ||
        (!(ctr & CTR_AUX_DISABLED) && queue_pop(&s->aux_queue, &entry))) {
        s->obuf = entry & 0xff;
        s->obuf_aux = entry & AUX_BYTE;
        s->obuf_full = true;
    }
}

static void i8042_set_irqs(I8042State *s, int kbd, int aux)
{
    if (kbd != s->kbd_level) {
        s->kbd_level = kbd;
        irq_set(s->kbd_irq_line, kbd);
    }
    if (aux != s->aux_level) {
        s->aux_level = aux;
        irq_set(s->aux_irq_line, aux);
    }
}

static void i8042_update(I8042State *s)
{
    uint8_t ctr = s->ram[0];

    i8042_fill_obuf(s);
    i8042_set_irqs(s, s->obuf_full && !s->obuf_aux && (ctr & CTR_KBD_INT),
                   s->obuf_full && s->obuf_aux && (ctr & CTR_AUX_INT));
}

/* --- Keyboard --- */

static void kbd_set_defaults(I8042State *s)
{
    s->kbd_scancode_set = 2;
    s->kbd_typematic = 0x2b;        /* 10.9 characters/s after 500 ms */
    s->kbd_leds = 0;
}

/* The second byte of a two-byte command. */
static void kbd_write_argument(I8042State *s, uint8_t cmd, uint8_t arg)
{
    switch (cmd) {
    case 0xed:                      /* set LEDs */
        s->kbd_leds = arg & 0x07;
        break;
    case 0xf3:                      /* typematic rate and delay */
        s->kbd_typematic = arg & 0x7f;
        break;
    case 0xf0:                      /* get/set scancode set */
        if (arg > 3) {
            kbd_reply(s, REPLY_RESEND);
            return;
        }
        kbd_reply(s, REPLY_ACK);
        if (arg == 0) {
            kbd_reply(s, s->kbd_scancode_set);
        } else {
            s->kbd_scancode_set = arg;
        }
        return;
    }
    kbd_reply(s, REPLY_ACK);
}

static void kbd_write(I8042State *s, uint8_t val)
{
    if (s->kbd_cmd) {
        uint8_t cmd = s->kbd_cmd;
        s->kbd_cmd = 0;
        kbd_write_argument(s, cmd, val);
        return;
    }
    switch (val) {
    case 0xed:
    case 0xf0:
    case 0xf3:
        s->kbd_cmd = val;
        kbd_reply(s, REPLY_ACK);
        break;
    case 0xee:
        kbd_reply(s, REPLY_ECHO);
        break;
    case 0xf2:                      /* identify: MF2 keyboard */
        kbd_reply(s, REPLY_ACK);
        kbd_reply(s, 0xab);
        /* The controller's translation turns 0x83 into 0x41. */
        kbd_reply(s, (s->ram[0] & CTR_XLATE) ? 0x41 : 0x83);
        break;
    case 0xf4:
        s->kbd_scanning = true;
        kbd_reply(s, REPLY_ACK);
        break;
    case 0xf5:
        s->kbd_scanning = false;
        kbd_set_defaults(s);
        kbd_reply(s, REPLY_ACK);
        break;
    case 0xf6:
        kbd_set_defaults(s);
        kbd_reply(s, REPLY_ACK);
        break;
    case 0xf7 ... 0xfe:             /* key modes, resend: nothing to do */
        kbd_reply(s, REPLY_ACK);
        break;
    case 0xff:
        kbd_set_defaults(s);
        s->kbd_scanning = true;
        kbd_reply(s, REPLY_ACK);
        kbd_reply(s, REPLY_BAT_OK);
        break;
    default:
        kbd_reply(s, REPLY_RESEND);
        break;
    }
}

/* --- Mouse --- */

static void aux_set_defaults(I8042State *s)
{
    s->aux_status = 0;
    s->aux_resolution = 2;          /* 4 counts/mm */
    s->aux_sample_rate = 100;
}

static void aux_write(I8042State *s, uint8_t val)
{
    /* Wrap mode echoes everything but its exits. */
    if (s->aux_wrap && val != 0xec && val != 0xff) {
        aux_reply(s, val);
        return;
    }
    if (s->aux_cmd) {
        if (s->aux_cmd == 0xe8) {
            s->aux_resolution = val & 0x03;
        } else {
            s->aux_sample_rate = val;
        }
        s->aux_cmd = 0;
        aux_reply(s, REPLY_ACK);
        return;
    }
    switch (val) {
    case 0xe8:                      /* set resolution */
    case 0xf3:                      /* set sample rate */
        s->aux_cmd = val;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xe6:
        s->aux_status &= ~AUX_STAT_SCALE21;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xe7:
        s->aux_status |= AUX_STAT_SCALE21;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xe9:                      /* status request */
        aux_reply(s, REPLY_ACK);
        aux_reply(s, s->aux_status);
        aux_reply(s, s->aux_resolution);
        aux_reply(s, s->aux_sample_rate);
        break;
    case 0xea:
        s->aux_status &= ~AUX_STAT_REMOTE;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xf0:
        s->aux_status |= AUX_STAT_REMOTE;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xeb:                      /* read data: no motion, no buttons */
        aux_reply(s, REPLY_ACK);
        aux_reply(s, 0x08);
        aux_reply(s, 0);
        aux_reply(s, 0);
        break;
    case 0xec:
        s->aux_wrap = false;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xee:
        s->aux_wrap = true;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xf2:                      /* get ID: standard PS/2 mouse */
        aux_reply(s, REPLY_ACK);
        aux_reply(s, 0x00);
        break;
    case 0xf4:
        s->aux_status |= AUX_STAT_ENABLED;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xf5:
        s->aux_status &= ~AUX_STAT_ENABLED;
        aux_reply(s, REPLY_ACK);
        break;
    case 0xf6:
        aux_set_defaults(s);
        aux_reply(s, REPLY_ACK);
        break;
    case 0xff:
        aux_set_defaults(s);
        s->aux_wrap = false;
        aux_reply(s, REPLY_ACK);
        aux_reply(s, REPLY_BAT_OK);
        aux_reply(s, 0x00);         /* device ID */
        break;
    default:
        aux_reply(s, REPLY_RESEND);
        break;
    }
}

/* --- Controller --- */

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    s->outport = val;
    s->a20 = val & OUT_A20;
    if (!(val & OUT_RESET)) {
        request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t val = s->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);

    if (s->obuf_full) {
        val |= s->obuf_aux ? OUT_AUX_OBF : OUT_KBD_OBF;
    }
    return val;
}

static void i8042_set_a20(I8042State *s, bool on)
{
    s->a20 = on;
    s->outport = (s->outport & ~OUT_A20) | (on ? OUT_A20 : 0);
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    s->pending = 0;
    switch (cmd) {
    case CCMD_READ_RAM ... CCMD_READ_RAM + I8042_RAM_SIZE - 1:
        ctrl_reply(s, s->ram[cmd - CCMD_READ_RAM]);
        break;
    case CCMD_WRITE_RAM ... CCMD_WRITE_RAM + I8042_RAM_SIZE - 1:
    case CCMD_WRITE_OUTPUT:
    case CCMD_WRITE_KBD_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_AUX:
        s->pending = cmd;
        break;
    case CCMD_AUX_DISABLE:
        s->ram[0] |= CTR_AUX_DISABLED;
        break;
    case CCMD_AUX_ENABLE:
        s->ram[0] &= ~CTR_AUX_DISABLED;
        break;
    case CCMD_AUX_TEST:
    case CCMD_KBD_TEST:
        ctrl_reply(s, 0x00);        /* interface OK */
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SYS;
        ctrl_reply(s, 0x55);
        break;
    case CCMD_KBD_DISABLE:
        s->ram[0] |= CTR_KBD_DISABLED;
        break;
    case CCMD_KBD_ENABLE:
        s->ram[0] &= ~CTR_KBD_DISABLED;
        break;
    case CCMD_READ_INPUT:
        ctrl_reply(s, 0x80);        /* keyboard not inhibited */
        break;
    case CCMD_READ_OUTPUT:
        ctrl_reply(s, i8042_read_outport(s));
        break;
    case CCMD_A20_OFF:
    case CCMD_A20_ON:
        i8042_set_a20(s, cmd == CCMD_A20_ON);
        break;
    case CCMD_READ_TEST:
        ctrl_reply(s, 0x00);
        break;
    case CCMD_PULSE ... 0xff:
        /* Low bits select the output lines to pulse, 0 = pulse; line 0
         * is the CPU reset (0xfe). */
        if (!(cmd & OUT_RESET)) {
            request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        }
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "i8042: unsupported controller command 0x%02x\n", cmd);
        break;
    }
}

/* A data byte: the argument of a pending controller command, or else a
 * byte for the keyboard. Sending to a device enables its interface. */
static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t pending = s->pending;

    s->pending = 0;
    switch (pending) {
    case 0:
        s->ram[0] &= ~CTR_KBD_DISABLED;
        kbd_write(s, val);
        break;
    case CCMD_WRITE_RAM ... CCMD_WRITE_RAM + I8042_RAM_SIZE - 1:
        s->ram[pending - CCMD_WRITE_RAM] = val;
        if (pending == CCMD_WRITE_RAM) {
            s->status = (s->status & ~STAT_SYS) | (val & CTR_SYS);
        }
        break;
    case CCMD_WRITE_OUTPUT:
        i8042_write_outport(s, val);
        break;
    case CCMD_WRITE_KBD_OBUF:
        ctrl_reply(s, val);
        break;
    case CCMD_WRITE_AUX_OBUF:
        queue_push(&s->ctrl_queue, val | AUX_BYTE);
        break;
    case CCMD_WRITE_AUX:
        s->ram[0] &= ~CTR_AUX_DISABLED;
        aux_write(s, val);
        break;
    }
}

static uint8_t i8042_read_status(I8042State *s)
{
    uint8_t val = s->status | STAT_UNLOCKED;

    if (s->obuf_full) {
        val |= STAT_OBF | (s->obuf_aux ? STAT_AUXB : 0);
    }
    return val;
}

/* Reading the data port empties the output buffer; the next byte moves in
 * after the lines drop, so an edge-triggered PIC sees a fresh edge. */
static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t val = s->obuf;

    s->obuf_full = false;
    i8042_set_irqs(s, 0, 0);
    i8042_update(s);
    return val;
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t data,
                             unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~STAT_CMD;
    i8042_write_data(s, data);
    i8042_update(s);
}

static uint64_t i8042_cmd_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_read_status(opaque);
}

static void i8042_cmd_write(void *opaque, uint64_t addr, uint64_t data,
                            unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    i8042_command(s, data);
    i8042_update(s);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_cmd_read,
    .write = i8042_cmd_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- Device --- */

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = I8042(dev);

    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CTR_KBD_INT | CTR_AUX_INT;
    s->status = STAT_CMD;
    s->outport = OUT_RESET_VALUE;
    s->a20 = true;
    s->pending = 0;
    s->obuf = 0;
    s->obuf_full = false;
    s->obuf_aux = false;
    queue_clear(&s->ctrl_queue);
    queue_clear(&s->kbd_queue);
    queue_clear(&s->aux_queue);

    s->kbd_cmd = 0;
    s->kbd_scanning = true;
    kbd_set_defaults(s);
    s->aux_cmd = 0;
    s->aux_wrap = false;
    aux_set_defaults(s);
    i8042_update(s);
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = I8042(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    if (!isa_device_check_bus(isa, errp)) {
        return false;
    }
    if (s->kbd_irq >= ISA_NUM_IRQS || s->aux_irq >= ISA_NUM_IRQS) {
        error_setg(errp, "i8042: kbd-irq and mouse-irq must be ISA IRQs "
                   "(0-%d)", ISA_NUM_IRQS - 1);
        return false;
    }
    s->kbd_irq_line = isa_get_irq(isa, s->kbd_irq);
    s->aux_irq_line = isa_get_irq(isa, s->aux_irq);
    s->kbd_level = s->aux_level = -1;
    i8042_reset(dev);
    memory_region_init_io(&s->data_io, OBJECT(s), &i8042_data_ops, s,
                          "i8042-data", 1);
    memory_region_init_io(&s->cmd_io, OBJECT(s), &i8042_cmd_ops, s,
                          "i8042-cmd", 1);
    isa_register_ioport(isa, &s->data_io, 0x60);
    isa_register_ioport(isa, &s->cmd_io, 0x64);
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = I8042(dev);

    isa_unregister_ioport(ISA_DEVICE(dev), &s->data_io);
    isa_unregister_ioport(ISA_DEVICE(dev), &s->cmd_io);
}

static bool queue_valid(const I8042Queue *q)
{
    return q->head < I8042_QUEUE_SIZE && q->count <= I8042_QUEUE_SIZE;
}

static int i8042_post_load(void *opaque, int version)
{
    I8042State *s = opaque;

    if (!queue_valid(&s->ctrl_queue) || !queue_valid(&s->kbd_queue) ||
        !queue_valid(&s->aux_queue)) {
        return -1;
    }
    s->kbd_level = s->aux_level = -1;
    i8042_update(s);
    return 0;
}

static const Property i8042_props[] = {
    PROP_UINT8("kbd-irq", I8042State, kbd_irq, 1),
    PROP_UINT8("mouse-irq", I8042State, aux_irq, 12),
    PROP_END
};

static const VMStateField i8042_queue_fields[] = {
    VMSTATE_U16_ARRAY(data, I8042Queue, I8042_QUEUE_SIZE),
    VMSTATE_U8(head, I8042Queue),
    VMSTATE_U8(count, I8042Queue),
    VMSTATE_END
};

static const VMStateDescription i8042_queue_vmstate = {
    .name = "i8042-queue",
    .version = 1,
    .minimum_version = 1,
    .fields = i8042_queue_fields,
};

static const VMStateField i8042_fields[] = {
    VMSTATE_U8_ARRAY(ram, I8042State, I8042_RAM_SIZE),
    VMSTATE_U8(status, I8042State),
    VMSTATE_U8(outport, I8042State),
    VMSTATE_U8(pending, I8042State),
    VMSTATE_U8(obuf, I8042State),
    VMSTATE_BOOL(obuf_full, I8042State),
    VMSTATE_BOOL(obuf_aux, I8042State),
    VMSTATE_BOOL(a20, I8042State),
    VMSTATE_STRUCT_ARRAY(ctrl_queue, I8042State, 1, i8042_queue_vmstate),
    VMSTATE_STRUCT_ARRAY(kbd_queue, I8042State, 1, i8042_queue_vmstate),
    VMSTATE_STRUCT_ARRAY(aux_queue, I8042State, 1, i8042_queue_vmstate),
    VMSTATE_U8(kbd_cmd, I8042State),
    VMSTATE_U8(kbd_scancode_set, I8042State),
    VMSTATE_U8(kbd_leds, I8042State),
    VMSTATE_U8(kbd_typematic, I8042State),
    VMSTATE_BOOL(kbd_scanning, I8042State),
    VMSTATE_U8(aux_cmd, I8042State),
    VMSTATE_U8(aux_status, I8042State),
    VMSTATE_U8(aux_resolution, I8042State),
    VMSTATE_U8(aux_sample_rate, I8042State),
    VMSTATE_BOOL(aux_wrap, I8042State),
    VMSTATE_END
};

static const VMStateDescription i8042_vmstate = {
    .name = "pckbd",
    .version = 1,
    .minimum_version = 1,
    .fields = i8042_fields,
    .post_load = i8042_post_load,
};

static const DeviceInfo i8042_info = {
    .name = TYPE_I8042,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(I8042State),
    .desc = "PC/AT keyboard controller with PS/2 keyboard and mouse",
    .props = i8042_props,
    .vmsd = &i8042_vmstate,
    .user_creatable = true,
    .realize = i8042_realize,
    .unrealize = i8042_unrealize,
    .reset = i8042_reset,
};
DEVICE_REGISTER(i8042_info)
