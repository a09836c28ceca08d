/*
 * Inside the policies: the ops each policy file provides and the table
 * helpers they share (policy.c). Not for the manager.
 */
#ifndef PAGERS_MM_POLICY_IMPL_H
#define PAGERS_MM_POLICY_IMPL_H

#include "pagers/mm/policy/policy.h"

#ifdef HOST_TEST
#include <assert.h>
#define POL_ASSERT(c) assert(c)
#else
#define POL_ASSERT(c)                    \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)
#endif

/* WSClock asked for this page to be cleaned; cleared when seen clean. */
#define POL_CLEANING 4u
/* Referenced in the current tick period (observe/admit set it, every
 * tick shifts it into the aging counter and clears it): aging's and
 * NRU's R. POL_REF is the hands' R, cleared only by a passing hand. */
#define POL_RECENT 8u

/*
 * A policy is how it picks one victim. Every entry's state (R, M, the
 * aging counter, the time of last use, the ring order) is kept up to
 * date by policy.c whatever the policy, so a switch needs no rebuild.
 * pick returns an entry index accepted by ok (or POL_NIL if none is)
 * and leaves the entry in the table: the caller removes it. A pick may
 * move the hand, reorder the ring and clear POL_REF bits.
 */
struct pol_ops {
	uint32_t (*pick)(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx);
	/* Optional, for a policy whose pick changes nothing in the table
	 * (aging): up to n victims in one pass, in the order n picks would
	 * give them, into idx[]; returns how many. */
	uint32_t (*pick_many)(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx,
			      uint32_t *idx, uint32_t n);
};
#define POL_PICK_MANY_MAX 256

extern const struct pol_ops pol_fifo_ops, pol_second_chance_ops, pol_clock_ops,
	pol_aging_ops, pol_wsclock_ops, pol_random_ops, pol_nru_ops;

static inline bool pol_accepts(struct pol *p, uint32_t i, pol_filter_fn ok, void *ctx)
{
	return !ok || ok(ctx, &p->ent[i].key);
}

/* Ring helpers (policy.c). */
void pol_ring_unlink(struct pol *p, uint32_t i);
void pol_ring_insert_before(struct pol *p, uint32_t i, uint32_t at);
/* The PRNG (xorshift64*): deterministic for a seed. */
uint64_t pol_rand(struct pol *p);
/* A uniform number in [0, n), n > 0. */
uint32_t pol_rand_below(struct pol *p, uint32_t n);

#endif
