/*
 * Timeouts: the deadlines of blocked threads, in a binary min-heap.
 *
 * Lifecycle of a timeout (embedded in its thread):
 *   1. thread_create reserves a heap slot for every thread that exists
 *      (timeout_reserve), so arming one can never fail;
 *   2. a thread that blocks with a deadline is added (timeout_add);
 *   3. it comes off when the thread wakes for any reason, or when the
 *      timer finds it due (timeout_first), through timeout_remove;
 *   4. thread_free gives back heap chunks no longer needed (timeout_trim).
 *
 * What holds: slot s of the heap (1-based) holds a timeout whose slot
 * field is s; a parent's deadline is never later than its children's.
 * So the earliest deadline is at slot 1, and adding or removing costs
 * O(log n) moves: nothing sleeping elsewhere slows a call that sets a
 * timeout. Removal is inline: the IPC fast path (ipc_fast.h) takes a
 * woken partner's deadline off without a call.
 *
 * Storage: chunks of TIMEOUT_CHUNK slots (one frame each); the first is
 * static, the rest come from kmem as threads are made.
 *
 * No lock: one hart, no preemption inside the kernel. The heap goes
 * under the scheduler's lock when there are several harts.
 */
#ifndef KERN_TIMEOUT_H
#define KERN_TIMEOUT_H

#include "kern/log.h"
#include "kern/types.h"

struct timeout {
	uint64_t deadline; /* timebase ticks; valid while slot != 0 */
	uint32_t slot;     /* position in the heap, 1-based; 0: not armed */
};

#define TIMEOUT_CHUNK_SHIFT 9
#define TIMEOUT_CHUNK (1u << TIMEOUT_CHUNK_SHIFT) /* slots a chunk, one frame */
#define TIMEOUT_CHUNKS 256                        /* most chunks: 131,071 timeouts */
_Static_assert(TIMEOUT_CHUNK * sizeof(void *) == PAGE_SIZE, "a chunk is one frame");

extern struct timeout **timeout_chunk[TIMEOUT_CHUNKS];
extern uint32_t timeout_count; /* timeouts armed: slots 1..timeout_count */

/* Room for n armed timeouts at once: 0, or -E_NOMEM (nothing changed). */
int timeout_reserve(uint64_t n);
/* At most n timeouts can be armed from now on: chunks well above that go. */
void timeout_trim(uint64_t n);
/* The heap's invariants hold (host tests, debug checks). */
bool timeout_check(void);

static inline struct timeout **timeout_at(uint32_t slot)
{
	return &timeout_chunk[slot >> TIMEOUT_CHUNK_SHIFT][slot & (TIMEOUT_CHUNK - 1)];
}

static inline void timeout_place(uint32_t slot, struct timeout *to)
{
	*timeout_at(slot) = to;
	to->slot = slot;
}

/* Moves `to` from slot up past later parents. */
static inline void timeout_sift_up(uint32_t slot, struct timeout *to)
{
	while (slot > 1) {
		struct timeout *parent = *timeout_at(slot / 2);
		if (parent->deadline <= to->deadline)
			break;
		timeout_place(slot, parent);
		slot /= 2;
	}
	timeout_place(slot, to);
}

/* Moves `to` from slot down past earlier children. */
static inline void timeout_sift_down(uint32_t slot, struct timeout *to)
{
	uint32_t n = timeout_count;
	while (2 * slot <= n) {
		uint32_t c = 2 * slot;
		struct timeout *child = *timeout_at(c);
		if (c < n && (*timeout_at(c + 1))->deadline < child->deadline)
			child = *timeout_at(++c);
		if (to->deadline <= child->deadline)
			break;
		timeout_place(slot, child);
		slot = c;
	}
	timeout_place(slot, to);
}

/* Arms `to` (not armed) for deadline. The room was reserved. */
static inline void timeout_add(struct timeout *to, uint64_t deadline)
{
	KASSERT(!to->slot);
	to->deadline = deadline;
	timeout_sift_up(++timeout_count, to);
}

/* Disarms `to` (armed). The last slot's timeout fills the hole. */
static inline void timeout_remove(struct timeout *to)
{
	uint32_t slot = to->slot;
	KASSERT(slot && *timeout_at(slot) == to);
	to->slot = 0;
	struct timeout *last = *timeout_at(timeout_count--);
	if (last == to)
		return;
	if (slot > 1 && (*timeout_at(slot / 2))->deadline > last->deadline)
		timeout_sift_up(slot, last);
	else
		timeout_sift_down(slot, last);
}

/* The armed timeout with the earliest deadline, or NULL. */
static inline struct timeout *timeout_first(void)
{
	return timeout_count ? *timeout_at(1) : 0;
}

#endif
