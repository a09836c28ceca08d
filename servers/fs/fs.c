/*
 * The file system server: ext2 on blk0, published by init as "fs"
 * (protocol and lifecycle in fs_proto.h, structure in fs.h).
 *
 * Start-up:
 *   1. started by init with its endpoint's receive side at slot 1 and a
 *      name-server handle at slot 2;
 *   2. opens blk0 (libblk) and mounts it (ext2_mount checks every field
 *      and names the one it refuses); a disk that is not a sound ext2
 *      image is logged with that name and closed, and every request is
 *      then answered ENODEV;
 *   3. runs the pager loop (pagers/common): the kernel's messages for the
 *      files' objects and the clients' requests, through the handler
 *      table below.
 * Every request that changes the file system ends with ext2_sync, so the
 * image on the disk is consistent whenever no request is being served
 * (file data reaches it on fsync, close, sync and TERMINATE).
 */
#include "servers/fs/fs.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"

#define FS_H_EP 1
#define FS_H_NAME 2

struct ext2_fs fs_ext2;
struct blk_dev fs_disk;
bool fs_mounted;
struct pager fs_pager;
struct fs_stats fs_stats;

static struct ipc_buffer buf;
static uint32_t pool_slots[FS_POOL_MAX];
static uint8_t pool_ready[FS_POOL_MAX];
static uint32_t time_base; /* the image's last write time: our clock starts there */
static struct pager_object *just_created; /* by the last FS_OPEN, for its undo */

/* --- the disk under the ext2 library ------------------------------------------ */

static int disk_read(void *ctx, uint64_t off, void *dst, uint32_t len)
{
	if (off % BLK_SECTOR || len % BLK_SECTOR || len > FS_BUF_FILL - FS_BUF_DEV)
		return -EXT2_EIO;
	if (blk_read(&fs_disk, off / BLK_SECTOR, len / BLK_SECTOR, FS_BUF_DEV) != BLK_OK)
		return -EXT2_EIO;
	memcpy(dst, fs_disk.buf + FS_BUF_DEV, len);
	return 0;
}

static int disk_write(void *ctx, uint64_t off, const void *src, uint32_t len)
{
	if (off % BLK_SECTOR || len % BLK_SECTOR || len > FS_BUF_FILL - FS_BUF_DEV)
		return -EXT2_EIO;
	memcpy(fs_disk.buf + FS_BUF_DEV, src, len);
	fs_readahead_forget(); /* what was read ahead may be what this changes */
	return blk_write(&fs_disk, off / BLK_SECTOR, len / BLK_SECTOR, FS_BUF_DEV) == BLK_OK
		       ? 0
		       : -EXT2_EIO;
}

static uint32_t disk_now(void *ctx)
{
	struct sysinfo si;
	if (sys_sysinfo(&si) || !si.timebase_hz)
		return time_base;
	return time_base + (uint32_t)(rd_time() / si.timebase_hz);
}

static void mount_root(void)
{
	long err = blk_open_name(&fs_disk, FS_H_NAME, "blk0", FS_BUF_SIZE, FS_BUF_VA, &buf);
	if (err) {
		uprintf("fs: no disk blk0 (%s): serving no files\n", err_name(err));
		return;
	}
	struct ext2_dev dev = { .read = disk_read, .write = disk_write, .now = disk_now,
				.size = fs_disk.capacity * BLK_SECTOR };
	int rc = ext2_mount(&fs_ext2, &dev, 0);
	if (rc < 0) {
		uprintf("fs: blk0 is not mounted: error %d, %s\n", -rc,
			ext2_error(&fs_ext2) ? ext2_error(&fs_ext2) : "unreadable");
		blk_close(&fs_disk);
		return;
	}
	/* s_wtime (superblock offset 48): times go on from the image's. */
	const uint8_t *t = fs_ext2.sb + 48;
	time_base = t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24;
	fs_mounted = true;
	uint64_t fb, fi;
	ext2_statfs(&fs_ext2, &fb, &fi);
	uprintf("fs: blk0 mounted: ext2, %u-byte blocks, %lu free blocks, %lu free inodes\n",
		ext2_block_size(&fs_ext2), (unsigned long)fb, (unsigned long)fi);
}

