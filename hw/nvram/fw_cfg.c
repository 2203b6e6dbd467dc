/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg on x86 I/O ports, as QEMU's docs/specs/fw_cfg.rst describes it:
 * a 16-bit selector at 0x510, a byte-wide data port at 0x511 and the DMA
 * address register at 0x514 (big-endian; writing its low half runs a request).
 */
#include "vireo/fw-cfg.h"
#include "vireo/device.h"
#include "vireo/memory.h"
#include "vireo/log.h"
#include <inttypes.h>
#include <string.h>

#define FW_CFG_IO(obj) OBJECT_CHECK(FWCfgState, (obj), TYPE_FW_CFG_IO)

#define FW_CFG_FILE_LAST 0x3fff
/* A DMA read past an item's end fills zeros; more than this is refused. */
#define FW_CFG_DMA_ZERO_MAX (1u << 20)

typedef struct FWCfgItem {
    uint8_t *data;
    uint32_t len;
    bool writable;              /* by DMA writes, in place */
} FWCfgItem;

typedef struct FWCfgFile {
    char name[FW_CFG_MAX_FILE_PATH];
    FWCfgItem item;
} FWCfgFile;

struct FWCfgState {
    DeviceState parent_obj;
    uint32_t iobase;
    uint32_t dma_iobase;
    bool dma_enabled;
    MemoryRegion ctl_io;        /* selector + data */
    MemoryRegion dma_io;
    GHashTable *items;          /* key -> FWCfgItem*, keys outside files */
    GPtrArray *files;           /* FWCfgFile*, by name; file i has key 0x20+i */
    /* Guest-visible state. */
    uint16_t selector;
    uint32_t offset;            /* into the selected item */
    uint64_t dma_addr;
};

static FWCfgState *the_fw_cfg;

FWCfgState *fw_cfg_get(void)
{
    return the_fw_cfg;
}

/* --- Items --- */

static void item_free(gpointer p)
{
    FWCfgItem *it = p;
    g_free(it->data);
    g_free(it);
}

static void file_free(gpointer p)
{
    FWCfgFile *f = p;
    g_free(f->item.data);
    g_free(f);
}

static bool key_is_file(uint16_t key)
{
    return key >= FW_CFG_FILE_FIRST && key <= FW_CFG_FILE_LAST;
}

static FWCfgItem *item_lookup(FWCfgState *s, uint16_t key)
{
    key &= ~FW_CFG_WRITE_CHANNEL;
    if (key_is_file(key)) {
        unsigned i = key - FW_CFG_FILE_FIRST;
        return i < s->files->len ? &((FWCfgFile *)s->files->pdata[i])->item
                                 : NULL;
    }
    return g_hash_table_lookup(s->items, GUINT_TO_POINTER(key));
}

static void item_set(FWCfgItem *it, const void *data, size_t len)
{
    g_free(it->data);
    it->data = g_memdup2(data, len);
    it->len = len;
}

