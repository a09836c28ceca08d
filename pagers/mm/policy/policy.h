/*
 * Page replacement policies for the user-space memory manager
 * (docs/DESIGN.md section 7): FIFO, second chance, CLOCK, aging, WSClock,
 * random and NRU, behind one small interface. Portable C: no malloc,
 * no libc beyond memset; the caller gives the arena.
 *
 * The manager's cycle, step by step:
 *   1. pol_arena_size(cap) tells the arena a table of cap resident
 *      pages needs; pol_init() sets a policy up in it (empty).
 *   2. A page becomes resident (a fault the manager hears of, or a page
 *      found resident by a bulk query): pol_admit(key, now, flags).
 *   3. Periodically the manager queries the objects' pages in bulk
 *      (SYS_MM_QUERY with QUERY_CLEAR_ACCESSED) and feeds each resident
 *      page's bits: pol_observe(key, referenced, modified, now).
 *      `referenced` means "accessed since the previous harvest", so it
 *      is ORed into the page's R bit (only the policy clears R: a
 *      passing hand, or a tick); `modified` is the page's dirty state
 *      now, so it replaces M. After a whole harvest, pol_tick(now) ends
 *      the period (the textbook's clock interrupt: aging shifts its
 *      counters, NRU clears R).
 *   4. Under pressure: pol_pick(now, out, n) chooses up to n victims AND
 *      REMOVES THEM from the policy. The manager evicts them
 *      (SYS_MM_EVICT); a victim that could not be evicted (pinned, no
 *      return slot) is given back with pol_admit (it starts afresh).
 *      pol_pick_if() picks only among pages a predicate accepts: a
 *      resident-set limit for one task or object is enforced by picking
 *      among its own pages.
 *   5. A page gone by other means (its object died, someone else evicted
 *      it): pol_forget(key).
 *   6. Switching policy at runtime: pol_switch(kind) in place (all
 *      policies share one table, so the resident set and its R/M bits
 *      carry over), or pol_copy(dst, src) into another arena (admits
 *      every page of src in src's order, with its bits).
 *
 * What holds: every key is in the table at most once; count <= cap;
 * the ring holds every entry exactly once, in admission order (as
 * reordered by second chance), and the hand/head is in it.
 *
 * Time (`now`) is the caller's virtual time, in whatever units it likes
 * (ticks, references, ns of process time); only WSClock's tau is
 * compared with it, and it must not go backwards.
 *
 * Errors (uapi/errors.h): -E_INVAL bad argument, -E_FULL table full,
 * -E_BUSY key already resident, -E_NOENT key not resident.
 * Not thread-safe: one manager thread owns a policy.
 */
#ifndef PAGERS_MM_POLICY_H
#define PAGERS_MM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A resident page: the object (its SYS_MM_OBJECTS id) and page index. */
struct pol_page {
	uint64_t obj;
	uint64_t idx;
};

enum pol_kind {
	POL_FIFO = 0,
	POL_SECOND_CHANCE = 1,
	POL_CLOCK = 2,
	POL_AGING = 3,
	POL_WSCLOCK = 4,
	POL_RANDOM = 5,
	POL_NRU = 6,
	POL_NKINDS
};

/* Flags of pol_admit (and of the iteration). */
#define POL_REF 1u /* referenced (R) */
#define POL_MOD 2u /* modified (M), dirty */

#define POL_NIL UINT32_MAX
#define POL_CAP_MAX (1u << 28)

struct pol_stats {
	uint64_t admits, forgets, observes, ticks;
	uint64_t picks;          /* victims handed out */
	uint64_t scanned;        /* entries a hand or search looked at */
	uint64_t second_chances; /* R found set and cleared instead of evicting */
	uint64_t writes_scheduled; /* WSClock: old dirty pages passed (cleaning asked) */
	uint64_t fallbacks;      /* WSClock: no old clean page, fell back */
	uint64_t switches;
};

