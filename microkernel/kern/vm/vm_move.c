/*
 * SYS_VMO_MOVE: frames move, uncopied, between a task's own wired pages
 * and a kernel zero-fill object it may write (uapi/vm.h tells the
 * contract). The swap pager's use, step by step:
 *   1. the memory manager evicts a dirty page: the frame lands in the
 *      pager's return area (vm_reclaim.c), a raw mapping of its own;
 *   2. VMO_MOVE_IN: the frame goes into the write half of the disk
 *      buffer, the buffer's old frame is freed;
 *   3. the driver pins the buffer's page and the device writes it out;
 *   4. if the write failed, VMO_MOVE_OUT puts the frame back where it
 *      was, so the pager keeps the page (nothing lost).
 * One call checks every page first, then moves them all: it cannot fail
 * half done.
 */
#include "kern/vm/vm_move.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/pmap.h"
#include "arch/riscv/sv39.h"
#include "kern/handle.h"
#include "kern/log.h"
#include "kern/module_object.h"
#include "kern/pmm.h"
#include "kern/task.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_object.h"
#include "kern/vm/vm_pager.h"
#include "uapi/errors.h"
#include "uapi/vm.h"

/* Whether the object page may move in or out: its leaf made (*s), not
 * pinned for a device; out also needs it resident. */
static int movable(struct vm_object *o, uint64_t page, bool out, uint64_t **s)
{
	*s = vmo_slot(o, page, true);
	if (!*s)
		return -E_NOMEM;
	if (**s & VPE_PIN_MASK)
		return -E_BUSY;
	return out && !(**s & VPE_PRESENT) ? -E_NOENT : 0;
}

struct move_args {
	struct vm_object *o;
	uint64_t first, n;
	uaddr_t va;
	bool out;
	pte_t *ptes[VMO_MOVE_MAX];    /* in: the frames; out: the empty entries */
	uint64_t *slots[VMO_MOVE_MAX];
};

/* Every argument and every page; 0 if all of them may move. */
static int move_check(struct thread *t, const uint64_t *a, struct move_args *m)
{
	struct task *k = t->task;
	struct handle *h;
	int err = handle_lookup(k->handles, (int64_t)a[0], OBJ_VMO, R_READ | R_MAP, &h);
	if (err)
		return err;
	m->o = container_of(h->obj, struct vm_object, obj);
	m->va = a[2];
	m->n = a[3];
	m->out = a[4] == VMO_MOVE_OUT;
	if (m->o->pager || m->o->backing || !module_object_writable(m->o))
		return -E_PERM; /* only a plain zero-fill object has nobody else's data */
	if ((a[1] & PAGE_MASK) || m->n == 0 || m->n > VMO_MOVE_MAX ||
	    (a[4] != VMO_MOVE_IN && a[4] != VMO_MOVE_OUT))
		return -E_INVAL;
	m->first = a[1] >> PAGE_SHIFT;
	if (m->first >= m->o->npages || m->n > m->o->npages - m->first)
		return -E_RANGE;
	if (vm_check_range(m->va, m->n << PAGE_SHIFT))
		return -E_INVAL;
	if (m->out && m->n > k->quota - k->frames)
		return -E_NOMEM;
	for (uint64_t i = 0; i < m->n; i++) {
		uaddr_t va = m->va + (i << PAGE_SHIFT);
		err = movable(m->o, m->first + i, m->out, &m->slots[i]);
		if (err)
			return err;
		if (!m->out) {
			m->ptes[i] = vm_own_frame(k, va);
			if (!m->ptes[i])
				return -E_FAULT;
			continue;
		}
		/* Out: a free place, its table made now (the commit cannot fail). */
		m->ptes[i] = vm_region_find(k, va) ? 0 : sv39_walk(k->pt_root, va, true);
		if (!m->ptes[i])
			return vm_region_find(k, va) ? -E_BUSY : -E_NOMEM;
		if (*m->ptes[i] & PTE_V)
			return -E_BUSY;
	}
	return 0;
}

/* In: k's frames replace the object's pages (whose frames are freed). */
static void move_in(struct task *k, struct move_args *m)
{
	for (uint64_t i = 0; i < m->n; i++) {
		uint64_t old = vmo_remove(m->o, m->first + i); /* every mapping of it goes */
		if (old & VPE_PRESENT)
			pmm_unref(PAGE_DOWN(old));
		paddr_t f = pmap_clear(m->ptes[i], k->asid, m->va + (i << PAGE_SHIFT));
		k->frames--;
		*m->slots[i] = f | VPE_PRESENT | VPE_DIRTY;
		m->o->resident++;
	}
}

/* Out: the object's frames become k's own; the pages read as zeros again. */
static void move_out(struct task *k, struct move_args *m)
{
	for (uint64_t i = 0; i < m->n; i++) {
		paddr_t f = PAGE_DOWN(vmo_remove(m->o, m->first + i));
		KASSERT(pmm_refcount(f) == 1); /* not pinned, unmapped: the cache's alone */
		pmap_enter(m->ptes[i], f, PTE_R | PTE_W | PTE_A | PTE_D);
		k->frames++;
	}
}

int64_t sys_vmo_move(struct thread *t, const uint64_t *a)
{
	struct task *k = t->task;
	struct move_args m;
	int err = move_check(t, a, &m);
	if (err) {
		if (task_may_log(k))
			klog("vmo move refused: task %u (%s), offset 0x%lx, addr 0x%lx, %lu pages, "
			     "dir %lu: error %d\n",
			     k->id, k->name, (unsigned long)a[1], (unsigned long)a[2],
			     (unsigned long)a[3], (unsigned long)a[4], err);
		return err;
	}
	if (m.out)
		move_out(k, &m);
	else
		move_in(k, &m);
	return (int64_t)m.n;
}
