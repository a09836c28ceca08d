/*
 * DMA pins (uapi/dma.h tells the lifecycle): a pin object holds a range
 * of a memory object's pages for a device. For each page it holds one
 * frame reference and one pin count in the page-cache entry
 * (VPE_PIN_MASK), and it holds a reference on the object; the pin's
 * destruction (its handle closed, by the driver or by the driver's
 * death) gives them all back.
 *
 * Invariant: an entry's pin count equals the number of live pins whose
 * range covers the page, and a pinned entry keeps its frame (evict and
 * flush skip it; nothing else replaces a resident frame). Not counted:
 * the pages a DMA_DEVICE_FILLS pin found non-resident (bits of
 * `unfilled`): they stay non-resident until the unpin.
 */
#ifndef KERN_DMA_H
#define KERN_DMA_H

#include "kern/kobj.h"
#include "kern/thread.h"

struct vm_object;

struct dma_pin {
	struct kobj obj;
	struct vm_object *vmo;  /* holds a reference */
	struct task *payer;     /* charged for the pin's memory (with a ref) */
	uint64_t first, n;      /* page range */
	bool device_writes;     /* unpinning marks the pages dirty */
	bool filled;            /* SYS_DMA_UNPIN said the device wrote the pages */
	uint64_t unfilled;      /* bit i: frames[i] is the pin's alone, not yet in
				 * the object, not zeroed (DMA_DEVICE_FILLS) */
	paddr_t frames[];       /* n frames, each with a reference */
};

/* The DMA object init receives (R_CONTROL | R_GRANT). */
extern struct kobj dma_obj;

void dma_init(void);
/* Registers the DMA object and pins with the object layer (main.c). */
int64_t sys_dma_pin(struct thread *t, const uint64_t *a);
int64_t sys_dma_unpin(struct thread *t, const uint64_t *a);

/* Pins of a page (0 if not resident or unpinned). */
uint32_t dma_pin_count(struct vm_object *o, uint64_t page);

#endif
