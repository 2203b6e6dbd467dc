/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: polled COM1 console, a printf subset, and the
 * isa-debug-exit based pass/fail helpers.
 */
#include "lib.h"
#include "x86.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);	/* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 1);
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);	/* FIFOs on and cleared, RX trigger 1 byte */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

void con_putc(char c)
{
	/* Bounded wait: a broken THRE bit must not hang the kernel silently. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		pause();
	outb(COM1 + UART_THR, c);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		if (base == 16) {
			buf[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} else {
			/* Native-word division: no libgcc needed in 32-bit code. */
			unsigned long w = (unsigned long)v;

			buf[n++] = '0' + w % 10;
			v = w / 10;
		}
	} while (v);
	while (width-- > n)
		con_putc(pad);
	while (n)
		con_putc(buf[--n]);
}

void kvprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			if (*fmt == '\n')
				con_putc('\r');
			con_putc(*fmt);
			continue;
		}
		char pad = ' ';
		int width = 0, lng = 0;
		unsigned long long v;

		if (*++fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'c':
			con_putc(va_arg(ap, int));
			break;
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				con_putc(*s);
			break;
		case 'u':
		case 'x':
			v = lng > 1 ? va_arg(ap, unsigned long long) :
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			put_num(v, *fmt == 'x' ? 16 : 10, width, pad);
			break;
		default:
			con_putc(*fmt);
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void vexit(uint32_t code)
{
	outl(0xf4, code);
	/* Still here: there is no isa-debug-exit device. Stop visibly. */
	kprintf("%s: no isa-debug-exit at 0xf4, halting (code 0x%x)\n", kname, code);
	cli_hlt_forever();
}

void pass(void)
{
	kprintf("PASS %s\n", kname);
	vexit(EXIT_PASS);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	kprintf("FAIL: %s: ", kname);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	vexit(EXIT_FAIL);
}

void check(unsigned long long got, unsigned long long want, const char *fmt, ...)
{
	va_list ap;

	kprintf(got == want ? "%s: " : "FAIL: %s: ", kname);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	if (got == want) {
		kprintf(" = 0x%llx ok\n", got);
		return;
	}
	kprintf(" = 0x%llx, expected 0x%llx\n", got, want);
	vexit(EXIT_FAIL);
}
