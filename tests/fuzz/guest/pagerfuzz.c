/*
 * pagerfuzz: a misbehaving pager (tests/fuzz/guest/pagerfuzz.h).
 *
 *   pagerfuzz [seed=S] [seeds=K] [rounds=N] [first=R]
 *   pagerfuzz seed=S round=R        replay one round, every answer printed
 *
 * Each seed runs its rounds and ends with a health check: one PASS or
 * FAIL line per seed, then totals (rounds, faults answered, anomalies).
 */
#include "tests/fuzz/guest/pagerfuzz.h"

#include <stdarg.h>

#include "libipc/spawn.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"

#define KICK_BADGE 0x6b1c0000ull
#define KICK_LABEL 0x6b1c

enum kind { KIND_OURS, KIND_SUB, KIND_SELF };
static const char *const kind_names[] = { "pager: the fuzzer", "pager: a child",
					  "pager: the toucher itself" };

static struct ipc_buffer buf;
static struct {
	int ep;            /* our pager endpoint, receive side */
	int fb;            /* the fallback endpoint the fallback thread serves */
	volatile int fb_vmo; /* the round's object for it, -1: none */
	volatile uint64_t fb_badge, fb_answers;
	volatile int kick; /* a send handle to it for the kicker thread, -1: none */
	int obj;           /* a kernel zero-fill object mapped at OBJ_VA */
	uint64_t src_next; /* next free SRC slot */
	volatile uint64_t recv_since; /* ms the main thread entered a receive */
	uint64_t rounds, faults, anomalies, killed;
} pf;

/* --- supply pages ---------------------------------------------------------- */

/* Slots are used in order; when they run out every slot is unmapped
 * (pages a supply left with us included) and the order starts again. */
uint64_t src_run(struct round *rd, uint64_t first, uint64_t n)
{
	if (pf.src_next + n > SRC_SLOTS) {
		vm_unmap(SRC_VA, SRC_SLOTS * FUZZ_PAGE);
		pf.src_next = 0;
	}
	uint64_t va = SRC_VA + pf.src_next * FUZZ_PAGE;
	if (mem_wire(va, n * FUZZ_PAGE, VM_R | VM_W))
		return 0;
	pf.src_next += n;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *w = (uint64_t *)(va + i * FUZZ_PAGE);
		for (uint64_t k = 0; k < FUZZ_PAGE / 8; k++)
			w[k] = pat_word(rd->n, first + i, k);
	}
	return va;
}

uint64_t src_page(struct round *rd, uint64_t p)
{
	return src_run(rd, p, 1);
}

/* --- reports ----------------------------------------------------------------- */

void round_note(struct round *rd, const char *what)
{
	size_t len = strlen(rd->what);
	if (len + strlen(what) + 2 < sizeof(rd->what))
		fmt_snprintf(rd->what + len, sizeof(rd->what) - len, "%s%s", len ? "," : "", what);
	if (rd->verbose)
		uprintf("pagerfuzz: round %lu: %s\n", (unsigned long)rd->n, what);
}

void round_anomaly(struct round *rd, const char *fmt, ...)
{
	char what[200], replay[64];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fmt_snprintf(replay, sizeof(replay), "pagerfuzz seed=%lu round=%lu",
		     (unsigned long)rd->seed, (unsigned long)rd->n);
	fuzz_anomaly(replay, "round %lu: %s (answers: %s)", (unsigned long)rd->n, what, rd->what);
	rd->anomalies++;
}

/* --- the kicker: wakes a receive that has no timeout ---------------------- */

/* pager_supply_recv waits for the next message without a deadline; when
 * none comes (the toucher is done), this thread sends one. */
static void kicker(void *arg)
{
	for (;;) {
		sys_sleep(20 * FUZZ_MS);
		uint64_t since = pf.recv_since;
		int h = pf.kick;
		if (since && h >= 0 && fuzz_now_ms() - since > 30) {
			struct ipc_msg m = { .tag = IPC_TAG(KICK_LABEL, 0, 0) };
			ipc_send(h, &m);
		}
	}
}

static uint64_t kicker_stack[512] __attribute__((aligned(16)));

/* --- the fallback pager: a well-behaved thread on its own endpoint --------- */

/* Answers the FAULTs an object's failover brings: zeros, or an unlock
 * for a resident page. Results are not judged here (the main thread may
 * close the object under it); the toucher's fate is. */
