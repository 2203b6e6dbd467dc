/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory API: region trees flattened into views (priorities, aliases,
 * enable/disable, moves, transactions, merging), listeners following the
 * views, and accesses (RAM, ROM, MMIO split or widened to the sizes a
 * device implements, unassigned space, accesses across regions).
 */
#include <glib.h>
#include <string.h>

#include "vireo/memory.h"

/* --- Fixture: a private address space over a 4 GiB root container --- */

typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memory_region_init(&f->root, NULL, "test-root", 1ULL << 32);
    address_space_init(&f->as, &f->root, "test");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    address_space_destroy(&f->as);
    memory_region_finalize(&f->root);
}

static void init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    GError *err = NULL;
    g_assert_true(memory_region_init_ram(mr, NULL, name, size, &err));
    g_assert_no_error(err);
}

/* Fills RAM with a pattern that says where each byte came from. */
static void fill_ram(MemoryRegion *mr, uint8_t tag)
{
    uint8_t *p = memory_region_get_ram_ptr(mr);
    for (uint64_t i = 0; i < mr->size; i++) {
        p[i] = tag ^ (uint8_t)i;
    }
}

/* --- Flat view checks --- */

typedef struct Range {
    uint64_t start, size;
    MemoryRegion *mr;
    uint64_t offset;
} Range;

static void assert_view(AddressSpace *as, const Range *expected, unsigned n)
{
    FlatView *v = as->view;
    for (unsigned i = 0; i < MIN(n, v->nr); i++) {
        const FlatRange *r = &v->ranges[i];
        if (r->start != expected[i].start || r->size != expected[i].size ||
            r->mr != expected[i].mr || r->offset != expected[i].offset) {
            g_error("range %u: got [0x%" G_GINT64_MODIFIER "x +0x%"
                    G_GINT64_MODIFIER "x) %s@0x%" G_GINT64_MODIFIER "x, want "
                    "[0x%" G_GINT64_MODIFIER "x +0x%" G_GINT64_MODIFIER "x) "
                    "%s@0x%" G_GINT64_MODIFIER "x", i, r->start, r->size,
                    r->mr->name, r->offset, expected[i].start, expected[i].size,
                    expected[i].mr->name, expected[i].offset);
        }
    }
    g_assert_cmpuint(v->nr, ==, n);
}
#define ASSERT_VIEW(as, ...) do {                                        \
        const Range want_[] = { __VA_ARGS__ };                           \
        assert_view((as), want_, G_N_ELEMENTS(want_));                   \
    } while (0)

static void test_flat_empty(Fixture *f, gconstpointer data)
{
    g_assert_cmpuint(f->as.view->nr, ==, 0);
    g_assert_null(flatview_lookup(f->as.view, 0));
}

static void test_flat_ram_placed(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    init_ram(&ram, "ram", 0x2000);
    memory_region_add_subregion(&f->root, 0x10000, &ram);
    ASSERT_VIEW(&f->as, { 0x10000, 0x2000, &ram, 0 });
    const FlatRange *r = flatview_lookup(f->as.view, 0x11fff);
    g_assert_nonnull(r);
    g_assert_true(r->mr == &ram);
    g_assert_false(r->readonly);
    g_assert_null(flatview_lookup(f->as.view, 0x12000));
    g_assert_null(flatview_lookup(f->as.view, 0xffff));
    memory_region_finalize(&ram);
    g_assert_cmpuint(f->as.view->nr, ==, 0);
}

static void test_flat_nested_containers(Fixture *f, gconstpointer data)
{
    MemoryRegion outer, inner, ram;
    memory_region_init(&outer, NULL, "outer", 0x100000);
    memory_region_init(&inner, NULL, "inner", 0x10000);
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&inner, 0x300, &ram);
    memory_region_add_subregion(&outer, 0x20000, &inner);
    memory_region_add_subregion(&f->root, 0x1000000, &outer);
    ASSERT_VIEW(&f->as, { 0x1020300, 0x1000, &ram, 0 });
    memory_region_finalize(&ram);
    memory_region_finalize(&inner);
    memory_region_finalize(&outer);
}

static void test_flat_clipped_to_container(Fixture *f, gconstpointer data)
{
    MemoryRegion box, ram;
    memory_region_init(&box, NULL, "box", 0x1000);
    init_ram(&ram, "ram", 0x4000);
    memory_region_add_subregion(&box, 0x800, &ram);
    memory_region_add_subregion(&f->root, 0x10000, &box);
    ASSERT_VIEW(&f->as, { 0x10800, 0x800, &ram, 0 });
    memory_region_finalize(&ram);
    memory_region_finalize(&box);
}

static const MemoryRegionOps nop_ops;

static void test_flat_priority_higher_wins(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, io;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&io, NULL, &nop_ops, NULL, "io", 0x1000);
    /* The high-priority region goes in first, the low one after: order of
     * adding does not matter, priority does. */
    memory_region_add_subregion_overlap(&f->root, 0x4000, &io, 1);
    memory_region_add_subregion(&f->root, 0, &ram);
    ASSERT_VIEW(&f->as,
                { 0x0, 0x4000, &ram, 0 },
                { 0x4000, 0x1000, &io, 0 },
                { 0x5000, 0xb000, &ram, 0x5000 });
    memory_region_finalize(&io);
    ASSERT_VIEW(&f->as, { 0x0, 0x10000, &ram, 0 });
    memory_region_finalize(&ram);
}