static void dir_rebuild(FWCfgState *s)
{
    size_t size = 4 + s->files->len * sizeof(FWCfgFileEntry);
    g_autofree uint8_t *dir = g_malloc0(size);
    uint32_t count = GUINT32_TO_BE(s->files->len);
    memcpy(dir, &count, 4);
    FWCfgFileEntry *e = (FWCfgFileEntry *)(dir + 4);
    for (guint i = 0; i < s->files->len; i++) {
        FWCfgFile *f = s->files->pdata[i];
        e[i].size = GUINT32_TO_BE(f->item.len);
        e[i].select = GUINT16_TO_BE(FW_CFG_FILE_FIRST + i);
        memcpy(e[i].name, f->name, sizeof(e[i].name));
    }
    fw_cfg_add_bytes(s, FW_CFG_FILE_DIR, dir, size);
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    key &= ~FW_CFG_WRITE_CHANNEL;
    if (key_is_file(key) || len > UINT32_MAX) {
        g_warning("fw_cfg: item 0x%x (%zu bytes) refused: file keys are "
                  "assigned by name, items are at most 4 GiB", key, len);
        return;
    }
    FWCfgItem *it = g_hash_table_lookup(s->items, GUINT_TO_POINTER(key));
    if (!it) {
        it = g_new0(FWCfgItem, 1);
        g_hash_table_insert(s->items, GUINT_TO_POINTER(key), it);
    }
    item_set(it, data, len);
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value)
{
    fw_cfg_add_bytes(s, key, value, strlen(value) + 1);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

/* Index of `name` in the sorted file list, or where it would go. */
static guint file_index(FWCfgState *s, const char *name, bool *found)
{
    guint lo = 0, hi = s->files->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        int c = strcmp(((FWCfgFile *)s->files->pdata[mid])->name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

static FWCfgFile *file_find(FWCfgState *s, const char *name)
{
    bool found;
    guint i = file_index(s, name, &found);
    return found ? s->files->pdata[i] : NULL;
}

static bool file_insert(FWCfgState *s, const char *name, const void *data,
                        size_t len, bool writable)
{
    bool found;
    guint i = file_index(s, name, &found);
    if (found) {
        return false;
    }
    if (strlen(name) >= FW_CFG_MAX_FILE_PATH || len > UINT32_MAX ||
        s->files->len > FW_CFG_FILE_LAST - FW_CFG_FILE_FIRST) {
        g_warning("fw_cfg: file '%s' refused: names are under %d bytes, "
                  "files at most 4 GiB", name, FW_CFG_MAX_FILE_PATH);
        return false;
    }
    FWCfgFile *f = g_new0(FWCfgFile, 1);
    g_strlcpy(f->name, name, sizeof(f->name));
    item_set(&f->item, data, len);
    f->item.writable = writable;
    g_ptr_array_insert(s->files, i, f);
    dir_rebuild(s);
    return true;
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    return file_insert(s, name, data, len, false);
}

bool fw_cfg_add_file_writable(FWCfgState *s, const char *name,
                              const void *data, size_t len)
{
    return file_insert(s, name, data, len, true);
}

void fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    FWCfgFile *f = file_find(s, name);
    if (!f) {
        fw_cfg_add_file(s, name, data, len);
        return;
    }
    if (len > UINT32_MAX) {
        g_warning("fw_cfg: file '%s' of %zu bytes refused", name, len);
        return;
    }
    item_set(&f->item, data, len);
    dir_rebuild(s);
}

const void *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len)
{
    FWCfgFile *f = file_find(s, name);
    if (len) {
        *len = f ? f->item.len : 0;
    }
    return f ? f->item.data : NULL;
}

uint16_t fw_cfg_file_key(FWCfgState *s, const char *name)
{
    bool found;
    guint i = file_index(s, name, &found);
    return found ? FW_CFG_FILE_FIRST + i : 0;
}

/* --- Traditional interface: selector and data ports --- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->selector = key;
    s->offset = 0;
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgItem *it = item_lookup(s, s->selector);
    if (!it || s->offset >= it->len) {
        return 0;
    }
    return it->data[s->offset++];
}

/* Any width reads the next bytes of the item, in order (string-preserving). */
static uint64_t ctl_read(void *opaque, uint64_t addr, unsigned size)
{
    FWCfgState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)fw_cfg_read_byte(s) << (8 * i);
    }
    return v;
}

/* A 16-bit write at the selector selects; data-port writes are ignored
 * (QEMU dropped them in 2.4; writes go through DMA). */
static void ctl_write(void *opaque, uint64_t addr, uint64_t data, unsigned size)
{
    FWCfgState *s = opaque;
    if (addr == 0 && size == 2) {
        fw_cfg_select(s, data);
    } else {
        log_mask_printf(LOG_GUEST_ERROR, "fw_cfg: ignored %u-byte write of "
                        "0x%" PRIx64 " at port offset %" PRIu64 "\n",
                        size, data, addr);
    }
}

static const MemoryRegionOps ctl_ops = {
    .read = ctl_read,
    .write = ctl_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
};

/* --- DMA interface --- */

static bool dma_range_ok(uint64_t addr, uint32_t len)
{
    return addr <= UINT64_MAX - len;
}

