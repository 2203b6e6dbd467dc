/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the QMP server without a chardev: the JSON stream splitter, the
 * session protocol (greeting, negotiation, error shapes with id echo),
 * generated argument checking, and qom-get/qom-set on a small object tree.
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include "vireo/object.h"
#include <string.h>

/* --- The splitter --- */

typedef struct {
    GPtrArray *values;      /* text of each value, or "ERR: message" */
} Collected;

static void collect(void *opaque, const char *text, size_t len, GError *err)
{
    Collected *c = opaque;
    g_ptr_array_add(c->values, err ? g_strdup_printf("ERR: %s", err->message)
                                   : g_strndup(text, len));
}

static void stream_setup(JsonStream *js, Collected *c)
{
    c->values = g_ptr_array_new_with_free_func(g_free);
    json_stream_init(js, collect, c);
}

static void stream_teardown(JsonStream *js, Collected *c)
{
    json_stream_destroy(js);
    g_ptr_array_unref(c->values);
}

static const char *value_at(Collected *c, guint i)
{
    g_assert_cmpuint(i, <, c->values->len);
    return g_ptr_array_index(c->values, i);
}

static void feed_str(JsonStream *js, const char *s)
{
    json_stream_feed(js, s, strlen(s));
}

static void test_stream_chunked(void)
{
    const char *in = "{\"execute\": \"query-status\", \"id\": [1, {\"a\": 2}]}";
    JsonStream js;
    Collected c;

    stream_setup(&js, &c);
    for (const char *p = in; *p; p++) {
        json_stream_feed(&js, p, 1);
        g_assert_cmpuint(c.values->len, ==, p[1] ? 0 : 1);
    }
    g_assert_cmpstr(value_at(&c, 0), ==, in);
    stream_teardown(&js, &c);
}

static void test_stream_two_in_one_chunk(void)
{
    JsonStream js;
    Collected c;

    stream_setup(&js, &c);
    feed_str(&js, "{\"execute\":\"a\"}{\"execute\":\"b\"}\r\n [3]{\"x\"");
    g_assert_cmpuint(c.values->len, ==, 3);
    g_assert_cmpstr(value_at(&c, 0), ==, "{\"execute\":\"a\"}");
    g_assert_cmpstr(value_at(&c, 1), ==, "{\"execute\":\"b\"}");
    g_assert_cmpstr(value_at(&c, 2), ==, "[3]");
    feed_str(&js, ":1}");
    g_assert_cmpstr(value_at(&c, 3), ==, "{\"x\":1}");
    stream_teardown(&js, &c);
}

static void test_stream_strings(void)
{
    JsonStream js;
    Collected c;

    stream_setup(&js, &c);
    /* braces, brackets and escaped quotes inside strings don't count */
    feed_str(&js, "{\"a\": \"}{][\\\"}\\\\\"}");
    g_assert_cmpuint(c.values->len, ==, 1);
    g_assert_cmpstr(value_at(&c, 0), ==, "{\"a\": \"}{][\\\"}\\\\\"}");
    /* QEMU's single quotes become double quotes */
    feed_str(&js, "{'execute': 'it\\'s \"q\"'}");
    g_assert_cmpstr(value_at(&c, 1), ==, "{\"execute\": \"it's \\\"q\\\"\"}");
    /* a top-level string is a value of its own */
    feed_str(&js, "\"{\"");
    g_assert_cmpstr(value_at(&c, 2), ==, "\"{\"");
    /* integers beyond int64 become numbers (json-glib would wrap them) */
    feed_str(&js, "[9223372036854775807, -9223372036854775808, 9223372036854775808,"
                  " -99999999999999999999, 1e99999999999999999999, \"99999999999999999999\"]");
    g_assert_cmpstr(value_at(&c, 3), ==,
                    "[9223372036854775807, -9223372036854775808, 9223372036854775808.0,"
                    " -99999999999999999999.0, 1e99999999999999999999, \"99999999999999999999\"]");
    stream_teardown(&js, &c);
}

