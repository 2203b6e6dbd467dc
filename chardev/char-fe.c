/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frontend side of a chardev: a device (serial port, monitor) attaches,
 * sets its input handlers and writes output. A plain backend takes one
 * frontend; a mux takes several and hands input to the focused one.
 */
#include "chardev-internal.h"

bool chr_fe_init(CharFrontend *fe, Chardev *chr, GError **errp)
{
    ChardevClass *cc;

    *fe = (CharFrontend){ .mux_tag = -1 };
    if (!chr) {
        return true;
    }
    cc = CHARDEV_GET_CLASS(chr);
    if (cc->fe_attach) {
        if (!cc->fe_attach(chr, fe, errp)) {
            return false;
        }
    } else if (chr->fe) {
        error_setg(errp, "Device '%s' is in use", chr->label);
        return false;
    } else {
        chr->fe = fe;
    }
    fe->chr = chr;
    return true;
}

void chr_fe_deinit(CharFrontend *fe)
{
    Chardev *chr = fe->chr;
    ChardevClass *cc;

    if (!chr) {
        return;
    }
    cc = CHARDEV_GET_CLASS(chr);
    fe->can_read = NULL;
    fe->read = NULL;
    fe->event = NULL;
    if (cc->fe_detach) {
        cc->fe_detach(chr, fe);
    } else if (chr->fe == fe) {
        chr->fe = NULL;
    }
    if (cc->update_read_handler) {
        cc->update_read_handler(chr);
    }
    fe->chr = NULL;
    fe->opaque = NULL;
}

void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadFn can_read,
                         ChrReadFn read, ChrEventFn event, void *opaque)
{
    Chardev *chr = fe->chr;
    ChardevClass *cc;

    fe->can_read = can_read;
    fe->read = read;
    fe->event = event;
    fe->opaque = opaque;
    if (!chr) {
        return;
    }
    cc = CHARDEV_GET_CLASS(chr);
    if (cc->update_read_handler) {
        cc->update_read_handler(chr);
    }
    /* Tell the newcomer where it stands: focus first (so a monitor knows
     * whether to greet), then whether a peer is already there. */
    if (fe->mux_tag >= 0) {
        mux_chardev_announce_focus(chr, fe);
    }
    if (chr->be_open && event) {
        event(opaque, CHR_EVENT_OPENED);
    }
}

int chr_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len)
{
    return fe->chr ? chardev_write_all(fe->chr, buf, len) : 0;
}

void chr_fe_accept_input(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (chr && CHARDEV_GET_CLASS(chr)->accept_input) {
        CHARDEV_GET_CLASS(chr)->accept_input(chr);
    }
}

bool chr_fe_backend_connected(CharFrontend *fe)
{
    return fe->chr != NULL;
}

bool chr_fe_backend_open(CharFrontend *fe)
{
    return fe->chr && fe->chr->be_open;
}

void chr_fe_take_focus(CharFrontend *fe)
{
    if (fe->chr && fe->mux_tag >= 0) {
        mux_chardev_take_focus(fe->chr, fe);
    }
}
