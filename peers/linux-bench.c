/*
 * /init of the Linux peer (see linux-bench.h for how a figure is taken).
 * The CPU paths, mirrored one for one from tests/bench:
 *   null_syscall            getpid by a raw ecall (ours: SYS_NOP)
 *   ipc_roundtrip_fast      1 byte to a child over a pipe and 1 byte back
 *                           over another (ours: a call and its reply)
 *   fault_anon_first_touch  a store to a page of a fresh anonymous
 *                           private mapping (1,024 pages a mapping)
 * then the disk paths (linux-bench-disk.c), and a power-off.
 *
 * The disks, as scripts/bench-peers attaches them: an ext2 disk (mounted
 * read-only at /mnt) and a swap disk, told apart by trying to mount each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux-bench.h"

#define CHUNK 1024 /* pages of an anonymous mapping in fault_anon_first_touch */

uint64_t samples[N];
static uint64_t overhead;

void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int errors;

/* A check that failed: the run prints no `bench: done`, so scripts/bench
 * refuses the log and make bench-peers fails. */
void complain(const char *fmt, ...)
{
	va_list ap;
	errors++;
	fputs("bench: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void say_done(void)
{
	if (errors)
		say("bench: %d check(s) failed\n", errors);
	else
		say("bench: done\n");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The BENCH line of samples[0..n), as tests/bench/bench.c prints it. */
void report_n(const char *name, size_t n, bool subtract)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (subtract)
			samples[i] = samples[i] > overhead ? samples[i] - overhead : 0;
		sum += samples[i];
	}
	uint64_t mean10 = (sum * 10 + n / 2) / n;
	qsort(samples, n, sizeof samples[0], cmp_u64);
	say("BENCH %s instructions %zu %lu %lu %lu.%lu %lu %lu\n", name, n,
	    (unsigned long)samples[0], (unsigned long)samples[n / 2],
	    (unsigned long)(mean10 / 10), (unsigned long)(mean10 % 10),
	    (unsigned long)samples[n * 99 / 100], (unsigned long)samples[n - 1]);
}

uint64_t counter_overhead(void)
{
	return overhead;
}

static char text[65536];

/* Reads a whole (proc) file into text; its length, or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t len = 0;
	long r;
	while (len < sizeof text - 1 && (r = read(fd, text + len, sizeof text - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	text[len] = 0;
	return (long)len;
}

/* The sum of every `.KEY: V nsecs` line of /proc/timer_list (one hart:
 * one of each). tick_sched counts the idle time of a wait on I/O as
 * iowait_sleeptime, the rest as idle_sleeptime: both are idle. */
static uint64_t timer_list_sum(const char *key)
{
	uint64_t sum = 0;
	for (const char *p = text; (p = strstr(p, key)) != NULL; p++) {
		const char *colon = strchr(p, ':');
		if (colon)
			sum += strtoull(colon + 1, NULL, 10);
	}
	return sum;
}

uint64_t idle_ns(void)
{
	if (slurp("/proc/timer_list") < 0)
		return 0;
	return timer_list_sum(".idle_sleeptime") + timer_list_sum(".iowait_sleeptime");
}

long vmstat(const char *key)
{
	if (slurp("/proc/vmstat") < 0)
		return -1;
	size_t k = strlen(key);
	for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtol(p + k + 1, NULL, 10);
	return -1;
}

bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	if (fd >= 0)
		close(fd);
	if (!ok)
		complain("cannot write %s to %s: %s\n", s, path, strerror(errno));
	return ok;
}

/* 1. of linux-bench.h: opened once, never closed. */
static bool perf_open_instret(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.size = sizeof attr;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	long fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0);
	if (fd < 0) {
		complain("perf_event_open: %s\n", strerror(errno));
		return false;
	}
	uint64_t a = rd_instret();
	for (volatile int i = 0; i < 1000; i++)
		;
	if (rd_instret() == a) {
		complain("instret does not count\n");
		return false;
	}
	return true;
}

static void measure_overhead(void)
{
	for (size_t i = 0; i < N; i++) {
		uint64_t a = rd_instret();
		uint64_t b = rd_instret();
		samples[i] = b - a;
	}
	qsort(samples, N, sizeof samples[0], cmp_u64);
	overhead = samples[N / 2];
	say("BENCH-INFO unit instructions (QEMU -icount: instret counts instructions)\n");
	say("BENCH-INFO counter_overhead %lu\n", (unsigned long)overhead);
}

