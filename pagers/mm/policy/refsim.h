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
};

struct refsim_result {
	uint32_t faults, evictions;
};

/* p: an initialized, empty policy with cap >= frames. 0, or -E_INVAL
 * (frames 0 or > cap), or the error of a policy call that failed. */
int refsim_run(struct pol *p, const uint64_t *refs, size_t n, uint32_t frames,
	       const struct refsim_opts *opts, struct refsim_result *res);

#endif
