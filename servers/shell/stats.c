/*
 * The shell's reports on the system: ps (SYS_TASK_ENUM on the system
 * object, then the file server's open file objects, FS_FILES), vmstat
 * (SYS_VM_STATS, the zero pager's ZERO_STATS, the page cache: FS_FILES
 * and FS_STATS) and trace (the kernel's fault-trace ring as histograms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/zero/zero_proto.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"
#include "servers/shell/shell.h"
#include "servers/shell/trace_names.h"

/* --- the file server's objects (the page cache) ------------------------------- */

/* Calls each(info, arg) for every open file object the file server
 * reports; returns how many there were, or an error (no file server).
 * The replies are long: their words beyond the registers land in the
 * buffer registered last, which the file commands may have changed
 * (files.c), so shell_buf is registered again first. */
static long fs_files_each(void (*each)(const struct fs_file_info *, void *), void *arg)
{
	ipc_buffer_setup(&shell_buf);
	long ep = name_lookup(H_NAME, &shell_buf, "fs");
	if (ep < 0)
		return ep;
	uint64_t cursor = 0, out[IPC_MAX_WORDS];
	long total = 0, err = 0;
	do {
		uint32_t got = 0;
		err = ipc_request((int)ep, &shell_buf, FS_FILES, &cursor, 1, 0, 0, 0, out,
				  IPC_MAX_WORDS, &got);
		if (err || (long)out[0] < 0 || got < 2 || out[0] > (got - 2) / FS_FILE_WORDS) {
			err = err ? err : -E_INVAL;
			break;
		}
		for (uint64_t i = 0; i < out[0]; i++) {
			struct fs_file_info fi;
			memcpy(&fi, &out[2 + i * FS_FILE_WORDS], sizeof(fi));
			each(&fi, arg);
		}
		total += (long)out[0];
		cursor = out[1];
	} while (cursor);
	sys_handle_close((int)ep);
	return err ? err : total;
}

static void file_line(const struct fs_file_info *fi, void *arg)
{
	printf("%8lu %11lu %8lu %8lu %8lu%s\n", (unsigned long)fi->ino, (unsigned long)fi->size,
	       (unsigned long)fi->resident, (unsigned long)fi->faults, (unsigned long)fi->minor,
	       fi->orphan ? " (unlinked)" : "");
}

static void file_sum(const struct fs_file_info *fi, void *arg)
{
	*(uint64_t *)arg += fi->resident;
}

/* --- ps ------------------------------------------------------------------------ */

void cmd_ps(int argc, char **argv)
{
	if (!shell_system(R_READ)) {
		printf("ps: this shell holds no system handle to list tasks with\n");
		return;
	}
	printf("%5s %-16s %-6s %7s %7s %9s %7s\n", "ID", "NAME", "STATE", "THREADS", "FRAMES",
	       "MEMORY", "TICKS");
	struct task_info ti;
	long next = 0;
	while ((next = sys_task_enum(H_SYSINFO, (uint32_t)next, &ti)) > 0) {
		printf("%5u %-16.16s %-6s %7u %7lu %8luK %7lu\n", ti.id, ti.name,
		       ti.state == TASK_ALIVE ? "alive" : "dead", ti.nthreads,
		       (unsigned long)ti.frames, (unsigned long)ti.frames * 4,
		       (unsigned long)ti.ticks);
	}
	if (next != -E_NOENT)
		printf("ps: %s\n", err_name(next));
	printf("file objects (pages resident, faults read from the disk, minor faults):\n");
	printf("%8s %11s %8s %8s %8s\n", "INO", "SIZE", "RESIDENT", "FAULTS", "MINOR");
	long n = fs_files_each(file_line, 0);
	if (n < 0)
		printf("ps: no file objects from the file server (%s)\n", err_name(n));
}

/* --- vmstat ---------------------------------------------------------------------- */

static void zero_pager_stats(void)
{
	long ep = name_lookup(H_NAME, &shell_buf, "pager.zero");
	if (ep < 0) {
		printf("pager.zero         not found (%s)\n", err_name(ep));
		return;
	}
	uint64_t out[4];
	long err = ipc_request((int)ep, &shell_buf, ZERO_STATS, 0, 0, 0, 0, 0, out, 4, 0);
	sys_handle_close((int)ep);
	if (err < 0) {
		printf("pager.zero         no answer (%s)\n", err_name(err));
		return;
	}
	printf("pager.zero         served %lu, failed %lu, pool %lu pages, objects %lu\n",
	       (unsigned long)out[0], (unsigned long)out[1], (unsigned long)out[2],
	       (unsigned long)out[3]);
}

