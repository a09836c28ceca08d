/*
 * Preemptive round-robin scheduling with priorities.
 *
 * Ready threads wait in one FIFO per priority; the highest non-empty one
 * runs. The running thread is on no queue. A timer tick charges the
 * running thread and asks for a reschedule when its slice is used up or a
 * higher-priority thread became ready.
 */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include "kern/cpu.h"
#include "kern/thread.h"

void sched_init(void);
void sched_enqueue(struct thread *t); /* t becomes ready */
void sched_dequeue(struct thread *t); /* t leaves the run queue */
void sched_tick(void);
void sched_yield(void);

/* The thread to run next, switching cpu->cur (and its reference); NULL
 * if nothing is ready. */
struct thread *sched_pick(void);

struct cpu;
/* Makes next (already given a reference by the caller) the running
 * thread; the old one's reference is dropped one switch later. */
void sched_set_cur(struct cpu *c, struct thread *next);

/* Called on every kernel entry: the previous switch's outgoing thread has
 * had its registers saved by now, so its deferred reference can go. */
static inline void sched_entry(struct cpu *c)
{
	struct thread *p = c->prev;
	if (p) {
		c->prev = 0;
		kobj_put(&p->obj);
	}
}

#endif
