/*
 * msgfuzz: malformed messages to every server a normal task can reach:
 * the name server, the console server (under three kinds of badge: the
 * one init gave us, the shared one published as "console", one of its own
 * from CONS_OPEN) and the zero pager.
 *
 *   msgfuzz [seed=S] [seeds=K] [count=N] [first=I]
 *   msgfuzz seed=S msg=I          replay message I alone, printed
 *
 * Message I of seed S comes from the generator stream (S, I): a target,
 * a label (mostly the server's own, sometimes any), a word count (up to
 * 64, and past it), words (the fields the server reads, at their edges;
 * elsewhere any value), handles (ours of every kind, bad slots) with any
 * rights, and the slow-path flag. It goes out with call and a deadline
 * (or, now and then, send). What must hold:
 *   - every call is answered in time, with a status label from the error
 *     set (servers never stay silent on a bad request);
 *   - every CHECK_EVERY messages, and at the end, each server answers a
 *     valid request (fuzz_servers_answer); the run ends with the health
 *     check.
 * Names do get registered (the name server holds at most NAME_PER_CLIENT
 * for us, and drops them when our endpoint dies with us); taken and
 * reserved names are tried too. Console output is kept to printable bytes and newlines: the console
 * passes bytes through unread, and the log is read by people.
 */
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/zero/zero_proto.h"
#include "servers/console/console_proto.h"
#include "servers/name/name_proto.h"
#include "tests/fuzz/guest/fuzz.h"

#define CALL_TIMEOUT (2000 * FUZZ_MS)
#define CHECK_EVERY 250
#define TOUCH_VA 0x3000000000ul /* a zero-pager object's page, touched */

enum target { T_NAME, T_CONSOLE, T_CONSOLE_SHARED, T_CONSOLE_OPENED, T_ZERO, T_N };
static const char *const target_names[T_N] = { "name", "console", "console(shared)",
					       "console(opened)", "zero" };

static struct ipc_buffer buf;
static struct {
	int h[T_N];      /* send handles, -1: none */
	int note, ep, vmo; /* handles of ours to hand over */
	uint64_t sent, replies, refused_by_kernel, anomalies, per_target[T_N];
	uint64_t seed;
	uint64_t zero_objects; /* objects the zero pager keeps when we hold none */
	bool verbose;
} mf;

struct msg {
	enum target t;
	uint64_t tag;
	uint64_t w[IPC_MAX_WORDS];
	int32_t handles[IPC_MAX_HANDLES];
	uint32_t rights[IPC_MAX_HANDLES];
	bool send_only;
};

/* --- generating one message ------------------------------------------------ */

static int32_t gen_handle(struct rng *r)
{
	int32_t ours[] = { mf.note, mf.ep, mf.vmo, H_SELF, H_NAME, H_CONSOLE, 127, -1 };
	return ours[rng_below(r, sizeof(ours) / sizeof(ours[0]))];
}

static uint32_t label_count(enum target t)
{
	return t == T_NAME ? NAME_RESERVE : t == T_ZERO ? ZERO_CLUSTER : CONS_IRQ;
}

/* A name: valid ones (taken or not), and broken ones of every kind. */
static void gen_name(struct rng *r, uint64_t *w)
{
	static const char *const names[] = { "console", "pager.zero", "nope", "a", "fuzz-1",
					     "UPPER", "sp ace", "", "x.y_z-0" };
	char n[40] = { 0 };
	uint64_t k = rng_below(r, 12);
	if (k < sizeof(names) / sizeof(names[0]))
		memcpy(n, names[k], strlen(names[k]));
	else if (k == 9)
		memset(n, 'a', 32); /* no NUL in 32 bytes */
	else
		for (int i = 0; i < 32; i++)
			n[i] = (char)rng_next(r);
	memcpy(w, n, 32);
	if (rng_one_in(r, 6))
		w[rng_below(r, 4)] ^= 1ull << rng_below(r, 64); /* a flipped bit anywhere */
}

/* Console data: printable bytes and newlines (see the top comment), and
 * no capitals, so no line of it reads as a PANIC or ANOMALY to the host
 * scripts. */
