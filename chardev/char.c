/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract "chardev" type: the registry under /chardevs, creation of a
 * backend from checked options, and the backend side of the frontend
 * contract (deliver input and events, write output, copy it to logfile=).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chardev-internal.h"
#include "vireo/runstate.h"

#define CHARDEV_TYPE_PREFIX "chardev-"

static Object *chardev_container(void)
{
    return object_get_container("chardevs");
}

Chardev *chardev_find(const char *label)
{
    Object *obj = object_resolve_path_component(chardev_container(), label);

    return obj ? (Chardev *)object_dynamic_cast(obj, TYPE_CHARDEV) : NULL;
}

void chardev_remove(Chardev *chr)
{
    object_unparent(OBJECT(chr));
}

static int collect_child(Object *child, void *list)
{
    g_ptr_array_add(list, child);
    return 0;
}

void chardev_cleanup_all(void)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();

    object_child_foreach(chardev_container(), collect_child, all);
    for (guint i = all->len; i-- > 0;) {       /* muxes before their bases */
        object_unparent(all->pdata[i]);
    }
}

static bool chardev_is_mux(Chardev *chr)
{
    return object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX) != NULL;
}

bool chardev_frontend_open(Chardev *chr)
{
    if (chardev_is_mux(chr)) {
        return mux_chardev_frontend_open(chr);
    }
    return chr->fe && (chr->fe->read || chr->fe->event);
}

bool chardev_remove_by_label(const char *label, GError **errp)
{
    Chardev *chr = chardev_find(label);

    if (!chr) {
        error_setg(errp, "Chardev '%s' not found", label);
        return false;
    }
    /* A mux's base has the mux as its frontend. */
    if (chr->fe || (chardev_is_mux(chr) && mux_chardev_frontend_count(chr))) {
        error_setg(errp, "Chardev '%s' is busy", label);
        return false;
    }
    chardev_remove(chr);
    return true;
}

static gint compare_class_names(gconstpointer a, gconstpointer b)
{
    return strcmp(object_class_get_name((ObjectClass *)a),
                  object_class_get_name((ObjectClass *)b));
}

void chardev_print_backends(void)
{
    GSList *list = object_class_get_list(TYPE_CHARDEV, false);

    list = g_slist_sort(list, compare_class_names);
    printf("Available chardev backend types: \n");
    for (GSList *l = list; l; l = l->next) {
        const char *name = object_class_get_name(l->data);

        if (g_str_has_prefix(name, CHARDEV_TYPE_PREFIX)) {
            printf("  %s\n", name + strlen(CHARDEV_TYPE_PREFIX));
        }
    }
    g_slist_free(list);
}

void chardev_set_filename(Chardev *chr, char *filename)
{
    g_free(chr->filename);
    chr->filename = filename;
}

/* Backend side: input and events go to the one frontend. */

int chardev_can_read(Chardev *chr)
{
    CharFrontend *fe = chr->fe;

    return fe && fe->can_read ? fe->can_read(fe->opaque) : 0;
}

void chardev_read(Chardev *chr, const uint8_t *buf, int len)
{
    CharFrontend *fe = chr->fe;

    if (fe && fe->read) {
        fe->read(fe->opaque, buf, len);
    }
}

void chardev_event(Chardev *chr, ChrEvent ev)
{
    CharFrontend *fe = chr->fe;

    if (ev == CHR_EVENT_OPENED) {
        chr->be_open = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        chr->be_open = false;
    }
    if (fe && fe->event) {
        fe->event(fe->opaque, ev);
    }
}

static void log_output(Chardev *chr, const uint8_t *buf, int len)
{
    /* The log is best effort: a full disk must not stop the guest. */
    while (len > 0) {
        ssize_t n = write(chr->log_fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        buf += n;
        len -= n;
    }
}

int chardev_write_all(Chardev *chr, const uint8_t *buf, int len)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    int done = 0;

    g_mutex_lock(&chr->write_lock);
    while (done < len) {
        int n = cc->write(chr, buf + done, len - done);

        if (n <= 0) {
            break;
        }
        done += n;
    }
    if (chr->log_fd >= 0 && done > 0) {
        log_output(chr, buf, done);
    }
    g_mutex_unlock(&chr->write_lock);
    return done == len ? len : (done ? done : -1);
}

/* Ctrl-A x on a mux. */
static void chardev_mux_quit_default(void)
{
    request_shutdown(SHUTDOWN_CAUSE_HOST_UI);
}

void (*chardev_mux_quit)(void) = chardev_mux_quit_default;

/* Option values, already checked against the backend's table. */

const char *chr_opt_str(GHashTable *opts, const char *name)
{
    return opts ? g_hash_table_lookup(opts, name) : NULL;
}

bool chr_opt_bool(GHashTable *opts, const char *name, bool def)
{
    const char *v = chr_opt_str(opts, name);

    return v ? strcmp(v, "on") == 0 : def;
}

uint64_t chr_opt_uint(GHashTable *opts, const char *name, uint64_t def)
{
    const char *v = chr_opt_str(opts, name);

    return v ? g_ascii_strtoull(v, NULL, 10) : def;
}

/* Creation. */

static bool open_logfile(Chardev *chr, GHashTable *opts, GError **errp)
{
    const char *path = chr_opt_str(opts, "logfile");
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

    if (!path) {
        return true;
    }
    flags |= chr_opt_bool(opts, "logappend", false) ? O_APPEND : O_TRUNC;
    chr->log_fd = open(path, flags, 0666);
    if (chr->log_fd < 0) {
        error_setg(errp, "Could not open '%s': %s", path, g_strerror(errno));
        return false;
    }
    return true;
}

Chardev *chardev_open_backend(const char *backend, const char *label,
                              GHashTable *opts, GError **errp)
{
    g_autofree char *type = g_strconcat(CHARDEV_TYPE_PREFIX, backend, NULL);
    Chardev *chr;
    bool ok;

    if (chardev_find(label)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", label);
        return NULL;
    }
    chr = (Chardev *)object_new(type, errp);
    if (!chr) {
        return NULL;
    }
    chr->label = g_strdup(label);
    ok = open_logfile(chr, opts, errp);
    g_hash_table_remove(opts, "logfile");
    g_hash_table_remove(opts, "logappend");
    ok = ok && CHARDEV_GET_CLASS(chr)->open(chr, opts, errp);
    ok = ok && object_property_add_child(chardev_container(), label,
                                         OBJECT(chr), errp);
    /* On success the container holds the only reference. */
    object_unref(OBJECT(chr));
    return ok ? chr : NULL;
}

static void chardev_instance_init(Object *obj)
{
    Chardev *chr = CHARDEV(obj);

    g_mutex_init(&chr->write_lock);
    chr->log_fd = -1;
}

static void chardev_instance_finalize(Object *obj)
{
    Chardev *chr = CHARDEV(obj);
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    if (chr->fe) {
        chr->fe->chr = NULL;    /* the frontend outlived us: leave it empty */
    }
    if (cc->close) {
        cc->close(chr);
    }
    if (chr->log_fd >= 0) {
        close(chr->log_fd);
    }
    g_free(chr->label);
    g_free(chr->filename);
    g_mutex_clear(&chr->write_lock);
}

static const TypeInfo chardev_type = {
    .name = TYPE_CHARDEV,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .abstract = true,
    .instance_init = chardev_instance_init,
    .instance_finalize = chardev_instance_finalize,
};
TYPE_REGISTER(chardev_type)
