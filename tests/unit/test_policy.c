/*
 * Host tests of the replacement policies (pagers/mm/policy/) and the
 * reference-string simulator. Every expected fault count and victim
 * list is computed by hand from the textbook algorithms (worked in the
 * comments), never taken from a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pagers/mm/policy/policy.h"
#include "pagers/mm/policy/refsim.h"
#include "uapi/errors.h"

#define CAP 64
static uint64_t arena[(CAP * sizeof(struct pol_entry) + 4 * CAP * 4) / 8 + 1];
static uint64_t arena2[sizeof(arena) / 8];
static struct pol pol, pol2;

static void init(enum pol_kind kind, const struct pol_config *cfg)
{
	assert_true(pol_arena_size(CAP) <= sizeof(arena));
	assert_int_equal(pol_init(&pol, kind, CAP, arena, sizeof(arena), cfg), 0);
}

static struct pol_page pg(uint64_t obj, uint64_t idx)
{
	struct pol_page k = { obj, idx };
	return k;
}

static struct refsim_result run(enum pol_kind kind, const uint64_t *refs, size_t n,
				uint32_t frames, struct refsim_opts *o)
{
	struct refsim_result res;
	init(kind, 0);
	assert_int_equal(refsim_run(&pol, refs, n, frames, o, &res), 0);
	assert_int_equal(res.evictions, res.faults > frames ? res.faults - frames : 0);
	assert_true(pol_count(&pol) <= frames);
	return res;
}

static const uint64_t belady[] = { 0, 1, 2, 3, 0, 1, 4, 0, 1, 2, 3, 4 };
#define NBELADY (sizeof(belady) / sizeof(belady[0]))
/* Silberschatz's string: FIFO 15 faults, LRU 12 with 3 frames. */
static const uint64_t sil[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
#define NSIL (sizeof(sil) / sizeof(sil[0]))

static void assert_victims(const uint64_t *got, const uint64_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

/* --- FIFO ----------------------------------------------------------------- */

/* 3 frames: 0 1 2 fault; 3 evicts 0, 0 evicts 1, 1 evicts 2, 4 evicts 3;
 * 0 1 hit; 2 evicts 0, 3 evicts 1; 4 hits: 9 faults.
 * 4 frames: 0 1 2 3 fault; 0 1 hit; 4 evicts 0, 0 evicts 1, 1 evicts 2,
 * 2 evicts 3, 3 evicts 4, 4 evicts 0: 10 faults. */
static void test_fifo_shows_belady_anomaly(void **state)
{
	uint64_t v[16];
	struct refsim_opts o = { .victims = v, .victims_cap = 16 };
	struct refsim_result r3 = run(POL_FIFO, belady, NBELADY, 3, &o);
	assert_int_equal(r3.faults, 9);
	assert_victims(v, (const uint64_t[]){ 0, 1, 2, 3, 0, 1 }, 6);
	struct refsim_result r4 = run(POL_FIFO, belady, NBELADY, 4, &o);
	assert_int_equal(r4.faults, 10);
	assert_victims(v, (const uint64_t[]){ 0, 1, 2, 3, 4, 0 }, 6);
}

static void test_fifo_silberschatz_string(void **state)
{
	assert_int_equal(run(POL_FIFO, sil, NSIL, 3, 0).faults, 15);
}

/* --- second chance and CLOCK ------------------------------------------------ */

/* 0 1 2 3 1 4 1, 3 frames. FIFO: 3 evicts 0, 4 evicts 1, 1 evicts 2:
 * 6 faults. Second chance: at 3 all R are set, each is cleared (3
 * chances) and 0 goes; 1 is referenced again; at 4, 1 has R (a 4th
 * chance) and 2 goes; 1 hits: 5 faults, victims 0 2. */
static const uint64_t chance[] = { 0, 1, 2, 3, 1, 4, 1 };

static void test_second_chance_spares_referenced_page(void **state)
{
	uint64_t v[8];
	struct refsim_opts o = { .victims = v, .victims_cap = 8 };
	assert_int_equal(run(POL_FIFO, chance, 7, 3, 0).faults, 6);
	struct refsim_result r = run(POL_SECOND_CHANCE, chance, 7, 3, &o);
	assert_int_equal(r.faults, 5);
	assert_victims(v, (const uint64_t[]){ 0, 2 }, 2);
	assert_int_equal(pol.stats.second_chances, 4);
}

static void test_clock_gives_second_chances_like_second_chance(void **state)
{
	uint64_t v[8], w[32], x[32];
	struct refsim_opts o = { .victims = v, .victims_cap = 8 };
	struct refsim_result r = run(POL_CLOCK, chance, 7, 3, &o);
	assert_int_equal(r.faults, 5);
	assert_victims(v, (const uint64_t[]){ 0, 2 }, 2);
	assert_int_equal(pol.stats.second_chances, 4);
	/* The same victims as second chance on a longer string too. */
	o.victims = w;
	o.victims_cap = 32;
	struct refsim_result a = run(POL_CLOCK, sil, NSIL, 3, &o);
	o.victims = x;
	struct refsim_result b = run(POL_SECOND_CHANCE, sil, NSIL, 3, &o);
	assert_int_equal(a.faults, b.faults);
	assert_victims(w, x, a.evictions);
}

/* With every R set (no ticks) the first victim search clears them all:
 * second chance then evicts in FIFO order. Worked: 0 1 2; 3 clears all,
 * evicts 0; 0 evicts 1; 1 evicts 2; 4 clears 3 0 1, evicts 3; 0 1 hit
 * (R set again); 2 clears 0 1 4, evicts 0; 3 evicts 1; 4 hits: 9. */
static void test_second_chance_with_all_r_set_is_fifo(void **state)
{
	uint64_t v[16];
	struct refsim_opts o = { .victims = v, .victims_cap = 16 };
	assert_int_equal(run(POL_SECOND_CHANCE, belady, NBELADY, 3, &o).faults, 9);
	assert_victims(v, (const uint64_t[]){ 0, 1, 2, 3, 0, 1 }, 6);
}

/* --- aging -------------------------------------------------------------------- */

/* Ticking after every reference, 8-bit aging is LRU for <= 8 frames.
 * LRU on Belady's string: 3 frames 10 faults (3 evicts 0, 0 evicts 1,
 * 1 evicts 2, 4 evicts 3, 0 1 hit, 2 evicts 4, 3 evicts 0, 4 evicts 1);
 * 4 frames 8 (0 1 hit, 4 evicts 2, 0 1 hit, 2 evicts 3, 3 evicts 4,
 * 4 evicts 0). Silberschatz's string: 12 faults with 3 frames. */
static void test_aging_behaves_like_lru(void **state)
{
	uint64_t v[16];
	struct refsim_opts o = { .tick_every = 1, .victims = v, .victims_cap = 16 };
	assert_int_equal(run(POL_AGING, belady, NBELADY, 3, &o).faults, 10);
	assert_victims(v, (const uint64_t[]){ 0, 1, 2, 3, 4, 0, 1 }, 7);
	assert_int_equal(run(POL_AGING, belady, NBELADY, 4, &o).faults, 8);
	assert_victims(v, (const uint64_t[]){ 2, 3, 4, 0 }, 4);
	assert_int_equal(run(POL_AGING, sil, NSIL, 3, &o).faults, 12);
	/* LRU's victims on it: 7 1 2 3 0 4 0 3 2. */
	assert_victims(v, (const uint64_t[]){ 7, 1, 2, 3, 0, 4, 0, 3, 2 }, 9);
}

/* Tanenbaum's aging example: six pages, R bits over five ticks
 *   page:   0 1 2 3 4 5
 *   tick 0: 1 0 1 0 1 1
 *   tick 1: 1 1 0 0 1 0
 *   tick 2: 1 1 0 1 0 1
 *   tick 3: 1 0 0 0 1 0
 *   tick 4: 0 1 1 0 0 0
 * leave counters 0x78 0xb0 0x88 0x20 0x58 0x28, so the victims in order
 * are 3 (0x20), 5 (0x28), 4 (0x58), 0 (0x78), 2 (0x88), 1 (0xb0). */
static void test_aging_counters_shift_r_bits_in(void **state)
{
	static const uint8_t r[5][6] = {
		{ 1, 0, 1, 0, 1, 1 }, { 1, 1, 0, 0, 1, 0 }, { 1, 1, 0, 1, 0, 1 },
		{ 1, 0, 0, 0, 1, 0 }, { 0, 1, 1, 0, 0, 0 },
	};
	init(POL_AGING, 0);
	for (uint64_t p = 0; p < 6; p++)
		assert_int_equal(pol_admit(&pol, pg(9, p), 0, 0), 0);
	for (int t = 0; t < 5; t++) {
		for (uint64_t p = 0; p < 6; p++)
			assert_int_equal(pol_observe(&pol, pg(9, p), r[t][p], false, t), 0);
		pol_tick(&pol, t);
	}
	struct pol_page out[6];
	assert_int_equal(pol_pick(&pol, 5, out, 6), 6);
	static const uint64_t want[6] = { 3, 5, 4, 0, 2, 1 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(out[i].idx, want[i]);
	assert_int_equal(pol_count(&pol), 0);
}

/* Between ticks, a page referenced in the current period outranks one
 * with the same counter that was not. */
static void test_aging_counts_pending_reference(void **state)
{
	init(POL_AGING, 0);
	assert_int_equal(pol_admit(&pol, pg(1, 0), 0, 0), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 1), 0, 0), 0);
	assert_int_equal(pol_observe(&pol, pg(1, 0), true, false, 1), 0);
	struct pol_page out;
	assert_int_equal(pol_pick(&pol, 1, &out, 1), 1);
	assert_int_equal(out.idx, 1);
	/* Equal counters: the page admitted first goes. */
	assert_int_equal(pol_admit(&pol, pg(1, 2), 1, 0), 0);
	pol_tick(&pol, 2);
	assert_int_equal(pol_admit(&pol, pg(1, 3), 2, 0), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 4), 2, 0), 0);
	assert_int_equal(pol_pick(&pol, 2, &out, 1), 1);
	assert_int_equal(out.idx, 2);
	assert_int_equal(pol_pick(&pol, 2, &out, 1), 1);
	assert_int_equal(out.idx, 3);
}

