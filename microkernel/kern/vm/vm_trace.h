/*
 * The fault trace: each fault's stages (trap, FAULT sent, received by the
 * pager, supply, resume) stamped in instructions into a ring that user
 * space reads (SYS_TRACE_READ; the shell's `trace`).
 */
#ifndef KERN_VM_TRACE_H
#define KERN_VM_TRACE_H

#include "kern/task.h"

/* Fault trace ring (SYS_TRACE_READ). */
int trace_open(uint64_t fault_id, uint64_t pager, uint64_t trap_stamp);
void trace_stamp(int slot, int stage);
void trace_set(int slot, int stage, uint64_t value);
int64_t trace_read(struct task *t, uint64_t first, uaddr_t out, uint64_t max);
uint64_t vm_now(void); /* instruction count, the trace's clock */

#endif
