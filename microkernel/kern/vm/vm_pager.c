/*
 * System calls on memory objects: create, map, protect, and the pager's
 * side of the protocol (supply, fail, query, evict, lock). Each checks
 * every argument, then commits; nothing is left half done.
 */
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pmap.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/log.h"
#include "kern/module_object.h"
#include "kern/pmm.h"
#include "kern/syscall.h"
#include "kern/usercopy.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_fault.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_pager.h"
#include "kern/vm/vm_reclaim.h"
#include "uapi/errors.h"
#include "uapi/dev.h"
#include "uapi/dma.h"
#include "uapi/pager.h"

static int lookup_vmo(struct thread *t, int64_t h, uint32_t need, struct vm_object **o)
{
	struct handle *s;
	int err = handle_lookup(t->task->handles, h, OBJ_VMO, need, &s);
	if (!err)
		*o = container_of(s->obj, struct vm_object, obj);
	return err;
}

/* The object of a pager's call: R_PAGER, and the binding's epoch named
 * (E_STALE after a rebind: the caller is not its pager any more). */
static int lookup_paged(struct thread *t, int64_t h, uint64_t epoch, struct vm_object **o)
{
	int err = lookup_vmo(t, h, R_PAGER, o);
	if (!err && epoch != (*o)->epoch)
		err = -E_STALE;
	return err;
}

/* An endpoint to bind objects to (as pager or fallback): only whoever
 * receives on it may, so no sender can make the pager's badges mean
 * objects of its choosing. */
static int lookup_pager_ep(struct thread *t, int64_t h, struct endpoint **ep)
{
	struct handle *s;
	int err = handle_lookup(t->task->handles, h, OBJ_ENDPOINT, R_RECV, &s);
	if (err)
		return err;
	*ep = container_of(s->obj, struct endpoint, obj);
	return (*ep)->dead ? -E_DEAD : 0;
}

/* A page range of an object: offset in bytes, n pages. */
static int check_pages(struct vm_object *o, uint64_t offset, uint64_t n)
{
	if (offset & PAGE_MASK || n == 0)
		return -E_INVAL;
	uint64_t first = offset >> PAGE_SHIFT;
	if (first >= o->npages || n > o->npages - first)
		return -E_RANGE;
	return 0;
}

static int64_t install_vmo(struct thread *t, struct vm_object *o, struct endpoint *ep);

int64_t sys_vmo_create(struct thread *t, const uint64_t *a)
{
	uint64_t size = a[0];
	struct endpoint *ep = 0;
	if (size == 0 || (size & PAGE_MASK) || size / PAGE_SIZE > VMO_MAX_PAGES)
		return -E_INVAL;
	if ((int64_t)a[1] != VMO_KERNEL_ZERO) {
		int err = lookup_pager_ep(t, (int64_t)a[1], &ep);
		if (err)
			return err;
	}
	if (handle_room(t->task->handles, 1))
		return -E_FULL;
	/* VMO_KERNEL_ZERO: anonymous memory (the default pager's, if any). */
	struct vm_object *o = ep ? vmo_create(size / PAGE_SIZE, ep, a[2], t->task)
				 : vmo_create_anon(size / PAGE_SIZE, t->task);
	if (!o)
		return -E_NOMEM;
	return install_vmo(t, o, ep);
}

/* Installs a new object's handle (room checked) for its creator. */
static int64_t install_vmo(struct thread *t, struct vm_object *o, struct endpoint *ep)
{
	int h = handle_install(t->task->handles, &o->obj,
			       R_READ | R_MAP | R_PAGER | R_CONTROL | R_GRANT, 0);
	kobj_put(&o->obj);
	/* A task binding objects to an endpoint it receives on is their
	 * pager: it may draw on the frame reserve (kern/vm/vm.h), so paging can
	 * go on when memory runs short. */
	if (h >= 0 && ep && ep->owner == t->task)
		t->task->is_pager = true;
	return h;
}

