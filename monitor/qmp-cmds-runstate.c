/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP run control (qapi/run-state.json and quit): query-status, stop,
 * cont, system_reset, system_powerdown, quit. Requests are carried out by
 * the main loop after the reply has been written.
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include "vireo/runstate.h"

JsonNode *qmp_query_status(GError **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "status", runstate_name(runstate_get()));
    json_object_set_boolean_member(info, "singlestep", false);
    json_object_set_boolean_member(info, "running", runstate_is_running());
    return qmp_node_take_object(info);
}

JsonNode *qmp_stop(GError **errp)
{
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    return NULL;
}

JsonNode *qmp_cont(GError **errp)
{
    switch (runstate_get()) {
    case RUN_STATE_SHUTDOWN:
    case RUN_STATE_INTERNAL_ERROR:
        error_setg(errp, "Resetting the Virtual Machine is required");
        return NULL;
    case RUN_STATE_RUNNING:
        return NULL;
    case RUN_STATE_INMIGRATE:
        /* The incoming migration starts the guest when it completes. */
        return NULL;
    default:
        vm_start();
        return NULL;
    }
}

JsonNode *qmp_system_reset(GError **errp)
{
    request_reset(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return NULL;
}

JsonNode *qmp_system_powerdown(GError **errp)
{
    request_powerdown();
    return NULL;
}

JsonNode *qmp_quit(GError **errp)
{
    request_shutdown(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}
