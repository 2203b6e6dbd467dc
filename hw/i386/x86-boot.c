/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware-less x86 boot: recognise a -kernel image by content and hand it
 * to its loader; the helpers they share (e820 map, guest RAM access, ELF
 * program headers, the boot GDT and identity page tables of the entry state).
 */
#include "x86-boot-internal.h"
#include "vireo/object.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- e820 and guest RAM --- */

static uint64_t range_end(uint64_t addr, uint64_t size)
{
    return addr + size < addr ? UINT64_MAX : addr + size;
}

bool e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type)
{
    unsigned i;

    if (size == 0 || addr + size < addr || t->nr >= G_N_ELEMENTS(t->entries)) {
        return false;
    }
    for (i = 0; i < t->nr; i++) {
        const E820Entry *e = &t->entries[i];
        if (addr < e->addr + e->size && e->addr < addr + size) {
            return false;
        }
    }
    for (i = t->nr; i > 0 && t->entries[i - 1].addr > addr; i--) {
        t->entries[i] = t->entries[i - 1];
    }
    t->entries[i] = (E820Entry){ .addr = addr, .size = size, .type = type };
    t->nr++;
    return true;
}

void *guest_memory_ptr(const GuestMemory *gm, uint64_t addr, uint64_t len)
{
    if (addr < BOOT_4G) {
        if (gm->low && addr <= gm->below_4g && len <= gm->below_4g - addr) {
            return gm->low + addr;
        }
        return NULL;
    }
    addr -= BOOT_4G;
    if (gm->high && addr <= gm->above_4g && len <= gm->above_4g - addr) {
        return gm->high + addr;
    }
    return NULL;
}

const E820Table *boot_e820(const BootParams *bp, E820Table *buf)
{
    uint64_t low = bp->mem.low ? bp->mem.below_4g : 0;

    if (bp->e820) {
        return bp->e820;
    }
    memset(buf, 0, sizeof(*buf));
    e820_add(buf, 0, MIN(low, 0x9fc00), E820_RAM);
    if (low > BOOT_KERNEL_ADDR) {
        e820_add(buf, BOOT_KERNEL_ADDR, low - BOOT_KERNEL_ADDR, E820_RAM);
    }
    if (bp->mem.high) {
        e820_add(buf, BOOT_4G, bp->mem.above_4g, E820_RAM);
    }
    return buf;
}

/* The contiguous RAM range [*start, *end) holding addr, joining entries
 * that touch it; the table need not be sorted. */
static bool ram_range(const E820Table *t, uint64_t addr, uint64_t *start,
                      uint64_t *end)
{
    unsigned i, nr = MIN(t->nr, G_N_ELEMENTS(t->entries));
    bool grew = true;

    *start = addr;
    *end = addr;
    while (grew) {
        grew = false;
        for (i = 0; i < nr; i++) {
            const E820Entry *e = &t->entries[i];
            uint64_t e_end = range_end(e->addr, e->size);
            bool touches = *end > *start ? e->addr <= *end && e_end >= *start
                                         : e->addr <= addr && addr < e_end;
            if (e->type != E820_RAM || !touches ||
                (e->addr >= *start && e_end <= *end)) {
                continue;
            }
            *start = MIN(*start, e->addr);
            *end = MAX(*end, e_end);
            grew = true;
        }
    }
    return *end > *start;
}

bool boot_ram_contains(const BootParams *bp, uint64_t addr, uint64_t len)
{
    E820Table buf;
    uint64_t start, end;

    if (!ram_range(boot_e820(bp, &buf), addr, &start, &end)) {
        return false;
    }
    return len <= end - addr && guest_memory_ptr(&bp->mem, addr, len);
}

uint64_t boot_ram_range_end(const BootParams *bp, uint64_t addr)
{
    E820Table buf;
    uint64_t start, end;

    return ram_range(boot_e820(bp, &buf), addr, &start, &end) ? end : 0;
}

