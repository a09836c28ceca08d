/*
 * Namespace changes: create, mkdir, symlink, link, unlink, rmdir, rename.
 *
 * Each checks everything it can first (names, types, existence,
 * emptiness, link limits, that a directory is not moved below itself),
 * then changes the disk. The changes that can still fail after that are
 * allocations (a directory may need a new block) and a corrupt image
 * found on the way; an allocation failure is undone (a new inode is
 * released again), a corrupt image is reported as -EXT2_EIO.
 *
 * Link counts: a file's count is the number of entries naming it; a
 * directory's is 2 (its entry and its ".") plus one per subdirectory
 * (their ".."). Every directory change clears the directory's htree index
 * flag and sets its mtime and ctime.
 */
#include "servers/fs/ext2_int.h"

static int writable(struct ext2_fs *fs)
{
	return ext2_rdonly(fs) ? -EXT2_EROFS : 0;
}

/* Checks for a new name in dir: a valid name, not there yet. */
static int new_name(struct ext2_fs *fs, uint32_t dir, struct inode_ref *dp, const char *name,
		    size_t len)
{
	uint32_t ino;
	int rc = writable(fs);

	if (rc == 0)
		rc = check_name(name, len);
	if (rc == 0)
		rc = dir_open(fs, dir, dp);
	if (rc < 0)
		return rc;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EXT2_EEXIST;
	rc = dir_find(fs, dp, name, len, &ino);
	if (rc == 0)
		return -EXT2_EEXIST;
	return rc == -EXT2_ENOENT ? 0 : rc;
}

/* A new inode near dir, zeroed, with its mode, owner, one link (two for
 * a directory) and the current times. */
static int inode_new(struct ext2_fs *fs, uint32_t dir, uint32_t mode, uint32_t uid, uint32_t gid,
		     struct inode_ref *ip)
{
	bool isdir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	uint32_t ino, now = ext2_now(fs);
	int rc = inode_alloc(fs, dir, isdir, &ino);

	if (rc == 0)
		rc = inode_clear(fs, ino);
	if (rc < 0)
		return rc;
	memset(&ip->d, 0, sizeof ip->d);
	ip->ino = ino;
	ip->d.mode = (uint16_t)mode;
	ip->d.uid = (uint16_t)uid;
	ip->d.uid_high = (uint16_t)(uid >> 16);
	ip->d.gid = (uint16_t)gid;
	ip->d.gid_high = (uint16_t)(gid >> 16);
	ip->d.links = isdir ? 2 : 1;
	ip->d.atime = ip->d.ctime = ip->d.mtime = now;
	ip->d.generation = now ^ ++fs->generation;
	if (fs->g.inode_size >= INODE_OLD_SIZE + INODE_EXTRA_ISIZE)
		ip->d.extra_isize = INODE_EXTRA_ISIZE;
	return 0;
}

/* Undoes inode_new() when the entry could not be added. */
static int inode_undo(struct ext2_fs *fs, struct inode_ref *ip, int err)
{
	inode_release(fs, ip);
	return err;
}

/* Adds the entry for a new inode ip to dp and writes both back. */
static int enter(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len,
		 struct inode_ref *ip, uint32_t *ino)
{
	int rc = inode_put(fs, ip);

