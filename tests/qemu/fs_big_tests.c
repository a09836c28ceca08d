/*
 * The file scenarios with big things in them (tests/blk/run-blk-tests,
 * the fs-big boot): a 64 MiB file written and read back with a checksum,
 * and /bin/bigtext, 32 MiB of text, demand-paged (few pages resident,
 * two copies sharing their text frames, text dropped under pressure and
 * read again). The rest of the file scenarios: fs_tests.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libc/file.h"
#include "libipc/server.h"
#include "libipc/vm.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/bigtext.h"
#include "tests/qemu/blk_pattern.h"
#include "tests/qemu/runner.h"
#include "tests/qemu/fs_tests.h"

#define BIG_BYTES (64ull << 20)
#define BIG_CHUNK (1u << 20)          /* bytes a write() or read() */
#define BIG_FSYNC_EVERY (16ull << 20) /* written back and dropped this often */
#define SEED_BIG 0x4444ull

/* POSIX cksum (CRC-32, polynomial 0x04c11db7, most significant bit
 * first, then the length's bytes, inverted): what the host's cksum(1)
 * prints for the same bytes. */
static uint32_t crc_table[256];

static void cksum_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
		crc_table[i] = c;
	}
}

static uint32_t cksum_add(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ *p++];
	return crc;
}

static uint32_t cksum_end(uint32_t crc, uint64_t len)
{
	for (; len; len >>= 8)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ (len & 0xff)];
	return ~crc;
}

/* Drops pages [off, off + len) of the object id (the memory manager's
 * evict); true if none of them was dirty. */
static bool evict_clean(int mm, uint64_t id, uint64_t off, uint64_t len, uint8_t *st)
{
	if (mm_evict(mm, id, off, len / 4096, st) < 0)
		return false;
	for (uint64_t i = 0; i < len / 4096; i++)
		if (st[i] & PAGE_DIRTY)
			return false;
	return true;
}

/* /big.bin, 64 MiB in 1 MiB write()s (the guest pattern of seed
 * SEED_BIG), written back and dropped every 16 MiB, then read back from
 * the disk in 1 MiB read()s: the same bytes and the same checksum, which
 * the host compares with its own of the image's file. Read-ahead of 16
 * pages a fault throughout (a write's pages are read first: the blocks
 * FS_EXTEND zeroed). */
