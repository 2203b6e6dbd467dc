/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Multiboot v1 (specification 0.6.96): ELF32 kernels and the a.out kludge
 * (header flags bit 16), modules from -initrd, and the boot information
 * structure, entered in flat 32-bit protected mode with EAX = 0x2BADB002.
 *
 * Guest layout (the long-mode page tables are not used by this boot):
 *   0x9000  multiboot info          0x9100  memory map (e820, 24 B each)
 *   0x9080  boot loader name        0x9400  module list (16 B each)
 *   0x20000 strings: the command line, then one per module
 *   kernel segments where they ask; modules page-aligned after the kernel.
 */
#include "x86-boot-internal.h"
#include "vireo/object.h"

#include <string.h>

enum {
    MB_SEARCH_LEN = 8192,
    MB_HEADER_MIN = 12,              /* magic, flags, checksum */
    MB_HEADER_AOUT = 32,             /* + the five address fields */
    /* Header flags: bits 0-15 are requirements a loader must meet. */
    MB_FLAG_PAGE_ALIGN = 1 << 0,
    MB_FLAG_MEMORY_INFO = 1 << 1,
    MB_FLAG_VIDEO_MODE = 1 << 2,     /* a hint we ignore: no framebuffer */
    MB_FLAG_AOUT_KLUDGE = 1 << 16,
    MB_FLAGS_REQUIRED = 0xffff,
    MB_FLAGS_KNOWN = MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO |
                     MB_FLAG_VIDEO_MODE,
};

/* Boot information structure: fields and flags. */
enum {
    MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48, MBI_BOOT_LOADER_NAME = 64,
    MBI_SIZE = 0x80,
    MBI_HAS_MEMORY = 1 << 0, MBI_HAS_CMDLINE = 1 << 2, MBI_HAS_MODS = 1 << 3,
    MBI_HAS_MMAP = 1 << 6, MBI_HAS_LOADER_NAME = 1 << 9,
};

enum {
    MBI_NAME_ADDR = BOOT_MBINFO_ADDR + 0x80,
    MBI_MMAP_ADDR_G = BOOT_MBINFO_ADDR + 0x100,
    MBI_MODS_ADDR_G = BOOT_MBINFO_ADDR + 0x400,
    MB_MMAP_ENTRY = 24,
    MB_MOD_ENTRY = 16,
    MB_MODS_MAX = (BOOT_MBINFO_END - MBI_MODS_ADDR_G) / MB_MOD_ENTRY,
    MB_MEM_LOWER_KIB = 640,
};
G_STATIC_ASSERT(MBI_MMAP_ADDR_G + MB_MMAP_ENTRY * 32 <= MBI_MODS_ADDR_G);

static const char boot_loader_name[] = "vireo";

long multiboot_find_header(const uint8_t *img, size_t len)
{
    size_t end = MIN(len, MB_SEARCH_LEN), off;

    for (off = 0; off + MB_HEADER_MIN <= end; off += 4) {
        uint32_t magic = boot_get32(img + off);
        if (magic == MULTIBOOT_HEADER_MAGIC &&
            (uint32_t)(magic + boot_get32(img + off + 4) +
                       boot_get32(img + off + 8)) == 0) {
            return off;
        }
    }
    return -1;
}

bool multiboot_has_load_addresses(const uint8_t *img, long header)
{
    return boot_get32(img + header + 4) & MB_FLAG_AOUT_KLUDGE;
}

