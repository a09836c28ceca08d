/*
 * Disk benchmarks (blk2, a scratch disk of raw sectors): a client's synchronous request, counted from before
 * its call to after the reply, so the driver, the device's interrupt and
 * every switch between them are in the figure. The device's own work in
 * QEMU is no guest instruction, and neither is the hart's wait for it:
 * under -icount the counter follows the virtual clock, which jumps to the
 * next timer deadline when the hart idles, so the kernel's count of what
 * passed in wfi (SYS_IDLE_COUNT) is taken off. A timer tick that falls
 * in the wait is counted (its handler runs).
 *   blk_read_4k, blk_write_4k   one 4 KiB request
 *   blk_read_64k_per_4k         one 64 KiB request, per 4 KiB
 */
#include "servers/blk/libblk.h"
#include "tests/bench/bench.h"

#define BLK_VA 0x2900000000ul
#define BLK_WARMUP 200
#define BLK_N 2000

static struct ipc_buffer ibuf;

static void series(struct blk_dev *d, const char *name, bool write, uint32_t count,
		   uint64_t div)
{
	uint64_t span = d->capacity / count, ov = counter_overhead();
	for (size_t i = 0; i < BLK_WARMUP + BLK_N; i++) {
		uint64_t sector = (i * 7 % span) * count;
		uint64_t idle0 = (uint64_t)sys0(SYS_IDLE_COUNT);
		uint64_t a = rd_instret();
		int st = write ? blk_write(d, sector, count, 0) : blk_read(d, sector, count, 0);
		uint64_t b = rd_instret();
		/* The hart's wait for the device is no instruction: under -icount
		 * the counter jumps to the next timer while it idles. */
		b -= (uint64_t)sys0(SYS_IDLE_COUNT) - idle0;
		if (st != BLK_OK) {
			uprintf("bench: %s: status %d\n", name, st);
			return;
		}
		if (i >= BLK_WARMUP)
			samples[i - BLK_WARMUP] = (b - a > ov ? b - a - ov : 0) / div;
	}
	report_n(name, BLK_N, false);
}

void bench_blk(void)
{
	struct blk_dev d;
	ipc_buffer_setup(&ibuf);
	long err = blk_open_name(&d, H_NAME, "blk2", 1u << 20, BLK_VA, &ibuf);
	if (err) {
		uprintf("BENCH-INFO blk no disk (%s): blk_* skipped\n", err_name(err));
		return;
	}
	series(&d, "blk_read_4k", false, 8, 1);
	series(&d, "blk_write_4k", true, 8, 1);
	series(&d, "blk_read_64k_per_4k", false, 128, 16);
	blk_close(&d);
}

/* A few reads only, for instruction traces (qemu -singlestep -d exec). */
void bench_blk_trace(void)
{
	struct blk_dev d;
	ipc_buffer_setup(&ibuf);
	if (blk_open_name(&d, H_NAME, "blk2", 1u << 20, BLK_VA, &ibuf))
		return;
	for (int i = 0; i < 4; i++) {
		sys0(SYS_NOP); /* markers around each read in the trace */
		blk_read(&d, (uint64_t)i * 8, 8, 0);
		sys0(SYS_NOP);
	}
	blk_close(&d);
}
