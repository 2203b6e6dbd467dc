/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model: registered types with single inheritance and interfaces,
 * reference-counted instances in one composition tree, typed properties.
 * Properties carry values as json-glib nodes, so QMP and the command line
 * (strings) share one path; see docs/devel/object-model.md.
 */
#ifndef VIREO_OBJECT_H
#define VIREO_OBJECT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct ObjectProperty ObjectProperty;
typedef struct TypeImpl TypeImpl;

#define TYPE_OBJECT "object"
#define TYPE_INTERFACE "interface"
#define TYPE_CONTAINER "container"

typedef struct TypeInfo {
    const char *name;
    const char *parent;             /* NULL only for TYPE_OBJECT/TYPE_INTERFACE */
    size_t instance_size;           /* 0: inherit the parent's */
    size_t class_size;              /* 0: inherit the parent's */
    bool abstract;
    void (*class_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    const char *const *interfaces;  /* NULL-terminated interface type names */
} TypeInfo;

struct ObjectClass {
    TypeImpl *type;
    GHashTable *properties;         /* name -> ObjectProperty*, class-wide */
    GHashTable *interfaces;         /* interface type name -> ObjectClass* */
};

struct Object {
    ObjectClass *klass;
    GHashTable *properties;         /* name -> ObjectProperty*, per instance */
    Object *parent;                 /* composition parent, NULL if detached */
    char *name;                     /* name under the parent */
    GPtrArray *children;            /* Object*, in insertion order, or NULL */
    int refcount;
};

/* Property accessors. A setter accepts a node of its own JSON type, or a
 * string node that it parses (the command-line form). */
typedef JsonNode *(*ObjectPropertyGet)(Object *obj, ObjectProperty *prop,
                                       GError **errp);
typedef bool (*ObjectPropertySet)(Object *obj, ObjectProperty *prop,
                                  JsonNode *value, GError **errp);
typedef void (*ObjectPropertyRelease)(Object *obj, ObjectProperty *prop);

struct ObjectProperty {
    char *name;
    char *type;                     /* "bool", "int", "uint32", "size", "str",
                                       "child<T>", "link<T>", ... */
    char *description;
    ObjectPropertyGet get;          /* NULL: write-only */
    ObjectPropertySet set;          /* NULL: read-only */
    ObjectPropertyRelease release;
    void *opaque;
    JsonNode *defval;               /* default, for introspection; may be NULL */
};

/* Types */
void type_register_static(const TypeInfo *info);
/* Registers at program start (constructor), before main(). */
#define TYPE_REGISTER(info)                                           \
    static void __attribute__((constructor)) register_##info(void)    \
    { type_register_static(&(info)); }

ObjectClass *object_class_by_name(const char *typename);
const char *object_class_get_name(ObjectClass *klass);
ObjectClass *object_class_get_parent(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* NULL unless klass is typename, derives from it or implements it. */
ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename);
/* The per-class copy of an interface's class (for filling its methods). */
ObjectClass *object_class_get_interface(ObjectClass *klass, const char *iface);
/* Every non-interface class that is (or derives from / implements) typename. */
GSList *object_class_get_list(const char *implements, bool include_abstract);

/* Instances */
Object *object_new(const char *typename, GError **errp);
Object *object_ref(Object *obj);
void object_unref(Object *obj);
const char *object_get_typename(Object *obj);
Object *object_dynamic_cast(Object *obj, const char *typename);
/* Checked casts: abort on a programming error (wrong type), never on input. */
Object *object_check_cast(Object *obj, const char *typename, const char *file,
                          int line);
ObjectClass *object_class_check_cast(ObjectClass *klass, const char *typename,
                                     const char *file, int line);
#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CHECK(T, obj, name) \
    ((T *)object_check_cast(OBJECT(obj), (name), __FILE__, __LINE__))
#define OBJECT_CLASS_CHECK(T, klass, name) \
    ((T *)object_class_check_cast((ObjectClass *)(klass), (name), __FILE__, __LINE__))
#define OBJECT_GET_CLASS(T, obj, name) \
    OBJECT_CLASS_CHECK(T, OBJECT(obj)->klass, name)

/* The composition tree: "/" is the root container; "/machine" the machine;
 * "/objects" holds -object instances; "/chardevs" the character devices. */
Object *object_get_root(void);
Object *object_get_container(const char *name);   /* child of root, created */
/* Child container `name` of parent, created if missing. */
Object *object_get_child_container(Object *parent, const char *name);
/* Adds child<type> property `name` to parent; takes a reference. */
bool object_property_add_child(Object *parent, const char *name, Object *child,
                               GError **errp);
/* Removes obj from its parent (drops the parent's reference). */
void object_unparent(Object *obj);
char *object_get_canonical_path(Object *obj);
const char *object_get_canonical_path_component(Object *obj);
/* Absolute ("/machine/peripheral/x") or partial ("x", unique match) path. */
Object *object_resolve_path(const char *path, bool *ambiguous);
Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous);
Object *object_resolve_path_component(Object *parent, const char *part);
/* Resolves a link target path; "" gives NULL. Errors as QEMU words them. */
bool object_link_resolve(const char *path, const char *type, const char *what,
                         Object **out, GError **errp);
