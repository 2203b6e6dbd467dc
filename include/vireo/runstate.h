/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run states with QEMU's names, and requests (shutdown, reset, powerdown)
 * that any thread may post and the main loop carries out.
 */
#ifndef VIREO_RUNSTATE_H
#define VIREO_RUNSTATE_H

#include <stdbool.h>

typedef enum {
    RUN_STATE_PRELAUNCH,     /* "prelaunch": -S, not yet started */
    RUN_STATE_RUNNING,       /* "running" */
    RUN_STATE_PAUSED,        /* "paused": stopped by stop */
    RUN_STATE_SHUTDOWN,      /* "shutdown" */
    RUN_STATE_INTERNAL_ERROR,/* "internal-error" */
    RUN_STATE_GUEST_PANICKED,/* "guest-panicked" */
    RUN_STATE_INMIGRATE,     /* "inmigrate" */
    RUN_STATE_DEBUG,         /* "debug" */
    RUN_STATE__MAX
} RunState;

/* Why the guest stops; QEMU's ShutdownCause names go into SHUTDOWN/RESET. */
typedef enum {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,       /* "host-error" */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,    /* "host-qmp-quit" */
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET, /* "host-qmp-system-reset" */
    SHUTDOWN_CAUSE_HOST_SIGNAL,      /* "host-signal" */
    SHUTDOWN_CAUSE_HOST_UI,          /* "host-ui" (Ctrl-A x, window close) */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,   /* "guest-shutdown" (ACPI S5, debug exit) */
    SHUTDOWN_CAUSE_GUEST_RESET,      /* "guest-reset" */
    SHUTDOWN_CAUSE_GUEST_PANIC,      /* "guest-panic" (triple fault without reboot) */
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,  /* "subsystem-reset" */
} ShutdownCause;

RunState runstate_get(void);
const char *runstate_name(RunState s);
bool runstate_is_running(void);
const char *shutdown_cause_name(ShutdownCause c);
bool shutdown_cause_is_guest(ShutdownCause c);

/* Starts/stops the vCPUs and the virtual clock; emit RESUME/STOP. */
void vm_start(void);
void vm_stop(RunState state);
void runstate_set(RunState s);

/* Requests, from any thread; carried out by the main loop. */
void request_shutdown(ShutdownCause cause);
void request_reset(ShutdownCause cause);
void request_powerdown(void);
/* Ends the process with this status once the main loop quits (debug exit). */
void request_exit_status(int status);
/* Carried out by the main loop; returns false when it should quit. */
bool runstate_process_requests(void);
int runstate_exit_status(void);

/* -no-reboot: a guest reset ends the process; -no-shutdown: stay alive. */
extern bool no_reboot;
extern bool no_shutdown;

/* Observers of powerdown (the ACPI PM device presses its power button). */
typedef void (*PowerdownNotifier)(void *opaque);
void powerdown_notifier_add(PowerdownNotifier fn, void *opaque);

#endif
