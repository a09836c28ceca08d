/*
 * Physical memory as the kernel sees it: all RAM is mapped at a fixed
 * offset (the direct map). Host tests point the offset at a fake RAM
 * buffer, so page-table and allocator code runs unchanged there.
 */
#ifndef KERN_PHYS_H
#define KERN_PHYS_H

#include "kern/types.h"

#ifdef HOST_TEST
extern uintptr_t phys_virt_offset;
#else
/* A constant in the kernel: every page-table walk goes through it. */
#define phys_virt_offset ((uintptr_t)0xffffffc000000000ul) /* DIRECT_BASE */
#endif

static inline void *pa_to_kva(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + phys_virt_offset);
}

/* pa_to_kva of a frame just allocated (pa not 0): never NULL, and the
 * compiler is told so, so that callers testing the pointer for NULL
 * after the allocator tested pa pay for one test, not two. */
static inline void *frame_kva(paddr_t pa)
{
	void *p = pa_to_kva(pa);
	if (!p)
		__builtin_unreachable();
	return p;
}

static inline paddr_t kva_to_pa(const void *p)
{
	return (paddr_t)((uintptr_t)p - phys_virt_offset);
}

#endif
