/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory region tree: construction and placement of regions, and the
 * flattening of each address space into a sorted view that listeners follow.
 */
#include "vireo/memory.h"
#include "vireo/object.h"
#include "vireo/log.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static GPtrArray *address_spaces;
static int transaction_depth;
static bool update_pending;

static void memory_update(void);

static void region_init_common(MemoryRegion *mr, Object *owner,
                               const char *name, uint64_t size,
                               MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    mr->owner = owner;
    mr->name = g_strdup(name);
    mr->size = size;
    mr->enabled = true;
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_CONTAINER);
    mr->subregions = g_ptr_array_new();
}

static bool alloc_ram(MemoryRegion *mr, GError **errp)
{
    /* Reserve lazily: pages are only backed when the guest touches them. */
    void *p = mmap(NULL, mr->size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        error_setg(errp, "cannot set up guest memory '%s': %s", mr->name,
                   g_strerror(errno));
        return false;
    }
    madvise(p, mr->size, MADV_DONTDUMP);
    mr->ram = p;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp)
{
    region_init_common(mr, owner, name, size, MR_RAM);
    return alloc_ram(mr, errp);
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp)
{
    region_init_common(mr, owner, name, size, MR_ROM);
    return alloc_ram(mr, errp);
}

bool memory_region_init_rom_file(MemoryRegion *mr, Object *owner,
                                 const char *name, const char *path,
                                 GError **errp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        error_setg(errp, "could not open '%s': %s", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    if (st.st_size <= 0 || (st.st_size & 0xfff)) {
        error_setg(errp, "'%s' has size %lld: a ROM image must be a non-zero "
                   "multiple of 4 KiB", path, (long long)st.st_size);
        close(fd);
        return false;
    }
    region_init_common(mr, owner, name, st.st_size, MR_ROM);
    void *p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        error_setg(errp, "could not map '%s': %s", path, g_strerror(errno));
        return false;
    }
    mr->ram = p;
    return true;
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                              MemoryRegion *orig, uint64_t offset,
                              uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    if (mr->ram) {
        munmap(mr->ram, mr->size);
    }
    if (mr->subregions) {
        g_ptr_array_free(mr->subregions, true);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    while (mr->kind == MR_ALIAS) {
        mr = mr->alias;
    }
    return mr->ram;
}

void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *child, int priority)
{
    g_assert(parent->kind == MR_CONTAINER && !child->container);
    child->container = parent;
    child->addr = offset;
    child->priority = priority;
    /* Keep highest priority first; among equals the newest goes first. */
    guint i = 0;
    while (i < parent->subregions->len &&
           ((MemoryRegion *)parent->subregions->pdata[i])->priority > priority) {
        i++;
    }
    g_ptr_array_insert(parent->subregions, i, child);
    memory_update();
}

void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset,
                                 MemoryRegion *child)
{
    memory_region_add_subregion_overlap(parent, offset, child, 0);
}

void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *child)
{
    g_assert(child->container == parent);
    g_ptr_array_remove(parent->subregions, child);
    child->container = NULL;
    memory_update();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_update();
    }
}

void memory_region_set_address(MemoryRegion *mr, uint64_t addr)
{
    if (mr->addr == addr) {
        return;
    }
    MemoryRegion *parent = mr->container;
    int prio = mr->priority;
    memory_region_transaction_begin();
    if (parent) {
        memory_region_del_subregion(parent, mr);
        memory_region_add_subregion_overlap(parent, addr, mr, prio);
    } else {
        mr->addr = addr;
    }
    memory_region_transaction_commit();
}

void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    mr->alias_offset = offset;
    memory_update();
}

void memory_region_set_log_dirty(MemoryRegion *mr, bool log)
{
    mr->log_dirty = log;
    memory_update();
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth == 0 && update_pending) {
        memory_update();
    }
}

/* --- Flattening --- */

typedef struct ViewBuilder {
    GArray *ranges;     /* FlatRange, sorted, non-overlapping */
} ViewBuilder;

