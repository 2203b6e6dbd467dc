/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct boot of a Linux bzImage by the x86 boot protocol
 * (Documentation/arch/x86/boot.rst), 64-bit entry (protocol 2.12+): the
 * protected-mode kernel at 1 MiB, the zero page, command line and initrd.
 */
#include "x86-boot-internal.h"
#include "vireo/object.h"

#include <string.h>

/* struct boot_params fields outside the setup header. */
enum {
    ZP_ACPI_RSDP_ADDR = 0x070,
    ZP_EXT_RAMDISK_IMAGE = 0x0c0,
    ZP_EXT_RAMDISK_SIZE = 0x0c4,
    ZP_EXT_CMD_LINE_PTR = 0x0c8,
    ZP_E820_ENTRIES = 0x1e8,
    ZP_E820_TABLE = 0x2d0,
    ZP_E820_MAX = 128,
    ZP_SIZE = 0x1000,
};

enum { LOADER_TYPE_UNDEFINED = 0xff };

/* Loads -initrd above the kernel, as high as it fits below the limit. */
static bool load_initrd(const BootParams *bp, const LinuxBootSetup *s,
                        uint8_t *zp, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t size;
    uint64_t addr, lo;

    if (!bp->initrd || !*bp->initrd) {
        return true;
    }
    if (!boot_read_file(bp->initrd, "initrd", &data, &size, errp)) {
        return false;
    }
    /* Everything the loaders own lies below the kernel at 1 MiB. */
    lo = MAX(s->kernel_end, BOOT_KERNEL_ADDR);
    if (!boot_find_ram_top(bp, size, lo, s->initrd_limit, &addr)) {
        error_setg(errp, "initrd '%s' (%zu bytes) does not fit in guest RAM "
                   "below 0x%" PRIx64 ": use more -m", bp->initrd, size,
                   boot_ram_ceiling(bp, s->initrd_limit));
        return false;
    }
    memcpy(guest_memory_ptr(&bp->mem, addr, size), data, size);
    boot_put32(zp + LINUX_RAMDISK_IMAGE, addr);
    boot_put32(zp + ZP_EXT_RAMDISK_IMAGE, addr >> 32);
    boot_put32(zp + LINUX_RAMDISK_SIZE, size);
    boot_put32(zp + ZP_EXT_RAMDISK_SIZE, (uint64_t)size >> 32);
    return true;
}

static bool write_cmdline(const BootParams *bp, const LinuxBootSetup *s,
                          uint8_t *zp, GError **errp)
{
    const char *cmdline = bp->cmdline ? bp->cmdline : "";
    size_t len = strlen(cmdline);
    uint32_t limit = MIN(s->cmdline_limit, BOOT_CMDLINE_MAX - 1);

    if (len > limit) {
        error_setg(errp, "kernel command line of %zu bytes is longer than "
                   "the kernel's limit of %" PRIu32, len, limit);
        return false;
    }
    boot_put32(zp + LINUX_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);
    boot_put32(zp + ZP_EXT_CMD_LINE_PTR, 0);
    return boot_write(bp, BOOT_CMDLINE_ADDR, cmdline, len + 1, errp);
}

static void write_e820(const BootParams *bp, uint8_t *zp)
{
    E820Table buf;
    const E820Table *t = boot_e820(bp, &buf);
    unsigned i, nr = MIN(t->nr, MIN(G_N_ELEMENTS(t->entries), ZP_E820_MAX));

    zp[ZP_E820_ENTRIES] = nr;
    for (i = 0; i < nr; i++) {
        uint8_t *e = zp + ZP_E820_TABLE + 20 * i;
        boot_put64(e, t->entries[i].addr);
        boot_put64(e + 8, t->entries[i].size);
        boot_put32(e + 16, t->entries[i].type);
    }
}