/* --- helpers ---------------------------------------------------------------- */

/* The answer of a well-formed request: label 0, w0 the result. */
static long answer(struct ipc_response *resp, long result)
{
	resp->w[0] = (uint64_t)result;
	if (resp->words < 1)
		resp->words = 1;
	return 0;
}

/* Ends a request that may have changed the file system. */
static long changed(struct ipc_response *resp, long result)
{
	int rc = ext2_sync(&fs_ext2);
	return answer(resp, result < 0 ? result : rc < 0 ? rc : result);
}

/* Splits path into its parent directory (resolved) and last name. */
static int parent_of(const char *path, uint32_t *dir, const char **name, size_t *len)
{
	static char parent[FS_PATH_BYTES(0) + 1];
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--; /* "a/b/" names b */
	size_t slash = n;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	*name = path + slash;
	*len = n - slash;
	if (*len == 0)
		return -FS_EEXIST; /* "/" itself */
	if (*len > EXT2_NAME_MAX)
		return -FS_ENAMETOOLONG;
	if (slash == 0) {
		*dir = EXT2_ROOT_INO;
		return 0;
	}
	memcpy(parent, path, slash);
	parent[slash] = 0;
	int rc = ext2_resolve(&fs_ext2, EXT2_ROOT_INO, parent, true, dir);
	if (rc == 0) {
		struct ext2_stat st;
		rc = ext2_stat(&fs_ext2, *dir, &st);
		if (rc == 0 && (st.mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
			rc = -FS_ENOTDIR;
	}
	return rc;
}

static bool is_type(const struct ext2_stat *st, uint32_t type)
{
	return (st->mode & EXT2_S_IFMT) == type;
}

/* The inode a name in dir will stop naming: orphaned if it is an open
 * regular file losing its last link. */
static void losing(uint32_t dir, const char *name, size_t len)
{
	uint32_t ino;
	struct ext2_stat st;
	if (ext2_lookup(&fs_ext2, dir, name, len, &ino) == 0 && ext2_stat(&fs_ext2, ino, &st) == 0 &&
	    is_type(&st, EXT2_S_IFREG) && st.links <= 1)
		fs_file_orphan(ino);
}

#define NEED_MOUNT()                                       \
	do {                                               \
		if (!fs_mounted)                           \
			return answer(resp, -FS_ENODEV);   \
	} while (0)

/* --- open ------------------------------------------------------------------- */

static int open_create(const char *path, uint32_t mode, uint32_t *ino)
{
	uint32_t dir;
	const char *name;
	size_t len;
	int rc = parent_of(path, &dir, &name, &len);
	if (rc == 0 && path[strlen(path) - 1] == '/')
		rc = -FS_EISDIR;
	if (rc == 0)
		rc = ext2_create(&fs_ext2, dir, name, len, EXT2_S_IFREG | (mode & 07777), 0, 0, ino);
	return rc;
}

static void undo_open(void *ctx, const struct ipc_request *req, const struct ipc_response *resp)
{
	if (just_created && resp->nhandles && resp->handles[0] == just_created->vmo)
		fs_file_drop(just_created->data);
	just_created = 0;
}

static long do_open(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *path = 0;
	uint32_t flags = (uint32_t)req->w[0], acc = flags & FS_O_ACCMODE, ino;
	int rc = fs_unpack_paths(req->w, req->words, 2, 1, &path, 0);
	bool made = false;
	if (rc == 0 && acc == 3)
		rc = -FS_EINVAL;
	if (rc == 0)
		rc = ext2_resolve(&fs_ext2, EXT2_ROOT_INO, path, !(flags & FS_O_NOFOLLOW), &ino);
	if (rc == -FS_ENOENT && (flags & FS_O_CREAT)) {
		rc = open_create(path, (uint32_t)req->w[1], &ino);
		made = rc == 0;
	} else if (rc == 0 && (flags & FS_O_CREAT) && (flags & FS_O_EXCL)) {
		rc = -FS_EEXIST;
	}
	struct ext2_stat st;
	if (rc == 0)
		rc = ext2_stat(&fs_ext2, ino, &st);
	if (rc == 0 && is_type(&st, EXT2_S_IFDIR) && (acc != FS_O_RDONLY || (flags & FS_O_CREAT)))
		rc = -FS_EISDIR;
	if (rc == 0 && (flags & FS_O_DIRECTORY) && !is_type(&st, EXT2_S_IFDIR))
		rc = -FS_ENOTDIR;
	if (rc == 0 && is_type(&st, EXT2_S_IFLNK))
		rc = -EXT2_ELOOP; /* O_NOFOLLOW on a symlink */
	if (rc < 0)
		return made ? changed(resp, rc) : answer(resp, rc);
	resp->w[1] = st.size;
	resp->w[2] = st.mode;
	resp->words = 3;
	if (!is_type(&st, EXT2_S_IFREG))
		return made ? changed(resp, ino) : answer(resp, ino);
	long err = 0;
	bool created;
	struct fs_file *f = fs_file_get(ino, &created, &err);
	if (!f)
		return answer(resp, err == -E_FULL ? -FS_EMFILE : -FS_ENOMEM);
	if ((flags & FS_O_TRUNC) && acc != FS_O_RDONLY && st.size) {
		rc = fs_file_truncate(ino, f, 0);
		resp->w[1] = 0;
		made = true;
	}
	if (rc < 0) {
		if (created)
			fs_file_drop(f);
		return changed(resp, rc);
	}
	resp->nhandles = 1;
	resp->handles[0] = f->obj->vmo;
	resp->rights[0] = R_MAP | R_READ | R_GRANT;
	if (created) {
		just_created = f->obj;
		resp->undo = undo_open;
	}
	return made ? changed(resp, ino) : answer(resp, ino);
}

/* --- stat, readdir, readlink ------------------------------------------------------ */

static long stat_reply(struct ipc_response *resp, uint32_t ino)
{
	struct ext2_stat st;
	int rc = ext2_stat(&fs_ext2, ino, &st);
	if (rc < 0)
		return answer(resp, rc);
	struct fs_stat s = { .ino = st.ino, .mode = st.mode, .links = st.links, .size = st.size,
			     .blocks = st.blocks, .uid_gid = st.uid | (uint64_t)st.gid << 32,
			     .atime = st.atime, .mtime = st.mtime, .ctime = st.ctime };
	memcpy(&resp->w[1], &s, sizeof(s));
	resp->words = 1 + FS_STAT_WORDS;
	return answer(resp, 0);
}

static long do_stat(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *path = 0;
	uint32_t ino;
	int rc = fs_unpack_paths(req->w, req->words, 1, 1, &path, 0);
	if (rc == 0)
		rc = ext2_resolve(&fs_ext2, EXT2_ROOT_INO, path, req->w[0] != 0, &ino);
	return rc < 0 ? answer(resp, rc) : stat_reply(resp, ino);
}

static long do_fstat(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	if (req->w[0] == 0 || req->w[0] > UINT32_MAX)
		return answer(resp, -FS_EBADF);
	return stat_reply(resp, (uint32_t)req->w[0]);
}

static long do_readdir(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	if (req->w[0] == 0 || req->w[0] > UINT32_MAX)
		return answer(resp, -FS_EBADF);
	uint32_t dir = (uint32_t)req->w[0], at = 0, count = 0;
	uint64_t pos = req->w[1];
	uint8_t *out = (uint8_t *)&resp->w[2];
	struct ext2_dirent ent;
	for (;;) {
		uint64_t before = pos;
		int rc = ext2_readdir(&fs_ext2, dir, &pos, &ent);
		if (rc < 0 && count == 0)
			return answer(resp, rc);
		if (rc <= 0)
			break;
		uint32_t size = FS_DIRENT_SIZE(ent.name_len);
		if (at + size > FS_READDIR_BYTES) {
			pos = before; /* the next batch starts with it */
			break;
		}
		struct fs_dirent d = { .ino = ent.ino, .type = ent.type, .name_len = ent.name_len };
		memcpy(out + at, &d, sizeof(d));
		memset(out + at + sizeof(d), 0, size - sizeof(d));
		memcpy(out + at + sizeof(d), ent.name, ent.name_len);
		at += size;
		count++;
	}
	resp->w[1] = pos;
	resp->words = 2 + at / 8;
	return answer(resp, count);
}

static long do_readlink(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *path = 0;
	uint32_t ino;
	int rc = fs_unpack_paths(req->w, req->words, 0, 1, &path, 0);
	if (rc == 0)
		rc = ext2_resolve(&fs_ext2, EXT2_ROOT_INO, path, false, &ino);
	if (rc < 0)
		return answer(resp, rc);
	rc = ext2_readlink(&fs_ext2, ino, (char *)&resp->w[1], FS_READLINK_MAX);
	if (rc >= 0)
		resp->words = 1 + ((uint32_t)rc + 7) / 8;
	return answer(resp, rc);
}

/* --- names ------------------------------------------------------------------ */

static long do_mkdir(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *path = 0, *name;
	size_t len;
	uint32_t dir, ino;
	int rc = fs_unpack_paths(req->w, req->words, 1, 1, &path, 0);
	if (rc == 0)
		rc = parent_of(path, &dir, &name, &len);
	if (rc == 0)
		rc = ext2_mkdir(&fs_ext2, dir, name, len, EXT2_S_IFDIR | (req->w[0] & 07777), 0, 0,
				&ino);
	return changed(resp, rc);
}

/* unlink and rmdir */
static long remove_name(const struct ipc_request *req, struct ipc_response *resp, bool is_dir)
{
	NEED_MOUNT();
	const char *path = 0, *name;
	size_t len;
	uint32_t dir;
	int rc = fs_unpack_paths(req->w, req->words, 0, 1, &path, 0);
	if (rc == 0)
		rc = parent_of(path, &dir, &name, &len);
	if (rc == -FS_EEXIST)
		rc = is_dir ? -EXT2_EPERM : -FS_EISDIR; /* "/" */
	if (rc == 0 && !is_dir) {
		losing(dir, name, len);
		rc = ext2_unlink(&fs_ext2, dir, name, len);
	} else if (rc == 0) {
		rc = ext2_rmdir(&fs_ext2, dir, name, len);
	}
	return changed(resp, rc);
}

static long do_unlink(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	return remove_name(req, resp, false);
}

static long do_rmdir(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	return remove_name(req, resp, true);
}

/* Both paths' parents (each resolved before the next overwrites
 * parent_of's buffer). */
static int two_parents(const char *a, const char *b, uint32_t dir[2], const char *name[2],
		       size_t len[2])
{
	int rc = parent_of(a, &dir[0], &name[0], &len[0]);
	if (rc == 0)
		rc = parent_of(b, &dir[1], &name[1], &len[1]);
	return rc;
}

static long do_rename(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *from = 0, *to = 0, *name[2];
	size_t len[2];
	uint32_t dir[2];
	int rc = fs_unpack_paths(req->w, req->words, 0, 2, &from, &to);
	if (rc == 0)
		rc = two_parents(from, to, dir, name, len);
	if (rc == 0) {
		uint32_t src, dst;
		bool same = ext2_lookup(&fs_ext2, dir[0], name[0], len[0], &src) == 0 &&
			    ext2_lookup(&fs_ext2, dir[1], name[1], len[1], &dst) == 0 && src == dst;
		if (!same)
			losing(dir[1], name[1], len[1]);
		rc = ext2_rename(&fs_ext2, dir[0], name[0], len[0], dir[1], name[1], len[1]);
	}
	return changed(resp, rc);
}

static long do_link(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *old = 0, *new = 0, *name;
	size_t len;
	uint32_t dir, ino;
	int rc = fs_unpack_paths(req->w, req->words, 0, 2, &old, &new);
	if (rc == 0)
		rc = ext2_resolve(&fs_ext2, EXT2_ROOT_INO, old, false, &ino);
	if (rc == 0)
		rc = parent_of(new, &dir, &name, &len);
	if (rc == 0)
		rc = ext2_link(&fs_ext2, dir, name, len, ino);
	return changed(resp, rc);
}

static long do_symlink(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	const char *target = 0, *path = 0, *name;
	size_t len;
	uint32_t dir, ino;
	int rc = fs_unpack_paths(req->w, req->words, 0, 2, &target, &path);
	if (rc == 0)
		rc = parent_of(path, &dir, &name, &len);
	if (rc == 0)
		rc = ext2_symlink(&fs_ext2, dir, name, len, target, strlen(target), 0, 0, &ino);
	return changed(resp, rc);
}

/* --- file data -------------------------------------------------------------- */

static int regular_ino(uint64_t w, struct ext2_stat *st)
{
	if (w == 0 || w > UINT32_MAX)
		return -FS_EBADF;
	int rc = ext2_stat(&fs_ext2, (uint32_t)w, st);
	if (rc == 0 && is_type(st, EXT2_S_IFDIR))
		rc = -FS_EISDIR;
	else if (rc == 0 && !is_type(st, EXT2_S_IFREG))
		rc = -FS_EINVAL;
	return rc;
}

static long do_truncate(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	struct ext2_stat st;
	int rc = regular_ino(req->w[0], &st);
	if (rc == 0 && req->w[1] > FS_OBJECT_SIZE)
		rc = -FS_EFBIG;
	if (rc == 0)
		rc = fs_file_truncate(st.ino, fs_file_find(st.ino), req->w[1]);
	return changed(resp, rc);
}

/* Allocates [off, off+len) past the end by writing zeros there. */
static long do_extend(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	static const uint8_t zeros[4096];
	NEED_MOUNT();
	struct ext2_stat st = { 0 };
	uint64_t off = req->w[1], len = req->w[2];
	int rc = regular_ino(req->w[0], &st);
	if (rc == 0 && (off > FS_OBJECT_SIZE || len > FS_OBJECT_SIZE - off))
		rc = -FS_EFBIG;
	uint64_t at = off > st.size ? off : st.size, end = off + len;
	while (rc == 0 && at < end) {
		size_t n = end - at < sizeof(zeros) - at % sizeof(zeros) ? (size_t)(end - at)
									 : sizeof(zeros) - at % sizeof(zeros);
		int64_t w = ext2_write(&fs_ext2, st.ino, at, zeros, n);
		if (w < 0)
			rc = (int)w;
		else if ((size_t)w < n)
			rc = -FS_ENOSPC;
		at += w > 0 ? (uint64_t)w : 0;
	}
	if (rc == 0 || rc == -FS_ENOSPC)
		ext2_stat(&fs_ext2, st.ino, &st);
	resp->w[1] = st.size;
	resp->words = 2;
	return changed(resp, rc);
}

static long flush_disk(void)
{
	return blk_flush(&fs_disk) == BLK_OK ? 0 : -FS_EIO;
}

static long do_fsync(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	struct ext2_stat st;
	int rc = regular_ino(req->w[0], &st);
	if (rc == -FS_EISDIR || rc == -FS_EINVAL)
		rc = 0; /* a directory's changes are synced with every request */
	else if (rc == 0)
		rc = fs_file_writeback(fs_file_find(st.ino));
	long r = changed(resp, rc);
	if ((long)resp->w[0] == 0)
		resp->w[0] = (uint64_t)flush_disk();
	return r;
}

static long do_close(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	if (req->w[0] == 0 || req->w[0] > UINT32_MAX)
		return answer(resp, -FS_EBADF);
	return changed(resp, fs_file_writeback(fs_file_find((uint32_t)req->w[0])));
}

static long do_sync(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	long r = changed(resp, fs_writeback_all());
	if ((long)resp->w[0] == 0)
		resp->w[0] = (uint64_t)flush_disk();
	return r;
}

/* --- the server's own ------------------------------------------------------- */

static long do_statfs(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	NEED_MOUNT();
	uint64_t fb, fi;
	ext2_statfs(&fs_ext2, &fb, &fi);
	resp->w[1] = ext2_block_size(&fs_ext2);
	resp->w[2] = fs_ext2.g.blocks_count;
	resp->w[3] = fb;
	resp->w[4] = fi;
	resp->words = 5;
	return answer(resp, 0);
}

static long do_config(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] < 1 || req->w[0] > PAGER_SUPPLY_MAX)
		return answer(resp, -FS_EINVAL);
	pager_set_cluster(&fs_pager, (uint32_t)req->w[0]);
	return answer(resp, 0);
}

