/* The policy lab's replay (lab.h). */
#include "tools/policylab/lab.h"

#include <stdlib.h>
#include <string.h>

#include "pagers/mm/policy/refsim.h"
#include "uapi/errors.h"

/* --- traces -------------------------------------------------------------------- */

int lab_trace_add(struct lab_trace *t, uint64_t page, bool write)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		uint64_t *p = realloc(t->page, cap * sizeof(*p));
		if (!p)
			return -1;
		t->page = p;
		bool *w = realloc(t->write, cap * sizeof(*w));
		if (!w)
			return -1;
		t->write = w;
		t->cap = cap;
	}
	t->page[t->n] = page;
	t->write[t->n++] = write;
	return 0;
}

int lab_trace_read(struct lab_trace *t, FILE *f, const char *name)
{
	char line[256];
	for (unsigned long no = 1; fgets(line, sizeof(line), f); no++) {
		char *s = line, *end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\r' || *s == 0)
			continue;
		if (*s < '0' || *s > '9')
			goto bad;
		uint64_t page = strtoull(s, &end, 10);
		bool write = *end == 'w';
		end += write;
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end)
			goto bad;
		if (lab_trace_add(t, page, write) < 0) {
			fprintf(stderr, "%s: out of memory\n", name);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, "%s:%lu: not a page number with an optional 'w': %s", name, no,
			line);
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int lab_trace_finish(struct lab_trace *t)
{
	uint64_t *sorted = malloc((t->n + 1) * sizeof(*sorted));
	t->next = malloc((t->n + 1) * sizeof(*t->next));
	if (!sorted || !t->next) {
		free(sorted);
		return -1;
	}
	memcpy(sorted, t->page, t->n * sizeof(*sorted));
	qsort(sorted, t->n, sizeof(*sorted), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < t->n; i++)
		if (u == 0 || sorted[u - 1] != sorted[i])
			sorted[u++] = sorted[i];
	for (size_t i = 0; i < t->n; i++) {
		uint64_t *at = bsearch(&t->page[i], sorted, u, sizeof(*sorted), cmp_u64);
		t->page[i] = (uint64_t)(at - sorted);
	}
	t->npages = u;
	free(sorted);
	size_t *last = malloc((u + 1) * sizeof(*last));
	if (!last)
		return -1;
	for (size_t p = 0; p < u; p++)
		last[p] = SIZE_MAX;
	for (size_t i = t->n; i-- > 0;) {
		t->next[i] = last[t->page[i]];
		last[t->page[i]] = i;
	}
	free(last);
	return 0;
}

void lab_trace_free(struct lab_trace *t)
{
	free(t->page);
	free(t->write);
	free(t->next);
	memset(t, 0, sizeof(*t));
}

/* --- names ----------------------------------------------------------------------- */

const char *lab_algo_name(int algo)
{
	if (algo == LAB_LRU)
		return "lru";
	if (algo == LAB_OPT)
		return "opt";
	return pol_name((enum pol_kind)algo);
}

int lab_algo_by_name(const char *name)
{
	for (int a = 0; a < LAB_NALGOS; a++)
		if (strcmp(name, lab_algo_name(a)) == 0)
			return a;
	return -1;
}

int lab_model_by_name(const char *name)
{
	if (strcmp(name, "textbook") == 0)
		return LAB_TEXTBOOK;
	if (strcmp(name, "guest") == 0)
		return LAB_GUEST;
	return -1;
}

/* --- LRU and OPT: a resident set and a victim rule --------------------------------- */

/* The resident page with the smallest key[] (ties: the lowest page). */
static size_t min_key(const uint64_t *res, size_t n, const uint64_t *key)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (key[res[i]] < key[res[best]] ||
		    (key[res[i]] == key[res[best]] && res[i] < res[best]))
			best = i;
	return best;
}

/* LRU: key = the time of the last use. OPT: key = the distance to the
 * next use, negated (UINT64_MAX - next), so the farthest is the least. */
static int run_exact(const struct lab_trace *t, bool opt, uint32_t frames,
		     struct lab_result *out)
{
	uint64_t *res = malloc(frames * sizeof(*res));
	uint64_t *key = calloc(t->npages + 1, sizeof(*key));
	uint8_t *in = calloc(t->npages + 1, 1), *dirty = calloc(t->npages + 1, 1);
	int err = res && key && in && dirty ? 0 : -E_NOMEM;
	size_t n = 0;
	for (size_t i = 0; !err && i < t->n; i++) {
		uint64_t p = t->page[i];
		if (!in[p]) {
			out->faults++;
			if (n == frames) {
				size_t v = min_key(res, n, key);
				in[res[v]] = 0;
				out->writes += dirty[res[v]];
				dirty[res[v]] = 0;
				res[v] = res[--n];
			}
			res[n++] = p;
			in[p] = 1;
		}
		dirty[p] |= t->write[i];
		key[p] = opt ? UINT64_MAX - (t->next[i] == SIZE_MAX ? UINT64_MAX : t->next[i])
			     : i;
	}
	free(res);
	free(key);
	free(in);
	free(dirty);
	return err;
}

/* --- the policies -------------------------------------------------------------------- */

static int run_policy(const struct lab_trace *t, enum pol_kind kind, uint32_t frames,
		      enum lab_model model, uint32_t tick, struct lab_result *out)
{
	size_t size = pol_arena_size(frames);
	void *arena = aligned_alloc(8, (size + 7) & ~(size_t)7);
	struct refsim_frame *set = malloc(frames * sizeof(*set));
	uint8_t *dirty = calloc(t->npages + 1, 1);
	struct pol p;
	struct pol_config cfg = { .seed = 1 };
	struct refsim_result r = { 0 };
	int err = arena && set && dirty ? 0 : -E_NOMEM;
	if (!err)
		err = pol_init(&p, kind, frames, arena, size, &cfg);
	if (!err && model == LAB_GUEST) {
		err = refsim_run_guest(&p, t->page, t->write, t->n, frames, set, &r);
	} else if (!err) {
		struct refsim_opts o = { .tick_every = tick, .writes = t->write,
					 .dirty = dirty, .dirty_pages = t->npages };
		err = refsim_run(&p, t->page, t->n, frames, &o, &r);
	}
	out->faults = r.faults;
	out->writes = r.writebacks;
	free(arena);
	free(set);
	free(dirty);
	return err;
}

int lab_run(const struct lab_trace *t, int algo, uint32_t frames, enum lab_model model,
	    uint32_t tick, struct lab_result *out)
{
	memset(out, 0, sizeof(*out));
	if (frames == 0 || algo < 0 || algo >= LAB_NALGOS || !t->next)
		return -E_INVAL;
	if (algo == LAB_LRU || algo == LAB_OPT)
		return run_exact(t, algo == LAB_OPT, frames, out);
	return run_policy(t, (enum pol_kind)algo, frames, model, tick, out);
}
