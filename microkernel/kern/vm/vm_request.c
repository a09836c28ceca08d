/* Pager bindings and requests; see kern/vm/vm_request.h. */
#include "kern/vm/vm_request.h"
#include "kern/vm/vm_reclaim.h"
#include "arch/riscv/pmap.h"

#include "kern/arch.h"
#include "kern/cpu.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/pmm.h"
#include "kern/sched.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_fault.h"
#include "kern/vm/vm_map.h"
#include "uapi/dev.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"
#include "uapi/pager.h"

uint64_t vm_next_fault_id = 1;

/* --- binding --------------------------------------------------------------- */

void vm_object_bind(struct vm_object *o, struct endpoint *pager, uint64_t badge)
{
	o->pager = pager;
	o->pager_badge = badge;
	list_del(&o->pager_link);
	if (pager) {
		kobj_get(&pager->obj);
		list_add_tail(&pager->objects, &o->pager_link);
	}
}

void vm_set_fallback(struct vm_object *o, struct endpoint *fb, uint64_t badge)
{
	if (o->fallback) {
		list_del(&o->fallback_link);
		kobj_put(&o->fallback->obj);
	}
	o->fallback = fb;
	o->fallback_badge = badge;
	if (fb) {
		kobj_get(&fb->obj);
		list_add_tail(&fb->fallbacks, &o->fallback_link);
	}
}

/* Drops the pager (not the fallback). */
static void pager_unbind(struct vm_object *o)
{
	if (o->pager) {
		list_del(&o->pager_link);
		kobj_put(&o->pager->obj);
		o->pager = 0;
	}
}

static void rebind_cancel(struct vm_object *o);

void vm_object_unbind(struct vm_object *o)
{
	rebind_cancel(o);
	vm_set_fallback(o, 0, 0);
	pager_unbind(o);
}
/* --- requests ------------------------------------------------------------- */

/* The pager has the FAULT: its deadline runs from now. */
static void request_delivered(struct ipc_kmsg *m)
{
	struct vm_request *req = container_of(m, struct vm_request, msg);
	uint64_t now = vm_now();
	trace_set(req->trace, TRACE_RECEIVED, now);
	vm_request_set_deadline(req, arch_time() + req->obj->deadline_ticks);
}

/* The pager thread that may take a FAULT straight into its registers and
 * the hart from the faulting thread (the current one, which blocks on
 * the request, or has): the first waiting in receive on ep, with nothing
 * queued before it, no deadline and nothing ready that outranks it; NULL
 * if there is none. */
static inline __attribute__((always_inline)) struct thread *pager_now(struct endpoint *ep)
{
	if (ep->dead || list_empty(&ep->recvq.head) || !list_empty(&ep->kmsgs))
		return 0;
	struct thread *p = list_entry(ep->recvq.head.next, struct thread, qlink);
	return sched_none_above(p->prio) && !thread_has_deadline(p) ? p : 0;
}

/* The FAULT goes into p's registers (p from pager_now) and p takes
 * the hart from t, the faulting thread (current, blocked on req): the
 * fault's first hand-off costs no scheduler pass. */
static inline __attribute__((always_inline)) void hand_to_pager(struct thread *t,
								struct vm_request *req,
								struct thread *p)
{
	uint64_t *r = &p->tf.x[REG_A0];
	r[0] = 0;
	r[1] = (IPC_TAG(PAGER_FAULT, 4, 0) | IPC_TAG_KERNEL);
	r[2] = req->page << PAGE_SHIFT;
	r[3] = PAGER_W1(req->access, req->kind, req->obj->epoch);
	r[4] = req->fault_id;
	r[5] = req->obj->npages << PAGE_SHIFT;
	r[6] = req->obj->pager_badge;
	list_del(&p->qlink);
	p->wq = 0;
	p->ipc_state = IPC_NONE;
	sched_handoff_from(t, p);
	/* Received as it was made: the deadline request_new set runs from now. */
}

