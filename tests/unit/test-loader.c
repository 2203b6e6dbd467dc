/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the firmware-less x86 loaders (hw/i386/x86-boot.c and
 * friends): hand-built bzImage, multiboot ELF32, a.out-kludge and ELF64
 * images, their error paths, and the real guest kernel when it is built.
 */
#include "vireo/x86-boot.h"
#include "vireo/object.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MiB (1024 * 1024)

/* --- little-endian access --- */

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }
static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}
static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- a guest: RAM, e820, a scratch directory for files --- */

typedef struct TestGuest {
    BootParams bp;
    E820Table e820;
    char *dir;
    char *kernel_path;
} TestGuest;

static void guest_init(TestGuest *g, uint64_t ram)
{
    memset(g, 0, sizeof(*g));
    g->bp.mem.low = g_malloc0(ram);
    g->bp.mem.below_4g = ram;
    e820_add(&g->e820, 0, 0x9fc00, E820_RAM);
    e820_add(&g->e820, 0x9fc00, 0x400, E820_RESERVED);
    e820_add(&g->e820, 0xf0000, 0x10000, E820_RESERVED);
    e820_add(&g->e820, 0x100000, ram - 0x100000, E820_RAM);
    g->bp.e820 = &g->e820;
    g->bp.cmdline = "";
    g->dir = g_dir_make_tmp("vireo-loader-XXXXXX", NULL);
    g_assert_nonnull(g->dir);
}

