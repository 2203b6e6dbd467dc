/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model: types with inheritance, interfaces and abstract types,
 * instance life cycle, the composition tree and its paths, and typed
 * properties with the errors QEMU gives for bad values.
 */
#include <glib.h>
#include <string.h>

#include "vireo/object.h"

/* --- Test types: an abstract animal, a dog, a puppy; a speaker interface --- */

#define TYPE_TEST_ANIMAL "test-animal"
#define TYPE_TEST_DOG "test-dog"
#define TYPE_TEST_PUPPY "test-puppy"
#define TYPE_TEST_CAT "test-cat"
#define TYPE_TEST_SPEAKER "test-speaker"
#define TYPE_TEST_LOUD_SPEAKER "test-loud-speaker"

typedef struct AnimalClass {
    ObjectClass parent_class;
    const char *(*sound)(void);
    int legs;
} AnimalClass;

typedef struct Animal {
    Object parent_obj;
    bool flag;
    uint64_t big;
    uint32_t word;
    char *label;
    int64_t signed_value;
    Object *friend;
} Animal;

typedef struct SpeakerClass {
    ObjectClass parent_class;
    const char *(*speak)(void);
} SpeakerClass;

#define ANIMAL_GET_CLASS(obj) OBJECT_GET_CLASS(AnimalClass, (obj), TYPE_TEST_ANIMAL)

/* What happened, in order, across instance init/post-init/finalize hooks. */
static GString *events;

static void log_event(const char *what)
{
    g_string_append_printf(events, "%s%s", events->len ? " " : "", what);
}

static const char *animal_sound(void) { return "..."; }
static const char *dog_sound(void) { return "woof"; }
static const char *puppy_sound(void) { return "yip"; }
static const char *dog_speak(void) { return "dog speaks"; }
static const char *puppy_speak(void) { return "puppy speaks"; }

static void animal_class_init(ObjectClass *k, const void *data)
{
    AnimalClass *ac = (AnimalClass *)k;
    ac->sound = animal_sound;
    ac->legs = 4;
    object_class_property_add(k, "kingdom", "str", NULL, NULL, NULL);
}

static void dog_class_init(ObjectClass *k, const void *data)
{
    ((AnimalClass *)k)->sound = dog_sound;
    SpeakerClass *sc = (SpeakerClass *)object_class_get_interface(k, TYPE_TEST_SPEAKER);
    sc->speak = dog_speak;
}

static void puppy_class_init(ObjectClass *k, const void *data)
{
    ((AnimalClass *)k)->sound = puppy_sound;
    SpeakerClass *sc = (SpeakerClass *)object_class_get_interface(k, TYPE_TEST_SPEAKER);
    sc->speak = puppy_speak;
}

static void animal_init(Object *obj)
{
    Animal *a = (Animal *)obj;
    log_event("animal-init");
    object_property_add_bool_ptr(obj, "flag", &a->flag, true);
    object_property_add_uint64_ptr(obj, "big", &a->big, true);
    object_property_add_uint32_ptr(obj, "word", &a->word, true);
    object_property_add_str_ptr(obj, "label", &a->label, true);
    object_property_add_const_str(obj, "species", "generic");
    object_property_add_link(obj, "friend", TYPE_TEST_DOG, &a->friend);
}

static void animal_post_init(Object *obj) { log_event("animal-post"); }
static void dog_init(Object *obj) { log_event("dog-init"); }
static void dog_post_init(Object *obj) { log_event("dog-post"); }
static void puppy_init(Object *obj) { log_event("puppy-init"); }

static void animal_finalize(Object *obj)
{
    Animal *a = (Animal *)obj;
    g_free(a->label);
    log_event("animal-fin");
}

static void dog_finalize(Object *obj) { log_event("dog-fin"); }
static void puppy_finalize(Object *obj) { log_event("puppy-fin"); }

static const TypeInfo speaker_type = {
    .name = TYPE_TEST_SPEAKER,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(SpeakerClass),
};
static const TypeInfo loud_speaker_type = {
    .name = TYPE_TEST_LOUD_SPEAKER,
    .parent = TYPE_TEST_SPEAKER,
};
static const TypeInfo animal_type = {
    .name = TYPE_TEST_ANIMAL,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Animal),
    .class_size = sizeof(AnimalClass),
    .abstract = true,
    .class_init = animal_class_init,
    .instance_init = animal_init,
    .instance_post_init = animal_post_init,
    .instance_finalize = animal_finalize,
};
static const char *const dog_interfaces[] = { TYPE_TEST_SPEAKER, NULL };
static const TypeInfo dog_type = {
    .name = TYPE_TEST_DOG,
    .parent = TYPE_TEST_ANIMAL,
    .class_init = dog_class_init,
    .instance_init = dog_init,
    .instance_post_init = dog_post_init,
    .instance_finalize = dog_finalize,
    .interfaces = dog_interfaces,
};
static const TypeInfo puppy_type = {
    .name = TYPE_TEST_PUPPY,
    .parent = TYPE_TEST_DOG,
    .class_init = puppy_class_init,
    .instance_init = puppy_init,
    .instance_finalize = puppy_finalize,
};
static const char *const cat_interfaces[] = { TYPE_TEST_LOUD_SPEAKER, NULL };
static const TypeInfo cat_type = {
    .name = TYPE_TEST_CAT,
    .parent = TYPE_TEST_ANIMAL,
    .interfaces = cat_interfaces,
};
TYPE_REGISTER(speaker_type)
TYPE_REGISTER(loud_speaker_type)
TYPE_REGISTER(animal_type)
TYPE_REGISTER(dog_type)
TYPE_REGISTER(puppy_type)
TYPE_REGISTER(cat_type)

