/*
 * File scenarios: run only when named (tests/blk/run-blk-tests boots
 * them with an ext2 image as blk0, made by mke2fs -d from a tree holding
 * /host.bin, HOST_BYTES of the host's pattern). They go through the C
 * library (open, read, write, mmap...) to the file system server, which
 * pages the files' objects.
 *
 *   fs_write_for_reboot / fs_read_after_reboot: one boot writes
 *   /persist.bin (the guest pattern, odd-sized writes), the next reads it
 *   back bit for bit; the host compares it with debugfs in between and
 *   runs e2fsck -fn after each boot.
 *   fs_full_disk_gives_enospc runs on a small image of its own.
 *   On a big image of their own (1 KiB blocks, /bin/bigtext from the
 *   host): fs_64mib_file_checksum writes /big.bin (64 MiB: its last
 *   blocks hang from the triple indirect block) and reads it back; the
 *   host compares its checksum with the one the guest prints. The
 *   program-text scenarios run /bin/bigtext (tests/qemu/bigtext.c, 32
 *   MiB of text) and look at its file's object while it waits in a call
 *   to the runner.
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
#include "tests/qemu/fs_tests.h"
#include "tests/qemu/runner.h"

#define HOST_BYTES (100u << 10)     /* /host.bin: the host's pattern, seed 0x1111 */
#define PERSIST_BYTES (300u << 10)  /* /persist.bin: the guest's, seed 0x3333 */
#define SEED_PERSIST 0x3333ull

#define CHECK_ERRNO(call, e)                   \
	do {                                   \
		errno = 0;                     \
		CHECK_EQ((call), -1);          \
		CHECK_EQ(errno, (e));          \
	} while (0)

static struct ipc_buffer fsbuf;

/* A direct request to the file server (its read-ahead setting, its
 * statistics): w0 of the reply, the words in out[0..nout) if out. */
long fs_request_out(uint32_t label, uint64_t w0, uint32_t nwords, uint64_t *out,
			   uint32_t nout)
{
	ipc_buffer_setup(&fsbuf);
	long ep = name_lookup(H_NAME, &fsbuf, "fs");
	if (ep < 0)
		return ep;
	uint64_t w[1] = { w0 }, one[1];
	if (!out) {
		out = one;
		nout = 1;
	}
	long r = ipc_request((int)ep, &fsbuf, label, w, nwords, 0, 0, 0, out, nout, 0);
	sys_handle_close((int)ep);
	return r ? r : (long)out[0];
}

long fs_request(uint32_t label, uint64_t w0, uint32_t nwords)
{
	return fs_request_out(label, w0, nwords, 0, 0);
}

bool fs_counts(struct fs_counts *c)
{
	uint64_t out[5];
	if (fs_request_out(FS_STATS, 0, 0, out, 5) != 0)
		return false;
	*c = (struct fs_counts){ out[1], out[2], out[3] };
	return true;
}


/* Reads the whole file at path into a new buffer of size *len. */
static uint8_t *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	uint8_t *p = malloc((size_t)st.st_size + 1);
	size_t at = 0;
	for (;;) {
		ssize_t r = read(fd, p + at, 777); /* odd chunks: windows and pages crossed */
		if (r <= 0)
			break;
		at += (size_t)r;
	}
	close(fd);
	*len = at;
	return p;
}

static void fs_reads_host_files(void)
{
	size_t len;
	CHECK_EQ(fs_request(FS_CONFIG, 8, 1), 0); /* read-ahead: 8 pages a fault */
	uint8_t *p = slurp("/host.bin", &len);
	fs_request(FS_CONFIG, 1, 1);
	CHECK(p);
	CHECK_EQ(len, HOST_BYTES);
	CHECK(blk_pat_check(p, 0, HOST_BYTES, BLK_SEED_HOST));
	free(p);
	FILE *f = fopen("/hello.txt", "r");
	char line[64];
	CHECK(f);
	CHECK(fgets(line, sizeof(line), f));
	CHECK(strcmp(line, "hello from the host\n") == 0);
	CHECK(!fgets(line, sizeof(line), f));
	fclose(f);
}

