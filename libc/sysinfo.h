/*
 * Time, identity and limits for musl. Called only from __mk_syscall
 * (libc/syscall.h); each returns what the Linux call would: a result, or
 * a negated Linux errno.
 *
 * Clocks: the monotonic ones count from boot (the `time` CSR); the
 * real-time ones add the wall time at boot, which the kernel read once
 * from the RTC (SYS_WALL_CLOCK; without an RTC they count from boot);
 * the CPU-time ones are the kernel's per-thread accounting
 * (SYS_CPU_TIME). Identity: one user and one group, MK_UID and MK_GID.
 */
#ifndef LIBC_SYSINFO_H
#define LIBC_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

struct timespec;
struct utsname;
struct rlimit;
struct rusage;
struct tms;

#define MK_UID 0
#define MK_GID 0

long mk_clock_gettime(long clk, struct timespec *ts);
long mk_clock_getres(long clk, struct timespec *ts);
/* No signal interrupts a sleep, so *rem is always zero. */
long mk_clock_nanosleep(long clk, int flags, const struct timespec *req, struct timespec *rem);
long mk_times(struct tms *t);
long mk_getrusage(int who, struct rusage *ru);

/* getresuid/getresgid: all three ids are id. */
long mk_getres(unsigned *r, unsigned *e, unsigned *saved, unsigned id);
/* setuid/setgid: only to the id the program has (own). */
long mk_setid(long id, unsigned own);
long mk_umask(unsigned mask);
long mk_uname(struct utsname *u);
/* prlimit64: read only; RLIMIT_STACK is the default main stack. */
long mk_prlimit(long pid, int res, const struct rlimit *set, struct rlimit *old);

#endif