/* Posts the request's FAULT to the object's pager's queue (from_fault:
 * by the faulting thread, which has blocked). */
static void request_post(struct vm_request *req, bool from_fault)
{
	struct vm_object *o = req->obj;
	req->msg.tag = (IPC_TAG(PAGER_FAULT, 4, 0) | IPC_TAG_KERNEL);
	req->msg.w[0] = req->page << PAGE_SHIFT;
	req->msg.w[1] = PAGER_W1(req->access, req->kind, o->epoch);
	req->msg.w[2] = req->fault_id;
	req->msg.w[3] = o->npages << PAGE_SHIFT;
	req->msg.badge = o->pager_badge;
	req->msg.delivered = request_delivered;
	trace_stamp(req->trace, TRACE_SENT);
	ipc_kmsg_post(o->pager, &req->msg, from_fault);
}

/* Requests come and go once per fault: keep a few for reuse rather than
 * going to the allocator each time. The one freed last is the spare:
 * with one fault at a time (the common case) taking and giving it back
 * are a load and a store each; the cache holds the rest. */
#define REQUEST_CACHE 16
static struct vm_request *request_cache[REQUEST_CACHE];
static int request_cached;
static struct vm_request *request_spare;

static inline __attribute__((always_inline)) struct vm_request *request_alloc(void)
{
	struct vm_request *req = request_spare;
	if (req) {
		request_spare = 0;
		return req;
	}
	if (request_cached)
		return request_cache[--request_cached];
	return KEEP_CALL(kmem_alloc, sizeof(struct vm_request)); /* (inlined into the fast paths) */
}

void vm_request_cache_drain(void)
{
	if (request_spare)
		kmem_free(request_spare, sizeof(struct vm_request));
	request_spare = 0;
	while (request_cached)
		kmem_free(request_cache[--request_cached], sizeof(struct vm_request));
}

/* Takes the request off every list (PENDING -> ENDING): from here on no
 * walk finds it, so whatever ending it sets off (a waiter's task dying,
 * its endpoints dying) cannot end it again. */
static inline __attribute__((always_inline)) void request_unlink(struct vm_request *req)
{
	KASSERT_FAST(req->state == REQ_PENDING);
	req->state = REQ_ENDING;
	ipc_kmsg_cancel(&req->msg);
	vmo_request_del(req);
}

/* Frees an ENDING request whose waiters are gone. */
static inline __attribute__((always_inline)) void request_release(struct vm_request *req)
{
	KASSERT_FAST(req->state == REQ_ENDING && list_empty(&req->waiters.head));
	struct vm_object *o = req->obj;
	req->state = 0;
	if (!request_spare)
		request_spare = req;
	else if (request_cached < REQUEST_CACHE)
		request_cache[request_cached++] = req;
	else /* (keep_call, kobj_put_keep: inlined into the fast paths) */
		KEEP_CALL(kmem_free, req, sizeof(*req));
	kobj_put_keep(&o->obj);
}

/* Inlined (with kernel_zero_fill) into both fault entries: see fault_common.
 * The request's trace record is opened when the FAULT is sent (sent: its
 * stamp), or at once (sent 0) with the trace at TRACE_TRAP only. */
static inline __attribute__((always_inline)) struct vm_request *
request_new(struct vm_object *o, uint64_t page, uint32_t access, uint32_t kind,
	    uint64_t trap_stamp, bool traced)
{
	struct vm_request *req = request_alloc();
	if (!req)
		return 0;
	kobj_get(&o->obj);
	req->obj = o;
	req->page = page;
	req->access = access;
	req->kind = kind;
	req->fault_id = vm_next_fault_id++;
	vm_request_set_deadline(req, arch_time() + o->deadline_ticks);
	waitq_init(&req->waiters);
	list_init(&req->msg.link);
	vmo_request_add(req);
	if (traced)
		req->trace = trace_open(req->fault_id, o->pager->id, trap_stamp, 0);
	req->state = REQ_PENDING;
	return req;
}

