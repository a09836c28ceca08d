/* What spawn_hello_from_disk_* start on the Linux peer: a static program
 * that prints one line, as servers/hello does on ours. Built twice: on
 * musl (the libc ours link) and on glibc. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from user space: %d args, %s\n", argc, argv[0]);
	return 0;
}
