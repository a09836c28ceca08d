/*
 * The policy lab's workloads: deterministic, seeded generators of page
 * references, shared by the host (policylab-gen writes them as traces)
 * and a guest program that touches the same pages in the same order.
 * Portable C: no malloc, no libc.
 *
 * A workload calls touch(ctx, page, write) once per reference, in order.
 * The sort workload works on a real array the caller gives (its pages are
 * the references); the others need none.
 *
 *   seq      sequential scan over `pages`, again and again (more pages
 *            than frames: LRU and FIFO fault on every reference)
 *   loop     a loop over `pages` (N + 1 pages thrash N frames under LRU)
 *   uniform  uniformly random pages, a quarter of them writes
 *   zipf     Zipf-skewed (s = 1) over `pages`, a quarter writes; rank r
 *            is page (r * 7919) mod pages, so the hot pages are spread
 *   phase    a working set of `pages` / 8 pages, uniform within it, that
 *            moves on by 3/4 of its size every refs / 10 references
 *   sort     quicksort (Hoare partition) of an array of 64-bit keys
 *            filling `pages` pages, after filling it with random keys;
 *            `refs` is ignored: the sort decides
 */
#ifndef TOOLS_POLICYLAB_WORKLOADS_H
#define TOOLS_POLICYLAB_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WL_PAGE_SIZE 4096u
#define WL_ZIPF_MAX 4096u /* zipf: the most pages */

enum wl_kind { WL_SEQ, WL_LOOP, WL_UNIFORM, WL_ZIPF, WL_PHASE, WL_SORT, WL_NKINDS };

typedef void (*wl_touch_fn)(void *ctx, uint64_t page, bool write);

struct wl_spec {
	const char *name;
	uint32_t pages; /* default size */
	uint64_t refs;  /* default length (references before collapsing) */
};

/* The defaults: sized for frame counts 4..64 (see tools/policylab/lab.mk). */
extern const struct wl_spec wl_specs[WL_NKINDS];

/* The kind named name, or -1. */
int wl_kind_by_name(const char *name);

/* Runs workload kind over `pages` pages for `refs` references from
 * `seed`. sort: `array` holds pages * WL_PAGE_SIZE bytes (8-aligned),
 * other kinds ignore it. 0, or -1 (bad kind, pages 0, zipf pages >
 * WL_ZIPF_MAX, sort without an array). */
int wl_run(enum wl_kind kind, uint32_t pages, uint64_t refs, uint64_t seed, uint64_t *array,
	   wl_touch_fn touch, void *ctx);

#endif