/* Adds the parts of [start, end) not yet covered: what was rendered first
 * (higher priority) wins. */
static void view_fill(ViewBuilder *b, uint64_t start, uint64_t end,
                      MemoryRegion *mr, uint64_t region_base)
{
    guint i = 0;
    while (start < end) {
        while (i < b->ranges->len) {
            FlatRange *r = &g_array_index(b->ranges, FlatRange, i);
            if (r->start + r->size > start) {
                break;
            }
            i++;
        }
        uint64_t gap_end = end;
        if (i < b->ranges->len) {
            FlatRange *r = &g_array_index(b->ranges, FlatRange, i);
            if (r->start <= start) {
                start = r->start + r->size;   /* covered: skip past it */
                i++;
                continue;
            }
            gap_end = MIN(end, r->start);
        }
        FlatRange nr = {
            .start = start, .size = gap_end - start, .mr = mr,
            .offset = start - region_base, .readonly = mr->kind == MR_ROM,
            .log_dirty = mr->log_dirty,
        };
        g_array_insert_val(b->ranges, i, nr);
        i++;
        start = gap_end;
    }
}

/* Renders bytes [off, off + len) of mr, which the address space sees at
 * [addr, addr + len). Working in offsets rather than in the address of the
 * region's byte 0 keeps an alias whose offset exceeds its own address
 * exact (the target's byte 0 would lie below address 0). */
static void render(ViewBuilder *b, MemoryRegion *mr, uint64_t off,
                   uint64_t addr, uint64_t len)
{
    if (!mr->enabled || off >= mr->size) {
        return;
    }
    len = MIN(len, mr->size - off);
    switch (mr->kind) {
    case MR_ALIAS:
        if (mr->alias_offset <= UINT64_MAX - off) {
            render(b, mr->alias, mr->alias_offset + off, addr, len);
        }
        break;
    case MR_CONTAINER:
        for (guint i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *c = mr->subregions->pdata[i];
            uint64_t c_end = c->size > UINT64_MAX - c->addr ? UINT64_MAX
                                                             : c->addr + c->size;
            uint64_t start = MAX(off, c->addr), end = MIN(off + len, c_end);
            if (start < end) {
                render(b, c, start - c->addr, addr + (start - off), end - start);
            }
        }
        break;
    default:
        /* view_fill's base is where byte 0 would be; modulo 2^64 is fine. */
        view_fill(b, addr, addr + len, mr, addr - off);
        break;
    }
}

static FlatView *flatview_build(MemoryRegion *root)
{
    ViewBuilder b = { g_array_new(false, false, sizeof(FlatRange)) };
    if (root) {
        render(&b, root, 0, 0, UINT64_MAX);
    }
    /* Merge neighbours that continue the same region. */
    for (guint i = 1; i < b.ranges->len;) {
        FlatRange *p = &g_array_index(b.ranges, FlatRange, i - 1);
        FlatRange *r = &g_array_index(b.ranges, FlatRange, i);
        if (p->mr == r->mr && p->start + p->size == r->start &&
            p->offset + p->size == r->offset && p->readonly == r->readonly &&
            p->log_dirty == r->log_dirty) {
            p->size += r->size;
            g_array_remove_index(b.ranges, i);
        } else {
            i++;
        }
    }
    FlatView *v = g_new0(FlatView, 1);
    v->refcount = 1;
    v->nr = b.ranges->len;
    v->ranges = (FlatRange *)g_array_free(b.ranges, false);
    return v;
}

static void flatview_unref(FlatView *v)
{
    if (v && --v->refcount == 0) {
        g_free(v->ranges);
        g_free(v);
    }
}

static bool range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset == b->offset && a->readonly == b->readonly &&
           a->log_dirty == b->log_dirty;
}

static bool view_has(const FlatView *v, const FlatRange *r)
{
    for (unsigned i = 0; v && i < v->nr; i++) {
        if (range_equal(&v->ranges[i], r)) {
            return true;
        }
    }
    return false;
}

