/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices: registration from one static DeviceInfo, creation with defaults
 * and -global values, realize on a bus, placement in /machine, reset.
 */
#include "vireo/device.h"
#include "vireo/opts.h"
#include <string.h>

void device_class_add_props(ObjectClass *klass, const Property *props);
void device_props_set_defaults(Object *obj, const Property *props);
void device_props_release(Object *obj, const Property *props);

/* Type name -> DeviceInfo, for the per-type parts of instance setup. */
static GHashTable *device_infos;

static void device_info_class_init(ObjectClass *klass, const void *data)
{
    const DeviceInfo *info = data;
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = info->desc;
    dc->props = info->props;
    dc->user_creatable = info->user_creatable;
    if (info->vmsd) {
        dc->vmsd = info->vmsd;
    }
    if (info->realize) {
        dc->realize = info->realize;
    }
    if (info->unrealize) {
        dc->unrealize = info->unrealize;
    }
    if (info->reset) {
        dc->reset = info->reset;
    }
    if (info->bus_info) {
        dc->bus_info = info->bus_info;
    }
    device_class_add_props(klass, info->props);
    if (info->class_init) {
        info->class_init(klass, info);
    }
}

void device_type_register(const DeviceInfo *info)
{
    /* type_register_static copies the TypeInfo. */
    TypeInfo t = {
        .name = info->name,
        .parent = info->parent ? info->parent : TYPE_DEVICE,
        .instance_size = info->instance_size,
        .class_size = info->class_size,
        .abstract = info->abstract,
        .class_init = device_info_class_init,
        .class_data = info,
        .instance_init = info->init,
        .instance_finalize = info->finalize,
        .interfaces = info->interfaces,
    };
    if (!device_infos) {
        device_infos = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(device_infos, (gpointer)info->name, (gpointer)info);
    type_register_static(&t);
}

/* Calls fn for every DeviceInfo in obj's type chain, base type first. */
static void foreach_info(Object *obj, void (*fn)(Object *, const Property *))
{
    GPtrArray *chain = g_ptr_array_new();
    for (ObjectClass *k = obj->klass; k; k = object_class_get_parent(k)) {
        const DeviceInfo *info = device_infos
            ? g_hash_table_lookup(device_infos, object_class_get_name(k)) : NULL;
        if (info && info->props) {
            g_ptr_array_add(chain, (gpointer)info->props);
        }
    }
    for (guint i = chain->len; i-- > 0;) {
        fn(obj, chain->pdata[i]);
    }
    g_ptr_array_free(chain, true);
}

static void device_post_init(Object *obj)
{
    foreach_info(obj, device_props_set_defaults);
    global_properties_apply(DEVICE(obj));
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    foreach_info(obj, device_props_release);
    g_free(dev->id);
    g_slist_free(dev->child_buses);
}

static JsonNode *realized_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return json_node_init_boolean(json_node_alloc(), DEVICE(obj)->realized);
}

static void device_class_init(ObjectClass *klass, const void *data)
{
    object_class_property_add(klass, "realized", "bool", realized_get, NULL,
                              NULL);
}

static const TypeInfo device_type = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
    .abstract = true,
    .class_init = device_class_init,
    .instance_post_init = device_post_init,
    .instance_finalize = device_finalize,
};
TYPE_REGISTER(device_type)

/* --- Lifecycle --- */

