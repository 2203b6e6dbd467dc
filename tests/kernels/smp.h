/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "smp": constants shared by the C code and the AP
 * start-up assembly.
 */
#define TRAMP_ADDR 0x8000	/* below 1 MiB, 4 KiB aligned: SIPI vector 0x08 */
#define AP_STACK 4096
#define MAX_APS 31
