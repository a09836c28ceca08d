/* Memory objects and their page cache; see kern/vm/vm_object.h. */
#include "kern/vm/vm_object.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/vm/vm_fault.h"
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

struct list vm_all_objects = LIST_INIT(vm_all_objects);

static void vmo_destroy(struct kobj *k)
{
	struct vm_object *o = container_of(k, struct vm_object, obj);
	KASSERT(list_empty(&o->regions) && !vmo_has_requests(o));
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
	KASSERT(list_empty(&o->shadows)); /* each holds a reference */
	struct vm_object *below = o->backing;
	if (below)
		list_del(&o->shadow_link);
	struct task *payer = o->payer;
	uint64_t charged = o->charged;
	list_del(&o->all_link);
	kmem_free(o, sizeof(*o));
	vm_objects_live--;
	if (payer) {
		task_kmem_uncharge(payer, charged);
		kobj_put(&payer->obj);
	}
	if (below) {
		vmo_user(below, false);
		kobj_put(&below->obj);
	}
}

void vmo_init(void)
{
	kobj_register(OBJ_VMO, vmo_destroy);
	ipc_on_endpoint_death(vm_pager_died);
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
	list_add_tail(&vm_all_objects, &o->all_link);
	o->npages = npages;
	o->dir = dir;
	list_init(&o->regions);
	list_init(&o->pager_link);
	list_init(&o->fallback_link);
	list_init(&o->rebind_link);
	o->epoch = PAGER_EPOCH_FIRST;
	list_init(&o->shadows);
	list_init(&o->shadow_link);
	list_init(&o->lab_waiters.head);
	o->deadline_ticks = 5 * arch_timebase_hz(); /* 5 s */
	vm_object_bind(o, pager, badge);
	return o;
}

static struct endpoint *default_pager;

void vmo_set_default_pager(struct endpoint *ep)
{
	if (ep)
		kobj_get(&ep->obj);
	if (default_pager)
		kobj_put(&default_pager->obj);
	default_pager = ep;
}

struct endpoint *vmo_default_pager(void)
{
	return default_pager;
}

struct vm_object *vmo_create_anon(uint64_t npages, struct task *payer)
{
	struct vm_object *o = vmo_create(npages, 0, 0, payer);
	if (!o)
		return 0;
	o->anon = true;
	/* A pager's or driver's own memory is never paged: a pager must not
	 * depend on itself (or on another pager) to run. */
	if (default_pager && !default_pager->dead && !(payer && payer->is_pager))
		vm_object_bind(o, default_pager, o->id);
	return o;
}

struct vm_object *vmo_create_shadow(struct vm_object *backing, uint64_t off, uint64_t npages,
				    struct task *payer)
{
	if (off > backing->npages || npages > backing->npages - off)
		return 0;
	struct vm_object *o = vmo_create_anon(npages, payer);
	if (!o)
		return 0;
	kobj_get(&backing->obj);
	vmo_user(backing, true); /* a shadow reads through it: its pager stays */
	o->backing = backing;
	o->backing_off = off;
	list_add_tail(&backing->shadows, &o->shadow_link);
	vmo_collapse(o);
	return o;
}

/* Whether o's backing may be merged into o: only o uses it. */
static bool collapsible(struct vm_object *o)
{
	struct vm_object *b = o->backing;
	if (!b || !b->anon || b->obj.refs != 1 || !list_empty(&b->regions) ||
	    vmo_has_requests(b) || b->pager)
		return false;
	for (unsigned d = 0; d < VMO_LEAF_ENTRIES; d++) /* nothing at the default pager */
		for (unsigned i = 0; b->dir[d] && i < VMO_LEAF_ENTRIES; i++)
			if ((b->dir[d][i] & VPE_PAGED) || (b->dir[d][i] & VPE_PIN_MASK))
				return false;
	return true;
}

/* Moves b's page into o's page p unless o has its own (then b's frame
 * goes: no mapping of it can remain, as a copy into o unmapped it). */
static void collapse_page(struct vm_object *o, uint64_t p, uint64_t e)
{
	uint64_t *s = p < o->npages ? vmo_slot(o, p, true) : 0;
	if (!s || (*s & (VPE_PRESENT | VPE_PAGED))) {
		pmm_unref(PAGE_DOWN(e));
		return;
	}
	*s = e;
	o->resident++;
}