/* --- WSClock ------------------------------------------------------------------ */

/* tau 5. A B C D admitted at times 0 1 2 3; B referenced at 8.
 * pick at 10: A (age 10 > 5, clean). pick at 10: B has R (cleared, last
 * use 10), C (age 8) goes. tau 100, pick at 11: D (age 8) and B (age 1)
 * are both in the working set: one turn, no victim, the fallback takes
 * the clean page used longest ago, D. */
static void test_wsclock_evicts_pages_older_than_tau(void **state)
{
	struct pol_config cfg = { .tau = 5 };
	init(POL_WSCLOCK, &cfg);
	for (uint64_t p = 0; p < 4; p++)
		assert_int_equal(pol_admit(&pol, pg(1, p), p, 0), 0);
	assert_int_equal(pol_observe(&pol, pg(1, 1), true, false, 8), 0);
	struct pol_page out;
	assert_int_equal(pol_pick(&pol, 10, &out, 1), 1);
	assert_int_equal(out.idx, 0);
	assert_int_equal(pol.stats.second_chances, 0);
	assert_int_equal(pol_pick(&pol, 10, &out, 1), 1);
	assert_int_equal(out.idx, 2);
	assert_int_equal(pol.stats.second_chances, 1);
	assert_int_equal(pol.stats.fallbacks, 0);
	pol_set_tau(&pol, 100);
	assert_int_equal(pol_pick(&pol, 11, &out, 1), 1);
	assert_int_equal(out.idx, 3);
	assert_int_equal(pol.stats.fallbacks, 1);
	assert_true(pol_contains(&pol, pg(1, 1)));
}