static long do_stats(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	resp->w[1] = fs_stats.fills;
	resp->w[2] = fs_stats.pages_read;
	resp->w[3] = fs_stats.pages_written;
	resp->w[4] = fs_file_count();
	resp->words = 5;
	return answer(resp, 0);
}

static long do_files(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t at = req->w[0], count = 0;
	while (count < FS_FILES_MAX && at < PAGER_MAX_OBJECTS) {
		struct fs_file_info fi;
		at = fs_file_next((uint32_t)at, &fi);
		if (!at)
			break;
		memcpy(&resp->w[2 + count * FS_FILE_WORDS], &fi, sizeof(fi));
		count++;
	}
	resp->w[1] = at < PAGER_MAX_OBJECTS ? at : 0;
	resp->words = 2 + (uint32_t)(count * FS_FILE_WORDS);
	return answer(resp, (long)count);
}

#define MAXW IPC_MAX_WORDS
static const struct ipc_handler handlers[] = {
	{ FS_OPEN, "open", 3, MAXW, 0, 0, do_open },
	{ FS_STAT, "stat", 2, MAXW, 0, 0, do_stat },
	{ FS_FSTAT, "fstat", 1, 1, 0, 0, do_fstat },
	{ FS_READDIR, "readdir", 2, 2, 0, 0, do_readdir },
	{ FS_MKDIR, "mkdir", 2, MAXW, 0, 0, do_mkdir },
	{ FS_RMDIR, "rmdir", 1, MAXW, 0, 0, do_rmdir },
	{ FS_UNLINK, "unlink", 1, MAXW, 0, 0, do_unlink },
	{ FS_RENAME, "rename", 1, MAXW, 0, 0, do_rename },
	{ FS_LINK, "link", 1, MAXW, 0, 0, do_link },
	{ FS_SYMLINK, "symlink", 1, MAXW, 0, 0, do_symlink },
	{ FS_READLINK, "readlink", 1, MAXW, 0, 0, do_readlink },
	{ FS_TRUNCATE, "truncate", 2, 2, 0, 0, do_truncate },
	{ FS_EXTEND, "extend", 3, 3, 0, 0, do_extend },
	{ FS_FSYNC, "fsync", 1, 1, 0, 0, do_fsync },
	{ FS_CLOSE, "close", 1, 1, 0, 0, do_close },
	{ FS_SYNC, "sync", 0, 0, 0, 0, do_sync },
	{ FS_STATFS, "statfs", 0, 0, 0, 0, do_statfs },
	{ FS_CONFIG, "config", 1, 1, 0, 0, do_config },
	{ FS_STATS, "stats", 0, 0, 0, 0, do_stats },
	{ FS_FILES, "files", 1, 1, 0, 0, do_files },
};

