/* The shared pager loop; see pagers/common/pager.h. */
#include "pagers/common/pager.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"

#include <string.h>

#define PAGE 4096ul

struct pager_object *pager_object_new(struct pager *p, uint64_t size, long *err)
{
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++) {
		struct pager_object *o = &p->objects[i];
		if (o->vmo || o->adopting)
			continue;
		long h = vmo_create(size, p->ep, (uint64_t)i + 1);
		if (h < 0) {
			*err = h;
			return 0;
		}
		o->vmo = (int)h;
		o->size = size;
		o->data = 0;
		o->epoch = PAGER_EPOCH_FIRST;
		return o;
	}
	*err = -E_FULL;
	return 0;
}

struct pager_object *pager_object_adopt(struct pager *p, int h, long *err)
{
	struct vmo_info info;
	*err = vmo_info(h, &info);
	for (int i = 0; !*err && i < PAGER_MAX_OBJECTS; i++) {
		struct pager_object *o = &p->objects[i];
		if (o->vmo || o->adopting)
			continue;
		long epoch = vmo_rebind(h, p->ep, (uint64_t)i + 1);
		if (epoch < 0) {
			*err = epoch;
			return 0;
		}
		/* Ours once the old pager has let go: the handle with R_PAGER
		 * is opened at the first message for it (object_of). */
		*o = (struct pager_object){ .size = info.size, .epoch = (uint32_t)epoch,
					    .adopting = true };
		return o;
	}
	if (!*err)
		*err = -E_FULL;
	return 0;
}

/* The return-area page of slot i. */
static uint64_t kept_va(const struct pager *p, uint32_t i)
{
	return p->return_base + i * PAGE;
}

static uint32_t index_of(const struct pager *p, const struct pager_object *obj)
{
	return (uint32_t)(obj - p->objects);
}

/* The return-area slot holding obj's page at offset, or -1. */
static int kept_find(const struct pager *p, const struct pager_object *obj, uint64_t offset)
{
	uint32_t id = index_of(p, obj) + 1;
	for (uint32_t i = 0; i < p->return_pages; i++)
		if (p->kept[i].object == id && p->kept[i].offset == offset)
			return (int)i;
	return -1;
}

/* The slot no longer holds a page of obj (its frame moved or was freed). */
static void kept_forget(struct pager *p, uint32_t i)
{
	p->objects[p->kept[i].object - 1].kept--;
	p->kept[i] = (struct pager_kept){ 0 };
}

/* Every frame kept for obj: supplied back to the object (hand_back, on a
 * RELEASE) or freed. A frame the object does not take is freed. */
static void kept_drop_all(struct pager *p, struct pager_object *obj, bool hand_back)
{
	uint32_t id = index_of(p, obj) + 1;
	for (uint32_t i = 0; obj->kept && i < p->return_pages; i++) {
		if (p->kept[i].object != id)
			continue;
		long r = 0;
		if (hand_back)
			r = pager_supply(obj->vmo, p->kept[i].offset, (void *)kept_va(p, i), 1,
					 VM_R | VM_W | VM_X, obj->epoch);
		if (r != 1)
			vm_unmap(kept_va(p, i), PAGE);
		kept_forget(p, i);
	}
}

/* Forgets obj: kept frames freed, deferred fills cancelled (their pages
 * stay held until the pager completes them), ops->terminate, handle
 * closed. */
static void object_forget(struct pager *p, struct pager_object *obj)
{
	kept_drop_all(p, obj, false);
	pq_cancel_object(&p->queue, index_of(p, obj));
	if (p->ops->terminate)
		p->ops->terminate(p, obj);
	sys_handle_close(obj->vmo);
	*obj = (struct pager_object){ 0 };
}

void pager_object_drop(struct pager *p, struct pager_object *obj)
{
	object_forget(p, obj);
}

void pager_undo_create(void *ctx, const struct ipc_request *req,
		       const struct ipc_response *resp)
{
	struct pager *p = ctx;
	for (int i = 0; i < PAGER_MAX_OBJECTS && resp->nhandles; i++)
		if (p->objects[i].vmo && p->objects[i].vmo == resp->handles[0])
			pager_object_drop(p, &p->objects[i]);
}

