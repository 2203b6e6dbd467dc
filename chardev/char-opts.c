/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -chardev option strings ("socket,id=mon0,path=/tmp/q.sock,server=on") and
 * the -serial/-monitor/-qmp shorthand ("unix:/tmp/q.sock,server=on",
 * "mon:stdio"), with QEMU's option names, boolean spellings and errors.
 */
#include <string.h>

#include "chardev-internal.h"

/* Options every backend takes. */
static const ChardevOption common_options[] = {
    { "mux", CHR_OPT_BOOL },
    { "logfile", CHR_OPT_STR },
    { "logappend", CHR_OPT_BOOL },
    { NULL }
};


/* Splits at single commas; ",," stands for a literal comma. */
static GPtrArray *split_items(const char *str)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = str; ; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            g_ptr_array_add(items, g_string_free(cur, false));
            if (*p == '\0') {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return items;
}

static const ChardevOption *find_option(const ChardevOption *table,
                                        const char *name)
{
    for (; table && table->name; table++) {
        if (strcmp(table->name, name) == 0) {
            return table;
        }
    }
    return NULL;
}

static const ChardevOption *lookup_option(ChardevClass *cc, const char *name)
{
    const ChardevOption *o = find_option(common_options, name);

    return o ? o : find_option(cc->options, name);
}

static bool parse_bool_word(const char *name, const char *v, bool *out,
                            GError **errp)
{
    if (!parse_bool_str(v, out, NULL)) {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
        return false;
    }
    return true;
}

/* Returns the canonical form of value (on/off, decimal) or NULL. */
static char *check_value(const ChardevOption *o, const char *value,
                         GError **errp)
{
    uint64_t n;
    bool b;

    switch (o->type) {
    case CHR_OPT_BOOL:
        return parse_bool_word(o->name, value, &b, errp)
               ? g_strdup(b ? "on" : "off") : NULL;
    case CHR_OPT_NUMBER:
    case CHR_OPT_SIZE:
        if (!g_ascii_isdigit(*value) ||
            !parse_uint64_str(value, &n, o->type == CHR_OPT_SIZE, NULL)) {
            error_setg(errp, "Parameter '%s' expects %s", o->name,
                       o->type == CHR_OPT_SIZE ? "a size" : "a number");
            return NULL;
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT, n);
    default:
        return g_strdup(value);
    }
}

/* Adds one "key=value" (or bare "key" / "nokey" for booleans) to opts. */
static bool add_item(ChardevClass *cc, GHashTable *opts, const char *item,
                     GError **errp)
{
    g_auto(GStrv) kv = g_strsplit(item, "=", 2);
    const char *key = kv[0], *value = kv[1];
    const ChardevOption *o = lookup_option(cc, key);
    char *canon;

    if (!o && !value && g_str_has_prefix(key, "no")) {
        o = lookup_option(cc, key + 2);
        value = "off";
    }
    if (!o || (!kv[1] && o->type != CHR_OPT_BOOL)) {
        error_setg(errp, "Invalid parameter '%s'", key);
        return false;
    }
    canon = check_value(o, value ? value : "on", errp);
    if (!canon) {
        return false;
    }
    g_hash_table_replace(opts, g_strdup(o->name), canon);
    return true;
}

static ChardevClass *backend_class(const char *backend)
{
    g_autofree char *type = g_strconcat("chardev-", backend, NULL);
    ObjectClass *oc = object_class_by_name(type);

    if (!oc || !object_class_dynamic_cast(oc, TYPE_CHARDEV) ||
        object_class_is_abstract(oc)) {
        return NULL;
    }
    return (ChardevClass *)oc;
}

/* QEMU's identifiers: a letter, then letters, digits, '-', '.', '_'. */
static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(*id)) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* "-chardev stdio,id=x,mux=on": the backend becomes "x-base" and a mux
 * named "x" sits on top of it. */
static Chardev *create_muxed(const char *backend, const char *id,
                             GHashTable *opts, GError **errp)
{
    g_autofree char *base_id = g_strdup_printf("%s-base", id);
    g_autoptr(GHashTable) mux_opts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    Chardev *base, *mux;

    if (chardev_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", id);
        return NULL;
    }
    base = chardev_open_backend(backend, base_id, opts, errp);
    if (!base) {
        return NULL;
    }
    g_hash_table_insert(mux_opts, g_strdup("chardev"), g_strdup(base_id));
    mux = chardev_open_backend("mux", id, mux_opts, errp);
    if (!mux) {
        chardev_remove(base);
    }
    return mux;
}

/* items: "key=value" / bare "key" strings, after the backend and id. */
static Chardev *chardev_create(const char *backend, const char *id,
                               GPtrArray *items, GError **errp)
{
    ChardevClass *cc = backend_class(backend);
    g_autoptr(GHashTable) opts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    if (!cc) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    for (guint i = 0; i < items->len; i++) {
        if (!add_item(cc, opts, items->pdata[i], errp)) {
            return NULL;
        }
    }
    if (chr_opt_bool(opts, "mux", false)) {
        g_hash_table_remove(opts, "mux");
        return create_muxed(backend, id, opts, errp);
    }
    g_hash_table_remove(opts, "mux");
    return chardev_open_backend(backend, id, opts, errp);
}

