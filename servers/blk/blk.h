/*
 * The virtio-blk driver's shared state (servers/blk/): one disk, its
 * queue, the clients and the requests in flight.
 *
 * Threads: NWORKERS workers receive on the endpoint (blk.c: one server
 * loop each; a synchronous request keeps its worker until the disk is
 * done), one interrupt thread completes requests (blk_dev.c). All run at
 * one priority and take `blk_lock` around any shared field; a thread that
 * finds it taken yields to the holder.
 *
 * A request's life (enum rq_state):
 *   FREE -> WAITING (checked, queued for the device) -> DEVICE (its
 *   buffer pinned, its chain published, the device notified) -> DONE
 *   (status known, pin closed; async: reported to the client and freed
 *   at once; sync: the worker is signalled and frees it) -> FREE.
 */
#ifndef SERVERS_BLK_BLK_H
#define SERVERS_BLK_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "servers/blk/blk_proto.h"
#include "servers/blk/virtio_mmio.h"

#define NWORKERS 4
#define MAX_CLIENTS 8
#define NREQ (MAX_CLIENTS * BLK_TAGS + NWORKERS)
#define QUEUE_NUM 128
#define PAGE 4096u
/* Descriptors of the largest request: header, data pages (an unaligned
 * offset adds one), status. */
#define MAX_SEGS (2 + BLK_MAX_SECTORS * BLK_SECTOR / PAGE + 1)

enum rq_state { RQ_FREE = 0, RQ_WAITING, RQ_DEVICE, RQ_DONE };

struct blk_req {
	enum rq_state state;
	uint8_t op;       /* enum blk_op */
	uint8_t status;   /* enum blk_status once DONE */
	int8_t tag;       /* async tag, -1 for a synchronous request */
	int8_t worker;    /* the waiting worker, -1 for an async request */
	int client;
	uint64_t sector;
	uint32_t count;
	uint64_t offset;
	int pin;          /* pin handle while DEVICE (or -1) */
	struct blk_req *next; /* in the waiting list */
};

struct blk_client {
	bool used, closing;   /* closing: gone, waiting for its requests */
	uint64_t badge;       /* BLK_BADGE_CLIENT | generation << 8 | slot */
	int vmo, note, token; /* handles it shared */
	uint64_t size;        /* buffer bytes */
	bool writable;        /* the device may write the buffer */
	uint32_t inflight;    /* its requests not DONE */
	uint32_t tags;        /* async tags in flight */
	uint32_t done;        /* async tags completed, not yet reaped */
	uint64_t done_status; /* 4 bits per tag */
};

struct blk_disk {
	struct vmmio mmio;
	struct virtq q;
	uint64_t capacity;    /* sectors */
	uint32_t blk_size;    /* bytes; requests align to it */
	uint32_t seg_max;     /* data segments a request may have (0: no limit) */
	uint32_t size_max;    /* bytes a segment may have (0: no limit) */
	bool readonly, flush;
	bool broken;          /* setup failed: every request gets BLK_IOERR */
	uint64_t ring_pa, hdr_pa; /* physical addresses of the two DMA pages */
	volatile uint8_t *hdr;    /* request headers (16 bytes each), then statuses */
	struct blk_req *head_req[QUEUE_NUM]; /* the request of each chain head */
	struct blk_req *wait_first, *wait_last;
	uint32_t pins;        /* live pins (stats) */
};

extern struct blk_disk disk;
extern struct blk_req reqs[NREQ];
extern struct blk_client clients[MAX_CLIENTS];
extern int worker_note[NWORKERS];

void blk_lock(void);
void blk_unlock(void);

/* blk_dev.c. Setup: maps, negotiates, sets up the queue, starts the
 * interrupt thread. 0 or the error of the failed step (logged). */
long blk_dev_setup(const char *name);
/* Queues a checked request and starts what the device can take (locked). */
void blk_dev_submit(struct blk_req *r);
/* A request reached DONE (locked): tells its worker or its client. */
void blk_complete(struct blk_req *r, uint8_t status);

#endif
