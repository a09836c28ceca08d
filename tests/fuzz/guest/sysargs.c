/*
 * The system call fuzzer's generator: which call, with which arguments.
 *
 * Each call has a row in `calls`: its weight and the kind of each
 * argument. A kind draws mostly from the values that matter for it
 * (handles the child made, pages of its scratch areas, short timeouts,
 * well-formed message tags) and some of the time from the edges of the
 * 64-bit range (rng_edge), so both the checks and what lies past them
 * get exercised. Calls that can end the child (exit, thread exit) are
 * rare; the child never holds a handle that could stop the machine.
 */
#include "tests/fuzz/guest/sysfuzz.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "uapi/pager.h"

enum kind {
	K_NONE, K_ANY, K_H, K_OUT, K_IN, K_TEXT, K_LEN, K_VA, K_SIZE, K_OFF, K_NPAGES,
	K_PROT, K_NS, K_SLEEP, K_TAG, K_WORD, K_RIGHTS, K_BADGE, K_PRIO, K_ENTRY,
	K_ERR, K_LOCKOP, K_EPOCH, K_IDX, K_BUF, K_FLAGS, K_COUNT, K_EP, K_KEEP,
	/* handles of one object type: mostly the child's own of that type */
	K_HTASK, K_HEP, K_HNOTE, K_HVMO, K_HMOD,
	K_TOUCH, /* a0 and a1 of TOUCH */
};

struct call_row {
	long nr;
	const char *name;
	uint8_t weight;
	uint8_t kind[7];
};

#define ROW(n, w, ...) { SYS_##n, #n, w, { __VA_ARGS__ } }

