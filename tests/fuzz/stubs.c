/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the loader fuzzer needs from the rest of Vireo when it is built on
 * its own: the error domain (qom/object.c in the full build).
 */
#include "vireo/object.h"

GQuark vireo_error_quark(void)
{
    return g_quark_from_static_string("vireo-error");
}
