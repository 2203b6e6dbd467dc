/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "hello": greets on COM1 and, by command line word,
 * exits with a chosen code (exit=N) or echoes typed input (echo), the
 * latter driven by the UART receive interrupt through the 8259 PIC.
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "hello";

#define UART_IRQ 4

/* Receive ring filled by the interrupt handler, drained by the main loop;
 * 8-bit indices wrap by themselves. */
static volatile uint8_t rx_buf[256];
static volatile uint8_t rx_head, rx_tail;

static void uart_irq(struct frame *f)
{
	(void)f;
	while (inb(COM1 + 5) & 0x01) {	/* LSR data ready */
		uint8_t c = inb(COM1);

		if ((uint8_t)(rx_head + 1) != rx_tail)
			rx_buf[rx_head++] = c;
	}
	pic_eoi(UART_IRQ);
}

static char getc_irq(void)
{
	for (;;) {
		cli();
		if (rx_tail != rx_head) {
			char c = rx_buf[rx_tail++];

			sti();
			return c;
		}
		sti_hlt();	/* sleep until the next interrupt */
	}
}

static noreturn void echo_loop(void)
{
	char line[80];
	unsigned len = 0;
	int after_cr = 0;

	idt_set_handler(PIC_VEC + UART_IRQ, uart_irq);
	pic_init();
	pic_set_mask(0xffff & ~(1u << UART_IRQ));
	outb(COM1 + 4, 0x0b);	/* MCR: DTR, RTS, OUT2 (gates the IRQ line) */
	outb(COM1 + 1, 0x01);	/* IER: received data available */
	sti();
	kprintf("hello: interrupts on\n");
	kprintf("hello: echo mode: type a line, Enter ends it, 'quit' exits\n> ");
	for (;;) {
		char c = getc_irq();

		if (c == '\n' && after_cr) {	/* CRLF from a pipe: one line end */
			after_cr = 0;
			continue;
		}
		after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			line[len] = '\0';
			if (!strcmp(line, "quit")) {
				kprintf("hello: bye\n");
				pass();
			}
			len = 0;
			kprintf("> ");
		} else if (c == '\b' || c == 0x7f) {
			if (len) {
				len--;
				kprintf("\b \b");
			}
		} else {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			con_putc(c);
		}
	}
}

void kmain(const struct mb_info *mbi, const char *cmdline)
{
	const char *code = cmdline_value(cmdline, "exit=");

	(void)mbi;
	kprintf("hello: Vireo test kernel\n");
	kprintf("hello: cmdline=%s\n", cmdline);
	if (code) {
		kprintf("hello: exit %lu\n", parse_ulong(code));
		vexit(parse_ulong(code));
	}
	if (cmdline_has(cmdline, "echo"))
		echo_loop();
	kprintf("hello: boot with -append echo to type at a prompt\n");
}
