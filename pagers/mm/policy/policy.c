/*
 * The table every policy shares: dense entries, a hash from key to
 * entry, the ring in admission order, and the per-entry state (R, M,
 * aging counter, last use) kept up to date whatever the policy.
 */
#include "pagers/mm/policy/policy_impl.h"

#include "lib/string.h"
#include "uapi/errors.h"

static const struct pol_ops *const pol_table[POL_NKINDS] = {
	[POL_FIFO] = &pol_fifo_ops,
	[POL_SECOND_CHANCE] = &pol_second_chance_ops,
	[POL_CLOCK] = &pol_clock_ops,
	[POL_AGING] = &pol_aging_ops,
	[POL_WSCLOCK] = &pol_wsclock_ops,
	[POL_RANDOM] = &pol_random_ops,
	[POL_NRU] = &pol_nru_ops,
};

static const char *const pol_names[POL_NKINDS] = {
	[POL_FIFO] = "fifo",     [POL_SECOND_CHANCE] = "second-chance",
	[POL_CLOCK] = "clock",   [POL_AGING] = "aging",
	[POL_WSCLOCK] = "wsclock", [POL_RANDOM] = "random",
	[POL_NRU] = "nru",
};

static uint32_t hash_size(uint32_t cap)
{
	uint32_t h = 1;
	while (h < 2 * cap)
		h <<= 1;
	return h;
}

size_t pol_arena_size(uint32_t cap)
{
	if (cap == 0 || cap > POL_CAP_MAX)
		return 0;
	return (size_t)cap * sizeof(struct pol_entry) + (size_t)hash_size(cap) * sizeof(uint32_t);
}

int pol_init(struct pol *p, enum pol_kind kind, uint32_t cap, void *arena,
	     size_t arena_size, const struct pol_config *cfg)
{
	size_t need = pol_arena_size(cap);
	if ((unsigned)kind >= POL_NKINDS || need == 0 || !arena || arena_size < need ||
	    ((uintptr_t)arena & 7))
		return -E_INVAL;
	memset(p, 0, sizeof(*p));
	p->ops = pol_table[kind];
	p->kind = kind;
	p->cap = cap;
	p->ent = arena;
	p->hash = (uint32_t *)(p->ent + cap);
	p->hmask = hash_size(cap) - 1;
	memset(p->hash, 0xff, (size_t)(p->hmask + 1) * sizeof(uint32_t));
	p->hand = POL_NIL;
	p->rng = cfg && cfg->seed ? cfg->seed : 0x2545f4914f6cdd1dull;
	p->tau = cfg && cfg->tau ? cfg->tau : UINT64_MAX;
	p->clean = cfg ? cfg->clean : 0;
	p->clean_ctx = cfg ? cfg->clean_ctx : 0;
	return 0;
}

/* --- the hash: linear probing, deletion by backward shift --------------- */

static uint32_t key_home(const struct pol *p, struct pol_page k)
{
	uint64_t x = k.obj * 0x9e3779b97f4a7c15ull ^ k.idx;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x & p->hmask;
}

static bool key_eq(struct pol_page a, struct pol_page b)
{
	return a.obj == b.obj && a.idx == b.idx;
}

/* The hash slot holding key, or the empty slot where it would go. */
static uint32_t hash_slot(const struct pol *p, struct pol_page key)
{
	uint32_t h = key_home(p, key);
	while (p->hash[h] != POL_NIL && !key_eq(p->ent[p->hash[h]].key, key))
		h = (h + 1) & p->hmask;
	return h;
}

static uint32_t lookup(const struct pol *p, struct pol_page key)
{
	return p->hash[hash_slot(p, key)];
}