/* An adopted object's first message: the rebind is complete, the handle
 * can be opened. */
static __attribute__((noinline)) struct pager_object *adopted(struct pager *p, uint64_t badge)
{
	struct pager_object *o = &p->objects[badge - 1];
	long h = pager_open(p->ep, badge);
	if (h < 0) { /* gone already (its message comes only once it is bound to us) */
		uprintf("%s: adopted object %lu: no handle (%s)\n", p->name, (unsigned long)badge,
			err_name(h));
		*o = (struct pager_object){ 0 };
		return 0;
	}
	o->vmo = (int)h;
	o->adopting = false;
	return o;
}

static struct pager_object *object_of(struct pager *p, uint64_t badge)
{
	if (badge == 0 || badge > PAGER_MAX_OBJECTS)
		return 0;
	struct pager_object *o = &p->objects[badge - 1];
	if (o->vmo)
		return o;
	return o->adopting ? adopted(p, badge) : 0;
}

/*
 * With a refill thread the pool is a ring: slot i % pool_cap at position
 * i. The thread wires the slots at [pool_tail, ...) and moves pool_tail
 * on; the loop takes the one at pool_head and moves pool_head on, so
 * [pool_head, pool_tail) are ready and the rest are empty, to be wired
 * again. Each side writes only its own counter: no lock, no atomic
 * read-modify-write, no batch of slots taken at once.
 */

/* With a refill thread: ready slots (an estimate while the thread runs). */
static uint32_t pool_ready_count(const struct pager *p)
{
	return (uint32_t)(__atomic_load_n(&p->pool_tail, __ATOMIC_ACQUIRE) - p->pool_head);
}

/* Without the doorbell: the system call, at the low mark only. */
static __attribute__((noinline)) void pool_low_signal(struct pager *p)
{
	if (pool_ready_count(p) <= p->pool_low) {
		p->refill_asked = true;
		notify_signal(p->refill_note, 1);
	}
}

/* With a refill thread: a slot was taken, or none was there; ask the
 * thread for more (once until it has run). With its idle doorbell that
 * is a store the kernel answers when the hart is about to idle, free to
 * the fault being served, so the loop asks at once and the thread tops
 * the pool up whenever the hart would idle; without one it is a system
 * call, made only at the low mark. */
static inline __attribute__((always_inline)) void pool_low_water(struct pager *p)
{
	if (p->refill_asked || !p->pool_low)
		return;
	if (p->doorbell) {
		p->refill_asked = true;
		__atomic_store_n(p->doorbell, 1, __ATOMIC_RELEASE);
	} else {
		pool_low_signal(p);
	}
}

/* With a refill thread: the next ready slot, or -1. Handing it on is
 * the store to pool_head: its frame has left by the time the thread
 * wires it again (refill_round). */
static inline __attribute__((always_inline)) int32_t pool_take_ready(struct pager *p)
{
	uint64_t head = p->pool_head;
	uint64_t ready = __atomic_load_n(&p->pool_tail, __ATOMIC_ACQUIRE) - head;
	if (!ready)
		return -1;
	__atomic_store_n(&p->pool_head, head + 1, __ATOMIC_RELEASE);
	pool_low_water(p);
	return (int32_t)(head % p->pool_cap);
}

/* Whether the pool has a page ready. */
static inline bool pool_any(const struct pager *p)
{
	if (p->refill_note <= 0)
		return p->pool_count != 0;
	return pool_ready_count(p) != 0;
}

uint32_t pager_pool_ready(const struct pager *p)
{
	return p->refill_note > 0 ? pool_ready_count(p) : p->pool_count;
}

/* Wires empty slots until `want` are ready. Slots still holding a frame
 * refuse the wiring (E_BUSY) and are skipped. (Not with a refill thread:
 * the loop wires nothing then, it asks for more; a pager without a fill
 * op answers a fault the pool cannot with the kernel's zero-fill.) */
