/*
 * The one pager loop every pager runs (pagers differ only by their ops).
 *
 * The loop, step by step:
 *   1. receive on the pager endpoint;
 *   2. PAGER_FAULT of kind FAULT_DATA: find the object by the message's
 *      badge; if the pager holds the page's frame (returned by the memory
 *      manager, step 3), supply a copy of it; else take a page frame from the
 *      pool (a slot of the pager's own wired memory), let ops->fill put
 *      the object's data in it, and supply it, waiting for the next
 *      message in the same call. A fill may also answer PAGER_PENDING:
 *      the request waits in the queue (pager_defer) and the loop goes on
 *      serving other messages until the pager calls pager_complete.
 *      Kind FAULT_UNLOCK (a write to a page supplied write-protected):
 *      ops->unlock decides, LOCK_UNLOCK lets the write through;
 *   3. PAGER_RETURN (the memory manager evicted a dirty page; its frame
 *      now lies in the pager's return area): ops->writeback saves it and
 *      the frame is unmapped (freed); without writeback, or if it fails,
 *      the pager keeps the frame as the page's content and supplies a
 *      copy of it at each later FAULT for the page (a supplied page is
 *      clean: the pager must still have it when the manager drops it),
 *      until the object goes or a newer RETURN of the page replaces it.
 *      So nothing written is lost; with the return area full the kernel
 *      leaves dirty pages resident;
 *   4. PAGER_TERMINATE: ops->terminate, forget the object (kept frames
 *      freed, deferred fills cancelled); PAGER_RELEASE (the object is
 *      being rebound): kept frames are supplied back, ops->release hands
 *      back what the pager holds besides, PAGER_CTL_RELEASED says so, and
 *      the object is forgotten as on TERMINATE;
 *   5. anything else is a client request (long ones too: their words
 *      beyond the registers come from the IPC buffer, as do a long
 *      reply's): dispatched through the libipc handler table (the
 *      pager's own protocol, e.g. "create an object", or a file server's),
 *      answered by ipc_server_answer: a create whose reply does not reach
 *      the client is undone (pager_undo_create), so the object table
 *      cannot fill with objects nobody holds.
 * The epoch: every kernel message names the binding's epoch; the loop
 * keeps the last one in obj->epoch and every call it makes names it.
 *
 * Contract of the ops (each may be NULL where noted):
 *   fill(p, obj, offset, page): write the object's 4 KiB at offset into
 *       page (the whole page). The page comes from the pool; a pool of
 *       pre-zeroed pages means a zero-fill pager needs no fill at all
 *       (NULL: zeros). Returns 0, PAGER_PENDING after pager_defer (the
 *       data comes later), or an error of the closed set (uapi/pager.h
 *       PAGER_FAIL_CODE_OK: -E_NOMEM, -E_RANGE, -E_FORMAT data
 *       unreadable, -E_DEAD backing store gone): the fault fails and the
 *       faulting task is told. Any other value breaks the contract: the
 *       library logs it (the first time, then at powers of two) and fails
 *       the fault with -E_FORMAT.
 *   writeback(p, obj, offset, page): a dirty page evicted by the memory
 *       manager; save it. 0: saved, the frame is freed. An error: the
 *       pager keeps the frame (as when writeback is NULL) and supplies it
 *       at the next fault. Needs a return area (return_pages).
 *   unlock(p, obj, offset): a write to a page supplied write-protected.
 *       0 (or NULL): allowed at once; an error of the closed set fails it.
 *   release(p, obj): supply back every page kept for the object besides
 *       the returned frames the library holds (with obj->epoch); NULL:
 *       the pager keeps nothing else.
 *   terminate(p, obj): the object is gone; free what the pager kept.
 *   read(p, obj, offset, n, &src): tried before fill (NULL: never) by a
 *       pager whose store reads into pages of a buffer object of its own
 *       (a disk buffer of kernel-zero memory): reads up to n pages from
 *       offset on into consecutive pages at *src and returns how many
 *       (>= 1); the supply then takes those frames out of the buffer
 *       (PAGER_SUPPLY_TAKE), so the data is neither copied nor zeroed
 *       first. 0: not this way (a hole, blocks not in one run), the fill
 *       path answers; an error of the closed set fails the fault.
 *
 * Several requests in flight: a pager whose fill waits for a disk calls
 * pager_defer(p, obj, offset, page) in fill, starts its I/O into page,
 * and returns PAGER_PENDING; the loop serves other faults, returns and
 * requests meanwhile. When the data is there the pager calls
 * pager_complete(p, token, err) on the loop's thread: from one of its
 * own request handlers or ops. An I/O thread of the pager (one waiting
 * on the disk's notification) wakes the loop with a request of the
 * pager's own table (e.g. "I/O done") whose handler reaps the finished
 * I/O and completes it; a client forging that request only makes the
 * pager look for finished I/O. Why a queue on one thread rather than
 * worker threads: the fast path stays one thread with no lock (fill
 * and supply-and-receive in one call), every table of the library and
 * of the pager (object table, pool, kept frames, an ext2 cache) needs
 * no locking, a backing store that serves one request at a time
 * (the ext2 library, one disk) gains nothing from threads that would
 * wait on its lock, and the fake kernel can drive it deterministically.
 * Deferral takes the single-page path only (cluster 1): in a cluster
 * fill pager_defer answers -E_BUSY and the fill must answer at once.
 *
 * Clusters: with cluster > 1 a fault is answered with up to cluster
 * pages from the faulting one on (read-ahead), filled in a contiguous
 * staging area and supplied in one call; the cluster stops before a
 * page whose returned frame the pager keeps. A pager without a fill op
 * (zeros) supplies "no data" and the kernel zero-fills, also when its
 * pool is empty.
 * The pool: pool_size slots of wired memory at pool_base. A supplied
 * slot's frame leaves the pager; the loop re-wires empty slots (the
 * kernel hands out zeroed frames) when fewer than pool_low are left, after
 * the supply and before its next receive. A slot whose fill was deferred
 * is held (pool_ready 2) until completed. With a refill thread
 * (pager_refill_start) the wiring, and the kernel's zeroing in it, leave
 * the loop altogether: they run when the hart has nothing else to do.
 * The return area: return_pages pages at return_base (at most
 * PAGER_RETURN_MAX; 0: none, and the kernel keeps dirty pages resident),
 * registered by pager_run.
 */
