/*
 * Reference-counted kernel objects. Every object a handle can name starts
 * with a struct kobj. A reference is held by each handle naming the object
 * and by each kernel structure pointing at it; the last kobj_put calls the
 * type's destroy function, registered once at boot.
 */
#ifndef KERN_KOBJ_H
#define KERN_KOBJ_H

#include "kern/config.h"
#include "kern/keep_call.h"
#include "kern/log.h"
#include "kern/types.h"
#include "uapi/syscall.h"

struct kobj {
	uint32_t type; /* enum obj_type */
	uint32_t refs;
};

typedef void (*kobj_destroy_fn)(struct kobj *o);
/* Told when a handle naming the object is made or closed (optional). */
typedef void (*kobj_handle_fn)(struct kobj *o, uint32_t rights, bool opened);

void kobj_register(uint32_t type, kobj_destroy_fn fn);
void kobj_register_handle_hook(uint32_t type, kobj_handle_fn fn);
void kobj_handle_event(struct kobj *o, uint32_t rights, bool opened);
void kobj_init(struct kobj *o, uint32_t type); /* refs = 1 */
void kobj_destroy(struct kobj *o);             /* the last reference went */

/* Inline: the IPC fast path takes and drops references on every switch. */
static inline void kobj_get(struct kobj *o)
{
	if (KDEBUG)
		KASSERT(o->refs > 0 && o->type < OBJ_NTYPES);
	o->refs++;
}

static inline void kobj_put(struct kobj *o)
{
	if (KDEBUG)
		KASSERT(o->refs > 0 && o->type < OBJ_NTYPES);
	if (--o->refs == 0)
		kobj_destroy(o);
}

/* kobj_put for a fast path (kern/keep_call.h): the destroy, if it comes
 * to that, through keep_call. */
static inline void kobj_put_keep(struct kobj *o)
{
	if (KDEBUG)
		KASSERT(o->refs > 0 && o->type < OBJ_NTYPES);
	if (--o->refs == 0)
		KEEP_CALL(kobj_destroy, o);
}

#endif
