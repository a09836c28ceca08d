/*
 * Second chance: FIFO that looks at the oldest page's R bit first. R
 * clear: the page goes. R set: R is cleared and the page moves to the
 * tail of the queue, as if it had just been loaded; the search goes on.
 * With every R set it degenerates into FIFO after one pass. Pages the
 * filter refuses are skipped and keep their place and their R bit.
 */
#include "pagers/mm/policy/policy_impl.h"

static uint32_t second_chance_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	uint32_t i = p->hand;
	/* Each accepted page is requeued at most once, so two passes and
	 * one step find a victim if any page is accepted. */
	for (uint32_t s = 0; s <= 2 * p->count && i != POL_NIL; s++) {
		struct pol_entry *e = &p->ent[i];
		uint32_t next = e->next;
		p->stats.scanned++;
		if (pol_accepts(p, i, ok, ctx)) {
			if (!(e->flags & POL_REF))
				return i;
			e->flags &= (uint8_t)~POL_REF;
			p->stats.second_chances++;
			pol_ring_unlink(p, i);
			pol_ring_insert_before(p, i, p->hand);
		}
		i = next;
	}
	return POL_NIL;
}

const struct pol_ops pol_second_chance_ops = { .pick = second_chance_pick };
