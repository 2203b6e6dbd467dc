/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accesses through an address space: RAM by copy, MMIO and port I/O by the
 * region's callbacks with the access split or combined into the sizes the
 * device implements (little-endian), and unassigned space reading all-ones.
 */
#include "vireo/memory.h"
#include "vireo/log.h"
#include <string.h>

static unsigned valid_min(const MemoryRegionOps *ops)
{
    return ops->valid.min_access_size ? ops->valid.min_access_size : 1;
}

static unsigned valid_max(const MemoryRegionOps *ops)
{
    return ops->valid.max_access_size ? ops->valid.max_access_size : 4;
}

static unsigned impl_min(const MemoryRegionOps *ops)
{
    return ops->impl.min_access_size ? ops->impl.min_access_size : valid_min(ops);
}

static unsigned impl_max(const MemoryRegionOps *ops)
{
    return ops->impl.max_access_size ? ops->impl.max_access_size : valid_max(ops);
}

static bool access_valid(MemoryRegion *mr, uint64_t addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    if (size < valid_min(ops) || size > valid_max(ops)) {
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        return false;
    }
    return addr < mr->size && size <= mr->size - addr;
}

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* One access of `size` bytes at `addr` inside mr, already validated. */
static uint64_t io_read(MemoryRegion *mr, uint64_t addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned lo = impl_min(ops), hi = impl_max(ops);
    if (!ops->read) {
        return mask_of(size);
    }
    if (size >= lo && size <= hi) {
        return ops->read(mr->opaque, addr, size) & mask_of(size);
    }
    if (size < lo) {
        /* Device only does wider accesses: read the containing word. */
        uint64_t base = addr & ~(uint64_t)(lo - 1);
        uint64_t v = ops->read(mr->opaque, base, lo);
        return (v >> ((addr - base) * 8)) & mask_of(size);
    }
    uint64_t v = 0;
    for (unsigned off = 0; off < size; off += hi) {
        v |= (ops->read(mr->opaque, addr + off, hi) & mask_of(hi)) << (off * 8);
    }
    return v;
}

static void io_write(MemoryRegion *mr, uint64_t addr, uint64_t val,
                     unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned lo = impl_min(ops), hi = impl_max(ops);
    if (!ops->write) {
        return;
    }
    if (size >= lo && size <= hi) {
        ops->write(mr->opaque, addr, val & mask_of(size), size);
    } else if (size < lo) {
        uint64_t base = addr & ~(uint64_t)(lo - 1);
        ops->write(mr->opaque, base, (val & mask_of(size)) << ((addr - base) * 8),
                   lo);
    } else {
        for (unsigned off = 0; off < size; off += hi) {
            ops->write(mr->opaque, addr + off, (val >> (off * 8)) & mask_of(hi), hi);
        }
    }
}

static void log_unassigned(AddressSpace *as, uint64_t addr, unsigned size,
                           bool is_write, uint64_t val)
{
    if (is_write) {
        log_mask_printf(LOG_UNIMP, "unassigned %s write 0x%" G_GINT64_MODIFIER
                        "x size %u value 0x%" G_GINT64_MODIFIER "x\n",
                        as->name, addr, size, val);
    } else {
        log_mask_printf(LOG_UNIMP, "unassigned %s read 0x%" G_GINT64_MODIFIER
                        "x size %u\n", as->name, addr, size);
    }
}

MemTxResult address_space_read_val(AddressSpace *as, uint64_t addr,
                                   unsigned size, uint64_t *val)
{
    uint8_t buf[8];
    MemTxResult r = address_space_rw(as, addr, buf, size, false);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (i * 8);
    }
    *val = v;
    return r;
}

MemTxResult address_space_write_val(AddressSpace *as, uint64_t addr,
                                    unsigned size, uint64_t val)
{
    uint8_t buf[8];
    for (unsigned i = 0; i < size; i++) {
        buf[i] = val >> (i * 8);
    }
    return address_space_rw(as, addr, buf, size, true);
}

