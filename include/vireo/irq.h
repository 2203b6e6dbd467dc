/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines between devices and interrupt controllers: a device holds
 * an IrqLine* and sets its level; whoever owns the line decides what that
 * means (the userspace PIC, or KVM_IRQ_LINE for the in-kernel irqchip).
 */
#ifndef VIREO_IRQ_H
#define VIREO_IRQ_H

typedef void (*IrqHandler)(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

/* An array of `count` lines numbered 0..count-1, all delivered to handler. */
IrqLine *irq_lines_new(IrqHandler handler, void *opaque, int count);
void irq_lines_free(IrqLine *lines);

static inline void irq_set(IrqLine *line, int level)
{
    if (line && line->handler) {
        line->handler(line->opaque, line->n, level);
    }
}
static inline void irq_raise(IrqLine *line) { irq_set(line, 1); }
static inline void irq_lower(IrqLine *line) { irq_set(line, 0); }
static inline void irq_pulse(IrqLine *line) { irq_set(line, 1); irq_set(line, 0); }

#endif