int64_t sys_vm_map(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	int err = lookup_vmo(t, (int64_t)a[0], R_MAP, &o);
	if (err)
		return err;
	uint32_t pf = (uint32_t)a[4];
	if ((pf & VM_W) && (pf & VM_SHARED) && !module_object_writable(o))
		return -E_PERM; /* a boot module's pages are read-only */
	return vm_map(t->task, o, a[1], a[2], a[3], pf & (VM_R | VM_W | VM_X),
		      pf & ~(VM_R | VM_W | VM_X));
}

int64_t sys_vm_protect(struct thread *t, const uint64_t *a)
{
	return vm_protect(t->task, a[0], a[1], (uint32_t)a[2]);
}

/* The entry of va in k if it maps a frame of k's own that may be handed
 * over (the caller has checked that va is in user space and no region's). */
static inline __attribute__((always_inline)) pte_t *own_pte(struct task *k, uaddr_t va)
{
	pte_t *e = task_pte(k, va, false);
	if (!e || (*e & (PTE_V | PTE_U | PTE_R | PTE_W)) != (PTE_V | PTE_U | PTE_R | PTE_W))
		return 0;
	paddr_t f = pte_pa(*e);
	return pmm_owns(f) && pmm_refcount(f) == 1 ? e : 0;
}

pte_t *vm_own_frame(struct task *k, uaddr_t va)
{
	if (va < USER_LO || va >= USER_HI || vm_region_find(k, va))
		return 0;
	return own_pte(k, va);
}

/* vm_own_frame for the supply's fast path, with no call: va must lie in
 * the gap of k's last region miss (where a pager's own pages are; the
 * general path's lookup moves the gap there when they are not). */
static inline __attribute__((always_inline)) pte_t *own_frame_fast(struct task *k, uaddr_t va)
{
	if (va < USER_LO || va >= USER_HI ||
	    va - k->region_gap_lo >= k->region_gap_hi - k->region_gap_lo)
		return 0;
	return own_pte(k, va);
}

/* The common case of a fault answered and the next message awaited: one
 * page, a receive endpoint. Lean checks, then vm_supply_fast; anything
 * unusual returns false and the general path below decides (and reports
 * errors). */
static inline __attribute__((always_inline)) bool supply_one_fast(struct thread *t,
								   const uint64_t *a, uint64_t stamp)
{
	struct task *k = t->task;
	uint64_t offset = a[1], src = a[2];
	uint32_t prot = (uint32_t)a[4];
	struct kobj *ov = handle_fast(k->handles, a[0], OBJ_VMO, R_PAGER);
	if (!ov)
		return false;
	struct kobj *oe = handle_fast(k->handles, a[5], OBJ_ENDPOINT, R_RECV);
	if (!oe)
		return false;
	struct vm_object *o = container_of(ov, struct vm_object, obj);
	struct endpoint *ep = container_of(oe, struct endpoint, obj);
	if (a[6] != o->epoch || (offset & PAGE_MASK) || (offset >> PAGE_SHIFT) >= o->npages || (src & PAGE_MASK) ||
	    !(prot & VM_R)) /* (no other bit: vm_pager_supply_fast checked) */
		return false;
	if (ep->dead || !list_empty(&ep->kmsgs) || !list_empty(&ep->sendq.head))
		return false;
	pte_t *pte = src ? own_frame_fast(k, src) : 0;
	/* The first page of a 512-page leaf of the object's directory stays
	 * on this path: the leaf is allocated here, inline (the leaf is the
	 * page's, whatever path answers it). */
	uint64_t *slot = vmo_slot_alloc_inline(o, offset >> PAGE_SHIFT);
	if ((src && !pte) || !slot || (*slot & VPE_PRESENT))
		return false;
	return vm_supply_fast(t, o, offset >> PAGE_SHIFT, slot, pte, src, prot, ep, stamp);
}

static __attribute__((noinline)) int64_t supply_general(struct thread *t, const uint64_t *a);

/* PAGER_SUPPLY_TAKE: the page at va of the pager k must be resident in a
 * kernel zero-fill object of its own (no pager, no object below, not
 * pinned: a disk buffer whose request is done), other than o. */