static void test_flat_priority_lower_hidden(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, io;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&io, NULL, &nop_ops, NULL, "io", 0x1000);
    memory_region_add_subregion_overlap(&f->root, 0, &ram, 2);
    memory_region_add_subregion_overlap(&f->root, 0x4000, &io, 1);
    ASSERT_VIEW(&f->as, { 0x0, 0x10000, &ram, 0 });
    memory_region_finalize(&io);
    memory_region_finalize(&ram);
}

static void test_flat_equal_priority_newest_wins(Fixture *f, gconstpointer data)
{
    MemoryRegion a, b;
    init_ram(&a, "a", 0x2000);
    init_ram(&b, "b", 0x2000);
    memory_region_add_subregion(&f->root, 0x0, &a);
    memory_region_add_subregion(&f->root, 0x1000, &b);
    ASSERT_VIEW(&f->as, { 0x0, 0x1000, &a, 0 }, { 0x1000, 0x2000, &b, 0 });
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

static void test_flat_container_holes_show_lower(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, box, dev;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init(&box, NULL, "box", 0x8000);
    memory_region_init_io(&dev, NULL, &nop_ops, NULL, "dev", 0x1000);
    memory_region_add_subregion(&box, 0x2000, &dev);
    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion_overlap(&f->root, 0, &box, 1);
    /* Only where the container has something does it hide the RAM. */
    ASSERT_VIEW(&f->as,
                { 0x0, 0x2000, &ram, 0 },
                { 0x2000, 0x1000, &dev, 0 },
                { 0x3000, 0xd000, &ram, 0x3000 });
    memory_region_finalize(&dev);
    memory_region_finalize(&box);
    memory_region_finalize(&ram);
}

static void test_flat_priority_is_among_siblings(Fixture *f, gconstpointer data)
{
    MemoryRegion low_box, high_box, a, b;
    memory_region_init(&low_box, NULL, "low-box", 0x10000);
    memory_region_init(&high_box, NULL, "high-box", 0x10000);
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    /* a has a huge priority, but only inside its own container. */
    memory_region_add_subregion_overlap(&low_box, 0, &a, 100);
    memory_region_add_subregion(&high_box, 0, &b);
    memory_region_add_subregion_overlap(&f->root, 0, &low_box, 0);
    memory_region_add_subregion_overlap(&f->root, 0, &high_box, 1);
    ASSERT_VIEW(&f->as, { 0x0, 0x1000, &b, 0 });
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&low_box);
    memory_region_finalize(&high_box);
}

static void test_flat_alias(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, alias;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x2000, 0x1000);
    memory_region_add_subregion(&f->root, 0x100000, &alias);
    /* The view names the RAM itself, at the alias's offset into it. */
    ASSERT_VIEW(&f->as, { 0x100000, 0x1000, &ram, 0x2000 });
    g_assert_true(memory_region_get_ram_ptr(&alias) == memory_region_get_ram_ptr(&ram));
    memory_region_set_alias_offset(&alias, 0x5000);
    ASSERT_VIEW(&f->as, { 0x100000, 0x1000, &ram, 0x5000 });
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
}

static void test_flat_alias_offset_above_address(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, alias;
    init_ram(&ram, "ram", 0x10000);
    /* Placed at 0x1000, showing the RAM from 0x8000: the RAM's own start
     * would lie below address 0. */
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x8000, 0x2000);
    memory_region_add_subregion(&f->root, 0x1000, &alias);
    ASSERT_VIEW(&f->as, { 0x1000, 0x2000, &ram, 0x8000 });
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
}

static void test_flat_alias_of_container(Fixture *f, gconstpointer data)
{
    MemoryRegion box, a, b, alias;
    memory_region_init(&box, NULL, "box", 0x10000);
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&box, 0x0, &a);
    memory_region_add_subregion(&box, 0x4000, &b);
    /* A window on [0x800, 0x4800) of the container. */
    memory_region_init_alias(&alias, NULL, "window", &box, 0x800, 0x4000);
    memory_region_add_subregion(&f->root, 0x20000, &alias);
    ASSERT_VIEW(&f->as,
                { 0x20000, 0x800, &a, 0x800 },
                { 0x23800, 0x800, &b, 0 });
    memory_region_finalize(&alias);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&box);
}

static void test_flat_merges_contiguous_pieces(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, lo, hi;
    init_ram(&ram, "ram", 0x4000);
    /* Two aliases that together show the RAM contiguously become one range. */
    memory_region_init_alias(&lo, NULL, "lo", &ram, 0x0, 0x1000);
    memory_region_init_alias(&hi, NULL, "hi", &ram, 0x1000, 0x1000);
    memory_region_add_subregion(&f->root, 0x8000, &lo);
    memory_region_add_subregion(&f->root, 0x9000, &hi);
    ASSERT_VIEW(&f->as, { 0x8000, 0x2000, &ram, 0 });
    /* Not contiguous in the RAM: two ranges. */
    memory_region_set_alias_offset(&hi, 0x3000);
    ASSERT_VIEW(&f->as, { 0x8000, 0x1000, &ram, 0 }, { 0x9000, 0x1000, &ram, 0x3000 });
    memory_region_finalize(&lo);
    memory_region_finalize(&hi);
    memory_region_finalize(&ram);
}