/* The files' objects: their resident pages are the page cache. */
static void page_cache_stats(void)
{
	uint64_t resident = 0, out[5];
	long n = fs_files_each(file_sum, &resident);
	if (n < 0) {
		printf("page cache         no file server (%s)\n", err_name(n));
		return;
	}
	printf("page cache         %lu pages (%lu KiB) in %ld file objects\n",
	       (unsigned long)resident, (unsigned long)resident * 4, n);
	long ep = name_lookup(H_NAME, &shell_buf, "fs");
	long err = ep < 0 ? ep
		: ipc_request((int)ep, &shell_buf, FS_STATS, 0, 0, 0, 0, 0, out, 5, 0);
	if (ep >= 0)
		sys_handle_close((int)ep);
	if (err < 0)
		return;
	printf("file pager         faults %lu, pages read %lu, pages written %lu\n",
	       (unsigned long)out[1], (unsigned long)out[2], (unsigned long)out[3]);
}

void cmd_vmstat(int argc, char **argv)
{
	struct vm_stats st;
	long err = sys_vm_stats(&st);
	if (err < 0) {
		printf("vmstat: %s\n", err_name(err));
		return;
	}
	printf("frames total       %lu (%lu KiB)\n", (unsigned long)st.frames_total,
	       (unsigned long)st.frames_total * 4);
	printf("frames free        %lu (%lu KiB)\n", (unsigned long)st.frames_free,
	       (unsigned long)st.frames_free * 4);
	printf("faults minor       %lu\n", (unsigned long)st.faults_minor);
	printf("faults major       %lu\n", (unsigned long)st.faults_major);
	printf("faults kernel      %lu\n", (unsigned long)st.faults_kernel);
	printf("faults copy-up     %lu\n", (unsigned long)st.faults_cow);
	printf("pages supplied     %lu\n", (unsigned long)st.supplies);
	printf("memory objects     %lu\n", (unsigned long)st.objects);
	printf("pending requests   %lu\n", (unsigned long)st.requests);
	zero_pager_stats();
	page_cache_stats();
}

/* --- trace ----------------------------------------------------------------------- */

#define TRACE_WINDOW 4096 /* the most recent records looked at (the ring holds more) */
#define TRACE_BATCH 64    /* SYS_TRACE_READ's most per call */
#define MAX_PAGERS 8
#define MAX_NAMED 48
#define NBUCKETS 64
#define NDELTAS (TRACE_NSTAGES) /* the four stage steps, then trap -> resume */
#define BAR_MAX 40

struct hist {
	uint64_t count, min, max, sum;
	uint32_t bucket[NBUCKETS]; /* bucket k: [2^k, 2^(k+1)); 0 also in 0 */
};

struct pager_hist {
	uint64_t pager; /* pager endpoint's kernel id; 0: the kernel's zero-fill */
	uint64_t faults;
	struct hist d[NDELTAS];
};

static struct pager_hist hists[MAX_PAGERS];
static int npagers;
static uint64_t unsorted; /* records of pagers beyond MAX_PAGERS */
static struct trace_clock clock_of_stamps;
/* Trap -> resume of each record kept, and its pager's index in hists. */
static uint64_t total[TRACE_WINDOW];
static uint8_t total_of[TRACE_WINDOW];
static size_t ntotal;

static const char *const delta_names[NDELTAS] = {
	"trap -> sent", "sent -> received", "received -> supply", "supply -> resume",
	"trap -> resume (total)",
};

static int log2_floor(uint64_t v)
{
	return v ? 63 - __builtin_clzll(v) : 0;
}

static void hist_add(struct hist *h, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[log2_floor(v)]++;
}

static struct pager_hist *pager_hist(uint64_t pager)
{
	for (int i = 0; i < npagers; i++)
		if (hists[i].pager == pager)
			return &hists[i];
	if (npagers == MAX_PAGERS)
		return 0;
	hists[npagers] = (struct pager_hist){ .pager = pager };
	return &hists[npagers++];
}

