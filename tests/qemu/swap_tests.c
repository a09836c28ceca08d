/*
 * Swap scenarios (tests/swap/run-swap-tests boots them with a swap disk as
 * blk1): anonymous memory larger than RAM goes to the swap pager and comes
 * back bit for bit, the control protocol changes the pager while memory
 * is in use.
 */
#include <string.h>

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/vm.h"
#include "pagers/mm/policy/policy.h"
#include "pagers/swap/swap_proto.h"
#include "pagers/swap/swapmap.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/runner.h"

#define PG 4096ul
#define AREA 0x3000000000ul

static struct ipc_buffer buf;

static long swap_ep(void)
{
	ipc_buffer_setup(&buf);
	return name_lookup(H_NAME, &buf, "pager.swap");
}

static long swap_status(int ep, struct swap_status *s)
{
	uint32_t got;
	long err = ipc_request(ep, &buf, SWAP_STATUS, 0, 0, 0, 0, 0, (uint64_t *)s,
			       SWAP_STATUS_WORDS, &got);
	return err ? err : got == SWAP_STATUS_WORDS ? 0 : -E_FORMAT;
}

static long swap_ctl(int ep, uint32_t label, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t w[3] = { a, b, c };
	uint32_t n = label == SWAP_WATERMARKS ? 3 : label == SWAP_LIMIT ? 2 : 1;
	return ipc_request(ep, &buf, label, w, n, 0, 0, 0, 0, 0, 0);
}

