/* A small program to run from the shell: shows that user space runs and
 * that its stdio reaches the console. */
#include <stdio.h>

#include "libipc/sys.h"

int main(int argc, char **argv)
{
	struct sysinfo si;
	sys_sysinfo(&si);
	printf("hello from user space: %d args, %lu of %lu frames free, %lu tasks\n", argc,
	       (unsigned long)si.frames_free, (unsigned long)si.frames_total,
	       (unsigned long)si.ntasks);
	for (int i = 1; i < argc; i++)
		printf("  argv[%d] = %s\n", i, argv[i]);
	return 0;
}
