/*
 * The swap disk map: which slot of a swap disk of nslots pages holds
 * which page of which object (MOS Fig. 3-28). Each object chooses:
 *   - static (Fig. 3-28(a)): at creation an area of npages contiguous
 *     slots is reserved; page i lives at area base + i. A page's slot is
 *     known without a table; a bit says whether it holds data yet.
 *   - dynamic (Fig. 3-28(b)): nothing is reserved; a slot is taken from
 *     the free bitmap when a page is first written out, and the map
 *     (a hash from (object, page) to slot) remembers it. Clustering:
 *     swapmap_alloc_run gives k consecutive pages k contiguous slots,
 *     so a cluster is written, and read back, in one disk request.
 * Portable C, no malloc: the caller gives the arena (swapmap_arena_size).
 *
 * The swap pager's use, step by step:
 *   1. an object appears: swapmap_create(id, mode, npages);
 *   2. a dirty page goes out: swapmap_alloc (or _run for a cluster) gives
 *      its slot (a page that has one keeps it: rewritten in place);
 *   3. a fault: swapmap_lookup finds the slot, or -E_NOENT (the page was
 *      never written: zero-fill); after reading it in, the pager may
 *      swapmap_free it (dynamic: the slot goes back to the pool) or keep
 *      it as a clean copy;
 *   4. the object dies: swapmap_destroy frees all its slots at once;
 *   5. a disk error: swapmap_mark_bad(slot): the slot is never handed out
 *      again; a page on it gets a new slot at its next alloc (a static
 *      object's page too: it is remapped like a dynamic one).
 *
 * What holds: a slot is free, or held by exactly one (object, page) or
 * static area; bad slots are never handed out; free + used + bad-and-
 * unheld = nslots. Errors (uapi/errors.h): -E_INVAL bad argument, -E_FULL
 * no free slot (or run, or object entry), -E_NOENT no such object or no
 * slot for the page, -E_BUSY object id taken / page already has a slot,
 * -E_RANGE page or slot out of range. Not thread-safe.
 */
#ifndef PAGERS_SWAP_SWAPMAP_H
#define PAGERS_SWAP_SWAPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWAP_NIL UINT32_MAX
#define SWAP_SLOTS_MAX (1u << 28)

enum swap_mode {
	SWAP_DYNAMIC = 0,
	SWAP_STATIC = 1,
};

struct swap_slot {
	uint64_t page;
	uint32_t obj;        /* object table index holding it by the map, or SWAP_NIL */
	uint32_t next, prev; /* that object's chain of mapped slots */
	uint32_t pad;
};

struct swap_obj {
	uint64_t id;
	uint64_t npages;
	uint32_t base;   /* static: the area's first slot */
	uint32_t chain;  /* slots held through the map (dynamic, static remaps) */
	uint32_t mapped; /* how many */
	uint8_t mode;
	uint8_t in_use;
	uint16_t pad;
};

struct swapmap_stats {
	uint64_t allocs, runs, frees, lookups;
	uint64_t full;     /* allocations refused for want of slots */
	uint64_t remapped; /* pages moved off a bad slot */
};

struct swapmap {
	uint32_t nslots, max_objs;
	uint32_t nfree, nbad;
	uint32_t cursor;    /* next-fit start for dynamic allocation */
	uint32_t words;     /* bitmap words */
	uint64_t *used;     /* slot held (by the map or a static area) */
	uint64_t *bad;
	uint64_t *valid;    /* static area slot holds its page's data */
	struct swap_slot *slot;
	struct swap_obj *obj;
	uint32_t *hash, hmask;   /* (object index, page) -> slot */
	uint32_t *ohash, ohmask; /* object id -> object index */
	uint32_t nobjs;
	struct swapmap_stats stats;
};

size_t swapmap_arena_size(uint32_t nslots, uint32_t max_objs);
int swapmap_init(struct swapmap *m, uint32_t nslots, uint32_t max_objs, void *arena,
		 size_t arena_size);

/* static: reserves npages contiguous slots now (-E_FULL if no such run). */
int swapmap_create(struct swapmap *m, uint64_t id, enum swap_mode mode, uint64_t npages);
/* Frees every slot of the object; returns how many it held. */
int swapmap_destroy(struct swapmap *m, uint64_t id);

/* The slot to write page to; 0. */
int swapmap_alloc(struct swapmap *m, uint64_t id, uint64_t page, uint32_t *slot);
/* Slots for pages first.. of one cluster: k contiguous ones if there is
 * such a run, else the longest run there is. Returns how many pages got
 * slots (1..k; slots[0..n) in page order, contiguous); the caller asks
 * again for the rest. Dynamic: -E_BUSY if a page of the k has a slot. */
int swapmap_alloc_run(struct swapmap *m, uint64_t id, uint64_t first, uint32_t k,
		      uint32_t *slots);
int swapmap_lookup(struct swapmap *m, uint64_t id, uint64_t page, uint32_t *slot);
/* The page no longer has data on disk (dynamic: its slot is free again;
 * static: its slot stays reserved, marked empty). */
int swapmap_free(struct swapmap *m, uint64_t id, uint64_t page);
/* Returns 1 if a page's data was on the slot (it should be rewritten),
 * 0 if the slot was free or reserved empty. */
int swapmap_mark_bad(struct swapmap *m, uint32_t slot);

static inline uint32_t swapmap_free_slots(const struct swapmap *m) { return m->nfree; }
static inline uint32_t swapmap_bad_slots(const struct swapmap *m) { return m->nbad; }

#endif