/* The same pages and times with tau 20: nothing is older than tau at
 * 10, so the first pick already falls back (to A, used at 0). */
static void test_wsclock_tau_decides_working_set(void **state)
{
	struct pol_config cfg = { .tau = 20 };
	init(POL_WSCLOCK, &cfg);
	for (uint64_t p = 0; p < 4; p++)
		assert_int_equal(pol_admit(&pol, pg(1, p), p, 0), 0);
	struct pol_page out;
	assert_int_equal(pol_pick(&pol, 10, &out, 1), 1);
	assert_int_equal(out.idx, 0);
	assert_int_equal(pol.stats.fallbacks, 1);
	/* At 22, B (used at 1) is older than 20: no fallback. */
	assert_int_equal(pol_pick(&pol, 22, &out, 1), 1);
	assert_int_equal(out.idx, 1);
	assert_int_equal(pol.stats.fallbacks, 1);
}

static struct pol_page cleaned[8];
static int ncleaned;

static void record_clean(void *ctx, struct pol_page key)
{
	assert_ptr_equal(ctx, &ncleaned);
	cleaned[ncleaned++] = key;
}

/* tau 5; A B C admitted at 0 1 2, A dirty. At 10 the hand passes A (old,
 * dirty: a write is scheduled, the hook hears of it) and takes B; then
 * C. With only A left and still dirty, the turn finds nothing clean:
 * A itself goes (its eviction writes it back), the write not asked
 * twice. */
