/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types, classes and instances: registration, lazy class creation along the
 * parent chain, interfaces, reference counting and dynamic casts.
 */
#include "vireo/object.h"
#include <string.h>

struct TypeImpl {
    TypeInfo info;
    TypeImpl *parent;
    size_t instance_size;
    size_t class_size;
    ObjectClass *klass;            /* created on first use */
    bool is_interface;
};

static GHashTable *type_table(void)
{
    static GHashTable *table;
    if (!table) {
        table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return table;
}

void type_register_static(const TypeInfo *info)
{
    TypeImpl *t = g_new0(TypeImpl, 1);
    t->info = *info;
    g_assert(!g_hash_table_contains(type_table(), info->name));
    g_hash_table_insert(type_table(), (gpointer)info->name, t);
}

static TypeImpl *type_lookup(const char *name)
{
    return name ? g_hash_table_lookup(type_table(), name) : NULL;
}

static bool type_is_ancestor(TypeImpl *t, TypeImpl *ancestor)
{
    for (; t; t = t->parent) {
        if (t == ancestor) {
            return true;
        }
    }
    return false;
}

static void type_resolve(TypeImpl *t)
{
    if (t->instance_size) {
        return;
    }
    if (t->info.parent) {
        t->parent = type_lookup(t->info.parent);
        if (!t->parent) {
            g_error("type '%s' has unknown parent '%s'", t->info.name,
                    t->info.parent);
        }
        type_resolve(t->parent);
    }
    t->is_interface = !strcmp(t->info.name, TYPE_INTERFACE) ||
                      (t->parent && t->parent->is_interface);
    t->instance_size = t->info.instance_size ? t->info.instance_size
                       : t->parent ? t->parent->instance_size : sizeof(Object);
    t->class_size = t->info.class_size ? t->info.class_size
                    : t->parent ? t->parent->class_size : sizeof(ObjectClass);
}

static ObjectClass *type_get_class(TypeImpl *t)
{
    if (t->klass) {
        return t->klass;
    }
    type_resolve(t);
    ObjectClass *k = g_malloc0(t->class_size);
    if (t->parent) {
        ObjectClass *pk = type_get_class(t->parent);
        memcpy(k, pk, t->parent->class_size);
    }
    k->type = t;
    k->properties = g_hash_table_new(g_str_hash, g_str_equal);
    k->interfaces = g_hash_table_new(g_str_hash, g_str_equal);
    if (t->parent) {
        /* Inherit interfaces: each class gets its own copy of the
         * interface class so it can override methods. */
        ObjectClass *pk = t->parent->klass;
        GHashTableIter it;
        gpointer name, ik;
        g_hash_table_iter_init(&it, pk->interfaces);
        while (g_hash_table_iter_next(&it, &name, &ik)) {
            TypeImpl *it_t = ((ObjectClass *)ik)->type;
            ObjectClass *copy = g_memdup2(ik, it_t->class_size);
            g_hash_table_insert(k->interfaces, name, copy);
        }
    }
    for (const char *const *i = t->info.interfaces; i && *i; i++) {
        TypeImpl *it_t = type_lookup(*i);
        if (!it_t) {
            g_error("type '%s' implements unknown interface '%s'",
                    t->info.name, *i);
        }
        /* Resolve the interface (its class_size) before copying its class. */
        ObjectClass *iface_class = type_get_class(it_t);
        ObjectClass *ik = g_memdup2(iface_class, it_t->class_size);
        g_hash_table_insert(k->interfaces, (gpointer)it_t->info.name, ik);
    }
    t->klass = k;
    /* Only this type's class_init runs: the parent's already ran on the
     * parent class, whose bytes were copied above. */
    if (t->info.class_init) {
        t->info.class_init(k, t->info.class_data);
    }
    return k;
}

ObjectClass *object_class_by_name(const char *typename)
{
    TypeImpl *t = type_lookup(typename);
    return t ? type_get_class(t) : NULL;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->info.name;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    return klass->type->parent ? type_get_class(klass->type->parent) : NULL;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->info.abstract;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename)
{
    TypeImpl *target = type_lookup(typename);
    if (!klass || !target) {
        return NULL;
    }
    if (type_is_ancestor(klass->type, target)) {
        return klass;
    }
    type_resolve(target);
    if (target->is_interface) {
        GHashTableIter it;
        gpointer name, ik;
        g_hash_table_iter_init(&it, klass->interfaces);
        while (g_hash_table_iter_next(&it, &name, &ik)) {
            if (type_is_ancestor(((ObjectClass *)ik)->type, target)) {
                return ik;
            }
        }
    }
    return NULL;
}

ObjectClass *object_class_get_interface(ObjectClass *klass, const char *iface)
{
    return g_hash_table_lookup(klass->interfaces, iface);
}

ObjectClass *object_class_check_cast(ObjectClass *klass, const char *typename,
                                     const char *file, int line)
{
    ObjectClass *k = object_class_dynamic_cast(klass, typename);
    if (!k) {
        g_error("%s:%d: class '%s' is not a '%s'", file, line,
                klass ? object_class_get_name(klass) : "(null)", typename);
    }
    return k;
}

static gint class_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(object_class_get_name((ObjectClass *)a),
                  object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list(const char *implements, bool include_abstract)
{
    GSList *list = NULL;
    GHashTableIter it;
    gpointer name, value;
    g_hash_table_iter_init(&it, type_table());
    while (g_hash_table_iter_next(&it, &name, &value)) {
        TypeImpl *t = value;
        ObjectClass *k = type_get_class(t);
        if (t->is_interface || (!include_abstract && t->info.abstract)) {
            continue;
        }
        if (implements && !object_class_dynamic_cast(k, implements)) {
            continue;
        }
        list = g_slist_prepend(list, k);
    }
    return g_slist_sort(list, class_name_cmp);
}

/* --- Instances --- */

static void object_init_with_type(Object *obj, TypeImpl *t)
{
    if (t->parent) {
        object_init_with_type(obj, t->parent);
    }
    if (t->info.instance_init) {
        t->info.instance_init(obj);
    }
}

static void object_post_init_with_type(Object *obj, TypeImpl *t)
{
    if (t->info.instance_post_init) {
        t->info.instance_post_init(obj);
    }
    if (t->parent) {
        object_post_init_with_type(obj, t->parent);
    }
}

void object_property_release_all(Object *obj);

Object *object_new(const char *typename, GError **errp)
{
    TypeImpl *t = type_lookup(typename);
    if (!t) {
        error_setg(errp, "unknown type '%s'", typename);
        return NULL;
    }
    ObjectClass *k = type_get_class(t);
    if (t->info.abstract || t->is_interface) {
        error_setg(errp, "type '%s' is abstract", typename);
        return NULL;
    }
    Object *obj = g_malloc0(t->instance_size);
    obj->klass = k;
    obj->refcount = 1;
    obj->properties = g_hash_table_new(g_str_hash, g_str_equal);
    object_init_with_type(obj, t);
    object_post_init_with_type(obj, t);
    return obj;
}

Object *object_ref(Object *obj)
{
    if (obj) {
        g_atomic_int_inc(&obj->refcount);
    }
    return obj;
}

void object_unref(Object *obj)
{
    if (!obj || !g_atomic_int_dec_and_test(&obj->refcount)) {
        return;
    }
    g_assert(!obj->parent);
    object_property_release_all(obj);
    for (TypeImpl *t = obj->klass->type; t; t = t->parent) {
        if (t->info.instance_finalize) {
            t->info.instance_finalize(obj);
        }
    }
    g_hash_table_destroy(obj->properties);
    if (obj->children) {
        g_ptr_array_free(obj->children, true);   /* emptied by the releases */
    }
    g_free(obj);
}

const char *object_get_typename(Object *obj)
{
    return object_class_get_name(obj->klass);
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    return obj && object_class_dynamic_cast(obj->klass, typename) ? obj : NULL;
}

Object *object_check_cast(Object *obj, const char *typename, const char *file,
                          int line)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        g_error("%s:%d: object of type '%s' is not a '%s'", file, line,
                object_get_typename(obj), typename);
    }
    return obj;
}

GQuark vireo_error_quark(void)
{
    return g_quark_from_static_string("vireo-error");
}

static JsonNode *type_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return json_node_init_string(json_node_alloc(), object_get_typename(obj));
}

static void object_class_init(ObjectClass *klass, const void *data)
{
    object_class_property_add(klass, "type", "string", type_get, NULL, NULL);
}

static const TypeInfo object_type = {
    .name = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .class_size = sizeof(ObjectClass),
    .class_init = object_class_init,
};
static const TypeInfo interface_type = {
    .name = TYPE_INTERFACE,
    .class_size = sizeof(ObjectClass),
    .abstract = true,
};
static const TypeInfo container_type = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
};
TYPE_REGISTER(object_type)
TYPE_REGISTER(interface_type)
TYPE_REGISTER(container_type)