static void pool_fill(struct pager *p, uint32_t want)
{
	for (uint32_t slot = 0; slot < p->pool_cap && p->pool_count < want; slot++) {
		if (p->pool_ready[slot])
			continue;
		/* E_BUSY: the slot kept its page (a supply that found the
		 * object page already there leaves it): still zero, usable. */
		long r = mem_wire(p->pool_base + slot * PAGE, PAGE, VM_R | VM_W);
		if (r == 0 || r == -E_BUSY) {
			p->pool_ready[slot] = 1;
			p->pool_free[p->pool_count++] = slot;
		}
	}
}

void pager_pool_refill(struct pager *p)
{
	if (p->refill_note > 0) {
		p->refill_asked = true;
		notify_signal(p->refill_note, 1);
		return;
	}
	pool_fill(p, p->pool_size);
}

void pager_pool_drain(struct pager *p)
{
	p->pool_size = 0; /* a refill round under way stops at size 0 */
	p->pool_low = 0;
	for (int32_t slot; p->refill_note > 0 && (slot = pool_take_ready(p)) >= 0;)
		vm_unmap(p->pool_base + (uint32_t)slot * PAGE, PAGE);
	while (p->pool_count) {
		uint32_t slot = p->pool_free[--p->pool_count];
		p->pool_ready[slot] = 0;
		vm_unmap(p->pool_base + slot * PAGE, PAGE);
	}
}

/* A pool page for the next fault; with the pool empty, one is wired (and
 * so zeroed by the kernel) on the spot. */
static inline __attribute__((always_inline)) void *pool_take(struct pager *p)
{
	if (p->refill_note > 0) {
		int32_t slot = pool_take_ready(p);
		if (slot < 0)
			return 0;
		return (void *)(p->pool_base + (uint32_t)slot * PAGE);
	}
	if (p->pool_count == 0)
		pool_fill(p, 1);
	if (p->pool_count == 0)
		return 0;
	uint32_t slot = p->pool_free[--p->pool_count];
	p->pool_ready[slot] = 0; /* its frame is about to leave */
	return (void *)(p->pool_base + slot * PAGE);
}

/* The error a fill or unlock answered, held to the closed set: anything
 * else is the pager's slip, logged (1st, 2nd, 4th... time) and told to
 * the faulting task as -E_FORMAT. */
static long checked_error(struct pager *p, long err)
{
	if (PAGER_FAIL_CODE_OK(err))
		return err;
	p->refused++;
	if ((p->refused & (p->refused - 1)) == 0)
		uprintf("%s: error %ld is outside the closed set, failed as E_FORMAT (%lu so far)\n",
			p->name, err, (unsigned long)p->refused);
	return -E_FORMAT;
}

/* The pool slot of a page the pool handed out. */
static uint32_t pool_slot(const struct pager *p, const void *page)
{
	return (uint32_t)(((uint64_t)page - p->pool_base) / PAGE);
}

/* A pool page that will not be supplied: its frame (maybe part filled)
 * goes, and the slot is wired afresh, zeroed, at the next refill. */
static void pool_discard(struct pager *p, void *page)
{
	vm_unmap((uint64_t)page, PAGE);
	p->pool_ready[pool_slot(p, page)] = 0;
}

long pager_defer(struct pager *p, struct pager_object *obj, uint64_t offset, void *page)
{
	if (!page || page != p->deferrable)
		return -E_BUSY;
	long token = pq_add(&p->queue, index_of(p, obj), offset, page);
	if (token >= 0) {
		p->deferrable = 0;
		p->defer_token = token;
	}
	return token;
}

long pager_complete(struct pager *p, long token, int err)
{
	struct pq_entry e;
	if (!pq_take(&p->queue, token, &e))
		return -E_INVAL;
	long r = -E_CANCELED;
	if (e.state == PQ_WAITING) {
		struct pager_object *obj = &p->objects[e.object];
		if (err) {
			p->failed++;
			r = pager_fail(obj->vmo, e.offset, 1, checked_error(p, err), obj->epoch);
		} else {
			r = pager_supply(obj->vmo, e.offset, e.page, 1, VM_R | VM_W | VM_X,
					 obj->epoch);
			r = r < 0 ? r : 0;
		}
	}
	pool_discard(p, e.page); /* what a supply did not move */
	return r;
}

