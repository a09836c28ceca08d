/*
 * Host tests of the ext2 library against broken images: superblock and
 * descriptor fields out of range are refused at mount with the field
 * named; random damage (fixed seeds) in the superblock, descriptors,
 * inode table, directories and indirect blocks gives errors or answers,
 * never a crash, a hang or a sanitizer report; directory loops end.
 * Images are made as in test_ext2.c (tests/unit/ext2_disk.h).
 */
#include "tests/unit/ext2_disk.h"

/* --- refused images ------------------------------------------------------ */

static void put_le(uint8_t *p, int size, uint32_t v)
{
	for (int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p, int size)
{
	uint32_t v = 0;
	for (int i = size - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A small clean image (1 KiB blocks) shared by the corruption tests. */
static const char *small_image(void)
{
	static char img[128];
	snprintf(img, sizeof img, "%s/small.img", g_tmp);
	if (access(img, F_OK) != 0) {
		char src[128];
		snprintf(src, sizeof src, "%s/smallsrc", g_tmp);
		assert_int_equal(sh("mkdir -p %s/d/e/f %s/many %s/empty", src, src, src), 0);
		for (int i = 0; i < 4; i++) {
			char p[256];
			static const uint32_t sz[] = {700, 12 * 1024 + 5, 270 * 1024 + 9, 40};
			snprintf(p, sizeof p, "%s/%sf%d", src, i == 3 ? "d/e/f/" : "", i);
			host_write(p, 0, sz[i], (uint32_t)i + 100);
		}
		for (int i = 0; i < 80; i++) {
			char p[256];
			snprintf(p, sizeof p, "%s/many/entry_number_%d", src, i);
			host_write(p, 0, 10, (uint32_t)i);
		}
		assert_int_equal(sh("cd %s && ln -s f0 s && ln -s "
				    "%0100d l && ln f1 h && truncate -s 80M sp && "
				    "printf x | dd of=sp bs=1 seek=70000000 conv=notrunc 2>/dev/null",
				    src, 0),
				 0);
		assert_int_equal(sh("truncate -s 2M %s && mke2fs -q -F -t ext2 -b 1024 -N 128 -d %s %s",
				    img, src, img),
				 0);
		assert_true(sh("e2fsck -fyD %s >/dev/null 2>&1", img) <= 1);
	}
	return img;
}

struct field {
	uint32_t off;
	int size;
	uint32_t value; /* or'ed in when orv */
	bool orv;
	int rc;
	const char *name;
};

static void test_ext2_refuses_bad_superblock_fields(void **s)
{
	static const struct field f[] = {
		{1024 + 56, 2, 0x1234, false, -EXT2_EINVAL, "s_magic"},
		{1024 + 76, 4, 5, false, -EXT2_ENOTSUP, "s_rev_level"},
		{1024 + 24, 4, 7, false, -EXT2_ENOTSUP, "s_log_block_size"},
		{1024 + 28, 4, 1, false, -EXT2_EIO, "s_log_frag_size"},
		{1024 + 4, 4, 0x7fffffff, false, -EXT2_EIO, "s_blocks_count"},
		{1024 + 32, 4, 0, false, -EXT2_EIO, "s_blocks_per_group"},
		{1024 + 40, 4, 0, false, -EXT2_EIO, "s_inodes_per_group"},
		{1024 + 40, 4, 100000, false, -EXT2_EIO, "s_inodes_per_group"},
		{1024 + 0, 4, 129, false, -EXT2_EIO, "s_inodes_count"},
		{1024 + 20, 4, 0, false, -EXT2_EIO, "s_first_data_block"},
		{1024 + 88, 2, 100, false, -EXT2_EIO, "s_inode_size"},
		{1024 + 84, 4, 0, false, -EXT2_EIO, "s_first_ino"},
		{1024 + 96, 4, 0x40, true, -EXT2_ENOTSUP, "s_feature_incompat"},   /* extents */
		{1024 + 96, 4, 0x4, true, -EXT2_ENOTSUP, "s_feature_incompat"},    /* needs_recovery */
		{1024 + 96, 4, 0x80, true, -EXT2_ENOTSUP, "s_feature_incompat"},   /* 64bit */
		{1024 + 96, 4, 0x10, true, -EXT2_ENOTSUP, "s_feature_incompat"},   /* meta_bg */
		{1024 + 96, 4, 0x200, true, -EXT2_ENOTSUP, "s_feature_incompat"},  /* flex_bg */
		{1024 + 206, 2, 5000, false, -EXT2_EIO, "s_reserved_gdt_blocks"},
		{1024 + 12, 4, 0x7fffffff, false, -EXT2_EIO, "s_free_blocks_count"},
		{2048 + 0, 4, 0x7ffffff, false, -EXT2_EIO, "bg_block_bitmap"},
		{2048 + 4, 4, 1, false, -EXT2_EIO, "bg_inode_bitmap"},
		{2048 + 8, 4, 2047, false, -EXT2_EIO, "bg_inode_table"},
		{2048 + 12, 2, 0xffff, false, -EXT2_EIO, "bg_free_blocks_count"},
		{2048 + 14, 2, 0xffff, false, -EXT2_EIO, "bg_free_inodes_count"},
		{2048 + 16, 2, 0xffff, false, -EXT2_EIO, "bg_used_dirs_count"},
	};
	struct disk d;
	const char *img = small_image();

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		struct ext2_fs *fs = malloc(sizeof *fs);
		disk_load(&d, img);
		uint32_t v = f[i].orv ? get_le(d.buf + f[i].off, f[i].size) | f[i].value : f[i].value;
		put_le(d.buf + f[i].off, f[i].size, v);
		struct ext2_dev dev = {&d, d_read, d_write, d.size, d_now};
		int rc = ext2_mount(fs, &dev, 0);
		if (rc != f[i].rc || !strstr(ext2_error(fs), f[i].name))
			fprintf(stderr, "case %zu: %d %s\n", i, rc, ext2_error(fs));
		assert_int_equal(rc, f[i].rc);
		assert_non_null(strstr(ext2_error(fs), f[i].name));
		/* Nothing works on a refused mount, nothing crashes. */
		uint32_t ino;
		assert_true(ext2_lookup(fs, EXT2_ROOT_INO, "f0", 2, &ino) < 0);
		assert_int_equal(d.writes, 0);
		assert_false(d.oob);
		free(fs);
		free(d.buf);
	}
	/* A disk shorter than the file system says. */
	disk_load(&d, img);
	struct ext2_fs *fs = malloc(sizeof *fs);
	struct ext2_dev dev = {&d, d_read, d_write, d.size / 2, d_now};
	assert_int_equal(ext2_mount(fs, &dev, 0), -EXT2_EIO);
	assert_non_null(strstr(ext2_error(fs), "s_blocks_count"));
	free(fs);
	/* An unknown read-only feature: readable, not writable. */
	put_le(d.buf + 1024 + 100, 4, get_le(d.buf + 1024 + 100, 4) | 0x400);
	fs = fs_mount(&d, 0);
	uint32_t ino;
	assert_int_equal(ext2_lookup(fs, EXT2_ROOT_INO, "f0", 2, &ino), 0);
	check_range(fs, ino, 0, 700, 100);
	assert_int_equal(ext2_write(fs, ino, 0, "x", 1), -EXT2_EROFS);
	assert_int_equal(ext2_truncate(fs, ino, 0), -EXT2_EROFS);
	assert_int_equal(ext2_create(fs, EXT2_ROOT_INO, "n", 1, 0644, 0, 0, &ino), -EXT2_EROFS);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "f0", 2), -EXT2_EROFS);
	assert_int_equal(ext2_sync(fs), 0);
	assert_int_equal(d.writes, 0);
	free(fs);
	free(d.buf);
}

