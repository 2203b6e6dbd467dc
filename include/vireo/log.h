/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Debug logging selected with -d (items) and -D (file), as QEMU's.
 */
#ifndef VIREO_LOG_H
#define VIREO_LOG_H

#include <glib.h>
#include <stdbool.h>

enum {
    LOG_UNIMP    = 1 << 0,    /* "unimp": unimplemented/unassigned accesses */
    LOG_GUEST_ERROR = 1 << 1, /* "guest_errors" */
    LOG_INT      = 1 << 2,    /* "int": interrupts and exceptions */
    LOG_IN_ASM   = 1 << 3,    /* "in_asm" */
    LOG_OP       = 1 << 4,    /* "op" */
    LOG_EXEC     = 1 << 5,    /* "exec" */
    LOG_CPU      = 1 << 6,    /* "cpu" */
    LOG_MMU      = 1 << 7,    /* "mmu" */
    LOG_FPU      = 1 << 8,    /* "fpu": x87/SSE registers in the "cpu" dump */
};

extern int log_mask;
static inline bool log_enabled(int mask) { return (log_mask & mask) != 0; }
/* "unimp,guest_errors" -> mask; "help" lists; errors name the bad item. */
bool log_parse_items(const char *items, GError **errp);
bool log_set_file(const char *path, GError **errp);
void log_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
#define log_mask_printf(mask, ...) \
    do { if (log_enabled(mask)) { log_printf(__VA_ARGS__); } } while (0)
void log_list_items(void);

#endif
