/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run states and requests. Any thread may post a shutdown, reset or
 * powerdown request; the main loop carries it out with the lock held,
 * emitting QEMU's events (STOP, RESUME, RESET, POWERDOWN, SHUTDOWN).
 */
#include "vireo/runstate.h"
#include "vireo/cpu.h"
#include "vireo/machine.h"
#include "vireo/main-loop.h"
#include "vireo/qmp.h"

bool no_reboot;
bool no_shutdown;

static RunState current_state = RUN_STATE_PRELAUNCH;
static int shutdown_request;            /* ShutdownCause, 0 = none */
static int reset_request;
static int powerdown_request;
static int exit_status;
static GArray *powerdown_notifiers;

static const char *const runstate_names[RUN_STATE__MAX] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_DEBUG] = "debug",
};

static const char *const cause_names[] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
};

RunState runstate_get(void)
{
    return current_state;
}

const char *runstate_name(RunState s)
{
    return s < RUN_STATE__MAX ? runstate_names[s] : "unknown";
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

void runstate_set(RunState s)
{
    current_state = s;
}

const char *shutdown_cause_name(ShutdownCause c)
{
    return c < G_N_ELEMENTS(cause_names) ? cause_names[c] : "none";
}

bool shutdown_cause_is_guest(ShutdownCause c)
{
    return c >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN && c <= SHUTDOWN_CAUSE_GUEST_PANIC;
}

void vm_start(void)
{
    if (runstate_is_running()) {
        return;
    }
    clock_virtual_resume();
    runstate_set(RUN_STATE_RUNNING);
    resume_all_vcpus();
    qmp_event_emit("RESUME", NULL);
}

void vm_stop(RunState state)
{
    if (!runstate_is_running()) {
        /* As QEMU: stopping a VM that does not run changes nothing. */
        return;
    }
    pause_all_vcpus();
    clock_virtual_pause();
    runstate_set(state);
    qmp_event_emit("STOP", NULL);
}

void request_shutdown(ShutdownCause cause)
{
    cpu_stop_current();
    g_atomic_int_set(&shutdown_request, cause);
    main_loop_wakeup();
}

void request_reset(ShutdownCause cause)
{
    cpu_stop_current();
    g_atomic_int_set(&reset_request, cause);
    main_loop_wakeup();
}

void request_powerdown(void)
{
    g_atomic_int_set(&powerdown_request, 1);
    main_loop_wakeup();
}

void request_exit_status(int status)
{
    exit_status = status;
}

int runstate_exit_status(void)
{
    return exit_status;
}

void powerdown_notifier_add(PowerdownNotifier fn, void *opaque)
{
    if (!powerdown_notifiers) {
        powerdown_notifiers = g_array_new(false, false, 2 * sizeof(void *));
    }
    void *entry[2] = { (void *)fn, opaque };
    g_array_append_vals(powerdown_notifiers, entry, 1);
}

static void emit_cause_event(const char *name, ShutdownCause cause)
{
    JsonObject *data = json_object_new();
    json_object_set_boolean_member(data, "guest", shutdown_cause_is_guest(cause));
    json_object_set_string_member(data, "reason", shutdown_cause_name(cause));
    qmp_event_emit(name, data);
}

/* Returns false when the process should leave the main loop. */
static bool do_shutdown(ShutdownCause cause)
{
    emit_cause_event("SHUTDOWN", cause);
    if (no_shutdown && shutdown_cause_is_guest(cause)) {
        vm_stop(RUN_STATE_SHUTDOWN);
        runstate_set(RUN_STATE_SHUTDOWN);
        return true;
    }
    if (runstate_is_running()) {
        pause_all_vcpus();
    }
    runstate_set(RUN_STATE_SHUTDOWN);
    return false;
}

static void do_reset(ShutdownCause cause)
{
    bool was_running = runstate_is_running();
    if (was_running) {
        pause_all_vcpus();
    }
    machine_reset();
    emit_cause_event("RESET", cause);
    if (current_state == RUN_STATE_SHUTDOWN) {
        /* A reset out of -no-shutdown's stop makes the VM startable. */
        runstate_set(RUN_STATE_PAUSED);
    }
    if (was_running) {
        resume_all_vcpus();
    }
}

bool runstate_process_requests(void)
{
    int cause = g_atomic_int_and(&shutdown_request, 0);
    if (cause && !do_shutdown(cause)) {
        return false;
    }
    cause = g_atomic_int_and(&reset_request, 0);
    if (cause) {
        if (no_reboot && cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
            /* -no-reboot: a reset (the guest's or system_reset) ends the VM
             * instead, as in QEMU. */
            if (!do_shutdown(cause)) {
                return false;
            }
        } else {
            do_reset(cause);
        }
    }
    if (g_atomic_int_and(&powerdown_request, 0)) {
        qmp_event_emit("POWERDOWN", NULL);
        for (guint i = 0; powerdown_notifiers && i < powerdown_notifiers->len; i++) {
            void **e = &g_array_index(powerdown_notifiers, void *, 2 * i);
            ((PowerdownNotifier)e[0])(e[1]);
        }
    }
    return true;
}
