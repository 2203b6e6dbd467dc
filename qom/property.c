/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Object properties: adding and finding them, typed get/set through JSON
 * nodes, and the field-backed property kinds.
 */
#include "vireo/object.h"
#include <string.h>

static ObjectProperty *property_new(const char *name, const char *type,
                                    ObjectPropertyGet get, ObjectPropertySet set,
                                    ObjectPropertyRelease release, void *opaque)
{
    ObjectProperty *p = g_new0(ObjectProperty, 1);
    p->name = g_strdup(name);
    p->type = g_strdup(type);
    p->get = get;
    p->set = set;
    p->release = release;
    p->opaque = opaque;
    return p;
}

static void property_free(ObjectProperty *p)
{
    g_free(p->name);
    g_free(p->type);
    g_free(p->description);
    if (p->defval) {
        json_node_unref(p->defval);
    }
    g_free(p);
}

ObjectProperty *object_class_property_find(ObjectClass *klass, const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        ObjectProperty *p = g_hash_table_lookup(klass->properties, name);
        if (p) {
            return p;
        }
    }
    return NULL;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *p = g_hash_table_lookup(obj->properties, name);
    return p ? p : object_class_property_find(obj->klass, name);
}

ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type, ObjectPropertyGet get,
                                    ObjectPropertySet set,
                                    ObjectPropertyRelease release, void *opaque)
{
    /* "name[*]" picks the first free index, as for unattached devices. */
    size_t len = strlen(name);
    if (len >= 3 && !strcmp(name + len - 3, "[*]")) {
        g_autofree char *stem = g_strndup(name, len - 3);
        for (int i = 0;; i++) {
            g_autofree char *full = g_strdup_printf("%s[%d]", stem, i);
            if (!object_property_find(obj, full)) {
                return object_property_add(obj, full, type, get, set, release,
                                           opaque);
            }
        }
    }
    if (object_property_find(obj, name)) {
        return NULL;
    }
    ObjectProperty *p = property_new(name, type, get, set, release, opaque);
    g_hash_table_insert(obj->properties, p->name, p);
    return p;
}

ObjectProperty *object_class_property_add(ObjectClass *klass, const char *name,
                                          const char *type, ObjectPropertyGet get,
                                          ObjectPropertySet set, void *opaque)
{
    ObjectProperty *p = property_new(name, type, get, set, NULL, opaque);
    g_hash_table_insert(klass->properties, p->name, p);
    return p;
}

void object_property_set_description(ObjectProperty *prop, const char *desc)
{
    g_free(prop->description);
    prop->description = g_strdup(desc);
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *p = g_hash_table_lookup(obj->properties, name);
    if (!p) {
        return;
    }
    g_hash_table_remove(obj->properties, name);
    if (p->release) {
        p->release(obj, p);
    }
    property_free(p);
}

void object_property_release_all(Object *obj)
{
    /* Children first released by their own properties' release hooks. */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, obj->properties);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_ptr_array_add(names, g_strdup(key));
    }
    for (guint i = 0; i < names->len; i++) {
        object_property_del(obj, names->pdata[i]);
    }
    g_ptr_array_free(names, true);
}

static gint prop_name_cmp(gconstpointer a, gconstpointer b)
{
    const ObjectProperty *pa = *(ObjectProperty *const *)a;
    const ObjectProperty *pb = *(ObjectProperty *const *)b;
    return strcmp(pa->name, pb->name);
}

static void add_class_props(GPtrArray *out, GHashTable *seen, ObjectClass *k)
{
    for (; k; k = object_class_get_parent(k)) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, k->properties);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            if (!g_hash_table_contains(seen, key)) {
                g_hash_table_add(seen, key);
                g_ptr_array_add(out, value);
            }
        }
    }
}

GPtrArray *object_class_property_list(ObjectClass *klass)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    add_class_props(out, seen, klass);
    g_hash_table_destroy(seen);
    g_ptr_array_sort(out, prop_name_cmp);
    return out;
}

GPtrArray *object_property_list(Object *obj)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, obj->properties);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_hash_table_add(seen, key);
        g_ptr_array_add(out, value);
    }
    add_class_props(out, seen, obj->klass);
    g_hash_table_destroy(seen);
    g_ptr_array_sort(out, prop_name_cmp);
    return out;
}

/* --- get/set --- */

