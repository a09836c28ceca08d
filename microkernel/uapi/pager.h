/*
 * Memory objects and the external pager protocol (docs/DESIGN.md
 * sections 4, 5).
 *
 * A fault on a page that is not resident, step by step:
 *   1. The thread traps; the kernel finds the region and its object.
 *   2. The kernel sends PAGER_FAULT to the object's pager endpoint (badge:
 *      the object's pager badge) and blocks the thread. Other threads
 *      faulting on the same page wait on the same request.
 *   3. The pager fills a page of its own (wired) memory and calls
 *      SYS_PAGER_SUPPLY, which moves the frame into the object and maps
 *      it for the waiting threads; with a receive endpoint the same call
 *      then waits for the pager's next message (two traps per fault).
 *      With src 0 the kernel fills the pages with zeros instead (Mach's
 *      "data unavailable"): no frame of the pager's moves. A supply of
 *      several pages also maps the others into the faulting thread's
 *      mapping (fault-around), so read-ahead saves the minor faults.
 *   4. The threads resume at the faulting instruction.
 * A write to a resident page the pager write-protected (supplied without
 * VM_W, or LOCK_WRITE_PROTECT) is a FAULT of kind FAULT_UNLOCK: the pager
 * answers with LOCK_UNLOCK (or a supply with VM_W), or fails it.
 *
 * Deadlines: a request must be answered within the object's deadline
 * (SYS_VMO_SET, 5 s unless set), counted from the moment the pager
 * receives the FAULT (while it is still queued, from the fault). The
 * pager may extend it (PAGER_CTL_EXTEND). A missed deadline hands the
 * object to its fallback pager if one is set; otherwise that request
 * alone fails (its waiters' tasks are killed with one log line) and the
 * object goes on. A pager that dies hands its objects to their fallbacks,
 * or leaves them without a pager (faults that need one are errors) until
 * they are rebound.
 *
 * Authority: binding an object to an endpoint (as its pager, its fallback
 * or by SYS_VMO_REBIND) needs R_RECV on it. Kernel -> pager messages carry
 * IPC_TAG_KERNEL in their tag, which no task can send: a pager acts on a
 * FAULT, RELEASE or TERMINATE only with that flag, and the badge then
 * names one of its own objects. Each binding has an epoch, which every
 * message carries; the pager's calls name it, and a call with an old one
 * is refused with E_STALE (an object starts at PAGER_EPOCH_FIRST; each
 * completed rebind and each switch to the fallback adds one).
 *
 * Rebinding (SYS_VMO_REBIND, R_CONTROL on the object, R_RECV on the new
 * endpoint): new faults queue; the old pager gets PAGER_RELEASE, supplies
 * back every page it holds for the object (with its old epoch) and calls
 * PAGER_CTL_RELEASED. Then the epoch is bumped and every pending fault
 * goes to the new pager; resident and dirty pages stay. If the old pager
 * does not finish within the object's deadline, or dies, the rebind
 * completes with what the kernel holds and logs what was not recovered
 * (an anonymous object's pages that were paged out and not handed back).
 * An object without a live pager is rebound at once.
 *
 * Kernel -> pager messages (received on the pager endpoint):
 *   PAGER_FAULT      w0 offset (bytes, page aligned), w1 PAGER_W1(access
 *                    VM_R/W/X, kind, epoch), w2 fault id, w3 object size
 *   PAGER_RELEASE    w0 object size, w1 epoch: hand the pages back, then
 *                    PAGER_CTL_RELEASED
 *   PAGER_TERMINATE  w0 object size, w1 epoch: the last handle and mapping
 *                    are gone
 */
#ifndef UAPI_PAGER_H
#define UAPI_PAGER_H

#include <stdint.h>

#include "uapi/errors.h"
#include "uapi/vm.h"

enum pager_label {
	PAGER_FAULT = 0x7001,
	PAGER_TERMINATE = 0x7002,
	PAGER_RELEASE = 0x7003,
	PAGER_RETURN = 0x7004, /* a dirty page evicted by the memory manager (uapi/mm.h) */
};

enum pager_fault_kind {
	FAULT_DATA = 1,   /* the page is not resident: supply it (or fail) */
	FAULT_UNLOCK = 2, /* resident but write-protected, and being written */
};

#define PAGER_EPOCH_FIRST 1u
/* PAGER_FAULT's w1. */
#define PAGER_W1(access, kind, epoch) \
	((uint64_t)(access) | (uint64_t)(kind) << 8 | (uint64_t)(epoch) << 32)
#define PAGER_ACCESS(w1) ((uint32_t)(w1) & 0xffu)
#define PAGER_KIND(w1) (((uint32_t)(w1) >> 8) & 0xffu)
#define PAGER_EPOCH(w1) ((uint32_t)((w1) >> 32))

/* SYS_PAGER_FAIL's error: what a faulting task may be told, a closed set
 * (anything else is refused with E_INVAL and changes nothing):
 *   -E_NOMEM   the pager has no memory for the page
 *   -E_RANGE   the page lies outside the data the pager backs it with
 *   -E_FORMAT  the data is unreadable (bad block map, checksum, ...)
 *   -E_DEAD    the backing store is gone */