void fs_64mib_file_checksum(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	uint8_t *chunk = malloc(BIG_CHUNK), *st = malloc(BIG_FSYNC_EVERY / 4096);
	CHECK(chunk && st);
	cksum_init();
	CHECK_EQ(fs_request(FS_CONFIG, 16, 1), 0);
	int fd = open("/big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644), writable;
	CHECK(fd >= 0);
	struct vmo_info vi;
	CHECK_EQ(vmo_info((int)mk_file_object(fd, &writable), &vi), 0);
	uint32_t wsum = 0;
	for (uint64_t at = 0; at < BIG_BYTES; at += BIG_CHUNK) {
		blk_pat_fill(chunk, at, BIG_CHUNK, SEED_BIG);
		wsum = cksum_add(wsum, chunk, BIG_CHUNK);
		CHECK_EQ(write(fd, chunk, BIG_CHUNK), BIG_CHUNK);
		if ((at + BIG_CHUNK) % BIG_FSYNC_EVERY)
			continue;
		CHECK_EQ(fsync(fd), 0);
		CHECK(evict_clean(mm, vi.id, at + BIG_CHUNK - BIG_FSYNC_EVERY, BIG_FSYNC_EVERY, st));
	}
	wsum = cksum_end(wsum, BIG_BYTES);
	CHECK_EQ(close(fd), 0);
	struct stat sb;
	CHECK_EQ(stat("/big.bin", &sb), 0);
	CHECK_EQ(sb.st_size, BIG_BYTES);

	struct fs_counts c0, c1;
	CHECK(fs_counts(&c0));
	fd = open("/big.bin", O_RDONLY);
	CHECK(fd >= 0);
	uint32_t rsum = 0;
	uint64_t got = 0;
	bool same = true;
	long r;
	while ((r = read(fd, chunk, BIG_CHUNK)) > 0) {
		same = same && r % 8 == 0 && blk_pat_check(chunk, got, (uint64_t)r, SEED_BIG);
		rsum = cksum_add(rsum, chunk, (size_t)r);
		got += (uint64_t)r;
	}
	fs_request(FS_CONFIG, 1, 1);
	CHECK_EQ(r, 0);
	CHECK_EQ(close(fd), 0);
	CHECK(fs_counts(&c1));
	free(chunk);
	free(st);
	CHECK_EQ(got, BIG_BYTES);
	CHECK(same);
	CHECK_EQ(cksum_end(rsum, got), wsum);
	CHECK(c1.pages_read - c0.pages_read >= BIG_BYTES / 4096); /* from the disk */
	uprintf("fs_64mib_file_checksum: cksum %u %lu\n", wsum, (unsigned long)BIG_BYTES);
}

/* --- program text from the disk (/bin/bigtext) --------------------------------- */

#define BIGTEXT_PATH "/bin/bigtext"
#define BIGTEXT_WAIT_NS (20000ull * 1000000ull) /* a safety net, not a measure */
#define FEW_PAGES 48 /* "a few dozen" */

/* A running /bin/bigtext that waits in its call to the runner (on an
 * endpoint of its own: answering one copy's call before taking the next
 * one's, as the kernel wants). */
struct bigtext_run {
	int task;
	long ep;
	struct ipc_msg m; /* its last call */
};

/* Takes its next call: it then waits for the answer. */
static long bigtext_next(struct bigtext_run *r)
{
	long err = ipc_recv((int)r->ep, &r->m, BIGTEXT_WAIT_NS);
	if (!err && IPC_TAG_LABEL(r->m.tag) != BIGTEXT_LABEL)
		err = -E_INVAL;
	return err;
}

/* Starts /bin/bigtext touching `pages` pages in each of `rounds` rounds
 * and takes its first call. */
static long bigtext_start(struct bigtext_run *r, unsigned pages, unsigned rounds)
{
	char a[16], b[16];
	snprintf(a, sizeof(a), "%u", pages);
	snprintf(b, sizeof(b), "%u", rounds);
	const char *argv[] = { BIGTEXT_PATH, a, b, 0 };
	r->ep = sys_endpoint_create();
	if (r->ep < 0)
		return r->ep;
	int32_t hs[1] = { (int32_t)r->ep };
	uint32_t rs[1] = { R_SEND };
	r->task = spawn(argv, hs, rs, 1);
	if (r->task < 0)
		return r->task;
	return bigtext_next(r);
}

static long bigtext_answer(struct bigtext_run *r)
{
	r->m.tag = IPC_TAG(0, 0, 0);
	return ipc_reply(&r->m);
}

/* Answers its last call and waits for its exit status. */
static long bigtext_finish(struct bigtext_run *r)
{
	bigtext_answer(r);
	long status = sys_task_wait(r->task);
	sys_handle_close(r->task);
	sys_handle_close((int)r->ep);
	return status;
}

/* The file's object (the one the loader maps: one per open inode) and
 * its page count; *fd stays open. */
static long bigtext_object(int *fd, uint64_t *pages)
{
	struct stat st;
	int writable;
	*fd = open(BIGTEXT_PATH, O_RDONLY);
	if (*fd < 0 || fstat(*fd, &st) < 0)
		return -E_NOENT;
	*pages = ((uint64_t)st.st_size + 4095) / 4096;
	return mk_file_object(*fd, &writable);
}

/* 32 MiB of text, three pages of it touched: only what the program
 * touches comes in, in its address space and in the file's object. */
void program_32mib_text_touches_few_pages(void)
{
	int fd;
	uint64_t pages;
	long vmo = bigtext_object(&fd, &pages);
	CHECK(vmo >= 0);
	CHECK(pages > BIGTEXT_PAGES);
	struct bigtext_run r;
	CHECK_EQ(bigtext_start(&r, 3, 1), 0);
	CHECK_EQ(r.m.w[0], 0); /* the three pages hold what they should */
	struct task_info ti;
	struct vmo_info vi;
	CHECK_EQ(sys_task_info(r.task, &ti), 0);
	CHECK_EQ(vmo_info((int)vmo, &vi), 0);
	uprintf("program_32mib_text_touches_few_pages: %lu frames mapped, %lu of %lu pages of "
		"the file resident\n",
		(unsigned long)ti.frames, (unsigned long)vi.resident, (unsigned long)pages);
	CHECK(ti.frames >= 3 && ti.frames <= FEW_PAGES);
	CHECK(vi.resident >= 3 && vi.resident <= FEW_PAGES);
	CHECK_EQ(bigtext_finish(&r), 0);
	close(fd);
}

/* Two running copies touching the same 256 text pages: the second maps
 * them (its frame count) but neither the file's page cache nor the free
 * frames pay for them again. */
void two_copies_share_text_frames(void)
{
	enum { PAGES = 256 };
	int fd;
	uint64_t pages;
	long vmo = bigtext_object(&fd, &pages);
	CHECK(vmo >= 0);
	struct bigtext_run a, b;
	struct vmo_info i1, i2;
	CHECK_EQ(bigtext_start(&a, PAGES, 2), 0);
	CHECK_EQ(a.m.w[0], 0);
	CHECK_EQ(vmo_info((int)vmo, &i1), 0);
	CHECK(i1.resident >= PAGES);
	/* a touches them again and calls once more: it waits there, mapped */
	CHECK_EQ(bigtext_answer(&a), 0);
	uint64_t free1 = free_frames();
	CHECK_EQ(bigtext_start(&b, PAGES, 1), 0);
	uint64_t free2 = free_frames();
	CHECK_EQ(b.m.w[0], 0);
	CHECK_EQ(vmo_info((int)vmo, &i2), 0);
	struct task_info ta, tb;
	CHECK_EQ(sys_task_info(a.task, &ta), 0);
	CHECK_EQ(sys_task_info(b.task, &tb), 0);
	uprintf("two_copies_share_text_frames: %lu and %lu frames mapped, file resident %lu then "
		"%lu, the second copy took %ld free frames\n",
		(unsigned long)ta.frames, (unsigned long)tb.frames, (unsigned long)i1.resident,
		(unsigned long)i2.resident, (long)(free1 - free2));
	CHECK(ta.frames >= PAGES && tb.frames >= PAGES);
	CHECK_EQ(i2.resident, i1.resident);
	CHECK((long)(free1 - free2) < PAGES / 2);
	CHECK_EQ(bigtext_finish(&b), 0);
	CHECK_EQ(bigtext_next(&a), 0);
	CHECK_EQ(a.m.w[0], 0);
	CHECK_EQ(bigtext_finish(&a), 0);
	close(fd);
}

/* The memory manager drops every resident page of the program's file
 * while the program waits in its call: all clean, none written to the
 * disk; the program's next round faults its text (its code and the
 * blob's pages) in again from the file and finds the same bytes. */
void text_pages_dropped_under_pressure(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	int fd;
	uint64_t pages;
	long vmo = bigtext_object(&fd, &pages);
	CHECK(vmo >= 0);
	uint8_t *st = malloc(pages);
	CHECK(st);
	struct fs_counts c0, c1, c2;
	struct vmo_info v1, v2, v3;
	struct bigtext_run r;
	CHECK_EQ(bigtext_start(&r, 3, 2), 0);
	CHECK_EQ(r.m.w[0], 0);
	CHECK_EQ(vmo_info((int)vmo, &v1), 0);
	CHECK(fs_counts(&c0));
	long freed = mm_evict(mm, v1.id, 0, pages, st);
	CHECK_EQ(freed, v1.resident);
	uint64_t dirty = 0;
	for (uint64_t i = 0; i < pages; i++)
		dirty += (st[i] & PAGE_DIRTY) != 0;
	CHECK_EQ(dirty, 0);
	CHECK_EQ(vmo_info((int)vmo, &v2), 0);
	CHECK_EQ(v2.resident, 0);
	CHECK(fs_counts(&c1));
	CHECK_EQ(c1.pages_written, c0.pages_written); /* dropped, not written */
	CHECK_EQ(bigtext_answer(&r), 0);
	CHECK_EQ(bigtext_next(&r), 0); /* the second round */
	CHECK_EQ(r.m.w[0], 0);
	CHECK_EQ(r.m.w[1], 1);
	CHECK_EQ(vmo_info((int)vmo, &v3), 0);
	CHECK(fs_counts(&c2));
	uprintf("text_pages_dropped_under_pressure: %ld pages dropped, %lu read again\n", freed,
		(unsigned long)(c2.pages_read - c1.pages_read));
	CHECK(v3.resident >= 4); /* three of the blob and the code running now */
	CHECK(c2.pages_read - c1.pages_read >= 4);
	CHECK_EQ(c2.pages_written, c0.pages_written);
	CHECK_EQ(bigtext_finish(&r), 0);
	free(st);
	close(fd);
}

