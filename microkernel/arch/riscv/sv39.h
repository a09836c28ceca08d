/*
 * Sv39 page tables: three levels of 512 entries, 4 KiB pages.
 *
 * Pure C over the direct map, so host tests run it over fake RAM. Tables
 * come from pmm_alloc and are released by sv39_destroy_user. The upper
 * half of every root (entries 256..511) is copied from the kernel root
 * and never freed here.
 */
#ifndef ARCH_SV39_H
#define ARCH_SV39_H

#include "kern/keep_call.h"
#include "kern/phys.h"
#include "kern/types.h"

typedef uint64_t pte_t;

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_FLAGS 0x3fful
#define PTE_PPN_SHIFT 10

#define SV39_LEVELS 3
#define SV39_USER_ENTRIES 256 /* root entries below the kernel half */

static inline paddr_t pte_pa(pte_t e)
{
	return (e >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

static inline pte_t pte_make(paddr_t pa, uint64_t flags)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

/* A fresh root whose kernel half is copied from kernel_root (0: empty). */
paddr_t sv39_new_root(paddr_t kernel_root);

pte_t *sv39_walk_alloc(paddr_t root, uint64_t va);
/* The leaf entry for va under the level-1 entry l1e, which has no table
 * yet: one is made (NULL if out of memory or l1e maps a superpage). */
pte_t *sv39_walk_alloc_l0(pte_t *l1e, uint64_t va);

/* The leaf entry for va, or NULL. With alloc, missing tables are created
 * (NULL then means out of memory). Inline: faults and supplies walk
 * several times each. */
static inline pte_t *sv39_walk(paddr_t root, uint64_t va, bool alloc)
{
	if (va >> 38) /* not in the user half */
		return 0;
	pte_t e = ((pte_t *)pa_to_kva(root))[(va >> 30) & 0x1ff];
	if ((e & (PTE_V | PTE_R | PTE_W | PTE_X)) == PTE_V) {
		pte_t *l1e = &((pte_t *)pa_to_kva(pte_pa(e)))[(va >> 21) & 0x1ff];
		e = *l1e;
		if ((e & (PTE_V | PTE_R | PTE_W | PTE_X)) == PTE_V)
			return &((pte_t *)pa_to_kva(pte_pa(e)))[(va >> 12) & 0x1ff];
		/* The common miss (a new table every 512 pages): not walked again. */
		return alloc ? sv39_walk_alloc_l0(l1e, va) : 0;
	}
	/* (rarer still: a new table every GiB; keep_call, for the fast
	 * paths that inline this) */
	return alloc ? KEEP_CALL(sv39_walk_alloc, root, va) : 0;
}

/* Maps one 4 KiB page. -E_INVAL for a bad va or flags, -E_BUSY if va is
 * already mapped, -E_NOMEM if a table could not be allocated. */
int sv39_map(paddr_t root, uint64_t va, paddr_t pa, uint64_t flags);

/* Removes the mapping of va; returns its frame in *pa. -E_NOENT if none. */
int sv39_unmap(paddr_t root, uint64_t va, paddr_t *pa);

/* The first valid leaf entry for a page in [*va, end), *va page
 * aligned; *va becomes that page's address. NULL if there is none. A
 * range walk: absent tables are skipped whole (1 GiB or 2 MiB at a
 * time), so its cost follows the tables present, not the range's length.
 * Callers step past the page found and call again. */
pte_t *sv39_next_leaf(paddr_t root, uint64_t *va, uint64_t end);

/* Translates a user address for an access needing `need` (PTE_R/W/X)
 * with PTE_U set. Returns the physical address or 0. */
paddr_t sv39_user_pa(paddr_t root, uint64_t va, uint64_t need);

/* Frees every user-half table and the root; calls leaf(pa, ctx) on each
 * mapped frame first so the caller can drop its reference. */
void sv39_destroy_user(paddr_t root, void (*leaf)(paddr_t pa, void *ctx),
		       void *ctx);

#endif
