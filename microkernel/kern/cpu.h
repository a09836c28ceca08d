/*
 * Per-hart state. One hart runs today; everything a hart owns lives here
 * so more harts need a per-hart lookup, not a redesign. Today there is no
 * lock at all: one hart, and the kernel is not preemptible, so kernel code
 * runs alone. The plan for more harts is seL4's: one big lock taken in
 * the arch trap entry and released at the exit, guarding every field
 * below and every kernel object; nothing in kern/ takes locks itself.
 */
#ifndef KERN_CPU_H
#define KERN_CPU_H

#include "kern/config.h"
#include "kern/types.h"

struct thread;
struct task;

struct cpu {
	struct thread *cur;       /* running thread, or NULL when idle */
	struct thread *prev;      /* the thread switched away from last: the trap
				   * exit may still save its registers, so its
				   * memory must outlive this kernel entry */
	struct thread *reap;      /* dead threads whose freeing waits for the
				   * next kernel entry (linked by reap_next) */
	struct thread *fpu_owner; /* whose values are in the FP registers */
	struct task *as_owner;    /* whose address space satp holds */
	bool need_resched;        /* cur must yield at the next kernel exit */
	uint32_t hartid;
	uint64_t kstack_top;
	uint64_t ticks;           /* timer ticks since boot */
	uint64_t run_since;       /* arch_time() when cur started running */
};

extern struct cpu cpus[MAX_HARTS];

static inline struct cpu *this_cpu(void)
{
	return &cpus[0];
}

#endif
