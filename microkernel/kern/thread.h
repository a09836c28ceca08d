/*
 * Threads, wait queues and timeouts.
 *
 * The kernel has one stack per hart and never sleeps inside a call: a
 * system call that must wait puts the thread on a wait queue, marks it
 * blocked and returns; the trap exit then runs another thread. Whoever
 * wakes it writes the call's result into its saved a0.
 *
 * Lifecycle: thread_create (blocked, unstarted) -> thread_ready ->
 * running <-> ready / blocked -> thread_stop (dead) -> last kobj_put
 * frees it.
 */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H

#include "arch/riscv/trapframe.h"
#include "kern/cpu.h"
#include "kern/kobj.h"
#include "kern/timeout.h"
#include "lib/list.h"
#include "uapi/errors.h"

enum thread_state { TH_BLOCKED, TH_READY, TH_RUNNING, TH_DEAD };

struct waitq {
	struct list head;
};

struct thread {
	struct trapframe tf; /* first: entry.S finds it through sscratch */
	struct fpstate fp;
	bool fp_dirty;         /* fp in the registers changed since loaded */
	struct thread *reap_next; /* in cpu->reap while its free is deferred */
	struct kobj obj;
	struct task *task;     /* holds a reference */
	struct list task_link; /* in task->threads */
	struct list qlink;     /* in a run queue or a wait queue */
	struct waitq *wq;      /* the wait queue qlink is on, if blocked */
	struct timeout timeout; /* armed while blocked with a deadline */
	int64_t timeout_result; /* a0 if the deadline passes first */
	uint32_t id;
	uint32_t state;        /* enum thread_state */
	uint32_t prio;
	uint32_t slice;        /* ticks left in the time slice */
	uint64_t ticks;        /* timer ticks charged */
	uint64_t cpu_time;     /* timebase ticks run, up to its last switch out
				* (sched_set_cur); kern/clock.h adds the rest */
	/* IPC state; see kern/ipc.h */
	uint32_t ipc_state;          /* enum ipc_state */
	uint64_t ipc_badge;          /* badge of the handle a queued sender used */
	struct thread *reply_to;     /* server: the caller awaiting our reply */
	struct thread *reply_server; /* caller: the thread that holds our reply */
	uint64_t ipc_buffer;         /* user address of struct ipc_buffer, or 0 */
	/* Page faults waiting for a pager; see kern/vm/vm_fault.h */
	bool charged; /* its memory is charged to its task (SYS_THREAD_CREATE) */
	struct vm_request *fault_req;
	uint64_t fault_va;
	uint32_t fault_access;
	struct trace_record *fault_trace; /* to stamp on resume (kern/vm/vm_trace.h), or NULL */
};

#define TIMEOUT_NEVER UINT64_MAX

/* Whether t is blocked with a deadline. */
static inline bool thread_has_deadline(const struct thread *t)
{
	return t->timeout.armed;
}

static inline void waitq_init(struct waitq *q)
{
	list_init(&q->head);
}

struct thread *thread_create(struct task *task, uint32_t prio);

/* Blocks t until deadline; its system call then returns result. */
void thread_sleep(struct thread *t, uint64_t deadline, long result);
/* Blocks t on q (q may be NULL) until woken or until the timebase
 * reaches deadline (TIMEOUT_NEVER: no deadline). On timeout the thread's
 * a0 becomes -E_TIMEOUT, or 0 for a pure sleep (q NULL, no IPC). The
 * common case (the running thread, no deadline: a fault waiting for its
 * page) is inline below; the rest is thread_block_slow. */
static inline void thread_block(struct thread *t, struct waitq *q, uint64_t deadline);
void thread_block_slow(struct thread *t, struct waitq *q, uint64_t deadline);

/* Makes a blocked thread ready with `result` in its a0. */
void thread_wake(struct thread *t, long result);
/* Makes a blocked thread the running one at once, with `result` in its
 * a0, if the scheduler allows (sched_may_run_now); else just wakes it. */
void thread_wake_run(struct thread *t, long result);

/* Makes a blocked thread ready without touching its registers (it was
 * not in a system call, e.g. it waited on a page). */
void thread_ready(struct thread *t);

struct thread *waitq_wake_one(struct waitq *q, long result);
void waitq_wake_all(struct waitq *q, long result);

/* Takes t off every queue and marks it dead. */
void thread_stop(struct thread *t);

/* Wakes the threads whose deadline has passed. */
void thread_expire_timeouts(uint64_t now);

extern uint64_t thread_count;

/* thread_block for the running, current thread with no deadline (a fault
 * waiting for its pager): no call, for the fault's fast path. */
static inline __attribute__((always_inline)) void thread_block_self(struct thread *t,
								  struct waitq *q)
{
	KASSERT_FAST(t->state == TH_RUNNING && t == this_cpu()->cur);
	t->state = TH_BLOCKED;
	t->wq = q;
	t->timeout_result = q || t->ipc_state ? -E_TIMEOUT : 0;
	if (q)
		list_add_tail(&q->head, &t->qlink);
	timeout_cancel(&t->timeout);
	this_cpu()->need_resched = true;
}

static inline void thread_block(struct thread *t, struct waitq *q, uint64_t deadline)
{
	if (t->state != TH_RUNNING || deadline != TIMEOUT_NEVER || t != this_cpu()->cur)
		thread_block_slow(t, q, deadline);
	else
		thread_block_self(t, q);
}

#endif
