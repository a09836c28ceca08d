/*
 * Host tests of the swap disk map (pagers/swap/swapmap.c): dynamic and
 * static objects (MOS Fig. 3-28), clustering runs, reuse, a full disk,
 * bad slots and object death.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pagers/swap/swapmap.h"
#include "uapi/errors.h"

static uint64_t arena[4096];
static struct swapmap map;

static void init(uint32_t nslots, uint32_t max_objs)
{
	assert_true(swapmap_arena_size(nslots, max_objs) <= sizeof(arena));
	assert_int_equal(swapmap_init(&map, nslots, max_objs, arena, sizeof(arena)), 0);
}

static uint32_t slot_of(uint64_t id, uint64_t page)
{
	uint32_t s = SWAP_NIL;
	assert_int_equal(swapmap_lookup(&map, id, page, &s), 0);
	return s;
}

static void test_dynamic_allocates_looks_up_and_frees(void **state)
{
	uint32_t s;
	init(16, 4);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 100), 0);
	assert_int_equal(swapmap_lookup(&map, 1, 5, &s), -E_NOENT); /* never written */
	assert_int_equal(swapmap_alloc(&map, 1, 5, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(swapmap_alloc(&map, 1, 70, &s), 0);
	assert_int_equal(s, 1);
	assert_int_equal(slot_of(1, 5), 0);
	assert_int_equal(slot_of(1, 70), 1);
	assert_int_equal(swapmap_free_slots(&map), 14);
	/* Written again: the same slot. */
	assert_int_equal(swapmap_alloc(&map, 1, 5, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(swapmap_free_slots(&map), 14);
	assert_int_equal(swapmap_free(&map, 1, 5), 0);
	assert_int_equal(swapmap_lookup(&map, 1, 5, &s), -E_NOENT);
	assert_int_equal(swapmap_free(&map, 1, 5), -E_NOENT);
	assert_int_equal(swapmap_free_slots(&map), 15);
	assert_int_equal(slot_of(1, 70), 1);
}

/* Next fit: freed slots are reused once the cursor comes round. */
static void test_dynamic_reuses_freed_slots_and_reports_full(void **state)
{
	uint32_t s;
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	for (uint64_t p = 0; p < 8; p++) {
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
		assert_int_equal(s, p);
	}
	assert_int_equal(swapmap_free_slots(&map), 0);
	assert_int_equal(swapmap_alloc(&map, 1, 8, &s), -E_FULL);
	assert_int_equal(map.stats.full, 1);
	assert_int_equal(swapmap_lookup(&map, 1, 8, &s), -E_NOENT);
	assert_int_equal(swapmap_free(&map, 1, 3), 0);
	assert_int_equal(swapmap_alloc(&map, 1, 8, &s), 0);
	assert_int_equal(s, 3);
	assert_int_equal(slot_of(1, 8), 3);
	/* A page that has a slot keeps it even on a full disk. */
	assert_int_equal(swapmap_alloc(&map, 1, 8, &s), 0);
	assert_int_equal(s, 3);
}

static void test_run_gets_contiguous_slots(void **state)
{
	uint32_t s, slots[8];
	init(16, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	assert_int_equal(swapmap_alloc(&map, 1, 40, &s), 0); /* slot 0 */
	assert_int_equal(swapmap_alloc_run(&map, 1, 10, 4, slots), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(slots[i], 1 + i);
		assert_int_equal(slot_of(1, 10 + i), 1 + i);
	}
	assert_int_equal(swapmap_alloc_run(&map, 1, 12, 2, slots), -E_BUSY);
	assert_int_equal(swapmap_alloc_run(&map, 1, 62, 3, slots), -E_RANGE);
	assert_int_equal(swapmap_alloc_run(&map, 1, 0, 0, slots), -E_INVAL);
	assert_int_equal(swapmap_free_slots(&map), 11);
}

/* Only runs of 2 left: a run of 4 gets 2, the caller asks again. */
static void test_run_on_fragmented_disk_gets_longest_run(void **state)
{
	uint32_t s, slots[8];
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	for (uint64_t p = 0; p < 8; p++)
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
	/* Free slots 1 2 and 5 6 (pages 1 2 5 6). */
	assert_int_equal(swapmap_free(&map, 1, 1), 0);
	assert_int_equal(swapmap_free(&map, 1, 2), 0);
	assert_int_equal(swapmap_free(&map, 1, 5), 0);
	assert_int_equal(swapmap_free(&map, 1, 6), 0);
	assert_int_equal(swapmap_alloc_run(&map, 1, 20, 4, slots), 2);
	assert_true(slots[1] == slots[0] + 1);
	assert_true(slots[0] == 1 || slots[0] == 5);
	assert_int_equal(swapmap_alloc_run(&map, 1, 22, 2, slots + 2), 2);
	assert_true(slots[3] == slots[2] + 1 && slots[2] != slots[0]);
	assert_int_equal(swapmap_alloc_run(&map, 1, 30, 1, slots), -E_FULL);
}

/* A run never wraps from the last slot to the first. */
static void test_run_does_not_wrap_past_last_slot(void **state)
{
	uint32_t s, slots[2];
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	for (uint64_t p = 0; p < 7; p++)
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
	assert_int_equal(swapmap_free(&map, 1, 0), 0); /* free: 0 and 7 */
	assert_int_equal(swapmap_alloc_run(&map, 1, 20, 2, slots), 1);
	assert_int_equal(slots[0], 7);
	assert_int_equal(swapmap_alloc_run(&map, 1, 21, 1, slots), 1);
	assert_int_equal(slots[0], 0);
}

static void test_bad_slot_is_never_handed_out(void **state)
{
	uint32_t s;
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	assert_int_equal(swapmap_mark_bad(&map, 2), 0);
	assert_int_equal(swapmap_mark_bad(&map, 8), -E_RANGE);
	assert_int_equal(swapmap_free_slots(&map), 7);
	assert_int_equal(swapmap_bad_slots(&map), 1);
	for (uint64_t p = 0; p < 7; p++) {
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
		assert_int_not_equal(s, 2);
	}
	assert_int_equal(swapmap_alloc(&map, 1, 7, &s), -E_FULL);
	/* Freed and reused many times, still never slot 2. */
	for (int round = 0; round < 20; round++) {
		uint64_t p = (uint64_t)round % 7;
		assert_int_equal(swapmap_free(&map, 1, p), 0);
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
		assert_int_not_equal(s, 2);
	}
}

/* A slot going bad under a page: the page is still found there (the
 * pager may try to read it), its next write gets a new slot, and the
 * bad one does not return to the pool. */
static void test_page_on_bad_slot_moves_at_next_write(void **state)
{
	uint32_t s;
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	assert_int_equal(swapmap_alloc(&map, 1, 9, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(swapmap_mark_bad(&map, 0), 1);
	assert_int_equal(swapmap_mark_bad(&map, 0), 1); /* idempotent */
	assert_int_equal(swapmap_bad_slots(&map), 1);
	assert_int_equal(slot_of(1, 9), 0);
	assert_int_equal(swapmap_free_slots(&map), 7);
	assert_int_equal(swapmap_alloc(&map, 1, 9, &s), 0);
	assert_int_not_equal(s, 0);
	assert_int_equal(slot_of(1, 9), s);
	assert_int_equal(map.stats.remapped, 1);
	assert_int_equal(swapmap_free_slots(&map), 6);
	assert_int_equal(swapmap_free(&map, 1, 9), 0);
	assert_int_equal(swapmap_free_slots(&map), 7);
}

static void test_object_death_frees_all_its_slots(void **state)
{
	uint32_t s, slots[4];
	init(16, 4);
	assert_int_equal(swapmap_create(&map, 10, SWAP_DYNAMIC, 64), 0);
	assert_int_equal(swapmap_create(&map, 20, SWAP_DYNAMIC, 64), 0);
	for (uint64_t p = 0; p < 5; p++) {
		assert_int_equal(swapmap_alloc(&map, 10, p * 3, &s), 0);
		assert_int_equal(swapmap_alloc(&map, 20, p, &s), 0);
	}
	assert_int_equal(swapmap_alloc_run(&map, 10, 40, 3, slots), 3);
	assert_int_equal(swapmap_free_slots(&map), 3);
	assert_int_equal(swapmap_destroy(&map, 10), 8);
	assert_int_equal(swapmap_free_slots(&map), 11);
	assert_int_equal(swapmap_lookup(&map, 10, 0, &s), -E_NOENT);
	assert_int_equal(swapmap_destroy(&map, 10), -E_NOENT);
	for (uint64_t p = 0; p < 5; p++)
		assert_int_equal(slot_of(20, p), 2 * p + 1); /* interleaved with 10's */
	/* The id can be used again, and starts empty. */
	assert_int_equal(swapmap_create(&map, 10, SWAP_STATIC, 4), 0);
	assert_int_equal(swapmap_lookup(&map, 10, 0, &s), -E_NOENT);
	assert_int_equal(swapmap_destroy(&map, 20), 5);
	assert_int_equal(swapmap_destroy(&map, 10), 4);
	assert_int_equal(swapmap_free_slots(&map), 16);
}

/* Fig. 3-28(a): the area is reserved at creation; page i at base + i. */
static void test_static_area_holds_page_i_at_base_plus_i(void **state)
{
	uint32_t s;
	init(16, 4);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	assert_int_equal(swapmap_alloc(&map, 1, 0, &s), 0); /* slot 0 */
	assert_int_equal(swapmap_create(&map, 2, SWAP_STATIC, 8), 0);
	assert_int_equal(swapmap_free_slots(&map), 7);
	assert_int_equal(swapmap_lookup(&map, 2, 3, &s), -E_NOENT);
	assert_int_equal(swapmap_alloc(&map, 2, 3, &s), 0);
	assert_int_equal(s, 1 + 3);
	assert_int_equal(swapmap_alloc(&map, 2, 7, &s), 0);
	assert_int_equal(s, 1 + 7);
	assert_int_equal(slot_of(2, 3), 4);
	assert_int_equal(swapmap_free_slots(&map), 7); /* nothing taken from the pool */
	assert_int_equal(swapmap_alloc(&map, 2, 8, &s), -E_RANGE);
	/* Freeing empties the slot but keeps the reservation. */
	assert_int_equal(swapmap_free(&map, 2, 3), 0);
	assert_int_equal(swapmap_lookup(&map, 2, 3, &s), -E_NOENT);
	assert_int_equal(swapmap_free_slots(&map), 7);
	/* Dynamic allocations never land in the area. */
	for (uint64_t p = 1; p < 8; p++) {
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
		assert_true(s == 0 || s >= 9);
	}
	assert_int_equal(swapmap_alloc(&map, 1, 9, &s), -E_FULL);
	/* A run in a static object is its area. */
	uint32_t slots[3];
	assert_int_equal(swapmap_alloc_run(&map, 2, 4, 3, slots), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(slots[i], 5 + i);
}

static void test_static_needs_a_contiguous_area(void **state)
{
	uint32_t s;
	init(8, 4);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 64), 0);
	for (uint64_t p = 0; p < 8; p++)
		assert_int_equal(swapmap_alloc(&map, 1, p, &s), 0);
	assert_int_equal(swapmap_free(&map, 1, 1), 0);
	assert_int_equal(swapmap_free(&map, 1, 2), 0);
	assert_int_equal(swapmap_free(&map, 1, 5), 0);
	/* Three free slots but no run of three. */
	assert_int_equal(swapmap_create(&map, 2, SWAP_STATIC, 3), -E_FULL);
	assert_int_equal(swapmap_create(&map, 2, SWAP_STATIC, 2), 0);
	assert_int_equal(swapmap_alloc(&map, 2, 1, &s), 0);
	assert_int_equal(s, 2);
	assert_int_equal(swapmap_create(&map, 3, SWAP_STATIC, 100), -E_FULL);
	assert_int_equal(swapmap_free_slots(&map), 1);
}

/* A bad slot in a static area: that page is remapped to a pool slot. */
static void test_static_page_on_bad_slot_is_remapped(void **state)
{
	uint32_t s;
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 2, SWAP_STATIC, 4), 0);
	assert_int_equal(swapmap_alloc(&map, 2, 1, &s), 0);
	assert_int_equal(s, 1);
	assert_int_equal(swapmap_mark_bad(&map, 1), 1);
	assert_int_equal(swapmap_mark_bad(&map, 2), 0); /* reserved, empty */
	assert_int_equal(swapmap_free_slots(&map), 4);
	assert_int_equal(swapmap_alloc(&map, 2, 1, &s), 0);
	assert_true(s >= 4);
	assert_int_equal(slot_of(2, 1), s);
	assert_int_equal(swapmap_alloc(&map, 2, 2, &s), 0);
	assert_true(s >= 4);
	assert_int_equal(swapmap_free_slots(&map), 2);
	assert_int_equal(swapmap_alloc(&map, 2, 3, &s), 0);
	assert_int_equal(s, 3);
	/* Death frees the area and the remaps; the bad slots stay out. */
	assert_int_equal(swapmap_destroy(&map, 2), 6);
	assert_int_equal(swapmap_free_slots(&map), 6);
	assert_int_equal(swapmap_create(&map, 3, SWAP_STATIC, 5), 0);
	assert_int_equal(swapmap_alloc(&map, 3, 0, &s), 0);
	assert_int_equal(s, 3); /* the first run of five good slots: 3..7 */
}

static void test_swapmap_rejects_misuse(void **state)
{
	uint32_t s;
	assert_int_equal(swapmap_init(&map, 0, 4, arena, sizeof(arena)), -E_INVAL);
	assert_int_equal(swapmap_init(&map, 8, 0, arena, sizeof(arena)), -E_INVAL);
	assert_int_equal(swapmap_init(&map, 8, 4, arena, swapmap_arena_size(8, 4) - 1), -E_INVAL);
	init(8, 2);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 0), -E_INVAL);
	assert_int_equal(swapmap_create(&map, 1, 7, 4), -E_INVAL);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 4), 0);
	assert_int_equal(swapmap_create(&map, 1, SWAP_DYNAMIC, 4), -E_BUSY);
	assert_int_equal(swapmap_create(&map, 2, SWAP_DYNAMIC, 4), 0);
	assert_int_equal(swapmap_create(&map, 3, SWAP_DYNAMIC, 4), -E_FULL);
	assert_int_equal(swapmap_alloc(&map, 9, 0, &s), -E_NOENT);
	assert_int_equal(swapmap_alloc(&map, 1, 4, &s), -E_RANGE);
	assert_int_equal(swapmap_lookup(&map, 1, 4, &s), -E_RANGE);
	assert_int_equal(swapmap_free(&map, 9, 0), -E_NOENT);
}