/* --- corrupted images ---------------------------------------------------- */

static bool known_error(int64_t rc)
{
	static const int ok[] = {EXT2_EIO, EXT2_ENOENT, EXT2_ENOTDIR, EXT2_EISDIR, EXT2_EEXIST,
				 EXT2_ENOTEMPTY, EXT2_ENOSPC, EXT2_EINVAL, EXT2_EFBIG,
				 EXT2_ENAMETOOLONG, EXT2_ELOOP, EXT2_EMLINK, EXT2_EPERM,
				 EXT2_ENOTSUP, EXT2_EROFS};
	if (rc >= 0)
		return true;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (rc == -ok[i])
			return true;
	fprintf(stderr, "unexpected result %lld\n", (long long)rc);
	return false;
}

struct walk_stats {
	unsigned entries, errors;
};

/* Reads everything reachable, bounded in depth and entries (a corrupt
 * image may link a directory below itself). */
static void walk_all(struct ext2_fs *fs, uint32_t dir, int depth, struct walk_stats *ws)
{
	static uint8_t buf[8192];
	struct ext2_dirent e;
	uint64_t pos = 0;
	int rc = 0;

	while (ws->entries < 3000 && (rc = ext2_readdir(fs, dir, &pos, &e)) == 1) {
		struct ext2_stat st;
		uint32_t ino;
		ws->entries++;
		assert_true(e.name_len > 0 && strlen(e.name) == e.name_len);
		if (!strcmp(e.name, ".") || !strcmp(e.name, ".."))
			continue;
		/* A name listed can be looked up (unless the block changed
		 * meaning, which it cannot between two calls). */
		rc = ext2_lookup(fs, dir, e.name, e.name_len, &ino);
		assert_true(known_error(rc));
		rc = ext2_stat(fs, e.ino, &st);
		assert_true(known_error(rc));
		if (rc < 0) {
			ws->errors++;
			continue;
		}
		if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR && depth < 8) {
			walk_all(fs, e.ino, depth + 1, ws);
		} else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFREG) {
			for (uint64_t off = 0; off < st.size && off < 300 * 1024; off += sizeof buf) {
				int64_t r = ext2_read(fs, e.ino, off, buf, sizeof buf);
				assert_true(known_error(r));
				if (r < 0) {
					ws->errors++;
					break;
				}
			}
			if (st.size > 5000)
				assert_true(known_error(ext2_read(fs, e.ino, st.size - 5000, buf, 6000)));
			uint32_t blk[64];
			assert_true(known_error(ext2_page_blocks(fs, e.ino, 0, 4096, false, blk, 64)));
		} else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK) {
			char t[4096];
			assert_true(known_error(ext2_readlink(fs, e.ino, t, sizeof t)));
		}
	}
	if (rc < 0) {
		assert_true(known_error(rc));
		ws->errors++;
	}
}

