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

#include "kern/thread.h"

void sched_init(void);
void sched_enqueue(struct thread *t); /* t becomes ready */
void sched_dequeue(struct thread *t); /* t leaves the run queue */
void sched_tick(void);
void sched_yield(void);

/* The thread to run next, switching cpu->cur (and its reference); NULL
 * if nothing is ready. */
struct thread *sched_pick(void);

#endif
