/*
 * Memory object and pager system call stubs (uapi/pager.h, uapi/vm.h).
 */
#ifndef LIBIPC_VM_H
#define LIBIPC_VM_H

#include "libipc/ipc.h"
#include "libipc/sys.h"
#include "uapi/mm.h"
#include "uapi/pager.h"
#include "uapi/vm.h"

static inline long vmo_create(uint64_t size, int pager_ep, uint64_t badge)
{
	return sys3(SYS_VMO_CREATE, size, pager_ep, badge);
}

/* Anonymous memory of size bytes: zeros until written; with below >= 0 a
 * shadow of below's pages from offset (reads see them until written);
 * paged by pager_ep (badge) if >= 0, else by the default pager. */
static inline long vmo_anon(uint64_t size, int below, uint64_t offset, int pager_ep,
			    uint64_t badge)
{
	return sys6(SYS_VMO_ANON, (long)size, below, (long)offset, pager_ep, (long)badge, 0);
}

static inline long vm_map(int vmo, uint64_t addr, uint64_t len, uint64_t offset,
			  uint32_t prot_flags)
{
	return sys6(SYS_VM_MAP, vmo, (long)addr, (long)len, (long)offset, prot_flags, 0);
}

static inline long vm_unmap(uint64_t addr, uint64_t len)
{
	return sys2(SYS_MEM_UNMAP, addr, len);
}

static inline long vm_protect(uint64_t addr, uint64_t len, uint32_t prot)
{
	return sys3(SYS_VM_PROTECT, addr, len, prot);
}

static inline long mem_wire(uint64_t addr, uint64_t len, uint32_t prot)
{
	return sys3(SYS_MEM_WIRE, addr, len, prot);
}

/* The pager's calls name the binding's epoch (uapi/pager.h: the one in
 * the FAULT, PAGER_EPOCH_FIRST for an object never rebound). */

/* Moves npages of the caller's wired memory at src into the object. */
static inline long pager_supply(int vmo, uint64_t offset, const void *src, uint64_t npages,
				uint32_t prot, uint32_t epoch)
{
	return sys7(SYS_PAGER_SUPPLY, vmo, (long)offset, (long)src, (long)npages, prot, -1,
		    epoch);
}

/* Supplies, then waits on ep like ipc_recv: the next message lands in m.
 * The supply's arguments ride in the message registers (a1..a6). */
static inline long pager_supply_recv(int vmo, uint64_t offset, const void *src,
				     uint64_t npages, uint32_t prot, uint32_t epoch, int ep,
				     struct ipc_msg *m)
{
	return ipc_trap7(SYS_PAGER_SUPPLY, vmo, offset, (uint64_t)src, npages, prot,
			 (uint64_t)(int64_t)ep, epoch, m);
}

static inline long pager_fail(int vmo, uint64_t offset, uint64_t npages, long error,
			      uint32_t epoch)
{
	return sys6(SYS_PAGER_FAIL, vmo, (long)offset, (long)npages, error, epoch, 0);
}

static inline long pager_query(int vmo, uint64_t offset, uint64_t npages, uint8_t *out,
			       uint32_t flags)
{
	return sys6(SYS_PAGER_QUERY, vmo, (long)offset, (long)npages, (long)out, flags, 0);
}

static inline long pager_evict(int vmo, uint64_t offset, uint64_t npages, void *dst,
			       uint8_t *out, uint32_t epoch)
{
	return sys6(SYS_PAGER_EVICT, vmo, (long)offset, (long)npages, (long)dst, (long)out,
		    epoch);
}

static inline long pager_lock(int vmo, uint64_t offset, uint64_t npages, int op,
			      uint32_t epoch)
{
	return sys6(SYS_PAGER_LOCK, vmo, (long)offset, (long)npages, op, epoch, 0);
}

/* PAGER_CTL_EXTEND: requests in the range get ms more (returns how many);
 * PAGER_CTL_RELEASED (offset, npages, ms all 0): the answer to RELEASE. */
static inline long pager_ctl(int vmo, int op, uint64_t offset, uint64_t npages, uint64_t ms,
			     uint32_t epoch)
{
	return sys6(SYS_PAGER_CTL, vmo, op, (long)offset, (long)npages, (long)ms, epoch);
}

/* Rebinds the object to ep (R_RECV); returns the epoch the new binding
 * has (or will have once the old pager has handed its pages back). */
static inline long vmo_rebind(int vmo, int ep, uint64_t badge)
{
	return sys3(SYS_VMO_REBIND, vmo, ep, (long)badge);
}

/* The object mapped at addr in a task one controls (R_CONTROL | R_READ |
 * R_GRANT). */
static inline long vm_object_at(int task, uint64_t addr)
{
	return sys3(SYS_VM_OBJECT, task, (long)addr, 0);
}

/* A handle (R_PAGER | R_READ) on the object bound to ep (R_RECV) with
 * badge: how the default pager answers objects it never created. */
static inline long pager_open(int ep, uint64_t badge)
{
	return sys3(SYS_PAGER_OPEN, ep, (long)badge, 0);
}

