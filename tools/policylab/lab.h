/*
 * The policy lab's replay (host only): a trace of page references,
 * replayed with a number of frames through one of the policies of
 * pagers/mm/policy/ (the very files the guest's manager runs) in one of
 * two models, or through exact LRU or OPT (Belady's MIN), counting
 * faults and disk writes (evictions of dirty pages).
 *
 * Trace format (text): one reference per line, a page number in decimal,
 * then `w` if the reference is a write (`12w`), else a read (`12`).
 * Blank lines and lines starting with `#` are skipped; anything else is
 * an error. Page numbers are any 64-bit values; the replay numbers them
 * densely, keeping their order.
 *
 * Models:
 *   textbook  refsim_run (refsim.h): the policy hears of every reference;
 *             a tick every `tick` references (aging, NRU).
 *   guest     refsim_run_guest (refsim.h): the policy hears only of the
 *             A/D bits harvested at each fault, as in the guest's exact
 *             N-frame mode.
 * LRU and OPT do not depend on the model. OPT evicts the resident page
 * whose next use is farthest away (never again counts as farthest; ties
 * go to the lowest page number); it minimises faults, not writes.
 * Every policy starts fresh with pol_init(kind, frames, ..., seed 1,
 * tau default).
 */
#ifndef TOOLS_POLICYLAB_LAB_H
#define TOOLS_POLICYLAB_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pagers/mm/policy/policy.h"

struct lab_trace {
	size_t n, cap;
	uint64_t *page;  /* dense numbers, 0..npages-1, after lab_trace_finish */
	bool *write;
	uint64_t npages;
	size_t *next;    /* index of the page's next reference, or SIZE_MAX */
};

enum lab_model { LAB_TEXTBOOK, LAB_GUEST };

/* The policies' kinds, then these two. */
#define LAB_LRU POL_NKINDS
#define LAB_OPT (POL_NKINDS + 1)
#define LAB_NALGOS (POL_NKINDS + 2)

struct lab_result {
	uint64_t faults, writes;
};

/* 0, or -1 (out of memory). */
int lab_trace_add(struct lab_trace *t, uint64_t page, bool write);
/* Reads a whole trace; 0, or -1 with a message on stderr naming the line. */
int lab_trace_read(struct lab_trace *t, FILE *f, const char *name);
/* Numbers the pages densely and links the next uses; 0 or -1. */
int lab_trace_finish(struct lab_trace *t);
void lab_trace_free(struct lab_trace *t);

const char *lab_algo_name(int algo);
int lab_algo_by_name(const char *name);
int lab_model_by_name(const char *name);

/* algo: a pol_kind, LAB_LRU or LAB_OPT; 0, or a negative error. */
int lab_run(const struct lab_trace *t, int algo, uint32_t frames, enum lab_model model,
	    uint32_t tick, struct lab_result *out);

#endif
