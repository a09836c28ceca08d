/*
 * init: the root task. The kernel starts it with handles to itself
 * (H_SELF), the system object (H_SYSTEM) and every boot module; argv holds
 * the words of the kernel's bootargs.
 *
 * Boot steps:
 *   1. create the name server's endpoint and start the name server with
 *      the receive side (its H_NAME);
 *   2. start the zero-fill pager and publish it as "pager.zero";
 *   3. start the programs named in bootargs (separate several with ";"),
 *      handing each the send side of the name endpoint (H_NAME) and every
 *      boot module;
 *   4. wait for those programs and power the machine off with the first
 *      non-zero exit status (0 if all succeeded).
 */
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/name/name_proto.h"

#define MAX_PROGS 8
#define MAX_HANDED 64

static int name_ep = -1;

static void start_name_server(void)
{
	long ep = sys0(SYS_ENDPOINT_CREATE);
	char *argv[] = { "name", 0 };
	int32_t hs[1] = { (int32_t)ep };
	uint32_t rights[1] = { R_RECV };
	int h = ep < 0 ? (int)ep : spawn((const char *const *)argv, hs, rights, 1);
	if (h < 0) {
		uprintf("init: no name server: %s\n", err_name(h));
		return;
	}
	name_ep = (int)ep;
	uprintf("init: started name server\n");
}

static struct ipc_buffer buf;

/* Starts a pager with its endpoint's receive side at slot 1 and
 * publishes the send side under `name` in the name server. */
static void start_pager(const char *prog, const char *name)
{
	long ep = sys0(SYS_ENDPOINT_CREATE);
	char *argv[] = { (char *)prog, 0 };
	int32_t hs[1] = { (int32_t)ep };
	uint32_t rights[1] = { R_RECV };
	int h = ep < 0 ? (int)ep : spawn((const char *const *)argv, hs, rights, 1);
	uint64_t w[NAME_WORDS];
	int32_t send[1] = { (int32_t)ep };
	uint32_t send_rights[1] = { R_SEND | R_GRANT };
	long err = h < 0 ? h : !name_pack(name, w) ? -E_INVAL
		: ipc_request(name_ep, &buf, NAME_REGISTER, w, NAME_WORDS, send, send_rights, 1,
			      0, 0, 0);
	if (err < 0)
		uprintf("init: no %s: %s\n", name, err_name(err));
	else
		uprintf("init: started %s as %s\n", prog, name);
}

static int start(char **argv)
{
	int32_t hs[MAX_HANDED];
	uint32_t rights[MAX_HANDED];
	int n = 0;
	if (name_ep >= 0) {
		hs[n] = name_ep;
		rights[n++] = R_SEND | R_GRANT;
	}
	int nmod = module_handles(hs + n, MAX_HANDED - n);
	for (int i = 0; i < nmod; i++)
		rights[n + i] = R_READ | R_GRANT;
	n += nmod;
	int h = spawn((const char *const *)argv, hs, rights, (uint32_t)n);
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
	ipc_buffer_setup(&buf);
	start_name_server();
	if (name_ep >= 0)
		start_pager("zero", "pager.zero");
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
