/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-physical RAM map the software TLB fills from: a memory
 * listener on address_space_memory keeps the RAM and ROM ranges with
 * their host pointers (everything else is MMIO) and publishes an immutable
 * sorted copy after each change, which vCPUs pick up at their loop top.
 */
#include "accel/tcg/tcg-internal.h"
#include "vireo/memory.h"
#include <stdlib.h>
#include <string.h>

static GArray *ranges;               /* PhysRange, the current layout */
static PhysMap *current;             /* published; read with atomics */
static GPtrArray *retired;           /* older maps not yet freed */
static uint64_t epoch, ram_epoch;
static MemoryListener listener;

static void pm_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    MemoryRegion *mr = s->mr;
    if ((mr->kind != MR_RAM && mr->kind != MR_ROM) || !mr->ram) {
        return;
    }
    PhysRange r = {
        .start = s->offset_within_address_space, .size = s->size,
        .host = mr->ram + s->offset_within_region,
        .readonly = s->readonly || mr->kind == MR_ROM,
    };
    g_array_append_val(ranges, r);
}

static void pm_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    for (guint k = 0; k < ranges->len; k++) {
        PhysRange *r = &g_array_index(ranges, PhysRange, k);
        if (r->start == s->offset_within_address_space && r->size == s->size) {
            g_array_remove_index(ranges, k);
            return;
        }
    }
}

static int range_cmp(const void *a, const void *b)
{
    const PhysRange *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static bool same_ram(const PhysMap *a, const PhysMap *b)
{
    if (!a || a->nr != b->nr) {
        return false;
    }
    return !memcmp(a->r, b->r, a->nr * sizeof(PhysRange));
}

static void pm_commit(MemoryListener *l)
{
    PhysMap *m = g_malloc(sizeof(PhysMap) + ranges->len * sizeof(PhysRange));
    m->nr = ranges->len;
    memcpy(m->r, ranges->data, ranges->len * sizeof(PhysRange));
    qsort(m->r, m->nr, sizeof(PhysRange), range_cmp);
    PhysMap *old = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
    if (same_ram(old, m)) {
        g_free(m);
        return;
    }
    m->epoch = ++epoch;
    __atomic_store_n(&ram_epoch, m->epoch, __ATOMIC_RELEASE);
    __atomic_store_n(&current, m, __ATOMIC_RELEASE);
    if (old) {
        g_ptr_array_add(retired, old);
    }
    tcg_cpus_request_flush();
    for (guint k = 0; k < retired->len;) {
        PhysMap *r = retired->pdata[k];
        if (!tcg_cpus_map_in_use(r)) {
            g_ptr_array_remove_index_fast(retired, k);
            g_free(r);
        } else {
            k++;
        }
    }
}

void phys_map_init(void)
{
    if (ranges) {
        return;
    }
    ranges = g_array_new(false, false, sizeof(PhysRange));
    retired = g_ptr_array_new();
    listener = (MemoryListener){
        .region_add = pm_region_add, .region_del = pm_region_del,
        .commit = pm_commit, .priority = 20,
    };
    memory_listener_register(&listener, &address_space_memory);
    if (!current) {
        pm_commit(&listener);
    }
}

PhysMap *phys_map_get(void)
{
    return __atomic_load_n(&current, __ATOMIC_ACQUIRE);
}

uint64_t phys_map_epoch(void)
{
    PhysMap *m = phys_map_get();
    return m ? m->epoch : 0;
}

uint64_t phys_map_ram_epoch(void)
{
    return __atomic_load_n(&ram_epoch, __ATOMIC_ACQUIRE);
}

const PhysRange *phys_map_lookup(const PhysMap *map, uint64_t paddr)
{
    if (!map) {
        return NULL;
    }
    unsigned lo = 0, hi = map->nr;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const PhysRange *r = &map->r[mid];
        if (paddr < r->start) {
            hi = mid;
        } else if (paddr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}