static bool dma_fill_zero(uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint64_t n = MIN(len, sizeof(zeros));
        if (address_space_write(&address_space_memory, addr, zeros, n) != MEMTX_OK) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

/* Item bytes to guest RAM; past the item's end the guest gets zeros. */
static bool dma_read(FWCfgState *s, uint32_t len, uint64_t addr)
{
    FWCfgItem *it = item_lookup(s, s->selector);
    uint32_t avail = it && s->offset < it->len ? it->len - s->offset : 0;
    uint32_t n = MIN(len, avail);
    if (!dma_range_ok(addr, len) || len - n > FW_CFG_DMA_ZERO_MAX) {
        return false;
    }
    if (n && address_space_write(&address_space_memory, addr,
                                 it->data + s->offset, n) != MEMTX_OK) {
        return false;
    }
    s->offset += n;
    return dma_fill_zero(addr + n, len - n);
}

/* Guest RAM to a writable item, in place: never past its end. */
static bool dma_write(FWCfgState *s, uint32_t len, uint64_t addr)
{
    FWCfgItem *it = item_lookup(s, s->selector);
    if (!it || !it->writable || s->offset > it->len ||
        len > it->len - s->offset || !dma_range_ok(addr, len)) {
        return false;
    }
    g_autofree uint8_t *buf = g_malloc(len ? len : 1);
    if (address_space_read(&address_space_memory, addr, buf, len) != MEMTX_OK) {
        return false;
    }
    memcpy(it->data + s->offset, buf, len);
    s->offset += len;
    return true;
}

static void dma_skip(FWCfgState *s, uint32_t len)
{
    FWCfgItem *it = item_lookup(s, s->selector);
    uint32_t left = it && s->offset < it->len ? it->len - s->offset : 0;
    s->offset += MIN(len, left);
}

static bool dma_transfer(FWCfgState *s, uint32_t control, uint32_t len,
                         uint64_t addr)
{
    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        return dma_read(s, len, addr);
    }
    if (control & FW_CFG_DMA_CTL_WRITE) {
        return dma_write(s, len, addr);
    }
    if (control & FW_CFG_DMA_CTL_SKIP) {
        dma_skip(s, len);
    }
    return true;
}

/* Runs the request whose descriptor is at `desc` and stores its status. */
static void dma_run(FWCfgState *s, uint64_t desc)
{
    FWCfgDmaAccess acc;
    if (address_space_read(&address_space_memory, desc, &acc, sizeof(acc))
        != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR, "fw_cfg: DMA descriptor at 0x%"
                        PRIx64 " is not in memory\n", desc);
        return;
    }
    bool ok = dma_transfer(s, GUINT32_FROM_BE(acc.control),
                           GUINT32_FROM_BE(acc.length),
                           GUINT64_FROM_BE(acc.address));
    uint32_t status = GUINT32_TO_BE(ok ? 0 : FW_CFG_DMA_CTL_ERROR);
    address_space_write(&address_space_memory, desc, &status, sizeof(status));
}

/* Reads show "QEMU CFG" in memory order, the DMA interface's signature. */
static uint64_t dma_reg_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < 8; i++) {
        uint8_t b = FW_CFG_DMA_SIGNATURE >> (8 * (7 - (addr + i)));
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

/* The register is big-endian: the guest's bytes are the address's bytes,
 * most significant first. The low half (or all 8 bytes) starts the request. */
static void dma_reg_write(void *opaque, uint64_t addr, uint64_t data,
                          unsigned size)
{
    FWCfgState *s = opaque;
    if (size == 8 && addr == 0) {
        s->dma_addr = 0;
        dma_run(s, GUINT64_SWAP_LE_BE(data));
    } else if (size == 4 && addr == 0) {
        s->dma_addr = (uint64_t)GUINT32_SWAP_LE_BE((uint32_t)data) << 32;
    } else if (size == 4 && addr == 4) {
        uint64_t desc = s->dma_addr | GUINT32_SWAP_LE_BE((uint32_t)data);
        s->dma_addr = 0;
        dma_run(s, desc);
    } else {
        log_mask_printf(LOG_GUEST_ERROR, "fw_cfg: DMA register takes 4-byte "
                        "halves; ignored %u-byte write at offset %" PRIu64 "\n",
                        size, addr);
    }
}

static const MemoryRegionOps dma_ops = {
    .read = dma_reg_read,
    .write = dma_reg_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
};

/* --- Device --- */

static void fw_cfg_init(Object *obj)
{
    FWCfgState *s = FW_CFG_IO(obj);
    s->items = g_hash_table_new_full(NULL, NULL, NULL, item_free);
    s->files = g_ptr_array_new_with_free_func(file_free);
}

static void fw_cfg_finalize(Object *obj)
{
    FWCfgState *s = FW_CFG_IO(obj);
    g_hash_table_destroy(s->items);
    g_ptr_array_free(s->files, true);
}

static void fw_cfg_add_standard_items(FWCfgState *s)
{
    static const uint8_t uuid[16];
    uint32_t features = FW_CFG_VERSION | (s->dma_enabled ? FW_CFG_VERSION_DMA : 0);
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, features);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    dir_rebuild(s);
}

