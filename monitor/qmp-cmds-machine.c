/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP queries about the machine (qapi/machine.json): its vCPUs, the
 * machine types, the accelerator, the VM name and the target.
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include "vireo/accel.h"
#include "vireo/cpu.h"
#include "vireo/machine.h"
#include <string.h>

#define TARGET_NAME "x86_64"

/* Vireo's topology is one socket of cpu_count() cores, one thread each. */
static JsonObject *cpu_props(CPUState *cpu)
{
    JsonObject *props = json_object_new();
    json_object_set_int_member(props, "core-id", cpu->cpu_index);
    json_object_set_int_member(props, "thread-id", 0);
    json_object_set_int_member(props, "socket-id", 0);
    return props;
}

static JsonObject *cpu_info(CPUState *cpu)
{
    JsonObject *info = json_object_new();
    g_autofree char *path = object_get_canonical_path(OBJECT(cpu));

    json_object_set_int_member(info, "thread-id", cpu->thread_id);
    json_object_set_object_member(info, "props", cpu_props(cpu));
    json_object_set_string_member(info, "qom-path", path ? path : "");
    json_object_set_int_member(info, "cpu-index", cpu->cpu_index);
    json_object_set_string_member(info, "target", TARGET_NAME);
    return info;
}

JsonNode *qmp_query_cpus_fast(GError **errp)
{
    JsonArray *list = json_array_new();
    CPUState *cpu;

    if (cpus) {
        CPU_FOREACH(cpu) {
            json_array_add_object_element(list, cpu_info(cpu));
        }
    }
    return qmp_node_take_array(list);
}

/* "pc-i440fx-vireo", or the type name without "-machine". */
static char *machine_name(ObjectClass *klass, MachineClass *mc)
{
    const char *type = object_class_get_name(klass);

    if (mc->name) {
        return g_strdup(mc->name);
    }
    if (g_str_has_suffix(type, MACHINE_TYPE_SUFFIX)) {
        return g_strndup(type, strlen(type) - strlen(MACHINE_TYPE_SUFFIX));
    }
    return g_strdup(type);
}

static JsonObject *machine_info(ObjectClass *klass)
{
    MachineClass *mc = OBJECT_CLASS_CHECK(MachineClass, klass, TYPE_MACHINE);
    g_autofree char *name = machine_name(klass, mc);
    JsonObject *info = json_object_new();

    json_object_set_boolean_member(info, "hotpluggable-cpus", false);
    json_object_set_string_member(info, "name", name);
    json_object_set_boolean_member(info, "numa-mem-supported", false);
    if (mc->default_cpu_type) {
        json_object_set_string_member(info, "default-cpu-type",
                                      mc->default_cpu_type);
    }
    json_object_set_boolean_member(info, "acpi", true);
    json_object_set_int_member(info, "cpu-max", mc->max_cpus ? mc->max_cpus : 1);
    json_object_set_boolean_member(info, "deprecated", false);
    json_object_set_string_member(info, "default-ram-id", "pc.ram");
    if (mc->alias) {
        json_object_set_string_member(info, "alias", mc->alias);
    }
    if (mc->is_default) {
        json_object_set_boolean_member(info, "is-default", true);
    }
    return info;
}

JsonNode *qmp_query_machines(GError **errp)
{
    GSList *classes = object_class_get_list(TYPE_MACHINE, false);
    JsonArray *list = json_array_new();

    for (GSList *l = classes; l; l = l->next) {
        json_array_add_object_element(list, machine_info(l->data));
    }
    g_slist_free(classes);
    return qmp_node_take_array(list);
}

JsonNode *qmp_query_kvm(GError **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_boolean_member(info, "enabled", accel_is_kvm());
    json_object_set_boolean_member(info, "present", kvm_present());
    return qmp_node_take_object(info);
}

JsonNode *qmp_query_name(GError **errp)
{
    JsonObject *info = json_object_new();

    if (current_machine && current_machine->name) {
        json_object_set_string_member(info, "name", current_machine->name);
    }
    return qmp_node_take_object(info);
}

JsonNode *qmp_query_target(GError **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "arch", TARGET_NAME);
    return qmp_node_take_object(info);
}
