/*
 * The disk paths of the Linux peer, mirrored from tests/bench/bench_file.c
 * and bench_swap.c (same names, same page counts), each load's idle time
 * taken off (timed_load):
 *   spawn_hello_from_disk_cold / _warm  fork, execve of /mnt/bin/hello (a
 *                        static musl program that prints one line, to
 *                        /dev/null here; ours links the same musl),
 *                        exit, waitpid; cold: the first
 *   spawn_hello_glibc_from_disk_warm  the same program on static glibc
 *   spawn_tiny_from_disk_warm  the same with /mnt/bin/tiny, no libc (one
 *                        write, one exit): the kernel's part alone
 *   fault_file_major     a load from a page of /mnt/big.bin not in the page
 *                        cache: MADV_RANDOM (no read-around) and
 *                        fault_around_bytes 4096 (debugfs), so one page
 *                        read a fault
 *   fault_file_major_cluster16_per_page  the next 100 runs of 16 pages with
 *                        Linux's defaults (MADV_NORMAL: read-around of
 *                        read_ahead_kb, fault-around of 64 KiB): the 16
 *                        loads of a run / 16
 *   fault_file_minor     a load from a page in the page cache, the file
 *                        mapped afresh every 1,000 loads, fault-around off
 *   fault_swap_in        a load from an anonymous page on the swap disk
 *                        (neither resident nor in the swap cache),
 *                        /proc/sys/vm/page-cluster 0: one page a fault
 *   fault_swap_in_cluster16_per_page  the next 100 runs of 16 pages with
 *                        page-cluster 3 (Linux's default: up to 8 pages a
 *                        read), the 16 loads of a run / 16
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux-bench.h"

#define MAJOR_N 1000 /* pages read one by one */
#define CLUSTER 16
#define CLUSTER_N 100 /* runs of 16 pages after those */
#define MINOR_N 2000
#define SPAWN_N 100
#define IN_WARMUP 16
#define IN_N 1000
#define FAULT_AROUND "/sys/kernel/debug/fault_around_bytes"
#define PAGE_CLUSTER "/proc/sys/vm/page-cluster"
#define PRESS_STEP (4ul << 20)
#define SLOW_LOAD 8000 /* instructions: a load that started a disk read */
#define PRESS_MAX 96 /* steps: 384 MiB of pressure at most */

static uint64_t less_overhead(uint64_t t)
{
	return t > counter_overhead() ? t - counter_overhead() : 0;
}

/* Busy instructions of fork, execve(path), exit and waitpid; fd 1 is
 * /dev/null meanwhile. 0 on failure (the status in *status). */
static uint64_t spawn_once(const char *path, int *status)
{
	char *const argv[] = { (char *)path, NULL }, *const envp[] = { NULL };
	uint64_t idle0 = idle_ns();
	uint64_t a = rd_instret();
	pid_t pid = fork();
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, status, 0) != pid)
		*status = -1;
	uint64_t b = rd_instret();
	uint64_t idle = idle_ns() - idle0;
	return b - a > idle ? b - a - idle : 0;
}

static bool spawn_run(const char *name, const char *path, size_t n)
{
	int out = dup(1), null = open("/dev/null", O_WRONLY), st = 0;
	size_t i = 0;
	if (out < 0 || null < 0) {
		complain("%s: no /dev/null\n", name);
		return false;
	}
	dup2(null, 1);
	for (; i < n; i++) {
		samples[i] = spawn_once(path, &st);
		if (st != 0)
			break;
	}
	dup2(out, 1);
	close(out);
	close(null);
	if (i < n) {
		complain("%s: %s exited with status %#x\n", name, path, st);
		return false;
	}
	report_n(name, n, true);
	return true;
}

