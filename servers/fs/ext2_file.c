/*
 * File data: the block map (direct, single, double and triple indirect),
 * truncation, reads and writes through the cache, the page-to-blocks map
 * for DMA, and symlink targets.
 *
 * A block pointer read from an inode or an indirect block is checked to
 * lie in the data area before it is followed; indirect chains are at most
 * three deep, so no walk can loop. A newly allocated block, indirect or
 * data, is zeroed in the cache before its pointer is stored, so a hole
 * filled later reads as zeros until written.
 */
#include "servers/fs/ext2_int.h"

static uint32_t sectors_per_block(const struct ext2_fs *fs)
{
	return fs->g.block_size / 512;
}

static void blocks_sub(struct ext2_fs *fs, struct inode_ref *ip)
{
	uint32_t s = sectors_per_block(fs);
	ip->d.blocks = ip->d.blocks >= s ? ip->d.blocks - s : 0;
}

/* A fresh zeroed block charged to ip. */
static int new_block(struct ext2_fs *fs, struct inode_ref *ip, uint32_t goal, uint32_t *out)
{
	uint32_t s = sectors_per_block(fs);

	if (ip->d.blocks > UINT32_MAX - s)
		return -EXT2_EFBIG;
	int rc = block_alloc(fs, goal, out);
	if (rc == 0)
		rc = bc_zero(fs, *out);
	if (rc < 0)
		return rc;
	ip->d.blocks += s;
	return 0;
}

/* The path to logical block lblk: idx[0] indexes i_block, idx[1..depth]
 * the indirect blocks below it. */
static int bmap_path(const struct ext2_fs *fs, uint64_t lblk, uint32_t idx[4], int *depth)
{
	uint64_t p = fs->g.ptrs;

	if (lblk < NDIR) {
		idx[0] = (uint32_t)lblk;
		*depth = 0;
		return 0;
	}
	lblk -= NDIR;
	if (lblk < p) {
		idx[0] = NDIR;
		idx[1] = (uint32_t)lblk;
		*depth = 1;
		return 0;
	}
	lblk -= p;
	if (lblk < p * p) {
		idx[0] = NDIR + 1;
		idx[1] = (uint32_t)(lblk / p);
		idx[2] = (uint32_t)(lblk % p);
		*depth = 2;
		return 0;
	}
	lblk -= p * p;
	if (lblk < p * p * p) {
		idx[0] = NDIR + 2;
		idx[1] = (uint32_t)(lblk / (p * p));
		idx[2] = (uint32_t)(lblk / p % p);
		idx[3] = (uint32_t)(lblk % p);
		*depth = 3;
		return 0;
	}
	return -EXT2_EFBIG;
}

int bmap(struct ext2_fs *fs, struct inode_ref *ip, uint64_t lblk, bool alloc, uint32_t *out)
{
	uint32_t idx[4], goal, b;
	int depth;
	int rc = bmap_path(fs, lblk, idx, &depth);

	*out = 0;
	if (rc < 0)
		return alloc ? rc : 0;
	goal = fs->g.first_data_block +
	       (ip->ino - 1) / fs->g.inodes_per_group * fs->g.blocks_per_group;
	b = ip->d.block[idx[0]];
	if (b == 0) {
		if (!alloc)
			return 0;
		rc = new_block(fs, ip, goal, &b);
		if (rc < 0)
			return rc;
		ip->d.block[idx[0]] = b;
	}
	for (int k = 1; k <= depth; k++) {
		uint8_t *d;
		if (!blk_is_data(fs, b))
			return ext2_corrupt(fs, "block pointer out of range");
		rc = bc_get(fs, b, false, &d);
		if (rc < 0)
			return rc;
		uint32_t e = get32(d + 4 * idx[k]);
		bool dirty = false;
		if (e == 0 && alloc) {
			rc = new_block(fs, ip, b, &e);
			if (rc == 0) {
				put32(d + 4 * idx[k], e);
				dirty = true;
			}
		}
		bc_put(fs, d, dirty);
		if (rc < 0)
			return rc;
		if (e == 0)
			return 0;
		b = e;
	}
	if (!blk_is_data(fs, b))
		return ext2_corrupt(fs, "block pointer out of range");
	*out = b;
	return 0;
}