bool linux_write_boot_params(const BootParams *bp, const LinuxBootSetup *s,
                             GError **errp)
{
    g_autofree uint8_t *zp = g_malloc0(ZP_SIZE);
    size_t hdr_len = MIN(s->setup_header_len,
                         LINUX_HDR_END_MAX - LINUX_HDR_START);

    memcpy(zp + LINUX_HDR_START, s->setup_header, hdr_len);
    /* Fields the loader owns, whatever the image held there. */
    zp[LINUX_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    boot_put32(zp + LINUX_RAMDISK_IMAGE, 0);
    boot_put32(zp + LINUX_RAMDISK_SIZE, 0);
    boot_put64(zp + LINUX_SETUP_DATA, 0);
    if (!write_cmdline(bp, s, zp, errp) || !load_initrd(bp, s, zp, errp)) {
        return false;
    }
    write_e820(bp, zp);
    boot_put64(zp + ZP_ACPI_RSDP_ADDR, bp->acpi_rsdp);
    return boot_write(bp, BOOT_ZEROPAGE_ADDR, zp, ZP_SIZE, errp);
}

/* Where the kernel runs from and unpacks itself (head_64.S): the load
 * address rounded up to kernel_alignment if relocatable, at least
 * pref_address; it needs init_size bytes there. */
static uint64_t kernel_end(const uint8_t *img, uint64_t pm_size)
{
    uint64_t align = boot_get32(img + LINUX_KERNEL_ALIGNMENT);
    uint64_t pref = boot_get64(img + LINUX_PREF_ADDRESS);
    uint64_t init_size = boot_get32(img + LINUX_INIT_SIZE);
    uint64_t run = BOOT_KERNEL_ADDR;

    if (img[LINUX_RELOCATABLE] && align && !(align & (align - 1))) {
        run = (run + align - 1) & ~(align - 1);
    }
    if (pref > UINT32_MAX) {
        pref = UINT32_MAX;     /* garbage; the RAM check will refuse it */
    }
    run = MAX(run, pref);
    return MAX(BOOT_KERNEL_ADDR + pm_size, run + init_size);
}

/* Protocol version and 64-bit entry point. */
static bool check_protocol(const char *name, const uint8_t *img,
                           GError **errp)
{
    uint16_t version = boot_get16(img + LINUX_VERSION);

    if (version < 0x20c) {
        error_setg(errp, "kernel '%s' uses Linux boot protocol %u.%02u, which "
                   "is too old: direct boot needs 2.12 or later", name,
                   version >> 8, version & 0xff);
        return false;
    }
    if (!(boot_get16(img + LINUX_XLOADFLAGS) & LINUX_XLF_KERNEL_64)) {
        error_setg(errp, "kernel '%s' is a 32-bit-only bzImage: direct boot "
                   "needs a 64-bit kernel (XLF_KERNEL_64)", name);
        return false;
    }
    return true;
}

bool linux_load_bzimage(const BootParams *bp, const uint8_t *img, size_t len,
                        BootCpuState *cpu, GError **errp)
{
    const char *name = boot_kernel_name(bp);
    size_t setup_size, hdr_end;
    uint64_t pm_size, end, sys_size;
    unsigned setup_sects;

    if (len < LINUX_HEADER + 4 || boot_get16(img + LINUX_BOOT_FLAG) != 0xaa55 ||
        memcmp(img + LINUX_HEADER, "HdrS", 4) != 0) {
        error_setg(errp, "kernel '%s' is not a bzImage", name);
        return false;
    }
    /* At least 5 sectors, so every header field below 0x290 is in the file. */
    setup_sects = img[LINUX_HDR_START] ? img[LINUX_HDR_START] : 4;
    setup_size = (setup_sects + 1) * 512;
    if (len <= setup_size) {
        error_setg(errp, "kernel '%s' is truncated: its setup code takes %zu "
                   "bytes but the file has only %zu", name, setup_size, len);
        return false;
    }
    if (!check_protocol(name, img, errp)) {
        return false;
    }
    pm_size = len - setup_size;
    sys_size = (uint64_t)boot_get32(img + LINUX_SYSSIZE) * 16;
    if (sys_size > pm_size) {
        error_setg(errp, "kernel '%s' is truncated: its header announces %"
                   PRIu64 " bytes of kernel but the file has %" PRIu64,
                   name, sys_size, pm_size);
        return false;
    }
    end = kernel_end(img, pm_size);
    if (!boot_ram_contains(bp, BOOT_KERNEL_ADDR, end - BOOT_KERNEL_ADDR)) {
        error_setg(errp, "kernel '%s' needs guest RAM from 0x%x to 0x%" PRIx64
                   " (%" PRIu64 " MiB) to unpack itself: use more -m", name,
                   BOOT_KERNEL_ADDR, end, (end + 0xfffff) >> 20);
        return false;
    }
    memcpy(guest_memory_ptr(&bp->mem, BOOT_KERNEL_ADDR, pm_size),
           img + setup_size, pm_size);

    hdr_end = LINUX_HEADER + img[LINUX_JUMP + 1];
    return linux_write_boot_params(bp, &(LinuxBootSetup){
                .setup_header = img + LINUX_HDR_START,
                .setup_header_len = hdr_end - LINUX_HDR_START,
                .cmdline_limit = boot_get32(img + LINUX_CMDLINE_SIZE),
                .kernel_end = end,
                .initrd_limit = (uint64_t)boot_get32(img +
                                                     LINUX_INITRD_ADDR_MAX) + 1,
            }, errp) &&
           boot_enter_long64(bp, BOOT_KERNEL_ENTRY64, cpu, errp);
}
