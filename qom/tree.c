/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The composition tree: child<> properties, canonical paths and path
 * resolution (absolute, or a partial path that matches one object).
 */
#include "vireo/object.h"
#include <string.h>

Object *object_get_root(void)
{
    static Object *root;
    if (!root) {
        root = object_new(TYPE_CONTAINER, NULL);
    }
    return root;
}

Object *object_get_child_container(Object *parent, const char *name)
{
    Object *c = object_resolve_path_component(parent, name);
    if (!c) {
        c = object_new(TYPE_CONTAINER, NULL);
        object_property_add_child(parent, name, c, NULL);
        object_unref(c);
    }
    return c;
}

Object *object_get_container(const char *name)
{
    return object_get_child_container(object_get_root(), name);
}

static JsonNode *child_get(Object *obj, ObjectProperty *p, GError **errp)
{
    g_autofree char *path = object_get_canonical_path(p->opaque);
    return json_node_init_string(json_node_alloc(), path);
}

static void child_release(Object *obj, ObjectProperty *p)
{
    Object *child = p->opaque;
    g_ptr_array_remove(obj->children, child);
    child->parent = NULL;
    g_clear_pointer(&child->name, g_free);
    object_unref(child);
}

bool object_property_add_child(Object *parent, const char *name, Object *child,
                               GError **errp)
{
    g_autofree char *type = g_strdup_printf("child<%s>",
                                            object_get_typename(child));
    if (child->parent) {
        error_setg(errp, "object is already a child of another object");
        return false;
    }
    ObjectProperty *p = object_property_add(parent, name, type, child_get, NULL,
                                            child_release, child);
    if (!p) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(parent));
        return false;
    }
    if (!parent->children) {
        parent->children = g_ptr_array_new();
    }
    g_ptr_array_add(parent->children, child);
    child->parent = parent;
    child->name = g_strdup(p->name);
    object_ref(child);
    return true;
}

void object_unparent(Object *obj)
{
    if (obj->parent) {
        object_property_del(obj->parent, obj->name);
    }
}

const char *object_get_canonical_path_component(Object *obj)
{
    return obj->name;
}

char *object_get_canonical_path(Object *obj)
{
    Object *root = object_get_root();
    if (obj == root) {
        return g_strdup("/");
    }
    GString *path = g_string_new("");
    for (; obj && obj != root; obj = obj->parent) {
        if (!obj->name) {
            g_string_free(path, true);
            return NULL;          /* not in the tree */
        }
        g_string_prepend(path, obj->name);
        g_string_prepend_c(path, '/');
    }
    return g_string_free(path, false);
}

Object *object_resolve_path_component(Object *parent, const char *part)
{
    ObjectProperty *p = object_property_find(parent, part);
    if (!p) {
        return NULL;
    }
    if (g_str_has_prefix(p->type, "child<")) {
        return p->opaque;
    }
    if (g_str_has_prefix(p->type, "link<")) {
        return object_property_get_link(parent, part, NULL);
    }
    return NULL;
}

static Object *resolve_abs(Object *from, char **parts)
{
    for (; from && *parts; parts++) {
        if (**parts) {
            from = object_resolve_path_component(from, *parts);
        }
    }
    return from;
}

/* Partial path: the object whose path ends with `parts`, searched through
 * children (not links), must be unique. */
static Object *resolve_partial(Object *parent, char **parts, const char *type,
                               bool *ambiguous)
{
    Object *found = resolve_abs(parent, parts);
    if (found && type && !object_dynamic_cast(found, type)) {
        found = NULL;
    }
    for (guint i = 0; parent->children && i < parent->children->len; i++) {
        Object *hit = resolve_partial(parent->children->pdata[i], parts, type,
                                      ambiguous);
        if (*ambiguous) {
            return NULL;
        }
        if (hit && found && hit != found) {
            *ambiguous = true;
            return NULL;
        }
        if (hit) {
            found = hit;
        }
    }
    return found;
}

Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous)
{
    bool dummy = false;
    if (!ambiguous) {
        ambiguous = &dummy;
    }
    *ambiguous = false;
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    Object *obj;
    if (path[0] == '/') {
        obj = resolve_abs(object_get_root(), parts + 1);
        if (obj && typename && !object_dynamic_cast(obj, typename)) {
            obj = NULL;
        }
        return obj;
    }
    if (!*path) {
        return NULL;
    }
    obj = resolve_partial(object_get_root(), parts, typename, ambiguous);
    return *ambiguous ? NULL : obj;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, NULL, ambiguous);
}

int object_child_foreach(Object *obj, ObjectChildFn fn, void *opaque)
{
    for (guint i = 0; obj->children && i < obj->children->len; i++) {
        int ret = fn(obj->children->pdata[i], opaque);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

int object_child_foreach_recursive(Object *obj, ObjectChildFn fn, void *opaque)
{
    for (guint i = 0; obj->children && i < obj->children->len; i++) {
        Object *c = obj->children->pdata[i];
        int ret = fn(c, opaque);
        if (!ret) {
            ret = object_child_foreach_recursive(c, fn, opaque);
        }
        if (ret) {
            return ret;
        }
    }
    return 0;
}
