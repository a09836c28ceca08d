/*
 * The swap disk map (swapmap.h): bitmaps of held and bad slots, a
 * reverse table slot -> (object, page) chained per object, a hash
 * (object, page) -> slot, and a small hash of object ids.
 */
#include "pagers/swap/swapmap.h"

#include "lib/string.h"
#include "uapi/errors.h"

#ifdef HOST_TEST
#include <assert.h>
#define SWAP_ASSERT(c) assert(c)
#else
#define SWAP_ASSERT(c)                   \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)
#endif

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t h = 1;
	while (h < n)
		h <<= 1;
	return h;
}

size_t swapmap_arena_size(uint32_t nslots, uint32_t max_objs)
{
	if (nslots == 0 || nslots > SWAP_SLOTS_MAX || max_objs == 0 || max_objs > SWAP_SLOTS_MAX)
		return 0;
	size_t words = (nslots + 63) / 64;
	return 3 * words * sizeof(uint64_t) + (size_t)nslots * sizeof(struct swap_slot) +
	       (size_t)max_objs * sizeof(struct swap_obj) +
	       (size_t)pow2_at_least(2 * nslots) * sizeof(uint32_t) +
	       (size_t)pow2_at_least(2 * max_objs) * sizeof(uint32_t);
}

int swapmap_init(struct swapmap *m, uint32_t nslots, uint32_t max_objs, void *arena,
		 size_t arena_size)
{
	size_t need = swapmap_arena_size(nslots, max_objs);
	if (need == 0 || !arena || arena_size < need || ((uintptr_t)arena & 7))
		return -E_INVAL;
	memset(m, 0, sizeof(*m));
	memset(arena, 0, need);
	m->nslots = m->nfree = nslots;
	m->max_objs = max_objs;
	m->words = (nslots + 63) / 64;
	m->used = arena;
	m->bad = m->used + m->words;
	m->valid = m->bad + m->words;
	m->slot = (struct swap_slot *)(m->valid + m->words);
	m->obj = (struct swap_obj *)(m->slot + nslots);
	m->hash = (uint32_t *)(m->obj + max_objs);
	m->hmask = pow2_at_least(2 * nslots) - 1;
	m->ohash = m->hash + m->hmask + 1;
	m->ohmask = pow2_at_least(2 * max_objs) - 1;
	memset(m->hash, 0xff, (size_t)(m->hmask + 1) * sizeof(uint32_t));
	memset(m->ohash, 0xff, (size_t)(m->ohmask + 1) * sizeof(uint32_t));
	for (uint32_t s = 0; s < nslots; s++)
		m->slot[s].obj = SWAP_NIL;
	return 0;
}

/* --- bitmaps ------------------------------------------------------------ */

static bool bit(const uint64_t *map, uint32_t s)
{
	return map[s / 64] >> (s % 64) & 1;
}

static void set_bit(uint64_t *map, uint32_t s, bool v)
{
	if (v)
		map[s / 64] |= 1ull << (s % 64);
	else
		map[s / 64] &= ~(1ull << (s % 64));
}

static bool slot_free(const struct swapmap *m, uint32_t s)
{
	return !bit(m->used, s) && !bit(m->bad, s);
}

static void hold(struct swapmap *m, uint32_t s)
{
	SWAP_ASSERT(slot_free(m, s));
	set_bit(m->used, s, true);
	m->nfree--;
}

static void release(struct swapmap *m, uint32_t s)
{
	SWAP_ASSERT(bit(m->used, s));
	set_bit(m->used, s, false);
	if (!bit(m->bad, s))
		m->nfree++;
}

/*
 * The longest run of free slots up to k, scanning from `from` round to
 * it (a run does not wrap past the last slot); stops at the first run of
 * k. Returns its length (0: no free slot) and its start.
 */
