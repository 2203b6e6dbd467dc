/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -d items and -D file, as QEMU's: a mask of enabled items and one output.
 */
#include "vireo/log.h"
#include "vireo/object.h"
#include <stdio.h>
#include <string.h>

int log_mask;
static FILE *log_file;

static const struct {
    const char *name;
    int mask;
    const char *help;
} log_items[] = {
    { "in_asm", LOG_IN_ASM, "disassemble guest code as each block is translated (TCG)" },
    { "op", LOG_OP, "list the pre-decoded records of each translated block (TCG)" },
    { "int", LOG_INT, "one line per interrupt or exception taken" },
    { "exec", LOG_EXEC, "one line per block executed, chaining off (verbose; TCG)" },
    { "cpu", LOG_CPU, "registers before each block executed (verbose; TCG)" },
    { "fpu", LOG_FPU, "add x87/SSE registers to the 'cpu' dump" },
    { "mmu", LOG_MMU, "TLB fills and page faults (TCG)" },
    { "unimp", LOG_UNIMP, "unimplemented features, unassigned memory and ports" },
    { "guest_errors", LOG_GUEST_ERROR, "invalid guest actions (bad register offsets, ...)" },
};

void log_list_items(void)
{
    printf("Log items (comma separated):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        printf("%-15s %s\n", log_items[i].name, log_items[i].help);
    }
}

bool log_parse_items(const char *items, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(items, ",", 0);
    int mask = 0;
    for (char **p = parts; *p; p++) {
        size_t i;
        if (!**p) {
            continue;
        }
        for (i = 0; i < G_N_ELEMENTS(log_items); i++) {
            if (!strcmp(*p, log_items[i].name)) {
                mask |= log_items[i].mask;
                break;
            }
        }
        if (i == G_N_ELEMENTS(log_items)) {
            error_setg(errp, "Invalid -d option \"%s\" (try -d help)", *p);
            return false;
        }
    }
    log_mask = mask;
    return true;
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_setg(errp, "could not open log file '%s': %s", path,
                   g_strerror(errno));
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return true;
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}