bool boot_find_ram_top(const BootParams *bp, uint64_t size, uint64_t lo,
                       uint64_t limit, uint64_t *addr)
{
    E820Table buf;
    const E820Table *t = boot_e820(bp, &buf);
    unsigned i, nr = MIN(t->nr, G_N_ELEMENTS(t->entries));
    bool found = false;

    for (i = 0; i < nr; i++) {
        uint64_t start, end, cand;
        if (t->entries[i].type != E820_RAM ||
            !ram_range(t, t->entries[i].addr, &start, &end)) {
            continue;
        }
        start = MAX(start, lo);
        end = MIN(end, limit);
        if (end < start || end - start < size) {
            continue;
        }
        cand = (end - size) & ~(BOOT_PAGE_SIZE - 1);
        if (cand >= start && (!found || cand > *addr) &&
            guest_memory_ptr(&bp->mem, cand, size)) {
            *addr = cand;
            found = true;
        }
    }
    return found;
}

uint64_t boot_ram_ceiling(const BootParams *bp, uint64_t limit)
{
    E820Table buf;
    const E820Table *t = boot_e820(bp, &buf);
    unsigned i, nr = MIN(t->nr, G_N_ELEMENTS(t->entries));
    uint64_t top = 0;

    for (i = 0; i < nr; i++) {
        const E820Entry *e = &t->entries[i];
        if (e->type == E820_RAM && e->addr < limit) {
            top = MAX(top, MIN(range_end(e->addr, e->size), limit));
        }
    }
    return top;
}

/* --- writing guest RAM --- */

/* What the loaders put below 1 MiB; kernels must not load over it. */
static const struct {
    uint64_t start, end;
    const char *what;
} boot_data_areas[] = {
    { BOOT_GDT_ADDR, BOOT_GDT_ADDR + 8 * BOOT_GDT_ENTRIES, "GDT" },
    { BOOT_ZEROPAGE_ADDR, BOOT_ZEROPAGE_ADDR + 0x1000, "zero page" },
    { BOOT_STACK_TOP & ~0xfffULL, BOOT_PML4_ADDR, "boot stack" },
    { BOOT_PML4_ADDR, BOOT_MBINFO_END, "page tables and multiboot info" },
    { BOOT_CMDLINE_ADDR, BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX, "command line" },
};

const char *boot_kernel_name(const BootParams *bp)
{
    return bp->kernel ? bp->kernel : "kernel";
}

bool boot_write(const BootParams *bp, uint64_t addr, const void *src,
                uint64_t len, GError **errp)
{
    void *dst = guest_memory_ptr(&bp->mem, addr, len);

    if (!dst) {
        error_setg(errp, "guest RAM is too small for the boot data at "
                   "0x%" PRIx64 "-0x%" PRIx64 ": use more -m",
                   addr, addr + len);
        return false;
    }
    if (len) {
        memcpy(dst, src, len);
    }
    return true;
}

bool boot_load_segment(const BootParams *bp, uint64_t addr,
                       const uint8_t *src, uint64_t filesz, uint64_t memsz,
                       GError **errp)
{
    const char *name = boot_kernel_name(bp);
    uint8_t *dst;
    unsigned i;

    if (filesz > memsz || addr + memsz < addr) {
        error_setg(errp, "kernel '%s' has a malformed segment at 0x%" PRIx64,
                   name, addr);
        return false;
    }
    if (!boot_ram_contains(bp, addr, memsz)) {
        error_setg(errp, "kernel '%s' has a segment at 0x%" PRIx64 "-0x%"
                   PRIx64 " that is not in guest RAM (check -m)",
                   name, addr, addr + memsz);
        return false;
    }
    for (i = 0; i < G_N_ELEMENTS(boot_data_areas); i++) {
        if (addr < boot_data_areas[i].end &&
            boot_data_areas[i].start < addr + memsz) {
            error_setg(errp, "kernel '%s' has a segment at 0x%" PRIx64 "-0x%"
                       PRIx64 " over the %s at 0x%" PRIx64 "-0x%" PRIx64,
                       name, addr, addr + memsz, boot_data_areas[i].what,
                       boot_data_areas[i].start, boot_data_areas[i].end);
            return false;
        }
    }
    dst = guest_memory_ptr(&bp->mem, addr, memsz);
    if (filesz) {
        memcpy(dst, src, filesz);
    }
    memset(dst + filesz, 0, memsz - filesz);
    return true;
}

/* --- files --- */

