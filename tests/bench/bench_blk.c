/*
 * Disk benchmarks: a client's synchronous request, counted from before
 * its call to after the reply, so the driver, the device's interrupt and
 * every switch between them are in the figure (the device's own work in
 * QEMU is not: it is no guest instruction).
 *   blk_read_4k, blk_write_4k   one 4 KiB request
 *   blk_read_64k_per_4k         one 64 KiB request, per 4 KiB
 * The mean is printed as BENCH-INFO <name>_mean: an interrupt that comes
 * late (a timer tick in between) shows there.
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
	uint64_t span = d->capacity / count, ov = counter_overhead(), sum = 0;
	for (size_t i = 0; i < BLK_WARMUP + BLK_N; i++) {
		uint64_t sector = (i * 7 % span) * count;
		uint64_t a = rd_instret();
		int st = write ? blk_write(d, sector, count, 0) : blk_read(d, sector, count, 0);
		uint64_t b = rd_instret();
		if (st != BLK_OK) {
			uprintf("bench: %s: status %d\n", name, st);
			return;
		}
		if (i >= BLK_WARMUP) {
			uint64_t v = (b - a > ov ? b - a - ov : 0) / div;
			samples[i - BLK_WARMUP] = v;
			sum += v;
		}
	}
	report_n(name, BLK_N, false);
	uprintf("BENCH-INFO %s_mean %lu\n", name, (unsigned long)(sum / BLK_N));
}

void bench_blk(void)
{
	struct blk_dev d;
	ipc_buffer_setup(&ibuf);
	long err = blk_open_name(&d, H_NAME, "blk0", 1u << 20, BLK_VA, &ibuf);
	if (err) {
		uprintf("BENCH-INFO blk no disk (%s): blk_* skipped\n", err_name(err));
		return;
	}
	series(&d, "blk_read_4k", false, 8, 1);
	series(&d, "blk_write_4k", true, 8, 1);
	series(&d, "blk_read_64k_per_4k", false, 128, 16);
	blk_close(&d);
}