/* Blocks t (the faulting thread: running, current) on the request; it
 * resumes at the faulting instruction. The request, not the thread,
 * carries the deadline (vm_tick). */
static inline __attribute__((always_inline)) void wait_on(struct thread *t, struct vm_request *req,
							   uaddr_t va, uint32_t access)
{
	t->fault_va = va;
	t->fault_access = access;
	t->fault_req = req;
	thread_block_self(t, &req->waiters);
}

struct vm_region *vm_request_region(struct vm_request *req)
{
	if (list_empty(&req->waiters.head))
		return 0;
	struct thread *t = list_entry(req->waiters.head.next, struct thread, qlink);
	struct vm_region *r = vm_region_find(t->task, t->fault_va);
	return r && r->obj == req->obj ? r : 0;
}

void vm_request_complete(struct vm_request *req)
{
	struct vm_object *o = req->obj;
	uint64_t e = vmo_lookup(o, req->page);
	request_unlink(req);
	while (!list_empty(&req->waiters.head)) {
		struct thread *t = list_entry(req->waiters.head.next, struct thread, qlink);
		struct vm_region *r = vm_region_find(t->task, t->fault_va);
		/* Map it now so the retried instruction does not fault again;
		 * if that cannot be done the retry takes a minor fault. */
		if (r && r->obj == o && (e & VPE_PRESENT) &&
		    !((t->fault_access & VM_W) && (e & VPE_NOWRITE)))
			vm_map_page(r, t->fault_va, t->fault_access);
		t->fault_req = 0;
		t->fault_trace = req->trace;
		thread_ready(t);
	}
	request_release(req);
}

bool vm_supply_fast(struct thread *t, struct vm_object *o, uint64_t page, uint64_t *slot,
		    pte_t *src_pte, uaddr_t src, uint32_t prot, struct endpoint *ep,
		    uint64_t stamp)
{
	struct vm_request *req = vmo_find_request(o, page);
	if (!req || list_empty(&req->waiters.head) ||
	    req->waiters.head.next != req->waiters.head.prev)
		return false;
	struct thread *w = list_entry(req->waiters.head.next, struct thread, qlink);
	struct vm_region *r = vm_region_find(w->task, w->fault_va);
	pte_t *wpte;
	if (!r || r->obj != o || r->flags != VM_SHARED || w->prio < t->prio ||
	    !sched_none_above(w->prio) || ((w->fault_access & VM_W) && !(prot & VM_W)) ||
	    !(wpte = task_pte(w->task, w->fault_va, true)) || (*wpte & PTE_V))
		return false;
	/* The zero fill's frame last (after the walk, which may take
	 * frames): without one, nothing has changed. */
	paddr_t f = 0;
	if (!src_pte && !(f = pmm_alloc_inline()))
		return false;
	/* Commit: nothing below can fail. */
	if (src_pte) {
		f = pmap_clear(src_pte, t->task->asid, src);
		t->task->frames--;
	}
	*slot = f | VPE_PRESENT | vpe_prot_flags(prot) | (o->anon && src_pte ? VPE_PAGED : 0);
	o->resident++;
	o->supplies++;
	vm_pages_supplied++;
	trace_set(req->trace, TRACE_SUPPLY, stamp);
	/* Map it for the waiter (a shared mapping: vm_map_page's rules, the
	 * walk done above). */
	uint32_t mprot = r->prot & prot;
	pmap_enter(wpte, f, pte_rights(mprot));
	pmm_ref_held(f); /* (the object's, since the slot above) */
	w->task->frames++;
	list_del(&w->qlink);
	w->wq = 0;
	w->fault_req = 0;
	struct trace_record *tr = req->trace;
	request_unlink(req);
	request_release(req);
	/* The pager waits for its next message; the faulting thread runs,
	 * from here (the trap's exit, which does not look for a stamp to
	 * make: trap.c, enter_as). */
	t->ipc_state = IPC_RECV_WAIT;
	t->state = TH_BLOCKED;
	t->wq = &ep->recvq;
	list_add_tail(&ep->recvq.head, &t->qlink);
	sched_handoff_from(t, w);
	trace_stamp(tr, TRACE_RESUME);
	return true;
}

