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

/* The n smallest (value, ring position) in one pass: a max-heap of the
 * best so far, so a manager's batch of victims costs one scan, not one
 * scan a victim. Ties go to the earlier in the ring, as in aging_pick. */
struct cand {
	uint32_t key; /* aging_value */
	uint32_t pos, i; /* ring position from the hand; entry index */
};

static bool worse(const struct cand *a, const struct cand *b)
{
	return a->key != b->key ? a->key > b->key : a->pos > b->pos;
}

static void sift_down(struct cand *h, uint32_t n, uint32_t at)
{
	for (;;) {
		uint32_t l = 2 * at + 1, r = l + 1, m = at;
		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == at)
			return;
		struct cand t = h[at];
		h[at] = h[m];
		h[m] = t;
		at = m;
	}
}

static uint32_t aging_pick_many(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx,
				uint32_t *idx, uint32_t n)
{
	(void)now;
	struct cand h[POL_PICK_MANY_MAX];
	uint32_t k = 0, pos = 0;
	for (uint32_t i = pol_first(p); i != POL_NIL; i = pol_next(p, i), pos++) {
		p->stats.scanned++;
		if (!pol_accepts(p, i, ok, ctx))
			continue;
		struct cand c = { aging_value(&p->ent[i]), pos, i };
		if (k < n) { /* sift up */
			uint32_t at = k++;
			h[at] = c;
			while (at > 0 && worse(&h[at], &h[(at - 1) / 2])) {
				struct cand t = h[at];
				h[at] = h[(at - 1) / 2];
				h[(at - 1) / 2] = t;
				at = (at - 1) / 2;
			}
		} else if (worse(&h[0], &c)) {
			h[0] = c;
			sift_down(h, k, 0);
		}
	}
	/* Out in pick order: the best first. */
	for (uint32_t m = k; m > 0; m--) {
		idx[m - 1] = h[0].i;
		h[0] = h[m - 1];
		sift_down(h, m - 1, 0);
	}
	return k;
}

const struct pol_ops pol_aging_ops = { .pick = aging_pick, .pick_many = aging_pick_many };
