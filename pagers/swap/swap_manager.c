/*
 * The swap pager's memory manager (its second thread; swap.c has the
 * pager thread and the start-up): harvests the accessed/dirty bits of
 * every pageable object with bulk queries, feeds the replacement policy,
 * evicts down to the high watermark, enforces resident-set limits, and
 * runs lab mode (an object with exactly N frames, SWAP_LAB). The control
 * requests that change its state are here too: they reach it through a
 * mailbox and its notification, so the policy is its thread's alone.
 */
#include <stdlib.h>
#include <string.h>

#include "pagers/swap/swap.h"

/* --- the memory manager ----------------------------------------------------------------- */

/* What the pager thread asks of the manager (it owns the policy). */
static struct {
	volatile int32_t policy; /* -1: no change */
	volatile uint64_t tau_ms, seed;
	volatile uint32_t tau_set;
} mailbox = { .policy = -1 };

struct limit {
	uint64_t task, pages;
};
static struct limit limits[MAX_LIMITS];

struct pol pol;
static uint8_t qbits[QCHUNK];
static struct pol_page victims[EVICT_BATCH];
static uint8_t vstat[EVICT_BATCH];

/* The task of each object seen at the last harvest, for limits. */
struct objtask {
	uint64_t id, task, resident, npages;
};
static struct objtask otab[MAX_OBJS];
static uint32_t notab;

uint64_t timebase_khz = 10000;

static uint64_t now_ms(void)
{
	return rd_time() / timebase_khz;
}

void mm_state(struct mm_state *s)
{
	mm_watermarks(SW_H_MM, 0, 0, 0, s);
	st.wm_min = s->min;
	st.wm_low = s->low;
	st.wm_high = s->high;
	st.free_frames = s->free;
	st.total_frames = s->total;
}

/* A set of object ids (open addressing; ids are never 0). */
#define IDSET_SLOTS (2 * MAX_OBJS)
struct idset {
	uint64_t id[IDSET_SLOTS];
};

static void idset_add(struct idset *s, uint64_t id)
{
	uint32_t i = obj_hash(id) * 2;
	while (s->id[i] && s->id[i] != id)
		i = (i + 1) & (IDSET_SLOTS - 1);
	s->id[i] = id;
}

static bool idset_has(const struct idset *s, uint64_t id)
{
	for (uint32_t i = obj_hash(id) * 2, n = 0; n < IDSET_SLOTS && s->id[i];
	     i = (i + 1) & (IDSET_SLOTS - 1), n++)
		if (s->id[i] == id)
			return true;
	return false;
}

static struct idset live;    /* the objects of the last harvest */
static struct idset limited; /* the objects of the task whose limit is enforced */

static bool is_live(uint64_t id)
{
	return idset_has(&live, id);
}

/* The policy forgets the pages of objects that are gone (or no longer
 * pageable): they would only waste picks. */
static void forget_dead(void)
{
	memset(&live, 0, sizeof(live));
	for (uint32_t k = 0; k < notab; k++)
		idset_add(&live, otab[k].id);
	uint32_t n = 0;
	for (uint32_t e = pol_first(&pol); e != POL_NIL; e = pol_next(&pol, e))
		if (!is_live(pol.ent[e].key.obj) && n < EVICT_BATCH)
			victims[n++] = pol.ent[e].key;
	while (n > 0) {
		for (uint32_t i = 0; i < n; i++)
			pol_forget(&pol, victims[i]);
		n = 0;
		for (uint32_t e = pol_first(&pol); e != POL_NIL; e = pol_next(&pol, e))
			if (!is_live(pol.ent[e].key.obj) && n < EVICT_BATCH)
				victims[n++] = pol.ent[e].key;
	}
}

/* Feeds every resident page of every pageable object to the policy
 * (the pages of objects gone since the last harvest are forgotten
 * first, so they take no room). */
