/* Scheduler; see kern/sched.h. */
#include "kern/sched.h"

#include "kern/cpu.h"
#include "kern/log.h"

static struct list runq[PRIO_MAX + 1];
static uint32_t nonempty; /* bit p set: runq[p] has threads */

struct cpu cpus[MAX_HARTS];

void sched_init(void)
{
	for (int p = 0; p <= PRIO_MAX; p++)
		list_init(&runq[p]);
}

static int highest_ready(void)
{
	/* No libgcc in the kernel (its ABI differs), so no __builtin_clz:
	 * a binary search for the top bit instead. */
	uint32_t x = nonempty;
	if (!x)
		return -1;
	int p = 0;
	if (x >> 16) {
		x >>= 16;
		p += 16;
	}
	if (x >> 8) {
		x >>= 8;
		p += 8;
	}
	if (x >> 4) {
		x >>= 4;
		p += 4;
	}
	if (x >> 2) {
		x >>= 2;
		p += 2;
	}
	return p + (int)(x >> 1);
}

void sched_enqueue(struct thread *t)
{
	KASSERT(t->state != TH_DEAD && t->prio <= PRIO_MAX);
	t->state = TH_READY;
	list_add_tail(&runq[t->prio], &t->qlink);
	nonempty |= 1u << t->prio;
	struct thread *cur = this_cpu()->cur;
	if (cur && t->prio > cur->prio)
		this_cpu()->need_resched = true;
}

void sched_dequeue(struct thread *t)
{
	KASSERT(t->state == TH_READY);
	list_del(&t->qlink);
	if (list_empty(&runq[t->prio]))
		nonempty &= ~(1u << t->prio);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	c->ticks++;
	struct thread *cur = c->cur;
	if (!cur)
		return;
	cur->ticks++;
	if (cur->slice > 0)
		cur->slice--;
	if (cur->slice == 0)
		c->need_resched = true;
}

void sched_yield(void)
{
	struct thread *cur = this_cpu()->cur;
	if (cur)
		cur->slice = 0;
	this_cpu()->need_resched = true;
}

struct thread *sched_pick(void)
{
	struct cpu *c = this_cpu();
	struct thread *cur = c->cur;
	if (cur && cur->state == TH_RUNNING) {
		if (!c->need_resched)
			return cur;
		/* A slice's end lets equal priorities take turns; a thread
		 * with a slice left yields only to a higher priority. */
		int top = highest_ready();
		if (top < (int)cur->prio || (top == (int)cur->prio && cur->slice > 0)) {
			c->need_resched = false;
			if (cur->slice == 0)
				cur->slice = TIMESLICE_TICKS;
			return cur;
		}
		sched_enqueue(cur);
	}
	c->need_resched = false;
	int top = highest_ready();
	struct thread *next = 0;
	if (top >= 0) {
		next = list_entry(runq[top].next, struct thread, qlink);
		sched_dequeue(next);
		next->state = TH_RUNNING;
		if (next->slice == 0)
			next->slice = TIMESLICE_TICKS;
	}
	sched_set_cur(c, next);
	return next;
}

int sched_top_ready(void)
{
	return highest_ready();
}

bool sched_none_above(uint32_t prio)
{
	return ((uint64_t)nonempty >> (prio + 1)) == 0; /* no search for the top bit */
}

bool sched_may_run_now(struct thread *t)
{
	struct thread *cur = this_cpu()->cur;
	return cur && cur->state != TH_RUNNING && sched_none_above(t->prio);
}
