/*
 * Reclaim: watermarks, faults waiting for frames and the memory
 * manager's calls (uapi/mm.h).
 */
#ifndef KERN_VM_RECLAIM_H
#define KERN_VM_RECLAIM_H

#include "kern/pmm.h"
#include "kern/syscall.h"
#include "kern/vm/vm_request.h"

extern struct kobj mm_obj; /* the manager capability, handed to init */
extern uint64_t vm_wm_min, vm_wm_low, vm_wm_high;
extern uint64_t vm_wm_wait; /* vm_wm_min + VM_WAIT_SLACK, kept with it */
extern bool vm_low_signalled; /* the manager was told; re-armed above high */

/* Below low: signal the manager (once until back above high). Checked
 * at each allocation for a task too: the timer is tickless, so a tick may
 * be far off while memory runs down. */
void vm_reclaim_low(void);
static inline void vm_reclaim_check(void)
{
	if (pmm_free_count() < vm_wm_low && !vm_low_signalled)
		vm_reclaim_low();
}
/* Frames a fault may need besides its page (a page-cache leaf, page
 * tables), charged to an ordinary task only above the reserve. */
#define VM_WAIT_SLACK 8
/* Sets min, and vm_wm_wait with it. */
static inline void vm_wm_set_min(uint64_t min)
{
	vm_wm_min = min;
	vm_wm_wait = min + VM_WAIT_SLACK;
}
/* Whether t may not have a frame (or the page-cache leaf for it) now
 * only because memory is short: it is not a pager, and the free count is
 * at min or just above. Its fault then waits; waiters retry once the
 * count is above min + VM_WAIT_SLACK (vm_wm_wait). */
static inline bool vm_frames_short(struct task *t)
{
	return pmm_free_count() <= vm_wm_wait && !t->is_pager &&
	       t->frames < t->quota; /* the common case decided by the first test */
}
/* t's fault waits for frames: FAULT_BLOCKED, retried when there are. */
enum vm_fault_result vm_frame_wait(struct thread *t);
/* Whether a RETURN of page of o waits in its pager's queue (the pager
 * has not received it: its data there is older than the one on the way). */
bool vm_return_queued(struct vm_object *o, uint64_t page);
/* Timer tick: watermarks, waking waiters, the out-of-memory fallback. */
void vm_reclaim_tick(uint64_t now);

/* An object in lab mode (SYS_MM_LAB): true if t's fault must wait for a
 * grant (it is blocked, the manager told); false if it may go on (one
 * grant used). */
bool vm_lab_wait(struct thread *t, struct vm_object *o);

int64_t sys_mm_register(struct thread *t, const uint64_t *a);
int64_t sys_mm_lab(struct thread *t, const uint64_t *a);
int64_t sys_mm_watermarks(struct thread *t, const uint64_t *a);
int64_t sys_mm_objects(struct thread *t, const uint64_t *a);
int64_t sys_mm_query(struct thread *t, const uint64_t *a);
int64_t sys_mm_evict(struct thread *t, const uint64_t *a);
int64_t sys_pager_return_area(struct thread *t, const uint64_t *a);

#endif
