/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option strings of the QEMU command line: "value,key=value,key2=v2" where
 * ",," stands for a literal comma and the first bare word may be an implied
 * key (-device driver, -chardev backend, -machine type).
 */
#ifndef VIREO_OPTS_H
#define VIREO_OPTS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Opt {
    char *key;
    char *value;            /* "on" for a bare "key" flag */
    bool used;
} Opt;

typedef struct Opts {
    GPtrArray *list;        /* Opt*, in order */
} Opts;

/* `implied_key` names a leading bare word ("driver"); NULL if none allowed
 * (bare words are then flags "key" = "on"). */
Opts *opts_parse(const char *str, const char *implied_key, GError **errp);
void opts_free(Opts *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Opts, opts_free)
/* Last value for key (marks it used), or NULL. */
const char *opts_get(Opts *o, const char *key);
bool opts_get_bool(Opts *o, const char *key, bool def, GError **errp);
bool opts_get_size(Opts *o, const char *key, uint64_t def, uint64_t *out,
                   GError **errp);
/* The first option nobody asked for, or NULL. */
const char *opts_first_unused(Opts *o);

#endif
