/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands about the protocol itself (qapi/control.json): version,
 * the command list and the schema. qmp_capabilities lives with the session
 * (qmp-session.c), quit with run control (qmp-cmds-runstate.c).
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include <stdio.h>

/* Vireo's own version goes in "qemu": managers read that member. */
JsonNode *qmp_query_version(GError **errp)
{
    unsigned major = 0, minor = 0, micro = 0;
    JsonObject *triple = json_object_new();
    JsonObject *info = json_object_new();

    sscanf(VIREO_VERSION, "%u.%u.%u", &major, &minor, &micro);
    json_object_set_int_member(triple, "micro", micro);
    json_object_set_int_member(triple, "minor", minor);
    json_object_set_int_member(triple, "major", major);
    json_object_set_object_member(info, "qemu", triple);
    json_object_set_string_member(info, "package", "vireo-" VIREO_VERSION);
    return qmp_node_take_object(info);
}

JsonNode *qmp_query_commands(GError **errp)
{
    JsonArray *list = json_array_new();

    for (const QmpCommand *cmd = qmp_commands; cmd->name; cmd++) {
        JsonObject *info = json_object_new();
        json_object_set_string_member(info, "name", cmd->name);
        json_array_add_object_element(list, info);
    }
    return qmp_node_take_array(list);
}

JsonNode *qmp_query_qmp_schema(GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    if (!json_parser_load_from_data(parser, qmp_schema_json, -1, errp)) {
        return NULL;        /* cannot happen: the generator wrote valid JSON */
    }
    return json_parser_steal_root(parser);
}