static void test_wsclock_schedules_writes_for_old_dirty_pages(void **state)
{
	struct pol_config cfg = { .tau = 5, .clean = record_clean, .clean_ctx = &ncleaned };
	ncleaned = 0;
	init(POL_WSCLOCK, &cfg);
	for (uint64_t p = 0; p < 3; p++)
		assert_int_equal(pol_admit(&pol, pg(1, p), p, p == 0 ? POL_MOD : 0), 0);
	struct pol_page out[3];
	assert_int_equal(pol_pick(&pol, 10, out, 2), 2);
	assert_int_equal(out[0].idx, 1);
	assert_int_equal(out[1].idx, 2);
	assert_int_equal(ncleaned, 1);
	assert_int_equal(cleaned[0].idx, 0);
	assert_int_equal(pol.stats.writes_scheduled, 1);
	assert_int_equal(pol_pick(&pol, 10, out, 1), 1);
	assert_int_equal(out[0].idx, 0);
	assert_int_equal(ncleaned, 1);
	assert_int_equal(pol.stats.fallbacks, 1);
}

/* A page cleaned by its pager (seen clean) is then taken as old clean. */
static void test_wsclock_takes_page_once_cleaned(void **state)
{
	struct pol_config cfg = { .tau = 5, .clean = record_clean, .clean_ctx = &ncleaned };
	ncleaned = 0;
	init(POL_WSCLOCK, &cfg);
	assert_int_equal(pol_admit(&pol, pg(1, 0), 0, POL_MOD), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 1), 9, 0), 0);
	struct pol_page out;
	/* At 10: A old dirty (write scheduled), B young: fallback to B. */
	assert_int_equal(pol_pick(&pol, 10, &out, 1), 1);
	assert_int_equal(out.idx, 1);
	assert_int_equal(ncleaned, 1);
	assert_int_equal(pol_admit(&pol, pg(1, 2), 10, 0), 0);
	assert_int_equal(pol_observe(&pol, pg(1, 0), false, false, 11), 0);
	assert_int_equal(pol_pick(&pol, 11, &out, 1), 1);
	assert_int_equal(out.idx, 0);
	assert_int_equal(pol.stats.fallbacks, 1);
}

/* --- random and NRU ------------------------------------------------------------ */

static void make_string(uint64_t *refs, size_t n, uint32_t pages)
{
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		refs[i] = (x >> 16) % pages;
	}
}

static void test_random_is_reproducible_by_seed(void **state)
{
	static uint64_t refs[400], v1[400], v2[400], v3[400];
	make_string(refs, 400, 12);
	struct refsim_result r[3];
	uint64_t *vs[3] = { v1, v2, v3 };
	uint64_t seeds[3] = { 42, 42, 43 };
	for (int k = 0; k < 3; k++) {
		struct pol_config cfg = { .seed = seeds[k] };
		struct refsim_opts o = { .victims = vs[k], .victims_cap = 400 };
		assert_int_equal(pol_init(&pol, POL_RANDOM, CAP, arena, sizeof(arena), &cfg), 0);
		assert_int_equal(refsim_run(&pol, refs, 400, 5, &o, &r[k]), 0);
		assert_true(r[k].evictions > 100);
		assert_int_equal(pol_count(&pol), 5);
	}
	assert_int_equal(r[0].faults, r[1].faults);
	assert_memory_equal(v1, v2, r[0].evictions * sizeof(uint64_t));
	assert_memory_not_equal(v1, v3, 100 * sizeof(uint64_t));
}

/* Every page is a possible victim: over many picks from 4 pages each is
 * chosen at least once. */
static void test_random_reaches_every_page(void **state)
{
	struct pol_config cfg = { .seed = 7 };
	int seen[4] = { 0, 0, 0, 0 };
	init(POL_RANDOM, &cfg);
	for (uint64_t p = 0; p < 4; p++)
		assert_int_equal(pol_admit(&pol, pg(1, p), 0, 0), 0);
	for (int i = 0; i < 200; i++) {
		struct pol_page out;
		assert_int_equal(pol_pick(&pol, 0, &out, 1), 1);
		seen[out.idx]++;
		assert_int_equal(pol_admit(&pol, out, 0, 0), 0);
	}
	for (int p = 0; p < 4; p++)
		assert_true(seen[p] > 0);
}

