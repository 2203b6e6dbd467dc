/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices and buses. A device type is declared from one static DeviceInfo:
 * its name, state size, properties, state table and the functions that
 * matter (realize, reset, ...). Properties are set, then the device is
 * realized once; errors come back as GError.
 */
#ifndef VIREO_DEVICE_H
#define VIREO_DEVICE_H

#include "vireo/object.h"
#include "vireo/vmstate.h"

#define TYPE_DEVICE "device"
#define TYPE_BUS "bus"

typedef struct DeviceState DeviceState;
typedef struct BusState BusState;
typedef struct Property Property;

typedef struct DeviceClass {
    ObjectClass parent_class;
    const char *desc;
    const Property *props;
    const VMStateDescription *vmsd;
    const char *bus_type;           /* bus this device plugs into, or NULL */
    bool user_creatable;            /* allowed with -device / device_add */
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
    const void *bus_info;           /* interpreted by the bus's device class */
} DeviceClass;

struct DeviceState {
    Object parent_obj;
    char *id;                       /* user id (-device ...,id=), or NULL */
    bool realized;
    BusState *parent_bus;
    GSList *child_buses;            /* BusState* */
};

typedef struct BusClass {
    ObjectClass parent_class;
    /* Called before a device on this bus is realized: assign its address
     * and set up what every device of the bus has (a PCI header). */
    bool (*plug)(BusState *bus, DeviceState *dev, GError **errp);
    void (*unplug)(BusState *bus, DeviceState *dev);
    char *(*get_dev_path)(DeviceState *dev);
    /* The bus's part of a device's reset, before the device's own. */
    void (*reset_device)(BusState *bus, DeviceState *dev);
    int max_dev;                    /* 0: unlimited */
} BusClass;

struct BusState {
    Object parent_obj;
    DeviceState *parent;
    char *name;
    GQueue children;                /* DeviceState*, in plug order */
    int num_children;
};

#define DEVICE(obj) OBJECT_CHECK(DeviceState, (obj), TYPE_DEVICE)
#define DEVICE_CLASS(k) OBJECT_CLASS_CHECK(DeviceClass, (k), TYPE_DEVICE)
#define DEVICE_GET_CLASS(obj) OBJECT_GET_CLASS(DeviceClass, (obj), TYPE_DEVICE)
#define BUS(obj) OBJECT_CHECK(BusState, (obj), TYPE_BUS)
#define BUS_GET_CLASS(obj) OBJECT_GET_CLASS(BusClass, (obj), TYPE_BUS)

/* --- Static properties: a table of fields of the device's state --- */

typedef struct PropertyKind {
    const char *type;               /* the QOM type name shown in qom-list */
    JsonNode *(*get)(Object *obj, const Property *p, GError **errp);
    bool (*set)(Object *obj, const Property *p, JsonNode *v, GError **errp);
    void (*set_default)(Object *obj, const Property *p);
    void (*release)(Object *obj, const Property *p);
} PropertyKind;

struct Property {
    const char *name;
    const PropertyKind *kind;
    size_t offset;
    uint64_t defval;                /* numbers and bools */
    const char *defstr;             /* strings */
    const char *link_type;          /* link<T> */
    const char *desc;
};

extern const PropertyKind prop_kind_bool, prop_kind_uint8, prop_kind_uint16,
    prop_kind_uint32, prop_kind_uint64, prop_kind_int32, prop_kind_size,
    prop_kind_string, prop_kind_chardev, prop_kind_link;

#define PROP_(n, S, f, k, d) \
    { .name = (n), .kind = &(k), .offset = offsetof(S, f), .defval = (d) }
#define PROP_BOOL(n, S, f, d)   PROP_(n, S, f, prop_kind_bool, d)
#define PROP_UINT8(n, S, f, d)  PROP_(n, S, f, prop_kind_uint8, d)
#define PROP_UINT16(n, S, f, d) PROP_(n, S, f, prop_kind_uint16, d)
#define PROP_UINT32(n, S, f, d) PROP_(n, S, f, prop_kind_uint32, d)
#define PROP_UINT64(n, S, f, d) PROP_(n, S, f, prop_kind_uint64, d)
#define PROP_INT32(n, S, f, d)  PROP_(n, S, f, prop_kind_int32, d)
#define PROP_SIZE(n, S, f, d)   PROP_(n, S, f, prop_kind_size, d)
#define PROP_STRING(n, S, f) \
    { .name = (n), .kind = &prop_kind_string, .offset = offsetof(S, f) }
/* Field of type `Chardev *`, set by chardev id ("chardev=serial0"). */
#define PROP_CHARDEV(n, S, f) \
    { .name = (n), .kind = &prop_kind_chardev, .offset = offsetof(S, f) }
/* Field of type `Object *` (or a subtype pointer), set by QOM path. */
#define PROP_LINK(n, S, f, T) \
    { .name = (n), .kind = &prop_kind_link, .offset = offsetof(S, f), \
      .link_type = (T) }
#define PROP_END { .name = NULL }

/* --- One static description per device type --- */

typedef struct DeviceInfo {
    const char *name;
    const char *parent;             /* default TYPE_DEVICE */
    size_t instance_size;
    const char *desc;
    const Property *props;
    const VMStateDescription *vmsd;
    bool user_creatable;
    void (*init)(Object *obj);      /* instance_init */
    void (*finalize)(Object *obj);
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
    const void *bus_info;           /* e.g. PCI ids, see pci.h */
    size_t class_size;              /* when the device has its own class */
    void (*class_init)(ObjectClass *klass, const void *data);
    bool abstract;
    const char *const *interfaces;
} DeviceInfo;

void device_type_register(const DeviceInfo *info);
#define DEVICE_REGISTER(info)                                          \
    static void __attribute__((constructor)) register_##info(void)     \
    { device_type_register(&(info)); }

/* --- Lifecycle --- */

/* Creates a device of `type`, applying -global defaults. */
DeviceState *device_new(const char *type, GError **errp);
/* Plugs into bus (may be NULL for sysbus-less devices), realizes, and puts
 * the device in the tree (at /machine/peripheral/<id> if it has an id,
 * else /machine/unattached/device[N]). On error the device is not added. */
bool device_realize_on_bus(DeviceState *dev, BusState *bus, GError **errp);
/* device_new + parse "prop=value" pairs + realize: the -device path. */
DeviceState *device_create_from_opts(const char *optstr, GError **errp);
void device_unrealize(DeviceState *dev);
/* Resets a device and, below it, its buses' devices. */
void device_reset(DeviceState *dev);
DeviceState *device_find_by_id(const char *id);

/* -global driver.prop=value (or driver=,property=,value=). */
bool global_property_add(const char *optstr, GError **errp);
void global_properties_apply(DeviceState *dev);

/* --- Buses --- */
BusState *bus_new(const char *bus_type, DeviceState *parent, const char *name);
/* First bus of `type` below root (for -device without bus=). */
BusState *bus_find(const char *bus_type);
BusState *bus_find_by_name(const char *name);
typedef void (*DeviceFn)(DeviceState *dev, void *opaque);
void bus_foreach_device(BusState *bus, DeviceFn fn, void *opaque);

/* --- Machine-wide reset: every realized device, then registered hooks --- */
typedef void (*ResetHandler)(void *opaque);
void reset_handler_register(ResetHandler fn, void *opaque);
void reset_handler_unregister(ResetHandler fn, void *opaque);
void devices_reset_all(void);

#endif
