/*
 * The Linux side of `make bench-peers` (scripts/bench-peers): the /init of
 * a small Linux 6.1 booted on the same QEMU as `make bench`, measuring
 * the paths tests/bench measures on our kernel, under the same names, so
 * that scripts/bench can set the figures side by side.
 *
 * How a figure is taken:
 *   1. perf_open_instret(): a CPU-wide instructions event keeps instret
 *      running (Linux 6.1's SBI PMU driver stops every counter at boot).
 *   2. rdinstret, the operation, rdinstret: the whole hart's instructions
 *      (user, kernel, firmware, other processes), less the counter's own
 *      cost (a pair measured first) where it says so.
 *   3. Disk paths also read the idle time (idle_ns()) before and after:
 *      QEMU 7.2 with -icount reads instret from the virtual clock, which
 *      keeps running (1 ns = 1 instruction) while the hart waits on the
 *      disk, so that time is taken off; what is left are busy
 *      instructions, as our bench's SYS_IDLE_COUNT leaves.
 *   4. report_n(): the BENCH line scripts/bench parses.
 */
#ifndef PEERS_LINUX_BENCH_H
#define PEERS_LINUX_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecall.h" /* sys3: no libc in the timed path */

#define WARMUP 1000
#define N 10000 /* samples of a CPU path, as tests/bench/bench.h */
#define PG 4096ul

extern uint64_t samples[N];

static inline uint64_t rd_instret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v)::"memory");
	return v;
}

/* linux-bench.c */
void report_n(const char *name, size_t n, bool subtract);
uint64_t counter_overhead(void);
uint64_t idle_ns(void); /* idle + iowait sleep time of the hart, ns */
long vmstat(const char *key); /* a /proc/vmstat counter, -1 if none */
bool write_file(const char *path, const char *text);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Instructions of one load at p, the idle time taken off. */
static inline uint64_t timed_load(volatile const uint64_t *p)
{
	uint64_t idle0 = idle_ns();
	uint64_t a = rd_instret();
	(void)*p;
	uint64_t b = rd_instret();
	uint64_t idle = idle_ns() - idle0;
	return b - a > idle ? b - a - idle : 0;
}

/* linux-bench-disk.c: on the ext2 disk at /mnt and the swap disk. */
void bench_files(const char *mnt);
void bench_swap(const char *swapdev);

#endif
