/*
 * Kernel object memory: power-of-two size classes from 64 bytes to one
 * frame. Each class keeps slabs of one frame; a slab whose objects are all
 * free goes back to the frame allocator at once, so a task that exits
 * returns every frame its kernel objects used. Objects come zeroed.
 */
#ifndef KERN_KMEM_H
#define KERN_KMEM_H

#include "kern/types.h"

void *kmem_alloc(size_t size); /* NULL when out of memory or size > frame */
/* kmem_alloc(PAGE_SIZE), for callers that know the size: a frame zeroed
 * ahead when there is one (a new object leaf, one fault in 512). */
void *kmem_alloc_page(void);
void kmem_free(void *p, size_t size);
uint64_t kmem_bytes_in_use(void);

#endif
