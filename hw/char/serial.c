/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-serial: an NS16550A UART, following the PC16550D datasheet (registers,
 * FIFOs, interrupt priorities). Transmission is instant; reception is paced
 * by the receive FIFO, which pauses the backend instead of dropping input.
 */
#include "vireo/isa.h"
#include "vireo/chardev.h"
#include "vireo/main-loop.h"
#include "vireo/log.h"

#define TYPE_ISA_SERIAL "isa-serial"
#define SERIAL_MAX_ISA_PORTS 4
#define UART_REG_COUNT 8
#define UART_FIFO_SIZE 16
#define UART_BASE_BAUD 115200       /* 1.8432 MHz crystal / 16 */
#define UART_TIMEOUT_MAX_NS (20 * 1000 * 1000)
#define UNSET UINT32_MAX            /* iobase/irq/index: pick by index */

enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

enum {
    IER_RX_DATA = 0x01, IER_THRE = 0x02, IER_LINE_STATUS = 0x04,
    IER_MODEM_STATUS = 0x08, IER_MASK = 0x0f,
};

/* IIR interrupt identification, highest priority first. */
enum {
    IIR_NONE = 0x01, IIR_LINE_STATUS = 0x06, IIR_RX_DATA = 0x04,
    IIR_RX_TIMEOUT = 0x0c, IIR_THRE = 0x02, IIR_MODEM_STATUS = 0x00,
    IIR_FIFOS_ON = 0xc0,
};

enum {
    FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02, FCR_CLEAR_TX = 0x04,
    FCR_DMA_MODE = 0x08, FCR_TRIGGER = 0xc0,
};

enum {
    LCR_WORD_LEN = 0x03, LCR_TWO_STOP = 0x04, LCR_PARITY = 0x08,
    LCR_DLAB = 0x80,
};

enum {
    MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08,
    MCR_LOOP = 0x10, MCR_MASK = 0x1f,
};

enum {
    LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10,
    LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_RX_FIFO_ERROR = 0x80,
    LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI,
};

enum {
    MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08,
    MSR_DELTAS = 0x0f,
    MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80,
};

/* The PC's COM1-COM4. */
static const uint16_t isa_serial_iobase[SERIAL_MAX_ISA_PORTS] = {
    0x3f8, 0x2f8, 0x3e8, 0x2e8,
};
static const uint8_t isa_serial_irq[SERIAL_MAX_ISA_PORTS] = { 4, 3, 4, 3 };
static const uint8_t rx_trigger_levels[4] = { 1, 4, 8, 14 };

typedef struct SerialState {
    ISADevice parent_obj;
    /* Properties. */
    uint32_t index;
    uint32_t iobase;
    uint32_t irq;
    Chardev *chr;

    CharFrontend fe;
    MemoryRegion io;
    IrqLine *irq_line;
    Timer *timeout_timer;
    int irq_level;              /* last level sent, -1: unknown */
    bool rx_throttled;          /* can_read said 0: accept_input on room */

    /* Registers (saved). */
    uint16_t divisor;
    uint8_t rbr;                /* last byte taken from the receiver */
    uint8_t ier;
    uint8_t fcr;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_head;
    uint8_t rx_count;
    bool thr_ipending;          /* THR-empty interrupt not yet acknowledged */
    bool timeout_ipending;      /* character timeout indicated */
} SerialState;

#define ISA_SERIAL(obj) OBJECT_CHECK(SerialState, (obj), TYPE_ISA_SERIAL)

/* --- Receive FIFO --- */

