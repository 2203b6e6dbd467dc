/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP events: {"timestamp": {"seconds", "microseconds"}, "event", "data"}
 * sent to every negotiated monitor, plus typed emitters for the run-state
 * events declared in qapi/run-state.json.
 */
#include "monitor/monitor-internal.h"

/* An event the schema does not describe is our bug: say so, send anyway. */
static void check_event(const char *name, JsonObject *data)
{
    const QmpEventInfo *info = qmp_event_find(name);
    g_autoptr(GError) err = NULL;

    if (!info) {
        g_warning("QMP event %s is not in the schema", name);
    } else if (info->data) {
        g_autoptr(JsonObject) none = data ? NULL : json_object_new();
        JsonNode *n = json_node_init_object(json_node_alloc(), data ? data : none);
        if (!qapi_check_value(n, info->data, "data", &err)) {
            g_warning("QMP event %s does not match the schema: %s", name,
                      err->message);
        }
        json_node_unref(n);
    } else if (data && json_object_get_size(data)) {
        g_warning("QMP event %s carries no data in the schema", name);
    }
}

void qmp_event_emit(const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    JsonObject *timestamp = json_object_new();
    JsonObject *msg = json_object_new();

    check_event(name, data);
    json_object_set_int_member(timestamp, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(timestamp, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(msg, "timestamp", timestamp);
    json_object_set_string_member(msg, "event", name);
    if (data) {
        json_object_set_object_member(msg, "data", data);
    }
    JsonNode *node = qmp_node_take_object(msg);
    qmp_sessions_broadcast(node);
    json_node_unref(node);
}

static void emit_guest_reason(const char *name, bool guest, const char *reason)
{
    JsonObject *data = json_object_new();
    json_object_set_boolean_member(data, "guest", guest);
    json_object_set_string_member(data, "reason", reason);
    qmp_event_emit(name, data);
}

void qmp_event_shutdown(bool guest, const char *reason)
{
    emit_guest_reason("SHUTDOWN", guest, reason);
}

void qmp_event_reset(bool guest, const char *reason)
{
    emit_guest_reason("RESET", guest, reason);
}

void qmp_event_powerdown(void)
{
    qmp_event_emit("POWERDOWN", NULL);
}

void qmp_event_stop(void)
{
    qmp_event_emit("STOP", NULL);
}

void qmp_event_resume(void)
{
    qmp_event_emit("RESUME", NULL);
}
