/*
 * Read-only views of the VM (kern/vm/vm_info.h, uapi/vm.h).
 *
 * Who may look: a holder of the system object with R_READ, the right
 * that lists tasks (SYS_TASK_ENUM); what it sees (addresses, object ids,
 * counts) is no more than ps and vmstat already tell. Neither call
 * changes anything: no lookup hint moves, no A/D bit is folded into an
 * entry, so looking never alters what a pager or the manager sees.
 * Each call returns one record and the cursor for the next, so no call
 * runs long however many regions or objects there are.
 */
#include "kern/vm/vm_info.h"

#include "arch/riscv/sv39.h"
#include "kern/handle.h"
#include "kern/ipc.h"
#include "kern/log.h"
#include "kern/task.h"
#include "kern/usercopy.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_object.h"
#include "uapi/errors.h"
#include "uapi/vm.h"

static int lookup_system(struct thread *t, int64_t h)
{
	struct handle *s;
	return handle_lookup(t->task->handles, h, OBJ_SYSTEM, R_READ, &s);
}

static int refused(struct thread *t, const char *call, const char *why, int err)
{
	if (task_may_log(t->task))
		klog("%s refused: task %u (%s): %s: error %d\n", call, t->task->id, t->task->name,
		     why, err);
	return err;
}

/* Pages of r the task's page table maps: its resident set there. A range
 * walk, so an empty 1 GiB region costs no more than its tables. */
static uint64_t region_mapped(struct vm_region *r)
{
	uint64_t n = 0;
	for (uaddr_t p = r->start; sv39_next_leaf(r->task->pt_root, &p, r->end); p += PAGE_SIZE)
		n++;
	return n;
}

int64_t sys_vm_regions(struct thread *t, const uint64_t *a)
{
	int err = lookup_system(t, (int64_t)a[0]);
	if (err)
		return refused(t, "vm regions", "no system handle with R_READ", err);
	if (a[1] == 0 || a[1] > UINT32_MAX)
		return refused(t, "vm regions", "not a task id", -E_INVAL);
	if (a[2] > VM_USER_HI) /* VM_USER_HI itself: the end of a last region */
		return refused(t, "vm regions", "address beyond user space", -E_INVAL);
	struct task *k = task_from_id((uint32_t)a[1]);
	if (!k || k->id != a[1])
		return -E_NOENT;
	struct vm_region *r = vm_region_next(k, a[2]);
	if (!r)
		return -E_NOENT;
	struct vm_region_info info = {
		.start = r->start, .end = r->end, .offset = r->offset << PAGE_SHIFT,
		.object = r->obj->id, .resident = region_mapped(r),
		.prot = r->prot, .flags = r->flags,
	};
	err = copy_to_user(t->task, a[3], &info, sizeof(info));
	return err ? err : (int64_t)r->end;
}

static uint64_t count_list(struct list *l)
{
	uint64_t n = 0;
	list_for_each(pos, l)
		n++;
	return n;
}

static uint64_t count_requests(struct vm_object *o)
{
	uint64_t n = 0;
	vmo_for_each_request(req, o)
		n++;
	return n;
}

static void object_info(struct vm_object *o, struct vm_object_info *info)
{
	struct endpoint *ep = o->pager;
	struct task *mapper = list_empty(&o->regions)
		? 0 : list_entry(o->regions.next, struct vm_region, obj_link)->task;
	*info = (struct vm_object_info){
		.id = o->id, .size = o->npages << PAGE_SHIFT, .resident = o->resident,
		.dirty = vmo_dirty_count(o), .faults = o->faults,
		.minor = o->minor, .supplies = o->supplies, .pending = count_requests(o),
		.pager = ep ? ep->id : 0, .backing = o->backing ? o->backing->id : 0,
		.pager_task = ep && ep->owner ? ep->owner->id : 0,
		.task = mapper ? mapper->id : 0, .mappings = (uint32_t)count_list(&o->regions),
		.anon = o->anon,
	};
}

int64_t sys_vm_objects(struct thread *t, const uint64_t *a)
{
	struct endpoint *pager = 0;
	int err = lookup_system(t, (int64_t)a[0]);
	if (err)
		return refused(t, "vm objects", "no system handle with R_READ", err);
	if ((int64_t)a[3] >= 0) {
		struct handle *h;
		err = handle_lookup(t->task->handles, (int64_t)a[3], OBJ_ENDPOINT, 0, &h);
		if (err)
			return refused(t, "vm objects", "the pager is no endpoint handle", err);
		pager = container_of(h->obj, struct endpoint, obj);
	}
	/* The list is in id order: the first from a[1] on. */
	list_for_each(pos, &vm_all_objects) {
		struct vm_object *o = list_entry(pos, struct vm_object, all_link);
		if (o->id < a[1] || (pager && o->pager != pager))
			continue;
		struct vm_object_info info;
		object_info(o, &info);
		err = copy_to_user(t->task, a[2], &info, sizeof(info));
		return err ? err : (int64_t)o->id + 1;
	}
	if (!pager)
		return -E_NOENT;
	/* It pages nothing (more): its identity alone. */
	struct vm_object_info none = {
		.pager = pager->id, .pager_task = pager->owner ? pager->owner->id : 0,
	};
	err = copy_to_user(t->task, a[2], &none, sizeof(none));
	return err ? err : 0;
}