static bool take_source(struct task *k, struct vm_object *o, uaddr_t va, struct vm_object **so,
			uint64_t *page)
{
	struct vm_region *r = vm_region_find(k, va);
	if (!r || r->obj == o || r->obj->pager || r->obj->backing)
		return false;
	*so = r->obj;
	*page = r->offset + ((va - r->start) >> PAGE_SHIFT);
	uint64_t e = vmo_lookup(*so, *page);
	return (e & VPE_PRESENT) && !(e & VPE_PIN_MASK);
}

bool vm_pager_supply_fast(struct thread *t, const uint64_t *a)
{
	/* One page, a receive, plain rights (no COPY or TAKE): else at once
	 * to the general path, before any lookup. */
	return a[3] == 1 && (int64_t)a[5] >= 0 && !(a[4] & ~(uint64_t)(VM_R | VM_W | VM_X)) &&
	       supply_one_fast(t, a, vm_now());
}

/* entry.S has tried vm_pager_supply_fast already: this is what it left. */
int64_t sys_pager_supply(struct thread *t, const uint64_t *a)
{
	return supply_general(t, a);
}

/* Any supply: several pages, no receive, or a case the fast path left. */
static int64_t supply_general(struct thread *t, const uint64_t *a)
{
	struct task *k = t->task;
	struct vm_object *o = 0;
	uint64_t offset = a[1], src = a[2], n = a[3];
	uint32_t prot = (uint32_t)a[4] & ~(PAGER_SUPPLY_COPY | PAGER_SUPPLY_TAKE);
	bool copy = a[4] & PAGER_SUPPLY_COPY; /* src is copied, not moved */
	bool take = a[4] & PAGER_SUPPLY_TAKE; /* src's frames taken from its object */
	struct vm_object *tobj[PAGER_SUPPLY_MAX]; /* take: the source page's object */
	uint64_t tpage[PAGER_SUPPLY_MAX];
	int64_t recv_ep = (int64_t)a[5];
	uint64_t stamp = vm_now();
	bool zero = src == 0; /* "no data": the kernel zero-fills (Mach's data_unavailable) */
	/* Checked pages keep their entry and cache slot for the commit. */
	pte_t *ptes[PAGER_SUPPLY_MAX];
	uint64_t *slots[PAGER_SUPPLY_MAX];
	int err = lookup_paged(t, (int64_t)a[0], a[6], &o);
	if (!err)
		err = check_pages(o, offset, n);
	if (!err && ((src & PAGE_MASK) || n > PAGER_SUPPLY_MAX || !(prot & VM_R) ||
		     (prot & ~(VM_R | VM_W | VM_X))))
		err = -E_INVAL;
	if (!err && !zero && (src < USER_LO || n > (USER_HI - src) >> PAGE_SHIFT))
		err = -E_FAULT;
	if (!err && copy && (zero || take || user_check_mapped(k, src, n << PAGE_SHIFT, false)))
		err = zero || take ? -E_INVAL : -E_FAULT;
	if (!err && take && zero)
		err = -E_INVAL;
	if (!err && recv_ep >= 0) { /* the receive must be possible before anything moves */
		struct handle *h;
		err = handle_lookup(k->handles, recv_ep, OBJ_ENDPOINT, R_RECV, &h);
		if (!err && container_of(h->obj, struct endpoint, obj)->dead)
			err = container_of(h->obj, struct endpoint, obj)->dead;
	}
	for (uint64_t i = 0; !err && i < n; i++) {
		ptes[i] = zero || copy || take ? 0 : vm_own_frame(k, src + (i << PAGE_SHIFT));
		slots[i] = vmo_slot(o, (offset >> PAGE_SHIFT) + i, true);
		if (take && !take_source(k, o, src + (i << PAGE_SHIFT), &tobj[i], &tpage[i]))
			err = -E_FAULT;
		else if (!zero && !copy && !take && !ptes[i])
			err = -E_FAULT;
		else if (!slots[i])
			err = -E_NOMEM; /* leaves are allocated up front: commit cannot fail */
	}
	if (!err && (zero || copy) && pmm_free_count() < n)
		err = -E_NOMEM; /* after the leaves took theirs: the allocations below cannot fail */
	if (err) {
		if (task_may_log(k))
			klog("pager supply refused: task %u (%s), offset 0x%lx, %lu pages: error %d\n", k->id,
		     k->name, (unsigned long)offset, (unsigned long)n, err);
		return err;
	}
	int64_t installed = 0;
	uint64_t flags = vpe_prot_flags(prot) | VPE_PRESENT;
	uint64_t fresh = 0; /* bit i: page i went in now */
	_Static_assert(PAGER_SUPPLY_MAX <= 64, "one bit a page");
	uint64_t unlocked = 0; /* bit i: page i was there, write-protected, and is now writable */
	for (uint64_t i = 0; i < n; i++) {
		/* A page read ahead whose newer copy is on its way to the pager
		 * (a RETURN it has not received yet) would bring back old data:
		 * it stays out, and its frame with the pager. */
		if (!(*slots[i] & VPE_PRESENT) && !zero && o->anon && !list_empty(&o->pager->kmsgs) &&
		    vm_return_queued(o, (offset >> PAGE_SHIFT) + i) &&
		    !vmo_find_request(o, (offset >> PAGE_SHIFT) + i))
			continue;
		if (*slots[i] & VPE_PRESENT) { /* already there: the frame stays with the pager */
			if ((prot & VM_W) && (*slots[i] & VPE_NOWRITE)) { /* the answer to an UNLOCK */
				*slots[i] &= ~VPE_NOWRITE;
				unlocked |= 1ull << i;
			}
			continue;
		}
		paddr_t f;
		if (zero) {
			f = pmm_alloc_inline(); /* (a cluster's pages: no call each) */
		} else if (copy) { /* filled whole from the pager's page, checked mapped above */
			f = pmm_alloc_raw();
			copy_from_user_mapped(k, pa_to_kva(f), src + (i << PAGE_SHIFT), PAGE_SIZE);
		} else if (take) { /* the object's reference comes with it */
			f = PAGE_DOWN(vmo_remove(tobj[i], tpage[i]));
		} else {
			f = pmap_clear(ptes[i], k->asid, src + (i << PAGE_SHIFT));
			k->frames--;
		}
		*slots[i] = f | flags | (o->anon && !zero ? VPE_PAGED : 0); /* the pager keeps a copy */
		o->resident++;
		o->supplies++;
		vm_pages_supplied++;
		installed++;
		fresh |= 1ull << i;
	}
	/* Only now map the waiters: their page tables must not take the
	 * frames counted for the zero-filled pages. */
	struct vm_region *around = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct vm_request *req = ((fresh | unlocked) >> i) & 1
						 ? vmo_find_request(o, (offset >> PAGE_SHIFT) + i) : 0;
		if (req) {
			trace_set(req->trace, TRACE_SUPPLY, stamp);
			if (!around && n > 1)
				around = vm_request_region(req);
			vm_request_complete(req);
		}
	}
	if (around)
		vm_map_around(around, offset >> PAGE_SHIFT, n, slots); /* fault-around */
	if (recv_ep < 0)
		return installed;
	t->tf.x[REG_A0] = (uint64_t)recv_ep;
	t->tf.x[REG_A6] = 0;
	return ipc_recv(t, &t->tf.x[REG_A0]);
}

