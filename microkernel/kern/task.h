/*
 * Tasks: an address space, a handle table and threads.
 *
 * Lifecycle:
 *   1. task_create: empty address space and handle table, no threads.
 *   2. loader_exec fills the address space; thread_create adds threads;
 *      task_start makes them ready.
 *   3. task_exit (the task's own exit, a kill, or a fatal fault): every
 *      thread stops, the address space and its frames are released, the
 *      handle table is closed, waiters get the exit status. The struct
 *      stays (a zombie) while handles name it, so the status can be read.
 *   4. The last reference frees it.
 */
#ifndef KERN_TASK_H
#define KERN_TASK_H

#include "kern/avl.h"
#include "kern/handle.h"
#include "kern/thread.h"

/* A token bucket (task_may_log, task_console_charge): tokens refill at a
 * fixed rate up to a burst; a cost taken beyond them is a debt. */
struct rate_bucket {
	int64_t tokens;
	uint64_t stamp; /* arch_time of the last refill */
};

struct task {
	struct kobj obj;
	uint32_t id;
	uint32_t state;  /* enum task_state_u */
	uint32_t status; /* exit status once dead */
	uint32_t prio_max;
	char name[32];
	paddr_t pt_root;  /* 0 once dead */
	uint32_t asid;
	uint64_t as_token; /* arch_as_token(pt_root, asid), precomputed for switches */
	struct handle_table *handles; /* NULL once dead */
	struct list threads; /* struct thread.task_link; each holds a ref on the thread */
	uint32_t nthreads;
	struct waitq exit_waiters;
	struct list endpoints; /* struct endpoint.owner_link: they die with the task */
	struct avl_tree regions; /* struct vm_region.task_node, keyed by start */
	struct vm_region *region_hint; /* the last region looked up, or NULL */
	/* No region in [region_gap_lo, region_gap_hi): the gap around the
	 * last lookup that missed (a pager's own wired pages, on every
	 * supply); empty when lo == hi. Adding or growing a region empties it. */
	uint64_t region_gap_lo, region_gap_hi;
	/* The level-0 page table the last task_pte walk ended in, for va >>
	 * 21 == pte_cache_key (~0: none). Tables go only with the whole
	 * address space (task_exit clears it): faults in a row and a pager's
	 * pool hit it and skip the walk. */
	uint64_t pte_cache_key;
	uint64_t *pte_cache_l0;
	uint64_t frames; /* user frames mapped */
	uint64_t quota;  /* most user frames it may hold */
	bool is_pager;   /* may use the frame reserve (vm.h) */
	uint64_t kmem;       /* bytes of kernel memory charged to it */
	uint64_t kmem_limit; /* most it may be charged (TASK_KMEM_LIMIT) */
	struct task *payer;  /* who was charged for this task (its spawner), with a ref */
	bool building;       /* made by SYS_TASK_CREATE, no thread started yet (kern/task_build.h) */
	uint32_t builder_handles; /* while building: handles naming it */
	uint64_t ticks;  /* ticks of threads that have ended */
	uint64_t cpu_time; /* timebase ticks run by threads that have ended */
	struct rate_bucket log_rate;     /* kernel log lines it causes */
	uint64_t log_dropped;            /* lines suppressed since the last one shown */
	struct rate_bucket console_rate; /* bytes of SYS_DEBUG_WRITE */
	struct list all_link;
};

struct task *task_create(const char *name, uint32_t prio_max);
/* Adds a thread that starts at entry with stack sp. */
struct thread *task_add_thread(struct task *t, uint64_t entry, uint64_t sp,
			       uint32_t prio);
void task_start(struct task *t);
void task_exit(struct task *t, uint32_t status);
/* Ends one thread; the task ends (status 0) with its last thread. */
void task_exit_thread(struct thread *th);

/* Maps a fresh zeroed frame at va in t; counts it. */
int task_map_new(struct task *t, uint64_t va, uint64_t pte_flags, paddr_t *pa);

/* Kernel log lines a task causes (a refused call, say) are limited to
 * TASK_LOG_BURST at once and TASK_LOG_PER_SEC a second, so that no task
 * floods the console or spends kernel time on it. True if t may have one
 * more line now (a line saying how many were suppressed goes first). */
#define TASK_LOG_BURST 16
#define TASK_LOG_PER_SEC 8
bool task_may_log(struct task *t);
extern uint64_t task_log_suppressed; /* lines suppressed, all tasks */

/* SYS_DEBUG_WRITE: TASK_CONSOLE_BURST bytes at once, TASK_CONSOLE_PER_SEC
 * a second. Charges n bytes; returns how many timebase ticks the writer
 * must now sleep to pay for what it took beyond its share (0: none). */
#define TASK_CONSOLE_BURST 16384
#define TASK_CONSOLE_PER_SEC 16384
uint64_t task_console_charge(struct task *t, uint64_t n);
/* The most one SYS_DEBUG_WRITE may write now: what t's budget holds plus
 * a quarter second's worth (so its sleep stays under 250 ms). */
uint64_t task_console_room(struct task *t);
extern uint64_t task_console_throttled; /* writes that had to sleep */

/*
 * Kernel memory a task causes (the objects it creates, its regions, the
 * tasks it spawns) is charged to it, up to kmem_limit; and, but for
 * pagers, only while free frames stay above the pager reserve, so no task
 * can starve the pagers of kernel memory. An object that may outlive its
 * payer keeps the payer (a zombie at worst) until it is freed.
 */
#define TASK_KMEM_LIMIT (4ull << 20)
#define TASK_SPAWN_KMEM 12288 /* a new task's struct, handle table and root table */
int task_kmem_charge(struct task *t, uint64_t bytes); /* 0 or -E_NOMEM */
void task_kmem_uncharge(struct task *t, uint64_t bytes);

uint64_t task_count(void);
/* The first live or zombie task with id >= from, or NULL. */
struct task *task_from_id(uint32_t from);
void task_fill_info(struct task *k, struct task_info *info);
uint64_t task_ticks(struct task *t);

#endif