static Object *new_obj(const char *type)
{
    GError *err = NULL;
    Object *obj = object_new(type, &err);
    g_assert_no_error(err);
    g_assert_nonnull(obj);
    return obj;
}

/* A fresh container under the root, for one test's part of the tree. */
static Object *test_container(const char *name)
{
    Object *c = object_get_container(name);
    g_assert_nonnull(c);
    return c;
}

static void assert_error(GError *err, const char *message)
{
    g_assert_nonnull(err);
    g_assert_true(err->domain == VIREO_ERROR);
    g_assert_cmpstr(err->message, ==, message);
}

/* --- Types --- */

static void test_type_parent_chain(void)
{
    ObjectClass *puppy = object_class_by_name(TYPE_TEST_PUPPY);
    ObjectClass *dog = object_class_by_name(TYPE_TEST_DOG);
    ObjectClass *animal = object_class_by_name(TYPE_TEST_ANIMAL);

    g_assert_nonnull(puppy);
    g_assert_true(object_class_get_parent(puppy) == dog);
    g_assert_true(object_class_get_parent(dog) == animal);
    g_assert_true(object_class_get_parent(animal) == object_class_by_name(TYPE_OBJECT));
    g_assert_null(object_class_get_parent(object_class_by_name(TYPE_OBJECT)));
    g_assert_cmpstr(object_class_get_name(puppy), ==, TYPE_TEST_PUPPY);
    g_assert_null(object_class_by_name("test-no-such-type"));
}

static void test_type_class_methods_inherited_and_overridden(void)
{
    AnimalClass *animal = (AnimalClass *)object_class_by_name(TYPE_TEST_ANIMAL);
    AnimalClass *dog = (AnimalClass *)object_class_by_name(TYPE_TEST_DOG);
    AnimalClass *puppy = (AnimalClass *)object_class_by_name(TYPE_TEST_PUPPY);
    AnimalClass *cat = (AnimalClass *)object_class_by_name(TYPE_TEST_CAT);

    g_assert_cmpstr(animal->sound(), ==, "...");
    g_assert_cmpstr(dog->sound(), ==, "woof");
    g_assert_cmpstr(puppy->sound(), ==, "yip");
    /* Not overridden: the parent's method, copied into the subclass. */
    g_assert_cmpstr(cat->sound(), ==, "...");
    g_assert_cmpint(puppy->legs, ==, 4);
}

static void test_type_dynamic_cast(void)
{
    ObjectClass *dog = object_class_by_name(TYPE_TEST_DOG);
    Object *obj = new_obj(TYPE_TEST_PUPPY);

    g_assert_true(object_class_dynamic_cast(dog, TYPE_TEST_ANIMAL) == dog);
    g_assert_true(object_class_dynamic_cast(dog, TYPE_OBJECT) == dog);
    g_assert_null(object_class_dynamic_cast(dog, TYPE_TEST_PUPPY));
    g_assert_null(object_class_dynamic_cast(dog, TYPE_TEST_CAT));
    g_assert_null(object_class_dynamic_cast(dog, "test-no-such-type"));
    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_DOG) == obj);
    g_assert_null(object_dynamic_cast(obj, TYPE_TEST_CAT));
    g_assert_null(object_dynamic_cast(NULL, TYPE_TEST_DOG));
    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_TEST_PUPPY);
    g_assert_cmpstr(ANIMAL_GET_CLASS(obj)->sound(), ==, "yip");
    object_unref(obj);
}

static void test_type_abstract_not_instantiable(void)
{
    GError *err = NULL;

    g_assert_true(object_class_is_abstract(object_class_by_name(TYPE_TEST_ANIMAL)));
    g_assert_false(object_class_is_abstract(object_class_by_name(TYPE_TEST_DOG)));
    g_assert_null(object_new(TYPE_TEST_ANIMAL, &err));
    assert_error(err, "type 'test-animal' is abstract");
    g_clear_error(&err);
    g_assert_null(object_new(TYPE_TEST_SPEAKER, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(object_new("test-no-such-type", &err));
    assert_error(err, "unknown type 'test-no-such-type'");
    g_clear_error(&err);
}

static void test_type_interface_cast(void)
{
    ObjectClass *dog = object_class_by_name(TYPE_TEST_DOG);
    ObjectClass *cat = object_class_by_name(TYPE_TEST_CAT);
    ObjectClass *animal = object_class_by_name(TYPE_TEST_ANIMAL);
    Object *obj = new_obj(TYPE_TEST_DOG);

    SpeakerClass *sc = (SpeakerClass *)object_class_dynamic_cast(dog, TYPE_TEST_SPEAKER);
    g_assert_nonnull(sc);
    g_assert_cmpstr(sc->speak(), ==, "dog speaks");
    g_assert_null(object_class_dynamic_cast(animal, TYPE_TEST_SPEAKER));
    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_SPEAKER) == obj);
    /* The cat implements a sub-interface: it is a speaker too. */
    g_assert_nonnull(object_class_dynamic_cast(cat, TYPE_TEST_SPEAKER));
    g_assert_nonnull(object_class_dynamic_cast(cat, TYPE_TEST_LOUD_SPEAKER));
    g_assert_null(object_class_dynamic_cast(dog, TYPE_TEST_LOUD_SPEAKER));
    object_unref(obj);
}

