/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device core: types declared from one DeviceInfo, static properties
 * with defaults, -global, the -device path and its errors (QEMU's texts),
 * placement in /machine, buses and reset.
 */
#include <glib.h>
#include <string.h>

#include "vireo/device.h"

/* --- Test device types --- */

typedef struct TestDev {
    DeviceState parent_obj;
    bool flag;
    uint8_t level;
    uint16_t port;
    uint32_t count;
    uint64_t big;
    int32_t offset;
    uint64_t buf_size;
    char *label;
    int realizes, resets;
    bool fail_realize;
} TestDev;

typedef struct TestSubDev {
    TestDev parent_obj;
    uint32_t extra;
} TestSubDev;

#define TEST_DEV(obj) OBJECT_CHECK(TestDev, (obj), "test-dev")

/* Order in which devices were reset, by id or type. */
static GString *reset_log;

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = TEST_DEV(dev);
    if (t->fail_realize) {
        error_setg(errp, "test-dev refuses to realize");
        return false;
    }
    t->realizes++;
    return true;
}

static void test_dev_reset(DeviceState *dev)
{
    TEST_DEV(dev)->resets++;
    g_string_append_printf(reset_log, "%s;", dev->id ? dev->id
                                                     : object_get_typename(OBJECT(dev)));
}

static const Property test_dev_props[] = {
    PROP_BOOL("flag", TestDev, flag, true),
    PROP_UINT8("level", TestDev, level, 7),
    PROP_UINT16("port", TestDev, port, 0x3f8),
    PROP_UINT32("count", TestDev, count, 100),
    PROP_UINT64("big", TestDev, big, 1ULL << 40),
    PROP_INT32("offset", TestDev, offset, -1),
    PROP_SIZE("buf-size", TestDev, buf_size, 4096),
    { .name = "label", .kind = &prop_kind_string, .offset = offsetof(TestDev, label),
      .defstr = "hello", .desc = "what to call it" },
    PROP_BOOL("fail-realize", TestDev, fail_realize, false),
    PROP_END
};

static const DeviceInfo test_dev_info = {
    .name = "test-dev",
    .instance_size = sizeof(TestDev),
    .desc = "a device for tests",
    .props = test_dev_props,
    .user_creatable = true,
    .realize = test_dev_realize,
    .reset = test_dev_reset,
};
DEVICE_REGISTER(test_dev_info)

static const Property test_sub_dev_props[] = {
    PROP_UINT32("extra", TestSubDev, extra, 5),
    PROP_END
};

static const DeviceInfo test_sub_dev_info = {
    .name = "test-sub-dev",
    .parent = "test-dev",
    .instance_size = sizeof(TestSubDev),
    .props = test_sub_dev_props,
    .user_creatable = true,
};
DEVICE_REGISTER(test_sub_dev_info)

static const DeviceInfo test_internal_dev_info = {
    .name = "test-internal-dev",
    .parent = "test-dev",
    .user_creatable = false,
};
DEVICE_REGISTER(test_internal_dev_info)

static const DeviceInfo test_abstract_dev_info = {
    .name = "test-abstract-dev",
    .instance_size = sizeof(TestDev),
    .abstract = true,
    .user_creatable = true,
};
DEVICE_REGISTER(test_abstract_dev_info)

/* Types used only by the -global tests, so their defaults stay unchanged
 * for every other test. */
static const DeviceInfo test_global_dev_info = {
    .name = "test-global-dev",
    .parent = "test-dev",
    .user_creatable = true,
};
DEVICE_REGISTER(test_global_dev_info)

static const DeviceInfo test_global_sub_dev_info = {
    .name = "test-global-sub-dev",
    .parent = "test-global-dev",
    .user_creatable = true,
};
DEVICE_REGISTER(test_global_sub_dev_info)

/* --- A test bus with a plug hook, and a device that needs it --- */

#define TYPE_TEST_BUS "test-bus"

static GString *bus_log;

static bool test_bus_plug(BusState *bus, DeviceState *dev, GError **errp)
{
    g_string_append_printf(bus_log, "plug %s into %s (realized=%d);",
                           object_get_typename(OBJECT(dev)), bus->name, dev->realized);
    return true;
}

