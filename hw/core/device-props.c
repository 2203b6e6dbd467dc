/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Static device properties: each kind reads and writes one field of the
 * device's state at a fixed offset. Setting after realize is refused.
 */
#include "vireo/device.h"
#include "vireo/chardev.h"
#include <string.h>

#define FIELD(obj, p, T) ((T *)((uint8_t *)(obj) + (p)->offset))

static bool check_settable(Object *obj, const Property *p, GError **errp)
{
    DeviceState *dev = DEVICE(obj);
    if (dev->realized && dev->id) {
        error_setg(errp, "Attempt to set property '%s' on device '%s' "
                   "(type '%s') after it was realized", p->name, dev->id,
                   object_get_typename(obj));
        return false;
    }
    if (dev->realized) {
        error_setg(errp, "Attempt to set property '%s' on anonymous device "
                   "(type '%s') after it was realized", p->name,
                   object_get_typename(obj));
        return false;
    }
    return true;
}

static JsonNode *uint_node(uint64_t v)
{
    JsonNode *n = json_node_alloc();
    if (v > INT64_MAX) {
        g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, v);
        return json_node_init_string(n, s);
    }
    return json_node_init_int(n, (int64_t)v);
}

/* bool */
static JsonNode *bool_get(Object *obj, const Property *p, GError **errp)
{
    return json_node_init_boolean(json_node_alloc(), *FIELD(obj, p, bool));
}
static bool bool_set(Object *obj, const Property *p, JsonNode *v, GError **errp)
{
    return json_node_to_bool(v, p->name, FIELD(obj, p, bool), errp);
}
static void bool_default(Object *obj, const Property *p)
{
    *FIELD(obj, p, bool) = p->defval;
}
const PropertyKind prop_kind_bool = {
    .type = "bool", .get = bool_get, .set = bool_set, .set_default = bool_default,
};

/* unsigned integers of each width, and sizes */
#define UINT_KIND(bits, T, tname, suffixes)                                    \
    static JsonNode *u##bits##_get(Object *obj, const Property *p, GError **e) \
    {                                                                          \
        return uint_node(*FIELD(obj, p, T));                                   \
    }                                                                          \
    static bool u##bits##_set(Object *obj, const Property *p, JsonNode *v,     \
                              GError **errp)                                   \
    {                                                                          \
        uint64_t x;                                                            \
        if (!json_node_to_uint64(v, p->name, suffixes, &x, errp)) {            \
            return false;                                                      \
        }                                                                      \
        if (x > (T)~(T)0) {                                                    \
            /* QEMU's words for a value out of the field's range. */           \
            error_setg(errp, "Parameter '%s' expects %s", p->name, #T);        \
            return false;                                                      \
        }                                                                      \
        *FIELD(obj, p, T) = x;                                                 \
        return true;                                                           \
    }                                                                          \
    static void u##bits##_default(Object *obj, const Property *p)              \
    {                                                                          \
        *FIELD(obj, p, T) = p->defval;                                         \
    }                                                                          \
    const PropertyKind prop_kind_##tname = {                                   \
        .type = #tname, .get = u##bits##_get, .set = u##bits##_set,            \
        .set_default = u##bits##_default,                                      \
    };
UINT_KIND(8, uint8_t, uint8, false)
UINT_KIND(16, uint16_t, uint16, false)
UINT_KIND(32, uint32_t, uint32, false)
UINT_KIND(64, uint64_t, uint64, false)
UINT_KIND(sz, uint64_t, size, true)

/* int32 */
static JsonNode *i32_get(Object *obj, const Property *p, GError **errp)
{
    return json_node_init_int(json_node_alloc(), *FIELD(obj, p, int32_t));
}
static bool i32_set(Object *obj, const Property *p, JsonNode *v, GError **errp)
{
    int64_t x;
    if (!json_node_to_int64(v, p->name, &x, errp)) {
        return false;
    }
    if (x < INT32_MIN || x > INT32_MAX) {
        error_setg(errp, "Parameter '%s' expects int32_t", p->name);
        return false;
    }
    *FIELD(obj, p, int32_t) = x;
    return true;
}
static void i32_default(Object *obj, const Property *p)
{
    *FIELD(obj, p, int32_t) = (int32_t)p->defval;
}
const PropertyKind prop_kind_int32 = {
    .type = "int32", .get = i32_get, .set = i32_set, .set_default = i32_default,
};

