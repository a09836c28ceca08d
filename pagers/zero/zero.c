/*
 * The zero-fill pager: new pages read as zeros. It has no store of its
 * own: a dirty page the memory manager evicts comes back into its return
 * area (RETURN_PAGES of them; with those full, dirty pages stay resident)
 * and the shared loop keeps the frame and supplies a copy at the page's
 * later faults, so nothing written is lost. Its pool holds pages the kernel
 * zeroed when they were wired, so a fault costs no zeroing while the pool
 * lasts.
 *
 * Started with a one-off endpoint of its starter's at slot 1 (R_SEND):
 * it makes its own endpoint and hands the send side back over it
 * (pager_endpoint_handoff), so the frames RETURN brings land here. Given
 * a receive side at slot 1 instead, it serves that (tests).
 */
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/common/pager.h"
#include "pagers/zero/zero_proto.h"

#define POOL_MAX 256
#define RETURN_PAGES 256
#ifndef POOL_BASE /* the host fuzz harness backs them with memory of its own */
#define POOL_BASE 0x2000000000ul
#define STAGE_BASE 0x2100000000ul
#define RETURN_BASE 0x2200000000ul
#define DOORBELL_BASE 0x2300000000ul /* the refill thread's idle doorbell */
#endif

#define REFILL_PRIO 1 /* below PRIO_DEFAULT: clients and servers run first */

static uint32_t pool_slots[POOL_MAX];
static uint8_t refill_stack[8192] __attribute__((aligned(16)));
static uint8_t pool_ready[POOL_MAX];
static struct ipc_buffer buf;
static struct pager zp;

static long do_create(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t size = req->w[0];
	if (size == 0 || size % 4096)
		return -E_INVAL;
	long err;
	struct pager_object *o = pager_object_new(&zp, size, &err);
	if (!o)
		return err;
	resp->nhandles = 1;
	resp->handles[0] = o->vmo;
	resp->rights[0] = R_MAP | R_READ | R_GRANT | R_CONTROL;
	resp->undo = pager_undo_create; /* a client that cannot take it leaks nothing */
	return 0;
}

/* Takes over an anonymous object from its pager (pagerctl rebind ...
 * zero): pages never written read as zeros, the kernel zero-fills them;
 * those the old pager held it hands back before the rebind completes. */
static long do_adopt(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	long err;
	struct pager_object *o = pager_object_adopt(&zp, req->handles[0], &err);
	if (!o)
		return err; /* ipc_dispatch closes the handle of a refused request */
	sys_handle_close(req->handles[0]);
	resp->w[0] = o->epoch; /* the binding's once the old pager lets go */
	resp->words = 1;
	return 0;
}

static long do_stats(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t objects = 0;
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++)
		objects += zp.objects[i].vmo != 0;
	resp->w[0] = zp.faults;
	resp->w[1] = zp.failed;
	resp->w[2] = pager_pool_ready(&zp);
	resp->w[3] = objects;
	resp->w[4] = zp.refilled;
	resp->words = 5;
	return 0;
}

static long do_prefill(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] > POOL_MAX)
		return -E_RANGE;
	zp.pool_size = (uint32_t)req->w[0];
	zp.pool_low = zp.pool_size / 4;
	pager_pool_refill(&zp);
	return 0;
}

static long do_drain(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	pager_pool_drain(&zp); /* every fault: the kernel zero-fills */
	return 0;
}

static long do_cluster(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] < 1 || req->w[0] > 64)
		return -E_RANGE;
	pager_set_cluster(&zp, (uint32_t)req->w[0]);
	return 0;
}

static const struct ipc_handler handlers[] = {
	{ ZERO_CLUSTER, "cluster", 1, 1, 0, 0, do_cluster },
	{ ZERO_CREATE, "create", 1, 1, 0, 0, do_create },
	{ ZERO_STATS, "stats", 0, 0, 0, 0, do_stats },
	{ ZERO_PREFILL, "prefill", 1, 1, 0, 0, do_prefill },
	{ ZERO_DRAIN, "drain", 0, 0, 0, 0, do_drain },
	{ ZERO_ADOPT, "adopt", 0, 0, 1, 0, do_adopt },
};

/* Pool pages come zeroed from the kernel: nothing to fill. */
static const struct pager_ops zero_ops = { 0 };

int main(int argc, char **argv)
{
	zp.name = "zero";
	long ep = handle_is(1, OBJ_ENDPOINT, R_RECV) ? 1 : pager_endpoint_handoff(1, &buf);
	if (ep < 0) {
		uprintf("zero: no endpoint: %s\n", err_name(ep));
		return 1;
	}
	zp.ep = (int)ep;
	zp.ops = &zero_ops;
	zp.server = (struct ipc_server){ .table = handlers,
					 .ntable = sizeof(handlers) / sizeof(handlers[0]),
					 .ctx = &zp, .buf = &buf, .name = "zero" };
	zp.pool_base = POOL_BASE;
	zp.pool_cap = POOL_MAX;
	zp.pool_size = 64;
	zp.pool_low = 16;
	zp.pool_free = pool_slots;
	zp.pool_ready = pool_ready;
	zp.cluster = 1;
	zp.stage_base = STAGE_BASE;
	zp.return_base = RETURN_BASE;
	zp.return_pages = RETURN_PAGES;
	zp.doorbell_base = DOORBELL_BASE;
	/* Refilled by a thread below every client's priority: the kernel's
	 * zeroing of the pool's pages runs when the hart would idle. */
	long err = pager_refill_start(&zp, refill_stack, sizeof(refill_stack), REFILL_PRIO);
	if (err)
		uprintf("zero: no refill thread (%s): the loop refills\n", err_name(err));
	err = pager_run(&zp);
	uprintf("zero: endpoint gone (%s)\n", err_name(err));
	return 0;
}
