/*
 * What the ext2 host tests share (test_ext2.c reads and writes images,
 * test_ext2_damage.c refuses and survives broken ones): the in-memory
 * disk, patterns, the source tree, images made by mke2fs and the tools.
 */
#ifndef TESTS_UNIT_EXT2_DISK_H
#define TESTS_UNIT_EXT2_DISK_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "servers/fs/ext2.h"

#define NOW 1700000000u
#define MANY 300

static char g_tmp[64];

/* --- helpers: shell, images, content ------------------------------------ */

static inline int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

struct disk {
	uint8_t *buf;
	uint64_t size;
	bool oob;      /* an access past the end of the disk was asked for */
	unsigned writes;
};

static inline int d_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	struct disk *d = ctx;
	if (off > d->size || len > d->size - off) {
		d->oob = true;
		return -EXT2_EIO;
	}
	memcpy(buf, d->buf + off, len);
	return 0;
}

static inline int d_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
	struct disk *d = ctx;
	if (off > d->size || len > d->size - off) {
		d->oob = true;
		return -EXT2_EIO;
	}
	memcpy(d->buf + off, buf, len);
	d->writes++;
	return 0;
}

static inline uint32_t d_now(void *ctx)
{
	return NOW;
}

static inline void disk_load(struct disk *d, const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	d->size = (uint64_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	d->buf = malloc(d->size);
	assert_non_null(d->buf);
	assert_int_equal(fread(d->buf, 1, d->size, f), d->size);
	fclose(f);
	d->oob = false;
	d->writes = 0;
}

static inline void disk_save(const struct disk *d, const char *path)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d->buf, 1, d->size, f), d->size);
	fclose(f);
}

static inline struct ext2_fs *fs_mount(struct disk *d, unsigned flags)
{
	struct ext2_fs *fs = malloc(sizeof *fs);
	struct ext2_dev dev = {d, d_read, d_write, d->size, d_now};
	assert_non_null(fs);
	int rc = ext2_mount(fs, &dev, flags);
	if (rc < 0)
		fprintf(stderr, "mount: %d (%s)\n", rc, ext2_error(fs));
	assert_int_equal(rc, 0);
	return fs;
}

/* The byte at offset o of a file made with seed s. */
static inline uint8_t pat(uint32_t s, uint64_t o)
{
	uint64_t x = (o + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)s * 0xD1B54A32D192ED03ull;
	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 17));
}

static inline void pat_fill(uint8_t *b, size_t n, uint32_t s, uint64_t o)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(s, o + i);
}

static inline void host_write(const char *path, uint64_t off, size_t len, uint32_t seed)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	uint8_t *b = malloc(len ? len : 1);
	assert_true(fd >= 0);
	pat_fill(b, len, seed, off);
	assert_int_equal(pwrite(fd, b, len, (off_t)off), (ssize_t)len);
	close(fd);
	free(b);
}

static inline void *host_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*len + 1);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* --- the source tree ----------------------------------------------------- */

struct chunk {
	uint64_t off;
	uint32_t len;
};

/* Data chunks of "sparse": in the direct, single, double and triple
 * indirect ranges of block size bs, with holes between. */
static inline int sparse_chunks(uint32_t bs, struct chunk *c, uint64_t *size)
{
	uint64_t p = bs / 4;
	c[0] = (struct chunk){0, 100};
	c[1] = (struct chunk){12 * bs + 5, bs};
	c[2] = (struct chunk){(12 + p + p + 7) * bs + 9, 50};
	c[3] = (struct chunk){(12 + p + p * p + 2 * p + 3) * bs + 11, 3 * bs};
	*size = c[3].off + c[3].len + 1000;
	return 4;
}

static inline uint64_t dense_sizes(uint32_t bs, uint64_t *s)
{
	uint64_t p = bs / 4;
	uint64_t v[] = {0, 1, bs - 1, bs, bs + 1, 12 * bs - 1, 12 * bs, 12 * bs + 1,
			(12 + p) * bs - 1, (12 + p) * bs, (12 + p) * bs + 1, (12 + p + 2) * bs + 123};
	memcpy(s, v, sizeof v);
	return sizeof v / sizeof v[0];
}

static inline void long_target(char *t, size_t n)
{
	size_t i = 0;
	while (i + 2 < n - 40) {
		t[i++] = '.';
		t[i++] = '/';
	}
	snprintf(t + i, n - i, "a/b/c/d/e/deep.txt");
}

