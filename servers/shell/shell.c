/*
 * The shell (see shell.h): prompt "mk> ", one command per line.
 *
 * A command line, step by step:
 *   1. print the prompt (CONS_READ flushes it, though it has no newline);
 *   2. read a line (fgets); end of input powers the machine off, status 0;
 *   3. split it into words; a last word "&" runs a program in the
 *      background;
 *   4. find the command in the table and run it; a word that is no
 *      command but a program file (a path, or NAME in the disk's /bin)
 *      runs that program as `run` would; unknown commands and bad
 *      arguments get one line saying so.
 *
 * Ctrl-C: lines are edited in lineedit.c (the console in raw mode), where
 * Ctrl-C drops the line. While a command runs the console is cooked and
 * Ctrl-C there signals the shell's interrupt notification (CONS_INTR);
 * the interrupt thread kills the foreground job, whose wait then ends.
 *
 * Programs it runs get the handles init would give them (spawn_std): the
 * name server, the system object read-only, the console with a badge of
 * their own (CONS_OPEN), the boot modules. Background programs are jobs,
 * named by task id, until `wait` collects them.
 */
#define _DEFAULT_SOURCE /* sync */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include "lib/words.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/console/console_proto.h"
#include "servers/shell/shell.h"

#define LINE_MAX 2048 /* SPAWN_MAX_ARGS: a program's argv takes as much */
#define MAX_WORDS 256
#define MAX_JOBS 16

struct ipc_buffer shell_buf;

struct job {
	int task;     /* task handle; 0: free */
	uint32_t id;  /* task id */
	char cmd[64]; /* the command line, for jobs */
};

static struct job jobs[MAX_JOBS];

/* The foreground job's task handle (0: none) and whether Ctrl-C killed
 * it. Written by the main thread around the wait, read by the interrupt
 * thread; one word each, so either sees a whole value. */
static volatile int fg_task;
static volatile bool fg_interrupted;

static int intr_note;
static uint64_t intr_stack[1024] __attribute__((aligned(16)));

/* The interrupt thread: system calls only (no stdio, no IPC buffer). */
static void intr_thread(void *arg)
{
	for (;;) {
		uint64_t bits;
		if (notify_wait(intr_note, &bits, 0) < 0)
			return;
		int h = fg_task;
		if (h && sys_task_kill(h) == 0)
			fg_interrupted = true;
	}
}

/* Asks the console for Ctrl-C and starts the thread that hears it. */
static void intr_setup(void)
{
	long note = sys_notify_create();
	if (note < 0)
		return;
	intr_note = (int)note;
	uint64_t w[1] = { 1 };
	int32_t hs[1] = { intr_note }; /* a copy with R_SEND goes */
	uint32_t rights[1] = { R_SEND };
	if (ipc_request(H_CONSOLE, &shell_buf, CONS_INTR, w, 1, hs, rights, 1, 0, 0, 0) != 0)
		return;
	thread_spawn(intr_thread, 0, intr_stack, sizeof(intr_stack), PRIO_DEFAULT);
}

bool shell_system(uint32_t rights)
{
	return handle_is(H_SYSINFO, OBJ_SYSTEM, rights);
}

static bool client_endpoint(int h)
{
	return handle_is(h, OBJ_ENDPOINT, R_SEND) && !handle_is(h, OBJ_ENDPOINT, R_RECV);
}

/* --- starting programs ------------------------------------------------------ */

/* A console handle with a fresh badge for a program (its lines then never
 * mix with ours), or our own if the console hands out none; -1: none. */
static int console_for_child(void)
{
	if (!client_endpoint(H_CONSOLE))
		return -1;
	long err = ipc_request(H_CONSOLE, &shell_buf, CONS_OPEN, 0, 0, 0, 0, 0, 0, 0, 0);
	return err == 0 ? shell_buf.handles[0] : H_CONSOLE;
}

static const char *spawn_error(long err)
{
	switch (-err) {
	case E_NOENT:
		return "no such program";
	case E_FORMAT:
		return "not a program";
	case E_NOMEM:
		return "out of memory";
	default:
		return err_name(err);
	}
}

/* Starts argv[0]: a path names a program file; a bare name is the disk's
 * /bin/NAME if there is one, else the boot module NAME. Returns the task
 * handle or prints why not and returns < 0. */