DeviceState *device_new(const char *type, GError **errp)
{
    ObjectClass *k = object_class_by_name(type);
    if (!k || !object_class_dynamic_cast(k, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", type);
        return NULL;
    }
    if (object_class_is_abstract(k)) {
        error_setg(errp, "Parameter 'driver' expects a non-abstract device type");
        return NULL;
    }
    Object *obj = object_new(type, errp);
    return obj ? DEVICE(obj) : NULL;
}

static Object *machine_container(const char *name)
{
    return object_get_child_container(object_get_container("machine"), name);
}

static bool device_place_in_tree(DeviceState *dev, const char *anon_container,
                                 GError **errp)
{
    Object *obj = OBJECT(dev);
    if (obj->parent) {
        return true;
    }
    if (dev->id) {
        return object_property_add_child(machine_container("peripheral"),
                                         dev->id, obj, errp);
    }
    return object_property_add_child(machine_container(anon_container),
                                     "device[*]", obj, errp);
}

static bool device_realize_placed(DeviceState *dev, BusState *bus,
                                  const char *anon_container, GError **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dc->bus_type && !bus) {
        bus = bus_find(dc->bus_type);
        if (!bus) {
            error_setg(errp, "No '%s' bus found for device '%s'", dc->bus_type,
                       object_get_typename(OBJECT(dev)));
            return false;
        }
    }
    if (bus && dc->bus_type && !object_dynamic_cast(OBJECT(bus), dc->bus_type)) {
        error_setg(errp, "Bus '%s' is not of type '%s' that device '%s' needs",
                   bus->name, dc->bus_type, object_get_typename(OBJECT(dev)));
        return false;
    }
    if (bus) {
        BusClass *bc = BUS_GET_CLASS(bus);
        if (bc->max_dev && bus->num_children >= bc->max_dev) {
            error_setg(errp, "Bus '%s' is full", bus->name);
            return false;
        }
    }
    bool was_placed = OBJECT(dev)->parent != NULL;
    if (!device_place_in_tree(dev, anon_container, errp)) {
        return false;
    }
    if (bus) {
        BusClass *bc = BUS_GET_CLASS(bus);
        dev->parent_bus = bus;
        if (bc->plug && !bc->plug(bus, dev, errp)) {
            goto fail;
        }
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        if (bus && BUS_GET_CLASS(bus)->unplug) {
            BUS_GET_CLASS(bus)->unplug(bus, dev);
        }
        goto fail;
    }
    dev->realized = true;
    if (bus) {
        g_queue_push_tail(&bus->children, dev);
        bus->num_children++;
    }
    return true;
fail:
    dev->parent_bus = NULL;
    if (!was_placed) {
        object_unparent(OBJECT(dev));   /* the caller keeps its reference */
    }
    return false;
}

bool device_realize_on_bus(DeviceState *dev, BusState *bus, GError **errp)
{
    return device_realize_placed(dev, bus, "unattached", errp);
}

void device_unrealize(DeviceState *dev)
{
    if (!dev->realized) {
        return;
    }
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    for (GSList *l = dev->child_buses; l; l = l->next) {
        BusState *b = l->data;
        while (!g_queue_is_empty(&b->children)) {
            device_unrealize(g_queue_peek_tail(&b->children));
        }
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
    BusState *bus = dev->parent_bus;
    if (bus) {
        if (BUS_GET_CLASS(bus)->unplug) {
            BUS_GET_CLASS(bus)->unplug(bus, dev);
        }
        g_queue_remove(&bus->children, dev);
        bus->num_children--;
        dev->parent_bus = NULL;
    }
    object_unparent(OBJECT(dev));
}

static bool id_is_valid(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *c = id; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("-._", *c)) {
            return false;
        }
    }
    return true;
}

