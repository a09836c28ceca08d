/*
 * The swap pager: the default pager of anonymous and shadow objects, on
 * the swap disk blk1, and the memory manager (docs/DESIGN.md sections 6
 * and 7).
 *
 * Two threads share the task:
 *   - the pager thread (main) serves the endpoint: FAULT (read a page back
 *     from its slot, with read-ahead of the pages that follow it on the
 *     disk; a page never written out is supplied as zeros), RETURN (a
 *     run of dirty pages the manager evicted, PAGER_RETURN_RUNS: their
 *     frames move uncopied into the disk buffer and are written to their
 *     slots, consecutive slots in one disk request), TERMINATE (the object's
 *     slots are freed), RELEASE (hand every page back before a rebind)
 *     and the control protocol (swap_proto.h);
 *   - the manager thread (swap_manager.c) waits on the kernel's low-memory notification
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

#include "pagers/common/pager.h"
#include "pagers/swap/swap.h"
#include "servers/blk/libblk.h"

static struct ipc_buffer buf;
static struct blk_dev disk;
static struct swapmap map;
int ep = -1, note = -1;
struct swap_status st;
volatile uint64_t area_freed;

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

uint32_t obj_hash(uint64_t id)
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

/* --- kept frames: pages that found no slot --------------------------------------- */

/* Kept frames: entry i < RETURN_PAGES is the frame a RETURN left at that
 * page of the return area (no slot for it); the others, a frame whose
 * writes all failed after it had moved to the disk buffer, moved out
 * again to a page of KEPT_VA of their own. */
#define KEPT_SLOTS (RETURN_PAGES + KEPT_PAGES)
struct kept {
	uint64_t id, page; /* id 0: free */
};
static struct kept kept[KEPT_SLOTS];
static uint32_t nkept;

static uint64_t kept_va(int i)
{
	return i < RETURN_PAGES ? RETURN_VA + (uint64_t)i * PG
				: KEPT_VA + (uint64_t)(i - RETURN_PAGES) * PG;
}

static int kept_find(uint64_t id, uint64_t page)
{
	for (int i = 0; nkept && i < KEPT_SLOTS; i++)
		if (kept[i].id == id && kept[i].page == page)
			return i;
	return -1;
}

