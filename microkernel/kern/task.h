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

#include "kern/handle.h"
#include "kern/thread.h"

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
	struct list regions;   /* struct vm_region.task_link, sorted by address */
	uint64_t frames; /* user frames mapped */
	uint64_t quota;  /* most user frames it may hold */
	bool is_pager;   /* may use the frame reserve (vm.h) */
	uint64_t ticks;  /* ticks of threads that have ended */
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

uint64_t task_count(void);
/* The first live or zombie task with id >= from, or NULL. */
struct task *task_from_id(uint32_t from);
void task_fill_info(struct task *k, struct task_info *info);
uint64_t task_ticks(struct task *t);

#endif
