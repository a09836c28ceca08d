/* Threads, wait queues and timeouts; see kern/thread.h. */
#include "kern/thread.h"

#include "kern/cpu.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/vm/vm_fault.h"
#include "uapi/errors.h"

static uint32_t next_thread_id = 1;
uint64_t thread_count;

static void thread_free(struct cpu *c, struct thread *t)
{
	if (c->fpu_owner == t)
		c->fpu_owner = 0;
	struct task *task = t->task;
	timeout_forget(&t->timeout);
	thread_count--;
	timeout_trim(thread_count);
	if (t->charged)
		task_kmem_uncharge(task, sizeof(*t));
	kmem_free(t, sizeof(*t));
	kobj_put(&task->obj);
}

static void thread_destroy(struct kobj *o)
{
	struct thread *t = container_of(o, struct thread, obj);
	struct cpu *c = this_cpu();
	KASSERT(t->state == TH_DEAD && !list_on_list(&t->qlink));
	if (t == c->cur || t == c->prev) {
		t->reap_next = c->reap; /* the trap exit may still touch it */
		c->reap = t;
		return;
	}
	thread_free(c, t);
}

void thread_reap(struct cpu *c)
{
	struct thread *t = c->reap;
	c->reap = 0;
	while (t) {
		struct thread *next = t->reap_next;
		KASSERT(c->cur != t); /* the entering thread is alive */
		if (c->prev == t)
			c->prev = 0;
		thread_free(c, t);
		t = next;
	}
}

struct thread *thread_create(struct task *task, uint32_t prio)
{
	static bool registered;
	if (!registered) {
		kobj_register(OBJ_THREAD, thread_destroy);
		registered = true;
	}
	/* Every thread may sleep at once: arming a deadline never fails. */
	if (timeout_reserve(thread_count + 1))
		return 0;
	struct thread *t = kmem_alloc(sizeof(*t));
	if (!t)
		return 0;
	kobj_init(&t->obj, OBJ_THREAD);
	kobj_get(&task->obj);
	t->task = task;
	list_init(&t->task_link);
	list_init(&t->qlink);
	t->id = next_thread_id++;
	t->state = TH_BLOCKED;
	t->prio = prio;
	t->tf.kernel_sp = this_cpu()->kstack_top;
	t->tf.full = 1;
	thread_count++;
	return t;
}

void thread_block_slow(struct thread *t, struct waitq *q, uint64_t deadline)
{
	KASSERT(t->state == TH_RUNNING || t->state == TH_READY);
	if (t->state == TH_READY)
		sched_dequeue(t);
	t->state = TH_BLOCKED;
	t->wq = q;
	t->timeout_result = q || t->ipc_state ? -E_TIMEOUT : 0;
	if (q)
		list_add_tail(&q->head, &t->qlink);
	if (deadline != TIMEOUT_NEVER)
		timeout_arm(&t->timeout, deadline);
	else
		timeout_cancel(&t->timeout);
	if (t == this_cpu()->cur)
		this_cpu()->need_resched = true;
}


/* The rarer ends of a wait, out of line so that unblock stays a few
 * stores inlined into every wake (no registers to save on the IPC path). */
static __attribute__((noinline)) void unblock_fault(struct thread *t)
{
	vm_fault_waiter_gone(t);
}

static __attribute__((noinline)) void unblock_ipc(struct thread *t)
{
	ipc_abort(t);
}

static inline __attribute__((always_inline)) void unblock(struct thread *t)
{
	if (t->wq) {
		list_del(&t->qlink);
		t->wq = 0;
	}
	if (__builtin_expect(t->fault_req != 0, 0))
		unblock_fault(t);
	timeout_cancel(&t->timeout);
	if (__builtin_expect(t->ipc_state != IPC_NONE, 0))
		unblock_ipc(t);
}

void thread_sleep(struct thread *t, uint64_t deadline, long result)
{
	thread_block(t, 0, deadline);
	t->timeout_result = result;
}

void thread_wake(struct thread *t, long result)
{
	KASSERT(t->state == TH_BLOCKED);
	unblock(t);
	t->tf.x[REG_A0] = (uint64_t)result;
	sched_enqueue(t);
}

void thread_wake_run(struct thread *t, long result)
{
	if (!sched_may_run_now(t)) {
		thread_wake(t, result);
		return;
	}
	unblock(t);
	t->tf.x[REG_A0] = (uint64_t)result;
	sched_handoff(t);
}

void thread_ready(struct thread *t)
{
	KASSERT(t->state == TH_BLOCKED);
	unblock(t);
	sched_enqueue(t);
}

struct thread *waitq_wake_one(struct waitq *q, long result)
{
	if (list_empty(&q->head))
		return 0;
	struct thread *t = list_entry(q->head.next, struct thread, qlink);
	thread_wake(t, result);
	return t;
}

void waitq_wake_all(struct waitq *q, long result)
{
	while (waitq_wake_one(q, result))
		;
}

void thread_stop(struct thread *t)
{
	if (t->state == TH_READY)
		sched_dequeue(t);
	else if (t->state == TH_BLOCKED)
		unblock(t);
	t->state = TH_DEAD;
	ipc_thread_stop(t);
	if (t == this_cpu()->cur)
		this_cpu()->need_resched = true;
}

void thread_expire_timeouts(uint64_t now)
{
	struct timeout *to;
	while ((to = timeout_take_due(now))) {
		struct thread *t = container_of(to, struct thread, timeout);
		thread_wake(t, t->timeout_result);
	}
}
