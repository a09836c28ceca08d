/*
 * Reclaim: the free-frame watermarks, faults waiting for frames, the
 * out-of-memory fallback, and the memory manager's calls (uapi/mm.h tells
 * the whole story).
 */
#include "kern/vm/vm_reclaim.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/pmm.h"
#include "kern/thread.h"
#include "kern/usercopy.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_pager.h"
#include "kern/vm/vm_request.h"
#include "uapi/dma.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"
#include "uapi/mm.h"
#include "uapi/pager.h"

struct kobj mm_obj = { OBJ_MM, 1 }; /* static: never destroyed */

uint64_t vm_wm_min = VM_RESERVE_FRAMES, vm_wm_low = 2 * VM_RESERVE_FRAMES,
	 vm_wm_high = 4 * VM_RESERVE_FRAMES;
uint64_t vm_wm_wait = VM_RESERVE_FRAMES + VM_WAIT_SLACK;

static struct task *manager;        /* with a reference, or NULL */
static struct notify *manager_note; /* with a reference, or NULL */
static uint64_t manager_bits, lab_bits;
bool vm_low_signalled;              /* re-armed above high */
static uint64_t low_signals, oom_kills;

static struct waitq frame_waiters = { LIST_INIT(frame_waiters.head) };
static uint64_t wait_since;         /* timebase: the oldest wait began */

static void manager_drop(void)
{
	if (manager_note)
		kobj_put(&manager_note->obj);
	if (manager)
		kobj_put(&manager->obj);
	manager = 0;
	manager_note = 0;
}

void vm_reclaim_low(void)
{
	if (vm_low_signalled || pmm_free_count() >= vm_wm_low)
		return;
	vm_low_signalled = true;
	low_signals++;
	if (manager && manager->state == TASK_DEAD)
		manager_drop();
	if (manager_note)
		notify_deliver(manager_note, manager_bits);
}

enum vm_fault_result vm_frame_wait(struct thread *t)
{
	vm_reclaim_low();
	if (list_empty(&frame_waiters.head)) /* (waiters killed meanwhile leave the list) */
		wait_since = arch_time();
	thread_block(t, &frame_waiters, TIMEOUT_NEVER);
	return FAULT_BLOCKED;
}

static uint64_t waiting(void)
{
	uint64_t n = 0;
	list_for_each(pos, &frame_waiters.head)
		n++;
	return n;
}

/* Of the tasks waiting for frames (all ordinary), the one holding the
 * most, or NULL. */
static struct task *biggest_waiting_task(void)
{
	struct task *best = 0;
	list_for_each(pos, &frame_waiters.head) {
		struct task *k = list_entry(pos, struct thread, qlink)->task;
		if (k->state != TASK_DEAD && (!best || k->frames > best->frames))
			best = k;
	}
	return best;
}

/* Each retries its fault. Not thread_wake: that sets a0, and a thread
 * stopped at a fault must resume with its registers as they were. */
static void wake_waiters(void)
{
	while (!list_empty(&frame_waiters.head))
		thread_ready(list_entry(frame_waiters.head.next, struct thread, qlink));
}

void vm_reclaim_tick(uint64_t now)
{
	uint64_t free = pmm_free_count();
	if (free >= vm_wm_high)
		vm_low_signalled = false;
	else if (free < vm_wm_low)
		vm_reclaim_low();
	if (list_empty(&frame_waiters.head))
		return;
	if (free > vm_wm_wait) {
		wake_waiters();
		return;
	}
	if (now - wait_since < MM_OOM_WAIT_MS * arch_timebase_hz() / 1000)
		return;
	/* The manager freed nothing in time: the documented fallback. */
	struct task *victim = biggest_waiting_task();
	if (victim) {
		oom_kills++;
		klog("vm: out of memory for %u ms: killed task %u (%s), %lu frames\n", MM_OOM_WAIT_MS,
		     victim->id, victim->name, (unsigned long)victim->frames);
		task_exit(victim, TASK_STATUS_KILLED | TASK_KILLED_OOM);
	}
	wake_waiters();
}

