/*
 * File benchmarks, on the ext2 disk scripts/bench attaches as blk0 (the
 * fs server pages its files). As in bench_blk.c, the hart's idle time
 * while the disk works (SYS_IDLE_COUNT) is taken off: the figures are the
 * busy instructions of kernel, fs server, driver and interrupt.
 *   fault_file_major                 a load from a page of /big.bin that is
 *                                    not resident: read from disk, no
 *                                    read-ahead
 *   fault_file_major_cluster16_per_page  the same with 16 pages read per
 *                                    fault, per page (16 loads / 16)
 *   fault_file_minor                 a load from a resident page of the
 *                                    file, mapped afresh
 *   read_1m_per_4k                   read() of a cached 1 MiB file, per 4 KiB
 *   spawn_hello_from_disk_cold / _warm  /bin/hello started from the disk
 *                                    and waited for; cold: its pages not
 *                                    yet read (the first run of the boot)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libc/file.h"
#include "libipc/server.h"
#include "libipc/vm.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"
#include "tests/bench/bench.h"

#define PG 4096ul
#define FILE_AREA 0x2a00000000ul
#define MAJOR_N 1000     /* pages of /big.bin read one by one */
#define CLUSTER 16
#define CLUSTER_N 100    /* clusters of 16 after those */
#define MINOR_N 2000
#define READ_N 200
#define SPAWN_N 50

static struct ipc_buffer fsbuf;

static long fs_config(uint64_t readahead)
{
	long ep = name_lookup(H_NAME, &fsbuf, "fs");
	if (ep < 0)
		return ep;
	uint64_t w[1] = { readahead }, out[1];
	long r = ipc_request((int)ep, &fsbuf, FS_CONFIG, w, 1, 0, 0, 0, out, 1, 0);
	sys_handle_close((int)ep);
	return r;
}


static int mm_cap(void)
{
	for (int h = 0; h < 64; h++)
		if (handle_is(h, OBJ_MM, R_CONTROL))
			return h;
	return -1;
}

/* For the fault-latency CDF only (no BENCH line): the last CACHED pages
 * the cluster run read, dropped from the object by the manager
 * (SYS_MM_EVICT frees clean pages), then loaded again: each goes back to
 * the file pager. Meant to show a supply from the file server's block
 * cache (EXT2_CACHE_BLOCKS); whether the blocks are still there is not
 * checked (the figures say they are slower than a disk read: unexplained). */
#define CACHED 24
static void cached_faults(int vmo, volatile const uint64_t *base)
{
	static uint8_t st[CACHED];
	struct vmo_info info;
	uint64_t first = MAJOR_N + CLUSTER * CLUSTER_N - CACHED;
	int mm = mm_cap();
	if (mm < 0 || vmo_info(vmo, &info) || mm_evict(mm, info.id, first * PG, CACHED, st) < 0) {
		uprintf("BENCH-INFO trace_cdf_file_pager_refault no eviction\n");
		return;
	}
	uint64_t from = trace_records_end();
	for (uint64_t p = first; p < first + CACHED; p++)
		(void)timed_load(base + p * PG / 8);
	bench_trace_cdf("file_pager_refault", from, false);
}

static void faults(int vmo, uint64_t size)
{
	uint64_t pages = size / PG;
	if (pages < MAJOR_N + CLUSTER * CLUSTER_N || vm_map(vmo, FILE_AREA, size, 0, VM_R | VM_SHARED)) {
		uprintf("bench: /big.bin too small or not mapped\n");
		return;
	}
	volatile const uint64_t *base = (volatile const uint64_t *)FILE_AREA;
	fs_config(1);
	uint64_t from = trace_records_end();
	for (size_t i = 0; i < MAJOR_N; i++)
		samples[i] = timed_load(base + i * PG / 8);
	report_n("fault_file_major", MAJOR_N, true);
	bench_trace_cdf("file_pager_disk", from, false);
	fs_config(CLUSTER);
	for (size_t c = 0; c < CLUSTER_N; c++) {
		uint64_t sum = 0;
		for (size_t k = 0; k < CLUSTER; k++) {
			uint64_t t = timed_load(base + (MAJOR_N + c * CLUSTER + k) * PG / 8);
			sum += t > counter_overhead() ? t - counter_overhead() : 0;
		}
		samples[c] = sum / CLUSTER;
	}
	report_n("fault_file_major_cluster16_per_page", CLUSTER_N, false);
	fs_config(1);
	/* Minor: the pages read above, mapped again every MAJOR_N loads. */
	for (size_t i = 0; i < MINOR_N; i++) {
		if (i % MAJOR_N == 0) {
			vm_unmap(FILE_AREA, size);
			vm_map(vmo, FILE_AREA, size, 0, VM_R | VM_SHARED);
		}
		samples[i] = timed_load(base + (i % MAJOR_N) * PG / 8);
	}
	report_n("fault_file_minor", MINOR_N, true);
	cached_faults(vmo, base);
	vm_unmap(FILE_AREA, size);
}