static void test_bus_unplug(BusState *bus, DeviceState *dev)
{
    g_string_append_printf(bus_log, "unplug %s;", object_get_typename(OBJECT(dev)));
}

static void test_bus_class_init(ObjectClass *klass, const void *data)
{
    BusClass *bc = (BusClass *)klass;
    bc->plug = test_bus_plug;
    bc->unplug = test_bus_unplug;
    bc->max_dev = 3;
}

static const TypeInfo test_bus_type = {
    .name = TYPE_TEST_BUS,
    .parent = TYPE_BUS,
    .class_init = test_bus_class_init,
};
TYPE_REGISTER(test_bus_type)

/* A bus type of which no bus is ever made. */
static const TypeInfo test_lonely_bus_type = {
    .name = "test-lonely-bus",
    .parent = TYPE_BUS,
};
TYPE_REGISTER(test_lonely_bus_type)

static void on_test_bus_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->bus_type = TYPE_TEST_BUS;
}

static const DeviceInfo test_bus_dev_info = {
    .name = "test-bus-dev",
    .parent = "test-dev",
    .user_creatable = true,
    .class_init = on_test_bus_class_init,
};
DEVICE_REGISTER(test_bus_dev_info)

static void on_lonely_bus_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->bus_type = "test-lonely-bus";
}

static const DeviceInfo test_lonely_dev_info = {
    .name = "test-lonely-dev",
    .parent = "test-dev",
    .user_creatable = true,
    .class_init = on_lonely_bus_class_init,
};
DEVICE_REGISTER(test_lonely_dev_info)

/* A device that owns a test bus (like a host bridge owns its PCI bus). */
typedef struct TestBridge {
    TestDev parent_obj;
    BusState *bus;
} TestBridge;

static void test_bridge_init(Object *obj)
{
    TestBridge *b = (TestBridge *)obj;
    b->bus = bus_new(TYPE_TEST_BUS, DEVICE(obj), NULL);
}

static const DeviceInfo test_bridge_info = {
    .name = "test-bridge",
    .parent = "test-dev",
    .instance_size = sizeof(TestBridge),
    .init = test_bridge_init,
};
DEVICE_REGISTER(test_bridge_info)

/* --- Helpers --- */

static DeviceState *new_dev(const char *type)
{
    GError *err = NULL;
    DeviceState *dev = device_new(type, &err);
    g_assert_no_error(err);
    g_assert_nonnull(dev);
    return dev;
}

static DeviceState *create_ok(const char *opts)
{
    GError *err = NULL;
    DeviceState *dev = device_create_from_opts(opts, &err);
    g_assert_no_error(err);
    g_assert_nonnull(dev);
    return dev;
}

