/* Regions: mappings of memory objects; see kern/vm/vm_map.h. */
#include "kern/vm/vm_map.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/vm/vm.h"
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

struct vm_region *vm_region_next(struct task *t, uaddr_t va)
{
	return region_from(t, va);
}

/* One descent; a miss leaves the gap between the regions on either side
 * of va (the last turns right and left) as the task's known gap. */
struct vm_region *vm_region_lookup(struct task *t, uaddr_t va)
{
	struct vm_region *above = 0;
	uint64_t lo = 0;
	struct avl_node *n = t->regions.root;
	while (n) {
		struct vm_region *r = region_of(n);
		if (va < r->start) {
			above = r;
			n = n->left;
		} else if (va >= r->end) {
			lo = r->end;
			n = n->right;
		} else {
			t->region_hint = r;
			return r;
		}
	}
	t->region_gap_lo = lo;
	t->region_gap_hi = above ? above->start : UINT64_MAX;
	return 0;
}

/* A region was added or grew: the known gap may hold it now. */
static inline void region_gap_forget(struct task *t)
{
	t->region_gap_lo = t->region_gap_hi = 0;
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
	region_gap_forget(t);
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
		region_gap_forget(t);
		return 0;
	}
	struct vm_region *r = region_alloc(t);
	if (!r)
		return -E_NOMEM;
	/* Private: the region maps a shadow of its own over the object's
	 * pages; its writes become the shadow's pages (pageable like any). */
	struct vm_object *mapped = o;
	uint64_t first = offset / PAGE_SIZE;
	if (flags == VM_PRIVATE) {
		mapped = vmo_create_shadow(o, first, len / PAGE_SIZE, t);
		if (!mapped) {
			task_kmem_uncharge(t, sizeof(*r));
			kmem_free(r, sizeof(*r));
			return -E_NOMEM;
		}
		first = 0;
	}
	*r = (struct vm_region){ .task = t, .start = va, .end = va + len, .obj = mapped,
				 .offset = first, .prot = prot, .flags = flags };
	region_link(t, r);
	if (mapped != o)
		kobj_put(&mapped->obj); /* the region holds it now */
	return 0;
}

/* Drops the translation e (valid) at va of r's task. A PTE that maps the
 * object's own frame hands its accessed/dirty bits to the page's cache
 * entry first: a page written through this mapping stays dirty after the
 * mapping is gone (a page below in the shadow chain keeps its own). */
static void region_drop_entry(struct vm_region *r, uaddr_t va, pte_t *e)
{
	struct task *t = r->task;
	vmo_fold_ad(r->obj, r->offset + ((va - r->start) >> PAGE_SHIFT), pte_pa(*e), *e);
	paddr_t f = pmap_clear(e, t->asid, va);
	t->frames--;
	pmm_unref(f);
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
	return PTE_U | pte_rights(prot);
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
	for (uaddr_t p = r->start; (e = sv39_next_leaf(t->pt_root, &p, r->end)); p += PAGE_SIZE)
		region_drop_entry(r, p, e);
	return 0;
}

/* map_entry with va's page-table entry at hand (pte). */
static inline __attribute__((always_inline)) void map_entry_at(struct vm_region *r, uaddr_t va,
							       uint64_t e, bool own, pte_t *pte)
{
	struct task *t = r->task;
	paddr_t frame = PAGE_DOWN(e);
	uint32_t prot = r->prot;
	if (!own || (e & VPE_NOWRITE))
		prot &= ~VM_W; /* a page below: a write copies it up first */
	if (e & VPE_NOEXEC)
		prot &= ~VM_X;
	if ((*pte & PTE_V) && pte_pa(*pte) == frame) { /* same frame, other rights */
		pmap_protect(pte, t->asid, va, pte_flags(prot) & ~PTE_U);
		return;
	}
	if (*pte & PTE_V) /* an older view of the page (one below, since copied up); keep_call:
			   * inlined into the fault's fast path */
		KEEP_CALL(region_drop_entry, r, va, pte);
	/* A and D start clear: the hardware sets them (QEMU does), which is
	 * what query harvests. */
	pmap_enter(pte, frame, pte_flags(prot) & ~PTE_U);
	pmm_ref(frame);
	t->frames++;
}

static inline __attribute__((always_inline)) int map_entry(struct vm_region *r, uaddr_t va,
							   uint64_t e, bool own)
{
	va = PAGE_DOWN(va);
	pte_t *pte = task_pte(r->task, va, true);
	if (!pte)
		return -E_NOMEM;
	map_entry_at(r, va, e, own, pte);
	return 0;
}

void vm_map_around(struct vm_region *r, uint64_t first, uint64_t n, uint64_t *const *slots)
{
	uint64_t lo = first > r->offset ? first : r->offset;
	uint64_t end = r->offset + ((r->end - r->start) >> PAGE_SHIFT);
	uint64_t hi = first + n < end ? first + n : end;
	struct task *t = r->task;
	uaddr_t va = r->start + ((lo - r->offset) << PAGE_SHIFT);
	pte_t *pte = 0; /* va's entry: the one after the last page's within a table */
	for (uint64_t page = lo; page < hi; page++, va += PAGE_SIZE) {
		pte = pte && (va & ((1ul << 21) - 1)) ? pte + 1 : 0; /* (a table maps 2 MiB) */
		uint64_t e = *slots[page - first];
		if (!(e & VPE_PRESENT) || (!pte && !(pte = task_pte(t, va, true))))
			continue;
		if (!(*pte & PTE_V))
			map_entry_at(r, va, e, true, pte);
	}
}

/* (always inlined: the fault's fast path maps a minor fault with no call) */
inline __attribute__((always_inline)) int vm_map_entry(struct vm_region *r, uaddr_t va, uint64_t e,
						       bool own)
{
	return map_entry(r, va, e, own);
}

int vm_map_page(struct vm_region *r, uaddr_t va, uint32_t access)
{
	uint64_t e = vmo_lookup(r->obj, r->offset + ((va - r->start) >> PAGE_SHIFT));
	KASSERT(e & VPE_PRESENT);
	return map_entry(r, va, e, true);
}

void vm_task_exit(struct task *t)
{
	while (t->regions.root)
		region_free(region_of(t->regions.root));
}