static void kill_waiter(struct thread *t, struct vm_request *req, int err)
{
	struct task *k = t->task;
	klog("task %u (%s): killed: pager error %d on object %lu page %lu (va 0x%lx)\n", k->id,
	     k->name, err, (unsigned long)req->obj->id, (unsigned long)req->page,
	     (unsigned long)t->fault_va);
	t->fault_req = 0;
	task_exit(k, TASK_STATUS_KILLED | TASK_KILLED_PAGER); /* takes t off the waiters */
}

void vm_request_fail(struct vm_request *req, int err)
{
	request_unlink(req);
	while (!list_empty(&req->waiters.head))
		kill_waiter(list_entry(req->waiters.head.next, struct thread, qlink), req, err);
	request_release(req);
}

void vm_fault_waiter_gone(struct thread *t)
{
	struct vm_request *req = t->fault_req;
	t->fault_req = 0;
	/* Nobody waits any more: the pager need not answer (a late supply is
	 * a prefetch), and the object is not kept for a deadline far off. */
	if (req->state == REQ_PENDING && list_empty(&req->waiters.head)) {
		request_unlink(req);
		request_release(req);
	}
}

/* Sends every pending request (again) to the object's pager, whose
 * deadline starts now: after a change of pager. */
static void requests_repost(struct vm_object *o)
{
	vmo_for_each_request(req, o) {
		ipc_kmsg_cancel(&req->msg);
		vm_request_set_deadline(req, arch_time() + o->deadline_ticks);
		if (o->pager)
			request_post(req, false);
	}
}

/* The pager is gone or late: hand the object to its fallback, or fail
 * everything that waits on it. */
void vmo_pager_failed(struct vm_object *o, const char *why)
{
	struct endpoint *fb = o->fallback;
	klog("vm: object %lu: pager %s; %s\n", (unsigned long)o->id, why,
	     fb && !fb->dead ? "switching to the fallback pager" : "failing its faults");
	if (fb && !fb->dead) {
		kobj_get(&fb->obj);
		uint64_t badge = o->fallback_badge;
		vm_set_fallback(o, 0, 0);
		pager_unbind(o);
		vm_object_bind(o, fb, badge);
		kobj_put(&fb->obj);
		o->epoch++;
		requests_repost(o);
		return;
	}
	/* An anonymous object only loses what it had paged out (its faults
	 * there fail); its other pages are zeros or in memory as before. */
	o->failed = !o->anon;
	/* The last request may hold the last reference: keep o until done. */
	kobj_get(&o->obj);
	while (vmo_has_requests(o))
		vm_request_fail(vmo_request_of(o->request_tree.root), -E_DEAD);
	kobj_put(&o->obj);
}

void vm_pager_died(struct endpoint *ep)
{
	if (vmo_default_pager() == ep)
		vmo_set_default_pager(0);
	while (!list_empty(&ep->fallbacks))
		vm_set_fallback(list_entry(ep->fallbacks.next, struct vm_object, fallback_link),
				0, 0);
	/* Rebinds to it are off (their objects stay with the pager they
	 * have); rebinds from it complete at once. */
	for (struct list *pos = vm_rebinding.next; pos != &vm_rebinding;) {
		struct vm_object *o = list_entry(pos, struct vm_object, rebind_link);
		pos = pos->next;
		if (o->rebind_to == ep) {
			klog("vm: object %lu: the new pager died before the rebind completed\n",
			     (unsigned long)o->id);
			rebind_cancel(o);
		}
	}
	while (!list_empty(&ep->objects)) {
		struct vm_object *o = list_entry(ep->objects.next, struct vm_object, pager_link);
		kobj_get(&o->obj); /* failing its requests may drop the last reference */
		if (o->rebind_to) {
			vm_rebind_finish(o, "died");
			kobj_put(&o->obj);
			continue;
		}
		vmo_pager_failed(o, "died");
		if (o->pager == ep) /* no fallback: the object has no pager now */
			vm_object_unbind(o);
		kobj_put(&o->obj);
	}
}