/* A step counts only if both of its stamps were taken (and in order). */
static void trace_add(const struct trace_record *r)
{
	struct pager_hist *p = pager_hist(r->pager);
	if (!p) {
		unsorted++;
		return;
	}
	p->faults++;
	const struct trace_clock *c = &clock_of_stamps;
	for (int s = 1; s < TRACE_NSTAGES; s++)
		if (r->stamp[s - 1] && r->stamp[s] >= r->stamp[s - 1])
			hist_add(&p->d[s - 1], trace_clock_units(c, r->stamp[s] - r->stamp[s - 1]));
	uint64_t t0 = r->stamp[TRACE_TRAP], t1 = r->stamp[TRACE_RESUME];
	if (t0 && t1 >= t0) {
		uint64_t v = trace_clock_units(c, t1 - t0);
		hist_add(&p->d[NDELTAS - 1], v);
		if (ntotal < TRACE_WINDOW) {
			total_of[ntotal] = (uint8_t)(p - hists);
			total[ntotal++] = v;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* p50, p90, p99 and max of trap -> resume for hists[i]. */
static void percentiles_print(int i, const char *unit)
{
	static uint64_t v[TRACE_WINDOW];
	size_t n = 0;
	for (size_t k = 0; k < ntotal; k++)
		if (total_of[k] == i)
			v[n++] = total[k];
	if (n == 0)
		return;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	printf("  trap -> resume percentiles (%s): p50 %lu, p90 %lu, p99 %lu, max %lu\n", unit,
	       (unsigned long)v[(n - 1) * 50 / 100], (unsigned long)v[(n - 1) * 90 / 100],
	       (unsigned long)v[(n - 1) * 99 / 100], (unsigned long)v[n - 1]);
}


static void hist_print(const struct hist *h, const char *name)
{
	printf("  %s: %lu, min %lu, mean %lu, max %lu\n", name, (unsigned long)h->count,
	       (unsigned long)h->min, (unsigned long)(h->sum / h->count), (unsigned long)h->max);
	uint32_t most = 0;
	for (int k = 0; k < NBUCKETS; k++)
		most = h->bucket[k] > most ? h->bucket[k] : most;
	for (int k = log2_floor(h->min); k <= log2_floor(h->max); k++) {
		char bar[BAR_MAX + 1];
		int len = (int)(((uint64_t)h->bucket[k] * BAR_MAX + most - 1) / most);
		memset(bar, '#', (size_t)len);
		bar[len] = 0;
		printf("    %10lu .. %-10lu %7u %s\n", k ? 1ul << k : 0ul, (2ul << k) - 1,
		       h->bucket[k], bar);
	}
}

static const struct trace_name *pager_name(const struct trace_name *names, int nnames,
					   uint64_t pager)
{
	for (int i = 0; i < nnames; i++)
		if (names[i].pager == pager)
			return &names[i];
	return 0;
}

void cmd_trace(int argc, char **argv)
{
	memset(hists, 0, sizeof(hists));
	npagers = 0;
	unsorted = 0;
	ntotal = 0;
	trace_clock_probe(&clock_of_stamps);
	uint64_t end = trace_records_end(), first = end > TRACE_WINDOW ? end - TRACE_WINDOW : 0;
	static struct trace_record recs[TRACE_BATCH];
	for (uint64_t at = first; at < end;) {
		long got = trace_read(at, recs, TRACE_BATCH);
		if (got <= 0)
			break;
		for (long i = 0; i < got; i++)
			trace_add(&recs[i]);
		at += (uint64_t)got;
	}
	static struct trace_name names[MAX_NAMED]; /* every published name, then the rest */
	int nnames = trace_names_probe(names, MAX_NAMED);
	const struct trace_clock *c = &clock_of_stamps;
	const char *unit = c->icount ? "instructions" : "timer ticks";
	printf("fault trace: %lu faults recorded, the last %lu shown; %s per stage, log2 buckets\n",
	       (unsigned long)end, (unsigned long)(end - first), unit);
	if (c->icount)
		printf("(QEMU -icount: the stamps count instructions, 100 a timer tick)\n");
	else
		printf("(no -icount: the stamps are the host's cycle counter, %lu.%02lu a timer tick; "
		       "shown in timer ticks)\n",
		       (unsigned long)(c->per_tick_num / c->per_tick_den),
		       (unsigned long)(c->per_tick_num * 100 / c->per_tick_den % 100));
	for (int i = 0; i < npagers; i++) {
		struct pager_hist *p = &hists[i];
		const struct trace_name *n = pager_name(names, nnames, p->pager);
		if (!p->pager)
			printf("kernel zero-fill: %lu faults\n", (unsigned long)p->faults);
		else if (n && n->task)
			printf("pager %s (task %u, endpoint %lu): %lu faults\n", n->name, n->task,
			       (unsigned long)p->pager, (unsigned long)p->faults);
		else if (n)
			printf("pager %s (endpoint %lu): %lu faults\n", n->name,
			       (unsigned long)p->pager, (unsigned long)p->faults);
		else
			printf("pager endpoint %lu (it pages no live object now, so it has no "
			       "name): %lu faults\n",
			       (unsigned long)p->pager, (unsigned long)p->faults);
		percentiles_print(i, unit);
		for (int d = 0; d < NDELTAS; d++)
			if (p->d[d].count)
				hist_print(&p->d[d], delta_names[d]);
	}
	if (unsorted)
		printf("(%lu records of further pagers left out)\n", (unsigned long)unsorted);
}