static void test_flat_enable_disable(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, io;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&io, NULL, &nop_ops, NULL, "io", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion_overlap(&f->root, 0x1000, &io, 1);
    memory_region_set_enabled(&io, false);
    ASSERT_VIEW(&f->as, { 0x0, 0x10000, &ram, 0 });
    memory_region_set_enabled(&io, true);
    ASSERT_VIEW(&f->as,
                { 0x0, 0x1000, &ram, 0 },
                { 0x1000, 0x1000, &io, 0 },
                { 0x2000, 0xe000, &ram, 0x2000 });
    memory_region_finalize(&io);
    memory_region_finalize(&ram);
}

static void test_flat_disabled_container_hides_children(Fixture *f, gconstpointer data)
{
    MemoryRegion box, ram;
    memory_region_init(&box, NULL, "box", 0x10000);
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&box, 0, &ram);
    memory_region_add_subregion(&f->root, 0, &box);
    memory_region_set_enabled(&box, false);
    g_assert_cmpuint(f->as.view->nr, ==, 0);
    memory_region_finalize(&ram);
    memory_region_finalize(&box);
}

static void test_flat_set_address_moves(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, io;
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&io, NULL, &nop_ops, NULL, "io", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion_overlap(&f->root, 0x1000, &io, 1);
    memory_region_set_address(&io, 0x8000);
    g_assert_cmpuint(io.addr, ==, 0x8000);
    g_assert_cmpint(io.priority, ==, 1);
    ASSERT_VIEW(&f->as,
                { 0x0, 0x8000, &ram, 0 },
                { 0x8000, 0x1000, &io, 0 },
                { 0x9000, 0x7000, &ram, 0x9000 });
    memory_region_finalize(&io);
    memory_region_finalize(&ram);
}

static void test_flat_del_subregion(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&f->root, 0x3000, &ram);
    memory_region_del_subregion(&f->root, &ram);
    g_assert_null(ram.container);
    g_assert_cmpuint(f->as.view->nr, ==, 0);
    /* It can be placed again. */
    memory_region_add_subregion(&f->root, 0x5000, &ram);
    ASSERT_VIEW(&f->as, { 0x5000, 0x1000, &ram, 0 });
    memory_region_finalize(&ram);
}

static void test_flat_rom_is_readonly(Fixture *f, gconstpointer data)
{
    MemoryRegion rom;
    GError *err = NULL;
    g_assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memory_region_add_subregion(&f->root, 0xf0000, &rom);
    const FlatRange *r = flatview_lookup(f->as.view, 0xf0000);
    g_assert_nonnull(r);
    g_assert_true(r->readonly);
    memory_region_finalize(&rom);
}

/* --- Transactions and listeners --- */

typedef struct Recorder {
    MemoryListener l;
    GString *log;
} Recorder;

static void rec_begin(MemoryListener *l)
{
    g_string_append(((Recorder *)l)->log, "begin;");
}

static void rec_commit(MemoryListener *l)
{
    g_string_append(((Recorder *)l)->log, "commit;");
}

static void rec_section(MemoryListener *l, MemoryRegionSection *s, const char *what)
{
    g_string_append_printf(((Recorder *)l)->log, "%s %s 0x%" G_GINT64_MODIFIER
                           "x+0x%" G_GINT64_MODIFIER "x@0x%" G_GINT64_MODIFIER
                           "x%s;", what, s->mr->name,
                           s->offset_within_address_space, s->size,
                           s->offset_within_region, s->readonly ? " ro" : "");
}

static void rec_add(MemoryListener *l, MemoryRegionSection *s) { rec_section(l, s, "add"); }
static void rec_del(MemoryListener *l, MemoryRegionSection *s) { rec_section(l, s, "del"); }

static void recorder_init(Recorder *r, GString *log, int priority)
{
    *r = (Recorder){
        .l = { .begin = rec_begin, .region_add = rec_add, .region_del = rec_del,
               .commit = rec_commit, .priority = priority },
        .log = log,
    };
}

#define ASSERT_LOG(log, expected) do {                  \
        g_assert_cmpstr((log)->str, ==, (expected));    \
        g_string_truncate((log), 0);                    \
    } while (0)

static void test_listener_gets_current_contents(Fixture *f, gconstpointer data)
{
    MemoryRegion a, b;
    g_autoptr(GString) log = g_string_new("");
    Recorder rec;
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&f->root, 0x9000, &b);
    memory_region_add_subregion(&f->root, 0x1000, &a);
    recorder_init(&rec, log, 0);
    memory_listener_register(&rec.l, &f->as);
    g_assert_true(rec.l.as == &f->as);
    ASSERT_LOG(log, "begin;add a 0x1000+0x1000@0x0;add b 0x9000+0x1000@0x0;commit;");
    memory_listener_unregister(&rec.l);
    g_assert_null(rec.l.as);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    g_assert_cmpstr(log->str, ==, "");
}

