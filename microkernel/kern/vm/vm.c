/* Page-table-owned memory; see kern/vm/vm.h. */
#include "kern/vm/vm.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/pmm.h"
#include "kern/vm/vm_reclaim.h"
#include "uapi/errors.h"
#include "uapi/vm.h"

_Static_assert(VM_USER_LO == USER_LO && VM_USER_HI == USER_HI, "uapi/vm.h and memlayout.h");

/* Whether t may take a frame now. */
static bool frame_allowed(struct task *t)
{
	if (t->frames >= t->quota)
		return false;
	vm_reclaim_check();
	return t->is_pager || pmm_free_count() > vm_wm_min;
}

paddr_t vm_frame_for(struct task *t)
{
	return frame_allowed(t) ? pmm_alloc() : 0;
}

paddr_t vm_frame_raw_for(struct task *t)
{
	return frame_allowed(t) ? pmm_alloc_raw() : 0;
}

int vm_check_range(uaddr_t va, uint64_t len)
{
	if ((va & PAGE_MASK) || (len & PAGE_MASK) || len == 0)
		return -E_INVAL;
	if (va < VM_USER_LO || va >= VM_USER_HI || len > VM_USER_HI - va)
		return -E_RANGE;
	return 0;
}

bool vm_range_mapped(struct task *t, uaddr_t va, uint64_t len)
{
	return sv39_next_leaf(t->pt_root, &va, va + len) != 0;
}

static uint64_t pte_prot(uint32_t prot)
{
	uint64_t f = 0;
	if (prot & (VM_R | VM_W))
		f |= PTE_R;
	if (prot & VM_W)
		f |= PTE_W;
	if (prot & VM_X)
		f |= PTE_X;
	return f;
}

int64_t vm_wire(struct task *t, uaddr_t va, uint64_t len, uint32_t prot)
{
	int err = vm_check_range(va, len);
	if (err)
		return err;
	if (prot & ~(VM_R | VM_W | VM_X) || !prot)
		return -E_INVAL;
	uint64_t n = len >> PAGE_SHIFT;
	if (vm_range_mapped(t, va, len))
		return -E_BUSY;
	uint64_t avail = pmm_free_count();
	if (!t->is_pager)
		avail = avail > vm_wm_min ? avail - vm_wm_min : 0;
	if (n > t->quota - t->frames || n > avail)
		return -E_NOMEM;
	/* Page tables may still run out midway; undo what was mapped. */
	for (uint64_t i = 0; i < n; i++) {
		paddr_t f = vm_frame_for(t);
		err = f ? sv39_map(t->pt_root, va + i * PAGE_SIZE, f,
				   pte_prot(prot) | PTE_U | PTE_A | PTE_D)
			: -E_NOMEM;
		if (err) {
			if (f)
				pmm_unref(f);
			vm_unmap(t, va, i * PAGE_SIZE);
			return err;
		}
		t->frames++;
	}
	return 0;
}

int64_t vm_unmap(struct task *t, uaddr_t va, uint64_t len)
{
	if (len == 0)
		return 0;
	int err = vm_check_range(va, len);
	if (err)
		return err;
	/* A range walk: only the pages mapped cost anything. */
	pte_t *e;
	for (uaddr_t p = va; (e = sv39_next_leaf(t->pt_root, &p, va + len)); p += PAGE_SIZE) {
		paddr_t f = pmap_clear(e, t->asid, p);
		if (pmm_owns(f)) { /* not device registers */
			pmm_unref(f);
			t->frames--;
		}
	}
	return 0;
}
