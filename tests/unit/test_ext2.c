/*
 * Host tests for the ext2 library (servers/fs/ext2*.c) against the real
 * tools: every image is made at test time by `mke2fs -t ext2 -d DIR` from
 * a source tree this file writes (files across the direct, single, double
 * and, sparse, triple indirect boundaries of each block size, nested
 * directories, a directory of many entries made hashed by `e2fsck -D`,
 * short and long symlinks, hard links). Reads are compared byte for byte
 * with the source tree; after writes and ext2_sync() the image must pass
 * `e2fsck -fn` and `debugfs` must read back what was written. Broken
 * images: test_ext2_damage.c.
 *
 * The image lives in memory (the library's disk callbacks copy to and
 * from it, and flag any access past its end); it is saved to a scratch
 * file under /tmp/ext2-test-* for the tools.
 */
#include "tests/unit/ext2_disk.h"

/* --- reading back -------------------------------------------------------- */

static void compare_file(struct ext2_fs *fs, uint32_t ino, const char *host)
{
	size_t len;
	uint8_t *want = host_read(host, &len);
	uint8_t *got = malloc(len + 100);
	size_t at = 0;

	/* Uneven pieces, so reads start and end inside blocks. */
	while (at < len + 1) {
		size_t n = 2999 + at % 5;
		int64_t r = ext2_read(fs, ino, at, got + at, n);
		assert_true(r >= 0);
		if (r == 0)
			break;
		at += (size_t)r;
	}
	assert_int_equal(at, len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

static void compare_sparse(struct ext2_fs *fs, uint32_t bs, uint32_t ino)
{
	struct chunk c[4];
	uint64_t size;
	struct ext2_stat st;
	uint8_t buf[3 * 4096 + 64], zero[512] = {0};
	int nc = sparse_chunks(bs, c, &size);

	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.size, size);
	for (int i = 0; i < nc; i++) {
		uint8_t want[sizeof buf];
		pat_fill(want, c[i].len, 77, c[i].off);
		assert_int_equal(ext2_read(fs, ino, c[i].off, buf, c[i].len), c[i].len);
		assert_memory_equal(buf, want, c[i].len);
		/* The holes on either side read as zeros. */
		assert_int_equal(ext2_read(fs, ino, c[i].off + c[i].len, buf, 300), 300);
		assert_memory_equal(buf, zero, 300);
		if (c[i].off >= 300) {
			assert_int_equal(ext2_read(fs, ino, c[i].off - 300, buf, 300), 300);
			assert_memory_equal(buf, zero, 300);
		}
	}
	/* Far fewer blocks than the size: the holes take no space. */
	assert_true(st.blocks * 512 < 64 * (uint64_t)bs);
	assert_int_equal(ext2_read(fs, ino, size, buf, 10), 0);
}

static int subdirs_seen;

static void compare_tree(struct ext2_fs *fs, uint32_t bs, uint32_t dir, uint32_t parent,
			 const char *host, bool root)
{
	struct ext2_dirent e;
	uint64_t pos = 0;
	int n = 0, subdirs = 0, rc;
	char p[600];

	while ((rc = ext2_readdir(fs, dir, &pos, &e)) == 1) {
		struct ext2_stat st;
		struct stat hs;
		if (strcmp(e.name, ".") == 0) {
			assert_int_equal(e.ino, dir);
			continue;
		}
		if (strcmp(e.name, "..") == 0) {
			assert_int_equal(e.ino, parent);
			continue;
		}
		if (root && strcmp(e.name, "lost+found") == 0) {
			subdirs++;
			continue;
		}
		snprintf(p, sizeof p, "%s/%s", host, e.name);
		assert_int_equal(lstat(p, &hs), 0);
		assert_int_equal(ext2_stat(fs, e.ino, &st), 0);
		assert_int_equal(st.mode, hs.st_mode);
		n++;
		if (S_ISDIR(hs.st_mode)) {
			assert_int_equal(e.type, EXT2_FT_DIR);
			subdirs++;
			subdirs_seen++;
			compare_tree(fs, bs, e.ino, dir, p, false);
		} else if (S_ISLNK(hs.st_mode)) {
			char t[4096], ht[4096];
			ssize_t hl = readlink(p, ht, sizeof ht);
			assert_int_equal(e.type, EXT2_FT_SYMLINK);
			assert_int_equal(ext2_readlink(fs, e.ino, t, sizeof t), hl);
			assert_memory_equal(t, ht, (size_t)hl);
			assert_int_equal(st.size, hl);
		} else {
			assert_int_equal(e.type, EXT2_FT_REG);
			assert_int_equal(st.links, hs.st_nlink);
			assert_int_equal(st.size, hs.st_size);
			if (strcmp(e.name, "sparse") == 0)
				compare_sparse(fs, bs, e.ino);
			else
				compare_file(fs, e.ino, p);
		}
	}
	assert_int_equal(rc, 0);
	/* Every host entry was listed. */
	int hn = 0;
	DIR *hd = opendir(host);
	struct dirent *he;
	while ((he = readdir(hd)) != NULL)
		if (strcmp(he->d_name, ".") && strcmp(he->d_name, ".."))
			hn++;
	closedir(hd);
	assert_int_equal(n, hn);
	struct ext2_stat st;
	assert_int_equal(ext2_stat(fs, dir, &st), 0);
	assert_int_equal(st.links, 2 + subdirs);
}

static void reads_tree(uint32_t bs)
{
	char img[128];
	struct disk d;
	struct ext2_stat st;

	snprintf(img, sizeof img, "%s/read%u.img", g_tmp, bs);
	make_image(bs, img, true);
	disk_load(&d, img);
	struct ext2_fs *fs = fs_mount(&d, 0);
	assert_int_equal(ext2_block_size(fs), bs);
	subdirs_seen = 0;
	compare_tree(fs, bs, EXT2_ROOT_INO, EXT2_ROOT_INO, make_tree(bs), true);
	assert_int_equal(subdirs_seen, 8);
	/* The big directory was hashed by e2fsck -D and still reads. */
	assert_int_equal(ext2_stat(fs, res(fs, "/many"), &st), 0);
	assert_true(st.flags & 0x1000);
	/* Paths through symlinks. */
	uint32_t a = res(fs, "/a/b/c/d/e/deep.txt"), b;
	assert_int_equal(ext2_resolve(fs, EXT2_ROOT_INO, "/long", true, &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(ext2_resolve(fs, EXT2_ROOT_INO, "short", true, &b), 0);
	assert_int_equal(b, res(fs, "files/f_1"));
	assert_int_equal(ext2_resolve(fs, EXT2_ROOT_INO, "/dangling", true, &b), -EXT2_ENOENT);
	assert_int_equal(ext2_resolve(fs, res(fs, "/a"), "b//c/../c/d", false, &b), 0);
	assert_int_equal(b, res(fs, "/a/b/c/d"));
	assert_int_equal(ext2_resolve(fs, EXT2_ROOT_INO, "/files/f_1/x", false, &b), -EXT2_ENOTDIR);
	assert_int_equal(ext2_read(fs, res(fs, "/a"), 0, &st, 1), -EXT2_EISDIR);
	assert_false(d.oob);
	assert_int_equal(d.writes, 0);
	free(fs);
	free(d.buf);
}

static void test_ext2_reads_mke2fs_tree_1k(void **s) { reads_tree(1024); }
static void test_ext2_reads_mke2fs_tree_2k(void **s) { reads_tree(2048); }
static void test_ext2_reads_mke2fs_tree_4k(void **s) { reads_tree(4096); }

/* --- writing ------------------------------------------------------------- */

static void write_all(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *b = malloc(len);
	pat_fill(b, len, seed, off);
	size_t at = 0;
	while (at < len) {
		size_t n = len - at < 5000 + at % 7 ? len - at : 5000 + at % 7;
		assert_int_equal(ext2_write(fs, ino, off + at, b + at, n), (int64_t)n);
		at += n;
	}
	free(b);
}

/* Checks ino's bytes [off, off+len) hold seed's pattern (seed 0: zeros). */


/* debugfs's view of a file must be the bytes expected. */
static void debugfs_cat(const char *img, const char *path, const uint8_t *want, size_t len)
{
	char out[128];
	size_t n;
	snprintf(out, sizeof out, "%s/cat.out", g_tmp);
	assert_int_equal(sh("debugfs -R 'cat %s' %s >%s 2>/dev/null", path, img, out), 0);
	uint8_t *got = host_read(out, &n);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

static int debugfs_field(const char *img, const char *path, const char *field)
{
	return sh("debugfs -R 'stat %s' %s 2>/dev/null | grep -q '%s'", path, img, field);
}

static uint32_t mk(struct ext2_fs *fs, uint32_t dir, const char *name, bool isdir)
{
	uint32_t ino = 0;
	int rc = isdir ? ext2_mkdir(fs, dir, name, strlen(name), 0755, 1000, 1000, &ino)
		       : ext2_create(fs, dir, name, strlen(name), 0644, 1000, 1000, &ino);
	assert_int_equal(rc, 0);
	return ino;
}

static uint32_t links_of(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_stat st;
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	return st.links;
}

static void namespace_ops(struct ext2_fs *fs)
{
	uint32_t root = EXT2_ROOT_INO, x, y;
	uint32_t nd = mk(fs, root, "new", true);
	uint32_t rl = links_of(fs, root);

	/* mkdir, rmdir, and their errors. */
	uint32_t sub = mk(fs, nd, "sub", true);
	assert_int_equal(links_of(fs, nd), 3);
	assert_int_equal(ext2_mkdir(fs, nd, "sub", 3, 0755, 0, 0, &x), -EXT2_EEXIST);
	mk(fs, sub, "inner", false);
	assert_int_equal(ext2_rmdir(fs, nd, "sub", 3), -EXT2_ENOTEMPTY);
	assert_int_equal(ext2_unlink(fs, nd, "sub", 3), -EXT2_EISDIR);
	assert_int_equal(ext2_unlink(fs, sub, "inner", 5), 0);
	assert_int_equal(ext2_lookup(fs, sub, "inner", 5, &x), -EXT2_ENOENT);
	assert_int_equal(ext2_unlink(fs, sub, "inner", 5), -EXT2_ENOENT);
	assert_int_equal(ext2_rmdir(fs, nd, "sub", 3), 0);
	assert_int_equal(links_of(fs, nd), 2);
	mk(fs, nd, "gone", true);
	assert_int_equal(ext2_rmdir(fs, nd, "gone", 4), 0);
	char longname[300];
	memset(longname, 'q', sizeof longname);
	assert_int_equal(ext2_create(fs, nd, longname, 256, 0644, 0, 0, &x), -EXT2_ENAMETOOLONG);
	assert_int_equal(ext2_create(fs, nd, "a/b", 3, 0644, 0, 0, &x), -EXT2_EINVAL);
	assert_int_equal(ext2_create(fs, res(fs, "/files/f_1"), "z", 1, 0644, 0, 0, &x),
			 -EXT2_ENOTDIR);
	assert_int_equal(ext2_create(fs, nd, longname, 255, 0600, 0, 0, &x), 0);

	/* Renames: in a directory, across, over a file, a directory across
	 * (its ".." follows), over an empty directory, and the refusals. */
	uint32_t f = mk(fs, nd, "f", false);
	write_all(fs, f, 0, 1000, 9);
	assert_int_equal(ext2_rename(fs, nd, "f", 1, nd, "g", 1), 0);
	assert_int_equal(ext2_lookup(fs, nd, "g", 1, &x), 0);
	assert_int_equal(x, f);
	assert_int_equal(ext2_rename(fs, nd, "g", 1, root, "moved", 5), 0);
	assert_int_equal(res(fs, "/moved"), f);
	uint32_t victim = res(fs, "/a/x.txt");
	assert_int_equal(ext2_rename(fs, root, "moved", 5, res(fs, "/a"), "x.txt", 5), 0);
	assert_int_equal(res(fs, "/a/x.txt"), f);
	assert_int_equal(links_of(fs, f), 1);
	(void)victim;
	uint32_t b = res(fs, "/a/b");
	assert_int_equal(ext2_rename(fs, res(fs, "/a"), "b", 1, nd, "b2", 2), 0);
	assert_int_equal(res(fs, "/new/b2/c/d/e/deep.txt"), res(fs, "/new/b2/c/../c/d/e/deep.txt"));
	assert_int_equal(ext2_resolve(fs, b, "..", false, &x), 0);
	assert_int_equal(x, nd);
	assert_int_equal(links_of(fs, nd), 3);
	assert_int_equal(links_of(fs, res(fs, "/a")), 2);
	assert_int_equal(ext2_rename(fs, nd, "b2", 2, res(fs, "/new/b2/c"), "loop", 4),
			 -EXT2_EINVAL);
	assert_int_equal(ext2_rename(fs, root, "short", 5, root, "emptydir", 8), -EXT2_EISDIR);
	assert_int_equal(ext2_rename(fs, nd, "b2", 2, root, "short", 5), -EXT2_ENOTDIR);
	assert_int_equal(ext2_rename(fs, nd, "b2", 2, root, "files", 5), -EXT2_ENOTEMPTY);
	assert_int_equal(ext2_rename(fs, nd, "b2", 2, root, "emptydir", 8), 0);
	assert_int_equal(res(fs, "/emptydir"), b);
	assert_int_equal(links_of(fs, nd), 2);
	assert_int_equal(links_of(fs, root), rl);
	assert_int_equal(ext2_rename(fs, root, "hard1", 5, root, "hard2", 5), 0); /* one file */
	assert_int_equal(ext2_lookup(fs, root, "hard1", 5, &x), 0);

	/* Symlinks and hard links. */
	char t[200], got[200];
	long_target(t, 150);
	assert_int_equal(ext2_symlink(fs, nd, "sl", 2, "x", 1, 0, 0, &x), 0);
	assert_int_equal(ext2_symlink(fs, nd, "ll", 2, t, strlen(t), 0, 0, &y), 0);
	assert_int_equal(ext2_readlink(fs, y, got, sizeof got), (int)strlen(t));
	assert_memory_equal(got, t, strlen(t));
	assert_int_equal(ext2_readlink(fs, x, got, sizeof got), 1);
	/* Its target is relative: from /new it leads nowhere. */
	assert_int_equal(ext2_resolve(fs, nd, "ll", true, &x), -EXT2_ENOENT);
	assert_int_equal(ext2_resolve(fs, nd, "ll", false, &x), 0);
	assert_int_equal(x, y);
	uint32_t h = res(fs, "/files/f_1");
	assert_int_equal(ext2_link(fs, nd, "h", 1, h), 0);
	assert_int_equal(links_of(fs, h), 2);
	assert_int_equal(ext2_link(fs, nd, "d", 1, nd), -EXT2_EPERM);
	assert_int_equal(ext2_unlink(fs, root, "files", 5), -EXT2_EISDIR);
	assert_int_equal(ext2_unlink(fs, res(fs, "/files"), "f_1", 3), 0);
	assert_int_equal(links_of(fs, h), 1);
	assert_int_equal(ext2_lookup(fs, nd, "h", 1, &x), 0);
	assert_int_equal(x, h);

	/* Adding to the hashed directory drops its index flag. */
	struct ext2_stat st;
	uint32_t many = res(fs, "/many");
	mk(fs, many, "added", false);
	assert_int_equal(ext2_unlink(fs, many, "n7_kkkkkkk", 10), 0);
	assert_int_equal(ext2_stat(fs, many, &st), 0);
	assert_false(st.flags & 0x1000);
}

static void data_ops(struct ext2_fs *fs, uint32_t bs, const char *img, struct disk *d)
{
	uint64_t p = bs / 4, fb0, fi0, fb1, fi1;
	uint32_t nd = res(fs, "/new");
	uint32_t big = mk(fs, nd, "big", false);
	uint64_t bigsize = (12 + p + 3) * bs + 100;
	struct ext2_stat st;

	/* A new file into the double-indirect range, in uneven pieces. */
	write_all(fs, big, 0, bigsize, 21);
	check_range(fs, big, 0, bigsize, 21);
	assert_int_equal(ext2_stat(fs, big, &st), 0);
	assert_int_equal(st.size, bigsize);
	/* Data blocks plus one single and a double with one single below. */
	assert_int_equal(st.blocks * 512, ((bigsize + bs - 1) / bs + 3) * bs);

	/* Overwrite the middle of a file made by mke2fs. */
	char name[64];
	snprintf(name, sizeof name, "/files/f_%llu", (unsigned long long)((12 + p) * bs + 1));
	uint32_t mid = res(fs, name);
	write_all(fs, mid, 5 * bs + 3, 3 * bs, 31);
	check_range(fs, mid, 5 * bs + 3, 3 * bs, 31);

	/* Extend past the end leaving a hole; the hole reads as zeros. */
	uint32_t ext = res(fs, "/emptydir/c/d/e/deep.txt");
	write_all(fs, ext, 33 + 20 * (uint64_t)bs, 77, 41);
	check_range(fs, ext, 33, 20 * (size_t)bs, 0);
	check_range(fs, ext, 33 + 20 * (uint64_t)bs, 77, 41);

	/* Shrink into the direct blocks: indirect blocks are freed; the
	 * tail of the last block reads as zeros after growing again. */
	ext2_statfs(fs, &fb0, &fi0);
	assert_int_equal(ext2_truncate(fs, big, 5 * bs + 7), 0);
	ext2_statfs(fs, &fb1, &fi1);
	assert_int_equal(fb1 - fb0, (bigsize + bs - 1) / bs + 3 - 6);
	assert_int_equal(ext2_truncate(fs, big, 9 * bs), 0);
	check_range(fs, big, 0, 5 * bs + 7, 21);
	check_range(fs, big, 5 * bs + 7, 4 * bs - 7, 0);
	assert_int_equal(ext2_truncate(fs, res(fs, "/a"), 0), -EXT2_EISDIR);

	/* The triple-indirect sparse file: cut into the double range, then
	 * write again past the triple boundary. */
	uint32_t sp = res(fs, "/sparse");
	uint64_t tri = (12 + p + p * p) * bs;
	assert_int_equal(ext2_truncate(fs, sp, tri - 10), 0);
	write_all(fs, sp, tri + 5 * p * bs, 2 * bs, 51);
	check_range(fs, sp, tri + 5 * p * bs, 2 * bs, 51);
	check_range(fs, sp, tri - 10, 4096, 0);
	assert_int_equal(ext2_write(fs, sp, UINT64_MAX - 10, "x", 1), -EXT2_EFBIG);

	/* The page map: blocks under a page hold the file's bytes; a hole
	 * is 0 until allocated, then a "DMA" write lands in the file. */
	uint32_t blk[64];
	int n = ext2_page_blocks(fs, big, 0, 4096, false, blk, 64);
	assert_int_equal(n, 4096 / bs);
	for (int i = 0; i < n; i++) {
		uint8_t want[4096];
		assert_true(blk[i] != 0);
		pat_fill(want, bs, 21, (uint64_t)i * bs);
		assert_memory_equal(d->buf + (uint64_t)blk[i] * bs, want, bs);
	}
	uint64_t hole_page = (tri + 2 * p * bs) / 4096;
	assert_int_equal(ext2_page_blocks(fs, sp, hole_page, 4096, false, blk, 64), n);
	for (int i = 0; i < n; i++)
		assert_int_equal(blk[i], 0);
	assert_int_equal(ext2_page_blocks(fs, sp, hole_page, 4096, true, blk, 64), n);
	for (int i = 0; i < n; i++) {
		assert_true(blk[i] != 0);
		pat_fill(d->buf + (uint64_t)blk[i] * bs, bs, 61, hole_page * 4096 + (uint64_t)i * bs);
	}
	check_range(fs, sp, hole_page * 4096, 4096, 61);
	assert_int_equal(ext2_page_blocks(fs, sp, 0, 512, false, blk, 64), -EXT2_EINVAL);
}

static void check_with_tools(struct ext2_fs *fs, uint32_t bs, const char *img)
{
	uint64_t p = bs / 4;
	uint64_t bigsize = 9 * (uint64_t)bs;
	uint8_t *want = calloc(1, bigsize);

	pat_fill(want, 5 * bs + 7, 21, 0);
	debugfs_cat(img, "/new/big", want, bigsize);
	pat_fill(want, 1000, 9, 0);
	debugfs_cat(img, "/a/x.txt", want, 1000);
	assert_int_equal(debugfs_field(img, "/new", "Links: 2"), 0);
	assert_int_equal(debugfs_field(img, "/emptydir/c", "Links: 3"), 0);
	assert_int_equal(debugfs_field(img, "/new/ll", "Type: symlink"), 0);
	assert_int_equal(debugfs_field(img, "/new/h", "Links: 1"), 0);
	assert_int_equal(debugfs_field(img, "/new/big", "User:  1000"), 0);
	assert_int_equal(sh("debugfs -R 'ls /files' %s 2>/dev/null | grep -qw f_1", img), 1);
	assert_int_equal(sh("debugfs -R 'stat /sparse' %s 2>/dev/null | grep -q 'Size: %llu'", img,
			    (unsigned long long)((12 + p + p * p + 5 * p + 2) * bs)),
			 0);
	free(want);
}

/* Writes until the disk is full: the short write and ENOSPC are clean. */
static void fill_disk(struct ext2_fs *fs, uint32_t bs)
{
	uint32_t fill = mk(fs, EXT2_ROOT_INO, "fill", false);
	uint64_t at = 0, fb, fi;
	uint8_t *chunk = malloc(65536);
	pat_fill(chunk, 65536, 3, 0);
	for (;;) {
		int64_t r = ext2_write(fs, fill, at, chunk, 65536);
		if (r < 0) {
			assert_int_equal(r, -EXT2_ENOSPC);
			break;
		}
		assert_true(r > 0);
		at += (uint64_t)r;
		if (r < 65536) {
			assert_int_equal(ext2_write(fs, fill, at, chunk, 100), -EXT2_ENOSPC);
			break;
		}
	}
	ext2_statfs(fs, &fb, &fi);
	assert_int_equal(fb, 0);
	uint32_t x;
	assert_int_equal(ext2_mkdir(fs, EXT2_ROOT_INO, "full", 4, 0755, 0, 0, &x), -EXT2_ENOSPC);
	assert_int_equal(ext2_lookup(fs, EXT2_ROOT_INO, "full", 4, &x), -EXT2_ENOENT);
	/* The last bytes written are there (each chunk starts the pattern
	 * over). */
	uint8_t tail[1000];
	assert_int_equal(ext2_read(fs, fill, at - 1000, tail, 1000), 1000);
	assert_memory_equal(tail, chunk + (at - 1000) % 65536, 1000);
	(void)bs;
	free(chunk);
}

static void writes_tree(uint32_t bs)
{
	char img[128];
	struct disk d;

	snprintf(img, sizeof img, "%s/write%u.img", g_tmp, bs);
	make_image(bs, img, true);
	disk_load(&d, img);
	struct ext2_fs *fs = fs_mount(&d, 0);
	namespace_ops(fs);
	data_ops(fs, bs, img, &d);
	assert_int_equal(ext2_sync(fs), 0);
	disk_save(&d, img);
	fsck_clean(img);
	check_with_tools(fs, bs, img);

	/* Mounted again, the changes are there. */
	free(fs);
	fs = fs_mount(&d, 0);
	check_range(fs, res(fs, "/new/big"), 0, 5 * bs + 7, 21);
	assert_int_equal(links_of(fs, res(fs, "/new/h")), 1);

	/* Full disk, then everything freed again. */
	uint64_t fb0, fi0, fb1, fi1;
	ext2_statfs(fs, &fb0, &fi0);
	fill_disk(fs, bs);
	assert_int_equal(ext2_sync(fs), 0);
	disk_save(&d, img);
	fsck_clean(img);
	assert_int_equal(ext2_unlink(fs, EXT2_ROOT_INO, "fill", 4), 0);
	ext2_statfs(fs, &fb1, &fi1);
	assert_int_equal(fb1, fb0);
	assert_int_equal(fi1, fi0);
	assert_int_equal(ext2_sync(fs), 0);
	disk_save(&d, img);
	fsck_clean(img);
	assert_false(d.oob);
	free(fs);
	free(d.buf);
}

static void test_ext2_writes_pass_fsck_1k(void **s) { writes_tree(1024); }
static void test_ext2_writes_pass_fsck_2k(void **s) { writes_tree(2048); }
static void test_ext2_writes_pass_fsck_4k(void **s) { writes_tree(4096); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext2_reads_mke2fs_tree_1k),
		cmocka_unit_test(test_ext2_reads_mke2fs_tree_2k),
		cmocka_unit_test(test_ext2_reads_mke2fs_tree_4k),
		cmocka_unit_test(test_ext2_writes_pass_fsck_1k),
		cmocka_unit_test(test_ext2_writes_pass_fsck_2k),
		cmocka_unit_test(test_ext2_writes_pass_fsck_4k),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