static struct vm_request *first_request_in(struct vm_object *o, uint64_t first, uint64_t end)
{
	vmo_for_each_request(req, o) {
		if (req->page >= first && req->page < end)
			return req;
	}
	return 0;
}

int64_t sys_pager_fail(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	int err = lookup_paged(t, (int64_t)a[0], a[4], &o);
	if (!err)
		err = check_pages(o, a[1], a[2]);
	if (!err && !PAGER_FAIL_CODE_OK((int64_t)a[3]))
		err = -E_INVAL; /* outside the closed set (uapi/pager.h) */
	if (err)
		return err;
	int code = (int)a[3];
	uint64_t first = a[1] >> PAGE_SHIFT, end = first + a[2];
	/* Failing one request may kill tasks whose deaths end others (the
	 * caller's own threads may be among the waiters): look again from
	 * the start after each. Those deaths may close the last handle on
	 * o: keep it until done. */
	kobj_get(&o->obj);
	for (struct vm_request *req = first_request_in(o, first, end); req;
	     req = first_request_in(o, first, end))
		vm_request_fail(req, code);
	kobj_put(&o->obj);
	return 0;
}

int64_t sys_pager_query(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	uint64_t n = a[2];
	int err = lookup_vmo(t, (int64_t)a[0], R_PAGER, &o);
	if (!err)
		err = check_pages(o, a[1], n);
	if (!err && (a[4] & ~QUERY_CLEAR_ACCESSED))
		err = -E_INVAL;
	if (!err)
		err = user_check(t->task, a[3], n, true);
	if (err)
		return err;
	return vmo_query_to_user(t->task, o, a[1] >> PAGE_SHIFT, n, a[3],
				 a[4] & QUERY_CLEAR_ACCESSED);
}