static void harvest(uint64_t now)
{
	struct mm_object_info info;
	notab = 0;
	for (long id = 0; notab < MAX_OBJS && (id = mm_objects(SW_H_MM, (uint64_t)id, &info)) > 0;)
		if (!info.system && !info.lab) /* a pager's or driver's: never evicted; lab: its own */
			otab[notab++] = (struct objtask){ info.id, info.task, info.resident,
							  info.size / PG };
	forget_dead();
	for (uint32_t k = 0; k < notab; k++) {
		uint64_t npages = otab[k].npages, seen = 0;
		for (uint64_t first = 0; first < npages && seen < otab[k].resident; first += QCHUNK) {
			uint64_t n = npages - first < QCHUNK ? npages - first : QCHUNK;
			if (mm_query(SW_H_MM, otab[k].id, first * PG, n, qbits, QUERY_CLEAR_ACCESSED) < 0)
				break;
			for (uint64_t i = 0; i < n; i++) {
				if (!(qbits[i] & PAGE_RESIDENT))
					continue;
				seen++;
				struct pol_page key = { otab[k].id, first + i };
				bool ref = qbits[i] & PAGE_ACCESSED, mod = qbits[i] & PAGE_DIRTY;
				if (pol_observe(&pol, key, ref, mod, now) == -E_NOENT)
					pol_admit(&pol, key, now, (ref ? POL_REF : 0) | (mod ? POL_MOD : 0));
			}
		}
	}
	pol_tick(&pol, now);
	st.harvests++;
	st.tracked = pol_count(&pol);
}