/* ops->fill for one pool page, which it may defer. Afterwards PAGER_PENDING
 * means a waiting entry holds the page; a fill that deferred and answered
 * anyway has its entry taken back, one that answered PAGER_PENDING
 * without deferring broke the contract (-E_BUSY, refused as such). */
static long fill_one(struct pager *p, struct pager_object *obj, uint64_t offset, void *page)
{
	p->deferrable = page;
	long err = p->ops->fill(p, obj, offset, page);
	bool deferred = !p->deferrable;
	p->deferrable = 0;
	if (deferred && err != PAGER_PENDING) {
		struct pq_entry e;
		pq_take(&p->queue, p->defer_token, &e);
	}
	return !deferred && err == PAGER_PENDING ? -E_BUSY : err;
}

/* A fill that did not answer with data: deferred (its pool slot held
 * until pager_complete), or failed. Then receives the next message. */
static long fill_not_done(struct pager *p, struct pager_object *obj, uint64_t offset,
			  void *page, long err, struct ipc_msg *m)
{
	if (err == PAGER_PENDING) {
		p->deferred++;
		p->pool_ready[pool_slot(p, page)] = 2;
		return ipc_recv(p->ep, m, 0);
	}
	p->failed++;
	pager_fail(obj->vmo, offset, 1, checked_error(p, err), obj->epoch);
	if (page)
		pool_discard(p, page);
	return ipc_recv(p->ep, m, 0);
}

/* The cluster from offset on stops before a page whose frame we keep
 * (zeros or fresh data must not stand in for it). */
static uint64_t cluster_clip(const struct pager *p, const struct pager_object *obj,
			     uint64_t offset, uint64_t n)
{
	uint32_t id = index_of(p, obj) + 1;
	for (uint32_t i = 0; i < p->return_pages; i++)
		if (p->kept[i].object == id && p->kept[i].offset > offset &&
		    p->kept[i].offset < offset + n * PAGE)
			n = (p->kept[i].offset - offset) / PAGE;
	return n;
}

/* Answers a fault with a cluster of pages from offset on. Without a fill
 * operation the pages are zeros, which the kernel makes itself. */
static long fault_cluster(struct pager *p, struct pager_object *obj, uint64_t offset,
			  struct ipc_msg *m)
{
	uint64_t n = p->cluster;
	if (n > (obj->size - offset) / PAGE)
		n = (obj->size - offset) / PAGE;
	if (obj->kept)
		n = cluster_clip(p, obj, offset, n);
	if (!p->ops->fill)
		return pager_supply_recv(obj->vmo, offset, 0, n, VM_R | VM_W | VM_X, obj->epoch,
					 p->ep, m);
	vm_unmap(p->stage_base, p->cluster * PAGE); /* pages a supply left behind */
	int err = (int)mem_wire(p->stage_base, n * PAGE, VM_R | VM_W);
	p->deferrable = 0; /* a cluster answers at once */
	for (uint64_t i = 0; !err && p->ops->fill && i < n; i++)
		err = p->ops->fill(p, obj, offset + i * PAGE, (void *)(p->stage_base + i * PAGE));
	if (err) {
		p->failed++;
		pager_fail(obj->vmo, offset, 1,
			   checked_error(p, err == PAGER_PENDING ? -E_BUSY : err), obj->epoch);
		return ipc_recv(p->ep, m, 0);
	}
	return pager_supply_recv(obj->vmo, offset, (void *)p->stage_base, n, VM_R | VM_W | VM_X,
				 obj->epoch, p->ep, m);
}

/* A write to a page supplied write-protected: ops->unlock decides
 * (allowed at once without one). */
static long fault_unlock(struct pager *p, struct pager_object *obj, uint64_t offset,
			 struct ipc_msg *m)
{
	long err = p->ops->unlock ? p->ops->unlock(p, obj, offset) : 0;
	long r = err ? pager_fail(obj->vmo, offset, 1, checked_error(p, err), obj->epoch)
		     : pager_lock(obj->vmo, offset, 1, LOCK_UNLOCK, obj->epoch);
	if (r < 0)
		uprintf("%s: unlock failed: %s\n", p->name, err_name(r));
	return ipc_recv(p->ep, m, 0);
}

