/* Regions: mappings of memory objects; see kern/vm_map.h. */
#include "kern/vm_map.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/vm.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

struct vm_region *vm_region_find(struct task *t, uaddr_t va)
{
	list_for_each(pos, &t->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, task_link);
		if (va >= r->start && va < r->end)
			return r;
	}
	return 0;
}

/* Whether any region overlaps [va, va+len). */
static bool vm_region_overlaps(struct task *t, uaddr_t va, uint64_t len)
{
	list_for_each(pos, &t->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, task_link);
		if (va < r->end && r->start < va + len)
			return true;
	}
	return false;
}

static bool range_has_ptes(struct task *t, uaddr_t va, uint64_t len)
{
	for (uaddr_t p = va; p < va + len; p += PAGE_SIZE) {
		pte_t *e = sv39_walk(t->pt_root, p, false);
		if (e && (*e & PTE_V))
			return true;
	}
	return false;
}

/* A region's memory, charged to the task whose map it is in. */
static struct vm_region *region_alloc(struct task *t)
{
	if (task_kmem_charge(t, sizeof(struct vm_region)))
		return 0;
	struct vm_region *r = kmem_alloc(sizeof(*r));
	if (!r)
		task_kmem_uncharge(t, sizeof(*r));
	return r;
}

static void region_link(struct task *t, struct vm_region *r)
{
	/* Keep the task's list sorted by address. */
	struct list *pos = t->regions.next;
	while (pos != &t->regions && list_entry(pos, struct vm_region, task_link)->start < r->start)
		pos = pos->next;
	list_add_tail(pos, &r->task_link);
	list_add_tail(&r->obj->regions, &r->obj_link);
	kobj_get(&r->obj->obj);
	vmo_user(r->obj, true);
}

int64_t vm_map(struct task *t, struct vm_object *o, uaddr_t va, uint64_t len,
	       uint64_t offset, uint32_t prot, uint32_t flags)
{
	if ((va | len | offset) & PAGE_MASK || len == 0)
		return -E_INVAL;
	if (va < USER_LO || va >= USER_HI || len > USER_HI - va)
		return -E_RANGE;
	if (!prot || (prot & ~(VM_R | VM_W | VM_X)) ||
	    (flags != VM_SHARED && flags != VM_PRIVATE))
		return -E_INVAL;
	if (offset / PAGE_SIZE > o->npages || len / PAGE_SIZE > o->npages - offset / PAGE_SIZE)
		return -E_RANGE;
	if (vm_region_overlaps(t, va, len) || range_has_ptes(t, va, len))
		return -E_BUSY;
	prot = prot & VM_W ? prot | VM_R : prot;
	/* The next pages of the region just below (a growing heap): extend it
	 * rather than add one more region to search on every fault. */
	struct vm_region *below = va > USER_LO ? vm_region_find(t, va - PAGE_SIZE) : 0;
	if (below && below->obj == o && below->end == va && below->prot == prot &&
	    below->flags == flags &&
	    below->offset + ((va - below->start) >> PAGE_SHIFT) == offset / PAGE_SIZE) {
		below->end = va + len;
		return 0;
	}
	struct vm_region *r = region_alloc(t);
	if (!r)
		return -E_NOMEM;
	*r = (struct vm_region){ .task = t, .start = va, .end = va + len, .obj = o,
				 .offset = offset / PAGE_SIZE, .prot = prot, .flags = flags };
	region_link(t, r);
	return 0;
}

/* Drops the translation at va of r's task, if any. A PTE that maps the
 * object's own frame hands its accessed/dirty bits to the page's cache
 * entry first: a page written through this mapping stays dirty after the
 * mapping is gone (a private copy's bits go with the copy). */
static void region_drop_pte(struct vm_region *r, uaddr_t va)
{
	struct task *t = r->task;
	pte_t *e = sv39_walk(t->pt_root, va, false);
	if (!e || !(*e & PTE_V))
		return;
	paddr_t f = pte_pa(*e);
	vmo_fold_ad(r->obj, r->offset + ((va - r->start) >> PAGE_SHIFT), f, *e);
	*e = 0;
	arch_tlb_flush_page(t->asid, va);
	t->frames--;
	pmm_unref(f);
}

/* Drops the translations of [from, to) of r's task. */
static void region_unmap_range(struct vm_region *r, uaddr_t from, uaddr_t to)
{
	for (uaddr_t p = from; p < to; p += PAGE_SIZE)
		region_drop_pte(r, p);
}

static void region_free(struct vm_region *r)
{
	region_unmap_range(r, r->start, r->end);
	list_del(&r->task_link);
	list_del(&r->obj_link);
	struct vm_object *o = r->obj;
	task_kmem_uncharge(r->task, sizeof(*r));
	kmem_free(r, sizeof(*r));
	vmo_user(o, false);
	kobj_put(&o->obj);
}

