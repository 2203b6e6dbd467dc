/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paging (Intel SDM vol. 3, ch. 4): 32-bit two-level tables with 4 MiB
 * PSE pages, PAE three-level tables, and 4-level tables in long mode with
 * 2 MiB and 1 GiB pages; U/S and R/W checks with CR0.WP, NX, SMEP and
 * SMAP (4.6), reserved bits, accessed and dirty bits, and #PF error codes.
 */
#include "target/i386/tcg/x86-tcg.h"
#include "vireo/main-loop.h"
#include "vireo/memory.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PHYS_MASK 0x000000fffffff000ULL     /* 40 physical address bits */
#define PTE_RSVD_HIGH 0x000fff0000000000ULL /* bits 51:40, beyond MAXPHYADDR */
#define PDPTE_PAE_RSVD 0x1e6ULL             /* PAE PDPTE bits 2:1, 8:5 */
#define EFER_NXE (1u << 11)

/* A paging-structure entry in guest-physical memory. */
typedef struct PteRef {
    uint64_t paddr;
    void *host;             /* NULL: not RAM */
    unsigned size;          /* 4 or 8 */
} PteRef;

static uint64_t pte_load(X86Tcg *t, PteRef *r, uint64_t paddr, unsigned size)
{
    const PhysRange *pr = phys_map_lookup(t->map, paddr);
    r->paddr = paddr;
    r->size = size;
    r->host = pr && pr->host ? pr->host + (paddr - pr->start) : NULL;
    uint64_t v = 0;
    if (r->host) {
        memcpy(&v, r->host, size);
    } else {
        bql_lock();
        address_space_read(&address_space_memory, paddr, &v, size);
        bql_unlock();
    }
    return v;
}

/* Sets bits (A, D) in an entry, atomically against other vCPUs' walks. */
static void pte_set_bits(PteRef *r, uint64_t old, uint64_t bits)
{
    if ((old & bits) == bits) {
        return;
    }
    if (r->host) {
        if (r->size == 8) {
            __atomic_fetch_or((uint64_t *)r->host, bits, __ATOMIC_RELAXED);
        } else {
            __atomic_fetch_or((uint32_t *)r->host, (uint32_t)bits, __ATOMIC_RELAXED);
        }
        return;
    }
    uint64_t v = old | bits;
    bql_lock();
    address_space_write(&address_space_memory, r->paddr, &v, r->size);
    bql_unlock();
}

static bool fault(uint32_t *error, uint32_t bits)
{
    *error = bits;
    return false;
}

bool x86_smap_blocks(X86Tcg *t)
{
    /* Implicit supervisor accesses (at CPL 3) ignore EFLAGS.AC. */
    return (t->env->cr4 & CR4_SMAP) && (t->cpl == 3 || !(t->eflags & F_AC));
}

/* Reserved bits of a PAE or 4-level entry at `level` (SDM 4.4.2, 4.5.4). */
static uint64_t pte_reserved(uint64_t e, int level, bool nxe)
{
    uint64_t rsvd = PTE_RSVD_HIGH | (nxe ? 0 : PTE_NX);
    if (level == 4) {
        rsvd |= PTE_PS;                     /* no 512 GiB pages */
    }
    if (level > 1 && (e & PTE_PS)) {
        /* Large page: the address bits below its size, except PAT (12). */
        uint64_t size = level == 3 ? 1ULL << 30 : 1ULL << 21;
        rsvd |= (size - 1) & ~0x1fffULL;
    }
    return e & rsvd;
}