/* Frees the blocks under indirect block b (of the given level) from
 * index `from` of its subtree on, and b itself when from is 0. */
static int free_tree(struct ext2_fs *fs, struct inode_ref *ip, uint32_t b, int level, uint64_t from,
		     bool *freed)
{
	uint64_t per = 1;
	uint8_t *d;
	bool dirty = false;
	int rc = 0;

	*freed = false;
	if (!blk_is_data(fs, b))
		return ext2_corrupt(fs, "indirect block pointer out of range");
	for (int i = 1; i < level; i++)
		per *= fs->g.ptrs;
	rc = bc_get(fs, b, false, &d);
	if (rc < 0)
		return rc;
	uint32_t start = (uint32_t)(from / per);
	for (uint32_t i = start; i < fs->g.ptrs && rc == 0; i++) {
		uint32_t e = get32(d + 4 * i);
		bool gone = true;
		if (e == 0)
			continue;
		if (level > 1) {
			rc = free_tree(fs, ip, e, level - 1, i == start ? from % per : 0, &gone);
		} else {
			rc = block_free(fs, e);
			if (rc == 0)
				blocks_sub(fs, ip);
		}
		if (rc == 0 && gone) {
			put32(d + 4 * i, 0);
			dirty = true;
		}
	}
	bc_put(fs, d, dirty);
	if (rc < 0 || from != 0)
		return rc;
	rc = block_free(fs, b);
	if (rc == 0) {
		blocks_sub(fs, ip);
		*freed = true;
	}
	return rc;
}

int trunc_blocks(struct ext2_fs *fs, struct inode_ref *ip, uint64_t from)
{
	uint64_t base = NDIR, span = fs->g.ptrs;

	for (uint64_t i = from; i < NDIR; i++) {
		uint32_t b = ip->d.block[i];
		if (b == 0)
			continue;
		int rc = block_free(fs, b);
		if (rc < 0)
			return rc;
		ip->d.block[i] = 0;
		blocks_sub(fs, ip);
	}
	for (int level = 1; level <= 3; level++) {
		uint32_t *slot = &ip->d.block[NDIR + level - 1];
		if (from < base + span && *slot) {
			bool gone;
			int rc = free_tree(fs, ip, *slot, level, from > base ? from - base : 0, &gone);
			if (rc < 0)
				return rc;
			if (gone)
				*slot = 0;
		}
		base += span;
		span *= fs->g.ptrs;
	}
	return 0;
}

/* The inode's attribute block: shared by reference count. */
static int release_xattr(struct ext2_fs *fs, struct inode_ref *ip)
{
	uint32_t b = ip->d.file_acl;
	uint8_t *d;

	if (b == 0)
		return 0;
	ip->d.file_acl = 0;
	blocks_sub(fs, ip);
	if (!blk_is_data(fs, b))
		return ext2_corrupt(fs, "i_file_acl out of range");
	int rc = bc_get(fs, b, false, &d);
	if (rc < 0)
		return rc;
	uint32_t refs = get32(d + 4);
	bool ok = get32(d) == EA_MAGIC && refs > 0;
	if (ok && refs > 1)
		put32(d + 4, refs - 1);
	bc_put(fs, d, ok && refs > 1);
	if (!ok)
		return ext2_corrupt(fs, "attribute block header");
	return refs > 1 ? 0 : block_free(fs, b);
}

int inode_release(struct ext2_fs *fs, struct inode_ref *ip)
{
	uint32_t now = ext2_now(fs);
	bool dir = i_isdir(ip);
	int rc = 0;

	if (i_has_blocks(fs, ip))
		rc = trunc_blocks(fs, ip, 0);
	if (rc == 0)
		rc = release_xattr(fs, ip);
	if (rc < 0)
		return rc;
	ip->d.links = 0;
	ip->d.dtime = now ? now : 1; /* a zero dtime would mark it live */
	i_set_size(ip, 0);
	rc = inode_put(fs, ip);
	return rc < 0 ? rc : inode_free(fs, ip->ino, dir);
}

