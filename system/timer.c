/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers. The virtual clock follows host monotonic time but
 * stands still while the VM is stopped; timers are GLib sources in the main
 * loop, re-armed when the virtual clock pauses and resumes.
 */
#include "vireo/main-loop.h"
#include <time.h>

struct Timer {
    GSource source;
    VireoClock clock;
    TimerCb cb;
    void *opaque;
    int64_t expire_ns;      /* -1: not pending */
};

static int64_t virtual_offset_ns;   /* virtual = monotonic - offset */
static int64_t paused_at_ns = -1;   /* monotonic time of the pause, or -1 */
static GPtrArray *virtual_timers;

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

/* Monotonic microseconds at which the timer should fire, or -1. */
static int64_t ready_time_us(Timer *t)
{
    if (t->expire_ns < 0) {
        return -1;
    }
    if (t->clock == CLOCK_VIRTUAL) {
        if (paused_at_ns >= 0) {
            return -1;
        }
        return (t->expire_ns + virtual_offset_ns) / 1000;
    }
    if (t->clock == CLOCK_HOST) {
        int64_t delta = t->expire_ns - clock_get_ns(CLOCK_HOST);
        return g_get_monotonic_time() + MAX(delta, 0) / 1000;
    }
    return t->expire_ns / 1000;
}

static gboolean timer_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    Timer *t = (Timer *)src;
    if (t->expire_ns < 0 || clock_get_ns(t->clock) < t->expire_ns) {
        /* Paused or woken early (µs rounding): wait again. */
        g_source_set_ready_time(src, ready_time_us(t));
        return G_SOURCE_CONTINUE;
    }
    t->expire_ns = -1;
    g_source_set_ready_time(src, -1);
    t->cb(t->opaque);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

Timer *timer_new_ns(VireoClock clock, TimerCb cb, void *opaque)
{
    Timer *t = (Timer *)g_source_new(&timer_funcs, sizeof(Timer));
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->expire_ns = -1;
    g_source_set_ready_time(&t->source, -1);
    g_source_attach(&t->source, NULL);
    if (clock == CLOCK_VIRTUAL) {
        if (!virtual_timers) {
            virtual_timers = g_ptr_array_new();
        }
        g_ptr_array_add(virtual_timers, t);
    }
    return t;
}

void timer_free(Timer *t)
{
    if (!t) {
        return;
    }
    if (virtual_timers) {
        g_ptr_array_remove(virtual_timers, t);
    }
    g_source_destroy(&t->source);
    g_source_unref(&t->source);
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    t->expire_ns = MAX(expire_ns, 0);
    g_source_set_ready_time(&t->source, ready_time_us(t));
}

void timer_del(Timer *t)
{
    t->expire_ns = -1;
    g_source_set_ready_time(&t->source, -1);
}

bool timer_pending(Timer *t)
{
    return t->expire_ns >= 0;
}

int64_t timer_expire_time_ns(Timer *t)
{
    return t->expire_ns;
}

static void rearm_virtual_timers(void)
{
    for (guint i = 0; virtual_timers && i < virtual_timers->len; i++) {
        Timer *t = virtual_timers->pdata[i];
        g_source_set_ready_time(&t->source, ready_time_us(t));
    }
}

void clock_virtual_pause(void)
{
    if (paused_at_ns < 0) {
        paused_at_ns = monotonic_ns();
        rearm_virtual_timers();
    }
}

void clock_virtual_resume(void)
{
    if (paused_at_ns >= 0) {
        virtual_offset_ns += monotonic_ns() - paused_at_ns;
        paused_at_ns = -1;
        rearm_virtual_timers();
    }
}