/* string */
static JsonNode *str_get(Object *obj, const Property *p, GError **errp)
{
    const char *s = *FIELD(obj, p, char *);
    if (!s) {
        return json_node_init_null(json_node_alloc());
    }
    return json_node_init_string(json_node_alloc(), s);
}
static bool str_set(Object *obj, const Property *p, JsonNode *v, GError **errp)
{
    const char *s;
    if (!json_node_to_str(v, p->name, &s, errp)) {
        return false;
    }
    g_free(*FIELD(obj, p, char *));
    *FIELD(obj, p, char *) = g_strdup(s);
    return true;
}
static void str_default(Object *obj, const Property *p)
{
    *FIELD(obj, p, char *) = g_strdup(p->defstr);
}
static void str_release(Object *obj, const Property *p)
{
    g_clear_pointer(FIELD(obj, p, char *), g_free);
}
const PropertyKind prop_kind_string = {
    .type = "str", .get = str_get, .set = str_set, .set_default = str_default,
    .release = str_release,
};

/* chardev: set by id; the device attaches its frontend at realize */
static JsonNode *chr_get(Object *obj, const Property *p, GError **errp)
{
    Chardev *chr = *FIELD(obj, p, Chardev *);
    return json_node_init_string(json_node_alloc(), chr ? chr->label : "");
}
static bool chr_set(Object *obj, const Property *p, JsonNode *v, GError **errp)
{
    const char *id;
    if (!json_node_to_str(v, p->name, &id, errp)) {
        return false;
    }
    Chardev *chr = NULL;
    if (*id) {
        chr = chardev_find(id);
        if (!chr) {
            error_setg(errp, "Property '%s.%s' can't find value '%s'",
                       object_get_typename(obj), p->name, id);
            return false;
        }
    }
    *FIELD(obj, p, Chardev *) = chr;
    return true;
}
const PropertyKind prop_kind_chardev = {
    .type = "str", .get = chr_get, .set = chr_set,
};

/* link<T>: set by QOM path */
static JsonNode *link_get(Object *obj, const Property *p, GError **errp)
{
    Object *t = *FIELD(obj, p, Object *);
    g_autofree char *path = t ? object_get_canonical_path(t) : NULL;
    return json_node_init_string(json_node_alloc(), path ? path : "");
}
static bool link_set(Object *obj, const Property *p, JsonNode *v, GError **errp)
{
    const char *path;
    Object *t;
    if (!json_node_to_str(v, p->name, &path, errp) ||
        !object_link_resolve(path, p->link_type, p->name, &t, errp)) {
        return false;
    }
    *FIELD(obj, p, Object *) = t;
    return true;
}
const PropertyKind prop_kind_link = {
    .type = "link", .get = link_get, .set = link_set,
};

/* Glue: class properties whose opaque is the static Property. */
static JsonNode *static_get(Object *obj, ObjectProperty *op, GError **errp)
{
    const Property *p = op->opaque;
    return p->kind->get(obj, p, errp);
}

static bool static_set(Object *obj, ObjectProperty *op, JsonNode *v,
                       GError **errp)
{
    const Property *p = op->opaque;
    return check_settable(obj, p, errp) && p->kind->set(obj, p, v, errp);
}

void device_class_add_props(ObjectClass *klass, const Property *props)
{
    for (const Property *p = props; p && p->name; p++) {
        g_autofree char *type = p->link_type
            ? g_strdup_printf("link<%s>", p->link_type) : g_strdup(p->kind->type);
        ObjectProperty *op = object_class_property_add(klass, p->name, type,
                                                       static_get, static_set,
                                                       (void *)p);
        if (p->desc) {
            object_property_set_description(op, p->desc);
        }
        if (p->kind == &prop_kind_bool) {
            op->defval = json_node_init_boolean(json_node_alloc(), p->defval);
        } else if (p->kind->set_default && p->kind != &prop_kind_string) {
            op->defval = uint_node(p->defval);
        } else if (p->defstr) {
            op->defval = json_node_init_string(json_node_alloc(), p->defstr);
        }
    }
}

void device_props_set_defaults(Object *obj, const Property *props)
{
    for (const Property *p = props; p && p->name; p++) {
        if (p->kind->set_default) {
            p->kind->set_default(obj, p);
        }
    }
}

void device_props_release(Object *obj, const Property *props)
{
    for (const Property *p = props; p && p->name; p++) {
        if (p->kind->release) {
            p->kind->release(obj, p);
        }
    }
}