static void fallback_thread(void *arg)
{
	for (;;) {
		struct ipc_msg m;
		if (ipc_recv(pf.fb, &m, 50 * FUZZ_MS) != 0)
			continue;
		int vmo = pf.fb_vmo;
		if (!(m.tag & IPC_TAG_KERNEL) || IPC_TAG_LABEL(m.tag) != PAGER_FAULT ||
		    m.badge != pf.fb_badge || vmo < 0)
			continue;
		uint8_t st = 0;
		pager_query(vmo, m.w[0], 1, &st, 0);
		if (st & PAGE_RESIDENT)
			pager_lock(vmo, m.w[0], 1, LOCK_UNLOCK, PAGER_EPOCH_FIRST);
		else
			pager_supply(vmo, m.w[0], 0, 1, VM_R | VM_W, PAGER_EPOCH_FIRST);
		pf.fb_answers++;
	}
}

static uint64_t fallback_stack[512] __attribute__((aligned(16)));

/* A new endpoint (at start, and after a round destroyed the last one). */
static bool new_endpoint(void)
{
	int old = pf.kick;
	pf.kick = -1;
	if (old >= 0)
		sys_handle_close(old);
	long ep = sys_endpoint_create();
	long kick = ep < 0 ? ep : sys_handle_mint((int)ep, R_SEND, KICK_BADGE);
	if (kick < 0)
		return false;
	pf.ep = (int)ep;
	pf.kick = (int)kick;
	return true;
}

/* --- one round --------------------------------------------------------------- */

struct setup {
	enum kind kind;
	uint64_t deadline_ms;
	int fallback; /* 0 none, 1 our fallback thread; refused: 2 the zero
		       * pager (no R_RECV), 3 the object's own pager */
	bool private_map;
	int threads;
	enum sub_act act;
	int toucher, sub; /* task handles, -1: none */
	uint64_t kill_sub_at;
};

static int spawn_kid(const char *args, const int32_t *hs, const uint32_t *rights, uint32_t nh)
{
	char blob[200];
	size_t len = strlen(args) + 1;
	memcpy(blob, args, len);
	for (size_t i = 0; i < len; i++)
		if (blob[i] == ' ')
			blob[i] = 0;
	return spawn_module(module_lookup("pagerfuzz"), blob, len, hs, rights, nh, PRIO_DEFAULT - 1);
}

/* The object from a child pager: it calls us with a handle to it. */
static long sub_hello(struct round *rd, struct setup *su)
{
	char args[160];
	fmt_snprintf(args, sizeof(args),
		     "pagerfuzz sub seed=%lu round=%lu pages=%lu act=%d fallback=%d fbbadge=%lu "
		     "deadline=%lu",
		     (unsigned long)rd->seed, (unsigned long)rd->n, (unsigned long)rd->npages,
		     (int)su->act, su->fallback == 1, (unsigned long)rd->fb_badge,
		     (unsigned long)su->deadline_ms);
	long hello = sys_handle_mint(pf.ep, R_SEND | R_GRANT, HELLO_BADGE);
	int32_t hs[2] = { (int32_t)hello, pf.fb };
	uint32_t rights[2] = { R_SEND | R_GRANT, R_RECV };
	su->sub = hello < 0 ? (int)hello : spawn_kid(args, hs, rights, 2);
	if (hello >= 0)
		sys_handle_close((int)hello);
	if (su->sub < 0)
		return su->sub;
	struct ipc_msg m;
	uint64_t end = fuzz_now_ms() + 2000;
	while (fuzz_now_ms() < end) {
		if (ipc_recv(pf.ep, &m, 50 * FUZZ_MS) != 0)
			continue;
		if (m.badge == HELLO_BADGE && IPC_TAG_LABEL(m.tag) == HELLO_LABEL &&
		    IPC_TAG_HANDLES(m.tag) == 1) {
			rd->vmo = buf.handles[0];
			m.tag = 0;
			ipc_reply(&m);
			return 0;
		}
	}
	return -E_TIMEOUT;
}

/* The deadline and fallback of our object. A fallback we only send to
 * (the zero pager) or the object's own pager must be refused. */
static long set_fallback(struct round *rd, const struct setup *su)
{
	static const long want[] = { 0, 0, -E_PERM, -E_INVAL };
	int fb = (int[]){ -1, pf.fb, fuzz_zero_pager(), pf.ep }[su->fallback];
	long err = vmo_set(rd->vmo, fb, rd->fb_badge, su->deadline_ms);
	if (err != want[su->fallback])
		round_anomaly(rd, "vmo_set with fallback %d returned %s", su->fallback,
			      err_name(err));
	return err == want[su->fallback] && err ? vmo_set(rd->vmo, -1, 0, su->deadline_ms) : err;
}