#define PAGER_FAIL_CODE_OK(e) \
	((e) == -E_NOMEM || (e) == -E_RANGE || (e) == -E_FORMAT || (e) == -E_DEAD)

/* SYS_PAGER_CTL operations. */
enum pager_ctl_op {
	PAGER_CTL_EXTEND = 1,   /* requests in the range: deadline now + arg ms */
	PAGER_CTL_RELEASED = 2, /* answer to PAGER_RELEASE: every page handed back */
};
#define PAGER_DEADLINE_MAX_MS (3600u * 1000u)

/*
 * SYS_VMO_READ / SYS_VMO_WRITE: copy between a buffer and the pages of an
 * object that has a pager (a file's), as a mapping would see them: a page
 * that is not resident is asked of the pager (the caller waits, as on a
 * fault; a pager error kills it as a fault would), a written page becomes
 * dirty. Returns the bytes copied: fewer than asked when a later page had
 * to be waited for (the caller asks again for the rest), never past the
 * object's end. Writing needs R_MAP, the right to map it shared and
 * writable. Anonymous objects are refused (E_INVAL): map them.
 */

/* SYS_VMO_CREATE pager argument: no user pager, the kernel zero-fills
 * (the no-IPC baseline). */
#define VMO_KERNEL_ZERO (-1)

/* SYS_PAGER_SUPPLY prot flag: the pages at src are copied into fresh
 * frames instead of moved (src may be any readable mapping of the pager:
 * the disk buffer a driver filled), and stay the pager's. */
#define PAGER_SUPPLY_COPY 0x100u
/* ... or taken: the pages at src are resident pages of a kernel zero-fill
 * object the pager maps (a disk buffer a driver filled, its request
 * done): their frames move into the supplied object with no copy, and
 * the buffer's pages read as zeros again (the next DMA pin fills them). */
#define PAGER_SUPPLY_TAKE 0x200u

/* Most pages one SYS_PAGER_SUPPLY moves. */
#define PAGER_SUPPLY_MAX 64

/* SYS_VM_MAP flags (with the VM_R/W/X protection bits). */
#define VM_SHARED 0x10u  /* writes go to the object, seen by every mapper */
#define VM_PRIVATE 0x20u /* copy on write: writes go to a private copy */

/* SYS_PAGER_QUERY: one byte per page. */
#define PAGE_RESIDENT 1u
#define PAGE_ACCESSED 2u
#define PAGE_DIRTY 4u
#define QUERY_CLEAR_ACCESSED 1u

/* SYS_PAGER_EVICT status bytes: PAGE_RESIDENT if the page was resident,
 * PAGE_DIRTY if its frame was moved to dst (else it was freed). */

/* SYS_PAGER_LOCK operations. */
enum pager_lock_op {
	LOCK_WRITE_PROTECT = 1, /* writes fault to the pager until unlocked */
	LOCK_UNLOCK = 2,        /* writes allowed again; waiting writers resume */
	LOCK_CLEAN = 3,         /* the pager saved the pages: clear dirty */
	LOCK_FLUSH = 4,         /* drop the pages, dirty or not */
	LOCK_DISCARD = 5,       /* anonymous objects only: drop the pages and forget
				 * that the pager holds copies, so they read as zero
				 * again (free memory reused, libc's munmap); the
				 * pager's slots stay taken until the object ends */
};

/* SYS_VMO_INFO */
struct vmo_info {
	uint64_t size;
	uint64_t resident;    /* pages */
	uint64_t faults;      /* faults that went to the pager */
	uint64_t minor;       /* faults resolved from the page cache */
	uint64_t supplies;    /* pages supplied */
	uint64_t pending;     /* requests waiting for the pager */
	uint64_t deadline_ms;
	uint32_t has_pager;
	uint32_t has_fallback;
	uint64_t depth;       /* objects below it in its shadow chain */
	uint32_t epoch;       /* the binding's (see above) */
	uint32_t rebinding;   /* 1 while a rebind waits for the old pager */
	uint64_t id;          /* the object's kernel id (uapi/mm.h) */
};
_Static_assert(sizeof(struct vmo_info) == 88, "vmo_info ABI");

/* One fault's stages (SYS_TRACE_READ), counted in instructions retired
 * on the hart (deterministic under qemu -icount). */
enum trace_stage {
	TRACE_TRAP,     /* the fault trapped */
	TRACE_SENT,     /* FAULT queued or handed to the pager */
	TRACE_RECEIVED, /* the pager received it */
	TRACE_SUPPLY,   /* SYS_PAGER_SUPPLY entered */
	TRACE_RESUME,   /* the faulting thread runs again */
	TRACE_NSTAGES
};

struct trace_record {
	uint64_t fault_id;
	uint64_t pager;  /* pager endpoint's kernel id; 0: the kernel zero-fill */
	uint64_t stamp[TRACE_NSTAGES]; /* 0: stage not reached */
};
_Static_assert(sizeof(struct trace_record) == 56, "trace_record ABI");

#endif
