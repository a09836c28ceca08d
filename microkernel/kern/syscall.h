/*
 * System call dispatch. Each handler checks every argument before it
 * changes anything. A handler returns the value for a0, or SYS_BLOCKED
 * when the thread went to sleep and its waker will set a0.
 */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include "kern/thread.h"

#define SYS_BLOCKED INT64_MIN

typedef int64_t (*sys_fn)(struct thread *t, const uint64_t *a);

/* Runs the call named by t's a7; the trap code has moved sepc past the
 * ecall already. */
void syscall_dispatch(struct thread *t);

/* The system object behind H_SYSTEM. */
extern struct kobj system_obj;

#endif
