/*
 * A Linux system call by a raw ecall, with no libc: the timed paths of
 * linux-bench.c and the libc-free program tiny.c both use it.
 */
#ifndef PEERS_ECALL_H
#define PEERS_ECALL_H

static inline long sys3(long nr, long a, long b, long c)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
	return a0;
}

#endif