static void kept_drop(int i)
{
	kept[i].id = 0;
	nkept--;
	vm_unmap(kept_va(i), PG);
	area_freed += i < RETURN_PAGES;
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

/*
 * A RETURNed page's way out, step by step:
 *   1. handle_return: a slot for it, and a place in the batch;
 *   2. flush (the batch full: WRITE_MAX pages, or nothing else to do):
 *      its frame moves (SYS_VMO_MOVE, no copy) from the return area into
 *      the disk buffer's write part at its batch position (copied there
 *      if the move is refused); each run of consecutive slots is one disk
 *      request, up to BLK_TAGS of them in flight;
 *   3. written: the frame stays in the buffer until the next move
 *      replaces it (a copied page's return-area frame is unmapped);
 *   4. a failed run: each page alone to a good slot (write_alone); a page
 *      that no slot takes is kept (keep): its frame stays in, or moves
 *      back out to, a page of its own, and faults are supplied from it.
 */
struct pending {
	uint64_t id, page;
	uint32_t slot, area; /* swap slot; return-area page */
	bool moved;          /* its frame is in the disk buffer, not the return area */
};
static struct pending batch[WRITE_MAX];
static uint32_t nbatch;
static volatile uint32_t cluster = 8;

#define WBUF_OFF (SWAP_CLUSTER_MAX * PG)

/* Keeps the frame of a page nothing could store (its data at buffer
 * offset off if it moved there). */
static void keep(const struct pending *p, uint64_t off)
{
	int i = p->area;
	if (p->moved) { /* out again, to a page of its own (the area's may be taken) */
		for (i = RETURN_PAGES; i < KEPT_SLOTS && kept[i].id; i++)
			;
		if (i == KEPT_SLOTS || vmo_move(disk.vmo, off, kept_va(i), 1, VMO_MOVE_OUT) < 0) {
			uprintf("swap: object %lu page %lu: written nowhere and no place to keep it: "
				"lost\n", (unsigned long)p->id, (unsigned long)p->page);
			st.io_errors++;
			return;
		}
	}
	kept[i] = (struct kept){ p->id, p->page };
	nkept++;
	st.full++;
}

/* One page, alone, from buffer offset off to a good slot: on a write
 * error the slot is marked bad and another one tried. */
static void write_alone(struct pending *p, uint64_t off)
{
	for (int tries = 0; tries < 8; tries++) {
		if (disk_io(true, p->slot, 1, off) == BLK_OK) {
			st.swap_outs++;
			if (!p->moved) {
				vm_unmap(RETURN_VA + (uint64_t)p->area * PG, PG);
				area_freed++;
			}
			return;
		}
		uprintf("swap: write error on slot %u: marked bad\n", p->slot);
		swapmap_mark_bad(&map, p->slot);
		if (swapmap_alloc(&map, p->id, p->page, &p->slot))
			break;
	}
	keep(p, off);
}

/* Batch pages [i, i + n) into the write half at their batch positions:
 * consecutive return-area pages move in one call; what will not move is
 * copied. */
static void to_buffer(uint32_t i, uint32_t n)
{
	for (uint32_t k = 0, m; k < n; k += m) {
		uint32_t a = batch[i + k].area;
		for (m = 1; k + m < n && batch[i + k + m].area == a + m; m++)
			;
		uint64_t off = WBUF_OFF + (i + k) * PG, va = RETURN_VA + (uint64_t)a * PG;
		bool moved = vmo_move(disk.vmo, off, va, m, VMO_MOVE_IN) == (long)m;
		for (uint32_t j = 0; j < m; j++)
			batch[i + k + j].moved = moved;
		if (!moved)
			memcpy(disk.buf + off, (void *)va, m * PG);
		else
			area_freed += m;
	}
}

/* Batch pages [i, i + n) are on the disk: copied pages free their frames. */
static void written(uint32_t i, uint32_t n)
{
	for (uint32_t k = 0, m; k < n; k += m) {
		uint32_t a = batch[i + k].area;
		bool moved = batch[i + k].moved;
		for (m = 1; k + m < n && batch[i + k + m].area == a + m && batch[i + k + m].moved == moved;
		     m++)
			;
		if (!moved) {
			vm_unmap(RETURN_VA + (uint64_t)a * PG, m * PG);
			area_freed += m;
		}
	}
	st.swap_outs += n;
}

/* The runs in flight (flush): batch pages [first, first + len) each. */
struct runs {
	uint32_t n, first[BLK_TAGS], len[BLK_TAGS];
	unsigned tag[BLK_TAGS];
	int status[BLK_TAGS];
};

/* Waits for every run in flight; a run that failed is written page by
 * page. */
static void collect(struct runs *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->status[i] == BLK_OK)
			r->status[i] = blk_wait(&disk, r->tag[i]);
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->status[i] == BLK_OK) {
			written(r->first[i], r->len[i]);
			continue;
		}
		st.io_errors++;
		for (uint32_t k = 0; k < r->len[i]; k++)
			write_alone(&batch[r->first[i] + k], WBUF_OFF + (r->first[i] + k) * PG);
	}
	r->n = 0;
}

/* Writes the batch: each run of consecutive slots is one request, up to
 * BLK_TAGS of them in flight at once. */
static void flush(void)
{
	struct runs r = { 0 };
	for (uint32_t i = 0, n; i < nbatch; i += n) {
		for (n = 1; i + n < nbatch && batch[i + n].slot == batch[i].slot + n; n++)
			;
		if (r.n == BLK_TAGS)
			collect(&r);
		to_buffer(i, n);
		r.first[r.n] = i;
		r.len[r.n] = n;
		r.status[r.n] = blk_submit(&disk, BLK_OP_WRITE, (uint64_t)batch[i].slot * SECTORS_PER_PAGE,
					   n * SECTORS_PER_PAGE, WBUF_OFF + i * PG, &r.tag[r.n]);
		r.n++;
		st.disk_writes++;
	}
	collect(&r);
	nbatch = 0;
}

