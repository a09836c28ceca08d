/*
 * sysfuzz: random system calls in child tasks (tests/fuzz/guest/sysfuzz.h).
 *
 *   sysfuzz [seed=S] [seeds=K] [batches=N] [first=B] [calls=C] [watchdog=MS]
 *           [total=T]
 *   sysfuzz seed=S batch=B [calls=C]     replay one batch, every call printed
 *
 * Seeds S..S+K-1 each run batches first..first+N-1 of C calls (with
 * total=T: as many batches as it takes to make T calls, as batches a call
 * ended early make fewer) and end
 * with a health check: one PASS or FAIL line per seed. Anomalies (a call
 * stuck past the watchdog that may not block, a child the kill does not
 * end, a result outside the error set) are printed with their replay
 * command; a kernel panic stops the machine and the host script finds
 * the last "sysfuzz: seed S batch B" line. Totals: calls made, batches,
 * children a call ended, watchdog kills, anomalies.
 */
#include "tests/fuzz/guest/sysfuzz.h"

#include "libipc/spawn.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"

static struct ipc_buffer buf;
static volatile struct sysfuzz_progress *const prog =
	(volatile struct sysfuzz_progress *)PROGRESS_VA;

static struct {
	uint64_t calls_per_batch, watchdog_ms, verbose, total;
	int progress_vmo, leaf;
} cfg;

struct totals {
	uint64_t calls, batches, ended_early, watchdog_kills, anomalies;
};

static void replay_line(char *out, int n, uint64_t seed, uint64_t batch)
{
	if (cfg.calls_per_batch == 1000)
		fmt_snprintf(out, (size_t)n, "sysfuzz seed=%lu batch=%lu", (unsigned long)seed,
			     (unsigned long)batch);
	else
		fmt_snprintf(out, (size_t)n, "sysfuzz seed=%lu batch=%lu calls=%lu",
			     (unsigned long)seed, (unsigned long)batch,
			     (unsigned long)cfg.calls_per_batch);
}

/* The child runs a little below us, so the watchdog always gets to run. */
static int spawn_child(uint64_t seed, uint64_t batch)
{
	char args[160];
	int len = fmt_snprintf(args, sizeof(args), "sysfuzz%cchild%cseed=%lu%cbatch=%lu%ccalls=%lu%cverbose=%lu",
			       0, 0, (unsigned long)seed, 0, (unsigned long)batch, 0,
			       (unsigned long)cfg.calls_per_batch, 0, (unsigned long)cfg.verbose);
	int32_t hs[CHILD_SLOTS - 1] = { H_NAME, cfg.progress_vmo, cfg.leaf };
	uint32_t rights[CHILD_SLOTS - 1] = { R_SEND | R_GRANT, R_MAP | R_READ, R_READ | R_GRANT };
	return spawn_module(module_lookup("sysfuzz"), args, (uint64_t)len + 1, hs, rights,
			    CHILD_SLOTS - 1, PRIO_DEFAULT - 1);
}

static void describe_call(char *out, int n)
{
	struct sys_call c = { .nr = (long)prog->nr };
	char tmp[16];
	fmt_snprintf(out, (size_t)n, "call #%lu %s(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)",
		     (unsigned long)(prog->started - 1), sysgen_name(c.nr, tmp, sizeof(tmp)),
		     (unsigned long)prog->a[0], (unsigned long)prog->a[1],
		     (unsigned long)prog->a[2], (unsigned long)prog->a[3],
		     (unsigned long)prog->a[4], (unsigned long)prog->a[5],
		     (unsigned long)prog->a[6]);
}

/* The watchdog fired: kill the child; an anomaly unless its call may
 * block that long. Returns false if even the kill did not end it. */
