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
	/* The object's slots go with it (TERMINATE reaches the pager soon). */
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(swap_status((int)ep, &s2), 0);
		if (s2.objects < s1.objects)
			break;
		sys_sleep(10 * 1000 * 1000);
	}
	CHECK(s2.objects < s1.objects);
	CHECK(s1.slots_used - s2.slots_used >= npages / 2);
	sys_handle_close((int)ep);
}

/* Every policy in turn while memory goes round: nothing lost. */
static void swap_policy_switch_keeps_pages(void)
{
	long ep = swap_ep();
	CHECK(ep > 0);
	struct swap_status s;
	CHECK_EQ(swap_status((int)ep, &s), 0);
	uint64_t npages = s.total_frames * 5 / 4;
	for (uint64_t k = 0; k < POL_NKINDS; k++) {
		uint64_t bad = ~0ul;
		round_trip(npages, SWAP_POLICY, k, &bad, 0);
		CHECK_EQ(bad, 0);
		CHECK_EQ(swap_status((int)ep, &s), 0);
		CHECK_EQ(s.policy, k);
	}
	CHECK_EQ(swap_ctl((int)ep, SWAP_POLICY, POL_NKINDS, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_CLUSTER, 0, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_CLUSTER, SWAP_CLUSTER_MAX + 1, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_MAP_MODE, 7, 0, 0), -E_RANGE);
	CHECK_EQ(swap_ctl((int)ep, SWAP_POLICY, POL_CLOCK, 0, 0), 0);
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
	CHECK_EQ(swap_status((int)ep, &s), 0);
	CHECK_EQ(s.map_mode, SWAP_DYNAMIC);
	CHECK_EQ(s.cluster, 8);
	sys_handle_close((int)ep);
}

const struct qtest swap_tests[] = {
	{ "swap_anon_survives_eviction", swap_anon_survives_eviction },
	{ "swap_policy_switch_keeps_pages", swap_policy_switch_keeps_pages },
	{ "swap_static_map_and_cluster", swap_static_map_and_cluster },
};
const size_t n_swap_tests = sizeof(swap_tests) / sizeof(swap_tests[0]);
