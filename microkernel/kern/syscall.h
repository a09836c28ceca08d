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

/*
 * Leaf system calls: they only read a few words of kernel state and
 * return one value; they never block, switch threads, wake anyone or
 * touch user memory (so they cannot fault), and they act on the current
 * thread (this_cpu()->cur). entry.S calls them straight from the trap
 * with the user's a0 (and a1) in registers, saving only what C does not
 * preserve, and returns with a1..a6 and t0..t6 zeroed (uapi/syscall.h
 * marks these calls). NULL for every other call.
 */
typedef int64_t (*leaf_fn)(uint64_t a0);
extern const leaf_fn syscall_leaf[];

/* Runs the call named by t's a7; the trap code has moved sepc past the
 * ecall already. */
void syscall_dispatch(struct thread *t);

/* The system object behind H_SYSTEM. */
extern struct kobj system_obj;

#endif
