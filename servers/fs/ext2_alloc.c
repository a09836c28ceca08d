/*
 * Group descriptors, the inode table, and the block and inode bitmaps
 * with their free counts (per group and in the superblock) and the
 * per-group directory count.
 *
 * Descriptors are read through the block cache at each use and checked
 * each time (a corrupt file's block pointer may have aimed a write at the
 * table), so no descriptor value is trusted between calls. An allocation
 * changes the bitmap bit, the group's count and the superblock's count
 * together; a free of a bit already clear is a corrupt image (-EXT2_EIO)
 * and changes nothing.
 */
#include "servers/fs/ext2_int.h"

bool blk_is_data(const struct ext2_fs *fs, uint32_t b)
{
	return b >= fs->g.meta_end && b < fs->g.blocks_count;
}

static uint32_t group_first(const struct ext2_fs *fs, uint32_t g)
{
	return fs->g.first_data_block + g * fs->g.blocks_per_group;
}

static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t left = fs->g.blocks_count - group_first(fs, g);
	return left < fs->g.blocks_per_group ? left : fs->g.blocks_per_group;
}

static int gd_locate(struct ext2_fs *fs, uint32_t group, uint32_t *blk, uint32_t *off)
{
	if (group >= fs->g.groups)
		return ext2_corrupt(fs, "group number out of range");
	uint32_t per = fs->g.block_size / sizeof(struct ext2_gd);
	*blk = fs->g.first_data_block + 1 + group / per;
	*off = (group % per) * sizeof(struct ext2_gd);
	return 0;
}

int gd_get(struct ext2_fs *fs, uint32_t group, struct ext2_gd *gd)
{
	uint32_t blk = 0, off = 0;
	uint8_t *d;
	int rc = gd_locate(fs, group, &blk, &off);

	if (rc == 0)
		rc = bc_get(fs, blk, false, &d);
	if (rc < 0)
		return rc;
	memcpy(gd, d + off, sizeof *gd);
	bc_put(fs, d, false);

	uint32_t itb = fs->g.inode_table_blocks;
	if (!blk_is_data(fs, gd->block_bitmap))
		return ext2_corrupt(fs, "bg_block_bitmap out of range");
	if (!blk_is_data(fs, gd->inode_bitmap))
		return ext2_corrupt(fs, "bg_inode_bitmap out of range");
	if (!blk_is_data(fs, gd->inode_table) || gd->inode_table > fs->g.blocks_count - itb)
		return ext2_corrupt(fs, "bg_inode_table out of range");
	if (gd->free_blocks > group_blocks(fs, group))
		return ext2_corrupt(fs, "bg_free_blocks_count too large");
	if (gd->free_inodes > fs->g.inodes_per_group)
		return ext2_corrupt(fs, "bg_free_inodes_count too large");
	if (gd->used_dirs > fs->g.inodes_per_group)
		return ext2_corrupt(fs, "bg_used_dirs_count too large");
	return 0;
}

int gd_put(struct ext2_fs *fs, uint32_t group, const struct ext2_gd *gd)
{
	uint32_t blk = 0, off = 0;
	uint8_t *d;
	int rc = gd_locate(fs, group, &blk, &off);

	if (rc == 0)
		rc = bc_get(fs, blk, false, &d);
	if (rc < 0)
		return rc;
	memcpy(d + off, gd, sizeof *gd);
	bc_put(fs, d, true);
	return 0;
}

static void sb_add(struct ext2_fs *fs, uint32_t off, int delta)
{
	put32(fs->sb + off, get32(fs->sb + off) + (uint32_t)delta);
	fs->sb_dirty = true;
}

/* --- inodes --------------------------------------------------------------- */

static int inode_locate(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
	struct ext2_gd gd;

	if (ino == 0 || ino > fs->g.inodes_count)
		return ext2_corrupt(fs, "inode number out of range");
	uint32_t idx = (ino - 1) % fs->g.inodes_per_group;
	int rc = gd_get(fs, (ino - 1) / fs->g.inodes_per_group, &gd);
	if (rc < 0)
		return rc;
	uint64_t byte = (uint64_t)idx * fs->g.inode_size;
	*blk = gd.inode_table + (uint32_t)(byte / fs->g.block_size);
	*off = (uint32_t)(byte % fs->g.block_size);
	return 0;
}

static uint32_t inode_bytes(const struct ext2_fs *fs)
{
	return fs->g.inode_size < sizeof(struct ext2_inode) ? INODE_OLD_SIZE
							    : sizeof(struct ext2_inode);
}

