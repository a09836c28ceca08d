/*
 * DMA for user-space drivers: pinning a client's buffer for a device.
 *
 * A transfer, step by step:
 *   1. init holds the one DMA object (OBJ_DMA, found among its handles by
 *      type) and hands a copy to drivers only, with R_CONTROL.
 *   2. A client shares a buffer memory object with the driver once: with
 *      R_READ the device may only read it (a disk write), with R_READ |
 *      R_MAP it may also write it (a disk read; R_MAP already lets a
 *      holder write the object through a mapping).
 *   3. The driver calls SYS_DMA_PIN(dma h, vmo h, offset, npages, flags,
 *      paddrs): every page of the range is made resident (pages of a
 *      kernel zero-fill object are filled now; a page of a pager-backed
 *      object that is not resident is refused with E_AGAIN), pinned and
 *      its physical address written to paddrs[i]; with paddrs 0 and at
 *      most DMA_PIN_REGS pages, the addresses come back in registers a1..
 *      instead (no user memory touched: the cheap case of a small
 *      transfer). The call returns a pin handle (OBJ_PIN).
 *   4. The driver gives the addresses to the device, which transfers.
 *   5. On completion the driver closes the pin handle (dma_unpin in
 *      libipc), or calls SYS_DMA_UNPIN(pin h, ok) which also says whether
 *      the transfer succeeded (dma_unpin_ok: see DMA_DEVICE_FILLS): the
 *      pages are unpinned, and with DMA_DEVICE_WRITES they are marked
 *      dirty.
 * While pinned, a page cannot be evicted, flushed or moved: SYS_PAGER_EVICT
 * and LOCK_FLUSH leave it in place (query and evict report PAGE_PINNED).
 * A pin holds a reference on each frame and on the object, so a client
 * that unmaps or closes its buffer mid-transfer frees nothing the device
 * still uses; the frames go when the last pin on them does. A driver that
 * dies closes its handles, so its pins go with it.
 */
#ifndef UAPI_DMA_H
#define UAPI_DMA_H

#include <stdint.h>

#define DMA_DEVICE_WRITES 1u /* the device writes the pages (needs R_MAP) */
/* With DMA_DEVICE_WRITES: the device writes every byte of every page (a
 * disk read of whole pages). A page of a kernel zero-fill object that is
 * not resident then gets a frame that is not zeroed first, held by the
 * pin alone (the page stays non-resident, so nobody can read the frame
 * before the device has written it); SYS_DMA_UNPIN with ok puts it into
 * the object (if the page is still not resident), anything else frees
 * it. So a failed transfer exposes nothing, and a read costs no zeroing. */
#define DMA_DEVICE_FILLS 2u
#define DMA_PIN_MAX 64       /* pages one pin may hold */
#define DMA_PIN_REGS 4       /* pages whose addresses fit in registers */
#define DMA_PIN_PER_PAGE 63 /* pins one page may carry at once */

/* SYS_PAGER_QUERY / SYS_PAGER_EVICT status bit: the page is pinned for a
 * device (evict left it resident). */
#define PAGE_PINNED 8u

#endif
