/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The buffer generated host code lives in: one mapping placed near the
 * executable's text, so calls from generated code to the handlers reach
 * with a rel32, bump-allocated and emptied together with the TB cache.
 * Only the vCPU holding the turn writes it (docs/devel/tcg.md).
 */
#include "accel/tcg/jit.h"
#include <glib.h>
#include <sys/mman.h>

#define JIT_BUF_SIZE (128u << 20)

static uint8_t *buf;
static size_t used, kept;

/* Tries addresses below the text first (within 2 GiB), then anywhere. */
static uint8_t *map_near_text(void)
{
    uintptr_t text = (uintptr_t)map_near_text & ~(uintptr_t)0xfffff;
    for (uintptr_t off = 256u << 20; off < (1536u << 20); off += 256u << 20) {
        if (text < off + JIT_BUF_SIZE) {
            break;
        }
        void *hint = (void *)(text - off - JIT_BUF_SIZE);
        void *p = mmap(hint, JIT_BUF_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                       MAP_FIXED_NOREPLACE, -1, 0);
        if (p == hint) {
            return p;
        }
        if (p != MAP_FAILED) {
            munmap(p, JIT_BUF_SIZE);
        }
    }
    void *p = mmap(NULL, JIT_BUF_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool jit_buf_init(void)
{
    if (!buf) {
        buf = map_near_text();
    }
    return buf != NULL;
}

uint8_t *jit_buf_start(size_t *avail)
{
    *avail = buf ? JIT_BUF_SIZE - used : 0;
    return buf ? buf + used : NULL;
}

void jit_buf_commit(const uint8_t *end)
{
    used = ((size_t)(end - buf) + 15) & ~(size_t)15;
}

void jit_buf_keep(void)
{
    kept = used;
}

void jit_buf_flush(void)
{
    used = kept;
}

size_t jit_buf_used(void)
{
    return used;
}
