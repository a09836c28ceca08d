/*
 * Disk scenarios: run only when named (they need the disks that
 * tests/blk/run-blk-tests attaches): blk0 an 8 MiB read-write disk with
 * the host's pattern at its start, middle and end (blk_pattern.h), blk1
 * a read-only disk; or, for the error scenario, blk0 behind QEMU's
 * blkdebug, which fails reads of sector ERR_READ_SECTOR and writes of
 * ERR_WRITE_SECTOR. The host checks what blk_writes_patterns wrote.
 */
#include "libipc/dma.h"
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/vm.h"
#include "servers/blk/libblk.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/blk_pattern.h"
#include "tests/qemu/runner.h"

#define BUF_VA 0x2900000000ul
#define BUF_SIZE (256u << 10)
#define ERR_READ_SECTOR 4096
#define ERR_WRITE_SECTOR 4100

static struct ipc_buffer buf;
static struct blk_dev dev;

/* Opens blk0 (or name) with a fresh buffer at BUF_VA. */
static long open_disk(struct blk_dev *d, const char *name, uint64_t va)
{
	ipc_buffer_setup(&buf);
	return blk_open_name(d, H_NAME, name, BUF_SIZE, va, &buf);
}

static long stats(uint64_t out[4])
{
	long pub = name_lookup(H_NAME, &buf, "blk0");
	if (pub < 0)
		return pub;
	uint32_t got;
	long err = ipc_request((int)pub, &buf, BLK_STATS, 0, 0, 0, 0, 0, out, 4, &got);
	sys_handle_close((int)pub);
	return err;
}

/* The host's pattern at the start, middle and end of the disk. */
static void blk_reads_host_patterns(void)
{
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	uint64_t c = dev.capacity, at[3] = { 0, c / 2, c - 32 };
	CHECK(c >= 1024);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(blk_read(&dev, at[i], 16, 4096), BLK_OK);
		CHECK(blk_pat_check(dev.buf + 4096, at[i] * BLK_SECTOR, 16 * BLK_SECTOR,
				    BLK_SEED_HOST));
	}
	/* One sector, into an odd place of the buffer. */
	CHECK_EQ(blk_read(&dev, c / 2 + 3, 1, 3 * 512), BLK_OK);
	CHECK(blk_pat_check(dev.buf + 3 * 512, (c / 2 + 3) * BLK_SECTOR, BLK_SECTOR, BLK_SEED_HOST));
	blk_close(&dev);
}

/* Near the start, in the middle (from a buffer offset that spans pages)
 * and up to the last sector; the host compares after power-off. */
static void blk_writes_patterns(void)
{
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	uint64_t c = dev.capacity;
	blk_pat_fill(dev.buf, 16 * BLK_SECTOR, 16 * BLK_SECTOR, BLK_SEED_GUEST);
	CHECK_EQ(blk_write(&dev, 16, 16, 0), BLK_OK);
	blk_pat_fill(dev.buf + 8192 + 512, (c / 2 + 16) * BLK_SECTOR, 16 * BLK_SECTOR,
		     BLK_SEED_GUEST);
	CHECK_EQ(blk_write(&dev, c / 2 + 16, 16, 8192 + 512), BLK_OK);
	blk_pat_fill(dev.buf + 65536, (c - 16) * BLK_SECTOR, 16 * BLK_SECTOR, BLK_SEED_GUEST);
	CHECK_EQ(blk_write(&dev, c - 16, 8, 65536), BLK_OK);
	CHECK_EQ(blk_write(&dev, c - 8, 8, 65536 + 8 * 512), BLK_OK);
	CHECK_EQ(blk_flush(&dev), BLK_OK);
	/* Read back through a clean buffer area. */
	CHECK_EQ(blk_read(&dev, c - 16, 16, 131072), BLK_OK);
	CHECK(blk_pat_check(dev.buf + 131072, (c - 16) * BLK_SECTOR, 16 * BLK_SECTOR,
			    BLK_SEED_GUEST));
	blk_close(&dev);
	uprintf("blk-host-check: guest wrote %lu\n", (unsigned long)c);
}

/* Four async writes, then four async reads, from this client while a
 * helper task does the same on other sectors: 8 in flight from 2. */
