/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers in the GLib main loop: the virtual clock stands still
 * while the VM is paused and resumes where it stopped; timers fire in
 * deadline order, can be re-armed and cancelled, and a virtual timer waits
 * out a pause.
 */
#include <glib.h>

#include "vireo/main-loop.h"

#define MS (1000 * 1000LL)

/* Each firing appends the timer's name. */
static GString *fired;

static void note_fired(void *opaque)
{
    g_string_append_printf(fired, "%s;", (const char *)opaque);
}

static void setup(void)
{
    g_string_truncate(fired, 0);
    clock_virtual_resume();
    /* Drop anything a previous test left ready. */
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

/* Runs the main loop until `expected` has fired or `timeout_ms` passed. */
static void run_until(const char *expected, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + timeout_ms * 1000LL;
    while (g_strcmp0(fired->str, expected) && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

/* Runs the main loop for `ms` milliseconds without blocking. */
static void run_for(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000LL;
    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

/* --- Clocks --- */

static void test_virtual_clock_advances(void)
{
    setup();
    int64_t a = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(2000);
    int64_t b = clock_get_ns(CLOCK_VIRTUAL);
    g_assert_cmpint(b - a, >=, 2 * MS);
}

static void test_virtual_clock_stands_still_while_paused(void)
{
    setup();
    clock_virtual_pause();
    int64_t a = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(5000);
    int64_t b = clock_get_ns(CLOCK_VIRTUAL);
    g_assert_cmpint(a, ==, b);
    /* Pausing twice is harmless. */
    clock_virtual_pause();
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), ==, a);
    clock_virtual_resume();
}

static void test_virtual_clock_resumes_without_jump(void)
{
    setup();
    clock_virtual_pause();
    int64_t at_pause = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(100000);
    clock_virtual_resume();
    int64_t after = clock_get_ns(CLOCK_VIRTUAL);
    /* The 100 ms paused do not count; a little for the call itself does. */
    g_assert_cmpint(after, >=, at_pause);
    g_assert_cmpint(after - at_pause, <, 50 * MS);
    /* Resuming twice does not move it either. */
    clock_virtual_resume();
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL) - at_pause, <, 50 * MS);
}

static void test_host_clocks(void)
{
    int64_t wall = clock_get_ns(CLOCK_HOST);
    g_assert_cmpint(wall / 1000, >=, g_get_real_time() - 1000000);
    int64_t m1 = clock_get_ns(CLOCK_HOST_MONOTONIC);
    int64_t m2 = clock_get_ns(CLOCK_HOST_MONOTONIC);
    g_assert_cmpint(m2, >=, m1);
}

/* --- Timers --- */

static void test_timer_fires_once(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "t");
    g_assert_false(timer_pending(t));
    int64_t deadline = clock_get_ns(CLOCK_HOST_MONOTONIC) + 2 * MS;
    timer_mod(t, deadline);
    g_assert_true(timer_pending(t));
    g_assert_cmpint(timer_expire_time_ns(t), ==, deadline);
    run_until("t;", 1000);
    g_assert_cmpstr(fired->str, ==, "t;");
    g_assert_cmpint(clock_get_ns(CLOCK_HOST_MONOTONIC), >=, deadline);
    g_assert_false(timer_pending(t));
    run_for(5);
    g_assert_cmpstr(fired->str, ==, "t;");
    timer_free(t);
}

static void test_timers_fire_in_deadline_order(void)
{
    setup();
    /* Created in one order, due in the other, both due by the time the
     * loop next runs: the earlier deadline goes first. */
    Timer *late = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "late");
    Timer *early = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "early");
    int64_t now = clock_get_ns(CLOCK_HOST_MONOTONIC);
    timer_mod(late, now + 2 * MS);
    timer_mod(early, now + 1 * MS);
    g_usleep(10000);
    run_until("early;late;", 1000);
    g_assert_cmpstr(fired->str, ==, "early;late;");
    timer_free(late);
    timer_free(early);
}

static void test_timers_fire_in_deadline_order_as_they_come(void)
{
    setup();
    Timer *c = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "c");
    Timer *a = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "a");
    Timer *b = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "b");
    int64_t now = clock_get_ns(CLOCK_HOST_MONOTONIC);
    timer_mod(c, now + 9 * MS);
    timer_mod(a, now + 1 * MS);
    timer_mod(b, now + 5 * MS);
    run_until("a;b;c;", 2000);
    g_assert_cmpstr(fired->str, ==, "a;b;c;");
    timer_free(a);
    timer_free(b);
    timer_free(c);
}

static void test_timer_mod_rearms(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "t");
    int64_t now = clock_get_ns(CLOCK_HOST_MONOTONIC);
    /* Far away first, then soon: only the second deadline counts. */
    timer_mod(t, now + 60000 * MS);
    timer_mod(t, now + 1 * MS);
    run_until("t;", 1000);
    g_assert_cmpstr(fired->str, ==, "t;");
    /* And soon first, then later: it waits for the later one. */
    g_string_truncate(fired, 0);
    now = clock_get_ns(CLOCK_HOST_MONOTONIC);
    timer_mod(t, now + 1 * MS);
    timer_mod(t, now + 200 * MS);
    run_for(10);
    g_assert_cmpstr(fired->str, ==, "");
    run_until("t;", 2000);
    g_assert_cmpstr(fired->str, ==, "t;");
    g_assert_cmpint(clock_get_ns(CLOCK_HOST_MONOTONIC), >=, now + 200 * MS);
    timer_free(t);
}

static void test_timer_in_the_past_fires_at_once(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "t");
    timer_mod(t, clock_get_ns(CLOCK_HOST_MONOTONIC) - 5 * MS);
    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpstr(fired->str, ==, "t;");
    timer_free(t);
}

