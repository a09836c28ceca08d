/*
 * Page faults on memory objects: the lookup of region, page and shadow
 * chain that ends in a mapping, a zero fill, a copy-up or a pager request
 * (kern/vm/vm_request.h). uapi/pager.h tells the whole protocol.
 */
#ifndef KERN_VM_FAULT_H
#define KERN_VM_FAULT_H

#include "arch/riscv/sv39.h"
#include "kern/vm/vm_object.h"
#include "kern/vm/vm_request.h"
#include "kern/vm/vm_trace.h"

/* Handles a fault by t at va needing access (VM_R/W/X). trap_stamp is
 * the instruction count at the trap, for the fault trace. */
enum vm_fault_result vm_fault(struct thread *t, uaddr_t va, uint32_t access,
			      uint64_t trap_stamp);

/* The trap's fast path: a minor fault, or a page a pager waiting in
 * receive must provide (handed to it: it is current, t blocked). True if
 * done; false, nothing changed, and vm_fault decides. No calls but rare
 * ones through keep_call (kern/keep_call.h). */
bool vm_fault_fast(struct thread *t, uaddr_t va, uint32_t access, uint64_t trap_stamp);

/* The same for a system call's access to t's own memory (usercopy). */
enum vm_fault_result vm_fault_syscall(struct thread *t, uaddr_t va, uint32_t access);

struct vm_stats;
/* System-wide fault and object counts (SYS_VM_STATS). */
void vm_stats_fill(struct vm_stats *st);
extern uint64_t vm_objects_live, vm_pages_supplied;
extern uint64_t vm_faults_minor, vm_faults_major, vm_faults_kernel, vm_faults_cow;

#endif