static void blk_eight_in_flight_from_two_clients(void)
{
	int32_t hs[1] = { H_NAME };
	const char *argv[] = { "uhelper", "blkio", "2048", 0 };
	int h = spawn(argv, hs, 0, 1);
	CHECK(h > 0);
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	uint64_t base = 1024, sums[4];
	unsigned tags[4];
	for (int i = 0; i < 4; i++) {
		uint64_t off = (uint64_t)i * 32768;
		blk_pat_fill(dev.buf + off, (base + i * 64) * 512, 32768, 0x77 + i);
		sums[i] = blk_sum(dev.buf + off, 32768);
		CHECK_EQ(blk_submit(&dev, BLK_OP_WRITE, base + i * 64, 64, off, &tags[i]), BLK_OK);
	}
	for (int i = 0; i < 4; i++) {
		unsigned t;
		CHECK_EQ(blk_wait_any(&dev, &t), BLK_OK);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(blk_submit(&dev, BLK_OP_READ, base + i * 64, 64, 131072 + i * 32768,
				    &tags[i]), BLK_OK);
	for (int i = 3; i >= 0; i--) /* collected in another order than sent */
		CHECK_EQ(blk_wait(&dev, tags[i]), BLK_OK);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(blk_sum(dev.buf + 131072 + i * 32768, 32768), sums[i]);
	blk_close(&dev);
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
}

/* Three tasks' synchronous requests and this one's asynchronous ones at
 * once: completions reach the right waiter whoever takes the interrupt. */
static void blk_sync_and_async_clients_at_once(void)
{
	int32_t hs[1] = { H_NAME };
	const char *bases[3] = { "3000", "3200", "3400" };
	int h[3];
	for (int i = 0; i < 3; i++) {
		const char *argv[] = { "uhelper", "blksync", bases[i], 0 };
		h[i] = spawn(argv, hs, 0, 1);
		CHECK(h[i] > 0);
	}
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	for (int round = 0; round < 20; round++) {
		unsigned t[4];
		for (int i = 0; i < 4; i++)
			CHECK_EQ(blk_submit(&dev, BLK_OP_READ, 4000 + i * 16, 16, i * 8192, &t[i]),
				 BLK_OK);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(blk_wait(&dev, t[i]), BLK_OK);
	}
	blk_close(&dev);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(sys_task_wait(h[i]), 0);
		sys_handle_close(h[i]);
	}
}

static void blk_readonly_disk_refuses_writes(void)
{
	CHECK_EQ(open_disk(&dev, "blk1", BUF_VA), 0);
	CHECK(dev.flags & BLK_INFO_READONLY);
	CHECK_EQ(blk_read(&dev, 0, 8, 0), BLK_OK);
	CHECK_EQ(blk_write(&dev, 0, 8, 0), BLK_READONLY);
	unsigned t;
	CHECK_EQ(blk_submit(&dev, BLK_OP_WRITE, 8, 8, 0, &t), BLK_READONLY);
	CHECK_EQ(blk_read(&dev, 8, 8, 0), BLK_OK);
	blk_close(&dev);
}

