/*
 * NRU (not recently used): each page is in a class by its bits,
 * 0 = not referenced, not modified; 1 = not referenced, modified;
 * 2 = referenced, not modified; 3 = referenced and modified, where
 * "referenced" is R of the current tick period (every pol_tick clears
 * it). A page of the lowest non-empty class goes, chosen uniformly at
 * random among that class by the policy's PRNG.
 */
#include "pagers/mm/policy/policy_impl.h"

static unsigned nru_class(const struct pol_entry *e)
{
	return (e->flags & POL_RECENT ? 2u : 0u) | (e->flags & POL_MOD ? 1u : 0u);
}

static uint32_t nru_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	(void)now;
	uint32_t in_class[4] = { 0, 0, 0, 0 };
	for (uint32_t i = 0; i < p->count; i++)
		if (pol_accepts(p, i, ok, ctx))
			in_class[nru_class(&p->ent[i])]++;
	p->stats.scanned += p->count;
	unsigned c = 0;
	while (c < 4 && in_class[c] == 0)
		c++;
	if (c == 4)
		return POL_NIL;
	uint32_t r = pol_rand_below(p, in_class[c]);
	for (uint32_t i = 0;; i++)
		if (pol_accepts(p, i, ok, ctx) && nru_class(&p->ent[i]) == c && r-- == 0)
			return i;
}

const struct pol_ops pol_nru_ops = { .pick = nru_pick };
