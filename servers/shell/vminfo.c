/*
 * The shell's views of the VM (uapi/vm.h): `maps PID` (a task's
 * regions), `objects` (every memory object), `pagers` (each pager by
 * name, with the latency of the faults it served), and the pager names
 * `trace` prints (trace_names.h).
 *
 * A pager is an endpoint; the kernel tells its id (the fault trace's
 * name for it) and the task that made it (SYS_VM_OBJECTS). Its name,
 * step by step:
 *   1. every object is listed: the pagers are the endpoint ids they name;
 *   2. each name at the name server (NAME_LIST) is looked up, and the
 *      kernel asked for an object that endpoint pages (SYS_VM_OBJECTS
 *      with the handle): that object's pager id is the one the name
 *      stands for (pager.zero, fs, pager.swap);
 *   3. a pager no name stands for goes by its task's name, as ps shows it.
 * All of it needs the system object with R_READ (H_SYSINFO), as ps does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "servers/name/name_proto.h"
#include "servers/shell/shell.h"
#include "servers/shell/trace_names.h"

#define MAX_PAGERS 16
#define TRACE_WINDOW 4096 /* the most recent fault records looked at */
#define TRACE_BATCH 64

struct pager_row {
	uint64_t pager;        /* endpoint id; 0: no pager (the kernel fills) */
	uint32_t task;         /* id of the task that made the endpoint; 0: gone */
	char name[NAME_MAX_LEN + 1]; /* at the name server; "" if none */
	char task_name[32];
	uint64_t objects, resident, dirty, faults, supplies, pending;
	uint64_t traced, sum;  /* trap -> resume of the traced faults, in units */
};

static struct pager_row rows[MAX_PAGERS];
static int nrows;
static uint64_t unsorted_objects; /* objects of pagers beyond MAX_PAGERS */

static struct pager_row *row_of(uint64_t pager, bool add)
{
	for (int i = 0; i < nrows; i++)
		if (rows[i].pager == pager)
			return &rows[i];
	if (!add || nrows == MAX_PAGERS)
		return 0;
	rows[nrows] = (struct pager_row){ .pager = pager };
	return &rows[nrows++];
}

/* The name ps gives task `id` ("" if there is none now). */
static void task_name(uint32_t id, char *out, size_t size)
{
	struct task_info ti;
	out[0] = 0;
	if (id && sys_task_enum(H_SYSINFO, id, &ti) > 0 && ti.id == id)
		snprintf(out, size, "%.31s", ti.name);
}

/* Step 2: each name at the name server with the endpoint id it stands
 * for (an endpoint that pages nothing now has an id all the same). */
struct ep_name {
	uint64_t pager;
	uint32_t task;
	char name[NAME_MAX_LEN + 1];
};
#define MAX_NAMES 32
static struct ep_name named[MAX_NAMES];
static int nnamed;

static void names_from_server(void)
{
	nnamed = 0;
	ipc_buffer_setup(&shell_buf); /* the file calls may have set another */
	for (uint64_t idx = 0; nnamed < MAX_NAMES; idx++) {
		uint64_t w[NAME_WORDS];
		char name[NAME_MAX_LEN + 1];
		if (ipc_request(H_NAME, &shell_buf, NAME_LIST, &idx, 1, 0, 0, 0, w, NAME_WORDS, 0) ||
		    !name_unpack(w, name))
			return;
		long ep = name_lookup(H_NAME, &shell_buf, name);
		if (ep < 0)
			continue;
		struct vm_object_info oi;
		if (vm_objects(H_SYSINFO, 0, &oi, (int)ep) >= 0 && oi.pager) {
			named[nnamed] = (struct ep_name){ .pager = oi.pager, .task = oi.pager_task };
			memcpy(named[nnamed++].name, name, sizeof(name));
		}
		sys_handle_close((int)ep);
	}
}

/* Step 3, and the name of step 2, for a row added since. */
static void row_name(struct pager_row *r)
{
	for (int i = 0; i < nnamed && !r->name[0]; i++)
		if (named[i].pager == r->pager) {
			memcpy(r->name, named[i].name, sizeof(r->name));
			r->task = r->task ? r->task : named[i].task;
		}
	task_name(r->task, r->task_name, sizeof(r->task_name));
}

/* Steps 1 to 3: rows[] holds every pager of a live object, named, with
 * its objects' sums. Returns how many objects there were, or an error. */
static long pagers_scan(void)
{
	nrows = 0;
	unsorted_objects = 0;
	struct vm_object_info oi;
	long next = 0, n = 0;
	while ((next = vm_objects(H_SYSINFO, (uint64_t)next, &oi, -1)) > 0) {
		n++;
		struct pager_row *r = row_of(oi.pager, true);
		if (!r) {
			unsorted_objects++;
			continue;
		}
		r->task = oi.pager_task;
		r->objects++;
		r->resident += oi.resident;
		r->dirty += oi.dirty;
		r->faults += oi.faults;
		r->supplies += oi.supplies;
		r->pending += oi.pending;
	}
	if (next != -E_NOENT)
		return next;
	names_from_server();
	for (int i = 0; i < nrows; i++)
		row_name(&rows[i]);
	return n;
}

