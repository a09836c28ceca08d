/* The timeout heap's storage; see kern/timeout.h. */
#include "kern/timeout.h"

#include "kern/kmem.h"
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
