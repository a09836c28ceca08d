/*
 * The fills a pager has deferred (pagers/common/pager.h): a fixed table
 * of requests waiting for their data, named by tokens.
 *
 * A request's life:
 *   1. pq_add when the fill says "later": the token names the entry
 *      (its index, and a generation so a stale token never names a
 *      reused entry);
 *   2. if its object goes first (terminated, rebound away), pq_cancel_object
 *      marks it cancelled: the entry and its page stay held, because the
 *      pager's I/O may still be writing into the page;
 *   3. pq_take when the pager completes the token: the entry leaves the
 *      table and the caller supplies (or fails, or, cancelled, discards)
 *      its page.
 * No system calls and no allocation: the table is tested on the host.
 */
#ifndef PAGERS_COMMON_PAGER_QUEUE_H
#define PAGERS_COMMON_PAGER_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define PAGER_MAX_PENDING 32

enum pq_state {
	PQ_FREE = 0,
	PQ_WAITING,   /* the pager is getting the data */
	PQ_CANCELLED, /* its object went: the page is discarded on completion */
};

struct pq_entry {
	uint8_t state;    /* enum pq_state */
	uint32_t gen;     /* of the token that names it now */
	uint32_t object;  /* index in the pager's object table (PQ_WAITING) */
	uint64_t offset;  /* the faulting page, bytes */
	void *page;       /* where the data goes (a pool slot) */
};

struct pager_queue {
	struct pq_entry e[PAGER_MAX_PENDING];
	uint32_t count; /* entries not PQ_FREE */
	uint32_t gen;   /* the last generation handed out */
};

/* A new waiting entry; returns its token (>= 0), or -E_FULL. */
long pq_add(struct pager_queue *q, uint32_t object, uint64_t offset, void *page);

/* The entry token names, taken out of the table (its copy in *out), or
 * false if the token names nothing (never given, or already taken). */
bool pq_take(struct pager_queue *q, long token, struct pq_entry *out);

/* Cancels every waiting entry of object; returns how many. */
uint32_t pq_cancel_object(struct pager_queue *q, uint32_t object);

/* Whether a waiting entry is for (object, offset). */
bool pq_waiting(const struct pager_queue *q, uint32_t object, uint64_t offset);

#endif