static bool fifo_enabled(SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

/* Without FIFOs the receiver holds one byte (16450 mode). */
static unsigned rx_capacity(SerialState *s)
{
    return fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(SerialState *s)
{
    return fifo_enabled(s) ? rx_trigger_levels[s->fcr >> 6] : 1;
}

/* Four character times at the programmed rate and frame format. */
static int64_t rx_timeout_ns(SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & LCR_WORD_LEN) +
                    ((s->lcr & LCR_PARITY) ? 1 : 0) +
                    ((s->lcr & LCR_TWO_STOP) ? 2 : 1);
    uint64_t divisor = s->divisor ? s->divisor : 1;
    uint64_t ns = 4 * bits * divisor * 1000000000ull / UART_BASE_BAUD;

    return MIN(ns, UART_TIMEOUT_MAX_NS);
}

static void rx_timeout_restart(SerialState *s)
{
    if (fifo_enabled(s) && s->rx_count) {
        timer_mod(s->timeout_timer,
                  clock_get_ns(CLOCK_VIRTUAL) + rx_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~LSR_DR;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

/* Room appeared in the receiver: let a paused backend send again. Called
 * last in an access, since the backend may deliver at once. */
static void rx_resume_backend(SerialState *s)
{
    if (s->rx_throttled && s->rx_count < rx_capacity(s) &&
        !(s->mcr & MCR_LOOP)) {
        s->rx_throttled = false;
        if (s->fe.chr) {
            chr_fe_accept_input(&s->fe);
        }
    }
}

/* --- Interrupts --- */

static uint8_t serial_pending_iid(SerialState *s)
{
    if ((s->ier & IER_LINE_STATUS) && (s->lsr & LSR_ERRORS)) {
        return IIR_LINE_STATUS;
    }
    if (s->ier & IER_RX_DATA) {
        if (s->rx_count && s->rx_count >= rx_trigger(s)) {
            return IIR_RX_DATA;
        }
        if (s->timeout_ipending) {
            return IIR_RX_TIMEOUT;
        }
    }
    if ((s->ier & IER_THRE) && s->thr_ipending) {
        return IIR_THRE;
    }
    if ((s->ier & IER_MODEM_STATUS) && (s->msr & MSR_DELTAS)) {
        return IIR_MODEM_STATUS;
    }
    return IIR_NONE;
}

static void serial_update_irq(SerialState *s)
{
    int level = serial_pending_iid(s) != IIR_NONE;

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq_line, level);
    }
}

static void serial_timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    if (fifo_enabled(s) && s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* --- Receive and transmit --- */

static void serial_receive_byte(SerialState *s, uint8_t byte)
{
    if (s->rx_count < rx_capacity(s)) {
        s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = byte;
        s->rx_count++;
    } else if (fifo_enabled(s)) {
        s->lsr |= LSR_OE;           /* the FIFO keeps its bytes */
    } else {
        s->lsr |= LSR_OE;           /* the new byte overwrites the old */
        s->rx_fifo[s->rx_head] = byte;
    }
    s->lsr |= LSR_DR;
    rx_timeout_restart(s);
}

static uint8_t serial_take_byte(SerialState *s)
{
    if (s->rx_count) {
        s->rbr = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
    }
    if (!s->rx_count) {
        s->lsr &= ~LSR_DR;
    }
    s->timeout_ipending = false;
    rx_timeout_restart(s);
    return s->rbr;
}

static void serial_receive_break(SerialState *s)
{
    s->lsr |= LSR_BI;
    if (fifo_enabled(s)) {
        s->lsr |= LSR_RX_FIFO_ERROR;
    }
    serial_receive_byte(s, 0);      /* a break loads a zero character */
}

static void serial_transmit(SerialState *s, uint8_t byte)
{
    s->thr_ipending = false;
    s->lsr &= ~(LSR_THRE | LSR_TEMT);
    serial_update_irq(s);

    if (s->mcr & MCR_LOOP) {
        serial_receive_byte(s, byte);
    } else if (s->fe.chr && chr_fe_write_all(&s->fe, &byte, 1) < 0) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "isa-serial: backend refused output, byte dropped\n");
    }

    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = true;
    serial_update_irq(s);
}

/* --- Modem lines --- */

/* In loopback the outputs drive the inputs; otherwise the lines of an
 * ever-ready modem (carrier, data set ready, clear to send). */
static uint8_t serial_modem_lines(SerialState *s)
{
    uint8_t m = s->mcr;

    if (!(m & MCR_LOOP)) {
        return MSR_DCD | MSR_DSR | MSR_CTS;
    }
    return ((m & MCR_DTR) ? MSR_DSR : 0) | ((m & MCR_RTS) ? MSR_CTS : 0) |
           ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

static void serial_update_msr(SerialState *s)
{
    uint8_t lines = serial_modem_lines(s);
    uint8_t changed = (s->msr ^ lines) & ~MSR_DELTAS;
    uint8_t deltas = s->msr & MSR_DELTAS;

    deltas |= (changed & MSR_CTS) ? MSR_DCTS : 0;
    deltas |= (changed & MSR_DSR) ? MSR_DDSR : 0;
    deltas |= (changed & MSR_DCD) ? MSR_DDCD : 0;
    /* Ring indicator reports its trailing edge only. */
    deltas |= ((changed & MSR_RI) && !(lines & MSR_RI)) ? MSR_TERI : 0;
    s->msr = lines | deltas;
}

/* --- Registers --- */

static uint8_t serial_read_iir(SerialState *s)
{
    uint8_t iid = serial_pending_iid(s);

    /* Reading IIR acknowledges a THR-empty interrupt it reports. */
    if (iid == IIR_THRE) {
        s->thr_ipending = false;
    }
    return iid | (fifo_enabled(s) ? IIR_FIFOS_ON : 0);
}

static uint64_t serial_io_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t val;

    switch (addr) {
    case UART_RBR:
        val = dlab ? (s->divisor & 0xff) : serial_take_byte(s);
        break;
    case UART_IER:
        val = dlab ? (s->divisor >> 8) : s->ier;
        break;
    case UART_IIR:
        val = serial_read_iir(s);
        break;
    case UART_LCR:
        val = s->lcr;
        break;
    case UART_MCR:
        val = s->mcr;
        break;
    case UART_LSR:
        val = s->lsr;
        s->lsr &= ~(LSR_ERRORS | LSR_RX_FIFO_ERROR);
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= ~MSR_DELTAS;
        break;
    default:
        val = s->scr;
        break;
    }
    serial_update_irq(s);
    rx_resume_backend(s);
    return val;
}

static void serial_write_ier(SerialState *s, uint8_t val)
{
    uint8_t old = s->ier;

    s->ier = val & IER_MASK;
    /* Enabling the THRE interrupt with THR empty raises it at once. */
    if ((s->ier ^ old) & IER_THRE) {
        s->thr_ipending = (s->ier & IER_THRE) && (s->lsr & LSR_THRE);
    }
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    /* Other bits are programmed only together with the enable bit, and
     * switching the FIFOs on or off empties them. */
    if (!(val & FCR_ENABLE)) {
        val = 0;
    }
    if ((val ^ s->fcr) & FCR_ENABLE || (val & FCR_CLEAR_RX)) {
        rx_clear(s);
    }
    /* The transmitter sends at once, so there is no TX FIFO to clear. */
    s->fcr = val & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    s->mcr = val & MCR_MASK;
    serial_update_msr(s);
}

static void serial_io_write(void *opaque, uint64_t addr, uint64_t data,
                            unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t val = data;

    switch (addr) {
    case UART_THR:
        if (dlab) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            serial_transmit(s, val);
        }
        break;
    case UART_IER:
        if (dlab) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
        } else {
            serial_write_ier(s, val);
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        serial_write_mcr(s, val);
        break;
    case UART_LSR:
    case UART_MSR:
        break;                      /* read-only */
    default:
        s->scr = val;
        break;
    }
    serial_update_irq(s);
    rx_resume_backend(s);
}