/* Classes: 0 = -R -M, 1 = -R +M, 2 = +R -M, 3 = +R +M; lowest first. */
static void test_nru_picks_lowest_class(void **state)
{
	init(POL_NRU, 0);
	assert_int_equal(pol_admit(&pol, pg(1, 3), 0, POL_REF | POL_MOD), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 2), 0, POL_REF), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 1), 0, POL_MOD), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 0), 0, 0), 0);
	struct pol_page out[4];
	assert_int_equal(pol_pick(&pol, 0, out, 4), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(out[i].idx, i);
	/* A tick clears R: +R -M becomes class 0, +R +M class 1. */
	assert_int_equal(pol_admit(&pol, pg(2, 1), 0, POL_REF | POL_MOD), 0);
	assert_int_equal(pol_admit(&pol, pg(2, 0), 0, POL_REF), 0);
	assert_int_equal(pol_admit(&pol, pg(2, 9), 0, POL_REF), 0);
	pol_tick(&pol, 1);
	assert_int_equal(pol_observe(&pol, pg(2, 9), true, false, 2), 0);
	assert_int_equal(pol_pick(&pol, 2, out, 3), 3);
	assert_int_equal(out[0].idx, 0);
	assert_int_equal(out[1].idx, 1);
	assert_int_equal(out[2].idx, 9);
}

/* --- switching ----------------------------------------------------------------- */

/* 0 1 2 3 4 with 3 frames under FIFO leaves 2 3 4 resident; whatever
 * the policy switched to at reference 5, 4 3 2 then hit. */
static void test_switch_midstring_keeps_resident_set(void **state)
{
	static const uint64_t refs[] = { 0, 1, 2, 3, 4, 4, 3, 2, 5, 2 };
	for (int k = 0; k < POL_NKINDS; k++) {
		bool faulted[10];
		struct refsim_opts o = { .switch_at = 5, .switch_to = k, .faulted = faulted,
					 .tick_every = 2 };
		struct refsim_result r = run(POL_FIFO, refs, 10, 3, &o);
		assert_int_equal(pol.kind, k);
		assert_int_equal(pol.stats.switches, 1);
		for (int i = 0; i < 5; i++)
			assert_true(faulted[i]);
		assert_false(faulted[5] || faulted[6] || faulted[7]);
		assert_true(faulted[8]); /* 5 evicts one of 2 3 4 */
		assert_int_equal(r.faults, 6 + faulted[9]);
		assert_int_equal(pol_count(&pol), 3);
	}
}

static void test_copy_carries_pages_bits_and_order(void **state)
{
	init(POL_CLOCK, 0);
	for (uint64_t p = 0; p < 5; p++)
		assert_int_equal(pol_admit(&pol, pg(3, p), p, p & 1 ? POL_MOD : POL_REF), 0);
	struct pol_page out;
	assert_int_equal(pol_pick(&pol, 5, &out, 1), 1); /* 1: R clear */
	assert_int_equal(out.idx, 1);
	assert_int_equal(pol_init(&pol2, POL_FIFO, 8, arena2, sizeof(arena2), 0), 0);
	assert_int_equal(pol_copy(&pol2, &pol, 6), 0);
	assert_int_equal(pol_count(&pol2), 4);
	/* Ring order from the hand: 2 3 4 0. */
	static const uint64_t order[4] = { 2, 3, 4, 0 };
	uint32_t n = 0;
	for (uint32_t i = pol_first(&pol2); i != POL_NIL; i = pol_next(&pol2, i))
		assert_int_equal(pol2.ent[i].key.idx, order[n++]);
	assert_int_equal(n, 4);
	assert_int_equal(pol_flags(&pol2, pg(3, 3)), POL_MOD);
	assert_int_equal(pol_flags(&pol2, pg(3, 0)), 0); /* the hand cleared it */
	assert_int_equal(pol_flags(&pol2, pg(3, 2)), POL_REF);
	/* Copying again: every key is there already, nothing changes. */
	assert_int_equal(pol_copy(&pol2, &pol, 6), -E_BUSY);
	assert_int_equal(pol_count(&pol2), 4);
	/* Too small a table: nothing admitted either. */
	assert_int_equal(pol_init(&pol2, POL_FIFO, 4, arena2, sizeof(arena2), 0), 0);
	assert_int_equal(pol_admit(&pol2, pg(7, 0), 0, 0), 0);
	assert_int_equal(pol_copy(&pol2, &pol, 6), -E_FULL);
	assert_int_equal(pol_count(&pol2), 1);
}