static void test_stream_oversized(void)
{
    JsonStream js;
    Collected c;

    stream_setup(&js, &c);
    js.max_size = 64;
    feed_str(&js, "{\"execute\": \"");
    for (int i = 0; i < 100; i++) {
        feed_str(&js, "xxxxxxxx}{");       /* braces inside the string */
    }
    feed_str(&js, "\"}");
    g_assert_cmpuint(c.values->len, ==, 1);
    g_assert_cmpstr(value_at(&c, 0), ==, "ERR: JSON token size limit exceeded");
    feed_str(&js, "{\"ok\": 1}");
    g_assert_cmpuint(c.values->len, ==, 2);
    g_assert_cmpstr(value_at(&c, 1), ==, "{\"ok\": 1}");
    stream_teardown(&js, &c);
}

static void test_stream_deep_nesting(void)
{
    JsonStream js;
    Collected c;
    g_autoptr(GString) deep = g_string_new(NULL);

    stream_setup(&js, &c);
    for (int i = 0; i < 1000; i++) {
        g_string_append(deep, "{\"a\":[");
    }
    for (int i = 0; i < 1000; i++) {
        g_string_append(deep, "]}");
    }
    feed_str(&js, deep->str);
    g_assert_cmpuint(c.values->len, ==, 1);
    g_assert_cmpstr(value_at(&c, 0), ==, "ERR: JSON nesting depth limit exceeded");
    feed_str(&js, "[[[]]]");
    g_assert_cmpstr(value_at(&c, 1), ==, "[[[]]]");
    stream_teardown(&js, &c);
}

static void test_stream_garbage(void)
{
    JsonStream js;
    Collected c;

    stream_setup(&js, &c);
    feed_str(&js, "garbage}} {\"a\": 1} 42 true");
    g_assert_cmpuint(c.values->len, ==, 3);
    g_assert_cmpstr(value_at(&c, 0), ==, "garbage}}");
    g_assert_cmpstr(value_at(&c, 1), ==, "{\"a\": 1}");
    g_assert_cmpstr(value_at(&c, 2), ==, "42");
    feed_str(&js, "\n");                    /* a delimiter ends "true" */
    g_assert_cmpstr(value_at(&c, 3), ==, "true");
    /* after a reset, a half-received value is forgotten */
    feed_str(&js, "{\"half\": ");
    json_stream_reset(&js);
    feed_str(&js, "{}");
    g_assert_cmpstr(value_at(&c, 4), ==, "{}");
    stream_teardown(&js, &c);
}

/* --- Sessions --- */

static GString *output;

static void capture(void *opaque, const char *text, size_t len)
{
    g_string_append_len(output, text, len);
}

static void clear_output(void)
{
    if (!output) {
        output = g_string_new(NULL);
    }
    g_string_truncate(output, 0);
}

/* Feeds input and returns what the session wrote back (owned by output). */
static const char *talk(QmpSession *s, const char *input)
{
    clear_output();
    qmp_session_feed(s, input, strlen(input));
    return output->str;
}

static QmpSession *new_session(bool negotiate)
{
    clear_output();
    QmpSession *s = qmp_session_new(false, capture, NULL);
    qmp_session_open(s);
    if (negotiate) {
        g_assert_cmpstr(talk(s, "{\"execute\": \"qmp_capabilities\"}"), ==,
                        "{\"return\": {}}\r\n");
    }
    return s;
}

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, " \
                 "\"major\": 0}, \"package\": \"vireo-0.1.0\"}, \"capabilities\": []}}\r\n"

static void test_session_negotiation(void)
{
    clear_output();
    QmpSession *s = qmp_session_new(false, capture, NULL);

    qmp_session_open(s);
    g_assert_cmpstr(output->str, ==, GREETING);
    g_assert_cmpstr(talk(s, "{\"execute\": \"query-version\", \"id\": \"a\"}"), ==,
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}, "
                    "\"id\": \"a\"}\r\n");
    g_assert_cmpstr(talk(s, "{\"execute\": \"no-such\"}"), ==,
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}\r\n");
    g_assert_true(qmp_session_negotiating(s));
    g_assert_cmpstr(talk(s, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                            "{\"enable\": [\"oob\"]}}"), ==,
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                    "\"Capability oob not available\"}}\r\n");
    g_assert_cmpstr(talk(s, "{\"execute\": \"qmp_capabilities\", \"id\": 1}"), ==,
                    "{\"return\": {}, \"id\": 1}\r\n");
    g_assert_false(qmp_session_negotiating(s));
    g_assert_cmpstr(talk(s, "{\"execute\": \"qmp_capabilities\"}"), ==,
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Capabilities negotiation is already complete, command ignored\"}}\r\n");
    g_assert_cmpstr(talk(s, "{\"execute\": \"query-version\"}"), ==,
                    "{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 1, \"major\": 0}, "
                    "\"package\": \"vireo-0.1.0\"}}\r\n");

    /* the client goes away; the next one starts over */
    qmp_session_close(s);
    g_assert_true(qmp_session_negotiating(s));
    clear_output();
    qmp_session_open(s);
    g_assert_cmpstr(output->str, ==, GREETING);
    qmp_session_free(s);
}