/* The page's frame came back in a RETURN and we hold it in slot i: the
 * kernel copies it into the object (PAGER_SUPPLY_COPY). The frame stays
 * ours, for a supplied page is clean in the kernel's eyes (the pager has
 * it), so the memory manager may drop it later without a RETURN. */
static long fault_kept(struct pager *p, struct pager_object *obj, uint64_t offset, uint32_t i,
		       struct ipc_msg *m)
{
	return pager_supply_recv(obj->vmo, offset, (void *)kept_va(p, i), 1,
				 VM_R | VM_W | VM_X | PAGER_SUPPLY_COPY, obj->epoch, p->ep, m);
}

/* Fills page (taken from the pool) and supplies it; the common end of
 * the pool path. */
static inline __attribute__((always_inline)) long
fault_fill_supply(struct pager *p, struct pager_object *obj, uint64_t offset, void *page,
		  struct ipc_msg *m)
{
	if (p->ops->fill) {
		long err = fill_one(p, obj, offset, page);
		if (err)
			return fill_not_done(p, obj, offset, page, err, m);
	}
	/* Keep the pool from running dry: top it up while nobody waits,
	 * i.e. supply without receiving, refill, then receive; or let the
	 * refill thread do it. */
	if (p->refill_note <= 0 && p->pool_count < p->pool_low) {
		long r = pager_supply(obj->vmo, offset, page, 1, VM_R | VM_W | VM_X, obj->epoch);
		if (r < 0)
			uprintf("%s: supply failed: %s\n", p->name, err_name(r));
		pager_pool_refill(p);
		return ipc_recv(p->ep, m, 0);
	}
	return pager_supply_recv(obj->vmo, offset, page, 1, VM_R | VM_W | VM_X, obj->epoch, p->ep,
				 m);
}

/* ops->read: pages read straight into the pager's buffer, their frames
 * taken by the supply. Returns 1 when it answered (m then holds the
 * next message), 0 to leave the fault to the fill path. */
static int fault_read(struct pager *p, struct pager_object *obj, uint64_t offset,
		      struct ipc_msg *m, long *status)
{
	uint64_t n = p->cluster ? p->cluster : 1;
	if (n > (obj->size - offset) / PAGE)
		n = (obj->size - offset) / PAGE;
	if (obj->kept)
		n = cluster_clip(p, obj, offset, n);
	void *src = 0;
	long got = n ? p->ops->read(p, obj, offset, n, &src) : 0;
	if (got == 0)
		return 0;
	if (got < 0 || (uint64_t)got > n) {
		p->failed++;
		pager_fail(obj->vmo, offset, 1, checked_error(p, got < 0 ? got : -E_RANGE),
			   obj->epoch);
		*status = ipc_recv(p->ep, m, 0);
		return 1;
	}
	*status = pager_supply_recv(obj->vmo, offset, src, (uint64_t)got,
				    VM_R | VM_W | VM_X | PAGER_SUPPLY_TAKE, obj->epoch, p->ep, m);
	return 1;
}

/* The cold cases of a data fault: a frame we kept for the page, a
 * read into the pager's buffer, a cluster, an empty pool. */
static __attribute__((noinline)) long fault_cold(struct pager *p, struct pager_object *obj,
						 uint64_t offset, struct ipc_msg *m)
{
	int i = obj->kept ? kept_find(p, obj, offset) : -1;
	if (i >= 0)
		return fault_kept(p, obj, offset, (uint32_t)i, m);
	long status;
	if (p->ops->read && fault_read(p, obj, offset, m, &status))
		return status;
	if (p->cluster > 1)
		return fault_cluster(p, obj, offset, m);
	/* Pool empty and nothing to fill in: let the kernel zero the page
	 * (zeroing is then on the fault's critical path). */
	if (!pool_any(p) && !p->ops->fill)
		return pager_supply_recv(obj->vmo, offset, 0, 1, VM_R | VM_W | VM_X, obj->epoch,
					 p->ep, m);
	void *page = pool_take(p); /* wires one if the pool is empty */
	if (!page)
		return fill_not_done(p, obj, offset, 0, -E_NOMEM, m);
	return fault_fill_supply(p, obj, offset, page, m);
}

