/*
 * Building a task from user space: what the user-space loader
 * (libipc/spawn.c) starts programs with, instead of the kernel's ELF
 * loader (which is left for init alone).
 *
 * Lifecycle:
 *   1. SYS_TASK_CREATE: an empty task (no mapping, no thread, handed
 *      handles at slots 1..n); the caller gets a handle with R_MAP and
 *      R_CONTROL. The task is "building".
 *   2. SYS_VM_MAP_TASK, any number of times: maps a memory object into
 *      the task, with the checks of the caller's own SYS_VM_MAP plus R_MAP
 *      on the task handle.
 *   3. SYS_THREAD_START: H_SELF goes to slot 0, the first thread starts at
 *      (entry, sp) with arg in a0; the task is a task like any other.
 *   If the last handle naming a building task goes first, the task ends
 *   (status KILLED) and takes its mappings and handles with it.
 *
 * Every call checks all its arguments before it changes anything; a
 * refused call logs one line in debug builds (rate-limited per task).
 */
#ifndef KERN_TASK_BUILD_H
#define KERN_TASK_BUILD_H

#include "kern/thread.h"

/* Registers the task handle hook (kernel start, once). */
void task_build_init(void);

/* A list of n handle slots (and, if rights is not 0, the rights to hand
 * each with; else all of them) from user memory, for a new task. */
int handles_from_user(struct task *p, uaddr_t hs, uaddr_t rights, uint32_t n, int32_t *out_h,
		      uint32_t *out_r);

int64_t sys_task_create(struct thread *t, const uint64_t *a);
int64_t sys_vm_map_task(struct thread *t, const uint64_t *a);
int64_t sys_vm_object(struct thread *t, const uint64_t *a);
int64_t sys_thread_start(struct thread *t, const uint64_t *a);

#endif
