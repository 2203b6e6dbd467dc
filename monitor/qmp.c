/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitors on character devices (-qmp, -mon mode=control): each is a
 * chardev frontend feeding one QMP session; a new client on the same
 * chardev (a socket reconnect) gets a fresh greeting.
 */
#include "monitor/monitor-internal.h"

typedef struct MonitorQMP {
    CharFrontend fe;
    QmpSession *session;
} MonitorQMP;

static GPtrArray *monitors;     /* MonitorQMP* */

static int monitor_can_read(void *opaque)
{
    return 4096;                /* commands run at once: never pause input */
}

static void monitor_read(void *opaque, const uint8_t *buf, int len)
{
    MonitorQMP *mon = opaque;
    qmp_session_feed(mon->session, (const char *)buf, len);
}

static void monitor_event(void *opaque, ChrEvent event)
{
    MonitorQMP *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        qmp_session_open(mon->session);
        break;
    case CHR_EVENT_CLOSED:
        qmp_session_close(mon->session);
        break;
    default:
        break;
    }
}

static void monitor_output(void *opaque, const char *text, size_t len)
{
    MonitorQMP *mon = opaque;
    /* A client that went away loses its output; CLOSED follows. */
    chr_fe_write_all(&mon->fe, (const uint8_t *)text, len);
}

bool monitor_new_qmp(Chardev *chr, bool pretty, GError **errp)
{
    MonitorQMP *mon = g_new0(MonitorQMP, 1);

    if (!chr_fe_init(&mon->fe, chr, errp)) {
        g_free(mon);
        return false;
    }
    mon->session = qmp_session_new(pretty, monitor_output, mon);
    chr_fe_set_handlers(&mon->fe, monitor_can_read, monitor_read,
                        monitor_event, mon);
    /* A backend that is open already (stdio, a file) has its client. */
    if (chr_fe_backend_open(&mon->fe)) {
        qmp_session_open(mon->session);
    }
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    return true;
}

void monitors_cleanup(void)
{
    if (!monitors) {
        return;
    }
    for (guint i = 0; i < monitors->len; i++) {
        MonitorQMP *mon = g_ptr_array_index(monitors, i);
        chr_fe_set_handlers(&mon->fe, NULL, NULL, NULL, NULL);
        chr_fe_deinit(&mon->fe);
        qmp_session_free(mon->session);
        g_free(mon);
    }
    g_ptr_array_free(monitors, TRUE);
    monitors = NULL;
}
