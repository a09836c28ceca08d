/*
 * The shell: a command line on the console (stdio through musl, which
 * libc carries to the console server). shell.c reads and runs commands
 * and manages the programs it starts; stats.c has the commands that
 * report on the system (ps, vmstat, trace), vminfo.c the views of the VM
 * (maps, objects, pagers), files.c the file commands, pagerctl.c the
 * swap pager's controls.
 *
 * Handles it starts with (from init, libipc/ulib.h spawn_std): H_NAME,
 * H_SYSINFO (the system object, R_READ | R_CONTROL | R_GRANT: it lists
 * tasks, powers off, hands read-only copies on), H_CONSOLE, the modules.
 */
#ifndef SERVERS_SHELL_H
#define SERVERS_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "libipc/ipc.h"

/* The shell's IPC buffer (registered at start; stdio borrows it too). */
extern struct ipc_buffer shell_buf;

/* True if H_SYSINFO holds the system object with these rights. */
bool shell_system(uint32_t rights);

/* Commands: argv[0] is the command's name; output goes to stdout. */
void cmd_ps(int argc, char **argv);
void cmd_vmstat(int argc, char **argv);
void cmd_trace(int argc, char **argv);
/* vminfo.c */
void cmd_maps(int argc, char **argv);
void cmd_objects(int argc, char **argv);
void cmd_pagers(int argc, char **argv);
/* files.c */
void cmd_ls(int argc, char **argv);
void cmd_cat(int argc, char **argv);
void cmd_mkdir(int argc, char **argv);
void cmd_rm(int argc, char **argv);
void cmd_cp(int argc, char **argv);
void cmd_mv(int argc, char **argv);
void cmd_rmdir(int argc, char **argv);
void cmd_df(int argc, char **argv);
void cmd_write(int argc, char **argv);
void cmd_stat(int argc, char **argv);
void cmd_sync(int argc, char **argv);
void cmd_cd(int argc, char **argv);
void cmd_pwd(int argc, char **argv);
/* The task handle of the job with task id `id`, or -E_NOENT. */
int shell_job_task(uint32_t id);
/* Calls fn(name, arg) for each command, and for each program a user
 * can run (boot modules but the system's own servers, and /bin). */
void shell_each_command(void (*fn)(const char *name, void *arg), void *arg);
void shell_each_program(void (*fn)(const char *name, void *arg), void *arg);
/* lineedit.c: prints the prompt and reads a line, edited (arrows,
 * Home/End, history on Up/Down, Tab completion), without its newline;
 * Ctrl-C gives an empty line. false at end of input. */
#define LINEEDIT_MAX 2048 /* a line: as long as a program's argv may be (SPAWN_MAX_ARGS) */
bool lineedit_read(const char *prompt, char *line, size_t size);
/* pagerctl.c: the swap pager's controls; pagerctl() returns 0 or 1 */
int pagerctl(int argc, char **argv);
void cmd_pagerctl(int argc, char **argv);

#endif
