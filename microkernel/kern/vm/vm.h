/*
 * A task's address space: page-table-owned memory (program images,
 * stacks, and the wired memory of SYS_MEM_WIRE).
 *
 * Wired memory never pages: it is the memory pagers and servers run on
 * (docs/DESIGN.md section 6). Each task has a frame quota; and below the min
 * watermark (kern/vm/vm_reclaim.h, VM_RESERVE_FRAMES unless the memory
 * manager sets it) free frames go only to tasks marked as pagers, so
 * pagers can still run when memory is short.
 */
#ifndef KERN_VM_H
#define KERN_VM_H

#include "kern/task.h"

#define VM_RESERVE_FRAMES 256

int64_t vm_wire(struct task *t, uaddr_t va, uint64_t len, uint32_t prot);
int64_t vm_unmap(struct task *t, uaddr_t va, uint64_t len);
/* A page-aligned, non-empty range inside user space: 0, -E_INVAL or -E_RANGE. */
int vm_check_range(uaddr_t va, uint64_t len);

/* Whether any page of [va, va+len) has a translation (wired memory,
 * device registers or a mapped object page). A range walk: it costs the
 * page tables present, not len. */
bool vm_range_mapped(struct task *t, uaddr_t va, uint64_t len);

/* A frame for task t if its quota and the reserve allow, else 0. */
paddr_t vm_frame_for(struct task *t);
/* The same, not zeroed: for a frame whose every byte is written before
 * anyone can read it (a device fills it: kern/dma.c). */
paddr_t vm_frame_raw_for(struct task *t);

#endif