/* --- reads and writes ----------------------------------------------------- */

static int data_read(struct ext2_fs *fs, struct inode_ref *ip, uint64_t off, uint8_t *buf,
		     size_t len)
{
	uint32_t bs = fs->g.block_size;

	while (len > 0) {
		uint32_t b, boff = (uint32_t)(off % bs);
		size_t n = bs - boff < len ? bs - boff : len;
		uint8_t *d;
		int rc = bmap(fs, ip, off / bs, false, &b);
		if (rc < 0)
			return rc;
		if (b == 0) {
			memset(buf, 0, n);
		} else {
			rc = bc_get(fs, b, false, &d);
			if (rc < 0)
				return rc;
			memcpy(buf, d + boff, n);
			bc_put(fs, d, false);
		}
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int regular(const struct inode_ref *ip)
{
	if (i_isdir(ip))
		return -EXT2_EISDIR;
	return i_type(ip) == EXT2_S_IFREG ? 0 : -EXT2_EINVAL;
}

/* Inode ino into *ip, which must be a regular file. */
static int regular_get(struct ext2_fs *fs, uint32_t ino, struct inode_ref *ip)
{
	int rc = inode_get(fs, ino, ip);
	return rc < 0 ? rc : regular(ip);
}

int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len)
{
	struct inode_ref ip;
	int rc = regular_get(fs, ino, &ip);

	if (rc < 0)
		return rc;
	uint64_t size = i_size(&ip);
	if (size > fs->g.max_file_size)
		return ext2_corrupt(fs, "i_size past the largest file");
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > INT32_MAX)
		len = INT32_MAX;
	rc = data_read(fs, &ip, off, buf, len);
	return rc < 0 ? rc : (int64_t)len;
}

static void grow_size(struct ext2_fs *fs, struct inode_ref *ip, uint64_t size)
{
	if (size <= i_size(ip))
		return;
	i_set_size(ip, size);
	uint32_t ro = get32(fs->sb + SB_FEATURE_RO_COMPAT);
	if (size > INT32_MAX && !(ro & RO_COMPAT_LARGE_FILE)) {
		put32(fs->sb + SB_FEATURE_RO_COMPAT, ro | RO_COMPAT_LARGE_FILE);
		fs->sb_dirty = true;
	}
}

int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len)
{
	struct inode_ref ip;
	const uint8_t *src = buf;
	uint32_t bs = fs->g.block_size;
	size_t done = 0;
	int rc;

	if (ext2_rdonly(fs))
		return -EXT2_EROFS;
	rc = inode_get(fs, ino, &ip);
	if (rc == 0)
		rc = regular(&ip);
	if (rc < 0)
		return rc;
	if (len > INT32_MAX)
		len = INT32_MAX;
	if (off > fs->g.max_file_size || len > fs->g.max_file_size - off)
		return -EXT2_EFBIG;
	while (done < len) {
		uint32_t b, boff = (uint32_t)(off % bs);
		size_t n = bs - boff < len - done ? bs - boff : len - done;
		uint8_t *d;
		rc = bmap(fs, &ip, off / bs, true, &b);
		if (rc == 0)
			rc = bc_get(fs, b, n == bs, &d);
		if (rc < 0)
			break;
		memcpy(d + boff, src + done, n);
		bc_put(fs, d, true);
		done += n;
		off += n;
	}
	grow_size(fs, &ip, off);
	i_touch(fs, &ip, true);
	int wrc = inode_put(fs, &ip);
	if (done > 0)
		return wrc < 0 ? wrc : (int64_t)done;
	return rc < 0 ? rc : wrc;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct inode_ref ip;
	uint32_t bs = fs->g.block_size, b;

	if (ext2_rdonly(fs))
		return -EXT2_EROFS;
	int rc = regular_get(fs, ino, &ip);
	if (rc < 0)
		return rc;
	if (size > fs->g.max_file_size)
		return -EXT2_EFBIG;
	if (size < i_size(&ip)) {
		/* The tail of the last block must read as zeros if the file
		 * grows again. */
		if (size % bs) {
			uint8_t *d;
			rc = bmap(fs, &ip, size / bs, false, &b);
			if (rc == 0 && b)
				rc = bc_get(fs, b, false, &d);
			if (rc < 0)
				return rc;
			if (b) {
				memset(d + size % bs, 0, bs - size % bs);
				bc_put(fs, d, true);
			}
		}
		rc = trunc_blocks(fs, &ip, (size + bs - 1) / bs);
		i_set_size(&ip, size);
	} else {
		grow_size(fs, &ip, size);
	}
	i_touch(fs, &ip, true);
	int wrc = inode_put(fs, &ip);
	return rc < 0 ? rc : wrc;
}

