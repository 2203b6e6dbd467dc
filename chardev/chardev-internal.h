/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the character backends (not for frontends): watching an
 * fd for input as far as the frontend can take it, writing an fd fully,
 * reading checked options, and the mux's hooks into the frontend API.
 */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include "vireo/chardev.h"

/* Input from one fd, paced by chardev_can_read(): the fd is only watched
 * while the frontend has room, so nothing is read that it cannot take. */
typedef struct ChrFdReader {
    Chardev *chr;
    int fd;                     /* -1: stopped */
    guint watch;                /* GLib source id, 0 when not watching */
    GIOCondition cond;          /* what the current watch waits for */
    bool hup_while_paused;      /* sockets/ptys: notice a hang-up anyway */
    void (*closed)(Chardev *chr);   /* end of file, hang-up or read error */
} ChrFdReader;

void chr_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd,
                         bool hup_while_paused, void (*closed)(Chardev *chr));
/* Re-reads chardev_can_read() and watches (or stops watching) accordingly. */
void chr_fd_reader_update(ChrFdReader *r);
void chr_fd_reader_stop(ChrFdReader *r);

/* Writes all of buf, waiting in poll() while the fd is full. send() with
 * MSG_NOSIGNAL on sockets. Returns len, or -1 with errno set (EPIPE when
 * the other side hung up). */
int chr_fd_write_all(int fd, const uint8_t *buf, int len, bool is_socket);
bool chr_fd_set_nonblock(int fd, GError **errp);

/* All output goes through here: takes chr->write_lock, loops over the
 * class's write() and copies what was written to the logfile. */
int chardev_write_all(Chardev *chr, const uint8_t *buf, int len);
/* Replaces chr->filename (takes ownership of filename). */
void chardev_set_filename(Chardev *chr, char *filename);
/* Creates, opens and registers a backend from checked options. */
Chardev *chardev_open_backend(const char *backend, const char *label,
                              GHashTable *opts, GError **errp);

/* Option values as open() sees them (already checked by chardev-opts.c). */
const char *chr_opt_str(GHashTable *opts, const char *name);
bool chr_opt_bool(GHashTable *opts, const char *name, bool def);
uint64_t chr_opt_uint(GHashTable *opts, const char *name, uint64_t def);

/* The mux, seen from the frontend API. */
#define TYPE_CHARDEV_MUX "chardev-mux"
void mux_chardev_announce_focus(Chardev *mux, CharFrontend *fe);
void mux_chardev_take_focus(Chardev *mux, CharFrontend *fe);
int mux_chardev_frontend_count(Chardev *mux);
bool mux_chardev_frontend_open(Chardev *mux);

#endif
