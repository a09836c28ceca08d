/* Building a task from user space; see kern/task_build.h. */
#include "kern/task_build.h"

#include "arch/riscv/memlayout.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/module_object.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/usercopy.h"
#include "kern/vm/vm_map.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

/* One line naming the refused check and the caller (debug builds). */
static int refuse(struct thread *t, const char *call, const char *why, int err)
{
	if (KDEBUG && task_may_log(t->task))
		klog("%s: task %u (%s): %s (error %d)\n", call, t->task->id, t->task->name, why,
		     err);
	return err;
}

/* Counts the handles naming a building task; the last one closing ends
 * it (nothing else will: it has no thread to exit). */
static void task_handle_event(struct kobj *k, uint32_t rights, bool opened)
{
	struct task *t = container_of(k, struct task, obj);
	if (!t->building)
		return;
	if (opened) {
		t->builder_handles++;
		return;
	}
	KASSERT(t->builder_handles > 0);
	if (--t->builder_handles == 0) {
		t->building = false;
		task_exit(t, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	}
}

void task_build_init(void)
{
	kobj_register_handle_hook(OBJ_TASK, task_handle_event);
}

struct create_args {
	struct task_create_req req;
	char name[32];
	int32_t handles[SPAWN_MAX_HANDLES];
	uint32_t rights[SPAWN_MAX_HANDLES];
};

/* Reads and checks the request: the name, prio and every handed handle
 * (each must exist with R_GRANT). */
int handles_from_user(struct task *p, uaddr_t hs, uaddr_t rights, uint32_t n, int32_t *out_h,
		      uint32_t *out_r)
{
	int err = copy_from_user(p, out_h, hs, n * sizeof(int32_t));
	for (uint32_t i = 0; i < n; i++)
		out_r[i] = R_ALL;
	if (!err && rights)
		err = copy_from_user(p, out_r, rights, n * sizeof(uint32_t));
	return err;
}

static int read_create_args(struct thread *t, uaddr_t ureq, struct create_args *s)
{
	struct task *p = t->task;
	struct task_create_req *r = &s->req;
	int err = copy_from_user(p, r, ureq, sizeof(*r));
	if (err)
		return refuse(t, "task_create", "request unreadable", err);
	if (r->name_len == 0 || r->name_len >= sizeof(s->name) ||
	    r->nhandles > SPAWN_MAX_HANDLES || r->prio > p->prio_max)
		return refuse(t, "task_create", "name, handle count or prio out of range", -E_INVAL);
	memset(s->name, 0, sizeof(s->name));
	err = copy_from_user(p, s->name, r->name, r->name_len);
	if (!err)
		err = handles_from_user(p, r->handles, r->rights, r->nhandles, s->handles, s->rights);
	if (err)
		return refuse(t, "task_create", "name or handle array unreadable", err);
	if (strnlen(s->name, r->name_len) != r->name_len)
		return refuse(t, "task_create", "NUL inside the name", -E_INVAL);
	for (uint32_t i = 0; i < r->nhandles; i++) {
		struct handle *h;
		err = handle_lookup(p->handles, s->handles[i], OBJ_NONE, R_GRANT, &h);
		if (err)
			return refuse(t, "task_create", "a handed handle is missing or lacks R_GRANT",
				      err);
	}
	return 0;
}

/* Commit: the child's handles, its payer, the caller's handle to it. */
static int64_t create_commit(struct task *p, struct task *child, const struct create_args *s)
{
	for (uint32_t i = 0; i < s->req.nhandles; i++) {
		const struct handle *h = &p->handles->slot[s->handles[i]];
		handle_install_at(child->handles, (int)i + 1, h->obj, h->rights & s->rights[i],
				  h->badge);
	}
	child->payer = p;
	kobj_get(&p->obj);
	child->building = true;
	int64_t h = handle_install(p->handles, &child->obj,
				   R_READ | R_MAP | R_CONTROL | R_GRANT, 0);
	kobj_put(&child->obj); /* the handle holds it now */
	return h;
}

int64_t sys_task_create(struct thread *t, const uint64_t *a)
{
	struct task *p = t->task;
	struct create_args *s = kmem_alloc(sizeof(*s));
	if (!s)
		return -E_NOMEM;
	int err = read_create_args(t, a[0], s);
	if (!err && handle_room(p->handles, 1))
		err = refuse(t, "task_create", "no free handle slot", -E_FULL);
	if (!err && task_kmem_charge(p, TASK_SPAWN_KMEM))
		err = refuse(t, "task_create", "kernel memory limit", -E_NOMEM);
	struct task *child = 0;
	if (!err && !(child = task_create(s->name, s->req.prio))) {
		task_kmem_uncharge(p, TASK_SPAWN_KMEM);
		err = refuse(t, "task_create", "no memory for the task", -E_NOMEM);
	}
	/* Point of no return: the child's table is empty and the caller has
	 * a free slot, so nothing below can fail. */
	int64_t ret = err ? err : create_commit(p, child, s);
	kmem_free(s, sizeof(*s));
	return ret;
}

/* The task behind handle h with the right need, alive. */
static int lookup_task(struct thread *t, const char *call, int64_t h, uint32_t need,
		       struct task **out)
{
	struct handle *s;
	int err = handle_lookup(t->task->handles, h, OBJ_TASK, need, &s);
	if (err)
		return refuse(t, call, need == R_MAP ? "task handle without R_MAP" :
					      "task handle without R_CONTROL", err);
	*out = container_of(s->obj, struct task, obj);
	if ((*out)->state == TASK_DEAD)
		return refuse(t, call, "the task has ended", -E_DEAD);
	return 0;
}

static const char *map_error(int64_t err)
{
	switch (err) {
	case -E_INVAL: return "misaligned, empty, or bad protection or flags";
	case -E_RANGE: return "outside user space or beyond the object";
	case -E_BUSY: return "overlaps a mapping of the task";
	default: return "no memory for the region";
	}
}

int64_t sys_vm_map_task(struct thread *t, const uint64_t *a)
{
	struct task *target;
	struct handle *hv;
	int err = lookup_task(t, "vm_map_task", (int64_t)a[0], R_MAP, &target);
	if (err)
		return err;
	err = handle_lookup(t->task->handles, (int64_t)a[1], OBJ_VMO, R_MAP, &hv);
	if (err)
		return refuse(t, "vm_map_task", "object handle without R_MAP", err);
	struct vm_object *o = container_of(hv->obj, struct vm_object, obj);
	uint32_t pf = (uint32_t)a[5];
	uint32_t prot = pf & (VM_R | VM_W | VM_X), flags = pf & ~(VM_R | VM_W | VM_X);
	if ((prot & VM_W) && flags == VM_SHARED && !module_object_writable(o))
		return refuse(t, "vm_map_task", "shared writable mapping of a module", -E_PERM);
	int64_t r = vm_map(target, o, a[2], a[3], a[4], prot, flags);
	if (r < 0)
		return refuse(t, "vm_map_task", map_error(r), (int)r);
	return r;
}

/* The object mapped at an address of a task one controls (its parent's
 * view: pagerctl rebinds it to another pager). */
int64_t sys_vm_object(struct thread *t, const uint64_t *a)
{
	struct task *target;
	int err = lookup_task(t, "vm_object", (int64_t)a[0], R_CONTROL, &target);
	if (err)
		return err;
	struct vm_region *r = a[1] < USER_HI ? vm_region_lookup(target, a[1]) : 0;
	if (!r)
		return -E_NOENT;
	return handle_install(t->task->handles, &r->obj->obj, R_CONTROL | R_READ | R_GRANT, 0);
}

int64_t sys_thread_start(struct thread *t, const uint64_t *a)
{
	struct task *k;
	uint64_t entry = a[1], sp = a[2], arg = a[3];
	int err = lookup_task(t, "thread_start", (int64_t)a[0], R_CONTROL, &k);
	if (err)
		return err;
	if (!k->building)
		return refuse(t, "thread_start", "the task has started already", -E_BUSY);
	if ((sp & 15) || entry < USER_LO || entry >= USER_HI || sp < USER_LO || sp > USER_HI)
		return refuse(t, "thread_start", "entry or stack outside user space", -E_INVAL);
	struct thread *th = task_add_thread(k, entry, sp, k->prio_max);
	if (!th)
		return refuse(t, "thread_start", "no memory for the thread", -E_NOMEM);
	/* Point of no return: slot 0 stayed free (nobody but the kernel
	 * installs handles in a building task, and only at 1..n). */
	th->tf.x[REG_A0] = arg;
	k->building = false;
	handle_install_at(k->handles, H_SELF, &k->obj, R_READ, 0);
	task_start(k);
	return 0;
}