int vmo_query_to_user(struct task *k, struct vm_object *o, uint64_t first, uint64_t n,
		      uaddr_t out, bool clear_accessed)
{
	uint8_t buf[256];
	for (uint64_t done = 0; done < n; done += sizeof(buf)) {
		uint64_t m = MIN(sizeof(buf), n - done);
		for (uint64_t i = 0; i < m; i++) {
			uint64_t e = vmo_harvest(o, first + done + i, clear_accessed);
			buf[i] = (e & VPE_PRESENT ? PAGE_RESIDENT : 0) |
				 (e & VPE_ACCESSED ? PAGE_ACCESSED : 0) | (e & VPE_DIRTY ? PAGE_DIRTY : 0) |
				 (e & VPE_PIN_MASK ? PAGE_PINNED : 0);
		}
		int err = copy_to_user(k, out + done, buf, m);
		if (err)
			return err;
	}
	return 0;
}

/* A free slot of the pager's own space at va for a returned frame. */
static bool free_slot(struct task *k, uaddr_t va)
{
	if (va < USER_LO || va >= USER_HI || vm_region_find(k, va))
		return false;
	pte_t *e = sv39_walk(k->pt_root, va, true); /* tables made now: commit cannot fail */
	return e && !(*e & PTE_V);
}

/* Whether [va, va+n) lies in a mapping of o, which evict may unmap. */
static bool status_in_object(struct task *k, uaddr_t va, uint64_t n, struct vm_object *o)
{
	for (uaddr_t p = PAGE_DOWN(va); p < va + n; p += PAGE_SIZE) {
		struct vm_region *r = vm_region_find(k, p);
		if (r && r->obj == o)
			return true;
	}
	return false;
}

