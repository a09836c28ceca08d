/*
 * Block protocol: a client and a disk driver (servers/blk, one per disk,
 * published in the name server as blk0, blk1, ...). libblk
 * (servers/blk/libblk.h) wraps it.
 *
 * A client's life, step by step:
 *   1. It looks the disk up by name; that handle (BLK_BADGE_PUBLIC) may
 *      only send BLK_OPEN and BLK_INFO.
 *   2. BLK_OPEN shares, once, a buffer memory object (R_READ: the disk may
 *      only be written from it; R_READ | R_MAP: also read into it), a
 *      notification (R_SEND) for asynchronous completions and a send
 *      handle on an endpoint of the client's own (its liveness token:
 *      when the client dies the endpoint dies, and the driver drops the
 *      client). The reply carries a send handle with a badge of the
 *      client's own, used for everything after.
 *   3. Requests name a sector, a count of sectors and a byte offset in the
 *      buffer; the driver pins the buffer's pages for the device (uapi/
 *      dma.h), so a client reaches its own buffer only, and never memory
 *      of another.
 *        synchronous:  BLK_READ / BLK_WRITE / BLK_FLUSH: the reply comes
 *                      when the disk has done it;
 *        asynchronous: BLK_SUBMIT returns at once; on completion the
 *                      driver signals the client's notification
 *                      (BLK_NOTE_BIT) and BLK_REAP collects the statuses.
 *      Requests complete in any order, many at a time, of many clients.
 *   4. BLK_CLOSE ends the session (or the client's death does); requests
 *      still in flight complete first, their pins go with them.
 *
 * Messages (reply label 0; the block status in reply w0; a label other
 * than 0 is the server loop's refusal of a malformed message, which
 * libblk reports as BLK_BADREQ):
 *   BLK_INFO    reply: w0 status, w1 capacity (sectors), w2 sector size
 *               (bytes), w3 flags (BLK_INFO_*)
 *   BLK_OPEN    3 handles: buffer, notification, token. reply: w0 status,
 *               1 handle: the client's own send handle
 *   BLK_READ    w0 sector, w1 count, w2 buffer offset (a multiple of
 *   BLK_WRITE   BLK_SECTOR). reply: w0 status
 *   BLK_FLUSH   reply: w0 status
 *   BLK_SUBMIT  w0 sector, w1 count, w2 offset, w3 op | tag << 8 (op:
 *               BLK_OP_*, tag < BLK_TAGS, not in flight). reply: w0
 *               status: BLK_OK if queued (a completion follows), else
 *               the refusal (none follows)
 *   BLK_REAP    reply: w0 status, w1 mask of tags completed since the
 *               last reap, w2 their statuses, 4 bits per tag
 *   BLK_CLOSE   reply: w0 status
 *   BLK_STATS   reply: w0 status, w1 open clients, w2 requests in
 *               flight, w3 live pins (for leak checks in tests)
 */
#ifndef SERVERS_BLK_PROTO_H
#define SERVERS_BLK_PROTO_H

#include <stdint.h>

enum blk_label {
	BLK_INFO = 1,
	BLK_OPEN = 2,
	BLK_READ = 3,
	BLK_WRITE = 4,
	BLK_FLUSH = 5,
	BLK_SUBMIT = 6,
	BLK_REAP = 7,
	BLK_CLOSE = 8,
	BLK_STATS = 9,
};

/* Block status: a closed set. */
enum blk_status {
	BLK_OK = 0,
	BLK_IOERR = 1,    /* the disk reported an error */
	BLK_RANGE = 2,    /* sectors beyond the capacity, or beyond the buffer */
	BLK_READONLY = 3, /* a write to a read-only disk */
	BLK_BADREQ = 4,   /* malformed: bad count, offset, tag, buffer rights... */
	BLK_NSTATUS
};

enum blk_op {
	BLK_OP_READ = 0,
	BLK_OP_WRITE = 1,
	BLK_OP_FLUSH = 2,
};

#define BLK_SECTOR 512
#define BLK_MAX_SECTORS 256 /* 128 KiB a request */
#define BLK_TAGS 16         /* asynchronous requests a client may have in flight */
#define BLK_NOTE_BIT 1ull   /* signalled on the client's notification */

#define BLK_INFO_READONLY 1u
#define BLK_INFO_FLUSH 2u   /* the disk has a write cache that BLK_FLUSH empties */

#define BLK_BADGE_PUBLIC (1ull << 62) /* the published handle: OPEN and INFO only */
#define BLK_BADGE_CLIENT (1ull << 32) /* set on every client's own badge */

/* Handles a driver starts with (from init). */
#define BLK_H_EP 1   /* its endpoint: R_RECV | R_SEND | R_GRANT, unbadged */
#define BLK_H_REGS 2 /* the virtio-mmio registers */
#define BLK_H_IRQ 3
#define BLK_H_DMA 4  /* the DMA right */

#endif