static void guest_cleanup(TestGuest *g)
{
    GDir *d = g_dir_open(g->dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(g->dir, name, NULL);
        g_unlink(p);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(g->dir);
    g_free(g->dir);
    g_free(g->kernel_path);
    g_free(g->bp.mem.low);
}

static uint8_t *gpa(TestGuest *g, uint64_t addr)
{
    uint8_t *p = guest_memory_ptr(&g->bp.mem, addr, 1);
    g_assert_nonnull(p);
    return p;
}

/* Writes a file in the guest's scratch directory; returns its path. */
static char *guest_file(TestGuest *g, const char *name, const void *data,
                        size_t len)
{
    char *path = g_build_filename(g->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

static void set_kernel(TestGuest *g, const uint8_t *img, size_t len)
{
    g_free(g->kernel_path);
    g->kernel_path = guest_file(g, "kernel", img, len);
    g->bp.kernel = g->kernel_path;
}

static bool load(TestGuest *g, BootCpuState *cpu, GError **errp)
{
    return x86_load_kernel(&g->bp, cpu, errp);
}

static void assert_load_fails(TestGuest *g, const char *message)
{
    g_autoptr(GError) err = NULL;
    BootCpuState cpu;

    g_assert_false(load(g, &cpu, &err));
    g_assert_error(err, VIREO_ERROR, VIREO_ERROR_GENERIC);
    if (!strstr(err->message, message)) {
        g_error("error '%s' does not contain '%s'", err->message, message);
    }
}

/* --- shared checks --- */

static void check_gdt(TestGuest *g, const BootCpuState *cpu)
{
    const uint8_t *gdt = gpa(g, BOOT_GDT_ADDR);

    g_assert_cmphex(cpu->gdt_base, ==, BOOT_GDT_ADDR);
    g_assert_cmpuint(cpu->gdt_limit, ==, 8 * BOOT_GDT_ENTRIES - 1);
    g_assert_cmphex(get64(gdt), ==, 0);
    g_assert_cmphex(get64(gdt + 0x08), ==, 0x00cf9b000000ffffULL);
    g_assert_cmphex(get64(gdt + 0x10), ==, 0x00af9b000000ffffULL);
    g_assert_cmphex(get64(gdt + 0x18), ==, 0x00cf93000000ffffULL);
}

static void check_long64(TestGuest *g, const BootCpuState *cpu, uint64_t rip)
{
    const uint8_t *pml4 = gpa(g, BOOT_PML4_ADDR);
    const uint8_t *pdpt = gpa(g, BOOT_PML4_ADDR + 0x1000);
    const uint8_t *pd = gpa(g, BOOT_PML4_ADDR + 0x2000);
    unsigned i;

    g_assert_cmpint(cpu->mode, ==, BOOT_MODE_LONG64);
    g_assert_cmphex(cpu->rip, ==, rip);
    g_assert_cmphex(cpu->rsi, ==, BOOT_ZEROPAGE_ADDR);
    g_assert_cmphex(cpu->rsp, ==, BOOT_STACK_TOP);
    g_assert_cmphex(cpu->cr3, ==, BOOT_PML4_ADDR);
    g_assert_cmphex(cpu->cs, ==, 0x10);
    g_assert_cmphex(cpu->ds, ==, 0x18);
    check_gdt(g, cpu);
    g_assert_cmphex(get64(pml4), ==, (BOOT_PML4_ADDR + 0x1000) | 3);
    g_assert_cmphex(get64(pml4 + 8), ==, 0);
    for (i = 0; i < 4; i++) {
        g_assert_cmphex(get64(pdpt + 8 * i), ==,
                        (BOOT_PML4_ADDR + 0x2000 + 0x1000 * i) | 3);
    }
    g_assert_cmphex(get64(pdpt + 32), ==, 0);
    for (i = 0; i < 2048; i++) {
        g_assert_cmphex(get64(pd + 8 * i), ==, ((uint64_t)i << 21) | 0x83);
    }
}

static void check_zero_page_e820(TestGuest *g)
{
    const uint8_t *zp = gpa(g, BOOT_ZEROPAGE_ADDR);
    unsigned i;

    g_assert_cmpuint(zp[0x1e8], ==, g->e820.nr);
    for (i = 0; i < g->e820.nr; i++) {
        const uint8_t *e = zp + 0x2d0 + 20 * i;
        g_assert_cmphex(get64(e), ==, g->e820.entries[i].addr);
        g_assert_cmphex(get64(e + 8), ==, g->e820.entries[i].size);
        g_assert_cmpuint(get32(e + 16), ==, g->e820.entries[i].type);
    }
}

static void check_cmdline(TestGuest *g, const char *expect)
{
    const uint8_t *zp = gpa(g, BOOT_ZEROPAGE_ADDR);

    g_assert_cmphex(get32(zp + 0x228), ==, BOOT_CMDLINE_ADDR);
    g_assert_cmpstr((const char *)gpa(g, BOOT_CMDLINE_ADDR), ==, expect);
}

/* --- a synthetic bzImage --- */

enum { BZ_SETUP = 5 * 512, BZ_PM = 64 * 1024 };

static uint8_t *make_bzimage(size_t *len)
{
    uint8_t *img = g_malloc0(BZ_SETUP + BZ_PM);
    unsigned i;

    img[0x1f1] = 4;                        /* setup_sects */
    put32(img + 0x1f4, BZ_PM / 16);        /* syssize */
    put16(img + 0x1fa, 0xffff);            /* vid_mode */
    put16(img + 0x1fe, 0xaa55);
    img[0x200] = 0xeb;
    img[0x201] = 0x66;                     /* header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, 0x020f);
    img[0x211] = 0x01;                     /* LOADED_HIGH */
    put32(img + 0x22c, 0x7fffffff);        /* initrd_addr_max */
    put32(img + 0x230, 0x200000);          /* kernel_alignment */
    img[0x234] = 1;                        /* relocatable */
    put16(img + 0x236, 0x7f);              /* xloadflags: KERNEL_64 ... */
    put32(img + 0x238, 2047);              /* cmdline_size */
    put64(img + 0x258, 0x1000000);         /* pref_address */
    put32(img + 0x260, 0x400000);          /* init_size */
    img[0x270] = 0x5a;                     /* past the header: not copied */
    for (i = 0; i < BZ_PM; i++) {
        img[BZ_SETUP + i] = i * 7 + 1;
    }
    *len = BZ_SETUP + BZ_PM;
    return img;
}

static void test_bzimage(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len, i;
    g_autofree uint8_t *img = make_bzimage(&len);
    g_autofree uint8_t *initrd = g_malloc(300 * 1024 + 17);
    g_autofree char *initrd_path = NULL;
    const uint8_t *zp;
    uint32_t rd;

    guest_init(&g, 32 * MiB);
    for (i = 0; i < 300 * 1024 + 17; i++) {
        initrd[i] = i % 251;
    }
    initrd_path = guest_file(&g, "initrd", initrd, 300 * 1024 + 17);
    set_kernel(&g, img, len);
    g.bp.initrd = initrd_path;
    g.bp.cmdline = "console=ttyS0 root=/dev/vda";
    g.bp.acpi_rsdp = 0xf5a20;
    g_assert_cmpint(x86_kernel_kind(img, len), ==, KERNEL_BZIMAGE);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);

    check_long64(&g, &cpu, 0x100200);
    g_assert_cmpmem(gpa(&g, 0x100000), BZ_PM, img + BZ_SETUP, BZ_PM);

    zp = gpa(&g, BOOT_ZEROPAGE_ADDR);
    g_assert_cmphex(get16(zp + 0x1fe), ==, 0xaa55);
    g_assert_cmpmem(zp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(get16(zp + 0x206), ==, 0x020f);
    g_assert_cmphex(get16(zp + 0x1fa), ==, 0xffff);
    g_assert_cmphex(zp[0x210], ==, 0xff);               /* type_of_loader */
    g_assert_cmphex(zp[0x211] & 1, ==, 1);
    g_assert_cmphex(zp[0x270], ==, 0);                  /* past the header */
    g_assert_cmphex(get64(zp + 0x70), ==, 0xf5a20);     /* acpi_rsdp_addr */
    check_cmdline(&g, "console=ttyS0 root=/dev/vda");
    check_zero_page_e820(&g);

    /* initrd: page aligned, above what the kernel unpacks into (16 MiB +
     * init_size), as high as RAM allows. */
    rd = get32(zp + 0x218);
    g_assert_cmpuint(get32(zp + 0x21c), ==, 300 * 1024 + 17);
    g_assert_cmpuint(get32(zp + 0xc0), ==, 0);
    g_assert_cmphex(rd & 0xfff, ==, 0);
    g_assert_cmphex(rd, >=, 0x1000000 + 0x400000);
    g_assert_cmphex(rd + 300 * 1024 + 17, <=, 32 * MiB);
    g_assert_cmphex(rd, ==, (32 * MiB - (300 * 1024 + 17)) & ~0xfffu);
    g_assert_cmpmem(gpa(&g, rd), 300 * 1024 + 17, initrd, 300 * 1024 + 17);
    guest_cleanup(&g);
}

/* The initrd stays below initrd_addr_max even with RAM above it. */
static void test_bzimage_initrd_addr_max(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len;
    g_autofree uint8_t *img = make_bzimage(&len);
    uint8_t initrd[5000] = { 1, 2, 3 };
    g_autofree char *initrd_path = NULL;
    uint32_t rd;

    guest_init(&g, 64 * MiB);
    put32(img + 0x22c, 24 * MiB - 1);
    initrd_path = guest_file(&g, "initrd", initrd, sizeof(initrd));
    set_kernel(&g, img, len);
    g.bp.initrd = initrd_path;
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    rd = get32(gpa(&g, BOOT_ZEROPAGE_ADDR) + 0x218);
    g_assert_cmphex(rd, ==, (24 * MiB - sizeof(initrd)) & ~0xfffu);
    g_assert_cmphex(get64(gpa(&g, BOOT_ZEROPAGE_ADDR) + 0x70), ==, 0);
    check_cmdline(&g, "");
    guest_cleanup(&g);
}

static void test_bzimage_errors(void)
{
    TestGuest g;
    size_t len;
    g_autofree uint8_t *img = make_bzimage(&len);
    g_autofree char *msg = NULL;
    g_autofree char *big = g_malloc0(20 * MiB);
    g_autofree char *big_path = NULL;
    char cmdline[64];

    guest_init(&g, 32 * MiB);

    g.bp.kernel = "/nonexistent/vmlinuz";
    assert_load_fails(&g, "could not load kernel '/nonexistent/vmlinuz': "
                          "No such file or directory");

    set_kernel(&g, (const uint8_t *)"just some text, not a kernel", 28);
    msg = g_strdup_printf("kernel '%s' is not a bzImage, multiboot or 64-bit "
                          "ELF image", g.kernel_path);
    assert_load_fails(&g, msg);

    set_kernel(&g, img, 2000);
    assert_load_fails(&g, "is truncated");
    set_kernel(&g, img, len - 32);
    assert_load_fails(&g, "is truncated");

    put16(img + 0x206, 0x0206);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "uses Linux boot protocol 2.06, which is too old");
    put16(img + 0x206, 0x020f);

    put16(img + 0x236, 0);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "is a 32-bit-only bzImage");
    put16(img + 0x236, 0x7f);

    put32(img + 0x260, 64 * MiB);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "needs guest RAM from 0x100000 to 0x5000000");
    put32(img + 0x260, 0x400000);

    set_kernel(&g, img, len);
    g.bp.initrd = "/nonexistent/initrd";
    assert_load_fails(&g, "could not load initrd '/nonexistent/initrd': "
                          "No such file or directory");
    big_path = guest_file(&g, "big", big, 20 * MiB);
    g.bp.initrd = big_path;
    g_free(msg);
    msg = g_strdup_printf("initrd '%s' (20971520 bytes) does not fit in guest "
                          "RAM below 0x2000000: use more -m", big_path);
    assert_load_fails(&g, msg);
    g.bp.initrd = NULL;

    put32(img + 0x238, 10);
    set_kernel(&g, img, len);
    memset(cmdline, 'x', 20);
    cmdline[20] = 0;
    g.bp.cmdline = cmdline;
    assert_load_fails(&g, "kernel command line of 20 bytes is longer than the "
                          "kernel's limit of 10");
    guest_cleanup(&g);
}