bool boot_read_file(const char *path, const char *what, uint8_t **data,
                    size_t *len, GError **errp)
{
    struct stat st;
    size_t done = 0;
    int err, fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto fail;
    }
    *data = g_try_malloc((size_t)st.st_size + 1);
    if (!*data) {
        errno = ENOMEM;
        goto fail;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, *data + done, st.st_size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            g_free(*data);
            *data = NULL;
            errno = err;
            goto fail;
        }
        done += n;
    }
    close(fd);
    *len = done;
    return true;

fail:
    err = errno;
    if (fd >= 0) {
        close(fd);
    }
    error_setg(errp, "could not load %s '%s': %s", what, path,
               g_strerror(err));
    return false;
}

/* --- ELF program headers (System V gABI, ELF32 and ELF64) --- */

typedef struct ElfLayout {
    size_t ehdr_size, phdr_size;
    size_t entry, phoff, phentsize, phnum;       /* in the file header */
    size_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;   /* in a phdr */
    unsigned word;                               /* 4 or 8 */
} ElfLayout;

static const ElfLayout elf_layouts[] = {
    [ELF_CLASS32] = { 52, 32, 24, 28, 42, 44, 4, 8, 12, 16, 20, 4 },
    [ELF_CLASS64] = { 64, 56, 24, 32, 54, 56, 8, 16, 24, 32, 40, 8 },
};

enum { ELF_PT_LOAD = 1 };

bool boot_is_elf(const uint8_t *img, size_t len, unsigned *elf_class,
                 uint16_t *machine)
{
    if (len < 20 || memcmp(img, "\x7f" "ELF", 4) != 0 || img[5] != 1 ||
        (img[4] != ELF_CLASS32 && img[4] != ELF_CLASS64)) {
        return false;
    }
    *elf_class = img[4];
    *machine = boot_get16(img + 18);
    return true;
}

static uint64_t elf_word(const ElfLayout *l, const uint8_t *p)
{
    return l->word == 8 ? boot_get64(p) : boot_get32(p);
}

static bool elf_read_phdr(const BootParams *bp, const ElfLayout *l,
                          const uint8_t *img, size_t len, const uint8_t *ph,
                          BootElf *elf, GError **errp)
{
    const char *name = boot_kernel_name(bp);
    BootSegment s = {
        .offset = elf_word(l, ph + l->p_offset),
        .vaddr = elf_word(l, ph + l->p_vaddr),
        .paddr = elf_word(l, ph + l->p_paddr),
        .filesz = elf_word(l, ph + l->p_filesz),
        .memsz = elf_word(l, ph + l->p_memsz),
    };

    if (boot_get32(ph) != ELF_PT_LOAD || s.memsz == 0) {
        return true;
    }
    if (s.filesz > s.memsz || s.paddr + s.memsz < s.paddr ||
        s.vaddr + s.memsz < s.vaddr) {
        error_setg(errp, "kernel '%s' has a malformed segment at 0x%" PRIx64
                   " (file size 0x%" PRIx64 ", memory size 0x%" PRIx64 ")",
                   name, s.paddr, s.filesz, s.memsz);
        return false;
    }
    if (s.offset > len || s.filesz > len - s.offset) {
        error_setg(errp, "kernel '%s' is truncated: its segment at 0x%" PRIx64
                   " needs file bytes up to 0x%" PRIx64 " but the file has "
                   "0x%zx", name, s.paddr, range_end(s.offset, s.filesz), len);
        return false;
    }
    g_array_append_val(elf->segs, s);
    return true;
}

