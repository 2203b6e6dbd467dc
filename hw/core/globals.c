/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -global driver.property=value: defaults for every device of a type (or
 * of a type derived from it), applied when the device is created.
 */
#include "vireo/device.h"
#include "vireo/opts.h"
#include <string.h>

typedef struct GlobalProp {
    char *driver;
    char *property;
    char *value;
} GlobalProp;

static GPtrArray *globals;

bool global_property_add(const char *optstr, GError **errp)
{
    g_autofree char *driver = NULL, *prop = NULL, *value = NULL;
    const char *eq = strchr(optstr, '=');
    const char *dot = strchr(optstr, '.');
    if (dot && eq && dot < eq && !g_str_has_prefix(optstr, "driver=")) {
        driver = g_strndup(optstr, dot - optstr);
        prop = g_strndup(dot + 1, eq - dot - 1);
        value = g_strdup(eq + 1);
    } else {
        g_autoptr(Opts) o = opts_parse(optstr, NULL, errp);
        if (!o) {
            return false;
        }
        driver = g_strdup(opts_get(o, "driver"));
        prop = g_strdup(opts_get(o, "property"));
        value = g_strdup(opts_get(o, "value"));
    }
    if (!driver || !prop || !value || !*driver || !*prop) {
        error_setg(errp, "Invalid -global '%s': use driver.property=value",
                   optstr);
        return false;
    }
    if (!globals) {
        globals = g_ptr_array_new();
    }
    GlobalProp *g = g_new0(GlobalProp, 1);
    g->driver = g_steal_pointer(&driver);
    g->property = g_steal_pointer(&prop);
    g->value = g_steal_pointer(&value);
    g_ptr_array_add(globals, g);
    return true;
}

void global_properties_apply(DeviceState *dev)
{
    for (guint i = 0; globals && i < globals->len; i++) {
        GlobalProp *g = globals->pdata[i];
        if (!object_dynamic_cast(OBJECT(dev), g->driver)) {
            continue;
        }
        GError *err = NULL;
        if (!object_property_parse(OBJECT(dev), g->property, g->value, &err)) {
            /* QEMU reports and carries on for globals that do not apply. */
            g_printerr("warning: global %s.%s=%s: %s\n", g->driver,
                       g->property, g->value, err->message);
            g_error_free(err);
        }
    }
}