/* --- multiboot: ELF32 and the a.out kludge --- */

enum {
    MB_FILE = 0x1000,         /* ELF32 image size */
    MB_HDR = 0x100,           /* multiboot header offset */
    MB_PADDR = 0x100000,
    MB_VADDR = 0xc0100000,
    MB_MEMSZ = 0x2800,
};

static void put_mb_header(uint8_t *h, uint32_t flags)
{
    put32(h, 0x1badb002);
    put32(h + 4, flags);
    put32(h + 8, -(0x1badb002u + flags));
}

static uint8_t *make_mb_elf32(size_t *len)
{
    uint8_t *img = g_malloc0(MB_FILE);
    uint8_t *ph = img + 52;
    unsigned i;

    for (i = 0x200; i < MB_FILE; i++) {
        img[i] = i * 3 + 5;
    }
    memcpy(img, "\x7f" "ELF", 4);
    img[4] = 1;                       /* ELFCLASS32 */
    img[5] = 1;                       /* little endian */
    img[6] = 1;
    put16(img + 16, 2);               /* ET_EXEC */
    put16(img + 18, 3);               /* EM_386 */
    put32(img + 20, 1);
    put32(img + 24, MB_VADDR + 0x200); /* higher-half entry */
    put32(img + 28, 52);              /* e_phoff */
    put16(img + 40, 52);
    put16(img + 42, 32);              /* e_phentsize */
    put16(img + 44, 1);               /* e_phnum */
    put32(ph, 1);                     /* PT_LOAD */
    put32(ph + 4, 0);                 /* p_offset */
    put32(ph + 8, MB_VADDR);
    put32(ph + 12, MB_PADDR);
    put32(ph + 16, MB_FILE);
    put32(ph + 20, MB_MEMSZ);
    put_mb_header(img + MB_HDR, 0x3);
    *len = MB_FILE;
    return img;
}