	if (rc == 0)
		rc = dir_add(fs, dp, name, len, ip->ino, ft_of_mode(ip->d.mode));
	if (rc < 0)
		return inode_undo(fs, ip, rc);
	if (i_isdir(ip))
		dp->d.links++;
	rc = inode_put(fs, dp);
	if (rc == 0 && ino)
		*ino = ip->ino;
	return rc;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino)
{
	struct inode_ref dp, ip;
	uint32_t type = mode & EXT2_S_IFMT;

	if (type == 0)
		type = EXT2_S_IFREG;
	if (type != EXT2_S_IFREG && type != EXT2_S_IFIFO && type != EXT2_S_IFSOCK)
		return -EXT2_EINVAL;
	int rc = new_name(fs, dir, &dp, name, len);
	if (rc == 0)
		rc = inode_new(fs, dir, type | (mode & 07777), uid, gid, &ip);
	return rc < 0 ? rc : enter(fs, &dp, name, len, &ip, ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino)
{
	struct inode_ref dp, ip;
	uint32_t bs = fs->g.block_size, b;
	uint8_t *d;
	int rc = new_name(fs, dir, &dp, name, len);

	if (rc == 0 && dp.d.links >= EXT2_LINK_MAX)
		rc = -EXT2_EMLINK;
	if (rc == 0)
		rc = inode_new(fs, dir, EXT2_S_IFDIR | (mode & 07777), uid, gid, &ip);
	if (rc < 0)
		return rc;
	rc = bmap(fs, &ip, 0, true, &b);
	if (rc == 0)
		rc = bc_get(fs, b, false, &d);
	if (rc < 0)
		return inode_undo(fs, &ip, rc);
	/* "." then ".." filling the rest of the block. */
	put32(d, ip.ino);
	put16(d + 4, 12);
	d[6] = 1;
	d[7] = fs->g.filetype ? EXT2_FT_DIR : 0;
	d[8] = '.';
	put32(d + 12, dir);
	put16(d + 16, (uint16_t)(bs - 12));
	d[18] = 2;
	d[19] = fs->g.filetype ? EXT2_FT_DIR : 0;
	d[20] = d[21] = '.';
	bc_put(fs, d, true);
	ip.d.size = bs;
	return enter(fs, &dp, name, len, &ip, ino);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 const char *target, size_t tlen, uint32_t uid, uint32_t gid, uint32_t *ino)
{
	struct inode_ref dp, ip;
	uint32_t b;
	uint8_t *d;

	if (tlen == 0)
		return -EXT2_ENOENT;
	if (tlen >= fs->g.block_size || tlen > EXT2_SYMLINK_MAX)
		return -EXT2_ENAMETOOLONG;
	int rc = new_name(fs, dir, &dp, name, len);
	if (rc == 0)
		rc = inode_new(fs, dir, EXT2_S_IFLNK | 0777, uid, gid, &ip);
	if (rc < 0)
		return rc;
	ip.d.size = (uint32_t)tlen;
	if (tlen < sizeof ip.d.block) {
		memcpy(ip.d.block, target, tlen); /* a fast symlink: in i_block */
	} else {
		rc = bmap(fs, &ip, 0, true, &b);
		if (rc == 0)
			rc = bc_get(fs, b, false, &d);
		if (rc < 0)
			return inode_undo(fs, &ip, rc);
		memcpy(d, target, tlen);
		bc_put(fs, d, true);
	}
	return enter(fs, &dp, name, len, &ip, ino);
}

int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino)
{
	struct inode_ref dp, ip;
	int rc = new_name(fs, dir, &dp, name, len);

	if (rc == 0)
		rc = inode_get(fs, ino, &ip);
	if (rc < 0)
		return rc;
	if (i_isdir(&ip))
		return -EXT2_EPERM;
	if (ip.d.links == 0)
		return -EXT2_ENOENT;
	if (ip.d.links >= EXT2_LINK_MAX)
		return -EXT2_EMLINK;
	rc = dir_add(fs, &dp, name, len, ino, ft_of_mode(ip.d.mode));
	if (rc < 0)
		return rc;
	ip.d.links++;
	i_touch(fs, &ip, false);
	rc = inode_put(fs, &ip);
	int wrc = inode_put(fs, &dp);
	return rc < 0 ? rc : wrc;
}

/* Drops one link of ip; at zero its blocks and inode are freed. */
static int drop_link(struct ext2_fs *fs, struct inode_ref *ip)
{
	if (ip->d.links > 0)
		ip->d.links--;
	if (ip->d.links == 0)
		return inode_release(fs, ip);
	i_touch(fs, ip, false);
	return inode_put(fs, ip);
}