int vm_unmap_regions(struct task *t, uaddr_t va, uint64_t len)
{
	uaddr_t end = va + len;
	/* A range strictly inside one region splits it in two: the only
	 * case that needs memory, so get it before changing anything. */
	struct vm_region *spare = 0;
	struct vm_region *in = vm_region_find(t, va);
	if (in && in->start < va && in->end > end) {
		spare = region_alloc(t);
		if (!spare)
			return -E_NOMEM;
	}
	list_for_each_safe(pos, tmp, &t->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, task_link);
		if (r->end <= va || r->start >= end)
			continue;
		if (r->start >= va && r->end <= end) {
			region_free(r);
		} else if (r->start < va && r->end > end) {
			*spare = *r;
			spare->start = end;
			spare->offset = r->offset + ((end - r->start) >> PAGE_SHIFT);
			region_unmap_range(r, va, end);
			r->end = va;
			region_link(t, spare);
		} else if (r->start < va) { /* the range cuts r's tail */
			region_unmap_range(r, va, r->end);
			r->end = va;
		} else { /* the range cuts r's head */
			region_unmap_range(r, r->start, end);
			r->offset += (end - r->start) >> PAGE_SHIFT;
			r->start = end;
		}
	}
	return 0;
}

static uint64_t pte_flags(uint32_t prot)
{
	return PTE_U | (prot & VM_R ? PTE_R : 0) | (prot & VM_W ? PTE_W : 0) |
	       (prot & VM_X ? PTE_X : 0);
}

int64_t vm_protect(struct task *t, uaddr_t va, uint64_t len, uint32_t prot)
{
	struct vm_region *r = vm_region_find(t, va);
	if (!r || r->start != va || r->end != va + len)
		return -E_INVAL;
	if (!prot || (prot & ~(VM_R | VM_W | VM_X)))
		return -E_INVAL;
	r->prot = prot & VM_W ? prot | VM_R : prot;
	/* Drop the existing translations; the next access faults them back
	 * in with the new rights (a minor fault). */
	for (uaddr_t p = r->start; p < r->end; p += PAGE_SIZE) {
		pte_t *e = sv39_walk(t->pt_root, p, false);
		if (!e || !(*e & PTE_V))
			continue;
		uint64_t page = r->offset + ((p - r->start) >> PAGE_SHIFT);
		if (pte_pa(*e) == PAGE_DOWN(vmo_lookup(r->obj, page))) {
			region_drop_pte(r, p);
		} else { /* a private copy: adjust in place */
			*e = (*e & ~(PTE_R | PTE_W | PTE_X)) | (pte_flags(r->prot) & ~PTE_U);
			arch_tlb_flush_page(t->asid, p);
		}
	}
	return 0;
}

/* Replaces the object's read-only page at va by a private copy. */
static int copy_on_write(struct vm_region *r, uaddr_t va, paddr_t src)
{
	struct task *t = r->task;
	paddr_t f = vm_frame_for(t);
	if (!f)
		return -E_NOMEM;
	memcpy(pa_to_kva(f), pa_to_kva(src), PAGE_SIZE);
	region_drop_pte(r, va); /* the object's page, mapped read-only */
	int err = sv39_map(t->pt_root, va, f, pte_flags(r->prot) | PTE_A | PTE_D);
	if (err) {
		pmm_unref(f);
		return err;
	}
	t->frames++;
	return 0;
}

int vm_map_page(struct vm_region *r, uaddr_t va, uint32_t access)
{
	struct task *t = r->task;
	uint64_t page = r->offset + ((va - r->start) >> PAGE_SHIFT);
	uint64_t e = vmo_lookup(r->obj, page);
	KASSERT(e & VPE_PRESENT);
	paddr_t frame = PAGE_DOWN(e);
	va = PAGE_DOWN(va);
	pte_t *pte = sv39_walk(t->pt_root, va, false);
	if (pte && (*pte & PTE_V) && pte_pa(*pte) != frame) {
		/* The task's private copy (another thread's write got there
		 * first): newer than the object's page, so it stays. */
		KASSERT(r->flags == VM_PRIVATE);
		*pte = (*pte & ~(PTE_R | PTE_W | PTE_X)) | (pte_flags(r->prot) & ~PTE_U);
		arch_tlb_flush_page(t->asid, va);
		return 0;
	}
	if (r->flags == VM_PRIVATE && (access & VM_W))
		return copy_on_write(r, va, frame);
	uint32_t prot = r->prot;
	if (r->flags == VM_PRIVATE || (e & VPE_NOWRITE))
		prot &= ~VM_W;
	if (e & VPE_NOEXEC)
		prot &= ~VM_X;
	if (!pte)
		pte = sv39_walk(t->pt_root, va, true);
	if (!pte)
		return -E_NOMEM;
	if (*pte & PTE_V) { /* same frame, fewer rights (e.g. after a lock) */
		*pte = pte_make(frame, pte_flags(prot) | PTE_V | (*pte & (PTE_A | PTE_D)));
		arch_tlb_flush_page(t->asid, va);
		return 0;
	}
	/* A and D start clear: the hardware sets them (QEMU does), which is
	 * what query harvests. */
	*pte = pte_make(frame, pte_flags(prot) | PTE_V);
	pmm_ref(frame);
	t->frames++;
	return 0;
}

void vm_task_exit(struct task *t)
{
	while (!list_empty(&t->regions))
		region_free(list_entry(t->regions.next, struct vm_region, task_link));
}