static const uint8_t *mb_info(TestGuest *g, const BootCpuState *cpu)
{
    g_assert_cmpint(cpu->mode, ==, BOOT_MODE_PROT32);
    g_assert_cmphex(cpu->rax, ==, 0x2badb002);
    g_assert_cmphex(cpu->cs, ==, 0x08);
    g_assert_cmphex(cpu->ds, ==, 0x18);
    check_gdt(g, cpu);
    return gpa(g, cpu->rbx);
}

static void check_mb_mmap(TestGuest *g, const uint8_t *info)
{
    const uint8_t *mmap = gpa(g, get32(info + 48));
    unsigned i;

    g_assert_cmpuint(get32(info + 44), ==, 24 * g->e820.nr);
    for (i = 0; i < g->e820.nr; i++) {
        const uint8_t *e = mmap + 24 * i;
        g_assert_cmpuint(get32(e), ==, 20);
        g_assert_cmphex(get64(e + 4), ==, g->e820.entries[i].addr);
        g_assert_cmphex(get64(e + 12), ==, g->e820.entries[i].size);
        g_assert_cmpuint(get32(e + 20), ==, g->e820.entries[i].type);
    }
}

static void test_multiboot_elf(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len;
    g_autofree uint8_t *img = make_mb_elf32(&len);
    g_autofree char *m1 = NULL, *m2 = NULL, *initrd = NULL, *cmd = NULL;
    const uint8_t *info, *mods;
    char mod2[10000];

    guest_init(&g, 32 * MiB);
    memset(gpa(&g, MB_PADDR), 0xcc, 64 * 1024);
    memset(mod2, 'm', sizeof(mod2));
    m1 = guest_file(&g, "mod1", "first module", 12);
    m2 = guest_file(&g, "mod,2", mod2, sizeof(mod2));
    initrd = g_strdup_printf("%s arg1 arg2,%s/mod,,2", m1, g.dir);
    set_kernel(&g, img, len);
    g.bp.initrd = initrd;
    g.bp.cmdline = "console=ttyS0 verbose";
    g_assert_cmpint(x86_kernel_kind(img, len), ==, KERNEL_MULTIBOOT);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);

    info = mb_info(&g, &cpu);
    g_assert_cmphex(cpu.rip, ==, MB_PADDR + 0x200);   /* vaddr -> paddr */
    g_assert_cmpmem(gpa(&g, MB_PADDR), MB_FILE, img, MB_FILE);
    g_assert_cmphex(gpa(&g, MB_PADDR + MB_FILE)[0], ==, 0);     /* bss */
    g_assert_cmphex(gpa(&g, MB_PADDR + MB_MEMSZ - 1)[0], ==, 0);
    g_assert_cmphex(gpa(&g, MB_PADDR + MB_MEMSZ)[0], ==, 0xcc);

    g_assert_cmphex(get32(info), ==, 0x24d);
    g_assert_cmpuint(get32(info + 4), ==, 640);
    g_assert_cmpuint(get32(info + 8), ==, (32 * MiB - MiB) / 1024);
    cmd = g_strdup_printf("%s console=ttyS0 verbose", g.kernel_path);
    g_assert_cmpstr((const char *)gpa(&g, get32(info + 16)), ==, cmd);
    g_assert_cmpstr((const char *)gpa(&g, get32(info + 64)), ==, "vireo");
    check_mb_mmap(&g, info);

    g_assert_cmpuint(get32(info + 20), ==, 2);
    mods = gpa(&g, get32(info + 24));
    g_assert_cmphex(get32(mods), ==, 0x103000);     /* page after bss */
    g_assert_cmphex(get32(mods + 4), ==, 0x103000 + 12);
    g_assert_cmpmem(gpa(&g, 0x103000), 12, "first module", 12);
    g_free(cmd);
    cmd = g_strdup_printf("%s arg1 arg2", m1);
    g_assert_cmpstr((const char *)gpa(&g, get32(mods + 8)), ==, cmd);
    g_assert_cmphex(get32(mods + 16), ==, 0x104000);
    g_assert_cmphex(get32(mods + 20), ==, 0x104000 + sizeof(mod2));
    g_assert_cmpmem(gpa(&g, 0x104000), sizeof(mod2), mod2, sizeof(mod2));
    g_assert_cmpstr((const char *)gpa(&g, get32(mods + 24)), ==, m2);

    /* Without -append the command line is the kernel's name alone. */
    g.bp.cmdline = "";
    g.bp.initrd = NULL;
    g_assert_true(load(&g, &cpu, &err));
    info = mb_info(&g, &cpu);
    g_assert_cmpstr((const char *)gpa(&g, get32(info + 16)), ==,
                    g.kernel_path);
    g_assert_cmpuint(get32(info + 20), ==, 0);
    guest_cleanup(&g);
}

