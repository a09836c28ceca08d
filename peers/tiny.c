/* spawn_tiny_from_disk_*: no libc, one write and an exit, so the figure is
 * the kernel's fork, exec, exit and wait alone. */
#include <sys/syscall.h>

#include "ecall.h"

void _start(void) __attribute__((noreturn));
void _start(void)
{
	static const char msg[] = "tiny\n";
	sys3(SYS_write, 1, (long)msg, sizeof msg - 1);
	for (;;)
		sys3(SYS_exit, 0, 0, 0);
}
