/*
 * Host tests of the policy lab (tools/policylab/): the trace format, exact
 * LRU and OPT against counts worked by hand from textbook strings, and,
 * on every workload's trace, OPT at or below every policy and LRU in both
 * models (no demand-paging algorithm with the same frames beats MIN).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/policylab/lab.h"
#include "tools/policylab/workloads.h"

static void trace_of(struct lab_trace *t, const char *text)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	assert_int_equal(lab_trace_read(t, f, "test"), 0);
	fclose(f);
	assert_int_equal(lab_trace_finish(t), 0);
}

static struct lab_result run(const struct lab_trace *t, int algo, uint32_t frames)
{
	struct lab_result r;
	assert_int_equal(lab_run(t, algo, frames, LAB_TEXTBOOK, 1, &r), 0);
	return r;
}

static const char belady[] = "0\n1\n2\n3\n0\n1\n4\n0\n1\n2\n3\n4\n";
/* Silberschatz's string: 3 frames give FIFO 15, LRU 12, OPT 9 faults. */
static const char sil[] = "7\n0\n1\n2\n0\n3\n0\n4\n2\n3\n0\n3\n2\n1\n2\n0\n1\n7\n0\n1\n";

/* Comments, blank lines, 'w', spaces and CRLF are read; the pages are
 * numbered densely in their order (1000 < 2^40). */
static void test_trace_format_reads_pages_and_writes(void **state)
{
	struct lab_trace t;
	trace_of(&t, "# a comment\n1099511627776w\n\n  1000\r\n7w \n1000\n");
	assert_int_equal(t.n, 4);
	assert_int_equal(t.npages, 3);
	assert_int_equal(t.page[0], 2);
	assert_int_equal(t.page[1], 1);
	assert_int_equal(t.page[2], 0);
	assert_true(t.write[0] && !t.write[1] && t.write[2] && !t.write[3]);
	assert_int_equal(t.next[1], 3);
	assert_int_equal(t.next[0], SIZE_MAX);
	lab_trace_free(&t);
}

static void test_trace_format_rejects_garbage(void **state)
{
	static const char *bad[] = { "1\nx\n", "1r\n", "-1\n", "1 2\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lab_trace t = { 0 };
		FILE *f = fmemopen((void *)bad[i], strlen(bad[i]), "r");
		assert_int_equal(lab_trace_read(&t, f, "bad"), -1);
		fclose(f);
		lab_trace_free(&t);
	}
}

/* 3 frames. LRU: 0 1 2 fault; 3 evicts 0, 0 evicts 1, 1 evicts 2, 4
 * evicts 3; 0 1 hit; 2 evicts 4, 3 evicts 0, 4 evicts 1: 10 faults.
 * OPT: 0 1 2; 3 evicts 2 (next use farthest); 0 1 hit; 4 evicts 3; 0 1
 * hit; 2 evicts 0 (never again; tie with 1 -> lowest page); 3 evicts 1;
 * 4 hits: 7. 4 frames: LRU 8, OPT 6; FIFO 9 then 10 (Belady). */
static void test_lru_opt_fifo_on_belady_string(void **state)
{
	struct lab_trace t;
	trace_of(&t, belady);
	assert_int_equal(run(&t, LAB_LRU, 3).faults, 10);
	assert_int_equal(run(&t, LAB_OPT, 3).faults, 7);
	assert_int_equal(run(&t, LAB_LRU, 4).faults, 8);
	assert_int_equal(run(&t, LAB_OPT, 4).faults, 6);
	assert_int_equal(run(&t, POL_FIFO, 3).faults, 9);
	assert_int_equal(run(&t, POL_FIFO, 4).faults, 10);
	struct lab_result g;
	assert_int_equal(lab_run(&t, POL_FIFO, 3, LAB_GUEST, 0, &g), 0);
	assert_int_equal(g.faults, 9);
	assert_int_equal(lab_run(&t, POL_FIFO, 4, LAB_GUEST, 0, &g), 0);
	assert_int_equal(g.faults, 10);
	lab_trace_free(&t);
}

static void test_lru_opt_fifo_on_silberschatz_string(void **state)
{
	struct lab_trace t;
	trace_of(&t, sil);
	assert_int_equal(run(&t, POL_FIFO, 3).faults, 15);
	assert_int_equal(run(&t, LAB_LRU, 3).faults, 12);
	assert_int_equal(run(&t, LAB_OPT, 3).faults, 9);
	lab_trace_free(&t);
}

/* 0w 1 2 0, 2 frames. LRU: 2 evicts 0 (dirty: a write), 0 evicts 1:
 * 4 faults, 1 write. OPT: 2 evicts 1 (never used again), 0 hits: 3
 * faults, no write. At 2 in 0w 1 2 and 0 1w 2, 2 frames, OPT's tie
 * (neither used again) takes the lowest page, 0: a write, then none. */
