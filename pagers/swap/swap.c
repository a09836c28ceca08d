/*
 * The swap pager: the default pager of anonymous and shadow objects, on
 * the swap disk blk1, and the memory manager (docs/DESIGN.md sections 6
 * and 7).
 *
 * Two threads share the task:
 *   - the pager thread (main) serves the endpoint: FAULT (read a page back
 *     from its slot, with read-ahead of the pages that follow it on the
 *     disk; a page never written out is supplied as zeros), RETURN (a
 *     dirty page the manager evicted: written to its slot; consecutive
 *     RETURNs are written as one disk request), TERMINATE (the object's
 *     slots are freed), RELEASE (hand every page back before a rebind)
 *     and the control protocol (swap_proto.h);
 *   - the manager thread waits on the kernel's low-memory notification
 *     (or a period), harvests the accessed/dirty bits of every pageable
 *     object with bulk queries, feeds them to the replacement policy
 *     (pagers/mm/policy) and evicts its victims down to the high
 *     watermark; it enforces per-task resident-set limits the same way.
 *     Control requests that change the policy are handed to it through a
 *     mailbox and its notification: the policy is its alone.
 *
 * A page read back keeps its slot while clean (a swap cache): the kernel
 * remembers it was paged (VPE_PAGED), so evicting it again costs no
 * write. A rewrite of a dirty page goes to the same slot in a static
 * map, and beside the pages going out with it in a dynamic one. A slot
 * whose write fails is marked bad and the page goes to another; a page with no
 * slot at all (the disk full) stays in the return area and is supplied
 * from there, so nothing is lost; with the area full the kernel leaves
 * dirty pages resident.
 *
 * Started by init: slot 1 a one-off endpoint for the hand-off, 2 a
 * name-server handle (to find blk1), 3 the system object (R_CONTROL: to
 * become the default pager), 4 the memory-manager capability. It opens
 * the disk and becomes the default pager before the hand-off, so every
 * program init starts afterwards has pageable memory. `swap DISK private`
 * (slots 1 and 2 only) is a second swap pager on another disk, for the
 * objects handed to it: no default pager, no manager.
 */
#include <stdlib.h>
#include <string.h>

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/common/pager.h"
#include "pagers/mm/policy/policy.h"
#include "pagers/swap/swap_proto.h"
#include "pagers/swap/swapmap.h"
#include "servers/blk/libblk.h"
#include "uapi/dma.h"
#include "uapi/mm.h"

#define SW_H_BOOT 1
#define SW_H_NAME 2
#define SW_H_SYS 3
#define SW_H_MM 4

#define PG 4096ul
#define SECTORS_PER_PAGE (PG / BLK_SECTOR)
#define BUF_PAGES (2 * SWAP_CLUSTER_MAX) /* reads in the first half, writes in the second */
#define BUF_VA 0x2000000000ul
#define RETURN_VA 0x2200000000ul
#define RETURN_PAGES 256
#define ARENA_VA 0x2300000000ul
#define MAX_OBJS 4096           /* objects with pages out, or a handle */
#define NOTE_LOW 1ull           /* the kernel: below the low watermark */
#define NOTE_CTL 2ull           /* the pager thread: a control change */
#define NOTE_LAB 4ull           /* the kernel: a lab-mode fault waits */
#define PERIOD_MS 100           /* harvest period without pressure */
#define LIMIT_PERIOD_MS 5       /* ... while a resident-set limit is set */
#define HARVEST_MIN_MS 100      /* ... and under pressure (a harvest costs ~100 instructions a resident page) */
#define MAX_LIMITS 16
#define QCHUNK 4096             /* pages a bulk query covers */
#define EVICT_BATCH 256

static struct ipc_buffer buf;
static struct blk_dev disk;
static struct swapmap map;
static int ep = -1, note = -1;
static struct swap_status st; /* the counters; written by both threads, word at a time */

/* --- objects ----------------------------------------------------------------- */

/* The pager's view of an object: its handle (opened at its first FAULT)
 * and its binding's epoch. Open addressing by id. */
