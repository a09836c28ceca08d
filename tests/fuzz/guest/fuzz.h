/*
 * What the in-guest fuzzers share: a seeded generator, key=value
 * arguments, the result and anomaly lines, waiting for a task with a
 * watchdog, and the health check every fuzzer ends with.
 *
 * A fuzzer's run, step by step:
 *   1. parse key=value arguments (fuzz_args_parse);
 *   2. fuzz_baseline: warm the servers up, bring the zero pager's pool to
 *      a known size, and note the system's figures;
 *   3. fuzz (each fuzzer its own way), reporting every anomaly with the
 *      command line that replays it (fuzz_anomaly);
 *   4. fuzz_health: the figures come back to the baseline (after a settle
 *      delay) and IPC, the name server, the console and the zero pager
 *      still answer; one PASS or FAIL line per slice;
 *   5. fuzz_finish prints "N passed, N failed" and returns the exit code.
 *
 * Output goes to the kernel log (uprintf): it works from any thread and
 * whatever state the console server is in. Lines the host script reads
 * (PASS, FAIL, ANOMALY, totals, the summary) start with a newline of
 * their own, so output a fuzzed task left without one cannot glue onto
 * them.
 */
#ifndef TESTS_FUZZ_GUEST_FUZZ_H
#define TESTS_FUZZ_GUEST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libipc/ipc.h"

#define FUZZ_MS 1000000ull /* nanoseconds */
#define FUZZ_PAGE 4096ul

/* --- the generator: splitmix64, one stream per (seed, stream) ---------- */

struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n); /* 0..n-1; n > 0 */
bool rng_one_in(struct rng *r, uint64_t n);
/* A value from the edges of the 64-bit range: 0, 1, -1, powers of two and
 * their neighbours, sign bits, page sizes... or now and then any value. */
uint64_t rng_edge(struct rng *r);

/* --- arguments ----------------------------------------------------------- */

struct fuzz_opt {
	const char *key;
	uint64_t value; /* the default, replaced by key=value */
	bool given;
};

/* Parses argv[first..argc) as key=value (decimal or 0x hex) into opts.
 * false (with a line naming the culprit) on an unknown key or a bad
 * number. */
bool fuzz_args_parse(const char *prog, int argc, char **argv, int first,
		     struct fuzz_opt *opts, int nopts);
uint64_t fuzz_opt(const struct fuzz_opt *opts, int nopts, const char *key);
bool fuzz_opt_given(const struct fuzz_opt *opts, int nopts, const char *key);
/* A decimal number; false if s is not one. */
bool fuzz_parse_u64(const char *s, uint64_t *out);

/* --- results --------------------------------------------------------------- */

/* The program name results are printed under; set once at start. */
void fuzz_init(const char *prog, struct ipc_buffer *buf);
void fuzz_pass(const char *name);
void fuzz_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One anomaly: what happened and the bootargs that replay it (printed as
 * a make command). */
void fuzz_anomaly(const char *replay, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t fuzz_anomalies(void);
/* Prints the summary line; returns the failure count (the exit status). */
int fuzz_finish(void);

/* --- time and tasks ------------------------------------------------------- */

uint64_t fuzz_now_ms(void);
/* Writes every page of [p, p + n) once, so that the frames behind a
 * static array (a thread stack in .bss) are there before the baseline is
 * taken, not counted as lost when a thread first reaches them. Call it
 * before the thread using the array starts. */
void fuzz_prefault(void *p, size_t n);
/* Waits up to ms for task h to end; its status, or -E_TIMEOUT. Polls, so
 * the caller keeps the CPU free for the task. */
long fuzz_wait_task(int h, uint64_t ms);
/* Kills h and waits up to ms for it to end; its status, or -E_TIMEOUT if
 * even the kill did not end it (an anomaly in itself). */
long fuzz_kill_task(int h, uint64_t ms);

/* --- the health check ---------------------------------------------------- */

struct fuzz_health {
	uint64_t frames_free, objects, requests, tasks, threads, kmem;
};

void fuzz_snapshot(struct fuzz_health *h);
/* Warms the servers up (every answer path once), puts the zero pager's
 * pool at its usual size and takes the snapshot. */
bool fuzz_baseline(struct fuzz_health *base, char *why, int n);
/* Waits up to settle_ms for the figures to come back to base, then
 * checks that IPC and every server answers. false with the reason. */
bool fuzz_health(const struct fuzz_health *base, uint64_t settle_ms, char *why, int n);
/* The servers alone: name lookup, console flush, a zero-pager object
 * faulted in, an IPC round trip (fast and slow path) with a thread. */
bool fuzz_servers_answer(char *why, int n);
/* The zero pager's endpoint (looked up once), or an error. */
int fuzz_zero_pager(void);

#endif