static void terminate_delivered(struct ipc_kmsg *m)
{
	kmem_free(m, sizeof(*m));
}

void vm_pager_terminate(struct vm_object *o)
{
	if (o->pager->dead)
		return;
	struct ipc_kmsg *m = kmem_alloc(sizeof(*m));
	if (!m) {
		klog("vm: object %lu: no memory to send TERMINATE\n", (unsigned long)o->id);
		return;
	}
	m->tag = IPC_TAG(PAGER_TERMINATE, 2, 0) | IPC_TAG_KERNEL;
	m->w[0] = o->npages << PAGE_SHIFT;
	m->w[1] = o->epoch;
	m->badge = o->pager_badge;
	m->delivered = terminate_delivered;
	ipc_kmsg_post(o->pager, m, false);
}
/* A FAULT for page of o (or a wait on the one already asked for).
 * Inline (always_inline: LTO inlines it into its callers in
 * kern/vm/vm_fault.c, so the trap's fault path stays one frame). */
inline __attribute__((always_inline)) enum vm_fault_result vm_request_page(struct thread *t, struct vm_object *o, uint64_t page,
				     uaddr_t va, uint32_t access, uint32_t kind, uint64_t trap_stamp)
{
	struct vm_request *req = vmo_find_request(o, page);
	if (req) { /* someone asked already: wait on the same request */
		wait_on(t, req, va, access);
		return FAULT_BLOCKED;
	}
	if (kind == FAULT_UNLOCK && !o->pager) { /* its pager is gone: nobody objects */
		*vmo_slot(o, page, false) &= ~VPE_NOWRITE;
		return FAULT_RESOLVED; /* the retry maps it */
	}
	/* The page will take a frame, whoever provides it: an ordinary task's
	 * fault waits while memory is short (a pager's supply may use the
	 * reserve, which is for the pagers' own needs). */
	if (va && kind == FAULT_DATA && vm_frames_short(t->task))
		return vm_frame_wait(t);
	req = request_new(o, page, access, kind, trap_stamp, true);
	if (!req)
		return FAULT_BAD;
	o->faults++;
	vm_faults_major++;
	wait_on(t, req, va, access);
	if (o->rebind_to) /* it goes to the new pager when the rebind completes */
		return FAULT_BLOCKED;
	struct thread *p = pager_now(o->pager);
	if (p) {
		hand_to_pager(t, req, p);
		uint64_t now = vm_now();
		trace_set(req->trace, TRACE_SENT, now);
		trace_set(req->trace, TRACE_RECEIVED, now);
	} else
		request_post(req, true);
	return FAULT_BLOCKED;
}

/* vm_request_page's common case, for the trap's fast path (vm_fault_fast):
 * no request of o pending, frames to spare, a pager waiting in receive,
 * which takes the FAULT at once. False, nothing changed, for the rest. */
bool vm_request_page_fast(struct thread *t, struct vm_object *o, uint64_t page, uaddr_t va,
			  uint32_t access, uint32_t kind, uint64_t trap_stamp)
{
	if (o->rebind_to || vmo_has_requests(o) || (kind == FAULT_DATA && vm_frames_short(t->task)))
		return false;
	struct thread *p = pager_now(o->pager);
	struct vm_request *req = p ? request_new(o, page, access, kind, trap_stamp, false) : 0;
	if (!req)
		return false;
	o->faults++;
	vm_faults_major++;
	wait_on(t, req, va, access);
	hand_to_pager(t, req, p);
	/* The record written once, sent and received as it is handed over. */
	req->trace = trace_open(req->fault_id, o->pager->id, trap_stamp, vm_now());
	return true;
}

