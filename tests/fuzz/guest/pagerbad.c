/*
 * How the pager fuzzer answers one FAULT (tests/fuzz/guest/pagerfuzz.h): well,
 * badly, twice, too much, with a failure, or not at all.
 *
 * What must hold whatever the answer: a good supply is taken (returns the
 * pages installed); a bad one is refused with an error and changes
 * nothing (the object's resident count stays, the source page stays
 * ours); a second supply of a resident page installs nothing and leaves
 * the frame with the pager. A broken rule is an anomaly of the round.
 */
#include "tests/fuzz/guest/pagerfuzz.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"

enum answer {
	A_GOOD, A_ZERO, A_RECV, A_BAD, A_DOUBLE, A_EXTRA, A_LOCK, A_FAIL, A_SILENT, A_CLOSE,
	A_DESTROY, A_N
};
static const uint8_t weights[A_N] = { 24, 8, 16, 10, 8, 8, 4, 6, 6, 2, 2 };
static const char *const names[A_N] = { "good", "zero", "recv", "bad", "double", "extra",
					"lock", "fail", "silent", "close", "destroy" };

static enum answer pick_answer(struct rng *r)
{
	uint32_t total = 0;
	for (int i = 0; i < A_N; i++)
		total += weights[i];
	uint64_t w = rng_below(r, total);
	for (int i = 0; i < A_N; i++) {
		if (w < weights[i])
			return (enum answer)i;
		w -= weights[i];
	}
	return A_GOOD;
}

static uint64_t resident(int vmo)
{
	struct vmo_info info = { 0 };
	vmo_info(vmo, &info);
	return info.resident;
}

static bool page_resident(int vmo, uint64_t offset)
{
	uint8_t st = 0;
	return pager_query(vmo, offset, 1, &st, 0) == 0 && (st & PAGE_RESIDENT);
}

/* Still mapped here: wiring over it must find it busy. */
static bool still_ours(uint64_t va)
{
	return mem_wire(va, FUZZ_PAGE, VM_R | VM_W) == -E_BUSY;
}

static uint32_t good_prot(struct rng *r)
{
	return rng_one_in(r, 6) ? VM_R : rng_one_in(r, 4) ? VM_R | VM_W | VM_X : VM_R | VM_W;
}

/*
 * The right answer: a write to a resident page is an unlock request;
 * else one page of ours (or zeros), with or without the receive. A page
 * already resident (a race with a supply nobody asked for) takes nothing.
 */
static void answer_good(struct round *rd, struct ipc_msg *m, bool *pending, enum answer how)
{
	uint64_t offset = m->w[0], page = offset / FUZZ_PAGE;
	if (page_resident(rd->vmo, offset)) {
		long r = pager_lock(rd->vmo, offset, 1, LOCK_UNLOCK, PAGER_EPOCH_FIRST);
		if (r)
			round_anomaly(rd, "unlock of page %lu refused: %s", (unsigned long)page,
				      err_name(r));
		return;
	}
	uint64_t src = how == A_ZERO ? 0 : src_page(rd, page);
	uint32_t prot = good_prot(&rd->rng);
	long r;
	if (how == A_RECV) {
		r = pager_supply_recv(rd->vmo, offset, (void *)src, 1, prot, PAGER_EPOCH_FIRST, rd->ep, m);
		*pending = r == 0;
		if (r < 0 && !page_resident(rd->vmo, offset))
			round_anomaly(rd, "supply-and-receive of page %lu refused: %s",
				      (unsigned long)page, err_name(r));
		return;
	}
	r = pager_supply(rd->vmo, offset, (void *)src, 1, prot, PAGER_EPOCH_FIRST);
	if (r != 1)
		round_anomaly(rd, "supply of page %lu returned %ld", (unsigned long)page, r);
}

