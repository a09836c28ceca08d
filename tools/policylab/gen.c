/*
 * policylab-gen: writes a workload's trace (format in lab.h) to stdout.
 *
 * Usage: policylab-gen NAME [PAGES [REFS [SEED]]]
 *   NAME   seq, loop, uniform, zipf, phase, sort (workloads.h)
 *   PAGES, REFS  default the workload's (wl_specs); SEED default 1
 * A reference to the page just referenced is folded into it (a write if
 * either was): it hits in every model and policy.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tools/policylab/workloads.h"

struct out {
	uint64_t page;
	bool write, any;
};

static void flush(struct out *o)
{
	if (o->any)
		printf("%lu%s\n", (unsigned long)o->page, o->write ? "w" : "");
}

static void touch(void *ctx, uint64_t page, bool write)
{
	struct out *o = ctx;
	if (o->any && o->page == page) {
		o->write |= write;
		return;
	}
	flush(o);
	*o = (struct out){ page, write, true };
}

int main(int argc, char **argv)
{
	int k = argc >= 2 ? wl_kind_by_name(argv[1]) : -1;
	if (k < 0 || argc > 5) {
		fprintf(stderr, "usage: policylab-gen seq|loop|uniform|zipf|phase|sort "
				"[PAGES [REFS [SEED]]]\n");
		return 2;
	}
	uint32_t pages = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 10) : wl_specs[k].pages;
	uint64_t refs = argc > 3 ? strtoull(argv[3], 0, 10) : wl_specs[k].refs;
	uint64_t seed = argc > 4 ? strtoull(argv[4], 0, 10) : 1;
	uint64_t *array = k == WL_SORT ? aligned_alloc(8, (size_t)pages * WL_PAGE_SIZE) : 0;
	struct out o = { 0 };
	printf("# policylab-gen %s %u %lu %lu\n", wl_specs[k].name, pages, (unsigned long)refs,
	       (unsigned long)seed);
	if (wl_run((enum wl_kind)k, pages, refs, seed, array, touch, &o) < 0) {
		fprintf(stderr, "policylab-gen: %s cannot run with %u pages\n", argv[1], pages);
		return 1;
	}
	flush(&o);
	free(array);
	return 0;
}
