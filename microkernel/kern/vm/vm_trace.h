/*
 * The fault trace: each fault's stages (trap, FAULT sent, received by the
 * pager, supply, resume) stamped in instructions into a ring that user
 * space reads (SYS_TRACE_READ; the shell's `trace`).
 */
#ifndef KERN_VM_TRACE_H
#define KERN_VM_TRACE_H

#include "kern/task.h"

#include "uapi/pager.h"

uint64_t vm_now(void); /* instruction count, the trace's clock */

/* Opens the next record of the ring (SYS_TRACE_READ) for a fault: its
 * stamps after TRACE_TRAP read 0 (not reached) until set, but for a FAULT
 * handed over as the record opens, sent and received at `sent` (0: not
 * yet). The record is the fault's until the ring comes round again
 * (16,384 faults later); a fault still open then stamps the newer one,
 * harmlessly. */
struct trace_record *trace_open(uint64_t fault_id, uint64_t pager, uint64_t trap_stamp,
			       uint64_t sent);

/* Stamps a stage of a record (stage < TRACE_NSTAGES): a store. */
static inline void trace_set(struct trace_record *r, int stage, uint64_t value)
{
	r->stamp[stage] = value;
}

static inline void trace_stamp(struct trace_record *r, int stage)
{
	trace_set(r, stage, vm_now());
}

int64_t trace_read(struct task *t, uint64_t first, uaddr_t out, uint64_t max);

#endif