int64_t sys_pager_evict(struct thread *t, const uint64_t *a)
{
	struct task *k = t->task;
	struct vm_object *o;
	uint64_t n = a[2], dst = a[3];
	int err = lookup_paged(t, (int64_t)a[0], a[5], &o);
	if (!err)
		err = check_pages(o, a[1], n);
	if (!err && (dst & PAGE_MASK))
		err = -E_INVAL;
	if (!err && (dst < USER_LO || n > (USER_HI - dst) >> PAGE_SHIFT))
		err = -E_FAULT;
	for (uint64_t i = 0; !err && i < n; i++)
		if (!free_slot(k, dst + (i << PAGE_SHIFT)))
			err = -E_BUSY;
	if (!err)
		err = user_check(k, a[4], n, true);
	if (!err && status_in_object(k, a[4], n, o))
		err = -E_INVAL; /* evicting would unmap the status bytes themselves */
	if (err)
		return err;
	uint64_t first = a[1] >> PAGE_SHIFT;
	int64_t returned = 0;
	for (uint64_t i = 0; i < n; i++) {
		/* A page pinned for a device stays (uapi/dma.h). */
		bool pinned = vmo_lookup(o, first + i) & VPE_PIN_MASK;
		uint64_t e = pinned ? 0 : vmo_remove(o, first + i);
		uint8_t st = pinned ? PAGE_RESIDENT | PAGE_PINNED : 0;
		if (e & VPE_PRESENT) {
			st = PAGE_RESIDENT;
			if (o->anon && (e & (VPE_DIRTY | VPE_PAGED)))
				*vmo_slot(o, first + i, false) = VPE_PAGED; /* the pager has it */
			if (e & VPE_DIRTY) {
				sv39_map(k->pt_root, dst + (i << PAGE_SHIFT), PAGE_DOWN(e),
					 PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
				k->frames++;
				st |= PAGE_DIRTY;
				returned++;
			} else {
				pmm_unref(PAGE_DOWN(e));
			}
		}
		err = copy_to_user(k, a[4] + i, &st, 1);
		if (err)
			return err; /* cannot happen: checked above */
	}
	return returned;
}

int64_t sys_pager_lock(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	uint64_t n = a[2], op = a[3];
	int err = lookup_paged(t, (int64_t)a[0], a[4], &o);
	if (!err)
		err = check_pages(o, a[1], n);
	if (!err && (op < LOCK_WRITE_PROTECT || op > LOCK_DISCARD || (op == LOCK_DISCARD && !o->anon)))
		err = -E_INVAL;
	if (err)
		return err;
	uint64_t first = a[1] >> PAGE_SHIFT;
	for (uint64_t page = first; page < first + n; page++) {
		uint64_t *s = vmo_slot(o, page, false);
		if (op == LOCK_WRITE_PROTECT) {
			vmo_write_protect(o, page);
		} else if (op == LOCK_CLEAN) {
			vmo_clean(o, page);
		} else if (op == LOCK_FLUSH || op == LOCK_DISCARD) {
			bool pinned = s && (*s & VPE_PIN_MASK);
			uint64_t e = pinned ? 0 : vmo_remove(o, page);
			if (e & VPE_PRESENT)
				pmm_unref(PAGE_DOWN(e));
			if (op == LOCK_DISCARD && s && !pinned)
				*s &= ~VPE_PAGED; /* a later fault zero-fills */
		} else if (s && (*s & VPE_PRESENT)) { /* unlock */
			*s &= ~VPE_NOWRITE;
			struct vm_request *req = vmo_find_request(o, page);
			if (req)
				vm_request_complete(req);
		}
	}
	return 0;
}

int64_t sys_vmo_set(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	struct endpoint *fb = 0;
	int err = lookup_vmo(t, (int64_t)a[0], R_CONTROL, &o);
	if (!err && (int64_t)a[1] >= 0)
		err = lookup_pager_ep(t, (int64_t)a[1], &fb);
	if (!err && fb && fb == o->pager)
		err = -E_INVAL; /* a pager cannot stand in for itself */
	if (!err && (a[3] == 0 || a[3] > 3600 * 1000))
		err = -E_INVAL;
	if (err)
		return err;
	vm_set_fallback(o, fb, a[2]);
	o->deadline_ticks = a[3] * arch_timebase_hz() / 1000;
	return 0;
}

static uint64_t vmo_depth(struct vm_object *o)
{
	uint64_t n = 0;
	for (struct vm_object *b = o->backing; b; b = b->backing)
		n++;
	return n;
}

int64_t sys_vmo_info(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	int err = lookup_vmo(t, (int64_t)a[0], R_READ, &o);
	if (err)
		return err;
	uint64_t pending = 0;
	vmo_for_each_request(req, o)
		pending++;
	struct vmo_info info = {
		.size = o->npages << PAGE_SHIFT, .resident = o->resident, .faults = o->faults,
		.minor = o->minor, .supplies = o->supplies, .pending = pending,
		.deadline_ms = o->deadline_ticks * 1000 / arch_timebase_hz(),
		.has_pager = o->pager != 0, .has_fallback = o->fallback != 0,
		.depth = vmo_depth(o), .epoch = o->epoch, .rebinding = o->rebind_to != 0, .id = o->id,
	};
	return copy_to_user(t->task, a[1], &info, sizeof(info));
}

int64_t sys_trace_read(struct thread *t, const uint64_t *a)
{
	return trace_read(t->task, a[0], a[1], a[2]);
}

int64_t sys_vm_stats(struct thread *t, const uint64_t *a)
{
	struct vm_stats st = { .frames_total = pmm_total_count(), .frames_free = pmm_free_count() };
	vm_stats_fill(&st);
	return copy_to_user(t->task, a[0], &st, sizeof(st));
}

int64_t sys_vmo_anon(struct thread *t, const uint64_t *a)
{
	uint64_t size = a[0], offset = a[2];
	struct vm_object *below = 0;
	struct endpoint *ep = 0;
	int err = 0;
	if (size == 0 || (size | offset) & PAGE_MASK || size / PAGE_SIZE > VMO_MAX_PAGES)
		err = -E_INVAL;
	if (!err && (int64_t)a[1] >= 0) /* a shadow: its reads see below */
		err = lookup_vmo(t, (int64_t)a[1], R_READ, &below);
	if (!err && below && (offset / PAGE_SIZE > below->npages ||
			      size / PAGE_SIZE > below->npages - offset / PAGE_SIZE))
		err = -E_RANGE;
	if (!err && (int64_t)a[3] >= 0)
		err = lookup_pager_ep(t, (int64_t)a[3], &ep);
	if (!err && handle_room(t->task->handles, 1))
		err = -E_FULL;
	if (err)
		return err;
	struct vm_object *o = below ? vmo_create_shadow(below, offset / PAGE_SIZE,
							size / PAGE_SIZE, t->task)
				    : vmo_create_anon(size / PAGE_SIZE, t->task);
	if (!o)
		return -E_NOMEM;
	if (ep) { /* paged by ep rather than by the default pager */
		vm_object_unbind(o);
		vm_object_bind(o, ep, a[4]);
	}
	return install_vmo(t, o, ep);
}

int64_t sys_default_pager(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	struct endpoint *ep = 0;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_SYSTEM, R_CONTROL, &h);
	if (!err && (int64_t)a[1] >= 0)
		err = lookup_pager_ep(t, (int64_t)a[1], &ep);
	if (err)
		return err;
	vmo_set_default_pager(ep);
	if (ep && ep->owner == t->task)
		t->task->is_pager = true;
	return 0;
}

