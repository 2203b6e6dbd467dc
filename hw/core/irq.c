/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt line arrays.
 */
#include "vireo/irq.h"
#include <glib.h>

IrqLine *irq_lines_new(IrqHandler handler, void *opaque, int count)
{
    IrqLine *lines = g_new0(IrqLine, count);
    for (int i = 0; i < count; i++) {
        lines[i] = (IrqLine){ .handler = handler, .opaque = opaque, .n = i };
    }
    return lines;
}

void irq_lines_free(IrqLine *lines)
{
    g_free(lines);
}
