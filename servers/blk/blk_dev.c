/*
 * The device side of the virtio-blk driver: bring-up, starting requests
 * on the queue, and the interrupt thread that completes them. See blk.h
 * for the request states and the lock.
 */
#include "servers/blk/blk.h"

#include "libipc/dma.h"
#include "libipc/ipc.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"

#define REGS_VA 0x2800000000ul /* the device's registers */
#define DMA_VA 0x2800100000ul  /* page 0: the queue; page 1: headers, statuses */
#define STATUS_OFF (NREQ * 16) /* statuses after the headers */
_Static_assert(STATUS_OFF + NREQ <= PAGE, "headers and statuses share a page");

/* virtio-blk features (virtio 1.1 section 5.2.3) and request types. */
#define VBLK_F_SIZE_MAX (1u << 1)
#define VBLK_F_SEG_MAX (1u << 2)
#define VBLK_F_RO (1u << 5)
#define VBLK_F_BLK_SIZE (1u << 6)
#define VBLK_F_FLUSH (1u << 9)
#define VBLK_T_IN 0
#define VBLK_T_OUT 1
#define VBLK_T_FLUSH 4
#define VBLK_S_OK 0
#define VBLK_S_IOERR 1

struct blk_disk disk;
static uint64_t irq_stack[2048] __attribute__((aligned(16)));

static unsigned req_index(const struct blk_req *r)
{
	return (unsigned)(r - reqs);
}

/* Data segments for len bytes from offset in the pinned pages pa[],
 * adjacent pages merged (up to size_max). Returns the count. */
static unsigned data_segs(struct virtq_seg *segs, const uint64_t *pa, uint64_t offset,
			  uint64_t len, bool device_writes)
{
	unsigned n = 0;
	uint64_t limit = disk.size_max ? disk.size_max : ~0u;
	for (uint64_t i = 0, done = 0; done < len; i++) {
		uint64_t in = i == 0 ? offset : 0;
		uint64_t piece = PAGE - in < len - done ? PAGE - in : len - done;
		uint64_t addr = pa[i] + in;
		struct virtq_seg *prev = n ? &segs[n - 1] : 0;
		if (prev && prev->addr + prev->len == addr && prev->len + piece <= limit) {
			prev->len += (uint32_t)piece;
		} else {
			segs[n++] = (struct virtq_seg){ addr, (uint32_t)piece, device_writes };
		}
		done += piece;
	}
	return n;
}

/* Pins the buffer and builds the chain: header, data, status. 0 if it
 * went to the device or was completed with an error; -1 if the queue
 * has no room now (nothing changed). */
static int start_one(struct blk_req *r)
{
	struct blk_client *c = &clients[r->client];
	unsigned idx = req_index(r), n = 0;
	uint64_t len = (uint64_t)r->count * BLK_SECTOR, npages = 0;
	if (r->op != BLK_OP_FLUSH)
		npages = (r->offset + len - 1) / PAGE - r->offset / PAGE + 1;
	if (disk.q.nfree < npages + 2)
		return -1;
	struct virtq_seg segs[MAX_SEGS];
	segs[n++] = (struct virtq_seg){ disk.hdr_pa + idx * 16, 16, false };
	if (npages) {
		uint64_t pa[MAX_SEGS];
		bool into = r->op == BLK_OP_READ;
		uint32_t flags = into ? DMA_DEVICE_WRITES : 0;
		uint64_t at = r->offset / PAGE * PAGE;
		if (into && r->offset % PAGE == 0 && len % PAGE == 0)
			flags |= DMA_DEVICE_FILLS; /* whole pages: made without zeroing */
		long pin = npages <= DMA_PIN_REGS
				   ? dma_pin_small(BLK_H_DMA, c->vmo, at, npages, flags, pa)
				   : dma_pin(BLK_H_DMA, c->vmo, at, npages, flags, pa);
		if (pin < 0) {
			blk_complete(r, BLK_BADREQ);
			return 0;
		}
		r->pin = (int)pin;
		disk.pins++;
		unsigned d = data_segs(&segs[n], pa, r->offset % PAGE, len, into);
		if ((disk.seg_max && d > disk.seg_max) || d + 2 > disk.q.nfree) {
			dma_unpin(r->pin);
			r->pin = -1;
			disk.pins--;
			blk_complete(r, BLK_BADREQ); /* the device could never take it */
			return 0;
		}
		n += d;
	}
	segs[n++] = (struct virtq_seg){ disk.hdr_pa + STATUS_OFF + idx, 1, true };
	volatile uint32_t *h = (volatile uint32_t *)(disk.hdr + idx * 16);
	h[0] = r->op == BLK_OP_READ ? VBLK_T_IN : r->op == BLK_OP_WRITE ? VBLK_T_OUT : VBLK_T_FLUSH;
	h[1] = 0;
	*(volatile uint64_t *)(h + 2) = r->sector;
	disk.hdr[STATUS_OFF + idx] = 0xff;
	int head = virtq_chain(&disk.q, segs, n);
	disk.head_req[head] = r;
	r->state = RQ_DEVICE;
	virtq_publish(&disk.q, (uint16_t)head);
	return 0;
}

