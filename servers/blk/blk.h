/*
 * The virtio-blk driver's shared state (servers/blk/): one disk, its
 * queue, the clients and the requests in flight.
 *
 * Threads: NWORKERS workers receive on the endpoint (blk.c: one server
 * loop each; a synchronous request keeps its worker until the disk is
 * done), and one interrupt thread (blk_dev.c). All run at one priority
 * and take `blk_lock` around any shared field; a thread that finds it
 * taken yields to the holder.
 *
 * Who handles the interrupt: whoever waits on its notification. A worker
 * with a synchronous request waits there itself, so its completion costs
 * no hand-over between threads; the interrupt thread waits there only
 * while asynchronous requests are in flight (else it is parked). Whoever
 * wakes serves the device for everyone; if that completed a request of
 * another waiter, it signals the notification again (a baton), and every
 * waiter that wakes for a request not its own passes the baton on, so
 * the owner is reached (the queue is FIFO: each pass moves it forward).
 *
 * A request's life (enum rq_state):
 *   FREE -> WAITING (checked, queued for the device) -> DEVICE (its
 *   buffer pinned, its chain published, the device notified) -> DONE
 *   (status known, pin closed; async: reported to the client and freed
 *   at once; sync: counted in done_unclaimed until its worker, waiting
 *   on the interrupt, takes and frees it) -> FREE.
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
	int irq_note;         /* the interrupt's notification */
	int park_note;        /* the interrupt thread parks on it */
	bool irq_parked;      /* ... and does now: signal park_note to wake it */
	uint32_t async_inflight; /* async requests not DONE */
	uint32_t done_unclaimed; /* sync requests DONE, not yet taken by their worker */
};

extern struct blk_disk disk;
extern struct blk_req reqs[NREQ];
extern struct blk_client clients[MAX_CLIENTS];

void blk_lock(void);
void blk_unlock(void);

/* blk_dev.c. Setup: maps, negotiates, sets up the queue, starts the
 * interrupt thread. 0 or the error of the failed step (logged). */
long blk_dev_setup(const char *name);
/* Queues a checked request and starts what the device can take (locked). */
void blk_dev_submit(struct blk_req *r);
/* A request reached DONE (locked): counts it for its worker, or tells
 * its client. */
void blk_complete(struct blk_req *r, uint8_t status);
/* Serves the device after a wake-up on irq_note (locked): what it
 * finished completes, waiting requests start, the kernel may deliver the
 * next interrupt; passes the baton if requests of others are done (mine:
 * the caller's own finished sync request, counted in done_unclaimed). */
void blk_dev_interrupt(const struct blk_req *mine);
/* An async request was queued (locked): the interrupt thread must wait. */
void blk_dev_async_started(void);

#endif