/* Makes the round's object (ours or a child pager's) and starts the
 * toucher. */
static long round_start(struct round *rd, struct setup *su)
{
	char args[160];
	long err = 0;
	if (su->kind == KIND_SELF) {
		fmt_snprintf(args, sizeof(args), "pagerfuzz self seed=%lu round=%lu deadline=%lu",
			     (unsigned long)rd->seed, (unsigned long)rd->n,
			     (unsigned long)su->deadline_ms);
		su->toucher = spawn_kid(args, 0, 0, 0);
		return su->toucher < 0 ? su->toucher : 0;
	}
	if (su->kind == KIND_SUB) {
		err = sub_hello(rd, su);
	} else {
		long v = vmo_create(rd->npages * FUZZ_PAGE, pf.ep, rd->badge);
		rd->vmo = v < 0 ? -1 : (int)v;
		err = v < 0 ? v : set_fallback(rd, su);
	}
	long weak = err ? err : sys_handle_copy(rd->vmo, R_MAP | R_READ | R_GRANT);
	if (weak < 0)
		return weak;
	rd->weak = (int)weak;
	fmt_snprintf(args, sizeof(args),
		     "pagerfuzz touch seed=%lu round=%lu pages=%lu private=%d threads=%d",
		     (unsigned long)rd->seed, (unsigned long)rd->n, (unsigned long)rd->npages,
		     su->private_map, su->threads);
	int32_t hs[1] = { rd->weak };
	uint32_t rights[1] = { R_MAP | R_READ };
	su->toucher = spawn_kid(args, hs, rights, 1);
	return su->toucher < 0 ? su->toucher : 0;
}

static bool task_dead(int h)
{
	struct task_info ti;
	return sys_task_info(h, &ti) < 0 || ti.state == TASK_DEAD;
}

/* Answers FAULTs until the toucher is gone (or the round's time is up). */
static bool round_serve(struct round *rd, struct setup *su)
{
	uint64_t end = fuzz_now_ms() + ROUND_MS;
	bool pending = false;
	struct ipc_msg m;
	while (!task_dead(su->toucher)) {
		uint64_t now = fuzz_now_ms();
		if (now >= end)
			return false;
		if (su->kill_sub_at && now >= su->kill_sub_at && su->sub >= 0) {
			sys_task_kill(su->sub);
			su->kill_sub_at = 0;
		}
		if (!pending) {
			if (rd->ep_dead) {
				sys_sleep(10 * FUZZ_MS);
				continue;
			}
			if (ipc_recv(pf.ep, &m, 20 * FUZZ_MS) != 0)
				continue;
		}
		pending = false;
		bool ours = (m.tag & IPC_TAG_KERNEL) && m.badge == rd->badge;
		if (IPC_TAG_LABEL(m.tag) == PAGER_FAULT && ours) {
			rd->faults++;
			pf.recv_since = fuzz_now_ms(); /* answers may receive without deadline */
			pager_answer(rd, &m, &pending);
			pf.recv_since = 0;
		}
	}
	return true;
}

