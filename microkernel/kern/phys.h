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

static inline paddr_t kva_to_pa(const void *p)
{
	return (paddr_t)((uintptr_t)p - phys_virt_offset);
}

#endif
