/*
 * init: the root task. The kernel starts it with handles to itself
 * (H_SELF), the system object (H_SYSTEM) and every boot module; argv holds
 * the words of the kernel's bootargs.
 *
 * It starts the programs named in bootargs (separate several with ";"),
 * handing each every boot module, waits for all of them and powers the
 * machine off with the first non-zero exit status (0 if all succeeded).
 */
#include "libipc/ulib.h"

#define MAX_PROGS 8

static int start(char **argv)
{
	int32_t mods[64];
	int n = module_handles(mods, 64);
	int h = spawn((const char *const *)argv, mods, (uint32_t)n);
	if (h < 0)
		uprintf("init: cannot start %s: %s\n", argv[0], err_name(h));
	else
		uprintf("init: started %s\n", argv[0]);
	return h;
}

static int exit_code(long status)
{
	if (status & TASK_STATUS_KILLED)
		return 0x7f;
	return (int)(status & 0xff);
}

int main(int argc, char **argv)
{
	int tasks[MAX_PROGS], ntasks = 0, code = 0;
	int first = 1;
	for (int i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], ";") != 0)
			continue;
		argv[i < argc ? i : argc] = 0; /* terminate this program's argv */
		if (i > first && ntasks < MAX_PROGS) {
			int h = start(&argv[first]);
			if (h >= 0)
				tasks[ntasks++] = h;
			else
				code = 1;
		}
		first = i + 1;
	}
	if (ntasks == 0 && code == 0)
		uprintf("init: no program named in bootargs; nothing to run\n");
	for (int i = 0; i < ntasks; i++) {
		long status = sys_task_wait(tasks[i]);
		struct task_info ti;
		sys_task_info(tasks[i], &ti);
		uprintf("init: %s exited with status %ld\n", ti.name, status);
		if (code == 0)
			code = exit_code(status);
	}
	sys_poweroff(H_SYSTEM, code);
	return code;
}