static void gen_text(struct rng *r, uint64_t *w, uint32_t nwords)
{
	char *c = (char *)w;
	for (uint32_t i = 0; i < nwords * 8; i++) {
		char ch = (char)(' ' + rng_below(r, 95));
		c[i] = rng_one_in(r, 40) ? '\n' : ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
}

/* The fields the server reads, at their edges. */
static void gen_fields(struct rng *r, struct msg *m, uint32_t label, uint32_t words)
{
	uint64_t *w = m->w;
	if (m->t == T_NAME) {
		if (label == NAME_LIST)
			w[0] = rng_one_in(r, 2) ? rng_below(r, 40) : rng_edge(r);
		else
			gen_name(r, w);
	} else if (m->t == T_ZERO) {
		static const uint64_t sizes[] = { 0, 1, 4096, 8192, 4095, 65536, 1ull << 30,
						  (1ull << 30) + 4096, (uint64_t)-4096 };
		if (label == ZERO_CREATE)
			w[0] = sizes[rng_below(r, sizeof(sizes) / sizeof(sizes[0]))];
		else if (label == ZERO_PREFILL || label == ZERO_CLUSTER)
			w[0] = (uint64_t[]){ 0, 1, 2, 16, 64, 65, 256, 257, (uint64_t)-1 }[rng_below(r, 9)];
	} else if (label == CONS_WRITE) {
		gen_text(r, &w[1], IPC_MAX_WORDS - 1);
		uint64_t fit = words > 1 ? (words - 1) * 8 : 0;
		w[0] = (uint64_t[]){ 0, 1, fit, fit ? fit - 3 : 0, fit + 1, CONS_DATA_MAX,
				     CONS_DATA_MAX + 1, rng_edge(r) }[rng_below(r, 8)];
	} else if (label == CONS_READ) {
		w[0] = (uint64_t[]){ 0, 1, 16, CONS_DATA_MAX, CONS_DATA_MAX + 1, rng_edge(r) }
			[rng_below(r, 6)];
	} else if (label == CONS_SUBSCRIBE) {
		w[0] = rng_one_in(r, 4) ? 0 : rng_edge(r) | 1;
	}
}

static void gen_msg(struct rng *r, struct msg *m)
{
	*m = (struct msg){ .t = (enum target)rng_below(r, T_N) };
	uint64_t p = rng_below(r, 100);
	uint32_t label = p < 70 ? 1 + (uint32_t)rng_below(r, label_count(m->t))
		: p < 80 ? (uint32_t)rng_below(r, 12)
		: p < 85 ? (uint32_t)(rng_one_in(r, 2) ? PAGER_FAULT : PAGER_TERMINATE)
		: (uint32_t)rng_next(r);
	p = rng_below(r, 100);
	uint32_t words = p < 40 ? (uint32_t)rng_below(r, 5) : p < 92 ? 5 + (uint32_t)rng_below(r, 60)
		: 65 + (uint32_t)rng_below(r, 191);
	p = rng_below(r, 100);
	uint32_t nh = p < 60 ? 0 : p < 85 ? 1 : p < 95 ? 2 + (uint32_t)rng_below(r, 3)
		: 5 + (uint32_t)rng_below(r, 11);
	for (int i = 0; i < IPC_MAX_WORDS; i++)
		m->w[i] = rng_edge(r);
	if (m->t != T_NAME && m->t != T_ZERO)
		gen_text(r, &m->w[1], IPC_MAX_WORDS - 1); /* whatever the label: printable */
	gen_fields(r, m, label, words);
	for (int i = 0; i < IPC_MAX_HANDLES; i++) {
		m->handles[i] = gen_handle(r);
		m->rights[i] = (uint32_t)(rng_one_in(r, 2) ? R_ALL : rng_below(r, 128));
	}
	m->tag = IPC_TAG(label, words, nh);
	if (rng_one_in(r, 5))
		m->tag |= IPC_TAG_SLOW;
	if (rng_one_in(r, 25))
		m->tag |= rng_next(r) & 0xfffef000ull; /* bits no tag may have */
	m->send_only = rng_one_in(r, 10);
}

/* --- sending and judging ---------------------------------------------------- */

static void replay_of(char *out, int n, uint64_t i)
{
	fmt_snprintf(out, (size_t)n, "msgfuzz seed=%lu msg=%lu", (unsigned long)mf.seed,
		     (unsigned long)i);
}

static void anomaly(uint64_t i, const struct msg *m, const char *what, long v)
{
	char replay[64];
	replay_of(replay, sizeof(replay), i);
	fuzz_anomaly(replay, "message %lu to %s (tag 0x%lx): %s %ld (messages 0..%lu replay with "
		     "first=0 count=%lu)", (unsigned long)i, target_names[m->t],
		     (unsigned long)m->tag, what, v, (unsigned long)i, (unsigned long)i + 1);
	mf.anomalies++;
}

/* Handles that came back: a console handle of our own badge is kept as
 * the CONS_OPEN target; an object is mapped and a page of it read now
 * and then (a fault through the zero pager); the rest are closed. */
static void take_handles(struct rng *r, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < IPC_MAX_HANDLES; i++) {
		int h = buf.handles[i];
		struct handle_info hi;
		if (sys_handle_info(h, &hi))
			continue;
		if (hi.type == OBJ_ENDPOINT && hi.badge >= CONS_BADGE_OPENED &&
		    hi.badge < CONS_BADGE_SHARED) {
			if (mf.h[T_CONSOLE_OPENED] >= 0)
				sys_handle_close(mf.h[T_CONSOLE_OPENED]);
			mf.h[T_CONSOLE_OPENED] = h;
			continue;
		}
		if (hi.type == OBJ_VMO && rng_one_in(r, 4) &&
		    vm_map(h, TOUCH_VA, FUZZ_PAGE, 0, VM_R | VM_SHARED) == 0) {
			(void)*(volatile uint64_t *)TOUCH_VA;
			vm_unmap(TOUCH_VA, FUZZ_PAGE);
		}
		sys_handle_close(h);
	}
}

