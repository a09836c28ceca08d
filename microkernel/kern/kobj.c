/* Reference-counted kernel objects; see kern/kobj.h. */
#include "kern/kobj.h"

#include "kern/log.h"

static kobj_destroy_fn destroy_fns[OBJ_NTYPES];
static kobj_handle_fn handle_fns[OBJ_NTYPES];

void kobj_register_handle_hook(uint32_t type, kobj_handle_fn fn)
{
	KASSERT(type > OBJ_NONE && type < OBJ_NTYPES);
	handle_fns[type] = fn;
}

void kobj_handle_event(struct kobj *o, uint32_t rights, bool opened)
{
	if (o->type < OBJ_NTYPES && handle_fns[o->type])
		handle_fns[o->type](o, rights, opened);
}

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

void kobj_destroy(struct kobj *o)
{
	KASSERT(o->refs == 0 && o->type > OBJ_NONE && o->type < OBJ_NTYPES);
	uint32_t type = o->type;
	o->type |= 0x80000000u; /* poison: a later get or put trips the KDEBUG check */
	if (destroy_fns[type])
		destroy_fns[type](o);
}