int main(int argc, char **argv)
{
	ipc_buffer_setup(&buf);
	/* Its own endpoint (the frames of evicted dirty pages land in the
	 * owner's space), handed over slot 1; a receive side there is served
	 * as it is (tests). */
	long ep = handle_is(FS_H_EP, OBJ_ENDPOINT, R_RECV) ? FS_H_EP
							    : pager_endpoint_handoff(FS_H_EP, &buf);
	if (ep < 0) {
		uprintf("fs: no endpoint: %s\n", err_name(ep));
		return 1;
	}
	mount_root();
	fs_pager.name = "fs";
	fs_pager.ep = (int)ep;
	fs_pager.ops = &fs_pager_ops;
	fs_pager.server = (struct ipc_server){ .table = handlers,
					       .ntable = sizeof(handlers) / sizeof(handlers[0]),
					       .ctx = &fs_pager, .buf = &buf, .name = "fs" };
	fs_pager.pool_base = FS_POOL_BASE;
	fs_pager.pool_cap = FS_POOL_MAX;
	fs_pager.pool_size = 16;
	fs_pager.pool_low = 4;
	fs_pager.pool_free = pool_slots;
	fs_pager.pool_ready = pool_ready;
	fs_pager.cluster = 1;
	fs_pager.stage_base = FS_STAGE_BASE;
	fs_pager.return_base = FS_RET_VA;
	fs_pager.return_pages = FS_RET_PAGES;
	long err = pager_run(&fs_pager);
	uprintf("fs: endpoint gone (%s)\n", err_name(err));
	if (fs_mounted) {
		fs_writeback_all();
		ext2_sync(&fs_ext2);
	}
	return 0;
}
