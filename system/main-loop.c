/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop and the big lock. The loop holds the lock except while it
 * polls, so vCPU threads can take it to touch devices; runstate requests
 * posted by any thread are carried out between iterations.
 */
#include "vireo/main-loop.h"
#include "vireo/runstate.h"
#include <poll.h>

static GMutex bql;
static __thread bool bql_held;
static bool quit_requested;
static GPollFunc default_poll;

void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

GMutex *bql_mutex(void)
{
    return &bql;
}

bool bql_locked(void)
{
    return bql_held;
}

static gint poll_without_lock(GPollFD *fds, guint nfds, gint timeout)
{
    bool held = bql_held;
    if (held) {
        bql_unlock();
    }
    gint r = default_poll(fds, nfds, timeout);
    if (held) {
        bql_lock();
    }
    return r;
}

void main_loop_init(void)
{
    default_poll = g_main_context_get_poll_func(NULL);
    g_main_context_set_poll_func(NULL, poll_without_lock);
}

void main_loop_run(void)
{
    while (!quit_requested) {
        g_main_context_iteration(NULL, TRUE);
        if (!runstate_process_requests()) {
            break;
        }
    }
}

void main_loop_quit(void)
{
    quit_requested = true;
    g_main_context_wakeup(NULL);
}

void main_loop_wakeup(void)
{
    g_main_context_wakeup(NULL);
}