static void fs_write_for_reboot(void)
{
	uint8_t *p = malloc(PERSIST_BYTES);
	CHECK(p);
	blk_pat_fill(p, 0, PERSIST_BYTES, SEED_PERSIST);
	int fd = open("/persist.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	for (size_t at = 0; at < PERSIST_BYTES;) {
		size_t n = PERSIST_BYTES - at < 1234 ? PERSIST_BYTES - at : 1234;
		CHECK_EQ(write(fd, p + at, n), n);
		at += n;
	}
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(close(fd), 0);
	free(p);
	struct stat st;
	CHECK_EQ(stat("/persist.bin", &st), 0);
	CHECK_EQ(st.st_size, PERSIST_BYTES);
	/* stdio through the same calls */
	FILE *f = fopen("/notes.txt", "w");
	CHECK(f);
	CHECK(fprintf(f, "line %d\nline %s\n", 1, "two") > 0);
	CHECK_EQ(fclose(f), 0);
}

static void fs_read_after_reboot(void)
{
	size_t len;
	uint8_t *p = slurp("/persist.bin", &len);
	CHECK(p);
	CHECK_EQ(len, PERSIST_BYTES);
	CHECK(blk_pat_check(p, 0, PERSIST_BYTES, SEED_PERSIST));
	free(p);
	FILE *f = fopen("/notes.txt", "r");
	char a[32], b[32];
	CHECK(f);
	CHECK(fgets(a, sizeof(a), f) && fgets(b, sizeof(b), f));
	fclose(f);
	CHECK(strcmp(a, "line 1\n") == 0 && strcmp(b, "line two\n") == 0);
}

/* read()/write() and a shared mapping see one page cache. */
static void fs_read_write_and_mmap_agree(void)
{
	int fd = open("/coherent.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	char buf[8192];
	memset(buf, 'a', sizeof(buf));
	CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
	char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(m[0] == 'a' && m[8191] == 'a');
	memcpy(m + 4000, "mapped", 6); /* across nothing: inside page 0 */
	memcpy(m + 4094, "XYZ", 3);    /* across the page boundary */
	char got[8];
	CHECK_EQ(pread(fd, got, 6, 4000), 6);
	CHECK(memcmp(got, "mapped", 6) == 0);
	CHECK_EQ(pread(fd, got, 3, 4094), 3);
	CHECK(memcmp(got, "XYZ", 3) == 0);
	CHECK_EQ(pwrite(fd, "written", 7, 100), 7);
	CHECK(memcmp(m + 100, "written", 7) == 0);
	/* A private mapping's writes stay its own. */
	char *q = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(q != MAP_FAILED);
	CHECK(memcmp(q + 100, "written", 7) == 0);
	q[0] = 'P';
	CHECK_EQ(pread(fd, got, 1, 0), 1);
	CHECK(got[0] == 'a');
	CHECK_EQ(munmap(q, 4096), 0);
	CHECK_EQ(munmap(m, 8192), 0);
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(close(fd), 0);
	/* Reopened (the object may be a new one, read from the disk). */
	fd = open("/coherent.bin", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, got, 7, 100), 7);
	CHECK(memcmp(got, "written", 7) == 0);
	CHECK_EQ(pread(fd, got, 3, 4094), 3);
	CHECK(memcmp(got, "XYZ", 3) == 0);
	close(fd);
}

/* A private mapping written on every page (and msync'd) leaves the
 * file as it was: read() shows the old bytes meanwhile, nothing is
 * written back, and after close a fresh object (read from the disk)
 * holds the old bytes too. */
static void fs_map_private_leaves_file_unchanged(void)
{
	enum { LEN = 3 * 4096 + 100 };
	char *buf = malloc(LEN);
	CHECK(buf);
	memset(buf, 'o', LEN);
	int fd = open("/private.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, LEN), LEN);
	CHECK_EQ(fsync(fd), 0);
	struct fs_counts c0, c1;
	CHECK(fs_counts(&c0));
	char *q = mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(q != MAP_FAILED);
	CHECK(q[0] == 'o' && q[LEN - 1] == 'o');
	memset(q, 'P', LEN);
	CHECK_EQ(msync(q, LEN, MS_SYNC), 0);
	char got[4];
	for (long at = 0; at < LEN; at += 4096) {
		CHECK_EQ(pread(fd, got, 1, at), 1);
		CHECK(got[0] == 'o');
		CHECK(q[at] == 'P');
	}
	CHECK_EQ(munmap(q, LEN), 0);
	CHECK_EQ(fsync(fd), 0);
	CHECK(fs_counts(&c1));
	CHECK_EQ(c1.pages_written, c0.pages_written);
	CHECK_EQ(close(fd), 0);
	memset(buf, 0, LEN);
	fd = open("/private.bin", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, LEN), LEN);
	close(fd);
	for (long i = 0; i < LEN; i++)
		CHECK(buf[i] == 'o');
	free(buf);
	CHECK_EQ(unlink("/private.bin"), 0);
}

