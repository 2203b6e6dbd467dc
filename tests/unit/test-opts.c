/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option strings as QEMU's command line writes them: "value,key=value",
 * ",," for a literal comma, an implied first key, flags, booleans, sizes,
 * and finding the options nobody asked for.
 */
#include <glib.h>

#include "vireo/object.h"
#include "vireo/opts.h"

static Opts *parse_ok(const char *str, const char *implied_key)
{
    GError *err = NULL;
    Opts *o = opts_parse(str, implied_key, &err);
    g_assert_no_error(err);
    g_assert_nonnull(o);
    return o;
}

static void test_key_value_pairs(void)
{
    g_autoptr(Opts) o = parse_ok("id=n0,mac=52:54:00:12:34:56", NULL);
    g_assert_cmpuint(o->list->len, ==, 2);
    g_assert_cmpstr(opts_get(o, "id"), ==, "n0");
    g_assert_cmpstr(opts_get(o, "mac"), ==, "52:54:00:12:34:56");
    g_assert_null(opts_get(o, "missing"));
}

static void test_implied_key(void)
{
    g_autoptr(Opts) o = parse_ok("virtio-blk-pci,drive=d0", "driver");
    g_assert_cmpstr(opts_get(o, "driver"), ==, "virtio-blk-pci");
    g_assert_cmpstr(opts_get(o, "drive"), ==, "d0");
}

static void test_implied_key_only_first(void)
{
    /* Only a leading bare word takes the implied key; a later one is a flag. */
    g_autoptr(Opts) o = parse_ok("socket,server,id=c0", "backend");
    g_assert_cmpstr(opts_get(o, "backend"), ==, "socket");
    g_assert_cmpstr(opts_get(o, "server"), ==, "on");
}

static void test_implied_key_given_explicitly(void)
{
    g_autoptr(Opts) o = parse_ok("driver=e1000,id=n1", "driver");
    g_assert_cmpstr(opts_get(o, "driver"), ==, "e1000");
    g_assert_cmpuint(o->list->len, ==, 2);
}

static void test_bare_word_is_flag_without_implied_key(void)
{
    g_autoptr(Opts) o = parse_ok("wait,nodelay", NULL);
    g_assert_cmpstr(opts_get(o, "wait"), ==, "on");
    g_assert_cmpstr(opts_get(o, "nodelay"), ==, "on");
}

static void test_double_comma_escapes(void)
{
    g_autoptr(Opts) o = parse_ok("file=/tmp/a,,b.img,,,format=raw", NULL);
    g_assert_cmpstr(opts_get(o, "file"), ==, "/tmp/a,b.img,");
    g_assert_cmpstr(opts_get(o, "format"), ==, "raw");
    g_assert_cmpuint(o->list->len, ==, 2);
}

static void test_double_comma_in_implied_value(void)
{
    g_autoptr(Opts) o = parse_ok("a,,b,x=1", "path");
    g_assert_cmpstr(opts_get(o, "path"), ==, "a,b");
    g_assert_cmpstr(opts_get(o, "x"), ==, "1");
}

static void test_value_may_contain_equals(void)
{
    g_autoptr(Opts) o = parse_ok("append=console=ttyS0 root=/dev/vda,id=x", NULL);
    g_assert_cmpstr(opts_get(o, "append"), ==, "console=ttyS0 root=/dev/vda");
    g_assert_cmpstr(opts_get(o, "id"), ==, "x");
}

static void test_empty_value(void)
{
    g_autoptr(Opts) o = parse_ok("path=,id=x", NULL);
    g_assert_cmpstr(opts_get(o, "path"), ==, "");
}

static void test_last_value_wins(void)
{
    g_autoptr(Opts) o = parse_ok("size=1,size=2", NULL);
    g_assert_cmpstr(opts_get(o, "size"), ==, "2");
    g_assert_cmpuint(o->list->len, ==, 2);
}

static void test_order_kept(void)
{
    g_autoptr(Opts) o = parse_ok("b=1,a=2,c=3", NULL);
    const char *keys[] = { "b", "a", "c" };
    for (guint i = 0; i < o->list->len; i++) {
        g_assert_cmpstr(((Opt *)o->list->pdata[i])->key, ==, keys[i]);
    }
}

static void test_empty_string(void)
{
    g_autoptr(Opts) o = parse_ok("", "driver");
    g_assert_cmpuint(o->list->len, ==, 0);
    g_assert_null(opts_get(o, "driver"));
    g_assert_null(opts_first_unused(o));
}

