/*
 * Per-task handle tables. A handle is a slot index; the slot names a
 * kernel object, the rights the holder has on it and a badge chosen by
 * whoever minted the handle. Each occupied slot holds one reference on
 * its object.
 *
 * Rights only shrink: handle_copy masks them, nothing adds them. Handing
 * a handle to another task needs R_GRANT on the source.
 */
#ifndef KERN_HANDLE_H
#define KERN_HANDLE_H

#include "kern/kobj.h"

#define HANDLE_MAX 128

struct handle {
	struct kobj *obj; /* NULL: free slot */
	uint32_t rights;
	uint64_t badge;
	uint64_t pad; /* to 32 bytes: a lookup indexes with one shift (the
		       * table fills one frame either way) */
};

struct handle_table {
	struct handle slot[HANDLE_MAX];
};

/* Puts obj in the lowest free slot, taking a new reference. Returns the
 * slot, or -E_FULL. */
int handle_install(struct handle_table *t, struct kobj *obj, uint32_t rights,
		   uint64_t badge);

/* Installs at a given slot; -E_BUSY if occupied, -E_BADH if out of range. */
int handle_install_at(struct handle_table *t, int h, struct kobj *obj,
		      uint32_t rights, uint64_t badge);

/* Looks h up. type OBJ_NONE accepts any type. -E_BADH for an empty or
 * out-of-range slot or a wrong type, -E_PERM if rights are missing. */
int handle_lookup(struct handle_table *t, int64_t h, uint32_t type,
		  uint32_t need, struct handle **out);

/* handle_lookup for the fast paths, inline: the object if h names one
 * of type with the rights need, else NULL (the general path then says
 * which error). */
static inline struct kobj *handle_fast(struct handle_table *t, uint64_t h, uint32_t type,
				       uint32_t need)
{
	if (h >= HANDLE_MAX)
		return 0;
	struct handle *s = &t->slot[h];
	struct kobj *o = s->obj;
	return o && o->type == type && (s->rights & need) == need ? o : 0;
}

/* Copies h from `from` into a free slot of `to` with rights & mask.
 * Crossing tables needs R_GRANT on the source. Returns the new slot. */
int handle_copy(struct handle_table *from, int64_t h, struct handle_table *to,
		uint32_t mask);

/* Copies an unbadged handle within t, giving the copy `badge`: how a
 * server tells its clients apart. */
int handle_mint(struct handle_table *t, int64_t h, uint32_t mask, uint64_t badge);

int handle_close(struct handle_table *t, int64_t h);

/* 0 if at least n slots are free, else -E_FULL (checked before a commit
 * that will install n handles). */
int handle_room(const struct handle_table *t, uint32_t n);

/* Closes every slot (task teardown). */
void handle_table_clear(struct handle_table *t);

#endif