/* --- the manager's calls ---------------------------------------------------- */

static int lookup_mm(struct thread *t, int64_t h)
{
	struct handle *s;
	return handle_lookup(t->task->handles, h, OBJ_MM, R_CONTROL, &s);
}

int64_t sys_mm_register(struct thread *t, const uint64_t *a)
{
	struct handle *hn = 0;
	int err = lookup_mm(t, (int64_t)a[0]);
	if (!err && (int64_t)a[1] >= 0)
		err = handle_lookup(t->task->handles, (int64_t)a[1], OBJ_NOTIFY, R_SEND, &hn);
	if (!err && !hn && manager != t->task)
		err = -E_INVAL; /* only the manager may step down */
	if (!err && manager && manager != t->task && manager->state != TASK_DEAD)
		err = -E_BUSY;
	if (err)
		return err;
	manager_drop();
	if (!hn)
		return 0;
	manager = t->task;
	kobj_get(&manager->obj);
	manager_note = container_of(hn->obj, struct notify, obj);
	kobj_get(&manager_note->obj);
	manager_bits = a[2] ? a[2] : 1;
	lab_bits = a[3] ? a[3] : manager_bits;
	vm_low_signalled = false;
	vm_reclaim_low(); /* already low: say so now */
	return 0;
}

int64_t sys_mm_watermarks(struct thread *t, const uint64_t *a)
{
	int err = lookup_mm(t, (int64_t)a[0]);
	uint64_t min = a[1], low = a[2], high = a[3];
	bool set = min || low || high;
	if (!err && set && !(0 < min && min < low && low < high && high <= pmm_total_count()))
		err = -E_INVAL;
	if (!err && a[4])
		err = user_check(t->task, a[4], sizeof(struct mm_state), true);
	if (err)
		return err;
	if (set) {
		vm_wm_set_min(min);
		vm_wm_low = low;
		vm_wm_high = high;
		vm_low_signalled = false;
		vm_reclaim_tick(arch_time()); /* waiters above the new min go now */
	}
	if (!a[4])
		return 0;
	struct mm_state st = {
		.min = vm_wm_min, .low = vm_wm_low, .high = vm_wm_high, .free = pmm_free_count(),
		.total = pmm_total_count(), .waiting = waiting(), .low_signals = low_signals,
		.oom_kills = oom_kills,
	};
	return copy_to_user(t->task, a[4], &st, sizeof(st));
}

/* The task of o's first mapping, or NULL. */
static struct task *first_mapper(struct vm_object *o)
{
	if (list_empty(&o->regions))
		return 0;
	return list_entry(o->regions.next, struct vm_region, obj_link)->task;
}

static struct vm_object *object_by_id(uint64_t id)
{
	list_for_each(pos, &vm_all_objects) {
		struct vm_object *o = list_entry(pos, struct vm_object, all_link);
		if (o->id == id)
			return o;
	}
	return 0;
}

/* --- lab mode: every fault of an object waits for the manager ---------------- */

static void lab_wake(struct vm_object *o)
{
	while (!list_empty(&o->lab_waiters.head)) /* each retries its fault */
		thread_ready(list_entry(o->lab_waiters.head.next, struct thread, qlink));
}

bool vm_lab_wait(struct thread *t, struct vm_object *o)
{
	if (o->lab_grants) {
		o->lab_grants--;
		return false;
	}
	if (manager && manager->state == TASK_DEAD)
		manager_drop();
	if (!manager_note) { /* nobody would grant it: lab mode ends */
		o->lab = false;
		lab_wake(o);
		return false;
	}
	thread_block(t, &o->lab_waiters, TIMEOUT_NEVER);
	notify_deliver(manager_note, lab_bits);
	return true;
}


