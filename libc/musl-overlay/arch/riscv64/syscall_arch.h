/*
 * musl's system call layer for this kernel. scripts/musl-build copies it
 * over musl's arch/riscv64/syscall_arch.h.
 *
 * musl issues Linux riscv64 system calls by number. Here none of them
 * traps: each becomes a plain call to __mk_syscall (libc/syscall.c,
 * linked into every user program), which turns it into this kernel's
 * calls and returns a result or a negated Linux errno, as the Linux
 * system call would. The kernel never sees a Linux system call number.
 */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long __mk_syscall(long n, long a, long b, long c, long d, long e, long f);

static inline long __syscall0(long n)
{
	return __mk_syscall(n, 0, 0, 0, 0, 0, 0);
}

static inline long __syscall1(long n, long a)
{
	return __mk_syscall(n, a, 0, 0, 0, 0, 0);
}

static inline long __syscall2(long n, long a, long b)
{
	return __mk_syscall(n, a, b, 0, 0, 0, 0);
}

static inline long __syscall3(long n, long a, long b, long c)
{
	return __mk_syscall(n, a, b, c, 0, 0, 0);
}

static inline long __syscall4(long n, long a, long b, long c, long d)
{
	return __mk_syscall(n, a, b, c, d, 0, 0);
}

static inline long __syscall5(long n, long a, long b, long c, long d, long e)
{
	return __mk_syscall(n, a, b, c, d, e, 0);
}

static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	return __mk_syscall(n, a, b, c, d, e, f);
}

/* No vDSO: clock_gettime goes through __mk_syscall like everything else. */

#define IPC_64 0
