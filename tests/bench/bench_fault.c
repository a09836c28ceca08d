/*
 * Page-fault benchmarks: one store to a page that is not mapped, timed
 * in the faulting thread (counter, store, counter), through
 *   fault_minor               a page resident in the object, not mapped
 *   fault_kernel_zero         the kernel's own zero-fill object (no IPC)
 *   fault_anon_first_touch    an anonymous object (SYS_VMO_ANON) with a
 *                             pager: never paged out, so zero-filled by the
 *                             kernel through the existence map (no IPC)
 *   fault_cow_copy            a store to a private mapping whose page is
 *                             resident in the object below: copied up
 *   fault_zero_pager          the zero-fill pager, pool of zeroed pages warm
 *                             (refilled in untimed pauses: see PAUSE_EVERY)
 *   zero_pool_refill_per_page what the refilling costs per page (one
 *                             sample: the pauses' busy instructions / pages)
 *   fault_zero_pager_cold     the same with the pool empty: zeroing counted
 *   fault_zero_pager_batch16  16 pages per supply: cost per page (one
 *                             sample = 16 stores / 16)
 *   fault_zero_pager_regions1024  as fault_zero_pager, with 1,024 more
 *                             regions mapped below the one that faults
 *   fault_zero_pager_new_object  the first store to each fresh object of
 *                             that run (kept out of fault_zero_pager)
 * and, from the kernel's fault trace of the warm pager run, the median
 * cost of each stage (fault_stage_*). Objects are recycled every CHUNK
 * pages so memory stays small. Also
 *   vm_map_unmap_1g           map, then unmap, an empty 1 GiB range (no
 *                             page of it ever touched)
 *   fault_unlock              a store to a resident page the pager
 *                             write-protected: an UNLOCK fault answered by
 *                             a pager thread of ours with LOCK_UNLOCK
 *   rebind_idle_object        a rebind with nothing pending, end to end:
 *                             the call, the old pager (us) receiving the
 *                             RELEASE and answering PAGER_CTL_RELEASED
 */
#include <stdio.h>
#include <string.h>

#include "libipc/server.h"
#include "libipc/vm.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"
#include "tests/bench/bench.h"

#define PG 4096ul
#define CHUNK 1024 /* pages per object */
#define AREA 0x3000000000ul
#define MANY 0x2800000000ul    /* the 1,024 extra regions */
#define MANY_REGIONS 1024
#define GIB_AREA 0x2000000000ul /* the 1 GiB map, 1 GiB aligned */
#define GIB (1ul << 30)
#define UNLOCK_STACK 0x2400000000ul

static struct ipc_buffer buf;
static int zero_ep = -1;

/* Where a benchmark's fresh objects come from. */
enum source {
	FROM_KERNEL,     /* VMO_KERNEL_ZERO: anonymous, the kernel zero-fills */
	FROM_ANON_PAGER, /* anonymous with a pager of its own that never hears */
	FROM_ZERO_PAGER, /* the zero-fill pager */
};
static int anon_ep = -1;

/* A fresh object of CHUNK pages mapped at AREA. */
static int fresh_object(enum source from)
{
	long vmo;
	if (from == FROM_KERNEL) {
		vmo = vmo_create(CHUNK * PG, VMO_KERNEL_ZERO, 0);
	} else if (from == FROM_ANON_PAGER) {
		vmo = vmo_anon(CHUNK * PG, -1, 0, anon_ep, 1);
	} else {
		uint64_t w[1] = { CHUNK * PG };
		long err = ipc_request(zero_ep, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0);
		vmo = err < 0 ? err : buf.handles[0];
	}
	if (vmo < 0 || vm_map((int)vmo, AREA, CHUNK * PG, 0, VM_R | VM_W | VM_SHARED))
		return -1;
	return (int)vmo;
}

static void drop_object(int vmo)
{
	vm_unmap(AREA, CHUNK * PG);
	sys_handle_close(vmo);
}

static long zero_call(uint32_t label, uint64_t arg)
{
	uint64_t w[1] = { arg };
	return ipc_request(zero_ep, &buf, label, w, label == ZERO_DRAIN ? 0 : 1, 0, 0, 0, 0, 0, 0);
}

