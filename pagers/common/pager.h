/*
 * The one pager loop every pager runs (pagers differ only by their ops).
 *
 * The loop, step by step:
 *   1. receive on the pager endpoint;
 *   2. PAGER_FAULT: find the object by the message's badge, take a page
 *      frame from the pool (a slot of the pager's own wired memory),
 *      let ops->fill put the object's data in it, and supply it, waiting
 *      for the next message in the same call;
 *      a FAULT of kind FAULT_UNLOCK (a write to a page supplied
 *      write-protected) is allowed at once (LOCK_UNLOCK);
 *   3. PAGER_TERMINATE: ops->terminate, forget the object; PAGER_RELEASE
 *      (the object is being rebound): ops->release hands back what the
 *      pager holds, PAGER_CTL_RELEASED says so, and the object is
 *      forgotten as on TERMINATE;
 *   4. anything else is a client request (long ones too: their words
 *      beyond the registers come from the IPC buffer, as do a long
 *      reply's): dispatched through the libipc handler table (the
 *      pager's own protocol, e.g. "create an object", or a file server's),
 *      answered by ipc_server_answer: a create whose reply does not reach
 *      the client is undone (pager_undo_create), so the object table
 *      cannot fill with objects nobody holds.
 *
 * Contract of the ops (each may be NULL where noted):
 *   fill(ctx, obj, offset, page): write the object's 4 KiB at offset into
 *       page. The page comes from the pool; a pool of pre-zeroed pages
 *       (POOL_ZEROED) means a zero-fill pager's fill does nothing.
 *       Returns 0, or one of -E_NOMEM, -E_RANGE, -E_FORMAT (data
 *       unreadable), -E_DEAD (backing store gone); any error fails the
 *       fault (SYS_PAGER_FAIL) and the faulting task is told.
 *   terminate(ctx, obj): the object is gone; free what the pager kept.
 *   release(ctx, obj): supply back every page kept for the object (with
 *       obj->epoch); NULL: the pager keeps nothing (zeros).
 * Clusters: with cluster > 1 a fault is answered with up to cluster
 * pages from the faulting one on (read-ahead), filled in a contiguous
 * staging area and supplied in one call. A pager without a fill op
 * (zeros) supplies "no data" and the kernel zero-fills, also when its
 * pool is empty.
 * The pool: pool_size slots of wired memory at pool_base. A supplied
 * slot's frame leaves the pager; the loop re-wires empty slots (the
 * kernel hands out zeroed frames) when fewer than pool_low are left and
 * no message waits, so zeroing stays off the fault's critical path.
 */
#ifndef PAGERS_COMMON_PAGER_H
#define PAGERS_COMMON_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "libipc/server.h"

#define PAGER_MAX_OBJECTS 64

struct pager_object {
	int vmo;         /* handle with R_PAGER; 0: slot free */
	uint64_t size;
	void *data;      /* the pager's own per-object state */
	uint32_t epoch;  /* the binding's, from the kernel's last message */
};

struct pager;

struct pager_ops {
	int (*fill)(struct pager *p, struct pager_object *obj, uint64_t offset, void *page);
	void (*terminate)(struct pager *p, struct pager_object *obj);
	void (*release)(struct pager *p, struct pager_object *obj);
};

struct pager {
	const char *name;
	int ep;                       /* receive side of the pager endpoint */
	const struct pager_ops *ops;
	struct ipc_server server;     /* client requests */
	struct pager_object objects[PAGER_MAX_OBJECTS]; /* badge = index + 1 */
	uint64_t pool_base;
	uint32_t pool_cap;            /* slots at pool_base */
	uint32_t pool_size, pool_low; /* target and refill mark (<= pool_cap) */
	uint32_t pool_count;          /* wired slots ready */
	uint32_t *pool_free;          /* stack of ready slot indices */
	uint8_t *pool_ready;          /* per slot: 1 if on that stack */
	uint32_t cluster;             /* pages per supply (read-ahead); 1: pool path */
	uint64_t stage_base;          /* staging area for clusters (cluster pages) */
	uint64_t faults, failed;
};

/* Sets up the pool (wires every slot) and runs the loop; returns only if
 * the endpoint dies. */
long pager_run(struct pager *p);

/* Creates an object of size bytes paged by p; returns its pager_object
 * (badge = index + 1) or NULL. The caller hands clients a copy of
 * obj->vmo without R_PAGER. */
struct pager_object *pager_object_new(struct pager *p, uint64_t size, long *err);

/* Forgets obj: ops->terminate, then the pager's handle closes (with no
 * other handle or mapping left, the kernel frees the object). */
void pager_object_drop(struct pager *p, struct pager_object *obj);

/* The undo hook (libipc/server.h) of a client request that creates an
 * object and hands its handle back as the reply's handles[0]: the reply
 * was not delivered, so nobody else holds the object; it is dropped.
 * The server's ctx must be the pager. */
void pager_undo_create(void *ctx, const struct ipc_request *req,
		       const struct ipc_response *resp);

/* Refills the pool up to its size now (on demand: the cold path). */
void pager_pool_refill(struct pager *p);

#endif
