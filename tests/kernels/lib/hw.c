/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: helpers for the platform devices of the pc machine:
 * CMOS/RTC, fw_cfg, 8259 PIC pair, local APIC, 8254 PIT channel 0.
 */
#include "lib.h"
#include "x86.h"

uint8_t cmos_read(uint8_t index)
{
	outb(0x70, index);	/* bit 7 clear: NMIs stay enabled */
	return inb(0x71);
}

void cmos_write(uint8_t index, uint8_t v)
{
	outb(0x70, index);
	outb(0x71, v);
}

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511

void fw_cfg_read(uint16_t key, void *buf, uint32_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_SEL, key);
	while (len--)
		*p++ = inb(FW_CFG_DATA);
}

int fw_cfg_present(void)
{
	char sig[4];

	fw_cfg_read(0x0000, sig, 4);
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

/* Remap the PICs to PIC_VEC.., all IRQs masked, and route their INTR output
 * to the CPU through LINT0 (virtual wire mode), since a multiboot kernel may
 * be entered without any firmware having configured the local APIC. */
void pic_init(void)
{
	outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, PIC_VEC);		/* ICW2: vector base */
	outb(0xa1, PIC_VEC + 8);
	outb(0x21, 0x04);		/* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);		/* ICW4: 8086 mode, normal EOI */
	outb(0xa1, 0x01);
	pic_set_mask(0xffff);
	lapic_enable();
	lapic_write(LAPIC_LVT_LINT0, 0x700);	/* ExtINT, unmasked */
	lapic_write(LAPIC_LVT_LINT1, 0x400);	/* NMI */
}

void pic_set_mask(uint16_t mask)
{
	outb(0x21, mask & 0xff);
	outb(0xa1, mask >> 8);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

uint32_t lapic_read(unsigned reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VEC);
}

/* Channel 0 in mode 2 with the maximal reload (65536): the counter wraps
 * every ~55 ms; elapsed ticks are summed modulo 65536 between reads. */
static uint16_t pit_last;
static uint32_t pit_ticks, pit_same;

static uint16_t pit_read(void)
{
	outb(0x43, 0x00);	/* latch channel 0 */
	uint8_t lo = inb(0x40);

	return lo | inb(0x40) << 8;
}

void pit_clock_start(void)
{
	outb(0x43, 0x34);	/* channel 0, lo/hi byte, mode 2, binary */
	outb(0x40, 0);
	outb(0x40, 0);
	pit_last = pit_read();
	pit_ticks = pit_same = 0;
}

uint32_t pit_clock_ms(void)
{
	uint16_t now = pit_read();

	if (now == pit_last && ++pit_same == 1000000)
		fail("PIT channel 0 counter is not counting");
	if (now != pit_last)
		pit_same = 0;
	pit_ticks += (uint16_t)(pit_last - now);
	pit_last = now;
	return pit_ticks / 1193;	/* 1.193182 MHz */
}

void delay_ms(uint32_t ms)
{
	uint32_t t0 = pit_clock_ms();

	while (pit_clock_ms() - t0 < ms)
		pause();
}