/* The zero pager's pool is refilled by a thread of its below every
 * client, so only while the hart would idle: its runs pause (untimed)
 * every PAUSE_EVERY faults for PAUSE_NS, as a program that computes
 * between its faults would. The busy instructions of the pauses, per
 * page the pager refilled, are what the refilling costs
 * (zero_pool_refill_per_page). */
#define PAUSE_EVERY 128
#define PAUSE_NS (1000ull * 1000)
static uint64_t pause_busy, pause_pages;

/* Pages the zero pager's refill thread has wired (ZERO_STATS w4). */
static uint64_t zero_refilled(void)
{
	uint64_t w[5] = { 0 };
	uint32_t got = 0;
	long err = ipc_request(zero_ep, &buf, ZERO_STATS, 0, 0, 0, 0, 0, w, 5, &got);
	return err == 0 && got == 5 ? w[4] : 0;
}

static void pause_for_refill(void)
{
	uint64_t r0 = zero_refilled();
	uint64_t idle0 = (uint64_t)sys0(SYS_IDLE_COUNT), a = rd_instret();
	sys_sleep(PAUSE_NS);
	uint64_t busy = rd_instret() - a - ((uint64_t)sys0(SYS_IDLE_COUNT) - idle0);
	pause_busy += busy;
	pause_pages += zero_refilled() - r0;
}

/* zero_pool_refill_per_page: one sample, the mean over the pauses. */
static void report_refill(void)
{
	uint64_t per = pause_pages ? pause_busy / pause_pages : 0;
	uprintf("BENCH-INFO zero_pool_refill %lu pages refilled in the pauses, %lu busy instructions\n",
		(unsigned long)pause_pages, (unsigned long)pause_busy);
	uprintf("BENCH zero_pool_refill_per_page instructions 1 %lu %lu %lu.0 %lu %lu\n",
		(unsigned long)per, (unsigned long)per, (unsigned long)per, (unsigned long)per,
		(unsigned long)per);
	pause_busy = pause_pages = 0;
}

/* Times n first-touch stores, WARMUP untimed ones first. The first
 * store to each fresh object is kept apart: it pays for the object
 * (the pager's first message about it, opening its handle), a cost of
 * each CHUNK pages that is not the fault's. They are reported as
 * <name>_new_object when `firsts`, and the run's p99.9 as a BENCH-INFO
 * line: the tail figure issue 16 asks of the warm pager fault. */
static bool touch_run(const char *name, enum source from, size_t n, bool firsts)
{
	int vmo = -1;
	size_t page = CHUNK;
	static uint64_t first[16];
	size_t nfirst = 0;
	for (size_t i = 0, j = 0; j < WARMUP + n; i++) {
		if (from == FROM_ZERO_PAGER && i % PAUSE_EVERY == 0)
			pause_for_refill();
		if (page == CHUNK) {
			if (vmo >= 0)
				drop_object(vmo);
			vmo = fresh_object(from);
			if (vmo < 0) {
				uprintf("bench: %s: no object\n", name);
				return false;
			}
			page = 0;
		}
		bool new_object = page == 0;
		volatile uint64_t *p = (volatile uint64_t *)(AREA + page++ * PG);
		uint64_t a = rd_instret();
		*p = 1;
		uint64_t b = rd_instret();
		if (new_object) {
			if (j >= WARMUP && nfirst < sizeof(first) / sizeof(first[0]))
				first[nfirst++] = b - a;
			continue;
		}
		if (j >= WARMUP)
			samples[j - WARMUP] = b - a;
		j++;
	}
	drop_object(vmo);
	report_n(name, n, true);
	/* samples[] is sorted now */
	uprintf("BENCH-INFO %s_p99.9 %lu\n", name, (unsigned long)samples[n * 999 / 1000]);
	if (firsts && nfirst) {
		char label[64];
		snprintf(label, sizeof(label), "%s_new_object", name);
		memcpy(samples, first, nfirst * sizeof(first[0]));
		report_n(label, nfirst, true);
	}
	return true;
}

/* Times stores to the pages of a CHUNK-page object whose pages are all
 * resident, mapped afresh (with flags) every CHUNK stores. */
