/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mux: one backend shared by up to four frontends (a serial port and a
 * monitor, "-serial mon:stdio"). Output from every frontend goes out; input
 * goes to the focused one. Ctrl-A starts QEMU's escape keys (h help, x quit,
 * c next frontend, b break, Ctrl-A a literal Ctrl-A).
 */
#include <string.h>

#include "chardev-internal.h"

#define MUX_MAX_FRONTENDS 4
/* Input a frontend has not taken yet. Big enough that a stuck guest still
 * sees the Ctrl-A x typed after a screenful of keys; when it is full, the
 * backend stops reading (nothing is dropped). */
#define MUX_INPUT_SIZE 1024
#define MUX_ESCAPE 0x01         /* Ctrl-A */

typedef struct MuxInput {
    uint8_t buf[MUX_INPUT_SIZE];
    int len;
} MuxInput;

typedef struct MuxChardev {
    Chardev parent;
    CharFrontend base_fe;       /* the mux is its backend's frontend */
    CharFrontend *fes[MUX_MAX_FRONTENDS];
    MuxInput input[MUX_MAX_FRONTENDS];
    int focus;                  /* index into fes, -1 if none */
    bool escape;                /* Ctrl-A seen, the next key is a command */
    bool draining;
} MuxChardev;

static const ChardevOption mux_options[] = {
    { "chardev", CHR_OPT_STR },
    { NULL }
};

static MuxChardev *mux_of(Chardev *chr)
{
    return OBJECT_CHECK(MuxChardev, chr, TYPE_CHARDEV_MUX);
}

static void fe_send_event(CharFrontend *fe, ChrEvent ev)
{
    if (fe && fe->event) {
        fe->event(fe->opaque, ev);
    }
}

static void mux_print(MuxChardev *m, const char *text)
{
    chr_fe_write_all(&m->base_fe, (const uint8_t *)text, strlen(text));
}

/* Hands queued input to the focused frontend, as far as it takes it. */
static void mux_drain(MuxChardev *m)
{
    uint8_t chunk[MUX_INPUT_SIZE];

    if (m->draining) {
        return;                 /* a frontend called back from its read() */
    }
    m->draining = true;
    while (m->focus >= 0) {
        CharFrontend *fe = m->fes[m->focus];
        MuxInput *in = &m->input[m->focus];
        int n = in->len && fe->can_read ? fe->can_read(fe->opaque) : 0;

        if (n <= 0 || !fe->read) {
            break;
        }
        /* Take the bytes off the queue before read() can re-enter us. */
        n = MIN(n, in->len);
        memcpy(chunk, in->buf, n);
        memmove(in->buf, in->buf + n, in->len - n);
        in->len -= n;
        fe->read(fe->opaque, chunk, n);
    }
    m->draining = false;
}

static void mux_resume(MuxChardev *m)
{
    mux_drain(m);
    chr_fe_accept_input(&m->base_fe);
}

static void mux_set_focus(MuxChardev *m, int tag)
{
    if (tag == m->focus) {
        return;
    }
    if (m->focus >= 0) {
        fe_send_event(m->fes[m->focus], CHR_EVENT_MUX_OUT);
    }
    m->focus = tag;
    if (tag >= 0) {
        fe_send_event(m->fes[tag], CHR_EVENT_MUX_IN);
    }
    mux_resume(m);
}

/* The next attached frontend after `from`, cyclically; -1 if none. */
static int mux_next_frontend(MuxChardev *m, int from)
{
    for (int i = 1; i <= MUX_MAX_FRONTENDS; i++) {
        int tag = (from + i + MUX_MAX_FRONTENDS) % MUX_MAX_FRONTENDS;

        if (m->fes[tag]) {
            return tag;
        }
    }
    return -1;
}

static void mux_queue(MuxChardev *m, uint8_t byte)
{
    MuxInput *in = m->focus >= 0 ? &m->input[m->focus] : NULL;

    /* can_read() left room for this frontend; only a focus switch in the
     * middle of a chunk can find a full queue, and then the byte is lost. */
    if (in && in->len < MUX_INPUT_SIZE) {
        in->buf[in->len++] = byte;
    }
}

/* Escape keys. */

static void mux_print_help(MuxChardev *m);

static void mux_quit(MuxChardev *m)
{
    mux_print(m, "vireo: terminated\r\n");
    chardev_mux_quit();
}

static void mux_switch_focus(MuxChardev *m)
{
    mux_set_focus(m, mux_next_frontend(m, m->focus));
}

static void mux_send_break(MuxChardev *m)
{
    if (m->focus >= 0) {
        fe_send_event(m->fes[m->focus], CHR_EVENT_BREAK);
    }
}

static void mux_send_escape(MuxChardev *m)
{
    mux_queue(m, MUX_ESCAPE);
}

static const struct MuxKey {
    uint8_t key;
    const char *name;           /* for the help; NULL: not listed */
    const char *help;
    void (*action)(MuxChardev *m);
} mux_keys[] = {
    { 'h', "h", "show this help", mux_print_help },
    { '?', NULL, NULL, mux_print_help },
    { 'x', "x", "quit the emulator", mux_quit },
    { 'c', "c", "switch between the console and the monitor",
      mux_switch_focus },
    { 'b', "b", "send a break (magic SysRq on Linux)", mux_send_break },
    { MUX_ESCAPE, "C-a", "type C-a itself", mux_send_escape },
};

