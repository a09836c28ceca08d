/*
 * Aging (an LRU approximation): each page has an 8-bit counter. At each
 * tick (pol_tick, in policy.c for every policy) every counter shifts
 * right by one and the page's R bit of the period just ended enters at
 * bit 7; R then starts again. The page with the smallest counter goes.
 * A pick between ticks compares the counters as the next tick would
 * make them, keeping the bit it would shift out: the 9-bit value
 * (R << 8) | counter. Ties go to the page admitted first (ring order).
 * With a tick after every reference and at most 8 frames this is
 * exactly LRU.
 */
#include "pagers/mm/policy/policy_impl.h"

static unsigned aging_value(const struct pol_entry *e)
{
	return (e->flags & POL_RECENT ? 0x100u : 0u) | e->age;
}

static uint32_t aging_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	uint32_t best = POL_NIL;
	unsigned best_v = 0;
	for (uint32_t i = pol_first(p); i != POL_NIL; i = pol_next(p, i)) {
		p->stats.scanned++;
		if (!pol_accepts(p, i, ok, ctx))
			continue;
		unsigned v = aging_value(&p->ent[i]);
		if (best == POL_NIL || v < best_v) {
			best = i;
			best_v = v;
		}
	}
	return best;
}

const struct pol_ops pol_aging_ops = { .pick = aging_pick };