/* How the toucher ended, against what the answers allow. */
static void round_judge(struct round *rd, const struct setup *su, long st, bool ended)
{
	bool by_pager = st == (TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	bool harmful = rd->harmful || su->kind != KIND_OURS;
	pf.killed += by_pager;
	if (!ended)
		round_anomaly(rd, "the toucher was still there after %d ms", ROUND_MS);
	else if (st == 0 && su->kind != KIND_SELF)
		return;
	else if (by_pager && harmful)
		return;
	else if (st == 1)
		round_anomaly(rd, "the toucher read a word no supply put there (its line says which)");
	else if (st >= 0 && st < 0x100 && st != 0)
		round_anomaly(rd, "the toucher exited with %ld (2 and up: it could not start)", st);
	else
		round_anomaly(rd, "the toucher ended with status 0x%lx", (unsigned long)st);
}

static void round_setup(struct round *rd, struct setup *su)
{
	struct rng *r = &rd->rng;
	uint64_t k = rng_below(r, 100);
	*su = (struct setup){
		.kind = k < 75 ? KIND_OURS : k < 93 ? KIND_SUB : KIND_SELF,
		.deadline_ms = 20 + rng_below(r, 81),
		.fallback = (int)(uint64_t[]){ 0, 0, 0, 1, 1, 1, 2, 3 }[rng_below(r, 8)],
		.private_map = rng_one_in(r, 2),
		.threads = rng_one_in(r, 2) ? 2 : 1,
		.act = (enum sub_act)rng_below(r, SUB_NACTS),
		.toucher = -1, .sub = -1,
	};
	rd->npages = 1 + rng_below(r, MAX_PAGES);
	rd->badge = (rd->n + 1) << 8 | 1;
	rd->fb_badge = (rd->n + 1) << 8 | 2;
	if (su->kind == KIND_SUB && su->fallback > 1)
		su->fallback = 1; /* the refusals are checked on our own objects */
	if (su->kind == KIND_SUB && su->act == SUB_WAIT)
		su->kill_sub_at = fuzz_now_ms() + 10 + rng_below(r, 60);
	if (rd->verbose)
		uprintf("pagerfuzz: round %lu: %s, %lu pages, deadline %lu ms, fallback %d, "
			"%s mapping, %d threads, child act %d\n",
			(unsigned long)rd->n, kind_names[su->kind], (unsigned long)rd->npages,
			(unsigned long)su->deadline_ms, su->fallback,
			su->private_map ? "private" : "shared", su->threads, (int)su->act);
}

/* Kills what is left, closes every handle, replaces a destroyed endpoint. */
static bool round_cleanup(struct round *rd, struct setup *su)
{
	bool ok = true;
	pf.fb_vmo = -1;
	if (su->sub >= 0) {
		ok = fuzz_kill_task(su->sub, 2000) != -E_TIMEOUT;
		sys_handle_close(su->sub);
	}
	if (su->toucher >= 0)
		sys_handle_close(su->toucher);
	if (rd->vmo >= 0)
		sys_handle_close(rd->vmo);
	if (rd->weak >= 0)
		sys_handle_close(rd->weak);
	if (rd->ep_dead) {
		sys_handle_close(pf.ep);
		ok = ok && new_endpoint();
	}
	return ok;
}

/* One round; false if the fuzzer cannot go on. */
static bool run_round(uint64_t seed, uint64_t n, bool verbose)
{
	struct round rd = { .seed = seed, .n = n, .vmo = -1, .weak = -1, .verbose = verbose };
	struct setup su;
	rng_seed(&rd.rng, seed, n * 4);
	rd.ep = pf.ep;
	round_setup(&rd, &su);
	long err = round_start(&rd, &su);
	pf.fb_badge = rd.fb_badge;
	pf.fb_vmo = su.fallback == 1 ? rd.vmo : -1;
	long st = 0;
	bool ended = true;
	if (err) {
		round_anomaly(&rd, "could not start the round: %s", err_name(err));
	} else {
		ended = round_serve(&rd, &su);
		st = ended ? fuzz_wait_task(su.toucher, 2000) : fuzz_kill_task(su.toucher, 2000);
		if (st == -E_TIMEOUT) {
			round_anomaly(&rd, "the kill did not end the toucher");
			return false;
		}
		round_judge(&rd, &su, st, ended);
	}
	if (verbose)
		uprintf("pagerfuzz: round %lu: toucher status 0x%lx, answers %s\n", (unsigned long)n,
			(unsigned long)st, rd.what);
	bool ok = round_cleanup(&rd, &su);
	if (!ok)
		round_anomaly(&rd, "a child pager would not die");
	pf.rounds++;
	pf.faults += rd.faults;
	pf.anomalies += rd.anomalies;
	return ok;
}

/* Our endpoint, the kicker, the object page bad supplies point at, and
 * the supply slots wired once (their page tables stay). */
static bool setup(char *why, int n)
{
	pf.kick = -1;
	pf.fb_vmo = -1;
	long fb = sys_endpoint_create();
	long obj = fb < 0 ? fb : vmo_create(FUZZ_PAGE, VMO_KERNEL_ZERO, 0);
	pf.fb = (int)fb;
	long err = obj < 0 ? obj : vm_map((int)obj, OBJ_VA, FUZZ_PAGE, 0, VM_R | VM_W | VM_SHARED);
	if (!err)
		err = new_endpoint() ? 0 : -E_NOMEM;
	if (!err)
		err = mem_wire(SRC_VA, SRC_SLOTS * FUZZ_PAGE, VM_R | VM_W);
	fuzz_prefault(kicker_stack, sizeof(kicker_stack));
	fuzz_prefault(fallback_stack, sizeof(fallback_stack));
	if (!err)
		err = thread_spawn(kicker, 0, kicker_stack, sizeof(kicker_stack), PRIO_DEFAULT) < 0;
	if (!err)
		err = thread_spawn(fallback_thread, 0, fallback_stack, sizeof(fallback_stack),
				   PRIO_DEFAULT) < 0;
	if (err) {
		fmt_snprintf(why, (size_t)n, "setup: %s", err_name(err));
		return false;
	}
	*(volatile uint64_t *)OBJ_VA = 1;
	vm_unmap(SRC_VA, SRC_SLOTS * FUZZ_PAGE);
	pf.obj = (int)obj;
	return true;
}

static bool run_seed(uint64_t seed, uint64_t first, uint64_t nrounds, bool verbose,
		     const struct fuzz_health *base)
{
	uint64_t r0 = pf.rounds, f0 = pf.faults, a0 = pf.anomalies, k0 = pf.killed;
	uint64_t b0 = pf.fb_answers, start = fuzz_now_ms();
	bool go_on = true;
	for (uint64_t n = first; n < first + nrounds && go_on; n++) {
		if (!verbose) /* the host script replays the last one after a panic */
			uprintf("pagerfuzz: seed %lu round %lu\n", (unsigned long)seed, (unsigned long)n);
		go_on = run_round(seed, n, verbose);
	}
	vm_unmap(SRC_VA, SRC_SLOTS * FUZZ_PAGE); /* pages no supply took */
	pf.src_next = 0;
	char why[320], name[40];
	fmt_snprintf(name, sizeof(name), "pagerfuzz_seed_%lu", (unsigned long)seed);
	bool healthy = go_on && fuzz_health(base, 5000, why, sizeof(why));
	uprintf("\npagerfuzz: totals seed=%lu rounds=%lu faults=%lu fallback_answers=%lu "
		"touchers_killed=%lu anomalies=%lu time_ms=%lu\n",
		(unsigned long)seed, (unsigned long)(pf.rounds - r0), (unsigned long)(pf.faults - f0),
		(unsigned long)(pf.fb_answers - b0), (unsigned long)(pf.killed - k0),
		(unsigned long)(pf.anomalies - a0), (unsigned long)(fuzz_now_ms() - start));
	if (!go_on)
		fuzz_fail(name, "a task would not die; stopped");
	else if (!healthy)
		fuzz_fail(name, "health check: %s", why);
	else if (pf.anomalies != a0)
		fuzz_fail(name, "%lu anomalies", (unsigned long)(pf.anomalies - a0));
	else
		fuzz_pass(name);
	return go_on && healthy;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "touch") == 0)
		return pagerkid_touch(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "self") == 0)
		return pagerkid_self(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "sub") == 0)
		return pagerkid_sub(argc, argv);
	struct fuzz_opt opts[] = {
		{ "seed", 1, false }, { "seeds", 1, false }, { "rounds", 100, false },
		{ "first", 0, false }, { "round", 0, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	fuzz_init("pagerfuzz", &buf);
	if (!fuzz_args_parse("pagerfuzz", argc, argv, 1, opts, nopts))
		return 2;
	uint64_t seed = fuzz_opt(opts, nopts, "seed"), nseeds = fuzz_opt(opts, nopts, "seeds");
	uint64_t first = fuzz_opt(opts, nopts, "first"), nrounds = fuzz_opt(opts, nopts, "rounds");
	bool verbose = fuzz_opt_given(opts, nopts, "round");
	if (verbose) {
		first = fuzz_opt(opts, nopts, "round");
		nrounds = 1;
		nseeds = 1;
	}
	char why[320];
	struct fuzz_health base;
	if (!setup(why, sizeof(why)) || !fuzz_baseline(&base, why, sizeof(why))) {
		fuzz_fail("pagerfuzz_setup", "%s", why);
		return fuzz_finish();
	}
	for (uint64_t s = seed; s < seed + nseeds; s++)
		if (!run_seed(s, first, nrounds, verbose, &base))
			break;
	uprintf("\npagerfuzz: all seed=%lu rounds=%lu faults=%lu anomalies=%lu\n",
		(unsigned long)seed, (unsigned long)pf.rounds, (unsigned long)pf.faults,
		(unsigned long)pf.anomalies);
	return fuzz_finish();
}
