/*
 * CLOCK: the pages on a circle, a hand at the oldest. At a page with R
 * clear the hand stops: that page goes (removing it moves the hand one
 * on, and the next admitted page takes its place just behind the hand).
 * At a page with R set the hand clears R and moves on. It chooses the
 * same victims as second chance; it moves a hand instead of pages.
 * Pages the filter refuses are passed over with their R bit kept.
 */
#include "pagers/mm/policy/policy_impl.h"

static uint32_t clock_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	for (uint32_t s = 0; s <= 2 * p->count; s++) {
		uint32_t i = p->hand;
		struct pol_entry *e = &p->ent[i];
		p->stats.scanned++;
		if (pol_accepts(p, i, ok, ctx)) {
			if (!(e->flags & POL_REF))
				return i;
			e->flags &= (uint8_t)~POL_REF;
			p->stats.second_chances++;
		}
		p->hand = e->next;
	}
	return POL_NIL;
}

const struct pol_ops pol_clock_ops = { .pick = clock_pick };