static void test_empty_key_refused(void)
{
    GError *err = NULL;
    g_assert_null(opts_parse("a=1,=2", NULL, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(opts_parse(",a=1", NULL, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

static void test_bools(void)
{
    g_autoptr(Opts) o = parse_ok("a=on,b=off,c=yes,d=no,e", NULL);
    GError *err = NULL;
    g_assert_true(opts_get_bool(o, "a", false, &err));
    g_assert_false(opts_get_bool(o, "b", true, &err));
    g_assert_true(opts_get_bool(o, "c", false, &err));
    g_assert_false(opts_get_bool(o, "d", true, &err));
    g_assert_true(opts_get_bool(o, "e", false, &err));
    g_assert_no_error(err);
    /* Absent: the default. */
    g_assert_true(opts_get_bool(o, "f", true, &err));
    g_assert_false(opts_get_bool(o, "f", false, &err));
    g_assert_no_error(err);
}

static void test_bool_error(void)
{
    g_autoptr(Opts) o = parse_ok("reconnect=sometimes", NULL);
    GError *err = NULL;
    g_assert_true(opts_get_bool(o, "reconnect", true, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "Parameter 'reconnect' expects 'on' or 'off'");
    g_clear_error(&err);
}

static void test_sizes(void)
{
    g_autoptr(Opts) o = parse_ok("a=64M,b=1G,c=4096,d=2k,e=0x1000", NULL);
    GError *err = NULL;
    uint64_t v;
    g_assert_true(opts_get_size(o, "a", 0, &v, &err));
    g_assert_cmpuint(v, ==, 64ULL << 20);
    g_assert_true(opts_get_size(o, "b", 0, &v, &err));
    g_assert_cmpuint(v, ==, 1ULL << 30);
    g_assert_true(opts_get_size(o, "c", 0, &v, &err));
    g_assert_cmpuint(v, ==, 4096);
    g_assert_true(opts_get_size(o, "d", 0, &v, &err));
    g_assert_cmpuint(v, ==, 2048);
    g_assert_true(opts_get_size(o, "e", 0, &v, &err));
    g_assert_cmpuint(v, ==, 4096);
    g_assert_true(opts_get_size(o, "absent", 128, &v, &err));
    g_assert_cmpuint(v, ==, 128);
    g_assert_no_error(err);
}

static void test_size_error(void)
{
    g_autoptr(Opts) o = parse_ok("size=12Q", NULL);
    GError *err = NULL;
    uint64_t v;
    g_assert_false(opts_get_size(o, "size", 7, &v, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "Parameter 'size' expects a size value");
    g_clear_error(&err);
}

static void test_unused_detection(void)
{
    g_autoptr(Opts) o = parse_ok("isa-serial,chardev=s0,bogus=1,iobase=0x3f8", "driver");
    g_assert_cmpstr(opts_first_unused(o), ==, "driver");
    opts_get(o, "driver");
    opts_get(o, "chardev");
    opts_get(o, "iobase");
    g_assert_cmpstr(opts_first_unused(o), ==, "bogus");
    opts_get(o, "bogus");
    g_assert_null(opts_first_unused(o));
}

static void test_unused_counts_every_repeat(void)
{
    g_autoptr(Opts) o = parse_ok("x=1,x=2", NULL);
    /* Asking once marks every occurrence: the last one won. */
    opts_get(o, "x");
    g_assert_null(opts_first_unused(o));
}

static void test_typed_getters_mark_used(void)
{
    g_autoptr(Opts) o = parse_ok("on=on,mem=1M", NULL);
    uint64_t v;
    opts_get_bool(o, "on", false, NULL);
    opts_get_size(o, "mem", 0, &v, NULL);
    g_assert_null(opts_first_unused(o));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/opts/key-value-pairs", test_key_value_pairs);
    g_test_add_func("/opts/implied-key", test_implied_key);
    g_test_add_func("/opts/implied-key-only-first", test_implied_key_only_first);
    g_test_add_func("/opts/implied-key-given-explicitly",
                    test_implied_key_given_explicitly);
    g_test_add_func("/opts/bare-word-is-flag-without-implied-key",
                    test_bare_word_is_flag_without_implied_key);
    g_test_add_func("/opts/double-comma-escapes", test_double_comma_escapes);
    g_test_add_func("/opts/double-comma-in-implied-value",
                    test_double_comma_in_implied_value);
    g_test_add_func("/opts/value-may-contain-equals", test_value_may_contain_equals);
    g_test_add_func("/opts/empty-value", test_empty_value);
    g_test_add_func("/opts/last-value-wins", test_last_value_wins);
    g_test_add_func("/opts/order-kept", test_order_kept);
    g_test_add_func("/opts/empty-string", test_empty_string);
    g_test_add_func("/opts/empty-key-refused", test_empty_key_refused);
    g_test_add_func("/opts/bools", test_bools);
    g_test_add_func("/opts/bool-error", test_bool_error);
    g_test_add_func("/opts/sizes", test_sizes);
    g_test_add_func("/opts/size-error", test_size_error);
    g_test_add_func("/opts/unused-detection", test_unused_detection);
    g_test_add_func("/opts/unused-counts-every-repeat", test_unused_counts_every_repeat);
    g_test_add_func("/opts/typed-getters-mark-used", test_typed_getters_mark_used);
    return g_test_run();
}