bool boot_elf_parse(const BootParams *bp, const uint8_t *img, size_t len,
                    BootElf *elf, GError **errp)
{
    const char *name = boot_kernel_name(bp);
    const ElfLayout *l;
    uint64_t phoff, phentsize, phnum, i;

    memset(elf, 0, sizeof(*elf));
    if (!boot_is_elf(img, len, &elf->elf_class, &elf->machine)) {
        error_setg(errp, "kernel '%s' is not a little-endian ELF image", name);
        return false;
    }
    l = &elf_layouts[elf->elf_class];
    if (len < l->ehdr_size) {
        error_setg(errp, "kernel '%s' is truncated: its ELF header is cut off",
                   name);
        return false;
    }
    elf->type = boot_get16(img + 16);
    elf->entry = elf_word(l, img + l->entry);
    phoff = elf_word(l, img + l->phoff);
    phentsize = boot_get16(img + l->phentsize);
    phnum = boot_get16(img + l->phnum);
    if (phentsize < l->phdr_size) {
        error_setg(errp, "kernel '%s' has a malformed ELF header (program "
                   "header size %" PRIu64 ")", name, phentsize);
        return false;
    }
    if (phoff > len || phnum * phentsize > len - phoff) {
        error_setg(errp, "kernel '%s' is truncated: its program headers end "
                   "at 0x%" PRIx64 " but the file has 0x%zx", name,
                   range_end(phoff, phnum * phentsize), len);
        return false;
    }
    elf->segs = g_array_new(false, false, sizeof(BootSegment));
    for (i = 0; i < phnum; i++) {
        if (!elf_read_phdr(bp, l, img, len, img + phoff + i * phentsize,
                           elf, errp)) {
            boot_elf_free(elf);
            return false;
        }
    }
    if (elf->segs->len == 0) {
        error_setg(errp, "kernel '%s' has no loadable segments", name);
        boot_elf_free(elf);
        return false;
    }
    return true;
}

void boot_elf_free(BootElf *elf)
{
    if (elf->segs) {
        g_array_free(elf->segs, true);
        elf->segs = NULL;
    }
}

bool boot_elf_load(const BootParams *bp, const uint8_t *img,
                   const BootElf *elf, uint64_t *end, GError **errp)
{
    guint i;

    *end = 0;
    for (i = 0; i < elf->segs->len; i++) {
        const BootSegment *s = &g_array_index(elf->segs, BootSegment, i);
        if (!boot_load_segment(bp, s->paddr, img + s->offset, s->filesz,
                               s->memsz, errp)) {
            return false;
        }
        *end = MAX(*end, s->paddr + s->memsz);
    }
    return true;
}

uint64_t boot_elf_entry(const BootElf *elf)
{
    guint i;

    for (i = 0; i < elf->segs->len; i++) {
        const BootSegment *s = &g_array_index(elf->segs, BootSegment, i);
        if (elf->entry >= s->vaddr && elf->entry - s->vaddr < s->memsz) {
            return s->paddr + (elf->entry - s->vaddr);
        }
    }
    return elf->entry;
}

/* --- entry state: GDT and identity page tables --- */

/* Flat descriptors, accessed bit set so the CPU need not write them. */
static const uint64_t boot_gdt[BOOT_GDT_ENTRIES] = {
    [BOOT_SEL_CODE32 / 8] = 0x00cf9b000000ffffULL,  /* 32-bit code, D=1 */
    [BOOT_SEL_CODE64 / 8] = 0x00af9b000000ffffULL,  /* 64-bit code, L=1 */
    [BOOT_SEL_DATA / 8]   = 0x00cf93000000ffffULL,  /* data, read/write */
};

enum {
    PTE_PRESENT = 1 << 0,
    PTE_WRITE = 1 << 1,
    PTE_LARGE = 1 << 7,
    BOOT_PDPT_ADDR = BOOT_PML4_ADDR + 0x1000,
    BOOT_PD_ADDR = BOOT_PML4_ADDR + 0x2000,
    BOOT_PD_COUNT = 4,                          /* 4 x 1 GiB */
};

static bool write_gdt(const BootParams *bp, BootCpuState *cpu, GError **errp)
{
    uint8_t gdt[sizeof(boot_gdt)];
    unsigned i;

    for (i = 0; i < BOOT_GDT_ENTRIES; i++) {
        boot_put64(gdt + 8 * i, boot_gdt[i]);
    }
    cpu->gdt_base = BOOT_GDT_ADDR;
    cpu->gdt_limit = sizeof(gdt) - 1;
    return boot_write(bp, BOOT_GDT_ADDR, gdt, sizeof(gdt), errp);
}

