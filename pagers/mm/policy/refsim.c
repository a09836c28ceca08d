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
	}
	return pol_admit(p, key, now, POL_REF | (write ? POL_MOD : 0));
}

int refsim_run(struct pol *p, const uint64_t *refs, size_t n, uint32_t frames,
	       const struct refsim_opts *o, struct refsim_result *res)
{
	res->faults = res->evictions = 0;
	if (frames == 0 || frames > p->cap)
		return -E_INVAL;
	for (size_t i = 0; i < n; i++) {
		struct pol_page key = { 0, refs[i] };
		bool write = o && o->writes && o->writes[i];
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
