/*
 * In-guest benchmarks for `make bench`. Run under QEMU with -icount, so
 * the hart's instret counter counts instructions (user, kernel and
 * firmware alike) and runs repeat exactly. Each benchmark takes WARMUP
 * untimed rounds, then N timed samples; the cost of reading the counter
 * is measured and subtracted. One line per benchmark:
 *   BENCH <name> <unit> <n> <min> <median> <mean> <p99> <max>
 * (the mean with one decimal: it shows costs that come in bursts).
 * The unit is "instructions" under -icount. Without it (the shell's
 * `bench` in `make run`) QEMU's instret is the host's cycle counter,
 * which counts no instructions: the figures are then nanoseconds, by
 * the counter's rate measured against the timer, and the unit says "ns".
 *
 * `bench server` is the IPC partner: a second task that answers calls.
 * `bench swap` runs the swap benchmarks (bench_swap.c) in a task that is
 * no pager, so that its memory is pageable.
 * `bench only GROUP...` runs some of them: ipc, faults, blk, files, swap.
 * `bench quick` prints the unit and null_syscall only (a second's work).
 * `bench trace`, `bench faulttrace`, `bench filetrace` and `bench blktrace` run a few IPC
 * round trips, zero-pager faults or 4 KiB disk reads only, to look at with qemu -singlestep -d exec
 * (`bench faulttrace cold`: with the zero pager's pool empty; `bench
 * faulttrace leaf`: the first fault of a new 512-page leaf; `bench
 * faulttrace batch`: 16 pages a supply).
 */
#include "tests/bench/bench.h"

#define EP 1 /* the server's endpoint, handed at spawn */

enum { L_FAST = 1, L_SLOW = 2, L_STOP = 3, L_STAMP = 4 };

uint64_t samples[N];
static uint64_t overhead;

/* The counter's rate: num counts in den timer ticks; icount if that is
 * exactly 100 a tick (QEMU -icount shift=0 on the 10 MHz timer). */
static struct {
	bool icount;
	uint64_t num, den, timebase_hz;
} clock;

static void clock_probe(void)
{
	struct sysinfo si;
	clock.timebase_hz = sys_sysinfo(&si) == 0 && si.timebase_hz ? si.timebase_hz : 10000000;
	uint64_t t0 = rd_time(), i0 = rd_instret();
	for (volatile uint32_t k = 0; k < 200000; k++)
		;
	uint64_t t1 = rd_time(), i1 = rd_instret();
	clock.num = i1 > i0 ? i1 - i0 : 1;
	clock.den = t1 > t0 ? t1 - t0 : 1;
	uint64_t per100 = clock.num * 100 / clock.den;
	clock.icount = per100 >= 9900 && per100 <= 10100;
}

const char *bench_unit(void)
{
	return clock.icount ? "instructions" : "ns";
}

uint64_t bench_in_unit(uint64_t counts)
{
	if (clock.icount)
		return counts;
	return (uint64_t)((unsigned __int128)counts * clock.den * 1000000000u /
			  ((unsigned __int128)clock.num * clock.timebase_hz));
}