static void blk_refuses_bad_and_out_of_range_requests(void)
{
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	uint64_t c = dev.capacity;
	CHECK_EQ(blk_read(&dev, c, 1, 0), BLK_RANGE);
	CHECK_EQ(blk_read(&dev, c - 1, 2, 0), BLK_RANGE);
	CHECK_EQ(blk_read(&dev, ~0ull, 1, 0), BLK_RANGE);
	CHECK_EQ(blk_write(&dev, c, 8, 0), BLK_RANGE);
	CHECK_EQ(blk_read(&dev, 0, 8, BUF_SIZE - 512), BLK_RANGE); /* past the buffer */
	CHECK_EQ(blk_read(&dev, 0, 1, ~0ull - 511), BLK_RANGE);
	CHECK_EQ(blk_read(&dev, 0, 0, 0), BLK_BADREQ);
	CHECK_EQ(blk_read(&dev, 0, BLK_MAX_SECTORS + 1, 0), BLK_BADREQ);
	CHECK_EQ(blk_read(&dev, 0, 1, 100), BLK_BADREQ); /* offset not a sector multiple */
	struct ipc_msg m = { .tag = IPC_TAG(BLK_SUBMIT, 4, 0), .w = { 0, 1, 0, BLK_TAGS << 8 } };
	CHECK_EQ(ipc_call(dev.ep, &m, 0), 0);
	CHECK_EQ(m.w[0], BLK_BADREQ); /* no such tag */
	m = (struct ipc_msg){ .tag = IPC_TAG(BLK_SUBMIT, 4, 0), .w = { 0, 1, 0, 9 } };
	CHECK_EQ(ipc_call(dev.ep, &m, 0), 0);
	CHECK_EQ(m.w[0], BLK_BADREQ); /* no such op */
	m = (struct ipc_msg){ .tag = IPC_TAG(99, 0, 0) };
	CHECK_EQ(ipc_call(dev.ep, &m, 0), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), E_NOSYS);
	m = (struct ipc_msg){ .tag = IPC_TAG(BLK_READ, 1, 0) };
	CHECK_EQ(ipc_call(dev.ep, &m, 0), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), E_INVAL); /* too few words */
	/* The public handle may not read; an open with junk handles fails. */
	long pub = name_lookup(H_NAME, &buf, "blk0");
	CHECK(pub >= 0);
	m = (struct ipc_msg){ .tag = IPC_TAG(BLK_READ, 3, 0), .w = { 0, 1, 0 } };
	CHECK_EQ(ipc_call((int)pub, &m, 0), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), E_PERM);
	int32_t hs[3] = { H_NAME, H_NAME, H_NAME };
	CHECK_EQ(ipc_request((int)pub, &buf, BLK_OPEN, 0, 0, hs, 0, 3, 0, 0, 0), -E_INVAL);
	sys_handle_close((int)pub);
	/* Still serving. */
	CHECK_EQ(blk_read(&dev, 0, 8, 0), BLK_OK);
	blk_close(&dev);
	/* A closed session's handle is refused. */
	CHECK_EQ(blk_read(&dev, 0, 8, 0), BLK_BADREQ);
}

/* A buffer shared read-only: the disk may be written from it, not read into it. */
static void blk_readonly_buffer_is_not_written(void)
{
	ipc_buffer_setup(&buf);
	long pub = name_lookup(H_NAME, &buf, "blk0");
	CHECK(pub >= 0);
	CHECK_EQ(blk_open(&dev, (int)pub, BUF_SIZE, BUF_VA, true, &buf), 0);
	sys_handle_close((int)pub);
	CHECK_EQ(blk_read(&dev, 0, 8, 0), BLK_BADREQ);
	CHECK_EQ(blk_write(&dev, 2000, 8, 0), BLK_OK);
	blk_close(&dev);
}

/* Injected by blkdebug: the failed request alone gets BLK_IOERR. */
static void blk_io_errors_reach_the_client(void)
{
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	CHECK_EQ(blk_read(&dev, ERR_READ_SECTOR - 8, 8, 0), BLK_OK);
	CHECK_EQ(blk_read(&dev, ERR_READ_SECTOR, 8, 0), BLK_IOERR);
	CHECK_EQ(blk_write(&dev, ERR_WRITE_SECTOR, 1, 0), BLK_IOERR);
	unsigned t;
	CHECK_EQ(blk_submit(&dev, BLK_OP_READ, ERR_READ_SECTOR, 1, 0, &t), BLK_OK);
	CHECK_EQ(blk_wait(&dev, t), BLK_IOERR);
	CHECK_EQ(blk_read(&dev, ERR_READ_SECTOR + 64, 8, 0), BLK_OK);
	CHECK_EQ(blk_write(&dev, ERR_READ_SECTOR + 64, 8, 0), BLK_OK);
	blk_close(&dev);
}

/* The buffer goes (unmapped, handle closed) while the disk reads into
 * it: the pins keep its frames, nothing leaks once it completes. */
