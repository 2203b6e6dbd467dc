/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accelerator registry and selection: "-accel kvm", "-machine accel=kvm:tcg",
 * "-enable-kvm"; the first available one of a list wins.
 */
#include "vireo/accel.h"
#include "vireo/object.h"
#include <string.h>

bool accel_kernel_irqchip = true;
bool accel_tcg_jit = true;
static GPtrArray *accels;
static const AccelOps *current;

void accel_register(const AccelOps *ops)
{
    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_ptr_array_add(accels, (gpointer)ops);
}

const AccelOps *accel_find(const char *name)
{
    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = accels->pdata[i];
        if (!strcmp(ops->name, name)) {
            return ops;
        }
    }
    return NULL;
}

const AccelOps *accel_current(void)
{
    return current;
}

bool accel_is_kvm(void)
{
    return current && !strcmp(current->name, "kvm");
}

bool kvm_present(void)
{
    const AccelOps *kvm = accel_find("kvm");
    char *why = NULL;
    bool ok = kvm && kvm->available(&why);
    g_free(why);
    return ok;
}

/* Names QEMU knows but Vireo does not build yet. */
static bool accel_known_elsewhere(const char *name)
{
    return !strcmp(name, "xen") || !strcmp(name, "hax") ||
           !strcmp(name, "whpx") || !strcmp(name, "hvf") || !strcmp(name, "nvmm") ||
           !strcmp(name, "qtest");
}

bool accel_select(const char *list, MachineState *ms, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(list, ":", 0);
    g_autoptr(GString) reasons = g_string_new(NULL);
    for (char **n = names; *n; n++) {
        const AccelOps *ops = accel_find(*n);
        char *why = NULL;
        if (!ops) {
            if (!accel_known_elsewhere(*n)) {
                error_setg(errp, "invalid accelerator %s", *n);
                return false;
            }
            g_string_append_printf(reasons, "%s%s: not built into this Vireo",
                                   reasons->len ? "; " : "", *n);
            continue;
        }
        if (!ops->available(&why)) {
            g_string_append_printf(reasons, "%s%s: %s", reasons->len ? "; " : "",
                                   *n, why ? why : "not available");
            g_free(why);
            continue;
        }
        GError *err = NULL;
        current = ops;
        if (ops->init(ms, &err)) {
            return true;
        }
        current = NULL;
        g_string_append_printf(reasons, "%s%s: %s", reasons->len ? "; " : "", *n,
                               err->message);
        g_error_free(err);
    }
    error_setg(errp, "no accelerator found (%s)", reasons->str);
    return false;
}