static const struct call_row calls[] = {
	ROW(DEBUG_WRITE, 2, K_TEXT, K_LEN),
	ROW(EXIT, 0, K_ANY), /* weight 0: drawn separately, rarely */
	ROW(YIELD, 2),
	ROW(UNUSED_3, 1, K_ANY), /* -E_NOSYS whatever it is given */
	ROW(TASK_WAIT, 2, K_HTASK),
	ROW(TASK_KILL, 2, K_HTASK),
	ROW(TASK_INFO, 3, K_HTASK, K_OUT),
	ROW(HANDLE_COPY, 4, K_H, K_RIGHTS),
	ROW(HANDLE_CLOSE, 4, K_H),
	ROW(HANDLE_INFO, 3, K_H, K_OUT),
	ROW(MODULE_NAME, 2, K_HMOD, K_OUT, K_COUNT),
	ROW(SYSINFO, 2, K_OUT),
	ROW(POWEROFF, 1, K_H, K_ANY),
	ROW(SLEEP, 1, K_SLEEP),
	ROW(NOP, 1),
	ROW(ENDPOINT_CREATE, 4),
	ROW(NOTIFY_CREATE, 3),
	ROW(CALL, 5, K_HEP, K_TAG, K_WORD, K_WORD, K_WORD, K_WORD, K_NS),
	ROW(SEND, 4, K_HEP, K_TAG, K_WORD, K_WORD, K_WORD, K_WORD),
	ROW(RECV, 4, K_HEP, K_ANY, K_ANY, K_ANY, K_ANY, K_ANY, K_NS),
	ROW(REPLY, 3, K_ANY, K_TAG, K_WORD, K_WORD, K_WORD, K_WORD),
	ROW(REPLY_RECV, 3, K_HEP, K_TAG, K_WORD, K_WORD, K_WORD, K_WORD, K_NS),
	ROW(NOTIFY_SIGNAL, 3, K_HNOTE, K_WORD),
	ROW(NOTIFY_WAIT, 3, K_HNOTE, K_NS),
	ROW(IPC_BUFFER, 2, K_BUF),
	ROW(HANDLE_MINT, 3, K_HEP, K_RIGHTS, K_BADGE),
	ROW(OBJ_DESTROY, 2, K_HEP),
	ROW(THREAD_CREATE, 2, K_ENTRY, K_KEEP, K_KEEP, K_PRIO),
	ROW(THREAD_EXIT, 0),
	ROW(MEM_WIRE, 4, K_VA, K_SIZE, K_PROT),
	ROW(MEM_UNMAP, 3, K_VA, K_SIZE),
	ROW(VMO_CREATE, 4, K_SIZE, K_EP, K_BADGE),
	ROW(VM_MAP, 5, K_HVMO, K_VA, K_SIZE, K_OFF, K_PROT),
	ROW(VM_PROTECT, 3, K_VA, K_SIZE, K_PROT),
	ROW(PAGER_SUPPLY, 4, K_HVMO, K_OFF, K_VA, K_NPAGES, K_PROT, K_EP, K_EPOCH),
	ROW(PAGER_FAIL, 3, K_HVMO, K_OFF, K_NPAGES, K_ERR, K_EPOCH),
	ROW(PAGER_QUERY, 3, K_HVMO, K_OFF, K_NPAGES, K_OUT, K_FLAGS),
	ROW(PAGER_EVICT, 3, K_HVMO, K_OFF, K_NPAGES, K_VA, K_OUT, K_EPOCH),
	ROW(PAGER_LOCK, 3, K_HVMO, K_OFF, K_NPAGES, K_LOCKOP, K_EPOCH),
	ROW(VMO_SET, 3, K_HVMO, K_EP, K_BADGE, K_COUNT),
	ROW(VMO_INFO, 3, K_HVMO, K_OUT),
	ROW(TRACE_READ, 2, K_COUNT, K_OUT, K_COUNT),
	ROW(DEV_INFO, 1, K_H, K_OUT),
	ROW(DEV_MAP, 1, K_H, K_VA),
	ROW(IRQ_BIND, 1, K_H, K_HNOTE, K_WORD),
	ROW(IRQ_ACK, 1, K_H),
	ROW(TASK_ENUM, 2, K_H, K_IDX, K_OUT),
	ROW(VM_STATS, 2, K_OUT),
	ROW(DMA_PIN, 2, K_H, K_HVMO, K_OFF, K_NPAGES, K_FLAGS, K_OUT), /* no DMA handle here */
	ROW(IDLE_COUNT, 1),
	ROW(MODULE_OBJECT, 2, K_HMOD),
	ROW(TASK_CREATE, 2, K_OUT), /* the request read from whatever is there */
	ROW(VM_MAP_TASK, 3, K_HTASK, K_HVMO, K_VA, K_SIZE, K_OFF, K_PROT),
	ROW(THREAD_START, 2, K_HTASK, K_ENTRY, K_KEEP, K_KEEP),
	ROW(VMO_ANON, 4, K_SIZE, K_HVMO, K_OFF, K_EP, K_BADGE),
	ROW(DEFAULT_PAGER, 1, K_H, K_EP), /* the child has no system CONTROL: refused */
	ROW(PAGER_CTL, 3, K_HVMO, K_LOCKOP, K_OFF, K_NPAGES, K_COUNT, K_EPOCH),
	ROW(VMO_REBIND, 2, K_HVMO, K_EP, K_BADGE),
	/* The child holds no manager capability: these are refused. */
	ROW(MM_REGISTER, 1, K_H, K_HNOTE, K_BADGE),
	ROW(MM_WATERMARKS, 1, K_H, K_COUNT, K_COUNT, K_COUNT, K_OUT),
	ROW(MM_OBJECTS, 1, K_H, K_IDX, K_OUT),
	ROW(MM_QUERY, 1, K_H, K_IDX, K_OFF, K_NPAGES, K_OUT, K_FLAGS),
	ROW(MM_EVICT, 1, K_H, K_IDX, K_OFF, K_NPAGES, K_OUT),
	ROW(PAGER_RETURN_AREA, 2, K_HEP, K_VA, K_NPAGES, K_FLAGS),
	ROW(VMO_READ, 3, K_HVMO, K_OFF, K_VA, K_LEN),
	ROW(VMO_WRITE, 3, K_HVMO, K_OFF, K_VA, K_LEN),
	ROW(PAGER_OPEN, 2, K_HEP, K_BADGE),
	ROW(VM_OBJECT, 2, K_HTASK, K_VA),
	ROW(MM_LAB, 1, K_H, K_IDX, K_COUNT, K_COUNT),
	ROW(VM_REGIONS, 2, K_H, K_IDX, K_VA, K_OUT),
	ROW(VM_OBJECTS, 2, K_H, K_IDX, K_OUT, K_HEP),
	ROW(DMA_UNPIN, 1, K_H, K_ANY), /* no pins here: E_BADH */
	ROW(VMO_MOVE, 2, K_HVMO, K_OFF, K_VA, K_NPAGES, K_FLAGS),
	ROW(NOTIFY_IDLE, 2, K_HNOTE, K_VA, K_WORD), /* a doorbell on a wired word, or refused */
	ROW(CPU_TIME, 2, K_IDX),
	ROW(WALL_CLOCK, 1),
	ROW(GETRANDOM, 2, K_OUT, K_LEN),
	ROW(CONSOLE_WRITE, 1, K_H, K_TEXT, K_LEN), /* no UART handle here: refused */
	{ SYSGEN_TOUCH, "TOUCH", 4, { K_TOUCH, K_KEEP } },
};
#define NROWS (sizeof(calls) / sizeof(calls[0]))

