/* Handle tables; see kern/handle.h. */
#include "kern/handle.h"

#include "uapi/errors.h"

int handle_install_at(struct handle_table *t, int h, struct kobj *obj,
		      uint32_t rights, uint64_t badge)
{
	if (h < 0 || h >= HANDLE_MAX)
		return -E_BADH;
	if (t->slot[h].obj)
		return -E_BUSY;
	kobj_get(obj);
	t->slot[h] = (struct handle){ .obj = obj, .rights = rights & R_ALL, .badge = badge };
	kobj_handle_event(obj, rights & R_ALL, true);
	return h;
}

int handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights,
		   uint64_t badge)
{
	for (int h = 0; h < HANDLE_MAX; h++)
		if (!t->slot[h].obj)
			return handle_install_at(t, h, obj, rights, badge);
	return -E_FULL;
}

int handle_lookup(struct handle_table *t, int64_t h, uint32_t type,
		  uint32_t need, struct handle **out)
{
	if (h < 0 || h >= HANDLE_MAX || !t->slot[h].obj)
		return -E_BADH;
	struct handle *s = &t->slot[h];
	if (type != OBJ_NONE && s->obj->type != type)
		return -E_BADH;
	if ((s->rights & need) != need)
		return -E_PERM;
	*out = s;
	return 0;
}

int handle_copy(struct handle_table *from, int64_t h, struct handle_table *to,
		uint32_t mask)
{
	struct handle *s;
	int err = handle_lookup(from, h, OBJ_NONE, from == to ? 0 : R_GRANT, &s);
	if (err)
		return err;
	return handle_install(to, s->obj, s->rights & mask, s->badge);
}

int handle_mint(struct handle_table *t, int64_t h, uint32_t mask, uint64_t badge)
{
	struct handle *s;
	int err = handle_lookup(t, h, OBJ_NONE, 0, &s);
	if (err)
		return err;
	if (s->badge)
		return -E_PERM; /* a badge, once set, is for good */
	return handle_install(t, s->obj, s->rights & mask, badge);
}

int handle_close(struct handle_table *t, int64_t h)
{
	struct handle *s;
	int err = handle_lookup(t, h, OBJ_NONE, 0, &s);
	if (err)
		return err;
	struct kobj *o = s->obj;
	uint32_t rights = s->rights;
	*s = (struct handle){ 0 };
	kobj_handle_event(o, rights, false);
	kobj_put(o);
	return 0;
}

int handle_room(const struct handle_table *t, uint32_t n)
{
	for (int h = 0; h < HANDLE_MAX && n > 0; h++)
		if (!t->slot[h].obj)
			n--;
	return n == 0 ? 0 : -E_FULL;
}

void handle_table_clear(struct handle_table *t)
{
	for (int h = 0; h < HANDLE_MAX; h++)
		if (t->slot[h].obj)
			handle_close(t, h);
}
