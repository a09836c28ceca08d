/* The fault trace ring; see kern/vm/vm_trace.h. */
#include "kern/vm/vm_trace.h"

#include "kern/arch.h"
#include "kern/usercopy.h"
#include "uapi/pager.h"

#define TRACE_SLOTS 16384 /* >= the benchmarks' sample count */
static struct trace_record trace_ring[TRACE_SLOTS];
static uint64_t trace_next; /* records ever opened */

uint64_t vm_now(void)
{
	return arch_instret();
}

struct trace_record *trace_open(uint64_t fault_id, uint64_t pager, uint64_t trap_stamp,
			       uint64_t sent)
{
	_Static_assert(TRACE_SENT == TRACE_TRAP + 1 && TRACE_RECEIVED == TRACE_SENT + 1,
		       "the stages in order");
	struct trace_record *r = &trace_ring[trace_next++ % TRACE_SLOTS];
	r->fault_id = fault_id;
	r->pager = pager;
	r->stamp[TRACE_TRAP] = trap_stamp;
	r->stamp[TRACE_SENT] = sent;
	r->stamp[TRACE_RECEIVED] = sent;
	for (int s = TRACE_RECEIVED + 1; s < TRACE_NSTAGES; s++)
		r->stamp[s] = 0;
	return r;
}

int64_t trace_read(struct task *t, uint64_t first, uaddr_t out, uint64_t max)
{
	/* Records older than the ring are gone; first past the end: none. */
	uint64_t lo = trace_next > TRACE_SLOTS ? trace_next - TRACE_SLOTS : 0;
	if (first < lo)
		first = lo;
	uint64_t n = first < trace_next ? MIN(max, trace_next - first) : 0;
	if (n > 64)
		n = 64; /* one page's worth a call */
	int err = user_check(t, out, n * sizeof(struct trace_record), true);
	if (err)
		return err;
	for (uint64_t i = 0; i < n; i++)
		copy_to_user(t, out + i * sizeof(struct trace_record),
			     &trace_ring[(first + i) % TRACE_SLOTS], sizeof(struct trace_record));
	return (int64_t)n;
}