int64_t sys_mm_lab(struct thread *t, const uint64_t *a)
{
	int err = lookup_mm(t, (int64_t)a[0]);
	struct vm_object *o = err ? 0 : object_by_id(a[1]);
	if (!err && !o)
		err = -E_NOENT;
	if (err)
		return err;
	uint64_t n = 0;
	switch (a[2]) {
	case MM_LAB_ON:
		o->lab = true;
		o->lab_grants = 0;
		return 0;
	case MM_LAB_GRANT:
		if (!o->lab || a[3] == 0 || a[3] > MM_LAB_GRANT_MAX)
			return -E_INVAL;
		o->lab_grants += a[3];
		lab_wake(o);
		return 0;
	case MM_LAB_OFF:
		o->lab = false;
		lab_wake(o);
		return 0;
	case MM_LAB_WAITING:
		list_for_each(pos, &o->lab_waiters.head)
			n++;
		return (int64_t)n;
	default:
		return -E_INVAL;
	}
}

/* Pageable: it has a pager that may take its pages back. */
static bool pageable(struct vm_object *o)
{
	return o->pager && !o->pager->dead;
}

/* Whether a pager or driver maps o (paging it could make it wait on
 * itself). */
static bool mapped_by_system(struct vm_object *o)
{
	list_for_each(pos, &o->regions)
		if (list_entry(pos, struct vm_region, obj_link)->task->is_pager)
			return true;
	return false;
}

int64_t sys_mm_objects(struct thread *t, const uint64_t *a)
{
	int err = lookup_mm(t, (int64_t)a[0]);
	if (err)
		return err;
	/* The list is in id order: the first pageable one from a[1] on. */
	list_for_each(pos, &vm_all_objects) {
		struct vm_object *o = list_entry(pos, struct vm_object, all_link);
		if (o->id < a[1] || !pageable(o))
			continue;
		struct task *k = first_mapper(o);
		struct mm_object_info info = {
			.id = o->id, .size = o->npages << PAGE_SHIFT, .resident = o->resident,
			.pager = o->pager->id, .anon = o->anon, .epoch = o->epoch,
			.task = k ? k->id : 0, .system = mapped_by_system(o), .lab = o->lab,
		};
		err = copy_to_user(t->task, a[2], &info, sizeof(info));
		return err ? err : (int64_t)o->id + 1;
	}
	return -E_NOENT;
}

/* The object and page range of a manager's call (a[1] id, a[2] offset,
 * a[3] npages, a[4] out bytes), checked. */
static int mm_range(struct thread *t, const uint64_t *a, struct vm_object **o)
{
	int err = lookup_mm(t, (int64_t)a[0]);
	if (err)
		return err;
	*o = object_by_id(a[1]);
	if (!*o)
		return -E_NOENT;
	if (!pageable(*o))
		return -E_PERM; /* nobody could give its pages back */
	uint64_t n = a[3];
	if ((a[2] & PAGE_MASK) || n == 0)
		return -E_INVAL;
	if ((a[2] >> PAGE_SHIFT) >= (*o)->npages || n > (*o)->npages - (a[2] >> PAGE_SHIFT))
		return -E_RANGE;
	return user_check(t->task, a[4], n, true);
}

int64_t sys_mm_query(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	int err = mm_range(t, a, &o);
	if (!err && (a[5] & ~QUERY_CLEAR_ACCESSED))
		err = -E_INVAL;
	if (err)
		return err;
	return vmo_query_to_user(t->task, o, a[2] >> PAGE_SHIFT, a[3], a[4],
				 a[5] & QUERY_CLEAR_ACCESSED);
}

/* An area found full during this SYS_MM_EVICT: the pager frees pages
 * only when it runs, so the rest of the call need not search it again
 * (a search walks every page of the area). */
static struct endpoint *full_area;

