/*
 * Starting a program: task_create + loader_exec + first thread, all or
 * nothing. Used by the kernel for init only.
 */
#ifndef KERN_SPAWN_H
#define KERN_SPAWN_H

#include "kern/module.h"
#include "kern/task.h"

/* Builds a task running module m with the given argv blob. The task is
 * not started; on failure nothing is left behind. */
int spawn_prepare(struct module *m, const char *argv, size_t argv_len,
		  uint32_t prio, struct task **out);

/* Discards a prepared task that was never started. */
void spawn_discard(struct task *t);

#endif