static void sort(uint64_t *a, size_t n)
{
	for (size_t gap = n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint64_t t = a[j];
				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

void report_n(const char *name, size_t n, bool subtract)
{
	for (size_t i = 0; subtract && i < n; i++)
		samples[i] = samples[i] > overhead ? samples[i] - overhead : 0;
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		samples[i] = bench_in_unit(samples[i]); /* first: the mean stays within min..max */
		sum += samples[i];
	}
	uint64_t mean10 = (sum * 10 + n / 2) / n; /* tenths, rounded */
	sort(samples, n);
	uprintf("BENCH %s %s %zu %lu %lu %lu.%lu %lu %lu\n", name, bench_unit(), n,
		(unsigned long)samples[0], (unsigned long)samples[n / 2],
		(unsigned long)(mean10 / 10), (unsigned long)(mean10 % 10),
		(unsigned long)samples[n * 99 / 100], (unsigned long)samples[n - 1]);
}

uint64_t counter_overhead(void)
{
	return overhead;
}

static void report(const char *name)
{
	report_n(name, N, true);
}

static void measure_overhead(bool print)
{
	clock_probe();
	for (size_t i = 0; i < N; i++) {
		uint64_t a = rd_instret();
		uint64_t b = rd_instret();
		samples[i] = b - a;
	}
	sort(samples, N);
	overhead = samples[N / 2];
	if (print && clock.icount)
		uprintf("BENCH-INFO unit instructions (QEMU -icount: instret counts instructions)\n");
	else if (print)
		uprintf("BENCH-INFO unit ns (no -icount: instret is the host's cycle counter, "
			"%lu.%02lu a timer tick; converted to nanoseconds)\n",
			(unsigned long)(clock.num / clock.den),
			(unsigned long)(clock.num * 100 / clock.den % 100));
	if (print)
		uprintf("BENCH-INFO counter_overhead %lu\n", (unsigned long)overhead);
}

static void bench_null_syscall(void)
{
	for (int i = 0; i < WARMUP + N; i++) {
		uint64_t a = rd_instret();
		sys_leaf(SYS_NOP, 0);
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	report("null_syscall");
}

static void bench_roundtrip(int ep, const char *name, uint64_t tag)
{
	for (int i = 0; i < WARMUP + N; i++) {
		struct ipc_msg m = { .tag = tag };
		uint64_t a = rd_instret();
		ipc_call(ep, &m, 0);
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	report(name);
}

/* Calls with a timeout: the slow path, where the caller's deadline goes
 * on the timeout list while it waits for the reply and comes off when the
 * reply comes (the fast path takes no timeouts). */
#define CALL_TIMEOUT_NS (3000ull * 1000000000ull) /* 3,000 s: never passes */
static void bench_roundtrip_timeout(int ep, const char *name)
{
	for (int i = 0; i < WARMUP + N; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(L_FAST, 1, 0) };
		uint64_t a = rd_instret();
		ipc_call(ep, &m, CALL_TIMEOUT_NS);
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	report(name);
}

/* SLEEPERS threads of this task asleep with timeouts (due before the
 * calls' deadlines, long after the run) while the timed calls run. They
 * sleep until the task exits. */
#define SLEEPERS 64
#define SLEEP_NS (1000ull * 1000000000ull) /* 1,000 s */
static volatile int asleep;

static void sleeper(void *arg)
{
	for (;;) {
		asleep++;
		sys_sleep(SLEEP_NS);
	}
}

static void bench_roundtrip_sleepers(int ep)
{
	static char stacks[SLEEPERS][4096] __attribute__((aligned(16)));
	for (int i = 0; i < SLEEPERS; i++)
		if (thread_spawn(sleeper, 0, stacks[i], sizeof(stacks[i]), PRIO_DEFAULT) < 0) {
			uprintf("bench: cannot start the sleepers\n");
			return;
		}
	while (asleep < SLEEPERS)
		sys_yield();
	bench_roundtrip_timeout(ep, "ipc_roundtrip_64_sleepers");
}

/* One-way costs: the server stamps the counter on arrival (w1) and just
 * before its reply_recv (w2); see server(). */
static void bench_oneway(int ep)
{
	static uint64_t reply[N];
	for (int i = 0; i < WARMUP + N; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(L_STAMP, 1, 0) };
		m.w[0] = rd_instret();
		ipc_call(ep, &m, 0);
		uint64_t back = rd_instret();
		if (i >= WARMUP) {
			samples[i - WARMUP] = m.w[1];
			reply[i - WARMUP] = back - m.w[2];
		}
	}
	report("ipc_call_oneway");
	for (int i = 0; i < N; i++)
		samples[i] = reply[i];
	report("ipc_reply_oneway");
}

/* Answers each call at once, as the peers' IPC benchmarks do; only
 * L_STAMP messages pay for the one-way stamps. */
static int server(void)
{
	struct ipc_msg m;
	long err = ipc_recv(EP, &m, 0);
	while (!err) {
		if (m.tag == IPC_TAG(L_FAST, 1, 0)) {
			err = ipc_reply_recv(EP, &m, 0);
			continue;
		}
		uint64_t arrived = rd_instret();
		uint32_t label = IPC_TAG_LABEL(m.tag);
		if (label == L_STOP) {
			ipc_reply(&m);
			return 0;
		}
		m.w[1] = arrived - m.w[0];
		m.tag = IPC_TAG(label, 3, 0) | (label == L_SLOW ? IPC_TAG_SLOW : 0);
		m.w[2] = rd_instret();
		err = ipc_reply_recv(EP, &m, 0);
	}
	return 1;
}

/* `bench only GROUP...` runs those groups (ipc, faults, blk, files,
 * swap); plain `bench` runs them all. */
static bool wanted(int argc, char **argv, const char *group)
{
	if (argc < 2 || strcmp(argv[1], "only") != 0)
		return true;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], group) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "server") == 0)
		return server();
	if (argc > 1 && strcmp(argv[1], "swap") == 0) {
		measure_overhead(false);
		return bench_swap_child();
	}
	if (argc > 1 && strcmp(argv[1], "quick") == 0) {
		/* The unit and one benchmark, in a second (the shell tests). */
		measure_overhead(true);
		bench_null_syscall();
		return 0;
	}
	long ep = sys0(SYS_ENDPOINT_CREATE);
	const char *sargv[] = { "bench", "server", 0 };
	int32_t hs[1] = { (int32_t)ep };
	uint32_t rs[1] = { R_RECV };
	int srv = spawn(sargv, hs, rs, 1);
	if (ep < 0 || srv < 0) {
		uprintf("bench: cannot start the server\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "faulttrace") == 0) {
		static const char *modes[] = { "warm", "cold", "leaf", "batch" };
		enum fault_trace_mode mode = FAULT_TRACE_WARM;
		for (int i = 1; argc > 2 && i < 4; i++)
			if (strcmp(argv[2], modes[i]) == 0)
				mode = (enum fault_trace_mode)i;
		bench_fault_trace(mode);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "filetrace") == 0) {
		bench_file_trace();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "blktrace") == 0) {
		bench_blk_trace();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "trace") == 0) {
		/* A few round trips, for instruction traces (qemu -d exec). */
		for (int i = 0; i < 3; i++) {
			struct ipc_msg m = { .tag = IPC_TAG(L_FAST, 1, 0) };
			ipc_call((int)ep, &m, 0);
		}
		sys0(SYS_NOP);
		sys0(SYS_NOP);
		struct ipc_msg stop = { .tag = IPC_TAG(L_STOP, 0, 0) };
		ipc_call((int)ep, &stop, 0);
		sys_task_wait(srv);
		return 0;
	}
	measure_overhead(true);
	if (wanted(argc, argv, "ipc")) {
		bench_null_syscall();
		bench_roundtrip((int)ep, "ipc_roundtrip_fast", IPC_TAG(L_FAST, 1, 0));
		bench_roundtrip((int)ep, "ipc_roundtrip_slow", IPC_TAG(L_SLOW, 1, 0) | IPC_TAG_SLOW);
		bench_oneway((int)ep);
	}
	if (wanted(argc, argv, "faults"))
		bench_faults();
	if (wanted(argc, argv, "blk"))
		bench_blk();
	if (wanted(argc, argv, "files"))
		bench_files();
	if (wanted(argc, argv, "swap"))
		bench_swap();
	if (wanted(argc, argv, "ipc")) {
		bench_roundtrip_timeout((int)ep, "ipc_roundtrip_timeout");
		bench_roundtrip_sleepers((int)ep); /* last: the sleepers stay */
	}
	struct ipc_msg stop = { .tag = IPC_TAG(L_STOP, 0, 0) };
	ipc_call((int)ep, &stop, 0);
	sys_task_wait(srv);
	uprintf("bench: done\n");
	return 0;
}
