/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg through the I/O address space, as a guest sees it (QEMU's
 * docs/specs/fw_cfg.rst): selector/data ports, the file directory, and DMA
 * requests into a RAM region, including the ones that must fail.
 */
#include "vireo/fw-cfg.h"
#include "vireo/device.h"
#include "vireo/memory.h"
#include <string.h>

#define RAM_SIZE 0x100000
#define DESC_ADDR 0x1000                /* where tests put FWCfgDmaAccess */
#define BUF_ADDR 0x2000

static MemoryRegion ram;
static FWCfgState *fw;

static void io_write(uint16_t port, unsigned size, uint64_t v)
{
    g_assert_cmpint(address_space_write_val(&address_space_io, port, size, v),
                    ==, MEMTX_OK);
}

static uint64_t io_read(uint16_t port, unsigned size)
{
    uint64_t v = 0;
    g_assert_cmpint(address_space_read_val(&address_space_io, port, size, &v),
                    ==, MEMTX_OK);
    return v;
}

static void select_key(uint16_t key)
{
    io_write(FW_CFG_IO_BASE, 2, key);
}

static void read_data(void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        p[i] = io_read(FW_CFG_IO_BASE + 1, 1);
    }
}

static uint8_t *ram_ptr(uint64_t addr)
{
    return memory_region_get_ram_ptr(&ram) + addr;
}

/* Puts a descriptor at `desc`, writes its address to the DMA register in
 * two big-endian halves, and returns the control word the device left. */
static uint32_t dma_at(uint64_t desc, uint32_t control, uint32_t len,
                       uint64_t addr)
{
    FWCfgDmaAccess acc = {
        .control = GUINT32_TO_BE(control),
        .length = GUINT32_TO_BE(len),
        .address = GUINT64_TO_BE(addr),
    };
    bool in_ram = desc <= RAM_SIZE - sizeof(acc);
    if (in_ram) {
        memcpy(ram_ptr(desc), &acc, sizeof(acc));
    }
    io_write(FW_CFG_DMA_IO_BASE, 4, GUINT32_SWAP_LE_BE((uint32_t)(desc >> 32)));
    io_write(FW_CFG_DMA_IO_BASE + 4, 4, GUINT32_SWAP_LE_BE((uint32_t)desc));
    if (!in_ram) {
        return 0;
    }
    memcpy(&acc, ram_ptr(desc), sizeof(acc));
    return GUINT32_FROM_BE(acc.control);
}

static uint32_t dma(uint32_t control, uint32_t len, uint64_t addr)
{
    return dma_at(DESC_ADDR, control, len, addr);
}

static uint32_t dma_select(uint16_t key, uint32_t op, uint32_t len, uint64_t addr)
{
    return dma(((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT | op, len, addr);
}

static void test_signature(void)
{
    char sig[6];
    select_key(FW_CFG_SIGNATURE);
    read_data(sig, 6);
    g_assert_cmpmem(sig, 4, "QEMU", 4);
    g_assert_cmpint(sig[4], ==, 0);     /* past the end: zeros */
    g_assert_cmpint(sig[5], ==, 0);
    /* Selecting again starts over. */
    select_key(FW_CFG_SIGNATURE);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 'Q');
    /* The write-channel bit does not change which item is read. */
    select_key(FW_CFG_SIGNATURE | FW_CFG_WRITE_CHANNEL);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 'Q');
}

static void test_id_and_dma_signature(void)
{
    uint32_t id;
    select_key(FW_CFG_ID);
    read_data(&id, 4);
    g_assert_cmphex(GUINT32_FROM_LE(id), ==, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    /* Reading the DMA register shows "QEMU CFG" in memory order. */
    uint32_t hi = io_read(FW_CFG_DMA_IO_BASE, 4);
    uint32_t lo = io_read(FW_CFG_DMA_IO_BASE + 4, 4);
    g_assert_cmpmem(&hi, 4, "QEMU", 4);
    g_assert_cmpmem(&lo, 4, " CFG", 4);
}

static void test_unknown_key(void)
{
    select_key(0x3ff0);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 0);
    select_key(0x8123);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 0);
}

static void test_items(void)
{
    uint8_t b[8];
    fw_cfg_add_i32(fw, FW_CFG_NB_CPUS, 0x04030201);
    select_key(FW_CFG_NB_CPUS);
    read_data(b, 4);
    g_assert_cmpmem(b, 4, "\x01\x02\x03\x04", 4);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 7);          /* replaces */
    select_key(FW_CFG_NB_CPUS);
    read_data(b, 3);
    g_assert_cmpmem(b, 3, "\x07\x00\x00", 3);
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 0x0807060504030201ull);
    select_key(FW_CFG_RAM_SIZE);
    read_data(b, 8);
    g_assert_cmpmem(b, 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, "hi");
    select_key(FW_CFG_CMDLINE_DATA);
    read_data(b, 3);
    g_assert_cmpmem(b, 3, "hi", 3);                 /* with its NUL */
    fw_cfg_add_bytes(fw, FW_CFG_X86_E820_TABLE, "\xaa", 1);
    select_key(FW_CFG_X86_E820_TABLE);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 0xaa);
}