bool x86_page_walk(X86Tcg *t, uint64_t la, int access, int mmu_idx,
                   PageWalk *w, uint32_t *error)
{
    X86State *env = t->env;
    bool user = mmu_idx == MMU_USER, write = access == ACC_WRITE;
    bool fetch = access == ACC_EXEC;
    bool nxe = (env->efer & EFER_NXE) && (env->cr4 & CR4_PAE);
    bool smep = !user && (env->cr4 & CR4_SMEP);
    uint32_t ec = (write ? PFERR_W : 0) | (user ? PFERR_U : 0) |
                  (fetch && (nxe || (env->cr4 & CR4_SMEP)) ? PFERR_I : 0);
    *w = (PageWalk){ 0 };
    if (!(env->cr0 & CR0_PG)) {
        w->paddr = la & ((env->efer & EFER_LMA) ? ~(uint64_t)0 : 0xffffffffu);
        w->writable = w->user = w->exec = w->dirty = true;
        return true;
    }
    PteRef refs[4];
    uint64_t ents[4];
    int levels, n = 0;
    unsigned size = 8;
    uint64_t table;
    if (env->efer & EFER_LMA) {
        levels = 4;
        table = env->cr3 & PHYS_MASK;
    } else if (env->cr4 & CR4_PAE) {
        /* The PDPTE: present, no permission bits. */
        uint64_t pdpte = pte_load(t, &refs[0], (env->cr3 & 0xffffffe0) +
                                  ((la >> 30) & 3) * 8, 8);
        if (!(pdpte & PTE_P)) {
            return fault(error, ec);
        }
        if (pdpte & (PDPTE_PAE_RSVD | PTE_RSVD_HIGH | PTE_NX)) {
            return fault(error, ec | PFERR_P | PFERR_RSVD);
        }
        levels = 2;
        table = pdpte & PHYS_MASK;
    } else {
        levels = 2;
        size = 4;
        table = env->cr3 & 0xfffff000;
    }
    bool rw = true, us = true, nx = false, large = false;
    uint64_t page_base = 0, page_mask = 0xfff, e = 0;
    for (int level = levels; level >= 1; level--) {
        unsigned shift = size == 4 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
        unsigned idx = (la >> shift) & (size == 4 ? 0x3ff : 0x1ff);
        e = pte_load(t, &refs[n], table + idx * size, size);
        ents[n++] = e;
        if (!(e & PTE_P)) {
            return fault(error, ec);
        }
        if (size == 8 && pte_reserved(e, level, nxe)) {
            return fault(error, ec | PFERR_P | PFERR_RSVD);
        }
        rw = rw && (e & PTE_RW);
        us = us && (e & PTE_US);
        nx = nx || (nxe && (e & PTE_NX));
        bool ps_ok = level == 2 ? (size == 8 || (env->cr4 & CR4_PSE))
                                : level == 3 && levels == 4;
        if (level > 1 && (e & PTE_PS) && ps_ok) {
            large = true;
            page_mask = ((uint64_t)1 << shift) - 1;
            if (size == 4) {
                /* PSE-36: bits 13-20 give physical address bits 32-39. */
                page_base = (e & 0xffc00000) | (((e >> 13) & 0xff) << 32);
            } else {
                page_base = e & PHYS_MASK & ~page_mask;
            }
            break;
        }
        table = size == 4 ? (e & 0xfffff000) : (e & PHYS_MASK);
        if (level == 1) {
            page_base = table;
        }
    }
    /* Permissions (SDM vol. 3, 4.6). */
    if (user && !us) {
        return fault(error, ec | PFERR_P);
    }
    if (write && !rw && (user || (env->cr0 & CR0_WP))) {
        return fault(error, ec | PFERR_P);
    }
    if (fetch && nx) {
        return fault(error, ec | PFERR_P);
    }
    if (us && smep && fetch) {
        return fault(error, ec | PFERR_P);
    }
    if (us && !user && !fetch && x86_smap_blocks(t)) {
        return fault(error, ec | PFERR_P);
    }
    for (int k = 0; k < n; k++) {
        bool leaf = k == n - 1;
        pte_set_bits(&refs[k], ents[k], PTE_A | (leaf && write ? PTE_D : 0));
    }
    w->paddr = (page_base & ~page_mask) | (la & page_mask);
    w->writable = rw || (!user && !(env->cr0 & CR0_WP));
    w->dirty = write || (e & PTE_D);
    w->user = us;
    w->exec = !nx && !(us && smep);
    w->large = large;
    w->global = (e & PTE_G) && (env->cr4 & CR4_PGE);
    return true;
}
