/* Starting programs; see kern/spawn.h. */
#include "kern/spawn.h"

#include "kern/loader.h"
#include "kern/log.h"
#include "lib/string.h"
#include "uapi/errors.h"

int spawn_prepare(struct module *m, const char *argv, size_t argv_len,
		  uint32_t prio, struct task **out)
{
	/* argv[0]'s last path component names the task. */
	const char *name = argv;
	for (const char *p = argv; *p; p++)
		if (*p == '/')
			name = p + 1;
	struct task *t = task_create(name, prio);
	if (!t)
		return -E_NOMEM;
	uint64_t entry, sp;
	int err = loader_exec(t, m->data, m->size, argv, argv_len, &entry, &sp);
	if (!err && !task_add_thread(t, entry, sp, prio))
		err = -E_NOMEM;
	if (!err && handle_install_at(t->handles, H_SELF, &t->obj, R_READ, 0) < 0)
		err = -E_NOMEM;
	if (err) {
		if (err == -E_FORMAT || err == -E_RANGE)
			klog("spawn: module %s is not a loadable executable (error %d)\n",
			     m->name, err);
		spawn_discard(t);
		return err;
	}
	*out = t;
	return 0;
}

void spawn_discard(struct task *t)
{
	task_exit(t, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	kobj_put(&t->obj);
}