static void blk_buffer_unmapped_mid_request(void)
{
	uint64_t before = free_frames_settled(); /* the window idles for the disk */
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	unsigned t[2];
	CHECK_EQ(blk_submit(&dev, BLK_OP_READ, 0, 256, 0, &t[0]), BLK_OK);
	CHECK_EQ(blk_submit(&dev, BLK_OP_READ, 256, 256, 131072, &t[1]), BLK_OK);
	CHECK_EQ(vm_unmap(BUF_VA, BUF_SIZE), 0);
	CHECK_EQ(sys_handle_close(dev.vmo), 0);
	dev.vmo = -1;
	CHECK_EQ(blk_wait(&dev, t[0]), BLK_OK);
	CHECK_EQ(blk_wait(&dev, t[1]), BLK_OK);
	blk_close(&dev);
	uint64_t st[4];
	CHECK_EQ(stats(st), 0);
	CHECK_EQ(st[2], 0); /* nothing in flight */
	CHECK_EQ(st[3], 0); /* no pins */
	CHECK_EQ(free_frames(), before);
}

/* A client killed with requests in flight: the driver finishes them,
 * drops the client and its pins; the frames come back. */
static void kill_mid_request(void)
{
	int32_t hs[1] = { H_NAME };
	const char *argv[] = { "uhelper", "blkdie", 0 };
	int h = spawn(argv, hs, 0, 1);
	CHECK(h > 0);
	sys_sleep(20 * 1000 * 1000);
	sys_task_kill(h);
	sys_task_wait(h);
	sys_handle_close(h);
	uint64_t st[4] = { 1, 1, 1, 1 };
	for (int i = 0; i < 100 && (st[1] || st[3]); i++) {
		sys_sleep(10 * 1000 * 1000);
		CHECK_EQ(stats(st), 0);
	}
	CHECK_EQ(st[1], 0); /* no clients */
	CHECK_EQ(st[3], 0); /* no pins */
}

static void blk_client_killed_mid_request(void)
{
	/* The first round may touch the driver's and the runner's own
	 * memory for the first time (a stack or .bss page on the purge
	 * path), which stays theirs: the frames are counted over the
	 * second. */
	kill_mid_request();
	if (cur_failed)
		return;
	uint64_t before = free_frames_settled(); /* the window idles for the disk */
	kill_mid_request();
	if (cur_failed)
		return;
	CHECK_EQ(free_frames(), before);
	/* And it serves the next one. */
	CHECK_EQ(open_disk(&dev, "blk0", BUF_VA), 0);
	CHECK_EQ(blk_read(&dev, 0, 8, 0), BLK_OK);
	blk_close(&dev);
}

/* Runs in the default suite: pinning needs the DMA right, which only
 * drivers get. */
static void dma_pin_needs_the_dma_right(void)
{
	long vmo = vmo_create(8192, VMO_KERNEL_ZERO, 0);
	CHECK(vmo >= 0);
	uint64_t pa[2];
	CHECK_EQ(dma_pin((int)vmo, (int)vmo, 0, 1, 0, pa), -E_BADH);
	CHECK_EQ(dma_pin(H_NAME, (int)vmo, 0, 1, 0, pa), -E_BADH);
	for (int h = 0; h < 128; h++) {
		struct handle_info hi;
		CHECK(sys_handle_info(h, &hi) != 0 || hi.type != OBJ_DMA);
	}
	sys_handle_close((int)vmo);
}

const struct qtest blk_tests[] = {
	{ "blk_reads_host_patterns", blk_reads_host_patterns },
	{ "blk_writes_patterns", blk_writes_patterns },
	{ "blk_eight_in_flight_from_two_clients", blk_eight_in_flight_from_two_clients },
	{ "blk_sync_and_async_clients_at_once", blk_sync_and_async_clients_at_once },
	{ "blk_readonly_disk_refuses_writes", blk_readonly_disk_refuses_writes },
	{ "blk_refuses_bad_and_out_of_range_requests", blk_refuses_bad_and_out_of_range_requests },
	{ "blk_readonly_buffer_is_not_written", blk_readonly_buffer_is_not_written },
	{ "blk_io_errors_reach_the_client", blk_io_errors_reach_the_client },
	{ "blk_buffer_unmapped_mid_request", blk_buffer_unmapped_mid_request },
	{ "blk_client_killed_mid_request", blk_client_killed_mid_request },
};
const size_t n_blk_tests = sizeof(blk_tests) / sizeof(blk_tests[0]);

const struct qtest dma_tests[] = {
	{ "dma_pin_needs_the_dma_right", dma_pin_needs_the_dma_right },
};
const size_t n_dma_tests = sizeof(dma_tests) / sizeof(dma_tests[0]);
