/* Shared parts of the in-guest benchmarks (see bench.c). */
#ifndef TESTS_BENCH_H
#define TESTS_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "libipc/ipc.h"
#include "libipc/ulib.h"

#define WARMUP 1000
#define N 10000

extern uint64_t samples[N];

/* Prints a BENCH line for samples[0..n), minus the counter overhead if
 * subtract (samples that were not taken around a counter pair don't). */
void report_n(const char *name, size_t n, bool subtract);

uint64_t counter_overhead(void); /* counts of an rd_instret pair */
/* The BENCH lines' unit ("instructions" under -icount, else "ns") and a
 * count of the counter in it (see bench.c). */
const char *bench_unit(void);
uint64_t bench_in_unit(uint64_t counts);

/* Instructions of one load at p, the hart's idle time (a disk wait)
 * taken off (the file and swap benchmarks). */
static inline uint64_t timed_load(volatile const uint64_t *p)
{
	uint64_t idle0 = (uint64_t)sys0(SYS_IDLE_COUNT);
	uint64_t a = rd_instret();
	(void)*p;
	uint64_t b = rd_instret();
	return b - a - ((uint64_t)sys0(SYS_IDLE_COUNT) - idle0);
}

void bench_faults(void);
void bench_blk(void); /* blk2: the scratch disk scripts/bench attaches */
void bench_files(void); /* blk0: the ext2 disk scripts/bench makes */
void bench_swap(void); /* blk1: the swap disk (the swap pager's) */
int bench_swap_child(void); /* `bench swap`: what bench_swap starts */
void bench_blk_trace(void);
enum fault_trace_mode { FAULT_TRACE_WARM, FAULT_TRACE_COLD, FAULT_TRACE_LEAF, FAULT_TRACE_BATCH };
void bench_fault_trace(enum fault_trace_mode mode);
void bench_file_trace(void);
/* bench_trace.c: fault-latency percentiles from the kernel's trace ring. */
void bench_trace_cdf(const char *label, uint64_t from, bool kernel);

#endif
