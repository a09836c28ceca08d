/*
 * Pager bindings and the request state machine: the kernel side of the
 * pager protocol (uapi/pager.h tells the whole story).
 *
 * A request, step by step:
 *   1. vm_request_page: the first fault on a page that is not resident
 *      makes a request (REQ_PENDING) and posts its FAULT to the object's
 *      pager (straight into a waiting pager's registers when it can);
 *      later faults on the page wait on the same request.
 *   2. It ends once (REQ_ENDING, off every list, then freed): supplied
 *      (vm_request_complete: the waiters are mapped and woken), failed
 *      (vm_request_fail: their tasks die with a log line), or left by its
 *      last waiter (vm_fault_waiter_gone).
 *   3. A pager that dies or misses a deadline (kern/vm/vm_deadline.c) hands
 *      the object to its fallback, which gets every pending request again
 *      (vmo_pager_failed). Without a fallback, a missed deadline fails that
 *      request alone, and a pager's death fails the object's requests.
 * A request's deadline runs from its posting, and again from the moment
 * the pager receives it.
 *
 * Rebinding (vm_rebind_start, uapi/pager.h): the object keeps its pager
 * while the old one hands its pages back (PAGER_RELEASE); new faults queue
 * unposted; vm_rebind_finish then binds the new pager with the next epoch
 * and posts every pending request to it.
 */
#ifndef KERN_VM_REQUEST_H
#define KERN_VM_REQUEST_H

#include "arch/riscv/sv39.h"
#include "kern/vm/vm_object.h"

enum vm_fault_result {
	FAULT_RESOLVED, /* mapped: retry the instruction */
	FAULT_BLOCKED,  /* the thread waits for the pager */
	FAULT_BAD,      /* no mapping or not allowed: the caller kills */
};

/* Binds an object to its pager (NULL: kernel zero-fill) / undoes it. */
void vm_object_bind(struct vm_object *o, struct endpoint *pager, uint64_t badge);
void vm_object_unbind(struct vm_object *o);
void vm_set_fallback(struct vm_object *o, struct endpoint *fb, uint64_t badge);

/* Asks o's pager for page on t's behalf (or waits on the request
 * already made) and blocks t: FAULT_BLOCKED, or FAULT_BAD without memory.
 * kind: FAULT_DATA, or FAULT_UNLOCK for a write to the resident page
 * (which an object without a pager just allows: FAULT_RESOLVED). */
bool vm_request_page_fast(struct thread *t, struct vm_object *o, uint64_t page, uaddr_t va,
			  uint32_t access, uint32_t kind, uint64_t trap_stamp);
enum vm_fault_result vm_request_page(struct thread *t, struct vm_object *o, uint64_t page,
				     uaddr_t va, uint32_t access, uint32_t kind,
				     uint64_t trap_stamp);

/* The region the request's first waiter faulted in (NULL if none). */
struct vm_region *vm_request_region(struct vm_request *req);

/*
 * Supply fast path: one page answering a request with one waiter, the
 * pager then receiving on ep where nothing waits: the page goes in, the
 * waiter's mapping is made, the pager blocks and the waiter runs at once,
 * with no queue or scheduler pass. The caller has checked the object,
 * page, source (src_pte, or NULL for zeros), slot and endpoint. Returns
 * false, having changed nothing, when the case does not apply.
 */
bool vm_supply_fast(struct thread *pager, struct vm_object *o, uint64_t page, uint64_t *slot,
		    pte_t *src_pte, uaddr_t src, uint32_t prot, struct endpoint *ep,
		    uint64_t stamp);

/* The object's page arrived: wake and map every waiter on the request. */
void vm_request_complete(struct vm_request *req);
/* The request failed: every waiter's task dies with one log line. The
 * request is off the object's list before the first task dies, so the
 * deaths (which may end the pager's endpoints and fail the object's
 * other requests) never reach it again. */
void vm_request_fail(struct vm_request *req, int err);
/* t, waiting on its fault_req, stopped waiting without the page (it was
 * stopped): the request goes when its last waiter has gone. */
void vm_fault_waiter_gone(struct thread *t);

/* Gives the requests kept for reuse back to the allocator (tests; memory
 * pressure). */
void vm_request_cache_drain(void);

/* Timer tick: requests past their deadline fail over or fail, rebinds past
 * theirs complete (kern/vm/vm_deadline.c). */
void vm_tick(uint64_t now);

/* Starts rebinding o to `to` (R_RECV checked by the caller): 0, -E_BUSY
 * (a rebind is under way), -E_INVAL (already its pager) or -E_NOMEM.
 * Completes at once when the object has no live pager. */
int vm_rebind_start(struct vm_object *o, struct endpoint *to, uint64_t badge);
/* Completes it (why: how the old pager failed to, or NULL). */
void vm_rebind_finish(struct vm_object *o, const char *why);
/* Objects being rebound (vm_object.rebind_link). */
extern struct list vm_rebinding;

/* Endpoint ep died: its objects go to their fallback pagers or fail;
 * rebinds from it complete, rebinds to it are called off. */
void vm_pager_died(struct endpoint *ep);
/* The object is going away: tell its pager (PAGER_TERMINATE). */
void vm_pager_terminate(struct vm_object *o);

/* No pending request (each on its object's requests list, the objects on
 * vm_all_objects) has a deadline before vm_earliest_deadline (which may
 * be early: vm_tick then walks once and sets it right). */
extern uint64_t vm_earliest_deadline;
extern uint64_t vm_next_fault_id;

static inline void vm_request_set_deadline(struct vm_request *req, uint64_t deadline)
{
	req->deadline = deadline;
	if (deadline < vm_earliest_deadline)
		vm_earliest_deadline = deadline;
}

#endif
