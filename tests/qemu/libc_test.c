/*
 * libctest: the C library as user programs see it, musl on top of
 * libc/syscall.c. The test runner spawns it (scenario
 * libc_program_passes); `make run RUN_ARGS=libctest` runs it alone.
 *
 * Prints "PASS name" or "FAIL name: why" per check through stdio, then
 * "N passed, N failed"; the exit status is the failure count.
 *
 * With an argument it runs one scenario that needs the host or must end
 * the program (tests/shell/run-shell-tests drives them):
 *   libctest date SECONDS   realtime_clock_is_today: time() within a day
 *                           of the host's date (SECONDS since 1970)
 *   libctest close-std      closes 1 and 2; exit status 0 if close and
 *                           the writes after it answered as on Linux
 *   libctest overflow       recurses past the 8 MiB stack: killed by a fault
 *   libctest deep           recurses through 4 MiB of stack, exits 0
 *   libctest binary         writes BINARY< bytes 0..255 >BINARY with the
 *                           console in raw mode (cfmakeraw), for the host
 *                           to compare
 *   libctest args WORD...   prints each word between [ ]
 *   libctest klog           leaves "KLOG<" as a partial line on the kernel
 *                           log, makes the kernel log a line (a refused
 *                           pager supply), then ends the line: the
 *                           kernel's line must stand on a line of its own
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#undef PRIO_MAX /* setpriority's; uapi/syscall.h has the kernel's own */
#include <sys/utsname.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "libipc/sys.h"
#include "libipc/vm.h"

static int npass, nfail;
static const char *cur;
static int cur_failed;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("FAIL %s: %s (line %d)\n", cur, #cond, __LINE__);      \
			cur_failed = 1;                                               \
			return;                                                       \
		}                                                                     \
	} while (0)

#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		if (strcmp((got), (want)) != 0) {                                     \
			printf("FAIL %s: got \"%s\", expected \"%s\" (line %d)\n", cur, \
			       (got), (want), __LINE__);                              \
			cur_failed = 1;                                               \
			return;                                                       \
		}                                                                     \
	} while (0)

static void run(const char *name, void (*fn)(void))
{
	cur = name;
	cur_failed = 0;
	fn();
	if (cur_failed) {
		nfail++;
	} else {
		npass++;
		printf("PASS %s\n", name);
	}
}

static uint64_t free_frames(void)
{
	struct sysinfo si;
	sys_sysinfo(&si);
	return si.frames_free;
}

/* A small deterministic generator: the same sizes on every run. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void printf_formats_integers_and_strings(void)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%d|%5d|%-4d|%05d|%x|%X|%lu|%lld|%s|%.3s|%c|%%", -42,
			 7, 3, 99, 0xbeefu, 0xabcu, 123456789012ul, -9000000000ll, "str",
			 "abcdef", 'z');
	CHECK_STR(buf, "-42|    7|3   |00099|beef|ABC|123456789012|-9000000000|str|abc|z|%");
	CHECK(n == (int)strlen(buf));
	/* Truncation still returns the full length. (volatile: gcc would
	 * reject the truncation it can see at compile time.) */
	volatile size_t four = 4;
	CHECK(snprintf(buf, four, "hello") == 5);
	CHECK_STR(buf, "hel");
	CHECK(printf("%s", "") == 0);
}

static void printf_formats_floats(void)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%f", 3.5);
	CHECK_STR(buf, "3.500000");
	snprintf(buf, sizeof(buf), "%.3f|%.10f|%8.2f", 0.125, 1.0 / 3.0, -2.5);
	CHECK_STR(buf, "0.125|0.3333333333|   -2.50");
	snprintf(buf, sizeof(buf), "%g|%g|%g|%g", 0.5, 1e-5, 123456789.0, 100.0);
	CHECK_STR(buf, "0.5|1e-05|1.23457e+08|100");
	snprintf(buf, sizeof(buf), "%e|%.2e", 1234.5, 0.000123);
	CHECK_STR(buf, "1.234500e+03|1.23e-04");
	CHECK(strtod("2.5e3", 0) == 2500.0);
}

