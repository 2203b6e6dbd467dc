/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software TLB's slow paths: filling an entry from a page walk and
 * the RAM map, MMIO through the memory API with the big lock, stores to
 * pages holding translated code (which invalidate the TBs they overlap),
 * accesses that cross a page, and flushes (all, all but global pages,
 * one page: Intel SDM vol. 3, 4.10.4).
 */
#include "target/i386/tcg/x86-tcg.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"

/* An entry that allows no access. */
#define TLB_EMPTY ((TLBEntry){ TLB_INVALID, TLB_INVALID, TLB_INVALID, 0 })

void tlb_flush(X86Tcg *t)
{
    memset(t->tlb_table, 0xff, sizeof(t->tlb_table));
    memset(t->jmp_cache, 0, sizeof(t->jmp_cache));
    t->tlb_large = false;
}

/* Whether the entry still maps page la the way it did when TBs reached
 * through the jump cache were found (a kept global code mapping). */
static bool tlb_keeps_code_page(X86Tcg *t, uint64_t la)
{
    unsigned idx = (la >> TCG_PAGE_BITS) & (TLB_SIZE - 1);
    for (int m = 0; m < MMU_COUNT; m++) {
        uint64_t code = t->tlb_table[m][idx].code;
        if (code != TLB_INVALID && (code & TCG_PAGE_MASK) == (la & TCG_PAGE_MASK) &&
            t->tlb_phys[m][idx].global) {
            return true;
        }
    }
    return false;
}

void tlb_flush_nonglobal(X86Tcg *t)
{
    bool large = false;
    for (int m = 0; m < MMU_COUNT; m++) {
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            /* TLBPhys of an invalid entry may be stale: it does not matter. */
            TLBPhys *p = &t->tlb_phys[m][k];
            if (!p->global) {
                t->tlb_table[m][k] = TLB_EMPTY;
            } else if (t->tlb_table[m][k].read != TLB_INVALID) {
                large |= p->large;
            }
        }
    }
    /* TBs on kept global pages stay reachable from the jump cache. */
    for (unsigned k = 0; k < JC_SIZE; k++) {
        TB *tb = t->jmp_cache[k];
        if (tb && (tb->page2 != ~(uint64_t)0 || !tlb_keeps_code_page(t, tb->pc))) {
            t->jmp_cache[k] = NULL;
        }
    }
    t->tlb_large = large;
}

/* The jump-cache slots of the TBs that may start on page la. */
static void jmp_cache_clear_page(X86Tcg *t, uint64_t la)
{
    unsigned base = jc_hash(la & TCG_PAGE_MASK) & ~63u;
    memset(&t->jmp_cache[base], 0, 64 * sizeof(TB *));
}

/* Drops the entries that come from large pages (4 KiB pieces of them sit
 * at other indexes), and the jump cache, which may lead into them. */
static void tlb_flush_large(X86Tcg *t)
{
    for (int m = 0; m < MMU_COUNT; m++) {
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            if (t->tlb_phys[m][k].large) {
                t->tlb_table[m][k] = TLB_EMPTY;
                t->tlb_phys[m][k].large = false;
            }
        }
    }
    memset(t->jmp_cache, 0, sizeof(t->jmp_cache));
    t->tlb_large = false;
}

void tlb_flush_page(X86Tcg *t, uint64_t la)
{
    if (t->tlb_large) {
        tlb_flush_large(t);     /* the page may be part of a large one */
    }
    unsigned idx = (la >> TCG_PAGE_BITS) & (TLB_SIZE - 1);
    for (int m = 0; m < MMU_COUNT; m++) {
        t->tlb_table[m][idx] = TLB_EMPTY;
    }
    jmp_cache_clear_page(t, la);
    jmp_cache_clear_page(t, la - TCG_PAGE_SIZE);    /* TBs crossing into it */
}

static bool canonical(uint64_t la)
{
    return (int64_t)(la << 16) >> 16 == (int64_t)la;
}

