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

#include "kern/arch.h"
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

/* Makes next the running thread. cur and prev hold no references:
 * instead a thread that dies while it is either is freed only at the next
 * kernel entry (thread.c). Every switch passes here, so here the thread
 * leaving is charged the time it ran (CPU-time clocks, kern/clock.h);
 * time with no thread (idle) is charged to none. */
static inline __attribute__((always_inline)) void sched_switch_clock(struct cpu *c,
								     struct thread *cur,
								     struct thread *next)
{
	uint64_t now = arch_time();
	if (cur) {
		cur->cpu_time += now - c->run_since;
		c->prev = cur;
	}
	c->run_since = now;
	c->cur = next;
}

static inline void sched_set_cur(struct cpu *c, struct thread *next)
{
	struct thread *cur = c->cur;
	if (cur != next)
		sched_switch_clock(c, cur, next);
}

/* Gives the hart straight to next, with no run-queue pass: every direct
 * switch (a woken receiver, a FAULT handed to a waiting pager, a supply
 * resuming the faulting thread) goes through here. next is off every
 * queue; the caller has blocked the current thread already. (The IPC fast
 * path, in entry.S, switches with fewer steps: its partners never need a
 * new time slice there.) */
static inline void sched_handoff(struct thread *next)
{
	next->state = TH_RUNNING;
	if (next->slice == 0)
		next->slice = TIMESLICE_TICKS;
	this_cpu()->need_resched = false;
	sched_set_cur(this_cpu(), next);
}

/* sched_handoff from cur, the current thread, to another: the fault and
 * supply fast paths, which know both, test for neither case. */
static inline __attribute__((always_inline)) void sched_handoff_from(struct thread *cur,
								     struct thread *next)
{
	struct cpu *c = this_cpu();
	KASSERT_FAST(c->cur == cur && cur && cur != next);
	next->state = TH_RUNNING;
	if (next->slice == 0)
		next->slice = TIMESLICE_TICKS;
	c->need_resched = false;
	sched_switch_clock(c, cur, next);
}

void thread_reap(struct cpu *c);

/* Whether t may take the hart now, with no queue pass: the current
 * thread has blocked and nothing ready outranks t. */
bool sched_may_run_now(struct thread *t);
/* The highest priority with a ready thread, or -1. */
int sched_top_ready(void);
/* Whether no ready thread has a priority above prio (sched_top_ready()
 * <= prio, without the search for the top bit). */
bool sched_none_above(uint32_t prio);

/* Called on every kernel entry: by now the trap exit has saved the
 * registers of the last outgoing thread, so deferred frees can run. */
static inline void sched_entry(struct cpu *c)
{
	if (c->reap)
		thread_reap(c);
}

#endif
