/*
 * Physical memory as the kernel sees it: all RAM is mapped at a fixed
 * offset (the direct map). Host tests point the offset at a fake RAM
 * buffer, so page-table and allocator code runs unchanged there.
 */
#ifndef KERN_PHYS_H
#define KERN_PHYS_H

#include "kern/types.h"

extern uintptr_t phys_virt_offset;

static inline void *pa_to_kva(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + phys_virt_offset);
}

static inline paddr_t kva_to_pa(const void *p)
{
	return (paddr_t)((uintptr_t)p - phys_virt_offset);
}

#endif
