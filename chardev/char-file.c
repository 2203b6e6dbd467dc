/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file backend: output only, to path= (truncated, or appended to with
 * append=on); "-serial file:PATH" is the same thing.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "chardev-internal.h"

typedef struct FileChardev {
    Chardev parent;
    int fd;
} FileChardev;

static const ChardevOption file_options[] = {
    { "path", CHR_OPT_STR },
    { "append", CHR_OPT_BOOL },
    { NULL }
};

static bool file_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    FileChardev *s = (FileChardev *)chr;
    const char *path = chr_opt_str(opts, "path");
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

    if (!path || !*path) {
        error_setg(errp, "chardev: file: no filename given");
        return false;
    }
    flags |= chr_opt_bool(opts, "append", false) ? O_APPEND : O_TRUNC;
    s->fd = open(path, flags, 0666);
    if (s->fd < 0) {
        error_setg(errp, "Could not open '%s': %s", path, g_strerror(errno));
        return false;
    }
    chardev_set_filename(chr, g_strdup("file"));
    chardev_event(chr, CHR_EVENT_OPENED);
    return true;
}

static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr_fd_write_all(((FileChardev *)chr)->fd, buf, len, false);
}

static void file_close(Chardev *chr)
{
    FileChardev *s = (FileChardev *)chr;

    if (s->fd >= 0) {
        close(s->fd);
    }
}

static void file_instance_init(Object *obj)
{
    ((FileChardev *)obj)->fd = -1;
}

static void file_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = file_open;
    cc->write = file_write;
    cc->close = file_close;
    cc->options = file_options;
}

static const TypeInfo file_type = {
    .name = "chardev-file",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(FileChardev),
    .instance_init = file_instance_init,
    .class_init = file_class_init,
};
TYPE_REGISTER(file_type)
