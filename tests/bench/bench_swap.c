/*
 * Swap benchmarks, on the swap disk scripts/bench attaches as blk1 (init
 * starts the swap pager on it: the default pager of anonymous memory and
 * the memory manager). They run in a task of their own, `bench swap`: the
 * bench task is a pager (bench_fault.c pages objects), and a pager's
 * memory is never paged. As in bench_blk.c, the hart's idle time while the
 * disk works (SYS_IDLE_COUNT) is taken off: the figures are the busy
 * instructions of kernel, swap pager, manager, driver and interrupt.
 *   fault_swap_in                    a load from an anonymous page that the
 *                                    swap pager wrote out (evicted with
 *                                    mm_evict): one page read back, cluster 1
 *   fault_swap_in_cluster16_per_page the same with 16 pages read per fault
 *                                    (SWAP_CLUSTER 16), per page: the 16
 *                                    loads of a cluster / 16, as
 *                                    fault_file_major_cluster16_per_page
 *   swap_out_per_page                what the memory manager's eviction
 *                                    costs per page written: a fill of
 *                                    anonymous memory 5/4 of RAM, in windows
 *                                    of WINDOW pages; a sample is a window's
 *                                    busy instructions less what the same
 *                                    pages cost without swapping (measured
 *                                    first, on memory that fits), divided by
 *                                    the pages written in the window
 * and, for each replacement policy, `swapstress -q POL_MIB 2 1` under a
 * resident-set limit of 16 MiB (SWAP_LIMIT), cluster 1 (so a fault is one
 * page read): its faults (pages read back) and pages
 * written, as BENCH lines of one sample in unit `pages`
 * (swapstress_<policy>_faults, _pages_written; scripts/bench adds a
 * table of them to results.md), with the details (write requests, limit
 * evictions, the peak of its frames, sampled) in a BENCH-INFO line. 64
 * MiB, not the 256: at 256 MiB FIFO, second chance and CLOCK
 * take about a minute of host time each, aging more than five.
 */
#include "libipc/server.h"
#include "libipc/vm.h"
#include "pagers/swap/swap_proto.h"
#include "servers/name/name_proto.h"
#include "tests/bench/bench.h"

#define PG 4096ul
#define SWAP_AREA 0x2b00000000ul
#define IN_WARMUP 16
#define IN_N 1000 /* pages read back one by one */
#define CLUSTER 16
#define CLUSTER_N 100 /* clusters of 16 after those */
#define EVICT_RUN 64  /* pages a mm_evict: the pager's return area holds 256 */
#define FIT_PAGES 4096 /* the no-swap baseline of swap_out_per_page */
#define WINDOW 1024    /* pages a swap_out_per_page sample covers */
#define POL_MIB "64"
#define POL_PASSES "2"
#define POL_LIMIT 4096 /* pages: 16 MiB */
#define WAIT_NS (10ull * 1000 * 1000)
#define POLL_NS (5ull * 1000 * 1000) /* swapstress's frames, sampled */

static struct ipc_buffer sbuf;
static int swap_ep = -1, mm = -1;

static const char *const policies[] = { "fifo", "second-chance", "clock", "aging",
					"wsclock", "random", "nru" };
enum { NPOL = sizeof(policies) / sizeof(policies[0]), POL_CLOCK_KIND = 2 };

static long status(struct swap_status *s)
{
	uint32_t got;
	long err = ipc_request(swap_ep, &sbuf, SWAP_STATUS, 0, 0, 0, 0, 0, (uint64_t *)s,
			       SWAP_STATUS_WORDS, &got);
	return err ? err : got == SWAP_STATUS_WORDS ? 0 : -E_FORMAT;
}

static long ctl(uint32_t label, uint64_t a, uint64_t b)
{
	uint64_t w[2] = { a, b };
	return ipc_request(swap_ep, &sbuf, label, w, label == SWAP_LIMIT ? 2 : 1, 0, 0, 0, 0, 0,
			   0);
}

static uint64_t busy(void)
{
	return rd_instret() - (uint64_t)sys0(SYS_IDLE_COUNT);
}

