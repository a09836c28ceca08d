/* What the in-guest fuzzers share; see tests/fuzz/guest/fuzz.h. */
#include "tests/fuzz/guest/fuzz.h"

#include <stdarg.h>

#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/zero/zero_proto.h"
#include "servers/console/console_proto.h"
#include "servers/name/name_proto.h"
#include "uapi/dev.h"

/* --- the generator -------------------------------------------------------- */

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed * 0x9e3779b97f4a7c15ull ^ (stream + 1) * 0xd1b54a32d192ed03ull;
	rng_next(r);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

bool rng_one_in(struct rng *r, uint64_t n)
{
	return rng_below(r, n) == 0;
}

uint64_t rng_edge(struct rng *r)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512,
		4095, 4096, 4097, 8192, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000, 0x3fffffffff, 0x4000000000, 0x7fffffffffffffff,
		0x8000000000000000, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4096,
		0xffffffc000000000, 0xffffffc080200000,
	};
	uint64_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	uint64_t pick = rng_below(r, nfixed + 3);
	if (pick < nfixed)
		return fixed[pick];
	uint64_t bit = 1ull << rng_below(r, 64);
	if (pick == nfixed)
		return bit;
	if (pick == nfixed + 1)
		return bit - 1;
	return rng_next(r);
}

/* --- arguments ------------------------------------------------------------ */

bool fuzz_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10;
	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

bool fuzz_args_parse(const char *prog, int argc, char **argv, int first,
		     struct fuzz_opt *opts, int nopts)
{
	for (int i = first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int k = 0;
		size_t klen = eq ? (size_t)(eq - argv[i]) : 0;
		while (k < nopts && !(eq && strlen(opts[k].key) == klen &&
				      strncmp(opts[k].key, argv[i], klen) == 0))
			k++;
		if (k == nopts || !fuzz_parse_u64(eq + 1, &opts[k].value)) {
			uprintf("%s: bad argument '%s'\n", prog, argv[i]);
			return false;
		}
		opts[k].given = true;
	}
	return true;
}

static const struct fuzz_opt *opt_find(const struct fuzz_opt *opts, int nopts, const char *key)
{
	for (int k = 0; k < nopts; k++)
		if (strcmp(opts[k].key, key) == 0)
			return &opts[k];
	return 0;
}

uint64_t fuzz_opt(const struct fuzz_opt *opts, int nopts, const char *key)
{
	const struct fuzz_opt *o = opt_find(opts, nopts, key);
	return o ? o->value : 0;
}

bool fuzz_opt_given(const struct fuzz_opt *opts, int nopts, const char *key)
{
	const struct fuzz_opt *o = opt_find(opts, nopts, key);
	return o && o->given;
}

/* --- results -------------------------------------------------------------- */

static const char *prog_name = "fuzz";
static struct ipc_buffer *ibuf;
static int npass, nfail;
static uint64_t nanomalies;

void fuzz_init(const char *prog, struct ipc_buffer *buf)
{
	prog_name = prog;
	ibuf = buf;
	ipc_buffer_setup(buf);
}

void fuzz_pass(const char *name)
{
	npass++;
	uprintf("\nPASS %s\n", name);
}

void fuzz_fail(const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	nfail++;
	uprintf("\nFAIL %s: %s\n", name, why);
}

void fuzz_anomaly(const char *replay, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nanomalies++;
	uprintf("\nANOMALY %s: %s\nREPLAY make run RUN_ARGS=\"%s\"\n", prog_name, what, replay);
}

uint64_t fuzz_anomalies(void)
{
	return nanomalies;
}

int fuzz_finish(void)
{
	uprintf("\n%d passed, %d failed\n", npass, nfail);
	return nfail;
}

/* --- time and tasks --------------------------------------------------------- */

