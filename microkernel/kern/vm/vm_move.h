/*
 * SYS_VMO_MOVE (uapi/vm.h): frames move between a task's own wired pages
 * and a kernel zero-fill object, without a copy (the swap pager's pages
 * going to the disk buffer, vm_move.c).
 */
#ifndef KERN_VM_MOVE_H
#define KERN_VM_MOVE_H

#include "kern/thread.h"

/* (vmo h R_READ | R_MAP, offset, addr, npages, VMO_MOVE_IN or _OUT) ->
 * npages, or an error and nothing moved. */
int64_t sys_vmo_move(struct thread *t, const uint64_t *a);

#endif
