/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vireo-system-x86_64: everything happens in vireo_main (system/vl.c).
 */
#include "vireo/vl.h"

int main(int argc, char **argv)
{
    return vireo_main(argc, argv);
}
