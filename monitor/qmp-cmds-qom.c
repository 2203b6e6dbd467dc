/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP access to the object model (qapi/qom.json): list an object's
 * properties, get and set them, list types and a type's properties.
 * Error classes and texts are QEMU's (the object model words property
 * errors: "Property 'type.name' not found").
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"

static Object *find_object(const char *path, bool report_ambiguous,
                           GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        if (ambiguous && report_ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            g_set_error(errp, VIREO_ERROR, VIREO_ERROR_DEVICE_NOT_FOUND,
                        "Device '%s' not found", path);
        }
    }
    return obj;
}

static JsonObject *property_info(ObjectProperty *prop, bool details)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "name", prop->name);
    json_object_set_string_member(info, "type", prop->type);
    if (details && prop->description) {
        json_object_set_string_member(info, "description", prop->description);
    }
    if (details && prop->defval) {
        json_object_set_member(info, "default-value", json_node_copy(prop->defval));
    }
    return info;
}

static JsonNode *property_list(GPtrArray *props, bool details)
{
    JsonArray *list = json_array_new();

    for (guint i = 0; i < props->len; i++) {
        json_array_add_object_element(list,
            property_info(g_ptr_array_index(props, i), details));
    }
    g_ptr_array_unref(props);
    return qmp_node_take_array(list);
}

JsonNode *qmp_qom_list(const char *path, GError **errp)
{
    Object *obj = find_object(path, true, errp);

    return obj ? property_list(object_property_list(obj), false) : NULL;
}

JsonNode *qmp_qom_get(const char *path, const char *property, GError **errp)
{
    Object *obj = find_object(path, false, errp);

    return obj ? object_property_get(obj, property, errp) : NULL;
}

JsonNode *qmp_qom_set(const char *path, const char *property, JsonNode *value,
                      GError **errp)
{
    Object *obj = find_object(path, false, errp);

    if (obj) {
        object_property_set(obj, property, value, errp);
    }
    return NULL;
}

static JsonObject *type_info(ObjectClass *klass)
{
    JsonObject *info = json_object_new();
    ObjectClass *parent = object_class_get_parent(klass);

    json_object_set_string_member(info, "name", object_class_get_name(klass));
    if (object_class_is_abstract(klass)) {
        json_object_set_boolean_member(info, "abstract", true);
    }
    if (parent) {
        json_object_set_string_member(info, "parent", object_class_get_name(parent));
    }
    return info;
}

JsonNode *qmp_qom_list_types(bool has_implements, const char *implements,
                             bool has_abstract, bool abstract, GError **errp)
{
    JsonArray *list = json_array_new();

    /* An unknown type is implemented by nothing. */
    if (!has_implements || object_class_by_name(implements)) {
        GSList *classes = object_class_get_list(
            has_implements ? implements : TYPE_OBJECT, has_abstract && abstract);
        for (GSList *l = classes; l; l = l->next) {
            json_array_add_object_element(list, type_info(l->data));
        }
        g_slist_free(classes);
    }
    return qmp_node_take_array(list);
}

/* An abstract type has only its class properties; otherwise a throwaway
 * instance shows the instance properties too, as in QEMU. */
JsonNode *qmp_qom_list_properties(const char *typename, GError **errp)
{
    ObjectClass *klass = object_class_by_name(typename);

    if (!klass) {
        g_set_error(errp, VIREO_ERROR, VIREO_ERROR_DEVICE_NOT_FOUND,
                    "Class '%s' not found", typename);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_OBJECT)) {
        error_setg(errp, "Parameter 'typename' expects %s", TYPE_OBJECT);
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        return property_list(object_class_property_list(klass), true);
    }
    Object *obj = object_new(typename, errp);
    if (!obj) {
        return NULL;
    }
    JsonNode *list = property_list(object_property_list(obj), true);
    object_unref(obj);
    return list;
}
