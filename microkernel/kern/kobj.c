/* Reference-counted kernel objects; see kern/kobj.h. */
#include "kern/kobj.h"

#include "kern/log.h"

static kobj_destroy_fn destroy_fns[OBJ_NTYPES];

void kobj_register(uint32_t type, kobj_destroy_fn fn)
{
	KASSERT(type > OBJ_NONE && type < OBJ_NTYPES);
	destroy_fns[type] = fn;
}

void kobj_init(struct kobj *o, uint32_t type)
{
	KASSERT(type > OBJ_NONE && type < OBJ_NTYPES);
	o->type = type;
	o->refs = 1;
}

void kobj_get(struct kobj *o)
{
	KASSERT(o->refs > 0);
	o->refs++;
}

void kobj_put(struct kobj *o)
{
	KASSERT(o->refs > 0);
	if (--o->refs == 0 && destroy_fns[o->type])
		destroy_fns[o->type](o);
}
