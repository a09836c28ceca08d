/*
 * The name server's table: which endpoint is published under which name,
 * by whom, and which names only init may take (protocol and lifecycle
 * in name_proto.h).
 *
 * It holds no IPC: the server (name.c) checks messages and handles, then
 * calls in here; the host tests drive it with fake handles. Each entry
 * owns one handle of the server's (an endpoint's send side); the table
 * closes it when the entry goes (unregister, or its endpoint died).
 *
 * Invariants: no two live entries share a name; an entry's handle is
 * non-zero exactly when the entry is in use; a client other than init
 * never holds more than NAME_PER_CLIENT live entries, and never one whose
 * name is reserved.
 */
#ifndef SERVERS_NAME_TABLE_H
#define SERVERS_NAME_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/name/name_proto.h"

#define NAME_TABLE_SIZE 64
#define NAME_RESERVED_MAX 8

struct name_entry {
	char name[NAME_MAX_LEN + 1];
	int32_t handle; /* 0: free (slot 0 is the server's own task handle) */
	uint64_t owner; /* badge of the client that registered it */
};

struct name_table {
	struct name_entry entries[NAME_TABLE_SIZE];
	/* Names only init may register; "" free; ending in '.': a prefix. */
	char reserved[NAME_RESERVED_MAX][NAME_MAX_LEN + 1];
	bool (*dead)(int32_t handle);  /* its endpoint is gone */
	void (*close)(int32_t handle); /* the server lets go of it */
};

/* Publishes handle under name (a valid name, name_unpack) for owner; on
 * success the table keeps the handle, on failure the caller still owns
 * it. 0, -E_DEAD (the endpoint is gone), -E_PERM (reserved for init),
 * -E_BUSY (taken), -E_FULL (the owner's limit, or the table). Dead
 * entries are purged first. */
long name_table_register(struct name_table *t, const char *name, int32_t handle,
			 uint64_t owner);

/* The handle published under name (still the table's), or -E_NOENT;
 * an entry whose endpoint died is purged and not found. */
long name_table_lookup(struct name_table *t, const char *name, int32_t *handle);

/* Removes owner's entry for name: 0, -E_NOENT (none, or its endpoint
 * died: purged), or -E_PERM (another client's). */
long name_table_unregister(struct name_table *t, const char *name, uint64_t owner);

/* Reserves name (a prefix if it ends in '.') for init: 0 (also if it
 * already was), -E_PERM if owner is not init, -E_FULL. */
long name_table_reserve(struct name_table *t, const char *name, uint64_t owner);

/* Copies the name of the index-th live entry into out: 0 or -E_NOENT. */
long name_table_at(struct name_table *t, uint64_t index, char out[NAME_MAX_LEN + 1]);

/* Drops every entry whose endpoint died; returns how many. */
int name_table_purge(struct name_table *t);

#endif
