/*
 * virtio-blk driver: one task per disk, started by init with the handles
 * of blk_proto.h (BLK_H_*) and the disk's name (argv[1], e.g. "blk0").
 * This file holds the clients and the server side of the block protocol;
 * blk_dev.c drives the device. blk.h tells the threads, the lock and a
 * request's states.
 */
#include "servers/blk/blk.h"

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"

struct blk_req reqs[NREQ];
struct blk_client clients[MAX_CLIENTS];
static int lock_word;
static uint32_t generation; /* of client badges, so a stale one never matches */

void blk_lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		sys_yield(); /* the holder runs at our priority: it gets the hart */
}

void blk_unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

/* --- clients ---------------------------------------------------------------- */

static struct blk_client *client_of(uint64_t badge)
{
	unsigned slot = badge & 0xff;
	if (!(badge & BLK_BADGE_CLIENT) || slot >= MAX_CLIENTS)
		return 0;
	struct blk_client *c = &clients[slot];
	return c->used && !c->closing && c->badge == badge ? c : 0;
}

static void client_release(struct blk_client *c)
{
	sys_handle_close(c->vmo);
	sys_handle_close(c->note);
	sys_handle_close(c->token);
	*c = (struct blk_client){ 0 };
}

/* The session ends (close, death, undone open); requests in flight
 * finish first (locked). */
static void client_drop(struct blk_client *c)
{
	if (c->inflight)
		c->closing = true;
	else
		client_release(c);
}

/* Drops clients whose token endpoint died with them (locked). */
static void purge_dead(void)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct handle_info hi;
		struct blk_client *c = &clients[i];
		if (c->used && !c->closing && sys_handle_info(c->token, &hi) == 0 &&
		    (hi.flags & HANDLE_INFO_DEAD))
			client_drop(c);
	}
}

void blk_complete(struct blk_req *r, uint8_t status)
{
	struct blk_client *c = &clients[r->client];
	r->status = status;
	r->state = RQ_DONE;
	c->inflight--;
	if (r->worker >= 0) {
		disk.done_unclaimed++; /* its worker takes it (and frees it) */
	} else {
		disk.async_inflight--;
		unsigned tag = (unsigned)r->tag;
		c->tags &= ~(1u << tag);
		if (!c->closing) {
			c->done |= 1u << tag;
			c->done_status &= ~(0xfull << (4 * tag));
			c->done_status |= (uint64_t)status << (4 * tag);
			notify_signal(c->note, BLK_NOTE_BIT);
		}
		r->state = RQ_FREE;
	}
	if (c->closing && c->inflight == 0)
		client_release(c);
}

/* --- requests ---------------------------------------------------------------- */

/* The status a request gets before it goes anywhere near the disk. */
static uint8_t check(const struct blk_client *c, unsigned op, uint64_t sector, uint64_t count,
		     uint64_t offset)
{
	if (disk.broken)
		return BLK_IOERR;
	if (op == BLK_OP_FLUSH)
		return BLK_OK;
	uint32_t spb = disk.blk_size / BLK_SECTOR;
	if (count == 0 || count > BLK_MAX_SECTORS || offset % BLK_SECTOR || sector % spb ||
	    count % spb)
		return BLK_BADREQ;
	if (op == BLK_OP_WRITE && disk.readonly)
		return BLK_READONLY;
	if (op == BLK_OP_READ && !c->writable)
		return BLK_BADREQ; /* shared read-only: the disk may not write it */
	if (sector >= disk.capacity || count > disk.capacity - sector)
		return BLK_RANGE;
	if (offset >= c->size || count * BLK_SECTOR > c->size - offset)
		return BLK_RANGE;
	return BLK_OK;
}

/* A free request for client c (locked); there is always one: NREQ covers
 * every worker and every client's tags. */
static struct blk_req *req_new(struct blk_client *c, unsigned op, const uint64_t *w)
{
	for (int i = 0; i < NREQ; i++) {
		struct blk_req *r = &reqs[i];
		if (r->state != RQ_FREE)
			continue;
		*r = (struct blk_req){ .state = RQ_WAITING, .op = (uint8_t)op, .tag = -1,
				       .worker = -1, .client = (int)(c - clients), .pin = -1 };
		if (op != BLK_OP_FLUSH) {
			r->sector = w[0];
			r->count = (uint32_t)w[1];
			r->offset = w[2];
		}
		c->inflight++;
		return r;
	}
	return 0;
}