/* The pool cannot answer and there is nothing to fill in: the kernel
 * zero-fills (zeroing is then on the fault's critical path). */
static inline __attribute__((always_inline)) long
fault_zero_fill(struct pager *p, struct pager_object *obj, uint64_t offset, struct ipc_msg *m)
{
	if (p->refill_note > 0)
		pool_low_water(p); /* the pool ran dry: ask for more */
	return pager_supply_recv(obj->vmo, offset, 0, 1, VM_R | VM_W | VM_X, obj->epoch, p->ep, m);
}

/* pager_run's register loop: a FAULT of the kernel's, for an object we
 * hold with no kept frames, no cluster, not an unlock, is answered here
 * (handle_fault's first case: a ring page, or with the ring empty the
 * kernel's zero fill) and true returned, the next message in m and the
 * receive's status in *err; anything else returns false, m untouched. */
static inline __attribute__((always_inline)) bool fault_ring(struct pager *p, struct ipc_msg *m,
							      long *err)
{
	uint64_t i = m->badge - 1; /* (badge 0 wraps: refused) */
	if (m->tag != (IPC_TAG(PAGER_FAULT, 4, 0) | IPC_TAG_KERNEL) || i >= PAGER_MAX_OBJECTS ||
	    !p->ring_plain || PAGER_KIND(m->w[1]) == FAULT_UNLOCK)
		return false;
	struct pager_object *obj = &p->objects[i];
	uint64_t offset = m->w[0];
	int vmo = obj->vmo; /* (kept in a register across the stores below) */
	if (!vmo || obj->kept || offset >= obj->size)
		return false;
	p->faults++;
	uint32_t epoch = PAGER_EPOCH(m->w[1]);
	obj->epoch = epoch;
	/* pool_take_ready, the slot kept unsigned; ring_plain means a
	 * refill thread (pool_low_water's) */
	uint64_t head = p->pool_head, src = 0;
	if (__atomic_load_n(&p->pool_tail, __ATOMIC_ACQUIRE) != head) {
		__atomic_store_n(&p->pool_head, head + 1, __ATOMIC_RELEASE);
		src = p->pool_base + (head % p->pool_cap) * PAGE;
	}
	pool_low_water(p); /* a slot taken, or none there (src 0: the kernel zero-fills) */
	*err = pager_supply_recv(vmo, offset, (void *)src, 1, VM_R | VM_W | VM_X, epoch, p->ep, m);
	return true;
}

/* Handles one FAULT; returns the status of the receive that follows
 * (the next message is then in m). */
static long handle_fault(struct pager *p, struct ipc_msg *m)
{
	uint64_t offset = m->w[0];
	struct pager_object *obj = object_of(p, m->badge);
	p->faults++;
	if (!obj || offset >= obj->size)
		return ipc_recv(p->ep, m, 0); /* an object we no longer know */
	obj->epoch = PAGER_EPOCH(m->w[1]);
	if (PAGER_KIND(m->w[1]) == FAULT_UNLOCK)
		return fault_unlock(p, obj, offset, m);
	if (p->ring_plain && !obj->kept) {
		/* The common case, tested once: a page from the ring, or with
		 * the ring empty the kernel's zero fill. */
		int32_t slot = pool_take_ready(p);
		if (slot < 0)
			return fault_zero_fill(p, obj, offset, m);
		return pager_supply_recv(obj->vmo, offset, (void *)(p->pool_base + (uint32_t)slot * PAGE),
					 1, VM_R | VM_W | VM_X, obj->epoch, p->ep, m);
	}
	if (obj->kept || p->cluster > 1 || !pool_any(p) || p->ops->read) {
		/* Pool empty, nothing kept, zeros: the kernel zero-fills, here
		 * rather than in fault_cold, for that call costs the cold fault. */
		if (!obj->kept && p->cluster <= 1 && !p->ops->fill)
			return fault_zero_fill(p, obj, offset, m);
		return fault_cold(p, obj, offset, m);
	}
	return fault_fill_supply(p, obj, offset, pool_take(p), m);
}

/* A dirty page the memory manager evicted: its frame is at w[2] in our
 * return area. Written back and freed, or kept as the page's content. */