/* The a.out kludge: one segment from the header's addresses. */
static bool aout_segments(const BootParams *bp, const uint8_t *img,
                          size_t len, size_t off, BootElf *elf, GError **errp)
{
    const char *name = boot_kernel_name(bp);
    const uint8_t *h = img + off;
    uint32_t header_addr, load_addr, load_end, bss_end;
    BootSegment s;

    if (off + MB_HEADER_AOUT > len) {
        error_setg(errp, "kernel '%s' is truncated: its multiboot header at "
                   "offset 0x%zx is cut off", name, off);
        return false;
    }
    header_addr = boot_get32(h + 12);
    load_addr = boot_get32(h + 16);
    load_end = boot_get32(h + 20);
    bss_end = boot_get32(h + 24);
    s = (BootSegment){ .paddr = load_addr, .vaddr = load_addr };
    if (header_addr < load_addr || header_addr - load_addr > off ||
        (load_end && load_end < load_addr) ||
        (bss_end && load_end && bss_end < load_end)) {
        error_setg(errp, "kernel '%s' has inconsistent multiboot load "
                   "addresses (header 0x%" PRIx32 ", load 0x%" PRIx32 "-0x%"
                   PRIx32 ", bss end 0x%" PRIx32 ")", name, header_addr,
                   load_addr, load_end, bss_end);
        return false;
    }
    s.offset = off - (header_addr - load_addr);
    s.filesz = load_end ? load_end - load_addr : len - s.offset;
    if (s.filesz > len - s.offset) {
        error_setg(errp, "kernel '%s' is truncated: its multiboot header asks "
                   "for 0x%" PRIx64 " bytes from offset 0x%" PRIx64 " but the "
                   "file has 0x%zx", name, s.filesz, s.offset, len);
        return false;
    }
    s.memsz = s.filesz;
    if (bss_end) {
        if (bss_end < load_addr + s.filesz) {
            error_setg(errp, "kernel '%s' has its multiboot bss end 0x%" PRIx32
                       " inside its image", name, bss_end);
            return false;
        }
        s.memsz = bss_end - load_addr;
    }
    elf->entry = boot_get32(h + 28);
    elf->segs = g_array_new(false, false, sizeof(BootSegment));
    g_array_append_val(elf->segs, s);
    return true;
}

static bool elf32_segments(const BootParams *bp, const uint8_t *img,
                           size_t len, BootElf *elf, GError **errp)
{
    unsigned elf_class;
    uint16_t machine;

    if (!boot_is_elf(img, len, &elf_class, &machine) ||
        elf_class != ELF_CLASS32 || machine != ELF_EM_386) {
        error_setg(errp, "kernel '%s' has a multiboot header but is not an "
                   "i386 ELF32 image and gives no load addresses (a.out "
                   "kludge, header flags bit 16)", boot_kernel_name(bp));
        return false;
    }
    return boot_elf_parse(bp, img, len, elf, errp);
}

/* Multiboot enters with paging off: everything must sit below 4 GiB. */
static bool check_below_4g(const BootParams *bp, const BootElf *elf,
                           GError **errp)
{
    guint i;

    for (i = 0; i < elf->segs->len; i++) {
        const BootSegment *s = &g_array_index(elf->segs, BootSegment, i);
        if (s->paddr >= BOOT_4G || s->memsz > BOOT_4G - s->paddr) {
            error_setg(errp, "kernel '%s' has a segment at 0x%" PRIx64
                       " that ends above 4 GiB", boot_kernel_name(bp),
                       s->paddr);
            return false;
        }
    }
    if (elf->entry >= BOOT_4G) {
        error_setg(errp, "kernel '%s' has its entry point 0x%" PRIx64
                   " above 4 GiB", boot_kernel_name(bp), elf->entry);
        return false;
    }
    return true;
}