int inode_get(struct ext2_fs *fs, uint32_t ino, struct inode_ref *ip)
{
	uint32_t blk = 0, off = 0;
	uint8_t *d;
	int rc = inode_locate(fs, ino, &blk, &off);

	if (rc == 0)
		rc = bc_get(fs, blk, false, &d);
	if (rc < 0)
		return rc;
	memset(&ip->d, 0, sizeof ip->d);
	memcpy(&ip->d, d + off, inode_bytes(fs));
	bc_put(fs, d, false);
	ip->ino = ino;
	return 0;
}

int inode_put(struct ext2_fs *fs, const struct inode_ref *ip)
{
	uint32_t blk = 0, off = 0;
	uint8_t *d;
	int rc = inode_locate(fs, ip->ino, &blk, &off);

	if (rc == 0)
		rc = bc_get(fs, blk, false, &d);
	if (rc < 0)
		return rc;
	uint32_t n = inode_bytes(fs);
	if (n > INODE_OLD_SIZE && ip->d.extra_isize < n - INODE_OLD_SIZE)
		n = INODE_OLD_SIZE + (ip->d.extra_isize & ~3u); /* keep what lies past it */
	memcpy(d + off, &ip->d, n);
	bc_put(fs, d, true);
	return 0;
}

/* --- bitmaps -------------------------------------------------------------- */

/* Finds a clear bit in [from, limit) then [0, from), sets it. */
static int bitmap_take(uint8_t *map, uint32_t limit, uint32_t from, uint32_t *bit)
{
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t lo = pass ? 0 : from, hi = pass ? from : limit;
		for (uint32_t i = lo; i < hi; i++) {
			if (i % 8 == 0 && map[i / 8] == 0xff && i + 8 <= hi) {
				i += 7;
				continue;
			}
			if (!(map[i / 8] & (1u << (i % 8)))) {
				map[i / 8] |= (uint8_t)(1u << (i % 8));
				*bit = i;
				return 0;
			}
		}
	}
	return -EXT2_ENOSPC;
}

static bool in_range(uint32_t x, uint32_t start, uint32_t n)
{
	return x >= start && x - start < n;
}

/* A block in group g that its own metadata holds (a corrupt bitmap may
 * call it free). */
static bool group_meta(const struct ext2_fs *fs, const struct ext2_gd *gd, uint32_t b)
{
	return b == gd->block_bitmap || b == gd->inode_bitmap ||
	       in_range(b, gd->inode_table, fs->g.inode_table_blocks) || !blk_is_data(fs, b);
}

static int block_alloc_in(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t *out)
{
	struct ext2_gd gd;
	uint8_t *map;
	int rc = gd_get(fs, g, &gd);

	if (rc < 0)
		return rc;
	if (gd.free_blocks == 0)
		return -EXT2_ENOSPC;
	rc = bc_get(fs, gd.block_bitmap, false, &map);
	if (rc < 0)
		return rc;
	uint32_t limit = group_blocks(fs, g), bit = 0;
	for (;;) {
		rc = bitmap_take(map, limit, from < limit ? from : 0, &bit);
		if (rc < 0 || !group_meta(fs, &gd, group_first(fs, g) + bit))
			break;
		/* Metadata marked free: leave the bit set (it belongs set). */
	}
	bc_put(fs, map, true);
	if (rc < 0)
		return ext2_corrupt(fs, "bg_free_blocks_count: bitmap is full");
	gd.free_blocks--;
	rc = gd_put(fs, g, &gd);
	if (rc < 0)
		return rc;
	if (get32(fs->sb + SB_FREE_BLOCKS) > 0)
		sb_add(fs, SB_FREE_BLOCKS, -1);
	*out = group_first(fs, g) + bit;
	return 0;
}

int block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	uint32_t g0 = 0, from = 0;

	if (ext2_rdonly(fs))
		return -EXT2_EROFS;
	if (get32(fs->sb + SB_FREE_BLOCKS) == 0)
		return -EXT2_ENOSPC;
	if (goal >= fs->g.first_data_block && goal < fs->g.blocks_count) {
		g0 = (goal - fs->g.first_data_block) / fs->g.blocks_per_group;
		from = (goal - fs->g.first_data_block) % fs->g.blocks_per_group;
	}
	for (uint32_t i = 0; i < fs->g.groups; i++) {
		uint32_t g = (g0 + i) % fs->g.groups;
		int rc = block_alloc_in(fs, g, i == 0 ? from : 0, out);
		if (rc != -EXT2_ENOSPC)
			return rc;
	}
	return -EXT2_ENOSPC;
}

