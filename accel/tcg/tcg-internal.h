/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software CPU's machinery that does not depend on the guest's
 * instruction set: translation blocks and their cache, the software TLB
 * entry layout, and the guest-physical RAM map. See docs/devel/tcg.md.
 */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define TCG_PAGE_BITS 12
#define TCG_PAGE_SIZE (1u << TCG_PAGE_BITS)
#define TCG_PAGE_MASK (~(uint64_t)(TCG_PAGE_SIZE - 1))

/* --- Software TLB --- */

#define TLB_BITS 10
#define TLB_SIZE (1u << TLB_BITS)

/* Flag bits in a TLB tag's page offset. A set flag makes the fast path's
 * compare fail, so the access takes the slow path, which reads them. */
enum {
    TLB_MMIO = 1 << 5,      /* not RAM: dispatch through the memory API */
    TLB_CODE = 1 << 6,      /* the page holds translated code */
    TLB_SMAP = 1 << 7,      /* a user page in the kernel TLB under SMAP:
                               allowed only while EFLAGS.AC is set */
};
#define TLB_INVALID (~(uint64_t)0)

/* One virtual page for one privilege level. Each tag is the page address
 * (plus flags) if that kind of access is allowed, else TLB_INVALID. */
typedef struct TLBEntry {
    uint64_t read, write, code;
    uintptr_t addend;       /* host address = guest linear address + addend */
} TLBEntry;

/* What the slow path needs to know about an entry. */
typedef struct TLBPhys {
    uint64_t paddr;         /* guest-physical page address */
    bool global;            /* a global page: kept across CR3 writes */
    bool large;             /* part of a 2 MiB / 4 MiB / 1 GiB page */
} TLBPhys;

/* --- Guest-physical RAM map (followed from address_space_memory) --- */

typedef struct PhysRange {
    uint64_t start, size;
    uint8_t *host;          /* NULL: MMIO or unassigned */
    bool readonly;
} PhysRange;

typedef struct PhysMap {
    unsigned nr;
    uint64_t epoch;
    PhysRange r[];
} PhysMap;

/* The current map; a vCPU takes it at the top of its loop (phys_map_get)
 * and keeps using it until the next time, so a map is freed only once every
 * vCPU has moved on (see phys_map_quiesce). */
void phys_map_init(void);
PhysMap *phys_map_get(void);
uint64_t phys_map_epoch(void);
const PhysRange *phys_map_lookup(const PhysMap *map, uint64_t paddr);
/* Epoch of the last change of RAM placement (TBs must go). */
uint64_t phys_map_ram_epoch(void);

/* --- Translation blocks --- */

typedef struct Insn Insn;
typedef struct TB TB;

/* A run of guest code translated once: keyed by where it is (physical
 * address) and how it decodes (virtual pc, CS base, mode flags). */
struct TB {
    uint64_t pc;            /* linear address of the first instruction */
    uint64_t cs_base;
    uint32_t flags;         /* mode bits that change decoding */
    uint16_t ninsns;        /* records in insns, including the final exit */
    uint16_t size;          /* guest bytes */
    uint64_t phys_pc;       /* physical address of the first byte */
    uint64_t page2;         /* physical page of the last byte if it differs
                               from phys_pc's, else ~0 */
    TB *hash_next;
    uintptr_t page_next[2]; /* the lists of TBs on each page (tb | n) */
    TB *jmp_dest[2];        /* chained successors */
    uintptr_t jmp_next[2];  /* in the successor's list of predecessors */
    uintptr_t jmp_first;    /* predecessors chained to this TB */
    bool invalid;
    Insn *insns;
    void *jit_code;         /* generated host code, or NULL: interpreted */
};

#define JC_BITS 12
#define JC_SIZE (1u << JC_BITS)

/* Jump-cache slot: the slots of one page are together, so a page's
 * entries can be dropped (invlpg) without a scan. */
static inline unsigned jc_hash(uint64_t pc)
{
    unsigned page = (pc >> TCG_PAGE_BITS) & ((1u << (JC_BITS - 6)) - 1);
    unsigned off = (pc ^ (pc >> 6)) & 63;
    return page << 6 | off;
}

void tb_cache_init(void);
/* The size of one IR record (the target's Insn). */
void tb_set_insn_size(size_t size);
/* The TB for (phys_pc, pc, cs_base, flags), or NULL. page2 of a
 * two-page TB must match the caller's mapping of its second page. */
TB *tb_lookup_phys(uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                   uint32_t flags, uint64_t (*page2_of)(void *, uint64_t),
                   void *opaque);
/* Space for a TB with up to `ninsns` records; NULL when the cache is full
 * (flush, then try again). */
TB *tb_alloc(unsigned ninsns);
/* Shrinks the last allocation to what was used and enters it. */
void tb_commit(TB *tb);
/* Chains src's exit `slot` to dst. */
void tb_link(TB *src, int slot, TB *dst);
/* Invalidates every TB with code in [paddr, paddr + len). Returns whether
 * `current` (the running TB) was among them. */
bool tb_invalidate_phys_range(uint64_t paddr, uint64_t len, TB *current);
/* Whether the physical page holds translated code. */
bool tb_page_has_code(uint64_t paddr);
/* Drops every TB (the arena is reused). Only with no TB running. */
void tb_flush_all(void);
/* Counters for -d and tests. */
unsigned tb_count(void);

/* Hooks into the vCPUs, provided by the CPU side: clear jump caches,
 * mark TLB entries of a page as holding code. */
void tcg_cpus_jmp_cache_remove(TB *tb);
void tcg_cpus_jmp_cache_clear(void);
void tcg_cpus_tlb_set_code(uint64_t paddr, bool code);
/* Ask every vCPU to flush its TLB and jump cache before running again. */
void tcg_cpus_request_flush(void);
/* Whether a vCPU may still be using map m. */
bool tcg_cpus_map_in_use(const PhysMap *m);

/* Called when a TB is invalidated while it runs: makes its remaining
 * records leave to the loop at their own start address. */
void tcg_tb_poison(TB *tb, const Insn *from);

/* -d in_asm: the guest code of a new TB, disassembled. */
void tcg_log_in_asm(uint64_t pc, const uint8_t *code, size_t len, int bits);
/* Length of the instruction at code (at guest address addr) as capstone
 * sees it: 0 if invalid, -1 without capstone; its text into text. */
int tcg_capstone_insn_len(const uint8_t *code, size_t len, int bits,
                          uint64_t addr, char *text, size_t text_size);

#endif