/* --- the filter (resident-set limits) -------------------------------------------- */

static bool only_obj(void *ctx, const struct pol_page *k)
{
	return k->obj == *(uint64_t *)ctx;
}

static void test_pick_if_chooses_among_one_object(void **state)
{
	for (int kind = 0; kind < POL_NKINDS; kind++) {
		init(kind, 0);
		for (uint64_t p = 0; p < 6; p++)
			assert_int_equal(pol_admit(&pol, pg(p & 1, p), p, POL_REF), 0);
		uint64_t obj = 1;
		struct pol_page out[4];
		assert_int_equal(pol_pick_if(&pol, 100, only_obj, &obj, out, 4), 3);
		for (int i = 0; i < 3; i++)
			assert_int_equal(out[i].obj, 1);
		assert_int_equal(pol_count(&pol), 3);
		/* The other object's pages keep their R bits. */
		for (uint64_t p = 0; p < 6; p += 2)
			assert_int_equal(pol_flags(&pol, pg(0, p)), POL_REF);
		assert_int_equal(pol_pick_if(&pol, 100, only_obj, &obj, out, 1), 0);
	}
}

/* --- the guest model (refsim_run_guest) ---------------------------------------- */

static struct refsim_result run_guest(enum pol_kind kind, const uint64_t *refs,
				      const bool *writes, size_t n, uint32_t frames)
{
	struct refsim_frame set[CAP];
	struct refsim_result res;
	struct pol_config cfg = { .seed = 1 };
	init(kind, &cfg);
	assert_int_equal(refsim_run_guest(&pol, refs, writes, n, frames, set, &res), 0);
	assert_int_equal(res.evictions, res.faults > frames ? res.faults - frames : 0);
	assert_true(pol_count(&pol) <= frames);
	return res;
}

/* At each fault the only resident page the policy has not heard of is
 * the one that faulted last (it cannot be picked before it is admitted),
 * so FIFO admits in fault order and keeps the textbook's counts: 9
 * faults with 3 frames, 10 with 4 (victims worked out in
 * test_fifo_shows_belady_anomaly). */
static void test_guest_fifo_shows_belady_anomaly(void **state)
{
	assert_int_equal(run_guest(POL_FIFO, belady, 0, NBELADY, 3).faults, 9);
	assert_int_equal(run_guest(POL_FIFO, belady, 0, NBELADY, 4).faults, 10);
}

/* 0 1 2 0 3 0, 3 frames, aging; ages after each fault's tick:
 *   f0 (0): nothing resident.           f1 (1): 0=80.
 *   f2 (2): 0=40 1=80.                  0 hits: A set.
 *   f3 (3): 0=a0 1=40 2=80: 1 goes;     0 hits: 4 faults.
 * FIFO takes 0 at f3 and faults on it again: 5. */
static void test_guest_aging_sees_a_bits_at_harvest(void **state)
{
	static const uint64_t refs[] = { 0, 1, 2, 0, 3, 0 };
	struct refsim_result r = run_guest(POL_AGING, refs, 0, 6, 3);
	assert_int_equal(r.faults, 4);
	assert_false(pol_contains(&pol, pg(0, 1)));
	assert_true(pol_contains(&pol, pg(0, 0)) && pol_contains(&pol, pg(0, 2)));
	assert_false(pol_contains(&pol, pg(0, 3))); /* resident, admitted at the next harvest */
	assert_int_equal(run_guest(POL_FIFO, refs, 0, 6, 3).faults, 5);
}

/* 0w 1 2 0, 2 frames, FIFO: f2 takes 0, dirty since its fault though
 * two harvests passed (D stays): one write; f3 takes 1, clean.
 * 0 1 0w 2: the write hits, D is set all the same; f2 takes 0: a write. */
static void test_guest_counts_dirty_victims(void **state)
{
	static const uint64_t a[] = { 0, 1, 2, 0 }, b[] = { 0, 1, 0, 2 };
	static const bool wa[] = { true, false, false, false }, wb[] = { false, false, true, false };
	struct refsim_result r = run_guest(POL_FIFO, a, wa, 4, 2);
	assert_int_equal(r.faults, 4);
	assert_int_equal(r.writebacks, 1);
	r = run_guest(POL_FIFO, b, wb, 4, 2);
	assert_int_equal(r.faults, 3);
	assert_int_equal(r.writebacks, 1);
	r = run_guest(POL_FIFO, b, 0, 4, 2);
	assert_int_equal(r.writebacks, 0);
}

