/* Sv39 page tables; see sv39.h. */
#include "arch/riscv/sv39.h"

#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "lib/string.h"
#include "uapi/errors.h"

#define VA_BITS 39

static unsigned vpn(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 0x1ff;
}

static bool va_is_user(uint64_t va)
{
	return va < (1ul << (VA_BITS - 1));
}

paddr_t sv39_new_root(paddr_t kernel_root)
{
	paddr_t root = pmm_alloc();
	if (root && kernel_root) {
		pte_t *dst = pa_to_kva(root);
		const pte_t *src = pa_to_kva(kernel_root);
		memcpy(dst + SV39_USER_ENTRIES, src + SV39_USER_ENTRIES,
		       SV39_USER_ENTRIES * sizeof(pte_t));
	}
	return root;
}

/* The next-level table below entry e, creating it if alloc; NULL if
 * absent (or a superpage, which the user half never has). */
static inline pte_t *next_table(pte_t *e, bool alloc)
{
	pte_t v = *e;
	if ((v & (PTE_V | PTE_R | PTE_W | PTE_X)) == PTE_V)
		return pa_to_kva(pte_pa(v));
	if ((v & PTE_V) || !alloc)
		return 0;
	paddr_t t = pmm_alloc_ahead();
	if (!t)
		return 0;
	*e = pte_make(t, PTE_V);
	return frame_kva(t);
}

pte_t *sv39_walk_alloc(paddr_t root, uint64_t va)
{
	if (!va_is_user(va))
		return 0;
	pte_t *l2 = pa_to_kva(root);
	pte_t *l1 = next_table(&l2[vpn(va, 2)], true);
	if (!l1)
		return 0;
	pte_t *l0 = next_table(&l1[vpn(va, 1)], true);
	return l0 ? &l0[vpn(va, 0)] : 0;
}

pte_t *sv39_walk_alloc_l0(pte_t *l1e, uint64_t va)
{
	pte_t *l0 = next_table(l1e, true);
	return l0 ? &l0[vpn(va, 0)] : 0;
}

int sv39_map(paddr_t root, uint64_t va, paddr_t pa, uint64_t flags)
{
	if ((va & PAGE_MASK) || (pa & PAGE_MASK) || !va_is_user(va))
		return -E_INVAL;
	/* W without R is reserved in Sv39; a leaf needs at least one of RWX. */
	if ((flags & ~PTE_FLAGS) || !(flags & (PTE_R | PTE_W | PTE_X)) ||
	    ((flags & PTE_W) && !(flags & PTE_R)))
		return -E_INVAL;
	pte_t *e = sv39_walk(root, va, true);
	if (!e)
		return -E_NOMEM;
	if (*e & PTE_V)
		return -E_BUSY;
	*e = pte_make(pa, flags | PTE_V);
	return 0;
}

int sv39_unmap(paddr_t root, uint64_t va, paddr_t *pa)
{
	pte_t *e = sv39_walk(root, va, false);
	if (!e || !(*e & PTE_V))
		return -E_NOENT;
	if (pa)
		*pa = pte_pa(*e);
	*e = 0;
	return 0;
}

pte_t *sv39_next_leaf(paddr_t root, uint64_t *va, uint64_t end)
{
	const uint64_t l1_span = 1ul << (PAGE_SHIFT + 18), l0_span = 1ul << (PAGE_SHIFT + 9);
	uint64_t p = *va;
	KASSERT(!(p & PAGE_MASK));
	end = MIN(end, 1ul << (VA_BITS - 1)); /* the user half only */
	pte_t *l2 = pa_to_kva(root);
	while (p < end) {
		pte_t *l1 = next_table(&l2[vpn(p, 2)], false);
		if (!l1) {
			p = (p | (l1_span - 1)) + 1;
			continue;
		}
		pte_t *l0 = next_table(&l1[vpn(p, 1)], false);
		uint64_t stop = (p | (l0_span - 1)) + 1;
		if (!l0) {
			p = stop;
			continue;
		}
		for (stop = MIN(stop, end); p < stop; p += PAGE_SIZE) {
			pte_t *e = &l0[vpn(p, 0)];
			if (*e & PTE_V) {
				*va = p;
				return e;
			}
		}
	}
	return 0;
}

paddr_t sv39_user_pa(paddr_t root, uint64_t va, uint64_t need)
{
	pte_t *e = sv39_walk(root, va, false);
	if (!e)
		return 0;
	pte_t v = *e;
	if (!(v & PTE_V) || !(v & PTE_U) || (v & need) != need)
		return 0;
	return pte_pa(v) | (va & PAGE_MASK);
}

static void destroy_level(paddr_t table, int level,
			  void (*leaf)(paddr_t, void *), void *ctx)
{
	pte_t *t = pa_to_kva(table);
	unsigned n = level == SV39_LEVELS - 1 ? SV39_USER_ENTRIES : 512;
	for (unsigned i = 0; i < n; i++) {
		pte_t e = t[i];
		if (!(e & PTE_V))
			continue;
		if (e & (PTE_R | PTE_W | PTE_X)) {
			KASSERT(level == 0);
			if (leaf)
				leaf(pte_pa(e), ctx);
		} else {
			KASSERT(level > 0);
			destroy_level(pte_pa(e), level - 1, leaf, ctx);
			pmm_unref(pte_pa(e));
		}
		t[i] = 0;
	}
}

void sv39_destroy_user(paddr_t root, void (*leaf)(paddr_t pa, void *ctx),
		       void *ctx)
{
	destroy_level(root, SV39_LEVELS - 1, leaf, ctx);
	pmm_unref(root);
}
