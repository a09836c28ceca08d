/*
 * swapstress: fills anonymous memory and checks that every page comes
 * back as written, however often it went to the swap disk and back.
 *
 *   swapstress [-q] [-s] [-C PAGE] MIB PASSES [SEED]
 *
 * The run, step by step:
 *   1. map MIB MiB anonymous (mmap MAP_PRIVATE | MAP_ANONYMOUS);
 *   2. fill every page, in address order, with pass 0's pattern;
 *   3. each pass p = 1..PASSES visits every page once, in an order drawn
 *      afresh from (SEED, p) (a Fisher-Yates shuffle), checks it holds
 *      pass p-1's pattern and rewrites it with pass p's;
 *   4. prints `swapstress: N pages verified, M mismatches` (N = pages x
 *      PASSES) and exits 0 if M is 0, else 1 (2: bad arguments or no
 *      memory).
 *
 * The pattern: every 8-byte word is a 64-bit hash of (the word's address,
 * the pass, the seed), so a page read back into the wrong place, a page
 * one pass stale and a page lost (zero-filled) all show. The first few
 * bad pages are printed with what their first bad word looks like.
 *
 * Options: -q prints only the closing line (and bad pages); -s visits
 * pages in address order instead of shuffled (read-ahead's best case);
 * -C PAGE flips one word of page PAGE after the fill, to show that the
 * checker catches it (the run must then fail with 1 mismatch).
 *
 * Each pass reports the hart's instret counter across it and the guest
 * clock's milliseconds. instret covers the kernel, the pagers, the driver
 * and every other task, not swapstress alone; and it counts instructions
 * only under -icount (make bench): without it QEMU derives the counter
 * from the host's clock, so the line says "instret", not "instructions".
 * With no swap pager MIB must simply fit in RAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libipc/sys.h"

#define PAGE 4096u
#define WORDS (PAGE / 8)
#define MIB_MAX 4096u /* the mmap area's size bounds it anyway */
#define SHOW_BAD 8    /* bad pages printed in full */

struct run {
	uint8_t *base;
	uint32_t npages;
	uint32_t passes;
	uint64_t seed;
	bool quiet, sequential;
	long corrupt; /* page to damage after the fill, or -1 */
	uint32_t *order;
	uint64_t verified, bad;
};

/* splitmix64's finaliser: every input bit reaches every output bit. */
static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The key of a page in a pass: word i holds mix(key + i * odd). */
static inline uint64_t page_key(uint64_t addr, uint32_t pass, uint64_t seed)
{
	return mix(addr ^ mix(((uint64_t)pass << 32) ^ seed ^ 0x5eed5eed5eedull));
}

static inline uint64_t word_of(uint64_t key, uint32_t i)
{
	return mix(key + (uint64_t)i * 0x9e3779b97f4a7c15ull);
}

static void write_page(uint64_t *w, uint32_t pass, uint64_t seed)
{
	uint64_t key = page_key((uint64_t)(uintptr_t)w, pass, seed);
	for (uint32_t i = 0; i < WORDS; i++)
		w[i] = word_of(key, i);
}

/* The first word of w that is not pass's pattern, or WORDS. */
static uint32_t check_page(const uint64_t *w, uint32_t pass, uint64_t seed)
{
	uint64_t key = page_key((uint64_t)(uintptr_t)w, pass, seed);
	for (uint32_t i = 0; i < WORDS; i++)
		if (w[i] != word_of(key, i))
			return i;
	return WORDS;
}

/* What a bad word looks like: zero (a page lost), another pass's word
 * (stale, or written twice), another page's (misplaced), or none. */
static void describe(const struct run *r, const uint64_t *w, uint32_t i, uint32_t pass,
		     char *out, size_t size)
{
	uint64_t got = w[i];
	if (got == 0) {
		snprintf(out, size, "zero (a lost page?)");
		return;
	}
	for (uint32_t p = 0; p <= r->passes; p++) {
		if (p != pass && got == word_of(page_key((uint64_t)(uintptr_t)w, p, r->seed), i)) {
			snprintf(out, size, "pass %u's pattern (stale or early)", p);
			return;
		}
	}
	for (uint32_t pg = 0; pg < r->npages; pg++) {
		uint64_t a = (uint64_t)(uintptr_t)(r->base + (uint64_t)pg * PAGE) + 8u * i;
		if (a == (uint64_t)(uintptr_t)&w[i])
			continue;
		for (uint32_t p = (pass ? pass - 1 : 0); p <= pass + 1 && p <= r->passes; p++) {
			if (got == word_of(page_key(a - 8u * i, p, r->seed), i)) {
				snprintf(out, size, "page %u's pass %u pattern (misplaced)", pg, p);
				return;
			}
		}
	}
	snprintf(out, size, "no known pattern");
}

static void report_bad(struct run *r, uint32_t pg, uint32_t pass, uint32_t i)
{
	r->bad++;
	if (r->bad > SHOW_BAD) {
		if (r->bad == SHOW_BAD + 1)
			printf("swapstress: more bad pages; only the first %u shown\n", SHOW_BAD);
		return;
	}
	const uint64_t *w = (const uint64_t *)(r->base + (uint64_t)pg * PAGE);
	uint64_t want = word_of(page_key((uint64_t)(uintptr_t)w, pass, r->seed), i);
	uint32_t nbad = 0;
	for (uint32_t j = i; j < WORDS; j++)
		nbad += w[j] != word_of(page_key((uint64_t)(uintptr_t)w, pass, r->seed), j);
	char what[96];
	describe(r, w, i, pass, what, sizeof(what));
	printf("swapstress: BAD page %u (%p) expecting pass %u: word %u is %016llx, not %016llx; "
	       "%u bad words; it is %s\n",
	       pg, (const void *)w, pass, i, (unsigned long long)w[i], (unsigned long long)want,
	       nbad, what);
}

