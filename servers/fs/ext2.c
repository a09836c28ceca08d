/*
 * Mount (every superblock field and group descriptor checked), sync,
 * and the inode attributes. See ext2.h for the library's lifecycle and
 * ext2_int.h for the disk layout.
 */
#include "servers/fs/ext2_int.h"

int ext2_corrupt(struct ext2_fs *fs, const char *what)
{
	fs->err = what;
	return -EXT2_EIO;
}

static int refuse(struct ext2_fs *fs, int code, const char *what)
{
	fs->err = what;
	return code;
}

const char *ext2_error(const struct ext2_fs *fs)
{
	return fs->err ? fs->err : "no error";
}

uint32_t ext2_now(struct ext2_fs *fs)
{
	return fs->dev.now ? fs->dev.now(fs->dev.ctx) : 0;
}

bool ext2_rdonly(const struct ext2_fs *fs)
{
	return (fs->flags & EXT2_MOUNT_RDONLY) != 0;
}

uint32_t ext2_block_size(const struct ext2_fs *fs)
{
	return fs->g.block_size;
}

void ext2_statfs(const struct ext2_fs *fs, uint64_t *free_blocks, uint64_t *free_inodes)
{
	*free_blocks = get32(fs->sb + SB_FREE_BLOCKS);
	*free_inodes = get32(fs->sb + SB_FREE_INODES);
}

/* --- mount ---------------------------------------------------------------- */

/* Block size, counts and group geometry from the superblock alone. */
static int check_geometry(struct ext2_fs *fs)
{
	const uint8_t *sb = fs->sb;
	struct ext2_geom *g = &fs->g;

	if (get16(sb + SB_MAGIC) != EXT2_MAGIC)
		return refuse(fs, -EXT2_EINVAL, "s_magic: not an ext2 file system");
	uint32_t rev = get32(sb + SB_REV_LEVEL);
	if (rev > 1)
		return refuse(fs, -EXT2_ENOTSUP, "s_rev_level: unsupported revision");
	g->log_block_size = get32(sb + SB_LOG_BLOCK_SIZE);
	if (g->log_block_size > 2)
		return refuse(fs, -EXT2_ENOTSUP, "s_log_block_size: not 1, 2 or 4 KiB");
	g->block_size = 1024u << g->log_block_size;
	if (get32(sb + SB_LOG_FRAG_SIZE) != g->log_block_size)
		return ext2_corrupt(fs, "s_log_frag_size differs from the block size");
	g->ptrs = g->block_size / 4;
	g->first_data_block = get32(sb + SB_FIRST_DATA_BLOCK);
	if (g->first_data_block != (g->block_size == 1024 ? 1u : 0u))
		return ext2_corrupt(fs, "s_first_data_block");
	g->blocks_count = get32(sb + SB_BLOCKS_COUNT);
	g->inodes_count = get32(sb + SB_INODES_COUNT);
	if (g->blocks_count <= g->first_data_block + 2)
		return ext2_corrupt(fs, "s_blocks_count too small");
	if (fs->dev.size && (uint64_t)g->blocks_count * g->block_size > fs->dev.size)
		return ext2_corrupt(fs, "s_blocks_count: larger than the disk");
	g->blocks_per_group = get32(sb + SB_BLOCKS_PER_GROUP);
	if (g->blocks_per_group < 8 || g->blocks_per_group > 8 * g->block_size ||
	    g->blocks_per_group % 8)
		return ext2_corrupt(fs, "s_blocks_per_group");
	if (get32(sb + SB_FRAGS_PER_GROUP) != g->blocks_per_group)
		return ext2_corrupt(fs, "s_frags_per_group differs from s_blocks_per_group");
	g->inode_size = rev == 0 ? INODE_OLD_SIZE : get16(sb + SB_INODE_SIZE);
	if (!pow2_u32(g->inode_size) || g->inode_size < INODE_OLD_SIZE || g->inode_size > g->block_size)
		return ext2_corrupt(fs, "s_inode_size");
	g->first_ino = rev == 0 ? 11 : get32(sb + SB_FIRST_INO);
	g->inodes_per_group = get32(sb + SB_INODES_PER_GROUP);
	if (g->inodes_per_group == 0 || g->inodes_per_group > 8 * g->block_size ||
	    (uint64_t)g->inodes_per_group * g->inode_size % g->block_size)
		return ext2_corrupt(fs, "s_inodes_per_group");
	g->inode_table_blocks =
		(uint32_t)((uint64_t)g->inodes_per_group * g->inode_size / g->block_size);
	g->groups = (g->blocks_count - g->first_data_block + g->blocks_per_group - 1) /
		    g->blocks_per_group;
	if ((uint64_t)g->groups * g->inodes_per_group != g->inodes_count)
		return ext2_corrupt(fs, "s_inodes_count differs from groups * s_inodes_per_group");
	if (g->first_ino < 11 || g->first_ino >= g->inodes_count)
		return ext2_corrupt(fs, "s_first_ino");
	return 0;
}

