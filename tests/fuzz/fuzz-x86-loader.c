/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the x86 kernel loaders: each input is a -kernel
 * image, loaded by kind into a 64 MiB guest with a small initrd (which is
 * also the multiboot module list). Build: see tests/fuzz/README.md.
 */
#include "vireo/x86-boot.h"

#include <glib.h>
#include <stdlib.h>
#include <unistd.h>

#define GUEST_RAM (64u << 20)

typedef bool KernelLoader(const BootParams *bp, const uint8_t *img,
                          size_t len, BootCpuState *cpu, GError **errp);

static KernelLoader *const loaders[] = {
    [KERNEL_BZIMAGE] = linux_load_bzimage,
    [KERNEL_MULTIBOOT] = multiboot_load,
    [KERNEL_ELF64] = elf64_load,
};

static char initrd[] = "/tmp/vireo-fuzz-initrd-XXXXXX";

static void remove_initrd(void)
{
    unlink(initrd);
}

static BootParams *fuzz_guest(void)
{
    static BootParams bp;
    static E820Table e820;
    static const uint8_t initrd_data[4096] = { 0x1f, 0x8b };
    int fd;

    if (bp.mem.low) {
        return &bp;
    }
    fd = mkstemp(initrd);
    if (fd < 0 || write(fd, initrd_data, sizeof(initrd_data)) < 0) {
        abort();
    }
    close(fd);
    atexit(remove_initrd);
    e820_add(&e820, 0, 0x9fc00, E820_RAM);
    e820_add(&e820, 0x9fc00, 0x400, E820_RESERVED);
    e820_add(&e820, 0xf0000, 0x10000, E820_RESERVED);
    e820_add(&e820, 0x100000, GUEST_RAM - 0x100000, E820_RAM);
    e820_add(&e820, 0xfffc0000, 0x40000, E820_RESERVED);
    bp = (BootParams){
        .kernel = "fuzz-kernel",
        .initrd = initrd,
        .cmdline = "console=ttyS0 panic=-1",
        .mem = { .low = calloc(1, GUEST_RAM), .below_4g = GUEST_RAM },
        .e820 = &e820,
        .acpi_rsdp = 0xf5a20,
    };
    return &bp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const BootParams *bp = fuzz_guest();
    KernelKind kind = x86_kernel_kind(data, size);
    BootCpuState cpu;
    GError *err = NULL;

    if (kind == KERNEL_UNKNOWN) {
        return 0;
    }
    if (!loaders[kind](bp, data, size, &cpu, &err)) {
        g_error_free(err);
    }
    return 0;
}
