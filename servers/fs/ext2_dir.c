/*
 * Directory blocks: finding, adding, removing and retargeting entries,
 * readdir, and path resolution.
 *
 * A directory block is a chain of entries (inode, rec_len, name_len,
 * file_type, name) that exactly covers the block; an entry with inode 0
 * is free space. Every block is checked whole before any entry in it is
 * used (rec_len at least 8, a multiple of 4, inside the block; the name
 * inside its record; the inode number in range), and a directory's size
 * is a whole number of blocks no larger than the disk, so every walk is
 * bounded. Hashed (htree) directories are read linearly: their index
 * blocks look like free space. A directory that is changed loses its
 * index flag, so the stale index is never trusted.
 */
#include "servers/fs/ext2_int.h"

#define DE_HDR 8u
#define NO_PREV UINT32_MAX

static uint32_t rec_size(uint32_t name_len)
{
	return (DE_HDR + name_len + 3) & ~3u;
}

static uint8_t de_name_len(const uint8_t *e)
{
	return e[6];
}

static int block_check(struct ext2_fs *fs, const uint8_t *d)
{
	uint32_t bs = fs->g.block_size;

	for (uint32_t off = 0; off < bs;) {
		if (bs - off < DE_HDR)
			return ext2_corrupt(fs, "directory entry header past the block");
		const uint8_t *e = d + off;
		uint32_t rec = get16(e + 4);
		if (rec < DE_HDR || rec % 4 || rec > bs - off)
			return ext2_corrupt(fs, "directory entry rec_len");
		if (de_name_len(e) + DE_HDR > rec)
			return ext2_corrupt(fs, "directory entry name_len past rec_len");
		if (!fs->g.filetype && e[7] != 0)
			return ext2_corrupt(fs, "directory entry name_len above 255");
		if (get32(e) > fs->g.inodes_count)
			return ext2_corrupt(fs, "directory entry inode out of range");
		if (get32(e) != 0 && check_name((const char *)e + DE_HDR, de_name_len(e)) < 0)
			return ext2_corrupt(fs, "directory entry name empty or holding '/' or NUL");
		off += rec;
	}
	return 0;
}

int check_name(const char *name, size_t len)
{
	if (len == 0)
		return -EXT2_ENOENT;
	if (len > EXT2_NAME_MAX)
		return -EXT2_ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return -EXT2_EINVAL;
	return 0;
}

bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

int dir_open(struct ext2_fs *fs, uint32_t ino, struct inode_ref *dp)
{
	int rc = inode_get(fs, ino, dp);

	if (rc < 0)
		return rc;
	if (!i_isdir(dp))
		return -EXT2_ENOTDIR;
	if (dp->d.links == 0)
		return ext2_corrupt(fs, "directory inode not in use");
	if (dp->d.size % fs->g.block_size ||
	    (uint64_t)dp->d.size > (uint64_t)fs->g.blocks_count * fs->g.block_size)
		return ext2_corrupt(fs, "directory i_size");
	return 0;
}

/* One pass over a directory's entries. The visitor returns 1 to stop
 * (the block is written back if it set *dirty), 0 to go on, or an error. */
struct walk;
typedef int (*visit_fn)(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off,
			uint32_t prev, bool *dirty);
struct walk {
	const char *name;
	size_t len;
	uint32_t ino;
	uint8_t type;
	visit_fn visit;
};

