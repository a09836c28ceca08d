/*
 * Timeouts: the deadlines of blocked threads, in a binary min-heap.
 *
 * Lifecycle of a timeout (embedded in its thread):
 *   1. thread_create reserves a heap slot for every thread that exists
 *      (timeout_reserve), so arming one can never fail;
 *   2. a thread that blocks with a deadline arms it (timeout_arm);
 *   3. a thread woken for any other reason cancels it (timeout_cancel):
 *      O(1), it only marks the entry stale, so the IPC fast path can do
 *      it with one store. A stale entry leaves the heap when it comes due
 *      (dropped by timeout_take_due) or when its thread arms again (the
 *      entry is reused, moved to its new place);
 *   4. the timer takes what is due (timeout_take_due), earliest first;
 *   5. thread_free takes its entry out (timeout_forget) and gives back
 *      heap chunks no longer needed (timeout_trim).
 *
 * What holds: slot s of the heap (1-based) holds an entry whose slot
 * field is s; no parent's deadline is later than its children's. So the
 * earliest entry is at slot 1; arming and taking cost O(log n) moves,
 * cancelling O(1), and nothing sleeping elsewhere slows a call that sets
 * a timeout. Every thread has at most one entry, so the heap never holds
 * more entries than there are threads, stale ones included.
 *
 * Storage: chunks of TIMEOUT_CHUNK slots (one frame each); the first is
 * static, the rest come from kmem as threads are made.
 *
 * No lock: one hart, no preemption inside the kernel. The heap goes
 * under the scheduler's lock when there are several harts.
 */
#ifndef KERN_TIMEOUT_H
#define KERN_TIMEOUT_H

#include "kern/types.h"

struct timeout {
	uint64_t deadline; /* timebase ticks; valid while slot != 0 */
	uint32_t slot;     /* position in the heap, 1-based; 0: not in it */
	bool armed;        /* its thread waits for it (then slot != 0) */
};

#define TIMEOUT_CHUNK_SHIFT 9
#define TIMEOUT_CHUNK (1u << TIMEOUT_CHUNK_SHIFT) /* slots a chunk, one frame */
#define TIMEOUT_CHUNKS 256                        /* most chunks: 131,071 entries */
_Static_assert(TIMEOUT_CHUNK * sizeof(void *) == PAGE_SIZE, "a chunk is one frame");

extern struct timeout **timeout_chunk[TIMEOUT_CHUNKS];
extern uint32_t timeout_count; /* entries in the heap: slots 1..timeout_count */

/* Room for n entries at once: 0, or -E_NOMEM (nothing changed). */
int timeout_reserve(uint64_t n);
/* At most n entries from now on: chunks well above that go. */
void timeout_trim(uint64_t n);

/* Arms `to` for deadline (re-arms it if armed). The room was reserved. */
void timeout_arm(struct timeout *to, uint64_t deadline);

/* Its thread no longer waits for `to`. Inline, one store: the IPC fast
 * path cancels a woken partner's deadline with it. */
static inline void timeout_cancel(struct timeout *to)
{
	to->armed = false;
}

/* `to`'s thread goes away: its entry leaves the heap, if there. */
void timeout_forget(struct timeout *to);

/* The armed timeout with the earliest deadline if that is at or before
 * now, taken off the heap and disarmed; else NULL. Stale entries due by
 * now are dropped on the way. */
struct timeout *timeout_take_due(uint64_t now);

/* The heap's invariants hold (host tests, debug checks). */
bool timeout_check(void);

static inline struct timeout **timeout_at(uint32_t slot)
{
	return &timeout_chunk[slot >> TIMEOUT_CHUNK_SHIFT][slot & (TIMEOUT_CHUNK - 1)];
}

#endif
