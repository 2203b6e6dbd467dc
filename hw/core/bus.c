/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Buses: a device's child that other devices plug into, found by type for
 * -device without bus=, or by name ("pci.0", "isa.0").
 */
#include "vireo/device.h"
#include <string.h>

static GPtrArray *all_buses;

/* A bus that goes away (with the device that owns it) can no longer be
 * found by type or name. */
static void bus_finalize(Object *obj)
{
    BusState *bus = BUS(obj);
    if (all_buses) {
        g_ptr_array_remove(all_buses, bus);
    }
    g_free(bus->name);
}

static const TypeInfo bus_type = {
    .name = TYPE_BUS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(BusState),
    .class_size = sizeof(BusClass),
    .abstract = true,
    .instance_finalize = bus_finalize,
};
TYPE_REGISTER(bus_type)

BusState *bus_new(const char *bus_type, DeviceState *parent, const char *name)
{
    BusState *bus = BUS(object_new(bus_type, NULL));
    bus->parent = parent;
    g_queue_init(&bus->children);
    if (!name) {
        /* QEMU names buses "<type lowercase>.<n>": pci.0, isa.0 */
        g_autofree char *stem = g_ascii_strdown(bus_type, -1);
        int n = 0;
        for (guint i = 0; all_buses && i < all_buses->len; i++) {
            if (object_dynamic_cast(all_buses->pdata[i], bus_type)) {
                n++;
            }
        }
        bus->name = g_strdup_printf("%s.%d", stem, n);
    } else {
        bus->name = g_strdup(name);
    }
    if (parent) {
        parent->child_buses = g_slist_append(parent->child_buses, bus);
        object_property_add_child(OBJECT(parent), bus->name, OBJECT(bus), NULL);
        object_unref(OBJECT(bus));
    }
    if (!all_buses) {
        all_buses = g_ptr_array_new();
    }
    g_ptr_array_add(all_buses, bus);
    return bus;
}

BusState *bus_find(const char *bus_type)
{
    for (guint i = 0; all_buses && i < all_buses->len; i++) {
        if (object_dynamic_cast(all_buses->pdata[i], bus_type)) {
            return all_buses->pdata[i];
        }
    }
    return NULL;
}

BusState *bus_find_by_name(const char *name)
{
    for (guint i = 0; all_buses && i < all_buses->len; i++) {
        BusState *b = all_buses->pdata[i];
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

void bus_foreach_device(BusState *bus, DeviceFn fn, void *opaque)
{
    for (GList *l = bus->children.head; l; l = l->next) {
        fn(l->data, opaque);
    }
}
