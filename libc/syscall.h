/*
 * The system call layer under musl (docs/DESIGN.md section 9). Linked
 * into every user program; musl itself is built so that it never traps
 * (scripts/musl-build, libc/musl-overlay/).
 *
 * Lifecycle of a libc call:
 *   1. a musl function (write, malloc, nanosleep, ...) issues a Linux
 *      riscv64 system call by number through __syscallN;
 *   2. __syscallN calls __mk_syscall (here) instead of `ecall`;
 *   3. __mk_syscall carries it out with this kernel's calls (libipc/sys.h),
 *      or answers -ENOSYS when there is nothing to carry it out with;
 *   4. kernel error codes (uapi/errors.h) come back as negated Linux
 *      errno values, which musl turns into errno and a -1 return.
 *
 * What is mapped: the console (write, writev on fds 1 and 2; read, readv
 * on fd 0), files (fds 3 and up, and calls on paths: libc/file.h), exit, brk and anonymous mmap/munmap/mprotect (libc/memory.h),
 * clocks and sleeps, getpid/gettid, TIOCGWINSZ, sched_yield; signal masks
 * and actions are accepted and ignored (no signal is ever delivered).
 */
#ifndef LIBC_SYSCALL_H
#define LIBC_SYSCALL_H

#include <stddef.h>

/* Linux system call n with its six arguments; returns the result or a
 * negated Linux errno. */
long __mk_syscall(long n, long a, long b, long c, long d, long e, long f);

/*
 * The console (servers/console/console_proto.h), found once: the handle
 * at H_CONSOLE, else "console" in the name server at H_NAME (with a
 * badge of its own from CONS_OPEN), else none. Without a console (early
 * servers, test programs started without handles, a console that died)
 * output goes to the kernel log and fd 0 reads as end of file.
 *
 * Output: CONS_WRITE messages of up to CONS_DATA_MAX bytes through the
 * IPC buffer the program registered (ipc_registered_buffer) or libc's
 * own; at exit a partial last line is flushed (CONS_FLUSH).
 * Input: read(0) sends CONS_READ; while it answers E_AGAIN it waits on a
 * notification subscribed once (CONS_SUBSCRIBE).
 * One thread at a time: the state here has no lock (as musl's stdio).
 */

/* The one path to the console for stdout and stderr: len bytes of buf;
 * returns the count written or a negated Linux errno. */
long mk_console_write(const void *buf, size_t len);

/* The IPC buffer long messages go through: the one the program
 * registered, else libc's own (registered then). */
struct ipc_buffer *mk_ipc_buffer(void);

/* The calling task's id (getpid). */
long mk_getpid(void);

/* A kernel result (>= 0, or a negated uapi/errors.h code) as a Linux
 * one: successes unchanged, errors as the negated Linux errno. */
long mk_errno(long kernel_result);

#endif
