/*
 * Memory objects: a range of pages, the resident page cache for it, and
 * the pager that fills it.
 *
 * Page cache: a two-level table of entries indexed by page number (so an
 * object holds at most VMO_MAX_PAGES pages). An entry is a frame's
 * physical address with flag bits in the low 12 bits. The cache holds one
 * frame reference per resident page; every page-table mapping of the page
 * holds another.
 *
 * Requests (struct vm_request, the FAULT of one page) are kept per object,
 * in a tree by page; their life is told in kern/vm/vm_request.h.
 *
 * Shadows: an anonymous object may stand on another (backing); what it
 * lacks it reads from below, and a write copies the page up into it
 * (kern/vm/vm_fault.c).
 *
 * Regions mapping the object are listed on it, so pages can be unmapped
 * from every task (evict, flush, write-protect) and A/D bits harvested.
 */
#ifndef KERN_VM_OBJECT_H
#define KERN_VM_OBJECT_H

#include "kern/avl.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/keep_call.h"
#include "kern/kobj.h"
#include "kern/log.h"
#include "kern/task.h"
#include "lib/list.h"
#include "uapi/vm.h"

struct vm_region {
	struct avl_node task_node; /* in task->regions, keyed by start */
	struct list obj_link;   /* in object->regions */
	struct task *task;
	uint64_t start, end;    /* user addresses, page aligned */
	struct vm_object *obj;  /* holds a reference */
	uint64_t offset;        /* page index of start in the object */
	uint32_t prot;          /* VM_R / VM_W / VM_X */
	uint32_t flags;         /* VM_SHARED or VM_PRIVATE */
};

#define VMO_LEAF_ENTRIES 512
#define VMO_MAX_PAGES (VMO_LEAF_ENTRIES * VMO_LEAF_ENTRIES) /* 1 GiB */

/* Page cache entry flags (low bits; the rest is the frame address). */
#define VPE_PRESENT 0x1ul
#define VPE_DIRTY 0x2ul     /* sticky: written since the pager last cleaned it */
#define VPE_ACCESSED 0x4ul  /* sticky: harvested from page tables */
#define VPE_NOWRITE 0x8ul   /* write-protected by the pager (lock or supply prot) */
#define VPE_NOEXEC 0x10ul
#define VPE_PIN_ONE 0x20ul  /* pins for devices: a count in bits 5..10 (kern/dma.h) */
#define VPE_PIN_MASK 0x7e0ul
/* Anonymous objects: the default pager holds a copy of the page (it was
 * handed back to it, or supplied by it). Kept, alone, in the entry of a
 * page that is not resident: the existence map. A page without it was
 * never paged out, so its first touch is zero-filled with no IPC. */
#define VPE_PAGED 0x800ul
#define VPE_FLAGS 0xffful

/* The entry's protections for a page supplied with rights prot (VM_R,
 * VM_W, VM_X): NOWRITE without VM_W, NOEXEC without VM_X (a shift). */
static inline uint64_t vpe_prot_flags(uint32_t prot)
{
	_Static_assert(VM_W << 2 == VPE_NOWRITE && VM_X << 2 == VPE_NOEXEC, "vpe_prot_flags");
	return (~(uint64_t)prot & (VM_W | VM_X)) << 2; /* (widened first: no zero extension) */
}

struct vm_object {
	struct kobj obj;
	uint64_t id;
	uint64_t npages;
	uint64_t **dir;            /* VMO_LEAF_ENTRIES leaf pointers, allocated lazily */
	uint64_t resident;
	struct endpoint *pager;    /* NULL: kernel zero-fill object */
	uint64_t pager_badge;
	struct endpoint *fallback; /* takes over when the pager fails */
	uint64_t fallback_badge;
	struct list pager_link;    /* in pager->objects */
	struct list fallback_link; /* in fallback->fallbacks */
	uint32_t epoch;            /* the binding's: each rebind bumps it, and the
				    * pager's calls must name it (uapi/pager.h) */
	struct endpoint *rebind_to; /* while a rebind waits for the old pager's
				     * RELEASE (with a reference), else NULL */
	uint64_t rebind_badge;
	uint64_t rebind_deadline;  /* timebase: the rebind completes by then */
	struct list rebind_link;   /* in vm_rebinding while rebind_to is set */
	bool failed;               /* pager gone, no fallback: faults are errors */
	uint32_t users;            /* regions + handles without R_PAGER; at 0 the
				    * pager is told (PAGER_TERMINATE) */
	uint64_t deadline_ticks;   /* timebase ticks a request may wait */
	struct avl_tree request_tree; /* pending requests, by page: vmo_find_request,
				       * vmo_for_each_request */
	struct list regions;       /* struct vm_region.obj_link */
	uint64_t faults, minor, supplies;
	bool anon;                 /* anonymous: zeros where nothing is below; paged (if
				    * at all) by the default pager */
	struct vm_object *backing; /* a shadow's object below (with a ref), or NULL */
	uint64_t backing_off;      /* page of backing that is this object's page 0 */
	struct list shadows;       /* objects whose backing this is (shadow_link) */
	struct list shadow_link;   /* in backing->shadows */
	struct list all_link;      /* in vm_all_objects, in id order */
	struct task *payer;        /* charged for it and its leaves (with a ref); NULL: the kernel's */
	uint64_t charged;          /* bytes charged to payer */
	bool lab;                  /* each fault waits for the manager's grant (uapi/mm.h) */
	uint64_t lab_grants;       /* faults that may go on */
	struct waitq lab_waiters;  /* faults waiting for a grant */
};

