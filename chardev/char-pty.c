/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pty backend: a pseudo-terminal pair (posix_openpt(3)); the guest talks
 * to the master, a user opens the slave (/dev/pts/N) with screen, minicom.
 * The master polls POLLHUP while no one has the slave open: then output is
 * dropped and a one-second timer looks for someone to arrive.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "chardev-internal.h"

#define PTY_PROBE_MS 1000

typedef struct PtyChardev {
    Chardev parent;
    int master;
    bool connected;
    guint probe_timer;
    ChrFdReader reader;
} PtyChardev;

static void pty_probe_later(PtyChardev *s);

static bool pty_slave_is_open(PtyChardev *s)
{
    struct pollfd p = { .fd = s->master, .events = POLLIN };

    return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

static void pty_hung_up(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    s->connected = false;
    chardev_event(chr, CHR_EVENT_CLOSED);
    pty_probe_later(s);
}

static void pty_check_connected(PtyChardev *s)
{
    if (s->connected || !pty_slave_is_open(s)) {
        return;
    }
    s->connected = true;
    chr_fd_reader_start(&s->reader, &s->parent, s->master, true, pty_hung_up);
    chardev_event(&s->parent, CHR_EVENT_OPENED);
}

static gboolean pty_probe(gpointer opaque)
{
    PtyChardev *s = opaque;

    pty_check_connected(s);
    if (s->connected) {
        s->probe_timer = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void pty_probe_later(PtyChardev *s)
{
    if (!s->probe_timer) {
        s->probe_timer = g_timeout_add(PTY_PROBE_MS, pty_probe, s);
    }
}

/* Raw mode on the slave: bytes pass unchanged both ways. */
static bool pty_make_raw(const char *slave, GError **errp)
{
    struct termios t;
    int fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    bool ok;

    if (fd < 0) {
        error_setg(errp, "Could not open '%s': %s", slave, g_strerror(errno));
        return false;
    }
    ok = tcgetattr(fd, &t) == 0;
    if (ok) {
        cfmakeraw(&t);
        ok = tcsetattr(fd, TCSANOW, &t) == 0;
    }
    if (!ok) {
        error_setg(errp, "Could not set up '%s': %s", slave, g_strerror(errno));
    }
    close(fd);      /* until a user opens it, the master sees a hang-up */
    return ok;
}

static bool pty_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    PtyChardev *s = (PtyChardev *)chr;
    char slave[64];

    s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->master < 0 || grantpt(s->master) < 0 || unlockpt(s->master) < 0 ||
        ptsname_r(s->master, slave, sizeof(slave)) != 0) {
        error_setg(errp, "Failed to create PTY: %s", g_strerror(errno));
        return false;
    }
    if (!pty_make_raw(slave, errp) || !chr_fd_set_nonblock(s->master, errp)) {
        return false;
    }
    chardev_set_filename(chr, g_strdup_printf("pty:%s", slave));
    fprintf(stderr, "char device redirected to %s (label %s)\n", slave,
            chr->label);
    pty_check_connected(s);
    if (!s->connected) {
        pty_probe_later(s);
    }
    return true;
}

static int pty_write(Chardev *chr, const uint8_t *buf, int len)
{
    PtyChardev *s = (PtyChardev *)chr;

    /* No reader: drop, or the guest would wait for one forever. */
    if (s->connected) {
        chr_fd_write_all(s->master, buf, len, false);
    }
    return len;
}

static void pty_update_input(Chardev *chr)
{
    chr_fd_reader_update(&((PtyChardev *)chr)->reader);
}

static void pty_close(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    if (s->probe_timer) {
        g_source_remove(s->probe_timer);
    }
    if (s->master >= 0) {
        close(s->master);
    }
}

static void pty_instance_init(Object *obj)
{
    PtyChardev *s = (PtyChardev *)obj;

    s->master = -1;
    s->reader.fd = -1;
}

static void pty_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = pty_open;
    cc->write = pty_write;
    cc->accept_input = pty_update_input;
    cc->update_read_handler = pty_update_input;
    cc->close = pty_close;
}

static const TypeInfo pty_type = {
    .name = "chardev-pty",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(PtyChardev),
    .instance_init = pty_instance_init,
    .class_init = pty_class_init,
};
TYPE_REGISTER(pty_type)
