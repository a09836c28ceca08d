/*
 * WSClock: CLOCK over the working set. Each page remembers the virtual
 * time of its last use (set when it is admitted, when a harvest reports
 * it referenced, and when the hand finds R set). The hand goes round:
 *   - R set: the page is in use; R is cleared, its last use is now, and
 *     the hand moves on;
 *   - R clear, age = now - last use > tau, clean: the victim;
 *   - R clear, older than tau, dirty: the textbook schedules a write; here
 *     the pol_config.clean hook is called (once, until the page is seen
 *     clean) so the manager can ask its pager to clean it; the hand
 *     moves on;
 *   - R clear, younger than tau: in the working set; moves on.
 * A pick cannot wait for writes, so if one whole turn finds no old clean
 * page it falls back (counted in stats.fallbacks), in this order: the
 * clean page with the oldest last use (textbook: "claim any clean
 * page"), else the first old dirty page seen (evicting it writes it back
 * through its pager), else the page under the hand.
 */
#include "pagers/mm/policy/policy_impl.h"

struct ws_fallback {
	uint32_t clean, old_dirty, first;
	uint64_t clean_use;
};

static void ws_note(struct ws_fallback *fb, const struct pol *p, uint32_t i, bool old)
{
	const struct pol_entry *e = &p->ent[i];
	if (fb->first == POL_NIL)
		fb->first = i;
	if (e->flags & POL_MOD) {
		if (old && fb->old_dirty == POL_NIL)
			fb->old_dirty = i;
	} else if (fb->clean == POL_NIL || e->last_use < fb->clean_use) {
		fb->clean = i;
		fb->clean_use = e->last_use;
	}
}

static void ws_schedule_write(struct pol *p, struct pol_entry *e)
{
	if (e->flags & POL_CLEANING)
		return;
	e->flags |= POL_CLEANING;
	p->stats.writes_scheduled++;
	if (p->clean)
		p->clean(p->clean_ctx, e->key);
}

static uint32_t ws_fall_back(struct pol *p, const struct ws_fallback *fb)
{
	p->stats.fallbacks++;
	if (fb->clean != POL_NIL)
		return fb->clean;
	if (fb->old_dirty != POL_NIL)
		return fb->old_dirty;
	return fb->first;
}

static uint32_t wsclock_pick(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx)
{
	struct ws_fallback fb = { POL_NIL, POL_NIL, POL_NIL, 0 };
	for (uint32_t s = 0; s < p->count; s++) {
		uint32_t i = p->hand;
		struct pol_entry *e = &p->ent[i];
		p->stats.scanned++;
		if (pol_accepts(p, i, ok, ctx)) {
			if (e->flags & POL_REF) {
				e->flags &= (uint8_t)~POL_REF;
				e->last_use = now;
				p->stats.second_chances++;
			} else {
				bool old = now >= e->last_use && now - e->last_use > p->tau;
				if (old && !(e->flags & POL_MOD))
					return i;
				if (old)
					ws_schedule_write(p, e);
			}
			ws_note(&fb, p, i, now >= e->last_use && now - e->last_use > p->tau);
		}
		p->hand = e->next;
	}
	if (fb.first == POL_NIL)
		return POL_NIL;
	return ws_fall_back(p, &fb);
}

const struct pol_ops pol_wsclock_ops = { .pick = wsclock_pick };