static bool fw_cfg_realize(DeviceState *dev, GError **errp)
{
    FWCfgState *s = FW_CFG_IO(dev);
    if (the_fw_cfg) {
        error_setg(errp, "A machine has at most one fw_cfg device");
        return false;
    }
    if (s->iobase > 0xfffe || (s->dma_enabled && s->dma_iobase > 0xfff8)) {
        error_setg(errp, "fw_cfg: I/O ports 0x%x/0x%x are outside 0-0xffff",
                   s->iobase, s->dma_iobase);
        return false;
    }
    fw_cfg_add_standard_items(s);
    memory_region_init_io(&s->ctl_io, OBJECT(s), &ctl_ops, s, "fwcfg", 2);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->ctl_io);
    if (s->dma_enabled) {
        memory_region_init_io(&s->dma_io, OBJECT(s), &dma_ops, s, "fwcfg.dma", 8);
        memory_region_add_subregion(get_system_io(), s->dma_iobase, &s->dma_io);
    }
    the_fw_cfg = s;
    return true;
}

static void fw_cfg_unrealize(DeviceState *dev)
{
    FWCfgState *s = FW_CFG_IO(dev);
    memory_region_del_subregion(get_system_io(), &s->ctl_io);
    if (s->dma_enabled) {
        memory_region_del_subregion(get_system_io(), &s->dma_io);
    }
    if (the_fw_cfg == s) {
        the_fw_cfg = NULL;
    }
}

static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = FW_CFG_IO(dev);
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static const Property fw_cfg_props[] = {
    PROP_UINT32("iobase", FWCfgState, iobase, FW_CFG_IO_BASE),
    PROP_UINT32("dma_iobase", FWCfgState, dma_iobase, FW_CFG_DMA_IO_BASE),
    PROP_BOOL("dma_enabled", FWCfgState, dma_enabled, true),
    PROP_END,
};

/* The items are rebuilt by the machine on the destination, as in QEMU. */
static const VMStateField fw_cfg_fields[] = {
    VMSTATE_U16(selector, FWCfgState),
    VMSTATE_U32(offset, FWCfgState),
    VMSTATE_U64(dma_addr, FWCfgState),
    VMSTATE_END,
};

static const VMStateDescription fw_cfg_vmsd = {
    .name = "fw_cfg",
    .version = 1,
    .minimum_version = 1,
    .fields = fw_cfg_fields,
};

static const DeviceInfo fw_cfg_info = {
    .name = TYPE_FW_CFG_IO,
    .instance_size = sizeof(FWCfgState),
    .desc = "QEMU firmware configuration interface on I/O ports",
    .props = fw_cfg_props,
    .vmsd = &fw_cfg_vmsd,
    .user_creatable = false,
    .init = fw_cfg_init,
    .finalize = fw_cfg_finalize,
    .realize = fw_cfg_realize,
    .unrealize = fw_cfg_unrealize,
    .reset = fw_cfg_reset,
};
DEVICE_REGISTER(fw_cfg_info)

FWCfgState *fw_cfg_init_io(uint16_t iobase, bool dma, GError **errp)
{
    DeviceState *dev = device_new(TYPE_FW_CFG_IO, errp);
    if (!dev) {
        return NULL;
    }
    Object *obj = OBJECT(dev);
    Object *machine = object_get_container("machine");
    bool ok = object_property_set_uint(obj, "iobase", iobase, errp) &&
              object_property_set_uint(obj, "dma_iobase", iobase + 4u, errp) &&
              object_property_set_bool(obj, "dma_enabled", dma, errp);
    /* At /machine/fw_cfg, where QEMU has it. */
    if (ok && !object_resolve_path_component(machine, "fw_cfg")) {
        ok = object_property_add_child(machine, "fw_cfg", obj, errp);
    }
    if (ok && !device_realize_on_bus(dev, NULL, errp)) {
        if (obj->parent) {
            object_unparent(obj);
        }
        ok = false;
    }
    object_unref(obj);
    return ok ? FW_CFG_IO(dev) : NULL;
}
