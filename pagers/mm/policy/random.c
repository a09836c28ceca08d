/*
 * Random: any resident page, uniformly, from the policy's own PRNG
 * (xorshift64*, seeded by pol_config.seed): the same seed and the same
 * calls give the same victims. A baseline for the others.
 */
#include "pagers/mm/policy/policy_impl.h"

static uint32_t random_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	if (!ok)
		return pol_rand_below(p, p->count); /* the table is dense */
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->count; i++)
		n += pol_accepts(p, i, ok, ctx);
	p->stats.scanned += p->count;
	if (n == 0)
		return POL_NIL;
	uint32_t r = pol_rand_below(p, n);
	for (uint32_t i = 0;; i++)
		if (pol_accepts(p, i, ok, ctx) && r-- == 0)
			return i;
}

const struct pol_ops pol_random_ops = { .pick = random_pick };