struct sobj {
	uint64_t id;    /* 0: free */
	int32_t vmo;    /* R_PAGER handle, 0 if not opened */
	uint32_t epoch;
	uint64_t npages;
	uint64_t next;  /* the page a sequential reader faults on next */
	uint8_t mode;   /* enum swap_mode of its disk map */
};
static struct sobj objs[MAX_OBJS];
static enum swap_mode new_mode = SWAP_DYNAMIC;

static uint32_t obj_hash(uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 40) & (MAX_OBJS - 1);
}

static struct sobj *obj_find(uint64_t id)
{
	for (uint32_t i = obj_hash(id), n = 0; n < MAX_OBJS; i = (i + 1) & (MAX_OBJS - 1), n++) {
		if (objs[i].id == id)
			return &objs[i];
		if (!objs[i].id)
			return 0;
	}
	return 0;
}

/* The object's entry, made (and its disk map) at first sight; NULL if
 * the table is full. */
static struct sobj *obj_get(uint64_t id, uint64_t size, uint32_t epoch)
{
	struct sobj *o = obj_find(id);
	if (!o) {
		uint32_t i = obj_hash(id), n = 0;
		while (objs[i].id && n++ < MAX_OBJS)
			i = (i + 1) & (MAX_OBJS - 1);
		if (objs[i].id)
			return 0;
		o = &objs[i];
		*o = (struct sobj){ .id = id, .npages = size / PG };
		o->mode = new_mode;
		int err = swapmap_create(&map, id, new_mode, o->npages);
		if (err && new_mode == SWAP_STATIC) {
			uprintf("swap: object %lu: no static area of %lu slots (%s); dynamic\n",
				(unsigned long)id, (unsigned long)o->npages, err_name(err));
			o->mode = SWAP_DYNAMIC;
			err = swapmap_create(&map, id, SWAP_DYNAMIC, o->npages);
		}
		if (err) {
			o->id = 0;
			return 0;
		}
		st.objects++;
	}
	o->epoch = epoch;
	return o;
}