static int check_features(struct ext2_fs *fs)
{
	const uint8_t *sb = fs->sb;
	struct ext2_geom *g = &fs->g;
	bool rev1 = get32(sb + SB_REV_LEVEL) == 1;
	uint32_t incompat = rev1 ? get32(sb + SB_FEATURE_INCOMPAT) : 0;
	uint32_t ro = rev1 ? get32(sb + SB_FEATURE_RO_COMPAT) : 0;
	uint32_t compat = rev1 ? get32(sb + SB_FEATURE_COMPAT) : 0;

	if (incompat & ~(uint32_t)INCOMPAT_SUPPORTED)
		return refuse(fs, -EXT2_ENOTSUP, "s_feature_incompat: unsupported feature");
	if (ro & ~(uint32_t)RO_COMPAT_SUPPORTED)
		fs->flags |= EXT2_MOUNT_RDONLY; /* readable, not writable */
	g->filetype = (incompat & INCOMPAT_FILETYPE) != 0;

	uint32_t per = g->block_size / sizeof(struct ext2_gd);
	g->gdt_blocks = (g->groups + per - 1) / per;
	uint32_t reserved = (compat & COMPAT_RESIZE_INODE) ? get16(sb + SB_RESERVED_GDT) : 0;
	if (reserved > g->ptrs)
		return ext2_corrupt(fs, "s_reserved_gdt_blocks");
	uint64_t end = (uint64_t)g->first_data_block + 1 + g->gdt_blocks + reserved;
	if (end >= g->blocks_count)
		return ext2_corrupt(fs, "group descriptor table past the end of the disk");
	g->meta_end = (uint32_t)end;

	uint64_t p = g->ptrs;
	g->max_file_size = (NDIR + p + p * p + p * p * p) * g->block_size;
	if (get32(sb + SB_R_BLOCKS_COUNT) > g->blocks_count)
		return ext2_corrupt(fs, "s_r_blocks_count");
	if (get32(sb + SB_FREE_BLOCKS) > g->blocks_count)
		return ext2_corrupt(fs, "s_free_blocks_count");
	if (get32(sb + SB_FREE_INODES) > g->inodes_count)
		return ext2_corrupt(fs, "s_free_inodes_count");
	return 0;
}

/* Every descriptor (gd_get checks its fields); the superblock's free
 * counts are taken from their sums, as they are the ones kept exact. */
static int check_groups(struct ext2_fs *fs)
{
	uint64_t free_blocks = 0, free_inodes = 0;

	for (uint32_t i = 0; i < fs->g.groups; i++) {
		struct ext2_gd gd;
		int rc = gd_get(fs, i, &gd);
		if (rc < 0)
			return rc;
		free_blocks += gd.free_blocks;
		free_inodes += gd.free_inodes;
	}
	if (free_blocks > fs->g.blocks_count || free_inodes > fs->g.inodes_count)
		return ext2_corrupt(fs, "group free counts exceed the totals");
	if (get32(fs->sb + SB_FREE_BLOCKS) != free_blocks ||
	    get32(fs->sb + SB_FREE_INODES) != free_inodes) {
		put32(fs->sb + SB_FREE_BLOCKS, (uint32_t)free_blocks);
		put32(fs->sb + SB_FREE_INODES, (uint32_t)free_inodes);
		fs->sb_dirty = !ext2_rdonly(fs);
	}
	return 0;
}

int ext2_mount(struct ext2_fs *fs, const struct ext2_dev *dev, unsigned flags)
{
	struct inode_ref root;

	fs->dev = *dev;
	fs->flags = flags;
	fs->sb_dirty = false;
	fs->err = NULL;
	fs->clock = 0;
	fs->generation = 0;
	for (int i = 0; i < EXT2_CACHE_BLOCKS; i++) {
		fs->cache[i].blk = 0;
		fs->cache[i].pins = 0;
		fs->cache[i].dirty = false;
	}
	memset(&fs->g, 0, sizeof fs->g);
	if (!dev->read || (!dev->write && !(flags & EXT2_MOUNT_RDONLY)))
		return refuse(fs, -EXT2_EINVAL, "device callbacks missing");
	if (dev->size && dev->size < 2048)
		return refuse(fs, -EXT2_EINVAL, "disk smaller than its superblock's end");
	if (dev->read(dev->ctx, 1024, fs->sb, sizeof fs->sb) < 0)
		return refuse(fs, -EXT2_EIO, "superblock: read failed");
	int rc = check_geometry(fs);
	if (rc == 0)
		rc = check_features(fs);
	if (rc == 0)
		rc = check_groups(fs);
	if (rc == 0)
		rc = inode_get(fs, EXT2_ROOT_INO, &root);
	if (rc == 0 && (!i_isdir(&root) || root.d.links == 0))
		rc = ext2_corrupt(fs, "root inode is not a directory");
	if (rc < 0) /* every later call fails its range checks (no inodes, no groups) */
		memset(&fs->g, 0, sizeof fs->g);
	return rc;
}

