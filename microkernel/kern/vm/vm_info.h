/*
 * Read-only views of the VM for people (the shell's maps, objects,
 * pagers): a task's regions and every memory object (uapi/vm.h).
 */
#ifndef KERN_VM_INFO_H
#define KERN_VM_INFO_H

#include "kern/syscall.h"

/* SYS_VM_REGIONS, SYS_VM_OBJECTS: a = the caller's a0..a5. */
int64_t sys_vm_regions(struct thread *t, const uint64_t *a);
int64_t sys_vm_objects(struct thread *t, const uint64_t *a);

#endif