/* A flush without a write cache has nothing to do. */
static bool needs_device(unsigned op)
{
	return op != BLK_OP_FLUSH || disk.flush;
}

struct worker {
	int id;
	struct ipc_server server;
	struct ipc_buffer buf;
};

/* READ, WRITE, FLUSH: the worker waits for the disk, then replies. */
static long do_sync(struct worker *wk, const struct ipc_request *req,
		    struct ipc_response *resp, unsigned op)
{
	blk_lock();
	struct blk_client *c = client_of(req->badge);
	uint8_t st = c ? check(c, op, req->w[0], req->w[1], req->w[2]) : BLK_BADREQ;
	struct blk_req *r = st == BLK_OK && needs_device(op) ? req_new(c, op, req->w) : 0;
	if (r) {
		r->worker = (int8_t)wk->id;
		blk_dev_submit(r);
		/* This worker serves the interrupt itself (blk.h). */
		while (r->state != RQ_DONE) {
			uint64_t bits;
			blk_unlock();
			notify_wait(disk.irq_note, &bits, 0);
			blk_lock();
			blk_dev_interrupt(r);
		}
		st = r->status;
		r->state = RQ_FREE;
		disk.done_unclaimed--;
	}
	blk_unlock();
	resp->words = 1;
	resp->w[0] = st;
	return 0;
}

static long do_read(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	return do_sync(ctx, req, resp, BLK_OP_READ);
}

static long do_write(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	return do_sync(ctx, req, resp, BLK_OP_WRITE);
}

static long do_flush(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	return do_sync(ctx, req, resp, BLK_OP_FLUSH);
}

static long do_submit(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	unsigned op = req->w[3] & 0xff, tag = (unsigned)(req->w[3] >> 8);
	blk_lock();
	struct blk_client *c = client_of(req->badge);
	uint8_t st = BLK_BADREQ;
	if (c && op <= BLK_OP_FLUSH && tag < BLK_TAGS && !(c->tags & (1u << tag)))
		st = check(c, op, req->w[0], req->w[1], req->w[2]);
	struct blk_req *r = st == BLK_OK ? req_new(c, op, req->w) : 0;
	if (r) {
		r->tag = (int8_t)tag;
		c->tags |= 1u << tag;
		blk_dev_async_started();
		if (needs_device(op))
			blk_dev_submit(r);
		else
			blk_complete(r, BLK_OK);
	}
	blk_unlock();
	resp->words = 1;
	resp->w[0] = st;
	return 0;
}

static long do_reap(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	blk_lock();
	struct blk_client *c = client_of(req->badge);
	resp->words = 3;
	resp->w[0] = c ? BLK_OK : BLK_BADREQ;
	resp->w[1] = c ? c->done : 0;
	resp->w[2] = c ? c->done_status : 0;
	if (c)
		c->done = 0;
	blk_unlock();
	return 0;
}

static long do_close(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	blk_lock();
	struct blk_client *c = client_of(req->badge);
	if (c)
		client_drop(c);
	blk_unlock();
	resp->words = 1;
	resp->w[0] = c ? BLK_OK : BLK_BADREQ;
	return 0;
}

static long do_info(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	resp->words = 4;
	resp->w[0] = disk.broken ? BLK_IOERR : BLK_OK;
	resp->w[1] = disk.broken ? 0 : disk.capacity;
	resp->w[2] = disk.blk_size;
	resp->w[3] = (disk.readonly ? BLK_INFO_READONLY : 0) | (disk.flush ? BLK_INFO_FLUSH : 0);
	return 0;
}

static long do_stats(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	blk_lock();
	purge_dead();
	uint64_t n = 0, inflight = 0;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		n += clients[i].used;
		inflight += clients[i].inflight;
	}
	resp->words = 4;
	resp->w[0] = BLK_OK;
	resp->w[1] = n;
	resp->w[2] = inflight;
	resp->w[3] = disk.pins;
	blk_unlock();
	return 0;
}

/* --- open ------------------------------------------------------------------ */