/* A free page of the pager's return area, its table made; 0 if none. */
static uaddr_t return_slot(struct endpoint *ep)
{
	struct task *k = ep->owner;
	if (!k || !ep->return_pages || ep == full_area)
		return 0;
	/* From where the last one was taken: the pager frees them in about
	 * the order they came, so the next free one is usually the next. */
	for (uint64_t j = 0; j < ep->return_pages; j++) {
		uint64_t i = (ep->return_next + j) % ep->return_pages;
		uaddr_t va = ep->return_base + (i << PAGE_SHIFT);
		pte_t *e = sv39_walk(k->pt_root, va, true);
		if (e && !(*e & PTE_V) && !vm_region_find(k, va)) {
			ep->return_next = (i + 1) % ep->return_pages;
			return va;
		}
	}
	full_area = ep;
	return 0;
}

/* Whether page of o is (part of) a thread's IPC buffer through one of
 * its mappings: the kernel copies messages into it while the thread
 * waits, so it stays resident. */
static bool ipc_buffer_page(struct vm_object *o, uint64_t page)
{
	list_for_each(rp, &o->regions) {
		struct vm_region *r = list_entry(rp, struct vm_region, obj_link);
		list_for_each(tp, &r->task->threads) {
			uaddr_t b = list_entry(tp, struct thread, task_link)->ipc_buffer;
			uaddr_t last = b + sizeof(struct ipc_buffer) - 1;
			for (uaddr_t va = PAGE_DOWN(b); b && va <= last; va += PAGE_SIZE)
				if (va >= r->start && va < r->end &&
				    r->offset + ((va - r->start) >> PAGE_SHIFT) == page)
					return true;
		}
	}
	return false;
}

bool vm_return_queued(struct vm_object *o, uint64_t page)
{
	list_for_each(pos, &o->pager->kmsgs) {
		struct ipc_kmsg *m = list_entry(pos, struct ipc_kmsg, link);
		uint64_t first = m->w[0] >> PAGE_SHIFT;
		if (IPC_TAG_LABEL(m->tag) == PAGER_RETURN && m->badge == o->pager_badge &&
		    page >= first && page - first < PAGER_RETURN_PAGES(m->w[1]))
			return true;
	}
	return false;
}

static void return_delivered(struct ipc_kmsg *m)
{
	kmem_free(m, sizeof(*m));
}

/* A PAGER_RETURN being built during one SYS_MM_EVICT (the pager asked for
 * runs): dirty pages that follow each other, their frames on return-area
 * pages that follow each other. Posted when the run breaks and at the
 * end of the call; nothing runs in between (one hart, no preemption in
 * the kernel), so nobody sees it half built. */
struct return_run {
	struct ipc_kmsg *m; /* NULL: none */
	uint64_t next;      /* the page that would extend it */
};

static void run_post(struct vm_object *o, struct return_run *run)
{
	if (run->m)
		ipc_kmsg_post(o->pager, run->m, false);
	run->m = 0;
}

/* The return-area page after the run's last, if page extends the run and
 * that page is free; else 0. */
static uaddr_t run_slot(struct vm_object *o, uint64_t page, const struct return_run *run)
{
	struct endpoint *ep = o->pager;
	if (!run->m || page != run->next)
		return 0;
	uaddr_t va = run->m->w[2] + (PAGER_RETURN_PAGES(run->m->w[1]) << PAGE_SHIFT);
	if (va >= ep->return_base + (ep->return_pages << PAGE_SHIFT))
		return 0;
	pte_t *e = sv39_walk(ep->owner->pt_root, va, true);
	if (!e || (*e & PTE_V) || vm_region_find(ep->owner, va))
		return 0;
	ep->return_next = ((va - ep->return_base) >> PAGE_SHIFT) + 1;
	if (ep->return_next == ep->return_pages)
		ep->return_next = 0;
	return va;
}

/* One page out of o: 0 freed, 1 returned dirty to the pager, or < 0 kept
 * (status says why). A dirty page's frame goes to the pager's return
 * area: into the run (extended), or in a message of its own (which
 * starts a run if the pager takes runs). */