/* Waits until the pager has written `want` pages since `outs0`. */
static bool wait_outs(uint64_t outs0, uint64_t want)
{
	struct swap_status s;
	for (int i = 0; i < 1000; i++) {
		if (status(&s))
			return false;
		if (s.swap_outs - outs0 >= want)
			return true;
		sys_sleep(WAIT_NS);
	}
	uprintf("bench: the swap pager wrote %lu of %lu pages\n",
		(unsigned long)(s.swap_outs - outs0), (unsigned long)want);
	return false;
}

/* Pages [first, first + n) of the object, dirty, evicted and written to
 * the swap disk, in order (so on consecutive slots). */
static bool swap_out(uint64_t id, uint64_t first, uint64_t n)
{
	static uint8_t st[EVICT_RUN];
	struct swap_status s;
	if (status(&s))
		return false;
	for (uint64_t p = first; p < first + n; p += EVICT_RUN) {
		uint64_t k = first + n - p < EVICT_RUN ? first + n - p : EVICT_RUN;
		long r = mm_evict(mm, id, p * PG, k, st);
		uint64_t dirty = 0;
		for (uint64_t j = 0; r >= 0 && j < k; j++)
			dirty += (st[j] & (PAGE_RESIDENT | PAGE_DIRTY | PAGE_STAYED)) ==
				 (PAGE_RESIDENT | PAGE_DIRTY);
		if (r < 0 || dirty != k) {
			uprintf("bench: mm_evict of pages %lu..: %ld, %lu of %lu went dirty\n",
				(unsigned long)p, r, (unsigned long)dirty, (unsigned long)k);
			return false;
		}
		if (!wait_outs(s.swap_outs, p + k - first))
			return false;
	}
	return true;
}


static uint64_t less_overhead(uint64_t t)
{
	return t > counter_overhead() ? t - counter_overhead() : 0;
}

/* fault_swap_in: pages [0, IN_WARMUP + IN_N) read back one by one. */
static void single_faults(volatile const uint64_t *base)
{
	struct swap_status s0, s1;
	if (ctl(SWAP_CLUSTER, 1, 0) || status(&s0))
		return;
	uint64_t from = trace_records_end();
	for (size_t i = 0; i < IN_WARMUP + IN_N; i++) {
		uint64_t t = timed_load(base + i * PG / 8);
		if (i >= IN_WARMUP)
			samples[i - IN_WARMUP] = t;
	}
	status(&s1);
	uprintf("BENCH-INFO fault_swap_in_reads %lu pages in %lu requests for %u faults\n",
		(unsigned long)(s1.swap_ins - s0.swap_ins),
		(unsigned long)(s1.disk_reads - s0.disk_reads), IN_WARMUP + IN_N);
	report_n("fault_swap_in", IN_N, true);
	bench_trace_cdf("swap_pager", from, false);
}

/* fault_swap_in_cluster16_per_page: the CLUSTER_N clusters after those,
 * each read by the fault on its first page. */
static void cluster_faults(volatile const uint64_t *base)
{
	static uint64_t first[CLUSTER_N];
	struct swap_status s0, s1;
	if (ctl(SWAP_CLUSTER, CLUSTER, 0) || status(&s0))
		return;
	for (size_t c = 0; c < CLUSTER_N; c++) {
		uint64_t sum = 0;
		for (size_t k = 0; k < CLUSTER; k++) {
			uint64_t page = IN_WARMUP + IN_N + c * CLUSTER + k;
			uint64_t t = less_overhead(timed_load(base + page * PG / 8));
			if (k == 0)
				first[c] = t / CLUSTER;
			sum += t;
		}
		samples[c] = sum / CLUSTER;
	}
	status(&s1);
	uint64_t f = 0;
	for (size_t c = 0; c < CLUSTER_N; c++)
		f += first[c];
	uprintf("BENCH-INFO fault_swap_in_cluster16_reads %lu pages in %lu requests for %u "
		"clusters; the first load of a cluster alone, / 16: mean %lu\n",
		(unsigned long)(s1.swap_ins - s0.swap_ins),
		(unsigned long)(s1.disk_reads - s0.disk_reads), CLUSTER_N,
		(unsigned long)(f / CLUSTER_N));
	report_n("fault_swap_in_cluster16_per_page", CLUSTER_N, false);
}

/* An anonymous object of the default pager (the swap pager), every page
 * written, evicted and written out; then read back. */
