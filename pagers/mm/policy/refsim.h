/*
 * The reference-string simulator: runs a policy over a string of page
 * numbers with a number of frames, as the textbook's exercises do, and
 * counts faults. For the host tests and the policy lab; portable C.
 *
 * For each reference i (virtual time now = i):
 *   1. resident: pol_observe(R = 1, M = the reference is a write);
 *   2. not resident: a fault; if `frames` pages are resident, pol_pick
 *      one victim (logged in victims[] if given), then pol_admit the page
 *      with R set (and M for a write);
 *   3. every tick_every references (0: never), pol_tick;
 *   4. at reference switch_at (before it is served), pol_switch to
 *      switch_to, if switch_at > 0.
 * Pages are keys {obj = 0, idx = page}.
 */
#ifndef PAGERS_MM_REFSIM_H
#define PAGERS_MM_REFSIM_H

#include "pagers/mm/policy/policy.h"

struct refsim_opts {
	uint32_t tick_every;
	const bool *writes;       /* per reference, or NULL: all reads */
	size_t switch_at;         /* 0: no switch */
	enum pol_kind switch_to;
	uint64_t *victims;        /* one per eviction, or NULL */
	size_t victims_cap;
	bool *faulted;            /* per reference: did it fault? or NULL */
	/* Per page number (0..dirty_pages-1), zeroed by the caller, or
	 * NULL: refsim_run keeps each page's dirty state in it and counts
	 * the dirty victims in res->writebacks (pages beyond it: clean). */
	uint8_t *dirty;
	size_t dirty_pages;
};

struct refsim_result {
	uint32_t faults, evictions;
	uint32_t writebacks; /* victims that were dirty (disk writes) */
};

/* p: an initialized, empty policy with cap >= frames. 0, or -E_INVAL
 * (frames 0 or > cap), or the error of a policy call that failed. */
int refsim_run(struct pol *p, const uint64_t *refs, size_t n, uint32_t frames,
	       const struct refsim_opts *opts, struct refsim_result *res);

/*
 * The guest model: what the guest's memory manager does in its exact
 * N-frame mode, where the policy learns of references only through the
 * page tables' A/D bits, harvested at each fault. Virtual time `now` is
 * f, the number of faults so far (from 0). Each resident page has an A
 * and a D bit that the policy does not see.
 *
 * For each reference of page p (a write if writes[i]):
 *   - p resident: set its A (and its D for a write). Nothing else.
 *   - p not resident: fault number f.
 *     1. harvest: for each resident page in ascending page number: not
 *        in the policy yet: pol_admit(key, f, (A ? POL_REF : 0) |
 *        (D ? POL_MOD : 0)); else pol_observe(key, A, D, f); then A is
 *        cleared (D stays until the page is evicted);
 *     2. pol_tick(f);
 *     3. if `frames` pages are resident: pol_pick one victim and drop it
 *        from the resident set (a disk write if its D was set);
 *     4. p becomes resident with A set, and D for a write; the policy
 *        hears of it at the next harvest.
 * The policy (cap >= frames, empty) should be fresh: the tool and the
 * guest create it with pol_init(kind, cap, ..., seed 1, tau default).
 * set: the caller's room for `frames` resident pages.
 * 0, or -E_INVAL (frames 0 or > cap), or a policy call's error.
 */
struct refsim_frame {
	uint64_t page;
	uint8_t a, d;
};

int refsim_run_guest(struct pol *p, const uint64_t *refs, const bool *writes, size_t n,
		     uint32_t frames, struct refsim_frame *set, struct refsim_result *res);

#endif
