/* Tasks; see kern/task.h. */
#include "kern/task.h"

#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/cpu.h"
#include "kern/ipc.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_map.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/pmm.h"
#include "kern/sched.h"
#include "lib/string.h"
#include "uapi/errors.h"

static struct list all_tasks = LIST_INIT(all_tasks);
static uint32_t next_task_id = 1;
static uint64_t ntasks;

static void task_destroy(struct kobj *o)
{
	struct task *t = container_of(o, struct task, obj);
	KASSERT(t->state == TASK_DEAD);
	list_del(&t->all_link);
	ntasks--;
	struct task *payer = t->payer;
	kmem_free(t, sizeof(*t));
	if (payer) {
		task_kmem_uncharge(payer, TASK_SPAWN_KMEM);
		kobj_put(&payer->obj);
	}
}

struct task *task_create(const char *name, uint32_t prio_max)
{
	static bool registered;
	if (!registered) {
		kobj_register(OBJ_TASK, task_destroy);
		registered = true;
	}
	struct task *t = kmem_alloc(sizeof(*t));
	if (!t)
		return 0;
	t->handles = kmem_alloc(sizeof(*t->handles));
	if (!t->handles || arch_as_create(&t->pt_root, &t->asid) != 0) {
		kmem_free(t->handles, sizeof(*t->handles));
		kmem_free(t, sizeof(*t));
		return 0;
	}
	kobj_init(&t->obj, OBJ_TASK);
	t->as_token = arch_as_token(t->pt_root, t->asid);
	t->pte_cache_key = ~0ul;
	t->id = next_task_id++;
	t->state = TASK_ALIVE;
	t->prio_max = prio_max;
	t->quota = UINT64_MAX;
	t->kmem_limit = TASK_KMEM_LIMIT;
	t->log_rate = (struct rate_bucket){ TASK_LOG_BURST, arch_time() };
	t->console_rate = (struct rate_bucket){ TASK_CONSOLE_BURST, arch_time() };
	size_t n = strnlen(name, sizeof(t->name) - 1);
	memcpy(t->name, name, n);
	list_init(&t->threads);
	list_init(&t->endpoints);
	waitq_init(&t->exit_waiters);
	list_add_tail(&all_tasks, &t->all_link);
	ntasks++;
	return t;
}

struct thread *task_add_thread(struct task *t, uint64_t entry, uint64_t sp,
			       uint32_t prio)
{
	struct thread *th = thread_create(t, prio);
	if (!th)
		return 0;
	th->tf.sepc = entry;
	th->tf.x[REG_SP] = sp;
	list_add_tail(&t->threads, &th->task_link); /* the list keeps the creation ref */
	t->nthreads++;
	return th;
}

void task_start(struct task *t)
{
	list_for_each(pos, &t->threads) {
		struct thread *th = list_entry(pos, struct thread, task_link);
		if (th->state == TH_BLOCKED && !th->wq)
			sched_enqueue(th);
	}
}

int task_map_new(struct task *t, uint64_t va, uint64_t pte_flags, paddr_t *pa)
{
	paddr_t f = pmm_alloc();
	if (!f)
		return -E_NOMEM;
	int err = sv39_map(t->pt_root, va, f, pte_flags | PTE_U | PTE_A | PTE_D);
	if (err) {
		pmm_unref(f);
		return err;
	}
	t->frames++;
	if (pa)
		*pa = f;
	return 0;
}

static void drop_frame(paddr_t pa, void *ctx)
{
	struct task *t = ctx;
	if (!pmm_owns(pa))
		return; /* device registers (SYS_DEV_MAP) */
	t->frames--;
	pmm_unref(pa);
}

void task_exit(struct task *t, uint32_t status)
{
	if (t->state == TASK_DEAD)
		return;
	t->state = TASK_DEAD;
	t->status = status;
	/* Keep t alive while its threads, which hold references, go. */
	kobj_get(&t->obj);
	list_for_each_safe(pos, tmp, &t->threads) {
		struct thread *th = list_entry(pos, struct thread, task_link);
		thread_stop(th);
		t->ticks += th->ticks;
		t->cpu_time += th->cpu_time;
		list_del(&th->task_link);
		t->nthreads--;
		kobj_put(&th->obj);
	}
	ipc_task_exit(t);
	vm_task_exit(t);
	if (this_cpu()->as_owner == t)
		this_cpu()->as_owner = 0;
	arch_as_destroy(t->pt_root, t->asid);
	sv39_destroy_user(t->pt_root, drop_frame, t);
	t->pt_root = 0;
	t->pte_cache_key = ~0ul;
	t->pte_cache_l0 = 0;
	KASSERT(t->frames == 0);
	struct handle_table *h = t->handles;
	t->handles = 0;
	handle_table_clear(h);
	kmem_free(h, sizeof(*h));
	waitq_wake_all(&t->exit_waiters, status);
	kobj_put(&t->obj);
}