uint64_t fuzz_now_ms(void)
{
	static uint64_t hz;
	if (!hz) {
		struct sysinfo si;
		sys_sysinfo(&si);
		hz = si.timebase_hz ? si.timebase_hz : 10000000;
	}
	return rd_time() / (hz / 1000);
}

void fuzz_prefault(void *p, size_t n)
{
	volatile char *c = p;
	for (size_t off = 0; off < n; off += FUZZ_PAGE)
		c[off] = 0;
	if (n)
		c[n - 1] = 0;
}

/*
 * A thread of ours blocks in SYS_TASK_WAIT (which has no timeout) and
 * signals `done`; the caller waits on that with a deadline. After a
 * timeout the waiter still waits for the same task: the caller must kill
 * it (fuzz_kill_task) before waiting for another.
 */
static uint64_t echo_stack[512] __attribute__((aligned(16)));

static struct {
	int go, done;       /* notifications */
	volatile int target;
	volatile long status;
	int busy_with;      /* task the waiter is blocked on, 0: idle */
	bool stuck;         /* a task that would not die holds it for good */
} waiter;
static uint64_t waiter_stack[1024] __attribute__((aligned(16)));

static void waiter_thread(void *arg)
{
	for (;;) {
		uint64_t bits;
		if (notify_wait(waiter.go, &bits, 0) < 0)
			return;
		waiter.status = sys_task_wait(waiter.target);
		notify_signal(waiter.done, 1);
	}
}

static bool waiter_start(void)
{
	if (waiter.go)
		return true;
	long go = sys_notify_create(), done = sys_notify_create();
	if (go < 0 || done < 0)
		return false;
	waiter.go = (int)go;
	waiter.done = (int)done;
	fuzz_prefault(waiter_stack, sizeof(waiter_stack));
	fuzz_prefault(echo_stack, sizeof(echo_stack));
	return thread_spawn(waiter_thread, 0, waiter_stack, sizeof(waiter_stack),
			    PRIO_DEFAULT) > 0;
}

/* Polls the task's state every 10 ms: the fallback once the waiter is
 * stuck on a task that never ended. */
static long poll_task(int h, uint64_t ms)
{
	uint64_t end = fuzz_now_ms() + ms;
	for (;;) {
		struct task_info ti;
		if (sys_task_info(h, &ti) < 0)
			return -E_BADH;
		if (ti.state == TASK_DEAD)
			return ti.status;
		if (fuzz_now_ms() >= end)
			return -E_TIMEOUT;
		sys_sleep(10 * FUZZ_MS);
	}
}

long fuzz_wait_task(int h, uint64_t ms)
{
	if (waiter.stuck || !waiter_start())
		return poll_task(h, ms);
	if (waiter.busy_with != h) {
		waiter.target = h;
		waiter.busy_with = h;
		notify_signal(waiter.go, 1);
	}
	uint64_t bits;
	if (notify_wait(waiter.done, &bits, ms * FUZZ_MS) < 0)
		return -E_TIMEOUT;
	waiter.busy_with = 0;
	return waiter.status;
}

long fuzz_kill_task(int h, uint64_t ms)
{
	sys_task_kill(h);
	long st = fuzz_wait_task(h, ms);
	if (st == -E_TIMEOUT)
		waiter.stuck = true;
	return st;
}

/* --- the health check ----------------------------------------------------- */

void fuzz_snapshot(struct fuzz_health *h)
{
	struct sysinfo si = { 0 };
	struct vm_stats st = { 0 };
	sys_sysinfo(&si);
	sys_vm_stats(&st);
	*h = (struct fuzz_health){ .frames_free = si.frames_free, .objects = st.objects,
				   .requests = st.requests, .tasks = si.ntasks,
				   .threads = si.nthreads, .kmem = si.kmem_bytes };
}

#define SERVER_TIMEOUT (2000 * FUZZ_MS)
#define HEALTH_VA 0x3f80000000ul /* where the zero-pager check maps its page */

