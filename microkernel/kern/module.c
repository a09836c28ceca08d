/* Boot modules; see kern/module.h. */
#include "kern/module.h"

#include "kern/cpio.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "lib/string.h"
#include "uapi/errors.h"

#define MODULE_MAX 64

static struct module *modules[MODULE_MAX];
static int nmodules;

int module_scan(const void *archive, size_t len)
{
	size_t off = 0;
	struct cpio_entry e;
	int r;
	while ((r = cpio_next(archive, len, &off, &e)) == 1) {
		if ((e.mode & CPIO_S_IFMT) != CPIO_S_IFREG)
			continue;
		const char *name = e.name;
		size_t nlen = e.namelen;
		if (nlen >= 2 && name[0] == '.' && name[1] == '/')
			name += 2, nlen -= 2;
		if (nmodules == MODULE_MAX || nlen >= sizeof(modules[0]->name)) {
			klog("boot image: skipping a file (table full or name too long)\n");
			continue;
		}
		struct module *m = kmem_alloc(sizeof(*m));
		if (!m)
			return -E_NOMEM;
		kobj_init(&m->obj, OBJ_MODULE); /* the table's reference; never dropped */
		memcpy(m->name, name, nlen);
		m->data = e.data;
		m->size = e.size;
		modules[nmodules++] = m;
	}
	return r < 0 ? r : nmodules;
}

int module_count(void)
{
	return nmodules;
}

struct module *module_at(int i)
{
	return i >= 0 && i < nmodules ? modules[i] : 0;
}

struct module *module_find(const char *name)
{
	for (int i = 0; i < nmodules; i++)
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return 0;
}