int block_free(struct ext2_fs *fs, uint32_t b)
{
	struct ext2_gd gd;
	uint8_t *map;

	if (!blk_is_data(fs, b))
		return ext2_corrupt(fs, "freeing a block out of range");
	uint32_t g = (b - fs->g.first_data_block) / fs->g.blocks_per_group;
	uint32_t bit = (b - fs->g.first_data_block) % fs->g.blocks_per_group;
	int rc = gd_get(fs, g, &gd);
	if (rc < 0)
		return rc;
	if (group_meta(fs, &gd, b))
		return ext2_corrupt(fs, "freeing a group's metadata block");
	rc = bc_get(fs, gd.block_bitmap, false, &map);
	if (rc < 0)
		return rc;
	bool was = map[bit / 8] & (1u << (bit % 8));
	map[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	bc_put(fs, map, was);
	if (!was)
		return ext2_corrupt(fs, "freeing a free block");
	bc_forget(fs, b);
	if (gd.free_blocks < group_blocks(fs, g))
		gd.free_blocks++;
	rc = gd_put(fs, g, &gd);
	if (rc == 0 && get32(fs->sb + SB_FREE_BLOCKS) < fs->g.blocks_count)
		sb_add(fs, SB_FREE_BLOCKS, 1);
	return rc;
}

static int inode_alloc_in(struct ext2_fs *fs, uint32_t g, bool dir, uint32_t *out)
{
	struct ext2_gd gd;
	uint8_t *map;
	int rc = gd_get(fs, g, &gd);

	if (rc < 0)
		return rc;
	if (gd.free_inodes == 0)
		return -EXT2_ENOSPC;
	rc = bc_get(fs, gd.inode_bitmap, false, &map);
	if (rc < 0)
		return rc;
	uint32_t bit = 0;
	for (;;) {
		rc = bitmap_take(map, fs->g.inodes_per_group, 0, &bit);
		if (rc < 0 || g * fs->g.inodes_per_group + bit + 1 >= fs->g.first_ino)
			break;
		/* A reserved inode marked free: leave it set. */
	}
	bc_put(fs, map, true);
	if (rc < 0)
		return ext2_corrupt(fs, "bg_free_inodes_count: bitmap is full");
	gd.free_inodes--;
	if (dir)
		gd.used_dirs++;
	rc = gd_put(fs, g, &gd);
	if (rc < 0)
		return rc;
	if (get32(fs->sb + SB_FREE_INODES) > 0)
		sb_add(fs, SB_FREE_INODES, -1);
	*out = g * fs->g.inodes_per_group + bit + 1;
	return 0;
}

/* Files go near their directory; a new directory goes to the first group
 * from the parent's with more free inodes than average, spreading trees. */
int inode_alloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *out)
{
	uint32_t g0 = (parent - 1) / fs->g.inodes_per_group % fs->g.groups;
	uint32_t avg = get32(fs->sb + SB_FREE_INODES) / fs->g.groups;

	if (ext2_rdonly(fs))
		return -EXT2_EROFS;
	for (uint32_t pass = dir ? 0 : 1; pass < 2; pass++) {
		for (uint32_t i = 0; i < fs->g.groups; i++) {
			uint32_t g = (g0 + i) % fs->g.groups;
			if (pass == 0) {
				struct ext2_gd gd;
				int rc = gd_get(fs, g, &gd);
				if (rc < 0)
					return rc;
				if (gd.free_inodes < avg || gd.free_inodes == 0)
					continue;
			}
			int rc = inode_alloc_in(fs, g, dir, out);
			if (rc != -EXT2_ENOSPC)
				return rc;
		}
	}
	return -EXT2_ENOSPC;
}

int inode_free(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	struct ext2_gd gd;
	uint8_t *map;

	if (ino < fs->g.first_ino || ino > fs->g.inodes_count)
		return ext2_corrupt(fs, "freeing a reserved or out-of-range inode");
	uint32_t g = (ino - 1) / fs->g.inodes_per_group, bit = (ino - 1) % fs->g.inodes_per_group;
	int rc = gd_get(fs, g, &gd);
	if (rc == 0)
		rc = bc_get(fs, gd.inode_bitmap, false, &map);
	if (rc < 0)
		return rc;
	bool was = map[bit / 8] & (1u << (bit % 8));
	map[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	bc_put(fs, map, was);
	if (!was)
		return ext2_corrupt(fs, "freeing a free inode");
	if (gd.free_inodes < fs->g.inodes_per_group)
		gd.free_inodes++;
	if (dir && gd.used_dirs > 0)
		gd.used_dirs--;
	rc = gd_put(fs, g, &gd);
	if (rc == 0 && get32(fs->sb + SB_FREE_INODES) < fs->g.inodes_count)
		sb_add(fs, SB_FREE_INODES, 1);
	return rc;
}

/* Zeroes every byte of a just-allocated inode, the large inode's tail
 * (in-inode attributes) included. */
int inode_clear(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t blk = 0, off = 0;
	uint8_t *d;
	int rc = inode_locate(fs, ino, &blk, &off);

	if (rc == 0)
		rc = bc_get(fs, blk, false, &d);
	if (rc < 0)
		return rc;
	memset(d + off, 0, fs->g.inode_size);
	bc_put(fs, d, true);
	return 0;
}
