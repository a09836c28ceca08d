/*
 * The memory manager's side of the kernel (docs/DESIGN.md section 6).
 *
 * The kernel keeps three free-frame watermarks, min < low < high. When
 * the free count falls below low, the registered manager's notification
 * is signalled (once, until the count is back above high). Below min,
 * frames go only to pagers and drivers (tasks that page objects): an
 * ordinary task's fault waits for frames instead of failing, and is
 * retried as soon as the count is above min again. If it has waited
 * MM_OOM_WAIT_MS and the count is still below min, the kernel kills the
 * waiting task holding the most frames, with one log line, and the other
 * waiters try again: memory pressure never deadlocks the kernel.
 *
 * The manager capability (OBJ_MM, R_CONTROL) is handed by init to the
 * swap pager (which runs the manager) and to the program it starts. With
 * it a task registers as the manager (one at a time), sets the
 * watermarks, enumerates the pageable objects (those with a pager:
 * wired memory, device memory and boot modules are in no such object,
 * and a pager's or driver's anonymous memory has no pager; objects a
 * pager or driver maps are flagged `system`, and the swap pager's
 * manager leaves them be), reads their pages' resident / accessed / dirty bits in
 * bulk and evicts their pages. An evicted clean page is dropped (its
 * pager has it, or it was never written); a dirty one goes to the
 * object's pager as PAGER_RETURN: its frame moves into the pager's
 * return area (SYS_PAGER_RETURN_AREA), one page a message (or a run of
 * them, below), and the pager
 * writes it out and unmaps it. A dirty page whose pager has no free slot
 * in its return area, pinned pages, a page a write waits on (its
 * unlock), a page of a thread's IPC buffer, and pages of objects being
 * rebound stay where they are.
 *
 * PAGER_RETURN (kernel -> pager, uapi/pager.h): w0 offset, w1 epoch,
 * w2 the address in the pager's return area where the frame now is,
 * w3 object size. A pager that set PAGER_RETURN_RUNS with its return
 * area may get a run in one message: PAGER_RETURN_PAGES(w1) pages from
 * w0 on, their frames at consecutive pages from w2 on (w1's low 32 bits
 * the epoch still); without it every message is one page (w1 < 2^32).
 *
 * SYS_PAGER_RETURN_AREA (endpoint h R_RECV, base, npages, flags): flags
 * 0 or PAGER_RETURN_RUNS; anything else E_INVAL.
 */
#ifndef UAPI_MM_H
#define UAPI_MM_H

#include <stdint.h>

#define MM_OOM_WAIT_MS 2000

/* SYS_MM_EVICT status bytes: PAGE_RESIDENT if the page was resident,
 * PAGE_DIRTY if it was dirty, PAGE_STAYED if it is still resident (pinned
 * and PAGE_PINNED, a write waiting on it, or dirty with no free page in
 * its pager's return area), else it went (freed, or returned dirty). */
#define PAGE_STAYED 0x10u

#define PAGER_RETURN_RUNS 1u /* SYS_PAGER_RETURN_AREA flag: runs in one message */
#define PAGER_RETURN_PAGES(w1) (((w1) >> 32) + 1)

/* SYS_MM_WATERMARKS: the state, read (and set) in one call. */
struct mm_state {
	uint64_t min, low, high; /* frames */
	uint64_t free, total;    /* frames */
	uint64_t waiting;        /* faults waiting for frames now */
	uint64_t low_signals;    /* times the manager was signalled */
	uint64_t oom_kills;      /* tasks killed because nothing was freed */
};
_Static_assert(sizeof(struct mm_state) == 64, "mm_state ABI");

/* SYS_MM_OBJECTS: one pageable object. */
struct mm_object_info {
	uint64_t id;        /* what SYS_MM_QUERY / SYS_MM_EVICT name it by */
	uint64_t size;      /* bytes */
	uint64_t resident;  /* pages */
	uint64_t pager;     /* its pager endpoint's kernel id */
	uint32_t anon;      /* anonymous (or a shadow) */
	uint32_t epoch;
	uint64_t task;      /* the id of the task of its first mapping; 0: none */
	uint32_t system;    /* 1: a pager or driver maps it (a manager leaves it be) */
	uint32_t lab;       /* 1: in lab mode (SYS_MM_LAB) */
};
_Static_assert(sizeof(struct mm_object_info) == 56, "mm_object_info ABI");

/* SYS_MM_LAB: lab mode, for reproducing a run with exactly N frames. In
 * it, every fault on the object (that would bring a page in) waits for a
 * grant from the manager, which is signalled (the bits of MM_REGISTER's
 * a[3], else its a[2]) each time a fault starts waiting. So the manager
 * sees every fault in order, can harvest the accessed bits, run its
 * policy and evict a page before it lets the fault go on: the fault
 * count and the victims are the policy's alone, as in a simulation.
 * With no manager registered a fault ends lab mode instead of waiting
 * (faults already waiting when the manager dies wait for its successor:
 * the swap pager is the manager, and its objects' faults go nowhere
 * without it anyway). */
enum mm_lab_op {
	MM_LAB_ON = 1,      /* from now on */
	MM_LAB_GRANT = 2,   /* a[3] faults may go on (1..MM_LAB_GRANT_MAX) */
	MM_LAB_OFF = 3,     /* back to normal; waiting faults go on */
	MM_LAB_WAITING = 4, /* -> the faults waiting for a grant */
};
#define MM_LAB_GRANT_MAX 1024

#endif