static uint64_t word(uint64_t page, uint64_t pass, uint64_t i)
{
	uint64_t x = (page << 20 | pass << 8 | i) * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

static void fill(uint64_t *p, uint64_t page, uint64_t pass)
{
	for (uint64_t i = 0; i < 8; i++)
		p[i * 64] = word(page, pass, i);
}

static bool same(const uint64_t *p, uint64_t page, uint64_t pass)
{
	for (uint64_t i = 0; i < 8; i++)
		if (p[i * 64] != word(page, pass, i))
			return false;
	return true;
}

/* npages of anonymous memory written and checked twice over, with a
 * control request (label, a) between the passes when label is not 0. */
static void round_trip(uint64_t npages, uint32_t label, uint64_t a, uint64_t *mismatches,
		       struct swap_status *before_close)
{
	long vmo = vmo_anon(npages * PG, -1, 0, -1, 0);
	CHECK(vmo > 0);
	CHECK_EQ(vm_map((int)vmo, AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	long ep = swap_ep();
	CHECK(ep > 0);
	uint64_t bad = 0;
	for (uint64_t pass = 0; pass < 3; pass++) {
		for (uint64_t i = 0; i < npages; i++) {
			uint64_t *p = (uint64_t *)(AREA + i * PG);
			if (pass && !same(p, i, pass - 1) && bad++ < 4)
				uprintf("%s: page %lu differs in pass %lu\n", cur, (unsigned long)i,
					(unsigned long)pass);
			fill(p, i, pass);
		}
		if (label && pass == 0)
			CHECK_EQ(swap_ctl((int)ep, label, a, 0, 0), 0);
	}
	*mismatches = bad;
	if (before_close)
		CHECK_EQ(swap_status((int)ep, before_close), 0);
	CHECK_EQ(vm_unmap(AREA, npages * PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close((int)ep);
}

/* 1.5 times the RAM, three passes: every page out and back, bit for bit. */
static void swap_anon_survives_eviction(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s0, s1, s2;
	CHECK_EQ(swap_status((int)ep, &s0), 0);
	uint64_t npages = s0.total_frames * 3 / 2, bad = ~0ul;
	round_trip(npages, 0, 0, &bad, &s1);
	CHECK_EQ(bad, 0);
	CHECK(s1.swap_outs - s0.swap_outs >= npages / 2);
	CHECK(s1.swap_ins - s0.swap_ins >= npages / 2);
	CHECK(s1.low_signals > s0.low_signals);
	CHECK_EQ(s1.io_errors, 0);
	CHECK(s1.slots_used >= npages / 2);
	/* The object's slots go with it (TERMINATE reaches the pager soon;
	 * other objects may take a few meanwhile). */
	for (int i = 0; i < 200; i++) {
		CHECK_EQ(swap_status((int)ep, &s2), 0);
		if (s2.slots_used + npages / 2 <= s1.slots_used)
			break;
		sys_sleep(10 * 1000 * 1000);
	}
	CHECK(s2.slots_used + npages / 2 <= s1.slots_used);
	sys_handle_close((int)ep);
}

/* The static disk map and a cluster of 1: nothing lost either. */
static void swap_static_map_and_cluster(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s;
	CHECK_EQ(swap_status((int)ep, &s), 0);
	uint64_t npages = s.total_frames * 5 / 4, bad = ~0ul;
	CHECK_EQ(swap_ctl((int)ep, SWAP_MAP_MODE, SWAP_STATIC, 0, 0), 0);
	round_trip(npages, SWAP_CLUSTER, 1, &bad, 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(swap_ctl((int)ep, SWAP_MAP_MODE, SWAP_DYNAMIC, 0, 0), 0);
	CHECK_EQ(swap_ctl((int)ep, SWAP_CLUSTER, 8, 0, 0), 0);
	/* Out of range: refused, nothing changes. */
	CHECK_EQ(swap_ctl((int)ep, SWAP_POLICY, POL_NKINDS, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_CLUSTER, 0, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_CLUSTER, SWAP_CLUSTER_MAX + 1, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_MAP_MODE, 7, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_LIMIT, 0, 10, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_WATERMARKS, 10, 5, 20), -E_INVAL);
	CHECK_EQ(swap_status((int)ep, &s), 0);
	CHECK_EQ(s.map_mode, SWAP_DYNAMIC);
	CHECK_EQ(s.cluster, 8);
	sys_handle_close((int)ep);
}

/* Starts argv with the runner's name and console handles. */
static int start(const char *const *argv)
{
	struct std_handles sh = { .name = H_NAME, .sys = -1, .console = H_CONSOLE, .mm = -1 };
	return spawn_std(argv, &sh);
}

static void print_status(int ep)
{
	struct swap_status s;
	if (swap_status(ep, &s))
		return;
	uprintf("%s: swap-ins %lu, swap-outs %lu, clean drops %lu, reads %lu, writes %lu, "
		"harvests %lu (%lu ms), reclaim %lu ms, evicted %lu, slots used %lu, bad %lu, "
		"full %lu, I/O errors %lu\n", cur,
		(unsigned long)s.swap_ins, (unsigned long)s.swap_outs, (unsigned long)s.clean_drops,
		(unsigned long)s.disk_reads, (unsigned long)s.disk_writes, (unsigned long)s.harvests,
		(unsigned long)s.harvest_ms, (unsigned long)s.reclaim_ms, (unsigned long)s.evicted,
		(unsigned long)s.slots_used, (unsigned long)s.slots_bad, (unsigned long)s.full,
		(unsigned long)s.io_errors);
}

/* swapstress over three times the RAM, three passes: nothing lost. */
static void swapstress_three_times_ram(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	const char *argv[] = { "swapstress", "-q", "384", "3", 0 };
	int h = start(argv);
	CHECK(h >= 0);
	CHECK_EQ(sys_task_wait(h), 0);
	print_status((int)ep);
	sys_handle_close((int)ep);
}

/* Waits for task h; its exit status. */
static long wait_for(int h)
{
	long st = sys_task_wait(h);
	sys_handle_close(h);
	return st;
}

/* Three at once, over 1.5 times the RAM together: nothing lost. */
static void three_swapstress_at_once(void)
{
	const char *a[] = { "swapstress", "-q", "64", "2", "11", 0 };
	const char *b[] = { "swapstress", "-q", "64", "2", "22", 0 };
	const char *c[] = { "swapstress", "-q", "64", "2", "33", 0 };
	int h[3] = { start(a), start(b), start(c) };
	CHECK(h[0] >= 0 && h[1] >= 0 && h[2] >= 0);
	long st[3] = { wait_for(h[0]), wait_for(h[1]), wait_for(h[2]) };
	CHECK_EQ(st[0], 0);
	CHECK_EQ(st[1], 0);
	CHECK_EQ(st[2], 0);
}

/* The policy changes every 100 ms while swapstress runs, every policy in
 * turn: nothing resident, dirty or swapped out is lost. */
static void policy_switched_every_100ms(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s0, s1;
	CHECK_EQ(swap_status((int)ep, &s0), 0);
	const char *argv[] = { "swapstress", "-q", "192", "2", "5", 0 };
	int h = start(argv);
	CHECK(h >= 0);
	uint64_t k = 0;
	for (;;) {
		struct task_info ti;
		if (sys_task_info(h, &ti) < 0 || ti.state == TASK_DEAD)
			break;
		CHECK_EQ(swap_ctl((int)ep, SWAP_POLICY, k++ % POL_NKINDS, 0, 0), 0);
		sys_sleep(100ull * 1000 * 1000);
	}
	CHECK_EQ(wait_for(h), 0);
	CHECK(k >= POL_NKINDS);
	CHECK_EQ(swap_status((int)ep, &s1), 0);
	CHECK(s1.switches - s0.switches >= POL_NKINDS);
	CHECK(s1.swap_outs > s0.swap_outs);
	CHECK_EQ(swap_ctl((int)ep, SWAP_POLICY, POL_CLOCK, 0, 0), 0);
	print_status((int)ep);
	sys_handle_close((int)ep);
}

/* A zero-pager object, written while it fits, goes to the swap pager
 * (SWAP_ADOPT: a rebind) and then through more than the RAM: every page
 * is still right. */
static void rebind_zero_to_swap_during_run(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s0, s1;
	CHECK_EQ(swap_status((int)ep, &s0), 0);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	uint64_t npages = s0.total_frames * 5 / 4, early = s0.total_frames / 4;
	uint64_t w[1] = { npages * PG };
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = buf.handles[0];
	sys_handle_close((int)zp);
	CHECK_EQ(vm_map(vmo, AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	for (uint64_t i = 0; i < early; i++)
		fill((uint64_t *)(AREA + i * PG), i, 0);
	struct vmo_info before, after;
	CHECK_EQ(vmo_info(vmo, &before), 0);
	long give = sys_handle_copy(vmo, R_CONTROL | R_READ | R_GRANT);
	CHECK(give > 0);
	int32_t hs[1] = { (int32_t)give };
	uint32_t rights[1] = { R_CONTROL | R_READ };
	uint64_t epoch;
	uint32_t got;
	CHECK_EQ(ipc_request((int)ep, &buf, SWAP_ADOPT, 0, 0, hs, rights, 1, &epoch, 1, &got), 0);
	sys_handle_close((int)give);
	CHECK(epoch > before.epoch);
	uint64_t bad = 0;
	for (uint64_t i = early; i < npages; i++)
		fill((uint64_t *)(AREA + i * PG), i, 0);
	for (uint64_t pass = 1; pass < 3; pass++)
		for (uint64_t i = 0; i < npages; i++) {
			uint64_t *p = (uint64_t *)(AREA + i * PG);
			if (!same(p, i, pass - 1) && bad++ < 4)
				uprintf("%s: page %lu differs in pass %lu\n", cur, (unsigned long)i,
					(unsigned long)pass);
			fill(p, i, pass);
		}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vmo_info(vmo, &after), 0);
	CHECK_EQ(after.epoch, epoch);
	CHECK_EQ(after.rebinding, 0);
	CHECK_EQ(swap_status((int)ep, &s1), 0);
	CHECK(s1.swap_outs - s0.swap_outs >= npages / 4);
	CHECK_EQ(vm_unmap(AREA, npages * PG), 0);
	sys_handle_close(vmo);
	sys_handle_close((int)ep);
}

/* Waits (up to a second) until a rebind of vmo is complete; *info as
 * it was last read. */
static void wait_rebound(int vmo, struct vmo_info *info)
{
	for (int i = 0; i < 100; i++) {
		if (vmo_info(vmo, info) || !info->rebinding)
			return;
		sys_sleep(10ull * 1000 * 1000);
	}
}

/* The other way (pagerctl rebind ... zero): an anonymous object of the
 * swap pager's, written and evicted to the swap disk, goes to the zero
 * pager (ZERO_ADOPT). The swap pager hands every page back in its
 * RELEASE; they read back right, and evicted again (now returned to the
 * zero pager, which keeps the frames) still do. */
static void rebind_swap_to_zero_keeps_every_page(void)
{
	enum { NP = 32 };
	ipc_buffer_setup(&buf);
	int mm = mm_cap();
	CHECK(mm >= 0);
	long vmo = vmo_anon(NP * PG, -1, 0, -1, 0); /* the default pager's: swap */
	CHECK(vmo > 0);
	CHECK_EQ(vm_map((int)vmo, AREA, NP * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	for (uint64_t i = 0; i < NP; i++)
		fill((uint64_t *)(AREA + i * PG), i, 5);
	struct vmo_info info;
	uint8_t st[NP];
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(mm_evict(mm, info.id, 0, NP, st), NP);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	long give = sys_handle_copy((int)vmo, R_CONTROL | R_READ | R_GRANT);
	CHECK(give > 0);
	int32_t hs[1] = { (int32_t)give };
	uint32_t rights[1] = { R_CONTROL | R_READ };
	uint64_t epoch = 0;
	uint32_t got = 0;
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_ADOPT, 0, 0, hs, rights, 1, &epoch, 1, &got), 0);
	sys_handle_close((int)give);
	CHECK(epoch > info.epoch);
	wait_rebound((int)vmo, &info); /* the swap pager hands them back */
	CHECK_EQ(info.rebinding, 0);
	CHECK_EQ(info.epoch, epoch);
	uint64_t bad = 0;
	for (uint64_t i = 0; i < NP; i++)
		bad += !same((uint64_t *)(AREA + i * PG), i, 5);
	CHECK_EQ(bad, 0);
	/* Dirty now (the rebind marks them so): evicted, they go to the zero
	 * pager's return area, and come back from there. */
	CHECK_EQ(mm_evict(mm, info.id, 0, NP, st), NP);
	for (uint64_t i = 0; i < NP; i++)
		bad += !same((uint64_t *)(AREA + i * PG), i, 5);
	CHECK_EQ(bad, 0);
	CHECK_EQ(vm_unmap(AREA, NP * PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close((int)zp);
}

/* A second swap pager, on blk2, for the objects handed to it; its task
 * and its endpoint (send side) through the pager hand-off. */
static long private_swap(int *ep)
{
	long boot = sys_endpoint_create();
	if (boot < 0)
		return boot;
	const char *argv[] = { "swap", "blk2", "private", 0 };
	int32_t hs[2] = { (int32_t)boot, H_NAME };
	uint32_t rights[2] = { R_SEND, R_SEND | R_GRANT };
	long task = spawn(argv, hs, rights, 2);
	struct ipc_msg m;
	long err = task < 0 ? task : ipc_recv((int)boot, &m, 5000ull * 1000 * 1000);
	if (!err && IPC_TAG_HANDLES(m.tag) != 1)
		err = -E_INVAL;
	if (!err) {
		*ep = buf.handles[0];
		m = (struct ipc_msg){ .tag = IPC_TAG(0, 0, 0) };
		ipc_reply(&m);
	}
	sys_handle_close((int)boot);
	return err ? err : task;
}

/* A swap pager dies while its pages are out: the program that faults on
 * one gets a fault error (it is killed with a log line), the kernel and
 * everyone else go on, and the object can be rebound. (The runner cannot
 * kill the default pager, which it depends on itself: a second swap
 * pager on blk2 is killed instead.) */
static void swap_pager_killed_during_run(void)
{
	ipc_buffer_setup(&buf);
	int mm = mm_cap(), pep = -1;
	CHECK(mm >= 0);
	long task = private_swap(&pep);
	CHECK(task >= 0);
	long vmo = vmo_anon(16 * PG, -1, 0, -1, 0);
	CHECK(vmo > 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 16 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	long give = sys_handle_copy((int)vmo, R_CONTROL | R_READ | R_GRANT);
	CHECK(give > 0);
	int32_t hs[1] = { (int32_t)give };
	uint32_t rights[1] = { R_CONTROL | R_READ };
	uint64_t epoch;
	uint32_t got;
	CHECK_EQ(ipc_request(pep, &buf, SWAP_ADOPT, 0, 0, hs, rights, 1, &epoch, 1, &got), 0);
	sys_handle_close((int)give);
	for (uint64_t i = 0; i < 16; i++)
		fill((uint64_t *)(AREA + i * PG), i, 7);
	struct vmo_info info;
	wait_rebound((int)vmo, &info); /* the old pager hands it over */
	CHECK_EQ(info.rebinding, 0);
	CHECK_EQ(info.epoch, epoch);
	uint8_t st[16];
	CHECK_EQ(mm_evict(mm, info.id, 0, 16, st), 16);
	/* The pager has them (written to blk2) once they read back right;
	 * then the first 8 go again (clean: dropped), the rest stay. */
	for (uint64_t i = 0; i < 16; i++)
		CHECK(same((uint64_t *)(AREA + i * PG), i, 7));
	CHECK_EQ(mm_evict(mm, info.id, 0, 8, st), 8);
	CHECK_EQ(sys_task_kill((int)task), 0);
	CHECK(sys_task_wait((int)task) != 0);
	/* A child touching page 0 gets a fault error; we go on. */
	const char *argv[] = { "uhelper", "touchvmo", 0 };
	int32_t ch[1] = { (int32_t)vmo };
	uint32_t cr[1] = { R_MAP | R_READ };
	long child = spawn(argv, ch, cr, 1);
	CHECK(child >= 0);
	long status = sys_task_wait((int)child);
	CHECK(status & TASK_STATUS_KILLED);
	/* The pages still resident are intact. */
	for (uint64_t i = 8; i < 16; i++)
		CHECK(same((uint64_t *)(AREA + i * PG), i, 7));
	CHECK_EQ(vm_unmap(AREA, 16 * PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(pep);
}

/* A swap disk too small for what is written: the program that needs more
 * gets a fault error (killed with a log line), another one goes on. */
static void swap_full_gives_fault_error(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	const char *hog[] = { "swapstress", "-q", "256", "1", 0 };
	const char *small[] = { "swapstress", "-q", "8", "200", 0 };
	/* The small one first: starting a program while memory is gone may
	 * fail, and what is tested is that a running one goes on. */
	int k = start(small);
	CHECK(k >= 0);
	int h = start(hog);
	CHECK(h >= 0);
	CHECK_EQ(wait_for(k), 0);
	long st = wait_for(h);
	CHECK(st & TASK_STATUS_KILLED);
	struct swap_status s;
	CHECK_EQ(swap_status((int)ep, &s), 0);
	CHECK(s.full > 0);
	print_status((int)ep);
	/* The pager goes on: a program that fits runs. */
	const char *fits[] = { "swapstress", "-q", "8", "3", 0 };
	int again = start(fits);
	CHECK(again >= 0);
	CHECK_EQ(wait_for(again), 0);
	sys_handle_close((int)ep);
}

/* Writes to one sector of the swap disk fail (blkdebug): its slot is
 * marked bad, the page goes to another, nothing is lost. */
static void swap_io_error_marks_slot_bad(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	const char *argv[] = { "swapstress", "-q", "160", "2", 0 };
	int h = start(argv);
	CHECK(h >= 0);
	CHECK_EQ(wait_for(h), 0);
	struct swap_status s;
	CHECK_EQ(swap_status((int)ep, &s), 0);
	print_status((int)ep);
	CHECK(s.io_errors > 0);
	CHECK(s.slots_bad > 0);
	sys_handle_close((int)ep);
}

/* A resident-set limit for one task, with memory to spare: the manager
 * evicts its pages down to the limit, its data survives, and the limit
 * goes when set to 0. */
static void resident_limit_enforced(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s0, s1;
	CHECK_EQ(swap_status((int)ep, &s0), 0);
	const char *argv[] = { "swapstress", "-q", "32", "3", "9", 0 };
	int h = start(argv);
	CHECK(h >= 0);
	struct task_info ti;
	CHECK_EQ(sys_task_info(h, &ti), 0);
	CHECK_EQ(swap_ctl((int)ep, SWAP_LIMIT, ti.id, 1024, 0), 0);
	CHECK_EQ(wait_for(h), 0);
	CHECK_EQ(swap_status((int)ep, &s1), 0);
	CHECK(s1.limit_evictions - s0.limit_evictions >= 1024);
	CHECK(s1.swap_ins > s0.swap_ins);
	CHECK_EQ(swap_ctl((int)ep, SWAP_LIMIT, ti.id, 0, 0), 0);
	print_status((int)ep);
	sys_handle_close((int)ep);
}

/* Lab mode: refstring runs each trace of /lab (the host's, made by
 * policylab-gen) and three workloads it generates itself (-w, the same
 * generator source) with every policy and a few frame counts; its lines go
 * to the console, where tests/swap/run-swap-tests compares them with the
 * host's replay (policylab-replay -m guest). Here: each run ends well. */
static void refstring_runs_lab_traces(void)
{
	static const char *const traces[] = { "@/lab/belady.trace", "@/lab/zipf.trace",
					      "@/lab/loop.trace",   "-wseq,24,200",
					      "-wphase,64,1500,5",  "-wsort,12" };
	static const char *const frames[] = { "3", "4", "8" };
	static const char *const policies[] = { "fifo", "second-chance", "clock", "aging",
						"wsclock", "random", "nru" };
	_Static_assert(sizeof(policies) / sizeof(policies[0]) == POL_NKINDS, "every policy");
	for (size_t t = 0; t < sizeof(traces) / sizeof(traces[0]); t++)
		for (int k = 0; k < POL_NKINDS; k++)
			for (size_t f = 0; f < sizeof(frames) / sizeof(frames[0]); f++) {
				const char *argv[] = { "refstring", traces[t], frames[f], policies[k], 0 };
				int h = start(argv);
				CHECK(h >= 0);
				CHECK_EQ(wait_for(h), 0);
			}
	/* A recording of the zipf trace's references (lab-trace lines). */
	const char *rec[] = { "refstring", "@/lab/zipf.trace", "1", "record", 0 };
	int h = start(rec);
	CHECK(h >= 0);
	CHECK_EQ(wait_for(h), 0);
}

const struct qtest swap_tests[] = {
	{ "refstring_runs_lab_traces", refstring_runs_lab_traces },
	{ "resident_limit_enforced", resident_limit_enforced },
	{ "swap_pager_killed_during_run", swap_pager_killed_during_run },
	{ "swap_full_gives_fault_error", swap_full_gives_fault_error },
	{ "swap_io_error_marks_slot_bad", swap_io_error_marks_slot_bad },
	{ "three_swapstress_at_once", three_swapstress_at_once },
	{ "policy_switched_every_100ms", policy_switched_every_100ms },
	{ "rebind_zero_to_swap_during_run", rebind_zero_to_swap_during_run },
	{ "rebind_swap_to_zero_keeps_every_page", rebind_swap_to_zero_keeps_every_page },
	{ "swapstress_three_times_ram", swapstress_three_times_ram },
	{ "swap_anon_survives_eviction", swap_anon_survives_eviction },
	{ "swap_static_map_and_cluster", swap_static_map_and_cluster },
};
const size_t n_swap_tests = sizeof(swap_tests) / sizeof(swap_tests[0]);
