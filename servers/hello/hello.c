/* The program `make run` starts by default: shows that user space runs. */
#include "libipc/ulib.h"

int main(int argc, char **argv)
{
	struct sysinfo si;
	sys_sysinfo(&si);
	uprintf("hello from user space: %d args, %lu of %lu frames free, %lu tasks\n",
		argc, (unsigned long)si.frames_free, (unsigned long)si.frames_total,
		(unsigned long)si.ntasks);
	for (int i = 1; i < argc; i++)
		uprintf("  argv[%d] = %s\n", i, argv[i]);
	return 0;
}
