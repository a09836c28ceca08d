/* Boot modules as memory objects; see kern/module_object.h. */
#include "kern/module_object.h"

#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/task.h"
#include "lib/string.h"
#include "uapi/errors.h"

/* Fills o's pages with m's bytes, one fresh frame each. On failure the
 * frames already inserted stay in o and go with it. */
static int module_object_fill(struct vm_object *o, const struct module *m)
{
	for (uint64_t page = 0; page < o->npages; page++) {
		paddr_t f = pmm_alloc(); /* zeroed: the last page's tail stays 0 */
		if (!f)
			return -E_NOMEM;
		uint64_t off = page << PAGE_SHIFT;
		memcpy(pa_to_kva(f), (const char *)m->data + off, MIN(PAGE_SIZE, m->size - off));
		if (vmo_insert(o, page, f, VPE_NOWRITE)) {
			pmm_unref(f);
			return -E_NOMEM;
		}
	}
	return 0;
}

struct vm_object *module_object(struct module *m)
{
	if (m->vmo)
		return m->vmo;
	uint64_t npages = (m->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (npages == 0)
		npages = 1; /* an empty file: one zero page */
	if (npages > VMO_MAX_PAGES)
		return 0;
	struct vm_object *o = vmo_create(npages, 0, 0, 0);
	if (!o)
		return 0;
	if (module_object_fill(o, m)) {
		kobj_put(&o->obj); /* frees the frames inserted so far */
		return 0;
	}
	m->vmo = o; /* the module's reference, never dropped */
	return o;
}

void module_objects_init(void)
{
	for (int i = 0; i < module_count(); i++)
		if (!module_object(module_at(i)))
			klog("boot image: no memory for module %s's object (made on first use)\n",
			     module_at(i)->name);
}

bool module_object_writable(const struct vm_object *o)
{
	for (int i = 0; i < module_count(); i++)
		if (module_at(i)->vmo == o)
			return false;
	return true;
}

int64_t sys_module_object(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_MODULE, R_READ, &h);
	if (!err)
		err = handle_room(t->task->handles, 1);
	if (err)
		return err;
	struct module *m = container_of(h->obj, struct module, obj);
	struct vm_object *o = module_object(m);
	if (!o) {
		if (KDEBUG && task_may_log(t->task))
			klog("module_object: task %u (%s): no memory for module %s\n", t->task->id,
			     t->task->name, m->name);
		return -E_NOMEM;
	}
	return handle_install(t->task->handles, &o->obj, R_READ | R_MAP | R_GRANT, 0);
}