static int cmp_page(const void *a, const void *b)
{
	const struct pol_page *x = a, *y = b;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Pacing by the return area: a dirty victim that finds the pager's
 * return area full stays resident, and picking it cost as much as
 * evicting it (and it goes back to the policy, to be picked again). So
 * once a victim stayed dirty (the area full), the manager picks only as
 * many as the pager thread has freed since (area_freed) less those that
 * went dirty since, and at least ROOM_MIN (so an estimate thrown off by
 * other pagers' pages only costs a few stays, which mark it full again).
 * Each wake of the manager, and each reclaim, starts without the
 * estimate.
 */
#define ROOM_MIN 8u
static bool area_full;  /* a dirty victim stayed: the area was full at `mark` */
static uint64_t mark;   /* area_freed then, plus the dirty pages gone since */

static uint32_t room(uint32_t want)
{
	uint64_t freed = area_freed;
	uint64_t r = !area_full ? EVICT_BATCH : freed > mark ? freed - mark : 0;
	r = r < ROOM_MIN ? ROOM_MIN : r;
	return r < want ? (uint32_t)r : want;
}

static bool sorted(uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (cmp_page(&victims[i - 1], &victims[i]) > 0)
			return false;
	return true;
}

/* Evicts the n victims (sorted, runs in one call each); those that stayed
 * go back to the policy (*stayed counts them). Returns the pages that
 * went. */
static uint64_t evict(uint32_t n, uint64_t now, uint32_t *stayed)
{
	if (!sorted(n)) /* CLOCK picks a sequential writer's pages in order: often sorted */
		qsort(victims, n, sizeof(victims[0]), cmp_page);
	uint64_t gone = 0;
	*stayed = 0;
	for (uint32_t i = 0; i < n;) {
		uint32_t k = 1;
		while (i + k < n && victims[i + k].obj == victims[i].obj &&
		       victims[i + k].idx == victims[i].idx + k)
			k++;
		long r = mm_evict(SW_H_MM, victims[i].obj, victims[i].idx * PG, k, vstat);
		for (uint32_t j = 0; r >= 0 && j < k; j++) {
			if ((vstat[j] & PAGE_STAYED) && !(vstat[j] & PAGE_PINNED)) {
				pol_admit(&pol, victims[i + j], now,
					  POL_REF | (vstat[j] & PAGE_DIRTY ? POL_MOD : 0));
				++*stayed;
				if (vstat[j] & PAGE_DIRTY) {
					area_full = true;
					mark = area_freed;
				}
			}
			else if ((vstat[j] & PAGE_RESIDENT) && !(vstat[j] & PAGE_STAYED)) {
				gone++;
				st.clean_drops += !(vstat[j] & PAGE_DIRTY);
				mark += (vstat[j] & PAGE_DIRTY) != 0;
			}
		}
		i += k;
	}
	st.evicted += gone;
	return gone;
}

static bool of_task(void *ctx, const struct pol_page *key)
{
	return idset_has(&limited, key->obj);
}

static bool any_limit(void)
{
	for (int i = 0; i < MAX_LIMITS; i++)
		if (limits[i].task)
			return true;
	return false;
}

static void enforce_limits(uint64_t now)
{
	for (int l = 0; l < MAX_LIMITS; l++) {
		if (!limits[l].task)
			continue;
		uint64_t res = 0;
		memset(&limited, 0, sizeof(limited));
		for (uint32_t i = 0; i < notab; i++)
			if (otab[i].task == limits[l].task) {
				res += otab[i].resident;
				idset_add(&limited, otab[i].id);
			}
		if (res <= limits[l].pages)
			continue;
		uint64_t over = res - limits[l].pages;
		uint32_t n = pol_pick_if(&pol, now, of_task, 0, victims,
					 room(over < EVICT_BATCH ? (uint32_t)over : EVICT_BATCH));
		uint32_t stayed;
		st.limit_evictions += evict(n, now, &stayed);
	}
}

/* Below low: evict down to high. Dirty pages free their frames only once
 * the pager thread has written them, so it waits for them a little. */
static void reclaim(uint64_t now)
{
	struct mm_state s;
	area_full = false;
	for (int round = 0; round < 256; round++) {
		mm_state(&s);
		if (s.free >= s.high)
			return;
		uint64_t want = s.high - s.free;
		uint32_t max = room(want < EVICT_BATCH ? (uint32_t)want : EVICT_BATCH);
		uint32_t n = pol_pick(&pol, now, victims, max);
		if (n == 0) {
			harvest(now);
			n = pol_pick(&pol, now, victims, max);
			if (n == 0)
				return; /* nothing pageable is resident */
		}
		uint32_t stayed;
		if (evict(n, now, &stayed) == 0 && stayed == 0)
			harvest(now); /* the victims had gone: what is resident now */
		if (stayed) { /* the return area is full: its writes first, no harvest */
			uint64_t bits;
			notify_wait(note, &bits, 2ull * 1000 * 1000); /* let the writes drain */
		}
	}
}

static void apply_mailbox(void)
{
	if (mailbox.tau_set) {
		mailbox.tau_set = 0;
		pol_set_tau(&pol, mailbox.tau_ms);
		st.tau_ms = mailbox.tau_ms;
	}
	int32_t k = mailbox.policy;
	if (k >= 0) {
		mailbox.policy = -1;
		if (k == POL_RANDOM || k == POL_NRU)
			pol.rng = mailbox.seed ? mailbox.seed : pol.rng;
		if (!pol_switch(&pol, (enum pol_kind)k)) {
			st.policy = (uint64_t)k;
			st.switches++;
		}
	}
}

/* --- lab mode: an object with exactly N frames (SWAP_LAB) --------------------------- */

struct lab {
	volatile uint32_t state; /* LAB_FREE, LAB_ON (the manager steps it), LAB_ENDING */
	uint64_t id, npages, frames;
	uint64_t faults, evictions, writes;
	bool record;             /* print each page as it goes (SWAP_LAB_RECORD) */
	volatile bool fresh;     /* its pages from before are still to go */
	struct pol pol;
	uint8_t *bits;           /* npages query bytes */
};
enum { LAB_FREE, LAB_ON, LAB_ENDING };
#define LAB_PAGES_MAX 65536
static struct lab lab_table[SWAP_LAB_MAX];
static uint8_t lab_arena[SWAP_LAB_MAX][1u << 20] __attribute__((aligned(64)));
static uint8_t lab_bits[SWAP_LAB_MAX][LAB_PAGES_MAX];

/* A lab object's pages come in one fault each: no read-ahead for them. */
bool in_lab(uint64_t id)
{
	for (int i = 0; i < SWAP_LAB_MAX; i++)
		if (lab_table[i].state == LAB_ON && lab_table[i].id == id)
			return true;
	return false;
}

/* One fault of a lab object, as refsim_run_guest models it: harvest in
 * page order, tick, evict one page if the frames are all taken. */
static void lab_step(struct lab *l)
{
	uint64_t now = l->faults, resident = 0;
	if (mm_query(SW_H_MM, l->id, 0, l->npages, l->bits, QUERY_CLEAR_ACCESSED) < 0)
		return;
	for (uint64_t i = 0; i < l->npages; i++) {
		uint8_t b = l->bits[i];
		if (!(b & PAGE_RESIDENT))
			continue;
		resident++;
		struct pol_page key = { l->id, i };
		bool a = b & PAGE_ACCESSED, d = b & PAGE_DIRTY;
		if (pol_observe(&l->pol, key, a, d, now) == -E_NOENT)
			pol_admit(&l->pol, key, now, (a ? POL_REF : 0) | (d ? POL_MOD : 0));
	}
	pol_tick(&l->pol, now);
	struct pol_page victim;
	if (resident >= l->frames && pol_pick(&l->pol, now, &victim, 1) == 1) {
		uint8_t vs;
		if (mm_evict(SW_H_MM, l->id, victim.idx * PG, 1, &vs) >= 0 && !(vs & PAGE_STAYED)) {
			l->evictions++;
			l->writes += (vs & PAGE_DIRTY) != 0;
			if (l->record)
				uprintf("lab-trace %lu %lu%s\n", (unsigned long)l->id,
					(unsigned long)victim.idx, vs & PAGE_DIRTY ? "w" : "");
		}
	}
	l->faults++;
}

static void lab_run(void)
{
	for (int i = 0; i < SWAP_LAB_MAX; i++) {
		struct lab *l = &lab_table[i];
		if (l->state == LAB_ENDING) {
			/* A recording ends with the page still resident (one frame). */
			if (l->record && mm_query(SW_H_MM, l->id, 0, l->npages, l->bits, 0) >= 0)
				for (uint64_t p = 0; p < l->npages; p++)
					if (l->bits[p] & PAGE_RESIDENT)
						uprintf("lab-trace %lu %lu%s\n", (unsigned long)l->id,
							(unsigned long)p,
							l->bits[p] & PAGE_DIRTY ? "w" : "");
			l->state = LAB_FREE; /* the pager thread waits for this */
			continue;
		}
		if (l->state != LAB_ON)
			continue;
		if (l->fresh) { /* from empty: out with what was resident before */
			for (int tries = 0; tries < 1000; tries++) {
				uint64_t stayed = 0;
				for (uint64_t p = 0; p < l->npages; p += EVICT_BATCH) {
					uint64_t k = l->npages - p < EVICT_BATCH ? l->npages - p : EVICT_BATCH;
					if (mm_evict(SW_H_MM, l->id, p * PG, k, vstat) < 0)
						break;
					for (uint64_t j = 0; j < k; j++)
						stayed += (vstat[j] & PAGE_STAYED) != 0;
				}
				if (!stayed)
					break;
				uint64_t bits; /* the return area is full: let the writes drain */
				notify_wait(note, &bits, 2ull * 1000 * 1000);
			}
			l->fresh = false;
		}
		while (mm_lab(SW_H_MM, l->id, MM_LAB_WAITING, 0) > 0) {
			lab_step(l);
			mm_lab(SW_H_MM, l->id, MM_LAB_GRANT, 1);
		}
	}
}

void manager(void *arg)
{
	uint64_t last = 0;
	for (;;) {
		uint64_t bits = 0, period = any_limit() ? LIMIT_PERIOD_MS : PERIOD_MS;
		notify_wait(note, &bits, period * 1000 * 1000);
		if (bits & NOTE_LOW)
			st.low_signals++;
		lab_run();
		apply_mailbox();
		uint64_t now = now_ms();
		struct mm_state s;
		mm_state(&s);
		bool low = (bits & NOTE_LOW) || s.free < s.low;
		if ((low && now - last >= HARVEST_MIN_MS) || now - last >= period) {
			harvest(now);
			last = now;
			st.harvest_ms += now_ms() - now;
		}
		area_full = false; /* each wake starts without the estimate (pacing, above) */
		enforce_limits(now);
		if (low) {
			uint64_t t = now_ms();
			reclaim(now);
			st.reclaim_ms += now_ms() - t;
		}
		st.picks = pol.stats.picks;
		st.scanned = pol.stats.scanned;
		st.second_chances = pol.stats.second_chances;
		st.tracked = pol_count(&pol);
	}
}

/* --- its control requests (swap_proto.h) ------------------------------------ */

void wake_manager(void)
{
	notify_signal(note, NOTE_CTL);
}

long do_policy(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] >= POL_NKINDS)
		return -E_RANGE;
	mailbox.policy = (int32_t)req->w[0];
	wake_manager();
	return 0;
}