int ext2_page_blocks(struct ext2_fs *fs, uint32_t ino, uint64_t page, uint32_t page_size,
		     bool alloc, uint32_t *out, size_t n)
{
	struct inode_ref ip;
	uint32_t bs = fs->g.block_size;

	int rc = regular_get(fs, ino, &ip);
	if (rc < 0)
		return rc;
	if (!pow2_u32(page_size) || page_size < bs || page_size / bs > 64 || page_size / bs > n)
		return -EXT2_EINVAL;
	if (alloc && ext2_rdonly(fs))
		return -EXT2_EROFS;
	uint32_t per = page_size / bs;
	if (page > fs->g.max_file_size / page_size) {
		if (alloc)
			return -EXT2_EFBIG;
		memset(out, 0, per * sizeof *out);
		return (int)per;
	}
	uint32_t before = ip.d.blocks;
	for (uint32_t i = 0; i < per && rc == 0; i++) {
		rc = bmap(fs, &ip, page * per + i, alloc, &out[i]);
		if (rc == 0 && out[i])
			rc = bc_drop(fs, out[i]);
	}
	if (ip.d.blocks != before) {
		int wrc = inode_put(fs, &ip);
		if (rc == 0)
			rc = wrc;
	}
	return rc < 0 ? rc : (int)per;
}

int ext2_run_blocks(struct ext2_fs *fs, uint32_t ino, uint64_t first, uint32_t max,
		    uint32_t *disk, uint64_t *size)
{
	struct inode_ref ip;
	int rc = regular_get(fs, ino, &ip);
	if (rc < 0)
		return rc;
	*size = i_size(&ip);
	*disk = 0;
	uint64_t in_file = (*size + fs->g.block_size - 1) / fs->g.block_size;
	if (first >= in_file)
		return 0;
	if (max > in_file - first)
		max = (uint32_t)(in_file - first);
	uint32_t n = 0;
	for (uint32_t b; n < max; n++) {
		rc = bmap(fs, &ip, first + n, false, &b);
		if (rc == 0 && (b == 0 || (n && b != *disk + n)))
			break; /* a hole, or the run ends */
		if (rc == 0)
			rc = bc_drop(fs, b);
		if (rc < 0)
			return n ? (int)n : rc;
		if (n == 0)
			*disk = b;
	}
	return (int)n;
}

int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len)
{
	struct inode_ref ip;
	int rc = inode_get(fs, ino, &ip);

	if (rc < 0)
		return rc;
	if (i_type(&ip) != EXT2_S_IFLNK)
		return -EXT2_EINVAL;
	uint32_t size = ip.d.size;
	if (size == 0 || size >= fs->g.block_size || size > EXT2_SYMLINK_MAX)
		return ext2_corrupt(fs, "symlink size");
	if (len > size)
		len = size;
	if (i_fast_symlink(fs, &ip)) {
		if (size >= sizeof ip.d.block)
			return ext2_corrupt(fs, "fast symlink size");
		memcpy(buf, ip.d.block, len);
		return (int)len;
	}
	rc = data_read(fs, &ip, 0, (uint8_t *)buf, len);
	return rc < 0 ? rc : (int)len;
}
