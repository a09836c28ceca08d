/*
 * Zero-fill pager protocol (client side), on the pager's endpoint.
 *
 *   ZERO_CREATE   w0: size in bytes (page multiple)
 *                 reply: status; 1 handle: the new memory object, with
 *                 R_MAP | R_READ | R_GRANT | R_CONTROL (not R_PAGER)
 *   ZERO_STATS    reply: w0 faults served, w1 faults failed, w2 pool
 *                 pages ready, w3 objects, w4 pages the refill thread wired
 *   ZERO_PREFILL  w0: pool size wanted (pages): wires the pool up now
 *                 (benchmarks use it to start from a warm pool) 
 *   ZERO_DRAIN    empties the pool (benchmarks: the cold path)
 *   ZERO_CLUSTER  w0: pages per supply (1..64); 1 uses the pool
 *   ZERO_ADOPT    handles[0]: an object (R_CONTROL) to take over from its
 *                 pager (a rebind); reply: w0 the new binding's epoch
 */
#ifndef PAGERS_ZERO_PROTO_H
#define PAGERS_ZERO_PROTO_H

enum zero_label {
	ZERO_CREATE = 1,
	ZERO_STATS = 2,
	ZERO_PREFILL = 3,
	ZERO_DRAIN = 4,
	ZERO_CLUSTER = 5,
	ZERO_ADOPT = 6,
};

#endif