/* Whether instret runs on while the hart idles (it does in QEMU 7.2:
 * the virtual clock), and whether idle_ns() sees that time. */
static void check_idle_accounting(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t idle0 = idle_ns();
	uint64_t a = rd_instret();
	nanosleep(&ts, NULL);
	uint64_t b = rd_instret();
	uint64_t idle = idle_ns() - idle0;
	say("BENCH-INFO idle_check a 20 ms sleep: %lu instret, %lu ns idle, %ld busy\n",
	    (unsigned long)(b - a), (unsigned long)idle, (long)(b - a) - (long)idle);
}

static void bench_null_syscall(void)
{
	for (int i = 0; i < WARMUP + N; i++) {
		uint64_t a = rd_instret();
		sys3(SYS_getpid, 0, 0, 0);
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	report_n("null_syscall", N, true);
}

/* The partner: echoes each byte until the pipe closes. */
static void __attribute__((noreturn)) echo_child(int in, int out)
{
	char c;
	while (sys3(SYS_read, in, (long)&c, 1) == 1)
		sys3(SYS_write, out, (long)&c, 1);
	_exit(0);
}

static void bench_pipe_roundtrip(void)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from)) {
		complain("pipe: %s\n", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		echo_child(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	char c = 'x';
	for (int i = 0; i < WARMUP + N; i++) {
		uint64_t a = rd_instret();
		sys3(SYS_write, to[1], (long)&c, 1);
		long r = sys3(SYS_read, from[0], (long)&c, 1);
		uint64_t b = rd_instret();
		if (r != 1) {
			complain("pipe round trip: read %ld\n", r);
			return;
		}
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	close(to[1]);
	close(from[0]);
	waitpid(pid, NULL, 0);
	report_n("ipc_roundtrip_fast", N, true);
}

static void bench_anon_first_touch(void)
{
	char *area = NULL;
	size_t page = CHUNK;
	for (int i = 0; i < WARMUP + N; i++) {
		if (page == CHUNK) {
			if (area)
				munmap(area, CHUNK * PG);
			area = mmap(NULL, CHUNK * PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (area == MAP_FAILED) {
				complain("mmap: %s\n", strerror(errno));
				return;
			}
			page = 0;
		}
		volatile uint64_t *p = (volatile uint64_t *)(area + page++ * PG);
		uint64_t a = rd_instret();
		*p = 1;
		uint64_t b = rd_instret();
		if (i >= WARMUP)
			samples[i - WARMUP] = b - a;
	}
	munmap(area, CHUNK * PG);
	report_n("fault_anon_first_touch", N, true);
}

static void mount_or_say(const char *src, const char *dir, const char *type)
{
	if (mount(src, dir, type, 0, NULL))
		complain("mount %s on %s: %s\n", type, dir, strerror(errno));
}

/* The ext2 disk goes to /mnt; the other one is the swap disk. */
static const char *disks(void)
{
	static const char *const devs[] = { "/dev/vda", "/dev/vdb" };
	for (int i = 0; i < 2; i++)
		if (mount(devs[i], "/mnt", "ext2", MS_RDONLY, NULL) == 0)
			return devs[1 - i];
	complain("no ext2 disk: %s\n", strerror(errno));
	return NULL;
}

int main(void)
{
	struct utsname u;
	setvbuf(stdout, NULL, _IOLBF, 0);
	mount_or_say("proc", "/proc", "proc");
	mount_or_say("sysfs", "/sys", "sysfs");
	mount_or_say("devtmpfs", "/dev", "devtmpfs");
	mount_or_say("debugfs", "/sys/kernel/debug", "debugfs");
	uname(&u);
	say("BENCH-INFO peer Linux %s (%s), tinyconfig + peers/linux.config-fragment\n",
	    u.release, u.machine);
	if (perf_open_instret()) {
		measure_overhead();
		check_idle_accounting();
		bench_null_syscall();
		bench_pipe_roundtrip();
		bench_anon_first_touch();
		const char *swapdev = disks();
		if (swapdev) {
			bench_files("/mnt");
			bench_swap(swapdev);
		}
		say_done();
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
