/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: the small shared library (COM1 console, exit
 * helpers, fw_cfg, CMOS, 8259 PIC, local APIC, PIT clock, IDT, strings).
 */
#ifndef LIB_H
#define LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define noreturn __attribute__((noreturn))
#define printf_like(f, a) __attribute__((format(printf, f, a)))

/* Each kernel defines its name; it prefixes check lines and the PASS line. */
extern const char kname[];

/* Exit codes written to isa-debug-exit (qemu exits with (v << 1) | 1). */
#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11

/* console.c: polled 16550 on COM1, printf subset: %c %s %u %x, flag 0,
 * width, length l/ll (decimal limited to the native word size). */
#define COM1 0x3f8
void serial_init(void);
void con_putc(char c);
void kvprintf(const char *fmt, va_list ap);
void kprintf(const char *fmt, ...) printf_like(1, 2);
noreturn void vexit(uint32_t code);
noreturn void pass(void);
noreturn void fail(const char *fmt, ...) printf_like(1, 2);
/* Prints "<kname>: <what> = 0x<got> ok", or fails with both values. */
void check(unsigned long long got, unsigned long long want,
	   const char *fmt, ...) printf_like(3, 4);

/* string.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int strcmp(const char *a, const char *b);
/* Word-wise command line matching: words are separated by spaces. */
int cmdline_has(const char *cmdline, const char *word);
const char *cmdline_value(const char *cmdline, const char *prefix);
unsigned long parse_ulong(const char *s);

/* hw.c */
uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t v);
int fw_cfg_present(void);
void fw_cfg_read(uint16_t key, void *buf, uint32_t len);

#define PIC_VEC 0x20	/* IRQ n arrives on vector PIC_VEC + n */
void pic_init(void);
void pic_set_mask(uint16_t mask);	/* bit n set = IRQ n masked (IRQ2: cascade) */
void pic_eoi(unsigned irq);

#define LAPIC_BASE 0xfee00000u
#define LAPIC_ID 0x20
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3e0
#define SPURIOUS_VEC 0xff
uint32_t lapic_read(unsigned reg);
void lapic_write(unsigned reg, uint32_t v);
void lapic_enable(void);

/* PIT channel 0 as a free-running clock; call pit_clock_ms() at least every
 * 50 ms or time runs slow (never fast). Fails if the counter is stuck. */
void pit_clock_start(void);
uint32_t pit_clock_ms(void);
void delay_ms(uint32_t ms);

/* idt.c + isr.S */
struct frame {
#ifdef __x86_64__
	unsigned long regs[15];	/* r15..r8, rdi, rsi, rbp, rbx, rdx, rcx, rax */
#else
	unsigned long regs[8];	/* pusha: edi, esi, ebp, esp, ebx, edx, ecx, eax */
#endif
	unsigned long vector, error, ip, cs, flags;
};
typedef void (*irq_handler)(struct frame *f);
void idt_init(void);
void idt_load(void);
void idt_set_handler(uint8_t vector, irq_handler h);

/* mmio.c: 1/2/4/8-byte checks against the pc-testdev MMIO window. */
#define TESTDEV_MMIO 0xff000000u
void testdev_mmio_check(void);

#endif