/* Removes o, keeping the probe chains whole (backward shift). */
static void obj_remove(struct sobj *o)
{
	uint32_t i = (uint32_t)(o - objs);
	objs[i].id = 0;
	for (uint32_t j = (i + 1) & (MAX_OBJS - 1); objs[j].id; j = (j + 1) & (MAX_OBJS - 1)) {
		uint32_t h = obj_hash(objs[j].id);
		/* j's entry may move to the hole at i if its home is not in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			objs[i] = objs[j];
			objs[j].id = 0;
			i = j;
		}
	}
}

static long obj_handle(struct sobj *o)
{
	if (!o->vmo) {
		long h = pager_open(ep, o->id);
		if (h < 0)
			return h;
		o->vmo = (int32_t)h;
	}
	return o->vmo;
}

static bool in_lab(uint64_t id);

/* --- kept frames: pages that found no slot --------------------------------------- */

struct kept {
	uint64_t id, page; /* id 0: the return-area page is not kept */
};
static struct kept kept[RETURN_PAGES];
static uint32_t nkept;

static int kept_find(uint64_t id, uint64_t page)
{
	for (int i = 0; nkept && i < RETURN_PAGES; i++)
		if (kept[i].id == id && kept[i].page == page)
			return i;
	return -1;
}

static void kept_drop(int i)
{
	kept[i].id = 0;
	nkept--;
	vm_unmap(RETURN_VA + (uint64_t)i * PG, PG);
}

/* --- the disk ---------------------------------------------------------------------- */

static int disk_io(bool write, uint32_t slot, uint32_t n, uint64_t buf_off)
{
	int s = write ? blk_write(&disk, (uint64_t)slot * SECTORS_PER_PAGE, n * SECTORS_PER_PAGE, buf_off)
		      : blk_read(&disk, (uint64_t)slot * SECTORS_PER_PAGE, n * SECTORS_PER_PAGE, buf_off);
	if (write)
		st.disk_writes++;
	else
		st.disk_reads++;
	if (s != BLK_OK)
		st.io_errors++;
	return s;
}

/* --- writes: RETURNed pages, batched ------------------------------------------------ */

struct pending {
	uint64_t id, page;
	uint32_t slot, area; /* swap slot; return-area page */
};
static struct pending batch[SWAP_CLUSTER_MAX];
static uint32_t nbatch;
static volatile uint32_t cluster = 8;

#define WBUF_OFF (SWAP_CLUSTER_MAX * PG)

/* Keeps the frame of a page nothing could store. */
static void keep(const struct pending *p)
{
	kept[p->area] = (struct kept){ p->id, p->page };
	nkept++;
	st.full++;
}

/* One page, alone, to a good slot: on a write error the slot is marked
 * bad and another one tried. */
static void write_alone(struct pending *p)
{
	for (int tries = 0; tries < 8; tries++) {
		memcpy(disk.buf + WBUF_OFF, (void *)(RETURN_VA + (uint64_t)p->area * PG), PG);
		if (disk_io(true, p->slot, 1, WBUF_OFF) == BLK_OK) {
			st.swap_outs++;
			vm_unmap(RETURN_VA + (uint64_t)p->area * PG, PG);
			return;
		}
		uprintf("swap: write error on slot %u: marked bad\n", p->slot);
		swapmap_mark_bad(&map, p->slot);
		if (swapmap_alloc(&map, p->id, p->page, &p->slot))
			break;
	}
	keep(p);
}

/* Writes the batch: each run of consecutive slots is one request, all of
 * them in flight at once; a run that fails is written page by page. */
static void flush(void)
{
	uint32_t first[SWAP_CLUSTER_MAX], len[SWAP_CLUSTER_MAX], runs = 0;
	unsigned tag[SWAP_CLUSTER_MAX];
	int status[SWAP_CLUSTER_MAX];
	_Static_assert(SWAP_CLUSTER_MAX <= BLK_TAGS, "a tag a run");
	for (uint32_t i = 0; i < nbatch; i += len[runs++]) {
		uint32_t n = 1;
		while (i + n < nbatch && batch[i + n].slot == batch[i].slot + n)
			n++;
		first[runs] = i;
		len[runs] = n;
		for (uint32_t k = 0; k < n; k++)
			memcpy(disk.buf + WBUF_OFF + (i + k) * PG,
			       (void *)(RETURN_VA + (uint64_t)batch[i + k].area * PG), PG);
		status[runs] = blk_submit(&disk, BLK_OP_WRITE, (uint64_t)batch[i].slot * SECTORS_PER_PAGE,
					  n * SECTORS_PER_PAGE, WBUF_OFF + i * PG, &tag[runs]);
		st.disk_writes++;
	}
	for (uint32_t r = 0; r < runs; r++)
		if (status[r] == BLK_OK)
			status[r] = blk_wait(&disk, tag[r]);
	for (uint32_t r = 0; r < runs; r++) {
		if (status[r] == BLK_OK) {
			/* The frames go, consecutive return-area pages in one call. */
			for (uint32_t k = 0, m; k < len[r]; k += m) {
				uint32_t a = batch[first[r] + k].area;
				for (m = 1; k + m < len[r] && batch[first[r] + k + m].area == a + m; m++)
					;
				vm_unmap(RETURN_VA + (uint64_t)a * PG, m * PG);
			}
			st.swap_outs += len[r];
			continue;
		}
		st.io_errors++;
		for (uint32_t k = 0; k < len[r]; k++)
			write_alone(&batch[first[r] + k]);
	}
	nbatch = 0;
}

static void handle_return(const struct ipc_msg *m)
{
	uint64_t area = (m->w[2] - RETURN_VA) / PG;
	if (m->w[2] < RETURN_VA || area >= RETURN_PAGES || (m->w[2] & (PG - 1)))
		return; /* the kernel puts them in the area we named */
	uint64_t page = m->w[0] / PG;
	struct sobj *o = obj_get(m->badge, m->w[3], (uint32_t)m->w[1]);
	struct pending p = { m->badge, page, 0, (uint32_t)area };
	int k = kept_find(m->badge, page);
	if (k >= 0)
		kept_drop(k); /* a newer copy */
	/* A dynamic page is written where the pages going out with it are
	 * (its old copy is stale now): consecutive RETURNs get consecutive
	 * slots and go out in one request. */
	uint32_t old;
	if (o && o->mode == SWAP_DYNAMIC && !swapmap_lookup(&map, p.id, page, &old))
		swapmap_free(&map, p.id, page);
	if (!o || swapmap_alloc(&map, p.id, page, &p.slot)) {
		keep(&p);
		return;
	}
	if (nbatch == cluster || nbatch == SWAP_CLUSTER_MAX)
		flush();
	batch[nbatch++] = p;
}

/* --- reads: FAULTs -------------------------------------------------------------------- */

/* Answers a FAULT and receives the next message into m. */
static long handle_fault(struct ipc_msg *m)
{
	uint64_t off = m->w[0], page = off / PG;
	uint32_t epoch = PAGER_EPOCH(m->w[1]);
	struct sobj *o = obj_get(m->badge, m->w[3], epoch);
	long vmo = o ? obj_handle(o) : -E_FULL;
	if (vmo < 0) {
		uprintf("swap: fault on object %lu: no handle (%s)\n", (unsigned long)m->badge,
			err_name(vmo));
		return ipc_recv(ep, m, 0);
	}
	if (PAGER_KIND(m->w[1]) == FAULT_UNLOCK) { /* never write-protected here */
		pager_lock((int)vmo, off, 1, LOCK_UNLOCK, epoch);
		return ipc_recv(ep, m, 0);
	}
	if (nbatch)
		flush(); /* the page may be on its way out */
	int k = kept_find(o->id, page);
	uint32_t slot;
	if (k >= 0) { /* a copy of the kept frame: the pager keeps it */
		st.swap_ins++;
		return pager_supply_recv((int)vmo, off, (void *)(RETURN_VA + (uint64_t)k * PG), 1,
					 VM_R | VM_W | PAGER_SUPPLY_COPY, epoch, ep, m);
	}
	if (swapmap_lookup(&map, o->id, page, &slot)) {
		st.zero_fills++;
		return pager_supply_recv((int)vmo, off, 0, 1, VM_R | VM_W, epoch, ep, m);
	}
	/* Read-ahead for a sequential reader (a fault where the last read
	 * ended): the pages after it whose slots follow its slot. */
	uint32_t n = 1, s, ra = page == o->next && !in_lab(o->id) ? cluster : 1;
	while (n < ra && page + n < o->npages && !swapmap_lookup(&map, o->id, page + n, &s) &&
	       s == slot + n && kept_find(o->id, page + n) < 0)
		n++;
	o->next = page + n;
	int bs = disk_io(false, slot, n, 0);
	if (bs != BLK_OK) {
		uprintf("swap: read error at slot %u (object %lu page %lu): block status %d\n", slot,
			(unsigned long)o->id, (unsigned long)page, bs);
		pager_fail((int)vmo, off, 1, -E_DEAD, epoch);
		return ipc_recv(ep, m, 0);
	}
	/* Copied by the kernel from the disk buffer into fresh frames. */
	st.swap_ins += n;
	return pager_supply_recv((int)vmo, off, disk.buf, n, VM_R | VM_W | PAGER_SUPPLY_COPY, epoch,
				 ep, m);
}

/* The object is gone: its slots, kept frames and handle go. */
static void forget(struct sobj *o)
{
	for (int i = 0; nkept && i < RETURN_PAGES; i++)
		if (kept[i].id == o->id)
			kept_drop(i);
	swapmap_destroy(&map, o->id);
	if (o->vmo)
		sys_handle_close(o->vmo);
	st.objects--;
	obj_remove(o);
}

static void handle_terminate(const struct ipc_msg *m)
{
	if (nbatch)
		flush();
	struct sobj *o = obj_find(m->badge);
	if (o)
		forget(o);
}

/* Rebound away: every page it has is supplied back, then RELEASED. */
static void handle_release(const struct ipc_msg *m)
{
	if (nbatch)
		flush();
	uint32_t epoch = (uint32_t)m->w[1];
	struct sobj *o = obj_get(m->badge, m->w[0], epoch);
	long vmo = o ? obj_handle(o) : -E_FULL;
	if (vmo < 0)
		return;
	uint32_t slot;
	for (uint64_t page = 0; page < o->npages; page++) {
		int k = kept_find(o->id, page);
		bool on_disk = k < 0 && !swapmap_lookup(&map, o->id, page, &slot);
		if (k < 0 && !on_disk)
			continue;
		const void *src = k >= 0 ? (void *)(RETURN_VA + (uint64_t)k * PG) : disk.buf;
		if (k < 0 && disk_io(false, slot, 1, 0) != BLK_OK)
			continue; /* the kernel logs what was not recovered */
		pager_supply((int)vmo, page * PG, src, 1, VM_R | VM_W | PAGER_SUPPLY_COPY, epoch);
	}
	pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, epoch);
	forget(o);
}

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

static struct pol pol;
static uint8_t qbits[QCHUNK];
static struct pol_page victims[EVICT_BATCH];
static uint8_t vstat[EVICT_BATCH];

/* The task of each object seen at the last harvest, for limits. */
struct objtask {
	uint64_t id, task, resident, npages;
};
static struct objtask otab[MAX_OBJS];
static uint32_t notab;

static uint64_t timebase_khz = 10000;

static uint64_t now_ms(void)
{
	return rd_time() / timebase_khz;
}

static void mm_state(struct mm_state *s)
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

/* Evicts the n victims (sorted, runs in one call each); those that stayed
 * go back to the policy (*stayed counts them). Returns the pages that
 * went. */
static uint64_t evict(uint32_t n, uint64_t now, uint32_t *stayed)
{
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
			}
			else if ((vstat[j] & PAGE_RESIDENT) && !(vstat[j] & PAGE_STAYED)) {
				gone++;
				st.clean_drops += !(vstat[j] & PAGE_DIRTY);
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
					 over < EVICT_BATCH ? (uint32_t)over : EVICT_BATCH);
		uint32_t stayed;
		st.limit_evictions += evict(n, now, &stayed);
	}
}