static void assert_create_fails(const char *opts, const char *message)
{
    GError *err = NULL;
    g_assert_null(device_create_from_opts(opts, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

static char *path_of(DeviceState *dev)
{
    return object_get_canonical_path(OBJECT(dev));
}

/* --- Registration and properties --- */

static void test_register_makes_device_class(void)
{
    ObjectClass *k = object_class_by_name("test-dev");
    g_assert_nonnull(k);
    DeviceClass *dc = DEVICE_CLASS(k);
    g_assert_cmpstr(dc->desc, ==, "a device for tests");
    g_assert_true(dc->user_creatable);
    g_assert_true(dc->realize == test_dev_realize);
    g_assert_true(dc->reset == test_dev_reset);
    g_assert_true(object_class_get_parent(k) == object_class_by_name(TYPE_DEVICE));
    g_assert_true(object_class_is_abstract(object_class_by_name(TYPE_DEVICE)));
}

static void test_register_subtype_inherits_hooks(void)
{
    DeviceClass *dc = DEVICE_CLASS(object_class_by_name("test-sub-dev"));
    g_assert_true(dc->realize == test_dev_realize);
    g_assert_true(dc->reset == test_dev_reset);
    g_assert_true(dc->user_creatable);
    g_assert_false(DEVICE_CLASS(object_class_by_name("test-internal-dev"))->user_creatable);
}

static void test_props_types_for_introspection(void)
{
    static const struct { const char *name, *type; } want[] = {
        { "flag", "bool" }, { "level", "uint8" }, { "port", "uint16" },
        { "count", "uint32" }, { "big", "uint64" }, { "offset", "int32" },
        { "buf-size", "size" }, { "label", "str" }, { "realized", "bool" },
    };
    ObjectClass *k = object_class_by_name("test-dev");
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        ObjectProperty *p = object_class_property_find(k, want[i].name);
        g_assert_nonnull(p);
        g_assert_cmpstr(p->type, ==, want[i].type);
    }
    ObjectProperty *label = object_class_property_find(k, "label");
    g_assert_cmpstr(label->description, ==, "what to call it");
    g_assert_cmpstr(json_node_get_string(label->defval), ==, "hello");
    ObjectProperty *flag = object_class_property_find(k, "flag");
    g_assert_true(json_node_get_boolean(flag->defval));
    ObjectProperty *count = object_class_property_find(k, "count");
    g_assert_cmpint(json_node_get_int(count->defval), ==, 100);
}

static void test_props_defaults_applied(void)
{
    DeviceState *dev = new_dev("test-dev");
    TestDev *t = TEST_DEV(dev);
    g_assert_true(t->flag);
    g_assert_cmpuint(t->level, ==, 7);
    g_assert_cmpuint(t->port, ==, 0x3f8);
    g_assert_cmpuint(t->count, ==, 100);
    g_assert_cmpuint(t->big, ==, 1ULL << 40);
    g_assert_cmpint(t->offset, ==, -1);
    g_assert_cmpuint(t->buf_size, ==, 4096);
    g_assert_cmpstr(t->label, ==, "hello");
    g_assert_false(dev->realized);
    g_assert_false(object_property_get_bool(OBJECT(dev), "realized", NULL));
    g_assert_cmpint(object_property_get_int(OBJECT(dev), "offset", NULL), ==, -1);
    g_autofree char *label = object_property_get_str(OBJECT(dev), "label", NULL);
    g_assert_cmpstr(label, ==, "hello");
    object_unref(OBJECT(dev));
}

static void test_props_subtype_has_parent_props_and_own(void)
{
    DeviceState *dev = new_dev("test-sub-dev");
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 7);
    g_assert_cmpuint(((TestSubDev *)dev)->extra, ==, 5);
    g_assert_true(object_property_set_uint(OBJECT(dev), "extra", 9, NULL));
    g_assert_cmpuint(((TestSubDev *)dev)->extra, ==, 9);
    g_assert_null(object_class_property_find(object_class_by_name("test-dev"), "extra"));
    object_unref(OBJECT(dev));
}

static void test_props_set_from_strings(void)
{
    DeviceState *dev = new_dev("test-dev");
    Object *obj = OBJECT(dev);
    TestDev *t = TEST_DEV(dev);
    GError *err = NULL;
    g_assert_true(object_property_parse(obj, "flag", "off", &err));
    g_assert_true(object_property_parse(obj, "level", "255", &err));
    g_assert_true(object_property_parse(obj, "port", "0x2f8", &err));
    g_assert_true(object_property_parse(obj, "count", "4294967295", &err));
    g_assert_true(object_property_parse(obj, "big", "18446744073709551615", &err));
    g_assert_true(object_property_parse(obj, "offset", "-100", &err));
    g_assert_true(object_property_parse(obj, "label", "world", &err));
    g_assert_no_error(err);
    g_assert_false(t->flag);
    g_assert_cmpuint(t->level, ==, 255);
    g_assert_cmpuint(t->port, ==, 0x2f8);
    g_assert_cmpuint(t->count, ==, UINT32_MAX);
    g_assert_cmpuint(t->big, ==, UINT64_MAX);
    g_assert_cmpint(t->offset, ==, -100);
    g_assert_cmpstr(t->label, ==, "world");
    g_assert_cmpuint(object_property_get_uint(obj, "big", NULL), ==, UINT64_MAX);
    object_unref(obj);
}

static void test_props_size_suffixes(void)
{
    static const struct { const char *s; uint64_t v; } sizes[] = {
        { "64K", 64 << 10 }, { "1M", 1 << 20 }, { "2G", 2ULL << 30 },
        { "512", 512 }, { "1.5k", 1536 },
    };
    DeviceState *dev = new_dev("test-dev");
    GError *err = NULL;
    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_true(object_property_parse(OBJECT(dev), "buf-size", sizes[i].s, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(TEST_DEV(dev)->buf_size, ==, sizes[i].v);
    }
    g_assert_false(object_property_parse(OBJECT(dev), "buf-size", "12Q", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'buf-size' expects a size value");
    g_clear_error(&err);
    /* Plain integer properties take no suffix. */
    g_assert_false(object_property_parse(OBJECT(dev), "count", "1K", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    object_unref(OBJECT(dev));
}

static void test_props_uint8_range(void)
{
    DeviceState *dev = new_dev("test-dev");
    GError *err = NULL;
    g_assert_false(object_property_parse(OBJECT(dev), "level", "256", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'level' expects uint8_t");
    g_clear_error(&err);
    g_assert_false(object_property_set_int(OBJECT(dev), "level", -1, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(object_property_parse(OBJECT(dev), "port", "65536", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'port' expects uint16_t");
    g_clear_error(&err);
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 7);
    g_assert_cmpuint(TEST_DEV(dev)->port, ==, 0x3f8);
    object_unref(OBJECT(dev));
}

static void test_props_int32_range(void)
{
    DeviceState *dev = new_dev("test-dev");
    GError *err = NULL;
    g_assert_false(object_property_parse(OBJECT(dev), "offset", "2147483648", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'offset' expects int32_t");
    g_clear_error(&err);
    g_assert_true(object_property_parse(OBJECT(dev), "offset", "-2147483648", &err));
    g_assert_cmpint(TEST_DEV(dev)->offset, ==, INT32_MIN);
    object_unref(OBJECT(dev));
}

static void test_props_refused_after_realize(void)
{
    DeviceState *dev = create_ok("test-dev,id=late");
    GError *err = NULL;
    g_assert_true(dev->realized);
    g_assert_false(object_property_parse(OBJECT(dev), "level", "1", &err));
    g_assert_cmpstr(err->message, ==, "Attempt to set property 'level' on device "
                    "'late' (type 'test-dev') after it was realized");
    g_clear_error(&err);
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 7);
    device_unrealize(dev);
}

static void test_props_refused_after_realize_anonymous(void)
{
    DeviceState *dev = create_ok("test-dev");
    GError *err = NULL;
    g_assert_false(object_property_set_bool(OBJECT(dev), "flag", false, &err));
    g_assert_cmpstr(err->message, ==, "Attempt to set property 'flag' on anonymous "
                    "device (type 'test-dev') after it was realized");
    g_clear_error(&err);
    device_unrealize(dev);
}

/* --- -global --- */

static void test_global_applies_to_type_and_subtypes(void)
{
    GError *err = NULL;
    g_assert_true(global_property_add("test-global-dev.level=42", &err));
    g_assert_no_error(err);
    DeviceState *dev = new_dev("test-global-dev");
    DeviceState *sub = new_dev("test-global-sub-dev");
    DeviceState *other = new_dev("test-dev");
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 42);
    g_assert_cmpuint(TEST_DEV(sub)->level, ==, 42);
    g_assert_cmpuint(TEST_DEV(other)->level, ==, 7);
    object_unref(OBJECT(dev));
    object_unref(OBJECT(sub));
    object_unref(OBJECT(other));
}

static void test_global_long_form_and_later_wins(void)
{
    GError *err = NULL;
    g_assert_true(global_property_add("driver=test-global-dev,property=label,value=g1",
                                      &err));
    g_assert_true(global_property_add("test-global-sub-dev.label=g2", &err));
    g_assert_no_error(err);
    DeviceState *dev = new_dev("test-global-dev");
    DeviceState *sub = new_dev("test-global-sub-dev");
    g_assert_cmpstr(TEST_DEV(dev)->label, ==, "g1");
    g_assert_cmpstr(TEST_DEV(sub)->label, ==, "g2");
    object_unref(OBJECT(dev));
    object_unref(OBJECT(sub));
}

static void test_global_overridden_by_device_option(void)
{
    DeviceState *dev = create_ok("test-global-dev,level=3");
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 3);
    device_unrealize(dev);
}

static void test_global_malformed_refused(void)
{
    GError *err = NULL;
    g_assert_false(global_property_add("nodot", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(global_property_add("driver=x,property=y", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

/* --- The -device path --- */

static void test_create_places_in_peripheral(void)
{
    DeviceState *dev = create_ok("test-dev,id=d1,level=9,label=x,,y");
    g_autofree char *path = path_of(dev);
    g_assert_cmpstr(path, ==, "/machine/peripheral/d1");
    g_assert_cmpstr(dev->id, ==, "d1");
    g_assert_true(dev->realized);
    g_assert_cmpint(TEST_DEV(dev)->realizes, ==, 1);
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 9);
    g_assert_cmpstr(TEST_DEV(dev)->label, ==, "x,y");
    g_assert_true(device_find_by_id("d1") == dev);
    g_assert_true(object_resolve_path("/machine/peripheral/d1", NULL) == OBJECT(dev));
    /* The tree holds the only reference. */
    g_assert_cmpint(OBJECT(dev)->refcount, ==, 1);
    device_unrealize(dev);
    g_assert_null(device_find_by_id("d1"));
}

static void test_create_anonymous_in_peripheral_anon(void)
{
    DeviceState *a = create_ok("test-dev");
    DeviceState *b = create_ok("driver=test-dev");
    g_autofree char *pa = path_of(a);
    g_autofree char *pb = path_of(b);
    g_assert_true(g_str_has_prefix(pa, "/machine/peripheral-anon/device["));
    g_assert_true(g_str_has_prefix(pb, "/machine/peripheral-anon/device["));
    g_assert_cmpstr(pa, !=, pb);
    g_assert_null(a->id);
    device_unrealize(a);
    device_unrealize(b);
}

static void test_realize_on_bus_places_in_unattached(void)
{
    GError *err = NULL;
    DeviceState *dev = new_dev("test-dev");
    g_assert_true(device_realize_on_bus(dev, NULL, &err));
    g_assert_no_error(err);
    g_autofree char *path = path_of(dev);
    g_assert_true(g_str_has_prefix(path, "/machine/unattached/device["));
    object_unref(OBJECT(dev));
    g_assert_cmpint(OBJECT(dev)->refcount, ==, 1);
    device_unrealize(dev);
}

static void test_create_unknown_driver(void)
{
    assert_create_fails("no-such-device,id=x", "'no-such-device' is not a valid "
                        "device model name");
    /* A type that is not a device is not a device model either. */
    assert_create_fails("container", "'container' is not a valid device model name");
}

static void test_create_missing_driver(void)
{
    assert_create_fails("", "Parameter 'driver' is missing");
    assert_create_fails("id=x", "Parameter 'driver' is missing");
}

static void test_create_not_user_creatable(void)
{
    assert_create_fails("test-internal-dev",
                        "Parameter 'driver' expects a pluggable device type");
    assert_create_fails("test-abstract-dev",
                        "Parameter 'driver' expects a pluggable device type");
}

static void test_create_bad_id(void)
{
    static const char *const bad[] = { "1abc", "a b", "a/b", "a,,b", "-x" };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *opts = g_strdup_printf("test-dev,id=%s", bad[i]);
        assert_create_fails(opts, "Parameter 'id' expects an identifier");
    }
    /* Letters, digits, '-', '.', '_' after a leading letter are fine. */
    DeviceState *dev = create_ok("test-dev,id=Ok-1.a_b");
    device_unrealize(dev);
}

static void test_create_duplicate_id(void)
{
    DeviceState *dev = create_ok("test-dev,id=dup");
    assert_create_fails("test-sub-dev,id=dup", "Duplicate device ID 'dup'");
    device_unrealize(dev);
    /* Once the first is gone, the id is free again. */
    dev = create_ok("test-sub-dev,id=dup");
    device_unrealize(dev);
}

static void test_create_unknown_property(void)
{
    assert_create_fails("test-dev,id=u1,nope=1", "Property 'test-dev.nope' not found");
    assert_create_fails("test-sub-dev,bogus", "Property 'test-sub-dev.bogus' not found");
    g_assert_null(device_find_by_id("u1"));
}

static void test_create_bad_value(void)
{
    assert_create_fails("test-dev,id=v1,level=300", "Parameter 'level' expects uint8_t");
    assert_create_fails("test-dev,flag=sometimes", "Parameter 'flag' expects 'on' or 'off'");
    g_assert_null(device_find_by_id("v1"));
}

static void test_create_realize_failure_leaves_nothing(void)
{
    assert_create_fails("test-dev,id=f1,fail-realize=on", "test-dev refuses to realize");
    g_assert_null(device_find_by_id("f1"));
    g_assert_null(object_resolve_path("/machine/peripheral/f1", NULL));
    DeviceState *dev = create_ok("test-dev,id=f1");
    device_unrealize(dev);
}

static void test_create_missing_bus(void)
{
    assert_create_fails("test-lonely-dev",
                        "No 'test-lonely-bus' bus found for device 'test-lonely-dev'");
}

static void test_create_unknown_bus_name(void)
{
    assert_create_fails("test-dev,bus=nowhere.0", "Bus 'nowhere.0' not found");
}

/* --- Buses --- */

static void test_bus_named_after_type(void)
{
    DeviceState *bridge = new_dev("test-bridge");
    BusState *bus = ((TestBridge *)bridge)->bus;
    g_assert_true(g_str_has_prefix(bus->name, "test-bus."));
    g_assert_true(bus->parent == bridge);
    g_assert_nonnull(g_slist_find(bridge->child_buses, bus));
    g_assert_true(bus_find_by_name(bus->name) == bus);
    g_assert_true(object_resolve_path_component(OBJECT(bridge), bus->name) == OBJECT(bus));
    BusState *named = bus_new(TYPE_TEST_BUS, NULL, "my-bus");
    g_assert_cmpstr(named->name, ==, "my-bus");
    g_assert_true(bus_find_by_name("my-bus") == named);
    object_unref(OBJECT(bridge));
}

static void test_bus_plug_before_realize(void)
{
    GError *err = NULL;
    BusState *bus = bus_new(TYPE_TEST_BUS, NULL, "plug-bus");
    g_string_truncate(bus_log, 0);
    DeviceState *dev = new_dev("test-bus-dev");
    g_assert_true(device_realize_on_bus(dev, bus, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(bus_log->str, ==, "plug test-bus-dev into plug-bus (realized=0);");
    g_assert_true(dev->parent_bus == bus);
    g_assert_cmpint(bus->num_children, ==, 1);
    g_assert_true(g_queue_peek_head(&bus->children) == dev);
    object_unref(OBJECT(dev));
    g_string_truncate(bus_log, 0);
    device_unrealize(dev);
    g_assert_cmpstr(bus_log->str, ==, "unplug test-bus-dev;");
    g_assert_cmpint(bus->num_children, ==, 0);
}

static void test_bus_found_by_type_or_name(void)
{
    BusState *bus = bus_find(TYPE_TEST_BUS);
    g_assert_nonnull(bus);
    g_assert_null(bus_find("test-lonely-bus"));
    /* Without bus=, the first bus of the right type. */
    DeviceState *dev = create_ok("test-bus-dev,id=onbus");
    g_assert_true(dev->parent_bus == bus);
    device_unrealize(dev);
    /* With bus=, that one. */
    dev = create_ok("test-bus-dev,id=onbus,bus=plug-bus");
    g_assert_cmpstr(dev->parent_bus->name, ==, "plug-bus");
    device_unrealize(dev);
}

static void test_bus_wrong_type_refused(void)
{
    GError *err = NULL;
    BusState *lonely = bus_new("test-lonely-bus", NULL, "lonely-bus");
    DeviceState *dev = new_dev("test-bus-dev");
    g_assert_false(device_realize_on_bus(dev, lonely, &err));
    g_assert_cmpstr(err->message, ==, "Bus 'lonely-bus' is not of type 'test-bus' "
                    "that device 'test-bus-dev' needs");
    g_clear_error(&err);
    g_assert_false(dev->realized);
    g_assert_null(OBJECT(dev)->parent);
    object_unref(OBJECT(dev));
    object_unref(OBJECT(lonely));
}

static void test_bus_full_refused(void)
{
    GError *err = NULL;
    BusState *bus = bus_new(TYPE_TEST_BUS, NULL, "small-bus");
    DeviceState *devs[3];
    for (int i = 0; i < 3; i++) {
        devs[i] = new_dev("test-bus-dev");
        g_assert_true(device_realize_on_bus(devs[i], bus, NULL));
        object_unref(OBJECT(devs[i]));
    }
    DeviceState *extra = new_dev("test-bus-dev");
    g_assert_false(device_realize_on_bus(extra, bus, &err));
    g_assert_cmpstr(err->message, ==, "Bus 'small-bus' is full");
    g_clear_error(&err);
    object_unref(OBJECT(extra));
    for (int i = 0; i < 3; i++) {
        device_unrealize(devs[i]);
    }
}

static void count_dev(DeviceState *dev, void *opaque)
{
    (*(int *)opaque)++;
}

static void test_bus_foreach_device(void)
{
    BusState *bus = bus_new(TYPE_TEST_BUS, NULL, "walk-bus");
    DeviceState *a = new_dev("test-bus-dev"), *b = new_dev("test-bus-dev");
    int n = 0;
    g_assert_true(device_realize_on_bus(a, bus, NULL));
    g_assert_true(device_realize_on_bus(b, bus, NULL));
    bus_foreach_device(bus, count_dev, &n);
    g_assert_cmpint(n, ==, 2);
    device_unrealize(a);
    device_unrealize(b);
    object_unref(OBJECT(a));
    object_unref(OBJECT(b));
}

/* --- Reset --- */

static int machine_resets;
static void count_machine_reset(void *opaque) { machine_resets++; }

static void test_reset_all_walks_realized_devices(void)
{
    DeviceState *a = create_ok("test-dev,id=ra");
    DeviceState *b = create_ok("test-sub-dev,id=rb");
    DeviceState *unrealized = new_dev("test-dev");
    machine_resets = 0;
    reset_handler_register(count_machine_reset, NULL);
    g_string_truncate(reset_log, 0);
    devices_reset_all();
    g_assert_cmpint(TEST_DEV(a)->resets, ==, 1);
    g_assert_cmpint(TEST_DEV(b)->resets, ==, 1);
    g_assert_cmpint(TEST_DEV(unrealized)->resets, ==, 0);
    g_assert_nonnull(strstr(reset_log->str, "ra;"));
    g_assert_nonnull(strstr(reset_log->str, "rb;"));
    g_assert_cmpint(machine_resets, ==, 1);
    reset_handler_unregister(count_machine_reset, NULL);
    devices_reset_all();
    g_assert_cmpint(machine_resets, ==, 1);
    g_assert_cmpint(TEST_DEV(a)->resets, ==, 2);
    device_unrealize(a);
    device_unrealize(b);
    object_unref(OBJECT(unrealized));
}

static void test_reset_device_reaches_its_bus(void)
{
    GError *err = NULL;
    DeviceState *bridge = new_dev("test-bridge");
    bridge->id = g_strdup("bridge");
    g_assert_true(device_realize_on_bus(bridge, NULL, &err));
    BusState *bus = ((TestBridge *)bridge)->bus;
    DeviceState *child = new_dev("test-bus-dev");
    child->id = g_strdup("child");
    g_assert_true(device_realize_on_bus(child, bus, &err));
    g_assert_no_error(err);
    g_string_truncate(reset_log, 0);
    device_reset(bridge);
    /* The bridge first, then what sits on its bus. */
    g_assert_cmpstr(reset_log->str, ==, "bridge;child;");
    device_unrealize(bridge);
    g_assert_false(child->realized);
    object_unref(OBJECT(child));
    object_unref(OBJECT(bridge));
}

static void test_unrealize_removes_from_tree(void)
{
    DeviceState *dev = create_ok("test-dev,id=gone");
    object_ref(OBJECT(dev));
    device_unrealize(dev);
    g_assert_false(dev->realized);
    g_assert_null(OBJECT(dev)->parent);
    g_assert_null(device_find_by_id("gone"));
    /* Settable again once unrealized. */
    g_assert_true(object_property_parse(OBJECT(dev), "level", "1", NULL));
    object_unref(OBJECT(dev));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    reset_log = g_string_new("");
    bus_log = g_string_new("");

    g_test_add_func("/device/register/makes-device-class", test_register_makes_device_class);
    g_test_add_func("/device/register/subtype-inherits-hooks",
                    test_register_subtype_inherits_hooks);
    g_test_add_func("/device/props/types-for-introspection",
                    test_props_types_for_introspection);
    g_test_add_func("/device/props/defaults-applied", test_props_defaults_applied);
    g_test_add_func("/device/props/subtype-has-parent-props-and-own",
                    test_props_subtype_has_parent_props_and_own);
    g_test_add_func("/device/props/set-from-strings", test_props_set_from_strings);
    g_test_add_func("/device/props/size-suffixes", test_props_size_suffixes);
    g_test_add_func("/device/props/uint8-range", test_props_uint8_range);
    g_test_add_func("/device/props/int32-range", test_props_int32_range);
    g_test_add_func("/device/props/refused-after-realize", test_props_refused_after_realize);
    g_test_add_func("/device/props/refused-after-realize-anonymous",
                    test_props_refused_after_realize_anonymous);
    g_test_add_func("/device/global/applies-to-type-and-subtypes",
                    test_global_applies_to_type_and_subtypes);
    g_test_add_func("/device/global/long-form-and-later-wins",
                    test_global_long_form_and_later_wins);
    g_test_add_func("/device/global/overridden-by-device-option",
                    test_global_overridden_by_device_option);
    g_test_add_func("/device/global/malformed-refused", test_global_malformed_refused);
    g_test_add_func("/device/create/places-in-peripheral", test_create_places_in_peripheral);
    g_test_add_func("/device/create/anonymous-in-peripheral-anon",
                    test_create_anonymous_in_peripheral_anon);
    g_test_add_func("/device/create/realize-on-bus-places-in-unattached",
                    test_realize_on_bus_places_in_unattached);
    g_test_add_func("/device/create/unknown-driver", test_create_unknown_driver);
    g_test_add_func("/device/create/missing-driver", test_create_missing_driver);
    g_test_add_func("/device/create/not-user-creatable", test_create_not_user_creatable);
    g_test_add_func("/device/create/bad-id", test_create_bad_id);
    g_test_add_func("/device/create/duplicate-id", test_create_duplicate_id);
    g_test_add_func("/device/create/unknown-property", test_create_unknown_property);
    g_test_add_func("/device/create/bad-value", test_create_bad_value);
    g_test_add_func("/device/create/realize-failure-leaves-nothing",
                    test_create_realize_failure_leaves_nothing);
    g_test_add_func("/device/create/missing-bus", test_create_missing_bus);
    g_test_add_func("/device/create/unknown-bus-name", test_create_unknown_bus_name);
    g_test_add_func("/device/bus/named-after-type", test_bus_named_after_type);
    g_test_add_func("/device/bus/plug-before-realize", test_bus_plug_before_realize);
    g_test_add_func("/device/bus/found-by-type-or-name", test_bus_found_by_type_or_name);
    g_test_add_func("/device/bus/wrong-type-refused", test_bus_wrong_type_refused);
    g_test_add_func("/device/bus/full-refused", test_bus_full_refused);
    g_test_add_func("/device/bus/foreach-device", test_bus_foreach_device);
    g_test_add_func("/device/reset/all-walks-realized-devices",
                    test_reset_all_walks_realized_devices);
    g_test_add_func("/device/reset/device-reaches-its-bus", test_reset_device_reaches_its_bus);
    g_test_add_func("/device/unrealize/removes-from-tree", test_unrealize_removes_from_tree);
    return g_test_run();
}
