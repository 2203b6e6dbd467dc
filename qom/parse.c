/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing property values: booleans, integers with size suffixes, and the
 * JSON-node forms QMP sends (typed values, or strings from the command line).
 */
#include "vireo/object.h"
#include <errno.h>
#include <string.h>

bool parse_bool_str(const char *str, bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true", "y", NULL };
    static const char *const no[] = { "off", "no", "false", "n", NULL };
    for (int i = 0; yes[i]; i++) {
        if (!g_ascii_strcasecmp(str, yes[i])) {
            *out = true;
            return true;
        }
        if (!g_ascii_strcasecmp(str, no[i])) {
            *out = false;
            return true;
        }
    }
    error_setg(errp, "Parameter expects 'on' or 'off', got '%s'", str);
    return false;
}

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default: return -1;
    }
}

bool parse_uint64_str(const char *str, uint64_t *out, bool size_suffixes,
                      GError **errp)
{
    char *end;
    const char *p = str;
    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '-' || !*p) {
        error_setg(errp, "'%s' is not a valid unsigned number", str);
        return false;
    }
    errno = 0;
    uint64_t v = g_ascii_strtoull(p, &end, 0);
    if (errno || end == p) {
        error_setg(errp, "'%s' is not a valid %s", str,
                   size_suffixes ? "size" : "number");
        return false;
    }
    if (size_suffixes && *end == '.') {
        /* "1.5G": QEMU accepts fractions with a suffix. */
        double d = g_ascii_strtod(p, &end);
        int shift = *end ? suffix_shift(*end) : -1;
        if (shift < 0 || end[1]) {
            error_setg(errp, "'%s' is not a valid size", str);
            return false;
        }
        double r = d * (double)(1ULL << shift);
        if (r >= 18446744073709551616.0) {
            error_setg(errp, "size '%s' is too large", str);
            return false;
        }
        *out = (uint64_t)r;
        return true;
    }
    if (size_suffixes && *end) {
        int shift = suffix_shift(*end);
        if (shift < 0 || end[1]) {
            error_setg(errp, "'%s' is not a valid size: use a number with an "
                       "optional suffix B, K, M, G, T, P or E", str);
            return false;
        }
        if (shift && v > (UINT64_MAX >> shift)) {
            error_setg(errp, "size '%s' is too large", str);
            return false;
        }
        v <<= shift;
    } else if (*end) {
        error_setg(errp, "'%s' is not a valid number", str);
        return false;
    }
    *out = v;
    return true;
}

bool parse_int64_str(const char *str, int64_t *out, GError **errp)
{
    char *end;
    errno = 0;
    int64_t v = g_ascii_strtoll(str, &end, 0);
    if (errno || end == str || *end) {
        error_setg(errp, "'%s' is not a valid number", str);
        return false;
    }
    *out = v;
    return true;
}

static bool node_is(JsonNode *n, GType t)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == t;
}

bool json_node_to_bool(JsonNode *n, const char *what, bool *out, GError **errp)
{
    if (node_is(n, G_TYPE_BOOLEAN)) {
        *out = json_node_get_boolean(n);
        return true;
    }
    if (node_is(n, G_TYPE_STRING)) {
        GError *err = NULL;
        if (parse_bool_str(json_node_get_string(n), out, &err)) {
            return true;
        }
        g_error_free(err);
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", what);
        return false;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: boolean", what);
    return false;
}

bool json_node_to_int64(JsonNode *n, const char *what, int64_t *out,
                        GError **errp)
{
    if (node_is(n, G_TYPE_INT64)) {
        *out = json_node_get_int(n);
        return true;
    }
    if (node_is(n, G_TYPE_STRING)) {
        GError *err = NULL;
        if (parse_int64_str(json_node_get_string(n), out, &err)) {
            return true;
        }
        g_error_free(err);
        error_setg(errp, "Parameter '%s' expects an integer", what);
        return false;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: integer", what);
    return false;
}

bool json_node_to_uint64(JsonNode *n, const char *what, bool size_suffixes,
                         uint64_t *out, GError **errp)
{
    if (node_is(n, G_TYPE_INT64)) {
        int64_t v = json_node_get_int(n);
        if (v < 0) {
            error_setg(errp, "Parameter '%s' expects a non-negative value", what);
            return false;
        }
        *out = v;
        return true;
    }
    if (node_is(n, G_TYPE_STRING)) {
        GError *err = NULL;
        if (parse_uint64_str(json_node_get_string(n), out, size_suffixes, &err)) {
            return true;
        }
        error_setg(errp, "Parameter '%s' expects %s", what,
                   size_suffixes ? "a size value" : "a non-negative integer");
        g_error_free(err);
        return false;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: %s", what,
               size_suffixes ? "size" : "integer");
    return false;
}

bool json_node_to_str(JsonNode *n, const char *what, const char **out,
                      GError **errp)
{
    if (node_is(n, G_TYPE_STRING)) {
        *out = json_node_get_string(n);
        return true;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: string", what);
    return false;
}