static int dir_walk(struct ext2_fs *fs, struct inode_ref *dp, struct walk *w)
{
	uint32_t bs = fs->g.block_size, nblk = dp->d.size / bs;

	for (uint32_t lblk = 0; lblk < nblk; lblk++) {
		uint32_t b;
		uint8_t *d;
		bool dirty = false;
		int rc = bmap(fs, dp, lblk, false, &b);
		if (rc < 0)
			return rc;
		if (b == 0)
			continue; /* a hole reads as no entries */
		rc = bc_get(fs, b, false, &d);
		if (rc < 0)
			return rc;
		rc = block_check(fs, d);
		for (uint32_t off = 0, prev = NO_PREV; rc == 0 && off < bs;) {
			rc = w->visit(fs, w, d, off, prev, &dirty);
			prev = off;
			off += get16(d + off + 4);
		}
		bc_put(fs, d, dirty);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static bool name_is(const uint8_t *e, const char *name, size_t len)
{
	return get32(e) != 0 && de_name_len(e) == len && memcmp(e + DE_HDR, name, len) == 0;
}

static int visit_find(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off, uint32_t prev,
		      bool *dirty)
{
	if (!name_is(d + off, w->name, w->len))
		return 0;
	w->ino = get32(d + off);
	return 1;
}

int dir_find(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t *ino)
{
	struct walk w = {.name = name, .len = len, .visit = visit_find};
	int rc = dir_walk(fs, dp, &w);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -EXT2_ENOENT;
	*ino = w.ino;
	return 0;
}

static void de_write(uint8_t *e, uint32_t ino, uint32_t rec, const char *name, size_t len,
		     uint8_t type, bool filetype)
{
	put32(e, ino);
	put16(e + 4, (uint16_t)rec);
	e[6] = (uint8_t)len;
	e[7] = filetype ? type : 0;
	memcpy(e + DE_HDR, name, len);
}

static void dir_changed(struct ext2_fs *fs, struct inode_ref *dp)
{
	dp->d.flags &= ~(uint32_t)EXT2_INDEX_FL;
	i_touch(fs, dp, true);
}

static int visit_room(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off, uint32_t prev,
		      bool *dirty)
{
	uint8_t *e = d + off;
	uint32_t rec = get16(e + 4), need = rec_size((uint32_t)w->len);
	uint32_t used = get32(e) ? rec_size(de_name_len(e)) : 0;

	if (rec - used < need)
		return 0;
	if (used) {
		put16(e + 4, (uint16_t)used);
		e += used;
	}
	de_write(e, w->ino, rec - used, w->name, w->len, w->type, fs->g.filetype);
	*dirty = true;
	return 1;
}

int dir_add(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t ino,
	    uint8_t type)
{
	struct walk w = {.name = name, .len = len, .ino = ino, .type = type, .visit = visit_room};
	uint32_t bs = fs->g.block_size, b;
	uint8_t *d;
	int rc = dir_walk(fs, dp, &w);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		/* No room: one more block holding just this entry. */
		if (dp->d.size > UINT32_MAX - bs)
			return -EXT2_EFBIG;
		rc = bmap(fs, dp, dp->d.size / bs, true, &b);
		if (rc == 0)
			rc = bc_get(fs, b, false, &d);
		if (rc < 0)
			return rc;
		de_write(d, ino, bs, name, len, type, fs->g.filetype);
		bc_put(fs, d, true);
		dp->d.size += bs;
	}
	dir_changed(fs, dp);
	return 0;
}

static int visit_remove(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off,
			uint32_t prev, bool *dirty)
{
	uint8_t *e = d + off;

	if (!name_is(e, w->name, w->len))
		return 0;
	if (prev == NO_PREV)
		put32(e, 0);
	else
		put16(d + prev + 4, (uint16_t)(get16(d + prev + 4) + get16(e + 4)));
	*dirty = true;
	return 1;
}

int dir_remove(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len)
{
	struct walk w = {.name = name, .len = len, .visit = visit_remove};
	int rc = dir_walk(fs, dp, &w);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -EXT2_ENOENT;
	dir_changed(fs, dp);
	return 0;
}

static int visit_set(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off, uint32_t prev,
		     bool *dirty)
{
	uint8_t *e = d + off;

	if (!name_is(e, w->name, w->len))
		return 0;
	put32(e, w->ino);
	e[7] = fs->g.filetype ? w->type : 0;
	*dirty = true;
	return 1;
}

int dir_set(struct ext2_fs *fs, struct inode_ref *dp, const char *name, size_t len, uint32_t ino,
	    uint8_t type)
{
	struct walk w = {.name = name, .len = len, .ino = ino, .type = type, .visit = visit_set};
	int rc = dir_walk(fs, dp, &w);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -EXT2_ENOENT;
	dir_changed(fs, dp);
	return 0;
}

static int visit_other(struct ext2_fs *fs, struct walk *w, uint8_t *d, uint32_t off,
		       uint32_t prev, bool *dirty)
{
	const uint8_t *e = d + off;
	const char *name = (const char *)e + DE_HDR;

	if (get32(e) == 0 || is_dot(name, de_name_len(e)) || is_dotdot(name, de_name_len(e)))
		return 0;
	return 1;
}

/* 1 if the directory holds only "." and "..", 0 if not. */
int dir_empty(struct ext2_fs *fs, struct inode_ref *dp)
{
	struct walk w = {.visit = visit_other};
	int rc = dir_walk(fs, dp, &w);

	return rc < 0 ? rc : rc == 0;
}

/* --- lookup and readdir --------------------------------------------------- */

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	struct inode_ref dp;
	int rc = check_name(name, len);

	if (rc == 0)
		rc = dir_open(fs, dir, &dp);
	if (rc == 0)
		rc = dir_find(fs, &dp, name, len, ino);
	return rc;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent *ent)
{
	struct inode_ref dp;
	uint32_t bs = fs->g.block_size;
	int rc = dir_open(fs, dir, &dp);

	if (rc < 0)
		return rc;
	while (*pos < dp.d.size) {
		uint64_t lblk = *pos / bs;
		uint32_t from = (uint32_t)(*pos % bs), b;
		uint8_t *d;
		rc = bmap(fs, &dp, lblk, false, &b);
		if (rc < 0)
			return rc;
		*pos = (lblk + 1) * bs;
		if (b == 0)
			continue;
		rc = bc_get(fs, b, false, &d);
		if (rc < 0)
			return rc;
		rc = block_check(fs, d);
		/* A position from before a change may fall inside an entry:
		 * the first entry at or after it is next. */
		for (uint32_t off = 0; rc == 0 && off < bs; off += get16(d + off + 4)) {
			const uint8_t *e = d + off;
			if (off < from || get32(e) == 0)
				continue;
			ent->ino = get32(e);
			ent->name_len = de_name_len(e);
			ent->type = fs->g.filetype && e[7] <= EXT2_FT_SYMLINK ? e[7] : 0;
			memcpy(ent->name, e + DE_HDR, ent->name_len);
			ent->name[ent->name_len] = '\0';
			*pos = lblk * bs + off + get16(e + 4);
			rc = 1;
			break;
		}
		bc_put(fs, d, false);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* --- paths ---------------------------------------------------------------- */

#define SYMLINK_HOPS 8

/* Replaces the path in buf[0] by target + "/" + the rest from `rest`. */
static int splice_link(struct ext2_fs *fs, uint32_t link, const char *rest, size_t rlen)
{
	char *tmp = fs->path[1];
	int n = ext2_readlink(fs, link, tmp, EXT2_PATH_MAX);

	if (n < 0)
		return n;
	if ((size_t)n + 1 + rlen >= EXT2_PATH_MAX)
		return -EXT2_ENAMETOOLONG;
	tmp[n] = '/';
	memcpy(tmp + n + 1, rest, rlen);
	tmp[n + 1 + rlen] = '\0';
	memcpy(fs->path[0], tmp, (size_t)n + 2 + rlen);
	return 0;
}

int ext2_resolve(struct ext2_fs *fs, uint32_t dir, const char *path, bool follow, uint32_t *ino)
{
	char *p = fs->path[0];
	size_t len = strnlen(path, EXT2_PATH_MAX);
	uint32_t cur = dir;
	int hops = 0;

	if (len >= EXT2_PATH_MAX)
		return -EXT2_ENAMETOOLONG;
	if (len == 0)
		return -EXT2_ENOENT;
	memcpy(p, path, len + 1);
	size_t i = 0;
	if (p[0] == '/')
		cur = EXT2_ROOT_INO;
	for (;;) {
		struct ext2_stat st;
		uint32_t next = 0;
		while (p[i] == '/')
			i++;
		if (p[i] == '\0') {
			*ino = cur;
			return 0;
		}
		size_t s = i;
		while (p[i] != '/' && p[i] != '\0')
			i++;
		size_t e = i;
		while (p[i] == '/')
			i++;
		bool last = p[i] == '\0';
		int rc = ext2_lookup(fs, cur, p + s, e - s, &next);
		if (rc == 0)
			rc = ext2_stat(fs, next, &st);
		if (rc < 0)
			return rc;
		if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK && (!last || follow || e != i)) {
			if (++hops > SYMLINK_HOPS)
				return -EXT2_ELOOP;
			size_t rlen = strnlen(p + e, EXT2_PATH_MAX);
			rc = splice_link(fs, next, p + e, rlen);
			if (rc < 0)
				return rc;
			if (p[0] == '/')
				cur = EXT2_ROOT_INO;
			i = 0;
			continue;
		}
		cur = next;
	}
}
