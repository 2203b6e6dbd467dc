/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stdio backend: input from fd 0, output to fd 1. A terminal on stdin
 * is put in raw mode (termios(3)) for the guest and restored on every exit
 * path: close, atexit, and chardev_restore_terminals() from signal handlers.
 */
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "chardev-internal.h"

typedef struct StdioChardev {
    Chardev parent;
    ChrFdReader reader;
} StdioChardev;

static const ChardevOption stdio_options[] = {
    { "signal", CHR_OPT_BOOL },
    { NULL }
};

/* One process, one terminal: QEMU allows a single stdio backend, too. */
static bool stdio_in_use;
static struct termios saved_tty;
static volatile sig_atomic_t saved_tty_valid;

/* Async-signal-safe: only tcsetattr() on state saved beforehand. */
void chardev_restore_terminals(void)
{
    if (saved_tty_valid) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    }
}

/*
 * Raw (cfmakeraw), except for two things that keep a terminal usable:
 * - output processing (OPOST) stays as it was, so a bare "\n" from the
 *   guest (firmware, early printk) still returns the carriage;
 * - with signal=on (the default) Ctrl-C still signals Vireo (ISIG); with
 *   signal=off (and with the "mon:stdio" shorthand, hence -nographic)
 *   Ctrl-C goes to the guest and Ctrl-A x quits, as in QEMU.
 */
static void stdio_make_raw(bool allow_signals)
{
    static bool atexit_registered;
    struct termios raw;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0) {
        return;
    }
    saved_tty_valid = 1;
    if (!atexit_registered) {
        atexit(chardev_restore_terminals);
        atexit_registered = true;
    }
    raw = saved_tty;
    cfmakeraw(&raw);
    raw.c_oflag = saved_tty.c_oflag;
    if (allow_signals) {
        raw.c_lflag |= ISIG;
    }
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void stdio_closed(Chardev *chr)
{
    chardev_event(chr, CHR_EVENT_CLOSED);   /* stdin ended; output goes on */
}

/* fd 0 stays blocking: it is read only after poll() says it is readable,
 * and O_NONBLOCK would also hit stdout/stderr when they share the terminal's
 * open file description, under everyone's printf. */
static bool stdio_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    StdioChardev *s = (StdioChardev *)chr;

    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    stdio_make_raw(chr_opt_bool(opts, "signal", true));
    chardev_set_filename(chr, g_strdup("stdio"));
    chr_fd_reader_start(&s->reader, chr, STDIN_FILENO, false, stdio_closed);
    chardev_event(chr, CHR_EVENT_OPENED);
    return true;
}

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr_fd_write_all(STDOUT_FILENO, buf, len, false);
}

static void stdio_update_input(Chardev *chr)
{
    chr_fd_reader_update(&((StdioChardev *)chr)->reader);
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    if (s->reader.chr) {        /* opened by us */
        chr_fd_reader_stop(&s->reader);
        chardev_restore_terminals();
        saved_tty_valid = 0;
        stdio_in_use = false;
    }
}

static void stdio_instance_init(Object *obj)
{
    ((StdioChardev *)obj)->reader.fd = -1;
}

static void stdio_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = stdio_open;
    cc->write = stdio_write;
    cc->accept_input = stdio_update_input;
    cc->update_read_handler = stdio_update_input;
    cc->close = stdio_close;
    cc->options = stdio_options;
}

static const TypeInfo stdio_type = {
    .name = "chardev-stdio",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(StdioChardev),
    .instance_init = stdio_instance_init,
    .class_init = stdio_class_init,
};
TYPE_REGISTER(stdio_type)