static void reads(void)
{
	int fd = open("/small.bin", O_RDONLY);
	char *buf = malloc(1u << 20);
	size_t i = 0;
	if (fd < 0 || !buf || pread(fd, buf, 1u << 20, 0) != 1 << 20) /* now cached */
		uprintf("bench: no /small.bin of 1 MiB\n");
	else
		for (; i < READ_N; i++) {
			uint64_t a = rd_instret();
			long r = pread(fd, buf, 1u << 20, 0);
			uint64_t b = rd_instret();
			if (r != 1 << 20)
				break;
			samples[i] = (b - a) / 256;
		}
	if (i == READ_N)
		report_n("read_1m_per_4k", READ_N, false);
	free(buf);
	if (fd >= 0)
		close(fd);
}

static uint64_t spawn_once(void)
{
	const char *argv[] = { "/bin/hello", 0 };
	uint64_t idle0 = (uint64_t)sys0(SYS_IDLE_COUNT);
	uint64_t a = rd_instret();
	int h = spawn(argv, 0, 0, 0);
	long st = h < 0 ? h : sys_task_wait(h);
	uint64_t b = rd_instret();
	if (h >= 0)
		sys_handle_close(h);
	if (st != 0)
		uprintf("bench: /bin/hello: %ld\n", st);
	return b - a - ((uint64_t)sys0(SYS_IDLE_COUNT) - idle0);
}

void bench_files(void)
{
	ipc_buffer_setup(&fsbuf);
	samples[0] = spawn_once(); /* first: nothing of it read yet */
	report_n("spawn_hello_from_disk_cold", 1, true);
	for (size_t i = 0; i < SPAWN_N; i++)
		samples[i] = spawn_once();
	report_n("spawn_hello_from_disk_warm", SPAWN_N, true);
	int fd = open("/big.bin", O_RDONLY);
	struct stat st;
	int writable;
	long vmo = fd < 0 || fstat(fd, &st) ? -1 : mk_file_object(fd, &writable);
	if (vmo < 0) {
		uprintf("bench: no /big.bin on blk0\n");
		return;
	}
	faults((int)vmo, (uint64_t)st.st_size);
	close(fd);
	reads();
}

/* `bench filetrace`: a few file faults to look at with qemu -singlestep
 * -d exec: a load from a page of /big.bin not read yet with read-ahead
 * off after the marker `li x0, 0x124`, then one with 16 pages read per
 * fault after `li x0, 0x125`. */
void bench_file_trace(void)
{
	ipc_buffer_setup(&fsbuf);
	int fd = open("/big.bin", O_RDONLY);
	struct stat st;
	int writable;
	long vmo = fd < 0 || fstat(fd, &st) ? -1 : mk_file_object(fd, &writable);
	if (vmo < 0 || vm_map((int)vmo, FILE_AREA, (uint64_t)st.st_size, 0, VM_R | VM_SHARED)) {
		uprintf("bench: no /big.bin on blk0\n");
		return;
	}
	volatile const uint64_t *base = (volatile const uint64_t *)FILE_AREA;
	fs_config(1);
	for (int i = 0; i < 4; i++)
		(void)base[i * PG / 8];
	__asm__ volatile("li x0, 0x124" ::: "memory");
	(void)base[8 * PG / 8];
	fs_config(CLUSTER);
	(void)base[64 * PG / 8];
	__asm__ volatile("li x0, 0x125" ::: "memory");
	(void)base[128 * PG / 8];
	__asm__ volatile("li x0, 0x126" ::: "memory");
	fs_config(1);
	vm_unmap(FILE_AREA, (uint64_t)st.st_size);
	close(fd);
}