/* Changes that touch every allocator and directory path. */
static void some_writes(struct ext2_fs *fs)
{
	static uint8_t buf[20000];
	uint32_t root = EXT2_ROOT_INO, ino = 0, dir = 0, x;
	int64_t rc;

	memset(buf, 0x5a, sizeof buf);
	rc = ext2_create(fs, root, "zz", 2, 0644, 0, 0, &ino);
	assert_true(known_error(rc));
	if (rc == 0) {
		assert_true(known_error(ext2_write(fs, ino, 0, buf, sizeof buf)));
		assert_true(known_error(ext2_write(fs, ino, 300 * 1024, buf, 100)));
		assert_true(known_error(ext2_truncate(fs, ino, 5000)));
	}
	rc = ext2_mkdir(fs, root, "zd", 2, 0755, 0, 0, &dir);
	assert_true(known_error(rc));
	assert_true(known_error(ext2_rename(fs, root, "zz", 2, rc == 0 ? dir : root, "zy", 2)));
	assert_true(known_error(ext2_symlink(fs, root, "zl", 2, (const char *)buf, 100, 0, 0, &x)));
	assert_true(known_error(ext2_unlink(fs, root, "f0", 2)));
	assert_true(known_error(ext2_link(fs, root, "zh", 2, ino ? ino : 12)));
	assert_true(known_error(ext2_rmdir(fs, root, "empty", 5)));
	assert_true(known_error(ext2_rename(fs, root, "d", 1, root, "many", 4)));
	assert_true(known_error(ext2_rename(fs, root, "many", 4, root, "m2", 2)));
	if (ext2_lookup(fs, root, "m2", 2, &x) == 0)
		assert_true(known_error(ext2_create(fs, x, "new_entry", 9, 0644, 0, 0, &ino)));
	if (ext2_resolve(fs, root, "/f2", false, &x) == 0)
		assert_true(known_error(ext2_truncate(fs, x, 100)));
	if (ext2_resolve(fs, root, "/sp", false, &x) == 0)
		assert_true(known_error(ext2_truncate(fs, x, 0)));
	assert_true(known_error(ext2_sync(fs)));
}