DeviceState *device_create_from_opts(const char *optstr, GError **errp)
{
    g_autoptr(Opts) o = opts_parse(optstr, "driver", errp);
    if (!o) {
        return NULL;
    }
    const char *driver = opts_get(o, "driver");
    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    ObjectClass *k = object_class_by_name(driver);
    if (!k || !object_class_dynamic_cast(k, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    if (!DEVICE_CLASS(k)->user_creatable || object_class_is_abstract(k)) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    const char *id = opts_get(o, "id");
    if (id && !id_is_valid(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (id && device_find_by_id(id)) {
        error_setg(errp, "Duplicate device ID '%s'", id);
        return NULL;
    }
    BusState *bus = NULL;
    const char *busname = opts_get(o, "bus");
    if (busname) {
        bus = bus_find_by_name(busname);
        if (!bus) {
            error_setg(errp, "Bus '%s' not found", busname);
            return NULL;
        }
    }
    DeviceState *dev = device_new(driver, errp);
    if (!dev) {
        return NULL;
    }
    dev->id = g_strdup(id);
    for (guint i = 0; i < o->list->len; i++) {
        Opt *opt = o->list->pdata[i];
        if (opt->used) {
            continue;
        }
        if (!object_property_parse(OBJECT(dev), opt->key, opt->value, errp)) {
            object_unref(OBJECT(dev));
            return NULL;
        }
    }
    if (!device_realize_placed(dev, bus, "peripheral-anon", errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));    /* the tree holds it now */
    return dev;
}

DeviceState *device_find_by_id(const char *id)
{
    Object *machine = object_get_container("machine");
    Object *periph = object_resolve_path_component(machine, "peripheral");
    Object *obj = periph ? object_resolve_path_component(periph, id) : NULL;
    return obj ? (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE) : NULL;
}

/* --- Reset --- */

static int reset_one(Object *obj, void *opaque)
{
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (!dev || !dev->realized) {
        return 0;
    }
    if (dev->parent_bus && BUS_GET_CLASS(dev->parent_bus)->reset_device) {
        BUS_GET_CLASS(dev->parent_bus)->reset_device(dev->parent_bus, dev);
    }
    if (DEVICE_GET_CLASS(dev)->reset) {
        DEVICE_GET_CLASS(dev)->reset(dev);
    }
    return 0;
}

static void reset_tree(DeviceState *dev, GHashTable *done);

/* Composition children: devices are reset with what is below them; other
 * objects (containers, buses) are looked through. */
static int reset_descendant(Object *obj, void *done)
{
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev) {
        reset_tree(dev, done);
        return 0;
    }
    return object_child_foreach(obj, reset_descendant, done);
}

/* The device, its composition children, then the devices plugged into its
 * buses (which live elsewhere in the tree); each once. */
static void reset_tree(DeviceState *dev, GHashTable *done)
{
    if (!g_hash_table_add(done, dev)) {
        return;
    }
    reset_one(OBJECT(dev), NULL);
    object_child_foreach(OBJECT(dev), reset_descendant, done);
    for (GSList *l = dev->child_buses; l; l = l->next) {
        BusState *bus = l->data;
        for (GList *d = bus->children.head; d; d = d->next) {
            reset_tree(d->data, done);
        }
    }
}

void device_reset(DeviceState *dev)
{
    GHashTable *done = g_hash_table_new(NULL, NULL);
    reset_tree(dev, done);
    g_hash_table_destroy(done);
}

typedef struct ResetEntry {
    ResetHandler fn;
    void *opaque;
} ResetEntry;
static GArray *reset_handlers;

void reset_handler_register(ResetHandler fn, void *opaque)
{
    if (!reset_handlers) {
        reset_handlers = g_array_new(false, false, sizeof(ResetEntry));
    }
    ResetEntry e = { fn, opaque };
    g_array_append_val(reset_handlers, e);
}

void reset_handler_unregister(ResetHandler fn, void *opaque)
{
    for (guint i = 0; reset_handlers && i < reset_handlers->len; i++) {
        ResetEntry *e = &g_array_index(reset_handlers, ResetEntry, i);
        if (e->fn == fn && e->opaque == opaque) {
            g_array_remove_index(reset_handlers, i);
            return;
        }
    }
}

void devices_reset_all(void)
{
    object_child_foreach_recursive(object_get_container("machine"), reset_one,
                                   NULL);
    for (guint i = 0; reset_handlers && i < reset_handlers->len; i++) {
        ResetEntry *e = &g_array_index(reset_handlers, ResetEntry, i);
        e->fn(e->opaque);
    }
}
