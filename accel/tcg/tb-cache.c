/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The translation-block cache: TBs live in one arena, are found by a hash
 * of their physical address and mode, are listed per physical page so a
 * write to code invalidates exactly the TBs it overlaps, and keep lists of
 * the TBs chained to them so invalidation can unchain. When the arena is
 * full everything is flushed. All of it runs with the vCPU turn held
 * (docs/devel/tcg.md), so there is no locking here.
 */
#include "accel/tcg/tcg-internal.h"
#include <sys/mman.h>

#define ARENA_SIZE (256u << 20)
#define HASH_BITS 16
#define HASH_SIZE (1u << HASH_BITS)

/* Size of one IR record; set by the target (tb_set_insn_size). */
static size_t insn_size = 48;
static uint8_t *arena;
static size_t arena_used;
static TB *hash_table[HASH_SIZE];
static GHashTable *pages;           /* physical page -> uintptr_t list head */
static unsigned ntbs;

void tb_set_insn_size(size_t size)
{
    insn_size = size;
}

void tb_cache_init(void)
{
    if (arena) {
        return;
    }
    /* Reserved, not committed: pages are touched as TBs are made. */
    arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (arena == MAP_FAILED) {
        g_error("tcg: cannot reserve %u MiB for translated code", ARENA_SIZE >> 20);
    }
    pages = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static unsigned tb_hash(uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ULL ^ (pc >> 3) ^ ((uint64_t)flags << 40);
    return (h ^ (h >> 29)) & (HASH_SIZE - 1);
}

TB *tb_lookup_phys(uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                   uint32_t flags, uint64_t (*page2_of)(void *, uint64_t),
                   void *opaque)
{
    for (TB *tb = hash_table[tb_hash(phys_pc, pc, flags)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
            tb->flags == flags) {
            if (tb->page2 != ~(uint64_t)0 &&
                page2_of(opaque, (pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE) != tb->page2) {
                continue;
            }
            return tb;
        }
    }
    return NULL;
}

TB *tb_alloc(unsigned ninsns)
{
    size_t need = sizeof(TB) + ninsns * insn_size;
    need = (need + 63) & ~(size_t)63;
    if (arena_used + need > ARENA_SIZE) {
        return NULL;
    }
    TB *tb = (TB *)(arena + arena_used);
    tb->insns = (Insn *)((uint8_t *)tb + sizeof(TB));
    return tb;
}

static void page_list_add(TB *tb, int n, uint64_t page)
{
    gpointer key = (gpointer)(uintptr_t)page;
    uintptr_t head = (uintptr_t)g_hash_table_lookup(pages, key);
    if (!head) {
        tcg_cpus_tlb_set_code(page, true);
    }
    tb->page_next[n] = head;
    g_hash_table_insert(pages, key, (gpointer)((uintptr_t)tb | n));
}

void tb_commit(TB *tb)
{
    size_t used = sizeof(TB) + tb->ninsns * insn_size;
    used = (used + 63) & ~(size_t)63;
    arena_used += used;
    tb->hash_next = NULL;
    tb->jmp_dest[0] = tb->jmp_dest[1] = NULL;
    tb->jmp_next[0] = tb->jmp_next[1] = 0;
    tb->jmp_first = 0;
    tb->invalid = false;
    unsigned h = tb_hash(tb->phys_pc, tb->pc, tb->flags);
    tb->hash_next = hash_table[h];
    hash_table[h] = tb;
    page_list_add(tb, 0, tb->phys_pc & TCG_PAGE_MASK);
    if (tb->page2 != ~(uint64_t)0) {
        page_list_add(tb, 1, tb->page2);
    }
    ntbs++;
}

void tb_link(TB *src, int slot, TB *dst)
{
    if (src->jmp_dest[slot] || src->invalid || dst->invalid) {
        return;
    }
    src->jmp_dest[slot] = dst;
    src->jmp_next[slot] = dst->jmp_first;
    dst->jmp_first = (uintptr_t)src | slot;
}

/* Removes (src, slot) from dst's list of predecessors. */
static void jmp_list_remove(TB *dst, TB *src, int slot)
{
    uintptr_t *p = &dst->jmp_first;
    uintptr_t want = (uintptr_t)src | slot;
    while (*p) {
        TB *t = (TB *)(*p & ~(uintptr_t)1);
        int n = *p & 1;
        if (*p == want) {
            *p = t->jmp_next[n];
            return;
        }
        p = &t->jmp_next[n];
    }
}

static void hash_remove(TB *tb)
{
    TB **p = &hash_table[tb_hash(tb->phys_pc, tb->pc, tb->flags)];
    while (*p) {
        if (*p == tb) {
            *p = tb->hash_next;
            return;
        }
        p = &(*p)->hash_next;
    }
}

static void page_list_remove(TB *tb, int n, uint64_t page)
{
    gpointer key = (gpointer)(uintptr_t)page;
    uintptr_t head = (uintptr_t)g_hash_table_lookup(pages, key);
    uintptr_t want = (uintptr_t)tb | n;
    uintptr_t *p = &head;
    while (*p) {
        TB *t = (TB *)(*p & ~(uintptr_t)1);
        int k = *p & 1;
        if (*p == want) {
            *p = t->page_next[k];
            break;
        }
        p = &t->page_next[k];
    }
    if (head) {
        g_hash_table_insert(pages, key, (gpointer)head);
    } else {
        g_hash_table_remove(pages, key);
        tcg_cpus_tlb_set_code(page, false);
    }
}

static void tb_invalidate(TB *tb)
{
    tb->invalid = true;
    hash_remove(tb);
    tcg_cpus_jmp_cache_remove(tb);
    /* Unchain the predecessors... */
    for (uintptr_t p = tb->jmp_first; p;) {
        TB *src = (TB *)(p & ~(uintptr_t)1);
        int n = p & 1;
        src->jmp_dest[n] = NULL;
        p = src->jmp_next[n];
    }
    tb->jmp_first = 0;
    /* ...and leave the successors' lists. */
    for (int n = 0; n < 2; n++) {
        if (tb->jmp_dest[n]) {
            jmp_list_remove(tb->jmp_dest[n], tb, n);
            tb->jmp_dest[n] = NULL;
        }
    }
    page_list_remove(tb, 0, tb->phys_pc & TCG_PAGE_MASK);
    if (tb->page2 != ~(uint64_t)0) {
        page_list_remove(tb, 1, tb->page2);
    }
    ntbs--;
}

/* Whether tb's guest bytes overlap [start, end). */
static bool tb_overlaps(const TB *tb, uint64_t start, uint64_t end)
{
    uint64_t first = tb->phys_pc;
    uint64_t first_end = MIN(first + tb->size,
                             (first & TCG_PAGE_MASK) + TCG_PAGE_SIZE);
    if (first < end && start < first_end) {
        return true;
    }
    if (tb->page2 != ~(uint64_t)0) {
        uint64_t rest = tb->size - (first_end - first);
        return tb->page2 < end && start < tb->page2 + rest;
    }
    return false;
}

bool tb_invalidate_phys_range(uint64_t paddr, uint64_t len, TB *current)
{
    bool hit_current = false;
    uint64_t end = paddr + len;
    for (uint64_t page = paddr & TCG_PAGE_MASK; page < end; page += TCG_PAGE_SIZE) {
        uintptr_t p = (uintptr_t)g_hash_table_lookup(pages, (gpointer)(uintptr_t)page);
        while (p) {
            TB *tb = (TB *)(p & ~(uintptr_t)1);
            int n = p & 1;
            p = tb->page_next[n];
            if (tb_overlaps(tb, paddr, end)) {
                hit_current |= tb == current;
                tb_invalidate(tb);
            }
        }
    }
    return hit_current;
}

bool tb_page_has_code(uint64_t paddr)
{
    return pages && g_hash_table_contains(pages, (gpointer)(uintptr_t)(paddr & TCG_PAGE_MASK));
}

void tb_flush_all(void)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, pages);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        tcg_cpus_tlb_set_code((uintptr_t)key, false);
    }
    g_hash_table_remove_all(pages);
    memset(hash_table, 0, sizeof(hash_table));
    tcg_cpus_jmp_cache_clear();
    /* Give the pages back to the host; the reservation stays. */
    if (arena_used > (16u << 20)) {
        madvise(arena, arena_used, MADV_DONTNEED);
    }
    arena_used = 0;
    ntbs = 0;
}

unsigned tb_count(void)
{
    return ntbs;
}
