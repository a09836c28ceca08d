/*
 * The page-map layer: portable kernel code changes a translation only
 * through these (it finds entries with sv39_walk / sv39_next_leaf). A
 * change that removes a translation or a right flushes the entry from the
 * TLB here; with more harts, this is where the shootdown to the other
 * harts goes. Adding a right or setting A/D needs no flush.
 */
#ifndef ARCH_RISCV_PMAP_H
#define ARCH_RISCV_PMAP_H

#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "uapi/vm.h"

/* The PTE rights (PTE_R/W/X) for VM_R/W/X (a shift). */
static inline uint64_t pte_rights(uint32_t prot)
{
	_Static_assert(VM_R << 1 == PTE_R && VM_W << 1 == PTE_W && VM_X << 1 == PTE_X, "pte_rights");
	return (uint64_t)(prot & (VM_R | VM_W | VM_X)) << 1;
}

/* Makes e map frame at user level with rights (PTE_R/W/X, and PTE_A/D
 * when they are to start set). An entry that mapped something else must
 * have been cleared first (pmap_clear). */
static inline void pmap_enter(pte_t *e, paddr_t frame, uint64_t rights)
{
	*e = pte_make(frame, PTE_V | PTE_U | rights);
}

/* Changes the rights of e, which keeps its frame and its A/D bits. */
static inline void pmap_protect(pte_t *e, uint32_t asid, uaddr_t va, uint64_t rights)
{
	*e = pte_make(pte_pa(*e), PTE_V | PTE_U | rights | (*e & (PTE_A | PTE_D)));
	arch_tlb_flush_page(asid, va);
}

/* Removes the translation e (of va in the address space asid); returns
 * the frame it mapped. */
static inline paddr_t pmap_clear(pte_t *e, uint32_t asid, uaddr_t va)
{
	paddr_t f = pte_pa(*e);
	*e = 0;
	arch_tlb_flush_page(asid, va);
	return f;
}

/* Clears bits (PTE_W, PTE_A, PTE_D) of e if any is set. */
static inline void pmap_clear_bits(pte_t *e, uint32_t asid, uaddr_t va, uint64_t bits)
{
	if (*e & bits) {
		*e &= ~bits;
		arch_tlb_flush_page(asid, va);
	}
}

/* Sets bits (PTE_A, PTE_D: the kernel's own accesses, as the MMU would). */
static inline void pmap_set_bits(pte_t *e, uint64_t bits)
{
	*e |= bits;
}

#endif