/* Below low: evict down to high. Dirty pages free their frames only once
 * the pager thread has written them, so it waits for them a little. */
static void reclaim(uint64_t now)
{
	struct mm_state s;
	for (int round = 0; round < 256; round++) {
		mm_state(&s);
		if (s.free >= s.high)
			return;
		uint64_t want = s.high - s.free;
		uint32_t n = pol_pick(&pol, now, victims, want < EVICT_BATCH ? (uint32_t)want : EVICT_BATCH);
		if (n == 0) {
			harvest(now);
			n = pol_pick(&pol, now, victims, want < EVICT_BATCH ? (uint32_t)want : EVICT_BATCH);
			if (n == 0)
				return; /* nothing pageable is resident */
		}
		uint32_t stayed;
		if (evict(n, now, &stayed) == 0)
			harvest(now); /* what is resident now, for the next pick */
		if (stayed) {
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
static bool in_lab(uint64_t id)
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

static void manager(void *arg)
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

/* --- control requests (swap_proto.h) ------------------------------------------------------ */

static void wake_manager(void)
{
	notify_signal(note, NOTE_CTL);
}

static long do_status(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	st.cluster = cluster;
	st.map_mode = new_mode;
	st.slots = map.nslots;
	st.slots_bad = swapmap_bad_slots(&map);
	st.slots_used = map.nslots - swapmap_free_slots(&map) - st.slots_bad;
	struct mm_state s;
	mm_state(&s);
	_Static_assert(SWAP_STATUS_WORDS <= IPC_MAX_WORDS, "one message");
	memcpy(resp->w, &st, sizeof(st));
	resp->words = SWAP_STATUS_WORDS;
	return 0;
}

static long do_policy(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] >= POL_NKINDS)
		return -E_RANGE;
	mailbox.policy = (int32_t)req->w[0];
	wake_manager();
	return 0;
}

static long do_cluster(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] < 1 || req->w[0] > SWAP_CLUSTER_MAX)
		return -E_RANGE;
	if (nbatch)
		flush();
	cluster = (uint32_t)req->w[0];
	return 0;
}