JsonNode *object_property_get(Object *obj, const char *name, GError **errp)
{
    ObjectProperty *p = object_property_find(obj, name);
    if (!p) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
        return NULL;
    }
    if (!p->get) {
        error_setg(errp, "Property '%s.%s' is not readable",
                   object_get_typename(obj), name);
        return NULL;
    }
    return p->get(obj, p, errp);
}

bool object_property_set(Object *obj, const char *name, JsonNode *value,
                         GError **errp)
{
    ObjectProperty *p = object_property_find(obj, name);
    if (!p) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
        return false;
    }
    if (!p->set) {
        error_setg(errp, "Property '%s.%s' is read-only",
                   object_get_typename(obj), name);
        return false;
    }
    return p->set(obj, p, value, errp);
}

static bool set_and_free(Object *obj, const char *name, JsonNode *n,
                         GError **errp)
{
    bool ok = object_property_set(obj, name, n, errp);
    json_node_unref(n);
    return ok;
}

bool object_property_parse(Object *obj, const char *name, const char *str,
                           GError **errp)
{
    return set_and_free(obj, name, json_node_init_string(json_node_alloc(), str),
                        errp);
}

bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp)
{
    return set_and_free(obj, name, json_node_init_boolean(json_node_alloc(), v),
                        errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t v,
                             GError **errp)
{
    return set_and_free(obj, name, json_node_init_int(json_node_alloc(), v), errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t v,
                              GError **errp)
{
    /* JSON integers are signed 64-bit in json-glib: values above INT64_MAX
     * travel as their decimal string. */
    if (v > INT64_MAX) {
        g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, v);
        return object_property_parse(obj, name, s, errp);
    }
    return object_property_set_int(obj, name, (int64_t)v, errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v,
                             GError **errp)
{
    return object_property_parse(obj, name, v, errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *target,
                              GError **errp)
{
    g_autofree char *path = target ? object_get_canonical_path(target)
                                   : g_strdup("");
    return object_property_parse(obj, name, path, errp);
}

bool object_property_get_bool(Object *obj, const char *name, GError **errp)
{
    JsonNode *n = object_property_get(obj, name, errp);
    bool v = false;
    if (n) {
        json_node_to_bool(n, name, &v, errp);
        json_node_unref(n);
    }
    return v;
}

int64_t object_property_get_int(Object *obj, const char *name, GError **errp)
{
    JsonNode *n = object_property_get(obj, name, errp);
    int64_t v = 0;
    if (n) {
        json_node_to_int64(n, name, &v, errp);
        json_node_unref(n);
    }
    return v;
}

uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp)
{
    JsonNode *n = object_property_get(obj, name, errp);
    uint64_t v = 0;
    if (n) {
        json_node_to_uint64(n, name, false, &v, errp);
        json_node_unref(n);
    }
    return v;
}

char *object_property_get_str(Object *obj, const char *name, GError **errp)
{
    JsonNode *n = object_property_get(obj, name, errp);
    char *v = NULL;
    const char *s;
    if (n) {
        if (json_node_to_str(n, name, &s, errp)) {
            v = g_strdup(s);
        }
        json_node_unref(n);
    }
    return v;
}

Object *object_property_get_link(Object *obj, const char *name, GError **errp)
{
    g_autofree char *path = object_property_get_str(obj, name, errp);
    return path && *path ? object_resolve_path(path, NULL) : NULL;
}

/* --- Field-backed properties --- */

static JsonNode *bool_ptr_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return json_node_init_boolean(json_node_alloc(), *(bool *)p->opaque);
}

static bool bool_ptr_set(Object *obj, ObjectProperty *p, JsonNode *v,
                         GError **errp)
{
    return json_node_to_bool(v, p->name, (bool *)p->opaque, errp);
}

void object_property_add_bool_ptr(Object *obj, const char *name, bool *field,
                                  bool writable)
{
    object_property_add(obj, name, "bool", bool_ptr_get,
                        writable ? bool_ptr_set : NULL, NULL, field);
}

static JsonNode *uint_node(uint64_t v)
{
    if (v > INT64_MAX) {
        /* json-glib has no unsigned integers; keep the exact value. */
        JsonNode *n = json_node_alloc();
        g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, v);
        return json_node_init_string(n, s);
    }
    return json_node_init_int(json_node_alloc(), (int64_t)v);
}

static JsonNode *u64_ptr_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return uint_node(*(uint64_t *)p->opaque);
}

