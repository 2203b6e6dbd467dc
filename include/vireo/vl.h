/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulator's entry point, kept in the library so tests can link it.
 */
#ifndef VIREO_VL_H
#define VIREO_VL_H

int vireo_main(int argc, char **argv);

#endif