static void print_msg(uint64_t i, const struct msg *m)
{
	uprintf("msgfuzz: #%lu %s %s tag 0x%lx w 0x%lx 0x%lx 0x%lx 0x%lx handles %d %d %d %d\n",
		(unsigned long)i, m->send_only ? "send" : "call", target_names[m->t],
		(unsigned long)m->tag, (unsigned long)m->w[0], (unsigned long)m->w[1],
		(unsigned long)m->w[2], (unsigned long)m->w[3], m->handles[0], m->handles[1],
		m->handles[2], m->handles[3]);
}

/* Objects the zero pager keeps (ZERO_STATS w3), or -1. */
static long zero_objects(void)
{
	uint64_t out[4];
	uint32_t n = 0;
	long err = ipc_request_timed(mf.h[T_ZERO], &buf, ZERO_STATS, 0, 0, 0, 0, 0, out, 4, &n,
				     CALL_TIMEOUT);
	return err || n < 4 ? -1 : (long)out[3];
}

/* We close every object the zero pager gives us, so it must forget each
 * (PAGER_TERMINATE comes before our next request): one it keeps is an
 * object nobody can ever free. */
static void zero_keeps_nothing(uint64_t i, const struct msg *m)
{
	long n = zero_objects();
	if (n < 0 || (uint64_t)n == mf.zero_objects)
		return;
	anomaly(i, m, "the zero pager now keeps objects nobody holds:", n);
	mf.zero_objects = (uint64_t)n;
}

/* Message i: made, sent, its answer checked. */
static void fuzz_one(uint64_t i)
{
	struct rng r;
	struct msg m;
	rng_seed(&r, mf.seed, i);
	gen_msg(&r, &m);
	if (mf.h[m.t] < 0) /* no CONS_OPEN answered yet: init's badge instead */
		m.t = T_CONSOLE;
	int h = mf.h[m.t];
	if (h < 0)
		return;
	if (mf.verbose)
		print_msg(i, &m);
	memcpy(&buf.mr[IPC_REG_WORDS], &m.w[IPC_REG_WORDS],
	       (IPC_MAX_WORDS - IPC_REG_WORDS) * sizeof(uint64_t));
	memcpy(buf.handles, m.handles, sizeof(m.handles));
	memcpy(buf.rights, m.rights, sizeof(m.rights));
	struct ipc_msg im = { .tag = m.tag, .w = { m.w[0], m.w[1], m.w[2], m.w[3] } };
	long err = m.send_only ? ipc_send(h, &im) : ipc_call(h, &im, CALL_TIMEOUT);
	mf.sent++;
	mf.per_target[m.t]++;
	if (mf.verbose)
		uprintf("msgfuzz: #%lu -> %ld (%s), reply tag 0x%lx\n", (unsigned long)i, err,
			err < 0 ? err_name(err) : "ok", (unsigned long)im.tag);
	if (err == -E_TIMEOUT || err == -E_DEAD || err == -E_CANCELED) {
		anomaly(i, &m, "the server did not answer:", err);
		return;
	}
	if (err) {
		mf.refused_by_kernel++;
		return;
	}
	if (!m.send_only) {
		mf.replies++;
		if (IPC_TAG_LABEL(im.tag) >= E_NCODES || IPC_TAG_WORDS(im.tag) > IPC_MAX_WORDS)
			anomaly(i, &m, "reply with a bad tag:", (long)im.tag);
		take_handles(&r, IPC_TAG_HANDLES(im.tag));
	}
	if (m.t == T_ZERO)
		zero_keeps_nothing(i, &m);
}

/* --- setup, slices, main ---------------------------------------------------- */