/* Optional settings of pol_init (NULL: all defaults). */
struct pol_config {
	uint64_t seed; /* random and NRU's PRNG; 0 means a fixed default */
	uint64_t tau;  /* WSClock's working-set window; 0 means UINT64_MAX */
	/* WSClock: called for each old dirty page the hand passes (the
	 * textbook's "schedule a write"): the manager may ask the page's
	 * pager to clean it. Called once per page until it is seen clean. */
	void (*clean)(void *ctx, struct pol_page key);
	void *clean_ctx;
};

struct pol_entry {
	struct pol_page key;
	uint32_t prev, next; /* the ring (entry indices) */
	uint8_t flags;       /* POL_REF, POL_MOD, POL_CLEANING */
	uint8_t age;         /* aging's counter */
	uint16_t pad;
	uint64_t last_use;   /* WSClock: virtual time of the last reference */
};

struct pol_ops;

struct pol {
	const struct pol_ops *ops;
	enum pol_kind kind;
	uint32_t cap, count;
	struct pol_entry *ent; /* dense: entries 0..count-1 are in use */
	uint32_t *hash;        /* open addressing, entry index or POL_NIL */
	uint32_t hmask;
	uint32_t hand;         /* FIFO's head (oldest), the clocks' hand */
	uint64_t rng;
	uint64_t tau;
	void (*clean)(void *ctx, struct pol_page key);
	void *clean_ctx;
	struct pol_stats stats;
};

/* A predicate for pol_pick_if: true if the page may be chosen. */
typedef bool (*pol_filter_fn)(void *ctx, const struct pol_page *key);

size_t pol_arena_size(uint32_t cap);
/* 0, or -E_INVAL (kind, cap 0 or > POL_CAP_MAX, arena too small/unaligned). */
int pol_init(struct pol *p, enum pol_kind kind, uint32_t cap, void *arena,
	     size_t arena_size, const struct pol_config *cfg);

int pol_admit(struct pol *p, struct pol_page key, uint64_t now, unsigned flags);
int pol_forget(struct pol *p, struct pol_page key);
int pol_observe(struct pol *p, struct pol_page key, bool referenced, bool modified,
		uint64_t now);
void pol_tick(struct pol *p, uint64_t now);

/* Up to n victims into out, removed from the policy; returns how many
 * (fewer only when fewer pages are resident, or accepted by the filter). */
uint32_t pol_pick(struct pol *p, uint64_t now, struct pol_page *out, uint32_t n);
uint32_t pol_pick_if(struct pol *p, uint64_t now, pol_filter_fn ok, void *ctx,
		     struct pol_page *out, uint32_t n);

bool pol_contains(const struct pol *p, struct pol_page key);
/* The page's POL_REF / POL_MOD flags, or -E_NOENT. */
int pol_flags(const struct pol *p, struct pol_page key);
static inline uint32_t pol_count(const struct pol *p) { return p->count; }

/* Iteration in ring order from the hand (FIFO: oldest first):
 * for (uint32_t i = pol_first(p); i != POL_NIL; i = pol_next(p, i)) */
uint32_t pol_first(const struct pol *p);
uint32_t pol_next(const struct pol *p, uint32_t i);

/* In place: the same resident set, the new kind's way (stats kept). */
int pol_switch(struct pol *p, enum pol_kind kind);
/* Admit every page of src into dst (empty, cap >= src's count), in src's
 * ring order, with R/M; 0 or -E_FULL / -E_BUSY (nothing admitted then). */
int pol_copy(struct pol *dst, const struct pol *src, uint64_t now);

void pol_set_tau(struct pol *p, uint64_t tau);
const char *pol_name(enum pol_kind kind);
/* "fifo", "second-chance", "clock", "aging", "wsclock", "random", "nru":
 * the kind, or -E_NOENT (for pagerctl). */
int pol_kind_by_name(const char *name);

#endif
