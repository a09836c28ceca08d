/*
 * A task's mappings of memory objects (regions), beside its page-table
 * owned memory (kern/vm.h).
 */
#ifndef KERN_VM_MAP_H
#define KERN_VM_MAP_H

#include "kern/vm_object.h"

/* Maps len bytes of o at offset (bytes) at va. prot: VM_R/W/X; flags:
 * VM_SHARED or VM_PRIVATE. Checked fully before anything changes. */
int64_t vm_map(struct task *t, struct vm_object *o, uaddr_t va, uint64_t len,
	       uint64_t offset, uint32_t prot, uint32_t flags);

/* Unmaps [va, va+len) from the regions: regions inside go, regions
 * partly inside are trimmed, one strictly containing the range is split.
 * -E_NOMEM (nothing changed) if the split finds no memory. */
int vm_unmap_regions(struct task *t, uaddr_t va, uint64_t len);

/* Changes the protection of the region that starts at va and is len long. */
int64_t vm_protect(struct task *t, uaddr_t va, uint64_t len, uint32_t prot);

struct vm_region *vm_region_find(struct task *t, uaddr_t va);

/* Maps one resident page of r's object at va for the given access,
 * copying it first for a write to a private region. */
int vm_map_page(struct vm_region *r, uaddr_t va, uint32_t access);

/* Task teardown: every region goes. */
void vm_task_exit(struct task *t);

#endif