static void mux_print_help(MuxChardev *m)
{
    g_autoptr(GString) text = g_string_new("\r\n");

    for (size_t i = 0; i < G_N_ELEMENTS(mux_keys); i++) {
        if (mux_keys[i].name) {
            g_string_append_printf(text, "C-a %-4s %s\r\n", mux_keys[i].name,
                                   mux_keys[i].help);
        }
    }
    mux_print(m, text->str);
}

static void mux_escape_key(MuxChardev *m, uint8_t key)
{
    for (size_t i = 0; i < G_N_ELEMENTS(mux_keys); i++) {
        if (mux_keys[i].key == key) {
            mux_keys[i].action(m);
            return;
        }
    }
    /* Any other key after Ctrl-A is swallowed. */
}

/* The mux as its backend's frontend. */

static int mux_can_read(void *opaque)
{
    MuxChardev *m = opaque;

    return m->focus >= 0 ? MUX_INPUT_SIZE - m->input[m->focus].len : 0;
}

static void mux_read(void *opaque, const uint8_t *buf, int len)
{
    MuxChardev *m = opaque;

    for (int i = 0; i < len; i++) {
        if (m->escape) {
            m->escape = false;
            mux_drain(m);       /* what came before the key goes first */
            mux_escape_key(m, buf[i]);
        } else if (buf[i] == MUX_ESCAPE) {
            m->escape = true;
        } else {
            mux_queue(m, buf[i]);
        }
    }
    mux_drain(m);
}

static void mux_event(void *opaque, ChrEvent ev)
{
    MuxChardev *m = opaque;

    chardev_event(&m->parent, ev);      /* tracks be_open */
    for (int i = 0; i < MUX_MAX_FRONTENDS; i++) {
        fe_send_event(m->fes[i], ev);
    }
}

/* The mux as its frontends' backend. */

static bool mux_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    MuxChardev *m = mux_of(chr);
    const char *label = chr_opt_str(opts, "chardev");
    Chardev *base = label ? chardev_find(label) : NULL;

    if (!label) {
        error_setg(errp, "Parameter 'chardev' is missing");
        return false;
    }
    if (!base) {
        error_setg(errp, "Chardev '%s' not found", label);
        return false;
    }
    if (!chr_fe_init(&m->base_fe, base, errp)) {
        return false;
    }
    chardev_set_filename(chr, g_strdup("mux"));
    chr_fe_set_handlers(&m->base_fe, mux_can_read, mux_read, mux_event, m);
    return true;
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *m = mux_of(chr);

    chr_fe_write_all(&m->base_fe, buf, len);
    return len;
}

static void mux_accept_input(Chardev *chr)
{
    mux_resume(mux_of(chr));
}

static bool mux_fe_attach(Chardev *chr, CharFrontend *fe, GError **errp)
{
    MuxChardev *m = mux_of(chr);

    for (int tag = 0; tag < MUX_MAX_FRONTENDS; tag++) {
        if (!m->fes[tag]) {
            m->fes[tag] = fe;
            m->input[tag].len = 0;
            fe->mux_tag = tag;
            mux_set_focus(m, tag);      /* the newest frontend has it */
            return true;
        }
    }
    error_setg(errp, "Chardev '%s' is in use by %d frontends already",
               chr->label, MUX_MAX_FRONTENDS);
    return false;
}

static void mux_fe_detach(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *m = mux_of(chr);
    int tag = fe->mux_tag;

    if (tag < 0 || m->fes[tag] != fe) {
        return;
    }
    m->fes[tag] = NULL;
    m->input[tag].len = 0;
    fe->mux_tag = -1;
    if (m->focus == tag) {
        m->focus = -1;
        mux_set_focus(m, mux_next_frontend(m, tag));
    }
}

void mux_chardev_announce_focus(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *m = mux_of(chr);

    fe_send_event(fe, fe->mux_tag == m->focus ? CHR_EVENT_MUX_IN
                                              : CHR_EVENT_MUX_OUT);
}

void mux_chardev_take_focus(Chardev *chr, CharFrontend *fe)
{
    mux_set_focus(mux_of(chr), fe->mux_tag);
}

int mux_chardev_frontend_count(Chardev *chr)
{
    MuxChardev *m = mux_of(chr);
    int n = 0;

    for (int i = 0; i < MUX_MAX_FRONTENDS; i++) {
        n += m->fes[i] != NULL;
    }
    return n;
}

bool mux_chardev_frontend_open(Chardev *chr)
{
    MuxChardev *m = mux_of(chr);

    for (int i = 0; i < MUX_MAX_FRONTENDS; i++) {
        if (m->fes[i] && (m->fes[i]->read || m->fes[i]->event)) {
            return true;
        }
    }
    return false;
}

static void mux_close(Chardev *chr)
{
    MuxChardev *m = mux_of(chr);

    for (int i = 0; i < MUX_MAX_FRONTENDS; i++) {
        if (m->fes[i]) {
            m->fes[i]->chr = NULL;      /* frontends outlived us */
            m->fes[i]->mux_tag = -1;
        }
    }
    chr_fe_deinit(&m->base_fe);
}

static void mux_instance_init(Object *obj)
{
    mux_of((Chardev *)obj)->focus = -1;
}

static void mux_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = mux_open;
    cc->write = mux_write;
    cc->accept_input = mux_accept_input;
    cc->update_read_handler = mux_accept_input;
    cc->close = mux_close;
    cc->fe_attach = mux_fe_attach;
    cc->fe_detach = mux_fe_detach;
    cc->options = mux_options;
}

static const TypeInfo mux_type = {
    .name = TYPE_CHARDEV_MUX,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(MuxChardev),
    .instance_init = mux_instance_init,
    .class_init = mux_class_init,
};
TYPE_REGISTER(mux_type)