/* Starts waiting requests in order while the queue has room (locked). */
static void pump(void)
{
	bool started = false;
	while (disk.wait_first) {
		struct blk_req *r = disk.wait_first;
		disk.wait_first = r->next;
		if (start_one(r) < 0) {
			disk.wait_first = r; /* back at the front */
			break;
		}
		started |= r->state == RQ_DEVICE;
	}
	if (!disk.wait_first)
		disk.wait_last = 0;
	if (started)
		vmmio_write(&disk.mmio, VMMIO_QUEUE_NOTIFY, 0);
}

void blk_dev_submit(struct blk_req *r)
{
	r->state = RQ_WAITING;
	r->pin = -1;
	r->next = 0;
	if (disk.wait_last)
		disk.wait_last->next = r;
	else
		disk.wait_first = r;
	disk.wait_last = r;
	pump();
}

/* Every chain the device finished (locked). */
static void reap_all(void)
{
	uint16_t head;
	uint32_t written;
	while (virtq_reap(&disk.q, &head, &written)) {
		struct blk_req *r = disk.head_req[head];
		disk.head_req[head] = 0;
		if (!r || r->state != RQ_DEVICE)
			continue;
		uint8_t st = disk.hdr[STATUS_OFF + req_index(r)];
		if (r->pin >= 0) {
			dma_unpin_ok(r->pin, st == VBLK_S_OK);
			r->pin = -1;
			disk.pins--;
		}
		blk_complete(r, st == VBLK_S_OK ? BLK_OK : st == VBLK_S_IOERR ? BLK_IOERR : BLK_BADREQ);
	}
}

void blk_dev_interrupt(const struct blk_req *mine)
{
	uint32_t st = vmmio_read(&disk.mmio, VMMIO_IRQ_STATUS);
	vmmio_write(&disk.mmio, VMMIO_IRQ_ACK, st);
	reap_all();
	pump();
	sys_irq_ack(BLK_H_IRQ);
	uint32_t own = mine && mine->state == RQ_DONE;
	if (disk.done_unclaimed > own)
		notify_signal(disk.irq_note, 1); /* the baton (blk.h) */
}

void blk_dev_async_started(void)
{
	disk.async_inflight++;
	if (disk.irq_parked) {
		disk.irq_parked = false;
		notify_signal(disk.park_note, 1);
	}
}

/* Waits on the interrupt while async requests are in flight; parked
 * otherwise (sync requests have their workers waiting). */
static void irq_thread(void *arg)
{
	uint64_t bits;
	for (;;) {
		blk_lock();
		while (disk.async_inflight == 0) {
			disk.irq_parked = true;
			blk_unlock();
			notify_wait(disk.park_note, &bits, 0);
			blk_lock();
		}
		blk_unlock();
		if (notify_wait(disk.irq_note, &bits, 0) < 0)
			return;
		blk_lock();
		blk_dev_interrupt(0);
		blk_unlock();
	}
}