static void expect_error(QmpSession *s, const char *input, const char *klass,
                         const char *desc, const char *id_json)
{
    g_autofree char *want = g_strdup_printf(
        "{\"error\": {\"class\": \"%s\", \"desc\": \"%s\"}%s%s}\r\n", klass, desc,
        id_json ? ", \"id\": " : "", id_json ? id_json : "");
    g_assert_cmpstr(talk(s, input), ==, want);
}

static void test_session_request_errors(void)
{
    QmpSession *s = new_session(true);
    const char *reply;

    reply = talk(s, "{\"execute\": }");
    g_assert_true(g_str_has_prefix(reply, "{\"error\": {\"class\": \"GenericError\", "
                                          "\"desc\": \"JSON parse error, "));
    g_assert_true(g_str_has_suffix(reply, "\"}}\r\n"));
    expect_error(s, "[1, 2]", "GenericError", "QMP input must be a JSON object", NULL);
    expect_error(s, "42 ", "GenericError", "QMP input must be a JSON object", NULL);
    expect_error(s, "{\"id\": {\"x\": [1]}}", "GenericError",
                 "QMP input lacks member 'execute'", "{\"x\": [1]}");
    expect_error(s, "{\"execute\": 3, \"id\": null}", "GenericError",
                 "QMP input member 'execute' must be a string", "null");
    expect_error(s, "{\"execute\": \"quit\", \"arguments\": [], \"id\": 2}",
                 "GenericError", "QMP input member 'arguments' must be an object", "2");
    expect_error(s, "{\"execute\": \"quit\", \"exec-oob\": \"quit\"}", "GenericError",
                 "QMP input member 'exec-oob' is unexpected", NULL);
    expect_error(s, "{\"execute\": \"foo\", \"id\": \"x\\u00e9\"}", "CommandNotFound",
                 "The command foo has not been found", "\"x\\u00E9\"");
    /* still serving after all that */
    g_assert_cmpstr(talk(s, "{\"execute\": \"query-target\"}"), ==,
                    "{\"return\": {\"arch\": \"x86_64\"}}\r\n");
    qmp_session_free(s);
}

static void test_session_limits(void)
{
    QmpSession *s = new_session(true);
    g_autoptr(GString) big = g_string_new("{\"execute\": \"query-target\", \"id\": \"");

    while (big->len <= JSON_STREAM_MAX_SIZE) {
        g_string_append(big, "0123456789abcdef");
    }
    g_string_append(big, "\"}");
    expect_error(s, big->str, "GenericError", "JSON token size limit exceeded", NULL);
    g_assert_cmpstr(talk(s, "{\"execute\": \"query-target\", \"id\": 5}"), ==,
                    "{\"return\": {\"arch\": \"x86_64\"}, \"id\": 5}\r\n");
    qmp_session_free(s);
}

static void test_args_checking(void)
{
    QmpSession *s = new_session(true);

    expect_error(s, "{\"execute\": \"query-target\", \"arguments\": {\"foo\": 1}}",
                 "GenericError", "Parameter 'foo' is unexpected", NULL);
    expect_error(s, "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/\"}, \"id\": 3}",
                 "GenericError", "Parameter 'property' is missing", "3");
    expect_error(s, "{\"execute\": \"qom-get\", \"arguments\": {\"path\": 1, "
                    "\"property\": \"type\"}}",
                 "GenericError", "Invalid parameter type for 'path', expected: string",
                 NULL);
    expect_error(s, "{\"execute\": \"qom-list-types\", \"arguments\": "
                    "{\"abstract\": \"yes\"}}",
                 "GenericError", "Invalid parameter type for 'abstract', expected: boolean",
                 NULL);
    expect_error(s, "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/\", "
                    "\"property\": \"type\", \"bar\": null}}",
                 "GenericError", "Parameter 'bar' is unexpected", NULL);
    qmp_session_free(s);

    /* enums and lists, on the one command that takes them */
    s = new_session(false);
    expect_error(s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": \"oob\"}}",
                 "GenericError", "Invalid parameter type for 'enable', expected: array", NULL);
    expect_error(s, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"x\"]}}",
                 "GenericError", "Parameter 'enable[0]' does not accept value 'x'", NULL);
    qmp_session_free(s);
}

