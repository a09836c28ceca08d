/*
 * System call dispatch. Each handler checks every argument before it
 * changes anything. A handler returns the value for a0, or SYS_BLOCKED
 * when the thread went to sleep and its waker will set a0.
 */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include "kern/thread.h"

#define SYS_BLOCKED INT64_MIN

void syscall_dispatch(struct thread *t);

/* The system object behind H_SYSTEM. */
extern struct kobj system_obj;

#endif