static long do_watermarks(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	struct mm_state s;
	long err = mm_watermarks(SW_H_MM, req->w[0], req->w[1], req->w[2], &s);
	if (!err)
		wake_manager();
	return err;
}

static long do_map_mode(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] != SWAP_DYNAMIC && req->w[0] != SWAP_STATIC)
		return -E_RANGE;
	new_mode = (enum swap_mode)req->w[0];
	return 0;
}

static long do_limit(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
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

static long do_tau(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	mailbox.tau_ms = req->w[0];
	mailbox.tau_set = 1;
	wake_manager();
	return 0;
}

static long do_seed(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	mailbox.seed = req->w[0];
	return 0;
}

static long do_adopt(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	int h = req->handles[0];
	struct vmo_info info;
	long err = vmo_info(h, &info);
	if (!err)
		err = vmo_rebind(h, ep, info.id);
	sys_handle_close(h);
	if (err < 0)
		return err;
	resp->w[0] = (uint64_t)err;
	resp->words = 1;
	return 0;
}

static long do_lab(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
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

static const struct ipc_handler handlers[] = {
	{ SWAP_LAB, "lab", 3, 3, 0, 0, do_lab },
	{ SWAP_STATUS, "status", 0, 0, 0, 0, do_status },
	{ SWAP_POLICY, "policy", 1, 1, 0, 0, do_policy },
	{ SWAP_CLUSTER, "cluster", 1, 1, 0, 0, do_cluster },
	{ SWAP_WATERMARKS, "watermarks", 3, 3, 0, 0, do_watermarks },
	{ SWAP_MAP_MODE, "map", 1, 1, 0, 0, do_map_mode },
	{ SWAP_LIMIT, "limit", 2, 2, 0, 0, do_limit },
	{ SWAP_TAU, "tau", 1, 1, 0, 0, do_tau },
	{ SWAP_SEED, "seed", 1, 1, 0, 0, do_seed },
	{ SWAP_ADOPT, "adopt", 0, 0, 1, 0, do_adopt },
};

/* --- start-up ------------------------------------------------------------------------------- */

static uint8_t manager_stack[32768] __attribute__((aligned(16)));

/* Wired memory for the disk map and the policy table. */
static void *arena(uint64_t *next, size_t size)
{
	size = (size + PG - 1) & ~(PG - 1);
	void *p = (void *)*next;
	if (mem_wire(*next, size, VM_R | VM_W))
		return 0;
	*next += size;
	return p;
}

static long setup(const char *dname, bool private)
{
	/* The return area first: it makes this task a pager, whose own
	 * memory (the disk buffer, the tables) is never paged. */
	long err = pager_return_area(ep, RETURN_VA, RETURN_PAGES);
	if (err) {
		uprintf("swap: no return area (%s)\n", err_name(err));
		return err;
	}
	err = blk_open_name(&disk, SW_H_NAME, dname, BUF_PAGES * PG, BUF_VA, &buf);
	if (err) {
		uprintf("swap: no disk %s (%s)\n", dname, err_name(err));
		return err;
	}
	/* Mapped now, every page: supplies copy from it (PAGER_SUPPLY_COPY
	 * wants a mapped source), and the driver fills it behind our back. */
	memset(disk.buf, 0, BUF_PAGES * PG);
	if (disk.flags & BLK_INFO_READONLY) {
		uprintf("swap: %s is read-only: no swap\n", dname);
		blk_close(&disk);
		return -E_PERM;
	}
	uint64_t slots = disk.capacity / SECTORS_PER_PAGE;
	if (slots > SWAP_SLOTS_MAX)
		slots = SWAP_SLOTS_MAX;
	uint64_t next = ARENA_VA;
	size_t msize = swapmap_arena_size((uint32_t)slots, MAX_OBJS);
	void *ma = arena(&next, msize);
	if (!ma || (err = swapmap_init(&map, (uint32_t)slots, MAX_OBJS, ma, msize))) {
		uprintf("swap: no disk map for %lu slots\n", (unsigned long)slots);
		return err ? err : -E_NOMEM;
	}
	struct sysinfo si;
	sys_sysinfo(&si);
	if (si.timebase_hz >= 1000)
		timebase_khz = si.timebase_hz / 1000;
	uint32_t cap = (uint32_t)(si.frames_total + 1024);
	size_t psize = pol_arena_size(cap);
	void *pa = arena(&next, psize);
	struct pol_config cfg = { .seed = 1 };
	if (!pa || (err = pol_init(&pol, POL_CLOCK, cap, pa, psize, &cfg))) {
		uprintf("swap: no policy table for %u pages\n", cap);
		return err ? err : -E_NOMEM;
	}
	st.policy = POL_CLOCK;
	st.tau_ms = 0;
	long n = sys_notify_create();
	if (n < 0)
		return n;
	note = (int)n;
	if (private) {
		uprintf("swap: %s: %lu slots of 4 KiB; for the objects handed to it\n", dname,
			(unsigned long)slots);
		return 0;
	}
	if ((err = mm_register_lab(SW_H_MM, note, NOTE_LOW, NOTE_LAB))) {
		uprintf("swap: not the memory manager (%s)\n", err_name(err));
		return err;
	}
	if ((err = sys3(SYS_DEFAULT_PAGER, SW_H_SYS, ep, 0))) {
		uprintf("swap: not the default pager (%s)\n", err_name(err));
		return err;
	}
	long th = thread_spawn(manager, 0, manager_stack, sizeof(manager_stack), PRIO_DEFAULT);
	if (th < 0) {
		uprintf("swap: no manager thread (%s)\n", err_name(th));
		return th;
	}
	uprintf("swap: %s: %lu slots of 4 KiB; default pager and memory manager (%s)\n", dname,
		(unsigned long)slots, pol_name(POL_CLOCK));
	return 0;
}

int main(int argc, char **argv)
{
	long err = ipc_buffer_setup(&buf);
	long e = err ? err : sys_endpoint_create();
	if (e < 0)
		return 1;
	ep = (int)e;
	/* `swap [DISK [private]]`: private, it pages only the objects handed
	 * to it (SWAP_ADOPT) and needs neither the system object nor the
	 * manager capability. */
	bool private = argc > 2 && strcmp(argv[2], "private") == 0;
	err = setup(argc > 1 ? argv[1] : "blk1", private);
	/* The hand-off either way, without the endpoint if there is no
	 * swap: init waits for it. */
	int32_t h[1] = { ep };
	uint32_t rights[1] = { R_SEND | R_GRANT };
	long herr = ipc_request(SW_H_BOOT, &buf, PAGER_HANDOFF, 0, 0, h, rights, err ? 0 : 1, 0, 0, 0);
	sys_handle_close(SW_H_BOOT);
	if (err || herr) {
		uprintf("swap: not started (%s)\n", err_name(err ? err : herr));
		return 1;
	}
	struct ipc_server server = { .table = handlers,
				     .ntable = sizeof(handlers) / sizeof(handlers[0]),
				     .ctx = 0, .buf = &buf, .name = "swap" };
	struct ipc_msg m;
	err = ipc_recv(ep, &m, 0);
	for (;;) {
		if (err == -E_TIMEOUT && nbatch) {
			flush();
			err = ipc_recv(ep, &m, 0);
			continue;
		}
		if (err) {
			if (err == -E_DEAD || err == -E_CANCELED || err == -E_BADH)
				break;
			err = ipc_recv(ep, &m, 0);
			continue;
		}
		uint32_t label = IPC_TAG_LABEL(m.tag);
		bool kernel = m.tag & IPC_TAG_KERNEL;
		if (kernel && label == PAGER_FAULT) {
			err = handle_fault(&m);
		} else if (kernel && label == PAGER_RETURN) {
			handle_return(&m);
			err = ipc_recv(ep, &m, 1); /* another one waiting? else write */
		} else if (kernel && label == PAGER_TERMINATE) {
			handle_terminate(&m);
			err = ipc_recv(ep, &m, 0);
		} else if (kernel && label == PAGER_RELEASE) {
			handle_release(&m);
			err = ipc_recv(ep, &m, 0);
		} else {
			if (nbatch)
				flush();
			err = ipc_server_request(&server, ep, &m);
		}
	}
	uprintf("swap: endpoint gone (%s)\n", err_name(err));
	return 0;
}