static int evict_one(struct vm_object *o, uint64_t page, uint8_t *st, struct return_run *run)
{
	uint64_t e = vmo_harvest(o, page, false);
	*st = 0;
	if (!(e & VPE_PRESENT))
		return -1;
	*st = PAGE_RESIDENT | PAGE_STAYED; /* until it goes, below */
	if (e & VPE_PIN_MASK) {
		*st |= PAGE_PINNED;
		return -1;
	}
	if (vmo_find_request(o, page) || ipc_buffer_page(o, page))
		return -1; /* a write waits for its unlock, or an IPC buffer: leave it be */
	uaddr_t slot = 0;
	struct ipc_kmsg *m = 0;
	bool dirty = e & VPE_DIRTY;
	if (dirty) {
		*st |= PAGE_DIRTY;
		slot = run_slot(o, page, run);
		if (!slot) {
			run_post(o, run);
			slot = return_slot(o->pager);
			m = slot ? kmem_alloc(sizeof(*m)) : 0;
			if (!m)
				return -1; /* nowhere to put it: it stays */
		}
	}
	*st &= ~PAGE_STAYED;
	e = vmo_remove(o, page);
	if (o->anon && (e & (VPE_DIRTY | VPE_PAGED)))
		*vmo_slot(o, page, false) = VPE_PAGED; /* its pager has it (or will) */
	if (!dirty) {
		pmm_unref(PAGE_DOWN(e));
		return 0;
	}
	struct task *k = o->pager->owner;
	sv39_map(k->pt_root, slot, PAGE_DOWN(e), PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
	k->frames++;
	if (!m) { /* one more page of the run */
		run->m->w[1] += 1ull << 32;
		run->next++;
		return 1;
	}
	m->tag = IPC_TAG(PAGER_RETURN, 4, 0) | IPC_TAG_KERNEL;
	m->w[0] = page << PAGE_SHIFT;
	m->w[1] = o->epoch;
	m->w[2] = slot;
	m->w[3] = o->npages << PAGE_SHIFT;
	m->badge = o->pager_badge;
	m->delivered = return_delivered;
	if (o->pager->return_runs) {
		run->m = m;
		run->next = page + 1;
	} else {
		ipc_kmsg_post(o->pager, m, false);
	}
	return 1;
}

int64_t sys_mm_evict(struct thread *t, const uint64_t *a)
{
	struct vm_object *o;
	int err = mm_range(t, a, &o);
	if (!err && o->rebind_to)
		err = -E_BUSY;
	if (err)
		return err;
	uint64_t first = a[2] >> PAGE_SHIFT, freed = 0;
	struct return_run run = { 0, 0 };
	uint8_t st[64]; /* status bytes, copied out a chunk at a time */
	full_area = 0;
	for (uint64_t i = 0; i < a[3] && !err; i++) {
		int r = evict_one(o, first + i, &st[i % sizeof(st)], &run);
		freed += r >= 0;
		if (i % sizeof(st) == sizeof(st) - 1 || i == a[3] - 1)
			err = copy_to_user(t->task, a[4] + i - i % sizeof(st), st, i % sizeof(st) + 1);
		/* (an error cannot happen: the range was checked above) */
	}
	run_post(o, &run);
	full_area = 0; /* the pager may free pages before the next call */
	return err ? err : (int64_t)freed;
}

int64_t sys_pager_return_area(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_ENDPOINT, R_RECV, &h);
	struct endpoint *ep = err ? 0 : container_of(h->obj, struct endpoint, obj);
	if (!err && ep->owner != t->task)
		err = -E_PERM; /* frames land in the owner's space: only it says where */
	if (!err && a[2] && vm_check_range(a[1], a[2] << PAGE_SHIFT))
		err = -E_INVAL;
	if (!err && (a[2] > (1u << 16) || (a[3] & ~(uint64_t)PAGER_RETURN_RUNS)))
		err = -E_INVAL;
	if (err)
		return err;
	ep->return_base = a[1];
	ep->return_pages = a[2];
	ep->return_next = 0;
	ep->return_runs = a[3] & PAGER_RETURN_RUNS;
	t->task->is_pager = true; /* it takes pages back: a pager */
	return 0;
}
