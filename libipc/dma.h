/* DMA pin stubs for drivers (uapi/dma.h tells the lifecycle). */
#ifndef LIBIPC_DMA_H
#define LIBIPC_DMA_H

#include <stdbool.h>

#include "libipc/sys.h"
#include "uapi/dma.h"

/* Pins npages of vmo from offset (bytes) for a device; paddrs[i] gets
 * page i's physical address. Returns the pin handle. */
static inline long dma_pin(int dma, int vmo, uint64_t offset, uint64_t npages, uint32_t flags,
			   uint64_t *paddrs)
{
	return sys6(SYS_DMA_PIN, dma, vmo, (long)offset, (long)npages, flags, (long)paddrs);
}

/* dma_pin for at most DMA_PIN_REGS pages, the addresses returned in
 * registers (no user memory written). */
static inline long dma_pin_small(int dma, int vmo, uint64_t offset, uint64_t npages,
				 uint32_t flags, uint64_t paddrs[DMA_PIN_REGS])
{
	uint64_t r[7] = { (uint64_t)dma, (uint64_t)vmo, offset, npages, flags, 0, 0 };
	sys_ecall(SYS_DMA_PIN, r);
	for (uint64_t i = 0; i < npages && i < DMA_PIN_REGS; i++)
		paddrs[i] = r[1 + i];
	return (long)r[0];
}

/* The transfer is over: the pages may be evicted or freed again. */
static inline long dma_unpin(int pin)
{
	return sys_handle_close(pin);
}

/* Unpins, saying whether the device wrote the pages (ok): with
 * DMA_DEVICE_FILLS only then do the frames it filled go into the object. */
static inline long dma_unpin_ok(int pin, bool ok)
{
	return sys2(SYS_DMA_UNPIN, pin, ok);
}

#endif