static void test_type_interface_inherited_per_class(void)
{
    ObjectClass *dog = object_class_by_name(TYPE_TEST_DOG);
    ObjectClass *puppy = object_class_by_name(TYPE_TEST_PUPPY);
    SpeakerClass *dog_sc = (SpeakerClass *)object_class_get_interface(dog, TYPE_TEST_SPEAKER);
    SpeakerClass *puppy_sc = (SpeakerClass *)object_class_get_interface(puppy, TYPE_TEST_SPEAKER);

    /* The puppy inherits the interface and overrides its method in its own
     * copy, leaving the dog's alone. */
    g_assert_nonnull(puppy_sc);
    g_assert_true(dog_sc != puppy_sc);
    g_assert_cmpstr(puppy_sc->speak(), ==, "puppy speaks");
    g_assert_cmpstr(dog_sc->speak(), ==, "dog speaks");
    g_assert_true(object_class_dynamic_cast(puppy, TYPE_TEST_SPEAKER) ==
                  (ObjectClass *)puppy_sc);
}

static GSList *class_names(GSList *classes)
{
    GSList *names = NULL;
    for (GSList *l = classes; l; l = l->next) {
        names = g_slist_append(names, (gpointer)object_class_get_name(l->data));
    }
    g_slist_free(classes);
    return names;
}

static void assert_names(GSList *names, const char *const *expected)
{
    GSList *l = names;
    for (; *expected; expected++, l = l->next) {
        g_assert_nonnull(l);
        g_assert_cmpstr(l->data, ==, *expected);
    }
    g_assert_null(l);
    g_slist_free(names);
}

static void test_type_class_list(void)
{
    static const char *const concrete[] = {
        TYPE_TEST_CAT, TYPE_TEST_DOG, TYPE_TEST_PUPPY, NULL
    };
    static const char *const with_abstract[] = {
        TYPE_TEST_ANIMAL, TYPE_TEST_CAT, TYPE_TEST_DOG, TYPE_TEST_PUPPY, NULL
    };
    static const char *const speakers[] = {
        TYPE_TEST_CAT, TYPE_TEST_DOG, TYPE_TEST_PUPPY, NULL
    };
    static const char *const loud[] = { TYPE_TEST_CAT, NULL };

    assert_names(class_names(object_class_get_list(TYPE_TEST_ANIMAL, false)), concrete);
    assert_names(class_names(object_class_get_list(TYPE_TEST_ANIMAL, true)),
                 with_abstract);
    /* Implementers of an interface, never the interface itself. */
    assert_names(class_names(object_class_get_list(TYPE_TEST_SPEAKER, true)), speakers);
    assert_names(class_names(object_class_get_list(TYPE_TEST_LOUD_SPEAKER, false)), loud);
}

static void test_type_class_list_all(void)
{
    GSList *all = object_class_get_list(NULL, true);
    bool saw_dog = false;
    for (GSList *l = all; l; l = l->next) {
        const char *name = object_class_get_name(l->data);
        g_assert_cmpstr(name, !=, TYPE_TEST_SPEAKER);
        saw_dog |= !strcmp(name, TYPE_TEST_DOG);
        if (l->next) {
            g_assert_cmpint(strcmp(name, object_class_get_name(l->next->data)), <, 0);
        }
    }
    g_assert_true(saw_dog);
    g_slist_free(all);
}

/* --- Instances --- */

static void test_instance_init_and_finalize_order(void)
{
    g_string_truncate(events, 0);
    Object *obj = new_obj(TYPE_TEST_PUPPY);
    /* init runs base first; post-init the most derived first. */
    g_assert_cmpstr(events->str, ==,
                    "animal-init dog-init puppy-init dog-post animal-post");
    g_string_truncate(events, 0);
    object_unref(obj);
    g_assert_cmpstr(events->str, ==, "puppy-fin dog-fin animal-fin");
}

static void test_instance_refcount(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    g_assert_cmpint(obj->refcount, ==, 1);
    g_assert_true(object_ref(obj) == obj);
    g_assert_cmpint(obj->refcount, ==, 2);
    g_string_truncate(events, 0);
    object_unref(obj);
    g_assert_cmpstr(events->str, ==, "");
    object_unref(obj);
    g_assert_cmpstr(events->str, ==, "dog-fin animal-fin");
    /* NULL is accepted by both. */
    g_assert_null(object_ref(NULL));
    object_unref(NULL);
}

static void test_instance_children_finalized_before_parent(void)
{
    Object *parent = new_obj(TYPE_TEST_PUPPY);
    Object *child = new_obj(TYPE_TEST_DOG);

    g_assert_true(object_property_add_child(parent, "pup", child, NULL));
    object_unref(child);            /* the parent holds it now */
    g_assert_cmpint(child->refcount, ==, 1);
    g_string_truncate(events, 0);
    object_unref(parent);
    g_assert_cmpstr(events->str, ==,
                    "dog-fin animal-fin puppy-fin dog-fin animal-fin");
}

/* --- The composition tree --- */