static void faults_in(void)
{
	uint64_t npages = IN_WARMUP + IN_N + CLUSTER * CLUSTER_N;
	long vmo = vmo_anon(npages * PG, -1, 0, -1, 0);
	struct vmo_info info;
	if (vmo < 0 || vmo_info((int)vmo, &info) ||
	    vm_map((int)vmo, SWAP_AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED)) {
		uprintf("bench: no anonymous object for fault_swap_in\n");
		return;
	}
	volatile uint64_t *base = (volatile uint64_t *)SWAP_AREA;
	for (uint64_t i = 0; i < npages; i++)
		base[i * PG / 8] = i + 1;
	if (swap_out(info.id, 0, npages)) {
		single_faults(base);
		cluster_faults(base);
	}
	ctl(SWAP_CLUSTER, 8, 0);
	vm_unmap(SWAP_AREA, npages * PG);
	sys_handle_close((int)vmo);
}

/* Busy instructions of storing one word to each of n fresh pages of an
 * anonymous object, in windows of WINDOW pages: out[w] per window, and
 * the pages the swap pager wrote meanwhile in outs[w]. Returns the
 * windows measured. */
static size_t fill_windows(uint64_t n, uint64_t *out, uint64_t *outs)
{
	long vmo = vmo_anon(n * PG, -1, 0, -1, 0);
	if (vmo < 0 || vm_map((int)vmo, SWAP_AREA, n * PG, 0, VM_R | VM_W | VM_SHARED)) {
		uprintf("bench: no anonymous object of %lu pages\n", (unsigned long)n);
		return 0;
	}
	volatile uint64_t *base = (volatile uint64_t *)SWAP_AREA;
	size_t w = 0;
	struct swap_status s;
	for (uint64_t p = 0; p + WINDOW <= n; p += WINDOW, w++) {
		status(&s);
		uint64_t outs0 = s.swap_outs, b0 = busy();
		for (uint64_t i = p; i < p + WINDOW; i++)
			base[i * PG / 8] = i + 1;
		out[w] = busy() - b0;
		status(&s);
		outs[w] = s.swap_outs - outs0;
	}
	vm_unmap(SWAP_AREA, n * PG);
	sys_handle_close((int)vmo);
	return w;
}

static void swap_out_cost(void)
{
	static uint64_t cost[N], outs[N];
	struct swap_status s;
	if (status(&s))
		return;
	size_t nw = fill_windows(FIT_PAGES, cost, outs);
	uint64_t fit = 0;
	for (size_t w = 1; w < nw; w++) /* the first window: warm-up */
		fit += cost[w];
	if (nw < 2)
		return;
	fit /= nw - 1; /* per window, no page written */
	uint64_t npages = s.total_frames * 5 / 4;
	nw = fill_windows(npages, cost, outs);
	size_t n = 0;
	uint64_t all = 0, written = 0;
	for (size_t w = 0; w < nw; w++) {
		if (!outs[w] || (n == 0 && outs[w] < WINDOW / 4))
			continue; /* memory not low yet, or the first writes */
		all += cost[w] > fit ? cost[w] - fit : 0;
		written += outs[w];
		samples[n++] = cost[w] > fit ? (cost[w] - fit) / outs[w] : 0;
	}
	uprintf("BENCH-INFO swap_out_fill %lu pages (5/4 of %lu frames), %lu written in "
		"%zu windows of %u; a window costs %lu without swapping; %lu per page written "
		"over them all\n",
		(unsigned long)npages, (unsigned long)s.total_frames, (unsigned long)written, n,
		WINDOW, (unsigned long)fit, (unsigned long)(written ? all / written : 0));
	if (n)
		report_n("swap_out_per_page", n, false);
}

/* One figure that is a count, not a cost: a BENCH line of one sample. */
static void report_count(const char *policy, const char *what, uint64_t v)
{
	uprintf("BENCH swapstress_%s_%s pages 1 %lu %lu %lu.0 %lu %lu\n", policy, what,
		(unsigned long)v, (unsigned long)v, (unsigned long)v, (unsigned long)v,
		(unsigned long)v);
}

static int console_handle(void)
{
	return handle_is(H_CONSOLE, OBJ_ENDPOINT, R_SEND) ? H_CONSOLE : -1;
}