/* Reads the directory through the data port. */
static uint32_t read_dir(FWCfgFileEntry *out, unsigned max)
{
    uint32_t count;
    select_key(FW_CFG_FILE_DIR);
    read_data(&count, 4);
    count = GUINT32_FROM_BE(count);
    g_assert_cmpuint(count, <=, max);
    read_data(out, count * sizeof(*out));
    return count;
}

static void test_file_dir(void)
{
    g_assert_true(fw_cfg_add_file(fw, "etc/zz", "abc", 3));
    g_assert_true(fw_cfg_add_file(fw, "etc/aa", "hello", 5));
    g_assert_true(fw_cfg_add_file(fw, "bootorder", "", 1));
    g_assert_false(fw_cfg_add_file(fw, "etc/aa", "x", 1));
    g_autofree char *long_name = g_strnfill(FW_CFG_MAX_FILE_PATH, 'n');
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*refused*");
    g_assert_false(fw_cfg_add_file(fw, long_name, "x", 1));
    g_test_assert_expected_messages();

    FWCfgFileEntry dir[16];
    uint32_t n = read_dir(dir, 16);
    g_assert_cmpuint(n, >=, 3);
    for (uint32_t i = 0; i < n; i++) {
        g_assert_cmpuint(GUINT16_FROM_BE(dir[i].select), ==, FW_CFG_FILE_FIRST + i);
        g_assert_cmpint(dir[i].reserved, ==, 0);
        if (i) {
            g_assert_cmpstr(dir[i - 1].name, <, dir[i].name);
        }
    }
    uint16_t key = fw_cfg_file_key(fw, "etc/aa");
    g_assert_cmpuint(key, >=, FW_CFG_FILE_FIRST);
    FWCfgFileEntry *e = &dir[key - FW_CFG_FILE_FIRST];
    g_assert_cmpstr(e->name, ==, "etc/aa");
    g_assert_cmpuint(GUINT32_FROM_BE(e->size), ==, 5);
    char buf[5];
    select_key(key);
    read_data(buf, 5);
    g_assert_cmpmem(buf, 5, "hello", 5);

    /* Modify: new size in the directory and new contents. */
    fw_cfg_modify_file(fw, "etc/aa", "bye", 3);
    n = read_dir(dir, 16);
    g_assert_cmpuint(GUINT32_FROM_BE(dir[key - FW_CFG_FILE_FIRST].size), ==, 3);
    select_key(key);
    read_data(buf, 3);
    g_assert_cmpmem(buf, 3, "bye", 3);
    size_t len;
    g_assert_nonnull(fw_cfg_file_data(fw, "etc/aa", &len));
    g_assert_cmpuint(len, ==, 3);
    g_assert_null(fw_cfg_file_data(fw, "etc/none", &len));
    g_assert_cmpuint(fw_cfg_file_key(fw, "etc/none"), ==, 0);
}