/* The default pager meets objects it never created: the kernel binds
 * each new anonymous object to it with the object's id as badge. This
 * gives it a handle (R_PAGER | R_READ) to answer their FAULTs with. A
 * handle with R_PAGER is no user: the object still ends when its last
 * mapping and other handle go (PAGER_TERMINATE), and the pager closes it. */
int64_t sys_pager_open(struct thread *t, const uint64_t *a)
{
	struct endpoint *ep;
	int err = lookup_pager_ep(t, (int64_t)a[0], &ep);
	if (err)
		return err;
	list_for_each(pos, &ep->objects) {
		struct vm_object *o = list_entry(pos, struct vm_object, pager_link);
		if (o->pager_badge == a[1])
			return handle_install(t->task->handles, &o->obj, R_PAGER | R_READ, 0);
	}
	return -E_NOENT;
}

int64_t sys_pager_ctl(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	uint64_t op = a[1], n = a[3], arg = a[4];
	int err = lookup_paged(t, (int64_t)a[0], a[5], &o);
	if (err)
		return err;
	if (op == PAGER_CTL_RELEASED) {
		if (a[2] || n || arg)
			return -E_INVAL;
		if (!o->rebind_to)
			return -E_BUSY; /* nothing was asked */
		vm_rebind_finish(o, 0);
		return 0;
	}
	if (op != PAGER_CTL_EXTEND)
		return -E_INVAL;
	err = check_pages(o, a[2], n);
	if (!err && (arg == 0 || arg > PAGER_DEADLINE_MAX_MS))
		err = -E_INVAL;
	if (err)
		return err;
	uint64_t first = a[2] >> PAGE_SHIFT, extended = 0;
	uint64_t deadline = arch_time() + arg * arch_timebase_hz() / 1000;
	vmo_for_each_request(req, o) {
		if (req->page >= first && req->page - first < n) {
			vm_request_set_deadline(req, deadline);
			extended++;
		}
	}
	return (int64_t)extended;
}