static void test_tree_canonical_path(void)
{
    Object *top = test_container("qom-paths");
    Object *a = new_obj(TYPE_TEST_DOG);
    Object *b = new_obj(TYPE_TEST_PUPPY);

    g_assert_true(object_property_add_child(top, "a", a, NULL));
    g_assert_true(object_property_add_child(a, "b", b, NULL));
    g_autofree char *root_path = object_get_canonical_path(object_get_root());
    g_autofree char *a_path = object_get_canonical_path(a);
    g_autofree char *b_path = object_get_canonical_path(b);
    g_assert_cmpstr(root_path, ==, "/");
    g_assert_cmpstr(a_path, ==, "/qom-paths/a");
    g_assert_cmpstr(b_path, ==, "/qom-paths/a/b");
    g_assert_cmpstr(object_get_canonical_path_component(b), ==, "b");
    g_assert_true(b->parent == a);
    object_unparent(a);
    object_unref(a);
    object_unref(b);
}

static void test_tree_detached_has_no_path(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    g_assert_null(object_get_canonical_path(obj));
    g_assert_null(object_get_canonical_path_component(obj));
    object_unref(obj);
}

static void test_tree_child_property(void)
{
    Object *top = test_container("qom-child-prop");
    Object *dog = new_obj(TYPE_TEST_DOG);

    g_assert_true(object_property_add_child(top, "rex", dog, NULL));
    ObjectProperty *p = object_property_find(top, "rex");
    g_assert_nonnull(p);
    g_assert_cmpstr(p->type, ==, "child<test-dog>");
    g_autofree char *value = object_property_get_str(top, "rex", NULL);
    g_assert_cmpstr(value, ==, "/qom-child-prop/rex");
    g_assert_true(object_resolve_path_component(top, "rex") == dog);
    object_unref(dog);
}

static void test_tree_child_errors(void)
{
    Object *top = test_container("qom-child-errors");
    Object *a = new_obj(TYPE_TEST_DOG);
    Object *b = new_obj(TYPE_TEST_DOG);
    GError *err = NULL;

    g_assert_true(object_property_add_child(top, "x", a, NULL));
    g_assert_false(object_property_add_child(top, "x", b, &err));
    assert_error(err, "attempt to add duplicate property 'x' to object "
                      "(type 'container')");
    g_clear_error(&err);
    g_assert_null(b->parent);
    /* An object has one parent. */
    g_assert_false(object_property_add_child(top, "y", a, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(object_property_find(top, "y"));
    object_unref(a);
    object_unref(b);
}

static void test_tree_child_array_names(void)
{
    Object *top = test_container("qom-array");
    Object *objs[3];

    for (int i = 0; i < 3; i++) {
        objs[i] = new_obj(TYPE_TEST_DOG);
        g_assert_true(object_property_add_child(top, "dev[*]", objs[i], NULL));
        object_unref(objs[i]);
    }
    g_assert_cmpstr(object_get_canonical_path_component(objs[0]), ==, "dev[0]");
    g_assert_cmpstr(object_get_canonical_path_component(objs[2]), ==, "dev[2]");
    /* A freed index is reused first. */
    object_unparent(objs[1]);
    Object *again = new_obj(TYPE_TEST_DOG);
    g_assert_true(object_property_add_child(top, "dev[*]", again, NULL));
    g_assert_cmpstr(object_get_canonical_path_component(again), ==, "dev[1]");
    object_unref(again);
}

static void test_tree_unparent_drops_reference(void)
{
    Object *top = test_container("qom-unparent");
    Object *dog = new_obj(TYPE_TEST_DOG);

    g_assert_true(object_property_add_child(top, "d", dog, NULL));
    object_unref(dog);
    g_string_truncate(events, 0);
    object_unparent(dog);
    g_assert_cmpstr(events->str, ==, "dog-fin animal-fin");
    g_assert_null(object_property_find(top, "d"));
    g_assert_null(object_resolve_path("/qom-unparent/d", NULL));
}

static int collect_name(Object *child, void *opaque)
{
    g_string_append_printf(opaque, "%s;", object_get_canonical_path_component(child));
    return 0;
}

static int stop_at_b(Object *child, void *opaque)
{
    collect_name(child, opaque);
    return !strcmp(object_get_canonical_path_component(child), "b") ? 7 : 0;
}

static void test_tree_child_foreach_order(void)
{
    Object *top = test_container("qom-foreach");
    const char *names[] = { "c", "a", "b" };
    g_autoptr(GString) seen = g_string_new("");

    for (int i = 0; i < 3; i++) {
        Object *o = new_obj(TYPE_TEST_DOG);
        g_assert_true(object_property_add_child(top, names[i], o, NULL));
        object_unref(o);
    }
    Object *inner = new_obj(TYPE_TEST_DOG);
    g_assert_true(object_property_add_child(object_resolve_path_component(top, "c"),
                                            "inner", inner, NULL));
    object_unref(inner);

    g_assert_cmpint(object_child_foreach(top, collect_name, seen), ==, 0);
    g_assert_cmpstr(seen->str, ==, "c;a;b;");
    g_string_truncate(seen, 0);
    g_assert_cmpint(object_child_foreach_recursive(top, collect_name, seen), ==, 0);
    g_assert_cmpstr(seen->str, ==, "c;inner;a;b;");
    /* A non-zero return stops the walk and is passed back. */
    g_string_truncate(seen, 0);
    g_assert_cmpint(object_child_foreach_recursive(top, stop_at_b, seen), ==, 7);
    g_assert_cmpstr(seen->str, ==, "c;inner;a;b;");
}

/* --- Path resolution --- */

/* /qom-resolve/{left,right}/{shared-leaf}, /qom-resolve/left/only-left */
static Object *resolve_fixture_left, *resolve_fixture_right;
static Object *resolve_fixture_leaf_l, *resolve_fixture_leaf_r, *resolve_fixture_only;

static Object *add_child(Object *parent, const char *name, const char *type)
{
    Object *o = new_obj(type);
    g_assert_true(object_property_add_child(parent, name, o, NULL));
    object_unref(o);
    return o;
}

static void build_resolve_tree(void)
{
    if (resolve_fixture_left) {
        return;
    }
    Object *top = test_container("qom-resolve");
    resolve_fixture_left = add_child(top, "left", TYPE_CONTAINER);
    resolve_fixture_right = add_child(top, "right", TYPE_CONTAINER);
    resolve_fixture_leaf_l = add_child(resolve_fixture_left, "shared-leaf", TYPE_TEST_DOG);
    resolve_fixture_leaf_r = add_child(resolve_fixture_right, "shared-leaf", TYPE_TEST_CAT);
    resolve_fixture_only = add_child(resolve_fixture_left, "only-left", TYPE_TEST_PUPPY);
}

static void test_resolve_absolute(void)
{
    build_resolve_tree();
    g_assert_true(object_resolve_path("/", NULL) == object_get_root());
    g_assert_true(object_resolve_path("/qom-resolve/left/shared-leaf", NULL) ==
                  resolve_fixture_leaf_l);
    g_assert_true(object_resolve_path("/qom-resolve/right/shared-leaf", NULL) ==
                  resolve_fixture_leaf_r);
    g_assert_null(object_resolve_path("/qom-resolve/left/missing", NULL));
    g_assert_null(object_resolve_path("/qom-resolve/left/only-left/deeper", NULL));
    /* A non-child, non-link property is not a path component. */
    g_assert_null(object_resolve_path("/qom-resolve/left/only-left/label", NULL));
}

static void test_resolve_absolute_with_type(void)
{
    build_resolve_tree();
    g_assert_true(object_resolve_path_type("/qom-resolve/left/only-left",
                                           TYPE_TEST_DOG, NULL) ==
                  resolve_fixture_only);
    g_assert_null(object_resolve_path_type("/qom-resolve/left/only-left",
                                           TYPE_TEST_CAT, NULL));
}

static void test_resolve_partial_unique(void)
{
    bool ambiguous = true;
    build_resolve_tree();
    g_assert_true(object_resolve_path("only-left", &ambiguous) == resolve_fixture_only);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("left/shared-leaf", &ambiguous) ==
                  resolve_fixture_leaf_l);
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path("qom-no-such-leaf", &ambiguous));
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path("", &ambiguous));
}

