/* DMA pin stubs for drivers (uapi/dma.h tells the lifecycle). */
#ifndef LIBIPC_DMA_H
#define LIBIPC_DMA_H

#include "libipc/sys.h"
#include "uapi/dma.h"

/* Pins npages of vmo from offset (bytes) for a device; paddrs[i] gets
 * page i's physical address. Returns the pin handle. */
static inline long dma_pin(int dma, int vmo, uint64_t offset, uint64_t npages, uint32_t flags,
			   uint64_t *paddrs)
{
	return sys6(SYS_DMA_PIN, dma, vmo, (long)offset, (long)npages, flags, (long)paddrs);
}

/* The transfer is over: the pages may be evicted or freed again. */
static inline long dma_unpin(int pin)
{
	return sys_handle_close(pin);
}

#endif
