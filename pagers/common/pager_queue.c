/* Deferred fills; see pagers/common/pager_queue.h. */
#include "pagers/common/pager_queue.h"

#include "uapi/errors.h"

_Static_assert((PAGER_MAX_PENDING & (PAGER_MAX_PENDING - 1)) == 0, "tokens split by a mask");

/* A token is generation * PAGER_MAX_PENDING + index, kept below 2^31 so
 * it is a non-negative long on every host. */
#define GEN_LIMIT (0x7fffffffu / PAGER_MAX_PENDING)

long pq_add(struct pager_queue *q, uint32_t object, uint64_t offset, void *page)
{
	for (uint32_t i = 0; i < PAGER_MAX_PENDING; i++) {
		struct pq_entry *e = &q->e[i];
		if (e->state != PQ_FREE)
			continue;
		q->gen = q->gen + 1 < GEN_LIMIT ? q->gen + 1 : 1;
		*e = (struct pq_entry){ .state = PQ_WAITING, .gen = q->gen, .object = object,
					.offset = offset, .page = page };
		q->count++;
		return (long)q->gen * PAGER_MAX_PENDING + i;
	}
	return -E_FULL;
}

bool pq_take(struct pager_queue *q, long token, struct pq_entry *out)
{
	if (token < 0)
		return false;
	uint32_t i = (uint32_t)(token % PAGER_MAX_PENDING);
	struct pq_entry *e = &q->e[i];
	if (e->state == PQ_FREE || (long)e->gen != token / PAGER_MAX_PENDING)
		return false;
	*out = *e;
	*e = (struct pq_entry){ 0 };
	q->count--;
	return true;
}

uint32_t pq_cancel_object(struct pager_queue *q, uint32_t object)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < PAGER_MAX_PENDING; i++)
		if (q->e[i].state == PQ_WAITING && q->e[i].object == object) {
			q->e[i].state = PQ_CANCELLED;
			n++;
		}
	return n;
}

bool pq_waiting(const struct pager_queue *q, uint32_t object, uint64_t offset)
{
	for (uint32_t i = 0; i < PAGER_MAX_PENDING; i++)
		if (q->e[i].state == PQ_WAITING && q->e[i].object == object &&
		    q->e[i].offset == offset)
			return true;
	return false;
}
