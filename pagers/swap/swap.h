/*
 * What the swap pager's two threads share (swap.c: the pager thread and
 * start-up; swap_manager.c: the memory manager). Internal to the pager.
 */
#ifndef PAGERS_SWAP_SWAP_H
#define PAGERS_SWAP_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/mm/policy/policy.h"
#include "pagers/swap/swap_proto.h"
#include "pagers/swap/swapmap.h"
#include "uapi/dma.h"
#include "uapi/mm.h"

#define SW_H_BOOT 1
#define SW_H_NAME 2
#define SW_H_SYS 3
#define SW_H_MM 4

#define PG 4096ul
#define SECTORS_PER_PAGE (PG / BLK_SECTOR)
#define WRITE_MAX (BLK_MAX_SECTORS / SECTORS_PER_PAGE) /* pages a write batch, and a request */
#define BUF_PAGES (SWAP_CLUSTER_MAX + WRITE_MAX) /* reads first, then writes */
#define BUF_VA 0x2000000000ul
#define KEPT_VA 0x2100000000ul   /* frames of pages that were written nowhere (swap.c) */
#define KEPT_PAGES 1024
#define RETURN_VA 0x2200000000ul
#define RETURN_PAGES 256
#define ARENA_VA 0x2300000000ul
#define MAX_OBJS 4096           /* objects with pages out, or a handle */
#define NOTE_LOW 1ull           /* the kernel: below the low watermark */
#define NOTE_CTL 2ull           /* the pager thread: a control change */
#define NOTE_LAB 4ull           /* the kernel: a lab-mode fault waits */
#define PERIOD_MS 100           /* harvest period without pressure */
#define LIMIT_PERIOD_MS 5       /* ... while a resident-set limit is set */
#define HARVEST_MIN_MS 100      /* ... and under pressure (a harvest costs ~100 instructions a resident page) */
#define MAX_LIMITS 16
#define QCHUNK 4096             /* pages a bulk query covers */
#define EVICT_BATCH 256

extern struct swap_status st; /* the counters; written by both threads, word at a time */
extern volatile uint64_t area_freed; /* return-area pages the pager thread let go (its alone to write) */
extern int ep, note;          /* the pager endpoint; the manager's notification */
extern struct pol pol;        /* the manager's policy (its thread's alone) */
extern uint64_t timebase_khz;

uint32_t obj_hash(uint64_t id);

/* swap_manager.c */
void manager(void *arg);
void wake_manager(void);
void mm_state(struct mm_state *s);
bool in_lab(uint64_t id);
long do_policy(void *ctx, const struct ipc_request *req, struct ipc_response *resp);
long do_watermarks(void *ctx, const struct ipc_request *req, struct ipc_response *resp);
long do_limit(void *ctx, const struct ipc_request *req, struct ipc_response *resp);
long do_tau(void *ctx, const struct ipc_request *req, struct ipc_response *resp);
long do_seed(void *ctx, const struct ipc_request *req, struct ipc_response *resp);
long do_lab(void *ctx, const struct ipc_request *req, struct ipc_response *resp);

#endif
