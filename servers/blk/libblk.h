/*
 * libblk: the client side of the block protocol (blk_proto.h tells the
 * lifecycle). One struct blk_dev per disk a client opened; its buffer is
 * a memory object mapped at the address the caller chose, shared with the
 * driver once. Block calls return a status from enum blk_status; open
 * returns 0 or an error code (uapi/errors.h).
 *
 *   synchronous:  blk_read, blk_write, blk_flush return when the disk has
 *                 done it;
 *   asynchronous: blk_submit queues and returns a tag; blk_wait(tag) or
 *                 blk_wait_any collect completions, in any order.
 * Not thread-safe: one thread per struct blk_dev at a time.
 */
#ifndef SERVERS_BLK_LIBBLK_H
#define SERVERS_BLK_LIBBLK_H

#include <stdbool.h>
#include <stdint.h>

#include "libipc/ipc.h"
#include "servers/blk/blk_proto.h"

struct blk_dev {
	int ep;            /* our own badged send handle */
	int vmo, note, token;
	uint8_t *buf;      /* the buffer, mapped */
	uint64_t size;     /* its bytes */
	uint64_t capacity; /* sectors */
	uint32_t sector_size, flags;
	struct ipc_buffer *ipcbuf;
	uint32_t tags;     /* submitted, not yet collected */
	uint32_t done;     /* reaped, not yet collected */
	uint64_t done_status;
};

/* Opens the disk whose public handle is pub (a name-server lookup of
 * "blk0"...): creates a buffer of size bytes mapped shared at va, shares
 * it (read-write unless readonly_buf), learns the disk's size. ipcbuf:
 * the calling thread's registered IPC buffer. */
long blk_open(struct blk_dev *d, int pub, uint64_t size, uint64_t va, bool readonly_buf,
	      struct ipc_buffer *ipcbuf);
/* The same after looking name up in the name server (ns). */
long blk_open_name(struct blk_dev *d, int ns, const char *name, uint64_t size, uint64_t va,
		   struct ipc_buffer *ipcbuf);
/* Ends the session and unmaps the buffer; the handles go. */
long blk_close(struct blk_dev *d);

int blk_read(struct blk_dev *d, uint64_t sector, uint32_t count, uint64_t offset);
int blk_write(struct blk_dev *d, uint64_t sector, uint32_t count, uint64_t offset);
int blk_flush(struct blk_dev *d);

/* Queues op (BLK_OP_*); *tag names it for blk_wait. BLK_OK if queued. */
int blk_submit(struct blk_dev *d, unsigned op, uint64_t sector, uint32_t count,
	       uint64_t offset, unsigned *tag);
/* Waits for the request tag; its status. */
int blk_wait(struct blk_dev *d, unsigned tag);
/* Waits for any submitted request; its status, *tag which. */
int blk_wait_any(struct blk_dev *d, unsigned *tag);

#endif