enum { AOUT_LOAD = 0x200000, AOUT_HDR = 0x40, AOUT_FILE = 0x1800 };

static uint8_t *make_aout(size_t *len)
{
    uint8_t *img = g_malloc(AOUT_FILE);
    uint8_t *h = img + AOUT_HDR;

    memset(img, 0x11, 0x1000);
    memset(img + 0x1000, 0xee, AOUT_FILE - 0x1000);   /* not loaded */
    put_mb_header(h, 0x10003);
    put32(h + 12, AOUT_LOAD + AOUT_HDR);    /* header_addr */
    put32(h + 16, AOUT_LOAD);               /* load_addr */
    put32(h + 20, AOUT_LOAD + 0x1000);      /* load_end_addr */
    put32(h + 24, AOUT_LOAD + 0x2000);      /* bss_end_addr */
    put32(h + 28, AOUT_LOAD + 0x100);       /* entry_addr */
    *len = AOUT_FILE;
    return img;
}

static void test_multiboot_aout(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len;
    g_autofree uint8_t *img = make_aout(&len);
    const uint8_t *info;

    guest_init(&g, 32 * MiB);
    memset(gpa(&g, AOUT_LOAD), 0xcc, 0x4000);
    set_kernel(&g, img, len);
    g.bp.cmdline = "x";
    g_assert_cmpint(x86_kernel_kind(img, len), ==, KERNEL_MULTIBOOT);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    info = mb_info(&g, &cpu);
    g_assert_cmphex(cpu.rip, ==, AOUT_LOAD + 0x100);
    g_assert_cmpmem(gpa(&g, AOUT_LOAD), 0x1000, img, 0x1000);
    g_assert_cmphex(gpa(&g, AOUT_LOAD + 0x1000)[0], ==, 0);    /* bss */
    g_assert_cmphex(gpa(&g, AOUT_LOAD + 0x1fff)[0], ==, 0);
    g_assert_cmphex(gpa(&g, AOUT_LOAD + 0x2000)[0], ==, 0xcc);
    g_assert_cmphex(get32(info), ==, 0x24d);
    check_mb_mmap(&g, info);

    /* load_end_addr 0: the rest of the file; no bss. */
    put32(img + AOUT_HDR + 20, 0);
    put32(img + AOUT_HDR + 24, 0);
    set_kernel(&g, img, len);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_cmpmem(gpa(&g, AOUT_LOAD), AOUT_FILE, img, AOUT_FILE);
    guest_cleanup(&g);
}

/* With flags bit 16, the header's addresses win over the ELF headers. */
static void test_multiboot_kludge_precedence(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len;
    g_autofree uint8_t *img = make_mb_elf32(&len);
    uint8_t *h = img + MB_HDR;

    guest_init(&g, 32 * MiB);
    put_mb_header(h, 0x10002);
    put32(h + 12, 0x300000 + MB_HDR);
    put32(h + 16, 0x300000);
    put32(h + 20, 0);
    put32(h + 24, 0);
    put32(h + 28, 0x300010);
    set_kernel(&g, img, len);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    g_assert_cmphex(cpu.rip, ==, 0x300010);
    g_assert_cmpmem(gpa(&g, 0x300000), MB_FILE, img, MB_FILE);
    g_assert_cmphex(gpa(&g, MB_PADDR)[0], ==, 0);
    guest_cleanup(&g);
}

