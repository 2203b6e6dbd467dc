/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine base type and machine-wide reset.
 */
#include "vireo/machine.h"
#include "vireo/accel.h"
#include "vireo/cpu.h"
#include "vireo/device.h"
#include <string.h>

MachineState *current_machine;

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    g_free(ms->kernel_filename);
    g_free(ms->initrd_filename);
    g_free(ms->kernel_cmdline);
    g_free(ms->firmware);
    g_free(ms->boot_order);
    g_free(ms->cpu_type);
    g_free(ms->accel);
    g_free(ms->name);
}

static void machine_init_props(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    object_property_add_uint64_ptr(obj, "ram-size", &ms->ram_size, false);
    object_property_add_str_ptr(obj, "kernel", &ms->kernel_filename, false);
    object_property_add_str_ptr(obj, "initrd", &ms->initrd_filename, false);
    object_property_add_str_ptr(obj, "append", &ms->kernel_cmdline, false);
    object_property_add_str_ptr(obj, "firmware", &ms->firmware, false);
}

static const TypeInfo machine_type = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .abstract = true,
    .instance_init = machine_init_props,
    .instance_finalize = machine_finalize,
};
TYPE_REGISTER(machine_type)

MachineClass *machine_class_find(const char *name)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    MachineClass *found = NULL;
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = l->data;
        if (!strcmp(mc->name, name) || (mc->alias && !strcmp(mc->alias, name))) {
            found = mc;
            break;
        }
    }
    g_slist_free(list);
    return found;
}

void machine_reset(void)
{
    const AccelOps *accel = accel_current();
    if (accel && accel->reset) {
        accel->reset();
    }
    devices_reset_all();
    if (current_machine) {
        MachineClass *mc = MACHINE_GET_CLASS(current_machine);
        if (mc->reset) {
            mc->reset(current_machine);
        }
    }
    cpus_reset();
}