static inline long vmo_set(int vmo, int fallback_ep, uint64_t badge, uint64_t deadline_ms)
{
	return sys6(SYS_VMO_SET, vmo, fallback_ep, (long)badge, (long)deadline_ms, 0, 0);
}

static inline long vmo_info(int vmo, struct vmo_info *info)
{
	return sys2(SYS_VMO_INFO, vmo, info);
}

static inline long trace_read(uint64_t first, struct trace_record *out, uint64_t max)
{
	return sys3(SYS_TRACE_READ, first, out, max);
}

/* Records ever written to the trace ring: the first index SYS_TRACE_READ
 * has nothing at (a doubling search, then a binary one). */
static inline uint64_t trace_records_end(void)
{
	struct trace_record r;
	uint64_t lo = 0, hi = 1;
	while (trace_read(hi - 1, &r, 1) > 0) {
		lo = hi;
		hi *= 2;
	}
	hi--; /* a record at lo - 1 (if lo > 0), none at hi: lo <= end <= hi */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (trace_read(mid, &r, 1) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The memory manager's calls (uapi/mm.h); mm: the OBJ_MM handle. */
static inline long mm_register(int mm, int note, uint64_t bits)
{
	return sys6(SYS_MM_REGISTER, mm, note, (long)bits, 0, 0, 0);
}

/* The same, with other bits for lab-mode faults (uapi/mm.h). */
static inline long mm_register_lab(int mm, int note, uint64_t bits, uint64_t lab_bits)
{
	return sys6(SYS_MM_REGISTER, mm, note, (long)bits, (long)lab_bits, 0, 0);
}

static inline long mm_lab(int mm, uint64_t id, int op, uint64_t n)
{
	return sys6(SYS_MM_LAB, mm, (long)id, op, (long)n, 0, 0);
}

static inline long mm_watermarks(int mm, uint64_t min, uint64_t low, uint64_t high,
				 struct mm_state *out)
{
	return sys6(SYS_MM_WATERMARKS, mm, (long)min, (long)low, (long)high, (long)out, 0);
}

/* The first region of task `task_id` that ends above `from`; returns the
 * address to ask from next (uapi/vm.h). sys: the system object, R_READ. */
static inline long vm_regions(int sys, uint32_t task_id, uint64_t from,
			      struct vm_region_info *out)
{
	return sys6(SYS_VM_REGIONS, sys, (long)task_id, (long)from, (long)out, 0, 0);
}

/* The first memory object with id >= from (paged by pager_ep if >= 0);
 * returns the id to ask from next (uapi/vm.h). */
static inline long vm_objects(int sys, uint64_t from, struct vm_object_info *out, int pager_ep)
{
	return sys6(SYS_VM_OBJECTS, sys, (long)from, (long)out, pager_ep, 0, 0);
}

static inline long mm_objects(int mm, uint64_t from_id, struct mm_object_info *out)
{
	return sys3(SYS_MM_OBJECTS, mm, (long)from_id, out);
}

static inline long mm_query(int mm, uint64_t id, uint64_t offset, uint64_t npages, uint8_t *out,
			    uint32_t flags)
{
	return sys6(SYS_MM_QUERY, mm, (long)id, (long)offset, (long)npages, (long)out, flags);
}

static inline long mm_evict(int mm, uint64_t id, uint64_t offset, uint64_t npages, uint8_t *out)
{
	return sys6(SYS_MM_EVICT, mm, (long)id, (long)offset, (long)npages, (long)out, 0);
}

static inline long pager_return_area(int ep, uint64_t base, uint64_t npages)
{
	return sys3(SYS_PAGER_RETURN_AREA, ep, (long)base, (long)npages);
}

/* The same, with flags (uapi/mm.h: PAGER_RETURN_RUNS). */
static inline long pager_return_area_flags(int ep, uint64_t base, uint64_t npages,
					   uint32_t flags)
{
	return sys6(SYS_PAGER_RETURN_AREA, ep, (long)base, (long)npages, flags, 0, 0);
}

/* Frames move, uncopied, between own pages at addr and a kernel
 * zero-fill object (uapi/vm.h): npages, or an error and nothing moved. */
static inline long vmo_move(int vmo, uint64_t offset, uint64_t addr, uint64_t npages,
			    enum vmo_move_dir dir)
{
	return sys6(SYS_VMO_MOVE, vmo, (long)offset, (long)addr, (long)npages, dir, 0);
}

/* Copies between buf and the pages of a file's object (uapi/pager.h):
 * the bytes copied, maybe fewer than asked. */
static inline long vmo_read(int vmo, uint64_t offset, void *buf, uint64_t len)
{
	return sys6(SYS_VMO_READ, vmo, (long)offset, (long)buf, (long)len, 0, 0);
}

static inline long vmo_write(int vmo, uint64_t offset, const void *buf, uint64_t len)
{
	return sys6(SYS_VMO_WRITE, vmo, (long)offset, (long)buf, (long)len, 0, 0);
}

#endif