/* Numbers with no call behind them: each must answer E_NOSYS. */
static const long bad_numbers[] = { SYS_NCALLS, SYS_NCALLS + 1, 63, 64, 255, 256,
				    0x7fffffff, -1, -2, (long)0x8000000000000000ull };

static uint64_t pick(struct rng *r, const uint64_t *v, uint64_t n)
{
	return v[rng_below(r, n)];
}
#define PICK(r, ...) \
	pick((r), (const uint64_t[]){ __VA_ARGS__ }, \
	     sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

static uint64_t gen_handle(struct sysgen *g)
{
	struct rng *r = &g->rng;
	uint64_t p = rng_below(r, 100);
	if (p < 45 && g->nknown)
		return (uint64_t)g->known[rng_below(r, (uint64_t)g->nknown)].h;
	if (p < 70)
		return rng_below(r, CHILD_SLOTS + 2);
	if (p < 85)
		return rng_below(r, 128);
	return PICK(r, (uint64_t)-1, 127, 128, 129, 1ull << 31, (1ull << 32) + 1,
		    0x8000000000000000ull, rng_edge(r));
}

/* A handle of the given object type: one the child made (or holds from
 * the start) most of the time, else any handle value. */
static uint64_t gen_typed(struct sysgen *g, uint32_t type)
{
	struct rng *r = &g->rng;
	int match[16], n = 0;
	for (int i = 0; i < g->nknown; i++)
		if (g->known[i].type == type)
			match[n++] = g->known[i].h;
	if (type == OBJ_TASK)
		match[n++] = H_SELF;
	if (type == OBJ_ENDPOINT)
		match[n++] = SLOT_NAME;
	if (type == OBJ_MODULE)
		match[n++] = SLOT_LEAF;
	if (type == OBJ_VMO)
		match[n++] = SLOT_PROGRESS;
	if (n && rng_below(r, 100) < 75)
		return (uint64_t)match[rng_below(r, (uint64_t)n)];
	return gen_handle(g);
}

/* Addresses the child itself lives at: text, data, stack. Rarely drawn
 * (for maps and unmaps), as calls on them tend to end the child. As
 * pointers the kernel writes through, only the text: a write into the
 * child's data or stack (a trace read over the stack, seed 2 batch 181)
 * garbles the fuzzer's own state and so its report, and proves nothing. */
static uint64_t own_address(struct rng *r)
{
	static int on_data;
	int on_stack;
	return PICK(r, (uint64_t)(uintptr_t)rng_next, (uint64_t)(uintptr_t)&on_data,
		    (uint64_t)(uintptr_t)&on_stack & ~(FUZZ_PAGE - 1));
}

/* A bad or odd address: below, at and above the user range, the kernel. */
static uint64_t bad_address(struct rng *r)
{
	return PICK(r, 0, 1, 8, VM_USER_LO - 8, VM_USER_HI - 8, VM_USER_HI,
		    VM_USER_HI + FUZZ_PAGE, 0xffffffc080200000ull, (uint64_t)-FUZZ_PAGE,
		    (uint64_t)-1, 1ull << 63, ARENA_VA + 7, rng_edge(r));
}

/* A pointer the kernel writes to (in = false) or reads from. */
static uint64_t gen_pointer(struct rng *r, bool in)
{
	uint64_t p = rng_below(r, 100);
	uint64_t end = SCRATCH_VA + SCRATCH_PAGES * FUZZ_PAGE;
	if (p < 70)
		return SCRATCH_VA + PICK(r, 0, 8, 64, 1, 3, FUZZ_PAGE - 4, 2 * FUZZ_PAGE) +
		       rng_below(r, 4) * FUZZ_PAGE;
	if (p < 80)
		return PICK(r, end - 8, end - 1, end, in ? TEXT_VA : SCRATCH_VA + 16);
	if (rng_one_in(r, 40))
		return (uint64_t)(uintptr_t)rng_next; /* our text: read-only */
	return bad_address(r);
}

/* A user address for maps, wires and unmaps: the arena mostly; odd
 * values the kernel must refuse; and, rarely, addresses where the child
 * lives (its own text, the stack below VM_USER_HI), which end it.
 * Nothing is mapped next to the scratch areas: a buffer running past
 * their end must find nothing there, not an object the child pages
 * itself (the call would wait on the child; sysgen_may_block counts on
 * such waits coming only from arena addresses). */
static uint64_t gen_va(struct rng *r)
{
	uint64_t p = rng_below(r, 1000);
	if (p < 900)
		return ARENA_VA + rng_below(r, ARENA_PAGES) * FUZZ_PAGE;
	if (p < 940)
		return ARENA_VA + rng_below(r, ARENA_PAGES * FUZZ_PAGE);
	if (p < 997)
		return PICK(r, 0, VM_USER_LO - FUZZ_PAGE, VM_USER_HI, 0xffffffc000000000ull,
			    (uint64_t)-FUZZ_PAGE, 1ull << 38, ARENA_VA - FUZZ_PAGE,
			    rng_edge(r) | 1ull << 39);
	return rng_one_in(r, 2) ? own_address(r)
				: PICK(r, (uint64_t)(uintptr_t)rng_next & ~(FUZZ_PAGE - 1),
				       VM_USER_HI - FUZZ_PAGE, PROGRESS_VA);
}

/* Lengths: a few pages mostly; odd and huge ones; rarely one that runs
 * from the arena over the stack at the top. */
static uint64_t gen_size(struct rng *r)
{
	uint64_t p = rng_below(r, 1000);
	if (p < 700)
		return PICK(r, 1, 1, 2, 2, 3, 4, 8, 16, 64) * FUZZ_PAGE;
	if (p < 997)
		return PICK(r, 0, 1, FUZZ_PAGE - 1, FUZZ_PAGE + 1, 1ull << 20, 1ull << 24,
			    1ull << 30, 1ull << 35, 1ull << 40, (uint64_t)-FUZZ_PAGE, VM_USER_HI,
			    rng_edge(r) | 1ull << 40);
	return PICK(r, 1ull << 36, VM_USER_HI - ARENA_VA);
}

static uint64_t gen_timeout(struct rng *r, bool sleep)
{
	uint64_t p = rng_below(r, 20000);
	if (p == 0)
		return sleep ? 5000 * FUZZ_MS : 0; /* none: only the watchdog ends it */
	if (p == 1)
		return PICK(r, 3 * 1000 * FUZZ_MS, 3600ull * 1000 * FUZZ_MS);
	if (p < 17000)
		return PICK(r, 1, 1000, FUZZ_MS, 2 * FUZZ_MS, 5 * FUZZ_MS, 10 * FUZZ_MS);
	return PICK(r, 3600ull * 1000 * FUZZ_MS + 1, (uint64_t)-1, 1ull << 63, rng_edge(r) | 1ull << 62);
}

/* A message tag: mostly well formed, sometimes not. */
static uint64_t gen_tag(struct rng *r)
{
	uint64_t p = rng_below(r, 100);
	uint64_t label = p < 50 ? rng_below(r, 10) : p < 55 ? PICK(r, PAGER_FAULT, PAGER_TERMINATE)
		: rng_next(r) & 0xffffffff;
	uint64_t q = rng_below(r, 100);
	uint64_t words = q < 50 ? rng_below(r, 5) : q < 90 ? 5 + rng_below(r, 60) : 65 + rng_below(r, 191);
	q = rng_below(r, 100);
	uint64_t handles = q < 60 ? 0 : q < 95 ? 1 + rng_below(r, 4) : 5 + rng_below(r, 11);
	uint64_t tag = IPC_TAG(label, words, handles);
	if (rng_one_in(r, 5))
		tag |= IPC_TAG_SLOW;
	if (rng_one_in(r, 20))
		tag |= rng_next(r) & 0xfffef000ull; /* bits no tag may have */
	return tag;
}

static uint64_t gen_touch(struct sysgen *g, struct sys_call *c);
static uint64_t gen_entry(struct sysgen *g, struct sys_call *c);

static uint64_t gen_rest(struct sysgen *g, enum kind k)
{
	struct rng *r = &g->rng;
	switch (k) {
	case K_TEXT:
		return rng_one_in(r, 4) ? bad_address(r) : TEXT_VA + rng_below(r, 64);
	case K_LEN: /* what fits in the text stays short: the log is for people */
		return PICK(r, 0, 1, 13, 40, 64, 200, TEXT_PAGES * FUZZ_PAGE + 1, 65536, 65537,
			    (uint64_t)-1, rng_edge(r) | 1ull << 20);
	case K_OFF:
		return rng_one_in(r, 4) ? rng_edge(r) : rng_below(r, 20) * FUZZ_PAGE;
	case K_NPAGES:
		return PICK(r, 1, 1, 1, 2, 3, 16, 64, 0, 65, 1ull << 20, (uint64_t)-1, rng_edge(r));
	case K_PROT:
		return PICK(r, VM_R, VM_R | VM_W, VM_R | VM_W | VM_X, VM_X, 0, 8,
			    0xff, rng_edge(r)) |
		       PICK(r, VM_SHARED, VM_SHARED, VM_PRIVATE, 0, VM_SHARED | VM_PRIVATE, 0x40);
	case K_RIGHTS:
		return PICK(r, R_ALL, 0, R_READ, R_SEND, R_RECV, R_SEND | R_GRANT, R_MAP | R_READ,
			    R_PAGER, R_CONTROL, rng_below(r, 128), 0xffffffff, rng_edge(r));
	case K_BADGE:
		return PICK(r, 0, 0, 1, 2, 77, rng_edge(r));
	case K_PRIO:
		return PICK(r, 0, 1, 8, PRIO_DEFAULT - 1, PRIO_DEFAULT, PRIO_MAX, PRIO_MAX + 1,
			    (uint64_t)-1, rng_edge(r));
	case K_ERR:
		return rng_one_in(r, 4) ? rng_edge(r) : (uint64_t)((long)rng_below(r, 33) - 16);
	case K_LOCKOP:
		return rng_one_in(r, 5) ? rng_edge(r) : rng_below(r, 7);
	case K_EPOCH: /* mostly the first (the child's objects are never rebound) */
		return PICK(r, PAGER_EPOCH_FIRST, PAGER_EPOCH_FIRST, PAGER_EPOCH_FIRST, 0, 2,
			    rng_edge(r));
	case K_IDX:
		return rng_one_in(r, 4) ? rng_edge(r) : rng_below(r, 40);
	case K_BUF:
		return PICK(r, IPCBUF_VA, IPCBUF_VA, IPCBUF_VA, 0, SCRATCH_VA, SCRATCH_VA + 4,
			    SCRATCH_VA + SCRATCH_PAGES * FUZZ_PAGE - 256, (uint64_t)(uintptr_t)rng_next,
			    bad_address(r));
	case K_FLAGS:
		return PICK(r, 0, 0, 1, 2, rng_edge(r));
	case K_COUNT:
		return PICK(r, 0, 1, 2, 16, 64, 1000, 1ull << 20, rng_edge(r));
	case K_EP:
		return rng_one_in(r, 3) ? (uint64_t)VMO_KERNEL_ZERO : gen_typed(g, OBJ_ENDPOINT);
	default:
		return rng_edge(r);
	}
}

static uint64_t gen_arg(struct sysgen *g, enum kind k, struct sys_call *c, int i)
{
	struct rng *r = &g->rng;
	if (k == K_NONE)
		return rng_one_in(r, 8) ? rng_edge(r) : 0; /* unused registers: junk now and then */
	if (k == K_KEEP)
		return c->a[i]; /* an earlier argument's generator chose it */
	/* Any kind, any value; but timeouts only in gen_timeout, which keeps
	 * the long ones (that only the watchdog ends) rare, debug_write
	 * lengths only from K_LEN, and addresses and lengths of mappings
	 * only from gen_va and gen_size, which keep the ones that end the
	 * child rare. */
	if (k != K_ANY && k != K_NS && k != K_SLEEP && k != K_LEN && k != K_VA && k != K_SIZE &&
	    k != K_TOUCH && rng_one_in(r, 16))
		return rng_edge(r);
	switch (k) {
	case K_H:
		return gen_handle(g);
	case K_HTASK:
		return gen_typed(g, OBJ_TASK);
	case K_HEP:
		return gen_typed(g, OBJ_ENDPOINT);
	case K_HNOTE:
		return gen_typed(g, OBJ_NOTIFY);
	case K_HVMO:
		return gen_typed(g, OBJ_VMO);
	case K_HMOD:
		return gen_typed(g, OBJ_MODULE);
	case K_OUT:
	case K_IN:
		return gen_pointer(r, k == K_IN);
	case K_VA:
		return gen_va(r);
	case K_SIZE:
		return gen_size(r);
	case K_NS:
	case K_SLEEP:
		return gen_timeout(r, k == K_SLEEP);
	case K_TAG:
		return gen_tag(r);
	case K_WORD:
		return rng_one_in(r, 3) ? gen_handle(g) : rng_edge(r);
	case K_ENTRY:
		return gen_entry(g, c);
	case K_TOUCH:
		return gen_touch(g, c);
	default:
		return gen_rest(g, k);
	}
}

/* TOUCH: a page some call mapped readable (a store only where it was
 * writable) mostly; now and then any arena address, which may end the
 * child; the scratch pages while nothing readable is mapped. */
static uint64_t gen_touch(struct sysgen *g, struct sys_call *c)
{
	struct rng *r = &g->rng;
	int readable[16], n = 0;
	for (int i = 0; i < g->nmaps; i++)
		if (g->maps[i].prot & VM_R)
			readable[n++] = i;
	if (rng_one_in(r, 1000)) {
		c->a[1] = rng_one_in(r, 2);
		return ARENA_VA + rng_below(r, ARENA_PAGES * FUZZ_PAGE);
	}
	if (!n) {
		c->a[1] = 1;
		return SCRATCH_VA + rng_below(r, SCRATCH_PAGES * FUZZ_PAGE);
	}
	int m = readable[rng_below(r, (uint64_t)n)];
	uint64_t pages = g->maps[m].len / FUZZ_PAGE;
	c->a[1] = (g->maps[m].prot & VM_W) && rng_one_in(r, 2);
	return g->maps[m].va + rng_below(r, pages < 64 ? pages : 64) * FUZZ_PAGE +
	       rng_below(r, FUZZ_PAGE);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

void sysgen_track_maps(struct sysgen *g, const struct sys_call *c, long r)
{
	uint64_t va = c->a[c->nr == SYS_VM_MAP ? 1 : 0], len = c->a[c->nr == SYS_VM_MAP ? 2 : 1];
	uint32_t prot = (uint32_t)c->a[c->nr == SYS_VM_MAP ? 4 : 2] & (VM_R | VM_W | VM_X);
	bool move_in = c->nr == SYS_VMO_MOVE && c->a[4] == VMO_MOVE_IN;
	if (c->nr == SYS_VMO_MOVE) { /* in: its pages went, as unmapped; out: wired there */
		if (r <= 0)
			return;
		va = c->a[2];
		len = c->a[3] * FUZZ_PAGE;
		prot = VM_R | VM_W;
		r = 0;
	}
	if (r != 0 || len == 0 || len > (1ull << 32))
		return;
	if (c->nr == SYS_MEM_UNMAP || move_in) {
		for (int i = 0; i < g->nmaps; i++)
			if (overlaps(va, len, g->maps[i].va, g->maps[i].len))
				g->maps[i--] = g->maps[--g->nmaps];
	} else if (c->nr == SYS_VM_PROTECT) {
		for (int i = 0; i < g->nmaps; i++)
			if (overlaps(va, len, g->maps[i].va, g->maps[i].len))
				g->maps[i].prot = prot;
	} else if ((c->nr == SYS_MEM_WIRE || c->nr == SYS_VM_MAP || c->nr == SYS_VMO_MOVE) &&
		   g->nmaps < 16) {
		g->maps[g->nmaps].va = va;
		g->maps[g->nmaps].len = len;
		g->maps[g->nmaps++].prot = prot & VM_W ? prot | VM_R : prot;
	}
}

void _thread_entry(void);
void sysgen_thread(void *arg);

/* A thread entry and stack: mostly a real thread (sysgen_thread on a
 * free stack of ours, with the record _thread_entry reads), else values
 * the kernel must refuse or that fault at once. Sets c->a[1] (the stack)
 * and c->a[2] (the argument) to match. */
static uint64_t gen_entry(struct sysgen *g, struct sys_call *c)
{
	struct rng *r = &g->rng;
	int slot = -1;
	for (int i = 0; i < NSTACKS && slot < 0; i++)
		if (!g->stack_busy[i])
			slot = i;
	if (slot < 0 || rng_one_in(r, 4)) {
		c->a[1] = PICK(r, STACKS_VA + STACK_PAGES * FUZZ_PAGE, STACKS_VA + 8, 0, 1,
			       VM_USER_HI, VM_USER_HI + 16, rng_edge(r));
		if (rng_one_in(r, 50)) /* starts, and faults at once: the child dies */
			return ARENA_VA;
		return PICK(r, 0, VM_USER_LO - 4, VM_USER_HI, 0xffffffc080200000ull, (uint64_t)-1,
			    rng_edge(r) | 1ull << 40);
	}
	uint64_t top = STACKS_VA + (uint64_t)(slot + 1) * STACK_PAGES * FUZZ_PAGE;
	uint64_t *rec = (uint64_t *)(top - 64);
	rec[0] = (uint64_t)(uintptr_t)sysgen_thread;
	rec[1] = (uint64_t)slot | gen_handle(g) << 8;
	rec[2] = g->tp;
	g->stack_busy[slot] = 1;
	c->a[1] = (uint64_t)(uintptr_t)rec;
	c->a[2] = (uint64_t)(uintptr_t)rec;
	return (uint64_t)(uintptr_t)_thread_entry;
}

/* The words past the registers and the handles of the message in the
 * IPC buffer, for the calls that send one. */
static void fill_ipc_buffer(struct sysgen *g, uint64_t tag)
{
	struct ipc_buffer *b = (struct ipc_buffer *)IPCBUF_VA;
	uint32_t words = IPC_TAG_WORDS(tag);
	for (uint32_t i = IPC_REG_WORDS; i < words && i < IPC_MAX_WORDS; i++)
		b->mr[i] = rng_edge(&g->rng);
	for (int i = 0; i < IPC_MAX_HANDLES; i++) {
		b->handles[i] = (int32_t)(rng_one_in(&g->rng, 2) ? gen_handle(g)
				: gen_typed(g, (uint32_t)(uint64_t[]){ OBJ_ENDPOINT, OBJ_NOTIFY, OBJ_VMO,
							    OBJ_TASK }[rng_below(&g->rng, 4)]));
		b->rights[i] = (uint32_t)gen_rest(g, K_RIGHTS);
	}
}

static bool sends_message(long nr)
{
	return nr == SYS_CALL || nr == SYS_SEND || nr == SYS_REPLY || nr == SYS_REPLY_RECV;
}

static const struct call_row *find_row(long nr)
{
	for (size_t i = 0; i < NROWS; i++)
		if (calls[i].nr == nr)
			return &calls[i];
	return 0;
}

static const struct call_row *pick_row(struct rng *r)
{
	static uint32_t total;
	if (!total)
		for (size_t i = 0; i < NROWS; i++)
			total += calls[i].weight;
	uint64_t w = rng_below(r, total);
	for (size_t i = 0; i < NROWS; i++) {
		if (w < calls[i].weight)
			return &calls[i];
		w -= calls[i].weight;
	}
	return &calls[0];
}

void sysgen_make(struct sysgen *g, struct sys_call *c)
{
	struct rng *r = &g->rng;
	*c = (struct sys_call){ 0 };
	uint64_t p = rng_below(r, 40000);
	if (p < 800) { /* 2%: a number with no call */
		c->nr = bad_numbers[rng_below(r, sizeof(bad_numbers) / sizeof(bad_numbers[0]))];
		for (int i = 0; i < 7; i++)
			c->a[i] = rng_edge(r);
		return;
	}
	const struct call_row *row = p == 800 ? find_row(SYS_EXIT) : p == 801 ? find_row(SYS_THREAD_EXIT)
		: pick_row(r);
	c->nr = row->nr;
	for (int i = 0; i < 7; i++)
		c->a[i] = gen_arg(g, (enum kind)row->kind[i], c, i);
	if (sends_message(c->nr))
		fill_ipc_buffer(g, c->a[1]);
}

int sysgen_unfuzzed(void)
{
	for (long nr = 0; nr < SYS_NCALLS; nr++)
		if (!find_row(nr))
			return (int)nr;
	return -1;
}

const char *sysgen_name(long nr, char *tmp, int n)
{
	const struct call_row *row = find_row(nr);
	if (row)
		return row->name;
	fmt_snprintf(tmp, (size_t)n, "nr_%ld", nr);
	return tmp;
}

bool sysgen_may_block(const struct sys_call *c, uint64_t ms)
{
	uint64_t ns = ms * FUZZ_MS / 2, t;
	/* A buffer in the arena may be a page of an object the child pages
	 * itself: the kernel faults it in and the call waits on that pager
	 * (the child), until the object's deadline. */
	for (int i = 0; i < 7; i++)
		if (c->a[i] >= ARENA_VA && c->a[i] < VM_USER_HI)
			return true;
	switch (c->nr) {
	case SYS_SLEEP:
		return c->a[0] >= ns;
	case SYS_CALL:
	case SYS_RECV:
	case SYS_REPLY_RECV:
		t = c->a[6];
		return t == 0 || t >= ns;
	case SYS_NOTIFY_WAIT:
		t = c->a[1];
		return t == 0 || t >= ns;
	case SYSGEN_TOUCH: /* a page of an object the child pages itself waits on it */
	case SYS_VMO_READ: /* so does reading, writing or moving such a page */
	case SYS_VMO_WRITE:
	case SYS_VMO_MOVE:
	case SYS_PAGER_SUPPLY: /* with a receive endpoint: a receive without timeout */
	case SYS_TASK_WAIT:
	case SYS_EXIT:
	case SYS_THREAD_EXIT:
		return true;
	default:
		return false;
	}
}