static long setup_failed(const char *name, const char *step, long err)
{
	uprintf("blk %s: %s: %s\n", name, step, err_name(err));
	return err ? err : -E_NOSYS;
}

/* The queue page and the header page: pinned for good. */
static long dma_pages(void)
{
	long vmo = vmo_create(2 * PAGE, VMO_KERNEL_ZERO, 0);
	if (vmo < 0)
		return vmo;
	long err = vm_map((int)vmo, DMA_VA, 2 * PAGE, 0, VM_R | VM_W | VM_SHARED);
	uint64_t pa[2];
	long pin = err ? err : dma_pin(BLK_H_DMA, (int)vmo, 0, 2, DMA_DEVICE_WRITES, pa);
	if (pin < 0)
		return pin;
	disk.ring_pa = pa[0];
	disk.hdr_pa = pa[1];
	disk.hdr = (volatile uint8_t *)(DMA_VA + PAGE);
	return 0;
}

static void read_config(void)
{
	uint64_t f = disk.mmio.features;
	disk.capacity = vmmio_config64(&disk.mmio, 0);
	disk.size_max = f & VBLK_F_SIZE_MAX ? vmmio_config32(&disk.mmio, 8) : 0;
	disk.seg_max = f & VBLK_F_SEG_MAX ? vmmio_config32(&disk.mmio, 12) : 0;
	disk.blk_size = f & VBLK_F_BLK_SIZE ? vmmio_config32(&disk.mmio, 20) : BLK_SECTOR;
	if (disk.blk_size < BLK_SECTOR || disk.blk_size > PAGE || (disk.blk_size & (disk.blk_size - 1)))
		disk.blk_size = BLK_SECTOR;
	disk.readonly = f & VBLK_F_RO;
	disk.flush = f & VBLK_F_FLUSH;
}

long blk_dev_setup(const char *name)
{
	long err = sys_dev_map(BLK_H_REGS, REGS_VA);
	if (err)
		return setup_failed(name, "map registers", err);
	volatile void *regs = (volatile void *)REGS_VA;
	if (vmmio_probe(regs) != VIRTIO_DEV_BLOCK)
		return setup_failed(name, "not a virtio block device", -E_NOSYS);
	err = vmmio_negotiate(&disk.mmio, regs, VBLK_F_SIZE_MAX | VBLK_F_SEG_MAX | VBLK_F_RO |
							VBLK_F_BLK_SIZE | VBLK_F_FLUSH);
	if (err)
		return setup_failed(name, "features", err);
	err = dma_pages();
	if (err)
		return setup_failed(name, "DMA pages", err);
	err = vmmio_queue_setup(&disk.mmio, &disk.q, (void *)DMA_VA, disk.ring_pa, QUEUE_NUM);
	if (err)
		return setup_failed(name, "queue", err);
	read_config();
	long note = sys_notify_create(), park = sys_notify_create();
	err = note < 0 ? note : park < 0 ? park : sys_irq_bind(BLK_H_IRQ, (int)note, 1);
	if (err)
		return setup_failed(name, "interrupt", err);
	disk.irq_note = (int)note;
	disk.park_note = (int)park;
	long t = thread_spawn(irq_thread, 0, irq_stack, sizeof(irq_stack), PRIO_DEFAULT);
	if (t < 0)
		return setup_failed(name, "interrupt thread", t);
	vmmio_driver_ok(&disk.mmio);
	uprintf("blk %s: virtio-mmio v%u, %lu sectors, block %u, %s%s, queue %u\n", name,
		disk.mmio.version, (unsigned long)disk.capacity, disk.blk_size,
		disk.readonly ? "read-only" : "read-write", disk.flush ? ", flush" : "",
		disk.q.num);
	return 0;
}