static bool watchdog(int h, uint64_t seed, uint64_t batch, struct totals *t)
{
	struct sys_call c = { .nr = (long)prog->nr };
	for (int k = 0; k < 7; k++)
		c.a[k] = prog->a[k];
	bool in_call = prog->in_call != 0;
	char what[200], replay[80];
	describe_call(what, sizeof(what));
	replay_line(replay, sizeof(replay), seed, batch);
	long st = fuzz_kill_task(h, 2000);
	if (st == -E_TIMEOUT) {
		fuzz_anomaly(replay, "the kill did not end a child stuck in %s", what);
		t->anomalies++;
		return false;
	}
	t->watchdog_kills++;
	if (in_call && sysgen_may_block(&c, cfg.watchdog_ms))
		return true;
	fuzz_anomaly(replay, "no progress for %lu ms %s %s", (unsigned long)cfg.watchdog_ms,
		     in_call ? "in" : "after", what);
	t->anomalies++;
	return true;
}

/* One batch; false if the fuzzer cannot go on (a child that would not die). */
static bool run_batch(uint64_t seed, uint64_t batch, struct totals *t)
{
	memset((void *)prog, 0, sizeof(*prog));
	uprintf("sysfuzz: seed %lu batch %lu\n", (unsigned long)seed, (unsigned long)batch);
	char replay[80];
	replay_line(replay, sizeof(replay), seed, batch);
	int h = spawn_child(seed, batch);
	if (h < 0) {
		fuzz_anomaly(replay, "cannot start the child: %s", err_name(h));
		t->anomalies++;
		return true;
	}
	uint64_t last = 0, since = fuzz_now_ms();
	bool go_on = true;
	long st;
	for (;;) {
		st = fuzz_wait_task(h, 100);
		if (st != -E_TIMEOUT)
			break;
		if (prog->started != last) {
			last = prog->started;
			since = fuzz_now_ms();
		} else if (fuzz_now_ms() - since >= cfg.watchdog_ms) {
			go_on = watchdog(h, seed, batch, t);
			break;
		}
	}
	t->batches++;
	t->calls += prog->started;
	if (!prog->finished) {
		char what[200];
		describe_call(what, sizeof(what));
		uprintf("sysfuzz: batch %lu ended early (status 0x%lx) at %s\n", (unsigned long)batch,
			(unsigned long)st, what);
		t->ended_early++;
	}
	if (prog->magic != PROGRESS_MAGIC) {
		/* The child may unmap the page or have the kernel write over
		 * it: its report is gone, but that is the child's doing. */
		uprintf("sysfuzz: batch %lu: progress page lost\n", (unsigned long)batch);
	} else if (prog->bad) {
		fuzz_anomaly(replay, "%lu results outside the error set, first at call #%lu: %ld",
			     (unsigned long)prog->bad, (unsigned long)prog->bad_call,
			     (long)prog->bad_result);
		t->anomalies++;
	}
	if (go_on)
		sys_handle_close(h);
	return go_on;
}

static void print_totals(const char *what, uint64_t seed, const struct totals *t)
{
	uprintf("\nsysfuzz: %s seed=%lu calls=%lu batches=%lu ended_early=%lu "
		"watchdog_kills=%lu anomalies=%lu\n",
		what, (unsigned long)seed, (unsigned long)t->calls, (unsigned long)t->batches,
		(unsigned long)t->ended_early, (unsigned long)t->watchdog_kills,
		(unsigned long)t->anomalies);
}

