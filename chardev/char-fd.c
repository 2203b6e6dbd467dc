/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte streams over file descriptors for the fd-based backends: input read
 * in the main loop only while the frontend has room (POSIX poll/read), and
 * output written fully, waiting for room in poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "chardev-internal.h"

#define CHR_READ_CHUNK 4096

static GIOCondition reader_wanted(ChrFdReader *r)
{
    if (r->fd < 0) {
        return 0;
    }
    if (chardev_can_read(r->chr) > 0) {
        return G_IO_IN | G_IO_HUP | G_IO_ERR;
    }
    return r->hup_while_paused ? G_IO_HUP | G_IO_ERR : 0;
}

static void reader_unwatch(ChrFdReader *r)
{
    if (r->watch) {
        g_source_remove(r->watch);
        r->watch = 0;
    }
    r->cond = 0;
}

static gboolean reader_ready(int fd, GIOCondition cond, gpointer opaque);

void chr_fd_reader_update(ChrFdReader *r)
{
    GIOCondition want = reader_wanted(r);

    if (r->watch && want == r->cond) {
        return;
    }
    reader_unwatch(r);
    if (want) {
        r->watch = g_unix_fd_add(r->fd, want, reader_ready, r);
        r->cond = want;
    }
}

/* Returns false when the stream ended (EOF, hang-up, error). */
static bool reader_pull(ChrFdReader *r, GIOCondition cond)
{
    uint8_t buf[CHR_READ_CHUNK];
    int room = chardev_can_read(r->chr);
    ssize_t n;

    if (room <= 0) {
        /* Paused: only a hang-up can have woken us. */
        return !(cond & (G_IO_HUP | G_IO_ERR));
    }
    /* After a hang-up, still drain what the peer sent before it left. */
    n = read(r->fd, buf, MIN(room, (int)sizeof(buf)));
    if (n > 0) {
        chardev_read(r->chr, buf, n);
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

static gboolean reader_ready(int fd, GIOCondition cond, gpointer opaque)
{
    ChrFdReader *r = opaque;
    guint self = r->watch;

    if (!reader_pull(r, cond)) {
        r->watch = 0;
        r->cond = 0;
        r->closed(r->chr);
        return G_SOURCE_REMOVE;
    }
    if (r->watch != self) {
        return G_SOURCE_REMOVE;     /* replaced from inside the frontend */
    }
    if (reader_wanted(r) == r->cond) {
        return G_SOURCE_CONTINUE;
    }
    r->watch = 0;                   /* this source ends; update() adds anew */
    r->cond = 0;
    chr_fd_reader_update(r);
    return G_SOURCE_REMOVE;
}

void chr_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd,
                         bool hup_while_paused, void (*closed)(Chardev *chr))
{
    reader_unwatch(r);
    r->chr = chr;
    r->fd = fd;
    r->hup_while_paused = hup_while_paused;
    r->closed = closed;
    chr_fd_reader_update(r);
}

void chr_fd_reader_stop(ChrFdReader *r)
{
    reader_unwatch(r);
    r->fd = -1;
}

bool chr_fd_set_nonblock(int fd, GError **errp)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        error_setg(errp, "Could not make fd %d non-blocking: %s", fd,
                   g_strerror(errno));
        return false;
    }
    return true;
}

/* Waits until fd takes output; false if the other side is gone. */
static bool wait_writable(int fd)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int n = poll(&p, 1, 100);

        if (n > 0 && (p.revents & POLLOUT)) {
            return true;
        }
        if (n > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
            return false;
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
    }
}

int chr_fd_write_all(int fd, const uint8_t *buf, int len, bool is_socket)
{
    int done = 0;

    while (done < len) {
        ssize_t n = is_socket ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
                              : write(fd, buf + done, len - done);

        if (n > 0) {
            done += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_writable(fd)) {
                errno = EPIPE;
                return -1;
            }
        } else {
            if (n == 0) {
                errno = EIO;
            }
            return -1;
        }
    }
    return len;
}