static void test_multiboot_errors(void)
{
    TestGuest g;
    size_t len, alen;
    g_autofree uint8_t *img = make_mb_elf32(&len);
    g_autofree uint8_t *aout = make_aout(&alen);
    g_autofree char *missing = NULL, *big = NULL, *msg = NULL;

    guest_init(&g, 32 * MiB);

    put_mb_header(img + MB_HDR, 0x8 | 0x3);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "requires multiboot features (header flags 0x8)");
    put_mb_header(img + MB_HDR, 0x3);

    put32(img + 52 + 12, 0x7ff00000);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "has a segment at 0x7ff00000-0x7ff02800 that is "
                          "not in guest RAM");
    put32(img + 52 + 12, 0x9000);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "over the page tables and multiboot info");
    put32(img + 52 + 12, MB_PADDR);

    put32(img + 52 + 16, MB_FILE + 1);     /* p_filesz past the file */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "is truncated");
    put32(img + 52 + 16, MB_FILE);

    put32(img + 52 + 16, MB_MEMSZ + 1);    /* p_filesz > p_memsz */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "has a malformed segment");
    put32(img + 52 + 16, MB_FILE);

    put16(img + 44, 200);                  /* program headers off the end */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "its program headers end at");
    put16(img + 44, 1);

    img[0] = 'X';                          /* no ELF, no load addresses */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "is not an i386 ELF32 image");
    img[0] = 0x7f;

    big = guest_file(&g, "big", "", 0);
    g_assert_cmpint(truncate(big, 40 * MiB), ==, 0);
    set_kernel(&g, img, len);
    g.bp.initrd = big;
    msg = g_strdup_printf("multiboot module '%s' (41943040 bytes) does not "
                          "fit in guest RAM at 0x103000: use more -m", big);
    assert_load_fails(&g, msg);

    missing = g_build_filename(g.dir, "missing", NULL);
    g.bp.initrd = missing;
    assert_load_fails(&g, "could not load multiboot module");
    assert_load_fails(&g, "No such file or directory");
    g.bp.initrd = NULL;

    put32(aout + AOUT_HDR + 12, AOUT_LOAD - 4);   /* header before load */
    set_kernel(&g, aout, alen);
    assert_load_fails(&g, "inconsistent multiboot load addresses");
    put32(aout + AOUT_HDR + 12, AOUT_LOAD + AOUT_HDR);

    put32(aout + AOUT_HDR + 20, AOUT_LOAD + 0x4000);  /* past the file */
    put32(aout + AOUT_HDR + 24, 0);
    set_kernel(&g, aout, alen);
    assert_load_fails(&g, "is truncated");

    set_kernel(&g, aout, AOUT_HDR + 20);               /* header cut off */
    assert_load_fails(&g, "is truncated: its multiboot header");
    guest_cleanup(&g);
}

/* --- ELF64 --- */

enum { E64_PADDR = 0x200000, E64_OFF = 0x1000, E64_FILE = 0x1100 };

static uint8_t *make_elf64(size_t *len)
{
    uint8_t *img = g_malloc0(E64_FILE);
    uint8_t *ph = img + 64;

    memcpy(img, "\x7f" "ELF", 4);
    img[4] = 2;                       /* ELFCLASS64 */
    img[5] = 1;
    img[6] = 1;
    put16(img + 16, 2);               /* ET_EXEC */
    put16(img + 18, 62);              /* EM_X86_64 */
    put32(img + 20, 1);
    put64(img + 24, E64_PADDR + 0x10);
    put64(img + 32, 64);              /* e_phoff */
    put16(img + 52, 64);
    put16(img + 54, 56);              /* e_phentsize */
    put16(img + 56, 1);
    put32(ph, 1);                     /* PT_LOAD */
    put64(ph + 8, E64_OFF);
    put64(ph + 16, 0xffffffff80000000ULL + E64_PADDR);
    put64(ph + 24, E64_PADDR);
    put64(ph + 32, E64_FILE - E64_OFF);
    put64(ph + 40, 0x1000);
    memset(img + E64_OFF, 0x90, E64_FILE - E64_OFF);
    *len = E64_FILE;
    return img;
}

static void test_elf64(void)
{
    TestGuest g;
    BootCpuState cpu;
    g_autoptr(GError) err = NULL;
    size_t len;
    g_autofree uint8_t *img = make_elf64(&len);
    g_autofree char *initrd_path = NULL;
    const uint8_t *zp;
    uint32_t rd;

    guest_init(&g, 32 * MiB);
    initrd_path = guest_file(&g, "initrd", "RAMDISK", 7);
    set_kernel(&g, img, len);
    g.bp.initrd = initrd_path;
    g.bp.cmdline = "console=ttyS0";
    g.bp.acpi_rsdp = 0xe0000;
    g_assert_cmpint(x86_kernel_kind(img, len), ==, KERNEL_ELF64);
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    check_long64(&g, &cpu, E64_PADDR + 0x10);
    g_assert_cmpmem(gpa(&g, E64_PADDR), 0x100, img + E64_OFF, 0x100);
    g_assert_cmphex(gpa(&g, E64_PADDR + 0x100)[0], ==, 0);
    zp = gpa(&g, BOOT_ZEROPAGE_ADDR);
    g_assert_cmphex(get16(zp + 0x1fe), ==, 0xaa55);
    g_assert_cmpmem(zp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(zp[0x210], ==, 0xff);
    g_assert_cmphex(get64(zp + 0x70), ==, 0xe0000);
    check_cmdline(&g, "console=ttyS0");
    check_zero_page_e820(&g);
    rd = get32(zp + 0x218);
    g_assert_cmphex(rd, ==, 32 * MiB - 0x1000);
    g_assert_cmpuint(get32(zp + 0x21c), ==, 7);
    g_assert_cmpmem(gpa(&g, rd), 7, "RAMDISK", 7);
    guest_cleanup(&g);
}

static void test_elf64_errors(void)
{
    TestGuest g;
    size_t len;
    g_autofree uint8_t *img = make_elf64(&len);

    guest_init(&g, 32 * MiB);
    put16(img + 16, 3);                /* ET_DYN */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "is an ELF of type 3: only executables");
    put16(img + 16, 2);

    set_kernel(&g, img, 100);          /* program header cut off */
    assert_load_fails(&g, "is truncated");
    set_kernel(&g, img, 40);           /* ELF header cut off */
    assert_load_fails(&g, "is truncated: its ELF header is cut off");

    put64(img + 64 + 24, 0xfffffffffffff000ULL);   /* wraps around */
    set_kernel(&g, img, len);
    assert_load_fails(&g, "has a malformed segment");
    put64(img + 64 + 24, 0x40000000);
    set_kernel(&g, img, len);
    assert_load_fails(&g, "not in guest RAM");
    guest_cleanup(&g);
}