int fuzz_zero_pager(void)
{
	static int zero = -1;
	if (zero < 0) {
		long h = name_lookup(H_NAME, ibuf, "pager.zero");
		if (h < 0)
			return (int)h;
		zero = (int)h;
	}
	return zero;
}

static bool name_answers(char *why, int n)
{
	long h = name_lookup(H_NAME, ibuf, "console");
	if (h < 0) {
		fmt_snprintf(why, (size_t)n, "name server: lookup console: %s", err_name(h));
		return false;
	}
	sys_handle_close((int)h);
	return true;
}

static bool console_answers(char *why, int n)
{
	if (!handle_is(H_CONSOLE, OBJ_ENDPOINT, R_SEND))
		return true; /* started without a console: nothing to ask */
	long err = ipc_request_timed(H_CONSOLE, ibuf, CONS_FLUSH, 0, 0, 0, 0, 0, 0, 0, 0,
				     SERVER_TIMEOUT);
	if (err)
		fmt_snprintf(why, (size_t)n, "console: flush: %s", err_name(err));
	return err == 0;
}

/* A one-page object from the zero pager, mapped, read, written. */
static bool zero_pager_answers(char *why, int n)
{
	int zp = fuzz_zero_pager();
	uint64_t w[1] = { FUZZ_PAGE };
	long err = zp < 0 ? zp
		: ipc_request_timed(zp, ibuf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0,
				    SERVER_TIMEOUT);
	int vmo = err ? -1 : ibuf->handles[0];
	if (!err)
		err = vm_map(vmo, HEALTH_VA, FUZZ_PAGE, 0, VM_R | VM_W | VM_SHARED);
	if (!err) {
		volatile uint64_t *p = (volatile uint64_t *)HEALTH_VA;
		if (p[7] != 0)
			err = -E_FORMAT;
		p[7] = 0x5eed;
		vm_unmap(HEALTH_VA, FUZZ_PAGE);
	}
	if (vmo >= 0)
		sys_handle_close(vmo);
	if (err)
		fmt_snprintf(why, (size_t)n, "zero pager: %s", err_name(err));
	return err == 0;
}

static void echo_thread(void *arg)
{
	int ep = (int)(intptr_t)arg;
	struct ipc_msg m;
	long err = ipc_recv(ep, &m, SERVER_TIMEOUT);
	for (int i = 0; i < 2 && !err; i++) {
		m.w[0]++;
		err = i == 0 ? ipc_reply_recv(ep, &m, SERVER_TIMEOUT) : ipc_reply(&m);
	}
}

/* Two calls to a thread of ours: register-only (fast path), then the
 * same forced onto the slow path. */
static bool ipc_answers(char *why, int n)
{
	long ep = sys_endpoint_create();
	long th = ep < 0 ? ep
		: thread_spawn(echo_thread, (void *)(intptr_t)ep, echo_stack, sizeof(echo_stack),
			       PRIO_DEFAULT);
	long err = th < 0 ? th : 0;
	for (int i = 0; i < 2 && !err; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(1, 1, 0) | (i ? IPC_TAG_SLOW : 0),
				     .w = { 41 + (uint64_t)i } };
		err = ipc_call((int)ep, &m, SERVER_TIMEOUT);
		if (!err && m.w[0] != 42 + (uint64_t)i)
			err = -E_FORMAT;
	}
	if (th >= 0) {
		sys_sleep(FUZZ_MS); /* let the echo thread end */
		sys_handle_close((int)th);
	}
	if (ep >= 0)
		sys_handle_close((int)ep);
	if (err)
		fmt_snprintf(why, (size_t)n, "IPC round trip: %s", err_name(err));
	return err == 0;
}

bool fuzz_servers_answer(char *why, int n)
{
	return name_answers(why, n) && console_answers(why, n) && zero_pager_answers(why, n) &&
	       ipc_answers(why, n);
}

