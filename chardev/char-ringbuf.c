/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ringbuf backend ("memory" is QEMU's older name for it): keeps the last
 * size= bytes of output (a power of two, 64 KiB by default) for QMP's
 * ringbuf-read; ringbuf-write appends to the same buffer.
 */
#include "chardev-internal.h"

#define TYPE_CHARDEV_RINGBUF "chardev-ringbuf"
#define RINGBUF_DEFAULT_SIZE (64 * 1024)
#define RINGBUF_MAX_SIZE (1ull << 30)

typedef struct RingbufChardev {
    Chardev parent;
    uint8_t *buf;
    uint64_t size;          /* a power of two */
    uint64_t produced;      /* bytes ever written */
    uint64_t consumed;      /* bytes ever read; produced - size at least */
} RingbufChardev;

static const ChardevOption ringbuf_options[] = {
    { "size", CHR_OPT_SIZE },
    { NULL }
};

static bool ringbuf_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    RingbufChardev *s = (RingbufChardev *)chr;
    uint64_t size = chr_opt_uint(opts, "size", RINGBUF_DEFAULT_SIZE);

    if (size == 0 || (size & (size - 1)) || size > RINGBUF_MAX_SIZE) {
        error_setg(errp, "size of ringbuf chardev must be power of two "
                   "(up to 1G)");
        return false;
    }
    s->size = size;
    s->buf = g_malloc0(size);
    chardev_set_filename(chr, g_strdup("ringbuf"));
    chardev_event(chr, CHR_EVENT_OPENED);
    return true;
}

/* Called with write_lock held. */
static int ringbuf_write(Chardev *chr, const uint8_t *buf, int len)
{
    RingbufChardev *s = (RingbufChardev *)chr;

    for (int i = 0; i < len; i++) {
        s->buf[s->produced++ & (s->size - 1)] = buf[i];
    }
    if (s->produced - s->consumed > s->size) {
        s->consumed = s->produced - s->size;    /* the oldest are gone */
    }
    return len;
}

bool chardev_is_ringbuf(Chardev *chr)
{
    return object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_RINGBUF) != NULL;
}

size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t max)
{
    RingbufChardev *s = (RingbufChardev *)chr;
    size_t n = 0;

    g_mutex_lock(&chr->write_lock);
    while (n < max && s->consumed < s->produced) {
        buf[n++] = s->buf[s->consumed++ & (s->size - 1)];
    }
    g_mutex_unlock(&chr->write_lock);
    return n;
}

void chardev_ringbuf_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    g_mutex_lock(&chr->write_lock);
    while (len > 0) {
        int chunk = MIN(len, (size_t)G_MAXINT);

        ringbuf_write(chr, buf, chunk);
        buf += chunk;
        len -= chunk;
    }
    g_mutex_unlock(&chr->write_lock);
}

static void ringbuf_close(Chardev *chr)
{
    g_free(((RingbufChardev *)chr)->buf);
}

static void ringbuf_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = ringbuf_open;
    cc->write = ringbuf_write;
    cc->close = ringbuf_close;
    cc->options = ringbuf_options;
}

static const TypeInfo ringbuf_type = {
    .name = TYPE_CHARDEV_RINGBUF,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(RingbufChardev),
    .class_init = ringbuf_class_init,
};
TYPE_REGISTER(ringbuf_type)

static const TypeInfo memory_type = {
    .name = "chardev-memory",
    .parent = TYPE_CHARDEV_RINGBUF,
    .class_init = ringbuf_class_init,
};
TYPE_REGISTER(memory_type)
