/* A split virtqueue, the driver's side; see virtq.h. */
#include "servers/blk/virtq.h"

#include <string.h>

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void virtq_layout(struct virtq *q, uint16_t num, size_t align)
{
	q->num = num;
	q->avail_off = sizeof(struct virtq_desc) * num;
	q->used_off = align_up(q->avail_off + sizeof(uint16_t) * (3 + num), align);
	q->size = q->used_off + sizeof(uint16_t) * 3 + sizeof(struct virtq_used_elem) * num;
}

void virtq_init(struct virtq *q, void *mem, uint16_t num, size_t align)
{
	virtq_layout(q, num, align);
	memset(mem, 0, q->size);
	q->desc = mem;
	q->avail = (volatile uint16_t *)((char *)mem + q->avail_off);
	q->used_hdr = (volatile uint16_t *)((char *)mem + q->used_off);
	q->used_ring = (volatile struct virtq_used_elem *)((char *)mem + q->used_off + 4);
	for (uint16_t i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->nfree = num;
	q->avail_idx = 0;
	q->last_used = 0;
}

int virtq_chain(struct virtq *q, const struct virtq_seg *segs, unsigned n)
{
	if (n == 0 || n > q->nfree)
		return -1;
	uint16_t head = q->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		volatile struct virtq_desc *e = &q->desc[d];
		e->addr = segs[i].addr;
		e->len = segs[i].len;
		e->flags = (uint16_t)((segs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (i + 1 < n)
			d = e->next;
		else
			q->free_head = e->next;
	}
	q->nfree = (uint16_t)(q->nfree - n);
	return head;
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail[2 + (q->avail_idx & (q->num - 1))] = head;
	__sync_synchronize(); /* the entry before the index */
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	__sync_synchronize(); /* the index before the caller's notify */
}

/* Puts the chain at head back on the free list. */
static void free_chain(struct virtq *q, uint16_t head)
{
	uint16_t d = head, n = 1;
	while (q->desc[d].flags & VIRTQ_DESC_F_NEXT) {
		d = q->desc[d].next;
		n++;
	}
	q->desc[d].next = q->free_head;
	q->free_head = head;
	q->nfree = (uint16_t)(q->nfree + n);
}

bool virtq_reap(struct virtq *q, uint16_t *head, uint32_t *written)
{
	if (q->used_hdr[1] == q->last_used)
		return false;
	__sync_synchronize(); /* the index before the entry */
	volatile struct virtq_used_elem *u = &q->used_ring[q->last_used & (q->num - 1)];
	uint32_t id = u->id;
	*written = u->len;
	q->last_used++;
	if (id >= q->num)
		return virtq_reap(q, head, written); /* a device bug: skip the entry */
	*head = (uint16_t)id;
	free_chain(q, *head);
	return true;
}
