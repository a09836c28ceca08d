/* The name server's table; see servers/name/name_table.h. */
#include "servers/name/name_table.h"

#include "uapi/errors.h"

static void entry_drop(struct name_table *t, struct name_entry *e)
{
	t->close(e->handle);
	*e = (struct name_entry){ 0 };
}

/* False (and the entry dropped) if its endpoint died. */
static bool entry_alive(struct name_table *t, struct name_entry *e)
{
	if (!t->dead(e->handle))
		return true;
	entry_drop(t, e);
	return false;
}

static struct name_entry *entry_find(struct name_table *t, const char *name)
{
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		if (t->entries[i].handle && strcmp(t->entries[i].name, name) == 0)
			return &t->entries[i];
	return 0;
}

/* Whether a reservation covers name: equal, or a prefix ending in '.'. */
static bool reserved_for_init(const struct name_table *t, const char *name)
{
	for (int i = 0; i < NAME_RESERVED_MAX; i++) {
		const char *r = t->reserved[i];
		size_t n = strlen(r);
		if (n && (strcmp(r, name) == 0 || (r[n - 1] == '.' && strncmp(r, name, n) == 0)))
			return true;
	}
	return false;
}

static int entries_of(const struct name_table *t, uint64_t owner)
{
	int n = 0;
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		n += t->entries[i].handle && t->entries[i].owner == owner;
	return n;
}

int name_table_purge(struct name_table *t)
{
	int n = 0;
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		if (t->entries[i].handle && !entry_alive(t, &t->entries[i]))
			n++;
	return n;
}

long name_table_register(struct name_table *t, const char *name, int32_t handle,
			 uint64_t owner)
{
	bool init = owner == NAME_BADGE_INIT;
	if (strnlen(name, NAME_MAX_LEN + 1) > NAME_MAX_LEN)
		return -E_INVAL;
	if (t->dead(handle))
		return -E_DEAD;
	if (!init && reserved_for_init(t, name))
		return -E_PERM;
	name_table_purge(t);
	if (entry_find(t, name))
		return -E_BUSY;
	if (!init && entries_of(t, owner) >= NAME_PER_CLIENT)
		return -E_FULL;
	for (int i = 0; i < NAME_TABLE_SIZE; i++) {
		struct name_entry *e = &t->entries[i];
		if (!e->handle) {
			memcpy(e->name, name, strlen(name) + 1);
			e->handle = handle;
			e->owner = owner;
			return 0;
		}
	}
	return -E_FULL;
}

long name_table_lookup(struct name_table *t, const char *name, int32_t *handle)
{
	struct name_entry *e = entry_find(t, name);
	if (!e || !entry_alive(t, e))
		return -E_NOENT;
	*handle = e->handle;
	return 0;
}

long name_table_unregister(struct name_table *t, const char *name, uint64_t owner)
{
	struct name_entry *e = entry_find(t, name);
	if (!e || !entry_alive(t, e))
		return -E_NOENT;
	if (e->owner != owner)
		return -E_PERM;
	entry_drop(t, e);
	return 0;
}

long name_table_reserve(struct name_table *t, const char *name, uint64_t owner)
{
	if (owner != NAME_BADGE_INIT)
		return -E_PERM;
	if (strnlen(name, NAME_MAX_LEN + 1) > NAME_MAX_LEN)
		return -E_INVAL;
	char *free_slot = 0;
	for (int i = 0; i < NAME_RESERVED_MAX; i++) {
		if (strcmp(t->reserved[i], name) == 0)
			return 0;
		if (!t->reserved[i][0] && !free_slot)
			free_slot = t->reserved[i];
	}
	if (!free_slot)
		return -E_FULL;
	memcpy(free_slot, name, strlen(name) + 1);
	return 0;
}

long name_table_at(struct name_table *t, uint64_t index, char out[NAME_MAX_LEN + 1])
{
	uint64_t seen = 0;
	for (int i = 0; i < NAME_TABLE_SIZE; i++) {
		struct name_entry *e = &t->entries[i];
		if (e->handle && entry_alive(t, e) && seen++ == index) {
			memcpy(out, e->name, NAME_MAX_LEN + 1);
			return 0;
		}
	}
	return -E_NOENT;
}
