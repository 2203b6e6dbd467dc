/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks JSON values against schema types and reads checked command
 * arguments. Error texts are QEMU's (its QMP input visitor), since clients
 * match on them.
 */
#include "qapi/qapi-runtime.h"
#include "vireo/object.h"
#include <string.h>

static bool is_value_of(JsonNode *n, GType type)
{
    return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

static bool wrong_type(const char *name, const char *expected, GError **errp)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               name, expected);
    return false;
}

static bool out_of_range(const char *name, const QapiType *type, GError **errp)
{
    error_setg(errp, "Parameter '%s' expects %s", name, type->range_name);
    return false;
}

static bool check_int(JsonNode *n, const QapiType *type, const char *name,
                      GError **errp)
{
    if (!is_value_of(n, G_TYPE_INT64)) {
        return wrong_type(name, "integer", errp);
    }
    int64_t v = json_node_get_int(n);
    if (type->kind == QAPI_KIND_UINT) {
        if (v < 0 || (uint64_t)v > type->umax) {
            return out_of_range(name, type, errp);
        }
    } else if (v < type->min || v > type->max) {
        return out_of_range(name, type, errp);
    }
    return true;
}

static bool check_enum(JsonNode *n, const QapiType *type, const char *name,
                       GError **errp)
{
    if (!is_value_of(n, G_TYPE_STRING)) {
        return wrong_type(name, "string", errp);
    }
    const char *s = json_node_get_string(n);
    for (const char *const *v = type->values; *v; v++) {
        if (!strcmp(*v, s)) {
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' does not accept value '%s'", name, s);
    return false;
}

static bool check_list(JsonNode *n, const QapiType *type, const char *name,
                       GError **errp)
{
    if (!JSON_NODE_HOLDS_ARRAY(n)) {
        return wrong_type(name, "array", errp);
    }
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        g_autofree char *elem = g_strdup_printf("%s[%u]", name, i);
        if (!qapi_check_value(json_array_get_element(a, i), type->element, elem,
                              errp)) {
            return false;
        }
    }
    return true;
}

/* prefix is the object's own full name ("" at the top level). */
static bool check_members(JsonObject *obj, const QapiType *type,
                          const char *prefix, GError **errp)
{
    for (const QapiMember *m = type->members; m->name; m++) {
        g_autofree char *full = *prefix ? g_strdup_printf("%s.%s", prefix, m->name)
                                        : g_strdup(m->name);
        JsonNode *v = json_object_get_member(obj, m->name);
        if (!v) {
            if (m->optional) {
                continue;
            }
            error_setg(errp, "Parameter '%s' is missing", full);
            return false;
        }
        if (!qapi_check_value(v, m->type, full, errp)) {
            return false;
        }
    }
    g_autoptr(GList) names = json_object_get_members(obj);
    for (GList *l = names; l; l = l->next) {
        const QapiMember *m = type->members;
        while (m->name && strcmp(m->name, l->data)) {
            m++;
        }
        if (!m->name) {
            error_setg(errp, "Parameter '%s%s%s' is unexpected", prefix,
                       *prefix ? "." : "", (const char *)l->data);
            return false;
        }
    }
    return true;
}

bool qapi_check_value(JsonNode *n, const QapiType *type, const char *name,
                      GError **errp)
{
    switch (type->kind) {
    case QAPI_KIND_STR:
        return is_value_of(n, G_TYPE_STRING) || wrong_type(name, "string", errp);
    case QAPI_KIND_INT:
    case QAPI_KIND_UINT:
        return check_int(n, type, name, errp);
    case QAPI_KIND_BOOL:
        return is_value_of(n, G_TYPE_BOOLEAN) || wrong_type(name, "boolean", errp);
    case QAPI_KIND_NUMBER:
        return is_value_of(n, G_TYPE_INT64) || is_value_of(n, G_TYPE_DOUBLE) ||
               wrong_type(name, "number", errp);
    case QAPI_KIND_NULL:
        return JSON_NODE_HOLDS_NULL(n) || wrong_type(name, "null", errp);
    case QAPI_KIND_ANY:
        return true;
    case QAPI_KIND_ENUM:
        return check_enum(n, type, name, errp);
    case QAPI_KIND_LIST:
        return check_list(n, type, name, errp);
    case QAPI_KIND_STRUCT:
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
            return wrong_type(name, "object", errp);
        }
        return check_members(json_node_get_object(n), type, name, errp);
    }
    return false;
}

bool qapi_check_args(JsonObject *args, const QapiType *type, GError **errp)
{
    return check_members(args, type, "", errp);
}

const char *qapi_arg_str(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    return n ? json_node_get_string(n) : NULL;
}

int64_t qapi_arg_int(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    return n ? json_node_get_int(n) : 0;
}

uint64_t qapi_arg_uint(JsonObject *args, const char *name)
{
    return qapi_arg_int(args, name);
}

bool qapi_arg_bool(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    return n ? json_node_get_boolean(n) : false;
}

double qapi_arg_number(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    if (!n) {
        return 0;
    }
    /* json_node_get_double converts integers too. */
    return json_node_get_double(n);
}

JsonNode *qapi_arg_any(JsonObject *args, const char *name)
{
    return json_object_get_member(args, name);
}

JsonArray *qapi_arg_list(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    return n ? json_node_get_array(n) : NULL;
}

JsonObject *qapi_arg_object(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);
    return n ? json_node_get_object(n) : NULL;
}

const QmpCommand *qmp_command_find(const char *name)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

const QmpEventInfo *qmp_event_find(const char *name)
{
    for (const QmpEventInfo *e = qmp_events; e->name; e++) {
        if (!strcmp(e->name, name)) {
            return e;
        }
    }
    return NULL;
}
