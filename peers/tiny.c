/* spawn_tiny_from_disk_*: no libc, one write and an exit, so the figure is
 * the kernel's fork, exec, exit and wait alone. */
#include <sys/syscall.h>

static long sys3(long nr, long a, long b, long c)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
	return a0;
}

void _start(void) __attribute__((noreturn));
void _start(void)
{
	static const char msg[] = "tiny\n";
	sys3(SYS_write, 1, (long)msg, sizeof msg - 1);
	for (;;)
		sys3(SYS_exit, 0, 0, 0);
}
