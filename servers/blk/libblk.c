/* The block protocol's client side; see libblk.h. */
#include "servers/blk/libblk.h"

#include "libipc/server.h"
#include "libipc/vm.h"
#include "servers/name/name_proto.h"

/* A call with register words only (the fast path); the block status. */
static int call4(struct blk_dev *d, uint32_t label, uint32_t words, uint64_t w0, uint64_t w1,
		 uint64_t w2, uint64_t w3)
{
	struct ipc_msg m = { .tag = IPC_TAG(label, words, 0), .w = { w0, w1, w2, w3 } };
	long err = ipc_call(d->ep, &m, 0);
	if (err || IPC_TAG_LABEL(m.tag) != 0 || IPC_TAG_WORDS(m.tag) < 1 || m.w[0] >= BLK_NSTATUS)
		return BLK_BADREQ;
	if (label == BLK_REAP) {
		d->done |= (uint32_t)m.w[1];
		for (unsigned t = 0; t < BLK_TAGS; t++)
			if (m.w[1] & (1u << t))
				d->done_status = (d->done_status & ~(0xfull << (4 * t))) |
						 (m.w[2] & (0xfull << (4 * t)));
	}
	return (int)m.w[0];
}

static long open_session(struct blk_dev *d, int pub, bool readonly_buf)
{
	uint64_t info[4];
	uint32_t got = 0;
	long err = ipc_request(pub, d->ipcbuf, BLK_INFO, 0, 0, 0, 0, 0, info, 4, &got);
	if (err)
		return err;
	if (got < 4 || info[0] != BLK_OK)
		return -E_DEAD;
	d->capacity = info[1];
	d->sector_size = (uint32_t)info[2];
	d->flags = (uint32_t)info[3];
	int32_t hs[3] = { d->vmo, d->note, d->token };
	uint32_t rights[3] = { readonly_buf ? R_READ : R_READ | R_MAP, R_SEND, R_SEND };
	err = ipc_request(pub, d->ipcbuf, BLK_OPEN, 0, 0, hs, rights, 3, info, 1, &got);
	if (err)
		return err;
	if (got < 1 || info[0] != BLK_OK)
		return -E_INVAL;
	d->ep = d->ipcbuf->handles[0];
	return 0;
}

long blk_open(struct blk_dev *d, int pub, uint64_t size, uint64_t va, bool readonly_buf,
	      struct ipc_buffer *ipcbuf)
{
	*d = (struct blk_dev){ .ep = -1, .vmo = -1, .note = -1, .token = -1, .ipcbuf = ipcbuf,
			       .buf = (uint8_t *)va, .size = size };
	long vmo = vmo_create(size, VMO_KERNEL_ZERO, 0);
	long note = sys_notify_create(), token = sys_endpoint_create();
	d->vmo = (int)vmo;
	d->note = (int)note;
	d->token = (int)token;
	long err = vmo < 0 ? vmo : note < 0 ? note : token;
	if (err >= 0)
		err = vm_map(d->vmo, va, size, 0, VM_R | VM_W | VM_SHARED);
	if (err >= 0)
		err = open_session(d, pub, readonly_buf);
	if (err < 0) {
		blk_close(d);
		return err;
	}
	return 0;
}

long blk_open_name(struct blk_dev *d, int ns, const char *name, uint64_t size, uint64_t va,
		   struct ipc_buffer *ipcbuf)
{
	long pub = name_lookup(ns, ipcbuf, name);
	if (pub < 0)
		return pub;
	long err = blk_open(d, (int)pub, size, va, false, ipcbuf);
	sys_handle_close((int)pub);
	return err;
}

long blk_close(struct blk_dev *d)
{
	if (d->ep >= 0) {
		call4(d, BLK_CLOSE, 0, 0, 0, 0, 0);
		sys_handle_close(d->ep);
	}
	if (d->vmo >= 0)
		vm_unmap((uint64_t)d->buf, d->size);
	int hs[3] = { d->vmo, d->note, d->token };
	for (int i = 0; i < 3; i++)
		if (hs[i] >= 0)
			sys_handle_close(hs[i]);
	d->ep = d->vmo = d->note = d->token = -1;
	return 0;
}

int blk_read(struct blk_dev *d, uint64_t sector, uint32_t count, uint64_t offset)
{
	return call4(d, BLK_READ, 3, sector, count, offset, 0);
}

int blk_write(struct blk_dev *d, uint64_t sector, uint32_t count, uint64_t offset)
{
	return call4(d, BLK_WRITE, 3, sector, count, offset, 0);
}

int blk_flush(struct blk_dev *d)
{
	return call4(d, BLK_FLUSH, 0, 0, 0, 0, 0);
}

int blk_submit(struct blk_dev *d, unsigned op, uint64_t sector, uint32_t count,
	       uint64_t offset, unsigned *tag)
{
	unsigned t = 0;
	while (t < BLK_TAGS && ((d->tags | d->done) & (1u << t)))
		t++;
	if (t == BLK_TAGS)
		return BLK_BADREQ; /* every tag in flight: collect some first */
	int st = call4(d, BLK_SUBMIT, 4, sector, count, offset, op | t << 8);
	if (st == BLK_OK) {
		d->tags |= 1u << t;
		*tag = t;
	}
	return st;
}

/* Collects tag if done (its status), else -1. */
static int collect(struct blk_dev *d, unsigned tag)
{
	if (!(d->done & (1u << tag)))
		return -1;
	d->done &= ~(1u << tag);
	d->tags &= ~(1u << tag);
	return (int)((d->done_status >> (4 * tag)) & 0xf);
}

/* Waits for the next completion signal, then reaps. */
static int wait_reap(struct blk_dev *d)
{
	uint64_t bits;
	long err = notify_wait(d->note, &bits, 0);
	if (err)
		return BLK_BADREQ;
	return call4(d, BLK_REAP, 0, 0, 0, 0, 0);
}

int blk_wait(struct blk_dev *d, unsigned tag)
{
	if (tag >= BLK_TAGS || !(d->tags & (1u << tag)))
		return BLK_BADREQ;
	for (;;) {
		int st = collect(d, tag);
		if (st >= 0)
			return st;
		if (call4(d, BLK_REAP, 0, 0, 0, 0, 0) == BLK_OK && (d->done & (1u << tag)))
			continue;
		if (wait_reap(d) != BLK_OK)
			return BLK_BADREQ;
	}
}

int blk_wait_any(struct blk_dev *d, unsigned *tag)
{
	if (!d->tags)
		return BLK_BADREQ;
	for (;;) {
		for (unsigned t = 0; t < BLK_TAGS; t++) {
			int st = collect(d, t);
			if (st >= 0) {
				*tag = t;
				return st;
			}
		}
		if (wait_reap(d) != BLK_OK)
			return BLK_BADREQ;
	}
}
