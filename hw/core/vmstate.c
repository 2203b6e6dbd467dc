/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State tables: walking a VMStateDescription (sizes now; the migration
 * stream writer and reader build on the same walk).
 */
#include "vireo/vmstate.h"

size_t vmstate_size(const VMStateDescription *vmsd)
{
    size_t total = 0;
    for (const VMStateField *f = vmsd->fields; f && f->name; f++) {
        unsigned n = f->count ? f->count : 1;
        total += f->kind == VMS_STRUCT ? n * vmstate_size(f->sub) : n * f->size;
    }
    return total;
}
