/*
 * Helper program the QEMU test runner spawns to misbehave on purpose.
 * argv[1] picks the behaviour:
 *   exit N   exit with status N
 *   spin     loop forever without yielding
 *   segv     load from an unmapped address
 *   wrtext   store into its own (read-only) text
 *   priv     execute a privileged instruction (csrr sstatus)
 *   fpu N    floating-point work that checks its own registers, N rounds
 */
#include "libipc/ulib.h"

static long parse_num(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Keeps values in FP registers across many instructions (and so across
 * preemptions) and checks they are what the arithmetic says. */
static int fpu_rounds(long rounds)
{
	for (long r = 0; r < rounds; r++) {
		volatile double seed = (double)(r + 1);
		double a = seed, b = seed * 2.0, c = seed * 3.0, d = 0.0;
		for (int i = 0; i < 20000; i++) {
			d += a + b - c; /* always zero */
			a += 1.0, b += 2.0, c += 3.0;
		}
		if (d != 0.0 || a != seed + 20000.0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *cmd = argv[1];
	long n = argc > 2 ? parse_num(argv[2]) : 0;
	if (strcmp(cmd, "exit") == 0)
		return (int)n;
	if (strcmp(cmd, "spin") == 0)
		for (;;)
			__asm__ volatile("");
	if (strcmp(cmd, "segv") == 0)
		return *(volatile int *)0x7000;
	if (strcmp(cmd, "wrtext") == 0) {
		*(volatile int *)(void *)main = 0;
		return 0;
	}
	if (strcmp(cmd, "priv") == 0) {
		uint64_t v;
		__asm__ volatile("csrr %0, sstatus" : "=r"(v));
		return (int)v;
	}
	if (strcmp(cmd, "fpu") == 0)
		return fpu_rounds(n);
	return 3;
}
