/*
 * FIFO: the page resident longest goes first, whatever its use. The
 * ring is in admission order and the hand is its head (the oldest).
 */
#include "pagers/mm/policy/policy_impl.h"

static uint32_t fifo_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	for (uint32_t i = pol_first(p); i != POL_NIL; i = pol_next(p, i)) {
		p->stats.scanned++;
		if (pol_accepts(p, i, ok, ctx))
			return i;
	}
	return POL_NIL;
}

const struct pol_ops pol_fifo_ops = { .pick = fifo_pick };