static void test_listener_add_and_del(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, rom;
    g_autoptr(GString) log = g_string_new("");
    Recorder rec;
    GError *err = NULL;
    recorder_init(&rec, log, 0);
    memory_listener_register(&rec.l, &f->as);
    ASSERT_LOG(log, "begin;commit;");

    init_ram(&ram, "ram", 0x4000);
    memory_region_add_subregion(&f->root, 0x10000, &ram);
    ASSERT_LOG(log, "begin;add ram 0x10000+0x4000@0x0;commit;");
    g_assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    memory_region_add_subregion(&f->root, 0x20000, &rom);
    /* What did not change is not reported again. */
    ASSERT_LOG(log, "begin;add rom 0x20000+0x1000@0x0 ro;commit;");
    memory_region_del_subregion(&f->root, &ram);
    ASSERT_LOG(log, "begin;del ram 0x10000+0x4000@0x0;commit;");
    memory_listener_unregister(&rec.l);
    memory_region_finalize(&ram);
    memory_region_finalize(&rom);
}

static void test_listener_sees_split_and_move(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, io;
    g_autoptr(GString) log = g_string_new("");
    Recorder rec;
    init_ram(&ram, "ram", 0x4000);
    memory_region_init_io(&io, NULL, &nop_ops, NULL, "io", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    recorder_init(&rec, log, 0);
    memory_listener_register(&rec.l, &f->as);
    g_string_truncate(log, 0);

    memory_region_add_subregion_overlap(&f->root, 0x1000, &io, 1);
    ASSERT_LOG(log, "begin;del ram 0x0+0x4000@0x0;"
                    "add ram 0x0+0x1000@0x0;add io 0x1000+0x1000@0x0;"
                    "add ram 0x2000+0x2000@0x2000;commit;");
    memory_region_set_address(&io, 0x3000);
    /* Disappeared first, in address order, then what appeared. */
    ASSERT_LOG(log, "begin;del ram 0x0+0x1000@0x0;del io 0x1000+0x1000@0x0;"
                    "del ram 0x2000+0x2000@0x2000;"
                    "add ram 0x0+0x3000@0x0;add io 0x3000+0x1000@0x0;commit;");
    memory_listener_unregister(&rec.l);
    memory_region_finalize(&io);
    memory_region_finalize(&ram);
}

static void test_transaction_batches_changes(Fixture *f, gconstpointer data)
{
    MemoryRegion a, b;
    g_autoptr(GString) log = g_string_new("");
    Recorder rec;
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    recorder_init(&rec, log, 0);
    memory_listener_register(&rec.l, &f->as);
    g_string_truncate(log, 0);

    memory_region_transaction_begin();
    memory_region_add_subregion(&f->root, 0x1000, &a);
    memory_region_transaction_begin();          /* nested */
    memory_region_add_subregion(&f->root, 0x2000, &b);
    memory_region_set_address(&a, 0x5000);
    memory_region_transaction_commit();
    /* Nothing until the outermost commit; the view is unchanged meanwhile. */
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpuint(f->as.view->nr, ==, 0);
    memory_region_transaction_commit();
    ASSERT_LOG(log, "begin;add b 0x2000+0x1000@0x0;add a 0x5000+0x1000@0x0;commit;");
    ASSERT_VIEW(&f->as, { 0x2000, 0x1000, &b, 0 }, { 0x5000, 0x1000, &a, 0 });

    /* A transaction that changes nothing visible reports nothing. */
    memory_region_transaction_begin();
    memory_region_set_enabled(&a, false);
    memory_region_set_enabled(&a, true);
    memory_region_transaction_commit();
    ASSERT_LOG(log, "begin;commit;");
    memory_listener_unregister(&rec.l);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

static void test_listener_priority_order(Fixture *f, gconstpointer data)
{
    MemoryRegion a, b;
    g_autoptr(GString) log = g_string_new("");
    Recorder first, second;
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&f->root, 0x1000, &a);
    /* Registered out of order: priority decides. */
    recorder_init(&second, log, 20);
    recorder_init(&first, log, 10);
    memory_listener_register(&second.l, &f->as);
    memory_listener_register(&first.l, &f->as);
    g_string_truncate(log, 0);
    /* Tag each listener's output to see the interleaving. */
    g_autoptr(GString) log2 = g_string_new("");
    second.log = log2;

    memory_region_transaction_begin();
    memory_region_del_subregion(&f->root, &a);
    memory_region_add_subregion(&f->root, 0x2000, &b);
    memory_region_transaction_commit();
    /* Each listener sees the whole change. */
    g_assert_cmpstr(log->str, ==, "begin;del a 0x1000+0x1000@0x0;add b 0x2000+0x1000@0x0;commit;");
    g_assert_cmpstr(log2->str, ==, log->str);
    memory_listener_unregister(&first.l);
    memory_listener_unregister(&second.l);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

/* One shared log for two listeners, each entry tagged with the listener. */
typedef struct Tagged {
    MemoryListener l;
    const char *tag;
} Tagged;
static GString *tagged_log;

static void tag_add(MemoryListener *l, MemoryRegionSection *s)
{
    g_string_append_printf(tagged_log, "%s+%s;", ((Tagged *)l)->tag, s->mr->name);
}

static void tag_del(MemoryListener *l, MemoryRegionSection *s)
{
    g_string_append_printf(tagged_log, "%s-%s;", ((Tagged *)l)->tag, s->mr->name);
}

static void test_listener_priority_adds_forward_dels_reverse(Fixture *f,
                                                              gconstpointer data)
{
    MemoryRegion a, b;
    Tagged hi = { .l = { .region_add = tag_add, .region_del = tag_del, .priority = 20 },
                  .tag = "L20" };
    Tagged lo = { .l = { .region_add = tag_add, .region_del = tag_del, .priority = 10 },
                  .tag = "L10" };
    tagged_log = g_string_new("");
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&f->root, 0x1000, &a);
    memory_listener_register(&hi.l, &f->as);
    memory_listener_register(&lo.l, &f->as);
    g_string_truncate(tagged_log, 0);

    memory_region_transaction_begin();
    memory_region_del_subregion(&f->root, &a);
    memory_region_add_subregion(&f->root, 0x2000, &b);
    memory_region_transaction_commit();
    /* As documented on MemoryListener.priority: lower first for adds,
     * reverse for deletes. */
    g_assert_cmpstr(tagged_log->str, ==, "L20-a;L10-a;L10+b;L20+b;");
    memory_listener_unregister(&hi.l);
    memory_listener_unregister(&lo.l);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    g_string_free(tagged_log, true);
}

/* --- Accesses: RAM and ROM --- */

static void test_access_ram_read_write(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    uint8_t buf[16], out[16];
    init_ram(&ram, "ram", 0x2000);
    memory_region_add_subregion(&f->root, 0x10000, &ram);
    for (int i = 0; i < 16; i++) {
        buf[i] = 0xa0 + i;
    }
    g_assert_cmpint(address_space_write(&f->as, 0x10ff8, buf, 16), ==, MEMTX_OK);
    g_assert_cmpmem(memory_region_get_ram_ptr(&ram) + 0xff8, 16, buf, 16);
    g_assert_cmpint(address_space_read(&f->as, 0x10ff8, out, 16), ==, MEMTX_OK);
    g_assert_cmpmem(out, 16, buf, 16);
    memory_region_finalize(&ram);
}

static void test_access_ram_is_zeroed(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    uint64_t v = 1;
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    g_assert_cmpint(address_space_read_val(&f->as, 0x800, 8, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0);
    memory_region_finalize(&ram);
}

static void test_access_val_little_endian(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    uint64_t v;
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    g_assert_cmpint(address_space_write_val(&f->as, 0x10, 8, 0x0807060504030201ULL),
                    ==, MEMTX_OK);
    uint8_t *p = memory_region_get_ram_ptr(&ram);
    g_assert_cmphex(p[0x10], ==, 0x01);
    g_assert_cmphex(p[0x17], ==, 0x08);
    address_space_read_val(&f->as, 0x12, 2, &v);
    g_assert_cmphex(v, ==, 0x0403);
    address_space_read_val(&f->as, 0x14, 4, &v);
    g_assert_cmphex(v, ==, 0x08070605);
    address_space_read_val(&f->as, 0x17, 1, &v);
    g_assert_cmphex(v, ==, 0x08);
    memory_region_finalize(&ram);
}

static void test_access_through_alias(Fixture *f, gconstpointer data)
{
    MemoryRegion ram, alias;
    uint64_t v;
    init_ram(&ram, "ram", 0x10000);
    fill_ram(&ram, 0x5a);
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x8000, 0x1000);
    memory_region_add_subregion(&f->root, 0x100000, &alias);
    address_space_read_val(&f->as, 0x100004, 1, &v);
    g_assert_cmphex(v, ==, 0x5a ^ 0x04);
    address_space_write_val(&f->as, 0x100010, 1, 0xee);
    g_assert_cmphex(memory_region_get_ram_ptr(&ram)[0x8010], ==, 0xee);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
}

static void test_access_rom_ignores_writes(Fixture *f, gconstpointer data)
{
    MemoryRegion rom;
    GError *err = NULL;
    uint64_t v;
    g_assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000, &err));
    fill_ram(&rom, 0x33);
    memory_region_add_subregion(&f->root, 0xf0000, &rom);
    g_assert_cmpint(address_space_write_val(&f->as, 0xf0020, 4, 0xdeadbeef), ==,
                    MEMTX_OK);
    address_space_read_val(&f->as, 0xf0020, 1, &v);
    g_assert_cmphex(v, ==, 0x33 ^ 0x20);
    g_assert_null(address_space_map_ram(&f->as, 0xf0000, 0x10, true));
    g_assert_nonnull(address_space_map_ram(&f->as, 0xf0000, 0x10, false));
    memory_region_finalize(&rom);
}

