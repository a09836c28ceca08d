/* The timeout heap's storage; see kern/timeout.h. */
#include "kern/timeout.h"

#include "kern/kmem.h"
#include "kern/log.h"
#include "uapi/errors.h"

static struct timeout *first_chunk[TIMEOUT_CHUNK];
struct timeout **timeout_chunk[TIMEOUT_CHUNKS] = { first_chunk };
uint32_t timeout_count;
static uint64_t chunks = 1; /* timeout_chunk[0..chunks) are there */

int timeout_reserve(uint64_t n)
{
	uint64_t need = (n >> TIMEOUT_CHUNK_SHIFT) + 1; /* up to slot n's chunk */
	if (need > TIMEOUT_CHUNKS)
		return -E_NOMEM;
	for (; chunks < need; chunks++) {
		timeout_chunk[chunks] = kmem_alloc(PAGE_SIZE);
		if (!timeout_chunk[chunks])
			return -E_NOMEM; /* the chunks made stay: later reserves use them */
	}
	return 0;
}

void timeout_trim(uint64_t n)
{
	/* Half a chunk of slack, so that a count going up and down across a
	 * chunk's edge does not free and allocate a frame each time. */
	KASSERT(timeout_count <= n);
	while (chunks > 1 && n + TIMEOUT_CHUNK / 2 < (chunks - 1) << TIMEOUT_CHUNK_SHIFT) {
		chunks--;
		kmem_free(timeout_chunk[chunks], PAGE_SIZE);
		timeout_chunk[chunks] = 0;
	}
}

static inline void place(uint32_t slot, struct timeout *to)
{
	*timeout_at(slot) = to;
	to->slot = slot;
}

/* Puts `to` in the hole at slot, or above it past later parents. */
static void sift_up(uint32_t slot, struct timeout *to)
{
	while (slot > 1) {
		struct timeout *parent = *timeout_at(slot / 2);
		if (parent->deadline <= to->deadline)
			break;
		place(slot, parent);
		slot /= 2;
	}
	place(slot, to);
}

/* Puts `to` in the hole at slot, or below it past earlier children. */
static void sift_down(uint32_t slot, struct timeout *to)
{
	uint32_t n = timeout_count;
	while (2 * slot <= n) {
		uint32_t c = 2 * slot;
		struct timeout *child = *timeout_at(c);
		if (c < n && (*timeout_at(c + 1))->deadline < child->deadline)
			child = *timeout_at(++c);
		if (to->deadline <= child->deadline)
			break;
		place(slot, child);
		slot = c;
	}
	place(slot, to);
}

/* Puts `to` in the hole at slot, wherever its deadline belongs. */
static void settle(uint32_t slot, struct timeout *to)
{
	if (slot > 1 && (*timeout_at(slot / 2))->deadline > to->deadline)
		sift_up(slot, to);
	else
		sift_down(slot, to);
}

/* Takes `to` (in the heap) out; the last entry fills the hole. */
static void heap_remove(struct timeout *to)
{
	uint32_t slot = to->slot;
	KASSERT(slot && *timeout_at(slot) == to);
	to->slot = 0;
	to->armed = false;
	struct timeout *last = *timeout_at(timeout_count--);
	if (last != to)
		settle(slot, last);
}

void timeout_arm(struct timeout *to, uint64_t deadline)
{
	to->deadline = deadline;
	to->armed = true;
	if (to->slot) { /* stale or armed: the entry moves */
		settle(to->slot, to);
		return;
	}
	KASSERT(timeout_count + 1 < chunks << TIMEOUT_CHUNK_SHIFT);
	sift_up(++timeout_count, to);
}

void timeout_forget(struct timeout *to)
{
	if (to->slot)
		heap_remove(to);
}

struct timeout *timeout_take_due(uint64_t now)
{
	while (timeout_count) {
		struct timeout *first = *timeout_at(1);
		if (first->deadline > now)
			return 0;
		bool armed = first->armed;
		heap_remove(first);
		if (armed)
			return first;
	}
	return 0;
}

bool timeout_check(void)
{
	for (uint32_t s = 1; s <= timeout_count; s++) {
		struct timeout *to = *timeout_at(s);
		if (to->slot != s)
			return false;
		if (s > 1 && (*timeout_at(s / 2))->deadline > to->deadline)
			return false;
	}
	return true;
}