/* Children in insertion order. */
typedef int (*ObjectChildFn)(Object *child, void *opaque);
int object_child_foreach(Object *obj, ObjectChildFn fn, void *opaque);
int object_child_foreach_recursive(Object *obj, ObjectChildFn fn, void *opaque);

/* Properties */
ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type, ObjectPropertyGet get,
                                    ObjectPropertySet set,
                                    ObjectPropertyRelease release, void *opaque);
ObjectProperty *object_class_property_add(ObjectClass *klass, const char *name,
                                          const char *type, ObjectPropertyGet get,
                                          ObjectPropertySet set, void *opaque);
void object_property_set_description(ObjectProperty *prop, const char *desc);
ObjectProperty *object_property_find(Object *obj, const char *name);
ObjectProperty *object_class_property_find(ObjectClass *klass, const char *name);
void object_property_del(Object *obj, const char *name);
/* Every property of obj (instance and class chain), in a stable order. */
GPtrArray *object_property_list(Object *obj);
GPtrArray *object_class_property_list(ObjectClass *klass);

JsonNode *object_property_get(Object *obj, const char *name, GError **errp);
bool object_property_set(Object *obj, const char *name, JsonNode *value,
                         GError **errp);
/* Sets from the command-line string form ("on", "64M", "0x3f8", "text"). */
bool object_property_parse(Object *obj, const char *name, const char *str,
                           GError **errp);
bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t v, GError **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t v, GError **errp);
bool object_property_set_str(Object *obj, const char *name, const char *v, GError **errp);
bool object_property_set_link(Object *obj, const char *name, Object *target,
                              GError **errp);
bool object_property_get_bool(Object *obj, const char *name, GError **errp);
int64_t object_property_get_int(Object *obj, const char *name, GError **errp);
uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp);
char *object_property_get_str(Object *obj, const char *name, GError **errp);
Object *object_property_get_link(Object *obj, const char *name, GError **errp);

/* Ready-made properties backed by a field of the instance. */
void object_property_add_bool_ptr(Object *obj, const char *name, bool *field,
                                  bool writable);
void object_property_add_uint64_ptr(Object *obj, const char *name,
                                    uint64_t *field, bool writable);
void object_property_add_uint32_ptr(Object *obj, const char *name,
                                    uint32_t *field, bool writable);
void object_property_add_str_ptr(Object *obj, const char *name, char **field,
                                 bool writable);
/* link<type>: *target holds a reference while set. */
void object_property_add_link(Object *obj, const char *name, const char *type,
                              Object **target);
void object_property_add_const_str(Object *obj, const char *name,
                                   const char *value);

/* Value parsing shared by properties, the command line and QMP. */
bool parse_bool_str(const char *str, bool *out, GError **errp);
/* Integers: decimal, 0x hex, 0 octal; with size_suffixes, K/M/G/T/P/E
 * (binary, also k/m/g/t/b) are accepted; "64M" = 64 MiB. */
bool parse_uint64_str(const char *str, uint64_t *out, bool size_suffixes,
                      GError **errp);
bool parse_int64_str(const char *str, int64_t *out, GError **errp);
/* Node helpers: accept a typed node or a string node in command-line form. */
bool json_node_to_bool(JsonNode *n, const char *what, bool *out, GError **errp);
bool json_node_to_int64(JsonNode *n, const char *what, int64_t *out,
                        GError **errp);
bool json_node_to_uint64(JsonNode *n, const char *what, bool size_suffixes,
                         uint64_t *out, GError **errp);
bool json_node_to_str(JsonNode *n, const char *what, const char **out,
                      GError **errp);

/* One error domain for everything Vireo reports; codes map to QMP classes. */
#define VIREO_ERROR (vireo_error_quark())
GQuark vireo_error_quark(void);
typedef enum {
    VIREO_ERROR_GENERIC,            /* "GenericError" */
    VIREO_ERROR_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
    VIREO_ERROR_DEVICE_NOT_FOUND,   /* "DeviceNotFound" */
    VIREO_ERROR_DEVICE_NOT_ACTIVE,  /* "DeviceNotActive" */
    VIREO_ERROR_KVM_MISSING_CAP,    /* "KVMMissingCap" */
} VireoErrorCode;
#define error_setg(errp, ...) \
    g_set_error((errp), VIREO_ERROR, VIREO_ERROR_GENERIC, __VA_ARGS__)

#endif