static void test_args_checker_ranges(void)
{
    static const QapiType u8 = {
        .name = "uint8", .kind = QAPI_KIND_UINT, .range_name = "uint8_t", .umax = 255,
    };
    g_autoptr(JsonNode) big = json_node_init_int(json_node_alloc(), 256);
    g_autoptr(JsonNode) ok = json_node_init_int(json_node_alloc(), 255);
    g_autoptr(JsonNode) dbl = json_node_init_double(json_node_alloc(), 1.0);
    g_autoptr(GError) err = NULL;

    g_assert_true(qapi_check_value(ok, &u8, "n", NULL));
    g_assert_false(qapi_check_value(big, &u8, "n", &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'n' expects uint8_t");
    g_clear_error(&err);
    g_assert_false(qapi_check_value(dbl, &u8, "n", &err));
    g_assert_cmpstr(err->message, ==, "Invalid parameter type for 'n', expected: integer");
}

/* Every query without arguments answers, and its reply fits the schema
 * (the dispatcher warns otherwise, which fails the test). */
static void test_queries(void)
{
    QmpSession *s = new_session(true);

    for (const QmpCommand *cmd = qmp_commands; cmd->name; cmd++) {
        if (!g_str_has_prefix(cmd->name, "query-") ||
            cmd->args->members[0].name) {
            continue;
        }
        g_autofree char *req = g_strdup_printf("{\"execute\": \"%s\"}", cmd->name);
        g_assert_true(g_str_has_prefix(talk(s, req), "{\"return\": "));
    }
    g_assert_nonnull(strstr(talk(s, "{\"execute\": \"query-commands\"}"),
                            "{\"name\": \"qom-get\"}"));
    g_assert_nonnull(strstr(talk(s, "{\"execute\": \"query-qmp-schema\"}"),
                            "{\"name\": \"query-status\", \"meta-type\": \"command\", "
                            "\"arg-type\": \"q_empty\", \"ret-type\": \"StatusInfo\"}"));
    qmp_session_free(s);
}

static void test_pretty(void)
{
    clear_output();
    QmpSession *s = qmp_session_new(true, capture, NULL);

    qmp_session_open(s);
    g_assert_cmpstr(talk(s, "{\"execute\": \"qmp_capabilities\", \"id\": [1]}"), ==,
                    "{\r\n    \"return\": {\r\n    },\r\n    \"id\": [\r\n        1\r\n"
                    "    ]\r\n}\r\n");
    qmp_session_free(s);
}

static void test_events(void)
{
    QmpSession *negotiated = new_session(true);
    QmpSession *waiting = new_session(false);
    JsonObject *data = json_object_new();

    clear_output();
    json_object_set_boolean_member(data, "guest", false);
    json_object_set_string_member(data, "reason", "host-qmp-quit");
    qmp_event_emit("SHUTDOWN", data);
    /* only the negotiated session got it */
    g_assert_true(g_str_has_prefix(output->str, "{\"timestamp\": {\"seconds\": "));
    g_assert_true(g_str_has_suffix(output->str,
                  "}, \"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
                  "\"reason\": \"host-qmp-quit\"}}\r\n"));
    g_assert_true(strchr(output->str, '\n') == output->str + output->len - 1);

    clear_output();
    qmp_event_stop();
    g_assert_true(g_str_has_suffix(output->str, "}, \"event\": \"STOP\"}\r\n"));
    qmp_session_free(negotiated);
    qmp_session_free(waiting);
}

/* --- QOM over QMP, on a small tree of our own --- */

static char *leaf_label;
static bool leaf_flag = true;

/* /qmp-test/leaf with a writable "label" and a read-only "flag". */
static void build_tree(void)
{
    static bool built;
    g_autoptr(GError) err = NULL;

    if (built) {
        return;
    }
    built = true;
    Object *top = object_new(TYPE_CONTAINER, &err);
    g_assert_no_error(err);
    g_assert_true(object_property_add_child(object_get_root(), "qmp-test", top, &err));
    Object *leaf = object_new(TYPE_CONTAINER, &err);
    g_assert_true(object_property_add_child(top, "leaf", leaf, &err));
    leaf_label = g_strdup("hello");
    object_property_add_str_ptr(leaf, "label", &leaf_label, true);
    object_property_add_bool_ptr(leaf, "flag", &leaf_flag, false);
    object_unref(leaf);
    object_unref(top);
}

static void test_qom(void)
{
    QmpSession *s = new_session(true);

    build_tree();
    g_assert_cmpstr(talk(s, "{\"execute\": \"qom-get\", \"arguments\": "
                            "{\"path\": \"/qmp-test/leaf\", \"property\": \"label\"}}"), ==,
                    "{\"return\": \"hello\"}\r\n");
    g_assert_cmpstr(talk(s, "{\"execute\": \"qom-set\", \"arguments\": "
                            "{\"path\": \"/qmp-test/leaf\", \"property\": \"label\", "
                            "\"value\": \"bye\"}, \"id\": 9}"), ==,
                    "{\"return\": {}, \"id\": 9}\r\n");
    g_assert_cmpstr(leaf_label, ==, "bye");
    g_assert_cmpstr(talk(s, "{\"execute\": \"qom-get\", \"arguments\": "
                            "{\"path\": \"/qmp-test/leaf\", \"property\": \"flag\"}}"), ==,
                    "{\"return\": true}\r\n");
    g_assert_nonnull(strstr(talk(s, "{\"execute\": \"qom-list\", \"arguments\": "
                                    "{\"path\": \"/qmp-test\"}}"),
                            "{\"name\": \"leaf\", \"type\": \"child<container>\"}"));
    expect_error(s, "{\"execute\": \"qom-get\", \"arguments\": "
                    "{\"path\": \"/qmp-test/nope\", \"property\": \"label\"}, \"id\": 1}",
                 "DeviceNotFound", "Device '/qmp-test/nope' not found", "1");
    expect_error(s, "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/nope\"}}",
                 "DeviceNotFound", "Device '/nope' not found", NULL);
    expect_error(s, "{\"execute\": \"qom-get\", \"arguments\": "
                    "{\"path\": \"/qmp-test/leaf\", \"property\": \"x\"}}",
                 "GenericError", "Property 'container.x' not found", NULL);
    expect_error(s, "{\"execute\": \"qom-list-properties\", \"arguments\": "
                    "{\"typename\": \"no-such-type\"}}",
                 "DeviceNotFound", "Class 'no-such-type' not found", NULL);
    g_assert_nonnull(strstr(talk(s, "{\"execute\": \"qom-list-types\", \"arguments\": "
                                    "{\"implements\": \"container\"}}"),
                            "{\"name\": \"container\", \"parent\": \"object\"}"));
    g_assert_cmpstr(talk(s, "{\"execute\": \"qom-list-types\", \"arguments\": "
                            "{\"implements\": \"no-such-type\"}}"), ==,
                    "{\"return\": []}\r\n");
    qmp_session_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/stream/chunked", test_stream_chunked);
    g_test_add_func("/qmp/stream/two-in-one-chunk", test_stream_two_in_one_chunk);
    g_test_add_func("/qmp/stream/strings", test_stream_strings);
    g_test_add_func("/qmp/stream/oversized", test_stream_oversized);
    g_test_add_func("/qmp/stream/deep-nesting", test_stream_deep_nesting);
    g_test_add_func("/qmp/stream/garbage", test_stream_garbage);
    g_test_add_func("/qmp/session/negotiation", test_session_negotiation);
    g_test_add_func("/qmp/session/request-errors", test_session_request_errors);
    g_test_add_func("/qmp/session/limits", test_session_limits);
    g_test_add_func("/qmp/session/pretty", test_pretty);
    g_test_add_func("/qmp/session/events", test_events);
    g_test_add_func("/qmp/args/checking", test_args_checking);
    g_test_add_func("/qmp/args/ranges", test_args_checker_ranges);
    g_test_add_func("/qmp/commands/queries", test_queries);
    g_test_add_func("/qmp/commands/qom", test_qom);
    return g_test_run();
}