static long handle_return(struct pager *p, struct ipc_msg *m)
{
	uint64_t offset = m->w[0], va = m->w[2];
	struct pager_object *obj = object_of(p, m->badge);
	uint64_t i = (va - p->return_base) / PAGE;
	if (va % PAGE || va < p->return_base || i >= p->return_pages) {
		uprintf("%s: a returned frame outside the return area (%lx)\n", p->name,
			(unsigned long)va);
		return ipc_recv(p->ep, m, 0);
	}
	if (p->kept[i].object)
		kept_forget(p, (uint32_t)i); /* its frame left (cannot be: the kernel took a free page) */
	if (!obj || offset >= obj->size) {
		vm_unmap(va, PAGE); /* an object we no longer know: nobody needs it */
		return ipc_recv(p->ep, m, 0);
	}
	obj->epoch = (uint32_t)m->w[1];
	p->returned++;
	if (p->ops->writeback && p->ops->writeback(p, obj, offset, (const void *)va) == 0) {
		p->written++;
		vm_unmap(va, PAGE);
		return ipc_recv(p->ep, m, 0);
	}
	int old = obj->kept ? kept_find(p, obj, offset) : -1;
	if (old >= 0) { /* an older copy: the new one replaces it */
		vm_unmap(kept_va(p, (uint32_t)old), PAGE);
		kept_forget(p, (uint32_t)old);
	}
	p->kept[i] = (struct pager_kept){ .object = index_of(p, obj) + 1, .offset = offset };
	obj->kept++;
	return ipc_recv(p->ep, m, 0);
}

/* The object is being rebound to another pager: hand back what we hold
 * for it (the frames we kept, then ops->release), then say so. The
 * object is no longer ours. */
static long handle_release(struct pager *p, struct ipc_msg *m)
{
	struct pager_object *obj = object_of(p, m->badge);
	if (obj) {
		obj->epoch = (uint32_t)m->w[1];
		kept_drop_all(p, obj, true);
		if (p->ops->release)
			p->ops->release(p, obj);
		long r = pager_ctl(obj->vmo, PAGER_CTL_RELEASED, 0, 0, 0, obj->epoch);
		if (r < 0)
			uprintf("%s: release failed: %s\n", p->name, err_name(r));
		object_forget(p, obj);
	}
	return ipc_recv(p->ep, m, 0);
}

static long handle_terminate(struct pager *p, struct ipc_msg *m)
{
	struct pager_object *obj = object_of(p, m->badge);
	if (obj)
		object_forget(p, obj);
	return ipc_recv(p->ep, m, 0);
}

long pager_endpoint_handoff(int boot_ep, struct ipc_buffer *buf)
{
	long err = ipc_buffer_setup(buf);
	long ep = err ? err : sys_endpoint_create();
	if (ep < 0)
		return ep;
	int32_t h[1] = { (int32_t)ep };
	uint32_t rights[1] = { R_SEND | R_GRANT };
	err = ipc_request(boot_ep, buf, PAGER_HANDOFF, 0, 0, h, rights, 1, 0, 0, 0);
	if (err) {
		sys_handle_close((int)ep);
		return err;
	}
	sys_handle_close(boot_ep);
	return ep;
}

void pager_set_cluster(struct pager *p, uint32_t n)
{
	p->cluster = n;
	p->ring_plain = p->refill_note > 0 && !p->ops->read && !p->ops->fill && n <= 1;
}

