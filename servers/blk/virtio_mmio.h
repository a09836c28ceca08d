/*
 * virtio-mmio transport (virtio 1.1 section 4.2), versions 1 (legacy,
 * QEMU 7.2's default) and 2 (modern), for one device and one queue.
 *
 * Bring-up, step by step (section 3.1.1):
 *   1. reset (status 0), then ACKNOWLEDGE and DRIVER;
 *   2. read the device's features, write the subset the driver takes
 *      (modern: VIRTIO_F_VERSION_1 too), set FEATURES_OK and read it
 *      back (modern only; legacy has no such step);
 *   3. set the queue up: legacy gives the guest page size, the used
 *      ring's alignment and one page frame number for the whole queue;
 *      modern gives the three ring addresses and sets QueueReady;
 *   4. set DRIVER_OK: the device may now use the queue.
 */
#ifndef SERVERS_BLK_VIRTIO_MMIO_H
#define SERVERS_BLK_VIRTIO_MMIO_H

#include <stdint.h>

#include "servers/blk/virtq.h"

#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_DEV_BLOCK 2u
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* Register offsets (bytes). */
enum vmmio_reg {
	VMMIO_MAGIC = 0x000,
	VMMIO_VERSION = 0x004,
	VMMIO_DEVICE_ID = 0x008,
	VMMIO_DEV_FEATURES = 0x010,
	VMMIO_DEV_FEATURES_SEL = 0x014,
	VMMIO_DRV_FEATURES = 0x020,
	VMMIO_DRV_FEATURES_SEL = 0x024,
	VMMIO_GUEST_PAGE_SIZE = 0x028, /* legacy */
	VMMIO_QUEUE_SEL = 0x030,
	VMMIO_QUEUE_NUM_MAX = 0x034,
	VMMIO_QUEUE_NUM = 0x038,
	VMMIO_QUEUE_ALIGN = 0x03c,     /* legacy */
	VMMIO_QUEUE_PFN = 0x040,       /* legacy */
	VMMIO_QUEUE_READY = 0x044,     /* modern */
	VMMIO_QUEUE_NOTIFY = 0x050,
	VMMIO_IRQ_STATUS = 0x060,
	VMMIO_IRQ_ACK = 0x064,
	VMMIO_STATUS = 0x070,
	VMMIO_QUEUE_DESC = 0x080,      /* modern: low, high at +4 */
	VMMIO_QUEUE_DRIVER = 0x090,
	VMMIO_QUEUE_DEVICE = 0x0a0,
	VMMIO_CONFIG = 0x100,
};

enum vmmio_status {
	VSTAT_ACK = 1,
	VSTAT_DRIVER = 2,
	VSTAT_DRIVER_OK = 4,
	VSTAT_FEATURES_OK = 8,
	VSTAT_FAILED = 128,
};

struct vmmio {
	volatile uint32_t *regs;
	uint32_t version; /* 1 legacy, 2 modern */
	uint64_t features; /* negotiated */
};

static inline uint32_t vmmio_read(const struct vmmio *m, uint32_t off)
{
	uint32_t v = m->regs[off / 4];
	__asm__ volatile("fence i,r" ::: "memory");
	return v;
}

static inline void vmmio_write(const struct vmmio *m, uint32_t off, uint32_t v)
{
	__asm__ volatile("fence w,o" ::: "memory");
	m->regs[off / 4] = v;
}

/* The device's id (VIRTIO_DEV_BLOCK...) if regs hold a virtio-mmio
 * device of a known version, else 0 (an empty slot reads id 0 too). */
uint32_t vmmio_probe(volatile void *regs);
/* Steps 1 and 2: takes the features in want the device offers. 0, or
 * -E_NOSYS if the device refuses them. */
long vmmio_negotiate(struct vmmio *m, volatile void *regs, uint64_t want);
/* Step 3 for queue 0 at physical address pa (page aligned; the queue fits
 * in one page), laid out over mem. 0 or -E_NOSYS/-E_RANGE. */
long vmmio_queue_setup(struct vmmio *m, struct virtq *q, void *mem, uint64_t pa, uint16_t num);
/* Step 4. */
void vmmio_driver_ok(struct vmmio *m);

uint32_t vmmio_config32(const struct vmmio *m, uint32_t off);
uint64_t vmmio_config64(const struct vmmio *m, uint32_t off);

#endif