/* What a person calls the pager: its name, else its task's, else its id. */
static const char *row_label(const struct pager_row *r, char *buf, size_t size)
{
	if (!r || !r->pager)
		return "-";
	if (r->name[0])
		return r->name;
	if (r->task_name[0])
		snprintf(buf, size, "%s", r->task_name);
	else
		snprintf(buf, size, "endpoint %lu", (unsigned long)r->pager);
	return buf;
}

static bool have_system(const char *cmd)
{
	if (shell_system(R_READ))
		return true;
	printf("%s: this shell holds no system handle to look at the VM with\n", cmd);
	return false;
}

int trace_names_probe(struct trace_name *out, int max)
{
	if (!shell_system(R_READ) || pagers_scan() < 0)
		return 0;
	int n = 0;
	for (int i = 0; i < nnamed && n < max; i++)
		out[n++] = (struct trace_name){ named[i].pager, named[i].name, named[i].task };
	for (int i = 0; i < nrows && n < max; i++) {
		static char labels[MAX_PAGERS][48];
		if (!rows[i].pager || rows[i].name[0])
			continue; /* the kernel's, or named above */
		const char *l = row_label(&rows[i], labels[i], sizeof(labels[i]));
		out[n++] = (struct trace_name){ rows[i].pager, l, rows[i].task };
	}
	return n;
}

/* --- maps PID --------------------------------------------------------------------- */

/* "anon", "shadow of 12", "" and the object's pager, for a region. */
static void object_words(uint64_t id, char *kind, size_t ksize, char *pager, size_t psize)
{
	struct vm_object_info oi;
	snprintf(kind, ksize, "?");
	snprintf(pager, psize, "?");
	if (vm_objects(H_SYSINFO, id, &oi, -1) <= 0 || oi.id != id)
		return;
	if (oi.backing)
		snprintf(kind, ksize, "shadow of %lu", (unsigned long)oi.backing);
	else
		snprintf(kind, ksize, "%s", oi.anon ? "anonymous" : "-");
	char buf[48];
	snprintf(pager, psize, "%s", oi.pager ? row_label(row_of(oi.pager, false), buf, sizeof(buf))
					      : "kernel");
}

