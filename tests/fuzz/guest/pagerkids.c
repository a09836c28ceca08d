/*
 * The pager fuzzer's children (tests/fuzz/guest/pagerfuzz.h):
 *
 *   touch  maps the object at slot 1 and touches pages from one or two
 *          threads, checking each word it reads; exits 0, or 1 with a
 *          line saying what it found
 *   self   pages an object of its own and faults on it: nobody answers,
 *          the deadline passes and it dies by its own fault
 *   sub    a child pager: makes an endpoint and an object it pages, hands
 *          the object to the fuzzer (slot 1, HELLO_LABEL), and when the
 *          FAULT comes misbehaves as `act` says (enum sub_act)
 *
 * Touches come from the generator stream of (seed, round), so a replayed
 * round touches the same pages.
 */
#include "tests/fuzz/guest/pagerfuzz.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"

#define EP 1 /* the object (touch) or the fuzzer's endpoint (sub) */
#define FB 2 /* sub: the fuzzer's fallback endpoint (R_RECV) */

static struct ipc_buffer kid_buf;

struct touch_plan {
	uint64_t seed, round, pages;
	int tid;
	int note;          /* signalled when the thread is done */
	volatile int bad;  /* 0, or 1 + the touch that went wrong */
};

static bool word_ok(uint64_t v, uint64_t round, uint64_t p, uint64_t w)
{
	return v == 0 || v == pat_word(round, p, w);
}

/* Reads pattern word w of page p: the round's pattern or zeros. */
static void touch_read(struct touch_plan *tp, uint64_t p, uint64_t w, uint64_t i)
{
	uint64_t v = ((volatile uint64_t *)(TOUCH_VA + p * FUZZ_PAGE))[w];
	if (!word_ok(v, tp->round, p, w)) {
		uprintf("pagerfuzz touch: round %lu page %lu word %lu: 0x%lx\n",
			(unsigned long)tp->round, (unsigned long)p, (unsigned long)w, (unsigned long)v);
		tp->bad = 1 + (int)i;
	}
}

/* Writes a word only this thread writes, and reads it back. */
static void touch_write(struct touch_plan *tp, struct rng *r, uint64_t p, uint64_t w, uint64_t i)
{
	volatile uint64_t *page = (volatile uint64_t *)(TOUCH_VA + p * FUZZ_PAGE);
	uint64_t mine = 256 + (uint64_t)tp->tid * 64 + w, val = rng_next(r) | 1;
	page[mine] = val;
	if (page[mine] != val) {
		uprintf("pagerfuzz touch: round %lu page %lu word %lu: wrote 0x%lx, read 0x%lx\n",
			(unsigned long)tp->round, (unsigned long)p, (unsigned long)mine,
			(unsigned long)val, (unsigned long)page[mine]);
		tp->bad = 1 + (int)i;
	}
}

/* A few touches, each a read, a write first, or a read then a write (so
 * a page's first touch is a read fault or a write fault). Half the time
 * both threads start on page 0, racing on one missing page. */
static void touch_run(struct touch_plan *tp)
{
	struct rng r;
	rng_seed(&r, tp->seed, tp->round * 4 + 1 + (uint64_t)tp->tid);
	struct rng both; /* the same draw in both threads */
	rng_seed(&both, tp->seed, tp->round * 4 + 3);
	bool race = rng_one_in(&both, 2);
	uint64_t n = 1 + rng_below(&r, 4);
	for (uint64_t i = 0; i < n && !tp->bad; i++) {
		uint64_t p = i == 0 && race ? 0 : rng_below(&r, tp->pages), w = rng_below(&r, 64);
		uint64_t op = rng_below(&r, 3);
		if (op == 1)
			touch_write(tp, &r, p, w, i);
		touch_read(tp, p, w, i);
		if (op == 2)
			touch_write(tp, &r, p, w, i);
	}
}

static void touch_thread(void *arg)
{
	struct touch_plan *tp = arg;
	touch_run(tp);
	notify_signal(tp->note, 1);
}

static uint64_t touch_stack[1024] __attribute__((aligned(16)));

