/*
 * A split virtqueue (virtio 1.1 section 2.6), the driver's side, kept
 * apart from the registers so the host tests drive it with a fake device.
 *
 * A request's descriptors, step by step:
 *   1. virtq_chain takes n free descriptors and links them (device-
 *      readable ones first, then device-writable ones, as the block
 *      device wants), returning the head;
 *   2. virtq_publish puts the head in the available ring and advances
 *      its index after a fence (the caller then notifies the device);
 *   3. the device processes chains in any order and puts each head in
 *      the used ring;
 *   4. virtq_reap returns the next used head and gives its descriptors
 *      back to the free list.
 * Memory layout (legacy and modern alike): the descriptor table, the
 * available ring right after it, the used ring at the next multiple of
 * align. Not thread-safe: the driver holds its lock around every call.
 */
#ifndef SERVERS_BLK_VIRTQ_H
#define SERVERS_BLK_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtio descriptor layout");

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/* One piece of a chain: a physical range, and whether the device writes it. */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool device_writes;
};

struct virtq {
	uint16_t num;                     /* a power of two */
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail;         /* flags, idx, ring[num], used_event */
	volatile uint16_t *used_hdr;      /* flags, idx */
	volatile struct virtq_used_elem *used_ring;
	uint16_t free_head, nfree;        /* free descriptors, linked by next */
	uint16_t avail_idx;               /* our copy of avail->idx */
	uint16_t last_used;               /* used entries consumed so far */
	size_t avail_off, used_off, size; /* byte offsets in the queue's memory */
};

/* Byte offsets of the rings and the total size for num entries. */
void virtq_layout(struct virtq *q, uint16_t num, size_t align);
/* Lays the queue out over mem (zeroed, at least q->size bytes after
 * virtq_layout) with every descriptor free. */
void virtq_init(struct virtq *q, void *mem, uint16_t num, size_t align);
/* Links n segments into a chain; returns its head, or -1 if fewer than n
 * descriptors are free (nothing changes then). */
int virtq_chain(struct virtq *q, const struct virtq_seg *segs, unsigned n);
/* Makes the chain at head available to the device. */
void virtq_publish(struct virtq *q, uint16_t head);
/* The next chain the device finished: true with its head and the bytes
 * it wrote; its descriptors are free again. False if none is waiting. */
bool virtq_reap(struct virtq *q, uint16_t *head, uint32_t *written);

#endif