static void test_resolve_partial_ambiguous(void)
{
    bool ambiguous = false;
    build_resolve_tree();
    g_assert_null(object_resolve_path("shared-leaf", &ambiguous));
    g_assert_true(ambiguous);
    /* NULL is allowed for the flag. */
    g_assert_null(object_resolve_path("shared-leaf", NULL));
}

static void test_resolve_partial_type_disambiguates(void)
{
    bool ambiguous = true;
    build_resolve_tree();
    g_assert_true(object_resolve_path_type("shared-leaf", TYPE_TEST_CAT, &ambiguous) ==
                  resolve_fixture_leaf_r);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path_type("shared-leaf", TYPE_TEST_DOG, &ambiguous) ==
                  resolve_fixture_leaf_l);
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path_type("shared-leaf", TYPE_TEST_ANIMAL, &ambiguous));
    g_assert_true(ambiguous);
}

/* --- Links --- */

static void test_link_set_get_and_follow(void)
{
    Object *top = test_container("qom-link");
    Object *owner = add_child(top, "owner", TYPE_TEST_CAT);
    Object *target = add_child(top, "target", TYPE_TEST_PUPPY);
    GError *err = NULL;

    ObjectProperty *p = object_property_find(owner, "friend");
    g_assert_cmpstr(p->type, ==, "link<test-dog>");
    g_assert_null(object_property_get_link(owner, "friend", NULL));
    g_assert_true(object_property_set_link(owner, "friend", target, &err));
    g_assert_no_error(err);
    g_assert_true(((Animal *)owner)->friend == target);
    g_assert_true(object_property_get_link(owner, "friend", NULL) == target);
    g_autofree char *path = object_property_get_str(owner, "friend", NULL);
    g_assert_cmpstr(path, ==, "/qom-link/target");
    /* Absolute paths go through links. */
    g_assert_true(object_resolve_path("/qom-link/owner/friend", NULL) == target);
    /* Partial paths too: a partial path naming the link's target. */
    g_assert_true(object_property_parse(owner, "friend", "target", &err));
    g_assert_no_error(err);
    g_assert_true(((Animal *)owner)->friend == target);
    /* "" clears it. */
    g_assert_true(object_property_parse(owner, "friend", "", &err));
    g_assert_null(((Animal *)owner)->friend);
}