#ifndef PAGERS_COMMON_PAGER_H
#define PAGERS_COMMON_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "libipc/server.h"
#include "pagers/common/pager_queue.h"

#define PAGER_MAX_OBJECTS 64
#define PAGER_RETURN_MAX 256

/* fill's answer after pager_defer: the data comes with pager_complete. */
#define PAGER_PENDING 1

struct pager_object {
	int vmo;         /* handle with R_PAGER; 0: slot free */
	uint64_t size;
	void *data;      /* the pager's own per-object state */
	uint32_t epoch;  /* the binding's, from the kernel's last message */
	uint32_t kept;   /* returned frames the library holds for it */
	bool adopting;   /* pager_object_adopt: vmo opened at its first message */
};

struct pager;

struct pager_ops {
	int (*fill)(struct pager *p, struct pager_object *obj, uint64_t offset, void *page);
	void (*terminate)(struct pager *p, struct pager_object *obj);
	void (*release)(struct pager *p, struct pager_object *obj);
	int (*writeback)(struct pager *p, struct pager_object *obj, uint64_t offset,
			 const void *page);
	int (*unlock)(struct pager *p, struct pager_object *obj, uint64_t offset);
	long (*read)(struct pager *p, struct pager_object *obj, uint64_t offset, uint64_t n,
		     void **src);
};

/* A page of the return area: the object page whose frame it holds. */
struct pager_kept {
	uint32_t object; /* index in objects + 1; 0: the slot is free */
	uint64_t offset;
};

struct pager {
	const char *name;
	int ep;                       /* receive side of the pager endpoint */
	const struct pager_ops *ops;
	/* (What every fault reads comes first, within reach of one
	 * load's offset from the struct; the large arrays last.) */
	uint64_t pool_base;
	uint32_t pool_cap;            /* slots at pool_base */
	uint32_t pool_size, pool_low; /* target and refill mark (<= pool_cap) */
	uint32_t pool_count;          /* wired slots ready (not with a refill thread:
				       * pager_pool_ready counts) */
	uint32_t *pool_free;          /* stack of ready slot indices (not with a refill thread) */
	uint8_t *pool_ready;          /* per slot: 1 if on that stack */
	uint32_t cluster;             /* pages per supply (read-ahead); 1: pool path */
	uint64_t stage_base;          /* staging area for clusters (cluster pages) */
	uint64_t faults, failed;
	/* The refill thread (pager_refill_start), if there is one: slots
	 * pass between it and the loop round a ring, each side moving only
	 * its own counter (the two threads share no lock). */
	int refill_note;                          /* wakes it; 0 (the task's own handle, never a
						   * notification): none, the loop refills */
	bool refill_asked;                        /* the loop woke it, it has not run since */
	bool ring_plain;                          /* pager_set_cluster: a refill thread, cluster 1, no
						   * read or fill op (a zero pager) */
	uint64_t pool_head;                       /* ring positions (pager.c): the next the loop
						   * takes, */
	uint64_t pool_tail;                       /* and the next the thread wires */
	uint64_t refilled;                        /* pages it wired */
	uint64_t doorbell_base;                   /* set by the caller: where to wire the page of
						   * the thread's idle doorbell (0: none, the loop
						   * signals instead) */
	volatile uint64_t *doorbell;              /* the armed word (uapi/ipc.h), or NULL */
	uint64_t return_base;         /* the return area (PAGER_RETURN frames) */
	uint32_t return_pages;        /* its pages (<= PAGER_RETURN_MAX); 0: none */
	void *deferrable;             /* the page the running fill may defer */
	long defer_token;             /* pager_defer's, for the loop */
	uint64_t returned, written, deferred, refused;
	struct pager_object objects[PAGER_MAX_OBJECTS]; /* badge = index + 1 */
	struct ipc_server server;     /* client requests */
	struct pager_kept kept[PAGER_RETURN_MAX]; /* per return-area page */
	struct pager_queue queue;     /* deferred fills */
};

