/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 64-bit ELF kernels (vmlinux-style, x86-64 ET_EXEC): PT_LOAD segments at
 * their physical addresses, entered in long mode at e_entry the way the
 * Linux 64-bit boot protocol enters a kernel: RSI points to a zero page
 * with the e820 map, command line and initrd.
 */
#include "x86-boot-internal.h"
#include "vireo/object.h"

#include <string.h>

/* What a loader of a bzImage would have found in its setup header; zp is
 * the start of a zero page, up to the end of the header. */
static void fake_setup_header(uint8_t *zp)
{
    boot_put16(zp + LINUX_BOOT_FLAG, 0xaa55);
    memcpy(zp + LINUX_HEADER, "HdrS", 4);
    boot_put16(zp + LINUX_VERSION, 0x020f);
    zp[LINUX_LOADFLAGS] = LINUX_LOADED_HIGH;
    boot_put32(zp + LINUX_INITRD_ADDR_MAX, UINT32_MAX);
    boot_put32(zp + LINUX_CMDLINE_SIZE, BOOT_CMDLINE_MAX - 1);
}

static bool check_elf64(const BootParams *bp, const BootElf *elf,
                        GError **errp)
{
    const char *name = boot_kernel_name(bp);

    if (elf->elf_class != ELF_CLASS64 || elf->machine != ELF_EM_X86_64) {
        error_setg(errp, "kernel '%s' is not an x86-64 ELF64 image", name);
        return false;
    }
    if (elf->type != ELF_ET_EXEC) {
        error_setg(errp, "kernel '%s' is an ELF of type %u: only executables "
                   "(ET_EXEC) can be booted", name, elf->type);
        return false;
    }
    return true;
}

bool elf64_load(const BootParams *bp, const uint8_t *img, size_t len,
                BootCpuState *cpu, GError **errp)
{
    uint8_t zp[LINUX_HDR_END_MAX] = { 0 };
    BootElf elf;
    uint64_t end, entry;
    bool ok;

    if (!boot_elf_parse(bp, img, len, &elf, errp)) {
        return false;
    }
    entry = boot_elf_entry(&elf);
    ok = check_elf64(bp, &elf, errp) && boot_elf_load(bp, img, &elf, &end,
                                                        errp);
    boot_elf_free(&elf);
    if (!ok) {
        return false;
    }
    if (entry >= BOOT_4G) {
        error_setg(errp, "kernel '%s' has its entry point 0x%" PRIx64
                   " outside the 4 GiB identity map", boot_kernel_name(bp),
                   entry);
        return false;
    }
    fake_setup_header(zp);
    return linux_write_boot_params(bp, &(LinuxBootSetup){
                .setup_header = zp + LINUX_HDR_START,
                .setup_header_len = LINUX_HDR_END_MAX - LINUX_HDR_START,
                .cmdline_limit = BOOT_CMDLINE_MAX - 1,
                .kernel_end = end,
                .initrd_limit = BOOT_4G,
            }, errp) &&
           boot_enter_long64(bp, entry, cpu, errp);
}