static bool u64_ptr_set(Object *obj, ObjectProperty *p, JsonNode *v,
                        GError **errp)
{
    return json_node_to_uint64(v, p->name, false, (uint64_t *)p->opaque, errp);
}

void object_property_add_uint64_ptr(Object *obj, const char *name,
                                    uint64_t *field, bool writable)
{
    object_property_add(obj, name, "uint64", u64_ptr_get,
                        writable ? u64_ptr_set : NULL, NULL, field);
}

static JsonNode *u32_ptr_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return uint_node(*(uint32_t *)p->opaque);
}

static bool u32_ptr_set(Object *obj, ObjectProperty *p, JsonNode *v,
                        GError **errp)
{
    uint64_t x;
    if (!json_node_to_uint64(v, p->name, false, &x, errp)) {
        return false;
    }
    if (x > UINT32_MAX) {
        error_setg(errp, "Parameter '%s' expects uint32_t", p->name);
        return false;
    }
    *(uint32_t *)p->opaque = x;
    return true;
}

void object_property_add_uint32_ptr(Object *obj, const char *name,
                                    uint32_t *field, bool writable)
{
    object_property_add(obj, name, "uint32", u32_ptr_get,
                        writable ? u32_ptr_set : NULL, NULL, field);
}

static JsonNode *str_ptr_get(Object *obj, ObjectProperty *p, GError **errp)
{
    const char *s = *(char **)p->opaque;
    return json_node_init_string(json_node_alloc(), s ? s : "");
}

static bool str_ptr_set(Object *obj, ObjectProperty *p, JsonNode *v,
                        GError **errp)
{
    const char *s;
    if (!json_node_to_str(v, p->name, &s, errp)) {
        return false;
    }
    g_free(*(char **)p->opaque);
    *(char **)p->opaque = g_strdup(s);
    return true;
}

void object_property_add_str_ptr(Object *obj, const char *name, char **field,
                                 bool writable)
{
    object_property_add(obj, name, "str", str_ptr_get,
                        writable ? str_ptr_set : NULL, NULL, field);
}

static JsonNode *const_str_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return json_node_init_string(json_node_alloc(), p->opaque);
}

static void const_str_release(Object *obj, ObjectProperty *p)
{
    g_free(p->opaque);
}

void object_property_add_const_str(Object *obj, const char *name,
                                   const char *value)
{
    object_property_add(obj, name, "str", const_str_get, NULL,
                        const_str_release, g_strdup(value));
}

/* link<T>: the value is the target's canonical path. */
typedef struct LinkProp {
    Object **target;
    char *type;
} LinkProp;

static JsonNode *link_get(Object *obj, ObjectProperty *p, GError **errp)
{
    LinkProp *lp = p->opaque;
    g_autofree char *path = *lp->target ? object_get_canonical_path(*lp->target)
                                        : NULL;
    return json_node_init_string(json_node_alloc(), path ? path : "");
}

bool object_link_resolve(const char *path, const char *type, const char *what,
                         Object **out, GError **errp)
{
    bool ambiguous = false;
    *out = NULL;
    if (!*path) {
        return true;
    }
    Object *t = object_resolve_path(path, &ambiguous);
    if (!t) {
        error_setg(errp, ambiguous ? "Path '%s' does not uniquely identify an object"
                                   : "Device '%s' not found", path);
        return false;
    }
    if (!object_dynamic_cast(t, type)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   what, type);
        return false;
    }
    *out = t;
    return true;
}

static bool link_set(Object *obj, ObjectProperty *p, JsonNode *v, GError **errp)
{
    LinkProp *lp = p->opaque;
    const char *path;
    Object *t;
    if (!json_node_to_str(v, p->name, &path, errp) ||
        !object_link_resolve(path, lp->type, p->name, &t, errp)) {
        return false;
    }
    object_ref(t);
    object_unref(*lp->target);
    *lp->target = t;
    return true;
}

static void link_release(Object *obj, ObjectProperty *p)
{
    LinkProp *lp = p->opaque;
    object_unref(*lp->target);
    *lp->target = NULL;
    g_free(lp->type);
    g_free(lp);
}

void object_property_add_link(Object *obj, const char *name, const char *type,
                              Object **target)
{
    LinkProp *lp = g_new0(LinkProp, 1);
    lp->target = target;
    lp->type = g_strdup(type);
    g_autofree char *ptype = g_strdup_printf("link<%s>", type);
    object_property_add(obj, name, ptype, link_get, link_set, link_release, lp);
}