void task_exit_thread(struct thread *th)
{
	struct task *t = th->task;
	if (t->nthreads == 1) {
		task_exit(t, 0);
		return;
	}
	thread_stop(th);
	t->ticks += th->ticks;
	t->cpu_time += th->cpu_time;
	list_del(&th->task_link);
	t->nthreads--;
	kobj_put(&th->obj);
}

struct task *task_from_id(uint32_t from)
{
	struct task *best = 0;
	list_for_each(pos, &all_tasks) {
		struct task *k = list_entry(pos, struct task, all_link);
		if (k->id >= from && (!best || k->id < best->id))
			best = k;
	}
	return best;
}

void task_fill_info(struct task *k, struct task_info *info)
{
	*info = (struct task_info){ .id = k->id, .state = k->state, .status = k->status,
				    .nthreads = k->nthreads, .ticks = task_ticks(k),
				    .frames = k->frames };
	memcpy(info->name, k->name, sizeof(k->name));
}

uint64_t task_log_suppressed, task_console_throttled;

int task_kmem_charge(struct task *t, uint64_t bytes)
{
	if (bytes > t->kmem_limit - t->kmem)
		return -E_NOMEM;
	/* Frames this allocation may take from the free pool. */
	uint64_t frames = (bytes + PAGE_SIZE - 1) / PAGE_SIZE + 1;
	if (!t->is_pager && pmm_free_count() <= VM_RESERVE_FRAMES + frames)
		return -E_NOMEM;
	t->kmem += bytes;
	return 0;
}

void task_kmem_uncharge(struct task *t, uint64_t bytes)
{
	KASSERT(t->kmem >= bytes);
	t->kmem -= bytes;
}

/* Adds the tokens earned since b's last refill, up to burst (a debt is
 * paid off first); returns the tokens there are now. */
static int64_t bucket_refill(struct rate_bucket *b, uint64_t per_sec, uint64_t burst)
{
	uint64_t now = arch_time(), hz = arch_timebase_hz();
	if (now - b->stamp >= hz * 2 * burst / per_sec) { /* long idle: full, no overflow */
		b->tokens = (int64_t)burst;
		b->stamp = now;
		return b->tokens;
	}
	uint64_t add = (now - b->stamp) * per_sec / hz;
	if (add) {
		b->tokens = MIN(b->tokens + (int64_t)add, (int64_t)burst);
		b->stamp += add * hz / per_sec;
	}
	return b->tokens;
}

bool task_may_log(struct task *t)
{
	if (bucket_refill(&t->log_rate, TASK_LOG_PER_SEC, TASK_LOG_BURST) < 1) {
		t->log_dropped++;
		task_log_suppressed++;
		return false;
	}
	t->log_rate.tokens--;
	if (t->log_dropped)
		klog("task %u (%s): %lu log lines suppressed\n", t->id, t->name,
		     (unsigned long)t->log_dropped);
	t->log_dropped = 0;
	return true;
}

uint64_t task_console_room(struct task *t)
{
	int64_t tokens = bucket_refill(&t->console_rate, TASK_CONSOLE_PER_SEC, TASK_CONSOLE_BURST);
	return (uint64_t)MAX(tokens, 0) + TASK_CONSOLE_PER_SEC / 4;
}

uint64_t task_console_charge(struct task *t, uint64_t n)
{
	bucket_refill(&t->console_rate, TASK_CONSOLE_PER_SEC, TASK_CONSOLE_BURST);
	int64_t left = t->console_rate.tokens -= (int64_t)n;
	if (left >= 0)
		return 0;
	task_console_throttled++;
	return (uint64_t)-left * arch_timebase_hz() / TASK_CONSOLE_PER_SEC;
}

uint64_t task_count(void)
{
	return ntasks;
}

uint64_t task_ticks(struct task *t)
{
	uint64_t n = t->ticks;
	list_for_each(pos, &t->threads)
		n += list_entry(pos, struct thread, task_link)->ticks;
	return n;
}