int ext2_sync(struct ext2_fs *fs)
{
	if (ext2_rdonly(fs) || fs->g.blocks_count == 0)
		return 0;
	int rc = bc_flush(fs);
	if (rc < 0)
		return rc;
	if (!fs->sb_dirty)
		return 0;
	put32(fs->sb + SB_WTIME, ext2_now(fs));
	if (fs->dev.write(fs->dev.ctx, 1024, fs->sb, sizeof fs->sb) < 0)
		return -EXT2_EIO;
	fs->sb_dirty = false;
	return 0;
}

/* --- inode attributes ----------------------------------------------------- */

uint64_t i_size(const struct inode_ref *ip)
{
	if (i_type(ip) == EXT2_S_IFREG)
		return (uint64_t)ip->d.size_high << 32 | ip->d.size;
	return ip->d.size;
}

void i_set_size(struct inode_ref *ip, uint64_t size)
{
	ip->d.size = (uint32_t)size;
	if (i_type(ip) == EXT2_S_IFREG)
		ip->d.size_high = (uint32_t)(size >> 32);
}

bool i_fast_symlink(const struct ext2_fs *fs, const struct inode_ref *ip)
{
	uint32_t ea = ip->d.file_acl ? fs->g.block_size / 512 : 0;
	return i_type(ip) == EXT2_S_IFLNK && ip->d.blocks == ea;
}

bool i_has_blocks(const struct ext2_fs *fs, const struct inode_ref *ip)
{
	uint32_t t = i_type(ip);
	return t == EXT2_S_IFREG || t == EXT2_S_IFDIR ||
	       (t == EXT2_S_IFLNK && !i_fast_symlink(fs, ip));
}

/* Sets ctime (and mtime) to now; the large inode's sub-second parts of
 * the changed times are cleared so they do not describe another time. */
void i_touch(struct ext2_fs *fs, struct inode_ref *ip, bool mtime)
{
	uint32_t now = ext2_now(fs);

	ip->d.ctime = now;
	if (ip->d.extra_isize >= 8)
		ip->d.ctime_extra = 0;
	if (mtime) {
		ip->d.mtime = now;
		if (ip->d.extra_isize >= 12)
			ip->d.mtime_extra = 0;
	}
}

uint8_t ft_of_mode(uint32_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG: return EXT2_FT_REG;
	case EXT2_S_IFDIR: return EXT2_FT_DIR;
	case EXT2_S_IFCHR: return EXT2_FT_CHR;
	case EXT2_S_IFBLK: return EXT2_FT_BLK;
	case EXT2_S_IFIFO: return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
	case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
	struct inode_ref ip;
	int rc = inode_get(fs, ino, &ip);

	if (rc < 0)
		return rc;
	memset(st, 0, sizeof *st);
	st->ino = ino;
	st->mode = ip.d.mode;
	st->links = ip.d.links;
	st->uid = ip.d.uid | (uint32_t)ip.d.uid_high << 16;
	st->gid = ip.d.gid | (uint32_t)ip.d.gid_high << 16;
	st->size = i_size(&ip);
	st->blocks = ip.d.blocks;
	st->atime = ip.d.atime;
	st->mtime = ip.d.mtime;
	st->ctime = ip.d.ctime;
	st->flags = ip.d.flags;
	if (i_type(&ip) == EXT2_S_IFCHR || i_type(&ip) == EXT2_S_IFBLK)
		st->rdev = ip.d.block[0] ? ip.d.block[0] : ip.d.block[1];
	return 0;
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, unsigned mask, const struct ext2_attr *a)
{
	struct inode_ref ip;

	if (ext2_rdonly(fs))
		return -EXT2_EROFS;
	int rc = inode_get(fs, ino, &ip);
	if (rc < 0)
		return rc;
	if (ip.d.links == 0)
		return ext2_corrupt(fs, "setattr on an unused inode");
	if (mask & EXT2_SET_MODE)
		ip.d.mode = (uint16_t)((ip.d.mode & EXT2_S_IFMT) | (a->mode & 07777));
	if (mask & EXT2_SET_UID) {
		ip.d.uid = (uint16_t)a->uid;
		ip.d.uid_high = (uint16_t)(a->uid >> 16);
	}
	if (mask & EXT2_SET_GID) {
		ip.d.gid = (uint16_t)a->gid;
		ip.d.gid_high = (uint16_t)(a->gid >> 16);
	}
	if (mask & EXT2_SET_ATIME) {
		ip.d.atime = a->atime;
		if (ip.d.extra_isize >= 16)
			ip.d.atime_extra = 0;
	}
	i_touch(fs, &ip, false);
	if (mask & EXT2_SET_MTIME) {
		ip.d.mtime = a->mtime;
		if (ip.d.extra_isize >= 12)
			ip.d.mtime_extra = 0;
	}
	return inode_put(fs, &ip);
}