/* Block numbers from debugfs: the data blocks of a directory (blocks)
 * or the indirect blocks of a file (stat's IND/DIND/TIND). */
static int tool_blocks(const char *img, const char *cmd, const char *path, uint32_t *out,
		       int max)
{
	char line[4096], c[512];
	int n = 0;
	snprintf(c, sizeof c, "debugfs -R '%s %s' %s 2>/dev/null", cmd, path, img);
	FILE *p = popen(c, "r");
	assert_non_null(p);
	while (fgets(line, sizeof line, p)) {
		for (char *q = line; *q && n < max; q++) {
			if (!strcmp(cmd, "blocks") && (q == line || q[-1] == ' ') && *q >= '0' &&
			    *q <= '9')
				out[n++] = (uint32_t)strtoul(q, &q, 10);
			else if (!strcmp(cmd, "stat") && !strncmp(q, "IND):", 5))
				out[n++] = (uint32_t)strtoul(q + 5, NULL, 10);
			if (!*q)
				break;
		}
	}
	pclose(p);
	return n;
}

enum region { R_SB, R_GD, R_ITABLE, R_DIR, R_INDIRECT };

/* The byte ranges of one kind of metadata in the small image. */
static int region_ranges(const char *img, const uint8_t *buf, enum region r, uint64_t *start,
			 uint32_t *len)
{
	uint32_t b[64];
	int n = 0;
	switch (r) {
	case R_SB:
		start[0] = 1024, len[0] = 264;
		return 1;
	case R_GD:
		start[0] = 2048, len[0] = 32;
		return 1;
	case R_ITABLE:
		/* The first inodes of group 0: root's and the files'. */
		start[0] = (uint64_t)get_le(buf + 2048 + 8, 4) * 1024, len[0] = 8 * 1024;
		return 1;
	case R_DIR: {
		static const char *dirs[] = {"/", "/many", "/d", "/d/e", "/empty"};
		for (int i = 0; i < 5; i++)
			n += tool_blocks(img, "blocks", dirs[i], b + n, 64 - n);
		break;
	}
	case R_INDIRECT:
		n += tool_blocks(img, "stat", "/f2", b + n, 64 - n);
		n += tool_blocks(img, "stat", "/sp", b + n, 64 - n);
		break;
	}
	for (int i = 0; i < n; i++)
		start[i] = (uint64_t)b[i] * 1024, len[i] = 1024;
	return n;
}

static uint64_t rnd_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void corrupt_region(enum region r, int seeds)
{
	const char *img = small_image();
	struct disk d;
	uint64_t start[64];
	uint32_t len[64];
	int mounted = 0, failed = 0;

	disk_load(&d, img);
	int n = region_ranges(img, d.buf, r, start, len);
	free(d.buf);
	assert_true(n > 0);
	alarm(120); /* a hang fails the test */
	for (int seed = 1; seed <= seeds; seed++) {
		uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(seed + 1000 * r);
		struct ext2_fs *fs = malloc(sizeof *fs);
		struct walk_stats ws = {0, 0};
		disk_load(&d, img);
		int k = 1 + (int)(rnd_next(&x) % 8);
		for (int i = 0; i < k; i++) {
			int which = (int)(rnd_next(&x) % (uint64_t)n);
			uint64_t at = start[which] + rnd_next(&x) % len[which];
			d.buf[at] = (uint8_t)rnd_next(&x);
		}
		struct ext2_dev dev = {&d, d_read, d_write, d.size, d_now};
		int rc = ext2_mount(fs, &dev, 0);
		assert_true(known_error(rc));
		if (rc == 0) {
			mounted++;
			walk_all(fs, EXT2_ROOT_INO, 0, &ws);
			some_writes(fs);
			walk_all(fs, EXT2_ROOT_INO, 0, &ws);
			if (ws.errors)
				failed++;
		} else {
			failed++;
		}
		assert_false(d.oob);
		free(fs);
		free(d.buf);
	}
	alarm(0);
	fprintf(stderr, "region %d: %d seeds, %d mounted, %d with errors\n", r, seeds, mounted,
		failed);
	/* The checks fired on some seeds; damage outside the superblock
	 * leaves most images mountable. */
	assert_true(failed > 0);
	if (r != R_SB)
		assert_true(mounted > 0);
}