Chardev *chardev_new_from_opts(const char *optstr, GError **errp)
{
    g_autoptr(GPtrArray) items = split_items(optstr);
    g_autoptr(GPtrArray) rest = g_ptr_array_new();
    g_autofree char *backend = NULL;
    g_autofree char *id = NULL;

    for (guint i = 0; i < items->len; i++) {
        const char *item = items->pdata[i];

        if (i == 0 && !strchr(item, '=')) {
            backend = g_strdup(item);
        } else if (g_str_has_prefix(item, "backend=")) {
            g_free(backend);
            backend = g_strdup(item + strlen("backend="));
        } else if (g_str_has_prefix(item, "id=")) {
            g_free(id);
            id = g_strdup(item + strlen("id="));
        } else if (*item) {
            g_ptr_array_add(rest, (gpointer)item);
        }
    }
    if (!backend || !*backend) {
        error_setg(errp, "chardev: \"%s\" missing backend", id ? id : "");
        return NULL;
    }
    return chardev_create(backend, id, rest, errp);
}

/* The shorthand. Each form turns the text after its prefix into a backend
 * name and option items. */

typedef struct Shorthand {
    const char *backend;
    GPtrArray *items;       /* owns its strings */
} Shorthand;

static void sh_plain(Shorthand *sh, const char *rest)
{
}

/* "file:PATH": all of the rest is the path, commas included. */
static void sh_file(Shorthand *sh, const char *rest)
{
    g_ptr_array_add(sh->items, g_strconcat("path=", rest, NULL));
}

/* "unix:PATH[,opts]" */
static void sh_unix(Shorthand *sh, const char *rest)
{
    g_autoptr(GPtrArray) parts = split_items(rest);

    g_ptr_array_add(sh->items, g_strconcat("path=", parts->pdata[0], NULL));
    for (guint i = 1; i < parts->len; i++) {
        g_ptr_array_add(sh->items, g_strdup(parts->pdata[i]));
    }
}

/* "tcp:[HOST]:PORT[,opts]"; HOST may be "[v6addr]". */
static void sh_tcp(Shorthand *sh, const char *rest)
{
    g_autoptr(GPtrArray) parts = split_items(rest);
    const char *hostport = parts->pdata[0];
    const char *colon = strrchr(hostport, ':');
    g_autofree char *host = NULL;

    /* An empty host is allowed: any address for a server. */
    host = colon ? g_strndup(hostport, colon - hostport) : g_strdup("");
    if (host[0] == '[' && g_str_has_suffix(host, "]")) {
        memmove(host, host + 1, strlen(host) - 2);
        host[strlen(host) - 2] = '\0';
    }
    g_ptr_array_add(sh->items, g_strconcat("host=", host, NULL));
    g_ptr_array_add(sh->items, g_strconcat("port=", colon ? colon + 1 : "",
                                           NULL));
    for (guint i = 1; i < parts->len; i++) {
        g_ptr_array_add(sh->items, g_strdup(parts->pdata[i]));
    }
}

static const struct {
    const char *prefix;     /* a whole word unless it ends in ':' */
    const char *backend;
    void (*parse)(Shorthand *sh, const char *rest);
} shorthand_forms[] = {
    { "null", "null", sh_plain },
    { "stdio", "stdio", sh_plain },
    { "pty", "pty", sh_plain },
    /* No graphical console yet: "vc" (QEMU's default without -nographic)
     * is a sink, like null. */
    { "vc", "vc", sh_plain },
    { "vc:", "vc", sh_plain },
    { "file:", "file", sh_file },
    { "unix:", "socket", sh_unix },
    { "tcp:", "socket", sh_tcp },
};

static bool parse_shorthand(Shorthand *sh, const char *spec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(shorthand_forms); i++) {
        const char *prefix = shorthand_forms[i].prefix;
        bool is_prefix = g_str_has_suffix(prefix, ":");

        if (is_prefix ? g_str_has_prefix(spec, prefix)
                      : strcmp(spec, prefix) == 0) {
            sh->backend = shorthand_forms[i].backend;
            shorthand_forms[i].parse(sh, spec + strlen(prefix));
            return true;
        }
    }
    return false;
}

bool chardev_shorthand_has_monitor(const char *spec)
{
    return g_str_has_prefix(spec, "mon:");
}

Chardev *chardev_new_from_shorthand(const char *label, const char *spec,
                                    GError **errp)
{
    Shorthand sh = { .items = g_ptr_array_new_with_free_func(g_free) };
    const char *inner = spec;
    Chardev *chr = NULL;

    if (strcmp(spec, "none") == 0) {
        goto out;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        chr = chardev_find(spec + strlen("chardev:"));
        if (!chr) {
            error_setg(errp, "Chardev '%s' not found", spec + strlen("chardev:"));
        }
        goto out;
    }
    if (chardev_shorthand_has_monitor(spec)) {
        inner = spec + strlen("mon:");
    }
    if (!parse_shorthand(&sh, inner)) {
        error_setg(errp, "'%s' is not a valid char driver", spec);
        goto out;
    }
    if (inner != spec) {
        g_ptr_array_add(sh.items, g_strdup("mux=on"));
        /* A monitor on the terminal: Ctrl-C goes to the guest; quit with
         * Ctrl-A x (QEMU does the same for mon:stdio). */
        if (strcmp(inner, "stdio") == 0) {
            g_ptr_array_add(sh.items, g_strdup("signal=off"));
        }
    }
    chr = chardev_create(sh.backend, label, sh.items, errp);
out:
    g_ptr_array_unref(sh.items);
    return chr;
}
