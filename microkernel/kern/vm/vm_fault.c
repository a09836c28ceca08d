/* The fault lookup: region, page, shadow chain; see kern/vm/vm_fault.h. */
#include "kern/vm/vm_fault.h"

#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/vm/vm.h"
#include "kern/usercopy.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_reclaim.h"
#include "lib/string.h"
#include "uapi/dev.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

uint64_t vm_faults_minor, vm_faults_major, vm_faults_kernel, vm_faults_cow;
uint64_t vm_objects_live, vm_pages_supplied;

/* A page nobody has: zeros from the kernel into the region's object, no
 * IPC (anonymous memory never paged out, or an object with no pager). */
static inline __attribute__((always_inline)) enum vm_fault_result
kernel_zero_fill(struct thread *t, struct vm_region *r, uaddr_t va, uint64_t page,
		 uint32_t access, uint64_t trap_stamp)
{
	struct vm_object *o = r->obj;
	paddr_t f = vm_frame_for(r->task);
	if (!f || vmo_insert(o, page, f, 0)) {
		if (f)
			pmm_unref(f);
		if (vm_frames_short(r->task)) /* no frame, or no leaf for it */
			return vm_frame_wait(t);
		if (task_may_log(r->task))
			klog("vm: task %u (%s): no memory for a page at %lx\n", r->task->id,
			     r->task->name, (unsigned long)va);
		return FAULT_BAD;
	}
	o->minor++;
	vm_faults_kernel++;
	if (vm_map_page(r, va, access)) /* no page table: the page is in, retried later */
		return vm_frames_short(r->task) ? vm_frame_wait(t) : FAULT_BAD;
	trace_stamp(trace_open(vm_next_fault_id++, 0, trap_stamp, 0), TRACE_RESUME);
	return FAULT_RESOLVED;
}

/* The pager request from the cold paths (system call buffers, paged-out
 * pages, shadow chains): one out-of-line copy of vm_request_page for all
 * of them; the trap's fault path has its own, inline. */
static __attribute__((noinline)) enum vm_fault_result
request_page_cold(struct thread *t, struct vm_object *o, uint64_t page, uaddr_t va,
		  uint32_t access, uint32_t kind, uint64_t trap_stamp)
{
	return vm_request_page(t, o, page, va, access, kind, trap_stamp);
}

/* A page of an anonymous object that went to the default pager: back
 * from it, or an error if it has none (nobody has the data). */
static enum vm_fault_result paged_out(struct thread *t, struct vm_object *o, uint64_t page,
				      uaddr_t va, uint32_t access, uint64_t trap_stamp)
{
	if (o->pager && !o->pager->dead)
		return request_page_cold(t, o, page, va, access, FAULT_DATA, trap_stamp);
	if (task_may_log(t->task))
		klog("vm: task %u (%s): page %lu of object %lu was paged out and has no pager\n",
		     t->task->id, t->task->name, (unsigned long)page, (unsigned long)o->id);
	return FAULT_BAD;
}

/* A write finds its page below the region's object: the object gets a
 * copy of its own (dirty: it exists nowhere else), which every view of
 * the page below through the object gives way to. */
static enum vm_fault_result copy_up(struct thread *t, struct vm_region *r, uaddr_t va,
				    uint64_t page, uint64_t below)
{
	struct vm_object *o = r->obj;
	paddr_t f = vm_frame_for(r->task);
	uint64_t *s = f ? vmo_slot(o, page, true) : 0;
	if (!s) {
		if (f)
			pmm_unref(f);
		if (vm_frames_short(r->task))
			return vm_frame_wait(t);
		if (task_may_log(r->task))
			klog("vm: task %u (%s): no memory to copy a page at %lx\n", r->task->id,
			     r->task->name, (unsigned long)va);
		return FAULT_BAD;
	}
	memcpy(pa_to_kva(f), pa_to_kva(PAGE_DOWN(below)), PAGE_SIZE);
	vmo_unmap_frame(o, page, PAGE_DOWN(below));
	*s = f | VPE_PRESENT | VPE_DIRTY | (below & VPE_NOEXEC);
	o->resident++;
	o->minor++;
	vm_faults_cow++;
	return vm_map_page(r, va, VM_W) ? FAULT_BAD : FAULT_RESOLVED;
}

/* The rarer faults of anonymous memory, out of the hot function: a page
 * that was paged out, or one the region's object (a shadow) lacks: the
 * first object down the chain that has it, or asks its pager for it,
 * decides; a write copies it up; nothing anywhere reads as zeros. */
static __attribute__((noinline)) enum vm_fault_result
fault_below(struct thread *t, struct vm_region *r, uaddr_t va, uint64_t page, uint32_t access,
	    uint64_t trap_stamp)
{
	struct vm_object *top = r->obj;
	if (vmo_lookup(top, page) & VPE_PAGED)
		return paged_out(t, top, page, va, access, trap_stamp);
	if (vmo_collapse(top) && (vmo_lookup(top, page) & VPE_PRESENT)) /* merged up */
		return vm_map_page(r, va, access) ? FAULT_BAD : FAULT_RESOLVED;
	struct vm_object *b = top->backing;
	uint64_t p = page + top->backing_off;
	while (b) {
		uint64_t e = vmo_lookup(b, p);
		if (e & VPE_PRESENT) {
			if (access & VM_W)
				return copy_up(t, r, va, page, e);
			top->minor++;
			vm_faults_minor++;
			return vm_map_entry(r, va, e, false) ? FAULT_BAD : FAULT_RESOLVED;
		}
		if (b->failed)
			return FAULT_BAD;
		if (e & VPE_PAGED)
			return paged_out(t, b, p, va, access, trap_stamp);
		if (!b->anon && b->pager)
			return request_page_cold(t, b, p, va, access, FAULT_DATA, trap_stamp);
		p += b->backing_off;
		b = b->backing;
	}
	return kernel_zero_fill(t, r, va, page, access, trap_stamp);
}