static int start_program(char **argv)
{
	static char path[64]; /* argv[0] may point here after we return */
	if (!strchr(argv[0], '/') && strlen(argv[0]) < sizeof(path) - 5) {
		snprintf(path, sizeof(path), "/bin/%s", argv[0]);
		if (access(path, X_OK) == 0 || access(path, R_OK) == 0)
			argv[0] = path;
	}
	int con = console_for_child();
	struct std_handles sh = {
		.name = client_endpoint(H_NAME) ? H_NAME : -1,
		.sys = shell_system(R_READ | R_GRANT) ? H_SYSINFO : -1,
		.sys_rights = R_READ,
		.console = con,
		.mm = -1,
	};
	int h = spawn_std((const char *const *)argv, &sh);
	if (con >= 0 && con != H_CONSOLE)
		sys_handle_close(con);
	if (h < 0)
		printf("run: cannot start %s: %s\n", argv[0], spawn_error(h));
	return h;
}

static uint32_t task_id(int h)
{
	struct task_info ti;
	return sys_task_info(h, &ti) == 0 ? ti.id : 0;
}

/* "exited with status 3", "killed", ... for a status from SYS_TASK_WAIT. */
static void describe_status(long status, char *out, size_t size)
{
	if (status < 0)
		snprintf(out, size, "cannot be waited for (%s)", err_name(status));
	else if (!(status & TASK_STATUS_KILLED))
		snprintf(out, size, "exited with status %ld", status);
	else if ((status & 0xff) == TASK_KILLED_BY_REQUEST)
		snprintf(out, size, "killed");
	else if ((status & 0xff) == TASK_KILLED_PAGER)
		snprintf(out, size, "killed: its pager failed");
	else
		snprintf(out, size, "killed by a fault (scause %ld)", status & 0xff);
}

/* Waits for task handle h, reports how it ended and closes h. */
static void collect(int h, uint32_t id, const char *what)
{
	long status = sys_task_wait(h);
	char how[64];
	describe_status(status, how, sizeof(how));
	printf("[task %u] %s %s\n", id, what, how);
	sys_handle_close(h);
}

/* As collect, for the foreground job: Ctrl-C may kill it meanwhile. */
static void collect_foreground(int h, uint32_t id, const char *what)
{
	fg_interrupted = false;
	fg_task = h;
	long status = sys_task_wait(h);
	fg_task = 0;
	char how[64];
	describe_status(status, how, sizeof(how));
	bool intr = fg_interrupted && status >= 0 && (status & TASK_STATUS_KILLED) &&
		    (status & 0xff) == TASK_KILLED_BY_REQUEST;
	printf("[task %u] %s %s%s\n", id, what, how, intr ? " (Ctrl-C)" : "");
	sys_handle_close(h);
}

static void join_words(char **argv, char *out, size_t size)
{
	size_t at = 0;
	out[0] = 0;
	for (int i = 0; argv[i] && at + 1 < size; i++)
		at += (size_t)snprintf(out + at, size - at, i ? " %s" : "%s", argv[i]);
}

static void run_foreground(char **argv)
{
	int h = start_program(argv);
	if (h >= 0)
		collect_foreground(h, task_id(h), argv[0]);
}

static void run_background(char **argv)
{
	struct job *j = 0;
	for (int i = 0; i < MAX_JOBS && !j; i++)
		if (!jobs[i].task)
			j = &jobs[i];
	if (!j) {
		printf("run: too many jobs (%d); wait for some first\n", MAX_JOBS);
		return;
	}
	int h = start_program(argv);
	if (h < 0)
		return;
	*j = (struct job){ .task = h, .id = task_id(h) };
	join_words(argv, j->cmd, sizeof(j->cmd));
	printf("[task %u] %s started in the background\n", j->id, argv[0]);
}

/* --- commands ------------------------------------------------------------------ */

static void cmd_run(int argc, char **argv)
{
	bool background = argc > 1 && strcmp(argv[argc - 1], "&") == 0;
	if (background)
		argv[--argc] = 0;
	if (argc < 2) {
		printf("usage: run PROGRAM [ARGS...] [&]\n");
		return;
	}
	if (background)
		run_background(&argv[1]);
	else
		run_foreground(&argv[1]);
}

static void cmd_bench(int argc, char **argv)
{
	char *bargv[] = { "bench", 0 };
	run_foreground(bargv);
}

