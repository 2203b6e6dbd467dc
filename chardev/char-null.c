/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The null backend: output vanishes, input never comes, and it never reports
 * a peer (as QEMU's). "vc" stands in for a virtual console until Vireo has a
 * graphical console; it takes QEMU's vc options and ignores them.
 */
#include <string.h>

#include "chardev-internal.h"

static bool null_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    /* "null" or "vc" */
    chardev_set_filename(chr, g_strdup(object_get_typename(OBJECT(chr)) +
                                       strlen("chardev-")));
    return true;
}

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static void null_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = null_open;
    cc->write = null_write;
    cc->options = data;
}

static const TypeInfo null_type = {
    .name = "chardev-null",
    .parent = TYPE_CHARDEV,
    .class_init = null_class_init,
};
TYPE_REGISTER(null_type)

static const ChardevOption vc_options[] = {
    { "width", CHR_OPT_NUMBER },
    { "height", CHR_OPT_NUMBER },
    { "cols", CHR_OPT_NUMBER },
    { "rows", CHR_OPT_NUMBER },
    { NULL }
};

static const TypeInfo vc_type = {
    .name = "chardev-vc",
    .parent = "chardev-null",
    .class_init = null_class_init,
    .class_data = vc_options,
};
TYPE_REGISTER(vc_type)
