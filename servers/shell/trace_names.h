/* Pager names and the stamps' clock for the shell's `trace` (trace_names.c). */
#ifndef SERVERS_SHELL_TRACE_NAMES_H
#define SERVERS_SHELL_TRACE_NAMES_H

#include <stdbool.h>
#include <stdint.h>

struct trace_name {
	uint64_t pager;   /* endpoint kernel id */
	const char *name; /* on the name server, else its task's name */
	uint32_t task;    /* the task that made the endpoint; 0: gone */
};

/* The pagers of the live memory objects, named (vminfo.c); returns how
 * many went into out[0..max). Makes no fault: the ring is left as it is. */
int trace_names_probe(struct trace_name *out, int max);

struct trace_clock {
	bool icount;          /* stamps are instructions (QEMU -icount) */
	uint64_t per_tick_num; /* stamp units per timer tick: num / den */
	uint64_t per_tick_den;
};
void trace_clock_probe(struct trace_clock *c);
/* A stamp difference in instructions (icount) or timer ticks. */
uint64_t trace_clock_units(const struct trace_clock *c, uint64_t stamps);

#endif