static void test_access_unassigned_reads_ones(Fixture *f, gconstpointer data)
{
    uint8_t buf[8];
    uint8_t ones[8];
    uint64_t v;
    memset(ones, 0xff, sizeof(ones));
    g_assert_cmpint(address_space_read(&f->as, 0x5000, buf, 8), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 8, ones, 8);
    g_assert_cmpint(address_space_read_val(&f->as, 0x7000, 2, &v), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffff);
    g_assert_cmpint(address_space_write_val(&f->as, 0x7000, 4, 1), ==,
                    MEMTX_DECODE_ERROR);
}

static void test_access_ram_then_unassigned(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    uint8_t buf[8];
    init_ram(&ram, "ram", 0x1000);
    fill_ram(&ram, 0);
    memory_region_add_subregion(&f->root, 0, &ram);
    g_assert_cmpint(address_space_read(&f->as, 0xffc, buf, 8), ==, MEMTX_DECODE_ERROR);
    const uint8_t want[8] = { 0xfc, 0xfd, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
    g_assert_cmpmem(buf, 8, want, 8);
    memory_region_finalize(&ram);
}

static void test_access_map_ram(Fixture *f, gconstpointer data)
{
    MemoryRegion a, b;
    init_ram(&a, "a", 0x1000);
    init_ram(&b, "b", 0x1000);
    memory_region_add_subregion(&f->root, 0x0, &a);
    memory_region_add_subregion(&f->root, 0x1000, &b);
    uint8_t *p = address_space_map_ram(&f->as, 0x800, 0x800, true);
    g_assert_true(p == memory_region_get_ram_ptr(&a) + 0x800);
    /* Across two RAM regions, or into unassigned space: no single pointer. */
    g_assert_null(address_space_map_ram(&f->as, 0x800, 0x801, false));
    g_assert_null(address_space_map_ram(&f->as, 0x1800, 0x1000, false));
    g_assert_null(address_space_map_ram(&f->as, 0x3000, 1, false));
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

/* --- Accesses: MMIO --- */

/* A device that logs each callback and reads back bytes of a pattern:
 * byte at offset i is 0x10 + i. */
typedef struct Dev {
    MemoryRegion mr;
    GString *log;
} Dev;

static uint64_t dev_read(void *opaque, uint64_t addr, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = 0;
    g_string_append_printf(d->log, "r%u@%" G_GINT64_MODIFIER "x;", size, addr);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)(0x10 + addr + i) << (8 * i);
    }
    return v;
}

