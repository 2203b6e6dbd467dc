/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "hello": greets on COM1 and, by command line word,
 * exits with a chosen code (exit=N) or echoes typed input (echo), the
 * latter driven by the UART receive interrupt through the 8259 PIC. In echo
 * mode the ACPI power button (QMP system_powerdown) powers off (S5).
 */
#include "lib.h"
#include "multiboot.h"
#include "x86.h"

const char kname[] = "hello";

#define UART_IRQ 4
/* The pc machine's ACPI PM block (a real OS reads these from the FADT). */
#define SCI_IRQ 9
#define PM1A_STS 0x600
#define PM1A_EN 0x602
#define PM1A_CNT 0x604
#define PWRBTN 0x0100
#define SLP_EN 0x2000		/* with SLP_TYP 0: S5, as the DSDT's \_S5 says */

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

static void sci_irq(struct frame *f)
{
	(void)f;
	if (inw(PM1A_STS) & PWRBTN) {
		outw(PM1A_STS, PWRBTN);	/* write-1-to-clear */
		kprintf("\nhello: power button pressed, powering off\n");
		outw(PM1A_CNT, inw(PM1A_CNT) | SLP_EN);
	}
	pic_eoi(SCI_IRQ);
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
	idt_set_handler(PIC_VEC + SCI_IRQ, sci_irq);
	pic_init();
	/* COM1, the SCI, and IRQ 2 where the slave PIC cascades */
	pic_set_mask(0xffff & ~(1u << UART_IRQ | 1u << SCI_IRQ | 1u << 2));
	outw(PM1A_EN, PWRBTN);
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
