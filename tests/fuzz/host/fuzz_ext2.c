/*
 * libFuzzer harness for the ext2 library (servers/fs/ext2*.c): every
 * input is a disk image (the seeds are small images made by mke2fs, see
 * scripts/fuzz-corpus).
 *
 * It mounts the image, walks every directory (bounded in depth and
 * entries: a damaged image may link a directory below itself), reads
 * files, symlinks and page maps, makes a few changes (create, write,
 * mkdir, rename, symlink, unlink, truncate), syncs, mounts the result
 * again and walks it once more. The contract: every call returns a
 * result or one of the library's error codes; the library asks the disk
 * only for bytes inside it; readdir names are what they claim to be;
 * nothing crashes, hangs or trips the sanitizers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/ext2.h"
#include "tests/fuzz/host/fuzz_check.h"

#define MAX_DISK (1u << 20)
#define MAX_ENTRIES 400

static uint8_t g_disk[MAX_DISK];
static size_t g_size;
static struct ext2_fs g_fs;

static int d_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	FUZZ_CHECK(off <= g_size && len <= g_size - off);
	memcpy(buf, g_disk + off, len);
	return 0;
}

static int d_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
	FUZZ_CHECK(off <= g_size && len <= g_size - off);
	memcpy(g_disk + off, buf, len);
	return 0;
}

static uint32_t d_now(void *ctx)
{
	return 1700000000u;
}

static int64_t ok(int64_t rc)
{
	switch (-rc) {
	case 0: case EXT2_EIO: case EXT2_ENOENT: case EXT2_ENOTDIR: case EXT2_EISDIR:
	case EXT2_EEXIST: case EXT2_ENOTEMPTY: case EXT2_ENOSPC: case EXT2_EINVAL:
	case EXT2_EFBIG: case EXT2_ENAMETOOLONG: case EXT2_ELOOP: case EXT2_EMLINK:
	case EXT2_EPERM: case EXT2_ENOTSUP: case EXT2_EROFS:
		return rc;
	default:
		FUZZ_CHECK(rc >= 0);
		return rc;
	}
}

static void visit_file(struct ext2_fs *fs, uint32_t ino, const struct ext2_stat *st)
{
	static uint8_t buf[4096];
	uint32_t blk[64];
	unsigned long sum = 0;

	for (uint64_t off = 0; off < st->size && off < 64 * 1024; off += sizeof buf) {
		int64_t r = ok(ext2_read(fs, ino, off, buf, sizeof buf));
		if (r < 0)
			break;
		FUZZ_CHECK((uint64_t)r <= sizeof buf && (uint64_t)r <= st->size - off);
		for (int64_t i = 0; i < r; i++)
			sum += buf[i];
	}
	if (st->size > 100)
		ok(ext2_read(fs, ino, st->size - 100, buf, 200));
	int n = (int)ok(ext2_page_blocks(fs, ino, 0, 4096, false, blk, 64));
	if (n > 0)
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(blk[i] == 0 || (uint64_t)blk[i] * ext2_block_size(fs) < g_size);
	fuzz_sink(sum);
}

static void walk(struct ext2_fs *fs, uint32_t dir, int depth, unsigned *entries)
{
	struct ext2_dirent e;
	uint64_t pos = 0, last = 0;

	while (*entries < MAX_ENTRIES && ok(ext2_readdir(fs, dir, &pos, &e)) == 1) {
		struct ext2_stat st;
		uint32_t ino;
		FUZZ_CHECK(pos > last);
		last = pos;
		FUZZ_CHECK(e.name_len > 0 && strlen(e.name) == e.name_len && e.ino != 0);
		(*entries)++;
		if (!strcmp(e.name, ".") || !strcmp(e.name, ".."))
			continue;
		FUZZ_CHECK(ok(ext2_lookup(fs, dir, e.name, e.name_len, &ino)) != -EXT2_ENOENT);
		if (ok(ext2_stat(fs, e.ino, &st)) < 0)
			continue;
		switch (st.mode & EXT2_S_IFMT) {
		case EXT2_S_IFDIR:
			if (depth < 6)
				walk(fs, e.ino, depth + 1, entries);
			break;
		case EXT2_S_IFREG:
			visit_file(fs, e.ino, &st);
			break;
		case EXT2_S_IFLNK: {
			char t[EXT2_PATH_MAX];
			int n = (int)ok(ext2_readlink(fs, e.ino, t, sizeof t));
			FUZZ_CHECK(n < 0 || (size_t)n <= sizeof t);
			ok(ext2_resolve(fs, dir, e.name, true, &ino));
			break;
		}
		}
	}
}

static void changes(struct ext2_fs *fs)
{
	static const char data[3000] = "fuzz";
	uint32_t root = EXT2_ROOT_INO, f = 0, d = 0, x;

	if (ok(ext2_create(fs, root, "fz", 2, 0644, 0, 0, &f)) == 0) {
		ok(ext2_write(fs, f, 0, data, sizeof data));
		ok(ext2_write(fs, f, 20000, data, 10));
		ok(ext2_truncate(fs, f, 1500));
	}
	if (ok(ext2_mkdir(fs, root, "fd", 2, 0755, 0, 0, &d)) == 0)
		ok(ext2_rename(fs, root, "fz", 2, d, "fy", 2));
	ok(ext2_symlink(fs, root, "fs", 2, data, 80, 0, 0, &x));
	/* Whatever the image holds at the root: rename, unlink, rmdir the
	 * first few names. */
	struct ext2_dirent e;
	uint64_t pos = 0;
	for (int i = 0; i < 12 && ok(ext2_readdir(fs, root, &pos, &e)) == 1; i++) {
		if (!strcmp(e.name, ".") || !strcmp(e.name, ".."))
			continue;
		switch (i % 4) {
		case 0: ok(ext2_rename(fs, root, e.name, e.name_len, d ? d : root, "mv", 2)); break;
		case 1: ok(ext2_unlink(fs, root, e.name, e.name_len)); break;
		case 2: ok(ext2_rmdir(fs, root, e.name, e.name_len)); break;
		default: ok(ext2_truncate(fs, e.ino, 100)); break;
		}
	}
	ok(ext2_sync(fs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ext2_dev dev = {NULL, d_read, d_write, 0, d_now};
	unsigned entries = 0;

	if (size > MAX_DISK || size < 2048) /* 0 would mean "size unknown" */
		return 0;
	memcpy(g_disk, data, size);
	g_size = size;
	dev.size = size;
	if (ok(ext2_mount(&g_fs, &dev, 0)) < 0)
		return 0;
	walk(&g_fs, EXT2_ROOT_INO, 0, &entries);
	changes(&g_fs);
	if (ok(ext2_mount(&g_fs, &dev, 0)) < 0)
		return 0;
	entries = 0;
	walk(&g_fs, EXT2_ROOT_INO, 0, &entries);
	return 0;
}