/* xorshift64*: small, and enough to shuffle. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void make_order(struct run *r, uint32_t pass)
{
	for (uint32_t i = 0; i < r->npages; i++)
		r->order[i] = i;
	if (r->sequential)
		return;
	uint64_t s = mix(r->seed ^ ((uint64_t)pass << 40)) | 1;
	for (uint32_t i = r->npages - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng_next(&s) % ((uint64_t)i + 1));
		uint32_t t = r->order[i];
		r->order[i] = r->order[j];
		r->order[j] = t;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void report_step(const struct run *r, const char *what, uint64_t insns, uint64_t ms)
{
	if (r->quiet)
		return;
	printf("swapstress: %s done: %u pages, instret %llu (hart-wide; instructions "
	       "under -icount), %llu per page, %llu ms\n",
	       what, r->npages, (unsigned long long)insns,
	       (unsigned long long)(insns / r->npages), (unsigned long long)ms);
}

static void fill(struct run *r)
{
	uint64_t t0 = now_ms(), i0 = rd_instret();
	for (uint32_t pg = 0; pg < r->npages; pg++)
		write_page((uint64_t *)(r->base + (uint64_t)pg * PAGE), 0, r->seed);
	uint64_t i1 = rd_instret(), t1 = now_ms();
	report_step(r, "fill", i1 - i0, t1 - t0);
	if (r->corrupt >= 0) {
		uint64_t *w = (uint64_t *)(r->base + (uint64_t)r->corrupt * PAGE);
		w[WORDS / 2] ^= 1ull << 17;
	}
}

static void pass(struct run *r, uint32_t p)
{
	make_order(r, p);
	uint64_t t0 = now_ms(), i0 = rd_instret();
	for (uint32_t k = 0; k < r->npages; k++) {
		uint32_t pg = r->order[k];
		uint64_t *w = (uint64_t *)(r->base + (uint64_t)pg * PAGE);
		uint32_t i = check_page(w, p - 1, r->seed);
		if (i != WORDS)
			report_bad(r, pg, p - 1, i);
		r->verified++;
		write_page(w, p, r->seed);
	}
	uint64_t i1 = rd_instret(), t1 = now_ms();
	char what[32];
	snprintf(what, sizeof(what), "pass %u", p);
	report_step(r, what, i1 - i0, t1 - t0);
}

/* A whole decimal (or 0x hex) number in [lo, hi]. */
static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: swapstress [-q] [-s] [-C PAGE] MIB PASSES [SEED]\n"
			"  MIB 1..%u, PASSES 1..1000000\n",
		MIB_MAX);
	return 2;
}

int main(int argc, char **argv)
{
	struct run r = { .corrupt = -1, .seed = 1 };
	int c;
	uint64_t v;
	while ((c = getopt(argc, argv, "qsC:")) != -1) {
		switch (c) {
		case 'q':
			r.quiet = true;
			break;
		case 's':
			r.sequential = true;
			break;
		case 'C':
			if (!parse_u64(optarg, 0, (uint64_t)MIB_MAX * 256 - 1, &v))
				return usage();
			r.corrupt = (long)v;
			break;
		default:
			return usage();
		}
	}
	int n = argc - optind;
	if (n < 2 || n > 3)
		return usage();
	uint64_t mib, passes;
	if (!parse_u64(argv[optind], 1, MIB_MAX, &mib) ||
	    !parse_u64(argv[optind + 1], 1, 1000000, &passes) ||
	    (n == 3 && !parse_u64(argv[optind + 2], 0, UINT64_MAX, &r.seed)))
		return usage();
	r.npages = (uint32_t)(mib * (1024 * 1024 / PAGE));
	r.passes = (uint32_t)passes;
	if (r.corrupt >= (long)r.npages) {
		fprintf(stderr, "swapstress: -C %ld: there are only %u pages\n", r.corrupt,
			r.npages);
		return 2;
	}
	r.order = malloc((size_t)r.npages * sizeof(uint32_t));
	void *m = mmap(0, (size_t)r.npages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!r.order || m == MAP_FAILED) {
		fprintf(stderr, "swapstress: cannot map %llu MiB: %s\n", (unsigned long long)mib,
			strerror(errno));
		return 2;
	}
	r.base = m;
	if (!r.quiet)
		printf("swapstress: %llu MiB (%u pages) at %p, %u passes, seed %llu, %s order\n",
		       (unsigned long long)mib, r.npages, (void *)r.base, r.passes,
		       (unsigned long long)r.seed, r.sequential ? "address" : "shuffled");
	fill(&r);
	for (uint32_t p = 1; p <= r.passes; p++)
		pass(&r, p);
	printf("swapstress: %llu pages verified, %llu mismatches\n",
	       (unsigned long long)r.verified, (unsigned long long)r.bad);
	return r.bad ? 1 : 0;
}
