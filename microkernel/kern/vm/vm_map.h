/*
 * A task's mappings of memory objects (regions), beside its page-table
 * owned memory (kern/vm/vm.h).
 *
 * A task's regions never overlap; they sit in an AVL tree keyed by start
 * (task->regions) with the last one found as a hint. Map, unmap and
 * protect find regions in O(log regions) and touch page tables through
 * range walks (sv39_next_leaf), so they cost the pages actually mapped,
 * never the length of the range.
 */
#ifndef KERN_VM_MAP_H
#define KERN_VM_MAP_H

#include "arch/riscv/sv39.h"
#include "kern/vm/vm_object.h"

/* sv39_walk in k's address space, through its one-table cache (struct
 * task): a hit is an index into the level-0 table the last walk ended
 * in. */
static inline pte_t *task_pte(struct task *k, uaddr_t va, bool alloc)
{
	if ((va >> 21) == k->pte_cache_key)
		return &k->pte_cache_l0[(va >> 12) & 0x1ff];
	pte_t *e = sv39_walk(k->pt_root, va, alloc);
	if (e) {
		k->pte_cache_key = va >> 21;
		k->pte_cache_l0 = e - ((va >> 12) & 0x1ff);
	}
	return e;
}

/* Maps len bytes of o at offset (bytes) at va. prot: VM_R/W/X; flags:
 * VM_SHARED or VM_PRIVATE. Checked fully before anything changes. */
int64_t vm_map(struct task *t, struct vm_object *o, uaddr_t va, uint64_t len,
	       uint64_t offset, uint32_t prot, uint32_t flags);

/* Unmaps [va, va+len) from the regions: regions inside go, regions
 * partly inside are trimmed, one strictly containing the range is split.
 * -E_NOMEM (nothing changed) if the split finds no memory. */
int vm_unmap_regions(struct task *t, uaddr_t va, uint64_t len);

/* Changes the protection of the region that starts at va and is len long. */
int64_t vm_protect(struct task *t, uaddr_t va, uint64_t len, uint32_t prot);

/* The region holding va, or NULL. The task's last hit is tried first
 * (a fault, its supply and the resumed access all look up one address),
 * then the gap of the last miss (a pager's own pages, which every supply
 * checks are no region's), then the tree: O(log regions). Inline: every
 * fault looks up twice. */
struct vm_region *vm_region_lookup(struct task *t, uaddr_t va);
static inline struct vm_region *vm_region_find(struct task *t, uaddr_t va)
{
	struct vm_region *r = t->region_hint;
	if (r && va - r->start < r->end - r->start)
		return r;
	if (va - t->region_gap_lo < t->region_gap_hi - t->region_gap_lo)
		return 0;
	return vm_region_lookup(t, va);
}

/* The first region that ends above va (the one holding va, else the next
 * one up), or NULL; leaves the lookup hints alone (for SYS_VM_REGIONS). */
struct vm_region *vm_region_next(struct task *t, uaddr_t va);

/* Whether any region overlaps [va, va+len): O(log regions). */
bool vm_region_overlaps(struct task *t, uaddr_t va, uint64_t len);

/* Maps one resident page of r's object at va (writable if the region
 * and the page allow). */
int vm_map_page(struct vm_region *r, uaddr_t va, uint32_t access);
/* Maps the frame of page-cache entry e at va: r's object's own page
 * (own), or read-only a page of an object below it in the shadow chain. */
int vm_map_entry(struct vm_region *r, uaddr_t va, uint64_t e, bool own);
/* Fault-around for a supply of n pages from page first of r's object:
 * each resident one in r that is not mapped is mapped as vm_map_entry
 * would (own). slots[i]: page first+i's page-cache slot. */
void vm_map_around(struct vm_region *r, uint64_t first, uint64_t n, uint64_t *const *slots);

/* Task teardown: every region goes. */
void vm_task_exit(struct task *t);

#endif
