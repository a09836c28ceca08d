/* The policy lab's workloads (workloads.h). */
#include "tools/policylab/workloads.h"

const struct wl_spec wl_specs[WL_NKINDS] = {
	[WL_SEQ] = { "seq", 80, 640 },
	[WL_LOOP] = { "loop", 33, 660 },
	[WL_UNIFORM] = { "uniform", 64, 20000 },
	[WL_ZIPF] = { "zipf", 256, 20000 },
	[WL_PHASE] = { "phase", 128, 20000 },
	[WL_SORT] = { "sort", 80, 0 },
};

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int wl_kind_by_name(const char *name)
{
	for (int k = 0; k < WL_NKINDS; k++)
		if (same(name, wl_specs[k].name))
			return k;
	return -1;
}

/* splitmix64: the workloads' PRNG, the same on every machine. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

static bool quarter_writes(uint64_t *s)
{
	return (rnd(s) & 3) == 0;
}

static void cyclic(uint32_t pages, uint64_t refs, wl_touch_fn touch, void *ctx)
{
	for (uint64_t i = 0; i < refs; i++)
		touch(ctx, i % pages, false);
}

static void uniform(uint32_t pages, uint64_t refs, uint64_t *s, wl_touch_fn touch, void *ctx)
{
	for (uint64_t i = 0; i < refs; i++) {
		uint64_t page = below(s, pages);
		touch(ctx, page, quarter_writes(s));
	}
}

/* Weight of rank r (from 1): 2^32 / r; cum[k] = the weights of ranks 1..k+1. */
static uint64_t zipf_cum[WL_ZIPF_MAX];

static void zipf(uint32_t pages, uint64_t refs, uint64_t *s, wl_touch_fn touch, void *ctx)
{
	uint64_t total = 0;
	for (uint32_t k = 0; k < pages; k++)
		zipf_cum[k] = total += (1ull << 32) / (k + 1);
	for (uint64_t i = 0; i < refs; i++) {
		uint64_t u = below(s, total);
		uint32_t lo = 0, hi = pages - 1;
		while (lo < hi) { /* the first k with cum[k] > u */
			uint32_t mid = lo + (hi - lo) / 2;
			if (zipf_cum[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		bool w = quarter_writes(s);
		touch(ctx, (uint64_t)lo * 7919 % pages, w);
	}
}

static void phase(uint32_t pages, uint64_t refs, uint64_t *s, wl_touch_fn touch, void *ctx)
{
	uint32_t ws = pages / 8 ? pages / 8 : 1, step = ws * 3 / 4 ? ws * 3 / 4 : 1;
	uint64_t len = refs / 10 ? refs / 10 : 1;
	for (uint64_t i = 0; i < refs; i++) {
		uint64_t base = i / len * step;
		uint64_t page = (base + below(s, ws)) % pages;
		touch(ctx, page, quarter_writes(s));
	}
}

/* --- sort: every array access is a reference to its page ----------------------- */

struct sorter {
	uint64_t *a;
	wl_touch_fn touch;
	void *ctx;
};

#define PER_PAGE (WL_PAGE_SIZE / sizeof(uint64_t))

static uint64_t get(struct sorter *so, uint64_t i)
{
	so->touch(so->ctx, i / PER_PAGE, false);
	return so->a[i];
}

static void put(struct sorter *so, uint64_t i, uint64_t v)
{
	so->touch(so->ctx, i / PER_PAGE, true);
	so->a[i] = v;
}

/* Hoare's partition of a[lo..hi] around the middle key; returns j with
 * a[lo..j] <= pivot <= a[j+1..hi]. */
static uint64_t partition(struct sorter *so, uint64_t lo, uint64_t hi)
{
	uint64_t pivot = get(so, lo + (hi - lo) / 2);
	uint64_t i = lo - 1, j = hi + 1;
	for (;;) {
		do
			i++;
		while (get(so, i) < pivot);
		do
			j--;
		while (get(so, j) > pivot);
		if (i >= j)
			return j;
		uint64_t x = get(so, i), y = get(so, j);
		put(so, i, y);
		put(so, j, x);
	}
}

/* Recursion on the smaller part, a loop on the larger: depth O(log n). */
static void quicksort(struct sorter *so, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t p = partition(so, lo, hi);
		if (p - lo < hi - p) {
			quicksort(so, lo, p);
			lo = p + 1;
		} else {
			quicksort(so, p + 1, hi);
			hi = p;
		}
	}
}

static void sort(uint32_t pages, uint64_t *s, uint64_t *array, wl_touch_fn touch, void *ctx)
{
	struct sorter so = { array, touch, ctx };
	uint64_t n = (uint64_t)pages * PER_PAGE;
	for (uint64_t i = 0; i < n; i++)
		put(&so, i, rnd(s));
	quicksort(&so, 0, n - 1);
}

int wl_run(enum wl_kind kind, uint32_t pages, uint64_t refs, uint64_t seed, uint64_t *array,
	   wl_touch_fn touch, void *ctx)
{
	uint64_t s = seed;
	if (pages == 0 || (unsigned)kind >= WL_NKINDS)
		return -1;
	switch (kind) {
	case WL_SEQ:
	case WL_LOOP:
		cyclic(pages, refs, touch, ctx);
		return 0;
	case WL_UNIFORM:
		uniform(pages, refs, &s, touch, ctx);
		return 0;
	case WL_ZIPF:
		if (pages > WL_ZIPF_MAX)
			return -1;
		zipf(pages, refs, &s, touch, ctx);
		return 0;
	case WL_PHASE:
		phase(pages, refs, &s, touch, ctx);
		return 0;
	case WL_SORT:
		if (!array)
			return -1;
		sort(pages, &s, array, touch, ctx);
		return 0;
	default:
		return -1;
	}
}
