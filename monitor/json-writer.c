/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes JSON the way QEMU's monitor lays it out, so that replies match
 * byte for byte: ", " and ": " separators on one line, or (pretty) one
 * member per line with four-space indents; output is ASCII, anything else
 * escaped as \uXXXX (RFC 8259 section 7).
 */
#include "monitor/monitor-internal.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

static void write_node(GString *out, JsonNode *n, bool pretty, int indent);

static void write_string(GString *out, const char *s)
{
    static const char short_escapes[] = {
        ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
        ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
    };

    g_string_append_c(out, '"');
    while (*s) {
        gunichar c = g_utf8_get_char_validated(s, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            c = 0xfffd;             /* not UTF-8: one replacement per byte */
            s++;
        } else {
            s = g_utf8_next_char(s);
        }
        if (c < sizeof(short_escapes) && short_escapes[c]) {
            g_string_append_c(out, '\\');
            g_string_append_c(out, short_escapes[c]);
        } else if (c >= 0x20 && c < 0x7f) {
            g_string_append_c(out, c);
        } else if (c < 0x10000) {
            g_string_append_printf(out, "\\u%04X", c);
        } else {
            c -= 0x10000;       /* a UTF-16 surrogate pair */
            g_string_append_printf(out, "\\u%04X\\u%04X", 0xd800 | (c >> 10),
                                   0xdc00 | (c & 0x3ff));
        }
    }
    g_string_append_c(out, '"');
}

/* The shortest form that reads back as the same double. */
static void write_double(GString *out, double d)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(d)) {
        g_string_append(out, "null");   /* JSON has no inf or nan */
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        char fmt[8];
        g_snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
        g_ascii_formatd(buf, sizeof(buf), fmt, d);
        if (g_ascii_strtod(buf, NULL) == d) {
            break;
        }
    }
    g_string_append(out, buf);
    if (!strpbrk(buf, ".e")) {
        g_string_append(out, ".0");     /* stays a number with a fraction */
    }
}

static void write_value(GString *out, JsonNode *n)
{
    switch (json_node_get_value_type(n)) {
    case G_TYPE_INT64:
        g_string_append_printf(out, "%" PRId64, json_node_get_int(n));
        break;
    case G_TYPE_DOUBLE:
        write_double(out, json_node_get_double(n));
        break;
    case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(n) ? "true" : "false");
        break;
    case G_TYPE_STRING:
        write_string(out, json_node_get_string(n));
        break;
    default:
        g_string_append(out, "null");
    }
}

static void newline(GString *out, bool pretty, int indent)
{
    if (pretty) {
        g_string_append_c(out, '\n');
        for (int i = 0; i < indent; i++) {
            g_string_append(out, "    ");
        }
    }
}

static void write_object(GString *out, JsonObject *o, bool pretty, int indent)
{
    g_autoptr(GList) names = json_object_get_members(o);
    const char *sep = "";

    g_string_append_c(out, '{');
    for (GList *l = names; l; l = l->next) {
        g_string_append(out, sep);
        newline(out, pretty, indent + 1);
        write_string(out, l->data);
        g_string_append(out, ": ");
        write_node(out, json_object_get_member(o, l->data), pretty, indent + 1);
        sep = pretty ? "," : ", ";
    }
    newline(out, pretty, indent);
    g_string_append_c(out, '}');
}

static void write_array(GString *out, JsonArray *a, bool pretty, int indent)
{
    const char *sep = "";

    g_string_append_c(out, '[');
    for (guint i = 0; i < json_array_get_length(a); i++) {
        g_string_append(out, sep);
        newline(out, pretty, indent + 1);
        write_node(out, json_array_get_element(a, i), pretty, indent + 1);
        sep = pretty ? "," : ", ";
    }
    newline(out, pretty, indent);
    g_string_append_c(out, ']');
}

static void write_node(GString *out, JsonNode *n, bool pretty, int indent)
{
    switch (JSON_NODE_TYPE(n)) {
    case JSON_NODE_OBJECT:
        write_object(out, json_node_get_object(n), pretty, indent);
        break;
    case JSON_NODE_ARRAY:
        write_array(out, json_node_get_array(n), pretty, indent);
        break;
    case JSON_NODE_VALUE:
        write_value(out, n);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

void json_write(GString *out, JsonNode *node, bool pretty)
{
    write_node(out, node, pretty, 0);
}
