/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP server: monitors on chardevs speaking QEMU's JSON protocol
 * (greeting, capabilities negotiation, commands, events). Commands are
 * declared in the schema under qapi/; scripts/qapi-gen.py generates the dispatch table
 * and argument checking, and each room implements its handlers.
 */
#ifndef VIREO_QMP_H
#define VIREO_QMP_H

#include "vireo/chardev.h"
#include <json-glib/json-glib.h>

/* -qmp / -mon chardev=x,mode=control[,pretty=on] */
bool monitor_new_qmp(Chardev *chr, bool pretty, GError **errp);
/* Sends an event to every monitor that has negotiated capabilities.
 * Takes ownership of data (may be NULL for an event without data). */
void qmp_event_emit(const char *name, JsonObject *data);
/* Closes all monitors (on exit, after SHUTDOWN was sent). */
void monitors_cleanup(void);

/* Typed emitters for the run-state events (QEMU's data members).
 * reason is a ShutdownCause name, see shutdown_cause_name(). */
void qmp_event_shutdown(bool guest, const char *reason);
void qmp_event_reset(bool guest, const char *reason);
void qmp_event_powerdown(void);
void qmp_event_stop(void);
void qmp_event_resume(void);

/* For command handlers (prototypes in the generated qapi/qapi-commands.h:
 * `JsonNode *qmp_<command>(<typed args>, GError **errp)`): wrap a reply,
 * taking ownership of obj/arr. A handler returns NULL for {}. */
JsonNode *qmp_node_take_object(JsonObject *obj);
JsonNode *qmp_node_take_array(JsonArray *arr);

#endif
