/* Memory objects and their page cache; see kern/vm_object.h. */
#include "kern/vm_object.h"

#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/vm_fault.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

static uint64_t next_vmo_id = 1;

void vmo_user(struct vm_object *o, bool added)
{
	if (added) {
		o->users++;
		return;
	}
	KASSERT(o->users > 0);
	if (--o->users == 0 && o->pager)
		vm_pager_terminate(o);
}

/* Handles with R_PAGER are the pager's own and do not keep it busy. */
static void vmo_handle_event(struct kobj *k, uint32_t rights, bool opened)
{
	if (!(rights & R_PAGER))
		vmo_user(container_of(k, struct vm_object, obj), opened);
}

static void vmo_destroy(struct kobj *k)
{
	struct vm_object *o = container_of(k, struct vm_object, obj);
	KASSERT(list_empty(&o->regions) && list_empty(&o->requests) && !o->request_tree.root);
	for (unsigned d = 0; d < VMO_LEAF_ENTRIES; d++) {
		uint64_t *leaf = o->dir[d];
		if (!leaf)
			continue;
		for (unsigned i = 0; i < VMO_LEAF_ENTRIES; i++)
			if (leaf[i] & VPE_PRESENT)
				pmm_unref(PAGE_DOWN(leaf[i]));
		kmem_free(leaf, PAGE_SIZE);
	}
	kmem_free(o->dir, PAGE_SIZE);
	vm_object_unbind(o);
	struct task *payer = o->payer;
	uint64_t charged = o->charged;
	kmem_free(o, sizeof(*o));
	vm_objects_live--;
	if (payer) {
		task_kmem_uncharge(payer, charged);
		kobj_put(&payer->obj);
	}
}

void vmo_init(void)
{
	kobj_register(OBJ_VMO, vmo_destroy);
	kobj_register_handle_hook(OBJ_VMO, vmo_handle_event);
}

struct vm_object *vmo_create(uint64_t npages, struct endpoint *pager, uint64_t badge,
			     struct task *payer)
{
	if (npages == 0 || npages > VMO_MAX_PAGES)
		return 0;
	if (payer && task_kmem_charge(payer, VMO_CREATE_KMEM))
		return 0;
	struct vm_object *o = kmem_alloc(sizeof(*o));
	uint64_t **dir = kmem_alloc(PAGE_SIZE);
	if (!o || !dir) {
		kmem_free(o, sizeof(*o));
		kmem_free(dir, PAGE_SIZE);
		if (payer)
			task_kmem_uncharge(payer, VMO_CREATE_KMEM);
		return 0;
	}
	kobj_init(&o->obj, OBJ_VMO);
	if (payer) {
		o->payer = payer;
		o->charged = VMO_CREATE_KMEM;
		kobj_get(&payer->obj);
	}
	o->id = next_vmo_id++;
	vm_objects_live++;
	o->npages = npages;
	o->dir = dir;
	list_init(&o->requests);
	list_init(&o->regions);
	list_init(&o->pager_link);
	list_init(&o->fallback_link);
	o->deadline_ticks = 5 * arch_timebase_hz(); /* 5 s */
	vm_object_bind(o, pager, badge);
	return o;
}

uint64_t *vmo_slot_alloc(struct vm_object *o, uint64_t page)
{
	uint64_t **leaf = &o->dir[page / VMO_LEAF_ENTRIES];
	if (!*leaf && (!o->payer || !task_kmem_charge(o->payer, PAGE_SIZE))) {
		*leaf = kmem_alloc(PAGE_SIZE); /* zeroed: no pages */
		if (*leaf)
			o->charged += o->payer ? PAGE_SIZE : 0;
		else if (o->payer)
			task_kmem_uncharge(o->payer, PAGE_SIZE);
	}
	return *leaf ? &(*leaf)[page % VMO_LEAF_ENTRIES] : 0;
}

int vmo_insert(struct vm_object *o, uint64_t page, paddr_t frame, uint64_t flags)
{
	uint64_t *s = vmo_slot(o, page, true);
	if (!s)
		return -E_NOMEM;
	KASSERT(!(*s & VPE_PRESENT));
	*s = frame | (flags & VPE_FLAGS) | VPE_PRESENT;
	o->resident++;
	return 0;
}

/* Calls fn on the page-table entry of every mapping of page that still
 * maps the object's own frame (private copies are left alone). */
static void each_mapping(struct vm_object *o, uint64_t page, paddr_t frame,
			 void (*fn)(struct vm_region *r, uint64_t va, pte_t *e, void *ctx),
			 void *ctx)
{
	list_for_each_safe(pos, tmp, &o->regions) {
		struct vm_region *r = list_entry(pos, struct vm_region, obj_link);
		uint64_t len = (r->end - r->start) >> PAGE_SHIFT;
		if (page < r->offset || page >= r->offset + len)
			continue;
		uint64_t va = r->start + ((page - r->offset) << PAGE_SHIFT);
		pte_t *e = sv39_walk(r->task->pt_root, va, false);
		if (e && (*e & PTE_V) && pte_pa(*e) == frame)
			fn(r, va, e, ctx);
	}
}

void vmo_fold_ad(struct vm_object *o, uint64_t page, paddr_t frame, uint64_t e)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (s && (*s & VPE_PRESENT) && PAGE_DOWN(*s) == frame)
		*s |= (e & PTE_D ? VPE_DIRTY : 0) | (e & PTE_A ? VPE_ACCESSED : 0);
}

static void fold_ad(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	uint64_t *flags = ctx;
	if (*e & PTE_D)
		*flags |= VPE_DIRTY;
	if (*e & PTE_A)
		*flags |= VPE_ACCESSED;
}

static void unmap_one(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	fold_ad(r, va, e, ctx);
	paddr_t f = pte_pa(*e);
	*e = 0;
	arch_tlb_flush_page(r->task->asid, va);
	r->task->frames--;
	pmm_unref(f);
}

uint64_t vmo_remove(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return 0;
	uint64_t flags = 0;
	each_mapping(o, page, PAGE_DOWN(*s), unmap_one, &flags);
	uint64_t e = *s | flags;
	*s = 0;
	o->resident--;
	return e;
}

static void clear_accessed(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	fold_ad(r, va, e, ctx);
	if (*e & PTE_A) {
		*e &= ~PTE_A;
		arch_tlb_flush_page(r->task->asid, va);
	}
}

uint64_t vmo_harvest(struct vm_object *o, uint64_t page, bool clear)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return 0;
	uint64_t flags = 0;
	each_mapping(o, page, PAGE_DOWN(*s), clear ? clear_accessed : fold_ad, &flags);
	*s |= flags;
	uint64_t seen = *s;
	if (clear)
		*s &= ~VPE_ACCESSED;
	return seen;
}

static void drop_write(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	fold_ad(r, va, e, ctx);
	if (*e & PTE_W) {
		*e &= ~PTE_W;
		arch_tlb_flush_page(r->task->asid, va);
	}
}

void vmo_write_protect(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return;
	uint64_t flags = 0;
	each_mapping(o, page, PAGE_DOWN(*s), drop_write, &flags);
	*s |= flags | VPE_NOWRITE;
}

static void clear_dirty(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	if (*e & PTE_D) {
		*e &= ~PTE_D;
		arch_tlb_flush_page(r->task->asid, va);
	}
}

void vmo_clean(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return;
	each_mapping(o, page, PAGE_DOWN(*s), clear_dirty, 0);
	*s &= ~VPE_DIRTY;
}
