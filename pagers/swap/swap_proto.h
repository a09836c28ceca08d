/*
 * The swap pager's control protocol (pagerctl's), on its endpoint,
 * published by init as "pager.swap". The swap pager is the default pager
 * of anonymous and shadow objects and runs the memory manager
 * (docs/DESIGN.md sections 6 and 7); these requests change how it works
 * while programs run. Every reply carries a status in the usual place (0
 * or an error of uapi/errors.h); an argument out of range is -E_RANGE, an
 * unknown name -E_NOENT, and nothing changes.
 *
 *   SWAP_STATUS      reply: struct swap_status as words (SWAP_STATUS_WORDS)
 *   SWAP_POLICY      w0 enum pol_kind (pagers/mm/policy/policy.h): the
 *                    replacement policy from now on; the resident set and
 *                    its R/M bits carry over
 *   SWAP_CLUSTER     w0 pages (1..SWAP_CLUSTER_MAX): read-ahead on a fault
 *                    (writes go out in runs of up to 32 pages a request
 *                    whatever the cluster: swap.c's WRITE_MAX)
 *   SWAP_WATERMARKS  w0 min, w1 low, w2 high (frames, min < low < high):
 *                    the kernel's watermarks (uapi/mm.h)
 *   SWAP_MAP_MODE    w0 enum swap_mode (swapmap.h): static or dynamic
 *                    disk map for objects the pager meets from now on
 *   SWAP_LIMIT       w0 task id, w1 pages (0: no limit): the task's
 *                    resident-set limit, enforced by the manager
 *   SWAP_TAU         w0 WSClock's tau in ms
 *   SWAP_ADOPT       1 handle: a memory object (R_CONTROL): the swap
 *                    pager rebinds it to itself (SYS_VMO_REBIND; its old
 *                    pager hands its pages back first). reply w0 the new
 *                    epoch
 *   SWAP_SEED        w0 the random policy's seed (applies at the next
 *                    switch to random)
 *   SWAP_LAB         w0 an object's id (vmo_info), w1 frames, w2 enum
 *                    pol_kind: from now on the object has exactly w1
 *                    frames (its resident pages are evicted first),
 *                    replaced by a policy of its own that sees
 *                    every fault (the kernel's lab mode, uapi/mm.h); at
 *                    each fault the manager harvests the object's
 *                    accessed/dirty bits in page order (admitting pages
 *                    it has not seen), ticks, and evicts one page if
 *                    w1 are resident: the model refsim_run_guest
 *                    replays on the host. w1 = 0 ends it. reply: w0
 *                    faults, w1 evictions, w2 of them dirty (written).
 *                    With SWAP_LAB_RECORD in w2 (and w1 = 1 frame, so
 *                    every reference to another page faults) the
 *                    manager records the object's page references: a
 *                    console line `lab-trace ID PAGE[w]` per page as it
 *                    goes (w: written meanwhile) and for the last one at
 *                    the end, the policy lab's trace format after the
 *                    prefix (a repeat of a page folded into it)
 */
#ifndef PAGERS_SWAP_PROTO_H
#define PAGERS_SWAP_PROTO_H

#include <stdint.h>

enum swap_label {
	SWAP_STATUS = 0x7301,
	SWAP_POLICY = 0x7302,
	SWAP_CLUSTER = 0x7303,
	SWAP_WATERMARKS = 0x7304,
	SWAP_MAP_MODE = 0x7305,
	SWAP_LIMIT = 0x7306,
	SWAP_TAU = 0x7307,
	SWAP_ADOPT = 0x7308,
	SWAP_SEED = 0x7309,
	SWAP_LAB = 0x730a,
};

#define SWAP_LAB_MAX 4           /* objects in lab mode at once */
#define SWAP_LAB_RECORD (1u << 8) /* SWAP_LAB w2: record the references */
#define SWAP_LAB_FRAMES_MAX 4096

#define SWAP_CLUSTER_MAX 16

struct swap_status {
	uint64_t policy;          /* enum pol_kind */
	uint64_t cluster;         /* pages */
	uint64_t map_mode;        /* enum swap_mode of new objects */
	uint64_t wm_min, wm_low, wm_high; /* frames */
	uint64_t free_frames, total_frames;
	uint64_t slots, slots_used, slots_bad; /* swap disk, pages */
	uint64_t objects;         /* objects with pages on the swap disk */
	uint64_t swap_ins;        /* pages read back on a fault */
	uint64_t swap_outs;       /* pages written */
	uint64_t clean_drops;     /* evictions that cost no write (swap cache) */
	uint64_t disk_reads, disk_writes; /* requests */
	uint64_t io_errors;
	uint64_t full;            /* pages that found no slot */
	uint64_t zero_fills;      /* faults on pages never written out */
	uint64_t low_signals;     /* manager wake-ups by the kernel */
	uint64_t harvests;        /* bulk queries of A/D bits */
	uint64_t evicted;         /* pages the manager evicted */
	uint64_t tracked;         /* pages the policy tracks */
	uint64_t limit_evictions; /* of those, for a resident-set limit */
	uint64_t picks, scanned, second_chances; /* the policy's counters */
	uint64_t tau_ms;
	uint64_t switches;        /* policy switches */
	uint64_t harvest_ms;      /* guest time spent harvesting */
	uint64_t reclaim_ms;      /* ... and reclaiming (evictions, waits) */
};
#define SWAP_STATUS_WORDS (sizeof(struct swap_status) / 8)

#endif
