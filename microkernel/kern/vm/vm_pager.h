/* System calls on memory objects and pagers (kern/vm/vm_pager.c). */
#ifndef KERN_VM_PAGER_H
#define KERN_VM_PAGER_H

#include "arch/riscv/sv39.h"
#include "kern/thread.h"

struct vm_object;

int64_t sys_vmo_create(struct thread *t, const uint64_t *a);
int64_t sys_vmo_anon(struct thread *t, const uint64_t *a);
int64_t sys_default_pager(struct thread *t, const uint64_t *a);
int64_t sys_pager_open(struct thread *t, const uint64_t *a);
int64_t sys_vm_map(struct thread *t, const uint64_t *a);
int64_t sys_vm_protect(struct thread *t, const uint64_t *a);
/* Any supply (the general path; entry.S tries vm_pager_supply_fast
 * first, as the host tests' supply_epoch does). */
int64_t sys_pager_supply(struct thread *t, const uint64_t *a);
/* The common supply (one page, then receive) without the system call
 * dispatch: entry.S's fast entry, a = the call's a0..a6 (also in t's
 * frame). True: done, the faulting thread is current; false: nothing
 * changed, take the general path. */
bool vm_pager_supply_fast(struct thread *t, const uint64_t *a);
/* The entry of a page of k's own wired memory at va, if its frame may
 * be handed over (a supply, SYS_VMO_MOVE): mapped, user, read-write, not
 * shared, no object page (no region). NULL if not. */
pte_t *vm_own_frame(struct task *k, uaddr_t va);
int64_t sys_pager_fail(struct thread *t, const uint64_t *a);
int64_t sys_pager_query(struct thread *t, const uint64_t *a);
int64_t sys_pager_evict(struct thread *t, const uint64_t *a);
int64_t sys_pager_lock(struct thread *t, const uint64_t *a);
int64_t sys_vmo_set(struct thread *t, const uint64_t *a);
int64_t sys_vmo_info(struct thread *t, const uint64_t *a);
int64_t sys_pager_ctl(struct thread *t, const uint64_t *a);
int64_t sys_vmo_rebind(struct thread *t, const uint64_t *a);
int64_t sys_vmo_read(struct thread *t, const uint64_t *a);
int64_t sys_vmo_write(struct thread *t, const uint64_t *a);
/* Resident / accessed / dirty / pinned bytes of n pages from first, to
 * out (checked writable by the caller). */
int vmo_query_to_user(struct task *k, struct vm_object *o, uint64_t first, uint64_t n,
		      uaddr_t out, bool clear_accessed);
int64_t sys_trace_read(struct thread *t, const uint64_t *a);
int64_t sys_vm_stats(struct thread *t, const uint64_t *a);

#endif