/* The textbook model counts dirty victims when given a dirty map:
 * 0w 1 2 0 with 2 frames under FIFO writes 0 back once. */
static void test_textbook_counts_dirty_victims(void **state)
{
	static const uint64_t refs[] = { 0, 1, 2, 0 };
	static const bool w[] = { true, false, false, false };
	uint8_t dirty[3] = { 0 };
	struct refsim_opts o = { .writes = w, .dirty = dirty, .dirty_pages = 3 };
	struct refsim_result r = run(POL_FIFO, refs, 4, 2, &o);
	assert_int_equal(r.faults, 4);
	assert_int_equal(r.writebacks, 1);
}

static void test_guest_rejects_bad_frames(void **state)
{
	struct refsim_frame set[1];
	struct refsim_result res;
	init(POL_FIFO, 0);
	assert_int_equal(refsim_run_guest(&pol, belady, 0, NBELADY, 0, set, &res), -E_INVAL);
	assert_int_equal(refsim_run_guest(&pol, belady, 0, NBELADY, CAP + 1, set, &res), -E_INVAL);
}

/* --- the table ------------------------------------------------------------------- */

static void test_table_rejects_misuse(void **state)
{
	assert_int_equal(pol_init(&pol, POL_FIFO, 0, arena, sizeof(arena), 0), -E_INVAL);
	assert_int_equal(pol_init(&pol, POL_NKINDS, 4, arena, sizeof(arena), 0), -E_INVAL);
	assert_int_equal(pol_init(&pol, POL_FIFO, 4, arena, pol_arena_size(4) - 1, 0), -E_INVAL);
	assert_int_equal(pol_init(&pol, POL_FIFO, 2, arena, sizeof(arena), 0), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 1), 0, 0), 0);
	assert_int_equal(pol_admit(&pol, pg(1, 1), 0, 0), -E_BUSY);
	assert_int_equal(pol_admit(&pol, pg(1, 2), 0, 8), -E_INVAL);
	assert_int_equal(pol_admit(&pol, pg(2, 1), 0, 0), 0);
	assert_int_equal(pol_admit(&pol, pg(3, 1), 0, 0), -E_FULL);
	assert_int_equal(pol_forget(&pol, pg(3, 1)), -E_NOENT);
	assert_int_equal(pol_observe(&pol, pg(3, 1), true, true, 0), -E_NOENT);
	assert_int_equal(pol_flags(&pol, pg(3, 1)), -E_NOENT);
	assert_int_equal(pol_switch(&pol, POL_NKINDS), -E_INVAL);
	assert_int_equal(pol_kind_by_name("wsclock"), POL_WSCLOCK);
	assert_int_equal(pol_kind_by_name("lru"), -E_NOENT);
	assert_string_equal(pol_name(POL_SECOND_CHANCE), "second-chance");
}

/* Aging picks a batch in one pass (pick_many): the same victims in the
 * same order as one pick at a time, with and without a filter. */
static bool even_idx(void *ctx, const struct pol_page *key)
{
	return key->idx % 2 == 0;
}

static void test_aging_batch_pick_is_one_at_a_time(void **state)
{
	for (int filtered = 0; filtered < 2; filtered++) {
		assert_int_equal(pol_init(&pol, POL_AGING, CAP, arena, sizeof(arena), 0), 0);
		assert_int_equal(pol_init(&pol2, POL_AGING, CAP, arena2, sizeof(arena2), 0), 0);
		uint32_t x = 7;
		for (uint64_t now = 0; now < 40; now++) {
			for (uint64_t i = 0; i < CAP; i++) {
				x = x * 1664525u + 1013904223u;
				bool ref = (x >> 16) % 3 == 0;
				if (now == 0) {
					assert_int_equal(pol_admit(&pol, pg(0, i), now, ref ? POL_REF : 0), 0);
					assert_int_equal(pol_admit(&pol2, pg(0, i), now, ref ? POL_REF : 0), 0);
				} else {
					assert_int_equal(pol_observe(&pol, pg(0, i), ref, false, now), 0);
					assert_int_equal(pol_observe(&pol2, pg(0, i), ref, false, now), 0);
				}
			}
			pol_tick(&pol, now);
			pol_tick(&pol2, now);
		}
		struct pol_page many[CAP], one;
		pol_filter_fn ok = filtered ? even_idx : 0;
		uint32_t n = pol_pick_if(&pol, 40, ok, 0, many, 20);
		assert_int_equal(n, 20);
		for (uint32_t k = 0; k < n; k++) {
			assert_int_equal(pol_pick_if(&pol2, 40, ok, 0, &one, 1), 1);
			assert_int_equal(many[k].idx, one.idx);
		}
		assert_int_equal(pol_count(&pol), pol_count(&pol2));
		/* More than are accepted: all of them, then no more. */
		n = pol_pick_if(&pol, 41, ok, 0, many, CAP);
		assert_int_equal(n, filtered ? CAP / 2 - 20 : CAP - 20);
	}
}