/* --- helpers --- */

static void test_e820_add(void)
{
    E820Table t = { 0 };
    unsigned i;

    g_assert_true(e820_add(&t, 0x100000, 0x100000, E820_RAM));
    g_assert_true(e820_add(&t, 0, 0x9fc00, E820_RAM));
    g_assert_true(e820_add(&t, 0xfffc0000, 0x40000, E820_RESERVED));
    g_assert_false(e820_add(&t, 0x180000, 0x1000, E820_RAM));   /* overlap */
    g_assert_false(e820_add(&t, 0x300000, 0, E820_RAM));        /* empty */
    g_assert_false(e820_add(&t, UINT64_MAX, 2, E820_RAM));      /* wraps */
    g_assert_cmpuint(t.nr, ==, 3);
    g_assert_cmphex(t.entries[0].addr, ==, 0);
    g_assert_cmphex(t.entries[1].addr, ==, 0x100000);
    g_assert_cmphex(t.entries[2].addr, ==, 0xfffc0000);
    for (i = 3; i < 32; i++) {
        g_assert_true(e820_add(&t, 0x100000000ULL * i, 0x1000, E820_RAM));
    }
    g_assert_false(e820_add(&t, 0x200000, 0x1000, E820_RAM));   /* full */
}

static void test_guest_memory_ptr(void)
{
    uint8_t low[0x1000], high[0x1000];
    GuestMemory gm = { low, sizeof(low), high, sizeof(high) };

    g_assert_true(guest_memory_ptr(&gm, 0, 0x1000) == low);
    g_assert_true(guest_memory_ptr(&gm, 0xfff, 1) == low + 0xfff);
    g_assert_null(guest_memory_ptr(&gm, 0xfff, 2));
    g_assert_null(guest_memory_ptr(&gm, 0x800, UINT64_MAX));
    g_assert_true(guest_memory_ptr(&gm, 0x100000010ULL, 16) == high + 16);
    g_assert_null(guest_memory_ptr(&gm, 0x100001000ULL, 1));
    g_assert_null(guest_memory_ptr(&gm, 0x2000, 1));
}

/* --- real images, when another room has built them --- */

/* A directory built by another room: $ENV, else REL under the source top
 * (found from __FILE__, as the compiler saw it from the build directory that
 * meson test runs in), else REL_BUILD under the current directory. */
static char *find_dir(const char *env, const char *rel, const char *rel_build)
{
    const char *file = __FILE__;
    const char *tail = strstr(file, "tests/unit/test-loader.c");
    g_autofree char *top = tail ? g_strndup(file, tail - file) : NULL;
    g_autofree char *from_top = NULL;

    if (g_getenv(env)) {
        return g_strdup(g_getenv(env));
    }
    from_top = g_build_filename(top && *top ? top : ".", rel, NULL);
    if (g_file_test(from_top, G_FILE_TEST_IS_DIR) || !rel_build ||
        !g_file_test(rel_build, G_FILE_TEST_IS_DIR)) {
        return g_steal_pointer(&from_top);
    }
    return g_strdup(rel_build);
}

static bool find_file(const char *dir, const char *name, char **path)
{
    *path = g_build_filename(dir, name, NULL);
    return g_file_test(*path, G_FILE_TEST_IS_REGULAR);
}