/* PML4 -> one PDPT -> four PDs of 2 MiB pages: 0-4 GiB identity mapped. */
static bool write_page_tables(const BootParams *bp, GError **errp)
{
    const size_t size = BOOT_PT_END - BOOT_PML4_ADDR;
    g_autofree uint8_t *pt = g_malloc0(size);
    uint8_t *pdpt = pt + (BOOT_PDPT_ADDR - BOOT_PML4_ADDR);
    uint8_t *pd = pt + (BOOT_PD_ADDR - BOOT_PML4_ADDR);
    unsigned i;

    G_STATIC_ASSERT(BOOT_PD_ADDR + BOOT_PD_COUNT * 0x1000 == BOOT_PT_END);
    boot_put64(pt, BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITE);
    for (i = 0; i < BOOT_PD_COUNT; i++) {
        boot_put64(pdpt + 8 * i,
                   (BOOT_PD_ADDR + 0x1000 * i) | PTE_PRESENT | PTE_WRITE);
    }
    for (i = 0; i < BOOT_PD_COUNT * 512; i++) {
        boot_put64(pd + 8 * i, ((uint64_t)i << 21) | PTE_PRESENT | PTE_WRITE |
                   PTE_LARGE);
    }
    return boot_write(bp, BOOT_PML4_ADDR, pt, size, errp);
}

bool boot_enter_long64(const BootParams *bp, uint64_t entry,
                       BootCpuState *cpu, GError **errp)
{
    memset(cpu, 0, sizeof(*cpu));
    if (!write_gdt(bp, cpu, errp) || !write_page_tables(bp, errp)) {
        return false;
    }
    cpu->mode = BOOT_MODE_LONG64;
    cpu->rip = entry;
    cpu->rsi = BOOT_ZEROPAGE_ADDR;
    cpu->rsp = BOOT_STACK_TOP;
    cpu->cr3 = BOOT_PML4_ADDR;
    cpu->cs = BOOT_SEL_CODE64;
    cpu->ds = BOOT_SEL_DATA;
    return true;
}

bool boot_enter_prot32(const BootParams *bp, uint64_t entry,
                       BootCpuState *cpu, GError **errp)
{
    memset(cpu, 0, sizeof(*cpu));
    if (!write_gdt(bp, cpu, errp)) {
        return false;
    }
    cpu->mode = BOOT_MODE_PROT32;
    cpu->rip = entry;
    cpu->rsp = BOOT_STACK_TOP;
    cpu->cs = BOOT_SEL_CODE32;
    cpu->ds = BOOT_SEL_DATA;
    return true;
}

/* --- kinds and dispatch --- */

static bool is_bzimage(const uint8_t *img, size_t len)
{
    return len >= LINUX_HEADER + 4 &&
           boot_get16(img + LINUX_BOOT_FLAG) == 0xaa55 &&
           memcmp(img + LINUX_HEADER, "HdrS", 4) == 0;
}

KernelKind x86_kernel_kind(const uint8_t *data, size_t len)
{
    long mb = multiboot_find_header(data, len);
    unsigned elf_class;
    uint16_t machine;
    bool elf64 = boot_is_elf(data, len, &elf_class, &machine) &&
                 elf_class == ELF_CLASS64 && machine == ELF_EM_X86_64;

    /* Multiboot v1 cannot load an ELF64 without its load addresses. */
    if (mb >= 0 && (!elf64 || multiboot_has_load_addresses(data, mb))) {
        return KERNEL_MULTIBOOT;
    }
    if (elf64) {
        return KERNEL_ELF64;
    }
    return is_bzimage(data, len) ? KERNEL_BZIMAGE : KERNEL_UNKNOWN;
}

typedef bool KernelLoader(const BootParams *bp, const uint8_t *img,
                          size_t len, BootCpuState *cpu, GError **errp);

static KernelLoader *const kernel_loaders[] = {
    [KERNEL_BZIMAGE] = linux_load_bzimage,
    [KERNEL_MULTIBOOT] = multiboot_load,
    [KERNEL_ELF64] = elf64_load,
};

bool x86_load_kernel(const BootParams *bp, BootCpuState *cpu, GError **errp)
{
    g_autofree uint8_t *img = NULL;
    size_t len;
    KernelKind kind;

    if (!bp->kernel) {
        error_setg(errp, "no kernel to load (-kernel)");
        return false;
    }
    if (!boot_read_file(bp->kernel, "kernel", &img, &len, errp)) {
        return false;
    }
    kind = x86_kernel_kind(img, len);
    if (kind == KERNEL_UNKNOWN) {
        error_setg(errp, "kernel '%s' is not a bzImage, multiboot or 64-bit "
                   "ELF image", bp->kernel);
        return false;
    }
    return kernel_loaders[kind](bp, img, len, cpu, errp);
}