int vmo_collapse(struct vm_object *o)
{
	int merged = 0;
	while (collapsible(o)) {
		struct vm_object *b = o->backing;
		for (uint64_t d = 0; d < VMO_LEAF_ENTRIES; d++) {
			uint64_t *leaf = b->dir[d];
			for (uint64_t i = 0; leaf && i < VMO_LEAF_ENTRIES; i++) {
				uint64_t page = d * VMO_LEAF_ENTRIES + i;
				if ((leaf[i] & VPE_PRESENT) && page >= o->backing_off)
					collapse_page(o, page - o->backing_off, leaf[i]);
				else if (leaf[i] & VPE_PRESENT)
					pmm_unref(PAGE_DOWN(leaf[i]));
				leaf[i] = 0;
			}
		}
		b->resident = 0;
		/* o now stands on what b stood on. */
		list_del(&o->shadow_link);
		o->backing = b->backing;
		o->backing_off += b->backing_off;
		if (o->backing) {
			kobj_get(&o->backing->obj);
			vmo_user(o->backing, true);
			list_add_tail(&o->backing->shadows, &o->shadow_link);
		}
		vmo_user(b, false); /* b has no pager: nobody to tell */
		kobj_put(&b->obj);
		merged++;
	}
	return merged;
}

uint64_t *vmo_slot_alloc(struct vm_object *o, uint64_t page)
{
	return vmo_slot_alloc_inline(o, page);
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
	/* Shadows without a page of their own there map this one read-only. */
	list_for_each(pos, &o->shadows) {
		struct vm_object *c = list_entry(pos, struct vm_object, shadow_link);
		if (page < c->backing_off || page - c->backing_off >= c->npages ||
		    (vmo_lookup(c, page - c->backing_off) & VPE_PRESENT))
			continue;
		each_mapping(c, page - c->backing_off, frame, fn, ctx);
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
	paddr_t f = pmap_clear(e, r->task->asid, va);
	r->task->frames--;
	pmm_unref(f);
}

void vmo_unmap_frame(struct vm_object *o, uint64_t page, paddr_t frame)
{
	uint64_t flags = 0;
	each_mapping(o, page, frame, unmap_one, &flags);
}

uint64_t vmo_remove(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return 0;
	uint64_t flags = 0;
	each_mapping(o, page, PAGE_DOWN(*s), unmap_one, &flags);
	uint64_t e = *s | flags;
	*s &= VPE_PAGED; /* the existence map outlives the frame */
	o->resident--;
	return e;
}

static void clear_accessed(struct vm_region *r, uint64_t va, pte_t *e, void *ctx)
{
	fold_ad(r, va, e, ctx);
	pmap_clear_bits(e, r->task->asid, va, PTE_A);
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
	pmap_clear_bits(e, r->task->asid, va, PTE_W);
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
	pmap_clear_bits(e, r->task->asid, va, PTE_D);
}

void vmo_clean(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	if (!s || !(*s & VPE_PRESENT))
		return;
	each_mapping(o, page, PAGE_DOWN(*s), clear_dirty, 0);
	*s &= ~VPE_DIRTY;
}

uint64_t vmo_dirty_count(struct vm_object *o)
{
	uint64_t count = 0;
	for (uint64_t p = 0; p < o->npages;) {
		uint64_t *leaf = o->dir[p / VMO_LEAF_ENTRIES];
		uint64_t leaf_end = MIN(o->npages, (p / VMO_LEAF_ENTRIES + 1) * VMO_LEAF_ENTRIES);
		for (; leaf && p < leaf_end; p++) {
			uint64_t e = leaf[p % VMO_LEAF_ENTRIES], flags = 0;
			if (!(e & VPE_PRESENT))
				continue;
			if (!(e & VPE_DIRTY)) /* the mappings' D bits, the entry untouched */
				each_mapping(o, p, PAGE_DOWN(e), fold_ad, &flags);
			count += ((e | flags) & VPE_DIRTY) != 0;
		}
		p = leaf_end;
	}
	return count;
}

void vmo_request_insert(struct vm_object *o, struct vm_request *req)
{
	struct avl_node **link = &o->request_tree.root, *parent = 0;
	while (*link) {
		parent = *link;
		KASSERT(vmo_request_of(parent)->page != req->page);
		link = req->page < vmo_request_of(parent)->page ? &parent->left : &parent->right;
	}
	avl_insert(&o->request_tree, &req->page_node, parent, link);
}
