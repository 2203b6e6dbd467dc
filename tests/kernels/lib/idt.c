/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: IDT setup (32- or 64-bit gates, by build) and the
 * C side of interrupt dispatch; unhandled vectors fail the test.
 */
#include "lib.h"
#include "x86.h"

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
#ifdef __x86_64__
	uint32_t off_hi, reserved;
#endif
};

static struct gate idt[256];
static irq_handler handlers[256];
extern const unsigned long isr_stubs[256];

void idt_load(void)
{
	struct {
		uint16_t limit;
		unsigned long base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (unsigned long)idt };

	asm volatile("lidt %0" : : "m"(idtr));
}

void idt_init(void)
{
	uint16_t cs = read_cs();	/* long64 keeps the loader's GDT */

	for (int i = 0; i < 256; i++) {
		unsigned long a = isr_stubs[i];

		idt[i].off_lo = a;
		idt[i].sel = cs;
		idt[i].ist = 0;
		idt[i].type = 0x8e;	/* present, DPL 0, interrupt gate */
		idt[i].off_mid = a >> 16;
#ifdef __x86_64__
		idt[i].off_hi = a >> 32;
		idt[i].reserved = 0;
#endif
	}
	idt_load();
}

void idt_set_handler(uint8_t vector, irq_handler h)
{
	handlers[vector] = h;
}

void isr_dispatch(struct frame *f)
{
	if (handlers[f->vector])
		handlers[f->vector](f);
	else if (f->vector == SPURIOUS_VEC)
		;	/* APIC spurious interrupt: no EOI by definition */
	else if (f->vector < 32)
		fail("CPU exception %lu, error code 0x%lx, at %lx:%lx",
		     f->vector, f->error, f->cs, f->ip);
	else
		fail("unexpected interrupt on vector 0x%lx", f->vector);
}