/* A request's life: PENDING from the first fault until supply, fail or
 * the loss of its last waiter ends it; ENDING while that end runs (it is
 * off every list already, so nothing started by the end, such as a task
 * dying, can find it and end it a second time). */
enum vm_request_state {
	REQ_PENDING = 1,
	REQ_ENDING,
};

struct vm_request {
	struct ipc_kmsg msg;    /* the FAULT message, queued on the pager until received */
	struct avl_node page_node; /* in object->request_tree, keyed by page */
	struct vm_object *obj;  /* holds a reference */
	uint64_t page;          /* page index */
	uint32_t access;        /* VM_R / VM_W / VM_X of the first fault */
	uint32_t kind;          /* FAULT_DATA, or FAULT_UNLOCK for a write to a
				 * resident write-protected page */
	uint64_t fault_id;
	uint64_t deadline;      /* timebase: from posting while queued, then from
				 * the pager's receiving it */
	struct waitq waiters;   /* threads faulting on this page */
	struct trace_record *trace; /* its record in the fault trace */
	enum vm_request_state state;
};

/* Every live object, oldest (lowest id) first: the memory manager's view. */
extern struct list vm_all_objects;

void vmo_init(void);
/* A new object; its memory (struct, directory, later leaves) is charged to
 * payer (NULL: nobody). NULL if out of memory or over payer's limit. */
struct vm_object *vmo_create(uint64_t npages, struct endpoint *pager, uint64_t badge,
			     struct task *payer);
#define VMO_CREATE_KMEM (PAGE_SIZE + sizeof(struct vm_object))

/* The slot for page, its directory leaf allocated (zeroed, charged to the
 * payer) if missing; NULL if out of memory or over the payer's limit.
 * The inline form is for the supply's fast path, whose frame saves every
 * register already: out of line, the leaf's allocation would pay a frame
 * of its own, on the first fault of each 512 pages. */
static inline __attribute__((always_inline)) uint64_t *vmo_slot_alloc_inline(struct vm_object *o,
									      uint64_t page)
{
	uint64_t **leaf = &o->dir[page / VMO_LEAF_ENTRIES];
	if (!*leaf) {
		struct task *payer = o->payer;
		if (payer && task_kmem_charge(payer, PAGE_SIZE))
			return 0;
		uint64_t *l = kmem_alloc_page(); /* zeroed: no pages */
		if (!l) {
			if (payer)
				KEEP_CALL(task_kmem_uncharge, payer, PAGE_SIZE);
			return 0;
		}
		*leaf = l;
		if (payer)
			o->charged += PAGE_SIZE;
	}
	return &(*leaf)[page % VMO_LEAF_ENTRIES];
}
uint64_t *vmo_slot_alloc(struct vm_object *o, uint64_t page);

/* Slot for page, allocating the leaf if asked; NULL if there is none (or
 * out of memory). Inline: every fault and supply looks pages up. */
static inline uint64_t *vmo_slot(struct vm_object *o, uint64_t page, bool alloc)
{
	KASSERT(page < o->npages);
	uint64_t *leaf = o->dir[page / VMO_LEAF_ENTRIES];
	if (leaf)
		return &leaf[page % VMO_LEAF_ENTRIES];
	return alloc ? vmo_slot_alloc(o, page) : 0;
}

/* The cache entry for page, or 0. */
static inline uint64_t vmo_lookup(struct vm_object *o, uint64_t page)
{
	uint64_t *s = vmo_slot(o, page, false);
	return s ? *s : 0;
}
/* An anonymous object of npages (the default pager's, if one is
 * registered), charged to payer. */
struct vm_object *vmo_create_anon(uint64_t npages, struct task *payer);
/* An anonymous object over pages [off, off+npages) of backing: reads
 * find backing's pages until the shadow has a copy of its own (Mach's
 * shadow object). Chains stay short: vmo_collapse. */
struct vm_object *vmo_create_shadow(struct vm_object *backing, uint64_t off, uint64_t npages,
				    struct task *payer);