static void dev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Dev *d = opaque;
    g_string_append_printf(d->log, "w%u@%" G_GINT64_MODIFIER "x=%" G_GINT64_MODIFIER
                           "x;", size, addr, val);
}

static void dev_init(Dev *d, const MemoryRegionOps *ops, const char *name,
                     uint64_t size)
{
    d->log = g_string_new("");
    memory_region_init_io(&d->mr, NULL, ops, d, name, size);
}

static void dev_finalize(Dev *d)
{
    memory_region_finalize(&d->mr);
    g_string_free(d->log, true);
}

static const MemoryRegionOps ops_default = { .read = dev_read, .write = dev_write };
static const MemoryRegionOps ops_valid8_impl4 = {
    .read = dev_read, .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};
static const MemoryRegionOps ops_impl4_only = {
    .read = dev_read, .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};
static const MemoryRegionOps ops_valid4_only = {
    .read = dev_read, .write = dev_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};
static const MemoryRegionOps ops_unaligned = {
    .read = dev_read, .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};
static const MemoryRegionOps ops_write_only = { .write = dev_write };

static void test_mmio_access_in_one_call(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_default, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1004, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x17161514);
    g_assert_cmpint(address_space_write_val(&f->as, 0x1008, 2, 0xbeef), ==, MEMTX_OK);
    ASSERT_LOG(d.log, "r4@4;w2@8=beef;");
    dev_finalize(&d);
}

static void test_mmio_8_bytes_split_into_impl_4(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_valid8_impl4, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1008, 8, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1f1e1d1c1b1a1918ULL);
    ASSERT_LOG(d.log, "r4@8;r4@c;");
    address_space_write_val(&f->as, 0x1010, 8, 0x1122334455667788ULL);
    /* Low half first, at the lower address: little-endian. */
    ASSERT_LOG(d.log, "w4@10=55667788;w4@14=11223344;");
    dev_finalize(&d);
}

static void test_mmio_8_bytes_split_by_default_valid(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_default, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1000, 8, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1716151413121110ULL);
    ASSERT_LOG(d.log, "r4@0;r4@4;");
    dev_finalize(&d);
}

static void test_mmio_narrow_read_of_wide_register(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_impl4_only, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    /* A byte read is served by reading the containing 32-bit word. */
    g_assert_cmpint(address_space_read_val(&f->as, 0x1007, 1, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x17);
    ASSERT_LOG(d.log, "r4@4;");
    address_space_read_val(&f->as, 0x100a, 2, &v);
    g_assert_cmphex(v, ==, 0x1b1a);
    ASSERT_LOG(d.log, "r4@8;");
    /* A byte write becomes a word write with the byte in its lane. */
    address_space_write_val(&f->as, 0x1006, 1, 0xab);
    ASSERT_LOG(d.log, "w4@4=ab0000;");
    dev_finalize(&d);
}

static void test_mmio_invalid_size_refused(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_valid4_only, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1004, 1, &v), ==, MEMTX_ERROR);
    g_assert_cmphex(v, ==, 0xff);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1004, 2, &v), ==, MEMTX_ERROR);
    g_assert_cmphex(v, ==, 0xffff);
    g_assert_cmpint(address_space_write_val(&f->as, 0x1004, 2, 0x1234), ==, MEMTX_ERROR);
    /* The device never saw any of them. */
    ASSERT_LOG(d.log, "");
    g_assert_cmpint(address_space_read_val(&f->as, 0x1004, 4, &v), ==, MEMTX_OK);
    ASSERT_LOG(d.log, "r4@4;");
    dev_finalize(&d);
}

