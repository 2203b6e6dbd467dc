/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "smp": starts all application processors with
 * INIT-SIPI-SIPI and checks that as many CPUs as fw_cfg reports come up,
 * each with a distinct local APIC ID.
 */
#include "lib.h"
#include "multiboot.h"
#include "smp.h"
#include "x86.h"

const char kname[] = "smp";

#define FW_CFG_NB_CPUS 0x0005
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)

extern const char tramp_start[], tramp_end[];
volatile uint32_t ap_ticket;		/* taken by smp-tramp.S */
static volatile uint32_t ap_count, print_lock;
static volatile uint32_t ap_ids[MAX_APS];

static void lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))	/* xchg */
		pause();
}

static void unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static uint32_t apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void ap_main(uint32_t ticket);

void ap_main(uint32_t ticket)
{
	idt_load();
	ap_ids[ticket] = apic_id();
	lock();
	kprintf("smp: cpu %u up\n", ap_ids[ticket]);
	unlock();
	__atomic_fetch_add(&ap_count, 1, __ATOMIC_RELEASE);
	cli_hlt_forever();
}

static void send_ipi(uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, 0);	/* destination unused with a shorthand */
	lapic_write(LAPIC_ICR_LO, icr);
	for (int i = 0; lapic_read(LAPIC_ICR_LO) & ICR_PENDING; i++)
		if (i == 1000000)
			fail("IPI 0x%x still pending", icr);
}

static void start_aps(uint32_t aps)
{
	const uint32_t sipi = ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | TRAMP_ADDR >> 12;

	memcpy((void *)TRAMP_ADDR, tramp_start, tramp_end - tramp_start);
	lapic_enable();
	pit_clock_start();
	send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	delay_ms(10);
	send_ipi(sipi);
	delay_ms(1);
	send_ipi(sipi);	/* ignored by APs the first one started */

	/* Generous: guests may run at ~1 MIPS here. */
	uint32_t t0 = pit_clock_ms();

	/* No print lock on failure: an AP that died holding it must not hang us. */
	while (ap_count < aps)
		if (pit_clock_ms() - t0 > 10000)
			fail("only %u of %u APs up after 10 s", ap_count, aps);
	delay_ms(100);	/* any extra CPU would have taken a ticket by now */
	if (ap_ticket != aps)
		fail("%u APs started, expected %u", ap_ticket, aps);
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	uint16_t n;

	(void)mbi, (void)cmdline;
	if (!fw_cfg_present())
		fail("no fw_cfg signature at port 0x510");
	fw_cfg_read(FW_CFG_NB_CPUS, &n, sizeof(n));
	kprintf("smp: fw_cfg reports %u cpus, bsp apic id %u\n", n, apic_id());
	if (n < 1 || n > MAX_APS + 1)
		fail("cpu count %u outside 1..%u", n, MAX_APS + 1);
	if (n > 1)
		start_aps(n - 1);
	for (uint32_t i = 0; i < n - 1u; i++) {
		if (ap_ids[i] == apic_id())
			fail("AP reports the BSP's apic id %u", ap_ids[i]);
		for (uint32_t j = 0; j < i; j++)
			if (ap_ids[j] == ap_ids[i])
				fail("two APs report apic id %u", ap_ids[i]);
	}
	kprintf("smp: %u cpus\n", n);
}