/* Random writes, frees and deaths of 3 objects against a plain model. */
static void test_swapmap_survives_random_use(void **state)
{
	enum { NS = 64, NP = 48 };
	static uint32_t model[3][NP];
	static bool alive[3];
	init(NS, 4);
	for (int o = 0; o < 3; o++) {
		assert_int_equal(swapmap_create(&map, 100 + o, SWAP_DYNAMIC, NP), 0);
		alive[o] = true;
		for (int p = 0; p < NP; p++)
			model[o][p] = SWAP_NIL;
	}
	uint32_t x = 7;
	for (int step = 0; step < 20000; step++) {
		x = x * 1664525u + 1013904223u;
		int o = (x >> 8) % 3, p = (x >> 12) % NP, op = (x >> 20) % 16;
		uint32_t s;
		if (op == 0 && step % 5 == 0) {
			if (alive[o])
				assert_true(swapmap_destroy(&map, 100 + o) >= 0);
			else
				assert_int_equal(swapmap_create(&map, 100 + o, SWAP_DYNAMIC, NP), 0);
			alive[o] = !alive[o];
			for (int q = 0; q < NP; q++)
				model[o][q] = SWAP_NIL;
		} else if (!alive[o]) {
			assert_int_equal(swapmap_alloc(&map, 100 + o, p, &s), -E_NOENT);
		} else if (op < 8) {
			int r = swapmap_alloc(&map, 100 + o, p, &s);
			if (r == -E_FULL) {
				assert_int_equal(swapmap_free_slots(&map), 0);
				assert_int_equal(model[o][p], SWAP_NIL);
			} else {
				assert_int_equal(r, 0);
				if (model[o][p] != SWAP_NIL)
					assert_int_equal(s, model[o][p]);
				model[o][p] = s;
			}
		} else {
			int r = swapmap_free(&map, 100 + o, p);
			assert_int_equal(r, model[o][p] == SWAP_NIL ? -E_NOENT : 0);
			model[o][p] = SWAP_NIL;
		}
		if (step % 50 == 0) {
			static bool held[NS];
			uint32_t n = 0;
			memset(held, 0, sizeof(held));
			for (int a = 0; a < 3; a++)
				for (int q = 0; q < NP; q++) {
					if (!alive[a] || model[a][q] == SWAP_NIL)
						continue;
					assert_int_equal(slot_of(100 + a, q), model[a][q]);
					assert_false(held[model[a][q]]);
					held[model[a][q]] = true;
					n++;
				}
			assert_int_equal(swapmap_free_slots(&map), NS - n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic_allocates_looks_up_and_frees),
		cmocka_unit_test(test_dynamic_reuses_freed_slots_and_reports_full),
		cmocka_unit_test(test_run_gets_contiguous_slots),
		cmocka_unit_test(test_run_on_fragmented_disk_gets_longest_run),
		cmocka_unit_test(test_run_does_not_wrap_past_last_slot),
		cmocka_unit_test(test_bad_slot_is_never_handed_out),
		cmocka_unit_test(test_page_on_bad_slot_moves_at_next_write),
		cmocka_unit_test(test_object_death_frees_all_its_slots),
		cmocka_unit_test(test_static_area_holds_page_i_at_base_plus_i),
		cmocka_unit_test(test_static_needs_a_contiguous_area),
		cmocka_unit_test(test_static_page_on_bad_slot_is_remapped),
		cmocka_unit_test(test_swapmap_rejects_misuse),
		cmocka_unit_test(test_swapmap_survives_random_use),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