/* Start-up: a pager owns the endpoint its objects are bound to (the
 * frames the memory manager returns land in the owner's address space,
 * and only the owner's objects make it a pager that may draw on the
 * frame reserve). Whoever starts it hands it a one-off endpoint with
 * R_SEND at boot_ep; the pager makes its endpoint and calls boot_ep
 * with one handle, the new endpoint's send side (R_SEND | R_GRANT),
 * label PAGER_HANDOFF; the starter answers with status 0 and publishes
 * it. Returns the new endpoint (receive side) or an error; buf becomes
 * the calling thread's IPC buffer. */
#define PAGER_HANDOFF 0x7100
long pager_endpoint_handoff(int boot_ep, struct ipc_buffer *buf);

/* Sets up the pool (wires every slot) and runs the loop; returns only if
 * the endpoint dies. */
long pager_run(struct pager *p);
/* Sets the pages per supply (read-ahead) while pager_run runs. */
void pager_set_cluster(struct pager *p, uint32_t n);

/* Creates an object of size bytes paged by p; returns its pager_object
 * (badge = index + 1) or NULL. The caller hands clients a copy of
 * obj->vmo without R_PAGER. */
struct pager_object *pager_object_new(struct pager *p, uint64_t size, long *err);

/* Takes over the object h (R_CONTROL) from its pager: rebinds it to p
 * with a badge of p's; the old pager hands its pages back first (the
 * kernel's RELEASE), faults meanwhile wait. Returns the pager_object
 * (its vmo, a handle of p's with R_PAGER, opened at the object's first
 * message, once the rebind is complete) or NULL with *err. The caller
 * still closes h. */
struct pager_object *pager_object_adopt(struct pager *p, int h, long *err);

/* Forgets obj: ops->terminate, then the pager's handle closes (with no
 * other handle or mapping left, the kernel frees the object). */
void pager_object_drop(struct pager *p, struct pager_object *obj);

/* The undo hook (libipc/server.h) of a client request that creates an
 * object and hands its handle back as the reply's handles[0]: the reply
 * was not delivered, so nobody else holds the object; it is dropped.
 * The server's ctx must be the pager. */
void pager_undo_create(void *ctx, const struct ipc_request *req,
		       const struct ipc_response *resp);

/* Refills the pool up to its size now (on demand: the cold path); with a
 * refill thread, asks it to. */
void pager_pool_refill(struct pager *p);

/* Empties the pool and sets its size to 0: every fault then has the
 * kernel zero-fill (benchmarks: the cold path). */
void pager_pool_drain(struct pager *p);

/* Pool pages ready now (with a refill thread, an estimate). */
uint32_t pager_pool_ready(const struct pager *p);

/* Moves the pool's refilling off the faults' path: a thread of the
 * pager's, at priority prio (below its clients', so it runs when the
 * hart would idle), wires empty slots when the loop asks (after each
 * slot taken with an idle doorbell, at pool_low without); the loop only
 * collects them. Faults that find the pool empty meanwhile are
 * answered by the kernel's zero-fill. For pagers without a fill op and
 * with pool_cap >= 2; call before pager_run, with p's ep, pool and name
 * set. Returns 0 or an error (the loop then refills). */
long pager_refill_start(struct pager *p, void *stack, size_t size, uint32_t prio);

/* Called by a fill that cannot answer now (page and the rest as fill
 * got them): returns the token pager_complete takes (>= 0), or -E_FULL
 * (PAGER_MAX_PENDING wait already) or -E_BUSY (not a deferrable fill:
 * a cluster's, or not the running one); the fill then returns
 * PAGER_PENDING, or on an error answers at once. The page stays the
 * pager's to write until it completes. */
long pager_defer(struct pager *p, struct pager_object *obj, uint64_t offset, void *page);

/* Ends a deferred fill, on the loop's thread: err 0 supplies the page,
 * an error (the closed set, as fill's) fails the fault. Returns 0, or
 * -E_INVAL (the token names no waiting fill: never given, or completed
 * already), -E_CANCELED (its object went meanwhile: the page is
 * dropped), or the kernel's error for the supply or fail. */
long pager_complete(struct pager *p, long token, int err);

#endif