/* -initrd "file args,file2 args2": a ",," is a comma inside a piece. */
static GPtrArray *split_modules(const char *list)
{
    GPtrArray *mods = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    const char *p;

    for (p = list; *p; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',') {
            g_ptr_array_add(mods, g_string_free(cur, false));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(mods, g_string_free(cur, false));
    return mods;
}

typedef struct MultibootInfo {
    GString *strings;        /* at BOOT_CMDLINE_ADDR */
    GByteArray *mods;        /* module list entries */
} MultibootInfo;

static uint32_t add_string(MultibootInfo *mi, const char *s)
{
    uint32_t addr = BOOT_CMDLINE_ADDR + mi->strings->len;

    g_string_append_len(mi->strings, s, strlen(s) + 1);
    return addr;
}

/* Loads one module page-aligned at *next and lists it. */
static bool load_module(const BootParams *bp, MultibootInfo *mi,
                        const char *piece, uint64_t *next, GError **errp)
{
    g_autofree char *file = g_strndup(piece, strcspn(piece, " "));
    g_autofree uint8_t *data = NULL;
    uint64_t addr = (*next + BOOT_PAGE_SIZE - 1) & ~(BOOT_PAGE_SIZE - 1);
    uint8_t entry[MB_MOD_ENTRY] = { 0 };
    size_t size;

    if (!*file) {
        error_setg(errp, "empty multiboot module name in -initrd '%s'",
                   bp->initrd);
        return false;
    }
    if (mi->mods->len / MB_MOD_ENTRY >= MB_MODS_MAX) {
        error_setg(errp, "too many multiboot modules: at most %d",
                   MB_MODS_MAX);
        return false;
    }
    if (!boot_read_file(file, "multiboot module", &data, &size, errp)) {
        return false;
    }
    if (addr >= BOOT_4G || size > BOOT_4G - addr ||
        !boot_ram_contains(bp, addr, size)) {
        error_setg(errp, "multiboot module '%s' (%zu bytes) does not fit in "
                   "guest RAM at 0x%" PRIx64 ": use more -m", file, size,
                   addr);
        return false;
    }
    memcpy(guest_memory_ptr(&bp->mem, addr, size), data, size);
    boot_put32(entry, addr);
    boot_put32(entry + 4, addr + size);
    boot_put32(entry + 8, add_string(mi, piece));
    g_byte_array_append(mi->mods, entry, sizeof(entry));
    *next = addr + size;
    return true;
}

static bool load_modules(const BootParams *bp, MultibootInfo *mi,
                         uint64_t kernel_end, GError **errp)
{
    g_autoptr(GPtrArray) pieces = NULL;
    uint64_t next = MAX(kernel_end, BOOT_KERNEL_ADDR);   /* clear of ours */
    guint i;

    if (!bp->initrd || !*bp->initrd) {
        return true;
    }
    pieces = split_modules(bp->initrd);
    for (i = 0; i < pieces->len; i++) {
        if (!load_module(bp, mi, pieces->pdata[i], &next, errp)) {
            return false;
        }
    }
    return true;
}

/* QEMU's form: the -kernel file name, then the -append string. */
static char *kernel_cmdline(const BootParams *bp)
{
    const char *name = bp->kernel ? bp->kernel : "";

    if (!bp->cmdline || !*bp->cmdline) {
        return g_strdup(name);
    }
    return g_strdup_printf("%s %s", name, bp->cmdline);
}

static bool write_mmap(const BootParams *bp, uint8_t *info, GError **errp)
{
    E820Table buf;
    const E820Table *t = boot_e820(bp, &buf);
    unsigned i, nr = MIN(t->nr, G_N_ELEMENTS(t->entries));
    uint8_t mmap[MB_MMAP_ENTRY * G_N_ELEMENTS(t->entries)];

    for (i = 0; i < nr; i++) {
        uint8_t *e = mmap + MB_MMAP_ENTRY * i;
        boot_put32(e, MB_MMAP_ENTRY - 4);
        boot_put64(e + 4, t->entries[i].addr);
        boot_put64(e + 12, t->entries[i].size);
        boot_put32(e + 20, t->entries[i].type);
    }
    boot_put32(info + MBI_MMAP_LENGTH, MB_MMAP_ENTRY * nr);
    boot_put32(info + MBI_MMAP_ADDR, MBI_MMAP_ADDR_G);
    return boot_write(bp, MBI_MMAP_ADDR_G, mmap, MB_MMAP_ENTRY * nr, errp);
}

static bool write_info(const BootParams *bp, MultibootInfo *mi,
                       uint32_t cmdline, GError **errp)
{
    uint8_t info[MBI_SIZE] = { 0 };
    uint64_t upper = boot_ram_range_end(bp, BOOT_KERNEL_ADDR);

    upper = upper > BOOT_KERNEL_ADDR ? (upper - BOOT_KERNEL_ADDR) >> 10 : 0;
    boot_put32(info + MBI_FLAGS, MBI_HAS_MEMORY | MBI_HAS_CMDLINE |
               MBI_HAS_MODS | MBI_HAS_MMAP | MBI_HAS_LOADER_NAME);
    boot_put32(info + MBI_MEM_LOWER, MB_MEM_LOWER_KIB);
    boot_put32(info + MBI_MEM_UPPER, MIN(upper, UINT32_MAX));
    boot_put32(info + MBI_CMDLINE, cmdline);
    boot_put32(info + MBI_MODS_COUNT, mi->mods->len / MB_MOD_ENTRY);
    boot_put32(info + MBI_MODS_ADDR, MBI_MODS_ADDR_G);
    boot_put32(info + MBI_BOOT_LOADER_NAME, MBI_NAME_ADDR);
    if (mi->strings->len > BOOT_CMDLINE_MAX) {
        error_setg(errp, "multiboot command lines take %zu bytes, more than "
                   "the %d bytes there is room for", mi->strings->len,
                   BOOT_CMDLINE_MAX);
        return false;
    }
    return write_mmap(bp, info, errp) &&
           boot_write(bp, BOOT_CMDLINE_ADDR, mi->strings->str,
                      mi->strings->len, errp) &&
           boot_write(bp, MBI_MODS_ADDR_G, mi->mods->data, mi->mods->len,
                      errp) &&
           boot_write(bp, MBI_NAME_ADDR, boot_loader_name,
                      sizeof(boot_loader_name), errp) &&
           boot_write(bp, BOOT_MBINFO_ADDR, info, sizeof(info), errp);
}

static bool load_kernel(const BootParams *bp, const uint8_t *img, size_t len,
                        BootElf *elf, uint64_t *end, GError **errp)
{
    long off = multiboot_find_header(img, len);
    uint32_t flags;

    if (off < 0) {
        error_setg(errp, "kernel '%s' has no multiboot header",
                   boot_kernel_name(bp));
        return false;
    }
    flags = boot_get32(img + off + 4);
    if (flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN) {
        error_setg(errp, "kernel '%s' requires multiboot features (header "
                   "flags 0x%" PRIx32 ") that are not supported",
                   boot_kernel_name(bp), flags & MB_FLAGS_REQUIRED &
                   ~MB_FLAGS_KNOWN);
        return false;
    }
    if (flags & MB_FLAG_AOUT_KLUDGE ? !aout_segments(bp, img, len, off, elf,
                                                     errp)
                                    : !elf32_segments(bp, img, len, elf,
                                                      errp)) {
        return false;
    }
    elf->entry = boot_elf_entry(elf);
    return check_below_4g(bp, elf, errp) &&
           boot_elf_load(bp, img, elf, end, errp);
}

bool multiboot_load(const BootParams *bp, const uint8_t *img, size_t len,
                    BootCpuState *cpu, GError **errp)
{
    MultibootInfo mi = {
        .strings = g_string_new(NULL),
        .mods = g_byte_array_new(),
    };
    g_autofree char *cmdline = kernel_cmdline(bp);
    BootElf elf = { 0 };
    uint64_t end;
    uint32_t cmdline_addr;
    bool ok;

    ok = load_kernel(bp, img, len, &elf, &end, errp);
    if (ok) {
        cmdline_addr = add_string(&mi, cmdline);
        ok = load_modules(bp, &mi, end, errp) &&
             write_info(bp, &mi, cmdline_addr, errp) &&
             boot_enter_prot32(bp, elf.entry, cpu, errp);
    }
    if (ok) {
        cpu->rax = MULTIBOOT_BOOTLOADER_MAGIC;
        cpu->rbx = BOOT_MBINFO_ADDR;
    }
    boot_elf_free(&elf);
    g_string_free(mi.strings, true);
    g_byte_array_free(mi.mods, true);
    return ok;
}