long do_watermarks(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	struct mm_state s;
	long err = mm_watermarks(SW_H_MM, req->w[0], req->w[1], req->w[2], &s);
	if (!err)
		wake_manager();
	return err;
}

long do_limit(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t task = req->w[0], pages = req->w[1];
	if (task == 0)
		return -E_RANGE;
	int freeslot = -1;
	for (int i = 0; i < MAX_LIMITS; i++) {
		if (limits[i].task == task) {
			limits[i].pages = pages;
			if (!pages)
				limits[i].task = 0;
			wake_manager();
			return 0;
		}
		if (!limits[i].task && freeslot < 0)
			freeslot = i;
	}
	if (!pages)
		return 0;
	if (freeslot < 0)
		return -E_FULL;
	limits[freeslot] = (struct limit){ task, pages };
	wake_manager();
	return 0;
}

long do_tau(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	mailbox.tau_ms = req->w[0];
	mailbox.tau_set = 1;
	wake_manager();
	return 0;
}

long do_seed(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	mailbox.seed = req->w[0];
	return 0;
}

long do_lab(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t id = req->w[0], frames = req->w[1], kind = req->w[2] & 0xff;
	bool record = req->w[2] & SWAP_LAB_RECORD;
	struct lab *l = 0;
	for (int i = 0; i < SWAP_LAB_MAX && !l; i++)
		if (lab_table[i].state == LAB_ON && lab_table[i].id == id)
			l = &lab_table[i];
	if (frames == 0) { /* the end: counts in the reply */
		if (!l)
			return -E_NOENT;
		mm_lab(SW_H_MM, id, MM_LAB_OFF, 0);
		l->state = LAB_ENDING;
		wake_manager();
		while (l->state != LAB_FREE)
			sys_sleep(1000 * 1000);
		resp->w[0] = l->faults;
		resp->w[1] = l->evictions;
		resp->w[2] = l->writes;
		resp->words = 3;
		return 0;
	}
	if (l)
		return -E_BUSY;
	if (frames > SWAP_LAB_FRAMES_MAX || kind >= POL_NKINDS || (record && frames != 1) ||
	    (req->w[2] & ~(0xffull | SWAP_LAB_RECORD)))
		return -E_RANGE;
	int slot = -1;
	for (int i = 0; i < SWAP_LAB_MAX && slot < 0; i++)
		if (lab_table[i].state == LAB_FREE)
			slot = i;
	if (slot < 0)
		return -E_FULL;
	struct mm_object_info info;
	long next = mm_objects(SW_H_MM, id, &info);
	if (next < 0 || info.id != id)
		return -E_NOENT;
	if (info.size / PG > LAB_PAGES_MAX)
		return -E_RANGE;
	l = &lab_table[slot];
	struct pol_config cfg = { .seed = 1 };
	long err = pol_init(&l->pol, (enum pol_kind)kind, (uint32_t)(frames + 1), lab_arena[slot],
			    sizeof(lab_arena[slot]), &cfg);
	if (err)
		return err;
	l->id = id;
	l->npages = info.size / PG;
	l->frames = frames;
	l->faults = l->evictions = l->writes = 0;
	l->record = record;
	l->fresh = true;
	l->bits = lab_bits[slot];
	err = mm_lab(SW_H_MM, id, MM_LAB_ON, 0);
	if (err)
		return err;
	l->state = LAB_ON;
	wake_manager(); /* it empties the object first */
	return 0;
}