/* One supply that breaks a rule; must be refused and change nothing. */
static void bad_supply(struct round *rd, uint64_t offset)
{
	struct rng *r = &rd->rng;
	uint64_t size = rd->npages * FUZZ_PAGE, src = src_page(rd, offset / FUZZ_PAGE);
	uint64_t orig = src;
	uint64_t off = offset, n = 1, prot = VM_R | VM_W, recv = (uint64_t)-1;
	int64_t vmo = rd->vmo;
	static const char *const why[] = {
		"unaligned offset", "offset past the end", "no pages", "too many pages",
		"range past the end", "unaligned source", "unmapped source", "text source",
		"object page source", "source outside user space", "bad protection",
		"handle without R_PAGER", "not an object", "bad receive endpoint",
	};
	uint64_t k = rng_below(r, sizeof(why) / sizeof(why[0]));
	switch (k) {
	case 0: off += 1 + rng_below(r, FUZZ_PAGE - 1); break;
	case 1: off = size + rng_below(r, 4) * FUZZ_PAGE + (rng_one_in(r, 4) ? 1ull << 40 : 0); break;
	case 2: n = 0; break;
	case 3: n = PAGER_SUPPLY_MAX + 1 + rng_below(r, 1000); break;
	case 4: n = rd->npages - offset / FUZZ_PAGE + 1; break;
	case 5: src += 8 * (1 + rng_below(r, 511)); break;
	case 6: src = SRC_VA + SRC_SLOTS * FUZZ_PAGE; break; /* never wired */
	case 7: src = (uint64_t)(uintptr_t)bad_supply & ~(FUZZ_PAGE - 1); break;
	case 8: src = OBJ_VA; break;
	case 9: src = (uint64_t[]){ 0x8000, VM_USER_HI - FUZZ_PAGE, 0xffffffc080200000ull,
				    1ull << 63 }[rng_below(r, 4)]; break;
	case 10: prot = (uint64_t[]){ 0, 8, VM_W, VM_X, 0x10, 0xff }[rng_below(r, 6)]; break;
	case 11: vmo = rd->weak; break;
	case 12: vmo = rng_one_in(r, 2) ? rd->ep : 127; break;
	default: recv = rng_one_in(r, 2) ? (uint64_t)rd->vmo : 127; break;
	}
	uint64_t before = resident(rd->vmo);
	long ret = sys7(SYS_PAGER_SUPPLY, vmo, (long)off, (long)src, (long)n, (long)prot, (long)recv,
			PAGER_EPOCH_FIRST);
	bool src_ok = (k >= 5 && k <= 9) || !orig || still_ours(orig);
	round_note(rd, why[k]);
	if (ret >= 0 || resident(rd->vmo) != before || !src_ok)
		round_anomaly(rd, "bad supply (%s) returned %ld; resident %lu -> %lu%s", why[k], ret,
			      (unsigned long)before, (unsigned long)resident(rd->vmo),
			      src_ok ? "" : "; the source page left us");
}

/* The page again, after a good supply: installs nothing, frame stays. */
static void double_supply(struct round *rd, struct ipc_msg *m, bool *pending)
{
	answer_good(rd, m, pending, A_GOOD);
	uint64_t offset = m->w[0];
	if (!page_resident(rd->vmo, offset))
		return;
	uint64_t src = src_page(rd, offset / FUZZ_PAGE);
	long r = pager_supply(rd->vmo, offset, (void *)src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST);
	bool kept = !src || still_ours(src);
	if (r != 0 || !kept)
		round_anomaly(rd, "second supply of page %lu returned %ld%s",
			      (unsigned long)(offset / FUZZ_PAGE), r, kept ? "" : " and took the frame");
}

/* Pages nobody asked for (one at a time, or a run with the asked one in
 * it), then the asked one if still missing. */
static void extra_supply(struct round *rd, struct ipc_msg *m, bool *pending)
{
	struct rng *r = &rd->rng;
	if (rng_one_in(r, 2)) {
		uint64_t first = rng_below(r, rd->npages), n = 1 + rng_below(r, rd->npages - first);
		for (uint64_t p = first; p < first + n; p++)
			if (page_resident(rd->vmo, p * FUZZ_PAGE))
				n = p - first; /* a run stops before a resident page */
		uint64_t src = n ? src_run(rd, first, n) : 0;
		long ret = n ? pager_supply(rd->vmo, first * FUZZ_PAGE, (void *)src, n, VM_R | VM_W, PAGER_EPOCH_FIRST) : 0;
		if (ret < 0 || (uint64_t)ret != n)
			round_anomaly(rd, "supply of %lu pages at %lu returned %ld", (unsigned long)n,
				      (unsigned long)first, ret);
	} else {
		for (int i = 0; i < 3; i++) {
			uint64_t p = rng_below(r, rd->npages);
			uint64_t src = rng_one_in(r, 3) ? 0 : src_page(rd, p);
			long ret = pager_supply(rd->vmo, p * FUZZ_PAGE, (void *)src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST);
			if (ret < 0)
				round_anomaly(rd, "unasked supply of page %lu refused: %s",
					      (unsigned long)p, err_name(ret));
		}
	}
	answer_good(rd, m, pending, A_GOOD);
}