/* The handles BLK_OPEN brought: 0, or why not (they are closed then). */
static long open_check(const struct ipc_request *req, uint64_t *size, bool *writable)
{
	struct handle_info hv, hn, ht;
	struct vmo_info vi;
	if (sys_handle_info(req->handles[0], &hv) || hv.type != OBJ_VMO || !(hv.rights & R_READ) ||
	    vmo_info(req->handles[0], &vi) || sys_handle_info(req->handles[1], &hn) ||
	    hn.type != OBJ_NOTIFY || !(hn.rights & R_SEND) ||
	    sys_handle_info(req->handles[2], &ht) || ht.type != OBJ_ENDPOINT)
		return -E_INVAL;
	*size = vi.size;
	*writable = hv.rights & R_MAP;
	return 0;
}

static void undo_open(void *ctx, const struct ipc_request *req, const struct ipc_response *resp)
{
	blk_lock();
	struct blk_client *c = client_of(resp->w[1]);
	if (c)
		client_drop(c);
	blk_unlock();
}

static long do_open(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t size;
	bool writable;
	long err = open_check(req, &size, &writable);
	if (err)
		return err;
	blk_lock();
	purge_dead();
	int slot = 0;
	while (slot < MAX_CLIENTS && clients[slot].used)
		slot++;
	uint64_t badge = BLK_BADGE_CLIENT | (uint64_t)(++generation & 0xffffff) << 8 | (unsigned)slot;
	long h = slot < MAX_CLIENTS ? sys_handle_mint(BLK_H_EP, R_SEND | R_GRANT, badge) : -E_FULL;
	if (h >= 0)
		clients[slot] = (struct blk_client){ .used = true, .badge = badge,
						     .vmo = req->handles[0], .note = req->handles[1],
						     .token = req->handles[2], .size = size,
						     .writable = writable };
	blk_unlock();
	if (h < 0)
		return h;
	resp->words = 2;
	resp->w[0] = BLK_OK;
	resp->w[1] = badge;
	resp->nhandles = 1;
	resp->handles[0] = (int32_t)h;
	resp->rights[0] = R_SEND;
	resp->move = 1;
	resp->undo = undo_open;
	return 0;
}

/* --- start ------------------------------------------------------------------ */

static const struct ipc_handler handlers[] = {
	{ BLK_INFO, "info", 0, 0, 0, 0, do_info },
	{ BLK_OPEN, "open", 0, 0, 3, 0, do_open },
	{ BLK_READ, "read", 3, 3, 0, BLK_BADGE_CLIENT, do_read },
	{ BLK_WRITE, "write", 3, 3, 0, BLK_BADGE_CLIENT, do_write },
	{ BLK_FLUSH, "flush", 0, 0, 0, BLK_BADGE_CLIENT, do_flush },
	{ BLK_SUBMIT, "submit", 4, 4, 0, BLK_BADGE_CLIENT, do_submit },
	{ BLK_REAP, "reap", 0, 0, 0, BLK_BADGE_CLIENT, do_reap },
	{ BLK_CLOSE, "close", 0, 0, 0, BLK_BADGE_CLIENT, do_close },
	{ BLK_STATS, "stats", 0, 0, 0, 0, do_stats },
};

static struct worker workers[NWORKERS];
static uint64_t stacks[NWORKERS][2048] __attribute__((aligned(16)));

static void worker_main(void *arg)
{
	struct worker *wk = arg;
	long err = ipc_serve(&wk->server);
	uprintf("blk: worker %d: endpoint gone (%s)\n", wk->id, err_name(err));
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "blk";
	if (!handle_is(BLK_H_EP, OBJ_ENDPOINT, R_RECV | R_SEND) ||
	    !handle_is(BLK_H_DMA, OBJ_DMA, R_CONTROL)) {
		uprintf("blk %s: my handles are not as blk_proto.h says\n", name);
		return 1;
	}
	for (int i = 0; i < NWORKERS; i++) {
		workers[i] = (struct worker){ .id = i };
		workers[i].server = (struct ipc_server){
			.ep = BLK_H_EP, .table = handlers,
			.ntable = sizeof(handlers) / sizeof(handlers[0]), .ctx = &workers[i],
			.buf = &workers[i].buf, .name = name,
		};
	}
	if (blk_dev_setup(name))
		disk.broken = true; /* still answer, so no client waits forever */
	for (int i = 1; i < NWORKERS; i++)
		if (thread_spawn(worker_main, &workers[i], stacks[i], sizeof(stacks[i]),
				 PRIO_DEFAULT) < 0)
			uprintf("blk %s: worker %d not started\n", name, i);
	worker_main(&workers[0]);
	return 0;
}
