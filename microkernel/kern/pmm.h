/*
 * Physical frame allocator with reference counts.
 *
 * Lifecycle of a frame:
 *   1. pmm_init reserves the whole RAM range; pmm_free_range hands the
 *      parts that hold no kernel, firmware, device tree or boot image to
 *      the free list.
 *   2. pmm_alloc takes a frame off the free list, zeroes it and sets its
 *      count to 1. No frame ever reaches a caller with old contents.
 *   3. pmm_ref adds a sharer (a second mapping, a page-cache entry).
 *   4. pmm_unref drops one; at zero the frame is filled with junk and
 *      goes back on the free list. Unref of a free frame panics.
 *
 * The free list is threaded through the free frames themselves (first
 * word), so the allocator needs metadata only for the counts.
 * No lock: the kernel runs on one hart and is not preemptible, so
 * nothing else runs while this code does. With more harts the counts and
 * the free list go under the kernel's big lock (kern/cpu.h).
 */
#ifndef KERN_PMM_H
#define KERN_PMM_H

#include "kern/types.h"

#define PMM_JUNK 0xa5u /* fill byte of free frames */

/* Sets up the allocator for RAM [base, end). The count array is carved
 * from the start of the range. All frames start reserved. Returns the
 * first address after the metadata, or 0 if the range is too small. */
paddr_t pmm_init(paddr_t base, paddr_t end);

/* Frees the whole frames inside [start, end). */
void pmm_free_range(paddr_t start, paddr_t end);

paddr_t pmm_alloc(void); /* zeroed frame, or 0 when out of memory */
paddr_t pmm_alloc_inline(void); /* the same, always inlined (a fast path's) */
/* A frame as the free list left it (junk, another task's old data): only
 * for a caller that fills all of it before anyone can see it. */
paddr_t pmm_alloc_raw(void);
/* A zeroed frame for a page table or a page of kernel metadata (kmem):
 * one zeroed ahead if there is one. */
paddr_t pmm_alloc_ahead(void);
/* The idle loop: zeroes up to max frames ahead for pmm_alloc_ahead (a
 * handful in all), leaving PMM_PREZERO_KEEP_FREE on the free list. */
#define PMM_PREZERO_KEEP_FREE 64
void pmm_idle_zero(uint32_t max);
void pmm_ref(paddr_t pa);
/* pmm_ref of a frame the caller holds a reference to (always inlined: the
 * supply's fast path maps the frame it has just put in the object). */
void pmm_ref_held(paddr_t pa);
void pmm_unref(paddr_t pa);
uint32_t pmm_refcount(paddr_t pa);
bool pmm_owns(paddr_t pa); /* pa is a frame of managed RAM */

uint64_t pmm_free_count(void);
uint64_t pmm_total_count(void);

#endif