static uint32_t find_run(const struct swapmap *m, uint32_t k, uint32_t from, uint32_t *start)
{
	uint32_t best = 0, run = 0, run_start = 0;
	for (uint32_t n = 0; n < m->nslots && best < k; n++) {
		uint32_t s = (from + n) % m->nslots;
		if (s == 0)
			run = 0;
		if (!slot_free(m, s)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			run_start = s;
		if (run > best) {
			best = run;
			*start = run_start;
		}
	}
	return best;
}

/* --- the object table ------------------------------------------------------ */

static uint32_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ b;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint32_t obj_slot(const struct swapmap *m, uint64_t id)
{
	uint32_t h = mix(id, 0x5a5a) & m->ohmask;
	while (m->ohash[h] != SWAP_NIL && m->obj[m->ohash[h]].id != id)
		h = (h + 1) & m->ohmask;
	return h;
}

static struct swap_obj *obj_find(const struct swapmap *m, uint64_t id, uint32_t *oi)
{
	uint32_t i = m->ohash[obj_slot(m, id)];
	if (i == SWAP_NIL)
		return 0;
	if (oi)
		*oi = i;
	return &m->obj[i];
}

static void obj_hash_delete(struct swapmap *m, uint32_t hole)
{
	for (uint32_t i = (hole + 1) & m->ohmask; m->ohash[i] != SWAP_NIL; i = (i + 1) & m->ohmask) {
		uint32_t home = mix(m->obj[m->ohash[i]].id, 0x5a5a) & m->ohmask;
		bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (stays)
			continue;
		m->ohash[hole] = m->ohash[i];
		hole = i;
	}
	m->ohash[hole] = SWAP_NIL;
}

/* --- the page map: (object index, page) -> slot ------------------------------- */

static uint32_t page_home(const struct swapmap *m, uint32_t oi, uint64_t page)
{
	return mix(oi, page) & m->hmask;
}

static uint32_t page_slot(const struct swapmap *m, uint32_t oi, uint64_t page)
{
	uint32_t h = page_home(m, oi, page);
	while (m->hash[h] != SWAP_NIL &&
	       (m->slot[m->hash[h]].obj != oi || m->slot[m->hash[h]].page != page))
		h = (h + 1) & m->hmask;
	return h;
}

static void page_hash_delete(struct swapmap *m, uint32_t hole)
{
	for (uint32_t i = (hole + 1) & m->hmask; m->hash[i] != SWAP_NIL; i = (i + 1) & m->hmask) {
		const struct swap_slot *e = &m->slot[m->hash[i]];
		uint32_t home = page_home(m, e->obj, e->page);
		bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (stays)
			continue;
		m->hash[hole] = m->hash[i];
		hole = i;
	}
	m->hash[hole] = SWAP_NIL;
}

/* Record that slot s (held) has page of object oi. */
static void map_slot(struct swapmap *m, uint32_t oi, uint64_t page, uint32_t s)
{
	struct swap_obj *o = &m->obj[oi];
	struct swap_slot *e = &m->slot[s];
	uint32_t h = page_slot(m, oi, page);
	SWAP_ASSERT(m->hash[h] == SWAP_NIL && e->obj == SWAP_NIL);
	e->obj = oi;
	e->page = page;
	e->prev = SWAP_NIL;
	e->next = o->chain;
	if (o->chain != SWAP_NIL)
		m->slot[o->chain].prev = s;
	o->chain = s;
	o->mapped++;
	m->hash[h] = s;
}

/* Forget slot s's page and free the slot. */
static void unmap_slot(struct swapmap *m, uint32_t s)
{
	struct swap_slot *e = &m->slot[s];
	struct swap_obj *o = &m->obj[e->obj];
	page_hash_delete(m, page_slot(m, e->obj, e->page));
	if (e->prev != SWAP_NIL)
		m->slot[e->prev].next = e->next;
	else
		o->chain = e->next;
	if (e->next != SWAP_NIL)
		m->slot[e->next].prev = e->prev;
	o->mapped--;
	e->obj = e->next = e->prev = SWAP_NIL;
	release(m, s);
}

/* --- objects ---------------------------------------------------------------- */

int swapmap_create(struct swapmap *m, uint64_t id, enum swap_mode mode, uint64_t npages)
{
	if ((mode != SWAP_DYNAMIC && mode != SWAP_STATIC) || npages == 0)
		return -E_INVAL;
	uint32_t h = obj_slot(m, id);
	if (m->ohash[h] != SWAP_NIL)
		return -E_BUSY;
	if (m->nobjs == m->max_objs)
		return -E_FULL;
	uint32_t base = SWAP_NIL;
	if (mode == SWAP_STATIC) {
		if (npages > m->nslots || find_run(m, (uint32_t)npages, 0, &base) != npages) {
			m->stats.full++;
			return -E_FULL;
		}
		for (uint32_t s = base; s < base + npages; s++)
			hold(m, s);
	}
	uint32_t oi = 0;
	while (m->obj[oi].in_use)
		oi++;
	struct swap_obj *o = &m->obj[oi];
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->npages = npages;
	o->mode = (uint8_t)mode;
	o->base = base;
	o->chain = SWAP_NIL;
	o->in_use = 1;
	m->ohash[h] = oi;
	m->nobjs++;
	return 0;
}

int swapmap_destroy(struct swapmap *m, uint64_t id)
{
	uint32_t oi;
	struct swap_obj *o = obj_find(m, id, &oi);
	if (!o)
		return -E_NOENT;
	int freed = 0;
	while (o->chain != SWAP_NIL) {
		unmap_slot(m, o->chain);
		freed++;
	}
	if (o->mode == SWAP_STATIC) {
		for (uint32_t s = o->base; s < o->base + o->npages; s++) {
			set_bit(m->valid, s, false);
			release(m, s);
		}
		freed += (int)o->npages;
	}
	obj_hash_delete(m, obj_slot(m, id));
	o->in_use = 0;
	m->nobjs--;
	return freed;
}

/* --- pages ------------------------------------------------------------------ */

static int check_page(const struct swapmap *m, uint64_t id, uint64_t page, uint32_t *oi)
{
	const struct swap_obj *o = obj_find(m, id, oi);
	if (!o)
		return -E_NOENT;
	if (page >= o->npages)
		return -E_RANGE;
	return 0;
}

static uint32_t area_slot(const struct swap_obj *o, uint64_t page)
{
	return o->mode == SWAP_STATIC ? o->base + (uint32_t)page : SWAP_NIL;
}

int swapmap_lookup(struct swapmap *m, uint64_t id, uint64_t page, uint32_t *slot)
{
	uint32_t oi;
	int r = check_page(m, id, page, &oi);
	if (r < 0)
		return r;
	m->stats.lookups++;
	uint32_t s = m->hash[page_slot(m, oi, page)];
	if (s == SWAP_NIL) {
		s = area_slot(&m->obj[oi], page);
		if (s == SWAP_NIL || !bit(m->valid, s))
			return -E_NOENT;
	}
	*slot = s;
	return 0;
}

int swapmap_alloc(struct swapmap *m, uint64_t id, uint64_t page, uint32_t *slot)
{
	uint32_t oi;
	int r = check_page(m, id, page, &oi);
	if (r < 0)
		return r;
	struct swap_obj *o = &m->obj[oi];
	uint32_t mapped = m->hash[page_slot(m, oi, page)];
	uint32_t area = area_slot(o, page);
	if (mapped != SWAP_NIL && !bit(m->bad, mapped)) {
		*slot = mapped; /* rewritten in place */
		return 0;
	}
	if (mapped == SWAP_NIL && area != SWAP_NIL && !bit(m->bad, area)) {
		set_bit(m->valid, area, true);
		m->stats.allocs++;
		*slot = area;
		return 0;
	}
	/* A fresh slot from the pool: check before dropping a bad one. */
	uint32_t s;
	if (find_run(m, 1, m->cursor, &s) == 0) {
		m->stats.full++;
		return -E_FULL;
	}
	if (mapped != SWAP_NIL || area != SWAP_NIL)
		m->stats.remapped++;
	if (mapped != SWAP_NIL)
		unmap_slot(m, mapped);
	if (area != SWAP_NIL)
		set_bit(m->valid, area, false);
	hold(m, s);
	map_slot(m, oi, page, s);
	m->cursor = (s + 1) % m->nslots;
	m->stats.allocs++;
	*slot = s;
	return 0;
}

static int alloc_run_static(struct swapmap *m, uint64_t id, uint64_t first, uint32_t k,
			    uint32_t *slots)
{
	for (uint32_t i = 0; i < k; i++) {
		int r = swapmap_alloc(m, id, first + i, &slots[i]);
		if (r < 0)
			return i > 0 ? (int)i : r;
	}
	return (int)k;
}

int swapmap_alloc_run(struct swapmap *m, uint64_t id, uint64_t first, uint32_t k,
		      uint32_t *slots)
{
	uint32_t oi;
	if (k == 0)
		return -E_INVAL;
	int r = check_page(m, id, first, &oi);
	if (r < 0)
		return r;
	struct swap_obj *o = &m->obj[oi];
	if (k > o->npages - first)
		return -E_RANGE;
	m->stats.runs++;
	if (o->mode == SWAP_STATIC)
		return alloc_run_static(m, id, first, k, slots);
	for (uint32_t i = 0; i < k; i++)
		if (m->hash[page_slot(m, oi, first + i)] != SWAP_NIL)
			return -E_BUSY;
	uint32_t start = 0, n = find_run(m, k, m->cursor, &start);
	if (n == 0) {
		m->stats.full++;
		return -E_FULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		hold(m, start + i);
		map_slot(m, oi, first + i, start + i);
		slots[i] = start + i;
	}
	m->cursor = (start + n) % m->nslots;
	m->stats.allocs += n;
	return (int)n;
}

int swapmap_free(struct swapmap *m, uint64_t id, uint64_t page)
{
	uint32_t oi;
	int r = check_page(m, id, page, &oi);
	if (r < 0)
		return r;
	uint32_t s = m->hash[page_slot(m, oi, page)];
	if (s != SWAP_NIL) {
		unmap_slot(m, s);
	} else {
		s = area_slot(&m->obj[oi], page);
		if (s == SWAP_NIL || !bit(m->valid, s))
			return -E_NOENT;
		set_bit(m->valid, s, false);
	}
	m->stats.frees++;
	return 0;
}

int swapmap_mark_bad(struct swapmap *m, uint32_t slot)
{
	if (slot >= m->nslots)
		return -E_RANGE;
	if (bit(m->bad, slot))
		return m->slot[slot].obj != SWAP_NIL || bit(m->valid, slot);
	if (!bit(m->used, slot))
		m->nfree--;
	set_bit(m->bad, slot, true);
	m->nbad++;
	return m->slot[slot].obj != SWAP_NIL || bit(m->valid, slot);
}