static const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- Backend --- */

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;
    int room = s->rx_count < rx_capacity(s) ? rx_capacity(s) - s->rx_count : 0;

    /* In loopback the receiver hears only the transmitter. */
    if (s->mcr & MCR_LOOP) {
        room = 0;
    }
    if (!room) {
        s->rx_throttled = true;
    }
    return room;
}

static void serial_receive(void *opaque, const uint8_t *buf, int len)
{
    SerialState *s = opaque;

    for (int i = 0; i < len; i++) {
        serial_receive_byte(s, buf[i]);
    }
    serial_update_irq(s);
}

static void serial_event(void *opaque, ChrEvent event)
{
    SerialState *s = opaque;

    if (event == CHR_EVENT_BREAK) {
        serial_receive_break(s);
        serial_update_irq(s);
    }
}

/* --- Device --- */

static void serial_reset(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    s->divisor = 12;                /* 9600 baud */
    s->rbr = 0;
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = serial_modem_lines(s);
    s->scr = 0;
    s->thr_ipending = false;
    rx_clear(s);
    serial_update_irq(s);
    rx_resume_backend(s);
}

/* The lowest COM index no other isa-serial on this bus has taken. */
static uint32_t serial_free_index(SerialState *s)
{
    BusState *bus = DEVICE(s)->parent_bus;
    unsigned used = 0;

    for (GList *l = bus->children.head; l; l = l->next) {
        Object *other = l->data;
        if (other != OBJECT(s) && DEVICE(other)->realized &&
            object_dynamic_cast(other, TYPE_ISA_SERIAL) &&
            ISA_SERIAL(other)->index < SERIAL_MAX_ISA_PORTS) {
            used |= 1u << ISA_SERIAL(other)->index;
        }
    }
    for (uint32_t i = 0; i < SERIAL_MAX_ISA_PORTS; i++) {
        if (!(used & (1u << i))) {
            return i;
        }
    }
    return SERIAL_MAX_ISA_PORTS;
}

