/*
 * KEEP_CALL(fn, args...): a fast path's rare call, through keep_call
 * (entry.S), which saves and restores every caller-saved register
 * itself. To the compiler the call is an asm that changes a0, t0 and ra
 * (and memory) only, so the path's values stay in a1..a7 and t1..t6
 * across it: a path whose only calls go this way (and to functions that
 * never return) needs no callee-saved register, and so no frame saving
 * them on every run; the rare call pays some 30 instructions instead.
 * fn takes up to three integer or pointer arguments; the expression has
 * fn's result type. Built for the host (the unit tests), a plain call.
 */
#ifndef KERN_KEEP_CALL_H
#define KERN_KEEP_CALL_H

#include "kern/types.h"

#if defined(__riscv)
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

#define KEEP_CALL_ARGS(...) KEEP_CALL_ARGS_(__VA_ARGS__ __VA_OPT__(,) 0, 0, 0)
#define KEEP_CALL_ARGS_(x, y, z, ...) (uint64_t)(x), (uint64_t)(y), (uint64_t)(z)
#define KEEP_CALL(fn, ...)                  \
	((__typeof__(fn(__VA_ARGS__)))keep_call3((const void *)(fn), KEEP_CALL_ARGS(__VA_ARGS__)))
#else
#define KEEP_CALL(fn, ...) fn(__VA_ARGS__)
#endif

#endif