static MemoryRegionSection section_of(const FlatRange *r)
{
    return (MemoryRegionSection){
        .mr = r->mr, .offset_within_region = r->offset,
        .offset_within_address_space = r->start, .size = r->size,
        .readonly = r->readonly, .log_dirty = r->log_dirty,
    };
}

static void notify_dels(MemoryListener *l, FlatView *old, FlatView *new)
{
    for (unsigned i = 0; old && i < old->nr && l->region_del; i++) {
        if (!view_has(new, &old->ranges[i])) {
            MemoryRegionSection s = section_of(&old->ranges[i]);
            l->region_del(l, &s);
        }
    }
}

static void notify_adds(MemoryListener *l, FlatView *old, FlatView *new)
{
    for (unsigned i = 0; i < new->nr && l->region_add; i++) {
        if (!view_has(old, &new->ranges[i])) {
            MemoryRegionSection s = section_of(&new->ranges[i]);
            l->region_add(l, &s);
        }
    }
}

/* Every listener's begin, then deletions from the highest priority down,
 * then additions from the lowest up, then every commit: a low-priority
 * listener is first to see a range appear and last to see it go. */
static void notify_listeners(AddressSpace *as, FlatView *old, FlatView *new)
{
    GPtrArray *ls = as->listeners;
    for (guint li = 0; li < ls->len; li++) {
        MemoryListener *l = ls->pdata[li];
        if (l->begin) {
            l->begin(l);
        }
    }
    for (guint li = ls->len; li-- > 0;) {
        notify_dels(ls->pdata[li], old, new);
    }
    for (guint li = 0; li < ls->len; li++) {
        notify_adds(ls->pdata[li], old, new);
    }
    for (guint li = 0; li < ls->len; li++) {
        MemoryListener *l = ls->pdata[li];
        if (l->commit) {
            l->commit(l);
        }
    }
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->view;
    FlatView *new = flatview_build(as->root);
    as->view = new;
    notify_listeners(as, old, new);
    flatview_unref(old);
}

static void memory_update(void)
{
    if (transaction_depth) {
        update_pending = true;
        return;
    }
    update_pending = false;
    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        address_space_update(address_spaces->pdata[i]);
    }
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->view = flatview_build(root);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    g_ptr_array_remove(address_spaces, as);
    flatview_unref(as->view);
    g_ptr_array_free(as->listeners, true);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    l->as = as;
    guint i = 0;
    while (i < as->listeners->len &&
           ((MemoryListener *)as->listeners->pdata[i])->priority <= l->priority) {
        i++;
    }
    g_ptr_array_insert(as->listeners, i, l);
    if (l->begin) {
        l->begin(l);
    }
    for (unsigned r = 0; r < as->view->nr && l->region_add; r++) {
        MemoryRegionSection s = section_of(&as->view->ranges[r]);
        l->region_add(l, &s);
    }
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_unregister(MemoryListener *l)
{
    if (l->as) {
        g_ptr_array_remove(l->as->listeners, l);
        l->as = NULL;
    }
}

const FlatRange *flatview_lookup(FlatView *view, uint64_t addr)
{
    unsigned lo = 0, hi = view->nr;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const FlatRange *r = &view->ranges[mid];
        if (addr < r->start) {
            hi = mid;
        } else if (addr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}

/* --- The system address spaces --- */

AddressSpace address_space_memory;
AddressSpace address_space_io;
static MemoryRegion system_memory;
static MemoryRegion system_io;

void memory_system_init(void)
{
    if (system_memory.subregions) {
        return;
    }
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    memory_region_init(&system_io, NULL, "io", 65536);
    address_space_init(&address_space_memory, &system_memory, "memory");
    address_space_init(&address_space_io, &system_io, "I/O");
}

MemoryRegion *get_system_memory(void)
{
    memory_system_init();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    memory_system_init();
    return &system_io;
}