static bool serial_pick_resources(SerialState *s, GError **errp)
{
    if (s->index == UNSET) {
        s->index = serial_free_index(s);
    }
    if (s->index >= SERIAL_MAX_ISA_PORTS) {
        error_setg(errp, "Max. supported number of ISA serial ports is %d.",
                   SERIAL_MAX_ISA_PORTS);
        return false;
    }
    if (s->iobase == UNSET) {
        s->iobase = isa_serial_iobase[s->index];
    }
    if (s->irq == UNSET) {
        s->irq = isa_serial_irq[s->index];
    }
    if (s->iobase > 0x10000 - UART_REG_COUNT) {
        error_setg(errp, "isa-serial: iobase 0x%x is outside the I/O space "
                   "(at most 0x%x)", s->iobase, 0x10000 - UART_REG_COUNT);
        return false;
    }
    if (s->irq >= ISA_NUM_IRQS) {
        error_setg(errp, "isa-serial: irq %u is not an ISA IRQ (0-%d)",
                   s->irq, ISA_NUM_IRQS - 1);
        return false;
    }
    return true;
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = ISA_SERIAL(dev);
    ISADevice *isa = ISA_DEVICE(dev);

    if (!isa_device_check_bus(isa, errp) || !serial_pick_resources(s, errp)) {
        return false;
    }
    if (s->chr) {
        if (!chr_fe_init(&s->fe, s->chr, errp)) {
            return false;
        }
        chr_fe_set_handlers(&s->fe, serial_can_receive, serial_receive,
                            serial_event, s);
    }
    s->timeout_timer = timer_new_ns(CLOCK_VIRTUAL, serial_timeout_expired, s);
    s->irq_line = isa_get_irq(isa, s->irq);
    s->irq_level = -1;
    serial_reset(dev);
    memory_region_init_io(&s->io, OBJECT(s), &serial_io_ops, s, "serial",
                          UART_REG_COUNT);
    isa_register_ioport(isa, &s->io, s->iobase);
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    isa_unregister_ioport(ISA_DEVICE(dev), &s->io);
    if (s->fe.chr) {
        chr_fe_deinit(&s->fe);
    }
    timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
}

/* A stream is input too: reject what the registers could never hold. */
static int serial_post_load(void *opaque, int version)
{
    SerialState *s = opaque;

    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > rx_capacity(s)) {
        return -1;
    }
    s->ier &= IER_MASK;
    s->mcr &= MCR_MASK;
    s->irq_level = -1;
    rx_timeout_restart(s);
    serial_update_irq(s);
    return 0;
}

static const Property serial_props[] = {
    PROP_UINT32("index", SerialState, index, UNSET),
    PROP_UINT32("iobase", SerialState, iobase, UNSET),
    PROP_UINT32("irq", SerialState, irq, UNSET),
    PROP_CHARDEV("chardev", SerialState, chr),
    PROP_END
};

static const VMStateField serial_fields[] = {
    VMSTATE_U16(divisor, SerialState),
    VMSTATE_U8(rbr, SerialState),
    VMSTATE_U8(ier, SerialState),
    VMSTATE_U8(fcr, SerialState),
    VMSTATE_U8(lcr, SerialState),
    VMSTATE_U8(mcr, SerialState),
    VMSTATE_U8(lsr, SerialState),
    VMSTATE_U8(msr, SerialState),
    VMSTATE_U8(scr, SerialState),
    VMSTATE_U8_ARRAY(rx_fifo, SerialState, UART_FIFO_SIZE),
    VMSTATE_U8(rx_head, SerialState),
    VMSTATE_U8(rx_count, SerialState),
    VMSTATE_BOOL(thr_ipending, SerialState),
    VMSTATE_BOOL(timeout_ipending, SerialState),
    VMSTATE_END
};

static const VMStateDescription serial_vmstate = {
    .name = "serial",
    .version = 1,
    .minimum_version = 1,
    .fields = serial_fields,
    .post_load = serial_post_load,
};

static const DeviceInfo serial_info = {
    .name = TYPE_ISA_SERIAL,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(SerialState),
    .desc = "16550A UART on the ISA bus",
    .props = serial_props,
    .vmsd = &serial_vmstate,
    .user_creatable = true,
    .realize = serial_realize,
    .unrealize = serial_unrealize,
    .reset = serial_reset,
};
DEVICE_REGISTER(serial_info)
