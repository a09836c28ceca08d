/*
 * refstring "0 1 2 3 0 1 4 ..."|@FILE|-wNAME[,PAGES[,REFS[,SEED]]] FRAMES [POLICY]:
 * touches pages of an
 * anonymous object in exactly the order given, with exactly FRAMES
 * frames for it, replaced by POLICY (default fifo), and prints the
 * faults: the textbook's exercise, run for real.
 *
 * How, step by step:
 *   1. an anonymous object of (largest page + 1) pages, mapped;
 *   2. SWAP_LAB to the swap pager (pager.swap): the object goes into the
 *      kernel's lab mode, where every fault waits for the manager, which
 *      harvests the object's accessed/dirty bits, runs the policy and
 *      evicts a page when FRAMES are taken (swap_proto.h);
 *   3. each reference is a load of the page, or a store for a page
 *      written "5w" (separated by blanks, commas or lines; @FILE reads
 *      them from a file, a policy-lab trace: `#` starts a comment; -w
 *      makes a policy-lab workload's, from the generator policylab-gen
 *      uses: seq, loop, uniform, zipf, phase, or sort, a real quicksort);
 *   4. SWAP_LAB with 0 frames ends it and answers the counts, printed as
 *      `refstring: N references, F faults, E evictions, W written
 *      (POLICY, FRAMES frames)`.
 * The host replays the same string with refsim_run_guest and the same
 * policy source: the counts must agree (tests/swap/run-swap-tests).
 * Exit: 0, 1 if the swap pager refused, 2 for bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/mm/policy/policy.h"
#include "pagers/swap/swap_proto.h"
#include "tools/policylab/workloads.h"
#include "servers/name/name_proto.h"

#define AREA 0x3000000000ul
#define PG 4096ul
#define MAX_REFS 65536
#define MAX_PAGE 4095

static uint64_t refs[MAX_REFS];
static bool writes[MAX_REFS];
static struct ipc_buffer buf;

/* -w: the references of a policy-lab workload (tools/policylab/
 * workloads.h), made here by the host's generator source, a repeat of
 * the page just referenced folded into it as policylab-gen does. */
struct rec {
	size_t n;
	bool full;
};

static void record(void *ctx, uint64_t page, bool write)
{
	struct rec *r = ctx;
	if (r->n && refs[r->n - 1] == page) {
		writes[r->n - 1] |= write;
		return;
	}
	if (r->n == MAX_REFS || page > MAX_PAGE) {
		r->full = true;
		return;
	}
	refs[r->n] = page;
	writes[r->n++] = write;
}