/* A task id as typed: decimal digits only. */
static bool parse_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > UINT32_MAX / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* The job named by argv[1] (a task id), or NULL after saying why not. */
static struct job *job_arg(const char *cmd, const char *arg)
{
	uint32_t id;
	if (!parse_id(arg, &id)) {
		printf("%s: '%s' is not a task id\n", cmd, arg);
		return 0;
	}
	for (int i = 0; i < MAX_JOBS; i++)
		if (jobs[i].task && jobs[i].id == id)
			return &jobs[i];
	printf("%s: task %u is not a job of this shell (see jobs)\n", cmd, id);
	return 0;
}

int shell_job_task(uint32_t id)
{
	for (int i = 0; i < MAX_JOBS; i++)
		if (jobs[i].task && jobs[i].id == id)
			return jobs[i].task;
	return -E_NOENT;
}

static void cmd_jobs(int argc, char **argv)
{
	bool any = false;
	for (int i = 0; i < MAX_JOBS; i++) {
		struct job *j = &jobs[i];
		struct task_info ti;
		if (!j->task || sys_task_info(j->task, &ti) < 0)
			continue;
		char state[64] = "running";
		if (ti.state == TASK_DEAD)
			describe_status(ti.status, state, sizeof(state));
		printf("[task %u] %-28s %s\n", j->id, state, j->cmd);
		any = true;
	}
	if (!any)
		printf("no jobs\n");
}

static void cmd_kill(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: kill TASK-ID\n");
		return;
	}
	struct job *j = job_arg("kill", argv[1]);
	if (!j)
		return;
	long err = sys_task_kill(j->task);
	if (err < 0)
		printf("kill: task %u: %s\n", j->id, err_name(err));
	else
		printf("[task %u] kill sent\n", j->id);
}

static void wait_job(struct job *j)
{
	collect(j->task, j->id, j->cmd);
	*j = (struct job){ 0 };
}

static void cmd_wait(int argc, char **argv)
{
	if (argc > 2) {
		printf("usage: wait [TASK-ID]\n");
		return;
	}
	if (argc == 2) {
		struct job *j = job_arg("wait", argv[1]);
		if (j)
			wait_job(j);
		return;
	}
	bool any = false;
	for (int i = 0; i < MAX_JOBS; i++) {
		if (jobs[i].task) {
			wait_job(&jobs[i]);
			any = true;
		}
	}
	if (!any)
		printf("wait: no jobs\n");
}

static _Noreturn void power_off(int code)
{
	fflush(stdout);
	sync(); /* the files' dirty pages to the disk first */
	if (shell_system(R_CONTROL))
		sys_poweroff(H_SYSINFO, code);
	/* No right to: init powers off once its programs have ended. */
	exit(code);
}

static void cmd_poweroff(int argc, char **argv)
{
	printf("powering off\n");
	power_off(0);
}

static void cmd_help(int argc, char **argv);

static void print_name(const char *name, void *arg)
{
	printf(" %s", name);
}