int pagerkid_touch(int argc, char **argv)
{
	struct fuzz_opt opts[] = {
		{ "seed", 0, false }, { "round", 0, false }, { "pages", 1, false },
		{ "private", 0, false }, { "threads", 1, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	if (!fuzz_args_parse("pagerfuzz touch", argc, argv, 2, opts, nopts))
		return 2;
	struct touch_plan a = { .seed = fuzz_opt(opts, nopts, "seed"),
				.round = fuzz_opt(opts, nopts, "round"),
				.pages = fuzz_opt(opts, nopts, "pages") };
	struct touch_plan b = a;
	b.tid = 1;
	uint32_t flags = fuzz_opt(opts, nopts, "private") ? VM_PRIVATE : VM_SHARED;
	long err = vm_map(EP, TOUCH_VA, a.pages * FUZZ_PAGE, 0, VM_R | VM_W | flags);
	if (err) {
		uprintf("pagerfuzz touch: map: %s\n", err_name(err));
		return 3;
	}
	bool two = fuzz_opt(opts, nopts, "threads") == 2;
	if (two) {
		b.note = (int)sys_notify_create();
		if (b.note < 0 || thread_spawn(touch_thread, &b, touch_stack, sizeof(touch_stack),
					       PRIO_DEFAULT - 1) < 0)
			return 4;
	}
	touch_run(&a);
	uint64_t bits;
	if (two && notify_wait(b.note, &bits, 10000 * FUZZ_MS) < 0)
		return 5;
	return a.bad || b.bad ? 1 : 0;
}

/* Its own pager: the fault waits on a message only this task could
 * answer, and this task's only thread is the one waiting. */
int pagerkid_self(int argc, char **argv)
{
	struct fuzz_opt opts[] = {
		{ "seed", 0, false }, { "round", 0, false }, { "deadline", 50, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	if (!fuzz_args_parse("pagerfuzz self", argc, argv, 2, opts, nopts))
		return 2;
	long ep = sys_endpoint_create();
	long vmo = ep < 0 ? ep : vmo_create(FUZZ_PAGE, (int)ep, 1);
	long err = vmo < 0 ? vmo : vmo_set((int)vmo, -1, 0, fuzz_opt(opts, nopts, "deadline"));
	if (!err)
		err = vm_map((int)vmo, TOUCH_VA, FUZZ_PAGE, 0, VM_R | VM_W | VM_SHARED);
	if (err)
		return 3;
	return (int)(*(volatile uint64_t *)TOUCH_VA & 0x7f) + 20; /* not reached */
}

static uint64_t fault_stack[1024] __attribute__((aligned(16)));

/* A thread of the child pager faulting on the child's own object. */
static void fault_own(void *arg)
{
	(void)*(volatile uint64_t *)TOUCH_VA;
}

static _Noreturn void wait_for_the_end(void)
{
	for (;;)
		sys_sleep(100 * FUZZ_MS);
}

/* What the child pager does with the FAULT in m. */
static int sub_misbehave(enum sub_act act, int ep, int vmo, struct ipc_msg *m)
{
	switch (act) {
	case SUB_EXIT:
		return 0;
	case SUB_DESTROY:
		sys1(SYS_OBJ_DESTROY, ep);
		wait_for_the_end();
	case SUB_CLOSE:
		sys_handle_close(vmo);
		wait_for_the_end();
	case SUB_SUPPLY:
		if (pager_supply_recv(vmo, m->w[0], 0, 1, VM_R | VM_W, PAGER_EPOCH_FIRST, ep, m) == 0)
			return 0; /* the next FAULT: die with it */
		wait_for_the_end();
	case SUB_FAIL_SELF:
		sys_sleep(5 * FUZZ_MS); /* our own thread is waiting by now */
		pager_fail(vmo, 0, 1, -E_DEAD, PAGER_EPOCH_FIRST);
		return 30; /* not reached: the failure kills this task */
	default:
		wait_for_the_end();
	}
}

int pagerkid_sub(int argc, char **argv)
{
	struct fuzz_opt opts[] = {
		{ "seed", 0, false }, { "round", 0, false }, { "pages", 1, false },
		{ "act", 0, false }, { "fallback", 0, false }, { "fbbadge", 0, false },
		{ "deadline", 50, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	if (!fuzz_args_parse("pagerfuzz sub", argc, argv, 2, opts, nopts))
		return 2;
	enum sub_act act = (enum sub_act)fuzz_opt(opts, nopts, "act");
	ipc_buffer_setup(&kid_buf);
	long ep = sys_endpoint_create();
	long vmo = ep < 0 ? ep : vmo_create(fuzz_opt(opts, nopts, "pages") * FUZZ_PAGE, (int)ep, 1);
	long err = vmo < 0 ? vmo
		: vmo_set((int)vmo, fuzz_opt(opts, nopts, "fallback") ? FB : -1,
			  fuzz_opt(opts, nopts, "fbbadge"), fuzz_opt(opts, nopts, "deadline"));
	if (err)
		return 3;
	kid_buf.handles[0] = (int32_t)vmo;
	kid_buf.rights[0] = R_ALL;
	struct ipc_msg m = { .tag = IPC_TAG(HELLO_LABEL, 0, 1) };
	if (ipc_call(EP, &m, 2000 * FUZZ_MS))
		return 4;
	if (act == SUB_FAIL_SELF &&
	    (vm_map((int)vmo, TOUCH_VA, FUZZ_PAGE, 0, VM_R | VM_SHARED) ||
	     thread_spawn(fault_own, 0, fault_stack, sizeof(fault_stack), PRIO_DEFAULT - 1) < 0))
		return 5;
	for (;;) {
		if (ipc_recv((int)ep, &m, 2000 * FUZZ_MS))
			return 0;
		if (IPC_TAG_LABEL(m.tag) == PAGER_FAULT)
			return sub_misbehave(act, (int)ep, (int)vmo, &m);
	}
}