static void spawns(const char *mnt)
{
	char hello[256], glibc[256], tiny[256];
	snprintf(hello, sizeof hello, "%s/bin/hello", mnt);
	snprintf(glibc, sizeof glibc, "%s/bin/hello-glibc", mnt);
	snprintf(tiny, sizeof tiny, "%s/bin/tiny", mnt);
	if (spawn_run("spawn_hello_from_disk_cold", hello, 1))
		spawn_run("spawn_hello_from_disk_warm", hello, SPAWN_N);
	spawn_run("spawn_hello_glibc_from_disk_cold", glibc, 1);
	spawn_run("spawn_hello_glibc_from_disk_warm", glibc, SPAWN_N);
	spawn_run("spawn_tiny_from_disk_cold", tiny, 1);
	spawn_run("spawn_tiny_from_disk_warm", tiny, SPAWN_N);
}

static void major_faults(const char *m)
{
	long maj0 = vmstat("pgmajfault"), in0 = vmstat("pgpgin");
	for (size_t i = 0; i < MAJOR_N; i++)
		samples[i] = timed_load((volatile const uint64_t *)(m + i * PG));
	say("BENCH-INFO fault_file_major_reads %ld KiB read, %ld major faults for %u loads\n",
	    vmstat("pgpgin") - in0, vmstat("pgmajfault") - maj0, MAJOR_N);
	report_n("fault_file_major", MAJOR_N, true);
}

static void cluster_faults(const char *m)
{
	long maj0 = vmstat("pgmajfault"), in0 = vmstat("pgpgin");
	uint64_t slow = 0;
	for (size_t c = 0; c < CLUSTER_N; c++) {
		uint64_t sum = 0;
		for (size_t k = 0; k < CLUSTER; k++) {
			size_t page = MAJOR_N + c * CLUSTER + k;
			uint64_t t = less_overhead(timed_load((volatile const uint64_t *)(m + page * PG)));
			slow += t >= SLOW_LOAD;
			sum += t;
		}
		samples[c] = sum / CLUSTER;
	}
	say("BENCH-INFO fault_file_major_cluster16_reads %ld KiB read, %ld major faults for %u "
	    "loads (read_ahead_kb default, fault_around_bytes 65536); %lu loads of %u or more "
	    "instructions (a read started)\n", vmstat("pgpgin") - in0,
	    vmstat("pgmajfault") - maj0, CLUSTER * CLUSTER_N, (unsigned long)slow, SLOW_LOAD);
	report_n("fault_file_major_cluster16_per_page", CLUSTER_N, false);
}

static char *map_file(int fd, size_t size, int advice)
{
	char *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		complain("mmap of /big.bin: %s\n", strerror(errno));
		return NULL;
	}
	madvise(m, size, advice);
	return m;
}

static void minor_faults(int fd, size_t size)
{
	char *m = NULL;
	for (size_t i = 0; i < MINOR_N; i++) {
		if (i % MAJOR_N == 0) {
			if (m)
				munmap(m, size);
			if (!(m = map_file(fd, size, MADV_RANDOM)))
				return;
		}
		samples[i] = timed_load((volatile const uint64_t *)(m + (i % MAJOR_N) * PG));
	}
	munmap(m, size);
	report_n("fault_file_minor", MINOR_N, true);
}

void bench_files(const char *mnt)
{
	char path[256];
	struct stat st;
	spawns(mnt);
	snprintf(path, sizeof path, "%s/big.bin", mnt);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size < (MAJOR_N + CLUSTER * CLUSTER_N) * PG) {
		complain("no %s of %d pages\n", path, MAJOR_N + CLUSTER * CLUSTER_N);
		return;
	}
	size_t size = (size_t)st.st_size;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	char *m;
	if (write_file(FAULT_AROUND, "4096") && (m = map_file(fd, size, MADV_RANDOM))) {
		major_faults(m);
		write_file(FAULT_AROUND, "65536");
		madvise(m, size, MADV_NORMAL);
		cluster_faults(m);
		munmap(m, size);
		write_file(FAULT_AROUND, "4096");
		minor_faults(fd, size);
	}
	write_file(FAULT_AROUND, "65536");
	close(fd);
}

