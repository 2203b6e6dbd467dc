/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop (GLib's default context), the big lock that vCPU threads
 * take to touch devices, and clocks with timers that fire in the main loop.
 */
#ifndef VIREO_MAIN_LOOP_H
#define VIREO_MAIN_LOOP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The big lock: held by the main loop except while it polls, and taken by a
 * vCPU thread while it handles an exit that touches devices. */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);
/* The lock itself, for waiting on a condition with it held. */
GMutex *bql_mutex(void);

void main_loop_init(void);
/* Runs until main_loop_quit(); dispatches runstate requests between polls. */
void main_loop_run(void);
void main_loop_quit(void);
/* Wakes the main loop from another thread (after posting a request). */
void main_loop_wakeup(void);

/* Clocks. VIRTUAL stops while the VM is stopped; HOST is wall-clock time;
 * HOST_MONOTONIC is monotonic host time. */
typedef enum { CLOCK_VIRTUAL, CLOCK_HOST_MONOTONIC, CLOCK_HOST } VireoClock;
int64_t clock_get_ns(VireoClock clock);
void clock_virtual_pause(void);
void clock_virtual_resume(void);

typedef void (*TimerCb)(void *opaque);
typedef struct Timer Timer;
Timer *timer_new_ns(VireoClock clock, TimerCb cb, void *opaque);
void timer_free(Timer *t);
/* Fire at expire_ns on the timer's clock (in the main loop, lock held). */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(Timer *t);
int64_t timer_expire_time_ns(Timer *t);

#endif
