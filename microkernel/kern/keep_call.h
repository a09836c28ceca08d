/*
 * A fast path's rare call through keep_call (entry.S), which saves and
 * restores every caller-saved register itself: to the compiler the call
 * is an asm that changes a0, t0 and ra (and memory) only, so the path's
 * values stay in a1..a7 and t1..t6 across it. A path whose only calls go
 * this way (and to functions that never return) needs no callee-saved
 * register, and so no frame saving them on every run; the rare call pays
 * some 30 instructions instead. The function takes up to three integer or
 * pointer arguments and returns one (or nothing).
 */
#ifndef KERN_KEEP_CALL_H
#define KERN_KEEP_CALL_H

#include "kern/types.h"

static inline __attribute__((always_inline)) uint64_t keep_call3(const void *fn, uint64_t x,
								 uint64_t y, uint64_t z)
{
	register uint64_t a0 __asm__("a0") = x;
	register uint64_t a1 __asm__("a1") = y;
	register uint64_t a2 __asm__("a2") = z;
	register const void *t0 __asm__("t0") = fn;
	__asm__ volatile("call keep_call" : "+r"(a0), "+r"(t0) : "r"(a1), "r"(a2) : "ra", "memory");
	return a0;
}

#define KEEP_CALL(fn, x, y, z) keep_call3((const void *)(fn), (uint64_t)(x), (uint64_t)(y), (uint64_t)(z))

#endif