/* Merges o's backing into o while o is the only one that uses it (an
 * anonymous object no handle, mapping or other shadow names, and with no
 * page at the default pager), repeatedly; returns how many it merged. */
int vmo_collapse(struct vm_object *o);
/* The default pager: anonymous objects made from now on are bound to it
 * (badge: the object's id). NULL: the kernel zero-fills (the default). */
void vmo_set_default_pager(struct endpoint *ep);
struct endpoint *vmo_default_pager(void);

/* Inserts a frame (taking over the caller's reference). */
int vmo_insert(struct vm_object *o, uint64_t page, paddr_t frame, uint64_t flags);
/* Unmaps frame, which was page's (o's or, seen through o, its backing's),
 * from every mapping of o and of its shadows that maps it there. */
void vmo_unmap_frame(struct vm_object *o, uint64_t page, paddr_t frame);
/* Removes the page from the cache and from every mapping; returns the
 * entry (with the cache's reference, which the caller now owns), 0 if
 * not resident. Dirty bits from the mappings are folded in. */
uint64_t vmo_remove(struct vm_object *o, uint64_t page);

static inline struct vm_request *vmo_request_of(struct avl_node *n)
{
	return container_of(n, struct vm_request, page_node);
}

/* The pending request for page, or NULL. Inline, as the two below:
 * every pager fault looks up, adds and removes a request. */
static inline struct vm_request *vmo_find_request(struct vm_object *o, uint64_t page)
{
	struct avl_node *n = o->request_tree.root;
	while (n) {
		struct vm_request *r = vmo_request_of(n);
		if (r->page == page)
			return r;
		n = page < r->page ? n->left : n->right;
	}
	return 0;
}

/* Whether o has a pending request. */
static inline bool vmo_has_requests(const struct vm_object *o)
{
	return o->request_tree.root != 0;
}

static inline struct vm_request *vmo_request_first(const struct vm_object *o)
{
	struct avl_node *n = avl_first(&o->request_tree);
	return n ? vmo_request_of(n) : 0;
}

static inline struct vm_request *vmo_request_next(const struct vm_request *req)
{
	struct avl_node *n = avl_next(&req->page_node);
	return n ? vmo_request_of(n) : 0;
}

/* Every pending request of o, in page order; the body adds or removes
 * none. (One tree, no list beside it: the fault path links a request
 * once.) */
#define vmo_for_each_request(req, o) \
	for (struct vm_request *req = vmo_request_first(o); req; req = vmo_request_next(req))

/* vmo_request_add's walk, when o has requests already. */
void vmo_request_insert(struct vm_object *o, struct vm_request *req);

/* Puts req (obj and page set, no request for that page yet) in its
 * object's tree. */
static inline void vmo_request_add(struct vm_request *req)
{
	struct vm_object *o = req->obj;
	if (!o->request_tree.root) { /* the common case: the only one */
		struct avl_node *n = &req->page_node; /* (fields, not a literal: no padding store) */
		n->left = n->right = n->parent = 0;
		n->height = 1;
		o->request_tree.root = &req->page_node;
		return;
	}
	KEEP_CALL(vmo_request_insert, o, req); /* (inlined into the fast paths) */
}

/* Takes req out of its object's tree. */
static inline void vmo_request_del(struct vm_request *req)
{
	struct avl_tree *t = &req->obj->request_tree;
	if (t->root == &req->page_node && !req->page_node.left && !req->page_node.right)
		t->root = 0; /* the only one */
	else /* (keep_call: inlined into the fast paths) */
		KEEP_CALL(avl_remove_any, t, &req->page_node);
}

/* Folds the A/D bits of every mapping of page into its entry and
 * returns the entry as seen; with clear_accessed the accessed state
 * (page tables and entry) starts over. 0 if not resident. */
uint64_t vmo_harvest(struct vm_object *o, uint64_t page, bool clear_accessed);
/* A mapping of page by frame goes away: if frame is the page's own, its
 * PTE e's accessed/dirty bits become the entry's sticky flags. */
void vmo_fold_ad(struct vm_object *o, uint64_t page, paddr_t frame, uint64_t e);
/* Removes write permission from every mapping of page. */
void vmo_write_protect(struct vm_object *o, uint64_t page);
/* Clears the D bits of every mapping of page and the sticky flag. */
void vmo_clean(struct vm_object *o, uint64_t page);

/* o's resident pages written since their pager last had them: the
 * entry's flag or a mapping's D bit, read without folding it in. */
uint64_t vmo_dirty_count(struct vm_object *o);

/* A region was made or removed (counts as a user, like a handle). */
void vmo_user(struct vm_object *o, bool added);

/* The object's pager died or missed a deadline: requests go to the
 * fallback pager if there is one, else they fail. */
void vmo_pager_failed(struct vm_object *o, const char *why);

#endif