/* Looks up an existing entry to remove: dp opened, *ip its inode. */
static int old_name(struct ext2_fs *fs, uint32_t dir, struct inode_ref *dp, const char *name,
		    size_t len, struct inode_ref *ip)
{
	uint32_t ino;
	int rc = writable(fs);

	if (rc == 0)
		rc = check_name(name, len);
	if (rc == 0)
		rc = dir_open(fs, dir, dp);
	if (rc == 0)
		rc = dir_find(fs, dp, name, len, &ino);
	if (rc == 0)
		rc = inode_get(fs, ino, ip);
	if (rc < 0)
		return rc;
	if (ino == dir || ip->d.links == 0)
		return ext2_corrupt(fs, "directory entry names a free inode or its directory");
	return 0;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
	struct inode_ref dp, ip;

	if (is_dot(name, len) || is_dotdot(name, len))
		return -EXT2_EISDIR;
	int rc = old_name(fs, dir, &dp, name, len, &ip);
	if (rc < 0)
		return rc;
	if (i_isdir(&ip))
		return -EXT2_EISDIR;
	rc = dir_remove(fs, &dp, name, len);
	if (rc == 0)
		rc = inode_put(fs, &dp);
	return rc < 0 ? rc : drop_link(fs, &ip);
}

/* Removes the empty directory ip (named in dp): both its links go, and
 * its ".." link to dp. */
static int dir_destroy(struct ext2_fs *fs, struct inode_ref *dp, struct inode_ref *ip)
{
	if (dp->d.links > 2)
		dp->d.links--;
	ip->d.links = 0;
	return inode_release(fs, ip);
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
	struct inode_ref dp, ip;

	if (is_dot(name, len))
		return -EXT2_EINVAL;
	if (is_dotdot(name, len))
		return -EXT2_ENOTEMPTY;
	int rc = old_name(fs, dir, &dp, name, len, &ip);
	if (rc < 0)
		return rc;
	if (!i_isdir(&ip))
		return -EXT2_ENOTDIR;
	if (ip.ino == EXT2_ROOT_INO)
		return ext2_corrupt(fs, "the root directory named in a directory");
	rc = dir_open(fs, ip.ino, &ip);
	if (rc == 0)
		rc = dir_empty(fs, &ip);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return -EXT2_ENOTEMPTY;
	rc = dir_remove(fs, &dp, name, len);
	if (rc == 0)
		rc = dir_destroy(fs, &dp, &ip);
	int wrc = inode_put(fs, &dp);
	return rc < 0 ? rc : wrc;
}

/* -EXT2_EINVAL if dir is src or lies below it. Walks ".." up to the root,
 * at most as many steps as there are inodes (a loop is corruption). */
static int check_not_below(struct ext2_fs *fs, uint32_t dir, uint32_t src)
{
	uint32_t cur = dir;

	for (uint32_t steps = 0; steps < fs->g.inodes_count; steps++) {
		struct inode_ref dp;
		uint32_t up;
		if (cur == src)
			return -EXT2_EINVAL;
		if (cur == EXT2_ROOT_INO)
			return 0;
		int rc = dir_open(fs, cur, &dp);
		if (rc == 0)
			rc = dir_find(fs, &dp, "..", 2, &up);
		if (rc < 0)
			return rc == -EXT2_ENOENT || rc == -EXT2_ENOTDIR
				       ? ext2_corrupt(fs, "\"..\" missing or not a directory")
				       : rc;
		if (up == cur)
			return ext2_corrupt(fs, "\"..\" names its own directory");
		cur = up;
	}
	return ext2_corrupt(fs, "\"..\" chain loops");
}

struct rename_op {
	struct inode_ref od, nd_own, src, tgt;
	struct inode_ref *nd; /* &od when both directories are one */
	bool has_tgt, src_dir;
};