/* msync writes a shared mapping's dirty pages to the disk (the server's
 * write count grows by them) and refuses what it must. */
static void fs_msync_writes_shared_pages(void)
{
	int fd = open("/msync.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 2 * 4096), 0);
	char *m = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	struct fs_counts c0, c1, c2;
	CHECK_EQ(msync(m, 2 * 4096, MS_SYNC), 0);
	CHECK(fs_counts(&c0));
	memcpy(m + 10, "first", 5);
	memcpy(m + 4096 + 10, "second", 6);
	CHECK_EQ(msync(m, 2 * 4096, MS_SYNC), 0);
	CHECK(fs_counts(&c1));
	CHECK_EQ(c1.pages_written - c0.pages_written, 2);
	CHECK_EQ(msync(m, 2 * 4096, MS_ASYNC), 0); /* nothing dirty now */
	CHECK(fs_counts(&c2));
	CHECK_EQ(c2.pages_written, c1.pages_written);
	CHECK_ERRNO(msync(m + 1, 4096, MS_SYNC), EINVAL);
	CHECK_ERRNO(msync(m, 4096, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_EQ(munmap(m, 2 * 4096), 0);
	CHECK_ERRNO(msync(m, 4096, MS_SYNC), ENOMEM);
	close(fd);
	CHECK_EQ(unlink("/msync.bin"), 0);
}

/* The memory manager evicts a shared mapping's dirty pages: they go to
 * the file server (PAGER_RETURN), which writes them to the disk, and the
 * next touch reads them back from there. */
static void fs_dirty_pages_evicted_reach_the_file(void)
{
	enum { PAGES = 4 };
	int mm = mm_cap(), writable;
	CHECK(mm >= 0);
	int fd = open("/evict.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, PAGES * 4096), 0);
	char *m = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	for (int i = 0; i < PAGES; i++)
		snprintf(m + i * 4096 + 100, 32, "evicted page %d", i);
	struct vmo_info vi;
	CHECK_EQ(vmo_info((int)mk_file_object(fd, &writable), &vi), 0);
	struct fs_counts c0, c1, c2;
	CHECK(fs_counts(&c0));
	uint8_t st[PAGES];
	CHECK_EQ(mm_evict(mm, vi.id, 0, PAGES, st), PAGES);
	for (int i = 0; i < PAGES; i++)
		CHECK(st[i] & PAGE_DIRTY);
	/* The RETURNs reach the server before or after this request: ask
	 * again until they are all written (bounded). */
	for (int tries = 0; tries < 100; tries++) {
		CHECK(fs_counts(&c1));
		if (c1.pages_written - c0.pages_written >= PAGES)
			break;
		sys_sleep(10 * 1000000ull);
	}
	CHECK_EQ(c1.pages_written - c0.pages_written, PAGES);
	CHECK_EQ(vmo_info((int)mk_file_object(fd, &writable), &vi), 0);
	CHECK_EQ(vi.resident, 0);
	char want[32], got[32];
	for (int i = 0; i < PAGES; i++) {
		snprintf(want, sizeof(want), "evicted page %d", i);
		CHECK(strcmp(m + i * 4096 + 100, want) == 0);
		CHECK_EQ(pread(fd, got, strlen(want) + 1, i * 4096 + 100), strlen(want) + 1);
		CHECK(strcmp(got, want) == 0);
	}
	CHECK(fs_counts(&c2));
	CHECK(c2.pages_read - c1.pages_read >= PAGES); /* from the disk */
	CHECK_EQ(munmap(m, PAGES * 4096), 0);
	close(fd);
	CHECK_EQ(unlink("/evict.bin"), 0);
}

static void fs_truncate_and_extend(void)
{
	int fd = open("/trunc.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[6000], got[6000];
	CHECK(fd >= 0);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
	CHECK_EQ(ftruncate(fd, 10), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
	CHECK_EQ(ftruncate(fd, 5000), 0);
	CHECK_EQ(pread(fd, got, 6000, 0), 5000);
	CHECK(got[9] == 'x' && got[10] == 0 && got[4999] == 0);
	/* A write far past the end leaves a hole that reads as zeros. */
	CHECK_EQ(pwrite(fd, "end", 3, 20000), 3);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 20003);
	CHECK_EQ(pread(fd, got, 100, 12000), 100);
	for (int i = 0; i < 100; i++)
		CHECK(got[i] == 0);
	close(fd);
	CHECK_EQ(unlink("/trunc.bin"), 0);
}

static void fs_directories(void)
{
	CHECK_EQ(mkdir("/dir", 0755), 0);
	CHECK_EQ(chdir("/dir"), 0);
	char name[32];
	for (int i = 0; i < 60; i++) { /* more than one readdir batch */
		snprintf(name, sizeof(name), "file-with-a-long-name-%02d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK(fd >= 0);
		CHECK_EQ(write(fd, name, strlen(name)), strlen(name));
		close(fd);
	}
	char cwd[64];
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/dir") == 0);
	DIR *d = opendir(".");
	CHECK(d);
	int n = 0, dots = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			dots++;
		else
			n += e->d_type == DT_REG;
	}
	closedir(d);
	CHECK_EQ(n, 60);
	CHECK_EQ(dots, 2);
	CHECK_EQ(rename("file-with-a-long-name-07", "/renamed"), 0);
	CHECK_EQ(symlink("/renamed", "link"), 0);
	char target[32];
	CHECK_EQ(readlink("link", target, sizeof(target)), 8);
	CHECK(memcmp(target, "/renamed", 8) == 0);
	FILE *f = fopen("link", "r"); /* through the symlink */
	CHECK(f && fgets(name, sizeof(name), f));
	fclose(f);
	CHECK(strcmp(name, "file-with-a-long-name-07") == 0);
	CHECK_EQ(link("/renamed", "hard"), 0);
	struct stat st;
	CHECK_EQ(stat("hard", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(unlink("hard"), 0);
	CHECK_EQ(unlink("link"), 0);
	CHECK_EQ(unlink("/renamed"), 0);
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "file-with-a-long-name-%02d", i);
		if (i != 7)
			CHECK_EQ(unlink(name), 0);
	}
	CHECK_EQ(chdir(".."), 0);
	CHECK_EQ(rmdir("/dir"), 0);
	CHECK_EQ(access("/dir", F_OK), -1);
}

static void fs_errors_are_posix(void)
{
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	CHECK_ERRNO(unlink("/no-such-file"), ENOENT);
	CHECK_ERRNO(open("/no/such/dir/file", O_RDONLY), ENOENT);
	CHECK_EQ(mkdir("/e", 0755), 0);
	CHECK_ERRNO(mkdir("/e", 0755), EEXIST);
	int fd = open("/e/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_ERRNO(open("/e/f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_ERRNO(rmdir("/e"), ENOTEMPTY);
	CHECK_ERRNO(open("/e", O_WRONLY), EISDIR);
	CHECK_ERRNO(unlink("/e"), EISDIR);
	CHECK_ERRNO(rmdir("/e/f"), ENOTDIR);
	CHECK_ERRNO(open("/e/f/g", O_RDONLY), ENOTDIR);
	CHECK_ERRNO(open("/e/f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERRNO(mkdir(longname, 0755), ENAMETOOLONG);
	CHECK_ERRNO(rename("/e", "/e/sub"), EINVAL);
	CHECK_ERRNO(rename("/e/missing", "/e/x"), ENOENT);
	CHECK_ERRNO(read(40, longname, 1), EBADF);
	fd = open("/e/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, "x", 1), EBADF);
	close(fd);
	CHECK_ERRNO(close(fd), EBADF);
	CHECK_EQ(unlink("/e/f"), 0);
	CHECK_EQ(rmdir("/e"), 0);
}

/* On a small image of its own: writing until the disk is full gives
 * ENOSPC (a short write first, then -1), and freeing the file gives the
 * room back. */
static void fs_full_disk_gives_enospc(void)
{
	enum { CHUNK = 16384 };
	char *chunk = malloc(CHUNK);
	CHECK(chunk);
	memset(chunk, 'f', CHUNK);
	int fd = open("/filler", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	long total = 0, r;
	errno = 0;
	while ((r = write(fd, chunk, CHUNK)) > 0) {
		total += r;
		CHECK(total < (64l << 20));
	}
	CHECK_EQ(r, -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK(total > (256l << 10));
	CHECK_EQ(close(fd), 0);
	struct stat st;
	CHECK_EQ(stat("/filler", &st), 0);
	CHECK_EQ(st.st_size, total);
	/* A new file's first block: no room either. */
	fd = open("/second", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(write(fd, chunk, 4096), ENOSPC);
	close(fd);
	CHECK_EQ(unlink("/filler"), 0);
	fd = open("/second", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, chunk, CHUNK), CHUNK);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(unlink("/second"), 0);
	free(chunk);
}

/* A file written by one task is read by another through the same
 * object, and the server forgets objects nobody holds. */
static void fs_objects_go_with_their_last_user(void)
{
	int fd = open("/shared.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "shared", 6), 6);
	CHECK_EQ(close(fd), 0);
	for (int i = 0; i < 100; i++) { /* more opens than the server has objects */
		fd = open("/shared.txt", O_RDONLY);
		CHECK(fd >= 0);
		char got[6];
		CHECK_EQ(read(fd, got, 6), 6);
		CHECK(memcmp(got, "shared", 6) == 0);
		CHECK_EQ(close(fd), 0);
	}
	CHECK_EQ(unlink("/shared.txt"), 0);
}

/* Programs from the disk (/bin/uhelper, put there by the host): the
 * loader maps the file's object, so only the pages touched come in, and a
 * second running copy shares the first one's text (the object's resident
 * count stays put). */
static void programs_run_from_disk(void)
{
	const char *ex[] = { "/bin/uhelper", "exit", "7", 0 };
	int h = spawn(ex, 0, 0, 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 7);
	sys_handle_close(h);
	const char *missing[] = { "/bin/no-such-program", 0 };
	CHECK_EQ(spawn(missing, 0, 0, 0), -E_NOENT);
	const char *notelf[] = { "/hello.txt", 0 };
	CHECK_EQ(spawn(notelf, 0, 0, 0), -E_FORMAT);
	int fd = open("/bin/uhelper", O_RDONLY);
	CHECK(fd >= 0);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	int writable;
	long vmo = mk_file_object(fd, &writable);
	CHECK(vmo >= 0);
	const char *sl[] = { "/bin/uhelper", "sleep", 0 };
	int a = spawn(sl, 0, 0, 0);
	CHECK(a > 0);
	sys_sleep(50 * 1000000ull); /* it runs up to its first sleep */
	struct vmo_info i1, i2;
	CHECK_EQ(vmo_info((int)vmo, &i1), 0);
	uint64_t pages = ((uint64_t)st.st_size + 4095) / 4096;
	CHECK(i1.resident > 0 && i1.resident <= pages);
	int b = spawn(sl, 0, 0, 0);
	CHECK(b > 0);
	sys_sleep(50 * 1000000ull);
	CHECK_EQ(vmo_info((int)vmo, &i2), 0);
	CHECK_EQ(i2.resident, i1.resident);
	uprintf("programs_run_from_disk: %lu of %lu pages of /bin/uhelper resident for two copies\n",
		(unsigned long)i2.resident, (unsigned long)pages);
	sys_task_kill(a);
	sys_task_kill(b);
	sys_task_wait(a);
	sys_task_wait(b);
	sys_handle_close(a);
	sys_handle_close(b);
	close(fd);
}

/* --- a 64 MiB file ------------------------------------------------------------ */

const struct qtest fs_tests[] = {
	{ "programs_run_from_disk", programs_run_from_disk },
	{ "fs_reads_host_files", fs_reads_host_files },
	{ "fs_write_for_reboot", fs_write_for_reboot },
	{ "fs_read_after_reboot", fs_read_after_reboot },
	{ "fs_read_write_and_mmap_agree", fs_read_write_and_mmap_agree },
	{ "fs_map_private_leaves_file_unchanged", fs_map_private_leaves_file_unchanged },
	{ "fs_msync_writes_shared_pages", fs_msync_writes_shared_pages },
	{ "fs_dirty_pages_evicted_reach_the_file", fs_dirty_pages_evicted_reach_the_file },
	{ "fs_truncate_and_extend", fs_truncate_and_extend },
	{ "fs_directories", fs_directories },
	{ "fs_errors_are_posix", fs_errors_are_posix },
	{ "fs_objects_go_with_their_last_user", fs_objects_go_with_their_last_user },
	{ "fs_full_disk_gives_enospc", fs_full_disk_gives_enospc },
	{ "program_32mib_text_touches_few_pages", program_32mib_text_touches_few_pages },
	{ "two_copies_share_text_frames", two_copies_share_text_frames },
	{ "text_pages_dropped_under_pressure", text_pages_dropped_under_pressure },
	{ "fs_64mib_file_checksum", fs_64mib_file_checksum },
};
const size_t n_fs_tests = sizeof(fs_tests) / sizeof(fs_tests[0]);
