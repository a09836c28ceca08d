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

static inline struct vm_region *region_of(struct avl_node *n)
{
	return n ? container_of(n, struct vm_region, task_node) : 0;
}

/* The first region that ends above va (the one holding va, if any, else
 * the next one up), or NULL: one descent of the tree. */
static struct vm_region *region_from(struct task *t, uaddr_t va)
{
	struct vm_region *best = 0;
	struct avl_node *n = t->regions.root;
	while (n) {
		struct vm_region *r = region_of(n);
		if (va < r->end) {
			if (va >= r->start)
				return r;
			best = r;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vm_region *vm_region_lookup(struct task *t, uaddr_t va)
{
	struct vm_region *r = region_from(t, va);
	if (!r || va < r->start)
		return 0;
	t->region_hint = r;
	return r;
}

bool vm_region_overlaps(struct task *t, uaddr_t va, uint64_t len)
{
	struct vm_region *r = len ? region_from(t, va) : 0;
	return r && r->start < va + len;
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

/* Puts r, which overlaps no region, into its task's tree and its
 * object's list; r holds a reference on the object and counts as a user. */
static void region_link(struct task *t, struct vm_region *r)
{
	struct avl_node **link = &t->regions.root, *parent = 0;
	while (*link) {
		parent = *link;
		link = r->start < region_of(parent)->start ? &parent->left : &parent->right;
	}
	avl_insert(&t->regions, &r->task_node, parent, link);
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
	if (vm_region_overlaps(t, va, len) || vm_range_mapped(t, va, len))
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

/* Drops the translation e (valid) at va of r's task. A PTE that maps the
 * object's own frame hands its accessed/dirty bits to the page's cache
 * entry first: a page written through this mapping stays dirty after the
 * mapping is gone (a private copy's bits go with the copy). */
static void region_drop_entry(struct vm_region *r, uaddr_t va, pte_t *e)
{
	struct task *t = r->task;
	paddr_t f = pte_pa(*e);
	vmo_fold_ad(r->obj, r->offset + ((va - r->start) >> PAGE_SHIFT), f, *e);
	*e = 0;
	arch_tlb_flush_page(t->asid, va);
	t->frames--;
	pmm_unref(f);
}

/* Drops the translation at va of r's task, if any. */
static void region_drop_pte(struct vm_region *r, uaddr_t va)
{
	pte_t *e = sv39_walk(r->task->pt_root, va, false);
	if (e && (*e & PTE_V))
		region_drop_entry(r, va, e);
}

/* Drops the translations of [from, to) of r's task: a range walk, so it
 * costs what is mapped there, not the range's length. */
static void region_unmap_range(struct vm_region *r, uaddr_t from, uaddr_t to)
{
	pte_t *e;
	for (uaddr_t p = from; (e = sv39_next_leaf(r->task->pt_root, &p, to)); p += PAGE_SIZE)
		region_drop_entry(r, p, e);
}

static void region_free(struct vm_region *r)
{
	struct task *t = r->task;
	region_unmap_range(r, r->start, r->end);
	avl_remove(&t->regions, &r->task_node);
	if (t->region_hint == r)
		t->region_hint = 0;
	list_del(&r->obj_link);
	struct vm_object *o = r->obj;
	task_kmem_uncharge(t, sizeof(*r));
	kmem_free(r, sizeof(*r));
	vmo_user(o, false);
	kobj_put(&o->obj);
}

/* Unmaps [va, end), strictly inside r: r keeps what is below, a new
 * region what is above. -E_NOMEM (nothing changed) without memory. */
static int region_split(struct task *t, struct vm_region *r, uaddr_t va, uaddr_t end)
{
	struct vm_region *above = region_alloc(t);
	if (!above)
		return -E_NOMEM;
	*above = *r;
	above->start = end;
	above->offset = r->offset + ((end - r->start) >> PAGE_SHIFT);
	region_unmap_range(r, va, end);
	r->end = va;
	region_link(t, above);
	return 0;
}

int vm_unmap_regions(struct task *t, uaddr_t va, uint64_t len)
{
	uaddr_t end = va + len;
	struct vm_region *r = region_from(t, va);
	if (r && r->start < va && r->end > end)
		return region_split(t, r, va, end); /* the one case that needs memory */
	/* Trimming keeps the order of the tree: regions never overlap. */
	while (r && r->start < end) {
		struct vm_region *next = region_of(avl_next(&r->task_node));
		if (r->start >= va && r->end <= end) {
			region_free(r);
		} else if (r->start < va) { /* the range cuts r's tail */
			region_unmap_range(r, va, r->end);
			r->end = va;
		} else { /* the range cuts r's head */
			region_unmap_range(r, r->start, end);
			r->offset += (end - r->start) >> PAGE_SHIFT;
			r->start = end;
		}
		r = next;
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
	pte_t *e;
	for (uaddr_t p = r->start; (e = sv39_next_leaf(t->pt_root, &p, r->end)); p += PAGE_SIZE) {
		uint64_t page = r->offset + ((p - r->start) >> PAGE_SHIFT);
		if (pte_pa(*e) == PAGE_DOWN(vmo_lookup(r->obj, page))) {
			region_drop_entry(r, p, e);
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
	while (t->regions.root)
		region_free(region_of(t->regions.root));
}
