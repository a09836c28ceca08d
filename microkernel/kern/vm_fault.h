/*
 * Page faults on memory objects and the kernel side of the pager
 * protocol (uapi/pager.h has the whole story).
 */
#ifndef KERN_VM_FAULT_H
#define KERN_VM_FAULT_H

#include "arch/riscv/sv39.h"
#include "kern/vm_object.h"

enum vm_fault_result {
	FAULT_RESOLVED, /* mapped: retry the instruction */
	FAULT_BLOCKED,  /* the thread waits for the pager */
	FAULT_BAD,      /* no mapping or not allowed: the caller kills */
};

/* Handles a fault by t at va needing access (VM_R/W/X). trap_stamp is
 * the instruction count at the trap, for the fault trace. */
enum vm_fault_result vm_fault(struct thread *t, uaddr_t va, uint32_t access,
			      uint64_t trap_stamp);

/* The same for a system call's access to t's own memory (usercopy). */
enum vm_fault_result vm_fault_syscall(struct thread *t, uaddr_t va, uint32_t access);

/* Binds an object to its pager (NULL: kernel zero-fill) / undoes it. */
void vm_object_bind(struct vm_object *o, struct endpoint *pager, uint64_t badge);
void vm_object_unbind(struct vm_object *o);
void vm_set_fallback(struct vm_object *o, struct endpoint *fb, uint64_t badge);

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

struct vm_stats;
/* System-wide fault and object counts (SYS_VM_STATS). */
void vm_stats_fill(struct vm_stats *st);
extern uint64_t vm_objects_live, vm_pages_supplied;

/* Gives the requests kept for reuse back to the allocator (tests; memory
 * pressure). */
void vm_request_cache_drain(void);

/* Timer tick: requests past their deadline fail over (vmo_pager_failed). */
void vm_tick(uint64_t now);

/* Endpoint ep died: its objects go to their fallback pagers or fail. */
void vm_pager_died(struct endpoint *ep);
/* The object is going away: tell its pager (PAGER_TERMINATE). */
void vm_pager_terminate(struct vm_object *o);

/* Fault trace ring (SYS_TRACE_READ). */
int trace_open(uint64_t fault_id, uint64_t pager, uint64_t trap_stamp);
void trace_stamp(int slot, int stage);
void trace_set(int slot, int stage, uint64_t value);
int64_t trace_read(struct task *t, uint64_t first, uaddr_t out, uint64_t max);
uint64_t vm_now(void); /* instruction count, the trace's clock */

#endif
