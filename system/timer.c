/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers. The virtual clock follows host monotonic time but
 * stands still while the VM is stopped. All timers share one GLib source
 * whose ready time is the earliest deadline; a dispatch fires every due
 * timer in deadline order.
 */
#include "vireo/main-loop.h"
#include <time.h>

struct Timer {
    VireoClock clock;
    TimerCb cb;
    void *opaque;
    int64_t expire_ns;      /* -1: not pending */
};

static int64_t virtual_offset_ns;   /* virtual = monotonic - offset */
static int64_t paused_at_ns = -1;   /* monotonic time of the pause, or -1 */
static GPtrArray *timers;           /* every Timer */
static GSource *timer_source;

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_get_ns(VireoClock clock)
{
    switch (clock) {
    case CLOCK_VIRTUAL:
        return (paused_at_ns >= 0 ? paused_at_ns : monotonic_ns()) -
               virtual_offset_ns;
    case CLOCK_HOST:
        return g_get_real_time() * 1000;
    default:
        return monotonic_ns();
    }
}

/* Host monotonic nanoseconds at which the timer is due, or -1; `now` is
 * the current monotonic time (wall-clock deadlines are relative to it). */
static int64_t due_monotonic_ns(Timer *t, int64_t now)
{
    if (t->expire_ns < 0) {
        return -1;
    }
    switch (t->clock) {
    case CLOCK_VIRTUAL:
        return paused_at_ns >= 0 ? -1 : t->expire_ns + virtual_offset_ns;
    case CLOCK_HOST:
        return now + MAX(t->expire_ns - clock_get_ns(CLOCK_HOST), 0);
    default:
        return t->expire_ns;
    }
}

static void timers_rearm(void)
{
    int64_t first = -1, now = monotonic_ns();
    for (guint i = 0; timers && i < timers->len; i++) {
        int64_t d = due_monotonic_ns(timers->pdata[i], now);
        if (d >= 0 && (first < 0 || d < first)) {
            first = d;
        }
    }
    /* GLib counts in microseconds; round up so we never wake early. */
    g_source_set_ready_time(timer_source, first < 0 ? -1 : (first + 999) / 1000);
}

/* The due timer with the earliest deadline, as of `now` (monotonic). */
static Timer *earliest_due(int64_t now)
{
    Timer *best = NULL;
    int64_t best_due = 0;
    for (guint i = 0; i < timers->len; i++) {
        Timer *t = timers->pdata[i];
        int64_t d = due_monotonic_ns(t, now);
        if (d >= 0 && d <= now && (!best || d < best_due)) {
            best = t;
            best_due = d;
        }
    }
    return best;
}

static gboolean timers_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    /* "Now" is taken once, so a timer that re-arms itself for an instant
     * already past runs again only on the next dispatch. */
    int64_t now = monotonic_ns();
    Timer *t;
    while ((t = earliest_due(now))) {
        t->expire_ns = -1;
        t->cb(t->opaque);
    }
    timers_rearm();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { .dispatch = timers_dispatch };

Timer *timer_new_ns(VireoClock clock, TimerCb cb, void *opaque)
{
    if (!timers) {
        timers = g_ptr_array_new();
        timer_source = g_source_new(&timer_funcs, sizeof(GSource));
        g_source_set_ready_time(timer_source, -1);
        g_source_attach(timer_source, NULL);
    }
    Timer *t = g_new0(Timer, 1);
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->expire_ns = -1;
    g_ptr_array_add(timers, t);
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        g_ptr_array_remove(timers, t);
        g_free(t);
    }
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    t->expire_ns = MAX(expire_ns, 0);
    timers_rearm();
}

void timer_del(Timer *t)
{
    t->expire_ns = -1;
    timers_rearm();
}

bool timer_pending(Timer *t)
{
    return t->expire_ns >= 0;
}

int64_t timer_expire_time_ns(Timer *t)
{
    return t->expire_ns;
}

void clock_virtual_pause(void)
{
    if (paused_at_ns < 0) {
        paused_at_ns = monotonic_ns();
        if (timers) {
            timers_rearm();
        }
    }
}

void clock_virtual_resume(void)
{
    if (paused_at_ns >= 0) {
        virtual_offset_ns += monotonic_ns() - paused_at_ns;
        paused_at_ns = -1;
        if (timers) {
            timers_rearm();
        }
    }
}