/* The fault itself, inlined into both entries below so that the trap's
 * (the hot one) stays one function with the trap handler after LTO. */
static inline __attribute__((always_inline)) enum vm_fault_result
fault_common(struct thread *t, uaddr_t va, uint32_t access, uint64_t trap_stamp, bool trap)
{
	struct vm_region *r = vm_region_find(t->task, va);
	if (!r || (access & ~r->prot))
		return FAULT_BAD;
	struct vm_object *o = r->obj;
	uint64_t page = r->offset + ((va - r->start) >> PAGE_SHIFT);
	uint64_t e = vmo_lookup(o, page);
	bool write_locked = (e & VPE_PRESENT) && (access & VM_W) && (e & VPE_NOWRITE);
	if ((e & VPE_PRESENT) && !write_locked) {
		o->minor++;
		vm_faults_minor++;
		return vm_map_page(r, va, access) ? FAULT_BAD : FAULT_RESOLVED;
	}
	if (o->failed)
		return FAULT_BAD;
	if (__builtin_expect(o->lab, 0) && !write_locked && vm_lab_wait(t, o))
		return FAULT_BLOCKED;
	if (write_locked || (o->pager && !o->anon)) {
		uint32_t kind = write_locked ? FAULT_UNLOCK : FAULT_DATA;
		return trap ? vm_request_page(t, o, page, va, access, kind, trap_stamp)
			    : request_page_cold(t, o, page, va, access, kind, trap_stamp);
	}
	if ((e & VPE_PAGED) || o->backing)
		return fault_below(t, r, va, page, access, trap_stamp);
	/* Anonymous, never paged out: zeros, no IPC (the existence map). */
	return kernel_zero_fill(t, r, va, page, access, trap_stamp);
}

/* kernel_zero_fill's common case, for vm_fault_fast: frames to spare,
 * the object's leaf and the page table there (so nothing can fail once
 * the frame is taken); else false, nothing changed. */
static inline __attribute__((always_inline)) bool zero_fill_fast(struct vm_region *r, uaddr_t va,
								 uint64_t page, uint64_t trap_stamp)
{
	struct vm_object *o = r->obj;
	struct task *k = r->task;
	uint64_t *leaf = o->dir[page / VMO_LEAF_ENTRIES];
	uint64_t free = pmm_free_count();
	/* frame_allowed's rules (vm.c), the manager told through keep_call:
	 * under memory pressure, this is every fault */
	if (!leaf || k->frames >= k->quota || (!k->is_pager && free <= vm_wm_min) ||
	    !task_pte(k, va, false))
		return false;
	if (free < vm_wm_low && !vm_low_signalled)
		KEEP_CALL(vm_reclaim_low);
	paddr_t f = pmm_alloc_inline();
	if (!f)
		return false;
	uint64_t e = f | VPE_PRESENT; /* vmo_insert's */
	leaf[page % VMO_LEAF_ENTRIES] = e;
	o->resident++;
	o->minor++;
	vm_faults_kernel++;
	vm_map_entry(r, va, e, true); /* (the table is there: it cannot fail) */
	trace_stamp(trace_open(vm_next_fault_id++, 0, trap_stamp, 0), TRACE_RESUME);
	return true;
}

bool vm_fault_fast(struct thread *t, uaddr_t va, uint32_t access, uint64_t trap_stamp)
{
	struct vm_region *r = t->task->region_hint;
	if (!r || va - r->start >= r->end - r->start || (access & ~r->prot))
		return false;
	struct vm_object *o = r->obj;
	uint64_t page = r->offset + ((va - r->start) >> PAGE_SHIFT);
	uint64_t e = vmo_lookup(o, page);
	bool write_locked = (e & VPE_PRESENT) && (access & VM_W) && (e & VPE_NOWRITE);
	if ((e & VPE_PRESENT) && !write_locked) { /* fault_common's order */
		if (vm_map_entry(r, va, e, true))
			return false;
		o->minor++;
		vm_faults_minor++;
		return true;
	}
	if (o->failed || o->lab)
		return false;
	if (write_locked || (o->pager && !o->anon))
		return o->pager && vm_request_page_fast(t, o, page, va, access,
							write_locked ? FAULT_UNLOCK : FAULT_DATA,
							trap_stamp);
	return !(e & VPE_PAGED) && !o->backing && zero_fill_fast(r, va, page, trap_stamp);
}

enum vm_fault_result vm_fault(struct thread *t, uaddr_t va, uint32_t access,
			      uint64_t trap_stamp)
{
	return fault_common(t, va, access, trap_stamp, true);
}

__attribute__((noinline)) enum vm_fault_result vm_fault_syscall(struct thread *t, uaddr_t va,
								uint32_t access)
{
	return fault_common(t, va, access, vm_now(), false);
}

void vm_stats_fill(struct vm_stats *st)
{
	st->faults_minor = vm_faults_minor;
	st->faults_major = vm_faults_major;
	st->faults_kernel = vm_faults_kernel;
	st->faults_cow = vm_faults_cow;
	st->supplies = vm_pages_supplied;
	st->objects = vm_objects_live;
	uint64_t n = 0;
	list_for_each(opos, &vm_all_objects) {
		struct vm_object *o = list_entry(opos, struct vm_object, all_link);
		vmo_for_each_request(req, o)
			n++;
	}
	st->requests = n;
}