/* Installs the entry for la from a successful walk. */
static TLBEntry *tlb_install(X86Tcg *t, uint64_t la, int mmu_idx, const PageWalk *w)
{
    uint64_t page = la & TCG_PAGE_MASK, ppage = w->paddr & TCG_PAGE_MASK;
    unsigned idx = (la >> TCG_PAGE_BITS) & (TLB_SIZE - 1);
    TLBEntry *e = &t->tlb_table[mmu_idx][idx];
    const PhysRange *r = phys_map_lookup(t->map, ppage);
    uint64_t flags = 0;
    e->addend = 0;
    if (r && r->host) {
        e->addend = (uintptr_t)(r->host + (ppage - r->start)) - page;
    } else {
        flags = TLB_MMIO;
    }
    /* Under SMAP the kernel's data accesses to a user page take the slow
     * path, which checks EFLAGS.AC (and the CPL) each time. */
    uint64_t smap = mmu_idx == MMU_KERNEL && w->user &&
                    (t->env->cr4 & CR4_SMAP) ? TLB_SMAP : 0;
    e->read = page | flags | smap;
    e->code = w->exec ? page | flags : TLB_INVALID;
    if (w->writable && w->dirty) {
        uint64_t wflags = flags | smap;
        if (r && r->readonly) {
            wflags |= TLB_MMIO;
        }
        if (!wflags && tb_page_has_code(ppage)) {
            wflags |= TLB_CODE;
        }
        e->write = page | wflags;
    } else {
        e->write = TLB_INVALID;
    }
    t->tlb_phys[mmu_idx][idx] = (TLBPhys){ ppage, w->global, w->large };
    if (w->large) {
        t->tlb_large = true;
    }
    log_mask_printf(LOG_MMU, "tcg: tlb %d: %016" G_GINT64_MODIFIER "x -> %"
                    G_GINT64_MODIFIER "x%s%s%s\n", mmu_idx, page, ppage,
                    flags ? " mmio" : "", e->write == TLB_INVALID ? " ro" : "",
                    e->code == TLB_INVALID ? " nx" : "");
    return e;
}

TLBEntry *tlb_fill(X86Tcg *t, uint64_t la, int access, int mmu_idx)
{
    PageWalk w;
    uint32_t error;
    if ((t->env->efer & EFER_LMA) && !canonical(la)) {
        raise_gp(t, 0);
    }
    if (!x86_page_walk(t, la, access, mmu_idx, &w, &error)) {
        t->env->cr2 = la;
        log_mask_printf(LOG_MMU, "tcg: #PF at %016" G_GINT64_MODIFIER
                        "x error 0x%x\n", la, error);
        x86_raise(t, EXCP_PF, error);
    }
    return tlb_install(t, la, mmu_idx, &w);
}

/* The entry for la good for `access`, filling it if needed. */
static TLBEntry *tlb_get(X86Tcg *t, uint64_t la, int access, int mmu_idx)
{
    TLBEntry *e = &t->tlb_table[mmu_idx][(la >> TCG_PAGE_BITS) & (TLB_SIZE - 1)];
    uint64_t tag = access == ACC_WRITE ? e->write : access == ACC_EXEC ? e->code
                                                                       : e->read;
    if (tag == TLB_INVALID || (tag & TCG_PAGE_MASK) != (la & TCG_PAGE_MASK) ||
        ((tag & TLB_SMAP) && x86_smap_blocks(t))) {
        e = tlb_fill(t, la, access, mmu_idx);
    }
    return e;
}

static uint64_t tlb_paddr(X86Tcg *t, const TLBEntry *e, int mmu_idx, uint64_t la)
{
    unsigned idx = e - t->tlb_table[mmu_idx];
    return t->tlb_phys[mmu_idx][idx].paddr | (la & (TCG_PAGE_SIZE - 1));
}

static bool crosses_page(uint64_t la, unsigned size)
{
    return (la & (TCG_PAGE_SIZE - 1)) + size > TCG_PAGE_SIZE;
}

static uint64_t mmio_read(X86Tcg *t, uint64_t paddr, unsigned size)
{
    uint64_t v = 0;
    bql_lock();
    address_space_read(&address_space_memory, paddr, &v, size);
    x86_after_device_access(t);
    bql_unlock();
    return v;
}

static void mmio_write(X86Tcg *t, uint64_t paddr, unsigned size, uint64_t v)
{
    bql_lock();
    address_space_write(&address_space_memory, paddr, &v, size);
    x86_after_device_access(t);
    bql_unlock();
}

uint64_t tlb_load_slow(X86Tcg *t, uint64_t la, unsigned size, int mmu_idx)
{
    if (crosses_page(la, size)) {
        uint64_t la2 = (la + size - 1) & TCG_PAGE_MASK & t->la_mask;
        tlb_get(t, la, ACC_READ, mmu_idx);
        tlb_get(t, la2, ACC_READ, mmu_idx);
        uint64_t v = 0;
        for (unsigned k = 0; k < size; k++) {
            v |= tlb_load_slow(t, (la + k) & t->la_mask, 1, mmu_idx) << (8 * k);
        }
        return v;
    }
    TLBEntry *e = tlb_get(t, la, ACC_READ, mmu_idx);
    if (e->read & TLB_MMIO) {
        return mmio_read(t, tlb_paddr(t, e, mmu_idx, la), size);
    }
    uint64_t v = 0;
    memcpy(&v, (void *)(uintptr_t)(la + e->addend), size);
    return v;
}