/* One RETURNed page (its frame at return-area page `area`) into the batch. */
static void return_page(struct sobj *o, uint64_t id, uint64_t page, uint32_t area)
{
	struct pending p = { id, page, 0, area, false };
	int k = kept_find(id, page);
	if (k >= 0)
		kept_drop(k); /* a newer copy */
	/* A dynamic page is written where the pages going out with it are
	 * (its old copy is stale now): consecutive RETURNs get consecutive
	 * slots and go out in one request. */
	uint32_t old;
	if (o && o->mode == SWAP_DYNAMIC && !swapmap_lookup(&map, id, page, &old))
		swapmap_free(&map, id, page);
	if (!o || swapmap_alloc(&map, id, page, &p.slot)) {
		keep(&p, 0);
		return;
	}
	if (nbatch == WRITE_MAX)
		flush();
	batch[nbatch++] = p;
}

/* A RETURN: PAGER_RETURN_PAGES(w1) pages from w0 on, their frames on
 * consecutive return-area pages from w2 on (uapi/mm.h). */
static void handle_return(const struct ipc_msg *m)
{
	uint64_t area = (m->w[2] - RETURN_VA) / PG, n = PAGER_RETURN_PAGES(m->w[1]);
	if (m->w[2] < RETURN_VA || area >= RETURN_PAGES || n > RETURN_PAGES - area ||
	    (m->w[2] & (PG - 1)))
		return; /* the kernel puts them in the area we named */
	uint64_t page = m->w[0] / PG;
	struct sobj *o = obj_get(m->badge, m->w[3], (uint32_t)m->w[1]);
	for (uint64_t i = 0; i < n; i++)
		return_page(o, m->badge, page + i, (uint32_t)(area + i));
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
		return pager_supply_recv((int)vmo, off, (void *)kept_va(k), 1,
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
	/* The disk buffer's frames themselves go into the object: no copy. */
	st.swap_ins += n;
	return pager_supply_recv((int)vmo, off, disk.buf, n, VM_R | VM_W | PAGER_SUPPLY_TAKE, epoch,
				 ep, m);
}

/* The object is gone: its slots, kept frames and handle go. */
static void forget(struct sobj *o)
{
	for (int i = 0; nkept && i < KEPT_SLOTS; i++)
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
		if (k < 0 && disk_io(false, slot, 1, 0) != BLK_OK)
			continue; /* the kernel logs what was not recovered */
		/* A kept frame is copied (it stays ours until forget); a page
		 * read from the disk goes with the buffer's frame. */
		long r = k >= 0 ? pager_supply((int)vmo, page * PG, (void *)kept_va(k),
					       1, VM_R | VM_W | PAGER_SUPPLY_COPY, epoch)
				: pager_supply((int)vmo, page * PG, disk.buf, 1,
					       VM_R | VM_W | PAGER_SUPPLY_TAKE, epoch);
		if (r < 0)
			uprintf("swap: release of object %lu page %lu: %s\n", (unsigned long)o->id,
				(unsigned long)page, err_name(r));
	}
	pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, epoch);
	forget(o);
}

/* --- control requests (swap_proto.h) ------------------------------------------------------ */


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


static long do_cluster(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] < 1 || req->w[0] > SWAP_CLUSTER_MAX)
		return -E_RANGE;
	if (nbatch)
		flush();
	cluster = (uint32_t)req->w[0];
	return 0;
}


static long do_map_mode(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] != SWAP_DYNAMIC && req->w[0] != SWAP_STATIC)
		return -E_RANGE;
	new_mode = (enum swap_mode)req->w[0];
	return 0;
}




static long do_adopt(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	int h = req->handles[0];
	struct vmo_info info;
	long err = vmo_info(h, &info);
	if (!err)
		err = vmo_rebind(h, ep, info.id);
	if (err < 0)
		return err; /* ipc_dispatch closes the handle of a refused request */
	sys_handle_close(h);
	resp->w[0] = (uint64_t)err;
	resp->words = 1;
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
	long err = pager_return_area_flags(ep, RETURN_VA, RETURN_PAGES, PAGER_RETURN_RUNS);
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