static void test_link_holds_reference(void)
{
    Object *top = test_container("qom-link-ref");
    Object *owner = add_child(top, "owner", TYPE_TEST_CAT);
    Object *target = add_child(top, "target", TYPE_TEST_DOG);

    g_assert_true(object_property_set_link(owner, "friend", target, NULL));
    g_string_truncate(events, 0);
    object_unparent(target);
    g_assert_cmpstr(events->str, ==, "");      /* the link keeps it alive */
    g_assert_true(object_property_set_link(owner, "friend", NULL, NULL));
    g_assert_cmpstr(events->str, ==, "dog-fin animal-fin");
}

static void test_link_errors(void)
{
    Object *top = test_container("qom-link-err");
    Object *owner = add_child(top, "owner", TYPE_TEST_CAT);
    add_child(top, "cat", TYPE_TEST_CAT);
    GError *err = NULL;

    g_assert_false(object_property_parse(owner, "friend", "/qom-link-err/nope", &err));
    assert_error(err, "Device '/qom-link-err/nope' not found");
    g_clear_error(&err);
    g_assert_false(object_property_parse(owner, "friend", "/qom-link-err/cat", &err));
    assert_error(err, "Invalid parameter type for 'friend', expected: test-dog");
    g_clear_error(&err);
    build_resolve_tree();
    g_assert_false(object_property_parse(owner, "friend", "shared-leaf", &err));
    assert_error(err, "Path 'shared-leaf' does not uniquely identify an object");
    g_clear_error(&err);
    g_assert_null(((Animal *)owner)->friend);
}

/* --- Properties --- */

static void test_prop_bool(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    Animal *a = (Animal *)obj;
    GError *err = NULL;

    g_assert_true(object_property_set_bool(obj, "flag", true, &err));
    g_assert_true(a->flag);
    g_assert_true(object_property_get_bool(obj, "flag", NULL));
    static const struct { const char *s; bool v; } forms[] = {
        { "off", false }, { "on", true }, { "no", false }, { "yes", true },
        { "false", false }, { "true", true },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_assert_true(object_property_parse(obj, "flag", forms[i].s, &err));
        g_assert_no_error(err);
        g_assert_cmpint(a->flag, ==, forms[i].v);
    }
    g_assert_false(object_property_parse(obj, "flag", "maybe", &err));
    assert_error(err, "Parameter 'flag' expects 'on' or 'off'");
    g_clear_error(&err);
    g_assert_false(object_property_set_int(obj, "flag", 1, &err));
    assert_error(err, "Invalid parameter type for 'flag', expected: boolean");
    g_clear_error(&err);
    g_assert_true(a->flag);
    object_unref(obj);
}

