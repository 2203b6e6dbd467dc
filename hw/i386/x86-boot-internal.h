/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the x86 kernel loaders (x86-boot.c, linux-boot.c,
 * multiboot.c, elf64-boot.c); not an interface to other rooms.
 */
#ifndef HW_I386_X86_BOOT_INTERNAL_H
#define HW_I386_X86_BOOT_INTERNAL_H

#include "vireo/x86-boot.h"
#include <inttypes.h>
#include <stddef.h>

#define BOOT_4G         0x100000000ULL
#define BOOT_PAGE_SIZE  0x1000ULL

/* Little-endian fields of images and guest structures. */
static inline uint16_t boot_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t boot_get32(const uint8_t *p)
{
    return (uint32_t)boot_get16(p) | (uint32_t)boot_get16(p + 2) << 16;
}
static inline uint64_t boot_get64(const uint8_t *p)
{
    return (uint64_t)boot_get32(p) | (uint64_t)boot_get32(p + 4) << 32;
}
static inline void boot_put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline void boot_put32(uint8_t *p, uint32_t v)
{
    boot_put16(p, v);
    boot_put16(p + 2, v >> 16);
}
static inline void boot_put64(uint8_t *p, uint64_t v)
{
    boot_put32(p, v);
    boot_put32(p + 4, v >> 32);
}

/* The -kernel name for messages ("kernel" when there is no file). */
const char *boot_kernel_name(const BootParams *bp);

/* Reads a whole regular file; errors read "could not load WHAT 'PATH':
 * <strerror>". */
bool boot_read_file(const char *path, const char *what, uint8_t **data,
                    size_t *len, GError **errp);

/* The memory map in force: bp->e820, or one made from bp->mem. */
const E820Table *boot_e820(const BootParams *bp, E820Table *buf);
/* True if [addr, addr+len) is RAM in the map and in bp->mem. */
bool boot_ram_contains(const BootParams *bp, uint64_t addr, uint64_t len);
/* End of the contiguous RAM range that holds addr (0 if none). */
uint64_t boot_ram_range_end(const BootParams *bp, uint64_t addr);
/* The highest page-aligned address at which `size` bytes of RAM fit inside
 * [lo, limit); false if none. */
bool boot_find_ram_top(const BootParams *bp, uint64_t size, uint64_t lo,
                       uint64_t limit, uint64_t *addr);
/* End of the highest RAM below `limit` (for messages). */
uint64_t boot_ram_ceiling(const BootParams *bp, uint64_t limit);

/* Writes the loader's own data at a fixed address. */
bool boot_write(const BootParams *bp, uint64_t addr, const void *src,
                uint64_t len, GError **errp);
/* Places a kernel segment: filesz bytes, then zeroes up to memsz. Checks it
 * is in RAM and clear of the loader's data below 1 MiB. */
bool boot_load_segment(const BootParams *bp, uint64_t addr,
                       const uint8_t *src, uint64_t filesz, uint64_t memsz,
                       GError **errp);

/* ELF program headers, either class, reduced to what loaders need. */
typedef struct BootSegment {
    uint64_t paddr, vaddr, offset, filesz, memsz;
} BootSegment;

typedef struct BootElf {
    unsigned elf_class;          /* 1 = ELF32, 2 = ELF64 */
    uint16_t type, machine;
    uint64_t entry;
    GArray *segs;                /* BootSegment: PT_LOAD with memsz > 0 */
} BootElf;

enum { ELF_CLASS32 = 1, ELF_CLASS64 = 2 };
enum { ELF_ET_EXEC = 2, ELF_EM_386 = 3, ELF_EM_X86_64 = 62 };

/* Cheap test of the identity bytes (little-endian ELF of either class). */
bool boot_is_elf(const uint8_t *img, size_t len, unsigned *elf_class,
                 uint16_t *machine);
/* Parses and bounds-checks the headers; free with boot_elf_free. */
bool boot_elf_parse(const BootParams *bp, const uint8_t *img, size_t len,
                    BootElf *elf, GError **errp);
void boot_elf_free(BootElf *elf);
/* Loads every segment at its physical address; *end = highest end. */
bool boot_elf_load(const BootParams *bp, const uint8_t *img,
                   const BootElf *elf, uint64_t *end, GError **errp);
/* e_entry, moved from a segment's virtual to its physical address when it
 * falls inside one (higher-half kernels with a low entry). */
uint64_t boot_elf_entry(const BootElf *elf);

/* Entry states: write the GDT (and for long mode the identity page tables)
 * and fill *cpu. */
bool boot_enter_long64(const BootParams *bp, uint64_t entry,
                       BootCpuState *cpu, GError **errp);
bool boot_enter_prot32(const BootParams *bp, uint64_t entry,
                       BootCpuState *cpu, GError **errp);

/* multiboot.c: offset of a valid multiboot header in the first 8 KiB, or
 * -1. */
long multiboot_find_header(const uint8_t *img, size_t len);
bool multiboot_has_load_addresses(const uint8_t *img, long header);

/* linux-boot.c: the zero page (struct boot_params), command line and
 * initrd, for bzImages and for 64-bit ELF kernels entered the same way. */
typedef struct LinuxBootSetup {
    const uint8_t *setup_header; /* the image's bytes from 0x1f1 */
    size_t setup_header_len;
    uint32_t cmdline_limit;      /* longest command line, without NUL */
    uint64_t kernel_end;         /* the initrd goes above */
    uint64_t initrd_limit;       /* ... and ends at or below */
} LinuxBootSetup;
bool linux_write_boot_params(const BootParams *bp, const LinuxBootSetup *s,
                             GError **errp);

/* Setup header fields (offsets in the image's first sector and in the
 * zero page alike; Documentation/arch/x86/boot.rst). */
enum {
    LINUX_HDR_START = 0x1f1,     /* setup_sects */
    LINUX_SYSSIZE = 0x1f4,
    LINUX_VID_MODE = 0x1fa,
    LINUX_BOOT_FLAG = 0x1fe,     /* 0xAA55 */
    LINUX_JUMP = 0x200,          /* 0x201: length of the header after 0x202 */
    LINUX_HEADER = 0x202,        /* "HdrS" */
    LINUX_VERSION = 0x206,
    LINUX_TYPE_OF_LOADER = 0x210,
    LINUX_LOADFLAGS = 0x211,
    LINUX_RAMDISK_IMAGE = 0x218,
    LINUX_RAMDISK_SIZE = 0x21c,
    LINUX_CMD_LINE_PTR = 0x228,
    LINUX_INITRD_ADDR_MAX = 0x22c,
    LINUX_KERNEL_ALIGNMENT = 0x230,
    LINUX_RELOCATABLE = 0x234,
    LINUX_XLOADFLAGS = 0x236,
    LINUX_CMDLINE_SIZE = 0x238,
    LINUX_SETUP_DATA = 0x250,
    LINUX_PREF_ADDRESS = 0x258,
    LINUX_INIT_SIZE = 0x260,
    LINUX_HDR_END_MAX = 0x290,   /* where struct boot_params moves on */
};
enum { LINUX_LOADED_HIGH = 0x01, LINUX_XLF_KERNEL_64 = 0x01 };

#endif