/* --- rebinding -------------------------------------------------------------- */

struct list vm_rebinding = LIST_INIT(vm_rebinding);

static void release_delivered(struct ipc_kmsg *m)
{
	kmem_free(m, sizeof(*m));
}

/* The rebind is over (why: NULL if the old pager said it is done): the
 * new pager takes the object with a new epoch and every pending fault. */
void vm_rebind_finish(struct vm_object *o, const char *why)
{
	struct endpoint *to = o->rebind_to;
	uint64_t badge = o->rebind_badge;
	o->rebind_to = 0;
	list_del(&o->rebind_link);
	/* An anonymous object's new pager has none of its pages: each
	 * resident one must be written to it before it may be dropped
	 * (dirty), and a page out with the old pager and not handed back is
	 * lost (the fault on it goes to the new pager, which has nothing). */
	uint64_t lost = 0;
	for (unsigned d = 0; o->anon && d < VMO_LEAF_ENTRIES; d++) {
		uint64_t *leaf = o->dir[d];
		for (unsigned i = 0; leaf && i < VMO_LEAF_ENTRIES; i++) {
			if (leaf[i] & VPE_PRESENT)
				leaf[i] = (leaf[i] & ~VPE_PAGED) | VPE_DIRTY;
			else if (leaf[i] & VPE_PAGED)
				lost++;
		}
	}
	if (why || lost)
		klog("vm: object %lu: rebind completed%s%s; %lu paged-out pages not handed back\n",
		     (unsigned long)o->id, why ? ": the old pager " : "", why ? why : "",
		     (unsigned long)lost);
	pager_unbind(o);
	if (o->fallback == to)
		vm_set_fallback(o, 0, 0);
	vm_object_bind(o, to, badge);
	kobj_put(&to->obj); /* the rebind's reference; the binding holds its own */
	if (to->owner)
		to->owner->is_pager = true;
	o->epoch++;
	o->failed = false;
	kobj_get(&o->obj);
	requests_repost(o);
	kobj_put(&o->obj);
}

/* The object goes, or the new pager died: the rebind is off; whatever
 * queued meanwhile goes to the pager the object has. */
static void rebind_cancel(struct vm_object *o)
{
	if (!o->rebind_to)
		return;
	kobj_put(&o->rebind_to->obj);
	o->rebind_to = 0;
	list_del(&o->rebind_link);
	requests_repost(o);
}

int vm_rebind_start(struct vm_object *o, struct endpoint *to, uint64_t badge)
{
	if (o->rebind_to)
		return -E_BUSY;
	if (to == o->pager)
		return -E_INVAL;
	struct endpoint *from = o->pager;
	struct ipc_kmsg *m = 0;
	if (from && !from->dead) {
		m = kmem_alloc(sizeof(*m));
		if (!m)
			return -E_NOMEM;
	}
	kobj_get(&to->obj);
	o->rebind_to = to;
	o->rebind_badge = badge;
	o->rebind_deadline = arch_time() + o->deadline_ticks;
	list_add_tail(&vm_rebinding, &o->rebind_link);
	if (o->rebind_deadline < vm_earliest_deadline)
		vm_earliest_deadline = o->rebind_deadline;
	if (!m) { /* nobody holds pages to hand back */
		vm_rebind_finish(o, 0);
		return 0;
	}
	m->tag = IPC_TAG(PAGER_RELEASE, 2, 0) | IPC_TAG_KERNEL;
	m->w[0] = o->npages << PAGE_SHIFT;
	m->w[1] = o->epoch;
	m->badge = o->pager_badge;
	m->delivered = release_delivered;
	ipc_kmsg_post(from, m, false);
	return 0;
}