static void test_prop_uint64(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    Animal *a = (Animal *)obj;
    GError *err = NULL;

    g_assert_true(object_property_set_uint(obj, "big", 42, &err));
    g_assert_cmpuint(object_property_get_uint(obj, "big", NULL), ==, 42);
    g_assert_true(object_property_parse(obj, "big", "0x1000", &err));
    g_assert_cmpuint(a->big, ==, 0x1000);
    /* Above INT64_MAX the value survives the trip through JSON. */
    g_assert_true(object_property_set_uint(obj, "big", UINT64_MAX, &err));
    g_assert_no_error(err);
    g_assert_cmphex(a->big, ==, UINT64_MAX);
    g_assert_cmphex(object_property_get_uint(obj, "big", &err), ==, UINT64_MAX);
    g_assert_no_error(err);
    g_assert_false(object_property_set_int(obj, "big", -1, &err));
    assert_error(err, "Parameter 'big' expects a non-negative value");
    g_clear_error(&err);
    g_assert_false(object_property_parse(obj, "big", "lots", &err));
    assert_error(err, "Parameter 'big' expects a non-negative integer");
    g_clear_error(&err);
    g_assert_false(object_property_parse(obj, "big", "-5", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(object_property_set_bool(obj, "big", true, &err));
    assert_error(err, "Invalid parameter type for 'big', expected: integer");
    g_clear_error(&err);
    g_assert_cmphex(a->big, ==, UINT64_MAX);
    object_unref(obj);
}

static void test_prop_uint32_range(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    GError *err = NULL;

    g_assert_true(object_property_set_uint(obj, "word", UINT32_MAX, &err));
    g_assert_cmpuint(((Animal *)obj)->word, ==, UINT32_MAX);
    g_assert_false(object_property_set_uint(obj, "word", 1ULL << 32, &err));
    assert_error(err, "Parameter 'word' expects uint32_t");
    g_clear_error(&err);
    g_assert_cmpuint(((Animal *)obj)->word, ==, UINT32_MAX);
    object_unref(obj);
}

static JsonNode *int_get(Object *obj, ObjectProperty *p, GError **errp)
{
    return json_node_init_int(json_node_alloc(), ((Animal *)obj)->signed_value);
}

static bool int_set(Object *obj, ObjectProperty *p, JsonNode *v, GError **errp)
{
    return json_node_to_int64(v, p->name, &((Animal *)obj)->signed_value, errp);
}

static void test_prop_int(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    Animal *a = (Animal *)obj;
    GError *err = NULL;

    g_assert_nonnull(object_property_add(obj, "delta", "int", int_get, int_set,
                                         NULL, NULL));
    g_assert_true(object_property_set_int(obj, "delta", -7, &err));
    g_assert_cmpint(object_property_get_int(obj, "delta", NULL), ==, -7);
    g_assert_true(object_property_parse(obj, "delta", "-0x10", &err));
    g_assert_cmpint(a->signed_value, ==, -16);
    g_assert_true(object_property_parse(obj, "delta", "9223372036854775807", &err));
    g_assert_cmpint(a->signed_value, ==, INT64_MAX);
    g_assert_false(object_property_parse(obj, "delta", "9223372036854775808", &err));
    assert_error(err, "Parameter 'delta' expects an integer");
    g_clear_error(&err);
    g_assert_false(object_property_parse(obj, "delta", "12abc", &err));
    assert_error(err, "Parameter 'delta' expects an integer");
    g_clear_error(&err);
    g_assert_false(object_property_set_str(obj, "delta", "", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_cmpint(a->signed_value, ==, INT64_MAX);
    object_unref(obj);
}

static void test_prop_str(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    GError *err = NULL;

    g_autofree char *empty = object_property_get_str(obj, "label", &err);
    g_assert_cmpstr(empty, ==, "");
    g_assert_true(object_property_set_str(obj, "label", "a,b=c", &err));
    g_autofree char *value = object_property_get_str(obj, "label", &err);
    g_assert_cmpstr(value, ==, "a,b=c");
    g_assert_false(object_property_set_int(obj, "label", 3, &err));
    assert_error(err, "Invalid parameter type for 'label', expected: string");
    g_clear_error(&err);
    g_assert_false(object_property_get_int(obj, "label", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    object_unref(obj);
}

static void test_prop_read_only_and_missing(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    GError *err = NULL;

    g_autofree char *species = object_property_get_str(obj, "species", &err);
    g_assert_cmpstr(species, ==, "generic");
    g_assert_false(object_property_set_str(obj, "species", "wolf", &err));
    assert_error(err, "Property 'test-dog.species' is read-only");
    g_clear_error(&err);
    g_assert_false(object_property_set_str(obj, "nope", "x", &err));
    assert_error(err, "Property 'test-dog.nope' not found");
    g_clear_error(&err);
    g_assert_null(object_property_get(obj, "nope", &err));
    assert_error(err, "Property 'test-dog.nope' not found");
    g_clear_error(&err);
    /* The class property "kingdom" has no accessors at all. */
    g_assert_null(object_property_get(obj, "kingdom", &err));
    assert_error(err, "Property 'test-dog.kingdom' is not readable");
    g_clear_error(&err);
    object_unref(obj);
}

static void test_prop_duplicate_refused(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    static bool other;

    g_assert_null(object_property_add(obj, "flag", "bool", NULL, NULL, NULL, NULL));
    /* A class property's name is taken on every instance as well. */
    g_assert_null(object_property_add(obj, "kingdom", "str", NULL, NULL, NULL, NULL));
    object_property_add_bool_ptr(obj, "other", &other, false);
    g_assert_nonnull(object_property_find(obj, "other"));
    object_unref(obj);
}

static int released;
static void count_release(Object *obj, ObjectProperty *p) { released++; }

static void test_prop_del_calls_release(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);

    released = 0;
    object_property_add(obj, "tmp", "str", NULL, NULL, count_release, NULL);
    object_property_add(obj, "tmp2", "str", NULL, NULL, count_release, NULL);
    object_property_del(obj, "tmp");
    g_assert_cmpint(released, ==, 1);
    g_assert_null(object_property_find(obj, "tmp"));
    object_property_del(obj, "never-there");
    /* The rest go with the object. */
    object_unref(obj);
    g_assert_cmpint(released, ==, 2);
}

static void test_prop_class_properties(void)
{
    Object *obj = new_obj(TYPE_TEST_PUPPY);

    /* Defined on the abstract base, visible on the class and instance. */
    g_assert_nonnull(object_class_property_find(object_class_by_name(TYPE_TEST_PUPPY),
                                                "kingdom"));
    g_assert_nonnull(object_property_find(obj, "kingdom"));
    g_assert_null(object_class_property_find(object_class_by_name(TYPE_TEST_PUPPY),
                                             "flag"));
    /* The class chain's properties: the animal's and every object's "type". */
    g_autoptr(GPtrArray) cls = object_class_property_list(object_class_by_name(TYPE_TEST_PUPPY));
    g_assert_cmpuint(cls->len, ==, 2);
    g_assert_cmpstr(((ObjectProperty *)cls->pdata[0])->name, ==, "kingdom");
    g_assert_cmpstr(((ObjectProperty *)cls->pdata[1])->name, ==, "type");
    g_autofree char *type = object_property_get_str(obj, "type", NULL);
    g_assert_cmpstr(type, ==, TYPE_TEST_PUPPY);
    object_unref(obj);
}

static void test_prop_list_sorted_and_complete(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    static const char *const expected[] = {
        "big", "flag", "friend", "kingdom", "label", "species", "type", "word",
    };
    g_autoptr(GPtrArray) props = object_property_list(obj);

    g_assert_cmpuint(props->len, ==, G_N_ELEMENTS(expected));
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *p = props->pdata[i];
        g_assert_cmpstr(p->name, ==, expected[i]);
    }
    object_unref(obj);
}

static void test_prop_description(void)
{
    Object *obj = new_obj(TYPE_TEST_DOG);
    ObjectProperty *p = object_property_find(obj, "flag");
    object_property_set_description(p, "a flag");
    g_assert_cmpstr(p->description, ==, "a flag");
    object_property_set_description(p, "still a flag");
    g_assert_cmpstr(p->description, ==, "still a flag");
    object_unref(obj);
}

/* --- Value parsing shared by properties and the command line --- */

static void test_parse_sizes(void)
{
    static const struct { const char *s; uint64_t v; } good[] = {
        { "0", 0 }, { "512", 512 }, { "4k", 4096 }, { "4K", 4096 },
        { "64M", 64ULL << 20 }, { "1G", 1ULL << 30 }, { "2T", 2ULL << 40 },
        { "1P", 1ULL << 50 }, { "1E", 1ULL << 60 }, { "1.5G", 3ULL << 29 },
        { "0x1000", 0x1000 }, { "8b", 8 },
    };
    static const char *const bad[] = {
        "", "-1", "1X", "1KB", "16E", "abc", "1.5",
    };
    uint64_t v;
    for (unsigned i = 0; i < G_N_ELEMENTS(good); i++) {
        GError *err = NULL;
        g_assert_true(parse_uint64_str(good[i].s, &v, true, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(v, ==, good[i].v);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        v = 12345;
        g_assert_false(parse_uint64_str(bad[i], &v, true, &err));
        g_assert_nonnull(err);
        g_error_free(err);
        g_assert_cmpuint(v, ==, 12345);
    }
    /* Without suffixes, a suffix is an error. */
    GError *err = NULL;
    g_assert_false(parse_uint64_str("4k", &v, false, &err));
    g_assert_nonnull(err);
    g_error_free(err);
}

static void test_parse_bools(void)
{
    bool v = false;
    GError *err = NULL;
    g_assert_true(parse_bool_str("on", &v, NULL));
    g_assert_true(v);
    g_assert_true(parse_bool_str("off", &v, NULL));
    g_assert_false(v);
    g_assert_false(parse_bool_str("2", &v, &err));
    assert_error(err, "Parameter expects 'on' or 'off', got '2'");
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    events = g_string_new("");

    g_test_add_func("/qom/type/parent-chain", test_type_parent_chain);
    g_test_add_func("/qom/type/class-methods-inherited-and-overridden",
                    test_type_class_methods_inherited_and_overridden);
    g_test_add_func("/qom/type/dynamic-cast", test_type_dynamic_cast);
    g_test_add_func("/qom/type/abstract-not-instantiable",
                    test_type_abstract_not_instantiable);
    g_test_add_func("/qom/type/interface-cast", test_type_interface_cast);
    g_test_add_func("/qom/type/interface-inherited-per-class",
                    test_type_interface_inherited_per_class);
    g_test_add_func("/qom/type/class-list", test_type_class_list);
    g_test_add_func("/qom/type/class-list-all", test_type_class_list_all);
    g_test_add_func("/qom/instance/init-and-finalize-order",
                    test_instance_init_and_finalize_order);
    g_test_add_func("/qom/instance/refcount", test_instance_refcount);
    g_test_add_func("/qom/instance/children-finalized-before-parent",
                    test_instance_children_finalized_before_parent);
    g_test_add_func("/qom/tree/canonical-path", test_tree_canonical_path);
    g_test_add_func("/qom/tree/detached-has-no-path", test_tree_detached_has_no_path);
    g_test_add_func("/qom/tree/child-property", test_tree_child_property);
    g_test_add_func("/qom/tree/child-errors", test_tree_child_errors);
    g_test_add_func("/qom/tree/child-array-names", test_tree_child_array_names);
    g_test_add_func("/qom/tree/unparent-drops-reference",
                    test_tree_unparent_drops_reference);
    g_test_add_func("/qom/tree/child-foreach-order", test_tree_child_foreach_order);
    g_test_add_func("/qom/resolve/absolute", test_resolve_absolute);
    g_test_add_func("/qom/resolve/absolute-with-type", test_resolve_absolute_with_type);
    g_test_add_func("/qom/resolve/partial-unique", test_resolve_partial_unique);
    g_test_add_func("/qom/resolve/partial-ambiguous", test_resolve_partial_ambiguous);
    g_test_add_func("/qom/resolve/partial-type-disambiguates",
                    test_resolve_partial_type_disambiguates);
    g_test_add_func("/qom/link/set-get-and-follow", test_link_set_get_and_follow);
    g_test_add_func("/qom/link/holds-reference", test_link_holds_reference);
    g_test_add_func("/qom/link/errors", test_link_errors);
    g_test_add_func("/qom/prop/bool", test_prop_bool);
    g_test_add_func("/qom/prop/uint64", test_prop_uint64);
    g_test_add_func("/qom/prop/uint32-range", test_prop_uint32_range);
    g_test_add_func("/qom/prop/int", test_prop_int);
    g_test_add_func("/qom/prop/str", test_prop_str);
    g_test_add_func("/qom/prop/read-only-and-missing", test_prop_read_only_and_missing);
    g_test_add_func("/qom/prop/duplicate-refused", test_prop_duplicate_refused);
    g_test_add_func("/qom/prop/del-calls-release", test_prop_del_calls_release);
    g_test_add_func("/qom/prop/class-properties", test_prop_class_properties);
    g_test_add_func("/qom/prop/list-sorted-and-complete",
                    test_prop_list_sorted_and_complete);
    g_test_add_func("/qom/prop/description", test_prop_description);
    g_test_add_func("/qom/parse/sizes", test_parse_sizes);
    g_test_add_func("/qom/parse/bools", test_parse_bools);
    return g_test_run();
}