/* Admit and forget at random against a plain bitmap: the hash (with its
 * backward-shift deletion), the dense table and the ring stay right. */
static void test_table_survives_random_admit_forget(void **state)
{
	static bool in[3][40];
	memset(in, 0, sizeof(in));
	init(POL_CLOCK, 0);
	uint32_t x = 99, count = 0;
	for (int step = 0; step < 20000; step++) {
		x = x * 1664525u + 1013904223u;
		uint64_t obj = (x >> 8) % 3, idx = (x >> 12) % 40;
		if (in[obj][idx]) {
			assert_int_equal(pol_forget(&pol, pg(obj, idx)), 0);
			in[obj][idx] = false;
			count--;
		} else if (count < CAP) {
			assert_int_equal(pol_admit(&pol, pg(obj, idx), step, POL_REF), 0);
			in[obj][idx] = true;
			count++;
		}
		if (step % 97 == 0 && count > 0) {
			struct pol_page out;
			assert_int_equal(pol_pick(&pol, step, &out, 1), 1);
			assert_true(in[out.obj][out.idx]);
			in[out.obj][out.idx] = false;
			count--;
		}
		assert_int_equal(pol_count(&pol), count);
		if (step % 101 == 0) {
			uint32_t n = 0;
			for (uint32_t i = pol_first(&pol); i != POL_NIL; i = pol_next(&pol, i)) {
				assert_true(in[pol.ent[i].key.obj][pol.ent[i].key.idx]);
				n++;
			}
			assert_int_equal(n, count);
			for (uint64_t o = 0; o < 3; o++)
				for (uint64_t i = 0; i < 40; i++)
					assert_int_equal(pol_contains(&pol, pg(o, i)), in[o][i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_shows_belady_anomaly),
		cmocka_unit_test(test_fifo_silberschatz_string),
		cmocka_unit_test(test_second_chance_spares_referenced_page),
		cmocka_unit_test(test_clock_gives_second_chances_like_second_chance),
		cmocka_unit_test(test_second_chance_with_all_r_set_is_fifo),
		cmocka_unit_test(test_aging_behaves_like_lru),
		cmocka_unit_test(test_aging_counters_shift_r_bits_in),
		cmocka_unit_test(test_aging_counts_pending_reference),
		cmocka_unit_test(test_wsclock_evicts_pages_older_than_tau),
		cmocka_unit_test(test_wsclock_tau_decides_working_set),
		cmocka_unit_test(test_wsclock_schedules_writes_for_old_dirty_pages),
		cmocka_unit_test(test_wsclock_takes_page_once_cleaned),
		cmocka_unit_test(test_random_is_reproducible_by_seed),
		cmocka_unit_test(test_random_reaches_every_page),
		cmocka_unit_test(test_nru_picks_lowest_class),
		cmocka_unit_test(test_switch_midstring_keeps_resident_set),
		cmocka_unit_test(test_copy_carries_pages_bits_and_order),
		cmocka_unit_test(test_pick_if_chooses_among_one_object),
		cmocka_unit_test(test_guest_fifo_shows_belady_anomaly),
		cmocka_unit_test(test_guest_aging_sees_a_bits_at_harvest),
		cmocka_unit_test(test_guest_counts_dirty_victims),
		cmocka_unit_test(test_textbook_counts_dirty_victims),
		cmocka_unit_test(test_guest_rejects_bad_frames),
		cmocka_unit_test(test_table_rejects_misuse),
		cmocka_unit_test(test_table_survives_random_admit_forget),
		cmocka_unit_test(test_aging_batch_pick_is_one_at_a_time),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