/* swapstress under a 16 MiB resident-set limit with policy k. */
static void policy_run(int k)
{
	struct swap_status s0, s1;
	if (ctl(SWAP_POLICY, (uint64_t)k, 0) || ctl(SWAP_SEED, 1, 0) || status(&s0)) {
		uprintf("bench: cannot switch to %s\n", policies[k]);
		return;
	}
	const char *argv[] = { "swapstress", "-q", POL_MIB, POL_PASSES, "1", 0 };
	struct std_handles sh = { .name = -1, .sys = -1, .console = console_handle(), .mm = -1 };
	uint64_t b0 = busy();
	int h = spawn_std(argv, &sh);
	struct task_info ti;
	if (h < 0 || sys_task_info(h, &ti) || ctl(SWAP_LIMIT, ti.id, POL_LIMIT)) {
		uprintf("bench: cannot run swapstress under %s\n", policies[k]);
		return;
	}
	uint64_t peak = 0; /* frames: does the limit hold? */
	while (!sys_task_info(h, &ti) && ti.state != TASK_DEAD) {
		peak = ti.frames > peak ? ti.frames : peak;
		sys_sleep(POLL_NS);
	}
	long st = sys_task_wait(h);
	uint64_t b = busy() - b0;
	ctl(SWAP_LIMIT, ti.id, 0);
	sys_handle_close(h);
	status(&s1);
	uprintf("BENCH-INFO swapstress_%s faults %lu, pages written %lu, write requests %lu, "
		"limit evictions %lu, zero fills %lu, peak frames %lu, busy instructions %lu, "
		"exit %ld\n",
		policies[k], (unsigned long)(s1.swap_ins - s0.swap_ins),
		(unsigned long)(s1.swap_outs - s0.swap_outs),
		(unsigned long)(s1.disk_writes - s0.disk_writes),
		(unsigned long)(s1.limit_evictions - s0.limit_evictions),
		(unsigned long)(s1.zero_fills - s0.zero_fills), (unsigned long)peak,
		(unsigned long)b, st);
	if (st != 0)
		return; /* a mismatch (or no memory): no figures */
	report_count(policies[k], "faults", s1.swap_ins - s0.swap_ins);
	report_count(policies[k], "pages_written", s1.swap_outs - s0.swap_outs);
}

static void policies_run(void)
{
	if (ctl(SWAP_CLUSTER, 1, 0))
		return;
	uprintf("BENCH-INFO swapstress_run swapstress -q %s %s 1, resident-set limit %d pages, "
		"cluster 1\n",
		POL_MIB, POL_PASSES, POL_LIMIT);
	for (int k = 0; k < NPOL; k++)
		policy_run(k);
	ctl(SWAP_POLICY, POL_CLOCK_KIND, 0);
	ctl(SWAP_CLUSTER, 8, 0);
}

static int mm_cap(void)
{
	for (int h = 0; h < 64; h++)
		if (handle_is(h, OBJ_MM, R_CONTROL))
			return h;
	return -1;
}

/* In `bench swap`: a task of its own, no pager (a pager's memory is
 * never paged, and the bench task pages objects of its own). */
int bench_swap_child(void)
{
	ipc_buffer_setup(&sbuf);
	mm = mm_cap();
	long ep = name_lookup(H_NAME, &sbuf, "pager.swap");
	if (ep < 0 || mm < 0) {
		uprintf("BENCH-INFO swap no swap pager (%s): swap benchmarks skipped\n",
			ep < 0 ? err_name(ep) : "no manager capability");
		return 0;
	}
	swap_ep = (int)ep;
	faults_in();
	swap_out_cost();
	policies_run();
	sys_handle_close(swap_ep);
	return 0;
}

void bench_swap(void)
{
	const char *argv[] = { "bench", "swap", 0 };
	struct std_handles sh = { .name = H_NAME, .sys = -1, .console = console_handle(),
				  .mm = mm_cap() };
	int h = spawn_std(argv, &sh);
	long st = h < 0 ? h : sys_task_wait(h);
	if (st != 0)
		uprintf("bench: bench swap: %ld\n", st);
	if (h >= 0)
		sys_handle_close(h);
}
