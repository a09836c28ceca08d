/*
 * The clock the fault trace's stamps run on, for `trace` and `pagers`
 * (the pagers' names come from vminfo.c).
 *
 * The stamps are the hart's instret. Under QEMU -icount (shift 0) that
 * counts instructions: 100 a tick of the 10 MHz timer, exactly. Without
 * -icount QEMU returns the host's cycle counter, which runs at a rate of
 * its own: it is measured against the timer and the figures are given
 * in timer ticks.
 */
#include "libipc/ulib.h"
#include "servers/shell/trace_names.h"

/* instret and the timer across a busy loop of about a million
 * instructions (a few timer ticks' worth even at 2^-0 ns each). */
void trace_clock_probe(struct trace_clock *c)
{
	uint64_t t0 = rd_time(), i0 = rd_instret();
	for (volatile uint32_t k = 0; k < 200000; k++)
		;
	uint64_t t1 = rd_time(), i1 = rd_instret();
	c->per_tick_num = i1 - i0;
	c->per_tick_den = t1 > t0 ? t1 - t0 : 1;
	/* -icount shift=0: 100 per tick, to within the loop's edges. */
	uint64_t per100 = c->per_tick_num * 100 / c->per_tick_den;
	c->icount = per100 >= 9900 && per100 <= 10100;
}

uint64_t trace_clock_units(const struct trace_clock *c, uint64_t stamps)
{
	if (c->icount)
		return stamps;
	return (uint64_t)((unsigned __int128)stamps * c->per_tick_den / c->per_tick_num);
}