struct command {
	const char *name;
	void (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
	{ "help", cmd_help, "help", "this list" },
	{ "ps", cmd_ps, "ps", "every task: id, name, state, threads, memory, ticks" },
	{ "run", cmd_run, "run PROG [ARGS] [&]", "run a boot module; & in the background" },
	{ "jobs", cmd_jobs, "jobs", "programs started in the background" },
	{ "kill", cmd_kill, "kill ID", "kill a job (task id)" },
	{ "wait", cmd_wait, "wait [ID]", "wait for a job, or for all of them" },
	{ "vmstat", cmd_vmstat, "vmstat", "memory and paging statistics" },
	{ "trace", cmd_trace, "trace", "fault latency histograms per pager and stage" },
	{ "maps", cmd_maps, "maps ID", "a task's regions: range, protection, object, resident" },
	{ "objects", cmd_objects, "objects", "memory objects: size, pager, pages, faults" },
	{ "pagers", cmd_pagers, "pagers", "each pager: objects, faults, mean and p99 latency" },
	{ "pagerctl", cmd_pagerctl, "pagerctl [FORM ARGS]", "swap pager: policy, cluster, ..." },
	{ "bench", cmd_bench, "bench", "run the benchmarks (the bench program)" },
	{ "ls", cmd_ls, "ls [-l] [PATH...]", "list a directory" },
	{ "cat", cmd_cat, "cat FILE...", "print files" },
	{ "write", cmd_write, "write FILE TEXT...", "write a line of text into a file" },
	{ "mkdir", cmd_mkdir, "mkdir DIR...", "make directories" },
	{ "rm", cmd_rm, "rm PATH...", "remove files and empty directories" },
	{ "rmdir", cmd_rmdir, "rmdir DIR...", "remove empty directories" },
	{ "cp", cmd_cp, "cp SRC DST", "copy a file" },
	{ "mv", cmd_mv, "mv OLD NEW", "rename a file or directory" },
	{ "df", cmd_df, "df", "the file system's space and inodes" },
	{ "stat", cmd_stat, "stat PATH...", "a file's inode, type, size" },
	{ "cd", cmd_cd, "cd [DIR]", "change the working directory" },
	{ "pwd", cmd_pwd, "pwd", "print the working directory" },
	{ "sync", cmd_sync, "sync", "write every file's changes to the disk" },
	{ "poweroff", cmd_poweroff, "poweroff", "power the machine off" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(int argc, char **argv)
{
	printf("commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-22s %s\n", commands[i].usage, commands[i].help);
	printf("programs (run PROG):");
	shell_each_program(print_name, 0);
	printf("\n");
}

void shell_each_command(void (*fn)(const char *name, void *arg), void *arg)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		fn(commands[i].name, arg);
}

/* Boot modules that are the system itself or the tests' tools: a second
 * name server or console would only fight the first. */
static bool system_module(const char *name)
{
	static const char *const sys[] = { "init", "name", "zero", "swap", "console", "blk", "fs",
					   "shell", "notelf", "testrunner", "sharedpage", "fuzzleaf", "msgfuzz",
					   "pagerfuzz", "sysfuzz" };
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strcmp(name, sys[i]) == 0)
			return true;
	return false;
}

void shell_each_program(void (*fn)(const char *name, void *arg), void *arg)
{
	int32_t mods[64];
	int n = module_handles(mods, 64);
	for (int i = 0; i < n; i++) {
		char name[32];
		if (sys_module_name(mods[i], name, sizeof(name)) >= 0 && !system_module(name))
			fn(name, arg);
	}
	DIR *d = opendir("/bin");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		bool dup = e->d_name[0] == '.';
		for (int i = 0; i < n && !dup; i++) {
			char name[32];
			dup = sys_module_name(mods[i], name, sizeof(name)) >= 0 &&
			      strcmp(name, e->d_name) == 0;
		}
		if (!dup)
			fn(e->d_name, arg);
	}
	if (d)
		closedir(d);
}

/* --- the command loop --------------------------------------------------------- */

/* Splits line into words in place, with quoting (lib/words.h); returns
 * the count (argv NULL-terminated), or -1 after saying what is wrong. */
static int split(char *line, char **argv)
{
	int argc = words_split(line, argv, MAX_WORDS, 0);
	if (argc == WORDS_UNTERMINATED)
		printf("a quote is not closed\n");
	else if (argc == WORDS_TOO_MANY)
		printf("too many words (at most %d)\n", MAX_WORDS);
	return argc < 0 ? -1 : argc;
}

/* Whether name is a program file: a path, or NAME in the disk's /bin. */
static bool is_program_file(const char *name)
{
	char path[64];
	if (strchr(name, '/'))
		return access(name, R_OK) == 0;
	if (strlen(name) >= sizeof(path) - 5)
		return false;
	snprintf(path, sizeof(path), "/bin/%s", name);
	return access(path, R_OK) == 0;
}

static void execute(char *line)
{
	static char *argv[MAX_WORDS + 1];
	int argc = split(line, argv);
	if (argc <= 0)
		return;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(argc, argv);
			return;
		}
	}
	if (is_program_file(argv[0])) { /* `hello a b` is `run hello a b` */
		static char *rargv[MAX_WORDS + 2];
		rargv[0] = "run";
		memcpy(&rargv[1], argv, (size_t)(argc + 1) * sizeof(char *));
		cmd_run(argc + 1, rargv);
		return;
	}
	printf("unknown command '%s'; type help for the list\n", argv[0]);
}

int main(int argc, char **argv)
{
	ipc_buffer_setup(&shell_buf);
	intr_setup();
	printf("mk shell: type help for the commands\n");
	char line[LINE_MAX];
	while (lineedit_read("mk> ", line, sizeof(line)))
		execute(line);
	printf("\nend of input: powering off\n");
	power_off(0);
}
