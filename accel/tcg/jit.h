/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host code generator's buffer (jit-buf.c). The generator itself is
 * per guest (target/i386/tcg/jit.c); see docs/devel/tcg.md.
 */
#ifndef ACCEL_TCG_JIT_H
#define ACCEL_TCG_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maps the buffer (once); false if the host refuses executable memory. */
bool jit_buf_init(void);
/* Where the next code goes and how many bytes are left. */
uint8_t *jit_buf_start(size_t *avail);
/* The code just written ends at `end`. */
void jit_buf_commit(const uint8_t *end);
/* What is in the buffer now stays across flushes (entry/exit code). */
void jit_buf_keep(void);
/* Drops all generated code but what was kept. */
void jit_buf_flush(void);
/* Bytes of generated code in the buffer now. */
size_t jit_buf_used(void);

#endif