static bool setup(char *why, int n)
{
	for (int t = 0; t < T_N; t++)
		mf.h[t] = -1;
	mf.h[T_NAME] = H_NAME;
	if (handle_is(H_CONSOLE, OBJ_ENDPOINT, R_SEND))
		mf.h[T_CONSOLE] = H_CONSOLE;
	long shared = name_lookup(H_NAME, &buf, "console");
	mf.h[T_CONSOLE_SHARED] = shared < 0 ? -1 : (int)shared;
	mf.h[T_ZERO] = fuzz_zero_pager();
	long note = sys_notify_create(), ep = sys_endpoint_create();
	long vmo = vmo_create(FUZZ_PAGE, VMO_KERNEL_ZERO, 0);
	long err = note < 0 ? note : ep < 0 ? ep : vmo < 0 ? vmo : mf.h[T_ZERO] < 0 ? mf.h[T_ZERO] : 0;
	if (!err)
		err = vm_map((int)vmo, TOUCH_VA, FUZZ_PAGE, 0, VM_R | VM_SHARED);
	if (err) {
		fmt_snprintf(why, (size_t)n, "setup: %s", err_name(err));
		return false;
	}
	(void)*(volatile uint64_t *)TOUCH_VA; /* the page tables stay */
	vm_unmap(TOUCH_VA, FUZZ_PAGE);
	mf.note = (int)note;
	mf.ep = (int)ep;
	mf.vmo = (int)vmo;
	long zo = zero_objects();
	mf.zero_objects = zo < 0 ? 0 : (uint64_t)zo;
	return true;
}

static bool run_seed(uint64_t seed, uint64_t first, uint64_t count,
		     const struct fuzz_health *base)
{
	char why[320], name[40];
	uint64_t a0 = mf.anomalies, s0 = mf.sent, start = fuzz_now_ms();
	mf.seed = seed;
	for (uint64_t i = first; i < first + count; i++) {
		if (!mf.verbose && (i - first) % CHECK_EVERY == 0)
			uprintf("msgfuzz: seed %lu message %lu\n", (unsigned long)seed, (unsigned long)i);
		fuzz_one(i);
		if ((i + 1 - first) % CHECK_EVERY == 0 && !fuzz_servers_answer(why, sizeof(why))) {
			char replay[64];
			fmt_snprintf(replay, sizeof(replay), "msgfuzz seed=%lu first=%lu count=%lu",
				     (unsigned long)seed, (unsigned long)first,
				     (unsigned long)(i + 1 - first));
			fuzz_anomaly(replay, "after message %lu: %s", (unsigned long)i, why);
			mf.anomalies++;
			break;
		}
	}
	fmt_snprintf(name, sizeof(name), "msgfuzz_seed_%lu", (unsigned long)seed);
	bool healthy = fuzz_health(base, 5000, why, sizeof(why));
	uprintf("\nmsgfuzz: totals seed=%lu messages=%lu replies=%lu refused_by_kernel=%lu "
		"name=%lu console=%lu shared=%lu opened=%lu zero=%lu anomalies=%lu time_ms=%lu\n",
		(unsigned long)seed, (unsigned long)(mf.sent - s0), (unsigned long)mf.replies,
		(unsigned long)mf.refused_by_kernel, (unsigned long)mf.per_target[T_NAME],
		(unsigned long)mf.per_target[T_CONSOLE], (unsigned long)mf.per_target[T_CONSOLE_SHARED],
		(unsigned long)mf.per_target[T_CONSOLE_OPENED], (unsigned long)mf.per_target[T_ZERO],
		(unsigned long)(mf.anomalies - a0), (unsigned long)(fuzz_now_ms() - start));
	if (!healthy)
		fuzz_fail(name, "health check: %s", why);
	else if (mf.anomalies != a0)
		fuzz_fail(name, "%lu anomalies", (unsigned long)(mf.anomalies - a0));
	else
		fuzz_pass(name);
	return healthy;
}

int main(int argc, char **argv)
{
	struct fuzz_opt opts[] = {
		{ "seed", 1, false }, { "seeds", 1, false }, { "count", 2000, false },
		{ "first", 0, false }, { "msg", 0, false }, { "verbose", 0, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	fuzz_init("msgfuzz", &buf);
	if (!fuzz_args_parse("msgfuzz", argc, argv, 1, opts, nopts))
		return 2;
	uint64_t seed = fuzz_opt(opts, nopts, "seed"), nseeds = fuzz_opt(opts, nopts, "seeds");
	uint64_t first = fuzz_opt(opts, nopts, "first"), count = fuzz_opt(opts, nopts, "count");
	mf.verbose = fuzz_opt(opts, nopts, "verbose") != 0;
	if (fuzz_opt_given(opts, nopts, "msg")) {
		first = fuzz_opt(opts, nopts, "msg");
		count = 1;
		nseeds = 1;
		mf.verbose = true;
	}
	char why[320];
	struct fuzz_health base;
	if (!setup(why, sizeof(why)) || !fuzz_baseline(&base, why, sizeof(why))) {
		fuzz_fail("msgfuzz_setup", "%s", why);
		return fuzz_finish();
	}
	for (uint64_t s = seed; s < seed + nseeds; s++)
		if (!run_seed(s, first, count, &base))
			break;
	return fuzz_finish();
}