static void test_real_linux(void)
{
    g_autofree char *dir = find_dir("VIREO_GUEST_DIR", "build/guest",
                                     "guest");
    g_autofree char *kernel = NULL, *initrd = NULL, *msg = NULL;
    g_autofree uint8_t *kimg = NULL, *rdimg = NULL;
    g_autoptr(GError) err = NULL;
    gsize klen, rdlen;
    TestGuest g;
    BootCpuState cpu;
    const uint8_t *zp;
    uint32_t rd, rdmax, init_size;
    uint64_t pref;

    if (!find_file(dir, "vmlinuz", &kernel) ||
        !find_file(dir, "initrd.cpio.gz", &initrd)) {
        msg = g_strdup_printf("no guest kernel in %s (run tests/guest/build.sh "
                              "or set VIREO_GUEST_DIR)", dir);
        g_test_skip(msg);
        return;
    }
    g_assert_true(g_file_get_contents(kernel, (char **)&kimg, &klen, NULL));
    g_assert_true(g_file_get_contents(initrd, (char **)&rdimg, &rdlen, NULL));
    g_assert_cmpint(x86_kernel_kind(kimg, klen), ==, KERNEL_BZIMAGE);

    guest_init(&g, 256 * MiB);
    g.bp.kernel = kernel;
    g.bp.initrd = initrd;
    g.bp.cmdline = "console=ttyS0 guest.test=poweroff";
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    check_long64(&g, &cpu, 0x100200);

    zp = gpa(&g, BOOT_ZEROPAGE_ADDR);
    g_assert_cmpmem(zp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(get16(zp + 0x206), >=, 0x20c);
    g_assert_cmphex(zp[0x210], ==, 0xff);
    check_zero_page_e820(&g);
    check_cmdline(&g, "console=ttyS0 guest.test=poweroff");

    rd = get32(zp + 0x218);
    rdmax = get32(kimg + 0x22c);
    pref = get64(kimg + 0x258);
    init_size = get32(kimg + 0x260);
    g_assert_cmpuint(get32(zp + 0x21c), ==, rdlen);
    g_assert_cmphex(rd & 0xfff, ==, 0);
    g_assert_cmphex((uint64_t)rd + rdlen - 1, <=, rdmax);
    g_assert_cmphex(rd, >=, pref + init_size);
    g_assert_cmphex(rd, >=, 0x100000 + klen);
    g_assert_cmphex((uint64_t)rd + rdlen, <=, 256 * MiB);
    g_assert_cmpmem(gpa(&g, rd), rdlen, rdimg, rdlen);
    guest_cleanup(&g);
}

static void test_real_multiboot(void)
{
    g_autofree char *dir = find_dir("VIREO_TEST_KERNELS_DIR",
                                    "tests/kernels/build", NULL);
    g_autofree char *kernel = NULL, *msg = NULL, *cmd = NULL;
    g_autoptr(GError) err = NULL;
    TestGuest g;
    BootCpuState cpu;
    const uint8_t *info;

    if (!find_file(dir, "mbinfo.bin", &kernel)) {
        msg = g_strdup_printf("no %s (build tests/kernels)", kernel);
        g_test_skip(msg);
        return;
    }
    guest_init(&g, 64 * MiB);
    g.bp.kernel = kernel;
    g.bp.cmdline = "hello";
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    info = mb_info(&g, &cpu);
    g_assert_cmphex(get32(info) & 0x4d, ==, 0x4d);
    g_assert_cmpuint(get32(info + 8), ==, 63 * 1024);
    cmd = g_strdup_printf("%s hello", kernel);
    g_assert_cmpstr((const char *)gpa(&g, get32(info + 16)), ==, cmd);
    check_mb_mmap(&g, info);
    guest_cleanup(&g);
}

static void test_real_elf64(void)
{
    g_autofree char *dir = find_dir("VIREO_TEST_KERNELS_DIR",
                                    "tests/kernels/build", NULL);
    g_autofree char *kernel = NULL, *msg = NULL;
    g_autofree uint8_t *img = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;
    TestGuest g;
    BootCpuState cpu;

    if (!find_file(dir, "long64.elf", &kernel)) {
        msg = g_strdup_printf("no %s (build tests/kernels)", kernel);
        g_test_skip(msg);
        return;
    }
    g_assert_true(g_file_get_contents(kernel, (char **)&img, &len, NULL));
    g_assert_cmpint(x86_kernel_kind(img, len), ==, KERNEL_ELF64);
    guest_init(&g, 64 * MiB);
    g.bp.kernel = kernel;
    g.bp.cmdline = "hello";
    g_assert_true(load(&g, &cpu, &err));
    g_assert_no_error(err);
    check_long64(&g, &cpu, cpu.rip);
    g_assert_cmphex(cpu.rip, ==, get64(img + 24));
    check_zero_page_e820(&g);
    check_cmdline(&g, "hello");
    guest_cleanup(&g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/loader/e820-add", test_e820_add);
    g_test_add_func("/loader/guest-memory-ptr", test_guest_memory_ptr);
    g_test_add_func("/loader/bzimage", test_bzimage);
    g_test_add_func("/loader/bzimage/initrd-addr-max",
                    test_bzimage_initrd_addr_max);
    g_test_add_func("/loader/bzimage/errors", test_bzimage_errors);
    g_test_add_func("/loader/multiboot/elf", test_multiboot_elf);
    g_test_add_func("/loader/multiboot/aout", test_multiboot_aout);
    g_test_add_func("/loader/multiboot/kludge-precedence",
                    test_multiboot_kludge_precedence);
    g_test_add_func("/loader/multiboot/errors", test_multiboot_errors);
    g_test_add_func("/loader/elf64", test_elf64);
    g_test_add_func("/loader/elf64/errors", test_elf64_errors);
    g_test_add_func("/loader/real/linux", test_real_linux);
    g_test_add_func("/loader/real/multiboot", test_real_multiboot);
    g_test_add_func("/loader/real/elf64", test_real_elf64);
    return g_test_run();
}