static long workload(const char *spec, size_t *n)
{
	char name[16] = { 0 };
	unsigned long v[3] = { 0, 0, 1 };
	const char *c = strchr(spec, ',');
	size_t len = c ? (size_t)(c - spec) : strlen(spec);
	if (len >= sizeof(name))
		return -1;
	memcpy(name, spec, len);
	int k = wl_kind_by_name(name);
	if (k < 0)
		return -1;
	v[0] = wl_specs[k].pages;
	v[1] = wl_specs[k].refs;
	for (int i = 0; c && i < 3; i++) {
		char *end;
		v[i] = strtoul(c + 1, &end, 10);
		c = *end == ',' ? end : 0;
	}
	static uint64_t array[(MAX_PAGE + 1) * WL_PAGE_SIZE / 8 / 16]; /* sort: 256 pages */
	if (k == WL_SORT && v[0] * WL_PAGE_SIZE > sizeof(array))
		return -1;
	struct rec r = { 0 };
	if (wl_run((enum wl_kind)k, (uint32_t)v[0], v[1], v[2], k == WL_SORT ? array : 0, record,
		   &r) < 0 || r.full)
		return -1;
	*n = r.n;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: refstring \"PAGE[w] PAGE[w] ...\"|@FILE|-wNAME[,PAGES[,REFS[,SEED]]] "
			"FRAMES [POLICY|record]\n"
			"  pages 0..%d, at most %d references; policies: fifo second-chance "
			"clock aging wsclock random nru;\n  record (1 frame): the manager prints "
			"the references it sees (lab-trace lines)\n",
		MAX_PAGE, MAX_REFS);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		return usage();
	size_t n = 0;
	uint64_t top = 0;
	char *text = argv[1];
	if (strncmp(text, "-w", 2) == 0) { /* a workload's references */
		if (workload(text[2] ? text + 2 : "", &n) < 0) {
			fprintf(stderr, "refstring: no workload '%s' (seq, loop, uniform, zipf, phase, "
					"sort[,PAGES[,REFS[,SEED]]])\n", text + 2);
			return 2;
		}
		for (size_t i = 0; i < n; i++)
			top = refs[i] > top ? refs[i] : top;
		text = "";
	}
	if (text[0] == '@') { /* the string from a file (a policy-lab trace) */
		static char file[64 * 1024];
		FILE *f = fopen(text + 1, "r");
		size_t len = f ? fread(file, 1, sizeof(file) - 1, f) : 0;
		if (!f || ferror(f) || len == sizeof(file) - 1) {
			fprintf(stderr, "refstring: cannot read %s\n", text + 1);
			return 2;
		}
		fclose(f);
		file[len] = 0;
		text = file;
	}
	for (char *p = text; *p;) {
		while (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t')
			p++;
		if (*p == '#') { /* a comment, to the end of the line */
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (!*p)
			break;
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || v > MAX_PAGE || n == MAX_REFS) {
			fprintf(stderr, "refstring: bad reference at '%s'\n", p);
			return usage();
		}
		writes[n] = *end == 'w';
		p = end + (*end == 'w');
		refs[n++] = v;
		top = v > top ? v : top;
	}
	char *end;
	unsigned long frames = strtoul(argv[2], &end, 10);
	if (n == 0 || *end || frames == 0 || frames > SWAP_LAB_FRAMES_MAX)
		return usage();
	/* `record` with 1 frame: the manager prints the references it sees
	 * (lab-trace lines), which must be the string itself. */
	bool record = argc > 3 && strcmp(argv[3], "record") == 0;
	int kind = record ? POL_FIFO : argc > 3 ? pol_kind_by_name(argv[3]) : POL_FIFO;
	if (record && frames != 1) {
		fprintf(stderr, "refstring: record wants 1 frame\n");
		return usage();
	}
	if (kind < 0) {
		fprintf(stderr, "refstring: no policy '%s'\n", argv[3]);
		return usage();
	}
	uint64_t npages = top + 1;
	long vmo = vmo_anon(npages * PG, -1, 0, -1, 0);
	struct vmo_info info;
	if (vmo < 0 || vm_map((int)vmo, AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED) ||
	    vmo_info((int)vmo, &info)) {
		fprintf(stderr, "refstring: no memory for %lu pages\n", (unsigned long)npages);
		return 1;
	}
	ipc_buffer_setup(&buf);
	long ep = name_lookup(H_NAME, &buf, "pager.swap");
	uint64_t w[3] = { info.id, frames, (uint64_t)kind | (record ? SWAP_LAB_RECORD : 0) };
	long err = ep < 0 ? ep : ipc_request((int)ep, &buf, SWAP_LAB, w, 3, 0, 0, 0, 0, 0, 0);
	if (err) {
		fprintf(stderr, "refstring: the swap pager refused lab mode: %s\n", err_name(err));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		volatile uint8_t *p = (volatile uint8_t *)(AREA + refs[i] * PG);
		if (writes[i])
			*p = (uint8_t)i;
		else
			(void)*p;
	}
	uint64_t out[3] = { 0 };
	uint64_t end_w[3] = { info.id, 0, 0 };
	uint32_t got = 0;
	err = ipc_request((int)ep, &buf, SWAP_LAB, end_w, 3, 0, 0, 0, out, 3, &got);
	if (err || got != 3) {
		fprintf(stderr, "refstring: no counts from the swap pager: %s\n", err_name(err));
		return 1;
	}
	printf("refstring: %zu references, %lu faults, %lu evictions, %lu written (%s, %lu frames%s%s)\n",
	       n, (unsigned long)out[0], (unsigned long)out[1], (unsigned long)out[2],
	       pol_name((enum pol_kind)kind), frames, text == argv[1] ? "" : ", ",
	       text == argv[1] ? "" : argv[1]);

	return 0;
}
