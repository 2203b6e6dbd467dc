/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PC's MC146818 real-time clock and its CMOS memory, as the machine
 * fills it in for firmware (memory sizes; the century byte is the clock's).
 */
#ifndef VIREO_RTC_H
#define VIREO_RTC_H

#include "vireo/isa.h"

#define TYPE_MC146818_RTC "mc146818rtc"
#define RTC_CMOS_SIZE 128

/* Stores one CMOS byte (0x0e-0x7f is plain memory; 0x00-0x0d are clock
 * registers and are better left to the guest). Out-of-range addresses are
 * ignored. */
void rtc_set_memory(ISADevice *rtc, int addr, uint8_t val);
/* Reads one CMOS byte as the guest would at port 0x71 (time registers
 * reflect the current time); 0 for out-of-range addresses. */
uint8_t rtc_get_memory(ISADevice *rtc, int addr);
/* Fills the memory-size bytes firmware reads: 0x15/0x16 base memory
 * (640 KiB), 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (at most 65535),
 * 0x34/0x35 64 KiB units above 16 MiB (at most 65535), 0x5b-0x5d 64 KiB
 * units above 4 GiB; and refreshes the century byte 0x32. */
void rtc_set_ram_size(ISADevice *rtc, uint64_t below_4g, uint64_t above_4g);

#endif