static void hash_delete(struct pol *p, uint32_t hole)
{
	uint32_t i = hole;
	for (;;) {
		i = (i + 1) & p->hmask;
		if (p->hash[i] == POL_NIL)
			break;
		uint32_t home = key_home(p, p->ent[p->hash[i]].key);
		/* The entry at i may move back into the hole unless its
		 * home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (stays)
			continue;
		p->hash[hole] = p->hash[i];
		hole = i;
	}
	p->hash[hole] = POL_NIL;
}

/* --- the ring ------------------------------------------------------------ */

void pol_ring_unlink(struct pol *p, uint32_t i)
{
	struct pol_entry *e = &p->ent[i];
	if (e->next == i) {
		POL_ASSERT(p->hand == i);
		p->hand = POL_NIL;
	} else {
		if (p->hand == i)
			p->hand = e->next;
		p->ent[e->prev].next = e->next;
		p->ent[e->next].prev = e->prev;
	}
	e->prev = e->next = POL_NIL;
}

void pol_ring_insert_before(struct pol *p, uint32_t i, uint32_t at)
{
	struct pol_entry *e = &p->ent[i];
	if (at == POL_NIL) {
		POL_ASSERT(p->hand == POL_NIL);
		e->prev = e->next = i;
		p->hand = i;
		return;
	}
	e->next = at;
	e->prev = p->ent[at].prev;
	p->ent[e->prev].next = i;
	p->ent[at].prev = i;
}

/* Remove entry i; the last entry moves into its place (dense table). */
static void remove_entry(struct pol *p, uint32_t i)
{
	uint32_t last = p->count - 1;
	hash_delete(p, hash_slot(p, p->ent[i].key));
	pol_ring_unlink(p, i);
	if (i != last) {
		struct pol_entry *e = &p->ent[i];
		*e = p->ent[last];
		if (e->next == last) { /* last is alone in the ring */
			e->next = e->prev = i;
		} else {
			p->ent[e->prev].next = i;
			p->ent[e->next].prev = i;
		}
		p->hash[hash_slot(p, e->key)] = i;
		if (p->hand == last)
			p->hand = i;
	}
	p->count--;
}

/* --- the PRNG: xorshift64* ----------------------------------------------- */

uint64_t pol_rand(struct pol *p)
{
	uint64_t x = p->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint32_t pol_rand_below(struct pol *p, uint32_t n)
{
	POL_ASSERT(n > 0);
	return (uint32_t)((pol_rand(p) >> 32) * n >> 32);
}

/* --- the interface -------------------------------------------------------- */

int pol_admit(struct pol *p, struct pol_page key, uint64_t now, unsigned flags)
{
	if (flags & ~(POL_REF | POL_MOD))
		return -E_INVAL;
	uint32_t h = hash_slot(p, key);
	if (p->hash[h] != POL_NIL)
		return -E_BUSY;
	if (p->count == p->cap)
		return -E_FULL;
	uint32_t i = p->count++;
	struct pol_entry *e = &p->ent[i];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->flags = (uint8_t)(flags | (flags & POL_REF ? POL_RECENT : 0));
	e->last_use = now;
	p->hash[h] = i;
	/* At the tail: just behind the hand, the oldest. */
	pol_ring_insert_before(p, i, p->hand);
	p->stats.admits++;
	return 0;
}

int pol_forget(struct pol *p, struct pol_page key)
{
	uint32_t i = lookup(p, key);
	if (i == POL_NIL)
		return -E_NOENT;
	remove_entry(p, i);
	p->stats.forgets++;
	return 0;
}

int pol_observe(struct pol *p, struct pol_page key, bool referenced, bool modified,
		uint64_t now)
{
	uint32_t i = lookup(p, key);
	if (i == POL_NIL)
		return -E_NOENT;
	struct pol_entry *e = &p->ent[i];
	if (referenced) {
		e->flags |= POL_REF | POL_RECENT;
		e->last_use = now;
	}
	if (modified)
		e->flags |= POL_MOD;
	else
		e->flags &= (uint8_t)~(POL_MOD | POL_CLEANING);
	p->stats.observes++;
	return 0;
}

/* Aging's shift, for every policy (so that a switch to aging finds
 * counters with history); the period's R starts again. */
void pol_tick(struct pol *p, uint64_t now)
{
	(void)now;
	for (uint32_t i = 0; i < p->count; i++) {
		struct pol_entry *e = &p->ent[i];
		e->age = (uint8_t)((e->age >> 1) | (e->flags & POL_RECENT ? 0x80 : 0));
		e->flags &= (uint8_t)~POL_RECENT;
	}
	p->stats.ticks++;
}

/* Removes the entries idx[0..k) (distinct), highest index first: a
 * removal moves the last entry into the hole, never one still to go. */
static void remove_entries(struct pol *p, uint32_t *idx, uint32_t k)
{
	for (uint32_t a = 1; a < k; a++) /* insertion sort, descending */
		for (uint32_t b = a; b > 0 && idx[b - 1] < idx[b]; b--) {
			uint32_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	for (uint32_t a = 0; a < k; a++)
		remove_entry(p, idx[a]);
}

uint32_t pol_pick_if(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx,
		     struct pol_page *out, uint32_t n)
{
	uint32_t got = 0;
	while (p->ops->pick_many && n - got > 1 && p->count > 0) {
		uint32_t idx[POL_PICK_MANY_MAX], want = n - got;
		uint32_t k = p->ops->pick_many(p, now, ok, ctx, idx,
					       want < POL_PICK_MANY_MAX ? want : POL_PICK_MANY_MAX);
		for (uint32_t a = 0; a < k; a++) {
			POL_ASSERT(idx[a] < p->count && pol_accepts(p, idx[a], ok, ctx));
			out[got++] = p->ent[idx[a]].key;
		}
		remove_entries(p, idx, k);
		p->stats.picks += k;
		if (k < POL_PICK_MANY_MAX)
			return got; /* no more are accepted */
	}
	while (got < n && p->count > 0) {
		uint32_t i = p->ops->pick(p, now, ok, ctx);
		if (i == POL_NIL)
			break;
		POL_ASSERT(i < p->count && pol_accepts(p, i, ok, ctx));
		out[got++] = p->ent[i].key;
		remove_entry(p, i);
		p->stats.picks++;
	}
	return got;
}

uint32_t pol_pick(struct pol *p, uint64_t now, struct pol_page *out, uint32_t n)
{
	return pol_pick_if(p, now, 0, 0, out, n);
}

bool pol_contains(const struct pol *p, struct pol_page key)
{
	return lookup(p, key) != POL_NIL;
}

int pol_flags(const struct pol *p, struct pol_page key)
{
	uint32_t i = lookup(p, key);
	if (i == POL_NIL)
		return -E_NOENT;
	return p->ent[i].flags & (POL_REF | POL_MOD);
}

uint32_t pol_first(const struct pol *p)
{
	return p->hand;
}

uint32_t pol_next(const struct pol *p, uint32_t i)
{
	uint32_t n = p->ent[i].next;
	return n == p->hand ? POL_NIL : n;
}

int pol_switch(struct pol *p, enum pol_kind kind)
{
	if ((unsigned)kind >= POL_NKINDS)
		return -E_INVAL;
	p->ops = pol_table[kind];
	p->kind = kind;
	p->stats.switches++;
	return 0;
}

int pol_copy(struct pol *dst, const struct pol *src, uint64_t now)
{
	if (dst->cap - dst->count < src->count)
		return -E_FULL;
	for (uint32_t i = pol_first(src); i != POL_NIL; i = pol_next(src, i))
		if (pol_contains(dst, src->ent[i].key))
			return -E_BUSY;
	for (uint32_t i = pol_first(src); i != POL_NIL; i = pol_next(src, i)) {
		const struct pol_entry *s = &src->ent[i];
		int r = pol_admit(dst, s->key, now, s->flags & (POL_REF | POL_MOD));
		POL_ASSERT(r == 0);
		struct pol_entry *d = &dst->ent[dst->count - 1];
		d->flags = s->flags;
		d->age = s->age;
		d->last_use = s->last_use;
	}
	return 0;
}

void pol_set_tau(struct pol *p, uint64_t tau)
{
	p->tau = tau ? tau : UINT64_MAX;
}

const char *pol_name(enum pol_kind kind)
{
	return (unsigned)kind < POL_NKINDS ? pol_names[kind] : "?";
}

static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int pol_kind_by_name(const char *name)
{
	for (int k = 0; k < POL_NKINDS; k++)
		if (same_name(name, pol_names[k]))
			return k;
	return -E_NOENT;
}