/* Every check of rename, before anything changes. */
static int rename_check(struct ext2_fs *fs, struct rename_op *r, uint32_t odir, const char *oname,
			size_t olen, uint32_t ndir, const char *nname, size_t nlen)
{
	uint32_t tino;
	int rc;

	if (is_dot(oname, olen) || is_dotdot(oname, olen) || is_dot(nname, nlen) ||
	    is_dotdot(nname, nlen))
		return -EXT2_EINVAL;
	rc = old_name(fs, odir, &r->od, oname, olen, &r->src);
	if (rc == 0)
		rc = check_name(nname, nlen);
	if (rc < 0)
		return rc;
	r->nd = &r->od;
	if (ndir != odir) {
		r->nd = &r->nd_own;
		rc = dir_open(fs, ndir, r->nd);
		if (rc < 0)
			return rc;
	}
	r->src_dir = i_isdir(&r->src);
	if (r->src.ino == ndir)
		return -EXT2_EINVAL;
	rc = dir_find(fs, r->nd, nname, nlen, &tino);
	if (rc < 0 && rc != -EXT2_ENOENT)
		return rc;
	r->has_tgt = rc == 0;
	if (r->has_tgt) {
		if (tino == r->src.ino)
			return 1; /* both names are one file: nothing to do */
		if (tino == odir || tino == ndir)
			return ext2_corrupt(fs, "directory entry names its directory");
		rc = inode_get(fs, tino, &r->tgt);
		if (rc < 0)
			return rc;
		if (r->tgt.d.links == 0)
			return ext2_corrupt(fs, "directory entry names a free inode");
		if (i_isdir(&r->tgt)) {
			if (!r->src_dir)
				return -EXT2_EISDIR;
			rc = dir_open(fs, tino, &r->tgt);
			if (rc == 0)
				rc = dir_empty(fs, &r->tgt);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return -EXT2_ENOTEMPTY;
		} else if (r->src_dir) {
			return -EXT2_ENOTDIR;
		}
	}
	if (r->src_dir && ndir != odir) {
		rc = check_not_below(fs, ndir, r->src.ino);
		if (rc < 0)
			return rc;
		if (!r->has_tgt && r->nd->d.links >= EXT2_LINK_MAX)
			return -EXT2_EMLINK;
	}
	return 0;
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen,
		uint32_t ndir, const char *nname, size_t nlen)
{
	struct rename_op r;
	uint8_t type;
	int rc = rename_check(fs, &r, odir, oname, olen, ndir, nname, nlen);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	type = ft_of_mode(r.src.d.mode);
	if (r.has_tgt)
		rc = dir_set(fs, r.nd, nname, nlen, r.src.ino, type);
	else
		rc = dir_add(fs, r.nd, nname, nlen, r.src.ino, type);
	if (rc < 0)
		return rc;
	rc = dir_remove(fs, &r.od, oname, olen);
	if (rc == 0 && r.has_tgt)
		rc = i_isdir(&r.tgt) ? dir_destroy(fs, r.nd, &r.tgt) : drop_link(fs, &r.tgt);
	if (rc == 0 && r.src_dir && ndir != odir) {
		struct inode_ref *sd = &r.src;
		rc = dir_open(fs, r.src.ino, sd);
		if (rc == 0)
			rc = dir_set(fs, sd, "..", 2, ndir, EXT2_FT_DIR);
		if (r.od.d.links > 2)
			r.od.d.links--;
		r.nd->d.links++;
	}
	i_touch(fs, &r.src, false);
	int w1 = inode_put(fs, &r.src);
	int w2 = inode_put(fs, &r.od);
	int w3 = r.nd != &r.od ? inode_put(fs, r.nd) : 0;
	if (rc == 0)
		rc = w1 < 0 ? w1 : w2 < 0 ? w2 : w3;
	return rc;
}