/* The zero pager's pool at its usual 64 pages (emptied first: a prefill
 * only adds) and clusters of one: the baseline and the final check see
 * the same wired memory there. */
static bool zero_pager_reset(char *why, int n)
{
	int zp = fuzz_zero_pager();
	uint64_t one[1] = { 1 }, pool[1] = { 64 };
	long err = zp < 0 ? zp
		: ipc_request_timed(zp, ibuf, ZERO_CLUSTER, one, 1, 0, 0, 0, 0, 0, 0,
				    SERVER_TIMEOUT);
	if (!err)
		err = ipc_request_timed(zp, ibuf, ZERO_DRAIN, 0, 0, 0, 0, 0, 0, 0, 0,
					SERVER_TIMEOUT);
	if (!err)
		err = ipc_request_timed(zp, ibuf, ZERO_PREFILL, pool, 1, 0, 0, 0, 0, 0, 0,
					SERVER_TIMEOUT);
	if (err)
		fmt_snprintf(why, (size_t)n, "zero pager: reset: %s", err_name(err));
	return err == 0;
}

bool fuzz_baseline(struct fuzz_health *base, char *why, int n)
{
	if (!waiter_start()) {
		fmt_snprintf(why, (size_t)n, "no waiter thread");
		return false;
	}
	/* Twice: the first round makes what lives on (page tables of the
	 * check's mapping, the kernel's request cache). */
	for (int i = 0; i < 2; i++)
		if (!fuzz_servers_answer(why, n) || !zero_pager_reset(why, n))
			return false;
	sys_sleep(20 * FUZZ_MS); /* the zero pager's TERMINATE for the check's object */
	fuzz_snapshot(base);
	return true;
}

/*
 * Compared exactly: tasks, threads, memory objects, pager requests.
 * Free frames may differ by FRAME_SLACK: which kernel slab page a freed
 * object came from and the requests the kernel keeps for reuse (up to
 * 16) decide whether a partly used slab frame stays allocated. A leak of
 * a frame per child task or round shows as hundreds.
 */
#define FRAME_SLACK 4

static bool figures_back(const struct fuzz_health *base, const struct fuzz_health *now)
{
	uint64_t lo = base->frames_free > FRAME_SLACK ? base->frames_free - FRAME_SLACK : 0;
	return now->tasks == base->tasks && now->threads == base->threads &&
	       now->objects == base->objects && now->requests == base->requests &&
	       now->frames_free >= lo;
}

bool fuzz_health(const struct fuzz_health *base, uint64_t settle_ms, char *why, int n)
{
	if (!fuzz_servers_answer(why, n) || !zero_pager_reset(why, n))
		return false;
	uint64_t end = fuzz_now_ms() + settle_ms;
	struct fuzz_health now;
	for (;;) {
		fuzz_snapshot(&now);
		if (figures_back(base, &now))
			break;
		if (fuzz_now_ms() >= end) {
			fmt_snprintf(why, (size_t)n,
				     "not back after %lu ms: frames free %lu (was %lu), objects "
				     "%lu (%lu), requests %lu (%lu), tasks %lu (%lu), threads "
				     "%lu (%lu)",
				     (unsigned long)settle_ms, (unsigned long)now.frames_free,
				     (unsigned long)base->frames_free, (unsigned long)now.objects,
				     (unsigned long)base->objects, (unsigned long)now.requests,
				     (unsigned long)base->requests, (unsigned long)now.tasks,
				     (unsigned long)base->tasks, (unsigned long)now.threads,
				     (unsigned long)base->threads);
			return false;
		}
		sys_sleep(20 * FUZZ_MS);
	}
	uprintf("\n%s: health: frames free %lu (baseline %lu), kernel memory %lu bytes "
		"(baseline %lu)\n",
		prog_name, (unsigned long)now.frames_free, (unsigned long)base->frames_free,
		(unsigned long)now.kmem, (unsigned long)base->kmem);
	return true;
}