/* A store to a page with translated code: drop the TBs it overwrites
 * (leaving the running one through its remaining records). */
static void store_to_code(X86Tcg *t, uint64_t paddr, unsigned size)
{
    if (tb_invalidate_phys_range(paddr, size, t->tb) && t->tb) {
        tcg_tb_poison(t->tb, t->cur);
    }
}

void tlb_store_slow(X86Tcg *t, uint64_t la, unsigned size, uint64_t v,
                    int mmu_idx)
{
    if (crosses_page(la, size)) {
        uint64_t la2 = (la + size - 1) & TCG_PAGE_MASK & t->la_mask;
        tlb_get(t, la, ACC_WRITE, mmu_idx);
        tlb_get(t, la2, ACC_WRITE, mmu_idx);
        for (unsigned k = 0; k < size; k++) {
            tlb_store_slow(t, (la + k) & t->la_mask, 1, v >> (8 * k), mmu_idx);
        }
        return;
    }
    TLBEntry *e = tlb_get(t, la, ACC_WRITE, mmu_idx);
    uint64_t paddr = tlb_paddr(t, e, mmu_idx, la);
    if (e->write & TLB_MMIO) {
        mmio_write(t, paddr, size, v);
        return;
    }
    if (e->write & TLB_CODE) {
        store_to_code(t, paddr, size);
    }
    memcpy((void *)(uintptr_t)(la + e->addend), &v, size);
}

void *tlb_rmw_ptr(X86Tcg *t, uint64_t la, unsigned size)
{
    if (crosses_page(la, size)) {
        tlb_get(t, la, ACC_WRITE, t->mmu_idx);
        tlb_get(t, (la + size - 1) & TCG_PAGE_MASK & t->la_mask, ACC_WRITE, t->mmu_idx);
        return NULL;
    }
    TLBEntry *e = tlb_get(t, la, ACC_WRITE, t->mmu_idx);
    if (e->write & (TLB_MMIO | TLB_CODE)) {
        return NULL;
    }
    return (void *)(uintptr_t)(la + e->addend);
}

uint64_t ld_kernel(X86Tcg *t, uint64_t la, unsigned size)
{
    return tlb_load_slow(t, la, size, MMU_KERNEL);
}

void st_kernel(X86Tcg *t, uint64_t la, unsigned size, uint64_t v)
{
    tlb_store_slow(t, la, size, v, MMU_KERNEL);
}

void guest_read(X86Tcg *t, uint64_t la, void *buf, unsigned len)
{
    TLBEntry *e = tlb_entry(t, la);
    if (tlb_hit(e->read, la, len)) {        /* RAM, all on one page */
        memcpy(buf, (void *)(uintptr_t)(la + e->addend), len);
        return;
    }
    uint8_t *p = buf;
    for (unsigned k = 0; k < len; k++) {
        p[k] = ld8(t, (la + k) & t->la_mask);
    }
}

void guest_write(X86Tcg *t, uint64_t la, const void *buf, unsigned len)
{
    TLBEntry *e = tlb_entry(t, la);
    if (tlb_hit(e->write, la, len)) {       /* RAM without code, one page */
        memcpy((void *)(uintptr_t)(la + e->addend), buf, len);
        return;
    }
    const uint8_t *p = buf;
    /* Every page first, so a fault leaves memory as it was. */
    for (uint64_t a = la & TCG_PAGE_MASK; a < la + len; a += TCG_PAGE_SIZE) {
        tlb_get(t, MAX(a, la) & t->la_mask, ACC_WRITE, t->mmu_idx);
    }
    for (unsigned k = 0; k < len; k++) {
        st8(t, (la + k) & t->la_mask, p[k]);
    }
}

const uint8_t *tlb_code_ptr(X86Tcg *t, uint64_t la, bool may_fault,
                            uint64_t *paddr)
{
    int m = t->mmu_idx;
    TLBEntry *e = &t->tlb_table[m][(la >> TCG_PAGE_BITS) & (TLB_SIZE - 1)];
    if (e->code == TLB_INVALID || (e->code & TCG_PAGE_MASK) != (la & TCG_PAGE_MASK)) {
        if (may_fault) {
            e = tlb_fill(t, la, ACC_EXEC, m);
        } else {
            PageWalk w;
            uint32_t error;
            if (((t->env->efer & EFER_LMA) && !canonical(la)) ||
                !x86_page_walk(t, la, ACC_EXEC, m, &w, &error)) {
                return NULL;
            }
            e = tlb_install(t, la, m, &w);
        }
    }
    if (e->code & TLB_MMIO) {
        return NULL;
    }
    *paddr = tlb_paddr(t, e, m, la);
    return (const uint8_t *)(uintptr_t)(la + e->addend);
}