/* Write-protect or clean what is resident (and a bad lock or two), then
 * answer well. Never a flush: the toucher's writes must survive. */
static void lock_then_answer(struct round *rd, struct ipc_msg *m, bool *pending)
{
	struct rng *r = &rd->rng;
	int op = rng_one_in(r, 2) ? LOCK_WRITE_PROTECT : LOCK_CLEAN;
	long ret = pager_lock(rd->vmo, 0, rd->npages, op, PAGER_EPOCH_FIRST);
	if (ret)
		round_anomaly(rd, "lock op %d over the object refused: %s", op, err_name(ret));
	uint64_t bad_op = rng_one_in(r, 2) ? 0 : LOCK_FLUSH + 1 + rng_below(r, 100);
	ret = pager_lock(rd->vmo, rng_one_in(r, 2) ? 1 : rd->npages * FUZZ_PAGE, 1,
			 rng_one_in(r, 2) ? (int)bad_op : LOCK_CLEAN, PAGER_EPOCH_FIRST);
	if (ret >= 0)
		round_anomaly(rd, "a bad lock request was accepted");
	answer_good(rd, m, pending, A_GOOD);
}

/* pager_fail with any code (a bad one first, now and then). */
static void fail_fault(struct round *rd, struct ipc_msg *m)
{
	struct rng *r = &rd->rng;
	if (rng_one_in(r, 3)) {
		long bad = pager_fail(rd->vmo, m->w[0] + 1, 1, -E_DEAD, PAGER_EPOCH_FIRST);
		long none = pager_fail(rd->vmo, m->w[0], 0, -E_DEAD, PAGER_EPOCH_FIRST);
		if (bad >= 0 || none >= 0)
			round_anomaly(rd, "a bad pager_fail was accepted (%ld, %ld)", bad, none);
	}
	long code = (long)(uint64_t[]){ (uint64_t)-E_NOMEM, (uint64_t)-E_RANGE,
					(uint64_t)-E_FORMAT, (uint64_t)-E_DEAD, 0, 1,
					(uint64_t)-1000, rng_edge(r) }[rng_below(r, 8)];
	bool all = rng_one_in(r, 4);
	long ret = pager_fail(rd->vmo, all ? 0 : m->w[0], all ? rd->npages : 1, code, PAGER_EPOCH_FIRST);
	if (!PAGER_FAIL_CODE_OK(code)) {
		/* Outside the closed set: refused, the fault still waits. */
		if (ret != -E_INVAL)
			round_anomaly(rd, "pager_fail with code %ld: %s", code, err_name(ret));
		code = -E_DEAD;
		ret = pager_fail(rd->vmo, all ? 0 : m->w[0], all ? rd->npages : 1, code,
				 PAGER_EPOCH_FIRST);
	}
	if (ret)
		round_anomaly(rd, "pager_fail refused: %s", err_name(ret));
	rd->harmful = true;
}

void pager_answer(struct round *rd, struct ipc_msg *m, bool *pending)
{
	if (rd->vmo < 0)
		return; /* our handle is gone: nothing we can say */
	enum answer a = pick_answer(&rd->rng);
	round_note(rd, names[a]);
	switch (a) {
	case A_GOOD:
	case A_ZERO:
	case A_RECV:
		answer_good(rd, m, pending, a);
		break;
	case A_BAD:
		for (uint64_t i = 0, n = 1 + rng_below(&rd->rng, 3); i < n; i++)
			bad_supply(rd, m->w[0]);
		if (rng_one_in(&rd->rng, 3))
			rd->harmful = true; /* and then silence */
		else
			answer_good(rd, m, pending, A_GOOD);
		break;
	case A_DOUBLE:
		double_supply(rd, m, pending);
		break;
	case A_EXTRA:
		extra_supply(rd, m, pending);
		break;
	case A_LOCK:
		lock_then_answer(rd, m, pending);
		break;
	case A_FAIL:
		fail_fault(rd, m);
		break;
	case A_SILENT:
		rd->harmful = true;
		break;
	case A_CLOSE:
		sys_handle_close(rd->vmo);
		rd->vmo = -1;
		rd->harmful = true;
		break;
	default:
		sys1(SYS_OBJ_DESTROY, rd->ep);
		rd->ep_dead = true;
		rd->harmful = true;
		break;
	}
}