int64_t sys_vmo_rebind(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	struct endpoint *ep;
	int err = lookup_vmo(t, (int64_t)a[0], R_CONTROL, &o);
	if (!err)
		err = lookup_pager_ep(t, (int64_t)a[1], &ep);
	if (!err)
		err = vm_rebind_start(o, ep, a[2]);
	if (err)
		return err;
	return o->rebind_to ? o->epoch + 1 : o->epoch;
}

/* The frame of page for a copy call, or 0 with *ret set: USER_BLOCKED when
 * t now waits for the pager, or an error. */
static paddr_t copy_frame(struct thread *t, struct vm_object *o, uint64_t page, bool write,
			  int64_t *ret)
{
	for (;;) {
		uint64_t e = vmo_lookup(o, page);
		bool locked = (e & VPE_PRESENT) && write && (e & VPE_NOWRITE);
		if ((e & VPE_PRESENT) && !locked)
			return PAGE_DOWN(e);
		if (o->failed || !o->pager) {
			*ret = -E_DEAD;
			return 0;
		}
		enum vm_fault_result r = vm_request_page(t, o, page, 0, write ? VM_W : VM_R,
							 locked ? FAULT_UNLOCK : FAULT_DATA, vm_now());
		if (r != FAULT_RESOLVED) {
			*ret = r == FAULT_BLOCKED ? USER_BLOCKED : -E_NOMEM;
			return 0;
		}
	}
}

static int64_t vmo_copy(struct thread *t, const uint64_t *a, bool write)
{
	struct vm_object *o;
	uint64_t off = a[1], buf = a[2], len = a[3];
	int err = lookup_vmo(t, (int64_t)a[0], write ? R_MAP : R_READ, &o);
	if (!err && (o->anon || !o->pager))
		err = -E_INVAL;
	if (!err && off > (o->npages << PAGE_SHIFT))
		err = -E_RANGE;
	if (!err && write && !module_object_writable(o))
		err = -E_PERM;
	if (err)
		return err;
	if (len > (o->npages << PAGE_SHIFT) - off)
		len = (o->npages << PAGE_SHIFT) - off;
	/* The buffer first: nothing is asked of the pager for a bad one. */
	err = user_check(t->task, buf, len, !write);
	if (err)
		return err;
	int64_t done = 0;
	while ((uint64_t)done < len) {
		uint64_t at = off + (uint64_t)done, page = at >> PAGE_SHIFT;
		uint64_t n = MIN(PAGE_SIZE - (at & PAGE_MASK), len - (uint64_t)done);
		int64_t ret;
		paddr_t f = copy_frame(t, o, page, write, &ret);
		if (!f)
			return done ? done : ret;
		uint8_t *kva = (uint8_t *)pa_to_kva(f) + (at & PAGE_MASK);
		err = write ? copy_from_user(t->task, kva, buf + (uint64_t)done, n)
			    : copy_to_user(t->task, buf + (uint64_t)done, kva, n);
		if (err)
			return done ? done : err;
		if (write)
			*vmo_slot(o, page, false) |= VPE_DIRTY;
		done += (int64_t)n;
	}
	return done;
}

int64_t sys_vmo_read(struct thread *t, const uint64_t *a)
{
	return vmo_copy(t, a, false);
}

int64_t sys_vmo_write(struct thread *t, const uint64_t *a)
{
	return vmo_copy(t, a, true);
}