static void malloc_serves_many_sizes(void)
{
	enum { N = 400 };
	static unsigned char *p[N];
	static size_t len[N];
	for (int i = 0; i < N; i++) {
		/* Mostly small, some up to 64 KiB, a few past the mmap threshold. */
		len[i] = i % 50 == 0 ? 200000 + rnd() % 100000 : i % 7 == 0 ? rnd() % 65536 + 1 : rnd() % 256 + 1;
		p[i] = malloc(len[i]);
		CHECK(p[i] != 0);
		memset(p[i], i & 0xff, len[i]);
	}
	for (int i = 0; i < N; i++)
		for (size_t j = 0; j < len[i]; j += 97)
			CHECK(p[i][j] == (i & 0xff) && p[i][len[i] - 1] == (i & 0xff));
	/* Free in a scrambled order, then do it all again over the freed memory. */
	for (int i = 0; i < N; i++) {
		int k = (i * 163) % N;
		free(p[k]);
	}
	for (int i = 0; i < N; i++) {
		p[i] = malloc(len[N - 1 - i]);
		CHECK(p[i] != 0);
		memset(p[i], 0x5a, len[N - 1 - i]);
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	free(0);
}

static void realloc_keeps_contents(void)
{
	size_t n = 16;
	unsigned char *p = malloc(n);
	CHECK(p != 0);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	while (n < 300000) {
		size_t m = n * 3;
		unsigned char *q = realloc(p, m);
		CHECK(q != 0);
		for (size_t i = 0; i < n; i++)
			CHECK(q[i] == (unsigned char)i);
		for (size_t i = n; i < m; i++)
			q[i] = (unsigned char)i;
		p = q;
		n = m;
	}
	p = realloc(p, 10);
	CHECK(p != 0);
	for (size_t i = 0; i < 10; i++)
		CHECK(p[i] == (unsigned char)i);
	free(p);
}

static void calloc_returns_zeroed_memory(void)
{
	for (size_t size = 8; size <= 1 << 20; size *= 4) {
		unsigned char *dirty = malloc(size);
		CHECK(dirty != 0);
		memset(dirty, 0xaa, size);
		free(dirty);
		unsigned char *z = calloc(size / 8, 8);
		CHECK(z != 0);
		for (size_t i = 0; i < size; i++)
			CHECK(z[i] == 0);
		free(z);
	}
	errno = 0;
	volatile size_t huge = SIZE_MAX / 2; /* past what gcc lets through */
	CHECK(calloc(huge, 4) == 0);
	CHECK(errno == ENOMEM);
}

static void large_allocation_is_mapped_and_returned(void)
{
	const size_t size = 64ul << 20;
	uint64_t before = free_frames();
	uint64_t *p = malloc(size);
	CHECK(p != 0);
	/* Anonymous memory is demand-zero: frames come on first touch. */
	CHECK(free_frames() + 64 >= before);
	for (size_t i = 0; i < size / 8; i++)
		p[i] = i * 0x9e3779b97f4a7c15ull;
	CHECK(free_frames() + size / 4096 <= before);
	for (size_t i = 0; i < size / 8; i++)
		if (p[i] != i * 0x9e3779b97f4a7c15ull) {
			free(p);
			CHECK(!"pattern read back as written");
		}
	free(p);
	/* Every frame comes back (page-table pages may stay). */
	CHECK(free_frames() + 64 >= before);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void string_functions_work(void)
{
	char buf[64];
	CHECK(strlen("") == 0 && strlen("hello") == 5);
	CHECK(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0);
	CHECK(strcpy(buf, "copy me") == buf);
	CHECK_STR(buf, "copy me");
	CHECK(memcpy(buf, "0123456789", 11) == buf);
	/* memmove with overlap, both ways */
	memmove(buf + 2, buf, 8);
	CHECK(memcmp(buf, "0101234567", 10) == 0);
	memcpy(buf, "0123456789", 11);
	memmove(buf, buf + 3, 7);
	CHECK(memcmp(buf, "3456789789", 10) == 0);
	char *end;
	CHECK(strtol("-1234xyz", &end, 10) == -1234 && strcmp(end, "xyz") == 0);
	CHECK(strtol("0x1f", 0, 0) == 31 && strtol("777", 0, 8) == 511);
	CHECK(strtoul("  42", 0, 10) == 42);
	const char *s = "hello";
	CHECK(strchr(s, 'l') == s + 2 && strchr(s, 'q') == 0 && strrchr(s, 'l') == s + 3);
	const char *hay = "the quick brown fox";
	CHECK(strstr(hay, "brown") == hay + 10 && strstr(hay, "cat") == 0);
	int v[1000];
	for (int i = 0; i < 1000; i++)
		v[i] = (int)(rnd() % 5000) - 2500;
	qsort(v, 1000, sizeof(v[0]), cmp_int);
	for (int i = 1; i < 1000; i++)
		CHECK(v[i - 1] <= v[i]);
}

static void failing_calls_set_errno(void)
{
	errno = 0;
	CHECK(strtol("99999999999999999999999", 0, 10) == LONG_MAX);
	CHECK(errno == ERANGE);
	errno = 0;
	CHECK(write(7, "x", 1) == -1);
	CHECK(errno == EBADF);
	errno = 0;
	CHECK(mmap(0, 4096, PROT_READ, MAP_PRIVATE, 3, 0) == MAP_FAILED);
	CHECK(errno == EBADF); /* no file open at 3 */
	errno = 0;
	CHECK(mmap(0, 4096, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED);
	CHECK(errno == ENODEV); /* the console */
}

static void unsupported_calls_return_enosys(void)
{
	errno = 0;
	CHECK(fork() == -1);
	CHECK(errno == ENOSYS);
	errno = 0;
	CHECK(dup(1) == -1);
	CHECK(errno == ENOSYS);
	/* No file server (started without handles), or one with no disk. */
	errno = 0;
	CHECK(open("/x", O_RDONLY) == -1);
	CHECK(errno == ENOSYS || errno == ENODEV || errno == ENOENT);
}

static void *never_runs(void *arg)
{
	return arg;
}

static void pthread_create_fails_cleanly(void)
{
	/* musl reserves the stack PROT_NONE, opens it with mprotect, then
	 * clone fails: EAGAIN, and the stack is unmapped again. */
	pthread_t t;
	CHECK(pthread_create(&t, 0, never_runs, 0) == EAGAIN);
	CHECK(printf("%s", "") == 0); /* stdio still works, now with locks */
}

static void anonymous_mmap_fixed_and_mprotect(void)
{
	char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(p[0] == 0 && p[3 * 4096 - 1] == 0);
	memset(p, 1, 3 * 4096);
	CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	errno = 0;
	CHECK(mprotect(p, 4096, PROT_READ) == -1 && errno == ENOSYS);
	/* Unmapping the middle page leaves both ends, and frees the hole. */
	CHECK(munmap(p + 4096, 4096) == 0);
	CHECK(p[0] == 1 && p[2 * 4096] == 1);
	char *q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + 4096);
	CHECK(q[0] == 0);
	errno = 0;
	CHECK(mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	      MAP_FAILED);
	CHECK(munmap(p, 3 * 4096) == 0);
	/* A reserved (PROT_NONE) range gains access through mprotect. */
	char *r = mmap(0, 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	CHECK(mprotect(r + 4096, 4096, PROT_READ | PROT_WRITE) == 0);
	r[4096] = 7;
	CHECK(r[4096] == 7);
	CHECK(munmap(r, 2 * 4096) == 0);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void clocks_advance_and_sleep_waits(void)
{
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	uint64_t prev = mono_ns();
	for (int i = 0; i < 1000; i++) {
		uint64_t now = mono_ns();
		CHECK(now >= prev);
		prev = now;
	}
	/* Functional, not a timing benchmark: only a lower bound that holds
	 * on any host, and a far-off upper one that catches a lost wakeup. */
	uint64_t t0 = mono_ns();
	CHECK(nanosleep(&(struct timespec){ 0, 10000000 }, 0) == 0);
	uint64_t slept = mono_ns() - t0;
	CHECK(slept >= 9500000);
	CHECK(slept < 30000000000ull);
	t0 = mono_ns();
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 0, 5000000 }, 0) == 0);
	CHECK(mono_ns() - t0 >= 4500000);
	errno = 0;
	CHECK(nanosleep(&(struct timespec){ 0, 1000000000 }, 0) == -1 && errno == EINVAL);
}

static void process_identity_and_terminal(void)
{
	CHECK(getpid() > 0);
	CHECK(gettid() == getpid());
	CHECK(isatty(1) && isatty(2));
	char c;
	CHECK(read(0, &c, 1) == 0); /* stdin is at end of file */
	CHECK(getchar() == EOF);
}

/* --- the gaps real programs hit (issue 17) ------------------------------------ */

/* Closing stdin works once; afterwards it is EBADF, as on Linux. (1 and 2:
 * `libctest close-std`, which cannot print afterwards.) */
static void close_std_descriptors(void)
{
	CHECK(close(0) == 0);
	errno = 0;
	CHECK(close(0) == -1 && errno == EBADF);
	char c;
	errno = 0;
	CHECK(read(0, &c, 1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(close(999) == -1 && errno == EBADF);
}

static uint64_t cpu_ns(clockid_t clk)
{
	struct timespec ts;
	if (clock_gettime(clk, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Busy work advances both CPU-time clocks and clock(); neither runs
 * faster than the monotonic clock. */
static void cpu_clocks_advance(void)
{
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
	CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);
	CHECK(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 && ts.tv_nsec > 0);
	clock_t c0 = clock();
	CHECK(c0 != (clock_t)-1);
	/* The process's readings enclose the thread's, so its difference
	 * covers the thread's whole interval (the clocks tick every 100 ns:
	 * read the other way round, a tick could fall between them). */
	uint64_t m0 = mono_ns(), p0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	CHECK(t0 > 0 && p0 > 0);
	volatile uint64_t sink = 0;
	/* Until 20 ms of CPU time; the monotonic bound only stops a hang. */
	while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < 20000000 && mono_ns() - m0 < 30000000000ull)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i;
	uint64_t t1 = cpu_ns(CLOCK_THREAD_CPUTIME_ID), p1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t m1 = mono_ns();
	CHECK(t1 - t0 >= 20000000);
	CHECK(p1 - p0 >= t1 - t0 && p1 >= t1);
	CHECK(t1 - t0 <= m1 - m0);
	CHECK(clock() > c0);
}

/* ~4 MiB of stack in 1,024 frames of 4 KiB. */
static __attribute__((noinline)) uint64_t deep(int n, volatile uint8_t *up)
{
	volatile uint8_t frame[4096];
	frame[0] = (uint8_t)n;
	frame[4095] = up ? up[0] : 0;
	return n == 0 ? (uintptr_t)frame : deep(n - 1, frame) + 0 * frame[4095];
}

static void stack_grows_to_8mib(void)
{
	volatile uint8_t top;
	uint64_t bottom = deep(1024, 0);
	CHECK((uintptr_t)&top - bottom >= (4ul << 20));
}

/* 5,000 live anonymous mappings, each with its own bytes. */
static void many_mappings(void)
{
	enum { N = 5000 };
	static char *m[N];
	for (int i = 0; i < N; i++) {
		m[i] = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m[i] == MAP_FAILED)
			printf("many_mappings: mmap %d failed: %s\n", i, strerror(errno));
		CHECK(m[i] != MAP_FAILED);
		m[i][0] = (char)i, m[i][4095] = (char)(i >> 8);
	}
	for (int i = 0; i < N; i++)
		CHECK(m[i][0] == (char)i && m[i][4095] == (char)(i >> 8));
	for (int i = 0; i < N; i++)
		CHECK(munmap(m[i], 4096) == 0);
}

static void dev_null_zero_urandom(void)
{
	char buf[256];
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK(write(fd, "gone", 4) == 4);
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(close(fd) == 0);
	FILE *f = fopen("/dev/null", "w");
	CHECK(f != 0);
	CHECK(fprintf(f, "%d\n", 42) == 3 && fclose(f) == 0);

	fd = open("/dev/zero", O_RDONLY);
	CHECK(fd >= 0);
	memset(buf, 0x55, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == (long)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0);
	CHECK(close(fd) == 0);

	unsigned char a[512], b[512];
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, a, sizeof(a)) == (long)sizeof(a));
	CHECK(read(fd, b, sizeof(b)) == (long)sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	int seen[256] = { 0 }, distinct = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		distinct += seen[a[i]]++ == 0;
	CHECK(distinct > 150); /* 512 random bytes: about 220 distinct values */
	CHECK(close(fd) == 0);
	CHECK(getrandom(b, sizeof(b), 0) == (long)sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	errno = 0;
	CHECK(getrandom(b, 1, 0x100) == -1 && errno == EINVAL);
	CHECK(stat("/dev/urandom", &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(access("/dev/null", W_OK) == 0);
}

static void getuid_and_friends(void)
{
	CHECK(getuid() == geteuid() && getgid() == getegid());
	uid_t r, e, sv;
	CHECK(getresuid(&r, &e, &sv) == 0 && r == getuid() && e == r && sv == r);
	gid_t gr, ge, gs;
	CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == gr && gs == gr);
	CHECK(setuid(getuid()) == 0 && setgid(getgid()) == 0);
	errno = 0;
	CHECK(setuid(getuid() + 1) == -1 && errno == EPERM);
	CHECK(getppid() > 0);
	CHECK(getgroups(0, 0) >= 0);
	mode_t old = umask(077);
	CHECK(umask(old) == 077);
	struct utsname u;
	CHECK(uname(&u) == 0 && strcmp(u.machine, "riscv64") == 0);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8ul << 20);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY);
}

static void madvise_and_mremap(void)
{
	const size_t pg = 4096;
	char *p = mmap(0, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 7, 8 * pg);
	CHECK(madvise(p, 8 * pg, MADV_WILLNEED) == 0);
	CHECK(p[0] == 7);
	/* DONTNEED: the middle pages read as zero again, the rest keep theirs. */
	CHECK(madvise(p + 2 * pg, 2 * pg, MADV_DONTNEED) == 0);
	CHECK(p[2 * pg] == 0 && p[4 * pg - 1] == 0 && p[pg] == 7 && p[4 * pg] == 7);
	errno = 0;
	CHECK(madvise(p, pg, 12345) == -1 && errno == EINVAL);
	/* Grows in place when the pages above are free. */
	CHECK(munmap(p + 4 * pg, 4 * pg) == 0);
	CHECK(mremap(p, 4 * pg, 6 * pg, 0) == p);
	CHECK(p[pg] == 7 && p[5 * pg] == 0);
	p[5 * pg] = 9;
	/* Shrinks; the pages cut off are gone. */
	CHECK(mremap(p, 6 * pg, 2 * pg, 0) == p);
	errno = 0;
	CHECK(madvise(p + 3 * pg, pg, MADV_DONTNEED) == -1 && errno == ENOMEM);
	/* Moves when it must, with its contents. */
	char *block = mmap(p + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(block == p + 2 * pg);
	errno = 0;
	CHECK(mremap(p, 2 * pg, 64 * pg, 0) == MAP_FAILED && errno == ENOMEM);
	char *q = mremap(p, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	CHECK(q[0] == 7 && q[pg] == 7 && q[2 * pg] == 0 && q[64 * pg - 1] == 0);
	q[64 * pg - 1] = 1;
	CHECK(munmap(q, 64 * pg) == 0 && munmap(block, pg) == 0);
	/* realloc of a large block goes through mremap. */
	char *big = malloc(1 << 20);
	CHECK(big != 0);
	memset(big, 3, 1 << 20);
	big = realloc(big, 4 << 20);
	CHECK(big != 0 && big[0] == 3 && big[(1 << 20) - 1] == 3);
	free(big);
}

/* --- single scenarios, by argument ------------------------------------------- */

static int realtime_clock_is_today(const char *host_secs)
{
	long host = strtol(host_secs, 0, 10);
	time_t now = time(0);
	long diff = (long)now - host;
	if (host <= 0 || diff < -86400 || diff > 86400) {
		printf("FAIL realtime_clock_is_today: time() %ld, host %ld\n", (long)now, host);
		return 1;
	}
	struct tm tm;
	char when[64];
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("PASS realtime_clock_is_today (%s)\n", when);
	return 0;
}

/* The exit status says it: 0 only if every answer was Linux's. */
static int close_std(void)
{
	printf("closing 1 and 2\n");
	fflush(stdout);
	int bad = 0;
	bad |= close(1) != 0;
	bad |= close(2) != 0;
	bad |= close(1) != -1 || errno != EBADF;
	bad |= write(1, "x", 1) != -1 || errno != EBADF;
	bad |= write(2, "x", 1) != -1 || errno != EBADF;
	return bad;
}

static volatile uint64_t depth_limit = 1ull << 40; /* never reached: the stack ends first */

static __attribute__((noinline)) uint64_t bottomless(uint64_t n)
{
	volatile uint8_t frame[4096];
	frame[0] = (uint8_t)n;
	return n == depth_limit ? 0 : bottomless(n + 1) + frame[0];
}

static int overflow(void)
{
	printf("recursing past the stack\n");
	fflush(stdout);
	return (int)bottomless(0);
}

/* Bytes 0..255 between markers, the console in raw mode meanwhile. */
static int binary(void)
{
	struct termios old, raw;
	fflush(stdout);
	if (tcgetattr(1, &old) != 0)
		return 1;
	raw = old;
	cfmakeraw(&raw);
	if (tcsetattr(1, TCSANOW, &raw) != 0)
		return 2;
	unsigned char b[256 + 16];
	memcpy(b, "BINARY<", 7);
	for (int i = 0; i < 256; i++)
		b[7 + i] = (unsigned char)i;
	memcpy(b + 263, ">BINARY", 7);
	long n = write(1, b, 270);
	if (tcsetattr(1, TCSANOW, &old) != 0)
		return 3;
	printf("\nbinary: wrote %ld bytes\n", n);
	return n == 270 ? 0 : 4;
}

static int klog_between_lines(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096))); /* not wired: refused */
	sys_debug_write("KLOG<", 5);
	long ep = sys0(SYS_ENDPOINT_CREATE);
	long vmo = ep > 0 ? vmo_create(4096, (int)ep, 1) : -1;
	long r = vmo > 0 ? pager_supply((int)vmo, 0, page, 1, VM_R, PAGER_EPOCH_FIRST) : 0;
	sys_debug_write(">KLOG\n", 6);
	return r < 0 ? 0 : 1;
}

static int one_scenario(int argc, char **argv)
{
	if (strcmp(argv[1], "date") == 0 && argc == 3)
		return realtime_clock_is_today(argv[2]);
	if (strcmp(argv[1], "close-std") == 0)
		return close_std();
	if (strcmp(argv[1], "overflow") == 0)
		return overflow();
	if (strcmp(argv[1], "binary") == 0)
		return binary();
	if (strcmp(argv[1], "klog") == 0)
		return klog_between_lines();
	if (strcmp(argv[1], "deep") == 0) /* 4 MiB of stack (loader_tests.c) */
		return deep(1024, 0) ? 0 : 1;
	if (strcmp(argv[1], "args") == 0) {
		for (int i = 2; i < argc; i++)
			printf("[%s]\n", argv[i]);
		return 0;
	}
	printf("libctest: unknown scenario %s\n", argv[1]);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return one_scenario(argc, argv);

	run("printf_formats_integers_and_strings", printf_formats_integers_and_strings);
	run("printf_formats_floats", printf_formats_floats);
	run("malloc_serves_many_sizes", malloc_serves_many_sizes);
	run("realloc_keeps_contents", realloc_keeps_contents);
	run("calloc_returns_zeroed_memory", calloc_returns_zeroed_memory);
	run("large_allocation_is_mapped_and_returned", large_allocation_is_mapped_and_returned);
	run("string_functions_work", string_functions_work);
	run("failing_calls_set_errno", failing_calls_set_errno);
	run("unsupported_calls_return_enosys", unsupported_calls_return_enosys);
	run("pthread_create_fails_cleanly", pthread_create_fails_cleanly);
	run("anonymous_mmap_fixed_and_mprotect", anonymous_mmap_fixed_and_mprotect);
	run("clocks_advance_and_sleep_waits", clocks_advance_and_sleep_waits);
	run("process_identity_and_terminal", process_identity_and_terminal);
	run("cpu_clocks_advance", cpu_clocks_advance);
	run("stack_grows_to_8mib", stack_grows_to_8mib);
	run("many_mappings", many_mappings);
	run("dev_null_zero_urandom", dev_null_zero_urandom);
	run("getuid_and_friends", getuid_and_friends);
	run("madvise_and_mremap", madvise_and_mremap);
	run("close_std_descriptors", close_std_descriptors); /* last: stdin is gone after it */
	/* Not the harness's summary format: the runner counts this program as
	 * one scenario (libc_program_passes). */
	printf("libctest: %d checks passed, %d failed\n", npass, nfail);
	return nfail;
}
