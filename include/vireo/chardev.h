/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices: byte-stream backends (stdio, pty, file, socket, null,
 * ringbuf, mux) that one frontend (a serial port, a monitor) reads from and
 * writes to. Backends are objects of type "chardev-<backend>" living under
 * /chardevs/<id>. All callbacks run in the main loop with the big lock held.
 */
#ifndef VIREO_CHARDEV_H
#define VIREO_CHARDEV_H

#include "vireo/object.h"

#define TYPE_CHARDEV "chardev"

typedef struct Chardev Chardev;
typedef struct CharFrontend CharFrontend;

typedef enum {
    CHR_EVENT_OPENED,       /* a peer connected / the backend became usable */
    CHR_EVENT_CLOSED,       /* the peer went away */
    CHR_EVENT_BREAK,        /* serial break (Ctrl-A b on the mux) */
    CHR_EVENT_MUX_IN,       /* this frontend got the focus of a mux */
    CHR_EVENT_MUX_OUT,
} ChrEvent;

/* How many bytes the frontend can take now (0: pause input). */
typedef int (*ChrCanReadFn)(void *opaque);
typedef void (*ChrReadFn)(void *opaque, const uint8_t *buf, int len);
typedef void (*ChrEventFn)(void *opaque, ChrEvent event);

struct CharFrontend {
    Chardev *chr;
    ChrCanReadFn can_read;
    ChrReadFn read;
    ChrEventFn event;
    void *opaque;
    int mux_tag;            /* index on a mux backend, -1 otherwise */
};

struct Chardev {
    Object parent_obj;
    char *label;            /* the id */
    char *filename;         /* QEMU-style description, for query-chardev */
    CharFrontend *fe;       /* the one frontend (or the mux's) */
    bool be_open;           /* a peer is connected (sockets) */
    GMutex write_lock;      /* writers may be vCPU threads */
    int log_fd;             /* logfile= copy of the output, -1 if none */
};

/* An option a backend accepts on -chardev; tables end with a NULL name. */
typedef enum {
    CHR_OPT_STR,
    CHR_OPT_BOOL,           /* on/off/yes/no/true/false; bare "x" / "nox" */
    CHR_OPT_NUMBER,
    CHR_OPT_SIZE,           /* a number with an optional K/M/G suffix */
} ChardevOptType;

typedef struct ChardevOption {
    const char *name;
    ChardevOptType type;
} ChardevOption;

typedef struct ChardevClass {
    ObjectClass parent_class;
    /* Parses its options (the "key=value" pairs after the backend name,
     * already split; "id" removed) and opens. */
    bool (*open)(Chardev *chr, GHashTable *opts, GError **errp);
    /* Writes what it can without blocking the caller for long; returns bytes
     * taken or -1. Called with chr->write_lock held. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The frontend can read again: resume input polling. */
    void (*accept_input)(Chardev *chr);
    /* Frontend attached or its handlers changed (start/stop watching fds). */
    void (*update_read_handler)(Chardev *chr);
    void (*close)(Chardev *chr);
    /* For the mux: attach/detach sub-frontends. */
    bool (*fe_attach)(Chardev *chr, CharFrontend *fe, GError **errp);
    void (*fe_detach)(Chardev *chr, CharFrontend *fe);
    /* The backend's own options (besides id, mux, logfile, logappend). The
     * values open() sees are checked: booleans read "on"/"off", numbers and
     * sizes are decimal. */
    const ChardevOption *options;
} ChardevClass;

#define CHARDEV(obj) OBJECT_CHECK(Chardev, (obj), TYPE_CHARDEV)
#define CHARDEV_GET_CLASS(obj) OBJECT_GET_CLASS(ChardevClass, (obj), TYPE_CHARDEV)

/* "-chardev backend,id=x,key=val,..." (",," is a literal comma; a bare
 * "key" means key=on and "nokey" key=off for boolean options). With mux=on
 * the backend is named "x-base" and the returned mux "x". A socket server
 * with wait=on (the default) blocks here until the first client connects. */
Chardev *chardev_new_from_opts(const char *optstr, GError **errp);
/* The -serial/-monitor shorthand ("stdio", "pty", "null", "file:path",
 * "unix:path[,server=on...]", "tcp:host:port[,...]", "mon:stdio", "none",
 * "chardev:id"); creates a chardev named `label`. NULL with no error for "none". */
Chardev *chardev_new_from_shorthand(const char *label, const char *spec,
                                    GError **errp);
/* True for a shorthand ("mon:stdio", "mon:pty", ...) whose chardev also
 * carries a monitor: the caller attaches an HMP monitor to the returned mux. */
bool chardev_shorthand_has_monitor(const char *spec);
Chardev *chardev_find(const char *label);
void chardev_remove(Chardev *chr);
/* At exit, after the vCPUs stopped: closes every chardev (unix socket files
 * are removed, the terminal restored); frontends are left detached. */
void chardev_cleanup_all(void);
/* chardev-remove: "Chardev 'x' not found" / "Chardev 'x' is busy". */
bool chardev_remove_by_label(const char *label, GError **errp);
/* query-chardev's "frontend-open": a frontend has set its handlers. */
bool chardev_frontend_open(Chardev *chr);
/* "-chardev help": lists the backend names on stdout. */
void chardev_print_backends(void);
/* Restore the terminal of every stdio backend (called on every exit path).
 * Async-signal-safe (only tcsetattr), so a SIGTERM/SIGINT/SIGHUP handler may
 * call it; the stdio backend also registers it with atexit(). */
void chardev_restore_terminals(void);

/* Frontend side. */
bool chr_fe_init(CharFrontend *fe, Chardev *chr, GError **errp);
void chr_fe_deinit(CharFrontend *fe);
void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadFn can_read,
                         ChrReadFn read, ChrEventFn event, void *opaque);
/* Writes everything (loops while the backend accepts); returns len or -1;
 * 0 when there is no backend. A disconnected socket or pty drops the data
 * and still returns len. May block (a full terminal or socket). */
int chr_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len);
/* Tells the backend the frontend can read again after can_read returned 0. */
void chr_fe_accept_input(CharFrontend *fe);
bool chr_fe_backend_connected(CharFrontend *fe);
bool chr_fe_backend_open(CharFrontend *fe);
/* On a mux: give this frontend the input focus. The most recently attached
 * frontend has it otherwise (so attach the serial port after the monitor, or
 * call this). No-op on other backends. */
void chr_fe_take_focus(CharFrontend *fe);

/* Backend side: deliver input / events to the frontend. */
int chardev_can_read(Chardev *chr);
void chardev_read(Chardev *chr, const uint8_t *buf, int len);
void chardev_event(Chardev *chr, ChrEvent ev);

/* Ctrl-A x on a mux calls this after printing "vireo: terminated"; it is
 * request_shutdown(SHUTDOWN_CAUSE_HOST_UI) unless a test replaces it. */
extern void (*chardev_mux_quit)(void);

/* The ringbuf backend, for QMP ringbuf-read/ringbuf-write: read takes (and
 * removes) up to max bytes of the captured output; write appends to it. */
bool chardev_is_ringbuf(Chardev *chr);
size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t max);
void chardev_ringbuf_write(Chardev *chr, const uint8_t *buf, size_t len);

#endif