/* Writes the source tree for block size bs once; returns its path. */
static inline const char *make_tree(uint32_t bs)
{
	static char path[128];
	char p[512], t[200];
	uint64_t sizes[16];
	struct chunk c[4];
	uint64_t ssize;

	snprintf(path, sizeof path, "%s/src%u", g_tmp, bs);
	if (access(path, F_OK) == 0)
		return path;
	assert_int_equal(sh("mkdir -p %s/files %s/a/b/c/d/e %s/many %s/emptydir", path, path, path,
			    path),
			 0);
	uint64_t n = dense_sizes(bs, sizes);
	for (uint64_t i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/files/f_%llu", path, (unsigned long long)sizes[i]);
		host_write(p, 0, sizes[i], (uint32_t)i + 1);
	}
	snprintf(p, sizeof p, "%s/sparse", path);
	int nc = sparse_chunks(bs, c, &ssize);
	for (int i = 0; i < nc; i++)
		host_write(p, c[i].off, c[i].len, 77);
	assert_int_equal(truncate(p, (off_t)ssize), 0);
	snprintf(p, sizeof p, "%s/a/b/c/d/e/deep.txt", path);
	host_write(p, 0, 33, 5);
	snprintf(p, sizeof p, "%s/a/x.txt", path);
	host_write(p, 0, 3000, 6);
	for (int i = 0; i < MANY; i++) {
		snprintf(p, sizeof p, "%s/many/n%d_%.*s", path, i, i % 50,
			 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
		host_write(p, 0, (size_t)(i % 7), (uint32_t)i);
	}
	snprintf(p, sizeof p, "%s/short", path);
	assert_int_equal(symlink("files/f_1", p), 0);
	long_target(t, 120);
	snprintf(p, sizeof p, "%s/long", path);
	assert_int_equal(symlink(t, p), 0);
	snprintf(p, sizeof p, "%s/dangling", path);
	assert_int_equal(symlink("no/such/target", p), 0);
	assert_int_equal(sh("cd %s && ln files/f_%u hard1 && ln files/f_%u hard2", path, bs + 1,
			    bs + 1),
			 0);
	assert_int_equal(sh("chmod 0750 %s/a/x.txt && chmod 0700 %s/emptydir", path, path), 0);
	return path;
}

static inline uint32_t image_mb(uint32_t bs)
{
	return bs == 1024 ? 24 : bs == 2048 ? 40 : 72;
}

/* Makes IMG from the tree for bs, in groups of 8192 blocks: three
 * groups, the last one short, group 1 holding a backup superblock and
 * descriptor table (sparse_super). With index, `e2fsck -fyD` then hashes
 * every directory of more than one block. */
static inline void make_image(uint32_t bs, const char *img, bool index)
{
	const char *src = make_tree(bs);
	assert_int_equal(sh("rm -f %s && truncate -s %uM %s && mke2fs -q -F -t ext2 -b %u -g 8192 -d %s %s",
			    img, image_mb(bs), img, bs, src, img),
			 0);
	if (index)
		assert_true(sh("e2fsck -fyD %s >/dev/null 2>&1", img) <= 1);
}

static inline void fsck_clean(const char *img)
{
	char log[128];
	snprintf(log, sizeof log, "%s/fsck.log", g_tmp);
	int rc = sh("e2fsck -fn %s >%s 2>&1", img, log);
	if (rc != 0)
		sh("cat %s >&2", log);
	assert_int_equal(rc, 0);
}



static inline uint32_t res(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = 0;
	int rc = ext2_resolve(fs, EXT2_ROOT_INO, path, false, &ino);
	if (rc < 0)
		fprintf(stderr, "resolve %s: %d (%s)\n", path, rc, ext2_error(fs));
	assert_int_equal(rc, 0);
	return ino;
}


static inline void check_range(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *want = calloc(1, len + 1), *got = malloc(len + 1);
	if (seed)
		pat_fill(want, len, seed, off);
	assert_int_equal(ext2_read(fs, ino, off, got, len), (int64_t)len);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
}

static inline int setup(void **s)
{
	setenv("PATH", "/usr/sbin:/sbin:/usr/bin:/bin", 1);
	snprintf(g_tmp, sizeof g_tmp, "/tmp/ext2-test-XXXXXX");
	return mkdtemp(g_tmp) ? 0 : -1;
}

static inline int teardown(void **s)
{
	if (!getenv("EXT2_KEEP"))
		sh("rm -rf %s", g_tmp);
	return 0;
}

#endif
