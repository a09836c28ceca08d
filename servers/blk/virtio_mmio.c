/* virtio-mmio transport; see virtio_mmio.h. */
#include "servers/blk/virtio_mmio.h"

#include "uapi/errors.h"

/* The used ring's alignment on a legacy device: small enough that a
 * 128-entry queue fits in one page (one frame, physically contiguous). */
#define LEGACY_ALIGN 64

uint32_t vmmio_probe(volatile void *regs)
{
	struct vmmio m = { .regs = regs };
	uint32_t v = vmmio_read(&m, VMMIO_VERSION);
	if (vmmio_read(&m, VMMIO_MAGIC) != VIRTIO_MAGIC || (v != 1 && v != 2))
		return 0;
	return vmmio_read(&m, VMMIO_DEVICE_ID);
}

static uint64_t device_features(const struct vmmio *m)
{
	vmmio_write(m, VMMIO_DEV_FEATURES_SEL, 0);
	uint64_t f = vmmio_read(m, VMMIO_DEV_FEATURES);
	if (m->version == 2) {
		vmmio_write(m, VMMIO_DEV_FEATURES_SEL, 1);
		f |= (uint64_t)vmmio_read(m, VMMIO_DEV_FEATURES) << 32;
	}
	return f;
}

long vmmio_negotiate(struct vmmio *m, volatile void *regs, uint64_t want)
{
	m->regs = regs;
	m->version = vmmio_read(m, VMMIO_VERSION);
	vmmio_write(m, VMMIO_STATUS, 0);
	vmmio_write(m, VMMIO_STATUS, VSTAT_ACK);
	vmmio_write(m, VMMIO_STATUS, VSTAT_ACK | VSTAT_DRIVER);
	uint64_t offered = device_features(m);
	if (m->version == 2) {
		if (!(offered & VIRTIO_F_VERSION_1))
			return -E_NOSYS;
		want |= VIRTIO_F_VERSION_1;
	}
	m->features = offered & want;
	vmmio_write(m, VMMIO_DRV_FEATURES_SEL, 0);
	vmmio_write(m, VMMIO_DRV_FEATURES, (uint32_t)m->features);
	if (m->version == 2) {
		vmmio_write(m, VMMIO_DRV_FEATURES_SEL, 1);
		vmmio_write(m, VMMIO_DRV_FEATURES, (uint32_t)(m->features >> 32));
		vmmio_write(m, VMMIO_STATUS, VSTAT_ACK | VSTAT_DRIVER | VSTAT_FEATURES_OK);
		if (!(vmmio_read(m, VMMIO_STATUS) & VSTAT_FEATURES_OK)) {
			vmmio_write(m, VMMIO_STATUS, VSTAT_FAILED);
			return -E_NOSYS;
		}
	} else {
		vmmio_write(m, VMMIO_GUEST_PAGE_SIZE, 4096);
	}
	return 0;
}

static void write64(const struct vmmio *m, uint32_t off, uint64_t v)
{
	vmmio_write(m, off, (uint32_t)v);
	vmmio_write(m, off + 4, (uint32_t)(v >> 32));
}

long vmmio_queue_setup(struct vmmio *m, struct virtq *q, void *mem, uint64_t pa, uint16_t num)
{
	vmmio_write(m, VMMIO_QUEUE_SEL, 0);
	uint32_t max = vmmio_read(m, VMMIO_QUEUE_NUM_MAX);
	if (max == 0)
		return -E_NOSYS;
	while (num > max)
		num /= 2;
	virtq_init(q, mem, num, m->version == 2 ? 4 : LEGACY_ALIGN);
	if (q->size > 4096)
		return -E_RANGE;
	vmmio_write(m, VMMIO_QUEUE_NUM, num);
	if (m->version == 1) {
		vmmio_write(m, VMMIO_QUEUE_ALIGN, LEGACY_ALIGN);
		vmmio_write(m, VMMIO_QUEUE_PFN, (uint32_t)(pa >> 12));
		return 0;
	}
	write64(m, VMMIO_QUEUE_DESC, pa);
	write64(m, VMMIO_QUEUE_DRIVER, pa + q->avail_off);
	write64(m, VMMIO_QUEUE_DEVICE, pa + q->used_off);
	vmmio_write(m, VMMIO_QUEUE_READY, 1);
	return 0;
}

void vmmio_driver_ok(struct vmmio *m)
{
	uint32_t st = VSTAT_ACK | VSTAT_DRIVER | (m->version == 2 ? VSTAT_FEATURES_OK : 0);
	vmmio_write(m, VMMIO_STATUS, st | VSTAT_DRIVER_OK);
}

uint32_t vmmio_config32(const struct vmmio *m, uint32_t off)
{
	return vmmio_read(m, VMMIO_CONFIG + off);
}

uint64_t vmmio_config64(const struct vmmio *m, uint32_t off)
{
	uint64_t lo = vmmio_config32(m, off), hi = vmmio_config32(m, off + 4);
	return lo | hi << 32;
}