/* MMIO part of an access: [addr, addr+len) inside one range of region mr. */
static MemTxResult io_rw(AddressSpace *as, const FlatRange *r, uint64_t addr,
                         uint8_t *buf, uint64_t len, bool is_write)
{
    MemoryRegion *mr = r->mr;
    uint64_t off = addr - r->start + r->offset;
    MemTxResult res = MEMTX_OK;
    while (len) {
        /* The widest naturally aligned piece (<= 8 bytes) the device takes. */
        unsigned size = 8;
        while (size > len || (off & (size - 1) && !mr->ops->valid.unaligned)) {
            size >>= 1;
        }
        while (size > 1 && !access_valid(mr, off, size)) {
            size >>= 1;
        }
        if (!access_valid(mr, off, size)) {
            /* Nothing fits: refused, like an unassigned access. */
            if (!is_write) {
                memset(buf, 0xff, size);
            }
            log_mask_printf(LOG_GUEST_ERROR, "invalid %s access to '%s' at "
                            "0x%" G_GINT64_MODIFIER "x size %u\n",
                            is_write ? "write" : "read", mr->name, off, size);
            res = MEMTX_ERROR;
        } else if (is_write) {
            uint64_t v = 0;
            for (unsigned i = 0; i < size; i++) {
                v |= (uint64_t)buf[i] << (i * 8);
            }
            io_write(mr, off, v, size);
        } else {
            uint64_t v = io_read(mr, off, size);
            for (unsigned i = 0; i < size; i++) {
                buf[i] = v >> (i * 8);
            }
        }
        buf += size;
        off += size;
        len -= size;
    }
    return res;
}

MemTxResult address_space_rw(AddressSpace *as, uint64_t addr, void *ptr,
                             uint64_t len, bool is_write)
{
    uint8_t *buf = ptr;
    MemTxResult res = MEMTX_OK;
    while (len) {
        const FlatRange *r = flatview_lookup(as->view, addr);
        uint64_t chunk;
        if (!r) {
            /* Up to the next mapped range, or the whole rest. */
            chunk = len;
            for (unsigned i = 0; i < as->view->nr; i++) {
                uint64_t s = as->view->ranges[i].start;
                if (s > addr) {
                    chunk = MIN(len, s - addr);
                    break;
                }
            }
            if (is_write) {
                uint64_t v = 0;
                memcpy(&v, buf, MIN(chunk, 8));
                log_unassigned(as, addr, chunk, true, v);
            } else {
                memset(buf, 0xff, chunk);
                log_unassigned(as, addr, chunk, false, 0);
            }
            res = MEMTX_DECODE_ERROR;
        } else {
            chunk = MIN(len, r->start + r->size - addr);
            uint64_t off = r->offset + (addr - r->start);
            if (r->mr->kind == MR_IO && len <= 8 && off + len <= r->mr->size) {
                /* One CPU access goes whole to the region where it starts,
                 * even past a smaller region that shadows part of it (the
                 * byte-wide 0xcf9 inside the 4-byte 0xcf8 register). */
                chunk = len;
            }
            if (r->mr->kind == MR_IO) {
                MemTxResult rr = io_rw(as, r, addr, buf, chunk, is_write);
                res = rr ? rr : res;
            } else {
                uint8_t *host = r->mr->ram + r->offset + (addr - r->start);
                if (!is_write) {
                    memcpy(buf, host, chunk);
                } else if (!r->readonly) {
                    memcpy(host, buf, chunk);
                }
            }
        }
        buf += chunk;
        addr += chunk;
        len -= chunk;
    }
    return res;
}

MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                               uint64_t len)
{
    return address_space_rw(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, uint64_t addr,
                                const void *buf, uint64_t len)
{
    return address_space_rw(as, addr, (void *)buf, len, true);
}

void *address_space_map_ram(AddressSpace *as, uint64_t addr, uint64_t len,
                            bool is_write)
{
    const FlatRange *r = flatview_lookup(as->view, addr);
    if (!r || r->mr->kind == MR_IO || (is_write && r->readonly) ||
        len > r->start + r->size - addr) {
        return NULL;
    }
    return r->mr->ram + r->offset + (addr - r->start);
}
