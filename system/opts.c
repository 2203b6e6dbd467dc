/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing of "key=value,..." option strings, as QEMU's command line has them.
 */
#include "vireo/opts.h"
#include "vireo/object.h"
#include <string.h>

/* Copies up to the next lone ',' (",," is a literal comma); *p advances. */
static char *take_part(const char **p, const char *stop)
{
    GString *s = g_string_new(NULL);
    const char *c = *p;
    while (*c) {
        if (*c == ',' && c[1] == ',') {
            g_string_append_c(s, ',');
            c += 2;
            continue;
        }
        if (*c == ',' || (stop && strchr(stop, *c))) {
            break;
        }
        g_string_append_c(s, *c++);
    }
    *p = c;
    return g_string_free(s, false);
}

static void opt_free(gpointer p)
{
    Opt *o = p;
    g_free(o->key);
    g_free(o->value);
    g_free(o);
}

Opts *opts_parse(const char *str, const char *implied_key, GError **errp)
{
    Opts *o = g_new0(Opts, 1);
    o->list = g_ptr_array_new_with_free_func(opt_free);
    const char *p = str;
    bool first = true;
    while (*p) {
        char *key = take_part(&p, "=");
        Opt *opt = g_new0(Opt, 1);
        if (*p == '=') {
            p++;
            opt->key = key;
            opt->value = take_part(&p, NULL);
        } else if (first && implied_key) {
            opt->key = g_strdup(implied_key);
            opt->value = key;
        } else {
            opt->key = key;
            opt->value = g_strdup("on");
        }
        if (!*opt->key) {
            error_setg(errp, "Invalid parameter ''");
            opt_free(opt);
            opts_free(o);
            return NULL;
        }
        g_ptr_array_add(o->list, opt);
        first = false;
        if (*p == ',') {
            p++;
        }
    }
    return o;
}

void opts_free(Opts *o)
{
    if (o) {
        g_ptr_array_free(o->list, true);
        g_free(o);
    }
}

const char *opts_get(Opts *o, const char *key)
{
    const char *v = NULL;
    for (guint i = 0; i < o->list->len; i++) {
        Opt *opt = o->list->pdata[i];
        if (!strcmp(opt->key, key)) {
            opt->used = true;
            v = opt->value;
        }
    }
    return v;
}

bool opts_get_bool(Opts *o, const char *key, bool def, GError **errp)
{
    const char *v = opts_get(o, key);
    bool b = def;
    if (v && !parse_bool_str(v, &b, NULL)) {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return def;
    }
    return b;
}

bool opts_get_size(Opts *o, const char *key, uint64_t def, uint64_t *out,
                   GError **errp)
{
    const char *v = opts_get(o, key);
    *out = def;
    if (v && !parse_uint64_str(v, out, true, NULL)) {
        error_setg(errp, "Parameter '%s' expects a size value", key);
        return false;
    }
    return true;
}

const char *opts_first_unused(Opts *o)
{
    for (guint i = 0; i < o->list->len; i++) {
        Opt *opt = o->list->pdata[i];
        if (!opt->used) {
            return opt->key;
        }
    }
    return NULL;
}