static void remap_run(const char *name, uint32_t flags)
{
	long vmo = vmo_create(CHUNK * PG, VMO_KERNEL_ZERO, 0);
	vm_map((int)vmo, AREA, CHUNK * PG, 0, VM_R | VM_W | VM_SHARED);
	for (size_t pg = 0; pg < CHUNK; pg++)
		*(volatile uint64_t *)(AREA + pg * PG) = 1; /* all resident */
	for (size_t i = 0; i < WARMUP + N; i++) {
		if (i % CHUNK == 0) { /* unmap: the pages stay in the object */
			vm_unmap(AREA, CHUNK * PG);
			vm_map((int)vmo, AREA, CHUNK * PG, 0, VM_R | VM_W | flags);
		}
		volatile uint64_t *p = (volatile uint64_t *)(AREA + (i % CHUNK) * PG);
		uint64_t a = rd_instret();
		*p = 2;
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	vm_unmap(AREA, CHUNK * PG);
	sys_handle_close((int)vmo);
	report_n(name, N, true);
}

/* A page resident in the object, not mapped: mapped (shared). */
static void bench_minor(void)
{
	remap_run("fault_minor", VM_SHARED);
}

/* A private mapping of it (a new shadow each time): each store copies the
 * page below up into the shadow. */
static void bench_cow_copy(void)
{
	remap_run("fault_cow_copy", VM_PRIVATE);
}

static void bench_batch16(void)
{
	zero_call(ZERO_CLUSTER, 16);
	int vmo = -1;
	size_t page = CHUNK;
	for (size_t i = 0; i < WARMUP / 16 + N; i++) {
		if (page == CHUNK) {
			if (vmo >= 0)
				drop_object(vmo);
			vmo = fresh_object(FROM_ZERO_PAGER);
			page = 0;
		}
		uint64_t a = rd_instret();
		for (int k = 0; k < 16; k++)
			*(volatile uint64_t *)(AREA + page++ * PG) = 1;
		uint64_t b = rd_instret();
		if (i >= WARMUP / 16)
			samples[i - WARMUP / 16] = (b - a) / 16;
	}
	drop_object(vmo);
	zero_call(ZERO_CLUSTER, 1);
	report_n("fault_zero_pager_batch16", N, false);
}

/* The warm pager fault again, with 1,024 one-page regions (a page apart,
 * so none extends another) mapped below AREA. */
static void bench_many_regions(void)
{
	long vmo = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	for (uint64_t i = 0; vmo >= 0 && i < MANY_REGIONS; i++)
		if (vm_map((int)vmo, MANY + i * 2 * PG, PG, 0, VM_R | VM_SHARED)) {
			uprintf("bench: cannot map region %lu\n", (unsigned long)i);
			return;
		}
	touch_run("fault_zero_pager_regions1024", FROM_ZERO_PAGER, N, false);
	vm_unmap(MANY, MANY_REGIONS * 2 * PG);
	sys_handle_close((int)vmo);
}

static void bench_map_unmap_1g(void)
{
	long vmo = vmo_create(GIB, VMO_KERNEL_ZERO, 0);
	for (int i = 0; i < WARMUP + N; i++) {
		uint64_t a = rd_instret();
		long err = vm_map((int)vmo, GIB_AREA, GIB, 0, VM_R | VM_W | VM_SHARED);
		vm_unmap(GIB_AREA, GIB);
		uint64_t b = rd_instret();
		if (err) {
			uprintf("bench: vm_map_unmap_1g: %s\n", err_name(err));
			return;
		}
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	sys_handle_close((int)vmo);
	report_n("vm_map_unmap_1g", N, true);
}

static int unlock_ep = -1, unlock_vmo = -1;
static volatile bool unlock_pager_gone;

/* The pager of fault_unlock: lets every write through at once. */
static void unlock_pager(void *arg)
{
	(void)arg;
	struct ipc_msg m;
	for (;;) {
		long err = ipc_recv(unlock_ep, &m, 0);
		if (err == -E_DEAD || err == -E_CANCELED || err == -E_BADH) {
			unlock_pager_gone = true;
			return;
		}
		if (!err && (m.tag & IPC_TAG_KERNEL) && IPC_TAG_LABEL(m.tag) == PAGER_FAULT &&
		    PAGER_KIND(m.w[1]) == FAULT_UNLOCK)
			pager_lock(unlock_vmo, m.w[0], 1, LOCK_UNLOCK, PAGER_EPOCH(m.w[1]));
	}
}

static void bench_unlock(void)
{
	unlock_ep = (int)sys0(SYS_ENDPOINT_CREATE);
	unlock_vmo = (int)vmo_create(CHUNK * PG, unlock_ep, 1);
	for (uint64_t off = 0; off < CHUNK * PG; off += PAGER_SUPPLY_MAX * PG) /* zeros, read-only */
		pager_supply(unlock_vmo, off, 0, PAGER_SUPPLY_MAX, VM_R, PAGER_EPOCH_FIRST);
	if (mem_wire(UNLOCK_STACK, 4 * PG, VM_R | VM_W) ||
	    thread_spawn(unlock_pager, 0, (void *)UNLOCK_STACK, 4 * PG, PRIO_DEFAULT) < 0 ||
	    vm_map(unlock_vmo, AREA, CHUNK * PG, 0, VM_R | VM_W | VM_SHARED)) {
		uprintf("bench: fault_unlock: no setup\n");
		return;
	}
	for (size_t i = 0; i < WARMUP + N; i++) {
		if (i % CHUNK == 0) /* every page mapped, write-protected */
			for (size_t pg = 0; pg < CHUNK; pg++) {
				if (i == 0)
					(void)*(volatile uint64_t *)(AREA + pg * PG);
				if (pg % PAGER_SUPPLY_MAX == 0)
					pager_lock(unlock_vmo, pg * PG, PAGER_SUPPLY_MAX,
						   LOCK_WRITE_PROTECT, PAGER_EPOCH_FIRST);
			}
		volatile uint64_t *p = (volatile uint64_t *)(AREA + (i % CHUNK) * PG);
		uint64_t a = rd_instret();
		*p = 3;
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	vm_unmap(AREA, CHUNK * PG);
	sys_handle_close(unlock_vmo);
	/* The pager thread ends; wait for it, so that it never receives on
	 * the slot reused by the next benchmark's endpoint. */
	sys1(SYS_OBJ_DESTROY, unlock_ep);
	while (!unlock_pager_gone)
		sys_yield();
	sys_handle_close(unlock_ep);
	report_n("fault_unlock", N, true);
}

static void bench_rebind(void)
{
	int ep[2] = { (int)sys0(SYS_ENDPOINT_CREATE), (int)sys0(SYS_ENDPOINT_CREATE) };
	long vmo = vmo_create(CHUNK * PG, ep[0], 1);
	uint32_t epoch = PAGER_EPOCH_FIRST;
	for (size_t i = 0; i < WARMUP + N; i++) {
		int from = ep[i & 1], to = ep[(i + 1) & 1];
		struct ipc_msg m;
		uint64_t a = rd_instret();
		long e = vmo_rebind((int)vmo, to, 1);
		long err = ipc_recv(from, &m, 0);
		if (!err)
			err = pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, epoch);
		uint64_t b = rd_instret();
		if (e != (long)epoch + 1 || err) {
			uprintf("bench: rebind_idle_object: %s\n", err_name(e < 0 ? e : err));
			return;
		}
		epoch++;
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	sys_handle_close((int)vmo);
	sys_handle_close(ep[0]);
	sys_handle_close(ep[1]);
	report_n("rebind_idle_object", N, true);
}

/* Per-stage medians from the trace records of the last n pager faults. */
/* The stages of the last n faults that went to a pager and came back
 * (every stage stamped): other records in the ring, such as the kernel
 * zero-fills of the benchmark's own stack and .bss, are skipped. */
static void stages_from_trace(size_t n)
{
	static struct trace_record recs[64];
	static uint64_t d[TRACE_NSTAGES][N];
	uint64_t first = 0;
	long got;
	while ((got = trace_read(first, recs, 64)) == 64)
		first += 64;
	uint64_t end = first + (got > 0 ? (uint64_t)got : 0);
	first = end > 2 * n ? end - 2 * n : 0;
	size_t k = 0; /* records kept, the last n of them in d (a ring) */
	for (uint64_t at = first; (got = trace_read(at, recs, 64)) > 0; at += (uint64_t)got) {
		for (long i = 0; i < got; i++) {
			bool whole = recs[i].pager != 0;
			for (int s = 0; s < TRACE_NSTAGES && whole; s++)
				whole = s == TRACE_RECEIVED || recs[i].stamp[s] != 0;
			if (!whole)
				continue;
			for (int s = 1; s < TRACE_NSTAGES; s++)
				d[s][k % n] = recs[i].stamp[s] - recs[i].stamp[s - 1];
			k++;
		}
	}
	k = k < n ? k : n;
	static const char *names[TRACE_NSTAGES] = {
		0, "fault_stage_sent", "fault_stage_received", "fault_stage_supply",
		"fault_stage_resume",
	};
	for (int s = 1; s < TRACE_NSTAGES; s++) {
		for (size_t i = 0; i < k; i++)
			samples[i] = d[s][i];
		report_n(names[s], k, false);
	}
}

void bench_faults(void)
{
	ipc_buffer_setup(&buf);
	zero_ep = (int)name_lookup(H_NAME, &buf, "pager.zero");
	bench_minor();
	uint64_t from = trace_records_end();
	if (touch_run("fault_kernel_zero", FROM_KERNEL, N, false))
		bench_trace_cdf("kernel_zero_fill", from, true);
	anon_ep = (int)sys0(SYS_ENDPOINT_CREATE);
	touch_run("fault_anon_first_touch", FROM_ANON_PAGER, N, false);
	sys_handle_close(anon_ep);
	bench_cow_copy();
	bench_unlock();
	bench_rebind();
	if (zero_ep < 0) {
		uprintf("bench: no zero pager: %s\n", err_name(zero_ep));
		return;
	}
	zero_call(ZERO_PREFILL, 256);
	from = trace_records_end();
	if (touch_run("fault_zero_pager", FROM_ZERO_PAGER, N, true)) {
		stages_from_trace(N);
		bench_trace_cdf("zero_pager", from, false);
		report_refill();
	}
	bench_many_regions(); /* the same warm pool */
	zero_call(ZERO_DRAIN, 0);
	touch_run("fault_zero_pager_cold", FROM_ZERO_PAGER, N, false);
	zero_call(ZERO_PREFILL, 64);
	bench_batch16();
	bench_map_unmap_1g();
}

/* A few warm zero-pager faults; the one after the marker is the one to
 * read in an instruction trace. cold: the pool drained first; leaf: the
 * marked fault is the first of the object's second 512 pages, after a
 * pause (the p99.9 of fault_zero_pager: a new directory leaf and page
 * table); batch: 16 stores after the marker, 16 pages a supply (as in
 * fault_zero_pager_batch16). */
void bench_fault_trace(enum fault_trace_mode mode)
{
	bool cold = mode == FAULT_TRACE_COLD, leaf = mode == FAULT_TRACE_LEAF;
	ipc_buffer_setup(&buf);
	zero_ep = (int)name_lookup(H_NAME, &buf, "pager.zero");
	int vmo = fresh_object(FROM_ZERO_PAGER);
	if (mode == FAULT_TRACE_BATCH) {
		zero_call(ZERO_CLUSTER, 16);
		for (int i = 0; i < 16; i++)
			*(volatile uint64_t *)(AREA + (uint64_t)i * PG) = 1;
		__asm__ volatile("li x0, 0x123" ::: "memory"); /* marker for the trace */
		for (int i = 16; i < 32; i++)
			*(volatile uint64_t *)(AREA + (uint64_t)i * PG) = 1;
		zero_call(ZERO_CLUSTER, 1);
		drop_object(vmo);
		return;
	}
	if (cold)
		zero_call(ZERO_DRAIN, 0); /* as in fault_zero_pager_cold */
	else
		pause_for_refill(); /* the pool warm, as in fault_zero_pager */
	for (int i = 0; i < 4; i++)
		*(volatile uint64_t *)(AREA + (uint64_t)i * PG) = 1;
	if (leaf) { /* the pause's calls moved the region hint: a fault puts it back */
		pause_for_refill();
		*(volatile uint64_t *)(AREA + 511 * PG) = 1;
	}
	__asm__ volatile("li x0, 0x123" ::: "memory"); /* marker for the trace */
	*(volatile uint64_t *)(AREA + (leaf ? 512 : 8) * PG) = 1;
	drop_object(vmo);
	if (cold)
		zero_call(ZERO_PREFILL, 64);
}