long pager_run(struct pager *p)
{
	long err = ipc_buffer_setup(p->server.buf);
	if (err)
		return err;
	if (p->return_pages > PAGER_RETURN_MAX)
		p->return_pages = PAGER_RETURN_MAX;
	if (p->return_pages) {
		err = pager_return_area(p->ep, p->return_base, p->return_pages);
		if (err) {
			uprintf("%s: no return area: %s\n", p->name, err_name(err));
			p->return_pages = 0;
		}
	}
	pager_pool_refill(p);
	pager_set_cluster(p, p->cluster);
	/* q, its address never taken, stays in registers: plain FAULTs chain
	 * through it (fault_ring); the other handlers take m, a copy. */
	struct ipc_msg q;
	err = ipc_recv(p->ep, &q, 0);
	for (;;) {
		while (!err && fault_ring(p, &q, &err))
			;
		struct ipc_msg m = q;
		if (err) {
			if (err == -E_DEAD || err == -E_CANCELED || err == -E_BADH)
				return err;
			err = ipc_recv(p->ep, &q, 0);
			continue;
		}
		/* Only the kernel's own messages (IPC_TAG_KERNEL, which no
		 * task can send) speak for objects; anything else is a client
		 * request, checked by the handler table. */
		uint32_t label = IPC_TAG_LABEL(m.tag);
		bool kernel = m.tag & IPC_TAG_KERNEL;
		if (kernel && label == PAGER_FAULT)
			err = handle_fault(p, &m);
		else if (kernel && label == PAGER_TERMINATE)
			err = handle_terminate(p, &m);
		else if (kernel && label == PAGER_RETURN)
			err = handle_return(p, &m);
		else if (kernel && label == PAGER_RELEASE)
			err = handle_release(p, &m);
		else if (ipc_server_serve(&p->server, &m)) {
			/* the common answer, inline, the next message into q */
			err = ipc_trap7(SYS_REPLY_RECV, p->ep, m.tag, m.w[0], m.w[1], m.w[2], m.w[3],
					0, &q);
			continue;
		} else
			err = ipc_server_answer(&p->server, p->ep, &m);
		q = m;
	}
}

/* --- the refill thread ----------------------------------------------------- */

/* Wires empty slots until pool_size are ready (or memory is short). It
 * stays at most pool_cap - 1 ahead of the loop: the slot the loop took
 * last is wired again only once it has taken the next, so after that
 * slot's supply moved its frame, even were this thread to run beside the
 * loop rather than below it. */
static void refill_round(struct pager *p)
{
	uint32_t room = p->pool_size < p->pool_cap ? p->pool_size : p->pool_cap - 1;
	uint64_t tail = p->pool_tail;
	while (tail - __atomic_load_n(&p->pool_head, __ATOMIC_ACQUIRE) < room) {
		uint32_t slot = (uint32_t)(tail % p->pool_cap);
		/* E_BUSY: a supply left the page there (still zero) */
		long r = mem_wire(p->pool_base + slot * PAGE, PAGE, VM_R | VM_W);
		if (r != 0 && r != -E_BUSY)
			break; /* memory is short: the rest later */
		__atomic_store_n(&p->pool_tail, ++tail, __ATOMIC_RELEASE);
		p->refilled++;
	}
	p->refill_asked = false;
}

static void refill_thread(void *arg)
{
	struct pager *p = arg;
	for (;;) {
		uint64_t bits;
		refill_round(p);
		if (notify_wait(p->refill_note, &bits, 0) == -E_BADH)
			return;
	}
}

long pager_refill_start(struct pager *p, void *stack, size_t size, uint32_t prio)
{
	if (p->ops->fill || p->pool_cap < 2)
		return -E_INVAL;
	long note = sys_notify_create();
	if (note < 0)
		return note;
	/* The ring starts empty: pages the loop had wired are still there,
	 * and the thread's wiring finds them (E_BUSY) and counts them ready;
	 * so does the loop's own (pool_fill) should the thread not start. */
	p->pool_head = p->pool_tail = 0;
	p->pool_count = 0;
	memset(p->pool_ready, 0, p->pool_cap);
	p->refill_note = (int)note;
	long th = thread_spawn(refill_thread, p, stack, size, prio);
	if (th < 0) {
		p->refill_note = 0;
		sys_handle_close((int)note);
		return th;
	}
	/* The doorbell: without it the loop signals (a system call). */
	volatile uint64_t *bell = (volatile uint64_t *)p->doorbell_base;
	long err = bell ? mem_wire(p->doorbell_base, PAGE, VM_R | VM_W) : 0;
	if (bell && !err)
		err = notify_idle((int)note, bell, 1);
	if (bell && err)
		uprintf("%s: no idle doorbell (%s): the loop signals its refill thread\n", p->name,
			err_name(err));
	else
		p->doorbell = bell;
	return 0;
}