/* Pages of [area, area + len) resident or in the swap cache. */
static size_t resident(char *area, size_t len)
{
	static unsigned char vec[IN_WARMUP + IN_N + CLUSTER * CLUSTER_N];
	size_t n = 0;
	if (mincore(area, len, vec))
		return len / PG;
	for (size_t i = 0; i < len / PG; i++)
		n += vec[i] & 1;
	return n;
}

/* MADV_PAGEOUT writes the pages out but leaves them in the swap cache;
 * other memory, allocated and touched, pushes them out of it. */
static bool push_out(char *area, size_t len)
{
	static char *press[PRESS_MAX];
	size_t n = 0, left;
	madvise(area, len, MADV_PAGEOUT);
	while ((left = resident(area, len)) > 0 && n < PRESS_MAX) {
		press[n] = mmap(NULL, PRESS_STEP, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (press[n] == MAP_FAILED)
			break;
		for (size_t off = 0; off < PRESS_STEP; off += PG)
			press[n][off] = 1;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		munmap(press[i], PRESS_STEP);
	say("BENCH-INFO fault_swap_in_eviction MADV_PAGEOUT, then %zu MiB touched elsewhere: "
	    "%zu of %zu pages left in memory\n", n * (PRESS_STEP >> 20), left, len / PG);
	if (left)
		complain("swap: %zu pages stay in memory\n", left);
	return left == 0;
}

static void swap_single(char *area)
{
	long in0 = vmstat("pswpin");
	for (size_t i = 0; i < IN_WARMUP + IN_N; i++) {
		uint64_t t = timed_load((volatile const uint64_t *)(area + i * PG));
		if (i >= IN_WARMUP)
			samples[i - IN_WARMUP] = t;
	}
	say("BENCH-INFO fault_swap_in_reads %ld pages for %u faults (page-cluster 0)\n",
	    vmstat("pswpin") - in0, IN_WARMUP + IN_N);
	report_n("fault_swap_in", IN_N, true);
}

static void swap_cluster(char *area)
{
	long in0 = vmstat("pswpin");
	uint64_t first = 0, slow = 0;
	for (size_t c = 0; c < CLUSTER_N; c++) {
		uint64_t sum = 0;
		for (size_t k = 0; k < CLUSTER; k++) {
			size_t page = IN_WARMUP + IN_N + c * CLUSTER + k;
			uint64_t t = less_overhead(timed_load((volatile const uint64_t *)(area + page * PG)));
			first += k == 0 ? t : 0;
			slow += t >= SLOW_LOAD;
			sum += t;
		}
		samples[c] = sum / CLUSTER;
	}
	say("BENCH-INFO fault_swap_in_cluster16_reads %ld pages for %u loads (page-cluster 3); "
	    "%lu loads of %u or more instructions (a read started); the first load of a run "
	    "alone, / 16: mean %lu\n", vmstat("pswpin") - in0, CLUSTER * CLUSTER_N,
	    (unsigned long)slow, SLOW_LOAD, (unsigned long)(first / CLUSTER_N / CLUSTER));
	report_n("fault_swap_in_cluster16_per_page", CLUSTER_N, false);
}

void bench_swap(const char *swapdev)
{
	size_t npages = IN_WARMUP + IN_N + CLUSTER * CLUSTER_N, len = npages * PG;
	if (swapon(swapdev, 0)) {
		complain("swapon %s: %s\n", swapdev, strerror(errno));
		return;
	}
	char *area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		complain("mmap: %s\n", strerror(errno));
		return;
	}
	for (size_t i = 0; i < npages; i++)
		*(volatile uint64_t *)(area + i * PG) = i + 1;
	if (!write_file(PAGE_CLUSTER, "0") || !push_out(area, len))
		return;
	swap_single(area);
	if (!write_file(PAGE_CLUSTER, "3"))
		return;
	swap_cluster(area);
	for (size_t i = 0; i < npages; i++)
		if (*(volatile uint64_t *)(area + i * PG) != i + 1) {
			complain("swap: page %zu came back wrong\n", i);
			return;
		}
	munmap(area, len);
}
