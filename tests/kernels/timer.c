/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "timer": RTC update cycle (timed with the PIT counter),
 * PIT channel 0 interrupts at 1000 Hz through the 8259, and the local APIC
 * timer in one-shot and periodic mode.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "timer";

#define RTC_SECONDS 0x00
#define RTC_REG_A 0x0a
#define RTC_UIP 0x80
#define LAPIC_TIMER_VEC 0x40
#define LAPIC_COUNT 100000	/* 1.6 ms at a 1 GHz bus clock, divide 16 */

static volatile uint32_t pit_irqs, lapic_irqs;

static void pit_irq(struct frame *f)
{
	(void)f;
	pit_irqs++;
	pic_eoi(0);
}

static void lapic_timer_irq(struct frame *f)
{
	(void)f;
	lapic_irqs++;
	lapic_write(LAPIC_EOI, 0);
}

/* Waits until RTC update-in-progress equals @set, failing after 2.5 s. */
static void wait_uip(int set, uint32_t t0)
{
	while (!(cmos_read(RTC_REG_A) & RTC_UIP) != !set)
		if (pit_clock_ms() - t0 > 2500)
			fail("RTC: update-in-progress never %s within 2.5 s", set ? "set" : "cleared");
}

/* The seconds register must advance within 2.5 s. UIP is set only for the
 * ~244 us before each update, too short a window for a guest running at a
 * million instructions per second to poll reliably, so it is not required. */
static void rtc_test(void)
{
	pit_clock_start();
	uint32_t t0 = pit_clock_ms();

	wait_uip(0, t0);
	uint8_t s0 = cmos_read(RTC_SECONDS), s1 = s0;

	while (s1 == s0) {
		if (pit_clock_ms() - t0 > 2500)
			fail("RTC: seconds still 0x%x after 2.5 s", s0);
		wait_uip(0, t0);
		s1 = cmos_read(RTC_SECONDS);
	}
	kprintf("timer: rtc seconds 0x%x -> 0x%x, update after %u ms ok\n",
		s0, s1, pit_clock_ms() - t0);
}

/* Interrupt waits time out on RTC seconds (checked above), a clock
 * independent of the timers under test: 5 second changes are >= 4 s. */
static uint32_t wait_irqs(volatile uint32_t *count, uint32_t n, const char *what)
{
	uint8_t sec = cmos_read(RTC_SECONDS);
	uint32_t polls = 0, changes = 0;

	sti();
	while (*count < n) {
		uint8_t now = cmos_read(RTC_SECONDS);

		polls++;
		if (now != sec && (sec = now, ++changes == 5))
			fail("%s: %u of %u interrupts after more than 4 s", what, *count, n);
	}
	cli();
	kprintf("timer: %s: %u interrupts ok\n", what, n);
	return polls;
}

static void pit_test(void)
{
	idt_set_handler(PIC_VEC + 0, pit_irq);
	pic_init();
	outb(0x43, 0x34);	/* channel 0, lo/hi byte, mode 2 (rate generator) */
	outb(0x40, 1193 & 0xff);	/* 1193182 Hz / 1193 = 1000 Hz */
	outb(0x40, 1193 >> 8);
	pic_set_mask(0xfffe);	/* IRQ0 only */
	wait_irqs(&pit_irqs, 100, "pit 1000 Hz irq0");
	pic_set_mask(0xffff);
}

static void lapic_timer_test(void)
{
	idt_set_handler(LAPIC_TIMER_VEC, lapic_timer_irq);
	lapic_enable();
	lapic_write(LAPIC_TIMER_DCR, 0x3);	/* divide by 16 */

	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_VEC);	/* one-shot */
	lapic_write(LAPIC_TIMER_ICR, LAPIC_COUNT);
	uint32_t polls = wait_irqs(&lapic_irqs, 1, "lapic one-shot");

	check(lapic_read(LAPIC_TIMER_CCR), 0, "lapic one-shot: current count after expiry");
	/* Wait twice as long again: a one-shot timer must stay quiet. */
	sti();
	for (uint32_t i = 0; i < 2 * polls + 100; i++)
		cmos_read(RTC_SECONDS);
	cli();
	check(lapic_irqs, 1, "lapic one-shot: interrupt count after waiting longer");

	lapic_irqs = 0;
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_VEC | 1u << 17);	/* periodic */
	lapic_write(LAPIC_TIMER_ICR, LAPIC_COUNT);
	wait_irqs(&lapic_irqs, 3, "lapic periodic");
	lapic_write(LAPIC_LVT_TIMER, 1u << 16);	/* masked */
	lapic_write(LAPIC_TIMER_ICR, 0);	/* stopped */
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	(void)mbi, (void)cmdline;
	rtc_test();
	pit_test();
	lapic_timer_test();
}