static void test_lru_opt_count_dirty_victims_and_break_ties(void **state)
{
	struct lab_trace t;
	trace_of(&t, "0w\n1\n2\n0\n");
	struct lab_result r = run(&t, LAB_LRU, 2);
	assert_int_equal(r.faults, 4);
	assert_int_equal(r.writes, 1);
	r = run(&t, LAB_OPT, 2);
	assert_int_equal(r.faults, 3);
	assert_int_equal(r.writes, 0);
	lab_trace_free(&t);
	trace_of(&t, "0w\n1\n2\n");
	assert_int_equal(run(&t, LAB_OPT, 2).writes, 1);
	lab_trace_free(&t);
	trace_of(&t, "0\n1w\n2\n");
	assert_int_equal(run(&t, LAB_OPT, 2).writes, 0);
	lab_trace_free(&t);
}

static void collect(void *ctx, uint64_t page, bool write)
{
	assert_int_equal(lab_trace_add(ctx, page, write), 0);
}

/* Every workload at its default size, frame counts across the lab's
 * range: OPT <= every algorithm; every count >= the pages touched. */
static void test_opt_is_the_floor_on_every_workload(void **state)
{
	static const uint32_t frames[] = { 4, 12, 32, 64 };
	for (int k = 0; k < WL_NKINDS; k++) {
		struct lab_trace t = { 0 };
		uint64_t *array = malloc((size_t)wl_specs[k].pages * WL_PAGE_SIZE);
		assert_int_equal(wl_run((enum wl_kind)k, wl_specs[k].pages, wl_specs[k].refs, 1,
					array, collect, &t),
				 0);
		free(array);
		assert_int_equal(lab_trace_finish(&t), 0);
		assert_true(t.npages <= wl_specs[k].pages);
		for (size_t f = 0; f < sizeof(frames) / sizeof(frames[0]); f++) {
			uint64_t opt = run(&t, LAB_OPT, frames[f]).faults;
			assert_true(opt >= t.npages);
			for (int m = LAB_TEXTBOOK; m <= LAB_GUEST; m++)
				for (int a = 0; a < LAB_OPT; a++) {
					struct lab_result r;
					assert_int_equal(lab_run(&t, a, frames[f], m, 1, &r), 0);
					if (r.faults < opt)
						fail_msg("%s: %s (%s) %lu faults < OPT's %lu with %u frames",
							 wl_specs[k].name, lab_algo_name(a),
							 m ? "guest" : "textbook",
							 (unsigned long)r.faults, (unsigned long)opt,
							 frames[f]);
				}
		}
		lab_trace_free(&t);
	}
}

/* The same seed gives the same trace; another seed another one. */
static void test_workloads_are_deterministic(void **state)
{
	struct lab_trace a = { 0 }, b = { 0 }, c = { 0 };
	assert_int_equal(wl_run(WL_ZIPF, 64, 2000, 7, 0, collect, &a), 0);
	assert_int_equal(wl_run(WL_ZIPF, 64, 2000, 7, 0, collect, &b), 0);
	assert_int_equal(wl_run(WL_ZIPF, 64, 2000, 8, 0, collect, &c), 0);
	assert_int_equal(a.n, 2000);
	assert_memory_equal(a.page, b.page, a.n * sizeof(uint64_t));
	assert_true(memcmp(a.page, c.page, a.n * sizeof(uint64_t)) != 0);
	assert_int_equal(wl_run(WL_SORT, 4, 0, 1, 0, collect, &a), -1); /* no array */
	assert_int_equal(wl_run(WL_ZIPF, WL_ZIPF_MAX + 1, 1, 1, 0, collect, &a), -1);
	assert_int_equal(wl_kind_by_name("phase"), WL_PHASE);
	assert_int_equal(wl_kind_by_name("lru"), -1);
	lab_trace_free(&a);
	lab_trace_free(&b);
	lab_trace_free(&c);
}

/* The sort workload really sorts the array it references. */
static void test_sort_workload_sorts(void **state)
{
	struct lab_trace t = { 0 };
	uint64_t *array = malloc(3 * WL_PAGE_SIZE);
	assert_int_equal(wl_run(WL_SORT, 3, 0, 5, array, collect, &t), 0);
	for (size_t i = 1; i < 3 * WL_PAGE_SIZE / 8; i++)
		assert_true(array[i - 1] <= array[i]);
	free(array);
	assert_true(t.n > 3 * WL_PAGE_SIZE / 8);
	lab_trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_format_reads_pages_and_writes),
		cmocka_unit_test(test_trace_format_rejects_garbage),
		cmocka_unit_test(test_lru_opt_fifo_on_belady_string),
		cmocka_unit_test(test_lru_opt_fifo_on_silberschatz_string),
		cmocka_unit_test(test_lru_opt_count_dirty_victims_and_break_ties),
		cmocka_unit_test(test_workloads_are_deterministic),
		cmocka_unit_test(test_sort_workload_sorts),
		cmocka_unit_test(test_opt_is_the_floor_on_every_workload),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
