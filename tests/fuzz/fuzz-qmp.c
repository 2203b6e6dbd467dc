/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: bytes a QMP client sends, through the whole server (stream
 * splitter, JSON parser, dispatcher, argument checks, command handlers).
 * The input is fed in chunks whose sizes come from its first byte, so
 * values split across reads are exercised too.
 */
#include "monitor/monitor-internal.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"

static void discard(void *opaque, const char *text, size_t len)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        memory_system_init();
        ready = true;
    }
    if (!size) {
        return 0;
    }
    size_t chunk = 1 + data[0] % 64;
    QmpSession *s = qmp_session_new(data[0] & 0x80, discard, NULL);
    qmp_session_open(s);
    for (size_t off = 1; off < size; off += chunk) {
        qmp_session_feed(s, (const char *)data + off, MIN(chunk, size - off));
    }
    qmp_session_close(s);
    qmp_session_free(s);
    return 0;
}
