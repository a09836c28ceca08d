/* Time, identity and limits for musl; see libc/sysinfo.h. */
#define _GNU_SOURCE
#include "libc/sysinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#undef PRIO_MAX /* setpriority's; uapi/syscall.h has the kernel's own */
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>

#include "libc/syscall.h"
#include "libipc/spawn.h"
#include "libipc/sys.h"
#include "libipc/ulib.h"

#define NS_PER_S 1000000000ull
#define SLEEP_CHUNK_S 3600ull    /* the longest SYS_SLEEP */

/* --- time --------------------------------------------------------------------
 * The monotonic clocks count from boot (the `time` CSR); the real-time
 * ones add the wall time the kernel read from the RTC at boot
 * (SYS_WALL_CLOCK; without an RTC they count from boot too). The CPU-time
 * clocks are the kernel's per-thread accounting (SYS_CPU_TIME). */

static uint64_t timebase_hz(void)
{
	static uint64_t hz; /* fixed at boot */
	if (!hz) {
		struct sysinfo si;
		if (sys_sysinfo(&si) == 0)
			hz = si.timebase_hz;
	}
	return hz;
}

static bool clock_realtime(long clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE;
}

static bool clock_cpu(long clk)
{
	return clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

static bool clock_supported(long clk)
{
	return clock_realtime(clk) || clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW ||
	       clk == CLOCK_MONOTONIC_COARSE || clk == CLOCK_BOOTTIME;
}

static uint64_t ticks_ns(uint64_t t)
{
	uint64_t hz = timebase_hz();
	return t / hz * NS_PER_S + t % hz * NS_PER_S / hz;
}

/* Time since boot. */
static uint64_t now_ns(void)
{
	return ticks_ns(rd_time());
}

/* ns since 1970 at boot; 0 without an RTC. */
static uint64_t wall_at_boot_ns(void)
{
	static long wall = -1; /* read once: nothing sets the clock */
	if (wall < 0) {
		long r = sys0(SYS_WALL_CLOCK);
		wall = r > 0 ? r : 0;
	}
	return (uint64_t)wall;
}

static uint64_t clock_ns(long clk)
{
	return now_ns() + (clock_realtime(clk) ? wall_at_boot_ns() : 0);
}

long mk_clock_gettime(long clk, struct timespec *ts)
{
	if (!clock_supported(clk) && !clock_cpu(clk))
		return -EINVAL;
	if (!ts)
		return -EFAULT;
	if (!timebase_hz())
		return -ENOSYS;
	uint64_t ns;
	if (clock_cpu(clk)) {
		long t = sys1(SYS_CPU_TIME, clk == CLOCK_THREAD_CPUTIME_ID ? CPU_TIME_THREAD
									 : CPU_TIME_TASK);
		if (t < 0)
			return mk_errno(t);
		ns = ticks_ns((uint64_t)t);
	} else {
		ns = clock_ns(clk);
	}
	ts->tv_sec = (time_t)(ns / NS_PER_S);
	ts->tv_nsec = (long)(ns % NS_PER_S);
	return 0;
}

/* Every clock ticks at the timebase (10 MHz on QEMU virt). */
long mk_clock_getres(long clk, struct timespec *ts)
{
	if (!clock_supported(clk) && !clock_cpu(clk))
		return -EINVAL;
	if (!timebase_hz())
		return -ENOSYS;
	if (ts)
		*ts = (struct timespec){ 0, (long)(NS_PER_S / timebase_hz()) };
	return 0;
}

static long sleep_ns(uint64_t ns)
{
	while (ns) {
		uint64_t n = ns < SLEEP_CHUNK_S * NS_PER_S ? ns : SLEEP_CHUNK_S * NS_PER_S;
		long r = sys_sleep(n);
		if (r < 0)
			return mk_errno(r);
		ns -= n;
	}
	return 0;
}

static bool timespec_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= NS_PER_S)
		return false;
	uint64_t s = (uint64_t)ts->tv_sec;
	*ns = s >= UINT64_MAX / NS_PER_S - 1 ? UINT64_MAX : s * NS_PER_S + (uint64_t)ts->tv_nsec;
	return true;
}

/* No signal interrupts a sleep, so *rem is always zero. */
long mk_clock_nanosleep(long clk, int flags, const struct timespec *req,
			       struct timespec *rem)
{
	uint64_t ns;
	if (!req)
		return -EFAULT;
	if (!clock_supported(clk) || !timespec_ns(req, &ns))
		return -EINVAL;
	if (!timebase_hz())
		return -ENOSYS;
	if (flags & TIMER_ABSTIME) {
		uint64_t now = clock_ns(clk);
		ns = ns > now ? ns - now : 0;
	} else if (rem) {
		*rem = (struct timespec){ 0, 0 };
	}
	return sleep_ns(ns);
}

/* --- what a program asks of its surroundings ------------------------------- */

long mk_uname(struct utsname *u)
{
	if (!u)
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "mk");
	strcpy(u->nodename, "mk");
	strcpy(u->release, "0.1");
	strcpy(u->version, "Mach-style microkernel");
	strcpy(u->machine, "riscv64");
	return 0;
}

/* Limits are read only: the stack is what spawn gave (8 MiB unless the
 * spawner chose), the rest unlimited. */
long mk_prlimit(long pid, int res, const struct rlimit *set, struct rlimit *old)
{
	if (pid != 0 && pid != mk_getpid())
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	if (set)
		return -EPERM;
	if (old) {
		rlim_t v = res == RLIMIT_STACK ? SPAWN_STACK_SIZE : RLIM_INFINITY;
		*old = (struct rlimit){ v, v };
	}
	return 0;
}

static uint64_t task_cpu_ns(void)
{
	long t = sys1(SYS_CPU_TIME, CPU_TIME_TASK);
	return t > 0 && timebase_hz() ? ticks_ns((uint64_t)t) : 0;
}

/* All CPU time counts as user time: the kernel does not split it. */
long mk_getrusage(int who, struct rusage *ru)
{
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	if (!ru)
		return -EFAULT;
	memset(ru, 0, sizeof(*ru));
	uint64_t ns = who == RUSAGE_CHILDREN ? 0 : task_cpu_ns();
	ru->ru_utime = (struct timeval){ (time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S / 1000) };
	return 0;
}

long mk_times(struct tms *t)
{
	long hz = 100; /* sysconf(_SC_CLK_TCK) in musl */
	if (t)
		*t = (struct tms){ .tms_utime = (clock_t)(task_cpu_ns() / (NS_PER_S / (uint64_t)hz)) };
	return (long)(now_ns() / (NS_PER_S / (uint64_t)hz));
}

/* --- identity ------------------------------------------------------------------ */

long mk_getres(unsigned *r, unsigned *e, unsigned *saved, unsigned id)
{
	if (!r || !e || !saved)
		return -EFAULT;
	*r = *e = *saved = id;
	return 0;
}

long mk_setid(long id, unsigned own)
{
	return id == (long)own || id == -1 ? 0 : -EPERM;
}

long mk_umask(unsigned mask)
{
	static unsigned cur = 022;
	unsigned old = cur;
	cur = mask & 0777;
	return old;
}

