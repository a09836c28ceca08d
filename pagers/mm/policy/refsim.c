/* The reference-string simulator (refsim.h). */
#include "pagers/mm/policy/refsim.h"

#include "uapi/errors.h"

static int refsim_fault(struct pol *p, struct pol_page key, uint64_t now, uint32_t frames,
			bool write, const struct refsim_opts *o, struct refsim_result *res)
{
	res->faults++;
	if (pol_count(p) >= frames) {
		struct pol_page victim;
		if (pol_pick(p, now, &victim, 1) != 1)
			return -E_FULL;
		if (o && o->victims && res->evictions < o->victims_cap)
			o->victims[res->evictions] = victim.idx;
		res->evictions++;
		if (o && o->dirty && victim.idx < o->dirty_pages && o->dirty[victim.idx]) {
			o->dirty[victim.idx] = 0;
			res->writebacks++;
		}
	}
	return pol_admit(p, key, now, POL_REF | (write ? POL_MOD : 0));
}

int refsim_run(struct pol *p, const uint64_t *refs, size_t n, uint32_t frames,
	       const struct refsim_opts *o, struct refsim_result *res)
{
	res->faults = res->evictions = res->writebacks = 0;
	if (frames == 0 || frames > p->cap)
		return -E_INVAL;
	for (size_t i = 0; i < n; i++) {
		struct pol_page key = { 0, refs[i] };
		bool write = o && o->writes && o->writes[i];
		if (write && o->dirty && refs[i] < o->dirty_pages)
			o->dirty[refs[i]] = 1;
		bool hit = pol_contains(p, key);
		int r = 0;
		if (o && o->switch_at && i == o->switch_at)
			r = pol_switch(p, o->switch_to);
		if (r == 0 && hit) /* M stays set until the page is written out */
			r = pol_observe(p, key, true, write || (pol_flags(p, key) & POL_MOD), i);
		else if (r == 0)
			r = refsim_fault(p, key, i, frames, write, o, res);
		if (r < 0)
			return r;
		if (o && o->faulted)
			o->faulted[i] = !hit;
		if (o && o->tick_every && (i + 1) % o->tick_every == 0)
			pol_tick(p, i);
	}
	return 0;
}

/* --- the guest model ------------------------------------------------------ */

/* The resident set: set[0..n) in ascending page number. The index of
 * page, or of where it would go. */
static uint32_t set_find(const struct refsim_frame *set, uint32_t n, uint64_t page)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (set[mid].page < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void set_remove(struct refsim_frame *set, uint32_t *n, uint32_t at)
{
	for (uint32_t i = at; i + 1 < *n; i++)
		set[i] = set[i + 1];
	(*n)--;
}

static void set_insert(struct refsim_frame *set, uint32_t *n, uint32_t at,
		       struct refsim_frame f)
{
	for (uint32_t i = *n; i > at; i--)
		set[i] = set[i - 1];
	set[at] = f;
	(*n)++;
}

/* Step 1: the A/D bits of every resident page go to the policy. */
static int guest_harvest(struct pol *p, struct refsim_frame *set, uint32_t n, uint64_t f)
{
	for (uint32_t i = 0; i < n; i++) {
		struct pol_page key = { 0, set[i].page };
		int r;
		if (!pol_contains(p, key))
			r = pol_admit(p, key, f, (set[i].a ? POL_REF : 0) | (set[i].d ? POL_MOD : 0));
		else
			r = pol_observe(p, key, set[i].a, set[i].d, f);
		if (r < 0)
			return r;
		set[i].a = 0;
	}
	return 0;
}

/* Steps 2 and 3: the tick, then a victim if every frame is taken. */
static int guest_evict(struct pol *p, struct refsim_frame *set, uint32_t *n, uint32_t frames,
		       uint64_t f, struct refsim_result *res)
{
	pol_tick(p, f);
	if (*n < frames)
		return 0;
	struct pol_page victim;
	if (pol_pick(p, f, &victim, 1) != 1)
		return -E_FULL;
	uint32_t at = set_find(set, *n, victim.idx);
	if (at == *n || set[at].page != victim.idx)
		return -E_NOENT; /* the policy named a page that is not resident */
	res->evictions++;
	res->writebacks += set[at].d;
	set_remove(set, n, at);
	return 0;
}

int refsim_run_guest(struct pol *p, const uint64_t *refs, const bool *writes, size_t n,
		     uint32_t frames, struct refsim_frame *set, struct refsim_result *res)
{
	res->faults = res->evictions = res->writebacks = 0;
	if (frames == 0 || frames > p->cap)
		return -E_INVAL;
	uint32_t nres = 0;
	for (size_t i = 0; i < n; i++) {
		bool write = writes && writes[i];
		uint32_t at = set_find(set, nres, refs[i]);
		if (at < nres && set[at].page == refs[i]) {
			set[at].a = 1;
			set[at].d |= write;
			continue;
		}
		uint64_t f = res->faults++;
		int r = guest_harvest(p, set, nres, f);
		if (r == 0)
			r = guest_evict(p, set, &nres, frames, f, res);
		if (r < 0)
			return r;
		struct refsim_frame fr = { refs[i], 1, write };
		set_insert(set, &nres, set_find(set, nres, refs[i]), fr);
	}
	return 0;
}
