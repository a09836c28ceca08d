/*
 * Fault-latency distributions from the kernel's fault trace ring
 * (SYS_TRACE_READ), for the policy lab's CDF plot (scripts/latency-cdf).
 * Around a benchmark: from = trace_records_end(), run it, then
 * bench_trace_cdf(label, from, kernel) prints one line
 *   BENCH-TRACE-CDF <label> <pager id> <n> <p0> <p1> ... <p100>
 * the percentiles 0..100 of trap -> resume, in instructions, of the
 * records opened since `from` of one pager: the kernel's zero-fill
 * (pager 0) if kernel, else the pager endpoint with the most records in
 * the window (the benchmark's; a stray fault elsewhere is left out).
 * Trap -> resume includes the time the hart idled waiting for a disk
 * (under -icount the counter runs on while the hart idles).
 */
#include <stdlib.h>

#include "libipc/vm.h"
#include "tests/bench/bench.h"

#define RING 16384 /* the kernel's TRACE_SLOTS: older records are gone */
#define BATCH 64

static uint64_t lat[RING];
static uint64_t pager_of[RING];


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The pager id with the most records among pager_of[0..n), 0 excluded. */
static uint64_t busiest(size_t n)
{
	qsort(pager_of, n, sizeof(pager_of[0]), cmp_u64);
	uint64_t best = 0;
	size_t best_n = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && pager_of[j] == pager_of[i]; j++)
			;
		if (pager_of[i] && j - i > best_n) {
			best = pager_of[i];
			best_n = j - i;
		}
	}
	return best;
}

/* Records since from into lat[] (trap -> resume) and pager_of[]. */
static size_t collect(uint64_t from, uint64_t end, bool all, uint64_t pager)
{
	static struct trace_record recs[BATCH];
	if (end - from > RING)
		from = end - RING;
	size_t n = 0;
	long got;
	for (uint64_t at = from; at < end && (got = trace_read(at, recs, BATCH)) > 0;
	     at += (uint64_t)got)
		for (long i = 0; i < got && at + (uint64_t)i < end; i++) {
			const struct trace_record *r = &recs[i];
			uint64_t t0 = r->stamp[TRACE_TRAP], t1 = r->stamp[TRACE_RESUME];
			if (!t0 || t1 < t0 || (!all && r->pager != pager))
				continue;
			pager_of[n] = r->pager;
			lat[n++] = t1 - t0;
		}
	return n;
}

void bench_trace_cdf(const char *label, uint64_t from, bool kernel)
{
	uint64_t end = trace_records_end(), pager = 0;
	if (!kernel)
		pager = busiest(collect(from, end, true, 0));
	size_t n = kernel || pager ? collect(from, end, false, pager) : 0;
	if (n == 0) {
		uprintf("BENCH-INFO trace_cdf_%s no trace records\n", label);
		return;
	}
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	uprintf("BENCH-TRACE-CDF %s %lu %zu", label, (unsigned long)pager, n);
	for (int k = 0; k <= 100; k++)
		uprintf(" %lu", (unsigned long)bench_in_unit(lat[(n - 1) * (size_t)k / 100]));
	uprintf("\n");
}
