/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory API: a tree of regions (RAM, MMIO/PIO with callbacks,
 * containers, aliases) in address spaces. Each change flattens the tree of
 * an address space into a sorted view of non-overlapping ranges that
 * listeners (KVM memory slots, later the TCG TLB, dirty tracking) follow.
 * See docs/devel/memory.md.
 */
#ifndef VIREO_MEMORY_H
#define VIREO_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct Object Object;
typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,        /* device signalled an error */
    MEMTX_DECODE_ERROR = 2, /* nothing mapped there */
} MemTxResult;

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t data, unsigned size);
    /* Sizes the device accepts; an access outside is refused (reads as
     * all-ones, writes dropped). 0 means 1..4 (min 1, max 4). */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } valid;
    /* Sizes the callbacks implement; the core splits or combines accesses
     * (little-endian) to fit. 0 means same as valid. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
} MemoryRegionOps;

typedef enum {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,                 /* RAM the guest cannot write */
    MR_IO,                  /* callbacks */
    MR_ALIAS,
} MemoryRegionKind;

struct MemoryRegion {
    MemoryRegionKind kind;
    char *name;
    Object *owner;
    uint64_t size;
    /* Placement in the parent container. */
    MemoryRegion *container;
    uint64_t addr;
    int priority;
    bool enabled;
    /* MR_RAM / MR_ROM */
    uint8_t *ram;
    /* MR_IO */
    const MemoryRegionOps *ops;
    void *opaque;
    /* MR_ALIAS */
    MemoryRegion *alias;
    uint64_t alias_offset;
    /* MR_CONTAINER: children, highest priority first, then latest added. */
    GPtrArray *subregions;
    /* Set when the guest-visible flat view must track writes for this RAM. */
    bool log_dirty;
};

/* Construction. `owner` may be NULL. RAM is zeroed, page aligned, and
 * allocated lazily by the host (mmap), so a large -m costs nothing idle. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);
bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp);
bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp);
/* ROM whose contents are a file, mapped copy-on-write: pages are read from
 * the page cache only when the guest touches them. Size: the file's,
 * which must be a multiple of 4 KiB. */
bool memory_region_init_rom_file(MemoryRegion *mr, Object *owner,
                                 const char *name, const char *path,
                                 GError **errp);
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                              MemoryRegion *orig, uint64_t offset,
                              uint64_t size);
void memory_region_finalize(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset,
                                 MemoryRegion *child);
void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *child, int priority);
void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *child);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, uint64_t addr);
void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset);
void memory_region_set_log_dirty(MemoryRegion *mr, bool log);
/* Host pointer to the start of a RAM/ROM region's storage. */
uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr);

/* Batch several changes into one re-flattening. Nests. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* --- Flat views --- */

typedef struct FlatRange {
    uint64_t start;         /* address in the address space */
    uint64_t size;
    MemoryRegion *mr;       /* the leaf region (never a container or alias) */
    uint64_t offset;        /* offset of `start` inside mr */
    bool readonly;          /* ROM */
    bool log_dirty;         /* the region tracks guest writes */
} FlatRange;

struct FlatView {
    int refcount;
    unsigned nr;
    FlatRange *ranges;      /* sorted by start, non-overlapping */
};

/* A section of a view, as listeners see it. */
typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    uint64_t offset_within_region;
    uint64_t offset_within_address_space;
    uint64_t size;
    bool readonly;
    bool log_dirty;
} MemoryRegionSection;

typedef struct MemoryListener {
    /* Called in address order for what disappeared, then for what appeared,
     * then commit; on registration, region_add for every current range. */
    void (*begin)(struct MemoryListener *l);
    void (*region_add)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*region_del)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*commit)(struct MemoryListener *l);
    int priority;           /* lower first for adds, reverse for deletes */
    AddressSpace *as;       /* set on registration */
} MemoryListener;

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *view;         /* replaced on every change (under the big lock) */
    GPtrArray *listeners;
};

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
void memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

/* Accesses. Any length; split at region boundaries; MMIO in the widths the
 * region accepts. Unassigned reads give all-ones and are logged with -d unimp. */
MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                               uint64_t len);
MemTxResult address_space_write(AddressSpace *as, uint64_t addr,
                                const void *buf, uint64_t len);
MemTxResult address_space_rw(AddressSpace *as, uint64_t addr, void *buf,
                             uint64_t len, bool is_write);
/* A single access of 1, 2, 4 or 8 bytes, little-endian value. */
MemTxResult address_space_read_val(AddressSpace *as, uint64_t addr,
                                   unsigned size, uint64_t *val);
MemTxResult address_space_write_val(AddressSpace *as, uint64_t addr,
                                    unsigned size, uint64_t val);
/* The flat range covering addr, or NULL. */
const FlatRange *flatview_lookup(FlatView *view, uint64_t addr);
/* Host pointer for [addr, addr+len) if entirely in one RAM range, else NULL
 * (for device DMA fast paths and loaders). */
void *address_space_map_ram(AddressSpace *as, uint64_t addr, uint64_t len,
                            bool is_write);

/* The machine's two address spaces. */
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
/* Creates the system memory and I/O roots (once, by the machine). */
void memory_system_init(void);

/* Shortcuts for devices and machines. */
static inline MemTxResult cpu_physical_read(uint64_t addr, void *buf, uint64_t len)
{
    return address_space_read(&address_space_memory, addr, buf, len);
}
static inline MemTxResult cpu_physical_write(uint64_t addr, const void *buf,
                                             uint64_t len)
{
    return address_space_write(&address_space_memory, addr, buf, len);
}

#endif