static void test_mmio_unaligned_split_when_not_allowed(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_default, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1002, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x15141312);
    ASSERT_LOG(d.log, "r2@2;r2@4;");
    address_space_read_val(&f->as, 0x1001, 4, &v);
    g_assert_cmphex(v, ==, 0x14131211);
    ASSERT_LOG(d.log, "r1@1;r2@2;r1@4;");
    dev_finalize(&d);
}

static void test_mmio_unaligned_refused_when_min_4(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_valid4_only, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1002, 4, &v), ==, MEMTX_ERROR);
    g_assert_cmphex(v, ==, 0xffffffff);
    ASSERT_LOG(d.log, "");
    dev_finalize(&d);
}

static void test_mmio_unaligned_passed_whole_when_allowed(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_unaligned, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1001, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x14131211);
    ASSERT_LOG(d.log, "r4@1;");
    dev_finalize(&d);
}

static void test_mmio_split_at_region_end(Fixture *f, gconstpointer data)
{
    Dev d, after;
    uint64_t v;
    /* A 2-byte device followed by a neighbour: a 4-byte access at the first
     * one is split at its end, each device seeing only its own part. */
    dev_init(&d, &ops_default, "dev", 2);
    dev_init(&after, &ops_default, "after", 2);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    memory_region_add_subregion(&f->root, 0x1002, &after.mr);
    g_assert_cmpint(address_space_read_val(&f->as, 0x1000, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x11101110);
    ASSERT_LOG(d.log, "r2@0;");
    ASSERT_LOG(after.log, "r2@0;");
    dev_finalize(&d);
    dev_finalize(&after);
}

static void test_mmio_without_read_callback(Fixture *f, gconstpointer data)
{
    Dev d;
    uint64_t v;
    dev_init(&d, &ops_write_only, "dev", 0x10);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    address_space_read_val(&f->as, 0x1000, 2, &v);
    g_assert_cmphex(v, ==, 0xffff);
    address_space_write_val(&f->as, 0x1000, 2, 7);
    ASSERT_LOG(d.log, "w2@0=7;");
    dev_finalize(&d);
}

static void test_access_spanning_ram_and_mmio(Fixture *f, gconstpointer data)
{
    MemoryRegion ram;
    Dev d;
    uint8_t buf[8];
    init_ram(&ram, "ram", 0x1000);
    fill_ram(&ram, 0);
    dev_init(&d, &ops_default, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);

    g_assert_cmpint(address_space_read(&f->as, 0xffc, buf, 8), ==, MEMTX_OK);
    const uint8_t want[8] = { 0xfc, 0xfd, 0xfe, 0xff, 0x10, 0x11, 0x12, 0x13 };
    g_assert_cmpmem(buf, 8, want, 8);
    ASSERT_LOG(d.log, "r4@0;");

    const uint8_t data_out[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    g_assert_cmpint(address_space_write(&f->as, 0xffe, data_out, 8), ==, MEMTX_OK);
    g_assert_cmphex(memory_region_get_ram_ptr(&ram)[0xffe], ==, 1);
    g_assert_cmphex(memory_region_get_ram_ptr(&ram)[0xfff], ==, 2);
    ASSERT_LOG(d.log, "w4@0=6050403;w2@4=807;");
    memory_region_finalize(&ram);
    dev_finalize(&d);
}

static void test_access_long_mmio_buffer(Fixture *f, gconstpointer data)
{
    Dev d;
    uint8_t buf[12];
    dev_init(&d, &ops_valid8_impl4, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x1000, &d.mr);
    /* Longer than one access: the widest aligned pieces the device takes. */
    g_assert_cmpint(address_space_read(&f->as, 0x1004, buf, 12), ==, MEMTX_OK);
    for (int i = 0; i < 12; i++) {
        g_assert_cmphex(buf[i], ==, 0x14 + i);
    }
    ASSERT_LOG(d.log, "r4@4;r4@8;r4@c;");
    dev_finalize(&d);
}

static void test_access_whole_to_starting_region(Fixture *f, gconstpointer data)
{
    /* The PC's 0xcf8 (4-byte config address) with the 1-byte reset control
     * register at 0xcf9 mapped over it at a higher priority. */
    Dev conf, rcr;
    uint64_t v;
    dev_init(&conf, &ops_valid4_only, "conf", 4);
    dev_init(&rcr, &ops_default, "rcr", 1);
    memory_region_add_subregion(&f->root, 0xcf8, &conf.mr);
    memory_region_add_subregion_overlap(&f->root, 0xcf9, &rcr.mr, 1);
    ASSERT_VIEW(&f->as,
                { 0xcf8, 1, &conf.mr, 0 },
                { 0xcf9, 1, &rcr.mr, 0 },
                { 0xcfa, 2, &conf.mr, 2 });

    g_assert_cmpint(address_space_write_val(&f->as, 0xcf8, 4, 0x80001234), ==, MEMTX_OK);
    ASSERT_LOG(conf.log, "w4@0=80001234;");
    ASSERT_LOG(rcr.log, "");
    g_assert_cmpint(address_space_read_val(&f->as, 0xcf8, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x13121110);
    ASSERT_LOG(conf.log, "r4@0;");
    ASSERT_LOG(rcr.log, "");
    /* A byte at 0xcf9 is the reset register's. */
    address_space_write_val(&f->as, 0xcf9, 1, 0x06);
    ASSERT_LOG(rcr.log, "w1@0=6;");
    ASSERT_LOG(conf.log, "");
    dev_finalize(&rcr);
    dev_finalize(&conf);
}

static void test_access_whole_region_only_within_it(Fixture *f, gconstpointer data)
{
    /* The rule is about the region where the access starts; an access that
     * runs past that region's end still splits. */
    Dev a, b;
    uint64_t v;
    dev_init(&a, &ops_default, "a", 2);
    dev_init(&b, &ops_default, "b", 0x10);
    memory_region_add_subregion(&f->root, 0x100, &a.mr);
    memory_region_add_subregion(&f->root, 0x102, &b.mr);
    address_space_read_val(&f->as, 0x100, 8, &v);
    ASSERT_LOG(a.log, "r2@0;");
    ASSERT_LOG(b.log, "r4@0;r2@4;");
    g_assert_cmphex(v, ==, 0x1514131211101110ULL);
    dev_finalize(&a);
    dev_finalize(&b);
}

#define ADD(path, fn) \
    g_test_add("/memory/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("flat/empty", test_flat_empty);
    ADD("flat/ram-placed", test_flat_ram_placed);
    ADD("flat/nested-containers", test_flat_nested_containers);
    ADD("flat/clipped-to-container", test_flat_clipped_to_container);
    ADD("flat/priority-higher-wins", test_flat_priority_higher_wins);
    ADD("flat/priority-lower-hidden", test_flat_priority_lower_hidden);
    ADD("flat/equal-priority-newest-wins", test_flat_equal_priority_newest_wins);
    ADD("flat/container-holes-show-lower", test_flat_container_holes_show_lower);
    ADD("flat/priority-is-among-siblings", test_flat_priority_is_among_siblings);
    ADD("flat/alias", test_flat_alias);
    ADD("flat/alias-offset-above-address", test_flat_alias_offset_above_address);
    ADD("flat/alias-of-container", test_flat_alias_of_container);
    ADD("flat/merges-contiguous-pieces", test_flat_merges_contiguous_pieces);
    ADD("flat/enable-disable", test_flat_enable_disable);
    ADD("flat/disabled-container-hides-children",
        test_flat_disabled_container_hides_children);
    ADD("flat/set-address-moves", test_flat_set_address_moves);
    ADD("flat/del-subregion", test_flat_del_subregion);
    ADD("flat/rom-is-readonly", test_flat_rom_is_readonly);
    ADD("listener/gets-current-contents", test_listener_gets_current_contents);
    ADD("listener/add-and-del", test_listener_add_and_del);
    ADD("listener/sees-split-and-move", test_listener_sees_split_and_move);
    ADD("listener/priority-order", test_listener_priority_order);
    ADD("listener/priority-adds-forward-dels-reverse",
        test_listener_priority_adds_forward_dels_reverse);
    ADD("transaction/batches-changes", test_transaction_batches_changes);
    ADD("access/ram-read-write", test_access_ram_read_write);
    ADD("access/ram-is-zeroed", test_access_ram_is_zeroed);
    ADD("access/val-little-endian", test_access_val_little_endian);
    ADD("access/through-alias", test_access_through_alias);
    ADD("access/rom-ignores-writes", test_access_rom_ignores_writes);
    ADD("access/unassigned-reads-ones", test_access_unassigned_reads_ones);
    ADD("access/ram-then-unassigned", test_access_ram_then_unassigned);
    ADD("access/map-ram", test_access_map_ram);
    ADD("access/spanning-ram-and-mmio", test_access_spanning_ram_and_mmio);
    ADD("access/long-mmio-buffer", test_access_long_mmio_buffer);
    ADD("access/whole-to-starting-region", test_access_whole_to_starting_region);
    ADD("access/whole-region-only-within-it", test_access_whole_region_only_within_it);
    ADD("mmio/access-in-one-call", test_mmio_access_in_one_call);
    ADD("mmio/8-bytes-split-into-impl-4", test_mmio_8_bytes_split_into_impl_4);
    ADD("mmio/8-bytes-split-by-default-valid", test_mmio_8_bytes_split_by_default_valid);
    ADD("mmio/narrow-read-of-wide-register", test_mmio_narrow_read_of_wide_register);
    ADD("mmio/invalid-size-refused", test_mmio_invalid_size_refused);
    ADD("mmio/unaligned-split-when-not-allowed",
        test_mmio_unaligned_split_when_not_allowed);
    ADD("mmio/unaligned-refused-when-min-4", test_mmio_unaligned_refused_when_min_4);
    ADD("mmio/unaligned-passed-whole-when-allowed",
        test_mmio_unaligned_passed_whole_when_allowed);
    ADD("mmio/split-at-region-end", test_mmio_split_at_region_end);
    ADD("mmio/without-read-callback", test_mmio_without_read_callback);
    return g_test_run();
}