/* A ".." cycle (b's ".." is its child c, c's is b) and a directory
 * linked below itself (c/up is a), made with debugfs: calls end with an
 * error or an answer, never loop. */
static void test_ext2_directory_loops_end_in_errors(void **s)
{
	char img[128];
	struct disk d;
	uint32_t x, c;

	snprintf(img, sizeof img, "%s/loop.img", g_tmp);
	assert_int_equal(sh("rm -rf %s/loopsrc && mkdir -p %s/loopsrc/a/b/c %s/loopsrc/x && "
			    "truncate -s 2M %s && mke2fs -q -F -t ext2 -b 1024 -d %s/loopsrc %s && "
			    "{ debugfs -w -R 'unlink /a/b/..' %s && debugfs -w -R 'link /a/b/c /a/b/..' %s && "
			    "debugfs -w -R 'link /a /a/b/c/up' %s; } 2>/dev/null",
			    g_tmp, g_tmp, g_tmp, img, g_tmp, img, img, img, img),
			 0);
	disk_load(&d, img);
	struct ext2_fs *fs = fs_mount(&d, 0);
	alarm(60);
	c = res(fs, "/a/b/c");
	/* Moving a directory into c walks ".." up from c: it loops. */
	assert_int_equal(ext2_rename(fs, EXT2_ROOT_INO, "x", 1, c, "x", 1), -EXT2_EIO);
	assert_non_null(strstr(ext2_error(fs), "loops"));
	assert_int_equal(ext2_lookup(fs, EXT2_ROOT_INO, "x", 1, &x), 0);
	/* Paths through the cycle resolve, bounded by their length. */
	assert_int_equal(res(fs, "/a/b/c/up/b/c/up/b/c/.."), res(fs, "/a/b"));
	assert_int_equal(res(fs, "/a/b/.."), c);
	assert_int_equal(ext2_rmdir(fs, c, "up", 2), -EXT2_ENOTEMPTY);
	struct walk_stats ws = {0, 0};
	walk_all(fs, EXT2_ROOT_INO, 0, &ws);
	assert_true(ws.entries > 10);
	alarm(0);
	assert_false(d.oob);
	free(fs);
	free(d.buf);
}

static void test_ext2_survives_corrupt_superblock(void **s) { corrupt_region(R_SB, 200); }
static void test_ext2_survives_corrupt_group_descriptors(void **s) { corrupt_region(R_GD, 200); }
static void test_ext2_survives_corrupt_inode_table(void **s) { corrupt_region(R_ITABLE, 200); }
static void test_ext2_survives_corrupt_directories(void **s) { corrupt_region(R_DIR, 200); }
static void test_ext2_survives_corrupt_indirect_blocks(void **s) { corrupt_region(R_INDIRECT, 200); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext2_refuses_bad_superblock_fields),
		cmocka_unit_test(test_ext2_directory_loops_end_in_errors),
		cmocka_unit_test(test_ext2_survives_corrupt_superblock),
		cmocka_unit_test(test_ext2_survives_corrupt_group_descriptors),
		cmocka_unit_test(test_ext2_survives_corrupt_inode_table),
		cmocka_unit_test(test_ext2_survives_corrupt_directories),
		cmocka_unit_test(test_ext2_survives_corrupt_indirect_blocks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