static const char *prot_text(uint32_t prot, char out[4])
{
	out[0] = prot & (VM_R | VM_W) ? 'r' : '-';
	out[1] = prot & VM_W ? 'w' : '-';
	out[2] = prot & VM_X ? 'x' : '-';
	out[3] = 0;
	return out;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || *s == '+' || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

void cmd_maps(int argc, char **argv)
{
	uint32_t id;
	if (argc != 2) {
		printf("usage: maps TASK-ID\n");
		return;
	}
	if (!parse_u32(argv[1], &id) || id == 0) {
		printf("maps: '%s' is not a task id\n", argv[1]);
		return;
	}
	if (!have_system("maps"))
		return;
	struct task_info ti;
	if (sys_task_enum(H_SYSINFO, id, &ti) <= 0 || ti.id != id) {
		printf("maps: no task %u (see ps)\n", id);
		return;
	}
	pagers_scan();
	printf("task %u (%s): regions; RESIDENT: pages its page table maps\n", id, ti.name);
	printf("%-12s %-12s %-4s %-7s %10s %8s %6s %-16s %s\n", "START", "END", "PROT", "MAP",
	       "OFFSET", "RESIDENT", "OBJECT", "KIND", "PAGER");
	struct vm_region_info ri;
	long next = 0, n = 0;
	uint64_t pages = 0;
	while ((next = vm_regions(H_SYSINFO, id, (uint64_t)next, &ri)) > 0) {
		char prot[4], kind[32], pager[48];
		object_words(ri.object, kind, sizeof(kind), pager, sizeof(pager));
		printf("0x%010lx 0x%010lx %-4s %-7s %#10lx %8lu %6lu %-16s %s\n",
		       (unsigned long)ri.start, (unsigned long)ri.end, prot_text(ri.prot, prot),
		       ri.flags & VM_PRIVATE ? "private" : "shared", (unsigned long)ri.offset,
		       (unsigned long)ri.resident, (unsigned long)ri.object, kind, pager);
		n++;
		pages += ri.resident;
	}
	if (next != -E_NOENT)
		printf("maps: %s\n", err_name(next));
	printf("%ld regions, %lu pages resident (%lu KiB)\n", n, (unsigned long)pages,
	       (unsigned long)pages * 4);
}

/* --- objects ------------------------------------------------------------------------ */

void cmd_objects(int argc, char **argv)
{
	if (argc != 1) {
		printf("usage: objects\n");
		return;
	}
	if (!have_system("objects"))
		return;
	long all = pagers_scan();
	if (all < 0) {
		printf("objects: %s\n", err_name(all));
		return;
	}
	printf("memory objects: SIZE in KiB; RESIDENT, DIRTY pages; FAULTS sent to the pager, "
	       "MINOR from the cache, SUPPLIES pages, PENDING requests; TASK of the first mapping\n");
	printf("%5s %9s %-14s %8s %6s %7s %7s %8s %7s %4s %5s %s\n", "ID", "SIZE", "PAGER",
	       "RESIDENT", "DIRTY", "FAULTS", "MINOR", "SUPPLIES", "PENDING", "MAPS", "TASK",
	       "KIND");
	struct vm_object_info oi;
	long next = 0;
	while ((next = vm_objects(H_SYSINFO, (uint64_t)next, &oi, -1)) > 0) {
		char buf[48], kind[32];
		if (oi.backing)
			snprintf(kind, sizeof(kind), "shadow of %lu", (unsigned long)oi.backing);
		else
			snprintf(kind, sizeof(kind), "%s", oi.anon ? "anonymous" : "-");
		printf("%5lu %9lu %-14.14s %8lu %6lu %7lu %7lu %8lu %7lu %4u %5u %s\n",
		       (unsigned long)oi.id, (unsigned long)(oi.size / 1024),
		       oi.pager ? row_label(row_of(oi.pager, false), buf, sizeof(buf)) : "kernel",
		       (unsigned long)oi.resident, (unsigned long)oi.dirty, (unsigned long)oi.faults,
		       (unsigned long)oi.minor, (unsigned long)oi.supplies, (unsigned long)oi.pending,
		       oi.mappings, oi.task, kind);
	}
	if (next != -E_NOENT)
		printf("objects: %s\n", err_name(next));
	printf("%ld objects\n", all);
}

/* --- pagers --------------------------------------------------------------------------- */

static uint64_t lat[TRACE_WINDOW];
static uint8_t lat_row[TRACE_WINDOW];
static size_t nlat;

/* Trap -> resume of the most recent faults, per pager row (a pager seen
 * only in the trace, its objects gone, gets a row of its own). */
static void latencies_collect(const struct trace_clock *c)
{
	static struct trace_record recs[TRACE_BATCH];
	uint64_t end = trace_records_end(), at = end > TRACE_WINDOW ? end - TRACE_WINDOW : 0;
	nlat = 0;
	for (long got; at < end && (got = trace_read(at, recs, TRACE_BATCH)) > 0;
	     at += (uint64_t)got) {
		for (long i = 0; i < got && nlat < TRACE_WINDOW; i++) {
			uint64_t t0 = recs[i].stamp[TRACE_TRAP], t1 = recs[i].stamp[TRACE_RESUME];
			bool known = row_of(recs[i].pager, false) != 0;
			struct pager_row *r = row_of(recs[i].pager, true);
			if (r && !known)
				row_name(r);
			if (!t0 || t1 < t0 || !r)
				continue;
			uint64_t v = trace_clock_units(c, t1 - t0);
			r->traced++;
			r->sum += v;
			lat[nlat] = v;
			lat_row[nlat++] = (uint8_t)(r - rows);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t p99_of(int row)
{
	static uint64_t v[TRACE_WINDOW];
	size_t n = 0;
	for (size_t k = 0; k < nlat; k++)
		if (lat_row[k] == row)
			v[n++] = lat[k];
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[(n - 1) * 99 / 100];
}

void cmd_pagers(int argc, char **argv)
{
	if (argc != 1) {
		printf("usage: pagers\n");
		return;
	}
	if (!have_system("pagers"))
		return;
	long all = pagers_scan();
	if (all < 0) {
		printf("pagers: %s\n", err_name(all));
		return;
	}
	struct trace_clock c;
	trace_clock_probe(&c);
	latencies_collect(&c);
	const char *unit = c.icount ? "instructions" : "timer ticks";
	printf("pagers: OBJECTS live and their RESIDENT pages, FAULTS they sent it; of the "
	       "last %d faults traced, TRACED, and trap -> resume MEAN and P99 in %s%s\n",
	       TRACE_WINDOW, unit, c.icount ? " (QEMU -icount)" : " (10 MHz: 0.1 us each)");
	printf("%-14s %-14s %8s %7s %8s %7s %7s %8s %8s\n", "PAGER", "TASK", "ENDPOINT",
	       "OBJECTS", "RESIDENT", "FAULTS", "TRACED", "MEAN", "P99");
	for (int i = 0; i < nrows; i++) {
		const struct pager_row *r = &rows[i];
		char buf[48], task[48];
		if (r->task)
			snprintf(task, sizeof(task), "%u %s", r->task, r->task_name);
		else
			snprintf(task, sizeof(task), "-");
		const char *name = r->pager ? row_label(r, buf, sizeof(buf)) : "(kernel)";
		printf("%-14.14s %-14.14s %8lu %7lu %8lu %7lu %7lu ", name, task,
		       (unsigned long)r->pager, (unsigned long)r->objects, (unsigned long)r->resident,
		       (unsigned long)r->faults, (unsigned long)r->traced);
		if (r->traced)
			printf("%8lu %8lu\n", (unsigned long)(r->sum / r->traced),
			       (unsigned long)p99_of(i));
		else
			printf("%8s %8s\n", "-", "-");
	}
	if (unsorted_objects)
		printf("(%lu objects of further pagers left out)\n", (unsigned long)unsorted_objects);
}
