/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernel "realmode": a 64 KiB -bios image running purely in
 * 16-bit real mode: COM1 output, RTC reads, and 8/16/32-bit port I/O
 * against the pc-testdev latch at 0xe0.
 */
#define COM1 0x3f8
#define TESTDEV 0xe0

	.code16

	/* Reset vector, last 16 bytes of the image (see realmode.ld). */
	.section .reset, "ax"
	ljmp $0xf000, $start

	.macro OUTB port, val
	mov $\port, %dx
	mov $\val, %al
	out %al, %dx
	.endm

	.macro OUTW port, val
	mov $\port, %dx
	mov $\val, %ax
	out %ax, %dx
	.endm

	/* Read @port into @reg (%al/%ax/%eax) and compare with @want. */
	.macro CHECK reg, port, want, digits
	xor %eax, %eax
	mov $\port, %dx
	in %dx, \reg
	mov $\want, %ebx
	mov $\digits, %cx
	call check
	.endm

	.text
start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ss
	mov $0x7000, %sp		/* the ROM is read-only; stack in low RAM */
	mov %cs, %ax
	mov %ax, %ds			/* strings are in this segment */

	OUTB COM1 + 1, 0x00		/* IER: no interrupts */
	OUTB COM1 + 3, 0x80		/* LCR: DLAB */
	OUTB COM1 + 0, 0x01		/* divisor 1: 115200 baud */
	OUTB COM1 + 1, 0x00
	OUTB COM1 + 3, 0x03		/* 8N1 */
	OUTB COM1 + 2, 0x07		/* FIFOs on and cleared */
	OUTB COM1 + 4, 0x03		/* DTR, RTS */

	mov $s_hello, %si
	call puts

	mov $s_rtc_sec, %si
	mov $0x00, %al
	call print_cmos
	mov $s_rtc_min, %si
	mov $0x02, %al
	call print_cmos
	mov $s_rtc_a, %si
	mov $0x0a, %al
	call print_cmos
	mov $s_crlf, %si
	call puts

	OUTW TESTDEV, 0x1234
	CHECK %al, TESTDEV, 0x34, 2
	CHECK %al, TESTDEV + 1, 0x12, 2
	CHECK %ax, TESTDEV, 0x1234, 4
	OUTB TESTDEV + 2, 0x56
	OUTB TESTDEV + 3, 0x78
	CHECK %ax, TESTDEV + 2, 0x7856, 4
	OUTB TESTDEV + 1, 0xab
	CHECK %ax, TESTDEV, 0xab34, 4
	CHECK %eax, TESTDEV, 0x7856ab34, 8

	mov $s_pass, %si
	call puts
	mov $0x10, %eax
	/* fall through */

/* Write EAX to isa-debug-exit; halt if the machine is still running. */
exit:
	mov $0xf4, %dx
	out %eax, %dx
1:	cli
	hlt
	jmp 1b

/* Print the string at SI, then CMOS register AL in hex. */
print_cmos:
	call puts
	out %al, $0x70
	in $0x71, %al
	mov $2, %cx
	jmp puthex

/* EAX = value read from port DX, EBX = expected, CX = hex digits. */
check:
	cmp %ebx, %eax
	je 1f
	mov $s_fail, %si
	call puts
1:	mov $s_in, %si
	call puts
	push %eax
	push %cx
	movzwl %dx, %eax
	mov $4, %cx
	call puthex
	mov $s_eq, %si
	call puts
	pop %cx
	pop %eax
	call puthex
	cmp %ebx, %eax
	jne 2f
	mov $s_ok, %si
	jmp puts
2:	mov $s_expected, %si
	call puts
	mov %ebx, %eax
	call puthex
	mov $s_crlf, %si
	call puts
	mov $0x11, %eax
	jmp exit

/* Print the low CX hex digits of EAX. */
puthex:
	pushal
	mov %eax, %ebx
1:	dec %cx
	mov %ebx, %eax
	push %cx
	shl $2, %cl
	shr %cl, %eax
	pop %cx
	and $0x0f, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $'a' - '0' - 10, %al
2:	call putc
	test %cx, %cx
	jnz 1b
	popal
	ret

/* Print the NUL-terminated string at DS:SI. */
puts:
	push %ax
1:	lodsb
	test %al, %al
	jz 2f
	call putc
	jmp 1b
2:	pop %ax
	ret

/* Print AL once the transmitter holding register is empty (bounded). */
putc:
	push %cx
	push %dx
	push %ax
	mov $0xffff, %cx
	mov $COM1 + 5, %dx
1:	in %dx, %al
	test $0x20, %al
	loopz 1b
	pop %ax
	mov $COM1, %dx
	out %al, %dx
	pop %dx
	pop %cx
	ret

	.section .rodata
s_hello:	.asciz "realmode: hello\r\n"
s_rtc_sec:	.asciz "realmode: rtc seconds=0x"
s_rtc_min:	.asciz " minutes=0x"
s_rtc_a:	.asciz " status_a=0x"
s_fail:		.asciz "FAIL: "
s_in:		.asciz "realmode: in 0x"
s_eq:		.asciz " = 0x"
s_ok:		.asciz " ok\r\n"
s_expected:	.asciz ", expected 0x"
s_crlf:		.asciz "\r\n"
s_pass:		.asciz "PASS realmode\r\n"
