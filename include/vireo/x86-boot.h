/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware-less boot of x86 kernels: the Linux boot protocol (bzImage, 64-bit
 * entry), multiboot v1 (ELF and a.out kludge) and 64-bit ELF images. The
 * loaders write the kernel and its data into guest RAM through a GuestMemory
 * view and return the CPU state to enter it with.
 */
#ifndef VIREO_X86_BOOT_H
#define VIREO_X86_BOOT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* e820 types (ACPI address range types). */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed)) E820Entry;

typedef struct E820Table {
    unsigned nr;
    E820Entry entries[32];
} E820Table;

/* Adds a range; keeps the table sorted (ranges must not overlap). */
bool e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type);

/* Guest RAM as the loaders see it: low RAM [0, below_4g) and high RAM
 * [4 GiB, 4 GiB + above_4g), each one host mapping. */
typedef struct GuestMemory {
    uint8_t *low;
    uint64_t below_4g;
    uint8_t *high;
    uint64_t above_4g;
} GuestMemory;
/* Host pointer for guest-physical [addr, addr+len) in RAM, or NULL. */
void *guest_memory_ptr(const GuestMemory *gm, uint64_t addr, uint64_t len);

typedef enum {
    BOOT_MODE_RESET,       /* nothing loaded: power-on state (firmware boot) */
    BOOT_MODE_PROT32,      /* flat 32-bit protected mode, paging off */
    BOOT_MODE_LONG64,      /* long mode with identity page tables at cr3 */
} BootMode;

/* What the BSP starts with; the rest is the architectural reset state. */
typedef struct BootCpuState {
    BootMode mode;
    uint64_t rip;
    uint64_t rax, rbx, rsi, rsp, rbp, rdi;
    uint64_t cr3;          /* LONG64: page tables the loader built */
    uint64_t gdt_base;     /* GDT the loader built */
    uint16_t gdt_limit;
    uint16_t cs, ds;       /* selectors into that GDT */
} BootCpuState;

/* Everything a loader needs; the machine fills this in. */
typedef struct BootParams {
    const char *kernel;       /* -kernel */
    const char *initrd;       /* -initrd (multiboot: "mod1 args,mod2") */
    const char *cmdline;      /* -append, "" if none */
    GuestMemory mem;
    const E820Table *e820;    /* the machine's memory map */
    uint64_t acpi_rsdp;       /* RSDP address for boot_params, 0 if none */
} BootParams;

/* Kinds of -kernel image, by content. */
typedef enum {
    KERNEL_UNKNOWN, KERNEL_BZIMAGE, KERNEL_MULTIBOOT, KERNEL_ELF64,
} KernelKind;
KernelKind x86_kernel_kind(const uint8_t *data, size_t len);

/* Reads bp->kernel (and bp->initrd) and loads by kind; on success fills
 * *cpu. Errors name the file and say what is wrong: "could not load kernel
 * 'X': <strerror>", "kernel 'X' is not a bzImage, multiboot or 64-bit ELF
 * image", "kernel 'X' is truncated: ...", "initrd 'X' (N bytes) does not fit
 * in guest RAM below 0x...: use more -m", "kernel command line of N bytes is
 * longer than the kernel's limit of M", segments outside RAM by address. */
bool x86_load_kernel(const BootParams *bp, BootCpuState *cpu, GError **errp);

/* The loaders by kind, on an image already in memory (bp->kernel only names
 * it in messages and may be NULL). linux_load_bzimage needs boot protocol
 * 2.12+ with XLF_KERNEL_64 and enters at 1 MiB + 0x200 in long mode;
 * multiboot_load enters in PROT32 with EAX = MULTIBOOT_BOOTLOADER_MAGIC and
 * EBX = BOOT_MBINFO_ADDR; elf64_load enters at e_entry in long mode with a
 * zero page like Linux's. */
bool linux_load_bzimage(const BootParams *bp, const uint8_t *img, size_t len,
                        BootCpuState *cpu, GError **errp);
bool multiboot_load(const BootParams *bp, const uint8_t *img, size_t len,
                    BootCpuState *cpu, GError **errp);
bool elf64_load(const BootParams *bp, const uint8_t *img, size_t len,
                BootCpuState *cpu, GError **errp);

/* Fixed guest addresses the loaders use (below 1 MiB, e820-reserved where
 * they must survive). */
#define BOOT_GDT_ADDR       0x500
#define BOOT_ZEROPAGE_ADDR  0x7000
#define BOOT_CMDLINE_ADDR   0x20000
#define BOOT_CMDLINE_MAX    0x10000
#define BOOT_PML4_ADDR      0x9000   /* 0x9000 PML4, 0xa000 PDPT, 0xb000.. PDs */
#define BOOT_STACK_TOP      0x8ff0
#define BOOT_PT_END         0xf000   /* end of the page tables (4 PDs) */
/* Multiboot info, its memory map, module list and loader name (the page
 * tables are unused by a 32-bit multiboot boot); strings go to the command
 * line area. */
#define BOOT_MBINFO_ADDR    0x9000
#define BOOT_MBINFO_END     0x10000
/* The Linux kernel's protected-mode part, and its 64-bit entry point. */
#define BOOT_KERNEL_ADDR    0x100000
#define BOOT_KERNEL_ENTRY64 (BOOT_KERNEL_ADDR + 0x200)

/*
 * The GDT at BOOT_GDT_ADDR: every descriptor is flat (base 0, limit 4 GiB,
 * DPL 0, accessed). The 64-bit selectors are the ones the Linux 64-bit boot
 * protocol requires (__BOOT_CS, __BOOT_DS).
 *   LONG64: cs = BOOT_SEL_CODE64, ds/es/ss = BOOT_SEL_DATA; CR0.PE|PG,
 *           CR4.PAE, EFER.LME|LMA, cr3 = BOOT_PML4_ADDR (identity map of
 *           0-4 GiB with 2 MiB pages), interrupts off.
 *   PROT32: cs = BOOT_SEL_CODE32 (32-bit), ds/es/ss = BOOT_SEL_DATA; CR0.PE,
 *           paging off, interrupts off.
 * fs and gs take the data selector too.
 */
#define BOOT_SEL_CODE32     0x08
#define BOOT_SEL_CODE64     0x10
#define BOOT_SEL_DATA       0x18
#define BOOT_GDT_ENTRIES    4

/* Multiboot v1 hand-off values. */
#define MULTIBOOT_HEADER_MAGIC      0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002

#endif