/* One seed: its batches, then the health check. */
static bool run_seed(uint64_t seed, uint64_t first, uint64_t nbatches,
		     const struct fuzz_health *base, struct totals *all)
{
	struct totals t = { 0 };
	bool go_on = true;
	uint64_t start = fuzz_now_ms();
	for (uint64_t b = first; go_on; b++) {
		if (cfg.total ? t.calls >= cfg.total : b >= first + nbatches)
			break;
		go_on = run_batch(seed, b, &t);
	}
	char why[320], name[40];
	fmt_snprintf(name, sizeof(name), "sysfuzz_seed_%lu", (unsigned long)seed);
	bool healthy = go_on && fuzz_health(base, 5000, why, sizeof(why));
	print_totals("totals", seed, &t);
	uprintf("sysfuzz: seed %lu took %lu ms\n", (unsigned long)seed,
		(unsigned long)(fuzz_now_ms() - start));
	if (!go_on)
		fuzz_fail(name, "a child would not die; stopped");
	else if (!healthy)
		fuzz_fail(name, "health check: %s", why);
	else if (t.anomalies)
		fuzz_fail(name, "%lu anomalies", (unsigned long)t.anomalies);
	else
		fuzz_pass(name);
	all->calls += t.calls;
	all->batches += t.batches;
	all->ended_early += t.ended_early;
	all->watchdog_kills += t.watchdog_kills;
	all->anomalies += t.anomalies;
	return go_on && healthy;
}

/* The progress object (kernel zero-fill), mapped here and in each child. */
static bool setup(char *why, int n)
{
	long vmo = vmo_create(FUZZ_PAGE, VMO_KERNEL_ZERO, 0);
	cfg.leaf = module_lookup("fuzzleaf");
	long err = vmo < 0 ? vmo : cfg.leaf < 0 ? cfg.leaf
		: vm_map((int)vmo, PROGRESS_VA, FUZZ_PAGE, 0, VM_R | VM_W | VM_SHARED);
	if (err) {
		fmt_snprintf(why, (size_t)n, "setup: %s", err_name(err));
		return false;
	}
	cfg.progress_vmo = (int)vmo;
	prog->magic = 0; /* faulted in now, not inside the baseline */
	return true;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "child") == 0)
		return sysgen_child(argc, argv);
	struct fuzz_opt opts[] = {
		{ "seed", 1, false }, { "seeds", 1, false }, { "batches", 10, false },
		{ "first", 0, false }, { "batch", 0, false }, { "calls", 1000, false },
		{ "watchdog", 1500, false }, { "total", 0, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	fuzz_init("sysfuzz", &buf);
	if (!fuzz_args_parse("sysfuzz", argc, argv, 1, opts, nopts))
		return 2;
	cfg.calls_per_batch = fuzz_opt(opts, nopts, "calls");
	cfg.watchdog_ms = fuzz_opt(opts, nopts, "watchdog");
	cfg.total = fuzz_opt(opts, nopts, "total");
	uint64_t first = fuzz_opt(opts, nopts, "first"), nb = fuzz_opt(opts, nopts, "batches");
	uint64_t seed = fuzz_opt(opts, nopts, "seed"), nseeds = fuzz_opt(opts, nopts, "seeds");
	if (fuzz_opt_given(opts, nopts, "batch")) { /* replay one batch, loudly */
		first = fuzz_opt(opts, nopts, "batch");
		nb = 1;
		nseeds = 1;
		cfg.verbose = 1;
		cfg.total = 0;
		/* The child's printing is paced by the kernel (16 KiB a second
		 * per task): a batch's lines take seconds. */
		if (!fuzz_opt_given(opts, nopts, "watchdog"))
			cfg.watchdog_ms = 60000;
	}
	char why[320];
	struct fuzz_health base;
	if (sysgen_unfuzzed() >= 0) {
		fuzz_fail("sysfuzz_table", "system call %d has no row in tests/fuzz/guest/sysargs.c",
			  sysgen_unfuzzed());
		return fuzz_finish();
	}
	if (!setup(why, sizeof(why)) || !fuzz_baseline(&base, why, sizeof(why))) {
		fuzz_fail("sysfuzz_setup", "%s", why);
		return fuzz_finish();
	}
	struct totals all = { 0 };
	for (uint64_t s = seed; s < seed + nseeds; s++)
		if (!run_seed(s, first, nb, &base, &all))
			break;
	print_totals("all", seed, &all);
	return fuzz_finish();
}
