/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One QMP request in, one reply out: checks the request's shape, finds the
 * command in the generated table, runs it and wraps the result or error,
 * echoing "id" (QMP specification, docs/interop/qmp-spec in QEMU).
 */
#include "monitor/monitor-internal.h"
#include <string.h>

static const char *const error_classes[] = {
    [VIREO_ERROR_GENERIC] = "GenericError",
    [VIREO_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [VIREO_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [VIREO_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [VIREO_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *qmp_error_class(const GError *err)
{
    if (err->domain == VIREO_ERROR && err->code >= 0 &&
        err->code < (int)G_N_ELEMENTS(error_classes) && error_classes[err->code]) {
        return error_classes[err->code];
    }
    return "GenericError";
}

JsonNode *qmp_node_take_object(JsonObject *obj)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, obj);
    return n;
}

JsonNode *qmp_node_take_array(JsonArray *arr)
{
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    return n;
}

JsonNode *qmp_error_object(const GError *err)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "class", qmp_error_class(err));
    json_object_set_string_member(o, "desc", err->message);
    return qmp_node_take_object(o);
}

/* Members allowed in a request, in QEMU's order of checks. */
static bool check_request(JsonObject *req, GError **errp)
{
    g_autoptr(GList) names = json_object_get_members(req);
    bool has_execute = false;

    for (GList *l = names; l; l = l->next) {
        const char *name = l->data;
        JsonNode *v = json_object_get_member(req, name);
        if (!strcmp(name, "execute")) {
            if (!JSON_NODE_HOLDS_VALUE(v) ||
                json_node_get_value_type(v) != G_TYPE_STRING) {
                error_setg(errp, "QMP input member 'execute' must be a string");
                return false;
            }
            has_execute = true;
        } else if (!strcmp(name, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(v)) {
                error_setg(errp, "QMP input member 'arguments' must be an object");
                return false;
            }
        } else if (strcmp(name, "id")) {
            error_setg(errp, "QMP input member '%s' is unexpected", name);
            return false;
        }
    }
    if (!has_execute) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

static const QmpCommand *find_command(const char *name, bool negotiating,
                                      GError **errp)
{
    const QmpCommand *cmd = qmp_command_find(name);

    if (negotiating && (!cmd || strcmp(name, "qmp_capabilities"))) {
        g_set_error(errp, VIREO_ERROR, VIREO_ERROR_COMMAND_NOT_FOUND,
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
        return NULL;
    }
    if (!cmd) {
        g_set_error(errp, VIREO_ERROR, VIREO_ERROR_COMMAND_NOT_FOUND,
                    "The command %s has not been found", name);
    }
    return cmd;
}

/* A reply that breaks the schema is our bug, not the client's: say so. */
static void check_reply(const QmpCommand *cmd, JsonNode *ret)
{
    g_autoptr(GError) err = NULL;

    if (cmd->ret && !qapi_check_value(ret, cmd->ret, "return", &err)) {
        g_warning("reply of QMP command %s does not match the schema: %s",
                  cmd->name, err->message);
    }
}

static JsonNode *run_command(JsonObject *req, bool negotiating, GError **errp)
{
    const char *name = json_object_get_string_member(req, "execute");
    const QmpCommand *cmd = find_command(name, negotiating, errp);
    g_autoptr(JsonObject) no_args = NULL;
    JsonObject *args;
    GError *err = NULL;

    if (!cmd) {
        return NULL;
    }
    if (json_object_has_member(req, "arguments")) {
        args = json_object_get_object_member(req, "arguments");
    } else {
        args = no_args = json_object_new();
    }
    JsonNode *ret = cmd->marshal(args, &err);
    if (err) {
        g_propagate_error(errp, err);
        if (ret) {
            json_node_unref(ret);
        }
        return NULL;
    }
    if (!ret) {
        return qmp_node_take_object(json_object_new());
    }
    check_reply(cmd, ret);
    return ret;
}

JsonObject *qmp_dispatch(JsonNode *request, bool negotiating)
{
    JsonObject *req = JSON_NODE_HOLDS_OBJECT(request)
                      ? json_node_get_object(request) : NULL;
    JsonObject *reply = json_object_new();
    g_autoptr(GError) err = NULL;
    JsonNode *ret = NULL;

    if (!req) {
        error_setg(&err, "QMP input must be a JSON object");
    } else if (check_request(req, &err)) {
        ret = run_command(req, negotiating, &err);
    }
    if (err) {
        json_object_set_member(reply, "error", qmp_error_object(err));
    } else {
        json_object_set_member(reply, "return", ret);
    }
    if (req && json_object_has_member(req, "id")) {
        json_object_set_member(reply, "id",
                               json_node_copy(json_object_get_member(req, "id")));
    }
    return reply;
}