static void test_dma_read(void)
{
    static const char data[] = "0123456789abcdef";
    fw_cfg_modify_file(fw, "etc/dma", data, 16);
    uint16_t key = fw_cfg_file_key(fw, "etc/dma");
    memset(ram_ptr(BUF_ADDR), 0xee, 64);
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 10, BUF_ADDR), ==, 0);
    g_assert_cmpmem(ram_ptr(BUF_ADDR), 10, data, 10);
    g_assert_cmpint(ram_ptr(BUF_ADDR)[10], ==, 0xee);
    /* Continues from the offset; past the end gives zeros. */
    g_assert_cmphex(dma(FW_CFG_DMA_CTL_READ, 10, BUF_ADDR + 32), ==, 0);
    g_assert_cmpmem(ram_ptr(BUF_ADDR + 32), 6, data + 10, 6);
    g_assert_cmpmem(ram_ptr(BUF_ADDR + 38), 4, "\0\0\0\0", 4);
    /* The data port shares the offset. */
    dma_select(key, FW_CFG_DMA_CTL_READ, 3, BUF_ADDR);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, '3');
    /* Another request right away: no half of the old address lingers. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 1, BUF_ADDR), ==, 0);
    g_assert_cmpint(ram_ptr(BUF_ADDR)[0], ==, '0');
}

static void test_dma_skip_select(void)
{
    uint16_t key = fw_cfg_file_key(fw, "etc/dma");
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_SKIP, 4, 0), ==, 0);
    g_assert_cmphex(dma(FW_CFG_DMA_CTL_READ, 2, BUF_ADDR), ==, 0);
    g_assert_cmpmem(ram_ptr(BUF_ADDR), 2, "45", 2);
    /* Skipping past the end stops at the end. */
    g_assert_cmphex(dma(FW_CFG_DMA_CTL_SKIP, 0xffffffff, 0), ==, 0);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 0);
    /* Select alone resets the offset. */
    g_assert_cmphex(dma_select(key, 0, 0, 0), ==, 0);
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, '0');
    /* A 64-bit descriptor address in one 8-byte write also works. */
    FWCfgDmaAccess acc = {
        .control = GUINT32_TO_BE(((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT |
                                 FW_CFG_DMA_CTL_READ),
        .length = GUINT32_TO_BE(1),
        .address = GUINT64_TO_BE(BUF_ADDR + 100),
    };
    memcpy(ram_ptr(DESC_ADDR), &acc, sizeof(acc));
    io_write(FW_CFG_DMA_IO_BASE, 8, GUINT64_SWAP_LE_BE((uint64_t)DESC_ADDR));
    memcpy(&acc, ram_ptr(DESC_ADDR), sizeof(acc));
    g_assert_cmphex(acc.control, ==, 0);
    g_assert_cmpint(ram_ptr(BUF_ADDR + 100)[0], ==, '0');
}

static void test_dma_errors(void)
{
    uint16_t key = fw_cfg_file_key(fw, "etc/dma");
    /* Destination outside RAM. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 16, 0x40000000), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* Destination straddling the end of RAM. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 16, RAM_SIZE - 8), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* Address + length wrapping around 2^64. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 0x1000,
                               0xffffffffffffff00ull), ==, FW_CFG_DMA_CTL_ERROR);
    /* 4 GiB of zeros past the end: refused, quickly. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 0xffffffff, BUF_ADDR),
                    ==, FW_CFG_DMA_CTL_ERROR);
    /* Writes to a read-only item. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_WRITE, 4, BUF_ADDR), ==,
                    FW_CFG_DMA_CTL_ERROR);
    g_assert_cmphex(dma_select(FW_CFG_SIGNATURE, FW_CFG_DMA_CTL_WRITE, 1,
                               BUF_ADDR), ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmphex(dma_select(0x3ff0, FW_CFG_DMA_CTL_WRITE, 1, BUF_ADDR), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* A descriptor outside RAM: nothing to report into, nothing breaks. */
    dma_at(0x80000000, 0, 0, 0);
    dma_at(0xfffffffffffffff8ull, 0, 0, 0);
    /* The device still works. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_READ, 1, BUF_ADDR), ==, 0);
}

static void test_dma_write(void)
{
    g_assert_true(fw_cfg_add_file_writable(fw, "etc/rw", "\0\0\0\0\0\0\0\0", 8));
    uint16_t key = fw_cfg_file_key(fw, "etc/rw");
    memcpy(ram_ptr(BUF_ADDR), "ABCDEFGHIJ", 10);
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_SKIP, 2, 0), ==, 0);
    g_assert_cmphex(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF_ADDR), ==, 0);
    size_t len;
    const uint8_t *d = fw_cfg_file_data(fw, "etc/rw", &len);
    g_assert_cmpuint(len, ==, 8);
    g_assert_cmpmem(d, 8, "\0\0ABCD\0\0", 8);
    /* Past the end: refused whole, nothing changes. */
    g_assert_cmphex(dma(FW_CFG_DMA_CTL_WRITE, 3, BUF_ADDR + 4), ==,
                    FW_CFG_DMA_CTL_ERROR);
    g_assert_cmpmem(d, 8, "\0\0ABCD\0\0", 8);
    /* From outside RAM: refused. */
    g_assert_cmphex(dma_select(key, FW_CFG_DMA_CTL_WRITE, 4, 0x40000000), ==,
                    FW_CFG_DMA_CTL_ERROR);
    g_assert_cmpmem(d, 8, "\0\0ABCD\0\0", 8);
}

static void test_reset_and_get(void)
{
    g_assert_true(fw_cfg_get() == fw);
    select_key(FW_CFG_ID);
    device_reset(DEVICE(fw));
    g_assert_cmpint(io_read(FW_CFG_IO_BASE + 1, 1), ==, 'Q');
    GError *err = NULL;
    g_assert_null(fw_cfg_init_io(0x520, true, &err));
    g_assert_nonnull(err);
    g_error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    GError *err = NULL;
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    fw = fw_cfg_init_io(FW_CFG_IO_BASE, true, &err);
    g_assert_no_error(err);
    g_assert_nonnull(fw);

    g_test_add_func("/fw-cfg/signature", test_signature);
    g_test_add_func("/fw-cfg/id-and-dma-signature", test_id_and_dma_signature);
    g_test_add_func("/fw-cfg/unknown-key", test_unknown_key);
    g_test_add_func("/fw-cfg/items", test_items);
    g_test_add_func("/fw-cfg/file-dir", test_file_dir);
    g_test_add_func("/fw-cfg/dma-read", test_dma_read);
    g_test_add_func("/fw-cfg/dma-skip-select", test_dma_skip_select);
    g_test_add_func("/fw-cfg/dma-errors", test_dma_errors);
    g_test_add_func("/fw-cfg/dma-write", test_dma_write);
    g_test_add_func("/fw-cfg/reset-and-get", test_reset_and_get);
    return g_test_run();
}