static void test_timer_del_cancels(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "t");
    timer_mod(t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    timer_del(t);
    g_assert_false(timer_pending(t));
    run_for(10);
    g_assert_cmpstr(fired->str, ==, "");
    /* Deleting an idle timer is harmless; it can be armed again. */
    timer_del(t);
    timer_mod(t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    run_until("t;", 1000);
    g_assert_cmpstr(fired->str, ==, "t;");
    timer_free(t);
}

static void test_timer_free_while_pending(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "t");
    timer_mod(t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    timer_free(t);
    run_for(10);
    g_assert_cmpstr(fired->str, ==, "");
    timer_free(NULL);
}

/* A timer whose callback re-arms it: a periodic tick. */
typedef struct Ticker {
    Timer *t;
    int ticks;
} Ticker;

static void tick(void *opaque)
{
    Ticker *k = opaque;
    if (++k->ticks < 3) {
        timer_mod(k->t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    }
}

static void test_timer_rearmed_from_its_callback(void)
{
    setup();
    Ticker k = { 0 };
    k.t = timer_new_ns(CLOCK_HOST_MONOTONIC, tick, &k);
    timer_mod(k.t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    gint64 end = g_get_monotonic_time() + 1000000;
    while (k.ticks < 3 && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
    g_assert_cmpint(k.ticks, ==, 3);
    g_assert_false(timer_pending(k.t));
    timer_free(k.t);
}

static void test_host_timer_fires(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST, note_fired, "wall");
    int64_t deadline = clock_get_ns(CLOCK_HOST) + 2 * MS;
    timer_mod(t, deadline);
    run_until("wall;", 1000);
    g_assert_cmpstr(fired->str, ==, "wall;");
    g_assert_cmpint(clock_get_ns(CLOCK_HOST), >=, deadline);
    timer_free(t);
}

/* --- Virtual timers and pauses --- */

static void test_virtual_timer_fires(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_VIRTUAL, note_fired, "v");
    int64_t deadline = clock_get_ns(CLOCK_VIRTUAL) + 2 * MS;
    timer_mod(t, deadline);
    run_until("v;", 1000);
    g_assert_cmpstr(fired->str, ==, "v;");
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), >=, deadline);
    timer_free(t);
}

static void test_virtual_timer_waits_while_paused(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_VIRTUAL, note_fired, "v");
    clock_virtual_pause();
    timer_mod(t, clock_get_ns(CLOCK_VIRTUAL) + 1 * MS);
    run_for(20);
    g_assert_cmpstr(fired->str, ==, "");
    g_assert_true(timer_pending(t));
    clock_virtual_resume();
    run_until("v;", 1000);
    g_assert_cmpstr(fired->str, ==, "v;");
    timer_free(t);
}

static void test_virtual_timer_armed_before_pause_waits(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_VIRTUAL, note_fired, "v");
    int64_t deadline = clock_get_ns(CLOCK_VIRTUAL) + 5 * MS;
    timer_mod(t, deadline);
    clock_virtual_pause();
    /* Its host-time deadline passes during the pause: still nothing. */
    run_for(30);
    g_assert_cmpstr(fired->str, ==, "");
    clock_virtual_resume();
    run_until("v;", 1000);
    g_assert_cmpstr(fired->str, ==, "v;");
    /* It fired on virtual time: never before its virtual deadline. */
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), >=, deadline);
    timer_free(t);
}

static void test_host_timer_runs_while_paused(void)
{
    setup();
    Timer *t = timer_new_ns(CLOCK_HOST_MONOTONIC, note_fired, "h");
    clock_virtual_pause();
    timer_mod(t, clock_get_ns(CLOCK_HOST_MONOTONIC) + 1 * MS);
    run_until("h;", 1000);
    g_assert_cmpstr(fired->str, ==, "h;");
    clock_virtual_resume();
    timer_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* A failed check marks its test failed and the others still run: no
     * check here guards a pointer. */
    g_test_set_nonfatal_assertions();
    fired = g_string_new("");

    g_test_add_func("/timer/clock/virtual-advances", test_virtual_clock_advances);
    g_test_add_func("/timer/clock/virtual-stands-still-while-paused",
                    test_virtual_clock_stands_still_while_paused);
    g_test_add_func("/timer/clock/virtual-resumes-without-jump",
                    test_virtual_clock_resumes_without_jump);
    g_test_add_func("/timer/clock/host-clocks", test_host_clocks);
    g_test_add_func("/timer/fires-once", test_timer_fires_once);
    g_test_add_func("/timer/fire-in-deadline-order", test_timers_fire_in_deadline_order);
    g_test_add_func("/timer/fire-in-deadline-order-as-they-come",
                    test_timers_fire_in_deadline_order_as_they_come);
    g_test_add_func("/timer/mod-rearms", test_timer_mod_rearms);
    g_test_add_func("/timer/in-the-past-fires-at-once", test_timer_in_the_past_fires_at_once);
    g_test_add_func("/timer/del-cancels", test_timer_del_cancels);
    g_test_add_func("/timer/free-while-pending", test_timer_free_while_pending);
    g_test_add_func("/timer/rearmed-from-its-callback", test_timer_rearmed_from_its_callback);
    g_test_add_func("/timer/host-timer-fires", test_host_timer_fires);
    g_test_add_func("/timer/virtual/fires", test_virtual_timer_fires);
    g_test_add_func("/timer/virtual/waits-while-paused", test_virtual_timer_waits_while_paused);
    g_test_add_func("/timer/virtual/armed-before-pause-waits",
                    test_virtual_timer_armed_before_pause_waits);
    g_test_add_func("/timer/virtual/host-timer-runs-while-paused",
                    test_host_timer_runs_while_paused);
    return g_test_run();
}
